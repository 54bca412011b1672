package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// ParseTarget reads KIND/KEY ("subscription/doe.example",
// "service_plan/acme/Web") as the admin names objects.
func ParseTarget(t string) (state.Ref, error) {
	return (*Scope)(nil).ParseTarget(t)
}

// ParseTarget reads KIND/KEY as the actor of sc names objects: a plan
// named without its owner is the actor's own (sc.PlanKey).
func (sc *Scope) ParseTarget(t string) (state.Ref, error) {
	kind, key, ok := strings.Cut(t, "/")
	if Kind(kind) == KindServer && !ok {
		return state.Ref{Kind: string(KindServer), Key: string(KindServer)}, nil
	}
	if !ok || key == "" || !Kind(kind).Valid() {
		return state.Ref{}, fmt.Errorf("--target %q: want KIND/KEY with KIND one of %s", t, strings.Join(KindNames(), ", "))
	}
	switch Kind(kind) {
	case KindSubscription:
		key = strings.ToLower(key)
	case KindServicePlan, KindAddonPlan:
		key = sc.PlanKey(key)
	}
	return state.Ref{Kind: kind, Key: key}, nil
}

// PlanKey is the key of the service or add-on plan that the actor of sc
// names key: OWNER/NAME names the owner's; NAME alone the actor's own,
// the admin's (keyed by name alone, and "admin/NAME" names them too) or,
// for a reseller, its own (it manages no other's). No key ("": show
// KIND lists them all) stays none.
func (sc *Scope) PlanKey(key string) string {
	if sc != nil && sc.Reseller != "" && key != "" && !strings.Contains(key, "/") {
		return model.PlanKey(sc.Reseller, key)
	}
	return AdminPlanKey(key)
}

// AdminPlanKey is the key of a plan written OWNER/NAME, the admin's as
// NAME alone (model.PlanKey); any other key as it is.
func AdminPlanKey(key string) string {
	if owner, name, ok := strings.Cut(key, "/"); ok && owner == model.Admin && name != "" {
		return model.PlanKey(owner, name)
	}
	return key
}

