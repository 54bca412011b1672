package file

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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

	writeMu sync.Mutex // serialises the writes of this value

	mu   sync.Mutex // guards held
	held *fileLock  // the lock taken by TryLock, while held
}

var _ state.Backend = (*Backend)(nil)

// New returns the backend for the state file at path. Nothing is touched
// until it is used; the directory of path is created (mode 0700) on the
// first write or lock, and every file is created with mode 0600.
func New(path string) *Backend {
	return &Backend{path: path, lockWait: defaultLockWait}
}

// Path returns the path of the state file.
func (b *Backend) Path() string { return b.path }

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
	s, _, err := b.read()
	return s, err
}

// read returns the stored snapshot and its bytes; nil and no error when
// there is none.
func (b *Backend) read() (*state.Snapshot, []byte, error) {
	data, err := os.ReadFile(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("%s: %w", b.Describe(), state.ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", b.Describe(), err)
	}
	s, err := state.Decode(data)
	if err != nil {
		if _, berr := os.Stat(b.backupPath()); berr == nil && errors.Is(err, state.ErrCorrupt) {
			return nil, nil, fmt.Errorf("%s: %w (the previous state is kept in %s)", b.Describe(), err, b.backupPath())
		}
		return nil, nil, fmt.Errorf("%s: %w", b.Describe(), err)
	}
	return s, data, nil
}

// Write stores s if the stored serial is still expectSerial, as the
// state.Backend contract says, under the backend's lock: the one this
// Backend holds, or else one Write takes for its duration (waiting a few
// seconds for it). s itself is not modified: the new serial is returned.
//
// The previous file is kept as PATH.backup, and the new one written to a
// temporary file, fsynced, renamed over PATH and the directory fsynced.
// When entry is not nil it is recorded, with the new serial, in the
// history. Should something fail after the rename (syncing the directory,
// recording the history), Write returns the new serial, as the state is
// written, with an error saying so.
func (b *Backend) Write(ctx context.Context, s *state.Snapshot, expectSerial uint64, entry *state.HistoryEntry) (serial uint64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if s == nil {
		return 0, errors.New("writing state: no snapshot")
	}
	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	release, err := b.writeLock(ctx)
	if err != nil {
		return 0, err
	}
	defer func() {
		if uerr := release(); uerr != nil && err == nil {
			err = fmt.Errorf("releasing the lock of %s: %w", b.Describe(), uerr)
		}
	}()

	cur, raw, err := b.read()
	if err != nil && !errors.Is(err, state.ErrNotFound) {
		return 0, err // never overwrite what cannot be read
	}
	b.removeTempFiles()
	gotSerial, gotLineage := uint64(0), s.Lineage
	if cur != nil {
		gotSerial, gotLineage = cur.Serial, cur.Lineage
	}
	if gotSerial != expectSerial || gotLineage != s.Lineage {
		return 0, &state.StaleError{WantSerial: expectSerial, GotSerial: gotSerial, WantLineage: s.Lineage, GotLineage: gotLineage}
	}

	// Encoded with the same serial, equal contents give equal bytes:
	// this is state.ContentEqual with one encoding fewer.
	next := *s
	next.Serial = expectSerial + 1
	data, err := state.Encode(&next)
	if err != nil {
		return 0, fmt.Errorf("writing %s: %w", b.Describe(), err)
	}
	if cur != nil {
		stored := *cur
		stored.Serial = next.Serial
		if same, err := state.Encode(&stored); err == nil && bytes.Equal(same, data) {
			return cur.Serial, nil
		}
	}

	dir := filepath.Dir(b.path)
	if cur != nil {
		if err := b.keepBackup(raw); err != nil {
			return 0, err
		}
	}
	if err := writeAtomic(b.path, data); err != nil {
		return 0, fmt.Errorf("writing %s: %w", b.Describe(), err)
	}
	if err := syncDir(dir); err != nil {
		return next.Serial, fmt.Errorf("state written (serial %d) but its directory could not be synced: %w", next.Serial, err)
	}
	if entry != nil {
		e := *entry
		e.Serial = next.Serial
		if err := b.appendHistory(&e); err != nil {
			return next.Serial, fmt.Errorf("state written (serial %d) but its history entry was not recorded: %w", next.Serial, err)
		}
	}
	return next.Serial, nil
}

// writeLock makes sure the backend lock is held for a write: the lock of
// b if it holds it (and it was not broken meanwhile), else one taken now
// and released by the function returned.
func (b *Backend) writeLock(ctx context.Context) (release func() error, err error) {
	b.mu.Lock()
	h := b.held
	b.mu.Unlock()
	if h != nil {
		if err := h.check(); err != nil {
			return nil, err
		}
		return func() error { return nil }, nil
	}
	l, err := state.AcquireLock(ctx, writeLocker{b}, state.LockInfo{Operation: "write state"}, b.lockWait)
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", b.Describe(), err)
	}
	return l.Unlock, nil
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
		if strings.HasPrefix(name, tempPrefix(b.path)) || strings.HasPrefix(name, tempPrefix(b.backupPath())) {
			os.Remove(filepath.Join(dir, name))
		}
	}
}

// writeAtomic writes data to path through a fsynced temporary file in the
// same directory renamed over path. The caller syncs the directory.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, tempPrefix(path)+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// appendHistory appends e as one JSON line to the history file. A last
// line torn by a crash mid-append is cut off first, so it does not run
// into the new one.
func (b *Backend) appendHistory(e *state.HistoryEntry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	line = append(line, '\n')
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

// History returns the recorded history entries, oldest first; an empty
// slice when there are none. A torn last line (a crash mid-append) is
// ignored.
func (b *Backend) History(ctx context.Context) ([]state.HistoryEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(b.historyPath())
	if errors.Is(err, fs.ErrNotExist) {
		return []state.HistoryEntry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the history of %s: %w", b.Describe(), err)
	}
	entries := []state.HistoryEntry{}
	for n := 1; len(data) > 0; n++ {
		line, rest, complete := bytes.Cut(data, []byte{'\n'})
		data = rest
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e state.HistoryEntry
		if err := json.Unmarshal(line, &e); err != nil {
			if !complete {
				break // torn by a crash mid-append
			}
			return nil, fmt.Errorf("history of %s, line %d: %w: %v", b.Describe(), n, state.ErrCorrupt, err)
		}
		entries = append(entries, e)
	}
	return entries, nil
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
