package plan

// Tenancy: who owns what (SPEC §1.1, §1.4). Every customer, plan and
// subscription has an owner, admin or one reseller; a subscription's owner
// is its customer's owner (or its own owner for an own subscription). A
// plan scoped to one reseller (Input.Scope) plans only what that reseller
// owns and carries everything else over as recorded.
//
// A reseller works in a directory of its own (--as reseller:LOGIN),
// against the admin's recorded state (CheckReseller): its config holds
// only what it manages, and ResellerConfig completes it with what it
// refers to from the state. A reseller sees what it manages, never the
// admin's fields (AdminOnly).

import (
	"slices"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// Scope is the set of objects one actor manages.
type Scope struct {
	Reseller string
}

// Manages reports whether the actor of sc manages, and so sees, an
// object of kind owned by owner: the admin (a nil Scope) everything, a
// reseller its own service and add-on plans, customers and
// subscriptions. The owner is compared as given ("" is not the admin
// here: see ownerOf).
func (sc *Scope) Manages(kind, owner string) bool {
	if sc == nil {
		return true
	}
	return Kind(kind).Tenant() && owner == sc.Reseller
}

// AdminOnly lists the fields of an object of kind that only the admin
// sees and sets: a reseller's view leaves them out, its config may not
// set them, and a plan scoped to it keeps them as recorded.
func AdminOnly(kind string) []string {
	if kind == "customer" {
		return []string{"admin_description"}
	}
	return nil
}

// inScope reports whether an object of kind owned by owner is planned.
func (e *engine) inScope(kind, owner string) bool {
	return e.in.Scope.Manages(kind, ownerOf(owner))
}

// RecordOwner returns the owner of a recorded object ("admin" for the
// admin's objects and for kinds that have no owner).
func RecordOwner(rec any) string {
	switch r := rec.(type) {
	case state.Plan:
		return ownerOf(r.Owner)
	case state.Customer:
		return ownerOf(r.Owner)
	case state.Subscription:
		return ownerOf(r.Owner)
	}
	return model.Admin
}

// ownerOf reads a config or record owner: absent means admin.
func ownerOf(o string) string {
	if o == "" {
		return model.Admin
	}
	return o
}

// ownerOfSub is a subscription's owner: its customer's owner, or for an
// own subscription (no customer) its own owner.
func (e *engine) ownerOfSub(s *model.Subscription) string {
	return ownerWith(s, e.cfg.Customers[s.Customer])
}

// ownerWith is ownerOfSub of a subscription whose customer's config (nil
// when none) was looked up already.
func ownerWith(s *model.Subscription, customer *model.Customer) string {
	if s.Customer != "" && customer != nil {
		return ownerOf(customer.Owner)
	}
	return ownerOf(s.Owner)
}

// carryUnscoped returns result with, when the plan is scoped to one actor,
// everything the actor does not own carried over as recorded.
func (e *engine) carryUnscoped(result *state.Snapshot) *state.Snapshot {
	in := e.in
	if in.Scope == nil || in.Prior == nil {
		return result
	}
	var out []state.Ref
	for ref, rec := range state.Records(in.Prior) {
		if !e.inScope(ref.Kind, RecordOwner(rec)) {
			out = append(out, ref)
		}
	}
	return state.Merge(result, in.Prior, out)
}

// ResellerRefusal says why a reseller's directory cannot be planned
// against a recorded state (CheckReseller).
type ResellerRefusal struct {
	// NoState: there is no recorded state yet. Otherwise, when Servers
	// is empty, the state does not hold the reseller.
	NoState bool
	// Servers are the named servers of a multi-server state: its
	// servers, addresses and placements are the admin's config, which a
	// reseller's directory does not have.
	Servers []string
}

// CheckReseller says whether the reseller login may plan its directory
// against the recorded state prior: nil when it may. The state must hold
// the reseller (the admin creates it), and be that of one server.
func CheckReseller(prior *state.Snapshot, login string) *ResellerRefusal {
	if prior == nil {
		return &ResellerRefusal{NoState: true}
	}
	if !slices.ContainsFunc(prior.Resellers, func(r state.Reseller) bool { return r.Login == login }) {
		return &ResellerRefusal{}
	}
	var servers []string
	for _, name := range RecordedServers(prior) {
		if name != "" {
			servers = append(servers, name)
		}
	}
	if len(servers) > 0 {
		return &ResellerRefusal{Servers: servers}
	}
	return nil
}

// ResellerConfig makes a reseller's decoded config the config its plan
// is made from, and says what in it the reseller may not manage. Only
// objects the reseller may manage are allowed (its service and add-on
// plans, customers, subscriptions and subscriber settings; an owner left
// out means the admin, as in any config (SPEC §2.1), so it is refused),
// nor may it take an object the recorded state
// holds under another owner; what they refer to outside it (the reseller
// itself, its reseller plan, the server, services, the admin's plans)
// is added from prior, which CheckReseller accepted. validate is the
// config's own cross-object check (config.Validate), run once the
// context is in. The diagnostics are sorted.
func ResellerConfig(cfg *model.Config, prior *state.Snapshot, login string, validate func(*model.Config) diag.Diagnostics) diag.Diagnostics {
	var ds diag.Diagnostics
	who := "reseller " + login
	// Each object refused is refused once, with the first reason found
	// (an object owned by another in the config and in the state is
	// one refusal, not two).
	denied := map[string]bool{}
	deny := func(src model.Src, obj, why string) {
		if denied[obj] {
			return
		}
		denied[obj] = true
		ds = append(ds, diag.Diagnostic{Severity: diag.Error, Subject: src.Decl, Object: obj,
			Summary: who + " may not manage it: " + why})
	}
	if cfg.Server != nil {
		deny(cfg.Server.Src, "server", "the server is the admin's")
	}
	for _, srv := range cfg.Servers {
		deny(srv.Src, "server "+srv.Name, "the servers are the admin's")
	}
	for _, s := range cfg.Services {
		deny(s.Src, "service "+s.Name, "additional services are the admin's")
	}
	// A refused object is checked no further (below), and uses no
	// service either: an undeclared service's error is its first
	// user's, which dropped with a refused user would hide the
	// reseller's own plans that use it.
	for k, p := range cfg.ResellerPlans {
		deny(p.Src, "reseller_plan "+p.Name, "reseller plans are the admin's")
		if len(p.Services) > 0 {
			cp := *p
			cp.Services = nil
			cfg.ResellerPlans[k] = &cp
		}
	}
	for k, r := range cfg.Resellers {
		deny(r.Src, "reseller "+r.Login, "reseller accounts are the admin's")
		if len(r.Services) > 0 {
			cp := *r
			cp.Services = nil
			cfg.Resellers[k] = &cp
		}
	}
	rekey := func(m map[string]*model.Plan, kind string) map[string]*model.Plan {
		out := map[string]*model.Plan{}
		for _, p := range m {
			if p.Owner != login {
				deny(p.Src, kind+" "+p.Key(), belongsTo(p.Src, p.Owner, login))
				continue
			}
			out[p.Key()] = p
		}
		return out
	}
	cfg.ServicePlans = rekey(cfg.ServicePlans, "service_plan")
	cfg.AddonPlans = rekey(cfg.AddonPlans, "addon_plan")
	for _, c := range cfg.Customers {
		if c.Owner != login {
			deny(c.Src, "customer "+c.Login, belongsTo(c.Src, c.Owner, login))
		}
		if c.AdminDescription != "" { // AdminOnly
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Subject: c.Src.At("admin_description"), Object: "customer " + c.Login,
				Path: "admin_description", Summary: "admin_description is the admin's: a reseller can neither see nor set it"})
		}
	}
	for _, s := range cfg.Subscriptions {
		if s.Customer == "" && s.Owner != login {
			deny(s.Src, "subscription "+s.Domain, belongsTo(s.Src, s.Owner, login))
		}
	}
	// An object the recorded state holds under another owner is not the
	// reseller's to take: refuse it rather than plan a move.
	recordedOwner := map[string]string{}
	for _, c := range prior.Customers {
		recordedOwner["customer "+c.Login] = c.Owner
	}
	for _, s := range prior.Subscriptions {
		recordedOwner["subscription "+s.Domain] = s.Owner
	}
	for _, r := range prior.Resellers {
		recordedOwner["customer "+r.Login] = "admin (a reseller account)"
	}
	for _, c := range cfg.Customers {
		if o, ok := recordedOwner["customer "+c.Login]; ok && o != login {
			deny(c.Src, "customer "+c.Login, "it belongs to "+o)
		}
	}
	for _, s := range cfg.Subscriptions {
		if o, ok := recordedOwner["subscription "+s.Domain]; ok && o != login {
			deny(s.Src, "subscription "+s.Domain, "it belongs to "+o)
		}
	}
	// Nor set a subscriber's values on a subscription of someone else
	// (one its own config does not declare).
	for _, st := range cfg.SubscriberSettings {
		if cfg.Subscriptions[st.Domain] != nil {
			continue
		}
		if o, ok := recordedOwner["subscription "+st.Domain]; ok && o != login {
			deny(st.Src, "subscriber_settings "+st.Domain, "it belongs to "+o)
		}
	}
	// Nor may it take one by renaming it: renamed_from names an object
	// the recorded state holds, which must be the reseller's too.
	renamedFrom := func(src model.Src, kind, key, old string) {
		if o, ok := recordedOwner[kind+" "+old]; ok && o != login && !denied[kind+" "+key] {
			denied[kind+" "+key] = true
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Subject: src.At("renamed_from"), Object: kind + " " + key,
				Path: "renamed_from", Summary: who + " may not manage " + kind + " " + old + ": it belongs to " + o})
		}
	}
	for _, c := range cfg.Customers {
		if c.RenamedFrom != "" {
			renamedFrom(c.Src, "customer", c.Login, c.RenamedFrom)
		}
	}
	for _, s := range cfg.Subscriptions {
		if s.RenamedFrom != "" {
			renamedFrom(s.Src, "subscription", s.Domain, s.RenamedFrom)
		}
	}
	// Context from the recorded state.
	addContext(cfg, prior, login)
	for _, d := range validate(cfg) {
		// A refused object is checked no further: what its config says
		// (an owner the reseller's view does not declare) only repeats
		// the refusal.
		if d.Object != "" && denied[d.Object] {
			continue
		}
		ds = append(ds, d)
	}
	for _, s := range cfg.Subscriptions {
		if s.Owner != login && s.Owner != "" {
			deny(s.Src, "subscription "+s.Domain, "it belongs to "+s.Owner)
		}
	}
	// A service the admin made unavailable to resellers in one of the
	// reseller's plans is not refused here: nothing stops a plan from
	// offering what cannot be provided (SPEC §1.5); its subscriptions
	// conflict (service unavailable), as in the admin's view of the same
	// config.
	ds.Sort()
	return ds
}

