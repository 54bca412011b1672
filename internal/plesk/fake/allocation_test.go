package fake_test

import (
	"strconv"
	"testing"

	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

func gibs(n int64) string { return strconv.FormatInt(n<<30, 10) }

// resellerWithPlan makes reseller acme with a pooled allocation (no
// oversell) of allocGiB of disk space and a service plan of its own,
// Big, asking askGiB.
func resellerWithPlan(t *testing.T, c *xmlapi.Client, allocGiB, askGiB int64) string {
	t.Helper()
	rp := must[xmlapi.ResellerPlanData](t, c, xmlapi.ResellerPlanAdd{Name: "R", Limits: &xmlapi.ResellerLimits{
		ResourcePolicy: &xmlapi.ResourcePolicy{Oversell: "false", Overuse: "block"}, Limit: []xmlapi.Limit{{Name: "disk_space", Value: gibs(allocGiB)}}}})[0]
	must[xmlapi.AddResult](t, c, xmlapi.ResellerAdd{GenInfo: xmlapi.ResellerInfo{Name: "Acme", Login: "acme", Password: "Acme-pass-1"}, PlanGUID: rp.GUID})
	return must[xmlapi.AddResult](t, c, xmlapi.ServicePlanAdd{Name: "Big", Owner: xmlapi.Owner{OwnerLogin: "acme"}, Limits: limits("disk_space", gibs(askGiB))})[0].GUID
}

func diskOf(t *testing.T, c *xmlapi.Client, name string) string {
	t.Helper()
	return limitOf(getWebspace(t, c, name).Data.Limits, "disk_space")
}

// Every subscription of a reseller counts in its allocation, however it
// arrived: a custom subscription moved in with its customer (change-owner
// without a plan) takes its share as soon as it is served, which is in
// key order among what else comes new with the move (SPEC 1.5), and for
// good after it.
func TestMovedInCustomSubscriptionCounts(t *testing.T) {
	_, c := start(t, fake.Options{})
	big := resellerWithPlan(t, c, 4, 3)
	must[xmlapi.AddResult](t, c, xmlapi.CustomerAdd{GenInfo: xmlapi.CustomerInfo{Name: "Road", Login: "road", Password: "Pass-word-3"}})
	for _, x := range []struct {
		name string
		disk int64
	}{{"a.example", 2}, {"b.example", 1}, {"z.example", 1}} {
		must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: x.name, OwnerLogin: "road", IPAddress: "192.0.2.10"},
			Limits: limits("disk_space", gibs(x.disk))})
	}
	must[xmlapi.FilterResult](t, c, xmlapi.CustomerChangeOwner{Filter: xmlapi.CustomerFilter{Login: []string{"road"}}, NewOwnerLogin: "acme", IPv4: []string{"192.0.2.10"}})
	// b is switched to Big (3 GiB): a (2 GiB, before it in key order)
	// has its share; z (after it) is served after it.
	must[xmlapi.FilterResult](t, c, xmlapi.WebspaceSwitch{Filter: xmlapi.WebspaceFilter{Name: []string{"b.example"}}, PlanGUID: big})
	if got := diskOf(t, c, "b.example"); got != gibs(2) {
		t.Errorf("b.example switched to Big: disk_space %s, want %s (4 GiB less a.example's 2)", got, gibs(2))
	}
	// A new subscription on Big: a (2), b (2) and z (1) hold more than
	// the allocation: nothing is left.
	must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "n.example", OwnerLogin: "acme", IPAddress: "192.0.2.10"}, PlanGUID: big})
	if got := diskOf(t, c, "n.example"); got != "0" {
		t.Errorf("new n.example on Big: disk_space %s, want 0 (the custom a.example and z.example count)", got)
	}
	if _, s, _ := flags(getWebspace(t, c, "n.example")); s != "false" {
		t.Errorf("n.example synchronized %s, want false (its disk space does not fit)", s)
	}
}
