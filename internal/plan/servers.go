package plan

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// This file plans a multi-server config (model.Config.Servers): the
// config is partitioned per server (Partition), the recorded state sliced
// per server (SliceState), the engine run once per server on its slices,
// and the per-server plans merged into one (MakeFleet), every change,
// conflict, status and drift naming its server. A config with a single
// server block never comes here: its plans are what they always were.

// ServerConfig is the part of a multi-server config that one server holds.
type ServerConfig struct {
	Name   string
	Config *model.Config
}

// Partition splits a multi-server config per server, in the order of
// cfg.Servers. Catalogue objects go where their placement says (every
// server by default; a reseller's plans only where the reseller is; a
// reseller plan also where its resellers are); subscriptions go to their
// server; customers and resellers to every server where they (or their
// customers) have a subscription, and where they are placed explicitly.
// A subscription whose plan or add-ons are not on its server, and a plan
// whose custom services are not, are errors; the services of extensions
// a server lacks are its part's Lacking (conflicts).
func Partition(cfg *model.Config) ([]ServerConfig, diag.Diagnostics) {
	var diags diag.Diagnostics
	custOn := map[string]map[string]bool{} // login -> servers
	resOn := map[string]map[string]bool{}
	put := func(m map[string]map[string]bool, login, server string) {
		if login == "" || login == model.Admin {
			return
		}
		if m[login] == nil {
			m[login] = map[string]bool{}
		}
		m[login][server] = true
	}
	for _, c := range cfg.Customers {
		for _, s := range c.Servers {
			put(custOn, c.Login, s)
		}
	}
	for _, r := range cfg.Resellers {
		for _, s := range r.Servers {
			put(resOn, r.Login, s)
		}
	}
	for _, s := range cfg.Subscriptions {
		srv := SubscriptionServer(cfg, s)
		if srv == "" {
			continue
		}
		put(custOn, s.Customer, srv)
		put(resOn, subOwner(cfg, s), srv)
	}
	for login, on := range custOn {
		if c := cfg.Customers[login]; c != nil {
			for srv := range on {
				put(resOn, c.Owner, srv)
			}
		}
	}
	for _, login := range slices.Sorted(maps.Keys(cfg.Customers)) {
		if len(custOn[login]) == 0 {
			c := cfg.Customers[login]
			diags = append(diags, diag.Diagnostic{Severity: diag.Warning, Subject: c.Src.Decl, Object: "customer " + login,
				Summary: fmt.Sprintf("customer %s is on no server: it has no subscription and no servers list", login),
				Detail:  "with several servers, a customer exists where it has a subscription, or where servers: [..] places it"})
		}
	}
	for _, login := range slices.Sorted(maps.Keys(cfg.Resellers)) {
		if len(resOn[login]) == 0 {
			r := cfg.Resellers[login]
			diags = append(diags, diag.Diagnostic{Severity: diag.Warning, Subject: r.Src.Decl, Object: "reseller " + login,
				Summary: fmt.Sprintf("reseller %s is on no server: neither it nor its customers have a subscription, and it has no servers list", login),
				Detail:  "with several servers, a reseller exists where it or its customers have a subscription, or where servers: [..] places it"})
		}
	}
	// A reseller's own plans exist only where the reseller is: one placed
	// explicitly (servers, server_selector) on none of those servers is
	// on no server. The reseller on no server is warned of above.
	for _, plans := range []map[string]*model.Plan{cfg.ServicePlans, cfg.AddonPlans} {
		for _, k := range slices.Sorted(maps.Keys(plans)) {
			p := plans[k]
			on := resOn[p.Owner]
			if p.Owner == "" || p.Owner == model.Admin || len(on) == 0 || !p.Placement.Set() {
				continue
			}
			var placed []string
			for _, s := range p.Placement.Select(cfg.Servers) {
				if on[s.Name] {
					placed = nil
					break
				}
				placed = append(placed, s.Name)
			}
			if len(placed) == 0 {
				continue
			}
			var is []string
			for _, s := range cfg.Servers {
				if on[s.Name] {
					is = append(is, s.Name)
				}
			}
			diags = append(diags, diag.Diagnostic{Severity: diag.Warning, Subject: p.Src.Decl, Object: string(p.Kind) + " " + k,
				Summary: fmt.Sprintf("%s %s is on no server: it is placed on %s, but a plan of reseller %s exists only where %s is (%s)",
					p.Kind, k, strings.Join(placed, ", "), p.Owner, p.Owner, strings.Join(is, ", ")),
				Detail: fmt.Sprintf("place it on a server where %s is, or place %s there too (its servers list, or a subscription of its own or of its customers there)", p.Owner, p.Owner)})
		}
	}

	out := make([]ServerConfig, 0, len(cfg.Servers))
	for _, srv := range cfg.Servers {
		c := model.NewConfig()
		c.Server, c.Files, c.Retired = srv, cfg.Files, cfg.Retired
		name := srv.Name
		provided := map[string]bool{}
		for _, x := range srv.Extensions {
			for _, svc := range x.Services {
				provided[svc.Name] = true
			}
		}
		for k, s := range cfg.Services {
			switch {
			case s.Extension == "" && s.Placement.Has(srv):
				c.Services[k] = s
			case s.Extension != "" && !provided[k]:
				if c.Lacking == nil {
					c.Lacking = map[string]model.Lack{}
				}
				c.Lacking[k] = model.Lack{Extension: s.Extension}
			}
		}
		for k, r := range cfg.Resellers {
			if resOn[k][name] {
				c.Resellers[k] = r
			}
		}
		for k, cu := range cfg.Customers {
			if custOn[k][name] {
				c.Customers[k] = cu
			}
		}
		for k, p := range cfg.ServicePlans {
			if p.Placement.Has(srv) && (p.Owner == model.Admin || p.Owner == "" || resOn[p.Owner][name]) {
				c.ServicePlans[k] = p
			}
		}
		for k, p := range cfg.AddonPlans {
			if p.Placement.Has(srv) && (p.Owner == model.Admin || p.Owner == "" || resOn[p.Owner][name]) {
				c.AddonPlans[k] = p
			}
		}
		for k, p := range cfg.ResellerPlans {
			if p.Placement.Has(srv) {
				c.ResellerPlans[k] = p
			}
		}
		for _, r := range c.Resellers {
			if r.Plan != "" && r.Plan != model.None && cfg.ResellerPlans[r.Plan] != nil {
				c.ResellerPlans[r.Plan] = cfg.ResellerPlans[r.Plan]
			}
		}
		for k, s := range cfg.Subscriptions {
			if SubscriptionServer(cfg, s) == name {
				c.Subscriptions[k] = s
				if st := cfg.SubscriberSettings[k]; st != nil {
					c.SubscriberSettings[k] = st
				}
			}
		}
		diags = append(diags, checkPlaced(cfg, c, srv)...)
		out = append(out, ServerConfig{Name: name, Config: c})
	}
	diags.Sort()
	return out, diags
}

