package plan

// Subscriber settings (SPEC §1.3, §2.4, §2.9): the values a subscriber
// chose for settings its effective permissions let it change replace the
// plan's values and do not unsync the subscription. A value whose
// permission is not granted is an error naming the permission, unless the
// subscriber had it and a plan change revoked the permission: then it is
// dropped, with the reason in the plan, and recorded as dropped (so it
// stays dropped, without an error, while it is unchanged).

import (
	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// applySettings puts the subscriber's settings on top of eff (the base
// with the customisation) where eff's permissions grant them.
func (e *engine) applySettings(s *sub, eff model.Props) {
	ss, p, cfg := s.inSettings, s.prior, s.cfg
	if ss == nil {
		return
	}
	var priorSettings model.Props
	if p != nil && p.Settings != "" {
		priorSettings = e.sets.recorded(p.Settings).props
	}
	for _, path := range ss.Props.Paths() {
		v := ss.Props[path]
		perm := model.PermissionFor(path)
		if eff["permissions."+perm].Truth() {
			if s.settings == nil {
				s.settings = model.Props{}
			}
			s.settings[path] = v
			eff[path] = v
			continue
		}
		if _, had := priorSettings[path]; had {
			s.dropped = append(s.dropped, "subscriber value for "+path+" dropped: permission "+perm+" is no longer granted")
			s.drop(path, v)
			continue
		}
		if p != nil && p.DroppedSettings != "" {
			if old, ok := e.sets.recorded(p.DroppedSettings).props[path]; ok && old == v {
				s.drop(path, v) // dropped earlier, unchanged since: stays dropped
				continue
			}
		}
		e.diag(diag.Diagnostic{Severity: diag.Error,
			Summary: "subscriber setting " + path + " needs permission " + perm + ", which subscription " + cfg.Domain + " does not grant",
			Object:  "subscriber_settings " + cfg.Domain, Path: path, Subject: ss.Src.At(path)})
	}
}

// drop records a subscriber value left out for want of permission.
func (s *sub) drop(path string, v model.Value) {
	if s.droppedVals == nil {
		s.droppedVals = model.Props{}
	}
	s.droppedVals[path] = v
}
