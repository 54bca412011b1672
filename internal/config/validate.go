package config

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// ---------------------------------------------------------------------
// Merging and duplicate keys.

// valMerger merges the objects of decoded files into one config; a key
// declared a second time is an error at the second place naming the
// first, and the first declaration is kept.
type valMerger struct {
	cfg   *model.Config
	diags *diag.Diagnostics
	// logins holds every reseller and customer login: they share one
	// name space.
	logins map[string]valSeen
}

// valSeen is where a key was first declared, and by what.
type valSeen struct {
	what string // "reseller" or "customer"
	at   diag.Range
}

// dup reports a key declared twice: at the later place, naming the
// earlier one.
func (m *valMerger) dup(obj, path, summary string, first, second diag.Range) {
	m.dup2(obj, obj, path, summary, first, second)
}

// dup2 is dup for two objects of different kinds: the diagnostic is
// about the one declared second.
func (m *valMerger) dup2(firstObj, obj, path, summary string, first, second diag.Range) {
	if a, _ := valOrder(first, second); a != first {
		first, second, obj = second, first, firstObj
	}
	*m.diags = append(*m.diags, diag.Diagnostic{
		Severity: diag.Error, Summary: summary, Detail: "first declared at " + first.String(),
		Subject: second, Related: []diag.Range{first}, Object: obj, Path: path,
	})
}

// valOrder returns two places of one file in source order; places in
// different files are already in merge order.
func valOrder(a, b diag.Range) (diag.Range, diag.Range) {
	if a.File == b.File && (b.Start.Line < a.Start.Line || b.Start.Line == a.Start.Line && b.Start.Column < a.Start.Column) {
		return b, a
	}
	return a, b
}

func (m *valMerger) add(r *decResult) {
	cfg := m.cfg
	for _, s := range r.namedServers {
		if cfg.Server != nil {
			m.dup("server "+s.Name, "", "servers and a server block are both declared; a config has one server block, or a servers list of named servers", cfg.Server.Src.Decl, s.Src.Decl)
			continue
		}
		dup := false
		for _, t := range cfg.Servers {
			if t.Name == s.Name {
				m.dup("server "+s.Name, "name", fmt.Sprintf("server %q is declared twice", s.Name), t.Src.At("name"), s.Src.At("name"))
				dup = true
			} else if a, ok := sameServer(t, s); ok {
				// Two names for one server: a plan placed on one but
				// not the other would be deleted from both.
				m.dup2("server "+t.Name, "server "+s.Name, "plesk.url", fmt.Sprintf("servers %s and %s are the same Plesk server (%s); each server of the list is a different one", t.Name, s.Name, a),
					t.Plesk.Src.At("url"), s.Plesk.Src.At("url"))
			}
		}
		if dup {
			continue
		}
		cfg.Servers = append(cfg.Servers, s)
		for i := range s.Extensions {
			for _, svc := range s.Extensions[i].Services {
				// The same extension on several servers provides the
				// same services once.
				if first, ok := cfg.Services[svc.Name]; ok && first.Extension == svc.Extension {
					continue
				}
				m.addService(svc)
			}
		}
	}
	for _, s := range r.servers {
		if len(cfg.Servers) > 0 {
			m.dup("server", "", "servers and a server block are both declared; a config has one server block, or a servers list of named servers", cfg.Servers[0].Src.Decl, s.Src.Decl)
			continue
		}
		if cfg.Server != nil {
			m.dup("server", "", "server is declared twice; a config has at most one server block", cfg.Server.Src.Decl, s.Src.Decl)
			continue
		}
		cfg.Server = s
		for i := range s.Extensions {
			for _, svc := range s.Extensions[i].Services {
				m.addService(svc)
			}
		}
	}
	for _, s := range r.services {
		m.addService(s)
	}
	m.addPlans(cfg.ServicePlans, r.servicePlans)
	m.addPlans(cfg.AddonPlans, r.addonPlans)
	m.addPlans(cfg.ResellerPlans, r.resellerPlans)
	for _, x := range r.resellers {
		if x.Login == "" {
			continue
		}
		if m.login("reseller", x.Login, x.Src.At("login")) {
			cfg.Resellers[x.Login] = x
		}
	}
	for _, c := range r.customers {
		if c.Login == "" {
			continue
		}
		if m.login("customer", c.Login, c.Src.At("login")) {
			cfg.Customers[c.Login] = c
		}
	}
	for _, s := range r.subscriptions {
		if s.Domain == "" {
			continue
		}
		if first, ok := cfg.Subscriptions[s.Domain]; ok {
			m.dup("subscription "+s.Domain, "domain", fmt.Sprintf("subscription %q is declared twice", s.Domain), first.Src.At("domain"), s.Src.At("domain"))
			continue
		}
		c := *s // Validate completes the owner of this copy
		cfg.Subscriptions[s.Domain] = &c
	}
	for _, s := range r.settings {
		if s.Domain == "" {
			continue
		}
		if first, ok := cfg.SubscriberSettings[s.Domain]; ok {
			m.dup("subscriber_settings "+s.Domain, "domain", fmt.Sprintf("subscriber settings for %q are declared twice", s.Domain), first.Src.At("domain"), s.Src.At("domain"))
			continue
		}
		cfg.SubscriberSettings[s.Domain] = s
	}
}

