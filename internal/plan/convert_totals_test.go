package plan

import (
	"testing"

	"github.com/plansync/plansync/internal/model"
)

// A customer converted into a reseller with no allocation gets the totals
// of the subscriptions it had. A plan made with Reuse (watch) must be the
// same as one made without: here the converted customer's locked
// subscription keeps a service that the same run deletes.
func TestConvertedTotalsReuse(t *testing.T) {
	cfg := model.NewConfig()
	cfg.Server = &model.Server{}
	cfg.Services["premium"] = &model.Service{Name: "premium", AvailableToResellers: true}
	cfg.ServicePlans["Web"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "admin", Name: "Web",
		Props: model.Props{"resources.disk_space": model.Size(3 * gib)}, Services: []string{"premium"}}
	cfg.Customers["jo"] = &model.Customer{Login: "jo", Owner: "admin", Status: "active"}
	cfg.Customers["ad"] = &model.Customer{Login: "ad", Owner: "admin", Status: "active"}
	cfg.Subscriptions["a.example"] = &model.Subscription{Domain: "a.example", Customer: "jo", Owner: "admin", Plan: "Web", Status: "active",
		Customize: model.Props{"resources.databases": model.Count(2)}}
	cfg.Subscriptions["b.example"] = &model.Subscription{Domain: "b.example", Customer: "ad", Owner: "admin", Plan: "Web", Status: "active"}
	prior := applied(t, mustPlan(t, cfg, nil))

	// Converted, and the service deleted.
	cfg = cloneConfig(cfg)
	delete(cfg.Services, "premium")
	cfg.ServicePlans["Web"].Services = nil
	delete(cfg.Customers, "jo")
	cfg.Resellers["jo"] = &model.Reseller{Login: "jo", Plan: model.None, Status: "active"}
	cfg.Subscriptions["a.example"] = &model.Subscription{Domain: "a.example", Owner: "jo", Plan: model.None, Status: "active"}
	last := mustPlan(t, cfg, prior)

	// An edit of another owner's subscription: jo's is carried over.
	cfg = cloneConfig(cfg)
	cfg.Subscriptions["b.example"].Status = "suspended"
	in := Input{Config: cfg, Prior: prior, Now: now, Secrets: &fakeSecrets{}}
	full := Make(in)
	in.Reuse = last
	got := Make(in)
	for _, r := range full.Result.Resellers {
		t.Logf("full: reseller %s services %v", r.Login, r.Services)
	}
	for _, r := range got.Result.Resellers {
		t.Logf("reuse: reseller %s services %v", r.Login, r.Services)
	}
	if d := planDiff(full, got); d != "" {
		t.Fatalf("reuse differs from the full plan (-full +reuse):\n%s", d)
	}
}