// Target limits a full plan to the targeted objects and what they force:
// the subscriptions and resellers a targeted plan change reaches (and,
// for an update, those still on it in the state that the config moves
// off it), the
// subscriptions a targeted customer's deletion deletes, and the plans,
// add-ons and customer a targeted subscription needs created (or, for
// plans, updated: it is planned from their new values), and the
// changes of the recorded objects still using a targeted plan, add-on,
// reseller plan or service that is deleted. The result
// snapshot changes only those objects; everything else stays as recorded.
func Target(p *Plan, prior *state.Snapshot, targets []string) (*Plan, error) {
	want := map[string]bool{}
	var addrs []string
	for _, t := range targets {
		ref, err := p.Scope.ParseTarget(t)
		if err != nil {
			return nil, err
		}
		addr := ref.Kind + " " + ref.Key
		if !want[addr] {
			want[addr] = true
			addrs = append(addrs, ref.Kind+"/"+ref.Key)
		}
	}
	// A reseller targets only what it manages: the result and the state
	// hold everyone's objects, which it must not learn of.
	exists := map[string]bool{}
	for _, c := range p.Changes {
		exists[c.Address()] = true
	}
	for r, rec := range state.Records(p.Result) {
		if p.Scope.Manages(r.Kind, RecordOwner(rec)) {
			exists[r.Kind+" "+r.Key] = true
		}
	}
	for r, rec := range state.Records(prior) {
		if p.Scope.Manages(r.Kind, RecordOwner(rec)) {
			exists[r.Kind+" "+r.Key] = true
		}
	}
	for _, addr := range slices.Sorted(maps.Keys(want)) {
		if !exists[addr] {
			if p.Scope != nil {
				return nil, fmt.Errorf("--target: no %s among the objects reseller %s manages (in its config or the recorded state)%s", addr, p.Scope.Reseller, meantTarget(exists, addr))
			}
			return nil, fmt.Errorf("--target: no %s in the config or the recorded state%s", addr, meantTarget(exists, addr))
		}
	}
	included := map[string]bool{}
	for addr := range want {
		included[addr] = true
	}
	byAddr := map[string]*Change{}
	for _, c := range p.Changes {
		byAddr[c.Address()] = c
	}
	// What the included changes force, to a fixed point: a change that
	// follows a plan change brings that plan change (and with it every
	// object it reaches, so the recorded plan and its subscriptions stay
	// in step); a delete brings its cascade; a change brings the creates
	// and renames it depends on (plan, add-ons, customer, owner reseller,
	// reseller plan); a rename brings what refers to the old name.
	recorded := state.Records(prior)
	users := catalogueUsers(recorded)
	subsOfCustomer := map[string][]string{} // by recorded customer
	if prior != nil {
		for _, s := range prior.Subscriptions {
			if s.Customer != "" {
				subsOfCustomer[s.Customer] = append(subsOfCustomer[s.Customer], address(KindSubscription, s.Domain))
			}
		}
	}
	// A suspension or activation of an account cascades (SPEC §1.4): the
	// status changes of its customers and subscriptions, in the result,
	// come with it, and bring it.
	cascade := map[string][]string{} // account address → dependents' addresses
	if p.Result != nil {
		for _, c := range p.Result.Customers {
			if o := c.Owner; o != "" && o != model.Admin {
				cascade[address(KindReseller, o)] = append(cascade[address(KindReseller, o)], address(KindCustomer, c.Login))
			}
		}
		for _, s := range p.Result.Subscriptions {
			sub := address(KindSubscription, s.Domain)
			if s.Customer != "" {
				cascade[address(KindCustomer, s.Customer)] = append(cascade[address(KindCustomer, s.Customer)], sub)
			}
			if o := s.Owner; o != "" && o != model.Admin {
				cascade[address(KindReseller, o)] = append(cascade[address(KindReseller, o)], sub)
			}
		}
	}
	// The owners of the subscriptions in the result and in the recorded
	// state (by address), and the resellers whose allocation is pooled
	// (no oversell): what one of their subscriptions grows by is served
	// from what the others give back.
	ownerIn, ownerWas, pooled := map[string]string{}, map[string]string{}, map[string]bool{}
	if p.Result != nil {
		for _, s := range p.Result.Subscriptions {
			ownerIn[address(KindSubscription, s.Domain)] = s.Owner
		}
		for _, r := range p.Result.Resellers {
			pooled[r.Login] = !r.Oversell
		}
	}
	if prior != nil {
		for _, s := range prior.Subscriptions {
			ownerWas[address(KindSubscription, s.Domain)] = s.Owner
		}
	}
	// The changes a service's availability to resellers reaches, and
	// those that stand on it, by the service's address
	// (availabilityReaches).
	availability, availabilityOf := map[string][]string{}, map[string][]string{}
	for _, c := range p.Changes {
		if c.Kind == KindService && c.Action == Update && slices.ContainsFunc(c.Fields, func(f *FieldChange) bool { return f.Path == "available_to_resellers" }) {
			availability[c.Address()] = append(availabilityReaches(c.Address(), users, byAddr, "services"), availabilityLeavers(c.Address(), users, byAddr, recorded)...)
			availabilityOf[c.Address()] = availabilityReaches(c.Address(), users, byAddr, "services", "sync_status")
		}
	}
	for changed := true; changed; {
		changed = false
		add := func(addr string) {
			if byAddr[addr] != nil && !included[addr] {
				included[addr] = true
				changed = true
			}
		}
		// A rename brings what refers to the old name, so that no record
		// is left referring to a name gone from the state.
		renamed := map[string]bool{}
		for _, c := range p.Changes {
			if c.RenamedFrom != "" && included[c.Address()] {
				renamed[c.OldAddress()] = true
			}
		}
		for _, c := range p.Changes {
			addr := c.Address()
			if included[c.Cause] || (c.Cascade != "" && included[c.Cascade]) || refersTo(c, recorded, renamed) {
				add(addr)
			}
			if reached, ok := availability[addr]; ok {
				// Made available or unavailable to resellers, a service
				// reaches the reseller's subscriptions on the plans that
				// include it (Plesk gives or takes it, and their sync
				// status follows): their changes of services come with
				// it, and bring it, as a plan's update and the
				// subscriptions it reaches do. A sync of one of them
				// (unsynchronized by the service's change in the panel)
				// brings it too: the sync needs it set back.
				if slices.ContainsFunc(availabilityOf[addr], func(u string) bool { return included[u] }) {
					add(addr)
				}
				if included[addr] {
					for _, u := range reached {
						add(u)
					}
				}
			}
			if !included[addr] {
				continue
			}
			if c.Cause != "" {
				add(c.Cause)
			}
			if c.Action == Delete {
				// A catalogue object still used in the recorded state
				// goes only with the changes of what uses it (which
				// --allow-delete guards when they are deletes).
				for _, u := range users[addr] {
					add(u)
				}
			}
			if c.Fanout != nil {
				for _, k := range c.Fanout.Reaches {
					add(address(c.Kind.Reaches(), k))
				}
			}
			if c.Action == Update && c.Kind.Reaches() != "" {
				// A plan's update reaches every subscription still on it
				// where the targeted plan is applied, including one the
				// config moves off it: that move comes along, or the
				// update would reach it (Plesk applies it) while its
				// record kept the old values.
				for _, u := range users[addr] {
					if uc := byAddr[u]; uc != nil && !slices.Contains(uc.DependsOn, addr) {
						add(u)
					}
				}
			}
			if statusChange(c) {
				for _, d := range cascade[addr] {
					if dc := byAddr[d]; dc != nil && statusChange(dc) && statusBecause(dc, addr) {
						add(d)
					}
				}
				for _, a := range c.DependsOn {
					if ac := byAddr[a]; ac != nil && statusChange(ac) && statusBecause(c, a) {
						add(a)
					}
				}
			}
			if owner := ownerIn[addr]; c.Kind == KindSubscription && pooled[owner] && (c.Action == Create || asksMore(c)) {
				// What it gets of its reseller's pooled allocation is
				// served from what the others of that reseller give back
				// in this run (moved away, deleted, asking less): their
				// changes come with it, or it would be planned from an
				// allocation the apply does not free.
				for _, d := range p.Changes {
					if d.Kind == KindSubscription && d.Address() != addr && givesBack(d, owner, ownerIn, ownerWas) {
						add(d.Address())
					}
				}
			}
			if allocationChange(c) {
				// A reseller's new allocation gives (or takes) what its
				// subscriptions get where it is written: Plesk
				// synchronizes them again. Their changes of sync status
				// and conflicts come with it.
				for _, d := range cascade[addr] {
					if dc := byAddr[d]; dc != nil && dc.Kind == KindSubscription && slices.ContainsFunc(dc.Fields, func(f *FieldChange) bool { return f.Path == "sync_status" || f.Path == "conflicts" }) {
						add(d)
					}
				}
			}
			if c.Action == Convert || c.Kind == KindCustomer && c.Action == Move {
				// The server takes a converted customer's subscriptions
				// along (they become the reseller's own), and a moved
				// customer's to its new owner: their changes come
				// along, so that no record names the customer gone or
				// differs from its customer's owner.
				for _, u := range subsOfCustomer[c.Key] {
					add(u)
				}
			}
			for _, d := range c.DependsOn {
				if dc := byAddr[d]; dc != nil && (dc.Action == Create || dc.Action == Convert || dc.Kind == KindCustomer && dc.Action == Move || dc.RenamedFrom != "" || dc.Action == Update && dc.Kind.Reaches() != "" || allocationChange(dc)) {
					// A plan's update too: the targeted object's values
					// are planned from the plan's new ones (a subscription
					// switched to it, or customised in the same run). So
					// is an owner reseller's new allocation (its reseller
					// plan's, oversell included): what the targeted
					// object gets is served from it.
					add(d)
				}
			}
		}
	}
	out := *p
	out.Partial, out.Targets = true, addrs
	out.Changes, out.Deletes, out.Conflicts, out.Subscriptions = nil, nil, nil, nil
	var refs []state.Ref
	for _, c := range p.Changes {
		if !included[c.Address()] {
			continue
		}
		cp := *c
		if cp.Cascade != "" && !included[cp.Cascade] {
			// Deleted with its customer in the full plan, but this run
			// does not delete the customer: it goes as removed from the
			// config.
			cp.Cascade = ""
			cp.Reasons = removedSubscription()
		}
		out.Changes = append(out.Changes, &cp)
		refs = append(refs, state.Ref{Kind: string(c.Kind), Key: c.Key})
		if c.RenamedFrom != "" {
			// The record under the old key goes: the plan does not hold it.
			refs = append(refs, state.Ref{Kind: string(c.Kind), Key: c.RenamedFrom})
		}
		if c.Action == Convert {
			// So does the customer's record a conversion replaces.
			refs = append(refs, state.Ref{Kind: string(KindCustomer), Key: c.Key})
		}
	}
	// A reseller's suspension or activation changes why its customers
	// are suspended, also where their status stays (one suspended on its
	// own) and no change lists them: their records come with it, so that
	// none names a suspension the state no longer has (which a refresh
	// would take for the trace of an apply's model disagreement).
	if p.Result != nil {
		for _, cu := range p.Result.Customers {
			ra, ca := address(KindReseller, cu.Owner), address(KindCustomer, cu.Login)
			if rc := byAddr[ra]; rc != nil && included[ra] && statusChange(rc) && byAddr[ca] == nil {
				refs = append(refs, state.Ref{Kind: string(KindCustomer), Key: cu.Login})
			}
		}
	}
	for _, c := range p.Conflicts {
		if included["subscription "+c.Subscription] {
			out.Conflicts = append(out.Conflicts, c)
		}
	}
	out.summarize()
	out.Subscriptions = partialSubscriptions(p, prior, included)
	out.Result = state.Merge(prior, p.Result, refs)
	if prior == nil {
		out.Result.Lineage = p.Result.Lineage
	}
	return &out, nil
}

