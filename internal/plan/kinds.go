package plan

// The plan document's vocabulary: the object kinds it addresses and the
// actions a change carries, each defined once, with its facts, in one
// table. Renderers, --target, apply and the Plesk deploy look facts up
// here instead of keeping their own switches. Kind and Action are
// strings underneath, so the JSON documents (plan, saved plan, history)
// carry the same names as before.

import "strings"

// Kind is the kind of object a change, a drift item or a target
// addresses.
type Kind string

// The object kinds, in the order they are listed to people.
const (
	KindServer       Kind = "server"
	KindService      Kind = "service"
	KindServicePlan  Kind = "service_plan"
	KindAddonPlan    Kind = "addon_plan"
	KindResellerPlan Kind = "reseller_plan"
	KindReseller     Kind = "reseller"
	KindCustomer     Kind = "customer"
	KindSubscription Kind = "subscription"
)

// kindFacts is what the plan knows about one kind.
type kindFacts struct {
	kind Kind
	// guarded: deleting one needs --allow-delete (it holds customers'
	// data: a customer, a reseller, a subscription its websites).
	guarded bool
	// tenant: owned by admin or one reseller, so a reseller's scope
	// plans it (SPEC §1.4).
	tenant bool
	// reaches is what a change of a plan of this kind fans out to.
	reaches Kind
}

// kindTable is the one table of kinds.
var kindTable = []kindFacts{
	{kind: KindServer},
	{kind: KindService},
	{kind: KindServicePlan, tenant: true, reaches: KindSubscription},
	{kind: KindAddonPlan, tenant: true, reaches: KindSubscription},
	{kind: KindResellerPlan, reaches: KindReseller},
	{kind: KindReseller, guarded: true},
	{kind: KindCustomer, guarded: true, tenant: true},
	{kind: KindSubscription, guarded: true, tenant: true},
}

func (k Kind) facts() kindFacts {
	for _, f := range kindTable {
		if f.kind == k {
			return f
		}
	}
	return kindFacts{kind: k}
}

// Kinds lists the object kinds, in the order they are listed to people.
func Kinds() []Kind {
	out := make([]Kind, len(kindTable))
	for i, f := range kindTable {
		out[i] = f.kind
	}
	return out
}

// KindNames lists the kinds' names, in the order of Kinds.
func KindNames() []string {
	out := make([]string, len(kindTable))
	for i, f := range kindTable {
		out[i] = string(f.kind)
	}
	return out
}

// ParseKind returns the kind named name, if there is one.
func ParseKind(name string) (Kind, bool) {
	for _, f := range kindTable {
		if string(f.kind) == name {
			return f.kind, true
		}
	}
	return "", false
}

// KindNamed reads a kind as people type it: singular or plural, with
// hyphens or underscores ("service-plans", "subscription").
func KindNamed(name string) (Kind, bool) {
	return ParseKind(strings.TrimSuffix(strings.ReplaceAll(name, "-", "_"), "s"))
}

// Valid reports whether k is one of the kinds.
func (k Kind) Valid() bool {
	_, ok := ParseKind(string(k))
	return ok
}

// Order is the kind's place in the table: drift and listings sort by it.
func (k Kind) Order() int {
	for i, f := range kindTable {
		if f.kind == k {
			return i
		}
	}
	return -1
}

// Guarded reports whether deleting an object of this kind needs
// --allow-delete.
func (k Kind) Guarded() bool { return k.facts().guarded }

// Tenant reports whether objects of this kind are owned by admin or a
// reseller (and so planned in that reseller's scope).
func (k Kind) Tenant() bool { return k.facts().tenant }

// Reaches is the kind a change of a plan of kind k fans out to
// (subscriptions, or resellers for a reseller plan); "" for other kinds.
func (k Kind) Reaches() Kind { return k.facts().reaches }

// Action is what a change does to its object.
type Action string

