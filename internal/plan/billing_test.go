package plan

import (
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// TestBillingForget: billing-managed objects removed from the config are
// forgotten (dropped from the result, not deletes, not guarded), their
// plansync-managed subscriptions are plain deletes, not cascades.
func TestBillingForget(t *testing.T) {
	cfg := baseConfig()
	cfg.Customers["jdoe"].ManagedBy = "billing"
	cfg.Subscriptions["a.example"].ManagedBy = "billing"
	prior := applied(t, mustPlan(t, cfg, nil))
	for _, c := range prior.Customers {
		if c.ManagedBy != "billing" {
			t.Fatalf("customer %s recorded managed_by %q", c.Login, c.ManagedBy)
		}
	}
	delete(cfg.Customers, "jdoe")
	for _, d := range []string{"a.example", "b.example", "c.example"} {
		delete(cfg.Subscriptions, d)
	}
	p := mustPlan(t, cfg, prior)
	got := map[string]Action{}
	for _, c := range p.Changes {
		got[c.Address()] = c.Action
		if c.Kind == "subscription" && c.Cascade != "" {
			t.Errorf("%s is a cascade of %s: its customer is forgotten, not deleted", c.Address(), c.Cascade)
		}
	}
	want := map[string]Action{"customer jdoe": Forget, "subscription a.example": Forget, "subscription b.example": Delete, "subscription c.example": Delete}
	for addr, action := range want {
		if got[addr] != action {
			t.Errorf("%s: %q, want %q", addr, got[addr], action)
		}
	}
	if strings.Join(p.Deletes, ",") != "subscription b.example,subscription c.example" {
		t.Errorf("guarded deletes %v", p.Deletes)
	}
	if len(p.Result.Customers) != 0 || len(p.Result.Subscriptions) != 0 {
		t.Errorf("result keeps %d customers, %d subscriptions", len(p.Result.Customers), len(p.Result.Subscriptions))
	}
}

// TestBillingRenameWarns: a plan renamed while billing-managed
// subscriptions use it is a warning naming them; without such users,
// none.
func TestBillingRenameWarns(t *testing.T) {
	for _, managed := range []bool{true, false} {
		cfg := baseConfig()
		if managed {
			cfg.Subscriptions["b.example"].ManagedBy = "billing"
		}
		prior := applied(t, mustPlan(t, cfg, nil))
		pl := cfg.ServicePlans["Business"]
		delete(cfg.ServicePlans, "Business")
		pl.Name = "Business Plus"
		cfg.ServicePlans["Business Plus"] = pl
		for _, s := range cfg.Subscriptions {
			s.Plan = "Business Plus"
		}
		p := mustPlan(t, cfg, prior)
		var warns []string
		for _, d := range p.Diagnostics {
			if d.Severity == diag.Warning {
				warns = append(warns, d.Object+": "+d.Summary)
			}
		}
		want := 0
		if managed {
			want = 1
		}
		if len(warns) != want {
			t.Fatalf("managed %v: warnings %q", managed, warns)
		}
		if managed && warns[0] != "service_plan Business Plus: renamed from Business; billing-managed subscriptions use this service plan (b.example) and billing refers to plans by name: rename it in the billing system too" {
			t.Errorf("warning %q", warns[0])
		}
	}
}

// TestBillingConvertNeedsServer: converting a customer whose
// billing-managed subscription is on a plan is refused only for a
// customer a Plesk server has (a Plesk identity recorded); without a
// server the recorded state is the system of record and the conversion
// is planned.
func TestBillingConvertNeedsServer(t *testing.T) {
	for _, onServer := range []bool{false, true} {
		cfg := baseConfig()
		cfg.Subscriptions["a.example"].ManagedBy = "billing"
		prior := applied(t, mustPlan(t, cfg, nil))
		if onServer {
			for i := range prior.Customers {
				prior.Customers[i].Plesk = &state.PleskID{GUID: "g-jdoe", ID: 3}
			}
		}
		cu := cfg.Customers["jdoe"]
		delete(cfg.Customers, "jdoe")
		cfg.Resellers["jdoe"] = &model.Reseller{Login: "jdoe", Contact: cu.Contact, Plan: model.None, Status: "active"}
		for _, s := range cfg.Subscriptions {
			s.Customer, s.Owner, s.Plan = "", "jdoe", model.None
		}
		p := Make(Input{Config: cfg, Prior: prior, Lineage: "lin", Now: now, Secrets: &fakeSecrets{}})
		var errs []string
		for _, d := range p.Diagnostics {
			if d.Severity == diag.Error {
				errs = append(errs, d.Object+": "+d.Summary)
			}
		}
		if !onServer && len(errs) > 0 {
			t.Errorf("without a server: %v", errs)
		}
		if onServer && (len(errs) != 1 || !strings.Contains(errs[0], "customer jdoe cannot be converted into a reseller: its subscription a.example is managed by billing")) {
			t.Errorf("on a server: %v", errs)
		}
	}
}
