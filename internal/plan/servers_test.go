package plan

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// fleetConfig is three servers: web1 and web2 shared, vps1 not; plan
// Business on the shared ones, Basic everywhere; a reseller with a
// customer on web2; jdoe with subscriptions on web1 and vps1.
func fleetConfig() *model.Config {
	c := model.NewConfig()
	for _, s := range []struct{ name, tier string }{{"web1", "shared"}, {"web2", "shared"}, {"vps1", "vps"}} {
		c.Servers = append(c.Servers, &model.Server{Name: s.name, Labels: map[string]string{"tier": s.tier}, Components: []string{"php8.3"}})
	}
	c.ServicePlans["Business"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "admin", Name: "Business",
		Props: model.Props{"resources.disk_space": model.Size(10 * gib)}, Placement: model.Placement{Selector: map[string]string{"tier": "shared"}}}
	c.ServicePlans["Basic"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "admin", Name: "Basic", Props: model.Props{"resources.disk_space": model.Size(gib)}}
	c.ResellerPlans["Partner"] = &model.Plan{Kind: model.ResellerPlanKind, Owner: "admin", Name: "Partner",
		Props: model.Props{"resources.disk_space": model.Size(100 * gib)}, Placement: model.Placement{Servers: []string{"vps1"}}}
	c.Resellers["hostco"] = &model.Reseller{Login: "hostco", Plan: "Partner", Status: "active"}
	c.ServicePlans["hostco/Web"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "hostco", Name: "Web", Props: model.Props{"resources.disk_space": model.Size(gib)}}
	c.Customers["jdoe"] = &model.Customer{Login: "jdoe", Owner: "admin", Status: "active"}
	c.Customers["globex"] = &model.Customer{Login: "globex", Owner: "hostco", Status: "active"}
	c.Subscriptions["a.example"] = &model.Subscription{Domain: "a.example", Customer: "jdoe", Owner: "admin", Plan: "Business", Status: "active", Server: "web1"}
	c.Subscriptions["b.example"] = &model.Subscription{Domain: "b.example", Customer: "jdoe", Owner: "admin", Plan: "Basic", Status: "active", Server: "vps1"}
	c.Subscriptions["g.example"] = &model.Subscription{Domain: "g.example", Customer: "globex", Owner: "hostco", Plan: "Web", Status: "active", Server: "web2"}
	return c
}

func partOf(t *testing.T, parts []ServerConfig, name string) *model.Config {
	t.Helper()
	for _, p := range parts {
		if p.Name == name {
			return p.Config
		}
	}
	t.Fatalf("no part %s", name)
	return nil
}

func TestPartitionPlacement(t *testing.T) {
	parts, diags := Partition(fleetConfig())
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	for _, c := range []struct {
		server                          string
		plans, resellerPlans, resellers []string
		customers, subs                 []string
	}{
		{"web1", []string{"Basic", "Business"}, nil, nil, []string{"jdoe"}, []string{"a.example"}},
		// The reseller goes where its customer's subscription is, and
		// its plan with it (besides vps1, where the plan is placed); its
		// own plan only where it is.
		{"web2", []string{"Basic", "Business", "hostco/Web"}, []string{"Partner"}, []string{"hostco"}, []string{"globex"}, []string{"g.example"}},
		{"vps1", []string{"Basic"}, []string{"Partner"}, nil, []string{"jdoe"}, []string{"b.example"}},
	} {
		p := partOf(t, parts, c.server)
		check := func(what string, got []string, want []string) {
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("%s %s = %v, want %v", c.server, what, got, want)
			}
		}
		check("service plans", slices.Sorted(maps.Keys(p.ServicePlans)), c.plans)
		check("reseller plans", slices.Sorted(maps.Keys(p.ResellerPlans)), c.resellerPlans)
		check("resellers", slices.Sorted(maps.Keys(p.Resellers)), c.resellers)
		check("customers", slices.Sorted(maps.Keys(p.Customers)), c.customers)
		check("subscriptions", slices.Sorted(maps.Keys(p.Subscriptions)), c.subs)
		if p.Server == nil || p.Server.Name != c.server {
			t.Errorf("%s: server %+v", c.server, p.Server)
		}
	}
}

func TestPartitionUnplacedPlan(t *testing.T) {
	cfg := fleetConfig()
	cfg.Subscriptions["b.example"].Plan = "Business" // on vps1, where Business is not
	_, diags := Partition(cfg)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), `subscription b.example is on server vps1, but its service plan "Business" is not placed there (it is on web1, web2)`) {
		t.Errorf("diagnostics: %v", diags)
	}
}

