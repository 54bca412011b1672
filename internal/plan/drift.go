package plan

// DriftCause is why an object on the Plesk server differs from its
// recorded state. The strings are stable (they are in the JSON plan).
type DriftCause string

// Causes of drift.
const (
	// DriftLocked: a subscription customised in the panel, now locked.
	DriftLocked DriftCause = "customised_in_panel"
	// DriftPlanEdited: a service, add-on or reseller plan edited in the
	// panel.
	DriftPlanEdited DriftCause = "plan_edited_in_panel"
	// DriftCreated: an object the config declares and the state does not
	// record, found on the server (created by hand or by billing).
	DriftCreated DriftCause = "created_outside"
	// DriftDeleted: a recorded object the server no longer has (its
	// Plesk identity was recorded: it was there).
	DriftDeleted DriftCause = "deleted_outside"
	// DriftMissing: a recorded object without a Plesk identity that the
	// server does not have (recorded without a server, never created
	// there, or deleted before plansync knew it).
	DriftMissing DriftCause = "missing_on_server"
	// DriftStatus: suspended or activated outside plansync (by billing).
	DriftStatus DriftCause = "status_changed_outside"
	// DriftUnsynced: the server reports the subscription no longer
	// synchronized with its plan (synchronized=false).
	DriftUnsynced DriftCause = "synchronization_lost"
	// DriftEdited: any other field changed outside plansync (contact
	// details, owner, plan or add-ons of a subscription, a renamed
	// object, values of an already locked subscription).
	DriftEdited DriftCause = "edited_outside"
	// DriftConverted: a recorded customer the server has as a reseller
	// (converted in the panel; Plesk cannot convert it back).
	DriftConverted DriftCause = "converted_outside"
)

// driftTexts says each cause of drift for people.
var driftTexts = []struct {
	cause DriftCause
	text  string
}{
	{DriftLocked, "customised in the panel, now locked"},
	{DriftPlanEdited, "plan edited in the panel"},
	{DriftCreated, "created outside plansync"},
	{DriftDeleted, "deleted outside plansync"},
	{DriftMissing, "recorded, but not on the server (never created there, or deleted before plansync knew it)"},
	{DriftStatus, "status changed outside plansync"},
	{DriftUnsynced, "no longer synchronized with its plan (synchronized=false)"},
	{DriftEdited, "edited outside plansync"},
	{DriftConverted, "converted to a reseller outside plansync"},
}

// Text is the cause for people (an unknown cause its own name).
func (c DriftCause) Text() string {
	for _, t := range driftTexts {
		if t.cause == c {
			return t.text
		}
	}
	return string(c)
}

// Drift is one object the server has changed outside plansync, for one
// cause.
type Drift struct {
	// Server names the server of a multi-server plan ("" single).
	Server string
	Kind   Kind
	Key    string
	Cause  DriftCause
	// Detail says more about the cause ("by the administrator, status
	// 16"), "" when there is nothing to add.
	Detail string
	Fields []DriftField
	// Adopt is the config block that adopts what the server has, in the
	// config directory's format; AdoptNote says what to do with it (or,
	// without a block, what to remove from the config).
	Adopt     string
	AdoptNote string
	// Revert says what apply does when the config is left as it is.
	Revert string
	// Gone marks an object the config no longer declares: apply deletes
	// it (Revert), and adopting it is putting it back in the config.
	Gone bool
	// NoRevert marks drift that apply does not set back (Revert says
	// why: the administrator's doing, seen by a reseller; a conversion
	// Plesk cannot undo): a change the plan makes to the object records
	// what the server has, or follows from the config, and reverts
	// nothing (watch --apply applies it without --self-heal).
	NoRevert bool
}

// Address is "kind key" ("server: kind key" in a multi-server plan).
func (d *Drift) Address() string {
	if d.Server != "" {
		return d.Server + ": " + string(d.Kind) + " " + d.Key
	}
	return string(d.Kind) + " " + d.Key
}

// DriftField is one field whose recorded and observed values differ.
type DriftField struct {
	Path     string
	Recorded Val
	Observed Val
}

// ValueOf is the plan value (JSON form and text) of a property value.
var ValueOf = propVal

// ListOf is the plan value of a list of names.
var ListOf = listVal

// StringOf is the plan value of a string ("" is unset).
var StringOf = strVal
