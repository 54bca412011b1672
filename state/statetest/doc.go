// Package statetest is the conformance suite of state backends: Run checks
// that a backend keeps the state.Backend contract (not-found on an empty
// store, faithful round trips, compare-and-swap on the serial, no serial
// bump for unchanged content, lineage checks, lock exclusion between
// handles and goroutines, force-unlock, history, and that corrupt or
// newer-format data is reported and never overwritten). Every backend's
// tests call Run with a Harness that makes empty stores and opens handles
// on them; what is particular to one backend (files, processes, servers)
// is tested in that backend's package.
package statetest
