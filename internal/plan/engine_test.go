package plan

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

const gib = int64(1 << 30)

// fakeSecrets "hashes" with a visible prefix; enough to test change
// detection without bcrypt's cost.
type fakeSecrets struct{}

func (f *fakeSecrets) Hash(p string) (string, error) { return "h:" + p, nil }
func (f *fakeSecrets) Verify(h, p string) bool       { return h == "h:"+p }

var now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func baseConfig() *model.Config {
	c := model.NewConfig()
	c.Server = &model.Server{Components: []string{"php8.2", "php8.3", "php-fpm", "postfix"}}
	c.ServicePlans["Business"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "admin", Name: "Business", Props: model.Props{
		"resources.disk_space":            model.Size(10 * gib),
		"resources.mailboxes":             model.Count(100),
		"permissions.manage_php_settings": model.Bool(true),
		"hosting.php_version":             model.String("8.3"),
	}}
	c.AddonPlans["Extra Storage"] = &model.Plan{Kind: model.AddonPlanKind, Owner: "admin", Name: "Extra Storage", Props: model.Props{
		"resources.disk_space": model.Size(5 * gib),
		"resources.mailboxes":  model.Count(10),
	}}
	c.Customers["jdoe"] = &model.Customer{Login: "jdoe", Owner: "admin", Status: "active", Contact: model.Contact{Name: "John Doe"}}
	for _, d := range []string{"a.example", "b.example", "c.example"} {
		c.Subscriptions[d] = &model.Subscription{Domain: d, Customer: "jdoe", Owner: "admin", Plan: "Business", Status: "active"}
	}
	return c
}

func mustPlan(t *testing.T, cfg *model.Config, prior *state.Snapshot) *Plan {
	t.Helper()
	p := Make(Input{Config: cfg, Prior: prior, Lineage: "lin", Now: now, Secrets: &fakeSecrets{}})
	if p.Diagnostics.HasErrors() {
		t.Fatalf("diagnostics: %v", p.Diagnostics)
	}
	return p
}

// applied returns the result as the next prior, with its serial bumped,
// round-tripped through the state encoding as a real apply and the next
// run do (so a result that cannot be recorded fails here).
func applied(t *testing.T, p *Plan) *state.Snapshot {
	t.Helper()
	r := p.Result
	r.Serial++
	data, err := state.Encode(r)
	if err != nil {
		t.Fatalf("result cannot be recorded: %v", err)
	}
	s, err := state.Decode(data)
	if err != nil {
		t.Fatalf("recorded result cannot be read: %v", err)
	}
	return s
}

func effective(t *testing.T, s *state.Snapshot, domain string) state.Values {
	t.Helper()
	for _, sub := range s.Subscriptions {
		if sub.Domain == domain {
			return s.PropertySets[sub.Effective]
		}
	}
	t.Fatalf("no subscription %s", domain)
	return nil
}

func find(p *Plan, kind Kind, key string) *Change {
	for _, c := range p.Changes {
		if c.Kind == kind && c.Key == key {
			return c
		}
	}
	return nil
}

func TestCreateThenNoop(t *testing.T) {
	cfg := baseConfig()
	p := mustPlan(t, cfg, nil)
	// service_plan + addon_plan + customer + 3 subscriptions; the
	// server's change is shown (recorded) but not counted (Describes)
	if p.Summary.Create != 6 || p.Summary.Update+p.Summary.Delete != 0 {
		t.Fatalf("summary = %+v, want 6 creates", p.Summary)
	}
	if c := find(p, KindServer, "server"); c == nil || c.Action != Create || !c.Describes() {
		t.Fatalf("server change = %+v, want a create that only describes the server", c)
	}
	p2 := mustPlan(t, cfg, applied(t, p))
	if !p2.Empty() {
		t.Fatalf("second plan not empty: %+v", p2.Changes[0])
	}
}

func TestAddonsAddAndUnlimitedAbsorbs(t *testing.T) {
	cfg := baseConfig()
	cfg.Subscriptions["a.example"].Addons = []string{"Extra Storage"}
	delete(cfg.ServicePlans["Business"].Props, "resources.mailboxes") // unlimited
	p := mustPlan(t, cfg, nil)
	eff := effective(t, p.Result, "a.example")
	if got := eff["resources.disk_space"]; got != 15*gib {
		t.Errorf("disk_space = %v, want 15 GiB", got)
	}
	if got := eff["resources.mailboxes"]; got != int64(-1) {
		t.Errorf("mailboxes = %v, want unlimited (-1)", got)
	}
	if got := effective(t, p.Result, "b.example")["resources.disk_space"]; got != 10*gib {
		t.Errorf("b disk_space = %v, want 10 GiB", got)
	}
}