func (m *valMerger) addService(s *model.Service) {
	if first, ok := m.cfg.Services[s.Name]; ok {
		summary := fmt.Sprintf("service %q is declared twice", s.Name)
		switch {
		case first.Extension != "" && s.Extension != "" && first.Extension != s.Extension:
			summary += fmt.Sprintf(" (provided by extensions %s and %s)", first.Extension, s.Extension)
		case first.Extension != "":
			summary += fmt.Sprintf(" (also provided by extension %s)", first.Extension)
		case s.Extension != "":
			summary += fmt.Sprintf(" (also provided by extension %s)", s.Extension)
		}
		m.dup("service "+s.Name, "name", summary, first.Src.At("name"), s.Src.At("name"))
		return
	}
	m.cfg.Services[s.Name] = s
}

func (m *valMerger) addPlans(into map[string]*model.Plan, plans []*model.Plan) {
	for _, p := range plans {
		if p.Name == "" || p.Owner == "" {
			continue // an invalid name or owner, reported by the decoder
		}
		key := p.Key()
		if first, ok := into[key]; ok {
			what := string(p.Kind)
			if p.Kind != model.ResellerPlanKind && p.Owner != model.Admin {
				what += " of reseller " + p.Owner
			}
			m.dup(string(p.Kind)+" "+key, "name", fmt.Sprintf("%s %q is declared twice", what, p.Name), first.Src.At("name"), p.Src.At("name"))
			continue
		}
		into[key] = p
	}
}

// login records an account login and reports whether it is new.
func (m *valMerger) login(what, login string, at diag.Range) bool {
	first, ok := m.logins[login]
	if !ok {
		m.logins[login] = valSeen{what: what, at: at}
		return true
	}
	if first.what == what {
		m.dup(what+" "+login, "login", fmt.Sprintf("%s %q is declared twice", what, login), first.at, at)
		return false
	}
	m.dup2(first.what+" "+login, what+" "+login, "login", fmt.Sprintf("login %q is used by both a reseller and a customer; logins are unique across resellers and customers", login), first.at, at)
	return true
}

// ---------------------------------------------------------------------
// Cross-object checks.

// Validate checks the references between the objects of a decoded
// config: owners, customers, plans, add-ons, services, the server's
// default plan, subscriber settings and renames. It completes the config
// as it goes: a subscription that names a customer gets the customer's
// owner. Every problem is reported; the diagnostics are sorted.
func Validate(cfg *model.Config) diag.Diagnostics {
	v := &validator{cfg: cfg}
	v.server()
	v.placements()
	v.customers()
	v.resellers()
	v.plans()
	v.subscriptions()
	v.settings()
	v.services()
	v.renames()
	v.diags.Sort()
	return v.diags
}

type validator struct {
	cfg   *model.Config
	diags diag.Diagnostics
	// planNames indexes service and add-on plan names by owner, built on
	// first use for suggestions and "plan of another owner" messages.
	planNames map[model.PlanKind]map[string][]string // kind -> name -> owners
	// byOwner indexes service and add-on plans by owner and name.
	byOwner map[model.PlanKind]map[string]map[string]*model.Plan
	// serverNames indexes the servers list by name (placements).
	serverNames map[string]*model.Server
}

func (v *validator) errorf(at diag.Range, obj, path, format string, args ...any) *diag.Diagnostic {
	v.diags = append(v.diags, diag.Diagnostic{
		Severity: diag.Error, Summary: fmt.Sprintf(format, args...),
		Subject: at, Object: obj, Path: path,
	})
	return &v.diags[len(v.diags)-1]
}

