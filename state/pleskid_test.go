package state

import (
	"strings"
	"testing"
)

func TestPleskIDRoundTrip(t *testing.T) {
	s := New("lin")
	s.PropertySets = map[string]Values{"p": {}}
	s.ServicePlans = []Plan{{Key: "A", Owner: "admin", Name: "A", Props: "p", Plesk: &PleskID{GUID: "g-1", ID: 7}}}
	s.Customers = []Customer{{Login: "c", Owner: "admin", Status: "active", Plesk: &PleskID{GUID: "g-2", ID: 3}}}
	s.Subscriptions = []Subscription{{Domain: "a.example", Owner: "c", Plan: "A", SyncStatus: "synced", Effective: "p", Status: "active", Plesk: &PleskID{GUID: "g-3", ID: 9}}}
	b, err := Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"guid": "g-3"`) {
		t.Fatalf("no guid in\n%s", b)
	}
	d, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if d.ServicePlans[0].Plesk.ID != 7 || d.Customers[0].Plesk.GUID != "g-2" || d.Subscriptions[0].Plesk.ID != 9 {
		t.Fatalf("lost: %+v %+v %+v", d.ServicePlans[0].Plesk, d.Customers[0].Plesk, d.Subscriptions[0].Plesk)
	}
	if _, err := Decode([]byte(strings.Replace(string(b), `"guid": "g-3"`, `"gid": "g-3"`, 1))); err == nil {
		t.Fatal("an unknown field in a plesk identity was accepted")
	}
}
