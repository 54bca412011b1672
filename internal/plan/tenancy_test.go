package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

func TestScopeManages(t *testing.T) {
	var admin *Scope
	acme := &Scope{Reseller: "acme"}
	for _, c := range []struct {
		sc          *Scope
		kind, owner string
		want        bool
	}{
		{admin, "server", "admin", true},
		{admin, "customer", "acme", true},
		{acme, "customer", "acme", true},
		{acme, "subscription", "acme", true},
		{acme, "service_plan", "acme", true},
		{acme, "addon_plan", "acme", true},
		{acme, "customer", "admin", false},
		{acme, "customer", "other", false},
		{acme, "reseller", "acme", false},
		{acme, "reseller_plan", "acme", false},
		{acme, "service", "acme", false},
		{acme, "server", "acme", false},
	} {
		if got := c.sc.Manages(c.kind, c.owner); got != c.want {
			t.Errorf("%+v.Manages(%s, %s) = %v", c.sc, c.kind, c.owner, got)
		}
	}
	if diff := cmp.Diff([]string{"admin_description"}, AdminOnly("customer")); diff != "" || AdminOnly("subscription") != nil {
		t.Errorf("AdminOnly: %s", diff)
	}
}

func TestCheckReseller(t *testing.T) {
	one := &state.Snapshot{Resellers: []state.Reseller{{Login: "acme"}}}
	fleet := &state.Snapshot{Resellers: []state.Reseller{{Login: "acme", Server: "eu"}}, Customers: []state.Customer{{Login: "c", Server: "us"}}}
	for _, c := range []struct {
		name  string
		prior *state.Snapshot
		login string
		want  *ResellerRefusal
	}{
		{"no state", nil, "acme", &ResellerRefusal{NoState: true}},
		{"recorded", one, "acme", nil},
		{"missing", one, "other", &ResellerRefusal{}},
		{"several servers", fleet, "acme", &ResellerRefusal{Servers: []string{"eu", "us"}}},
	} {
		if diff := cmp.Diff(c.want, CheckReseller(c.prior, c.login)); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", c.name, diff)
		}
	}
}

// TestResellerConfig: a reseller's config keeps what it manages, an owner
// left out is the admin (SPEC §2.1: owner defaults to admin, whoever runs
// it), what is the admin's is refused, and what it refers to comes from
// the recorded state.
func TestResellerConfig(t *testing.T) {
	prior := &state.Snapshot{
		Resellers:     []state.Reseller{{Login: "acme", Plan: "Gold", Status: "active"}},
		ResellerPlans: []state.Plan{{Key: "Gold", Owner: "admin", Name: "Gold"}},
		ServicePlans:  []state.Plan{{Key: "Basic", Owner: "admin", Name: "Basic"}},
		Services:      []state.Service{{Name: "backup", AvailableToResellers: false}},
		Customers:     []state.Customer{{Login: "taken", Owner: "other"}},
	}
	cfg := model.NewConfig()
	cfg.ServicePlans["acme/Mine"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "acme", Name: "Mine", Services: []string{"backup"}}
	cfg.ServicePlans["Theirs"] = &model.Plan{Kind: model.ServicePlanKind, Owner: model.Admin, Name: "Theirs"}
	cfg.Customers["jdoe"] = &model.Customer{Login: "jdoe", Owner: "acme"}
	cfg.Customers["adminsown"] = &model.Customer{Login: "adminsown", Owner: model.Admin}
	cfg.Customers["taken"] = &model.Customer{Login: "taken", Owner: "acme"}
	cfg.Customers["secret"] = &model.Customer{Login: "secret", Owner: "acme", AdminDescription: "pays late"}
	cfg.Resellers["acme"] = &model.Reseller{Login: "acme"}
	validated := false
	ds := ResellerConfig(cfg, prior, "acme", func(c *model.Config) diag.Diagnostics {
		validated = true
		if c.ResellerPlans["Gold"] == nil || c.ServicePlans["Basic"] == nil || c.Services["backup"] == nil {
			t.Errorf("context not added before validating: %+v", c)
		}
		return nil
	})
	if !validated {
		t.Error("not validated")
	}
	if cfg.ServicePlans["acme/Mine"] == nil || cfg.ServicePlans["acme/Mine"].Owner != "acme" || cfg.Customers["jdoe"].Owner != "acme" {
		t.Errorf("owners not the reseller's: %+v %+v", cfg.ServicePlans, cfg.Customers["jdoe"])
	}
	if cfg.ServicePlans["acme/Theirs"] != nil || cfg.Customers["adminsown"].Owner != model.Admin {
		t.Errorf("the admin's objects taken as the reseller's: %+v %+v", cfg.ServicePlans, cfg.Customers["adminsown"])
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.Object+": "+d.Summary)
	}
	want := []string{
		"customer secret: admin_description is the admin's: a reseller can neither see nor set it",
		"service_plan Theirs: reseller acme may not manage it: it belongs to admin (it names no owner, and owner defaults to admin: write owner: acme for the reseller's own)",
		"customer adminsown: reseller acme may not manage it: it belongs to admin (it names no owner, and owner defaults to admin: write owner: acme for the reseller's own)",
		"customer taken: reseller acme may not manage it: it belongs to other",
		"reseller acme: reseller acme may not manage it: reseller accounts are the admin's",
	}
	// backup, unavailable to resellers, is not refused: the plan's
	// subscriptions conflict instead (SPEC §1.5), as in the admin's view.
	if p := cfg.ServicePlans["acme/Mine"]; p == nil || len(p.Services) != 1 {
		t.Errorf("acme/Mine lost its service: %+v", p)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s\n%s", diff, strings.Join(got, "\n"))
	}
}