// valWrite writes field set to value as a hint in the syntax of the file
// at is in: field = "value" in HCL, field: value in YAML.
func valWrite(at diag.Range, field, value string) string {
	if strings.HasSuffix(at.File, ".hcl") {
		return fmt.Sprintf("%s = %q", field, value)
	}
	return field + ": " + value
}

// valOwnerText names an owner for people.
func valOwnerText(owner string) string {
	if owner == model.Admin {
		return "the admin"
	}
	return "reseller " + owner
}

func (v *validator) isReseller(login string) bool {
	_, ok := v.cfg.Resellers[login]
	return ok
}

// checkOwner checks that owner is the admin or a declared reseller.
func (v *validator) checkOwner(owner string, src *model.Src, kind, key string) bool {
	if owner == "" || owner == model.Admin || v.isReseller(owner) {
		return true
	}
	d := v.errorf(src.At("owner"), kind+" "+key, "owner", "owner %q is not a declared reseller%s", owner, valSuggest(owner, v.cfg.Resellers))
	if _, ok := v.cfg.Customers[owner]; ok {
		d.Detail = owner + " is a customer; only the admin or a reseller can own objects"
	} else {
		d.Detail = "an owner is admin or the login of a reseller"
	}
	return false
}

func (v *validator) server() {
	v.defaultPlan(v.cfg.Server, "server")
	for _, s := range v.cfg.Servers {
		v.defaultPlan(s, "server "+s.Name)
	}
}

// defaultPlan checks the default plan of a server (obj names it): an
// admin service plan and, for a server of a servers list, one placed on
// that server.
func (v *validator) defaultPlan(s *model.Server, obj string) {
	if s == nil || s.DefaultPlan == "" {
		return
	}
	p, ok := v.cfg.ServicePlans[s.DefaultPlan]
	if !ok || p.Owner != model.Admin {
		d := v.errorf(s.Src.At("default_plan"), obj, "default_plan", "default plan %q is not an admin service plan%s",
			s.DefaultPlan, decDidYouMean(s.DefaultPlan, v.ownerPlans(model.ServicePlanKind, model.Admin)))
		if _, ok := v.cfg.AddonPlans[s.DefaultPlan]; ok {
			d.Detail = s.DefaultPlan + " is an add-on plan"
		}
		return
	}
	if s.Name != "" && !p.Placement.Has(s) {
		on := serverNames(SelectServers(v.cfg.Servers, p.Placement))
		where := "it is on no server"
		if len(on) > 0 {
			where = "it is on " + strings.Join(on, ", ")
		}
		d := v.errorf(s.Src.At("default_plan"), obj, "default_plan", "default plan %q is not placed on server %s (%s)", s.DefaultPlan, s.Name, where)
		d.Detail = "add " + s.Name + " to the plan's servers (or make its server_selector match), or name a plan that is on " + s.Name
	}
}

