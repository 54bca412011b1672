package file

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/plansync/plansync/state"
)

// defaultLockWait is how long Write waits for the lock when the Backend
// does not hold it already.
const defaultLockWait = 5 * time.Second

// Backend is a state file. It implements state.Backend. A Backend value
// is safe for concurrent use; its lock is the lock of the value, so
// goroutines that share a value share its lock.
type Backend struct {
	path     string
	lockWait time.Duration
	// afterBusy, when set, is called when the lock is found held,
	// before its holder is read (a test releases the lock there, as a
	// holder that is done would).
	afterBusy func()

	writeMu sync.Mutex // serialises the writes of this value

	mu    sync.Mutex // guards held and known
	held  *fileLock  // the lock taken by TryLock, while held
	known known      // the state file as last read or written

	onWrite func(size int, stable bool, sum [sha256.Size]byte) // see OnWrite
}

// OnWrite has f called by each Write that replaced the state file, before
// it returns, with the size of what it wrote, whether state.StableEncoding
// holds for it, and its SHA-256. Set it before the Backend is used.
func (b *Backend) OnWrite(f func(size int, stable bool, sum [sha256.Size]byte)) {
	b.onWrite = f
}

// known is what a Backend knows of the state file whose bytes have the
// SHA-256 sum, as it last read (or a reader told it, see Remember) or
// wrote them: their serial and lineage, and whether they are exactly
// state.Encode's encoding of their own decoding (canonical). Write uses
// it, when the file still holds those bytes, instead of decoding them
// again. When a reader handed them over (RememberData), it also holds
// the bytes themselves (data), which Write then compares with the file
// as it reads it instead of reading it into memory; and when they are
// canonical, the snapshot they decode to (snap), which Write encodes the
// new state like (state.EncodeLikeParts).
type known struct {
	set       bool
	sum       [sha256.Size]byte
	serial    uint64
	lineage   string
	canonical bool
	data      []byte
	snap      *state.Snapshot
}

var _ state.Backend = (*Backend)(nil)

// New returns the backend for the state file at path. Nothing is touched
// until it is used; the directory of path is created (mode 0700) on the
// first write or lock, and every file is created with mode 0600.
//
// A state file that is a symbolic link (to a state kept elsewhere) is
// the file it names: written through, the link staying, with the lock
// and the history next to that file.
func New(path string) *Backend {
	return &Backend{path: FollowLink(path), lockWait: defaultLockWait}
}

// FollowLink returns the file that path names when path is a symbolic
// link (or a chain of them), path itself otherwise. Only path's last
// element is followed: a directory link on the way stays as written. A
// link that names no file yet gives that name, for the first write to
// create.
func FollowLink(path string) string {
	p := path
	for range 40 {
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return p
		}
		target, err := os.Readlink(p)
		if err != nil {
			return p
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(p), target)
		}
		p = target
	}
	return path // a loop: reading it says so
}

// Path returns the path of the state file.
func (b *Backend) Path() string { return b.path }

// Files lists the files the backend keeps: the state file, then the
// lock, the history and the backup beside it.
func (b *Backend) Files() []string {
	return []string{b.path, b.lockPath(), b.historyPath(), b.backupPath()}
}

func (b *Backend) backupPath() string  { return b.path + ".backup" }
func (b *Backend) historyPath() string { return b.path + ".history.jsonl" }
func (b *Backend) lockPath() string    { return b.path + ".lock" }

// Describe names the backend for messages.
func (b *Backend) Describe() string { return "state file " + b.path }

// Read returns the recorded state: an error wrapping state.ErrNotFound
// when the file does not exist, state.ErrCorrupt or state.ErrNewerFormat
// when it cannot be read.
func (b *Backend) Read(ctx context.Context) (*state.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.tidy()
	s, data, err := b.read()
	if err == nil {
		b.Remember(sha256.Sum256(data), s, false)
	}
	return s, err
}

// Remember tells b that the state file bytes whose SHA-256 is sum decode
// to s (a reader that decoded them itself, such as a cache of decoded
// states, says so), and whether they are canonical: exactly what
// state.Encode writes for s. When the file still holds those bytes, Write
// then takes the serial and lineage it checks from s instead of decoding
// the file again, and, when they are canonical, compares the contents by
// comparing its encoding with them. Only s's serial and lineage are kept.
func (b *Backend) Remember(sum [sha256.Size]byte, s *state.Snapshot, canonical bool) {
	b.remember(known{set: true, sum: sum, serial: s.Serial, lineage: s.Lineage, canonical: canonical})
}

