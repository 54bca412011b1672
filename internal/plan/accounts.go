package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

func contactFields(fs *fields, b, a state.Contact) {
	fs.add(strField("name", b.Name, a.Name))
	fs.add(strField("company", b.Company, a.Company))
	fs.add(strField("email", b.Email, a.Email))
	fs.add(strField("phone", b.Phone, a.Phone))
	fs.add(longField("address", b.Address, a.Address))
}

func contactOf(c model.Contact) state.Contact {
	return state.Contact{Name: c.Name, Company: c.Company, Email: c.Email, Phone: c.Phone, Address: c.Address}
}

// checkExplicitAllocation: a new reseller on plan none has the
// allocation its config gives (SPEC §2.7); only a customer converted
// into a reseller may leave it out, for the totals of its subscriptions,
// and a reseller recorded with an allocation keeps it. What a server
// already has (Input.Existing) is read, not given.
func (e *engine) checkExplicitAllocation(r *model.Reseller) {
	if r.Plan != model.None || len(r.Props) > 0 || len(r.Services) > 0 || e.in.Existing {
		return
	}
	// A reseller renamed from a recorded one keeps its allocation. One
	// whose renamed_from names a customer is no conversion (that keeps
	// the login): it is a new reseller.
	if old := r.RenamedFrom; old != "" && e.priorResellers[old] != nil {
		return
	}
	e.diags = append(e.diags, diag.Diagnostic{Severity: diag.Error, Subject: r.Src.At("plan"), Object: "reseller " + r.Login, Path: "plan",
		Summary: "plan none needs an explicit allocation: give the reseller its resources and permissions, or a reseller plan",
		Detail:  "only a customer converted into a reseller (a customer recorded with the same login) may leave its allocation out, for the totals of its subscriptions"})
}

// planResellers plans reseller accounts and their allocations.
func (e *engine) planResellers() {
	if e.in.Scope != nil {
		return
	}
	for _, login := range slices.Sorted(maps.Keys(e.cfg.Resellers)) {
		r := e.cfg.Resellers[login]
		rec := state.Reseller{Login: login, Contact: contactOf(r.Contact), Plan: r.Plan, Status: statusOf(r.Status),
			Description: r.Description, ManagedBy: billingMark(r.ManagedBy)}
		if e.resellerHeld(login, r) != nil {
			// Its status is billing's: the server's.
			rec.Status = Suspended
		}
		alloc := e.recordAllocation(&rec)
		prior := e.priorResellers[login]
		convertedFrom := e.priorCustomers[login]
		if prior == nil && convertedFrom == nil {
			e.checkExplicitAllocation(r)
		}
		var priorHash string
		switch {
		case prior != nil:
			priorHash = prior.PasswordHash
		case convertedFrom != nil:
			priorHash = convertedFrom.PasswordHash
		}
		var pwChanged bool
		rec.PasswordHash, pwChanged = e.secret(priorHash, r.Password, "reseller "+login)
		e.result.Resellers = append(e.result.Resellers, rec)

		c := &Change{Kind: "reseller", Key: login}
		b := prior
		switch {
		case prior == nil && convertedFrom != nil:
			c.Action = Convert
			c.Reasons = []string{"customer " + login + " converted into a reseller"}
			b = &state.Reseller{Contact: convertedFrom.Contact, Status: convertedFrom.Status, Description: convertedFrom.Description}
		case prior == nil:
			c.Action = Create
			c.Reasons = []string{"new in config"}
			if rec.Status == Suspended {
				c.Reasons = append(c.Reasons, resellerStatusReason(Suspend, nil))
			}
			b = &state.Reseller{}
		default:
			c.Action = Update
		}
		var fs fields
		if prior != nil {
			c.renamedLogin(&fs, prior.Login, login)
		}
		contactFields(&fs, b.Contact, rec.Contact)
		fs.add(strField("plan", b.Plan, rec.Plan))
		if rec.Plan == model.None {
			// Its own oversell policy (with a reseller plan, the plan's,
			// shown on the plan).
			fs.add(boolField("oversell", b.Oversell, rec.Oversell, prior != nil))
		} else if b.Oversell != rec.Oversell && prior != nil {
			// The reseller plan's policy, changed with it.
			fs.add(boolField("allocation.oversell", b.Oversell, rec.Oversell, true))
		}
		fs.add(strField("status", b.Status, rec.Status))
		fs.add(longField("description", b.Description, rec.Description))
		if c.Action == Convert {
			// The admin's note on a reseller's customer: a reseller has
			// none, so the conversion drops it.
			fs.add(longField("admin_description", convertedFrom.AdminDescription, ""))
		}
		fs.add(strField("managed_by", b.ManagedBy, rec.ManagedBy))
		if b.Allocation != rec.Allocation {
			var before *pset
			if b.Allocation != "" {
				before = e.sets.recorded(b.Allocation)
			}
			fs = append(fs, e.sets.diff(before, alloc, "allocation.")...)
		}
		if pwChanged || (priorHash != "" && rec.PasswordHash == "") {
			fs = append(fs, sensitiveField("password", priorHash != "", rec.PasswordHash != ""))
			c.SetsSecret = true
		}
		if c.Action == Update {
			if len(fs) == 0 {
				continue
			}
			if act, ok := statusAction(b.Status, rec.Status); ok {
				c.Action = act
				var stay []string
				if act == Activate {
					stay = e.resellerStays(login)
				}
				c.Reasons = append(c.Reasons, resellerStatusReason(act, stay))
			}
			if b.Plan == rec.Plan && (b.Allocation != rec.Allocation || b.Oversell != rec.Oversell) {
				// Fan-out of the reseller plan's change, unless the
				// config changes the reseller's own fields too: those
				// are shown with it, never folded into the summary.
				own := len(c.Reasons) > 0 || slices.ContainsFunc(fs, func(f *FieldChange) bool {
					return !strings.HasPrefix(f.Path, "allocation.")
				})
				if own && len(c.Reasons) == 0 {
					c.Reasons = []string{"changed in config"}
				}
				e.resellerPlanReaches(c, r.Plan, own)
			}
			if len(c.Reasons) == 0 {
				c.Reasons = []string{"changed in config"}
			}
		}
		c.Fields = fs
		resellerLinks(c, &rec)
		e.add(c)
	}
	for _, p := range e.prior.Resellers {
		if _, gone := e.renamedTo("reseller", p.Login); e.cfg.Resellers[p.Login] == nil && !gone {
			if p.ManagedBy == ManagedByBilling {
				e.add(forget("reseller", p.Login))
				continue
			}
			e.add(&Change{Kind: "reseller", Key: p.Login, Action: Delete, Reasons: []string{"removed from config"}})
		}
	}
}