// A reseller's own plan exists only where the reseller is: placed
// explicitly on servers where it is not, the plan is on no server, which
// a warning says (as it does for an account on no server), naming where
// the reseller is.
func TestPartitionResellerPlanPlacedWhereResellerIsNot(t *testing.T) {
	cfg := fleetConfig()
	cfg.ServicePlans["hostco/Web"].Placement = model.Placement{Servers: []string{"web1"}}
	cfg.ServicePlans["hostco/Extra"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "hostco", Name: "Extra"}
	cfg.Subscriptions["g.example"].Plan = "Extra"
	_, diags := Partition(cfg)
	want := `service_plan hostco/Web is on no server: it is placed on web1, but a plan of reseller hostco exists only where hostco is (web2)`
	if diags.HasErrors() || !strings.Contains(diags.Error(), want) {
		t.Errorf("diagnostics: %v\nwant a warning: %s", diags, want)
	}
	// Placed where the reseller is, it says nothing.
	cfg.ServicePlans["hostco/Web"].Placement = model.Placement{Servers: []string{"web1", "web2"}}
	if _, diags := Partition(cfg); strings.Contains(diags.Error(), "hostco/Web") {
		t.Errorf("diagnostics: %v", diags)
	}
}

func TestFleetPlanMergesAndRecordsPerServer(t *testing.T) {
	cfg := fleetConfig()
	p := mustPlan(t, cfg, nil)
	if len(p.Servers) != 3 || p.Parts == nil {
		t.Fatalf("servers %v, parts %d", p.Servers, len(p.Parts))
	}
	// Basic is created on every server, each change naming its server.
	var basic []string
	for _, c := range p.Changes {
		if c.Kind == "service_plan" && c.Key == "Basic" {
			basic = append(basic, c.Server)
		}
		if c.Server == "" {
			t.Errorf("change %s names no server", c.Address())
		}
	}
	if !slices.Equal(basic, []string{"vps1", "web1", "web2"}) {
		t.Errorf("Basic created on %v", basic)
	}
	// The result records jdoe once per server it is on.
	prior := applied(t, p)
	var jdoe []string
	for _, c := range prior.Customers {
		if c.Login == "jdoe" {
			jdoe = append(jdoe, c.Server)
		}
	}
	if !slices.Equal(jdoe, []string{"vps1", "web1"}) {
		t.Errorf("jdoe recorded on %v", jdoe)
	}
	if len(prior.Servers) != 3 || prior.Server != nil {
		t.Errorf("server records: %+v, %+v", prior.Servers, prior.Server)
	}
	// Planned again: nothing to do.
	again := mustPlan(t, fleetConfig(), prior)
	if !again.Empty() {
		t.Fatalf("second plan not empty: %d changes, first %s", len(again.Changes), again.Changes[0].Address())
	}
	// A change of Business reaches the shared servers only.
	cfg = fleetConfig()
	cfg.ServicePlans["Business"].Props["resources.disk_space"] = model.Size(20 * gib)
	changed := mustPlan(t, cfg, prior)
	var on []string
	for _, c := range changed.Changes {
		if c.Kind == "service_plan" {
			on = append(on, c.Server)
		}
		if c.Kind == "subscription" && c.Cause != "web1: service_plan Business" {
			t.Errorf("subscription %s caused by %q", c.Key, c.Cause)
		}
	}
	if !slices.Equal(on, []string{"web1", "web2"}) {
		t.Errorf("Business changed on %v", on)
	}
}

// A subscription recorded on a server the config no longer lists, put
// on another: the error says the server must be named again, for
// neither setting the server back nor taking the subscription out of
// the config does anything while it is not listed.
func TestFleetMovedFromUnlistedServer(t *testing.T) {
	prior := applied(t, mustPlan(t, fleetConfig(), nil))
	cfg := fleetConfig()
	cfg.Servers = cfg.Servers[1:] // web1 taken out of the list
	cfg.Subscriptions["a.example"].Server = "web2"
	p := Make(Input{Config: cfg, Prior: prior, Lineage: "lin", Now: now, Secrets: &fakeSecrets{}})
	got := p.Diagnostics.Error()
	for _, want := range []string{
		"subscription a.example is recorded on server web1 and the config puts it on web2",
		"server web1 is no longer in the config's servers: if web2 is web1 under a new name, keep the name web1",
		"otherwise name web1 there again",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q: %v", want, got)
		}
	}
	if strings.Contains(got, "plansync does: set server back to web1;") {
		t.Errorf("diagnostics advise a server the config does not list: %v", got)
	}
}

