package plan

import (
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// TestCustomerUnderResellerLogin: a customer to create whose login a
// recorded reseller has is an error of the plan (Plesk cannot convert a
// reseller into a customer, logins are unique), unless the plan renames
// that reseller first.
func TestCustomerUnderResellerLogin(t *testing.T) {
	cfg := baseConfig()
	cfg.Resellers["acme"] = &model.Reseller{Login: "acme", Plan: model.None, Status: "active",
		Props: model.Props{"resources.disk_space": model.Size(10 * gib)}}
	prior := applied(t, mustPlan(t, cfg, nil))

	// The reseller replaced by a customer of its login: without a server
	// (no Plesk identity recorded), the reseller's delete and the
	// customer's create.
	next := baseConfig()
	next.Customers["acme"] = &model.Customer{Login: "acme", Owner: "admin", Status: "active"}
	mustPlan(t, next, prior)

	// On a Plesk server (the reseller's identity recorded), refused.
	for i := range prior.Resellers {
		if prior.Resellers[i].Login == "acme" {
			prior.Resellers[i].Plesk = &state.PleskID{GUID: "g-acme", ID: 7}
		}
	}
	p := Make(Input{Config: next, Prior: prior, Lineage: "lin", Now: now, Secrets: &fakeSecrets{}})
	var found bool
	for _, d := range p.Diagnostics {
		if d.Object == "customer acme" && strings.Contains(d.Summary, "reseller acme has its login, and Plesk cannot convert a reseller into a customer") {
			found = true
		}
	}
	if !found || !p.Diagnostics.HasErrors() {
		t.Fatalf("diagnostics %v, want the customer's login refused", p.Diagnostics)
	}

	// The reseller renamed first (renamed_from): its old login is free
	// for the customer by the time customers are created.
	next.Resellers["globex"] = &model.Reseller{Login: "globex", RenamedFrom: "acme", Plan: model.None, Status: "active",
		Props: model.Props{"resources.disk_space": model.Size(10 * gib)}}
	mustPlan(t, next, prior)
}
