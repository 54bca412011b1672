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

func setDisk(t *testing.T, c *xmlapi.Client, name string, giB int64) {
	t.Helper()
	must[xmlapi.FilterResult](t, c, xmlapi.WebspaceSet{Filter: xmlapi.WebspaceFilter{Name: []string{name}},
		Values: xmlapi.WebspaceValues{Limits: limits("disk_space", gibs(giB))}})
}

// A webspace set of limits (which locks the subscription) is served from
// the reseller's allocation as a plan change is (SPEC 1.5, the rule
// plansync predicts): without oversell, what it grows by must fit what
// the reseller's other subscriptions leave, else it keeps what it had.
func TestLockedLimitsServedFromAllocation(t *testing.T) {
	_, c := start(t, fake.Options{})
	big := resellerWithPlan(t, c, 4, 1)
	must[xmlapi.AddResult](t, c, xmlapi.CustomerAdd{GenInfo: xmlapi.CustomerInfo{Name: "Cu", Login: "cu", Password: "Pass-word-3", OwnerLogin: "acme"}})
	for _, n := range []string{"s1.example", "s2.example"} {
		must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: n, OwnerLogin: "cu", IPAddress: "192.0.2.10"}, PlanGUID: big})
	}
	setDisk(t, c, "s1.example", 3) // 3 + 1 fit in 4
	if got := diskOf(t, c, "s1.example"); got != gibs(3) {
		t.Fatalf("s1.example set to 3 GiB: disk_space %s", got)
	}
	setDisk(t, c, "s1.example", 5) // 5 + 1 do not: it keeps its 3
	if got := diskOf(t, c, "s1.example"); got != gibs(3) {
		t.Errorf("s1.example set to 5 GiB, 3 GiB left to it: disk_space %s, want %s (what it had)", got, gibs(3))
	}
	if l, _, _ := flags(getWebspace(t, c, "s1.example")); l != "true" {
		t.Errorf("s1.example locked %s, want true", l)
	}
	setDisk(t, c, "s2.example", 2) // 3 + 2 do not fit: it keeps its 1
	if got := diskOf(t, c, "s2.example"); got != gibs(1) {
		t.Errorf("s2.example set to 2 GiB, 1 GiB left to it: disk_space %s, want %s (what it had)", got, gibs(1))
	}
	setDisk(t, c, "s1.example", 2) // a shrink always fits
	if got := diskOf(t, c, "s1.example"); got != gibs(2) {
		t.Errorf("s1.example set to 2 GiB: disk_space %s", got)
	}
}

// A set of other limits leaves a limit it does not change as it is,
// even where the reseller has less left than it holds (its allocation
// lowered, and the subscription one moved in whose share was never
// served again).
func TestLimitsSetKeepsWhatItDoesNotChange(t *testing.T) {
	_, c := start(t, fake.Options{})
	big := resellerWithPlan(t, c, 2, 2)
	must[xmlapi.AddResult](t, c, xmlapi.CustomerAdd{GenInfo: xmlapi.CustomerInfo{Name: "Road", Login: "road", Password: "Pass-word-3"}})
	must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "m.example", OwnerLogin: "road", IPAddress: "192.0.2.10"},
		Limits: limits("disk_space", gibs(1))})
	must[xmlapi.FilterResult](t, c, xmlapi.CustomerChangeOwner{Filter: xmlapi.CustomerFilter{Login: []string{"road"}}, NewOwnerLogin: "acme", IPv4: []string{"192.0.2.10"}})
	must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "a.example", OwnerLogin: "acme", IPAddress: "192.0.2.10"}, PlanGUID: big})
	if got := diskOf(t, c, "a.example"); got != gibs(1) {
		t.Fatalf("a.example on Big (2 GiB, 1 GiB left): disk_space %s", got)
	}
	// The allocation is lowered to 1 GiB: a.example and m.example hold
	// 2 GiB of it, and nothing is cut.
	must[xmlapi.ResellerPlanData](t, c, xmlapi.ResellerPlanSet{Filter: xmlapi.ResellerPlanFilter{Name: []string{"R"}},
		Limits: &xmlapi.ResellerLimits{Limit: []xmlapi.Limit{{Name: "disk_space", Value: gibs(1)}}}})
	must[xmlapi.FilterResult](t, c, xmlapi.WebspaceSet{Filter: xmlapi.WebspaceFilter{Name: []string{"m.example"}},
		Values: xmlapi.WebspaceValues{Limits: &xmlapi.Limits{Overuse: "block", Limit: []xmlapi.Limit{{Name: "max_box", Value: "3"}}}}})
	if got := diskOf(t, c, "m.example"); got != gibs(1) {
		t.Errorf("m.example after a set of its overuse and mailboxes: disk_space %s, want its %s", got, gibs(1))
	}
}

