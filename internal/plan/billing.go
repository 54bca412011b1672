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

// warnBillingRenames warns when a service or add-on plan that
// billing-managed subscriptions use is renamed on the server: a billing
// system refers to plans by name (SPEC §6.5), so it must be told. A
// rename is a plan whose recorded name differs from the config's (a name
// changed in the panel and set back, or the other way round), or a plan
// deleted while the billing-managed subscriptions that used it now name
// a plan this plan creates.
func (e *engine) warnBillingRenames() {
	created, deleted := map[string]bool{}, map[string]bool{}
	for _, c := range e.changes {
		switch c.Action {
		case Create:
			created[c.Address()] = true
		case Delete:
			deleted[c.Address()] = true
		}
	}
	type rename struct {
		kind, from, to string
		subs           []string
		src            diag.Range
	}
	renames := map[string]*rename{}
	note := func(kind, oldKey, newKey, domain string) {
		from := oldKey
		if n := e.priorPlans[kind+" "+oldKey]; n != nil && n.Name != "" {
			from = n.Name
		}
		id := kind + " " + oldKey + " " + newKey
		r := renames[id]
		if r == nil {
			r = &rename{kind: kind, from: from, to: newKey}
			if p := e.cfgPlan(kind, newKey); p != nil {
				r.to, r.src = p.Name, p.Src.Decl
			}
			renames[id] = r
		}
		r.subs = append(r.subs, domain)
	}
	for _, domain := range e.subDomains() {
		s := e.cfg.Subscriptions[domain]
		if s.ManagedBy != ManagedByBilling {
			continue
		}
		owner := e.ownerOfSub(s)
		prior := e.priorSubs[domain]
		if prior == nil && s.RenamedFrom != "" {
			prior = e.priorSubs[s.RenamedFrom]
		}
		uses := func(kind, key string) {
			if p := e.priorPlans[kind+" "+key]; p != nil && p.Name != "" && e.planNamed(kind, key) != "" && p.Name != e.planNamed(kind, key) {
				note(kind, key, key, domain)
			}
		}
		if s.Plan != "" && s.Plan != model.None {
			key := model.PlanKey(owner, s.Plan)
			uses("service_plan", key)
			if prior != nil && prior.Plan != "" && prior.Plan != model.None {
				old := model.PlanKey(prior.Owner, prior.Plan)
				if old != key && deleted["service_plan "+old] && created["service_plan "+key] {
					note("service_plan", old, key, domain)
				}
			}
		}
		for i, a := range s.Addons {
			key := model.PlanKey(owner, a)
			uses("addon_plan", key)
			if prior != nil && i < len(prior.Addons) {
				old := model.PlanKey(prior.Owner, prior.Addons[i])
				if old != key && deleted["addon_plan "+old] && created["addon_plan "+key] {
					note("addon_plan", old, key, domain)
				}
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(renames)) {
		r := renames[id]
		what := strings.ReplaceAll(r.kind, "_", " ")
		e.diag(diag.Diagnostic{Severity: diag.Warning, Subject: r.src, Object: r.kind + " " + r.to,
			Summary: fmt.Sprintf("renamed from %s; billing-managed subscriptions use this %s (%s) and billing refers to plans by name: rename it in the billing system too",
				r.from, what, strings.Join(r.subs, ", "))})
	}
}

// planNamed is the config's name of a plan ("" when the config has none).
func (e *engine) planNamed(kind, key string) string {
	if p := e.cfgPlan(kind, key); p != nil {
		return p.Name
	}
	return ""
}

func (e *engine) cfgPlan(kind, key string) *model.Plan {
	if kind == "addon_plan" {
		return e.cfg.AddonPlans[key]
	}
	return e.cfg.ServicePlans[key]
}

// checkBillingCarried refuses, before anything is written, a move to
// another owner of a billing-managed subscription (with its customer, or
// on its own), or the conversion of its customer into a reseller, that
// would need a write a billing system owns (SPEC §6.5: its plan switch
// and add-ons are billing's). A subscription's plans are its owner's
// (SPEC §1.3): Plesk's change-owner leaves the moved customer's
// subscriptions custom (plan none) without add-ons, while a conversion,
// and a subscription's own change of owner, keep it on the plans of its
// former owner, which the new owner's subscription cannot name. A
// subscription the config then wants on plans, or one left on its former
// owner's, would need a plan switch apply never sends, and the plan would
// never settle. Only for what a Plesk server has (a Plesk identity
// recorded): without a server the recorded state is the system of
// record, and nothing is written.
func (e *engine) checkBillingCarried() {
	type carried struct {
		kind     string // "move", "convert" (a customer's), "own" (the subscription's)
		from, to string
		src      model.Src
		subs     []string
	}
	refused := map[string]*carried{}
	for _, domain := range e.subDomains() {
		s := e.cfg.Subscriptions[domain]
		if s.ManagedBy != ManagedByBilling {
			continue
		}
		prior := e.priorSubs[domain]
		if prior == nil {
			continue
		}
		wantsPlans := s.Plan != "" && s.Plan != model.None || len(s.Addons) > 0
		hadPlans := prior.Plan != "" && prior.Plan != model.None || len(prior.Addons) > 0
		ownerRenamed := func(from, to string) bool {
			n, ok := e.renamedTo("reseller", from)
			return ok && n == to
		}
		var c carried
		id := ""
		if login, pc := e.priorHolder(prior); pc != nil {
			if cu := e.cfg.Customers[login]; cu != nil {
				from, to := ownerOf(pc.Owner), ownerOf(cu.Owner)
				if from != to && !ownerRenamed(from, to) {
					// change-owner carries it: custom, without add-ons.
					if !wantsPlans {
						continue
					}
					c, id = carried{kind: "move", from: from, to: to, src: cu.Src}, "customer "+login
				}
			} else if r := e.cfg.Resellers[login]; r != nil && e.priorResellers[login] == nil {
				// Converted: a reseller's customer is moved to the admin
				// first (custom, without add-ons); the admin's keeps its
				// plans.
				if !wantsPlans && !(hadPlans && ownerOf(pc.Owner) == model.Admin) {
					continue
				}
				c, id = carried{kind: "convert", from: ownerOf(pc.Owner), to: login, src: r.Src}, "customer "+login
			}
		}
		if id == "" {
			from, to := ownerOf(prior.Owner), e.ownerOfSub(s)
			if prior.Plesk == nil || from == to || ownerRenamed(from, to) || !wantsPlans && !hadPlans {
				continue
			}
			c, id = carried{kind: "own", from: from, to: to, src: s.Src}, "subscription "+domain
		}
		if refused[id] == nil {
			refused[id] = &c
		}
		refused[id].subs = append(refused[id].subs, domain)
	}
	for _, id := range slices.Sorted(maps.Keys(refused)) {
		c := refused[id]
		login := strings.TrimPrefix(id, "customer ")
		them, its := "subscription "+strings.Join(c.subs, ", ")+" is", "it"
		if len(c.subs) > 1 {
			them, its = "subscriptions "+strings.Join(c.subs, ", ")+" are", "them"
		}
		d := diag.Diagnostic{Severity: diag.Error, Subject: c.src.Decl, Object: id}
		switch c.kind {
		case "move":
			d.Summary = fmt.Sprintf("customer %s cannot be moved from %s to %s: its %s managed by billing, whose plan switch and add-ons apply never writes, and Plesk's change-owner leaves %s custom (plan none) without add-ons, which the config does not ask for; nothing was written",
				login, c.from, c.to, them, its)
			d.Detail = fmt.Sprintf("have the billing system move customer %s (then plan again), or give %s plan none in the config (keeping every value, custom, as change-owner leaves %s), or remove managed_by: billing from %s", login, its, its, its)
		case "convert":
			d.Summary = fmt.Sprintf("customer %s cannot be converted into a reseller: its %s managed by billing, whose plan switch and add-ons apply never writes, and the conversion would need %s switched to plans of reseller %s (or detached from the plans of %s); nothing was written",
				login, them, its, login, c.from)
			d.Detail = fmt.Sprintf("have the billing system convert customer %s, or detach %s from its plans first (then plan again), or remove managed_by: billing from %s", login, its, its)
		default:
			d.Summary = fmt.Sprintf("%s cannot be moved from %s to %s: it is managed by billing, whose plan switch and add-ons apply never writes, and it would need to be switched to plans of %s (or detached from the plans of %s); nothing was written",
				id, c.from, c.to, c.to, c.from)
			d.Detail = "have the billing system move it, or detach it from its plans first (then plan again), or remove managed_by: billing from it"
		}
		e.diag(d)
	}
}

// priorHolder is the recorded customer of a recorded subscription, on a
// Plesk server (a Plesk identity recorded), and its login in the config
// (renamed_from followed); nil when it has none.
func (e *engine) priorHolder(prior *state.Subscription) (string, *state.Customer) {
	if prior.Customer == "" {
		return "", nil
	}
	login := prior.Customer
	if n, ok := e.renamedTo("customer", login); ok {
		login = n
	}
	pc := e.priorCustomers[prior.Customer]
	if pc == nil || pc.Login != prior.Customer {
		pc = e.priorCustomers[login]
	}
	if pc == nil || pc.Plesk == nil {
		return "", nil
	}
	return login, pc
}
