package plan

// Reseller allocation and oversell (SPEC §1.2, §1.4, §1.5, §2.3, §2.7).
// A reseller's allocation is its reseller plan's values over the reseller
// plan defaults (limits unlimited, permissions not granted), or with plan
// none its explicit allocation over the same defaults, or, when it gives
// none (a converted customer), the totals of the subscriptions it had
// when it was converted (convertedTotals): those subscriptions fit them
// and keep what they have, and any other subscription of the reseller is
// served from them, in that run as once they are recorded as its
// allocation. It is computed once (resellerAllocation): the same values
// limit the reseller's subscriptions and are recorded and shown.
//
// A reseller's subscription gets at most the permissions the reseller
// holds, and only services available to resellers. Its resources are
// served from the allocation: with oversell (the reseller plan's, or the
// reseller's own with plan none, `oversell: true`) each single value must
// fit; without it the sum must fit, what a subscription already has
// applied keeps priority, and what is new is served in key order (see
// allocate). A reseller plan's customers and subscriptions counts are hard
// limits: more of them is an error (checkCounts).
//
// permissions.allow_oversell is not an oversell policy: it is the Plesk
// reseller privilege to choose its own oversell policy in the panel, sent
// to Plesk as it is. It changes no limit; granted without oversell it is a
// warning (oversellWarnings).

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// allocation is what a reseller received.
type allocation struct {
	// props are the allocation's values (nil when it has none: a reseller
	// whose plan is missing; a converted customer's totals are set by
	// convertedTotals before the resellers are planned).
	props    model.Props
	services []string // sorted
	oversell bool
	// limits says the allocation limits the reseller's subscriptions.
	limits bool
	// totals: the allocation is the totals of its subscriptions (totals).
	totals bool
	// sync is the reseller's sync status: synced with a reseller plan,
	// custom without.
	sync string
}

// defaultResellerProps: a reseller plan leaves limits unlimited and
// permissions not granted and its expiration unlimited (SPEC §2.2: a
// resource a plan leaves out is unlimited).
func defaultResellerProps() model.Props { return planDefaults(model.InResellerPlan, true) }

// resellerAllocation returns what a reseller received, computed once
// (a converted customer's totals are filled in by convertedTotals, once
// its subscriptions are prepared, before anything reads its limits).
func (e *engine) resellerAllocation(login string) allocation {
	if a, ok := e.allocs[login]; ok {
		return a
	}
	a := e.computeAllocation(login)
	e.allocs[login] = a
	return a
}

func (e *engine) computeAllocation(login string) allocation {
	r := e.cfg.Resellers[login]
	if r == nil {
		return allocation{}
	}
	a := allocation{oversell: r.Oversell, sync: Custom}
	switch {
	case r.Plan != model.None:
		a.sync = Synced
		if p := e.cfg.ResellerPlans[r.Plan]; p != nil {
			a.props = defaultResellerProps()
			a.props.Overlay(p.Props)
			a.services, a.oversell, a.limits = sortedCopy(p.Services), p.Oversell, true
		}
	case len(r.Props) > 0 || len(r.Services) > 0:
		a.props = defaultResellerProps()
		a.props.Overlay(r.Props)
		a.services, a.limits = sortedCopy(r.Services), true
	default:
		// No allocation given: a reseller recorded with one keeps it (a
		// converted customer's totals, fixed when it was converted, or
		// what it had on its reseller plan), and later subscriptions
		// are served from it; a customer converted now gets the totals
		// of the subscriptions it had (SPEC §1.4), computed from them
		// before availability is checked (convertedTotals).
		prior := e.priorResellers[login]
		if prior == nil && r.RenamedFrom != "" {
			prior = e.priorResellers[r.RenamedFrom]
		}
		if prior != nil && prior.Allocation != "" && e.sets.inPrior(prior.Allocation) {
			// Kept even when empty: a customer converted with no
			// subscription has totals of nothing (no limits, no
			// permissions), fixed as any other's.
			if set := e.sets.recorded(prior.Allocation); set != nil {
				a.props, a.services, a.limits = set.props.Clone(), set.services, true
				break
			}
		}
		a.totals = true
	}
	return a
}

