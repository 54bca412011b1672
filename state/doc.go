// Package state is plansync's recorded state: the system of record of what
// was applied. It defines the Snapshot (every object with what was applied
// to it, a lineage made once and a serial bumped on every write), the
// canonical JSON encoding of a snapshot, lock information, the Backend
// interface every backend implements, and the typed errors callers map to
// exit codes. It imports nothing of plansync's internal packages.
//
// Property values are stored schema-agnostic (JSON scalars keyed by
// property path) and interned: identical property sets are stored once in
// Snapshot.PropertySets under a content hash and referenced by id, so a
// fleet of synced subscriptions costs one set per plan, not one per
// subscription.
//
// Backends live in subpackages (state/file, state/postgres); every one of
// them passes the conformance suite in state/statetest.
package state