// Actions a change may carry.
const (
	Create   Action = "create"
	Update   Action = "update"
	Delete   Action = "delete"
	Suspend  Action = "suspend"
	Activate Action = "activate"
	Lock     Action = "lock"
	Unlock   Action = "unlock"
	Sync     Action = "sync"
	Move     Action = "move"
	Convert  Action = "convert"
	// Forget drops a record without touching the server: a
	// billing-managed object removed from the config.
	Forget Action = "forget"
)

// Tone is how an action (or a field change) reads to people; renderers
// give each tone its symbol's colour.
type Tone int

// Tones.
const (
	ToneChange Tone = iota // ~ yellow
	ToneAdd                // + green
	ToneRemove             // - red
	ToneMove               // > cyan
)

// Count is the summary column an action is counted in.
type Count int

// Summary columns.
const (
	CountUpdate Count = iota
	CountCreate
	CountDelete
)

// actionFacts is what the plan knows about one action.
type actionFacts struct {
	action Action
	// symbol marks the change for people; tone colours it.
	symbol string
	tone   Tone
	// done is the past participle: "will be created".
	done string
	// count is the summary column the action is counted in.
	count Count
	// noFields: the change's fields are not shown (the object goes).
	noFields bool
}

// actionTable is the one table of actions.
var actionTable = []actionFacts{
	{action: Create, symbol: "+", tone: ToneAdd, done: "created", count: CountCreate},
	{action: Delete, symbol: "-", tone: ToneRemove, done: "deleted", count: CountDelete, noFields: true},
	{action: Update, symbol: "~", done: "updated"},
	{action: Suspend, symbol: "~", done: "suspended"},
	{action: Activate, symbol: "~", done: "activated"},
	{action: Lock, symbol: "~", done: "locked"},
	{action: Unlock, symbol: "~", done: "unlocked"},
	{action: Sync, symbol: "~", done: "synced"},
	{action: Move, symbol: ">", tone: ToneMove, done: "moved"},
	{action: Convert, symbol: ">", tone: ToneMove, done: "converted"},
	{action: Forget, symbol: "-", done: "forgotten", noFields: true},
}

func (a Action) facts() (actionFacts, bool) {
	for _, f := range actionTable {
		if f.action == a {
			return f, true
		}
	}
	return actionFacts{action: a, symbol: "?", done: string(a)}, false
}

// Symbol is the marker people see for the action ("+", "~", "-", ">";
// "?" for an unknown action) and its tone.
func (a Action) Symbol() (string, Tone) {
	f, _ := a.facts()
	return f.symbol, f.tone
}

// Done is the action's past participle ("created"; an unknown action
// its own name).
func (a Action) Done() string {
	f, _ := a.facts()
	return f.done
}

// Counted is the summary column the action is counted in.
func (a Action) Counted() Count {
	f, _ := a.facts()
	return f.count
}

// ShowsFields reports whether the change's field changes are shown: not
// for an object that goes (deleted or forgotten).
func (a Action) ShowsFields() bool {
	f, _ := a.facts()
	return !f.noFields
}

// Describes reports whether c changes only the server's description in
// the config (its server block: components, extensions, default plan):
// what the server has, recorded for planning, not an object plansync
// creates, changes or deletes there. Like a provider's configuration in
// Terraform, it is shown and recorded but not counted in the summary
// (Summary.Count). A server dropped from a fleet (Forget) is counted.
func (c *Change) Describes() bool { return c.Kind == KindServer && c.Action != Forget }

// Count counts change c into s, unless it only describes the server
// (Describes).
func (s *Summary) Count(c *Change) {
	if !c.Describes() {
		s.Add(c.Action)
	}
}

// Add counts one change of action a into s.
func (s *Summary) Add(a Action) {
	switch a.Counted() {
	case CountCreate:
		s.Create++
	case CountDelete:
		s.Delete++
	default:
		s.Update++
	}
}