// placements checks where the objects of a multi-server config are
// placed: known server names, a server for every subscription.
func (v *validator) placements() {
	names := map[string]*model.Server{}
	for _, s := range v.cfg.Servers {
		names[s.Name] = s
	}
	multi := len(v.cfg.Servers) > 0
	check := func(list []string, src *model.Src, obj string) {
		for i, n := range list {
			path := "servers[" + strconv.Itoa(i) + "]"
			if !multi {
				if n == model.DefaultServer {
					continue // a server block is the one server default
				}
				v.errorf(src.At(path), obj, "servers", "servers places an object on named servers, but the config has no servers list (a server block is the one server %s)", model.DefaultServer)
				return
			}
			if names[n] == nil {
				v.errorf(src.At(path), obj, path, "unknown server %q%s", n, valSuggest(n, names))
			}
		}
	}
	place := func(p model.Placement, src *model.Src, obj string) {
		if p.Servers != nil && len(p.Servers) == 0 {
			// Left out, servers means every server: an empty list
			// would silently mean the opposite of what it says.
			v.errorf(src.At("servers"), obj, "servers", "servers is empty: name the servers it goes to, or leave servers out for every server")
			return
		}
		check(p.Servers, src, obj)
		if p.Selector != nil && len(p.Selector) == 0 {
			// As an empty servers list: it would select every server,
			// which leaving it out says.
			v.errorf(src.At("server_selector"), obj, "server_selector", "server_selector is empty: name the labels of the servers it goes to, such as {tier: shared}, or leave it out for every server")
			return
		}
		if len(p.Selector) == 0 {
			return
		}
		if !multi {
			v.errorf(src.At("server_selector"), obj, "server_selector", "server_selector places an object on named servers, but the config has no servers list")
			return
		}
		if len(SelectServers(v.cfg.Servers, p)) == 0 {
			d := v.errorf(src.At("server_selector"), obj, "server_selector", "server_selector %s matches no server", SelectorText(p.Selector))
			d.Detail = "a selector matches the servers whose labels have every given value"
		}
	}
	for _, s := range v.cfg.Services {
		if s.Extension == "" {
			place(s.Placement, &s.Src, "service "+s.Name)
		}
	}
	for _, plans := range []map[string]*model.Plan{v.cfg.ServicePlans, v.cfg.AddonPlans, v.cfg.ResellerPlans} {
		for _, p := range plans {
			place(p.Placement, &p.Src, string(p.Kind)+" "+p.Key())
		}
	}
	for _, r := range v.cfg.Resellers {
		check(r.Servers, &r.Src, "reseller "+r.Login)
	}
	for _, c := range v.cfg.Customers {
		check(c.Servers, &c.Src, "customer "+c.Login)
	}
	v.serverNames = names // subscriptions are placed by subscription
}

// placement checks the server a subscription names.
func (v *validator) placement(s *model.Subscription) {
	multi := len(v.cfg.Servers) > 0
	switch {
	case s.Server == "" && len(v.cfg.Servers) > 1:
		d := v.errorf(s.Src.At("domain"), "subscription "+s.Domain, "server", "subscription %s names no server; with several servers every subscription says which one it is on (server: NAME in YAML, server = \"NAME\" in HCL)", s.Domain)
		d.Detail = "servers: " + strings.Join(serverNames(v.cfg.Servers), ", ")
	case s.Server != "" && !multi:
		if s.Server != model.DefaultServer {
			v.errorf(s.Src.At("server"), "subscription "+s.Domain, "server", "unknown server %q: the config has one server, named %s", s.Server, model.DefaultServer)
		}
	case s.Server != "" && v.serverNames[s.Server] == nil:
		v.errorf(s.Src.At("server"), "subscription "+s.Domain, "server", "unknown server %q%s", s.Server, valSuggest(s.Server, v.serverNames))
	}
}

func serverNames(list []*model.Server) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.Name
	}
	return out
}

// SelectServers returns the servers a placement names (model.Select).
func SelectServers(servers []*model.Server, p model.Placement) []*model.Server {
	return p.Select(servers)
}