// createCustomers is the reseller permission to add customers.
const createCustomers = "permissions.create_customers"

// checkCreateCustomers: a reseller planning its own directory (a scoped
// plan) adds a customer only when its allocation grants
// create_customers, as in Plesk, where a reseller without "customer
// creation" has no way to add one. Its existing customers are not
// concerned, nor is the admin, who may add customers for any reseller,
// nor what a server already has (Input.Existing).
func (e *engine) checkCreateCustomers(cu *model.Customer) {
	if e.in.Scope == nil || e.in.Existing {
		return
	}
	login := e.in.Scope.Reseller
	if a := e.resellerAllocation(login); a.props != nil && a.props[createCustomers].Truth() {
		return
	}
	why := "its allocation"
	if r := e.cfg.Resellers[login]; r != nil && r.Plan != model.None {
		why = "reseller plan " + r.Plan
	}
	e.diags = append(e.diags, diag.Diagnostic{Severity: diag.Error, Subject: cu.Src.Decl, Object: "customer " + cu.Login,
		Summary: "reseller " + login + " may not create customers: " + why + " does not grant permissions.create_customers",
		Detail:  "the admin grants it (permissions { create_customers = true } in the reseller plan or allocation), or creates the customer"})
}

// checkResellerLogin: a customer to create whose login a recorded
// reseller has (a customer converted to a reseller in the panel or by an
// earlier apply, or a reseller the config replaces with a customer)
// cannot be created: Plesk logins are unique, deletes come last (SPEC
// §6.5), and Plesk has no operation that converts a reseller back into a
// customer. An error before any write, never a create the server
// refuses. Only for a reseller on a Plesk server (a Plesk identity
// recorded): without a server the recorded state is the system of
// record, and the reseller's delete and the customer's create are
// planned as such.
func (e *engine) checkResellerLogin(cu *model.Customer) {
	login := cu.Login
	if r := e.priorResellers[login]; r == nil || r.Plesk == nil {
		return
	}
	if _, renamed := e.renamedTo("reseller", login); renamed {
		return // renamed first (resellers come before customers)
	}
	detail := "Plesk logins are unique. Keep the reseller: declare reseller " + login + " in place of customer " + login +
		", with its subscriptions owned by it (what a conversion of the customer to a reseller in the panel made); or free the login first: rename reseller " + login +
		" on the server, or delete it with its subscriptions and customers (leave customer " + login + " out of the config and apply with --allow-delete, or delete it on the server), then add the customer"
	if e.cfg.Resellers[login] != nil {
		detail = "Plesk logins are unique: keep reseller " + login + " and remove customer " + login + " from the config, or give one of them another login"
	}
	e.diags = append(e.diags, diag.Diagnostic{Severity: diag.Error, Subject: cu.Src.Decl, Object: "customer " + login,
		Summary: "customer " + login + " cannot be created: reseller " + login + " has its login, and Plesk cannot convert a reseller into a customer",
		Detail:  detail})
}

