package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"time"
)

// Backend stores one recorded state. Implementations must be safe for
// use by one process at a time per value, and must make the guarantees
// below hold across processes (and, for shared backends, machines).
//
// Contract:
//   - Read returns the current snapshot, or ErrNotFound (wrapped) when no
//     state has been written yet. A stored snapshot that cannot be decoded
//     gives an error wrapping ErrCorrupt; one written by a newer format
//     version an error wrapping ErrNewerFormat. Neither is ever overwritten.
//   - Write is a compare-and-swap on the serial: it stores s only if the
//     stored serial is still expectSerial (0 when nothing is stored) and
//     the stored lineage, if any, equals s.Lineage; otherwise it returns a
//     *StaleError and changes nothing. When the content of s (everything
//     but the serial) equals what is stored, nothing is written and the
//     stored serial is returned, unless entry is Always; else s is
//     stored with serial NextSerial(expectSerial, s, entry) (expectSerial+1
//     but for a KeepSerial entry of a higher serial), which is
//     returned (with entry, when not nil). A write is atomic: after a crash
//     at any point, Read returns either the old or the new snapshot.
//   - TryLock takes the backend's exclusive lock without waiting. When
//     another holder has it, it returns a *LockedError naming the holder.
//     A lock whose holder crashed must not block forever (an OS lock, a
//     session-bound lock or a lease). The returned Lock releases it.
//   - ForceUnlock breaks the lock with the given ID (from a LockedError)
//     and fails when no lock with that ID is held.
type Backend interface {
	Read(ctx context.Context) (*Snapshot, error)
	Write(ctx context.Context, s *Snapshot, expectSerial uint64, entry *HistoryEntry) (uint64, error)
	TryLock(ctx context.Context, info LockInfo) (Lock, error)
	ForceUnlock(ctx context.Context, id string) error
	History(ctx context.Context) ([]HistoryEntry, error)
	// Describe names the backend for messages ("state file .plansync/state.json").
	Describe() string
	Close() error
}

// Stamper is implemented by backends that can tell cheaply whether the
// stored state changed: Stamp returns a token that differs whenever the
// stored state does (a long-running watcher reuses the snapshot it read
// while the stamp stays the same). Call it while holding the lock.
type Stamper interface {
	Stamp(ctx context.Context) (string, error)
}

// Lock is a held state lock.
type Lock interface {
	Info() LockInfo
	Unlock() error
}

// HistoryEntry is one applied change set, recorded with the write that
// applied it.
type HistoryEntry struct {
	Serial  uint64    `json:"serial"`
	Who     string    `json:"who"`
	When    time.Time `json:"when"`
	Summary string    `json:"summary"`
	// Changes is the JSON document of the applied changes.
	Changes []byte `json:"changes,omitempty"`
	// Always records the entry, with a new serial, even when the content
	// written equals what is stored: what it records happened all the
	// same (an apply that wrote to the server only to set back what was
	// changed there, whose record is the one it had). Not stored.
	Always bool `json:"-"`
	// KeepSerial stores the snapshot with its own serial when that is
	// higher than expectSerial+1: a state pushed into a new backend, or
	// into one that is behind it (the state moved back, a backend
	// restored from an old copy), keeps its serial, so that a copy older
	// than it is still found older. Not stored.
	KeepSerial bool `json:"-"`
}

// NextSerial is the serial a write of s stores when the stored serial is
// expectSerial: expectSerial+1, or s's own serial for a KeepSerial entry
// when that is higher (see HistoryEntry.KeepSerial).
func NextSerial(expectSerial uint64, s *Snapshot, entry *HistoryEntry) uint64 {
	if entry != nil && entry.KeepSerial && s != nil && s.Serial > expectSerial+1 {
		return s.Serial
	}
	return expectSerial + 1
}

