package plan

import (
	"testing"

	"github.com/plansync/plansync/state"
)

// TestPleskIDsCarried: the server identities recorded for objects stay
// on their records through later plans, and a renamed subscription or
// customer keeps the identity of the record it replaces.
func TestPleskIDsCarried(t *testing.T) {
	cfg := baseConfig()
	prior := applied(t, mustPlan(t, cfg, nil))
	for i := range prior.ServicePlans {
		prior.ServicePlans[i].Plesk = &state.PleskID{GUID: "plan-guid", ID: 1}
	}
	for i := range prior.Customers {
		prior.Customers[i].Plesk = &state.PleskID{GUID: "cust-guid", ID: 2}
	}
	for i := range prior.Subscriptions {
		prior.Subscriptions[i].Plesk = &state.PleskID{GUID: "guid-" + prior.Subscriptions[i].Domain, ID: 10 + i}
	}
	s := *cfg.Subscriptions["a.example"]
	delete(cfg.Subscriptions, "a.example")
	s.Domain, s.RenamedFrom = "z.example", "a.example"
	cfg.Subscriptions["z.example"] = &s
	renameCustomer(cfg, "jdoe", "john", true)
	next := applied(t, mustPlan(t, cfg, prior))
	if got := next.ServicePlans[0].Plesk; got == nil || got.GUID != "plan-guid" {
		t.Errorf("service plan identity = %+v", got)
	}
	if got := next.Customers[0]; got.Login != "john" || got.Plesk == nil || got.Plesk.GUID != "cust-guid" {
		t.Errorf("renamed customer = %s %+v", got.Login, got.Plesk)
	}
	want := map[string]string{"z.example": "guid-a.example", "b.example": "guid-b.example", "c.example": "guid-c.example"}
	for _, sub := range next.Subscriptions {
		if sub.Plesk == nil || sub.Plesk.GUID != want[sub.Domain] {
			t.Errorf("subscription %s identity = %+v, want %s", sub.Domain, sub.Plesk, want[sub.Domain])
		}
	}
	// An object new in config has none.
	n := s
	n.Domain, n.RenamedFrom = "new.example", ""
	cfg.Subscriptions["new.example"] = &n
	for _, sub := range mustPlan(t, cfg, next).Result.Subscriptions {
		if sub.Domain == "new.example" && sub.Plesk != nil {
			t.Errorf("new subscription has identity %+v", sub.Plesk)
		}
	}
}
