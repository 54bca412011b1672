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

// billingSuspendedPrior is the record of cfg applied on a Plesk server
// (Plesk identities recorded) where billing then suspended customer jdoe
// and its subscription a.example on their own, as a refresh records it;
// plesk false leaves the identities out (no server).
func billingSuspendedPrior(t *testing.T, cfg *model.Config, plesk bool) *state.Snapshot {
	t.Helper()
	prior := applied(t, mustPlan(t, cfg, nil))
	for i := range prior.Customers {
		c := &prior.Customers[i]
		if plesk {
			c.Plesk = &state.PleskID{GUID: "c-" + c.Login, ID: i + 1}
		}
		if c.Login == "jdoe" {
			c.Status, c.StatusReasons = Suspended, []string{"suspended outside plansync (by the administrator, status 16)"}
		}
	}
	for i := range prior.Subscriptions {
		s := &prior.Subscriptions[i]
		if plesk {
			s.Plesk = &state.PleskID{GUID: "s-" + s.Domain, ID: i + 1}
		}
		s.Status, s.StatusReasons = Suspended, []string{"customer jdoe suspended outside plansync"}
		if s.Domain == "a.example" {
			s.StatusReasons = []string{"suspended outside plansync (by the administrator, status 16)"}
		}
	}
	return prior
}

// TestBillingHeldStatus: the status of a billing-managed object whose
// config leaves it out is billing's: on a server (a Plesk identity
// recorded) the plan takes the recorded (refreshed) one, so a suspension
// billing set plans no activate, for the object or what it cascades to.
// Without a server, or with a status the config gives, the config's
// status is planned as before.
func TestBillingHeldStatus(t *testing.T) {
	billing := func() *model.Config {
		cfg := baseConfig()
		cfg.Customers["jdoe"].ManagedBy = ManagedByBilling
		cfg.Subscriptions["a.example"].ManagedBy = ManagedByBilling
		return cfg
	}
	actions := func(p *Plan) map[string]Action {
		got := map[string]Action{}
		for _, c := range p.Changes {
			got[c.Address()] = c.Action
		}
		return got
	}

	cfg := billing()
	held := mustPlan(t, cfg, billingSuspendedPrior(t, cfg, true))
	for addr, a := range actions(held) {
		// a.example's reasons gain its customer's suspension.
		if a != Update || addr != "subscription a.example" {
			t.Errorf("held by billing: %s %s, want no change", addr, a)
		}
	}
	if got := actions(mustPlan(t, cfg, applied(t, held))); len(got) != 0 {
		t.Errorf("held by billing, applied: changes %v, want none", got)
	}
	for _, s := range held.Result.Subscriptions {
		if s.Status != Suspended {
			t.Errorf("subscription %s: %s %v, want suspended", s.Domain, s.Status, s.StatusReasons)
		}
		if want := map[bool]string{true: Suspended, false: Active}[s.Domain == "a.example"]; s.ConfigStatus != want {
			t.Errorf("subscription %s: own status %q, want %q", s.Domain, s.ConfigStatus, want)
		}
	}
	if c := held.Result.Customers[0]; c.Status != Suspended {
		t.Errorf("customer jdoe: %s, want suspended", c.Status)
	}

	// No server: the recorded state is the system of record.
	cfg = billing()
	got := actions(mustPlan(t, cfg, billingSuspendedPrior(t, cfg, false)))
	if got["customer jdoe"] != Activate || got["subscription a.example"] != Activate {
		t.Errorf("without a server: %v, want jdoe and a.example activated", got)
	}

	// A status the config gives is the config's.
	cfg = billing()
	cfg.Subscriptions["a.example"].Src.SetField("status", diag.Range{})
	cfg.Customers["jdoe"].Src.SetField("status", diag.Range{})
	got = actions(mustPlan(t, cfg, billingSuspendedPrior(t, cfg, true)))
	if got["customer jdoe"] != Activate || got["subscription a.example"] != Activate {
		t.Errorf("status given in config: %v, want jdoe and a.example activated", got)
	}
}

// TestBillingHeldStatusReuse: a plan reusing an earlier one (watch)
// equals a full plan when only what billing holds changed: its
// customer's recorded status (activated by billing), or a status the
// config now gives.
func TestBillingHeldStatusReuse(t *testing.T) {
	cfg := baseConfig()
	cfg.Customers["jdoe"].ManagedBy = ManagedByBilling
	cfg.Subscriptions["a.example"].ManagedBy = ManagedByBilling
	prior := billingSuspendedPrior(t, cfg, true)
	last := mustPlan(t, cfg, prior)

	check := func(name string, cfg *model.Config, prior *state.Snapshot) {
		t.Helper()
		in := Input{Config: cfg, Prior: prior, Lineage: "lin", Now: now, Secrets: &fakeSecrets{}}
		full := Make(in)
		in.Reuse = last
		if d := planDiff(full, Make(in)); d != "" {
			t.Errorf("%s: reuse differs from the full plan (-full +reuse):\n%s", name, d)
		}
	}

	activated := billingSuspendedPrior(t, cfg, true)
	activated.Customers[0].Status, activated.Customers[0].StatusReasons = Active, nil
	check("customer activated by billing", cfg, activated)

	given := cloneConfig(cfg)
	given.Subscriptions["a.example"].Src.SetField("status", diag.Range{})
	check("status given in config", given, prior)
}