// SubscriptionServer is the server a subscription is on: the one it
// names, or the only server of a servers list with one; "" when it
// names none among several (an error of the config).
func SubscriptionServer(cfg *model.Config, s *model.Subscription) string {
	if s.Server == "" && len(cfg.Servers) == 1 {
		return cfg.Servers[0].Name
	}
	return s.Server
}

// subOwner is the owner of a subscription: its customer's owner, or its
// own owner (admin when none).
func subOwner(cfg *model.Config, s *model.Subscription) string {
	if s.Customer != "" {
		if c := cfg.Customers[s.Customer]; c != nil {
			return c.Owner
		}
	}
	if s.Owner == "" {
		return model.Admin
	}
	return s.Owner
}

// checkPlaced reports what one server's part refers to that is not on
// that server.
func checkPlaced(all, c *model.Config, srv *model.Server) diag.Diagnostics {
	var diags diag.Diagnostics
	where := func(p *model.Plan) string {
		on := p.Placement.Select(all.Servers)
		names := make([]string, len(on))
		for i, s := range on {
			names[i] = s.Name
		}
		if len(names) == 0 {
			return "it is on no server"
		}
		return "it is on " + strings.Join(names, ", ")
	}
	for _, k := range slices.Sorted(maps.Keys(c.Subscriptions)) {
		s := c.Subscriptions[k]
		owner := subOwner(all, s)
		if s.Plan != "" && s.Plan != model.None {
			key := model.PlanKey(owner, s.Plan)
			if p := all.ServicePlans[key]; p != nil && c.ServicePlans[key] == nil {
				diags = append(diags, diag.Diagnostic{Severity: diag.Error, Subject: s.Src.At("plan"), Object: "subscription " + k, Path: "plan",
					Summary: fmt.Sprintf("subscription %s is on server %s, but its service plan %q is not placed there (%s)", k, srv.Name, s.Plan, where(p)),
					Detail:  "add " + srv.Name + " to the plan's servers (or make its server_selector match), or put the subscription on a server that has the plan"})
			}
		}
		for i, a := range s.Addons {
			key := model.PlanKey(owner, a)
			if p := all.AddonPlans[key]; p != nil && c.AddonPlans[key] == nil {
				diags = append(diags, diag.Diagnostic{Severity: diag.Error, Subject: s.Src.At(fmt.Sprintf("addons[%d]", i)), Object: "subscription " + k, Path: "addons",
					Summary: fmt.Sprintf("subscription %s is on server %s, but its add-on %q is not placed there (%s)", k, srv.Name, a, where(p))})
			}
		}
	}
	ext := map[string]bool{}
	for _, x := range srv.Extensions {
		for _, svc := range x.Services {
			ext[svc.Name] = true
		}
	}
	for _, plans := range []map[string]*model.Plan{c.ServicePlans, c.AddonPlans, c.ResellerPlans} {
		for _, k := range slices.Sorted(maps.Keys(plans)) {
			p := plans[k]
			for _, name := range p.Services {
				if c.Services[name] == nil && !ext[name] && all.Services[name] != nil && all.Services[name].Extension == "" {
					diags = append(diags, diag.Diagnostic{Severity: diag.Error, Subject: p.Src.At("services"), Object: string(p.Kind) + " " + k, Path: "services",
						Summary: fmt.Sprintf("%s %q is on server %s, but its service %q is not placed there", p.Kind, k, srv.Name, name)})
				}
			}
		}
	}
	return diags
}