// RememberData is Remember for a reader that holds the bytes, data (whose
// SHA-256 is sum): b keeps them, and when they are canonical s too, so
// that Write compares the state file with data without reading the file
// into memory, and encodes only the records that differ from s's (copying
// the others from data, see state.EncodeLike). Neither data nor s may be
// modified afterwards: s must be the snapshot data decodes to, as the
// reader decoded it.
func (b *Backend) RememberData(data []byte, sum [sha256.Size]byte, s *state.Snapshot, canonical bool) {
	k := known{set: true, sum: sum, serial: s.Serial, lineage: s.Lineage, canonical: canonical, data: data}
	if canonical {
		k.snap = s
	}
	b.remember(k)
}

func (b *Backend) remember(k known) {
	b.mu.Lock()
	b.known = k
	b.mu.Unlock()
}

// knownFor returns what b knows of the state file bytes data, when it
// knows them.
func (b *Backend) knownFor(data []byte) (known, bool) {
	b.mu.Lock()
	k := b.known
	b.mu.Unlock()
	if !k.set || sha256.Sum256(data) != k.sum {
		return known{}, false
	}
	return k, true
}

// read returns the stored snapshot and its bytes, or an error wrapping
// state.ErrNotFound when there is none.
func (b *Backend) read() (*state.Snapshot, []byte, error) {
	data, err := b.readRaw()
	if err != nil {
		return nil, nil, err
	}
	s, err := b.decode(data)
	if err != nil {
		return nil, nil, err
	}
	return s, data, nil
}

// readRaw returns the bytes of the state file, or an error wrapping
// state.ErrNotFound when there is none.
func (b *Backend) readRaw() ([]byte, error) {
	if err := b.notRegular(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", b.Describe(), state.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", b.Describe(), err)
	}
	return data, nil
}

// notRegular returns an error when the state file exists and is no
// regular file: a named pipe or a device would be waited on, or read for
// ever, and a directory cannot be one.
func (b *Backend) notRegular() error {
	fi, err := os.Stat(b.path)
	if err != nil || fi.Mode().IsRegular() {
		return nil
	}
	what := "not a regular file"
	switch {
	case fi.IsDir():
		what = "is a directory, not a file"
	case fi.Mode()&fs.ModeNamedPipe != 0:
		what = "is a named pipe (FIFO), not a regular file"
	}
	return fmt.Errorf("reading %s: %s", b.Describe(), what)
}

// decode decodes data, the bytes of the state file.
func (b *Backend) decode(data []byte) (*state.Snapshot, error) {
	if testHookDecode != nil {
		testHookDecode()
	}
	s, err := state.Decode(data)
	if err != nil {
		// Where it cannot be decoded: "state file PATH:LINE:COLUMN: …",
		// as an error in a config file is named.
		var se *state.SyntaxError
		if errors.As(err, &se) {
			err = fmt.Errorf("state file %w", se.At(b.path))
		} else {
			err = fmt.Errorf("%s: %w", b.Describe(), err)
		}
		if _, berr := os.Stat(b.backupPath()); berr == nil && errors.Is(err, state.ErrCorrupt) {
			return nil, fmt.Errorf("%w (the previous state is kept in %s)", err, b.backupPath())
		}
		return nil, err
	}
	return s, nil
}

