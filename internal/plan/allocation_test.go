package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// resellerConfig has a reseller of each kind: on a reseller plan (acme),
// with an explicit allocation (solo), and with neither (conv: a customer
// converted into a reseller, which gets the totals of its subscriptions).
func resellerConfig() *model.Config {
	c := baseConfig()
	c.ResellerPlans["R"] = &model.Plan{Kind: model.ResellerPlanKind, Owner: "admin", Name: "R", Oversell: true,
		Services: []string{"b", "a"}, Props: model.Props{
			"resources.disk_space":         model.Size(20 * gib),
			"resources.customers":          model.Count(3),
			"permissions.manage_dns":       model.Bool(true),
			"permissions.create_customers": model.Bool(true),
		}}
	c.Resellers["acme"] = &model.Reseller{Login: "acme", Plan: "R", Status: "active"}
	c.Resellers["solo"] = &model.Reseller{Login: "solo", Plan: model.None, Status: "active", Props: model.Props{
		"resources.disk_space": model.Size(5 * gib), "permissions.manage_hosting": model.Bool(true)}}
	c.Resellers["conv"] = &model.Reseller{Login: "conv", Plan: model.None, Status: "active"}
	for login, plan := range map[string]string{"acme": "Web", "solo": "Web", "conv": "Web"} {
		c.ServicePlans[login+"/"+plan] = &model.Plan{Kind: model.ServicePlanKind, Owner: login, Name: plan, Props: model.Props{
			"resources.disk_space": model.Size(gib), "permissions.manage_dns": model.Bool(true)}}
		c.Subscriptions[login+".example"] = &model.Subscription{Domain: login + ".example", Owner: login, Plan: plan, Status: "active"}
	}
	return c
}

// TestResellerAllocationIsRecorded: the allocation that limits a
// reseller's subscriptions is exactly the one recorded (and shown, and
// sent to Plesk), defaults included. The two were once computed apart,
// with the service plan's defaults on one side (an unlimited expiration,
// no customers or subscriptions limits) and the reseller plan's on the
// other; this fails on any such disagreement.
func TestResellerAllocationIsRecorded(t *testing.T) {
	cfg := resellerConfig()
	// conv was a customer: converted, it gets the totals of its
	// subscriptions (a new reseller on plan none needs an allocation).
	prior := state.New("lin")
	prior.Customers = []state.Customer{{Login: "conv", Owner: "admin", Status: "active"}}
	p := mustPlan(t, cfg, prior)
	e := &engine{cfg: cfg, allocs: map[string]allocation{}}
	for _, r := range p.Result.Resellers {
		a := e.resellerAllocation(r.Login)
		recorded, services := fromValues(p.Result.PropertySets[r.Allocation])
		if r.Oversell != a.oversell || r.SyncStatus != a.sync {
			t.Errorf("reseller %s: recorded oversell %v, sync %s; limited with %v, %s", r.Login, r.Oversell, r.SyncStatus, a.oversell, a.sync)
		}
		if r.Login == "conv" {
			if a.limits || !a.totals || a.props != nil {
				t.Errorf("reseller conv (no plan, no allocation) limits its subscriptions: %+v", a)
			}
			continue
		}
		if !a.limits {
			t.Errorf("reseller %s: allocation does not limit", r.Login)
		}
		if d := cmp.Diff(recorded, a.props); d != "" {
			t.Errorf("reseller %s: recorded allocation differs from the one that limits (-recorded +limits):\n%s", r.Login, d)
		}
		if d := cmp.Diff(services, a.services); d != "" {
			t.Errorf("reseller %s: services (-recorded +limits):\n%s", r.Login, d)
		}
		// Defaults: every reseller plan limit it leaves out is unlimited,
		// every permission not granted, and nothing else is set.
		for _, c := range model.Catalog() {
			v, has := a.props[c.Path]
			// The expiration too (SPEC §2.2: a resource a plan leaves out
			// is unlimited).
			want := c.Where&model.InResellerPlan != 0 &&
				(c.Kind == model.KindSize || c.Kind == model.KindCount || c.Kind == model.KindDuration || strings.HasPrefix(c.Path, "permissions."))
			if has != want {
				t.Errorf("reseller %s: %s set %v, want %v", r.Login, c.Path, has, want)
			}
			if has && cfg.ResellerPlans["R"].Props[c.Path] == (model.Value{}) && r.Login == "acme" &&
				!v.IsUnlimited() && v != model.Bool(false) {
				t.Errorf("reseller acme: default %s = %v", c.Path, v)
			}
		}
	}
}
