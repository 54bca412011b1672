package config

import (
	"fmt"
	"testing"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// Looking for secret files read as config files costs a fleet little:
// with 10,000 customers whose passwords are {file: ...} references and
// a warning elsewhere (any diagnostic starts the look), the references
// are not formatted and sorted, nor is the working directory looked up,
// once each: a few allocations per reference at most, so that a load of
// 100,000 subscriptions (and watch's every reload) does not take a
// second more.
func TestSecretFilesAsConfigCost(t *testing.T) {
	const n = 10000
	cfg := model.NewConfig()
	for i := range n {
		l := fmt.Sprintf("c%05d", i)
		cfg.Customers[l] = &model.Customer{Login: l, Password: &model.Secret{File: "secrets/" + l + ".txt",
			Range: diag.Range{File: "cfg/customers.yaml", Start: diag.Pos{Line: i + 1, Column: 5}}}}
	}
	ds := diag.Diagnostics{{Severity: diag.Warning, Summary: "a warning", Subject: diag.Range{File: "cfg/main.yaml", Start: diag.Pos{Line: 1, Column: 1}}}}
	var out diag.Diagnostics
	allocs := testing.AllocsPerRun(1, func() { out = secretFilesAsConfig(cfg, ds) })
	if len(out) != 1 || out[0].Summary != "a warning" {
		t.Fatalf("diagnostics: %v", out)
	}
	if perRef := allocs / n; perRef > 4 {
		t.Errorf("%.0f allocations for %d secret references (%.1f each), want at most 4 each", allocs, n, perRef)
	}
}
