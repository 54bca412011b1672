package plan

// Status: active or suspended, independently of sync status (SPEC §1.3,
// §1.4, §2.7, §2.8). A subscription is suspended when its config says so,
// when its customer or its owner reseller is suspended (suspension
// cascades: reseller → its customers → their subscriptions), or when its
// expiration date has passed at Input.Now; a customer when its config
// says so or its reseller is suspended; a reseller when its config says
// so. The reasons are recorded and shown; activating an owner activates
// what it suspended. A subscription expires on its `expires` date, else
// at its creation date plus its plan's `expiration`.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// Statuses.
const (
	Active    = "active"
	Suspended = "suspended"
)

// ownSuspended is the reason of an object the config suspends itself.
const ownSuspended = "suspended in config"

// statusOf reads a configured status: absent means active.
func statusOf(s string) string {
	if s == "" {
		return Active
	}
	return s
}

// statusFrom is the status an object's suspension reasons give.
func statusFrom(reasons []string) string {
	if len(reasons) > 0 {
		return Suspended
	}
	return Active
}

// suspensions lists why an object is suspended: its own configured
// status, then its customer's (customer may be empty), then its owner
// reseller's (admin is never suspended); recorded are its recorded
// reasons (cascade).
func (e *engine) suspensions(status, customer, reseller string, recorded []string) []string {
	var c *model.Customer
	if customer != "" {
		c = e.cfg.Customers[customer]
	}
	return e.suspensionsWith(status, customer, c, reseller, recorded)
}

// suspensionsWith is suspensions with the customer's config (nil when
// none) looked up already.
func (e *engine) suspensionsWith(status, customer string, c *model.Customer, reseller string, recorded []string) []string {
	var reasons []string
	if statusOf(status) == Suspended {
		reasons = append(reasons, ownSuspended)
	}
	return append(reasons, e.cascade(customer, c, reseller, recorded)...)
}

// cascade lists the suspensions an object takes from its customer
// (customer may be empty; c is its config, nil when none) and its owner
// reseller (admin is never suspended): suspended in config, or by
// billing (billingHeld). A suspension billing holds keeps the wording the
// object's record (recorded) has for it, as a refresh gives it ("customer
// jdoe suspended outside plansync"): the same suspension, not a change.
func (e *engine) cascade(customer string, c *model.Customer, reseller string, recorded []string) []string {
	var reasons []string
	add := func(account string, config bool, held []string) {
		switch {
		case config:
			reasons = append(reasons, account+" suspended")
		case held != nil:
			why := account + " suspended"
			if i := slices.IndexFunc(recorded, func(r string) bool { return strings.HasPrefix(r, why) }); i >= 0 {
				why = recorded[i]
			}
			reasons = append(reasons, why)
		}
	}
	if customer != "" && c != nil {
		config := statusOf(c.Status) == Suspended
		var held []string
		if !config {
			held = e.customerHeld(customer, c)
		}
		add("customer "+customer, config, held)
	}
	if reseller != model.Admin {
		if r := e.cfg.Resellers[reseller]; r != nil {
			config := statusOf(r.Status) == Suspended
			var held []string
			if !config {
				held = e.resellerHeld(reseller, r)
			}
			add("reseller "+reseller, config, held)
		}
	}
	return reasons
}

// billingSuspended is the reason of a billing-managed object that the
// config suspended before leaving its status to billing: the server
// keeps it suspended.
const billingSuspended = "suspended on the server (status managed by billing)"

