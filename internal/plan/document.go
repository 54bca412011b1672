package plan

import (
	"strings"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// Val is one side of a field change: its JSON form and its text for people.
type Val struct {
	Set  bool
	JSON any
	Text string
}

// FieldChange is one changed field of an object.
type FieldChange struct {
	Path      string
	Before    Val
	After     Val
	Sensitive bool
	// Long marks free text shown as a line diff.
	Long bool
}

// Change is one object that will change.
type Change struct {
	// Server names the server of a multi-server plan ("" with a single
	// server).
	Server  string
	Kind    Kind
	Key     string
	Action  Action
	Reasons []string
	Fields  []*FieldChange
	// Plan is the service plan a created or changed subscription is on,
	// by its name in the owner's catalogue ("none" for a custom one; ""
	// for other kinds and for deletes).
	Plan string
	// DependsOn lists the addresses of the objects the object refers to
	// after the change ("service_plan acme/Web", "customer jdoe",
	// "reseller acme", "addon_plan Backup", "reseller_plan Gold",
	// "service premium-support";
	// prefixed "server: " as Address in a multi-server plan): what must
	// exist for it. Deletes depend on nothing (depends.go).
	DependsOn []string
	// SetsSecret is set when the change sets the object's secret (a
	// customer's or reseller's password, a subscription's FTP
	// password), which cannot be read back: applying sends it.
	SetsSecret bool
	// What caused the change, when not the config alone: Cause, Cascade,
	// RenamedFrom.
	//
	// Cause is the address of the plan change that reached this
	// subscription ("service_plan Business"), "" when it changes on its own.
	Cause string
	// Via is, on a subscription change that stands on its own only for
	// what its conflicts became (a plan change asked for values the
	// subscription cannot get, or can get again), the address of that
	// plan change: text output summarises many such changes under it,
	// as fan-out, rather than one by one (SPEC §4).
	Via string
	// Cascade is set on deletes that follow from another delete.
	Cascade string
	// RenamedFrom is the recorded key of an object renamed (renamed_from,
	// or a plan whose owner reseller was renamed): applying the change
	// replaces that record.
	RenamedFrom string
	// Fanout is set on a plan change: what it reaches and what it skips.
	Fanout *Fanout
}

// Address is "kind key" ("server: kind key" in a multi-server plan).
func (c *Change) Address() string {
	if c.Server != "" {
		return c.Server + ": " + string(c.Kind) + " " + c.Key
	}
	return string(c.Kind) + " " + c.Key
}

// OldAddress is the address of the record a rename replaces ("" when
// the change renames nothing).
func (c *Change) OldAddress() string {
	if c.RenamedFrom == "" {
		return ""
	}
	return string(c.Kind) + " " + c.RenamedFrom
}

// StatesDefault reports whether field f of the change only states a
// default of a created subscription or plan (an unlimited limit, but
// not an add-on's; a permission not granted): people are told of those in one line, not
// each (the JSON document lists each).
func (c *Change) StatesDefault(f *FieldChange) bool {
	if c.Action != Create || f.Before.Set || !f.After.Set {
		return false
	}
	switch c.Kind {
	case KindSubscription, Kind(model.ServicePlanKind), Kind(model.AddonPlanKind), Kind(model.ResellerPlanKind):
	default:
		return false
	}
	switch v := f.After.JSON.(type) {
	case int64:
		// An add-on's limit left out adds nothing: an unlimited one,
		// which absorbs the plan's, is no default (SPEC §1.2).
		return v == -1 && strings.HasPrefix(f.Path, "resources.") && c.Kind != Kind(model.AddonPlanKind)
	case bool:
		return !v && strings.HasPrefix(f.Path, "permissions.")
	}
	return false
}

// Ref is the state reference of the change's object.
func (c *Change) Ref() state.Ref {
	return state.Ref{Kind: string(c.Kind), Key: c.Key, Server: c.Server}
}

// Fanout summarises what one plan change reaches.
type Fanout struct {
	Reaches       []string // subscription (or reseller) keys changed by it
	SkippedLocked []string // locked subscriptions on the plan it did not reach
}

// Conflict is a property a subscription's plans ask for that cannot be
// provided.
type Conflict struct {
	Server         string
	Subscription   string
	Property       string
	PlanValue      Val
	AvailableValue Val
	Reason         string
	// Fix names the way to adapt the system.
	Fix string
	// Accepted is true when the same conflict is already recorded (it was
	// accepted by an earlier apply --accept-available).
	Accepted bool
}

// SubStatus is a subscription of the desired result with its statuses.
type SubStatus struct {
	Server        string
	Key           string
	DisplayName   string
	SyncStatus    string
	Status        string
	StatusReasons []string
}

// Summary counts the plan.
type Summary struct {
	Create, Update, Delete, Conflicts int
	// Accepted counts conflicts already accepted and recorded.
	Accepted int
	// Skipped counts locked subscriptions plan changes did not reach.
	Skipped int
}

// Plan is the result of planning: one document every renderer draws from.
type Plan struct {
	Changes       []*Change
	Conflicts     []Conflict
	Subscriptions []SubStatus
	Summary       Summary
	Notes         []string
	Diagnostics   diag.Diagnostics
	// Scope is the actor the plan was made for (nil: the admin): a
	// reseller's plan covers, and targets, only what it manages.
	Scope *Scope
	// Partial is set when --target limited the plan.
	Partial bool
	Targets []string
	// PriorLineage and PriorSerial identify the recorded state planned
	// against (serial 0: none).
	PriorLineage string
	PriorSerial  uint64
	// Result is the snapshot applying the plan records.
	Result *state.Snapshot
	// Deletes lists the addresses of the deletes --allow-delete guards:
	// customers, resellers and subscriptions (what holds customers'
	// data). Deleting catalogue objects (plans, add-ons, reseller plans,
	// services) is not listed: nothing uses them, or the plan is an error.
	Deletes []string
	// Refreshed is set when a Plesk server was read before planning;
	// Drift then lists what it changed outside plansync (the plan is
	// made against what the server has).
	Refreshed bool
	Server    string
	Drift     []Drift
	// Parts are the per-server plans of a multi-server config (nil with
	// a single server); Servers counts each server's share.
	Parts   []*ServerPart
	Servers []ServerSummary
	// SavedDoc is, for a plan read back from a saved plan file, the
	// JSON document of the plan it was saved from (as plan --out keeps
	// it: render.PlanDoc): apply --format json prints it.
	SavedDoc []byte

	// memo is what a later plan may reuse (see Input.Reuse).
	memo *memo
}

// summarize counts the changes and conflicts into Summary and lists the
// deletes.
func (p *Plan) summarize() {
	p.Summary, p.Deletes = Summary{}, nil
	var skipped [][]string // the locked subscriptions each plan change skipped
	for _, c := range p.Changes {
		p.Summary.Count(c)
		if c.Action == Delete && c.Kind.Guarded() {
			p.Deletes = append(p.Deletes, c.Address())
		}
		if c.Fanout != nil && len(c.Fanout.SkippedLocked) > 0 {
			skipped = append(skipped, c.Fanout.SkippedLocked)
		}
	}
	p.Summary.Skipped = countDistinct(skipped)
	for _, c := range p.Conflicts {
		if c.Accepted {
			p.Summary.Accepted++
		} else {
			p.Summary.Conflicts++
		}
	}
}

// countDistinct counts the distinct names in lists: a locked subscription
// that several plan changes skip (its service plan and an add-on) is one
// locked subscription skipped.
func countDistinct(lists [][]string) int {
	if len(lists) == 1 {
		return len(lists[0])
	}
	seen := map[string]struct{}{}
	for _, l := range lists {
		for _, name := range l {
			seen[name] = struct{}{}
		}
	}
	return len(seen)
}

// Empty reports whether there is nothing to do: no change, no pending
// conflict.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 && p.Summary.Conflicts == 0 }