// convertedTotals gives each customer converted in this run with no
// allocation (allocation.totals) the totals of the subscriptions it had
// (SPEC §1.4), before availability is checked: those subscriptions, the
// customer's own in the prior state, fit them by construction and are
// kept whole (applied), while one it did not have (new in this run, or
// another account's moved to it) is served from them as from any
// allocation, as it is once they are recorded. Services unavailable to
// resellers are not among them (its subscriptions do not keep them).
func (e *engine) convertedTotals(subs []*sub) {
	var logins []string
	for _, login := range slices.Sorted(maps.Keys(e.cfg.Resellers)) {
		if a := e.resellerAllocation(login); a.totals && !a.limits {
			logins = append(logins, login)
		}
	}
	if len(logins) == 0 {
		return
	}
	// One pass over the subscriptions, whatever the number converted.
	had := map[string][]*sub{}
	for _, s := range subs {
		if s != nil && e.hadAsCustomer(s, s.owner) {
			had[s.owner] = append(had[s.owner], s)
		}
	}
	for _, login := range logins {
		a := e.resellerAllocation(login)
		set := e.totals(login, had[login])
		all := e.allServices()
		var services []string
		for _, name := range set.services {
			// Only what its subscriptions get once availability is
			// checked: a service that exists here (not deleted, its
			// extension present: checkDeleted, checkRetired) and is
			// available to resellers (resellerGrants).
			_, retired := e.cfg.Retired[name]
			_, lacks := e.cfg.Lacking[name]
			if svc := all[name]; svc != nil && svc.AvailableToResellers && !retired && !lacks {
				services = append(services, name)
			}
		}
		a.props, a.services, a.limits = set.props.Clone(), services, true
		e.allocs[login] = a
	}
}

// hadAsCustomer reports whether subscription s was recorded as customer
// login's, which is converted into a reseller in this run.
func (e *engine) hadAsCustomer(s *sub, login string) bool {
	return s.prior != nil && s.prior.Customer == login && e.resellerAllocation(login).totals
}

// recordAllocation records a reseller's allocation, its services and
// oversell policy, and its sync status, in rec; it returns the recorded
// allocation (nil when there is none).
func (e *engine) recordAllocation(rec *state.Reseller) *pset {
	a := e.resellerAllocation(rec.Login)
	rec.Oversell, rec.SyncStatus = a.oversell, a.sync
	if a.props == nil {
		return nil
	}
	var alloc *pset
	if prior := e.priorResellers[rec.Login]; prior != nil && e.sets.inPrior(prior.Allocation) {
		// The recorded allocation, when it differs only by what a
		// reseller plan leaves out written out (an expiration recorded
		// before it was given its unlimited default): the same.
		if old := e.sets.recorded(prior.Allocation); slices.Equal(old.services, a.services) &&
			sameWithDefaults(old.props, a.props, resellerDefaults()) {
			alloc = old
		}
	}
	if alloc == nil {
		alloc = e.sets.intern(a.props, a.services)
	}
	rec.Allocation = e.sets.use(alloc)
	rec.Services = alloc.services
	return alloc
}

// resellerPlanReaches makes a reseller's changed allocation, on the same
// reseller plan as recorded, fan-out of that plan's change (when it
// changed): the plan change lists the reseller, and the reseller's change
// names it as its cause, unless own: the reseller's own fields change too,
// and its change stands on its own (shown in full, not summarised).
func (e *engine) resellerPlanReaches(c *Change, plan string, own bool) {
	addr := "reseller_plan " + plan
	pc := e.planChanged[addr]
	if plan == model.None || pc == nil {
		return
	}
	if !own {
		c.Cause = addr
	}
	c.Reasons = append(c.Reasons, "reseller plan "+plan+" changed")
	if pc.Fanout == nil {
		pc.Fanout = &Fanout{}
	}
	pc.Fanout.Reaches = append(pc.Fanout.Reaches, c.Key)
}