// billingHeld gives the reasons a billing-managed object whose config
// leaves its status out (managedBy, status, src) is suspended for on its own:
// its status is billing's (SPEC §6.5 never writes it), so the plan takes
// the status the server has, as recorded (refreshed) with a Plesk
// identity (recorded, reasons). What its customer, its reseller or its
// expiry suspend it for is the config's, computed again (cascade); when
// nothing else suspends it, it is not held. Without a server (no Plesk
// identity) the recorded state is the system of record: nothing is held.
func billingHeld(managedBy, status string, src model.Src, onServer bool, recorded string, reasons []string) []string {
	if managedBy != ManagedByBilling || statusGiven(status, src) || !onServer || recorded != Suspended {
		return nil
	}
	if len(reasons) == 0 {
		return []string{billingSuspended}
	}
	var own []string
	for _, r := range reasons {
		switch {
		case strings.HasPrefix(r, "customer "), strings.HasPrefix(r, "reseller "), strings.HasPrefix(r, "expired "):
		case r == ownSuspended:
			own = append(own, billingSuspended)
		default:
			own = append(own, r)
		}
	}
	return own
}

// statusGiven reports whether an object's config gives its status: the
// config reads a status left out as active.
func statusGiven(status string, src model.Src) bool {
	return statusOf(status) == Suspended || src.Has("status")
}

// customerHeld is billingHeld for customer login (config c); its record
// is found under its former login too (indexRenames).
func (e *engine) customerHeld(login string, c *model.Customer) []string {
	if p := e.priorCustomers[login]; p != nil {
		return billingHeld(c.ManagedBy, c.Status, c.Src, p.Plesk != nil, p.Status, p.StatusReasons)
	}
	return nil
}

// resellerHeld is billingHeld for reseller login (config r).
func (e *engine) resellerHeld(login string, r *model.Reseller) []string {
	if p := e.priorResellers[login]; p != nil {
		return billingHeld(r.ManagedBy, r.Status, r.Src, p.Plesk != nil, p.Status, nil)
	}
	return nil
}

// subscriptionSuspensions lists why a subscription is suspended: its
// configured status (or, billing's, the server's: held), the cascade of
// suspensions, then its expiration.
func (e *engine) subscriptionSuspensions(s *sub, expires *time.Time) (reasons []string, held bool) {
	var recorded []string
	if p := s.prior; p != nil {
		recorded = p.StatusReasons
		reasons = billingHeld(s.cfg.ManagedBy, s.cfg.Status, s.cfg.Src, p.Plesk != nil, p.Status, p.StatusReasons)
	}
	held = reasons != nil
	if s.inCustomer != nil {
		s.customerHeld = len(e.customerHeld(s.cfg.Customer, s.inCustomer)) > 0
	}
	if reasons == nil {
		reasons = e.suspensionsWith(s.cfg.Status, s.cfg.Customer, s.inCustomer, s.owner, recorded)
	} else {
		reasons = append(reasons, e.cascade(s.cfg.Customer, s.inCustomer, s.owner, recorded)...)
	}
	if expires != nil && !e.now.Before(*expires) {
		reasons = append(reasons, "expired "+expires.Format("2006-01-02"))
	}
	return reasons, held
}

// expires is when a subscription expires: its configured date, else its
// creation date plus the expiration of its effective values (props), or
// never (nil) when that is unlimited.
func (e *engine) expires(cfg *model.Subscription, created time.Time, props model.Props) *time.Time {
	if cfg.Expires != nil {
		t := cfg.Expires.UTC()
		return &t
	}
	t := planExpiry(created, props)
	if t == nil {
		return nil
	}
	if t.After(model.MaxDate) {
		exp := props["resources.expiration"]
		// Only a clock (or --now) near year 9999 gets here: the
		// config bounds periods to 100 years.
		e.diag(diag.Diagnostic{Severity: diag.Error,
			Summary: fmt.Sprintf("would expire after year 9999 (created %s, expiration %s)", created.Format("2006-01-02"), exp.S),
			Object:  "subscription " + cfg.Domain, Subject: cfg.Src.At("plan")})
		*t = model.MaxDate
	}
	return t
}

// planExpiry is the expiration that values props give a subscription
// created at created: created plus their expiration, or never (nil).
func planExpiry(created time.Time, props model.Props) *time.Time {
	exp, ok := props["resources.expiration"]
	if !ok || exp.IsUnlimited() || exp.N <= 0 {
		return nil
	}
	t := exp.AddTo(created).UTC()
	return &t
}