// Write stores s if the stored serial is still expectSerial, as the
// state.Backend contract says, under the backend's lock: the one this
// Backend holds, or else one Write takes for its duration (waiting a few
// seconds for it). s itself is not modified: the new serial is returned.
//
// The new state is written to a temporary file and fsynced; then the
// history entry (when entry is not nil) is appended with the new serial
// and fsynced; then Write checks that its lock is still the backend's
// lock (a force-unlock deletes the lock file, so a writer whose lock was
// broken never writes); then the previous file is kept as PATH.backup,
// the temporary file renamed over PATH and the directory fsynced. A last
// entry for the serial after the state's was left by a write that never
// renamed its state: it is not part of the history (History leaves it
// out) and the next write removes it. So state and history entry are
// committed together, by the rename, and a Write that returns an error
// has changed neither.
//
// The stored state is decoded only when its bytes are not those this
// Backend last read, wrote or was told of (Remember); when they are, and
// are known canonical, an equal content is found by comparing them with
// the new encoding, else by encoding the decoded stored state.
func (b *Backend) Write(ctx context.Context, s *state.Snapshot, expectSerial uint64, entry *state.HistoryEntry) (serial uint64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if s == nil {
		return 0, errors.New("writing state: no snapshot")
	}
	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	l, release, err := b.writeLock(ctx)
	if err != nil {
		return 0, err
	}
	defer func() {
		if uerr := release(); uerr != nil && err == nil {
			err = fmt.Errorf("releasing the lock of %s: %w", b.Describe(), uerr)
		}
	}()

	// The stored state: its bytes, and either what b knows of them (the
	// bytes it last read or wrote) or their decoding. s is encoded while
	// the stored bytes are read and hashed: when b holds the bytes it
	// knows, the file is only hashed, and compared with them, and s is
	// encoded like the snapshot they decode to; else the file is read
	// and its bytes hashed (knownFor). What is wrong with the stored
	// state is still said before anything wrong with s.
	b.mu.Lock()
	was := b.known
	b.mu.Unlock()
	next := *s
	next.Serial = state.NextSerial(expectSerial, s, entry)
	var (
		raw      []byte
		had      bool
		cur      *state.Snapshot
		k        known
		isKnown  bool
		parts    [][]byte // the new encoding, in parts
		encErr   error
		hashed   = make(chan struct{})
		stored   [sha256.Size]byte
		exists   bool
		storeErr error
	)
	if was.set && was.data != nil {
		go func() {
			defer close(hashed)
			stored, exists, storeErr = b.hashFile()
		}()
		if testHookEncodeLike != nil && was.snap != nil {
			testHookEncodeLike(was.snap)
		}
		parts, encErr = state.EncodeLikeParts(&next, was.snap, was.data)
		<-hashed
		if storeErr != nil {
			return 0, storeErr
		}
		had = exists
		if had && stored == was.sum {
			raw, k, isKnown = was.data, was, true
		} else if had {
			// Not the bytes b knows: read, as below.
			if raw, err = b.readRaw(); err != nil && !errors.Is(err, state.ErrNotFound) {
				return 0, err
			}
			had = err == nil
			if had {
				k, isKnown = b.knownFor(raw)
			}
		}
	} else {
		raw, err = b.readRaw()
		if err != nil && !errors.Is(err, state.ErrNotFound) {
			return 0, err
		}
		had = err == nil
		if had {
			go func() {
				defer close(hashed)
				k, isKnown = b.knownFor(raw)
			}()
		} else {
			close(hashed)
		}
		var data []byte
		data, encErr = state.Encode(&next)
		parts = [][]byte{data}
		<-hashed
	}
	if had {
		if !isKnown {
			if cur, err = b.decode(raw); err != nil {
				return 0, err // never overwrite what cannot be read
			}
			k = known{serial: cur.Serial, lineage: cur.Lineage}
		}
	}
	b.removeTempFiles()
	gotSerial, gotLineage := uint64(0), s.Lineage
	if had {
		gotSerial, gotLineage = k.serial, k.lineage
	}
	if gotSerial != expectSerial || gotLineage != s.Lineage {
		return 0, &state.StaleError{WantSerial: expectSerial, GotSerial: gotSerial, WantLineage: s.Lineage, GotLineage: gotLineage}
	}

	// Encoded with the same serial, equal contents give equal bytes:
	// this is state.ContentEqual with one encoding fewer. Stored bytes
	// known to be canonical are that encoding of the stored state but
	// for the serial, so they need not be decoded and encoded again.
	if encErr != nil {
		return 0, fmt.Errorf("writing %s: %w", b.Describe(), encErr)
	}
	if had && (entry == nil || !entry.Always) {
		if k.canonical {
			if state.SameButSerialParts(raw, parts) {
				return gotSerial, nil
			}
		} else {
			if cur == nil {
				if cur, err = b.decode(raw); err != nil {
					return 0, err
				}
			}
			stored := *cur
			stored.Serial = next.Serial
			if same, err := state.Encode(&stored); err == nil && state.SameButSerialParts(same, parts) {
				return cur.Serial, nil
			}
		}
	}
	// The sum of data is computed while the file is written and synced.
	summed := make(chan [sha256.Size]byte, 1)
	go func() {
		h := sha256.New()
		for _, p := range parts {
			h.Write(p)
		}
		var sum [sha256.Size]byte
		h.Sum(sum[:0])
		summed <- sum
	}()
	if err := b.dropPending(gotSerial); err != nil {
		return 0, fmt.Errorf("recording the history of %s: %w; nothing was written", b.Describe(), err)
	}

	dir := filepath.Dir(b.path)
	tmp, err := writeTemp(b.path, parts...)
	if err != nil {
		return 0, fmt.Errorf("writing %s: %w; nothing was written", b.Describe(), err)
	}
	renamed := false
	defer func() {
		if !renamed {
			os.Remove(tmp)
		}
	}()
	undo := func() {
		// Best effort: an entry left behind is above the state's serial,
		// so it is ignored, and removed by the next write.
		_ = b.dropPending(gotSerial)
	}
	if entry != nil {
		e := *entry
		e.Serial = next.Serial
		// An entry whose serial does not follow the stored one (a state
		// pushed into a new backend keeps its serial) says which serial
		// it follows: until its state is renamed, it is pending.
		var after *uint64
		if next.Serial != gotSerial+1 {
			after = &gotSerial
		}
		if err := b.appendHistory(&e, after); err != nil {
			undo()
			return 0, fmt.Errorf("recording the history of %s: %w; nothing was written", b.Describe(), err)
		}
	}
	if testHookBeforeRename != nil {
		testHookBeforeRename()
	}
	if err := l.check(); err != nil {
		undo()
		return 0, err
	}
	if had {
		if err := b.keepBackup(raw); err != nil {
			undo()
			return 0, fmt.Errorf("%w; nothing was written", err)
		}
	}
	if err := os.Rename(tmp, b.path); err != nil {
		undo()
		return 0, fmt.Errorf("writing %s: %w; nothing was written", b.Describe(), err)
	}
	renamed = true
	if err := syncDir(dir); err != nil {
		// The new state may not survive a crash: put the old one back,
		// so that what this error says holds.
		if rerr := b.restore(had); rerr != nil {
			return next.Serial, fmt.Errorf("state written (serial %d) but its directory could not be synced: %w (and the previous state could not be put back: %v)", next.Serial, err, rerr)
		}
		undo()
		return 0, fmt.Errorf("writing %s: syncing its directory: %w; nothing was written", b.Describe(), err)
	}
	sum := <-summed
	// Neither the bytes nor next (whose lists are the caller's) are
	// kept: the next write reads the file again.
	stable := state.StableEncodingParts(parts)
	b.remember(known{set: true, sum: sum, serial: next.Serial, lineage: next.Lineage, canonical: stable})
	if b.onWrite != nil {
		size := 0
		for _, p := range parts {
			size += len(p)
		}
		b.onWrite(size, stable, sum)
	}
	return next.Serial, nil
}