// meantTarget names the objects that exist (addresses "KIND KEY") whose
// key differs from addr's only in case, or that are a reseller's plan of
// that name (" (did you mean service_plan/acme/Basic?)"), or nothing.
func meantTarget(exists map[string]bool, addr string) string {
	kind, key, _ := strings.Cut(addr, " ")
	var names []string
	for a := range exists {
		k, ok := strings.CutPrefix(a, kind+" ")
		if !ok {
			continue
		}
		_, name, owned := strings.Cut(k, "/")
		if strings.EqualFold(k, key) || owned && !strings.Contains(key, "/") && strings.EqualFold(name, key) {
			names = append(names, kind+"/"+k)
		}
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	return " (did you mean " + strings.Join(names, " or ") + "?)"
}

// partialSubscriptions lists the subscriptions of a partial plan's
// result, as the full plan p lists them: the targeted ones (included)
// with the statuses they will have, the others with those recorded in
// prior, which they keep, whether the full plan changes, renames,
// deletes or forgets them. A subscription the full plan creates and the
// partial one does not is not in the result.
func partialSubscriptions(p *Plan, prior *state.Snapshot, included map[string]bool) []SubStatus {
	recorded := map[string]*state.Subscription{}
	if prior != nil {
		for i := range prior.Subscriptions {
			r := &prior.Subscriptions[i]
			recorded[r.Domain] = r // domains are unique across servers
		}
	}
	fromRecord := func(server, key string) (SubStatus, bool) {
		r := recorded[key]
		if r == nil {
			return SubStatus{}, false
		}
		return SubStatus{Server: server, Key: key, DisplayName: displayName(r.Domain, r.Plan), SyncStatus: r.SyncStatus,
			Status: r.Status, StatusReasons: slices.Clone(r.StatusReasons)}, true
	}
	renamedFrom := map[string]string{}
	for _, c := range p.Changes {
		if c.Kind == KindSubscription && c.RenamedFrom != "" {
			renamedFrom[c.Key] = c.RenamedFrom
		}
	}
	var out []SubStatus
	for _, s := range p.Subscriptions {
		if included["subscription "+s.Key] {
			out = append(out, s)
		} else if r, ok := fromRecord(s.Server, s.Key); ok {
			out = append(out, r)
		} else if r, ok := fromRecord(s.Server, renamedFrom[s.Key]); ok {
			out = append(out, r) // renamed by the config, not by this run
		}
	}
	for _, c := range p.Changes {
		if c.Kind == KindSubscription && (c.Action == Delete || c.Action == Forget) && !included[c.Address()] {
			if r, ok := fromRecord(c.Server, c.Key); ok {
				out = append(out, r)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b SubStatus) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// statusChange reports whether a change changes its object's status or
// why it has it.
func statusChange(c *Change) bool {
	if c.Action == Suspend || c.Action == Activate {
		return true
	}
	return slices.ContainsFunc(c.Fields, func(f *FieldChange) bool { return f.Path == "status" || f.Path == "status_reasons" })
}

// resourceShift reports whether c asks more (grows) or less (shrinks)
// of some resource (a size or a count) than its object had.
func resourceShift(c *Change) (grows, shrinks bool) {
	for _, f := range c.Fields {
		b, bok := f.Before.JSON.(int64)
		a, aok := f.After.JSON.(int64)
		if !strings.HasPrefix(f.Path, "resources.") || !bok || !aok || a == b {
			continue
		}
		if a == model.Unlimited || b != model.Unlimited && a > b {
			grows = true
		} else {
			shrinks = true
		}
	}
	return grows, shrinks
}

// asksMore reports whether c asks more of some resource (resourceShift).
func asksMore(c *Change) bool {
	g, _ := resourceShift(c)
	return g
}

// givesBack reports whether the subscription change d gives back some of
// reseller owner's pooled allocation: it is deleted or moved away from
// it, or asks less of a resource than it had.
func givesBack(d *Change, owner string, ownerIn, ownerWas map[string]string) bool {
	was := ownerWas[d.Address()]
	if d.RenamedFrom != "" {
		was = ownerWas[d.OldAddress()]
	}
	if was == owner && (d.Action == Delete || ownerIn[d.Address()] != owner) {
		return true
	}
	if ownerIn[d.Address()] != owner {
		return false
	}
	_, shrinks := resourceShift(d)
	return shrinks
}

// allocationChange reports whether c changes a reseller's allocation
// (its values, oversell policy or reseller plan).
func allocationChange(c *Change) bool {
	return c.Kind == KindReseller && c.Action != Delete && slices.ContainsFunc(c.Fields, func(f *FieldChange) bool {
		return strings.HasPrefix(f.Path, "allocation.") || f.Path == "oversell" || f.Path == "plan"
	})
}

// availabilityLeavers lists the changes of the subscriptions recorded
// on a reseller's plans that include service (its address) that the
// config moves off those plans or deletes: where the service's
// availability is written, Plesk gives or takes it while they are still
// there, so their changes come along, as they do with a plan's update
// (otherwise their records would keep what the server no longer has).
func availabilityLeavers(service string, users map[string][]string, byAddr map[string]*Change, recorded map[state.Ref]any) []string {
	var out []string
	for _, pl := range users[service] {
		kind, key, _ := strings.Cut(pl, " ")
		if rec, ok := recorded[state.Ref{Kind: kind, Key: key}].(state.Plan); !ok || rec.Owner == "" || rec.Owner == model.Admin {
			continue
		}
		for _, u := range users[pl] {
			if uc := byAddr[u]; uc != nil && uc.Kind == KindSubscription && !slices.Contains(uc.DependsOn, pl) {
				out = append(out, u)
			}
		}
	}
	return out
}

// availabilityReaches lists the changes that a service's availability
// to resellers (service, its address) reaches: those of the
// subscriptions recorded on the plans that include it (users, by
// catalogueUsers) that change one of paths.
func availabilityReaches(service string, users map[string][]string, byAddr map[string]*Change, paths ...string) []string {
	var out []string
	for _, pl := range users[service] {
		for _, u := range users[pl] {
			if uc := byAddr[u]; uc != nil && slices.ContainsFunc(uc.Fields, func(f *FieldChange) bool { return slices.Contains(paths, f.Path) }) {
				out = append(out, u)
			}
		}
	}
	return out
}

// statusBecause reports whether a change's status changes (in part)
// because the account at address account is suspended or activated: its
// reasons name the account's suspension.
func statusBecause(c *Change, account string) bool {
	return slices.ContainsFunc(c.Reasons, func(r string) bool { return strings.Contains(r, account+" suspended") })
}

// catalogueUsers maps the address of each recorded plan, add-on, reseller
// plan and service to the addresses of the recorded objects that use it:
// subscriptions their service plan and add-ons, resellers their reseller
// plan and services, plans their services.
func catalogueUsers(recorded map[state.Ref]any) map[string][]string {
	users := map[string][]string{}
	use := func(what, by string) { users[what] = append(users[what], by) }
	for ref, r := range recorded {
		by := ref.Kind + " " + ref.Key
		switch r := r.(type) {
		case state.Subscription:
			if r.Plan != "" && r.Plan != model.None {
				use("service_plan "+model.PlanKey(r.Owner, r.Plan), by)
				for _, a := range r.Addons {
					use("addon_plan "+model.PlanKey(r.Owner, a), by)
				}
			}
		case state.Reseller:
			if r.Plan != "" && r.Plan != model.None {
				use("reseller_plan "+r.Plan, by)
			}
			for _, svc := range r.Services {
				use("service "+svc, by)
			}
		case state.Plan:
			for _, svc := range r.Services {
				use("service "+svc, by)
			}
		}
	}
	return users
}

// refersTo reports whether a change's object was recorded referring to
// one of the recorded objects renamed ("kind key"), as its customer or
// its owner reseller: the change moves that reference away, or deletes
// the object.
func refersTo(c *Change, recorded map[state.Ref]any, renamed map[string]bool) bool {
	if len(renamed) == 0 {
		return false
	}
	key := c.Key
	if c.RenamedFrom != "" {
		key = c.RenamedFrom
	}
	var customer, owner string
	switch r := recorded[state.Ref{Kind: string(c.Kind), Key: key}].(type) {
	case state.Subscription:
		customer, owner = r.Customer, r.Owner
	case state.Customer:
		owner = r.Owner
	case state.Plan:
		owner = r.Owner
	}
	return customer != "" && renamed[address(KindCustomer, customer)] || owner != "" && renamed[address(KindReseller, owner)]
}
