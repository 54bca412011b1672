package state

import (
	"errors"
	"fmt"
)

// Retention is how much history a backend keeps: the newest Entries
// entries, and the change documents of the newest ones while together
// they stay within Changes bytes (the newest entry's always); older
// entries keep their serial, who, when and summary.
type Retention struct {
	Entries int
	Changes int
}

// HistoryRetention is the retention of every backend. History returns
// exactly what it keeps; backends drop the rest from storage as they
// write, so the history stays bounded.
var HistoryRetention = Retention{Entries: 1000, Changes: 8 << 20}

// String says what r keeps, for `state history`.
func (r Retention) String() string {
	return fmt.Sprintf("the history keeps the last %d applied changes, with the details of the most recent ones up to %d MiB in total", r.Entries, r.Changes>>20)
}

// Keep returns what r keeps of entries (oldest first). entries itself
// is not modified.
func (r Retention) Keep(entries []HistoryEntry) []HistoryEntry {
	if n := len(entries) - r.Entries; n > 0 {
		entries = entries[n:]
	}
	total, stripped := 0, -1
	for i := len(entries) - 1; i >= 0; i-- {
		total += len(entries[i].Changes)
		if total > r.Changes && i < len(entries)-1 {
			stripped = i
			break
		}
	}
	if stripped < 0 {
		return entries
	}
	out := make([]HistoryEntry, len(entries))
	copy(out, entries)
	for i := 0; i <= stripped; i++ {
		out[i].Changes = nil
	}
	return out
}

// ErrReadOnly: the backend cannot be written (or locked) from here, such
// as a state file in a read-only directory. Reading may still work.
var ErrReadOnly = errors.New("the state cannot be written from here (read-only)")
