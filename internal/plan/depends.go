package plan

// What a change stands on: the plan a subscription is on and the
// objects a change's object refers to after the change (its plans and
// add-ons, its customer, its owner reseller, a reseller's reseller
// plan, a plan's additional services). The engine sets them on each change it makes, from the record
// it plans; --target brings the creates, renames and plan updates a targeted change
// depends on, and the Plesk apply orders its work by them, neither
// reading them back out of the field changes.

import (
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// address is "kind key".
func address(kind Kind, key string) string { return string(kind) + " " + key }

// ownerDep is the owner reseller an object of owner depends on (none
// for the admin's).
func ownerDep(owner string) []string {
	if owner == "" || owner == model.Admin {
		return nil
	}
	return []string{address(KindReseller, owner)}
}

// subscriptionLinks sets what a subscription's change stands on: its
// service plan, add-ons, customer and owner reseller.
func subscriptionLinks(c *Change, rec *state.Subscription) {
	c.Plan = rec.Plan
	deps := ownerDep(rec.Owner)
	if rec.Customer != "" {
		deps = append(deps, address(KindCustomer, rec.Customer))
	}
	if rec.Plan != "" && rec.Plan != model.None {
		deps = append(deps, address(KindServicePlan, model.PlanKey(rec.Owner, rec.Plan)))
	}
	for _, a := range rec.Addons {
		deps = append(deps, address(KindAddonPlan, model.PlanKey(rec.Owner, a)))
	}
	c.DependsOn = deps
}

// customerLinks sets what a customer's change stands on: its owner
// reseller.
func customerLinks(c *Change, rec *state.Customer) { c.DependsOn = ownerDep(rec.Owner) }

// resellerLinks sets what a reseller's change stands on: its reseller
// plan.
func resellerLinks(c *Change, rec *state.Reseller) {
	if rec.Plan != "" && rec.Plan != model.None {
		c.DependsOn = []string{address(KindResellerPlan, rec.Plan)}
	}
}

// planLinks sets what a plan's change stands on: its owner reseller and
// the additional services it includes.
func planLinks(c *Change, rec *state.Plan) {
	c.DependsOn = ownerDep(rec.Owner)
	for _, sv := range rec.Services {
		c.DependsOn = append(c.DependsOn, address(KindService, sv))
	}
}
