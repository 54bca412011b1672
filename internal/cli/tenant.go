package cli

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/render"
	"github.com/plansync/plansync/state"
)

// actor is who runs a command: the admin (Reseller "") or a reseller.
type actor struct {
	Reseller string
}

// parseAs reads --as: admin (the default) or reseller:LOGIN.
func parseAs(s string) (actor, error) {
	switch {
	case s == "" || s == model.Admin:
		return actor{}, nil
	case strings.HasPrefix(s, "reseller:") && len(s) > len("reseller:"):
		return actor{Reseller: strings.ToLower(strings.TrimPrefix(s, "reseller:"))}, nil
	}
	return actor{}, fmt.Errorf("--as %q: want admin or reseller:LOGIN", s)
}

func (a actor) scope() *plan.Scope {
	if a.Reseller == "" {
		return nil
	}
	return &plan.Scope{Reseller: a.Reseller}
}

// loadTenantConfig reads a reseller's config directory. Only objects the
// reseller may manage are allowed (its service and add-on plans,
// customers, subscriptions and subscriber settings; an owner left out
// means the reseller); what they refer to outside it (the reseller
// itself, its reseller plan, the server, services, the admin's plans)
// comes from the recorded state.
func loadTenantConfig(env Env, dir string, prior *state.Snapshot, a actor) (*model.Config, error) {
	login := a.Reseller
	if prior == nil || !hasReseller(prior, login) {
		return nil, &missingResellerError{login: login, empty: prior == nil}
	}
	if servers := namedServers(prior); len(servers) > 0 {
		return nil, fleetResellerError(login, servers)
	}
	files, ds := config.ParseDir(dir)
	opts := config.OSOptions()
	opts.Getenv = env.Getenv
	cfg, more := config.Decode(files, opts)
	ds = append(ds, more...)
	if cfg == nil || ds.HasErrors() {
		ds.Sort()
		return nil, ds
	}
	who := "reseller " + login
	deny := func(src model.Src, obj, why string) {
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
	for _, p := range cfg.ResellerPlans {
		deny(p.Src, "reseller_plan "+p.Name, "reseller plans are the admin's")
	}
	for _, r := range cfg.Resellers {
		deny(r.Src, "reseller "+r.Login, "reseller accounts are the admin's")
	}
	rekey := func(m map[string]*model.Plan, kind string) map[string]*model.Plan {
		out := map[string]*model.Plan{}
		for _, p := range m {
			if _, set := p.Src.Fields["owner"]; !set {
				p.Owner = login
			}
			if p.Owner != login {
				deny(p.Src, kind+" "+p.Key(), "it belongs to "+p.Owner)
				continue
			}
			out[p.Key()] = p
		}
		return out
	}
	cfg.ServicePlans = rekey(cfg.ServicePlans, "service_plan")
	cfg.AddonPlans = rekey(cfg.AddonPlans, "addon_plan")
	for _, c := range cfg.Customers {
		if _, set := c.Src.Fields["owner"]; !set {
			c.Owner = login
		}
		if c.Owner != login {
			deny(c.Src, "customer "+c.Login, "it belongs to "+c.Owner)
		}
		if c.AdminDescription != "" {
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Subject: c.Src.At("admin_description"), Object: "customer " + c.Login,
				Path: "admin_description", Summary: "admin_description is the admin's: a reseller can neither see nor set it"})
		}
	}
	for _, s := range cfg.Subscriptions {
		if _, set := s.Src.Fields["owner"]; !set && s.Customer == "" {
			s.Owner = login
		}
		if s.Customer == "" && s.Owner != login {
			deny(s.Src, "subscription "+s.Domain, "it belongs to "+s.Owner)
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
	// Context from the recorded state.
	addContext(cfg, prior, login)
	ds = append(ds, config.Validate(cfg)...)
	for _, s := range cfg.Subscriptions {
		if s.Owner != login && s.Owner != "" {
			deny(s.Src, "subscription "+s.Domain, "it belongs to "+s.Owner)
		}
	}
	// Services the admin made unavailable to resellers.
	for _, p := range append(mapValues(cfg.ServicePlans), mapValues(cfg.AddonPlans)...) {
		if p.Owner != login {
			continue
		}
		for _, name := range p.Services {
			if svc := cfg.Services[name]; svc != nil && !svc.AvailableToResellers {
				ds = append(ds, diag.Diagnostic{Severity: diag.Error, Subject: p.Src.At("services"), Object: string(p.Kind) + " " + p.Key(),
					Summary: "service " + name + " is not available to resellers"})
			}
		}
	}
	ds.Sort()
	if ds.HasErrors() {
		return nil, ds
	}
	printDiags(env, ds)
	return cfg, nil
}

func mapValues(m map[string]*model.Plan) []*model.Plan {
	out := make([]*model.Plan, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	return out
}

func hasReseller(s *state.Snapshot, login string) bool {
	for _, r := range s.Resellers {
		if r.Login == login {
			return true
		}
	}
	return false
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
		props, services := plan.PropsFromValues(s.PropertySets[p.Props])
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
			res.Props, res.Services = plan.PropsFromValues(s.PropertySets[r.Allocation])
		}
		cfg.Resellers[r.Login] = res
	}
}

