package plan

import (
	"fmt"
	"testing"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// fleet builds n subscriptions over 100 plans (plan 0 holds half of
// them, so a change to it fans out to n/2), 10% customised and 5% asking
// for a PHP version that is not installed.
func fleet(n int) *model.Config {
	c := model.NewConfig()
	c.Server = &model.Server{Components: []string{"php8.2", "php8.3", "php-fpm", "postfix"}}
	for i := 0; i < 100; i++ {
		name := fmt.Sprintf("Plan%03d", i)
		c.ServicePlans[name] = &model.Plan{Kind: model.ServicePlanKind, Owner: "admin", Name: name, Props: model.Props{
			"resources.disk_space":            model.Size(int64(i+1) * gib),
			"resources.mailboxes":             model.Count(int64(10 * (i + 1))),
			"permissions.manage_php_settings": model.Bool(true),
			"hosting.php_version":             model.String("8.3"),
			"hosting.php_handler":             model.Enum("fpm"),
		}}
	}
	c.ServicePlans["Conflicting"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "admin", Name: "Conflicting",
		Props: model.Props{"hosting.php_version": model.String("8.9")}}
	c.AddonPlans["Extra"] = &model.Plan{Kind: model.AddonPlanKind, Owner: "admin", Name: "Extra",
		Props: model.Props{"resources.disk_space": model.Size(5 * gib)}}
	for i := 0; i < n/5; i++ {
		login := fmt.Sprintf("cust%06d", i)
		c.Customers[login] = &model.Customer{Login: login, Owner: "admin", Status: "active"}
	}
	for i := 0; i < n; i++ {
		d := fmt.Sprintf("site%06d.example", i)
		plan := "Plan000"
		if i%2 == 1 {
			plan = fmt.Sprintf("Plan%03d", 1+i%99)
		}
		if i%20 == 3 {
			plan = "Conflicting"
		}
		s := &model.Subscription{Domain: d, Customer: fmt.Sprintf("cust%06d", i/5), Owner: "admin", Plan: plan}
		if i%10 == 7 {
			s.Customize = model.Props{"resources.mailboxes": model.Count(int64(i % 1000))}
		}
		if i%7 == 0 {
			s.Addons = []string{"Extra"}
		}
		c.Subscriptions[d] = s
	}
	return c
}

func benchPrior(b *testing.B, cfg *model.Config) *state.Snapshot {
	p := Make(Input{Config: cfg, Lineage: "bench", Now: now, Secrets: &fakeSecrets{}})
	r := p.Result
	r.Serial = 1
	// Round-trip through the encoding, as a real run reads it.
	data, err := state.Encode(r)
	if err != nil {
		b.Fatal(err)
	}
	s, err := state.Decode(data)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkNoopPlan100k plans 100,000 unchanged subscriptions.
func BenchmarkNoopPlan100k(b *testing.B) {
	cfg := fleet(100_000)
	prior := benchPrior(b, cfg)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := Make(Input{Config: cfg, Prior: prior, Now: now, Secrets: &fakeSecrets{}})
		if len(p.Changes) != 0 {
			b.Fatalf("no-op plan has %d changes", len(p.Changes))
		}
	}
}

// BenchmarkFanout50k changes the plan half of 100,000 subscriptions use.
func BenchmarkFanout50k(b *testing.B) {
	cfg := fleet(100_000)
	prior := benchPrior(b, cfg)
	cfg.ServicePlans["Plan000"].Props["resources.disk_space"] = model.Size(99 * gib)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := Make(Input{Config: cfg, Prior: prior, Now: now, Secrets: &fakeSecrets{}})
		if p.Summary.Update < 40_000 {
			b.Fatalf("fan-out reached only %d", p.Summary.Update)
		}
	}
}

// BenchmarkReusePlan100k re-plans 100,000 recorded subscriptions after a
// one-subscription edit, reusing the previous plan, as watch does: the
// config is a fresh copy each time (as a reload gives), so every
// subscription's inputs are compared, and one is planned again.
func BenchmarkReusePlan100k(b *testing.B) {
	cfg := fleet(100_000)
	prior := benchPrior(b, cfg)
	last := Make(Input{Config: cfg, Prior: prior, Now: now, Secrets: &fakeSecrets{}})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		next := cloneConfig(cfg)
		next.Subscriptions["site000042.example"].Status = []string{"suspended", "active"}[i%2]
		b.StartTimer()
		p := Make(Input{Config: next, Prior: prior, Now: now, Secrets: &fakeSecrets{}, Reuse: last})
		if want := 1 - i%2; len(p.Changes) != want {
			b.Fatalf("%d changes, want %d", len(p.Changes), want)
		}
		last = p
	}
}