// planCustomers plans customer accounts.
func (e *engine) planCustomers() {
	if e.in.Scope == nil {
		// Every customer is recorded: room for them at once.
		e.result.Customers = slices.Grow(e.result.Customers, len(e.cfg.Customers))
	}
	for _, login := range e.customerLogins() {
		cu := e.cfg.Customers[login]
		if !e.inScope("customer", cu.Owner) {
			continue
		}
		rec := state.Customer{Login: login, Contact: contactOf(cu.Contact), Owner: ownerOf(cu.Owner),
			Description: cu.Description, AdminDescription: cu.AdminDescription, ManagedBy: billingMark(cu.ManagedBy)}
		prior := e.priorCustomers[login]
		var recorded []string
		if prior != nil {
			recorded = prior.StatusReasons
		}
		if held := e.customerHeld(login, cu); held != nil {
			// Its status is billing's: the server's.
			rec.StatusReasons = append(held, e.cascade("", nil, rec.Owner, recorded)...)
		} else {
			rec.StatusReasons = e.suspensions(cu.Status, "", rec.Owner, recorded)
		}
		rec.Status = statusFrom(rec.StatusReasons)
		var priorHash string
		if prior != nil {
			priorHash = prior.PasswordHash
			if e.in.Scope != nil {
				// A reseller never sees nor sets the admin's description.
				rec.AdminDescription = prior.AdminDescription
			}
		}
		var pwChanged bool
		rec.PasswordHash, pwChanged = e.secret(priorHash, cu.Password, "customer "+login)
		e.result.Customers = append(e.result.Customers, rec)
		c := &Change{Kind: "customer", Key: login}
		b := prior
		if b == nil {
			c.Action, c.Reasons = Create, []string{"new in config"}
			if rec.Status == Suspended {
				c.Reasons = append(c.Reasons, customerStatusReason(Suspend, rec.StatusReasons, nil, nil))
			}
			b = &state.Customer{}
			e.checkCreateCustomers(cu)
			e.checkResellerLogin(cu)
		} else {
			c.Action = Update
		}
		var fs fields
		if prior != nil {
			c.renamedLogin(&fs, prior.Login, login)
		}
		contactFields(&fs, b.Contact, rec.Contact)
		fs.add(strField("owner", b.Owner, rec.Owner))
		fs.add(strField("status", b.Status, rec.Status))
		ownSuspension := c.Action == Update && b.Status == Suspended && rec.Status == Suspended &&
			onlyWithReseller(b.StatusReasons, b.Owner) && slices.Contains(rec.StatusReasons, ownSuspended)
		if ownSuspension {
			// Recorded suspended only with its reseller (the server does
			// not have it suspended on its own), suspended in config: apply
			// suspends it on its own, which stays when the reseller is
			// activated.
			fs.add(listField("status_reasons", b.StatusReasons, rec.StatusReasons))
		}
		fs.add(longField("description", b.Description, rec.Description))
		fs.add(longField("admin_description", b.AdminDescription, rec.AdminDescription))
		fs.add(strField("managed_by", b.ManagedBy, rec.ManagedBy))
		if pwChanged || (priorHash != "" && rec.PasswordHash == "") {
			fs = append(fs, sensitiveField("password", priorHash != "", rec.PasswordHash != ""))
			c.SetsSecret = true
		}
		if c.Action == Update {
			if len(fs) == 0 {
				continue
			}
			ownerRenamed := false
			if n, ok := e.renamedTo("reseller", b.Owner); ok && n == rec.Owner {
				ownerRenamed = true
				c.Reasons = append(c.Reasons, "owner reseller renamed from "+b.Owner+" to "+rec.Owner)
			}
			act, statusChanged := statusAction(b.Status, rec.Status)
			switch {
			case b.Owner != rec.Owner && !ownerRenamed:
				c.Action = Move
				c.Reasons = append(c.Reasons, "moved from "+b.Owner+" to "+rec.Owner)
				if statusChanged {
					// Moved and suspended (or activated) at once: the
					// move is the action, and the status says why too.
					c.Reasons = append(c.Reasons, customerStatusReason(act, rec.StatusReasons, b.StatusReasons, e.staySuspended(login)))
				}
			case statusChanged:
				c.Action = act
				c.Reasons = append(c.Reasons, customerStatusReason(act, rec.StatusReasons, b.StatusReasons, e.staySuspended(login)))
			case ownSuspension:
				c.Action = Suspend
				c.Reasons = append(c.Reasons, ownSuspended+", until now only with its reseller: it stays suspended when its reseller is activated")
			default:
				if len(c.Reasons) == 0 {
					c.Reasons = append(c.Reasons, "changed in config")
				}
			}
		}
		c.Fields = fs
		customerLinks(c, &rec)
		e.add(c)
	}
	var subsOf map[string][]string // of the recorded customers, once one is deleted
	for _, p := range e.prior.Customers {
		if e.cfg.Customers[p.Login] != nil || !e.inScope("customer", p.Owner) {
			continue
		}
		if _, gone := e.renamedTo("customer", p.Login); gone {
			continue
		}
		if e.cfg.Resellers[p.Login] != nil {
			continue // converted: planned as the reseller's convert change
		}
		if p.ManagedBy == ManagedByBilling {
			e.add(forget("customer", p.Login))
			continue
		}
		if subsOf == nil {
			subsOf = map[string][]string{}
			for _, s := range e.prior.Subscriptions {
				if s.Customer == "" || e.cfg.Subscriptions[s.Domain] != nil {
					continue // kept: moved to another customer first
				}
				if _, renamed := e.renamedTo("subscription", s.Domain); renamed {
					continue
				}
				subsOf[s.Customer] = append(subsOf[s.Customer], s.Domain)
			}
		}
		reasons := []string{"removed from config"}
		if n := len(subsOf[p.Login]); n > 0 {
			// Counted, with the first few named: each has its own change.
			reasons = append(reasons, fmt.Sprintf("deletes its %d subscription(s) and their websites: %s", n, firstNames(subsOf[p.Login], 5)))
		}
		e.add(&Change{Kind: "customer", Key: p.Login, Action: Delete, Reasons: reasons})
	}
}

// ManagedByBilling marks an object a billing system owns (managed_by:
// billing).
const ManagedByBilling = "billing"

// billingMark is what a record keeps of a config's managed_by: "billing",
// or nothing (plansync's, the default).
func billingMark(m string) string {
	if m == ManagedByBilling {
		return m
	}
	return ""
}

// forget is the change of a billing-managed object removed from the
// config: its existence is billing's (SPEC §6.5), so it is dropped from
// the recorded state and left on the server as it is.
func forget(kind Kind, key string) *Change {
	return &Change{Kind: kind, Key: key, Action: Forget,
		Reasons: []string{"removed from config", "managed by billing: dropped from the state, left on the server (billing owns its existence)"}}
}

// onlyWithReseller reports whether a customer's recorded suspension
// reasons are its reseller's suspension alone (as the engine or a
// refresh words it): the server does not have it suspended on its own.
func onlyWithReseller(reasons []string, owner string) bool {
	if len(reasons) == 0 || owner == "" || owner == model.Admin {
		return false
	}
	for _, r := range reasons {
		if r != "reseller "+owner+" suspended" && !strings.HasPrefix(r, "reseller "+owner+" suspended outside plansync") {
			return false
		}
	}
	return true
}