// addContext adds to a reseller's config what it refers to from the
// recorded state: the server, services, reseller plans, the reseller
// itself and the admin's plans. The engine carries those over unchanged.
func addContext(cfg *model.Config, s *state.Snapshot, login string) {
	if s.Server != nil {
		srv := &model.Server{Components: s.Server.Components, DefaultPlan: s.Server.DefaultPlan}
		for _, x := range s.Server.Extensions {
			ext := model.Extension{Name: x.Name}
			for _, svc := range s.Services {
				if svc.Extension == x.Name {
					ext.Services = append(ext.Services, serviceOf(svc))
				}
			}
			srv.Extensions = append(srv.Extensions, ext)
		}
		cfg.Server = srv
	}
	for _, svc := range s.Services {
		cfg.Services[svc.Name] = serviceOf(svc)
	}
	planOf := func(kind model.PlanKind, p state.Plan) *model.Plan {
		props, services := fromValues(s.PropertySets[p.Props])
		return &model.Plan{Kind: kind, Owner: p.Owner, Name: p.Name, Description: p.Description, Props: props, Services: services, Oversell: p.Oversell}
	}
	for _, p := range s.ResellerPlans {
		cfg.ResellerPlans[p.Key] = planOf(model.ResellerPlanKind, p)
	}
	for _, p := range s.ServicePlans {
		if p.Owner == model.Admin {
			cfg.ServicePlans[p.Key] = planOf(model.ServicePlanKind, p)
		}
	}
	for _, p := range s.AddonPlans {
		if p.Owner == model.Admin {
			cfg.AddonPlans[p.Key] = planOf(model.AddonPlanKind, p)
		}
	}
	for _, r := range s.Resellers {
		if r.Login != login {
			continue
		}
		res := &model.Reseller{Login: r.Login, Plan: r.Plan, Status: r.Status, Description: r.Description, Oversell: r.Oversell,
			Contact: model.Contact{Name: r.Contact.Name, Company: r.Contact.Company, Email: r.Contact.Email, Phone: r.Contact.Phone, Address: r.Contact.Address}}
		if r.Plan == model.None && r.Allocation != "" {
			res.Props, res.Services = fromValues(s.PropertySets[r.Allocation])
		}
		cfg.Resellers[r.Login] = res
	}
}

// serviceOf is a recorded service as the config declares one.
func serviceOf(s state.Service) *model.Service {
	svc := &model.Service{Name: s.Name, Description: s.Description, Send: s.Send, AvailableToResellers: s.AvailableToResellers, Extension: s.Extension}
	if s.Button != nil {
		svc.Button = &model.Button{URL: s.Button.URL, BackgroundImage: s.Button.BackgroundImage, OpenInPanel: s.Button.OpenInPanel}
	}
	return svc
}

// belongsTo is why a reseller may not manage an object its config
// declares under another owner. One that names no owner is the admin's
// (SPEC §2.1: owner defaults to admin), whoever runs the command: said,
// with how to make it the reseller's.
func belongsTo(src model.Src, owner, login string) string {
	why := "it belongs to " + owner
	if owner == model.Admin && !src.Has("owner") {
		why += " (it names no owner, and owner defaults to admin: write owner: " + login + " for the reseller's own)"
	}
	return why
}