func TestFleetMovedSubscription(t *testing.T) {
	prior := applied(t, mustPlan(t, fleetConfig(), nil))
	cfg := fleetConfig()
	cfg.Subscriptions["a.example"].Server = "web2"
	p := Make(Input{Config: cfg, Prior: prior, Lineage: "lin", Now: now, Secrets: &fakeSecrets{}})
	want := "subscription a.example is recorded on server web1 and the config puts it on web2: moving a subscription to another server is not something plansync does"
	if !p.Diagnostics.HasErrors() || !strings.Contains(p.Diagnostics.Error(), want) {
		t.Errorf("diagnostics: %v", p.Diagnostics)
	}
}

func TestFleetOnlyKeepsOtherServers(t *testing.T) {
	prior := applied(t, mustPlan(t, fleetConfig(), nil))
	cfg := fleetConfig()
	cfg.ServicePlans["Basic"].Props["resources.disk_space"] = model.Size(2 * gib)
	parts, _ := Partition(cfg)
	p := MakeFleet(FleetInput{Input: Input{Config: cfg, Prior: prior, Now: now, Secrets: &fakeSecrets{}}, Parts: parts, Only: "vps1"})
	for _, c := range p.Changes {
		if c.Server != "vps1" {
			t.Errorf("change %s outside vps1", c.Address())
		}
	}
	// web1's Basic keeps its recorded value.
	for _, r := range p.Result.ServicePlans {
		if r.Key != "Basic" {
			continue
		}
		v := p.Result.PropertySets[r.Props]["resources.disk_space"]
		want := gib
		if r.Server == "vps1" {
			want = 2 * gib
		}
		if v != want {
			t.Errorf("Basic on %s: disk_space %v, want %v", r.Server, v, want)
		}
	}
}

func TestSliceJoinRoundTrip(t *testing.T) {
	prior := applied(t, mustPlan(t, fleetConfig(), nil))
	names := RecordedServers(prior)
	var slices_ []*state.Snapshot
	for _, n := range names {
		slices_ = append(slices_, SliceState(prior, n))
	}
	joined := JoinStates(prior.Lineage, prior.Serial, names, slices_)
	a, _ := state.Encode(prior)
	b, err := state.Encode(joined)
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Errorf("slice and join changed the state:\n%s\n---\n%s", a, b)
	}
}

func TestOneNamedServerNeedsNoSubscriptionServer(t *testing.T) {
	cfg := model.NewConfig()
	cfg.Servers = []*model.Server{{Name: "web1"}}
	cfg.ServicePlans["Basic"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "admin", Name: "Basic", Props: model.Props{}}
	cfg.Subscriptions["a.example"] = &model.Subscription{Domain: "a.example", Owner: "admin", Plan: "Basic", Status: "active"}
	prior := applied(t, mustPlan(t, cfg, nil))
	if len(prior.Subscriptions) != 1 || prior.Subscriptions[0].Server != "web1" {
		t.Fatalf("subscriptions %+v", prior.Subscriptions)
	}
	if p := mustPlan(t, cfg, prior); !p.Empty() {
		t.Errorf("second plan has %d changes", len(p.Changes))
	}
}

// A state recorded with a single server block is adopted by a servers
// list that names a server default: nothing to change.
func TestFleetAdoptsSingleServerState(t *testing.T) {
	single := model.NewConfig()
	single.Server = &model.Server{Components: []string{"php8.3"}}
	single.ServicePlans["Basic"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "admin", Name: "Basic", Props: model.Props{}}
	single.Subscriptions["a.example"] = &model.Subscription{Domain: "a.example", Owner: "admin", Plan: "Basic", Status: "active"}
	prior := applied(t, mustPlan(t, single, nil))

	multi := model.NewConfig()
	multi.Servers = []*model.Server{{Name: "default", Components: []string{"php8.3"}}, {Name: "web2", Components: []string{"php8.3"}}}
	multi.ServicePlans["Basic"] = single.ServicePlans["Basic"]
	multi.Subscriptions["a.example"] = &model.Subscription{Domain: "a.example", Owner: "admin", Plan: "Basic", Status: "active", Server: "default"}
	p := mustPlan(t, multi, prior)
	for _, c := range p.Changes {
		if c.Server != "web2" {
			t.Errorf("change %s: want changes on web2 only (Basic and the server created)", c.Address())
		}
	}
	for _, r := range p.Result.Subscriptions {
		if r.Server != "default" {
			t.Errorf("subscription %s recorded on %q", r.Domain, r.Server)
		}
	}
}

