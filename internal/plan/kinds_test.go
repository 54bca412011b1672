package plan

import (
	"encoding/json"
	"testing"
)

// TestActionTable: every action has its facts, and the plan document's
// JSON carries actions and kinds as the plain names.
func TestActionTable(t *testing.T) {
	want := map[Action]struct {
		sym, done string
		tone      Tone
		count     Count
		fields    bool
	}{
		Create:   {"+", "created", ToneAdd, CountCreate, true},
		Delete:   {"-", "deleted", ToneRemove, CountDelete, false},
		Update:   {"~", "updated", ToneChange, CountUpdate, true},
		Suspend:  {"~", "suspended", ToneChange, CountUpdate, true},
		Activate: {"~", "activated", ToneChange, CountUpdate, true},
		Lock:     {"~", "locked", ToneChange, CountUpdate, true},
		Unlock:   {"~", "unlocked", ToneChange, CountUpdate, true},
		Sync:     {"~", "synced", ToneChange, CountUpdate, true},
		Move:     {">", "moved", ToneMove, CountUpdate, true},
		Convert:  {">", "converted", ToneMove, CountUpdate, true},
		Forget:   {"-", "forgotten", ToneChange, CountUpdate, false},
	}
	if len(actionTable) != len(want) {
		t.Fatalf("%d actions in the table, %d here", len(actionTable), len(want))
	}
	for a, w := range want {
		sym, tone := a.Symbol()
		if sym != w.sym || tone != w.tone || a.Done() != w.done || a.Counted() != w.count || a.ShowsFields() != w.fields {
			t.Errorf("%s: %q %v %q %v %v", a, sym, tone, a.Done(), a.Counted(), a.ShowsFields())
		}
	}
	if sym, _ := Action("explode").Symbol(); sym != "?" || Action("explode").Done() != "explode" {
		t.Errorf("an unknown action reads %q %q", sym, Action("explode").Done())
	}
	b, err := json.Marshal(Change{Kind: KindSubscription, Action: Sync})
	if err != nil || string(b) == "" {
		t.Fatal(err)
	}
	var back struct{ Kind, Action string }
	if err := json.Unmarshal(b, &back); err != nil || back.Kind != "subscription" || back.Action != "sync" {
		t.Errorf("JSON %s", b)
	}
}

func TestKindTable(t *testing.T) {
	names := KindNames()
	if len(names) != 8 || names[0] != "server" || names[7] != "subscription" {
		t.Errorf("kinds %v", names)
	}
	for _, k := range Kinds() {
		if got, ok := ParseKind(string(k)); !ok || got != k || k.Order() < 0 {
			t.Errorf("%s does not read back", k)
		}
	}
	for in, want := range map[string]Kind{"service-plans": KindServicePlan, "subscriptions": KindSubscription, "reseller_plan": KindResellerPlan, "server": KindServer} {
		if got, ok := KindNamed(in); !ok || got != want {
			t.Errorf("KindNamed(%q) = %q, %v", in, got, ok)
		}
	}
	if _, ok := KindNamed("website"); ok || Kind("website").Valid() {
		t.Errorf("website is a kind")
	}
	for k, guarded := range map[Kind]bool{KindCustomer: true, KindReseller: true, KindSubscription: true, KindServicePlan: false, KindService: false} {
		if k.Guarded() != guarded {
			t.Errorf("%s guarded = %v", k, k.Guarded())
		}
	}
	if KindServicePlan.Reaches() != KindSubscription || KindResellerPlan.Reaches() != KindReseller || KindCustomer.Reaches() != "" {
		t.Errorf("what plan changes reach")
	}
}
