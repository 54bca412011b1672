package plan

// Renames (renamed_from, SPEC §2.1: objects are keyed by name, login or
// domain). A customer, reseller or subscription whose config names the key
// it was recorded under is that recorded object renamed: it is updated in
// place (its history, secrets and Plesk identity kept), never deleted and
// created, and what refers to it by its old key follows it (a reseller's
// plans, customers and subscriptions; a customer's subscriptions).

import (
	"strings"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// indexRenames makes the recorded object under its old name the prior
// of the object under its new name (renamed_from), so it is updated, not
// deleted and created; a new name that is already recorded is an error.
func (e *engine) indexRenames() {
	e.renamed = map[string]string{}
	clash := func(kind, old, name string, src model.Src) {
		e.diags = append(e.diags, diag.Diagnostic{Severity: diag.Error, Subject: src.At("renamed_from"), Object: kind + " " + name,
			Path: "renamed_from", Summary: "cannot rename " + old + " to " + name + ": " + kind + " " + name + " is already recorded"})
	}
	for login, c := range e.cfg.Customers {
		if old := c.RenamedFrom; old != "" && e.priorCustomers[login] != nil && e.priorCustomers[old] != nil {
			clash("customer", old, login, c.Src)
		}
	}
	for login, r := range e.cfg.Resellers {
		if old := r.RenamedFrom; old != "" && e.priorResellers[login] != nil && e.priorResellers[old] != nil {
			clash("reseller", old, login, r.Src)
		}
	}
	for domain, sub := range e.cfg.Subscriptions {
		if old := sub.RenamedFrom; old != "" && e.priorSubs[domain] != nil && e.priorSubs[old] != nil {
			clash("subscription", old, domain, sub.Src)
		}
	}
	for login, c := range e.cfg.Customers {
		if old := c.RenamedFrom; old != "" && e.priorCustomers[login] == nil && e.priorCustomers[old] != nil {
			e.priorCustomers[login] = e.priorCustomers[old]
			e.renamed["customer "+old] = login
		}
	}
	for login, r := range e.cfg.Resellers {
		if old := r.RenamedFrom; old != "" && e.priorResellers[login] == nil && e.priorResellers[old] != nil {
			e.priorResellers[login] = e.priorResellers[old]
			e.renamed["reseller "+old] = login
		}
	}
	for domain, sub := range e.cfg.Subscriptions {
		if old := sub.RenamedFrom; old != "" && e.priorSubs[domain] == nil && e.priorSubs[old] != nil {
			e.priorSubs[domain] = e.priorSubs[old]
			e.renamed["subscription "+old] = domain
		}
	}
}

// renamedTo returns the new name of a recorded object renamed in config.
func (e *engine) renamedTo(kind, old string) (string, bool) {
	n, ok := e.renamed[kind+" "+old]
	return n, ok
}

// priorPlanKey maps a plan key to the recorded key it had before its
// owner reseller was renamed ("new/Web" → "old/Web").
func (e *engine) priorPlanKey(key string) string {
	owner, name, ok := strings.Cut(key, "/")
	if !ok {
		return key
	}
	if r := e.cfg.Resellers[owner]; r != nil && r.RenamedFrom != "" {
		if n, ok := e.renamedTo("reseller", r.RenamedFrom); ok && n == owner {
			return r.RenamedFrom + "/" + name
		}
	}
	return key
}

// renamedLogin records, for an account whose recorded login differs
// (renamed_from), the login field, the reason and the key it replaces.
func (c *Change) renamedLogin(fs *fields, before, after string) {
	if before == after {
		return
	}
	fs.add(strField("login", before, after))
	c.Reasons = append(c.Reasons, "renamed from "+before)
	c.RenamedFrom = before
}

// subscriptionRenames gives the reasons a recorded subscription changed
// by renames: its own (c.RenamedFrom), its customer's and its owner
// reseller's; ownerRenamed says its owner is its recorded owner renamed
// (so a changed owner is no move).
func (e *engine) subscriptionRenames(c *Change, p *state.Subscription, rec *state.Subscription) (reasons []string, ownerRenamed bool) {
	if p.Domain != rec.Domain {
		reasons = append(reasons, "renamed from "+p.Domain)
		c.RenamedFrom = p.Domain
	}
	if p.Customer != rec.Customer && p.Customer != "" && rec.Customer != "" {
		if n, ok := e.renamedTo("customer", p.Customer); ok && n == rec.Customer {
			reasons = append(reasons, "customer renamed from "+p.Customer+" to "+rec.Customer)
		}
	}
	if n, ok := e.renamedTo("reseller", p.Owner); ok && n == rec.Owner {
		ownerRenamed = true
		reasons = append(reasons, "owner reseller renamed from "+p.Owner+" to "+rec.Owner)
	}
	return reasons, ownerRenamed
}
