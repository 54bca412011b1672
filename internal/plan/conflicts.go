package plan

// Conflicts: what a plan asks and cannot be provided (SPEC §1.3, §1.5).
// Availability limits every subscription's effective values: server
// components (components.go), the owner reseller's allocation, its
// permissions and services available to resellers (allocation.go). Each
// limitation is a conflict: property, plan value, available value, the
// reason and the way to adapt the system; the subscription carries the
// available value and a synced one becomes unsynced (lock.go). A conflict
// identical to one already recorded was accepted by an earlier `apply
// --accept-available`: it is reported as accepted and does not block.

import (
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// checkAvailability limits every subscription's effective values by what
// can be provided: server components, the owner's reseller allocation
// (permissions and resources) and services' availability to resellers.
// What cannot be provided becomes a conflict and the available value.
func (e *engine) checkAvailability(subs []*sub) {
	for _, s := range subs {
		e.checkDeleted(s)
		if s.owner != model.Admin {
			e.checkResellerGrants(s)
		} else {
			e.checkRetired(s)
		}
	}
	byReseller := map[string][]*sub{}
	for _, s := range subs {
		if s.owner != model.Admin {
			byReseller[s.owner] = append(byReseller[s.owner], s)
		}
	}
	for _, login := range slices.Sorted(maps.Keys(byReseller)) {
		e.allocate(login, byReseller[login])
	}
	for _, s := range subs {
		sortConflicts(s.conflicts)
		for i := range s.conflicts {
			s.conflicts[i].Accepted = s.prior != nil && (hasConflict(s.prior.Conflicts, s.conflicts[i]) || e.acceptedBeforeRename(s, s.conflicts[i]))
		}
	}
}

// acceptedBeforeRename reports whether conflict c of subscription s was
// recorded (accepted) under its owner reseller's recorded login, the
// reseller being renamed since (renamed_from): the same conflict, whose
// reason named the reseller by its old login.
func (e *engine) acceptedBeforeRename(s *sub, c Conflict) bool {
	r := e.cfg.Resellers[s.owner]
	if r == nil || r.RenamedFrom == "" {
		return false
	}
	if n, ok := e.renamedTo("reseller", r.RenamedFrom); !ok || n != s.owner {
		return false
	}
	c.Reason = strings.ReplaceAll(c.Reason, "reseller "+s.owner, "reseller "+r.RenamedFrom)
	return hasConflict(s.prior.Conflicts, c)
}

func hasConflict(recorded []state.Conflict, c Conflict) bool {
	for _, r := range recorded {
		if r.Property == c.Property && r.Reason == c.Reason &&
			jsonText(r.PlanValue) == jsonText(c.PlanValue.JSON) && jsonText(r.AvailableValue) == jsonText(c.AvailableValue.JSON) {
			return true
		}
	}
	return false
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// props returns the subscription's current effective values (read only).
func (s *sub) props() model.Props {
	if s.eff != nil {
		return s.eff
	}
	return s.effSet.props
}

// own gives the subscription its own copy of its values before a change.
func (s *sub) own() {
	if s.eff == nil {
		s.eff = s.effSet.props.Clone()
		s.services = s.effSet.services
		s.effSet = nil
	}
}

func (e *engine) conflict(s *sub, path string, plan model.Value, avail model.Value, availOK bool, reason, fix string) {
	s.own()
	c := Conflict{Subscription: s.cfg.Domain, Property: path, PlanValue: propVal(plan, true),
		AvailableValue: propVal(avail, availOK), Reason: reason, Fix: fix}
	if !availOK {
		c.AvailableValue = Val{Set: false, JSON: nil, Text: "(not available)"}
		delete(s.eff, path)
	} else {
		s.eff[path] = avail
	}
	s.conflicts = append(s.conflicts, c)
}

// conflictsField is the change of a subscription's conflicts from before
// to after (nil when they are the same list of lines): in text one line
// per conflict, as people read it; in JSON each conflict as the state
// records it and show prints it (property, plan_value, available_value,
// reason), its values in JSON units (sizes in bytes, -1 unlimited).
func conflictsField(before, after []state.Conflict) (FieldChange, bool) {
	f, ok := listField("conflicts", conflictLines(before), conflictLines(after))
	if !ok {
		return f, false
	}
	asJSON := func(cs []state.Conflict) []any {
		out := make([]any, len(cs))
		for i, c := range cs {
			out[i] = state.Conflict{Property: c.Property, PlanValue: c.PlanValue, AvailableValue: c.AvailableValue, Reason: c.Reason}
		}
		return out
	}
	if f.Before.Set {
		f.Before.JSON = asJSON(before)
	}
	if f.After.Set {
		f.After.JSON = asJSON(after)
	}
	return f, true
}

// conflictLines renders recorded conflicts for a field change.
func conflictLines(cs []state.Conflict) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Property+": plan "+conflictText(c.Property, c.PlanValue)+", available "+conflictText(c.Property, c.AvailableValue))
	}
	return out
}

// conflictText renders a recorded conflict value as people read it.
func conflictText(property string, v any) string {
	if v == nil {
		return "(not available)"
	}
	kind := model.KindString
	if p := model.Lookup(property); p != nil {
		kind = p.Kind
	} else if _, ok := v.(bool); ok {
		kind = model.KindBool
	}
	t := valueFromJSON(kind, v).Text()
	return strings.Trim(t, `"`)
}

func sameConflicts(a, b []state.Conflict) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Property != b[i].Property || a[i].Reason != b[i].Reason ||
			jsonText(a[i].PlanValue) != jsonText(b[i].PlanValue) || jsonText(a[i].AvailableValue) != jsonText(b[i].AvailableValue) {
			return false
		}
	}
	return true
}

// resolvedConflicts lists the properties in conflict before that are
// not any more; only is true when every conflict after was there before,
// the same (nothing new cannot be provided).
func resolvedConflicts(before, after []state.Conflict) (props []string, only bool) {
	now := map[string]bool{}
	for _, c := range after {
		now[c.Property] = true
	}
	for _, c := range before {
		if !now[c.Property] && !slices.Contains(props, c.Property) {
			props = append(props, c.Property)
		}
	}
	only = true
	for _, c := range after {
		same := false
		for _, b := range before {
			if b.Property == c.Property && b.Reason == c.Reason &&
				jsonText(b.PlanValue) == jsonText(c.PlanValue) && jsonText(b.AvailableValue) == jsonText(c.AvailableValue) {
				same = true
				break
			}
		}
		only = only && same
	}
	return props, only
}

func sortConflicts(cs []Conflict) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Subscription != cs[j].Subscription {
			return cs[i].Subscription < cs[j].Subscription
		}
		return cs[i].Property < cs[j].Property
	})
}

// resolvedAction is the action and reason of an unsynced subscription
// whose conflicts are gone.
func resolvedAction(before, after, plan string) (Action, string, bool) {
	if before == Unsynced && after == Synced {
		return Sync, "conflicts resolved: synced with plan " + plan, true
	}
	return "", "", false
}
