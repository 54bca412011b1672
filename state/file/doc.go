// Package file is plansync's embedded default state backend: the recorded
// state as one JSON file on disk (by default <config dir>/.plansync/
// state.json) with, next to it, the previous version (state.json.backup),
// the history of applied changes (state.json.history.jsonl, one JSON line
// per change) and the lock file (state.json.lock). It owns the durability
// of those files: a write goes to a temporary file that is fsynced and
// renamed over the state, so a crash leaves the old or the new state; and
// the lock is an OS lock on the lock file (flock on Unix, LockFileEx on
// Windows; filelock_*.go hold what differs per OS), so a crashed or killed
// holder never strands it. The file's encoding belongs to package state;
// the lock file only names its holder for messages.
//
// A write's history entry is appended (and fsynced) before its state is
// renamed into place, and a last entry for the serial after the state's
// is not history (History leaves it out; the next write removes it), so the
// state and its entry are committed together by the rename. Right before
// the rename, the writer checks that its lock is still the lock file's:
// ForceUnlock deletes the lock file, so a force-unlocked writer fails
// without writing. The history is kept to state.HistoryRetention,
// compacted when the file grows past twice its size budget. What a killed
// holder leaves (temporary files, its text in the lock file) is cleaned
// up by the next Read or lock while the lock is free.
//
// The lock excludes processes on one machine, and other Backend values in
// the same process; it is not meant for state files on network file
// systems. Teams share state through a server backend instead.
package file