// SliceState returns the records of s that are on server (their server
// field cleared), with s's lineage, serial and property sets: the
// recorded state the engine plans one server against. It returns nil
// for a nil s.
func SliceState(s *state.Snapshot, server string) *state.Snapshot {
	if s == nil {
		return nil
	}
	out := &state.Snapshot{FormatVersion: s.FormatVersion, Lineage: s.Lineage, Serial: s.Serial, PropertySets: s.PropertySets}
	if server == "" {
		out.Server = s.Server
	}
	for _, r := range s.Servers {
		if r.Name == server {
			r.Name = ""
			out.Server = &r
		}
	}
	for _, r := range s.Services {
		if r.Server == server {
			r.Server = ""
			out.Services = append(out.Services, r)
		}
	}
	slicePlans := func(list []state.Plan) []state.Plan {
		var o []state.Plan
		for _, r := range list {
			if r.Server == server {
				r.Server = ""
				o = append(o, r)
			}
		}
		return o
	}
	out.ServicePlans = slicePlans(s.ServicePlans)
	out.AddonPlans = slicePlans(s.AddonPlans)
	out.ResellerPlans = slicePlans(s.ResellerPlans)
	for _, r := range s.Resellers {
		if r.Server == server {
			r.Server = ""
			out.Resellers = append(out.Resellers, r)
		}
	}
	for _, r := range s.Customers {
		if r.Server == server {
			r.Server = ""
			out.Customers = append(out.Customers, r)
		}
	}
	for _, r := range s.Subscriptions {
		if r.Server == server {
			r.Server = ""
			out.Subscriptions = append(out.Subscriptions, r)
		}
	}
	return out
}

