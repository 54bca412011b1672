package refresh

import (
	"slices"
	"testing"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/state"
)

// TestAnnotateReusedPlan: a watcher's next plan reuses the changes of
// the subscriptions that did not change (plan.Input.Reuse); annotating
// the drift of the next plan must give the reasons a fresh plan gets,
// not annotate again the changes the last plan's annotation rewrote.
func TestAnnotateReusedPlan(t *testing.T) {
	const gib = 1 << 30
	cfg := func(disk, boxes int64) *model.Config {
		c := model.NewConfig()
		c.ServicePlans["Web"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "admin", Name: "Web",
			Props: model.Props{"resources.disk_space": model.Size(10 * gib), "resources.mailboxes": model.Count(100)}}
		c.Customers["jdoe"] = &model.Customer{Login: "jdoe", Owner: "admin", Status: "active", Contact: model.Contact{Name: "John Doe"}}
		c.Subscriptions["a.example"] = &model.Subscription{Domain: "a.example", Customer: "jdoe", Owner: "admin", Plan: "Web", Status: "active",
			Customize: model.Props{"resources.disk_space": model.Size(disk * gib), "resources.mailboxes": model.Count(boxes)}}
		return c
	}
	mk := func(c *model.Config, prior *state.Snapshot, reuse *plan.Plan) *plan.Plan {
		p := plan.Make(plan.Input{Config: c, Prior: prior, Lineage: "lin", Now: now, Reuse: reuse})
		if p.Diagnostics.HasErrors() {
			t.Fatalf("diagnostics: %v", p.Diagnostics)
		}
		return p
	}
	// The server as observed: disk space 5 GiB (set in the panel, the
	// config's 10 recorded) and 3 mailboxes (the config now asks 4).
	observed := mk(cfg(5, 3), nil, nil).Result
	c := cfg(10, 4)
	annotate := func(p *plan.Plan) []string {
		var disk plan.Val
		for _, ch := range p.Changes {
			for _, f := range ch.Fields {
				if ch.Key == "a.example" && f.Path == "resources.disk_space" {
					disk = f.After
				}
			}
		}
		if !disk.Set {
			t.Fatalf("no disk_space change planned: %v", p.Changes)
		}
		p.Drift = []plan.Drift{{Kind: "subscription", Key: "a.example", Cause: plan.DriftEdited,
			Fields: []plan.DriftField{{Path: "resources.disk_space", Recorded: disk, Observed: plan.Val{Set: true, Text: "5 GiB"}}}}}
		Annotate(p)
		for _, ch := range p.Changes {
			if ch.Key == "a.example" {
				return ch.Reasons
			}
		}
		t.Fatal("no change for a.example")
		return nil
	}
	first := mk(c, observed, nil)
	want := annotate(first)
	// Another subscription added to the config: a.example is reused.
	c.Subscriptions["b.example"] = &model.Subscription{Domain: "b.example", Customer: "jdoe", Owner: "admin", Plan: "Web", Status: "active"}
	fresh := annotate(mk(c, observed, nil))
	reused := annotate(mk(c, observed, first))
	if !slices.Equal(fresh, want) {
		t.Fatalf("fresh plan: reasons %q, want %q", fresh, want)
	}
	if !slices.Equal(reused, fresh) {
		t.Errorf("reused plan: reasons %q, a fresh plan's %q", reused, fresh)
	}
}