// With oversell each single value must fit the reseller's: more is the
// reseller's limit (what it had beyond it is never cut).
func TestLockedLimitsOversell(t *testing.T) {
	_, c := start(t, fake.Options{})
	rp := must[xmlapi.ResellerPlanData](t, c, xmlapi.ResellerPlanAdd{Name: "R", Limits: &xmlapi.ResellerLimits{
		ResourcePolicy: &xmlapi.ResourcePolicy{Oversell: "true", Overuse: "normal"}, Limit: []xmlapi.Limit{{Name: "disk_space", Value: gibs(4)}}}})[0]
	must[xmlapi.AddResult](t, c, xmlapi.ResellerAdd{GenInfo: xmlapi.ResellerInfo{Name: "Acme", Login: "acme", Password: "Acme-pass-1"}, PlanGUID: rp.GUID})
	big := must[xmlapi.AddResult](t, c, xmlapi.ServicePlanAdd{Name: "Big", Owner: xmlapi.Owner{OwnerLogin: "acme"}, Limits: limits("disk_space", gibs(3))})[0].GUID
	for _, n := range []string{"s1.example", "s2.example"} {
		must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: n, OwnerLogin: "acme", IPAddress: "192.0.2.10"}, PlanGUID: big})
	}
	setDisk(t, c, "s1.example", 4) // 3 + 4 > 4, but oversold
	if got := diskOf(t, c, "s1.example"); got != gibs(4) {
		t.Errorf("s1.example set to 4 GiB with oversell: disk_space %s, want %s", got, gibs(4))
	}
	setDisk(t, c, "s2.example", 6)
	if got := diskOf(t, c, "s2.example"); got != gibs(4) {
		t.Errorf("s2.example set to 6 GiB with oversell: disk_space %s, want the reseller's %s", got, gibs(4))
	}
}

// A subscription created with limits of its own (custom, or customised
// at once, so locked) is new: it gets what is left of its reseller's
// allocation.
func TestNewOwnLimitsServedFromAllocation(t *testing.T) {
	_, c := start(t, fake.Options{})
	big := resellerWithPlan(t, c, 4, 1)
	must[xmlapi.AddResult](t, c, xmlapi.CustomerAdd{GenInfo: xmlapi.CustomerInfo{Name: "Cu", Login: "cu", Password: "Pass-word-3", OwnerLogin: "acme"}})
	must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "c1.example", OwnerLogin: "cu", IPAddress: "192.0.2.10"},
		Limits: limits("disk_space", gibs(2))})
	must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "c2.example", OwnerLogin: "cu", IPAddress: "192.0.2.10"},
		Limits: limits("disk_space", gibs(3))})
	if got := diskOf(t, c, "c2.example"); got != gibs(2) {
		t.Errorf("custom c2.example created with 3 GiB, 2 GiB left: disk_space %s, want %s", got, gibs(2))
	}
	must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "l.example", OwnerLogin: "cu", IPAddress: "192.0.2.10"},
		PlanGUID: big, Limits: limits("disk_space", gibs(1))})
	if got := diskOf(t, c, "l.example"); got != "0" {
		t.Errorf("l.example created customised with 1 GiB, nothing left: disk_space %s, want 0", got)
	}
	if l, _, _ := flags(getWebspace(t, c, "l.example")); l != "true" {
		t.Errorf("l.example locked %s, want true", l)
	}
}
