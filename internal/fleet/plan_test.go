package fleet_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/fleet"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
)

// planNow is the clock of the planning tests.
var planNow = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func makePlan(cfg *model.Config) *plan.Plan {
	return plan.Make(plan.Input{Config: cfg, Lineage: "test", Now: planNow})
}

// conflictSummary describes a plan's conflicts, a few of them.
func conflictSummary(p *plan.Plan) string {
	s := fmt.Sprintf("%d conflicts", len(p.Conflicts))
	for i, c := range p.Conflicts {
		if i == 5 {
			s += "\n  ..."
			break
		}
		s += fmt.Sprintf("\n  %s %s: plan %s, available %s (%s)", c.Subscription, c.Property, c.PlanValue.Text, c.AvailableValue.Text, c.Reason)
	}
	return s
}

// TestFleetPlansCleanly: a generated fleet asked for no conflicts plans
// against an empty state without any, and creates every object.
func TestFleetPlansCleanly(t *testing.T) {
	cfg := fleet.Generate(fleet.Options{Subscriptions: 2000, Seed: 5, CustomisedFraction: 0.10})
	p := makePlan(cfg)
	if len(p.Diagnostics) > 0 {
		t.Errorf("plan diagnostics:\n%s", p.Diagnostics.Error())
	}
	if len(p.Conflicts) > 0 {
		t.Errorf("want no conflicts, got %s", conflictSummary(p))
	}
	if p.Summary.Update != 0 || p.Summary.Delete != 0 {
		t.Errorf("summary %+v: want only creations", p.Summary)
	}
	if len(p.Subscriptions) != len(cfg.Subscriptions) {
		t.Errorf("%d subscription statuses, want %d", len(p.Subscriptions), len(cfg.Subscriptions))
	}
}

// TestFleetConflicts: each subscription on the PHP 8.9 plan has exactly
// one conflict, on hosting.php_version; no other subscription has any.
func TestFleetConflicts(t *testing.T) {
	cfg := fleet.Generate(fleet.Options{Subscriptions: 2000, Seed: 5, CustomisedFraction: 0.10, ConflictFraction: 0.05})
	want := map[string]bool{}
	for d, s := range cfg.Subscriptions {
		if s.Plan == fleet.ConflictPlan {
			want[d] = true
		}
	}
	if len(want) < 50 {
		t.Fatalf("only %d subscriptions on %s", len(want), fleet.ConflictPlan)
	}
	p := makePlan(cfg)
	got := map[string]bool{}
	for _, c := range p.Conflicts {
		if c.Property != "hosting.php_version" || c.PlanValue.Text != `"`+fleet.ConflictPHP+`"` {
			t.Errorf("unexpected conflict %s %s: plan %s, available %s (%s)", c.Subscription, c.Property, c.PlanValue.Text, c.AvailableValue.Text, c.Reason)
			continue
		}
		if got[c.Subscription] {
			t.Errorf("%s has two php_version conflicts", c.Subscription)
		}
		got[c.Subscription] = true
	}
	var missing []string
	for d := range want {
		if !got[d] {
			missing = append(missing, d)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 || len(got) != len(want) {
		t.Errorf("%d conflicting subscriptions, want %d; missing %v", len(got), len(want), missing)
	}
}

// TestExamplesPlanCleanly: every bundled example plans against an empty
// state with no conflict and no diagnostic, without any environment.
func TestExamplesPlanCleanly(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*"))
	n := 0
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		n++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			cfg := load(t, dir)
			p := makePlan(cfg)
			if len(p.Diagnostics) > 0 {
				t.Errorf("plan diagnostics:\n%s", p.Diagnostics.Error())
			}
			if len(p.Conflicts) > 0 {
				t.Errorf("want no conflicts, got %s", conflictSummary(p))
			}
			if p.Summary.Create == 0 || p.Summary.Update+p.Summary.Delete != 0 {
				t.Errorf("summary %+v: want only creations", p.Summary)
			}
		})
	}
	if n == 0 {
		t.Skip("no examples found")
	}
}
