package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// rtConfig has an unknown reseller plan (reseller r1, and so what r1
// owns), an unknown customer (subscription ghost.example, and so its
// settings) and objects that do not depend on them.
const rtConfig = `service_plans:
  - name: Business
  - {name: Web, owner: r1}
resellers:
  - {login: r1, plan: Nope}
  - {login: r2, plan: none}
customers:
  - {login: jdoe}
  - {login: alice, owner: r1}
subscriptions:
  - {domain: a.example, customer: jdoe, plan: Business}
  - {domain: b.example, owner: r2, plan: none}
  - {domain: alice.example, customer: alice, plan: Web}
  - {domain: ghost.example, customer: ghost, plan: Business}
subscriber_settings:
  - {domain: a.example, hosting: {ssl: true}}
  - {domain: ghost.example, hosting: {ssl: true}}
`

func rtLoad(t *testing.T, src string, check func(*model.Config) diag.Diagnostics) diag.Diagnostics {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := OSOptions()
	opts.CheckRest = check
	cfg, ds := Load(dir, opts)
	if cfg != nil {
		t.Fatalf("loaded a config with errors: %v", ds)
	}
	return ds
}

func rtKeys[V any](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, ",")
}

// TestCheckRest: the checks after the load run on the config without
// the objects that have errors and what uses them, and their errors on
// that rest are reported with the load's (not their warnings, nor
// errors about objects left out or about no object).
func TestCheckRest(t *testing.T) {
	var rest *model.Config
	ds := rtLoad(t, rtConfig, func(cfg *model.Config) diag.Diagnostics {
		rest = cfg
		return diag.Diagnostics{
			{Severity: diag.Error, Summary: "later error", Object: "subscriber_settings a.example"},
			{Severity: diag.Warning, Summary: "later warning", Object: "subscription a.example"},
			{Severity: diag.Error, Summary: "about an object left out", Object: "subscription alice.example"},
			{Severity: diag.Error, Summary: "about no object"},
		}
	})
	if rest == nil {
		t.Fatalf("CheckRest was not called: %v", ds)
	}
	for what, got := range map[string]string{
		"resellers":     rtKeys(rest.Resellers),
		"service plans": rtKeys(rest.ServicePlans),
		"customers":     rtKeys(rest.Customers),
		"subscriptions": rtKeys(rest.Subscriptions),
		"settings":      rtKeys(rest.SubscriberSettings),
	} {
		want := map[string]string{
			"resellers": "r2", "service plans": "Business", "customers": "jdoe",
			"subscriptions": "a.example,b.example", "settings": "a.example",
		}[what]
		if got != want {
			t.Errorf("%s of the rest: %s, want %s", what, got, want)
		}
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.Object+": "+d.Summary)
	}
	want := []string{ // sorted by place; the fake error has none
		`subscriber_settings a.example: later error`,
		`reseller r1: reseller plan "Nope" is not declared`,
		`subscription ghost.example: customer "ghost" is not declared`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCheckRestNot: nothing more is checked when an error is not about
// an object that can be left out (the server's default plan, a file's
// syntax), nor when the config has no error.
func TestCheckRestNot(t *testing.T) {
	for name, src := range map[string]string{
		"server":    "server:\n  default_plan: Web\nservice_plans:\n  - {name: Web, owner: ghost}\n",
		"syntax":    "service_plans:\n  - name: [Web\n",
		"no object": "service_plan:\n  - name: Web\n",
	} {
		t.Run(name, func(t *testing.T) {
			rtLoad(t, src, func(*model.Config) diag.Diagnostics {
				t.Error("CheckRest was called")
				return nil
			})
		})
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.yaml"), []byte("service_plans:\n  - name: Web\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := OSOptions()
	opts.CheckRest = func(*model.Config) diag.Diagnostics {
		t.Error("CheckRest was called on a valid config")
		return nil
	}
	if _, ds := Load(dir, opts); ds.HasErrors() {
		t.Fatal(ds)
	}
}

// TestWithoutErrorsKeepsConfig: the config the rest is made from keeps
// every object.
func TestWithoutErrorsKeepsConfig(t *testing.T) {
	cfg, ds := Decode(dtParse(t, map[string]string{"a.yaml": rtConfig}), dtOptions(nil))
	ds = append(ds, Validate(cfg)...)
	if rest := withoutErrors(cfg, ds); rest == nil || len(rest.Subscriptions) != 2 {
		t.Fatalf("rest: %v", rest)
	}
	if got := rtKeys(cfg.Subscriptions); got != "a.example,alice.example,b.example,ghost.example" {
		t.Errorf("subscriptions of the config: %s", got)
	}
}