// statusAction is the action of an object whose status changed.
func statusAction(before, after string) (Action, bool) {
	switch {
	case before == after:
		return "", false
	case after == Suspended:
		return Suspend, true
	}
	return Activate, true
}

// statusChangeReasons explains a subscription's changed suspension
// reasons: the new reasons, or what it is no longer suspended for.
func statusChangeReasons(before, after []string) []string {
	switch {
	case sameList(before, after):
		return nil
	case len(after) == 0:
		return []string{"no longer suspended (" + strings.Join(before, ", ") + ")"}
	}
	return after
}

// CanLogin reports whether customer c, who has subscriptions
// subscriptions, can log in to the panel: an active customer with at
// least one subscription.
func CanLogin(c state.Customer, subscriptions int) bool {
	return c.Status == Active && subscriptions > 0
}

// customerStatusReason explains a customer's changed status: what it is
// suspended for, or (activated) what it is no longer suspended for;
// stay are the domains of its subscriptions that stay suspended for
// their own reasons (their config, their expiry).
func customerStatusReason(action Action, reasons, before, stay []string) string {
	if action == Suspend {
		return strings.Join(reasons, ", ") + ": panel access blocked, all its subscriptions suspended"
	}
	if len(before) == 0 || (len(before) == 1 && before[0] == "suspended in config") {
		if len(stay) > 0 {
			stays := " stays suspended for its own reasons"
			if len(stay) > 1 {
				stays = " stay suspended for their own reasons"
			}
			return "activated: its subscriptions activated, but " + firstNames(stay, 3) + stays
		}
		return "activated: all its subscriptions activated"
	}
	// Suspended by its reseller (too): its own subscriptions may stay
	// suspended for their own reasons, shown with each.
	return "no longer suspended (" + strings.Join(before, ", ") + "): panel access restored"
}

// staySuspended returns, in domain order, the subscriptions of customer
// login that the result keeps suspended (indexed once, on first use:
// most plans activate no customer).
func (e *engine) staySuspended(login string) []string {
	if e.suspendedSubs == nil {
		e.suspendedSubs = map[string][]string{}
		for _, s := range e.result.Subscriptions {
			if s.Customer != "" && s.Status == Suspended {
				e.suspendedSubs[s.Customer] = append(e.suspendedSubs[s.Customer], s.Domain)
			}
		}
		for _, ds := range e.suspendedSubs {
			slices.Sort(ds)
		}
	}
	return e.suspendedSubs[login]
}

// resellerStays returns what stays suspended, for reasons of its own,
// when reseller login is activated: its customers suspended in config
// ("customer LOGIN"), then the subscriptions it owns that the result
// keeps suspended, but those of these customers.
func (e *engine) resellerStays(login string) []string {
	var stay []string
	held := map[string]bool{}
	for _, l := range e.customerLogins() {
		if cu := e.cfg.Customers[l]; ownerOf(cu.Owner) == login && cu.Status == Suspended {
			stay = append(stay, "customer "+l)
			held[l] = true
		}
	}
	var domains []string
	for _, s := range e.result.Subscriptions {
		if s.Owner == login && s.Status == Suspended && !held[s.Customer] {
			domains = append(domains, s.Domain)
		}
	}
	slices.Sort(domains)
	return append(stay, domains...)
}

// resellerStatusReason explains a reseller's changed status; stay is
// what stays suspended when it is activated (resellerStays).
func resellerStatusReason(action Action, stay []string) string {
	if action == Suspend {
		return "suspended in config: its customers and their subscriptions are suspended"
	}
	if len(stay) > 0 {
		stays := " stays suspended for its own reasons"
		if len(stay) > 1 {
			stays = " stay suspended for their own reasons"
		}
		return "activated in config: its customers and their subscriptions are activated, but " + firstNames(stay, 3) + stays
	}
	return "activated in config: its customers and their subscriptions are activated"
}
