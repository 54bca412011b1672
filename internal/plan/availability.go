package plan

import (
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strconv"
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

// componentConflict is a value whose server component is missing.
type componentConflict struct {
	path, comp string
	plan       model.Value
	avail      model.Value
	ok         bool
}

// missingComponents lists the values of a set whose component is not
// installed, memoised per shared set (a plan's synced subscriptions share
// one set, so it is checked once).
func (e *engine) missingComponents(props model.Props, memoID string) []componentConflict {
	if memoID != "" {
		e.mu.Lock()
		cs, ok := e.compMemo[memoID]
		e.mu.Unlock()
		if ok {
			return cs
		}
	}
	srv := e.cfg.Server
	var out []componentConflict
	for path, v := range props {
		p := model.Lookup(path)
		if p == nil || p.Component == nil {
			continue
		}
		comp := p.Component(v)
		if comp == "" || srv.HasComponent(comp) {
			continue
		}
		avail, ok := e.fallback(path, v)
		out = append(out, componentConflict{path: path, comp: comp, plan: v, avail: avail, ok: ok})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	if memoID != "" {
		e.mu.Lock()
		e.compMemo[memoID] = out
		e.mu.Unlock()
	}
	return out
}

// checkComponents turns values whose server component is missing into
// conflicts with the best available value.
func (e *engine) checkComponents(s *sub) {
	memo := ""
	if s.eff == nil {
		memo = s.effSet.id
	}
	cs := e.missingComponents(s.props(), memo)
	for _, c := range cs {
		e.conflict(s, c.path, c.plan, c.avail, c.ok, "component "+c.comp+" not installed", "install component "+c.comp+" (add it to server.components)")
	}
	if memo != "" && len(cs) > 0 {
		// Share the adjusted set among the plan's subscriptions too.
		e.mu.Lock()
		adj, ok := e.adjMemo[memo]
		if !ok {
			adj = e.sets.intern(s.eff, s.services)
			e.adjMemo[memo] = adj
		}
		e.mu.Unlock()
		s.eff, s.effSet = nil, adj
	}
}

// fallback returns the value the server can provide instead of v.
func (e *engine) fallback(path string, v model.Value) (model.Value, bool) {
	srv := e.cfg.Server
	has := func(c string) bool { return srv.HasComponent(c) }
	switch path {
	case "hosting.php_version":
		best := ""
		var comps []string
		if srv != nil {
			comps = srv.Components
		}
		for _, c := range comps {
			ver, ok := strings.CutPrefix(c, "php")
			if !ok || ver == "" || !(ver[0] >= '0' && ver[0] <= '9') {
				continue
			}
			if versionLess(ver, v.S) && (best == "" || versionLess(best, ver)) {
				best = ver
			}
		}
		if best == "" {
			for _, c := range comps {
				ver, ok := strings.CutPrefix(c, "php")
				if ok && ver != "" && ver[0] >= '0' && ver[0] <= '9' && (best == "" || versionLess(best, ver)) {
					best = ver
				}
			}
		}
		if best == "" {
			return model.Value{}, false
		}
		return model.String(best), true
	case "hosting.php_handler":
		for _, h := range []string{"fpm", "fastcgi", "cgi"} {
			if has("php-" + h) {
				return model.Enum(h), true
			}
		}
		return model.Value{}, false
	case "hosting.webstats":
		for _, w := range []string{"awstats", "webalizer"} {
			if has(w) {
				return model.Enum(w), true
			}
		}
		return model.Enum("none"), true
	case "mail.webmail":
		for _, w := range []string{"roundcube", "horde"} {
			if has(w) {
				return model.Enum(w), true
			}
		}
		return model.Enum("none"), true
	case "mail.enabled", "mail.spamfilter":
		return model.Bool(false), true
	case "mail.antivirus":
		return model.Enum("off"), true
	}
	return model.Value{}, false
}

// versionLess compares dotted version numbers.
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
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

// checkRetired turns services whose extension was removed into conflicts:
// the plan still lists them, the server cannot provide them.
func (e *engine) checkRetired(s *sub) {
	if len(e.cfg.Retired) == 0 {
		return
	}
	var kept []string
	for _, name := range s.services {
		ext, gone := e.cfg.Retired[name]
		if !gone {
			kept = append(kept, name)
			continue
		}
		s.conflicts = append(s.conflicts, Conflict{Subscription: s.cfg.Domain, Property: "services." + name,
			PlanValue: Val{Set: true, JSON: true, Text: "true"}, AvailableValue: Val{Set: true, JSON: false, Text: "false"},
			Reason: "service " + name + " unavailable: extension " + ext + " removed", Fix: "install extension " + ext + " (add it to server.extensions)"})
	}
	if len(kept) != len(s.services) {
		s.own()
		s.services = kept
	}
}