// totals is the allocation of a reseller with no plan and no explicit
// allocation: the total of the resources, permissions and services of
// all the subscriptions it had (SPEC §1.4), as they are when apply
// converts it (SPEC §6.5 order): a plan edit of the same run reaches them
// first (detachedBase), while their own switches, add-ons and
// customisations of the same run come after the conversion, served from
// that allocation as they would be a run later; Plesk's
// convert-to-reseller totals what they have.
func (e *engine) totals(login string, subs []*sub) *pset {
	props := model.Props{}
	var services []string
	for _, s := range subs {
		if s.owner != login {
			continue
		}
		// What it has when apply converts its customer (s is recorded
		// as the customer's: hadAsCustomer): the plans are written
		// first, so a plan edit of this run reaches it before.
		h := e.detachedBase(s.prior)
		had, hadServices := h.props, h.services
		for path, v := range had {
			if !strings.HasPrefix(path, "resources.") && !strings.HasPrefix(path, "permissions.") {
				continue
			}
			if v.K != model.KindSize && v.K != model.KindCount && v.K != model.KindBool {
				continue
			}
			if cur, ok := props[path]; ok {
				if pooled(path) {
					props[path] = model.Add(cur, v)
				} else if model.Less(cur, v) {
					props[path] = v // the largest: a limit on each item
				}
			} else {
				props[path] = v
			}
		}
		services = model.Union(services, hadServices)
	}
	return e.sets.intern(props, services)
}

