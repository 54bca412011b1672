package plan

// Tenancy: who owns what (SPEC §1.1, §1.4). Every customer, plan and
// subscription has an owner, admin or one reseller; a subscription's owner
// is its customer's owner (or its own owner for an own subscription). A
// plan scoped to one reseller (Input.Scope) plans only what that reseller
// owns and carries everything else over as recorded.

import (
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// Scope is the set of objects one actor manages.
type Scope struct {
	Reseller string
}

// inScope reports whether an object of kind owned by owner is planned.
func (e *engine) inScope(kind, owner string) bool {
	sc := e.in.Scope
	if sc == nil {
		return true
	}
	return Kind(kind).Tenant() && ownerOf(owner) == sc.Reseller
}

// recordOwner returns the owner of a recorded object ("admin" for the
// admin's objects and for kinds that have no owner).
func recordOwner(rec any) string {
	switch r := rec.(type) {
	case state.Plan:
		return ownerOf(r.Owner)
	case state.Customer:
		return ownerOf(r.Owner)
	case state.Subscription:
		return ownerOf(r.Owner)
	}
	return model.Admin
}

// ownerOf reads a config or record owner: absent means admin.
func ownerOf(o string) string {
	if o == "" {
		return model.Admin
	}
	return o
}

// ownerOfSub is a subscription's owner: its customer's owner, or for an
// own subscription (no customer) its own owner.
func (e *engine) ownerOfSub(s *model.Subscription) string {
	if s.Customer != "" {
		if c := e.cfg.Customers[s.Customer]; c != nil {
			return ownerOf(c.Owner)
		}
	}
	return ownerOf(s.Owner)
}

// carryUnscoped returns result with, when the plan is scoped to one actor,
// everything the actor does not own carried over as recorded.
func (e *engine) carryUnscoped(result *state.Snapshot) *state.Snapshot {
	in := e.in
	if in.Scope == nil || in.Prior == nil {
		return result
	}
	var out []state.Ref
	for ref, rec := range state.Records(in.Prior) {
		if !e.inScope(ref.Kind, recordOwner(rec)) {
			out = append(out, ref)
		}
	}
	return state.Merge(result, in.Prior, out)
}