func serviceOf(s state.Service) *model.Service {
	svc := &model.Service{Name: s.Name, Description: s.Description, Send: s.Send, AvailableToResellers: s.AvailableToResellers, Extension: s.Extension}
	if s.Button != nil {
		svc.Button = &model.Button{URL: s.Button.URL, BackgroundImage: s.Button.BackgroundImage, OpenInPanel: s.Button.OpenInPanel}
	}
	return svc
}

// visibleTo filters shown objects to what an actor may see: a reseller
// sees its own plans, customers and subscriptions, never the admin's
// description of its customers.
func visibleTo(objs []render.Object, a actor) []render.Object {
	if a.Reseller == "" {
		return objs
	}
	var out []render.Object
	for _, o := range objs {
		switch o["kind"] {
		case "service_plan", "addon_plan", "customer", "subscription":
		default:
			continue
		}
		if o["owner"] != a.Reseller {
			continue
		}
		delete(o, "admin_description")
		out = append(out, o)
	}
	sort.SliceStable(out, func(i, j int) bool { return false })
	return out
}

// missingResellerError: --as reseller:LOGIN with a recorded state that
// has no such reseller (or no state at all).
type missingResellerError struct {
	login string
	empty bool
	// state describes the backend read, once known.
	state string
}

func (e *missingResellerError) Error() string {
	where := "the recorded state"
	if e.state != "" {
		where = e.state
	}
	what := "reseller " + e.login + " is not in " + where
	if e.empty {
		what = where + " holds no state yet, so no reseller " + e.login
	}
	return fmt.Sprintf("--as reseller:%s: %s. The admin creates the reseller (plansync apply on the whole catalogue); a reseller then plans against the same state: --state PATH|postgres://… or PLANSYNC_STATE (with --dir DIR alone the state is DIR/.plansync/state.json)", e.login, what)
}

// withState names the backend in a missingResellerError.
func withState(err error, b state.Backend) error {
	var me *missingResellerError
	if errors.As(err, &me) && me.state == "" {
		me.state = b.Describe()
	}
	return err
}

// namedServers returns the named servers (a multi-server config) the
// recorded state holds objects of.
func namedServers(s *state.Snapshot) []string {
	var out []string
	for _, name := range plan.RecordedServers(s) {
		if name != "" {
			out = append(out, name)
		}
	}
	return out
}

// fleetResellerError refuses --as reseller:LOGIN on the state of several
// servers. A reseller's directory plans against the admin's recorded
// state, which holds no server's address (those are in the admin's
// config, with its keys); it could not name the servers its objects go
// to, nor reach them, and its credentials would differ per server.
// Rather than guess, the run is refused.
func fleetResellerError(login string, servers []string) error {
	return fmt.Errorf("--as reseller:%s: the recorded state is that of several servers (%s), and a reseller's directory cannot work on several: "+
		"the servers, their addresses and which one each object is on are the admin's config, not the reseller's, and the recorded state holds no address to reach them with the reseller's credentials. "+
		"Run the admin's config (servers: …) without --as, or give the reseller a directory and state of its own per server (one server each)",
		login, strings.Join(servers, ", "))
}
