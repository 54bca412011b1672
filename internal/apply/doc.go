// Package apply executes a plan against a state backend: it enforces the
// apply policies (pending conflicts need --accept-available, deletes need
// --allow-delete), then records the plan's resulting snapshot with a
// compare-and-swap on the serial the plan was made from, together with a
// history entry. The caller holds the state lock.
package apply