var (
	// ErrNotFound: no state has been written yet.
	ErrNotFound = errors.New("no recorded state")
	// ErrCorrupt: the stored state cannot be read.
	ErrCorrupt = errors.New("recorded state is corrupt")
	// ErrNewerFormat: the stored state was written by a newer plansync.
	ErrNewerFormat = errors.New("recorded state was written by a newer version of plansync")
)

// WithDefaults fills what a lock holder left out: a random ID, this
// process's pid, the host name, the user and the current time.
func (info LockInfo) WithDefaults() LockInfo {
	if info.ID == "" {
		info.ID = NewLineage()
	}
	if info.PID == 0 {
		info.PID = os.Getpid()
	}
	if info.Host == "" {
		info.Host, _ = os.Hostname()
	}
	if info.Who == "" {
		if u, err := user.Current(); err == nil {
			info.Who = u.Username
		}
	}
	if info.Since.IsZero() {
		info.Since = time.Now()
	}
	return info
}

// StaleError: the stored state changed since it was read.
type StaleError struct {
	WantSerial, GotSerial   uint64
	WantLineage, GotLineage string
}

func (e *StaleError) Error() string {
	if e.WantLineage != e.GotLineage {
		return fmt.Sprintf("recorded state has lineage %s, not %s: it is a different state", e.GotLineage, e.WantLineage)
	}
	return fmt.Sprintf("recorded state changed since it was read (serial %d, expected %d)", e.GotSerial, e.WantSerial)
}

// Session describes a holder that holds the lock without a plansync
// lock of its own (no ID; PostgreSQL: a write taking the lock for its
// transaction), by what is known of it: "postgres from 10.0.0.7 (write
// state (session 77))". It has no pid or start time to name.
func (h LockInfo) Session() string {
	who := h.Who
	if who == "" {
		who = "another process"
	}
	if h.Host != "" {
		who += " from " + h.Host
	}
	return who + " (" + h.Operation + ")"
}

// LockedError: another holder has the lock.
type LockedError struct {
	Holder LockInfo
}

func (e *LockedError) Error() string {
	h := e.Holder
	if h.ID == "" && h.Operation != "" {
		return fmt.Sprintf("state is locked by %s, which holds no lock ID to force-unlock; wait for it to finish (--lock-timeout waits)", h.Session())
	}
	if h.ID == "" {
		// A lock that names no holder: taken by something other than
		// plansync (a script's flock around the run, a backup tool),
		// or by a plansync that has not written its name yet. There is
		// no ID for force-unlock: the holder is alive (the OS lock would
		// be gone with it), so waiting is the way.
		return "state is locked by another process, and the lock names no holder (not a plansync lock, or one being taken at this moment); wait for it to finish (--lock-timeout waits), or find what holds it (a state file: fuser or lsof on its lock file)"
	}
	return fmt.Sprintf("state is locked by %s (pid %d on %s, %s since %s); lock ID %s — if that process is gone, run: plansync force-unlock %s",
		h.Who, h.PID, h.Host, h.Operation, h.Since.UTC().Format(time.RFC3339), h.ID, h.ID)
}

// IsLocked reports whether err is (or wraps) a *LockedError.
func IsLocked(err error) bool {
	var le *LockedError
	return errors.As(err, &le)
}

// IsStale reports whether err is (or wraps) a *StaleError.
func IsStale(err error) bool {
	var se *StaleError
	return errors.As(err, &se)
}

// AcquireLock takes b's lock, retrying with exponential backoff (50 ms
// doubling to 1 s) until timeout has passed; a zero timeout tries once.
// The last *LockedError is returned when the wait ends.
func AcquireLock(ctx context.Context, b Backend, info LockInfo, timeout time.Duration) (Lock, error) {
	deadline := time.Now().Add(timeout)
	wait := 50 * time.Millisecond
	for {
		l, err := b.TryLock(ctx, info)
		if err == nil || !IsLocked(err) {
			return l, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, err
		}
		if wait > left {
			wait = left
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
		if wait *= 2; wait > time.Second {
			wait = time.Second
		}
	}
}
