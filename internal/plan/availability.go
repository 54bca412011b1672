package plan

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
			s.conflicts[i].Accepted = s.prior != nil && hasConflict(s.prior.Conflicts, s.conflicts[i])
		}
	}
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

// resellerAllocation returns what a reseller received: its reseller
// plan's values, or its explicit allocation.
func (e *engine) resellerAllocation(login string) (model.Props, []string, bool, bool) {
	if a, ok := e.allocs[login]; ok {
		return a.props, a.services, a.oversell, a.ok
	}
	props, services, oversell, ok := e.computeAllocation(login)
	e.allocs[login] = allocation{props, services, oversell, ok}
	return props, services, oversell, ok
}

type allocation struct {
	props    model.Props
	services []string
	oversell bool
	ok       bool
}

func (e *engine) computeAllocation(login string) (model.Props, []string, bool, bool) {
	r := e.cfg.Resellers[login]
	if r == nil {
		return nil, nil, false, false
	}
	if r.Plan != model.None {
		if p := e.cfg.ResellerPlans[r.Plan]; p != nil {
			props := defaultProps()
			props.Overlay(p.Props)
			return props, p.Services, p.Oversell, true
		}
		return nil, nil, false, false
	}
	if len(r.Props) == 0 && len(r.Services) == 0 {
		return nil, nil, false, false // totals: nothing to limit by
	}
	props := defaultProps()
	props.Overlay(r.Props)
	return props, r.Services, r.Oversell, true
}

// checkResellerGrants: a reseller's subscription gets at most the
// permissions the reseller holds, and only services available to
// resellers.
func (e *engine) checkResellerGrants(s *sub) {
	if s.eff != nil {
		e.resellerGrants(s)
		return
	}
	// A shared set gives the same result for every subscription of the
	// owner on it: check once, then share the outcome.
	key := s.owner + "\x00" + s.effSet.id
	if adj, ok := e.grantMemo[key]; ok {
		if adj != nil {
			e.resellerGrants(s) // records this subscription's conflicts
			s.eff, s.effSet, s.services = nil, adj, adj.services
		}
		return
	}
	before := len(s.conflicts)
	e.resellerGrants(s)
	if len(s.conflicts) == before {
		e.grantMemo[key] = nil
		return
	}
	adj := e.sets.intern(s.eff, s.services)
	e.grantMemo[key] = adj
	s.eff, s.effSet = nil, adj
}

func (e *engine) resellerGrants(s *sub) {
	alloc, _, _, ok := e.resellerAllocation(s.owner)
	if ok {
		for _, path := range s.props().Paths() {
			if !strings.HasPrefix(path, "permissions.") || !s.props()[path].Truth() {
				continue
			}
			if !alloc[path].Truth() {
				perm := strings.TrimPrefix(path, "permissions.")
				e.conflict(s, path, s.props()[path], model.Bool(false), true,
					"permission "+perm+" not held by reseller "+s.owner,
					"grant "+perm+" to reseller "+s.owner+" (its reseller plan)")
			}
		}
	}
	e.checkRetired(s)
	all := e.allServices()
	var kept []string
	for _, name := range s.services {
		if svc := all[name]; svc != nil && !svc.AvailableToResellers {
			c := Conflict{Subscription: s.cfg.Domain, Property: "services." + name,
				PlanValue: Val{Set: true, JSON: true, Text: "true"}, AvailableValue: Val{Set: true, JSON: false, Text: "false"},
				Reason: "service " + name + " unavailable to resellers", Fix: "make service " + name + " available to resellers"}
			s.conflicts = append(s.conflicts, c)
			continue
		}
		kept = append(kept, name)
	}
	if len(kept) != len(s.services) {
		s.own()
		s.services = kept
	}
}

// allocate serves a reseller's subscriptions from its allocation. With
// oversell only each single value must fit. Without oversell the sum must
// fit, and what a subscription already has applied keeps priority: each
// keeps what it had (up to what it asks) first; then what is new — a new
// subscription, or the growth of one beyond what it had — is served from
// what is left in sorted key order. What does not fit is a conflict: a
// grown subscription keeps what it had, a new one gets what is left.
// Only an allocation lowered below what is applied cuts applied values,
// in key order.
func (e *engine) allocate(login string, subs []*sub) {
	alloc, _, oversell, ok := e.resellerAllocation(login)
	if !ok {
		return
	}
	order := append([]*sub(nil), subs...)
	sort.Slice(order, func(i, j int) bool { return order[i].cfg.Domain < order[j].cfg.Domain })
	for _, c := range model.Catalog() {
		if !strings.HasPrefix(c.Path, "resources.") || (c.Kind != model.KindSize && c.Kind != model.KindCount) ||
			c.Where&model.InServicePlan == 0 {
			continue
		}
		limit, has := alloc[c.Path]
		if !has || limit.IsUnlimited() {
			continue
		}
		path := c.Path
		name := strings.TrimPrefix(path, "resources.")
		exhausted := func(s *sub, asked model.Value, avail int64) {
			e.conflict(s, path, asked, model.Value{K: asked.K, N: avail}, true,
				"reseller "+login+"'s "+name+" allocation exhausted", "raise reseller "+login+"'s "+name+" allocation")
		}
		if oversell {
			for _, s := range order {
				if asked, ok := s.props()[path]; ok && model.Less(limit, asked) {
					e.conflict(s, path, asked, limit, true, "exceeds reseller "+login+"'s "+name+" allocation",
						"raise reseller "+login+"'s "+name+" allocation")
				}
			}
			continue
		}
		// kept[i] is what order[i] already has applied from this
		// allocation and still asks for; served first.
		kept := make([]int64, len(order))
		cut := make([]bool, len(order))
		remaining := limit.N
		for i, s := range order {
			asked, ok := s.props()[path]
			if !ok {
				continue
			}
			had, ok := e.appliedFrom(s, login, path)
			if !ok {
				continue
			}
			k := had
			if !asked.IsUnlimited() && asked.N < k {
				k = asked.N
			}
			if k > remaining {
				exhausted(s, asked, remaining)
				cut[i], k = true, remaining
			}
			kept[i] = k
			remaining -= k
		}
		for i, s := range order {
			asked, ok := s.props()[path]
			if !ok || cut[i] {
				continue
			}
			if !asked.IsUnlimited() && asked.N-kept[i] <= remaining {
				remaining -= asked.N - kept[i]
				continue
			}
			if kept[i] > 0 {
				exhausted(s, asked, kept[i]) // keeps what it had
				continue
			}
			exhausted(s, asked, remaining)
			remaining = 0
		}
	}
}

// appliedFrom returns how much of a resource a subscription already has
// applied from reseller login's allocation: its recorded value when it
// was recorded under that reseller (or under its former login) with a
// limited value.
func (e *engine) appliedFrom(s *sub, login, path string) (int64, bool) {
	p := s.prior
	if p == nil {
		return 0, false
	}
	if p.Owner != login {
		if n, ok := e.renamedTo("reseller", p.Owner); !ok || n != login {
			return 0, false
		}
	}
	v, ok := e.sets.recorded(p.Effective).props[path]
	if !ok || v.IsUnlimited() {
		return 0, false
	}
	return v.N, true
}
