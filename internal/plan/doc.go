// Package plan is plansync's pure planning engine. Given the desired state
// (model.Config), the recorded state (state.Snapshot), the clock and a
// secret checker, it computes every subscription's effective properties
// (service plan ⊕ add-ons ⊕ customisation, limited by availability), its
// sync status, conflicts and active/suspended status, diffs all of it
// against the recorded state, and returns one Plan document: the ordered
// changes with field-level before/after, the conflicts, the statuses, the
// fan-out of plan changes and the resulting snapshot that applying the
// plan records.
//
// It does no I/O, never reads the clock or the environment: everything
// comes in through Input. Renderers (internal/render) draw text, JSON and
// markdown from the Plan; internal/apply writes Plan.Result.
//
// Each domain rule has one file, named after it, that opens with the rule
// and its SPEC section: base.go (service plan ⊕ add-ons), lock.go (a
// locked subscription keeps its frozen values; sync status), settings.go
// (subscriber settings), components.go and conflicts.go (what cannot be
// provided), allocation.go (reseller allocation and oversell), status.go
// (suspension and expiration), renames.go and tenancy.go (who owns what).
// README.md lists them and every diagnostic the engine emits.
package plan