// RecordedServers returns the names of the servers s records objects
// of ("" for the single server), sorted.
func RecordedServers(s *state.Snapshot) []string {
	if s == nil {
		return nil
	}
	seen := map[string]bool{}
	for ref := range state.Records(s) {
		seen[ref.Server] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// JoinStates puts per-server slices (server fields empty) back into one
// snapshot with the given lineage and serial: each record gets its
// server's name. Property sets are shared by content id.
func JoinStates(lineage string, serial uint64, names []string, slices_ []*state.Snapshot) *state.Snapshot {
	out := state.New(lineage)
	out.Serial = serial
	out.PropertySets = map[string]state.Values{}
	// The lists are made their full length at once: a fleet's are long.
	var nServices, nPlans, nAddons, nResellerPlans, nResellers, nCustomers, nSubs int
	for _, s := range slices_ {
		if s != nil {
			nServices += len(s.Services)
			nPlans += len(s.ServicePlans)
			nAddons += len(s.AddonPlans)
			nResellerPlans += len(s.ResellerPlans)
			nResellers += len(s.Resellers)
			nCustomers += len(s.Customers)
			nSubs += len(s.Subscriptions)
		}
	}
	out.Services = withCap[state.Service](nServices)
	out.ServicePlans = withCap[state.Plan](nPlans)
	out.AddonPlans = withCap[state.Plan](nAddons)
	out.ResellerPlans = withCap[state.Plan](nResellerPlans)
	out.Resellers = withCap[state.Reseller](nResellers)
	out.Customers = withCap[state.Customer](nCustomers)
	out.Subscriptions = withCap[state.Subscription](nSubs)
	for i, s := range slices_ {
		if s == nil {
			continue
		}
		name := names[i]
		if s.Server != nil {
			r := *s.Server
			if r.Name = name; name == "" {
				out.Server = &r
			} else {
				out.Servers = append(out.Servers, r)
			}
		}
		for _, r := range s.Services {
			r.Server = name
			out.Services = append(out.Services, r)
		}
		for _, r := range s.ServicePlans {
			r.Server = name
			out.ServicePlans = append(out.ServicePlans, r)
		}
		for _, r := range s.AddonPlans {
			r.Server = name
			out.AddonPlans = append(out.AddonPlans, r)
		}
		for _, r := range s.ResellerPlans {
			r.Server = name
			out.ResellerPlans = append(out.ResellerPlans, r)
		}
		for _, r := range s.Resellers {
			r.Server = name
			out.Resellers = append(out.Resellers, r)
		}
		for _, r := range s.Customers {
			r.Server = name
			out.Customers = append(out.Customers, r)
		}
		for _, r := range s.Subscriptions {
			r.Server = name
			out.Subscriptions = append(out.Subscriptions, r)
		}
		if used, err := state.ReferencedSets(s); err == nil {
			maps.Copy(out.PropertySets, used)
		} else {
			maps.Copy(out.PropertySets, s.PropertySets)
		}
	}
	if len(out.PropertySets) == 0 {
		out.PropertySets = nil
	}
	return out
}

// withCap is an empty list of capacity n (nil for none, as append
// leaves a list it adds nothing to).
func withCap[T any](n int) []T {
	if n == 0 {
		return nil
	}
	return make([]T, 0, n)
}

// Moves reports the subscriptions the config places on another server
// than the one they are recorded on: plansync does not move them.
func Moves(cfg *model.Config, prior *state.Snapshot) diag.Diagnostics {
	if prior == nil {
		return nil
	}
	var diags diag.Diagnostics
	// A subscription renamed (renamed_from) is the recorded one under a
	// new domain: put on another server, it is moved all the same.
	renamed := map[string]*model.Subscription{}
	for _, s := range cfg.Subscriptions {
		if s.RenamedFrom != "" {
			renamed[s.RenamedFrom] = s
		}
	}
	for _, r := range prior.Subscriptions {
		s, name := cfg.Subscriptions[r.Domain], r.Domain
		if s == nil {
			if s = renamed[r.Domain]; s == nil {
				continue
			}
			name = s.Domain + " (renamed from " + r.Domain + ")"
		}
		was, now := r.Server, s.Server
		if len(cfg.Servers) > 0 {
			now = SubscriptionServer(cfg, s)
		}
		if was == "" {
			was = model.DefaultServer
		}
		if now == "" {
			now = model.DefaultServer
		}
		if was == now || (r.Server == "" && len(cfg.Servers) > 0) {
			// A record of the single server under a servers list is an
			// object of server default, which the config no longer has.
			continue
		}
		at := s.Src.At("server")
		detail := "set server back to " + was + "; or migrate it with Plesk's own tools, then take it out of the config and apply with --allow-delete (plansync forgets it on " + was +
			", deleting it there if it is still there), and import it from " + now + " (plansync import --target subscription/" + s.Domain + " --server " + now + "=URL)"
		if len(cfg.Servers) > 0 && !slices.ContainsFunc(cfg.Servers, func(sv *model.Server) bool { return sv.Name == was }) {
			// Records of a server the list does not name are kept as
			// recorded: nothing is planned there until it is named again.
			detail = "server " + was + " is no longer in the config's servers: if " + now + " is " + was + " under a new name, keep the name " + was +
				" (the records of a server keep its name; deleting would delete the subscription on that very server); otherwise name " + was + " there again, then set server back to " + was +
				"; or migrate it with Plesk's own tools, then, with " + was + " named, take it out of the config and apply with --allow-delete (plansync forgets it on " + was +
				", deleting it there if it is still there), and import it from " + now + " (plansync import --target subscription/" + s.Domain + " --server " + now + "=URL)"
		}
		diags = append(diags, diag.Diagnostic{Severity: diag.Error, Subject: at, Object: "subscription " + s.Domain, Path: "server",
			Summary: fmt.Sprintf("subscription %s is recorded on server %s and the config puts it on %s: moving a subscription to another server is not something plansync does", name, was, now),
			Detail:  detail})
	}
	diags.Sort()
	return diags
}

// AdoptDefault returns the recorded state s as a multi-server config of
// parts sees it: when s holds a single server's records (no server name)
// and parts has a server named default, those records are that
// server's. s itself is returned otherwise; it is never changed.
func AdoptDefault(s *state.Snapshot, parts []ServerConfig) *state.Snapshot {
	if s == nil || !slices.Contains(RecordedServers(s), "") {
		return s
	}
	for _, part := range parts {
		if part.Name == model.DefaultServer {
			return adoptSingle(s)
		}
	}
	return s
}

// adoptSingle returns s with the records of the single server (no server
// name) named as those of server default; s is not changed.
func adoptSingle(s *state.Snapshot) *state.Snapshot {
	single := SliceState(s, "")
	var names []string
	var parts []*state.Snapshot
	for _, n := range RecordedServers(s) {
		if n == model.DefaultServer {
			continue // both: the named records win; the others stay apart
		}
		if n == "" {
			names, parts = append(names, model.DefaultServer), append(parts, single)
			continue
		}
		names, parts = append(names, n), append(parts, SliceState(s, n))
	}
	if slices.Contains(RecordedServers(s), model.DefaultServer) {
		return s
	}
	return JoinStates(s.Lineage, s.Serial, names, parts)
}

// SingleServerPrior returns the recorded state s as a config with a
// single server block (the one server default) sees it: records of
// server default (a servers list that named only default) are the single
// server's, as AdoptDefault does the other way. A state that also holds
// records of another named server cannot be planned so: planning would
// drop them from the state. The error names those servers and what is
// recorded there. s itself is never changed.
func SingleServerPrior(s *state.Snapshot) (*state.Snapshot, error) {
	if !namesServers(s) {
		return s, nil // a single server's state: nothing to look at
	}
	names := RecordedServers(s)
	var others []string
	for _, n := range names {
		if n != "" && n != model.DefaultServer {
			others = append(others, n)
		}
	}
	if len(others) == 0 && slices.Contains(names, "") && slices.Contains(names, model.DefaultServer) {
		// Both the single server's records and default's: which are
		// the block's is not for plansync to guess.
		others = append(others, model.DefaultServer)
	}
	if len(others) > 0 {
		var held []string
		for _, n := range others {
			objects := RecordedObjects(SliceState(s, n))
			if len(objects) == 0 {
				held = append(held, fmt.Sprintf("server %s: its description", n))
				continue
			}
			held = append(held, fmt.Sprintf("server %s: %s (%s)", n, countNoun(len(objects), "object"), firstNames(objects, 3)))
		}
		return nil, fmt.Errorf("the config has a single server block (the one server %s), but the recorded state holds what is recorded on other servers of a servers list (%s): "+
			"planning the block would drop it from the state; nothing was planned. "+
			"Keep the servers list, with the block's server named %s in it; to keep only that server, retire the others first: "+
			"empty their part of the config and apply (with --allow-delete), then take them out of the list and apply again, which forgets them",
			model.DefaultServer, strings.Join(held, "; "), model.DefaultServer)
	}
	if !slices.Contains(names, model.DefaultServer) {
		return s, nil
	}
	return JoinStates(s.Lineage, s.Serial, []string{""}, []*state.Snapshot{SliceState(s, model.DefaultServer)}), nil
}

// namesServers reports whether s holds a record of a named server,
// without building the map of every record (a single server's state may
// hold 100,000 subscriptions).
func namesServers(s *state.Snapshot) bool {
	if s == nil {
		return false
	}
	if len(s.Servers) > 0 {
		return true
	}
	named := func(server string) bool { return server != "" }
	for _, r := range s.Services {
		if named(r.Server) {
			return true
		}
	}
	for _, list := range [][]state.Plan{s.ServicePlans, s.AddonPlans, s.ResellerPlans} {
		for _, r := range list {
			if named(r.Server) {
				return true
			}
		}
	}
	for _, r := range s.Resellers {
		if named(r.Server) {
			return true
		}
	}
	for _, r := range s.Customers {
		if named(r.Server) {
			return true
		}
	}
	for _, r := range s.Subscriptions {
		if named(r.Server) {
			return true
		}
	}
	return false
}

// FleetInput is what MakeFleet plans a multi-server config from.
type FleetInput struct {
	// Input holds the whole config, the whole recorded state, the clock,
	// the secrets and the scope; Reuse is not used.
	Input
	// Parts is the config partitioned (Partition).
	Parts []ServerConfig
	// Only, when set, plans that server alone (--target server/NAME):
	// every other server's records stay as recorded.
	Only string
	// Basis holds, per server, the slice to plan from instead of the
	// recorded slice (what a refresh observed on that server).
	Basis map[string]*state.Snapshot
	// ComponentsRead says, per server, that its components are those
	// the server reported (Input.ComponentsRead).
	ComponentsRead map[string]bool
	// Drift holds, per server, what a refresh found changed outside
	// plansync.
	Drift map[string][]Drift
	// Annotate, when set, is called with each server's plan as soon as
	// it is made, before the plans are merged.
	Annotate func(server string, p *Plan)
	// Targets (--target KIND/KEY) limit each server's plan to the
	// targeted objects it has and what they force (Target); a target no
	// server has is an error.
	Targets []string
}

// ServerPart is one server's share of a fleet plan: the engine's plan of
// that server alone (records without a server name) and the recorded
// slice it was planned against.
type ServerPart struct {
	Name  string
	Plan  *Plan
	Prior *state.Snapshot
	// Basis is the slice the plan was made from (Prior, or what a
	// refresh observed).
	Basis  *state.Snapshot
	Config *model.Config
}

// ServerSummary counts one server's share of a plan.
type ServerSummary struct {
	Name    string
	Summary Summary
	// Subscriptions is the number of subscriptions the server holds in
	// the plan's result.
	Subscriptions int
}

// MakeFleet plans every server of a multi-server config and merges the
// per-server plans into one.
func MakeFleet(in FleetInput) *Plan {
	prior := in.Prior
	lineage, serial := in.Lineage, uint64(0)
	if prior != nil {
		lineage, serial = prior.Lineage, prior.Serial
	}
	p := &Plan{PriorSerial: serial}
	if prior != nil {
		p.PriorLineage = prior.Lineage
	}
	// A state recorded with a single server block: its records are those
	// of the server named default, when the servers list has one.
	prior = AdoptDefault(prior, in.Parts)
	in.Prior = prior
	p.Diagnostics = append(p.Diagnostics, Moves(in.Config, prior)...)
	if p.Diagnostics.HasErrors() {
		return p
	}
	known := map[string]bool{}
	found := map[string]bool{} // targets some server has
	var names []string
	var results []*state.Snapshot
	for _, part := range in.Parts {
		known[part.Name] = true
		recorded := SliceState(prior, part.Name)
		if in.Only != "" && part.Name != in.Only {
			names, results = append(names, part.Name), append(results, recorded)
			continue
		}
		basis := recorded
		if b := in.Basis[part.Name]; b != nil {
			basis = b
		}
		sub := in.Input
		sub.Config, sub.Prior, sub.Reuse, sub.Lineage = part.Config, basis, nil, lineage
		sub.ComponentsRead = in.ComponentsRead[part.Name]
		sp := makeOne(sub)
		placedElsewhere(sp, part.Name, in.Config)
		if in.Annotate != nil {
			in.Annotate(part.Name, sp)
		}
		if len(in.Targets) > 0 && !sp.Diagnostics.HasErrors() {
			sp = targetPart(sp, recorded, in.Targets, found)
		}
		p.Parts = append(p.Parts, &ServerPart{Name: part.Name, Plan: sp, Prior: recorded, Basis: basis, Config: part.Config})
		names, results = append(names, part.Name), append(results, sp.Result)
	}
	// Records of servers the config no longer names stay as recorded;
	// a server with nothing recorded but its own description is
	// forgotten (a whole run only: not one limited by --target).
	var forgotten []string
	for _, name := range RecordedServers(prior) {
		if !known[name] {
			label := name
			if label == "" {
				label = model.DefaultServer
			}
			slice := SliceState(prior, name)
			objects := RecordedObjects(slice)
			if len(objects) == 0 && name != "" && in.Only == "" && len(in.Targets) == 0 {
				forgotten = append(forgotten, name)
				continue
			}
			names, results = append(names, name), append(results, slice)
			note := fmt.Sprintf("the recorded state holds %s of server %s (%s), which the config does not name: they are kept as recorded, and nothing is read or planned there. "+
				"To delete them, name %s in servers again, take them out of its part of the config (catalogue objects: leave %s out of their servers or server_selector) and apply with --allow-delete; then remove %s from servers.",
				countNoun(len(objects), "object"), label, firstNames(objects, 3), label, label, label)
			if len(objects) == 0 && name != "" {
				note = fmt.Sprintf("the recorded state holds the description of server %s, which the config does not name, and nothing else there: a run not limited by --target forgets it", label)
			}
			if name == "" {
				note = "the recorded state holds the objects of a single server block (server default), which the config's servers list does not name: they are kept as recorded; name one server default to adopt them"
			}
			p.Notes = append(p.Notes, note)
		}
	}
	p.Result = JoinStates(lineage, serial, names, results)
	for _, t := range in.Targets {
		if !found[t] {
			summary := fmt.Sprintf("--target %s: no server has it in the config or the recorded state", t)
			if in.Only != "" {
				summary = fmt.Sprintf("--target %s: server %s does not have it in the config or the recorded state", t, in.Only)
			}
			p.Diagnostics = append(p.Diagnostics, diag.Diagnostic{Severity: diag.Error, Summary: summary})
		}
	}
	mergeParts(p, in, forgotten)
	AdoptEverywhere(p.Drift, in.Parts)
	if len(in.Targets) > 0 {
		p.Partial, p.Targets = true, in.Targets
		keepTargetedDrift(p, in.Targets)
	}
	return p
}

// targetPart limits one server's plan to the targets it has (Target),
// noting them in found; a server that has none of them changes nothing.
func targetPart(sp *Plan, recorded *state.Snapshot, targets []string, found map[string]bool) *Plan {
	exists := map[string]bool{}
	for _, c := range sp.Changes {
		exists[string(c.Kind)+" "+c.Key] = true
	}
	for r := range state.Records(sp.Result) {
		exists[r.Kind+" "+r.Key] = true
	}
	for r := range state.Records(recorded) {
		exists[r.Kind+" "+r.Key] = true
	}
	var mine []string
	for _, t := range targets {
		ref, err := ParseTarget(t)
		if err == nil && exists[ref.Kind+" "+ref.Key] {
			mine = append(mine, t)
			found[t] = true
		}
	}
	if len(mine) == 0 {
		out := &Plan{Result: recorded, PriorLineage: sp.PriorLineage, PriorSerial: sp.PriorSerial, Notes: sp.Notes, Diagnostics: sp.Diagnostics,
			Subscriptions: partialSubscriptions(sp, recorded, nil)}
		if out.Result == nil {
			out.Result = state.New(sp.Result.Lineage)
		}
		return out
	}
	tp, err := Target(sp, recorded, mine)
	if err != nil {
		sp.Diagnostics = append(sp.Diagnostics, diag.Diagnostic{Severity: diag.Error, Summary: err.Error()})
		return sp
	}
	return tp
}

// keepTargetedDrift keeps, on a targeted plan, the drift of the targeted
// objects and of what the plan changes.
func keepTargetedDrift(p *Plan, targets []string) {
	keep := map[string]bool{}
	for _, t := range targets {
		if ref, err := ParseTarget(t); err == nil {
			keep[ref.Kind+" "+ref.Key] = true
		}
	}
	changed := map[string]bool{}
	for _, c := range p.Changes {
		changed[c.Address()] = true
	}
	var out []Drift
	for _, d := range p.Drift {
		if keep[string(d.Kind)+" "+d.Key] || changed[d.Address()] {
			out = append(out, d)
		}
	}
	p.Drift = out
}

// AdoptEverywhere says, in the advice to adopt drift seen on one server
// (plan and refresh of the servers parts), that the object adopted is
// one object of the config for every server it is on: the block
// replaces it on all of them.
//
// An object deleted (or missing) on one server that the config still
// places on others is not adopted by removing it from the config, which
// deletes it on all of them: the advice is to take that server out of
// its placement (deletedOnOne).
func AdoptEverywhere(drift []Drift, parts []ServerConfig) {
	for i := range drift {
		d := &drift[i]
		if d.Server == "" {
			continue
		}
		var on []string
		for _, part := range parts {
			if part.Config != nil && configHas(part.Config, d.Kind, d.Key) {
				on = append(on, part.Name)
			}
		}
		if len(on) < 2 {
			continue
		}
		if (d.Cause == DriftDeleted || d.Cause == DriftMissing) && d.Adopt == "" && strings.HasPrefix(d.AdoptNote, "remove ") {
			deletedOnOne(d, on, parts)
			continue
		}
		if d.Adopt == "" {
			continue
		}
		d.AdoptNote = strings.Replace(d.AdoptNote, " in the config",
			fmt.Sprintf(" in the config (it is on %s: this changes it on every one of them, not only on %s)", strings.Join(on, ", "), d.Server), 1)
	}
}

// deletedOnOne words the advice to adopt the deletion of an object on
// one server (d.Server) of those the config places it on (on): take that
// server out of its placement, keeping it on the others. For a plan or
// service, its servers list; for an account, what puts it on that
// server: its subscriptions there (its customers' too, for a reseller)
// and its servers list. Removing it from the config, which deletes it
// everywhere, is said as the caveat.
func deletedOnOne(d *Drift, on []string, parts []ServerConfig) {
	var here *model.Config
	for _, part := range parts {
		if part.Name == d.Server {
			here = part.Config
		}
	}
	if here == nil {
		return
	}
	var rest []string
	for _, n := range on {
		if n != d.Server {
			rest = append(rest, n)
		}
	}
	what := strings.ReplaceAll(string(d.Kind), "_", " ") + " " + d.Key
	everywhere := fmt.Sprintf(" (it is on %s: removing it from the config deletes it on every one of them, not only on %s)", strings.Join(on, ", "), d.Server)
	list := "servers: [" + strings.Join(rest, ", ") + "]"
	switch d.Kind {
	case KindService, KindServicePlan, KindAddonPlan, KindResellerPlan:
		var pl model.Placement
		switch d.Kind {
		case KindService:
			pl = here.Services[d.Key].Placement
		case KindServicePlan:
			pl = here.ServicePlans[d.Key].Placement
		case KindAddonPlan:
			pl = here.AddonPlans[d.Key].Placement
		case KindResellerPlan:
			pl = here.ResellerPlans[d.Key].Placement
			var users []string
			for _, login := range slices.Sorted(maps.Keys(here.Resellers)) {
				if here.Resellers[login].Plan == d.Key {
					users = append(users, "reseller "+login)
				}
			}
			if len(users) > 0 {
				// On the server for its resellers there, whatever its
				// placement says.
				d.AdoptNote = fmt.Sprintf("take %s off %s in the config: %s %s it there, so give %s another plan or take %s off %s%s", what, d.Server,
					strings.Join(users, ", "), plural(len(users), "has", "have"), plural(len(users), "it", "them"), plural(len(users), "it", "them"), d.Server, everywhere)
				return
			}
		}
		switch {
		case len(pl.Servers) > 0:
			d.AdoptNote = fmt.Sprintf("take %s out of the servers of %s in the config, which leaves %s", d.Server, what, list)
		case len(pl.Selector) > 0:
			d.AdoptNote = fmt.Sprintf("place %s on %s only in the config: %s in place of its server_selector", what, strings.Join(rest, ", "), list)
		default:
			d.AdoptNote = fmt.Sprintf("place %s on %s only in the config: %s", what, strings.Join(rest, ", "), list)
		}
		d.AdoptNote += everywhere
	case KindCustomer, KindReseller:
		var subs, custs []string
		listed := false
		for _, k := range slices.Sorted(maps.Keys(here.Subscriptions)) {
			s := here.Subscriptions[k]
			if d.Kind == KindCustomer && s.Customer == d.Key || d.Kind == KindReseller && subOwner(here, s) == d.Key {
				subs = append(subs, k)
			}
		}
		if d.Kind == KindCustomer {
			listed = slices.Contains(here.Customers[d.Key].Servers, d.Server)
		} else {
			listed = slices.Contains(here.Resellers[d.Key].Servers, d.Server)
			for _, login := range slices.Sorted(maps.Keys(here.Customers)) {
				if c := here.Customers[login]; c.Owner == d.Key && slices.Contains(c.Servers, d.Server) {
					custs = append(custs, login)
				}
			}
		}
		var steps []string
		whose := "its"
		if d.Kind == KindReseller {
			whose = "its or its customers'"
		}
		switch len(subs) {
		case 0:
		case 1:
			steps = append(steps, "remove "+whose+" subscription "+subs[0]+" there")
		default:
			steps = append(steps, "remove "+whose+" subscriptions there ("+strings.Join(subs, ", ")+")")
		}
		for _, login := range custs {
			steps = append(steps, "take "+d.Server+" out of the servers of its customer "+login)
		}
		if listed {
			steps = append(steps, "take "+d.Server+" out of its servers")
		}
		if len(steps) == 0 {
			d.AdoptNote = strings.Replace(d.AdoptNote, " from the config", " from the config"+everywhere, 1)
			return
		}
		last := steps[len(steps)-1]
		if len(steps) > 1 {
			last = strings.Join(steps[:len(steps)-1], ", ") + " and " + last
		}
		d.AdoptNote = fmt.Sprintf("take %s off %s in the config: %s (it is on %s: removing it from the config deletes it, and its subscriptions, on every one of them, not only on %s)", what, d.Server, last, strings.Join(on, ", "), d.Server)
	default:
		d.AdoptNote = strings.Replace(d.AdoptNote, " from the config", " from the config"+everywhere, 1)
	}
}

// plural is one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// configHas reports whether cfg holds the object of kind and key.
func configHas(cfg *model.Config, kind Kind, key string) bool {
	switch kind {
	case KindService:
		return cfg.Services[key] != nil
	case KindServicePlan:
		return cfg.ServicePlans[key] != nil
	case KindAddonPlan:
		return cfg.AddonPlans[key] != nil
	case KindResellerPlan:
		return cfg.ResellerPlans[key] != nil
	case KindReseller:
		return cfg.Resellers[key] != nil
	case KindCustomer:
		return cfg.Customers[key] != nil
	}
	return false
}

// mergeParts merges the per-server plans' documents into p: changes,
// conflicts, statuses, drift and diagnostics get their server; notes and
// diagnostics said by several servers are said once (a diagnostic
// naming each of them).
func mergeParts(p *Plan, in FleetInput, forgotten []string) {
	seenNote := map[string]bool{}
	for _, n := range p.Notes {
		seenNote[n] = true
	}
	// Each diagnostic of the servers' plans, once, with the servers
	// that said it.
	type saidBy struct {
		d       diag.Diagnostic
		servers []string
	}
	var diags []*saidBy
	seenDiag := map[string]*saidBy{}
	for _, part := range p.Parts {
		sp := part.Plan
		for _, c := range sp.Changes {
			cp := *c
			cp.Server = part.Name
			if cp.Cause != "" {
				cp.Cause = part.Name + ": " + cp.Cause
			}
			if cp.Via != "" {
				cp.Via = part.Name + ": " + cp.Via
			}
			if len(cp.DependsOn) > 0 {
				deps := make([]string, len(cp.DependsOn))
				for i, d := range cp.DependsOn {
					deps[i] = part.Name + ": " + d
				}
				cp.DependsOn = deps
			}
			p.Changes = append(p.Changes, &cp)
		}
		for _, c := range sp.Conflicts {
			c.Server = part.Name
			c.Fix = strings.ReplaceAll(c.Fix, "(add it to server.components)", "on "+part.Name+" (add it to the components of server "+part.Name+")")
			c.Fix = strings.ReplaceAll(c.Fix, " on the server", " on "+part.Name)
			p.Conflicts = append(p.Conflicts, c)
		}
		for _, s := range sp.Subscriptions {
			s.Server = part.Name
			p.Subscriptions = append(p.Subscriptions, s)
		}
		for _, n := range sp.Notes {
			if !seenNote[n] {
				seenNote[n] = true
				p.Notes = append(p.Notes, n)
			}
		}
		for _, d := range sp.Diagnostics {
			k := fmt.Sprintf("%d\x00%s\x00%s\x00%v", d.Severity, d.Summary, d.Object, d.Subject)
			if said := seenDiag[k]; said != nil {
				said.servers = append(said.servers, part.Name)
				continue
			}
			said := &saidBy{d: d, servers: []string{part.Name}}
			seenDiag[k] = said
			diags = append(diags, said)
		}
		for _, d := range in.Drift[part.Name] {
			d.Server = part.Name
			p.Drift = append(p.Drift, d)
		}
		if in.Basis[part.Name] != nil {
			p.Refreshed = true
		}
		var sum ServerSummary
		sum.Name, sum.Summary = part.Name, sp.Summary
		if sp.Result != nil {
			sum.Subscriptions = len(sp.Result.Subscriptions)
		}
		p.Servers = append(p.Servers, sum)
	}
	// A diagnostic names its servers as a change's address does
	// ("web1: customer bob"; one about no object: "server web1").
	for _, said := range diags {
		d, on := said.d, strings.Join(said.servers, ", ")
		if d.Object == "" {
			d.Object = plural(len(said.servers), "server ", "servers ") + on
		} else {
			d.Object = on + ": " + d.Object
		}
		// Its advice names the servers too ("rename reseller bob on
		// web1"), as a conflict's fix does: "the server" is one of
		// several here.
		d.Summary = strings.ReplaceAll(d.Summary, " on the server", " on "+andList(said.servers))
		d.Detail = strings.ReplaceAll(d.Detail, " on the server", " on "+andList(said.servers))
		p.Diagnostics = append(p.Diagnostics, d)
	}
	for _, name := range forgotten {
		c := &Change{Kind: KindServer, Key: string(KindServer), Server: name, Action: Forget,
			Reasons: []string{"no longer in the config's servers, and nothing but its description is recorded there: dropped from the state; the server is not changed"}}
		p.Changes = append(p.Changes, c)
		var sum ServerSummary
		sum.Name = name
		sum.Summary.Add(Forget)
		p.Servers = append(p.Servers, sum)
	}
	sort.SliceStable(p.Changes, func(i, j int) bool {
		a, b := p.Changes[i], p.Changes[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		return a.Server < b.Server
	})
	sort.SliceStable(p.Conflicts, func(i, j int) bool {
		a, b := p.Conflicts[i], p.Conflicts[j]
		if a.Subscription != b.Subscription {
			return a.Subscription < b.Subscription
		}
		return a.Server < b.Server
	})
	sort.SliceStable(p.Subscriptions, func(i, j int) bool { return p.Subscriptions[i].Key < p.Subscriptions[j].Key })
	p.Diagnostics.Sort()
	p.summarize()
}

// placedElsewhere words the deletes of one server's plan whose object
// the config still has, placed on other servers only: the object is not
// removed from the config, only from that server.
func placedElsewhere(sp *Plan, server string, cfg *model.Config) {
	for _, c := range sp.Changes {
		if c.Action != Delete || len(c.Reasons) == 0 || c.Reasons[0] != "removed from config" || !configHas(cfg, c.Kind, c.Key) {
			continue
		}
		reasons := append([]string{"no longer placed on " + server + " in the config"}, c.Reasons[1:]...)
		c.Reasons = reasons
	}
}

// RecordedObjects names what a server's slice of the recorded state
// holds besides the server's own description ("customer jdoe"), sorted
// by kind, then key.
func RecordedObjects(s *state.Snapshot) []string {
	var refs []state.Ref
	for r := range state.Records(s) {
		if r.Kind != string(KindServer) {
			refs = append(refs, r)
		}
	}
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].Kind != refs[j].Kind {
			return refs[i].Kind < refs[j].Kind
		}
		return refs[i].Key < refs[j].Key
	})
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Kind + " " + r.Key
	}
	return out
}

// firstNames lists the first n of names, and how many more there are.
func firstNames(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + fmt.Sprintf(", and %d more", len(names)-n)
}

// countNoun is "1 object", "3 objects".
func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// andList joins names as a sentence does ("web1", "web1 and web2",
// "web1, web2 and web3").
func andList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