// hashFile returns the SHA-256 of the state file, read through a small
// buffer, and whether there is one.
func (b *Backend) hashFile() (sum [sha256.Size]byte, exists bool, err error) {
	f, err := os.Open(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		return sum, false, nil
	}
	if err != nil {
		return sum, false, fmt.Errorf("reading %s: %w", b.Describe(), err)
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for {
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return sum, false, fmt.Errorf("reading %s: %w", b.Describe(), err)
		}
	}
	h.Sum(sum[:0])
	return sum, true, nil
}

// testHookDecode, when set by a test, runs whenever the state file is
// decoded.
var testHookDecode func()

// testHookEncodeLike, when set by a test, runs whenever Write encodes
// like a remembered snapshot.
var testHookEncodeLike func(prior *state.Snapshot)

// testHookOpenLockFile, when set by a test, runs before each attempt to
// open the lock file: the one that would create it (create), and the one
// that opens the file found there.
var testHookOpenLockFile func(create bool)

// testHookBeforeRename, when set by a test, runs after the history entry
// is recorded and before the lock is checked and the state renamed.
var testHookBeforeRename func()

// restore puts the backup (a link to the previous state, or a copy of
// it) back as the state, or removes the state when there was none.
func (b *Backend) restore(had bool) error {
	if !had {
		return os.Remove(b.path)
	}
	data, err := os.ReadFile(b.backupPath())
	if err != nil {
		return err
	}
	if err := writeAtomic(b.path, data); err != nil {
		return err
	}
	return syncDir(filepath.Dir(b.path))
}