// checkCounts enforces the customers and subscriptions a reseller's
// allocation allows: more of them than allowed is an error naming the
// reseller and the limit (Plesk refuses to create them).
func (e *engine) checkCounts(planned []*sub) {
	customers := map[string][]string{}
	for login, c := range e.cfg.Customers {
		if o := ownerOf(c.Owner); o != model.Admin {
			customers[o] = append(customers[o], login)
		}
	}
	subs := map[string][]string{}
	for _, s := range planned {
		if s.owner != model.Admin {
			subs[s.owner] = append(subs[s.owner], s.cfg.Domain)
		}
	}
	for _, login := range slices.Sorted(maps.Keys(e.cfg.Resellers)) {
		a := e.resellerAllocation(login)
		if !a.limits {
			continue
		}
		alloc := a.props
		r := e.cfg.Resellers[login]
		for _, c := range []struct {
			path, what string
			have       []string
		}{{"resources.customers", "customer", customers[login]}, {"resources.subscriptions", "subscription", subs[login]}} {
			limit, has := alloc[c.path]
			if !has || limit.IsUnlimited() || int64(len(c.have)) <= limit.N {
				continue
			}
			sort.Strings(c.have)
			shown := c.have
			more := ""
			if len(shown) > 5 {
				shown, more = shown[:5], fmt.Sprintf(" and %d more", len(c.have)-5)
			}
			on := "" // a server of several: the allocation is that server's
			if e.cfg.Server != nil && e.cfg.Server.Name != "" {
				on = " on " + e.cfg.Server.Name
			}
			e.diags = append(e.diags, diag.Diagnostic{Severity: diag.Error, Subject: r.Src.Decl, Object: "reseller " + login,
				Summary: fmt.Sprintf("reseller %s may have at most %d %s%s, the config gives it %d (%s%s)", login, limit.N, plural(int(limit.N), c.what, c.what+"s"), on, len(c.have), strings.Join(shown, ", "), more),
				Detail:  "raise " + c.path + " of its reseller plan, or remove some"})
		}
	}
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
	if a := e.resellerAllocation(s.owner); a.limits {
		alloc := a.props
		for _, path := range s.props().Paths() {
			if !strings.HasPrefix(path, "permissions.") || !s.props()[path].Truth() {
				continue
			}
			if !alloc[path].Truth() {
				perm := strings.TrimPrefix(path, "permissions.")
				e.conflict(s, path, s.props()[path], model.Bool(false), true,
					"permission "+perm+" not held by reseller "+s.owner,
					"grant "+perm+" to reseller "+s.owner+" (its reseller plan)")
				if back := s.dropUnheldSettings(perm, s.owner); back != nil {
					e.componentConflicts(s, e.missingComponents(back, ""))
				}
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
// What is applied is never cut (SPEC §1.5), not even by an allocation
// lowered below it: the reseller is then over its allocation (Plesk
// shows it overused), which is a warning, and nothing new fits until it
// is raised or what is applied shrinks. What a server already has
// (Input.Existing: an import, a refresh) counts as applied.
func (e *engine) allocate(login string, subs []*sub) {
	e.allocated[login] = true
	a := e.resellerAllocation(login)
	if !a.limits {
		return
	}
	alloc, oversell := a.props, a.oversell
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
		if oversell || !pooled(path) {
			for _, s := range order {
				if asked, ok := s.props()[path]; ok && model.Less(limit, asked) {
					avail := limit
					if had, ok := e.applied(s, login, path); ok && model.Less(limit, had) {
						// What it has applied beyond the allocation is
						// never cut (SPEC §1.5): it keeps it, up to what
						// it asks.
						if !model.Less(had, asked) {
							continue
						}
						avail = had
					}
					e.conflict(s, path, asked, avail, true, "exceeds reseller "+login+"'s "+name+" allocation",
						"raise reseller "+login+"'s "+name+" allocation")
				}
			}
			continue
		}
		// kept[i] is what order[i] already has applied from this
		// allocation and still asks for; served first, and never cut.
		kept := make([]int64, len(order))
		held := make([]bool, len(order)) // something applied, if only 0
		whole := make([]bool, len(order))
		applied := int64(0)
		overUnlimited := false
		for i, s := range order {
			asked, ok := s.props()[path]
			if !ok {
				continue
			}
			if asked.IsUnlimited() && e.appliedUnlimited(s, login, path) {
				// Unlimited, as applied: kept (the reseller is over).
				whole[i], overUnlimited = true, true
				continue
			}
			had, ok := e.applied(s, login, path)
			if !ok {
				continue
			}
			k := had.N
			switch {
			case had.IsUnlimited():
				// A shrink from unlimited (it asks a limited value:
				// see above): all it asks is kept, no growth that
				// competes with the others (SPEC §1.5).
				k = asked.N
			case !asked.IsUnlimited() && asked.N < k:
				k = asked.N
			}
			kept[i], held[i] = k, true
			if applied > math.MaxInt64-k {
				// Beyond any allocation (add-on totals may pass
				// model.MaxLimit): the sum never wraps.
				applied = math.MaxInt64
			} else {
				applied += k
			}
		}
		remaining := limit.N - applied
		switch {
		case overUnlimited:
			e.overAllocated(login, path, -1, limit)
			remaining = 0
		case remaining < 0:
			e.overAllocated(login, path, applied, limit)
			remaining = 0
		}
		for i, s := range order {
			asked, ok := s.props()[path]
			if !ok || whole[i] {
				continue
			}
			if !asked.IsUnlimited() && asked.N-kept[i] <= remaining {
				remaining -= asked.N - kept[i]
				continue
			}
			if held[i] {
				// Keeps what it had, if only 0 (SPEC §1.5): only a new
				// subscription gets what is left.
				exhausted(s, asked, kept[i])
				continue
			}
			exhausted(s, asked, remaining)
			remaining = 0
		}
	}
}

// pooled reports whether a resource of a reseller's allocation is shared
// out among its subscriptions (their sum must fit, without oversell), as
// disk space, traffic and every count are. mailbox_quota is not: it is
// the size of one mailbox, a limit on each mailbox of each subscription,
// so each subscription's value must fit it and nothing adds up.
func pooled(path string) bool { return path != "resources.mailbox_quota" }

// overAllocated warns that what a reseller's subscriptions have applied
// of a resource is more than its allocation (lowered below it, or so on
// the server): nothing applied is cut, and nothing new fits. applied < 0
// stands for unlimited.
func (e *engine) overAllocated(login, path string, applied int64, limit model.Value) {
	r := e.cfg.Resellers[login]
	if r == nil {
		return
	}
	name := strings.TrimPrefix(path, "resources.")
	have := model.Value{K: limit.K, N: applied}.Text() + " of " + name
	if applied < 0 {
		have = "unlimited " + name
	}
	on := "" // a server of several: the allocation is that server's
	if e.cfg.Server != nil && e.cfg.Server.Name != "" {
		on = " on " + e.cfg.Server.Name
	}
	of, raise := limit.Text(), "raise"
	if e.in.Scope != nil && e.in.Scope.Reseller == login {
		// The reseller's own view: its allocation is the administrator's,
		// as recorded (its credentials cannot read it: one raised in the
		// panel since is not known here), and raising it is the
		// administrator's too.
		of += " as recorded (its reseller plan or allocation, which a reseller's credentials cannot read, as the administrator last applied or refreshed it)"
		raise = "have the administrator raise"
	}
	e.overAlloc[login] = append(e.overAlloc[login], diag.Diagnostic{Severity: diag.Warning, Subject: r.Src.Decl, Object: "reseller " + login, Path: "allocation." + path,
		Summary: fmt.Sprintf("reseller %s's subscriptions%s have %s applied, more than its allocation of %s: nothing applied is cut, and nothing more can be given",
			login, on, have, of),
		Detail: raise + " reseller " + login + "'s " + name + " allocation, or lower what its subscriptions have (Plesk shows the reseller as overused)"})
}

// overAllocationWarnings adds the over-allocation warnings to the plan's
// diagnostics: those of this plan, and, for a reseller whose
// subscriptions were all carried over from the plan reused (allocate did
// not run for it, and nothing it depends on changed), that plan's; not
// for one whose subscriptions were planned again (replanned) and are
// gone.
func (e *engine) overAllocationWarnings() {
	if e.reuse != nil {
		for login, ds := range e.reuse.overAlloc {
			if !e.allocated[login] && !e.replanned[login] {
				e.overAlloc[login] = ds
			}
		}
	}
	for _, login := range slices.Sorted(maps.Keys(e.overAlloc)) {
		e.diags = append(e.diags, e.overAlloc[login]...)
	}
}

// applied returns the value of a resource a subscription already has
// applied from reseller login's allocation: its recorded value when it
// was recorded under that reseller (or under its former login); for what
// a server already has (Input.Existing) and the state does not record,
// the value it has (Input.Held, when the server holds it unsynchronized).
func (e *engine) applied(s *sub, login, path string) (model.Value, bool) {
	p := s.prior
	if p == nil {
		if !e.in.Existing {
			return model.Value{}, false
		}
		if held, ok := e.in.Held[s.cfg.Domain]; ok {
			// Not synchronized on the server: it has what it holds.
			v, ok := held[path]
			return v, ok
		}
		v, ok := s.props()[path]
		return v, ok
	}
	if p.Owner != login && e.hadAsCustomer(s, login) {
		// A subscription of a customer converted in this run has what
		// it has when apply converts it applied: the totals it is part
		// of hold that (convertedTotals, totals).
		v, ok := e.detachedBase(p).props[path]
		return v, ok
	}
	if p.Owner != login {
		if n, ok := e.renamedTo("reseller", p.Owner); !ok || n != login {
			return model.Value{}, false
		}
	}
	v, ok := e.sets.recorded(p.Effective).props[path]
	return v, ok
}

// appliedUnlimited reports whether a subscription has a resource applied
// unlimited from reseller login's allocation (applied).
func (e *engine) appliedUnlimited(s *sub, login, path string) bool {
	v, ok := e.applied(s, login, path)
	return ok && v.IsUnlimited()
}

// allowOversell is the Plesk reseller privilege to choose one's own
// oversell policy.
const allowOversell = "permissions.allow_oversell"

// oversellWarnings warns where permissions.allow_oversell is granted
// without oversell: it is easily taken for the policy, which it is not
// (the reseller's subscriptions are limited as without oversell).
func (e *engine) oversellWarnings() {
	if e.in.Scope != nil {
		return // reseller plans and resellers are the admin's
	}
	warn := func(obj string, at diag.Range) {
		e.diags = append(e.diags, diag.Diagnostic{Severity: diag.Warning, Object: obj, Path: allowOversell, Subject: at,
			Summary: "allow_oversell is not the oversell policy, and oversell is false: the allocation is not oversold",
			Detail: "permissions.allow_oversell is Plesk's \"Allow overselling\" privilege (the reseller may choose its own " +
				"oversell policy in the panel); the policy plansync applies is oversell: set oversell = true to oversell, " +
				"or remove allow_oversell"})
	}
	for _, name := range slices.Sorted(maps.Keys(e.cfg.ResellerPlans)) {
		if p := e.cfg.ResellerPlans[name]; p.Props[allowOversell].Truth() && !p.Oversell {
			warn("reseller_plan "+name, p.Src.At(allowOversell))
		}
	}
	for _, login := range slices.Sorted(maps.Keys(e.cfg.Resellers)) {
		if r := e.cfg.Resellers[login]; r.Plan == model.None && r.Props[allowOversell].Truth() && !r.Oversell {
			warn("reseller "+login, r.Src.At(allowOversell))
		}
	}
}
