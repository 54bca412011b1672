package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
)

func driftPlan(n int) *plan.Plan {
	p := &plan.Plan{Refreshed: true, Server: "plesk.example.com:8443"}
	for i := 0; i < n; i++ {
		p.Drift = append(p.Drift, plan.Drift{Kind: "subscription", Key: fmt.Sprintf("s%02d.example", i), Cause: plan.DriftLocked,
			Fields: []plan.DriftField{{Path: "resources.disk_space", Recorded: plan.ValueOf(model.Size(1<<30), true), Observed: plan.ValueOf(model.Size(5<<30), true)}},
			Adopt:  "subscriptions:\n  - domain: x\n", AdoptNote: "replace subscription x in the config with", Revert: "apply will set it back to the config's values"})
	}
	return p
}

// Text shows the first drift items in full and counts the rest; JSON
// lists them all, sizes in bytes.
func TestDriftTextCapsAndJSONListsAll(t *testing.T) {
	p := driftPlan(25)
	var b bytes.Buffer
	if err := PlanText(&b, p, Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Objects changed outside plansync (drift on plesk.example.com:8443): 25 items differ from the recorded state.\n",
		"  ! subscription s19.example: customised in the panel, now locked\n",
		"      resources.disk_space: 1 GiB (recorded) → 5 GiB (on the server)\n",
		"    Adopt it: replace subscription x in the config with:\n        subscriptions:\n          - domain: x\n",
		"  … and 5 more drift items (the JSON plan lists them all).\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "s20.example") {
		t.Error("more than 20 items shown")
	}
	b.Reset()
	if err := PlanJSON(&b, p, nil); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Drift []struct {
			Key    string
			Fields []struct {
				Path               string
				Recorded, Observed any
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Drift) != 25 || doc.Drift[24].Fields[0].Recorded != float64(1<<30) || doc.Drift[24].Fields[0].Observed != float64(5<<30) {
		t.Errorf("JSON drift: %+v", doc.Drift)
	}
}

// Without a server read, nothing changes: no drift section, no key.
func TestNoRefreshNoDrift(t *testing.T) {
	p := &plan.Plan{}
	var b bytes.Buffer
	if err := PlanJSON(&b, p, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "drift") {
		t.Errorf("drift key without a server: %s", b.String())
	}
	p.Refreshed = true
	b.Reset()
	if err := PlanJSON(&b, p, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"drift": []`) {
		t.Errorf("no empty drift list: %s", b.String())
	}
}

func TestDriftMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := PlanMarkdown(&b, driftPlan(2)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"#### Objects changed outside plansync (drift on plesk.example.com:8443)\n",
		"| subscription s01.example | customised in the panel, now locked | resources.disk_space | 1 GiB | 5 GiB |\n",
		"<details><summary>subscription s00.example: customised in the panel, now locked</summary>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}