func TestPlanChangeFansOutAndSkipsLocked(t *testing.T) {
	cfg := baseConfig()
	cfg.Subscriptions["c.example"].Customize = model.Props{"resources.mailboxes": model.Count(5)}
	prior := applied(t, mustPlan(t, cfg, nil))

	cfg.ServicePlans["Business"].Props["resources.disk_space"] = model.Size(20 * gib)
	p := mustPlan(t, cfg, prior)
	pc := find(p, "service_plan", "Business")
	if pc == nil || pc.Fanout == nil {
		t.Fatalf("plan change without fan-out: %+v", pc)
	}
	if diff := cmp.Diff([]string{"a.example", "b.example"}, pc.Fanout.Reaches); diff != "" {
		t.Errorf("reaches (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"c.example"}, pc.Fanout.SkippedLocked); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	a := find(p, "subscription", "a.example")
	if a == nil || a.Cause != "service_plan Business" || a.Fields[0].Path != "resources.disk_space" {
		t.Fatalf("a.example change = %+v", a)
	}
	if find(p, "subscription", "c.example") != nil {
		t.Errorf("locked subscription changed")
	}
	next := applied(t, p)
	if got := effective(t, next, "c.example")["resources.disk_space"]; got != 10*gib {
		t.Errorf("locked kept %v, want the old 10 GiB", got)
	}
	// Removing the customisation unlocks it and takes the current plan.
	cfg.Subscriptions["c.example"].Customize = nil
	p = mustPlan(t, cfg, next)
	c := find(p, "subscription", "c.example")
	if c == nil || c.Action != Unlock {
		t.Fatalf("c.example change = %+v, want unlock", c)
	}
	eff := effective(t, p.Result, "c.example")
	if eff["resources.disk_space"] != 20*gib || eff["resources.mailboxes"] != int64(100) {
		t.Errorf("unlocked effective = %v", eff)
	}
}

func TestMissingComponentConflict(t *testing.T) {
	cfg := baseConfig()
	cfg.ServicePlans["Business"].Props["hosting.php_version"] = model.String("8.4")
	p := mustPlan(t, cfg, nil)
	if p.Summary.Conflicts != 3 {
		t.Fatalf("conflicts = %d, want 3", p.Summary.Conflicts)
	}
	c := p.Conflicts[0]
	if c.Property != "hosting.php_version" || c.PlanValue.JSON != "8.4" || c.AvailableValue.JSON != "8.3" ||
		!strings.Contains(c.Reason, "php8.4") {
		t.Errorf("conflict = %+v", c)
	}
	if p.Subscriptions[0].SyncStatus != Unsynced {
		t.Errorf("sync status = %s", p.Subscriptions[0].SyncStatus)
	}
	// Accepted, then the component is installed: synced again.
	prior := applied(t, p)
	again := mustPlan(t, cfg, prior)
	if again.Summary.Conflicts != 0 || again.Summary.Accepted != 3 || len(again.Changes) != 0 {
		t.Fatalf("re-plan of accepted conflicts: %+v %+v", again.Summary, again.Changes)
	}
	cfg.Server.Components = append(cfg.Server.Components, "php8.4")
	p = mustPlan(t, cfg, prior)
	a := find(p, "subscription", "a.example")
	if a == nil || a.Action != Sync {
		t.Fatalf("a.example = %+v, want sync", a)
	}
}

func TestResellerAllocation(t *testing.T) {
	for _, oversell := range []bool{false, true} {
		cfg := model.NewConfig()
		cfg.ResellerPlans["R"] = &model.Plan{Kind: model.ResellerPlanKind, Owner: "admin", Name: "R", Oversell: oversell,
			Props: model.Props{"resources.disk_space": model.Size(20 * gib)}}
		cfg.Resellers["acme"] = &model.Reseller{Login: "acme", Plan: "R", Status: "active"}
		cfg.ServicePlans["acme/Web"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "acme", Name: "Web",
			Props: model.Props{"resources.disk_space": model.Size(15 * gib), "permissions.manage_php_version": model.Bool(true)}}
		for _, d := range []string{"one.example", "two.example"} {
			cfg.Subscriptions[d] = &model.Subscription{Domain: d, Owner: "acme", Plan: "Web"}
		}
		p := mustPlan(t, cfg, nil)
		var disk []Conflict
		perm := 0
		for _, c := range p.Conflicts {
			switch c.Property {
			case "resources.disk_space":
				disk = append(disk, c)
			case "permissions.manage_php_version":
				perm++
			}
		}
		if perm != 2 {
			t.Errorf("oversell=%v: permission conflicts = %d, want 2", oversell, perm)
		}
		if oversell {
			if len(disk) != 0 {
				t.Errorf("oversell: disk conflicts %+v", disk)
			}
			continue
		}
		if len(disk) != 1 || disk[0].Subscription != "two.example" || disk[0].AvailableValue.JSON != 5*gib {
			t.Errorf("disk conflicts = %+v", disk)
		}
	}
}

// TestAllocationAppliedPriority: without oversell, what a subscription
// has applied is served first; growth and new subscriptions compete for
// what is left in key order; a grown one that does not fit keeps what it
// had; an allocation lowered below what is applied cuts nothing and is a
// warning.
func TestAllocationAppliedPriority(t *testing.T) {
	cfg := model.NewConfig()
	cfg.ResellerPlans["R"] = &model.Plan{Kind: model.ResellerPlanKind, Owner: "admin", Name: "R",
		Props: model.Props{"resources.disk_space": model.Size(26 * gib)}}
	cfg.Resellers["acme"] = &model.Reseller{Login: "acme", Plan: "R", Status: "active"}
	web := func(size int64) {
		cfg.ServicePlans["acme/Web"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "acme", Name: "Web",
			Props: model.Props{"resources.disk_space": model.Size(size * gib)}}
	}
	web(8)
	for _, d := range []string{"a.example", "b.example", "c.example"} {
		cfg.Subscriptions[d] = &model.Subscription{Domain: d, Owner: "acme", Plan: "Web"}
	}
	prior := applied(t, mustPlan(t, cfg, nil))
	disk := func(p *Plan) map[string]int64 {
		out := map[string]int64{}
		for _, c := range p.Conflicts {
			if c.Property == "resources.disk_space" {
				out[c.Subscription] = c.AvailableValue.JSON.(int64)
			}
		}
		return out
	}

	// Growth: a takes the 2 GiB left, b and c keep their 8 GiB.
	web(10)
	p := mustPlan(t, cfg, prior)
	if got, want := disk(p), map[string]int64{"b.example": 8 * gib, "c.example": 8 * gib}; !cmp.Equal(got, want) {
		t.Errorf("growth: available %v, want %v", got, want)
	}
	grown := applied(t, p)
	if v := effective(t, grown, "b.example")["resources.disk_space"]; v != 8*gib {
		t.Errorf("b.example recorded with %v, want 8 GiB", v)
	}

	// A new subscription gets what is left (nothing), cutting no one.
	cfg.Subscriptions["0.example"] = &model.Subscription{Domain: "0.example", Owner: "acme", Plan: "Web"}
	p = mustPlan(t, cfg, grown)
	if got, want := disk(p), map[string]int64{"0.example": 0, "b.example": 8 * gib, "c.example": 8 * gib}; !cmp.Equal(got, want) {
		t.Errorf("new subscription: available %v, want %v", got, want)
	}
	delete(cfg.Subscriptions, "0.example")

	// The allocation lowered below what is applied (26 GiB): nothing
	// applied is cut (SPEC §1.5); b and c keep their 8 GiB (their growth
	// still a conflict), a its 10, and the reseller's over-allocation is
	// a warning.
	cfg.ResellerPlans["R"].Props["resources.disk_space"] = model.Size(20 * gib)
	p = mustPlan(t, cfg, grown)
	if got, want := disk(p), map[string]int64{"b.example": 8 * gib, "c.example": 8 * gib}; !cmp.Equal(got, want) {
		t.Errorf("lowered allocation: available %v, want %v", got, want)
	}
	lowered := applied(t, p)
	for d, want := range map[string]int64{"a.example": 10 * gib, "b.example": 8 * gib, "c.example": 8 * gib} {
		if v := effective(t, lowered, d)["resources.disk_space"]; v != want {
			t.Errorf("lowered allocation: %s recorded with %v, want %d", d, v, want)
		}
	}
	if w := p.Diagnostics.Error(); !strings.Contains(w, "reseller acme's subscriptions have 26 GiB of disk_space applied, more than its allocation of 20 GiB: nothing applied is cut") {
		t.Errorf("lowered allocation: diagnostics %q, want the over-allocation warning", w)
	}
	// A new subscription gets nothing while the reseller is over.
	cfg.Subscriptions["0.example"] = &model.Subscription{Domain: "0.example", Owner: "acme", Plan: "Web"}
	if got := disk(mustPlan(t, cfg, lowered))["0.example"]; got != 0 {
		t.Errorf("new subscription of an over-allocated reseller: available %d, want 0", got)
	}
	delete(cfg.Subscriptions, "0.example")
}

// TestLockedOwnPlansChange: a locked subscription freezes its plans'
// edits, not its own choice of plans; the same config gives the same
// values whatever the history.
func TestLockedOwnPlansChange(t *testing.T) {
	cfg := baseConfig()
	cfg.ServicePlans["Premium"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "admin", Name: "Premium", Props: model.Props{
		"resources.disk_space": model.Size(50 * gib), "resources.mailboxes": model.Count(500)}}
	a := cfg.Subscriptions["a.example"]
	a.Customize = model.Props{"resources.mailboxes": model.Count(3)}
	prior := applied(t, mustPlan(t, cfg, nil))
	disk := func(s *state.Snapshot) any { return effective(t, s, "a.example")["resources.disk_space"] }

	// A plan edit skips it.
	cfg.ServicePlans["Business"].Props["resources.disk_space"] = model.Size(20 * gib)
	prior = applied(t, mustPlan(t, cfg, prior))
	if got := disk(prior); got != 10*gib {
		t.Errorf("after a plan edit: %v, want the frozen 10 GiB", got)
	}
	steps := []struct {
		name   string
		plan   string
		addons []string
		want   int64
	}{
		{"switched to Premium", "Premium", nil, 50 * gib},
		{"add-on attached", "Premium", []string{"Extra Storage"}, 55 * gib},
		{"add-on removed", "Premium", nil, 50 * gib},
		{"back on Business", "Business", []string{"Extra Storage"}, 25 * gib},
	}
	for _, st := range steps {
		a.Plan, a.Addons = st.plan, st.addons
		p := mustPlan(t, cfg, prior)
		prior = applied(t, p)
		for _, sub := range prior.Subscriptions {
			if sub.Domain == "a.example" && sub.SyncStatus != Locked {
				t.Errorf("%s: sync status %s, want locked", st.name, sub.SyncStatus)
			}
		}
		if got := disk(prior); got != st.want {
			t.Errorf("%s: disk space %v, want %d", st.name, got, st.want)
		}
		if got := effective(t, prior, "a.example")["resources.mailboxes"]; got != int64(3) {
			t.Errorf("%s: mailboxes %v, want the customised 3", st.name, got)
		}
		if fresh := disk(applied(t, mustPlan(t, cfg, nil))); fresh != disk(prior) {
			t.Errorf("%s: %v planned from scratch, %v after the history", st.name, fresh, disk(prior))
		}
	}
}

// TestLockedAddonsReordered: add-ons only listed in another order are
// not a switch of plans: the subscription stays frozen.
func TestLockedAddonsReordered(t *testing.T) {
	cfg := baseConfig()
	cfg.AddonPlans["More Mail"] = &model.Plan{Kind: model.AddonPlanKind, Owner: "admin", Name: "More Mail", Props: model.Props{
		"resources.mailboxes": model.Count(5)}}
	a := cfg.Subscriptions["a.example"]
	a.Addons = []string{"Extra Storage", "More Mail"}
	a.Customize = model.Props{"resources.databases": model.Count(3)}
	prior := applied(t, mustPlan(t, cfg, nil))
	cfg.ServicePlans["Business"].Props["resources.disk_space"] = model.Size(20 * gib)
	prior = applied(t, mustPlan(t, cfg, prior))
	a.Addons = []string{"More Mail", "Extra Storage"}
	p := mustPlan(t, cfg, prior)
	if got := effective(t, p.Result, "a.example")["resources.disk_space"]; got != 15*gib {
		t.Errorf("reordered add-ons: disk space %v, want the frozen 15 GiB", got)
	}
}

// TestLockedSwitchedNotSkipped: a locked subscription switched onto a
// plan changed in the same plan takes the plan's values: the plan's
// change does not list it as skipped; the plan it left does.
func TestLockedSwitchedNotSkipped(t *testing.T) {
	cfg := baseConfig()
	cfg.ServicePlans["Premium"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "admin", Name: "Premium", Props: model.Props{
		"resources.disk_space": model.Size(50 * gib)}}
	for _, d := range []string{"a.example", "b.example"} {
		cfg.Subscriptions[d].Customize = model.Props{"resources.mailboxes": model.Count(3)}
	}
	prior := applied(t, mustPlan(t, cfg, nil))
	cfg.ServicePlans["Premium"].Props["resources.disk_space"] = model.Size(60 * gib)
	cfg.ServicePlans["Business"].Props["resources.disk_space"] = model.Size(20 * gib)
	cfg.Subscriptions["a.example"].Plan = "Premium"
	p := mustPlan(t, cfg, prior)
	skipped := func(plan string) []string {
		c := find(p, "service_plan", plan)
		if c == nil || c.Fanout == nil {
			return nil
		}
		return c.Fanout.SkippedLocked
	}
	if got := skipped("Premium"); len(got) != 0 {
		t.Errorf("Premium skips %v, want none", got)
	}
	if got := skipped("Business"); !slices.Equal(got, []string{"b.example"}) {
		t.Errorf("Business skips %v, want [b.example]", got)
	}
	if got := effective(t, p.Result, "a.example")["resources.disk_space"]; got != 60*gib {
		t.Errorf("a.example disk space %v, want Premium's 60 GiB", got)
	}
}

func TestSecretsChangeDetection(t *testing.T) {
	cfg := baseConfig()
	cfg.Customers["jdoe"].Password = &model.Secret{Env: "P", Value: "s3cret"}
	prior := applied(t, mustPlan(t, cfg, nil))
	if prior.Customers[0].PasswordHash != "h:s3cret" {
		t.Fatalf("hash = %q", prior.Customers[0].PasswordHash)
	}
	if p := mustPlan(t, cfg, prior); !p.Empty() {
		t.Fatalf("same secret planned a change: %+v", p.Changes)
	}
	cfg.Customers["jdoe"].Password = &model.Secret{Env: "P", Value: "other"}
	p := mustPlan(t, cfg, prior)
	c := find(p, "customer", "jdoe")
	if c == nil || len(c.Fields) != 1 || !c.Fields[0].Sensitive || c.Fields[0].After.JSON != "(sensitive)" {
		t.Fatalf("change = %+v", c)
	}
}

// keyedFake records "n:"+plain and calls the fake's "h:" values outdated.
type keyedFake struct{}

func (keyedFake) Hash(p string) (string, error) { return "n:" + p, nil }
func (keyedFake) Verify(h, p string) bool       { return h == "h:"+p || h == "n:"+p }
func (keyedFake) Outdated(h string) bool        { return strings.HasPrefix(h, "h:") }

// TestSecretsRerecorded: a recorded value a Rerecorder calls outdated is
// recorded anew in the result when its secret verifies, without a
// change; the plan notes it; a changed secret is a change as before.
func TestSecretsRerecorded(t *testing.T) {
	cfg := baseConfig()
	cfg.Customers["jdoe"].Password = &model.Secret{Env: "P", Value: "s3cret"}
	cfg.Subscriptions["a.example"].FTPPassword = &model.Secret{Env: "F", Value: "ftp"}
	prior := applied(t, mustPlan(t, cfg, nil))
	p := Make(Input{Config: cfg, Prior: prior, Lineage: "lin", Now: now, Secrets: keyedFake{}})
	if !p.Empty() {
		t.Fatalf("re-recording planned changes: %+v", p.Changes)
	}
	if got := p.Result.Customers[0].PasswordHash; got != "n:s3cret" {
		t.Errorf("customer password recorded as %q", got)
	}
	for _, s := range p.Result.Subscriptions {
		if s.Domain == "a.example" && s.FTPPassword != "n:ftp" {
			t.Errorf("FTP password recorded as %q", s.FTPPassword)
		}
	}
	if len(p.Notes) != 1 || !strings.HasPrefix(p.Notes[0], "2 recorded secrets are in an older form") || !strings.Contains(p.Notes[0], "the next apply that changes something records them anew") {
		t.Errorf("notes = %q", p.Notes)
	}
	again := Make(Input{Config: cfg, Prior: applied(t, p), Lineage: "lin", Now: now, Secrets: keyedFake{}})
	if !again.Empty() || len(again.Notes) != 0 {
		t.Errorf("after re-recording: changes %+v, notes %q", again.Changes, again.Notes)
	}
	cfg.Customers["jdoe"].Password = &model.Secret{Env: "P", Value: "other"}
	p = Make(Input{Config: cfg, Prior: prior, Lineage: "lin", Now: now, Secrets: keyedFake{}})
	if c := find(p, "customer", "jdoe"); c == nil || len(c.Fields) != 1 || !c.Fields[0].Sensitive {
		t.Fatalf("changed secret: %+v", c)
	}
	if len(p.Notes) != 1 || !strings.HasPrefix(p.Notes[0], "1 recorded secret is") || !strings.Contains(p.Notes[0], "applying this plan records it anew") {
		t.Errorf("notes = %q", p.Notes)
	}
}

func TestExpiredAndCustom(t *testing.T) {
	cfg := baseConfig()
	exp := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg.Subscriptions["a.example"].Expires = &exp
	cfg.Subscriptions["b.example"].Plan = model.None
	p := mustPlan(t, cfg, nil)
	for _, s := range p.Subscriptions {
		switch s.Key {
		case "a.example":
			if s.Status != Suspended || s.StatusReasons[0] != "expired 2026-01-01" {
				t.Errorf("a = %+v", s)
			}
		case "b.example":
			if s.SyncStatus != Custom || s.DisplayName != "b.example (Custom)" {
				t.Errorf("b = %+v", s)
			}
		}
	}
	if got := effective(t, p.Result, "b.example")["resources.disk_space"]; got != gib {
		t.Errorf("custom from built-in default: disk %v", got)
	}
}

// TestExistingCustom: the records of what a server has (Existing) take a
// custom subscription's values as they are, over what a plan leaves out
// (every limit unlimited, every permission not granted): neither the
// built-in default plan nor the config's default_plan, which only a
// subscription plansync creates starts from.
func TestExistingCustom(t *testing.T) {
	for _, defaultPlan := range []string{"", "Business"} {
		cfg := baseConfig()
		cfg.Server.DefaultPlan = defaultPlan
		cfg.Subscriptions["b.example"].Plan = model.None
		cfg.Subscriptions["b.example"].Customize = model.Props{"resources.websites": model.Count(3)}
		p := Make(Input{Config: cfg, Lineage: "lin", Now: now, Secrets: &fakeSecrets{}, ResultOnly: true, Existing: true})
		if p.Diagnostics.HasErrors() {
			t.Fatal(p.Diagnostics)
		}
		got, _ := fromValues(effective(t, p.Result, "b.example"))
		want := Defaults()
		want["resources.websites"] = model.Count(3)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("default_plan %q: custom subscription's values (-want +got):\n%s", defaultPlan, diff)
		}
		// A subscription plansync creates still starts from the default plan.
		if got, _ := fromValues(effective(t, mustPlan(t, cfg, nil).Result, "b.example")); cmp.Equal(want, got) {
			t.Errorf("default_plan %q: a new custom subscription did not start from the default plan", defaultPlan)
		}
	}
}

// With several servers, the allocation is per server, and the error
// says which.
func TestResellerCountLimitsNameTheServer(t *testing.T) {
	cfg := model.NewConfig()
	cfg.Server = &model.Server{Name: "web2"}
	cfg.ResellerPlans["R"] = &model.Plan{Kind: model.ResellerPlanKind, Owner: "admin", Name: "R",
		Props: model.Props{"resources.subscriptions": model.Count(1)}}
	cfg.Resellers["acme"] = &model.Reseller{Login: "acme", Plan: "R"}
	cfg.ServicePlans["acme/Web"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "acme", Name: "Web"}
	for _, d := range []string{"one.example", "two.example"} {
		cfg.Subscriptions[d] = &model.Subscription{Domain: d, Owner: "acme", Plan: "Web"}
	}
	p := Make(Input{Config: cfg, Lineage: "l", Now: now, Secrets: &fakeSecrets{}})
	if got := p.Diagnostics.Error(); !strings.Contains(got, "reseller acme may have at most 1 subscription on web2, the config gives it 2") {
		t.Errorf("diagnostics: %s", got)
	}
}

func TestResellerCountLimits(t *testing.T) {
	cfg := model.NewConfig()
	cfg.ResellerPlans["R"] = &model.Plan{Kind: model.ResellerPlanKind, Owner: "admin", Name: "R",
		Props: model.Props{"resources.subscriptions": model.Count(1), "resources.customers": model.Count(1)}}
	cfg.Resellers["acme"] = &model.Reseller{Login: "acme", Plan: "R"}
	cfg.ServicePlans["acme/Web"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "acme", Name: "Web"}
	for _, d := range []string{"one.example", "two.example"} {
		cfg.Subscriptions[d] = &model.Subscription{Domain: d, Owner: "acme", Plan: "Web"}
	}
	cfg.Customers["c1"] = &model.Customer{Login: "c1", Owner: "acme"}
	p := Make(Input{Config: cfg, Lineage: "l", Now: now, Secrets: &fakeSecrets{}})
	if got := p.Diagnostics.Error(); !strings.Contains(got, "reseller acme may have at most 1 subscription, the config gives it 2 (one.example, two.example)") ||
		strings.Contains(got, "customers") {
		t.Fatalf("diagnostics = %v", got)
	}
}

// TestTargetRename: a targeted apply of a renamed subscription or
// customer replaces the record under the old name (which would otherwise
// stay, and make the next plan's rename an error).
func TestTargetRename(t *testing.T) {
	cfg := baseConfig()
	prior := applied(t, mustPlan(t, cfg, nil))
	s := *cfg.Subscriptions["a.example"]
	delete(cfg.Subscriptions, "a.example")
	s.Domain, s.RenamedFrom = "z.example", "a.example"
	cfg.Subscriptions["z.example"] = &s
	renameCustomer(cfg, "jdoe", "john", true)
	for _, target := range []string{"subscription/z.example", "customer/john"} {
		p := mustPlan(t, cfg, prior)
		tp, err := Target(p, prior, []string{target})
		if err != nil {
			t.Fatal(err)
		}
		next := applied(t, tp)
		for ref := range state.Records(next) {
			if ref == (state.Ref{Kind: "subscription", Key: "a.example"}) && target == "subscription/z.example" ||
				ref == (state.Ref{Kind: "customer", Key: "jdoe"}) && target == "customer/john" {
				t.Errorf("--target %s: %s %s still recorded", target, ref.Kind, ref.Key)
			}
		}
		mustPlan(t, cfg, next) // no "already recorded" error
		// The rename of the customer and the subscriptions that refer
		// to it go together: no record refers to a name gone.
		for _, sub := range next.Subscriptions {
			if sub.Customer != "john" {
				t.Errorf("--target %s: subscription %s still refers to customer %q", target, sub.Domain, sub.Customer)
			}
		}
	}
}

// TestTargetRenameBringsDeletes: a targeted rename of a customer brings
// the delete of a subscription still recorded under the old login (so
// the apply needs --allow-delete), and the full plan does not call that
// delete a cascade of the customer's deletion: the customer is renamed.
func TestTargetRenameBringsDeletes(t *testing.T) {
	cfg := baseConfig()
	prior := applied(t, mustPlan(t, cfg, nil))
	delete(cfg.Subscriptions, "b.example")
	renameCustomer(cfg, "jdoe", "john", true)
	p := mustPlan(t, cfg, prior)
	for _, c := range p.Changes {
		if c.Address() == "subscription b.example" && (c.Cascade != "" || c.Reasons[0] != "removed from config") {
			t.Errorf("delete of b.example: cascade %q, reasons %v", c.Cascade, c.Reasons)
		}
	}
	tp, err := Target(p, prior, []string{"customer/john"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(tp.Deletes, "subscription b.example") {
		t.Fatalf("the targeted rename leaves out the delete of b.example: deletes %v", tp.Deletes)
	}
	next := applied(t, tp)
	for _, sub := range next.Subscriptions {
		if sub.Customer != "john" {
			t.Errorf("subscription %s still refers to customer %q", sub.Domain, sub.Customer)
		}
	}
}

// TestTargetCatalogueDeleteInUse: a targeted delete of an add-on still
// used by a recorded subscription brings that subscription's change (a
// delete, which --allow-delete guards; or its switch away), so no record
// refers to a deleted plan.
func TestTargetCatalogueDeleteInUse(t *testing.T) {
	cfg := baseConfig()
	cfg.Subscriptions["a.example"].Addons = []string{"Extra Storage"}
	cfg.Subscriptions["b.example"].Addons = []string{"Extra Storage"}
	prior := applied(t, mustPlan(t, cfg, nil))
	delete(cfg.AddonPlans, "Extra Storage")
	delete(cfg.Subscriptions, "a.example")
	cfg.Subscriptions["b.example"].Addons = nil
	tp, err := Target(mustPlan(t, cfg, prior), prior, []string{"addon_plan/Extra Storage"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tp.Deletes, []string{"subscription a.example"}) {
		t.Errorf("guarded deletes %v, want [subscription a.example]", tp.Deletes)
	}
	if find(tp, "subscription", "b.example") == nil {
		t.Errorf("the switch of b.example away from the add-on is left out")
	}
	for _, sub := range applied(t, tp).Subscriptions {
		if slices.Contains(sub.Addons, "Extra Storage") {
			t.Errorf("subscription %s still recorded with the deleted add-on", sub.Domain)
		}
	}
}

// renameCustomer renames a customer in config (renamed_from) and, with
// subs, makes its subscriptions name the new login.
func renameCustomer(c *model.Config, from, to string, subs bool) {
	cu := *c.Customers[from]
	delete(c.Customers, from)
	cu.Login, cu.RenamedFrom = to, from
	c.Customers[to] = &cu
	if !subs {
		return
	}
	for _, s := range c.Subscriptions {
		if s.Customer == from {
			s.Customer = to
		}
	}
}

// TestParallelRaisesWorkerPanic: a panic in a worker goroutine is raised
// again in the caller, where the CLI reports it, instead of ending the
// process from the worker.
func TestParallelRaisesWorkerPanic(t *testing.T) {
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "worker 7 broke") {
			t.Errorf("recovered %v", r)
		}
	}()
	parallel(100, func(i int) {
		if i == 7 {
			panic("worker 7 broke")
		}
	})
	t.Error("no panic")
}

// TestResultOnly: a plan made for its Result only records exactly what
// a full plan records, with no changes for the subscriptions it creates,
// and is never reused.
func TestResultOnly(t *testing.T) {
	cfg := baseConfig()
	full := mustPlan(t, cfg, nil)
	lean := Make(Input{Config: cfg, Lineage: "lin", Now: now, Secrets: &fakeSecrets{}, ResultOnly: true})
	if diff := cmp.Diff(full.Result, lean.Result); diff != "" {
		t.Errorf("ResultOnly changed the result (-full +lean):\n%s", diff)
	}
	for _, c := range lean.Changes {
		if c.Kind == "subscription" {
			t.Errorf("ResultOnly plan has a change for subscription %s", c.Key)
		}
	}
	if find(full, "subscription", "a.example") == nil && len(full.Changes) == 0 {
		t.Fatal("the full plan has no changes: the test proves nothing")
	}
	if lean.memo != nil {
		t.Error("a ResultOnly plan keeps a memo: a later plan could reuse its changeless creates")
	}
	again := Make(Input{Config: cfg, Lineage: "lin", Now: now, Secrets: &fakeSecrets{}, Reuse: full, ResultOnly: true})
	if diff := cmp.Diff(full.Result, again.Result); diff != "" {
		t.Errorf("ResultOnly with Reuse changed the result:\n%s", diff)
	}
}

// TestChangeDependsOn: each change carries what its object refers to
// after it (plans and add-ons keyed by the owner, customer, owner
// reseller, reseller plan), and a subscription its plan; a targeted
// switch of a reseller's subscription to a new plan of that reseller
// brings the plan's create.
func TestChangeDependsOn(t *testing.T) {
	cfg := model.NewConfig()
	cfg.ResellerPlans["R"] = &model.Plan{Kind: model.ResellerPlanKind, Owner: "admin", Name: "R", Oversell: true}
	cfg.Resellers["acme"] = &model.Reseller{Login: "acme", Plan: "R", Status: "active"}
	cfg.ServicePlans["acme/Web"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "acme", Name: "Web"}
	cfg.AddonPlans["acme/Extra"] = &model.Plan{Kind: model.AddonPlanKind, Owner: "acme", Name: "Extra"}
	cfg.Customers["jane"] = &model.Customer{Login: "jane", Owner: "acme", Status: "active"}
	cfg.Subscriptions["one.example"] = &model.Subscription{Domain: "one.example", Customer: "jane", Owner: "acme", Plan: "Web", Addons: []string{"Extra"}}
	p := mustPlan(t, cfg, nil)
	want := map[string][]string{
		"reseller_plan R":          nil,
		"reseller acme":            {"reseller_plan R"},
		"service_plan acme/Web":    {"reseller acme"},
		"addon_plan acme/Extra":    {"reseller acme"},
		"customer jane":            {"reseller acme"},
		"subscription one.example": {"reseller acme", "customer jane", "service_plan acme/Web", "addon_plan acme/Extra"},
	}
	for _, c := range p.Changes {
		if w, ok := want[c.Address()]; !ok || !slices.Equal(c.DependsOn, w) {
			t.Errorf("%s depends on %v, want %v", c.Address(), c.DependsOn, w)
		}
	}
	if c := find(p, KindSubscription, "one.example"); c == nil || c.Plan != "Web" {
		t.Fatalf("subscription one.example: %+v, want its plan Web", c)
	}

	prior := applied(t, p)
	cfg.ServicePlans["acme/Pro"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "acme", Name: "Pro"}
	cfg.Subscriptions["one.example"].Plan = "Pro"
	tp, err := Target(mustPlan(t, cfg, prior), prior, []string{"subscription/one.example"})
	if err != nil {
		t.Fatal(err)
	}
	if c := find(tp, KindServicePlan, "acme/Pro"); c == nil || c.Action != Create {
		t.Errorf("the targeted switch leaves out the create of service_plan acme/Pro: %v", tp.Changes)
	}
}

// TestAllocationUnlimitedShrinkKept: a subscription that has a resource
// applied unlimited and now asks for a limited value shrinks: that is
// no growth beyond what it has, so it does not compete for what is left
// of a pooled allocation and is never cut (SPEC §1.5), as with oversell.
func TestAllocationUnlimitedShrinkKept(t *testing.T) {
	cfg := model.NewConfig()
	cfg.ResellerPlans["R"] = &model.Plan{Kind: model.ResellerPlanKind, Owner: "admin", Name: "R", Props: model.Props{}}
	cfg.Resellers["acme"] = &model.Reseller{Login: "acme", Plan: "R", Status: "active"}
	cfg.ServicePlans["acme/Web"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "acme", Name: "Web",
		Props: model.Props{"resources.disk_space": model.Value{K: model.KindSize, N: model.Unlimited}}}
	for _, d := range []string{"a.example", "b.example", "c.example"} {
		cfg.Subscriptions[d] = &model.Subscription{Domain: d, Owner: "acme", Plan: "Web"}
	}
	prior := applied(t, mustPlan(t, cfg, nil))
	// The allocation limited to 20 GiB and the plan lowered to 8 GiB:
	// each subscription shrinks from unlimited; none grows.
	cfg.ResellerPlans["R"].Props["resources.disk_space"] = model.Size(20 * gib)
	cfg.ServicePlans["acme/Web"].Props["resources.disk_space"] = model.Size(8 * gib)
	p := mustPlan(t, cfg, prior)
	for _, c := range p.Conflicts {
		if c.Property == "resources.disk_space" {
			t.Errorf("%s: conflict %s (available %s): a shrink from unlimited is never cut", c.Subscription, c.Reason, c.AvailableValue.Text)
		}
	}
	for _, d := range []string{"a.example", "b.example", "c.example"} {
		if v := effective(t, applied(t, p), d)["resources.disk_space"]; v != 8*gib {
			t.Errorf("%s recorded with %v, want 8 GiB", d, v)
		}
	}
}

// TestAllocationAppliedNothingKept: a subscription that has nothing
// applied of a resource (0 B, all that was left when it was served) has
// it applied all the same: when an allocation is freed, its growth
// competes for what is left and, when it does not fit, it keeps what it
// had, 0 B, not what is left (SPEC §1.5; differential seed 194).
func TestAllocationAppliedNothingKept(t *testing.T) {
	cfg := model.NewConfig()
	cfg.ResellerPlans["R"] = &model.Plan{Kind: model.ResellerPlanKind, Owner: "admin", Name: "R",
		Props: model.Props{"resources.disk_space": model.Size(10 * gib)}}
	cfg.Resellers["acme"] = &model.Reseller{Login: "acme", Plan: "R", Status: "active"}
	cfg.ServicePlans["acme/Web"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "acme", Name: "Web",
		Props: model.Props{"resources.disk_space": model.Size(6 * gib)}}
	for _, d := range []string{"a.example", "b.example", "c.example"} {
		cfg.Subscriptions[d] = &model.Subscription{Domain: d, Owner: "acme", Plan: "Web"}
	}
	disk := func(p *Plan) map[string]int64 {
		out := map[string]int64{}
		for _, c := range p.Conflicts {
			if c.Property == "resources.disk_space" {
				out[c.Subscription] = c.AvailableValue.JSON.(int64)
			}
		}
		return out
	}
	p := mustPlan(t, cfg, nil)
	if got, want := disk(p), map[string]int64{"b.example": 4 * gib, "c.example": 0}; !cmp.Equal(got, want) {
		t.Fatalf("create: available %v, want %v", got, want)
	}
	prior := applied(t, p)

	// a's 6 GiB freed: b grows from 4 to 6 GiB; c, which had 0 B, asks
	// 6 GiB of the 4 left and keeps its 0 B.
	delete(cfg.Subscriptions, "a.example")
	p = mustPlan(t, cfg, prior)
	if got, want := disk(p), map[string]int64{"c.example": 0}; !cmp.Equal(got, want) {
		t.Errorf("after the delete: available %v, want %v", got, want)
	}
}

// TestCustomerOwnSuspension: a customer the config suspends, recorded
// suspended with its reseller alone (an import or refresh of a server
// that has it suspended only so), is planned suspended on its own, so
// that the write apply sends shows; recorded suspended for another
// reason (outside plansync, on its own), nothing is planned.
func TestCustomerOwnSuspension(t *testing.T) {
	cfg := baseConfig()
	cfg.ResellerPlans["R"] = &model.Plan{Kind: model.ResellerPlanKind, Owner: "admin", Name: "R", Props: model.Props{"resources.disk_space": model.Size(20 * gib)}}
	cfg.Resellers["acme"] = &model.Reseller{Login: "acme", Plan: "R", Status: "active", Contact: model.Contact{Name: "Acme"}}
	cfg.Customers["wile"] = &model.Customer{Login: "wile", Owner: "acme", Status: "suspended", Contact: model.Contact{Name: "Wile"}}
	prior := applied(t, mustPlan(t, cfg, nil))
	for _, tc := range []struct {
		reasons []string
		change  bool
	}{
		{[]string{"suspended in config"}, false},
		{[]string{"suspended outside plansync (by the administrator)"}, false},
		{[]string{"reseller acme suspended outside plansync"}, true},
		{[]string{"reseller acme suspended"}, true},
	} {
		for i := range prior.Customers {
			if prior.Customers[i].Login == "wile" {
				prior.Customers[i].StatusReasons = tc.reasons
			}
		}
		c := find(mustPlan(t, cfg, prior), "customer", "wile")
		if !tc.change {
			if c != nil {
				t.Errorf("recorded %q: planned %+v", tc.reasons, c)
			}
			continue
		}
		if c == nil || c.Action != Suspend || len(c.Fields) != 1 || c.Fields[0].Path != "status_reasons" {
			t.Errorf("recorded %q: planned %+v", tc.reasons, c)
		}
	}
}