// SelectorText writes a selector as {k: v, ...}, keys sorted.
func SelectorText(sel map[string]string) string {
	parts := make([]string, 0, len(sel))
	for _, k := range slices.Sorted(maps.Keys(sel)) {
		parts = append(parts, k+": "+sel[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (v *validator) customers() {
	for _, c := range v.cfg.Customers {
		v.checkOwner(c.Owner, &c.Src, "customer", c.Login)
		// admin_description is the admin's note on a reseller's customer
		// (SPEC §2.7), one the reseller cannot see; the admin's own
		// customer has only the owner's description.
		// An owner "" is one that is no login, reported by the decoder.
		if c.AdminDescription != "" && c.Owner == model.Admin {
			d := v.errorf(c.Src.At("admin_description"), "customer "+c.Login, "admin_description",
				"only a reseller's customer has an admin_description (the admin's note, which the reseller cannot see); %s is the admin's customer", c.Login)
			d.Detail = "the admin's own customer has one description, its owner's: use description"
		}
	}
}

func (v *validator) resellers() {
	for _, r := range v.cfg.Resellers {
		if r.Plan == "" || r.Plan == model.None {
			continue
		}
		if _, ok := v.cfg.ResellerPlans[r.Plan]; ok {
			continue
		}
		d := v.errorf(r.Src.At("plan"), "reseller "+r.Login, "plan", "reseller plan %q is not declared%s",
			r.Plan, valSuggest(r.Plan, v.cfg.ResellerPlans))
		d.Detail = "plan is the name of a reseller plan, or none with an explicit allocation"
		if strings.EqualFold(r.Plan, model.None) {
			d.Detail = "a reseller without a reseller plan is written " + valWrite(r.Src.At("plan"), "plan", model.None) + ", in lower case"
		}
		if _, ok := v.cfg.ServicePlans[r.Plan]; ok {
			d.Detail = r.Plan + " is a service plan; a reseller gets a reseller plan"
		}
	}
}

func (v *validator) plans() {
	for _, plans := range []map[string]*model.Plan{v.cfg.ServicePlans, v.cfg.AddonPlans} {
		for _, p := range plans {
			v.checkOwner(p.Owner, &p.Src, string(p.Kind), p.Key())
			v.dupNames(p.Services, &p.Src, string(p.Kind)+" "+p.Key(), "services", "service %q is listed twice")
		}
	}
	for _, p := range v.cfg.ResellerPlans {
		v.dupNames(p.Services, &p.Src, string(p.Kind)+" "+p.Key(), "services", "service %q is listed twice")
	}
	for _, r := range v.cfg.Resellers {
		v.dupNames(r.Services, &r.Src, "reseller "+r.Login, "services", "service %q is listed twice")
	}
}

// dupNames reports a name listed twice in one list field, at the second
// occurrence naming the first.
func (v *validator) dupNames(list []string, src *model.Src, obj, field, format string) {
	if len(list) < 2 {
		return
	}
	for i := 1; i < len(list); i++ {
		for j := 0; j < i; j++ {
			if list[i] == list[j] {
				at := src.At(field + "[" + strconv.Itoa(i) + "]")
				d := v.errorf(at, obj, field, format, list[i])
				d.Related = []diag.Range{src.At(field + "[" + strconv.Itoa(j) + "]")}
				break
			}
		}
	}
}

// ownerPlans lists the names of an owner's plans of one kind, sorted.
func (v *validator) ownerPlans(kind model.PlanKind, owner string) []string {
	var out []string
	for name, owners := range v.planIndex(kind) {
		if slices.Contains(owners, owner) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func (v *validator) planIndex(kind model.PlanKind) map[string][]string {
	if v.planNames == nil {
		v.planNames = map[model.PlanKind]map[string][]string{}
		for k, plans := range map[model.PlanKind]map[string]*model.Plan{
			model.ServicePlanKind: v.cfg.ServicePlans, model.AddonPlanKind: v.cfg.AddonPlans,
		} {
			idx := map[string][]string{}
			for _, p := range plans {
				idx[p.Name] = append(idx[p.Name], p.Owner)
			}
			for _, owners := range idx {
				sort.Strings(owners)
			}
			v.planNames[k] = idx
		}
	}
	return v.planNames[kind]
}

// subscriptions checks every subscription (its placement and the rest)
// on all cores: a fleet has 100,000 of them, and checking one only reads
// the config and the validator's indexes (built here, before the workers
// share them) and sets the subscription's own Owner. Each worker keeps
// its own diagnostics; Validate sorts them all.
func (v *validator) subscriptions() {
	subs := slices.Collect(maps.Values(v.cfg.Subscriptions))
	v.planIndex(model.ServicePlanKind)
	v.ownerPlan(model.ServicePlanKind, "", "")
	workers := min(runtime.GOMAXPROCS(0), 1+len(subs)/4096)
	parts := make([]*validator, workers)
	var wg sync.WaitGroup
	for w := range parts {
		part := &validator{cfg: v.cfg, planNames: v.planNames, byOwner: v.byOwner, serverNames: v.serverNames}
		parts[w] = part
		wg.Go(func() {
			for i := w; i < len(subs); i += workers {
				part.placement(subs[i])
				part.subscription(subs[i])
			}
		})
	}
	wg.Wait()
	for _, p := range parts {
		v.diags = append(v.diags, p.diags...)
	}
}

func (v *validator) subscription(s *model.Subscription) {
	// Rules that need no owner come first, so an unknown customer or
	// owner never hides them.
	if s.Plan == model.None && len(s.Addons) > 0 {
		d := v.errorf(s.Src.At("addons"), "subscription "+s.Domain, "addons", "add-ons can only be attached to a subscription with a service plan")
		d.Detail = "this subscription has plan none (custom)"
		d.Related = []diag.Range{s.Src.At("plan")}
	}
	for i, a := range s.Addons {
		if j := slices.Index(s.Addons[:i], a); j >= 0 {
			field := decIndex("addons", i)
			d := v.errorf(s.Src.At(field), "subscription "+s.Domain, field, "add-on %q is attached twice", a)
			d.Related = []diag.Range{s.Src.At(decIndex("addons", j))}
			d.Detail = "an add-on may be attached to a subscription at most once"
		}
	}
	if s.Customer != "" {
		c, ok := v.cfg.Customers[s.Customer]
		if !ok {
			d := v.errorf(s.Src.At("customer"), "subscription "+s.Domain, "customer", "customer %q is not declared%s", s.Customer, valSuggest(s.Customer, v.cfg.Customers))
			if v.isReseller(s.Customer) {
				d.Detail = s.Customer + " is a reseller; for an own subscription of the reseller write " + valWrite(s.Src.At("customer"), "owner", s.Customer) + " and leave customer out"
			}
			v.undeclaredPlans(s)
			return
		}
		if c.Owner == "" {
			v.undeclaredPlans(s)
			return // the customer's owner is no login: reported on the customer
		}
		// Decode leaves Owner empty unless it was written.
		if s.Owner != "" && s.Owner != c.Owner {
			d := v.errorf(s.Src.At("owner"), "subscription "+s.Domain, "owner", "owner %q differs from the owner of customer %s (%s); a subscription belongs to its customer's owner",
				s.Owner, c.Login, c.Owner)
			d.Related = []diag.Range{c.Src.At("owner")}
			d.Detail = "leave owner out, or move the customer"
			v.undeclaredPlans(s)
			return
		}
		s.Owner = c.Owner
		if c.Owner != model.Admin && !v.isReseller(c.Owner) {
			v.undeclaredPlans(s)
			return // reported on the customer
		}
	} else {
		if s.Owner == "" {
			v.undeclaredPlans(s)
			return // an invalid owner, already reported
		}
		if !v.checkOwner(s.Owner, &s.Src, "subscription", s.Domain) {
			v.undeclaredPlans(s)
			return
		}
	}

	if s.Plan == model.None {
		return
	}
	if s.Plan != "" && v.ownerPlan(model.ServicePlanKind, s.Owner, s.Plan) == nil {
		v.planError(s, model.ServicePlanKind, s.Plan, "plan")
	}
	for i, a := range s.Addons {
		if slices.Index(s.Addons[:i], a) >= 0 {
			continue // reported above
		}
		if v.ownerPlan(model.AddonPlanKind, s.Owner, a) == nil {
			v.planError(s, model.AddonPlanKind, a, decIndex("addons", i))
		}
	}
}

// undeclaredPlans reports, for a subscription whose owner is unknown (an
// undeclared customer or owner, reported already), the plan and add-ons
// that no owner declares: that needs no owner to tell, so the owner's
// error does not hide it. A name some owner declares is left alone, as
// which owner is meant is unknown; the suggestion is from the names any
// owner declares.
func (v *validator) undeclaredPlans(s *model.Subscription) {
	obj := "subscription " + s.Domain
	if s.Plan != "" && s.Plan != model.None && len(v.planIndex(model.ServicePlanKind)[s.Plan]) == 0 {
		v.errorf(s.Src.At("plan"), obj, "plan", "service plan %q is not declared%s", s.Plan, valSuggest(s.Plan, v.planIndex(model.ServicePlanKind)))
	}
	if s.Plan == model.None {
		return // add-ons on a custom subscription: reported above
	}
	for i, a := range s.Addons {
		if slices.Index(s.Addons[:i], a) >= 0 {
			continue // reported above
		}
		if len(v.planIndex(model.AddonPlanKind)[a]) == 0 {
			field := decIndex("addons", i)
			v.errorf(s.Src.At(field), obj, field, "add-on plan %q is not declared%s", a, valSuggest(a, v.planIndex(model.AddonPlanKind)))
		}
	}
}

// ownerPlan finds a service or add-on plan by owner and name.
// valArticle puts "a" or "an" before a noun.
func valArticle(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

func (v *validator) ownerPlan(kind model.PlanKind, owner, name string) *model.Plan {
	if v.byOwner == nil {
		v.byOwner = map[model.PlanKind]map[string]map[string]*model.Plan{}
		for k, plans := range map[model.PlanKind]map[string]*model.Plan{
			model.ServicePlanKind: v.cfg.ServicePlans, model.AddonPlanKind: v.cfg.AddonPlans,
		} {
			idx := map[string]map[string]*model.Plan{}
			for _, p := range plans {
				if idx[p.Owner] == nil {
					idx[p.Owner] = map[string]*model.Plan{}
				}
				idx[p.Owner][p.Name] = p
			}
			v.byOwner[k] = idx
		}
	}
	return v.byOwner[kind][owner][name]
}

// planError explains why a subscription's plan or add-on is not a plan
// of its owner.
func (v *validator) planError(s *model.Subscription, kind model.PlanKind, name, field string) {
	obj := "subscription " + s.Domain
	what := "service plan"
	if kind == model.AddonPlanKind {
		what = "add-on plan"
	}
	holder, whose := "subscription "+s.Domain, "a reseller's own subscriptions"
	if s.Customer != "" {
		holder, whose = "customer "+s.Customer, "a reseller's customers"
	}
	owners := v.planIndex(kind)[name]
	at := s.Src.At(field)
	switch {
	case s.Owner != model.Admin && slices.Contains(owners, model.Admin):
		adminWhat := "plan"
		if kind == model.AddonPlanKind {
			adminWhat = "add-on plan"
		}
		d := v.errorf(at, obj, field, "%s belongs to reseller %s: %s may only use %s's own plans; %s is an admin %s",
			holder, s.Owner, whose, s.Owner, name, adminWhat)
		d.Detail = fmt.Sprintf("choose %s of reseller %s, or declare %q with %s", valArticle(what), s.Owner, name, valWrite(at, "owner", s.Owner))
		if kind == model.ServicePlanKind {
			d.Detail += ", or use plan none"
		}
		if p := v.ownerPlan(kind, model.Admin, name); p != nil {
			d.Related = []diag.Range{p.Src.At("name")}
		}
	case len(owners) > 0:
		other := owners[0]
		if other == s.Owner && len(owners) > 1 {
			other = owners[1]
		}
		d := v.errorf(at, obj, field, "%s belongs to %s, but %s is %s of %s; a subscription may only use its owner's plans",
			holder, valOwnerText(s.Owner), name, valArticle(what), valOwnerText(other))
		d.Detail = fmt.Sprintf("choose %s of %s", valArticle(what), valOwnerText(s.Owner))
		if kind == model.ServicePlanKind {
			d.Detail += ", or none to keep the current values"
		}
		if p := v.ownerPlan(kind, other, name); p != nil {
			d.Related = []diag.Range{p.Src.At("name")}
		}
	default:
		d := v.errorf(at, obj, field, "%s %q is not declared%s", what, name, decDidYouMean(name, v.ownerPlans(kind, s.Owner)))
		if s.Owner != model.Admin {
			d.Summary = fmt.Sprintf("reseller %s has no %s %q%s", s.Owner, what, name, decDidYouMean(name, v.ownerPlans(kind, s.Owner)))
		}
		otherKind := model.AddonPlanKind
		if kind == model.AddonPlanKind {
			otherKind = model.ServicePlanKind
		}
		if kind == model.ServicePlanKind && strings.EqualFold(name, model.None) {
			// No plan may be named none in any case: it is the keyword.
			d.Detail = "a custom subscription is written " + valWrite(at, "plan", model.None) + ", in lower case"
		}
		if v.ownerPlan(otherKind, s.Owner, name) != nil {
			if kind == model.ServicePlanKind {
				d.Detail = name + " is an add-on plan; list it under addons"
			} else {
				d.Detail = name + " is a service plan; set it as plan"
			}
		}
	}
}

func (v *validator) settings() {
	for _, s := range v.cfg.SubscriberSettings {
		if _, ok := v.cfg.Subscriptions[s.Domain]; ok {
			continue
		}
		v.errorf(s.Src.At("domain"), "subscriber_settings "+s.Domain, "domain", "subscription %q is not declared%s",
			s.Domain, valSuggest(s.Domain, v.cfg.Subscriptions))
	}
}

// valUse is one place that names a service.
type valUse struct {
	obj string
	at  diag.Range
}

// services checks that every service a plan or a reseller lists is
// declared or provided by an extension. One error per unknown service,
// at its first use, names every object that uses it.
func (v *validator) services() {
	uses := undeclaredServiceUses(v.cfg)
	names := slices.Sorted(maps.Keys(uses))
	known := slices.Sorted(maps.Keys(v.cfg.Services))
	for _, name := range names {
		us := uses[name]
		sort.Slice(us, func(i, j int) bool { return valBefore(us[i].at, us[j].at) })
		var objs []string
		for _, u := range us {
			if !slices.Contains(objs, u.obj) {
				objs = append(objs, u.obj)
			}
		}
		// The error is the first use's object's (its services), and its
		// summary names every object that uses the service (SPEC §1.6:
		// a service deleted while used names the plans).
		d := v.errorf(us[0].at, us[0].obj, "services", "service %q is not declared (used by %s)%s", name, strings.Join(objs, ", "), decDidYouMean(name, known))
		for _, u := range us[1:] {
			d.Related = append(d.Related, u.at)
		}
		d.Detail = "declare it under services, or list the extension that provides it under server.extensions"
	}
}

// valBefore orders places by file, line and column.
func valBefore(a, b diag.Range) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Start.Line != b.Start.Line {
		return a.Start.Line < b.Start.Line
	}
	return a.Start.Column < b.Start.Column
}

// renames checks renamed_from: it names an old key that is no longer
// declared, and no two objects claim the same old key (reported at the
// later claim).
func (v *validator) renames() {
	accountExists := func(l string) string {
		if _, ok := v.cfg.Resellers[l]; ok {
			return "reseller " + l
		}
		if _, ok := v.cfg.Customers[l]; ok {
			return "customer " + l
		}
		return ""
	}
	logins := map[string][]valUse{}
	for _, r := range v.cfg.Resellers {
		v.rename("reseller", r.Login, r.RenamedFrom, &r.Src, logins, accountExists)
	}
	for _, c := range v.cfg.Customers {
		v.rename("customer", c.Login, c.RenamedFrom, &c.Src, logins, accountExists)
	}
	v.renamedTwice(logins)
	domains := map[string][]valUse{}
	subExists := func(d string) string {
		if _, ok := v.cfg.Subscriptions[d]; ok {
			return "subscription " + d
		}
		return ""
	}
	for _, s := range v.cfg.Subscriptions {
		v.rename("subscription", s.Domain, s.RenamedFrom, &s.Src, domains, subExists)
	}
	v.renamedTwice(domains)
}

func (v *validator) rename(kind, key, from string, src *model.Src, claims map[string][]valUse, exists func(string) string) {
	if from == "" {
		return
	}
	obj := kind + " " + key
	at := src.At("renamed_from")
	if from == key {
		v.errorf(at, obj, "renamed_from", "renamed_from names the %s itself", kind)
		return
	}
	if other := exists(from); other != "" {
		v.errorf(at, obj, "renamed_from", "%q is still declared (%s); the old name of a renamed object must be gone", from, other)
		return
	}
	claims[from] = append(claims[from], valUse{obj: obj, at: at})
}

func (v *validator) renamedTwice(claims map[string][]valUse) {
	for from, cs := range claims {
		if len(cs) < 2 {
			continue
		}
		sort.Slice(cs, func(i, j int) bool { return valBefore(cs[i].at, cs[j].at) })
		for _, c := range cs[1:] {
			d := v.errorf(c.at, c.obj, "renamed_from", "%q is renamed twice (also by %s)", from, cs[0].obj)
			d.Related = []diag.Range{cs[0].at}
		}
	}
}

// valSuggest is decDidYouMean over the keys of m, skipped for very
// large maps where it would cost more than it helps.
func valSuggest[T any](name string, m map[string]T) string {
	if len(m) > 2000 {
		return ""
	}
	return decDidYouMean(name, slices.Sorted(maps.Keys(m)))
}

// sameServer reports whether two servers of a list connect to the same
// Plesk address (scheme, host and port as the client uses them, and the
// path), and that address.
func sameServer(a, b *model.Server) (string, bool) {
	if a.Plesk == nil || b.Plesk == nil {
		return "", false
	}
	x, okx := PleskAddress(a.Plesk.URL)
	y, oky := PleskAddress(b.Plesk.URL)
	return x, okx && oky && x == y
}

// PleskAddress is a Plesk URL as the address it reaches: the scheme and
// host lowercased, the scheme's port when none is given, the API's path
// when there is none. ok is false for what is not such a URL (the
// connection says what is wrong with it).
func PleskAddress(raw string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	path := strings.TrimSuffix(u.Path, "/")
	if path == "" {
		path = "/enterprise/control/agent.php"
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port) + path, true
}