// An object deleted on one server of several it is placed on: adopting
// it is taking that server out of what places it there, not removing it
// from the config.
func TestAdoptEverywhereDeletedOnOne(t *testing.T) {
	c := fleetConfig()
	c.Subscriptions["h.example"] = &model.Subscription{Domain: "h.example", Owner: "hostco", Plan: "Web", Status: "active", Server: "web1"}
	c.Customers["lone"] = &model.Customer{Login: "lone", Owner: "admin", Status: "active", Servers: []string{"web1", "web2"}}
	parts, diags := Partition(c)
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	deleted := func(kind Kind, key, server string) Drift {
		return Drift{Kind: kind, Key: key, Server: server, Cause: DriftDeleted,
			AdoptNote: "remove " + strings.ReplaceAll(string(kind), "_", " ") + " " + key + " from the config (and its recorded state goes with the next apply)",
			Revert:    "apply will create it again"}
	}
	drift := []Drift{
		deleted(KindServicePlan, "Business", "web2"),
		deleted(KindResellerPlan, "Partner", "web2"),
		deleted(KindCustomer, "jdoe", "vps1"),
		deleted(KindReseller, "hostco", "web2"),
		deleted(KindSubscription, "a.example", "web1"),
		deleted(KindServicePlan, "Basic", ""),
		deleted(KindCustomer, "lone", "web2"),
	}
	AdoptEverywhere(drift, parts)
	for i, want := range []string{
		"place service plan Business on web1 only in the config: servers: [web1] in place of its server_selector (it is on web1, web2: removing it from the config deletes it on every one of them, not only on web2)",
		"take reseller plan Partner off web2 in the config: reseller hostco has it there, so give it another plan or take it off web2 (it is on web1, web2, vps1: removing it from the config deletes it on every one of them, not only on web2)",
		"take customer jdoe off vps1 in the config: remove its subscription b.example there (it is on web1, vps1: removing it from the config deletes it, and its subscriptions, on every one of them, not only on vps1)",
		"take reseller hostco off web2 in the config: remove its or its customers' subscription g.example there (it is on web1, web2: removing it from the config deletes it, and its subscriptions, on every one of them, not only on web2)",
		"remove subscription a.example from the config (and its recorded state goes with the next apply)",
		"remove service plan Basic from the config (and its recorded state goes with the next apply)",
		"take customer lone off web2 in the config: take web2 out of its servers (it is on web1, web2: removing it from the config deletes it, and its subscriptions, on every one of them, not only on web2)",
	} {
		if drift[i].AdoptNote != want {
			t.Errorf("%s %s on %s:\n got %s\nwant %s", drift[i].Kind, drift[i].Key, drift[i].Server, drift[i].AdoptNote, want)
		}
		if drift[i].Revert != "apply will create it again" {
			t.Errorf("%s %s: revert %q", drift[i].Kind, drift[i].Key, drift[i].Revert)
		}
	}
}

// A diagnostic of one server's plan names its server, as its changes
// do; one every server said is said once, naming them all.
func TestFleetDiagnosticsNameServers(t *testing.T) {
	cfg := fleetConfig()
	cfg.ResellerPlans["Solo"] = &model.Plan{Kind: model.ResellerPlanKind, Owner: "admin", Name: "Solo",
		Props: model.Props{"permissions.allow_oversell": model.Bool(true)}, Placement: model.Placement{Servers: []string{"web1"}}}
	cfg.ResellerPlans["Open"] = &model.Plan{Kind: model.ResellerPlanKind, Owner: "admin", Name: "Open",
		Props: model.Props{"permissions.allow_oversell": model.Bool(true)}}
	p := mustPlan(t, cfg, nil)
	var objects []string
	for _, d := range p.Diagnostics {
		if d.Path == allowOversell {
			objects = append(objects, d.Object)
		}
	}
	want := []string{"web1: reseller_plan Solo", "web1, web2, vps1: reseller_plan Open"}
	slices.Sort(want)
	slices.Sort(objects)
	if !slices.Equal(objects, want) {
		t.Errorf("allow_oversell warnings on %q, want %q", objects, want)
	}
}
