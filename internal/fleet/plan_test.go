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

// TestShapes: each shape of fleet has the shape it names, round-trips
// through a directory in either syntax, and plans cleanly.
func TestShapes(t *testing.T) {
	const n = 4000
	for _, shape := range fleet.Shapes {
		t.Run(shape, func(t *testing.T) {
			opt, err := fleet.ShapeOptions(shape, n)
			if err != nil {
				t.Fatal(err)
			}
			cfg := fleet.Generate(opt)
			if len(cfg.Subscriptions) != n {
				t.Fatalf("%d subscriptions, want %d", len(cfg.Subscriptions), n)
			}
			ownedByResellers, customised := 0, 0
			for _, c := range cfg.Customers {
				if c.Owner != model.Admin {
					ownedByResellers++
				}
			}
			for _, s := range cfg.Subscriptions {
				if s.Customize != nil {
					customised++
				}
			}
			adminPlans := 0
			for _, p := range cfg.ServicePlans {
				if p.Owner == model.Admin {
					adminPlans++
				}
			}
			check := func(what string, got int, ok bool) {
				t.Helper()
				if !ok {
					t.Errorf("%s: %d", what, got)
				}
			}
			switch shape {
			case "default":
				check("customers", len(cfg.Customers), len(cfg.Customers) == n/5)
				check("resellers", len(cfg.Resellers), len(cfg.Resellers) == 4)
			case "one-each":
				check("customers", len(cfg.Customers), len(cfg.Customers) == n)
				subsOf := map[string]int{}
				for _, s := range cfg.Subscriptions {
					subsOf[s.Customer]++
				}
				for c, k := range subsOf {
					if c != "" && k != 1 {
						t.Errorf("customer %s has %d subscriptions", c, k)
						break
					}
				}
			case "few-customers":
				check("customers", len(cfg.Customers), len(cfg.Customers) == 2)
			case "resellers":
				check("resellers", len(cfg.Resellers), len(cfg.Resellers) == n/50)
				check("customers owned by resellers", ownedByResellers, ownedByResellers == len(cfg.Customers))
			case "many-plans":
				check("admin service plans", adminPlans, adminPlans == 10_000)
			case "customised":
				check("customised subscriptions", customised, customised > n*98/100)
			}
			p := makePlan(cfg)
			if p.Diagnostics.HasErrors() || len(p.Conflicts) > 0 {
				t.Fatalf("plan: %s; %s", p.Diagnostics.Error(), conflictSummary(p))
			}
			for _, syntax := range []string{"yaml", "hcl"} {
				dir := t.TempDir()
				if err := fleet.WriteDir(dir, cfg, syntax, 0); err != nil {
					t.Fatal(err)
				}
				got := load(t, dir)
				if len(got.Subscriptions) != n || len(got.ServicePlans) != len(cfg.ServicePlans) || len(got.Customers) != len(cfg.Customers) {
					t.Errorf("%s: loaded %d subscriptions, %d plans, %d customers", syntax, len(got.Subscriptions), len(got.ServicePlans), len(got.Customers))
				}
			}
		})
	}
	if _, err := fleet.ShapeOptions("round", 10); err == nil {
		t.Error("an unknown shape is accepted")
	}
}