// writeLock makes sure the backend lock is held for a write: the lock of
// b if it holds it (and it was not broken meanwhile), else one taken now
// and released by the function returned. The lock is returned, to be
// checked again right before the state is renamed.
func (b *Backend) writeLock(ctx context.Context) (*fileLock, func() error, error) {
	b.mu.Lock()
	h := b.held
	b.mu.Unlock()
	if h != nil {
		if err := h.check(); err != nil {
			return nil, nil, err
		}
		return h, func() error { return nil }, nil
	}
	l, err := state.AcquireLock(ctx, writeLocker{b}, state.LockInfo{Operation: "write state"}, b.lockWait)
	if err != nil {
		if state.IsLocked(err) {
			return nil, nil, fmt.Errorf("writing %s: %w", b.Describe(), err)
		}
		return nil, nil, err
	}
	return l.(*fileLock), l.Unlock, nil
}

// writeLocker takes the lock of a Backend without making it the Backend's
// held lock, for the duration of one Write.
type writeLocker struct{ *Backend }

func (w writeLocker) TryLock(ctx context.Context, info state.LockInfo) (state.Lock, error) {
	l, err := w.lock(ctx, info)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// keepBackup makes the current state file, whose bytes are raw, the
// backup: as a hard link when the file system allows (the state file is
// only ever replaced, never changed in place), else as a copy; either way
// through a temporary name, so the backup is whole at all times.
func (b *Backend) keepBackup(raw []byte) error {
	dir := filepath.Dir(b.path)
	tmp := filepath.Join(dir, tempPrefix(b.backupPath())+state.NewLineage())
	if err := os.Link(b.path, tmp); err != nil {
		return writeAtomic(b.backupPath(), raw)
	}
	err := os.Rename(tmp, b.backupPath())
	// When the backup already is a link to the state file (a writer was
	// killed between keeping it and writing the state), rename does
	// nothing and tmp stays: remove it in every case.
	os.Remove(tmp)
	if err != nil {
		return fmt.Errorf("keeping the backup of %s: %w", b.Describe(), err)
	}
	return nil
}

// tempPrefix is how the names of the temporary files written for target
// begin.
func tempPrefix(target string) string {
	return "." + filepath.Base(target) + ".tmp-"
}

// removeTempFiles removes what writers that crashed left behind. The
// caller holds the lock, so no other writer is at work.
func (b *Backend) removeTempFiles() {
	dir := filepath.Dir(b.path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, tempPrefix(b.path)) || strings.HasPrefix(name, tempPrefix(b.backupPath())) ||
			strings.HasPrefix(name, tempPrefix(b.historyPath())) {
			os.Remove(filepath.Join(dir, name))
		}
	}
}

