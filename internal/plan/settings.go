package plan

// Subscriber settings (SPEC §1.3, §2.4, §2.9): the values a subscriber
// chose for settings its effective permissions let it change replace the
// plan's values and do not unsync the subscription. A value whose
// permission the subscription's plans and customisation do not grant is
// an error naming the permission (SPEC §2.9, §5), whatever the history:
// also when a plan edit, a plan switch or an add-on's removal took away a
// permission the subscriber had, so the same files always mean the same
// (the error is the operator's cue to remove the value). A permission
// the owning reseller does not hold is not an effective one either: the
// values it governs are dropped when availability takes it away
// (dropUnheldSettings). A value that needs a server component the server
// does not have cannot be given either: it is dropped the same way
// (dropUnavailableSettings), so that it never makes the subscription
// unsynced: only what the plans ask for can.

import (
	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// applySettings puts the subscriber's settings on top of eff (the base
// with the customisation) where eff's permissions grant them.
func (e *engine) applySettings(s *sub, eff model.Props) {
	ss, cfg := s.inSettings, s.cfg
	if ss == nil {
		return
	}
	for _, path := range ss.Props.Paths() {
		v := ss.Props[path]
		perm := model.PermissionFor(path)
		if eff["permissions."+perm].Truth() {
			if s.settings == nil {
				s.settings, s.settingsWas = model.Props{}, model.Props{}
			}
			s.settings[path] = v
			if was, ok := eff[path]; ok {
				s.settingsWas[path] = was
			}
			eff[path] = v
			continue
		}
		e.diag(diag.Diagnostic{Severity: diag.Error,
			Summary: "subscriber setting " + path + " needs permission " + perm + ", which subscription " + cfg.Domain + " does not grant",
			Object:  "subscriber_settings " + cfg.Domain, Path: path, Subject: ss.Src.At(path)})
	}
}

// dropUnheldSettings takes back the subscriber's values that permission
// perm governs when the owner reseller does not hold it: the effective
// permissions (after availability, SPEC §1.3, §1.5) do not grant it, so
// the subscriber's values are not kept; the plan's (or customisation's)
// value stays, and the plan says why. Worked out again by each plan, the
// value is taken again once the reseller holds the permission. It returns the
// values back in place (to check for their components: they were checked
// with the subscriber's values in their place).
func (s *sub) dropUnheldSettings(perm, reseller string) model.Props {
	var back model.Props
	for _, path := range s.settings.Paths() {
		if model.PermissionFor(path) != perm {
			continue
		}
		if was, ok := s.settingsWas[path]; ok {
			s.eff[path] = was
			if back == nil {
				back = model.Props{}
			}
			back[path] = was
		} else {
			delete(s.eff, path)
		}
		s.dropped = append(s.dropped, "subscriber value for "+path+" dropped: permission "+perm+" not held by reseller "+reseller)
		s.drop(path, s.settings[path])
		delete(s.settings, path)
	}
	if len(s.settings) == 0 {
		s.settings = nil
	}
	return back
}

// dropUnavailableSettings takes back the subscriber's values that need a
// server component the server does not have (SPEC §1.3: the subscriber's
// own values are ignored by synchronisation, and §1.5: a value is
// available only with its component). The plan's (or customisation's)
// value stays, checked like any other, and the plan says why. Worked out
// again by each plan, the value is taken once the component is installed.
func (e *engine) dropUnavailableSettings(s *sub) {
	for _, path := range s.settings.Paths() {
		v := s.settings[path]
		p := model.Lookup(path)
		if p == nil || p.Component == nil {
			continue
		}
		comp := p.Component(v)
		if comp == "" || e.cfg.Server.HasComponent(comp) {
			continue
		}
		s.own()
		if was, ok := s.settingsWas[path]; ok {
			s.eff[path] = was
		} else {
			delete(s.eff, path)
		}
		s.dropped = append(s.dropped, "subscriber value for "+path+" dropped: component "+comp+" not installed")
		s.drop(path, v)
		delete(s.settings, path)
	}
	if len(s.settings) == 0 {
		s.settings = nil
	}
}

// drop records a subscriber value left out for want of permission (or of
// a server component).
func (s *sub) drop(path string, v model.Value) {
	if s.droppedVals == nil {
		s.droppedVals = model.Props{}
	}
	s.droppedVals[path] = v
}
