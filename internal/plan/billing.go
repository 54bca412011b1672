package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
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