// writeAtomic writes data to path through a fsynced temporary file in the
// same directory renamed over path. The caller syncs the directory.
func writeAtomic(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// writeTemp writes data (the concatenation of its parts) to a fsynced
// temporary file in the directory of path, named after path (see
// tempPrefix), and returns its name.
func writeTemp(path string, data ...[]byte) (name string, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, tempPrefix(path)+"*")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	for _, p := range data {
		if _, err := f.Write(p); err != nil {
			return "", err
		}
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// retention is what the history keeps (state.HistoryRetention; tests
// lower it). Beyond twice its Changes bytes, an append rewrites the
// history file with only what it keeps.
var retention = state.HistoryRetention

// historyLine is a history entry as the history file holds it. After,
// the serial of the state the entry's write replaced, is there only when
// the entry's serial does not follow it (a state pushed into a new
// backend keeps its serial): it tells such an entry, while its state is
// not renamed, from the entries of an earlier state.
type historyLine struct {
	state.HistoryEntry
	After *uint64 `json:"after,omitempty"`
}

// pending reports whether l, the last entry of the history, was left by
// a write that never renamed its state, stored being the state's serial.
func (l historyLine) pending(stored uint64) bool {
	return l.Serial == stored+1 || l.After != nil && *l.After == stored && l.Serial != stored
}

// appendHistory appends e (with after, see historyLine) as one JSON line
// to the history file. A last line torn by a crash mid-append is cut off
// first, so it does not run into the new one. When the file has grown
// beyond historyCompactAt, it is rewritten instead (atomically) with what
// the retention keeps and e.
func (b *Backend) appendHistory(e *state.HistoryEntry, after *uint64) error {
	line, err := json.Marshal(historyLine{*e, after})
	if err != nil {
		return err
	}
	line = append(line, '\n')
	if fi, err := os.Stat(b.historyPath()); err == nil && fi.Size()+int64(len(line)) > 2*int64(retention.Changes) {
		return b.compactHistory(e, after)
	}
	f, err := os.OpenFile(b.historyPath(), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	size, err := appendLine(f, line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && size == 0 {
		err = syncDir(filepath.Dir(b.historyPath()))
	}
	return err
}

// compactHistory rewrites the history file with what the retention keeps
// of its entries followed by e (with after).
func (b *Backend) compactHistory(e *state.HistoryEntry, after *uint64) error {
	entries, _, err := b.readHistory()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	kept := retention.Keep(append(entries, *e))
	for i, k := range kept {
		hl := historyLine{HistoryEntry: k}
		if i == len(kept)-1 {
			hl.After = after
		}
		line, err := json.Marshal(hl)
		if err != nil {
			return err
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if err := writeAtomic(b.historyPath(), buf.Bytes()); err != nil {
		return err
	}
	return syncDir(filepath.Dir(b.historyPath()))
}

// dropPending removes from the end of the history an entry left by a
// write that never renamed its state (historyLine.pending; there is at
// most one, as every write calls dropPending first), and a last line
// torn by a crash. Entries of an earlier state in the same place (a
// state file deleted and started anew) are left alone.
func (b *Backend) dropPending(serial uint64) error {
	f, err := os.Open(b.historyPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	end, err := completeLines(f, fi.Size())
	if err != nil {
		return err
	}
	for end > 0 {
		start, err := completeLines(f, end-1)
		if err != nil {
			return err
		}
		got, ok := lineSerial(io.NewSectionReader(f, start, end-start))
		if !ok {
			break
		}
		if got != serial+1 {
			// Only an entry that says which serial it follows can be
			// pending with another serial: read it whole.
			var l historyLine
			if json.NewDecoder(io.NewSectionReader(f, start, end-start)).Decode(&l) != nil || !l.pending(serial) {
				break
			}
		}
		end = start
	}
	if end == fi.Size() {
		return nil
	}
	w, err := os.OpenFile(b.historyPath(), os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	err = w.Truncate(end)
	if serr := w.Sync(); err == nil {
		err = serr
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// appendLine appends line to f (opened with O_APPEND), first cutting off
// an incomplete last line, and syncs f. It returns f's size before.
func appendLine(f *os.File, line []byte) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if fi.Size() > 0 {
		end, err := completeLines(f, fi.Size())
		if err != nil {
			return 0, err
		}
		if end < fi.Size() {
			if err := f.Truncate(end); err != nil {
				return 0, err
			}
		}
	}
	if _, err := f.Write(line); err != nil {
		return 0, err
	}
	return fi.Size(), f.Sync()
}

// completeLines returns the length of f's content up to and including its
// last newline.
func completeLines(f *os.File, size int64) (int64, error) {
	buf := make([]byte, 4096)
	for end := size; end > 0; {
		start := max(0, end-int64(len(buf)))
		chunk := buf[:end-start]
		if _, err := f.ReadAt(chunk, start); err != nil && err != io.EOF {
			return 0, err
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

// lineSerial returns the serial of the history line r, reading only its
// beginning when it starts as appendHistory writes it.
func lineSerial(r *io.SectionReader) (uint64, bool) {
	const prefix = `{"serial":`
	head := make([]byte, 32)
	n, _ := r.ReadAt(head, 0)
	if rest, ok := bytes.CutPrefix(head[:n], []byte(prefix)); ok {
		if i := bytes.IndexByte(rest, ','); i > 0 {
			if v, err := strconv.ParseUint(string(rest[:i]), 10, 64); err == nil {
				return v, true
			}
		}
	}
	var h struct {
		Serial uint64 `json:"serial"`
	}
	if err := json.NewDecoder(io.NewSectionReader(r, 0, r.Size())).Decode(&h); err != nil {
		return 0, false
	}
	return h.Serial, true
}

// History returns the recorded history entries, oldest first, as the
// retention keeps them (state.HistoryRetention); an empty slice when there
// are none. A torn last line (a crash mid-append) and a last entry for
// the serial after the state's (a write that never renamed its state)
// are left out.
func (b *Backend) History(ctx context.Context) ([]state.HistoryEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.tidy()
	entries, last, err := b.readHistory()
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return entries, nil
	}
	serial, err := b.storedSerial()
	if err != nil {
		// A state that cannot be read: the history is all there is.
		return retention.Keep(entries), nil
	}
	if last.pending(serial) {
		entries = entries[:len(entries)-1] // a write that never renamed its state
	}
	return retention.Keep(entries), nil
}

// historyDamaged is a damaged line of the history file: it wraps
// state.ErrCorrupt, but names the history file and says that the
// recorded state itself (read apart from its history) is not the damaged
// one.
type historyDamaged struct {
	path, state string
	line        int
	err         error
}

func (e *historyDamaged) Error() string {
	return fmt.Sprintf("%s, line %d: the history of %s is damaged: %v; the recorded state itself is not affected (move the history file aside to start a new one)", e.path, e.line, e.state, e.err)
}

func (e *historyDamaged) Unwrap() []error { return []error{state.ErrCorrupt, e.err} }

// readHistory returns every complete entry of the history file, and the
// last one as the file holds it.
func (b *Backend) readHistory() ([]state.HistoryEntry, historyLine, error) {
	var last historyLine
	data, err := os.ReadFile(b.historyPath())
	if errors.Is(err, fs.ErrNotExist) {
		return []state.HistoryEntry{}, last, nil
	}
	if err != nil {
		return nil, last, fmt.Errorf("reading the history of %s: %w", b.Describe(), err)
	}
	entries := []state.HistoryEntry{}
	for n := 1; len(data) > 0; n++ {
		line, rest, complete := bytes.Cut(data, []byte{'\n'})
		data = rest
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var l historyLine
		err := json.Unmarshal(line, &l)
		if err == nil && l.Serial == 0 {
			// null, {}: every entry a write appends has its serial.
			err = errors.New("not a history entry: it has no serial")
		}
		if err != nil {
			if !complete {
				break // torn by a crash mid-append
			}
			return nil, last, &historyDamaged{path: b.historyPath(), line: n, state: b.Describe(), err: err}
		}
		entries = append(entries, l.HistoryEntry)
		last = l
	}
	return entries, last, nil
}

// storedSerial returns the serial of the state file (0 when there is
// none), reading no further into the file than its serial when it can.
func (b *Backend) storedSerial() (uint64, error) {
	f, err := os.Open(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", b.Describe(), err)
	}
	defer f.Close()
	if serial, ok := peekSerial(f); ok {
		return serial, nil
	}
	s, _, err := b.read()
	if err != nil {
		return 0, err
	}
	return s.Serial, nil
}

// peekSerial reads the top-level "serial" of a state file, which Encode
// writes before the records, skipping only the members before it.
func peekSerial(r io.Reader) (uint64, bool) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0, false
	}
	for range 4 {
		t, err := dec.Token()
		key, ok := t.(string)
		if err != nil || !ok {
			return 0, false
		}
		if key != "serial" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return 0, false
			}
			continue
		}
		var serial uint64
		if dec.Decode(&serial) != nil {
			return 0, false
		}
		return serial, true
	}
	return 0, false
}

// Close releases the lock this Backend holds, if any.
func (b *Backend) Close() error {
	b.mu.Lock()
	h := b.held
	b.mu.Unlock()
	if h == nil {
		return nil
	}
	return h.Unlock()
}

// Stamp returns a token that changes whenever the state file is replaced
// or written: its inode, size and modification time ("absent" when there
// is none yet). Writes replace the file by rename, so the inode changes
// on every write.
func (b *Backend) Stamp(ctx context.Context) (string, error) {
	fi, err := os.Stat(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		return "absent", nil
	}
	if err != nil {
		return "", err
	}
	ino, err := fileID(b.path, fi)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d:%d:%d", ino, fi.Size(), fi.ModTime().UnixNano()), nil
}
