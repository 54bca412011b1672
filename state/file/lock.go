package file

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/plansync/plansync/state"
)

// The lock is an OS lock on PATH.lock (flock(2) on Unix, LockFileEx on
// Windows: see filelock_*.go), which holds the holder's LockInfo as JSON
// while it is held and is empty when it is free. The OS drops the lock
// when its holder exits, however it exits, so a crash cannot strand the
// lock; the file is never deleted on unlock, only truncated, so that two
// lockers cannot end up holding locks on two different files (save for
// the lock of a state never written, whose folder or file the lock made:
// its file is deleted while still locked, see fileLock.unused).
// ForceUnlock deletes it: a holder that is still alive keeps its lock on
// the deleted file, and the next locker creates and locks a new one. (On
// Windows a file open elsewhere cannot be deleted: there ForceUnlock
// fails while the holder is alive, and works once it has exited.)

// TryLock takes the lock without waiting. When another process, or another
// Backend value (even in this process), holds it, it returns a
// *state.LockedError naming the holder. Empty fields of info are filled:
// ID with a random id, PID, Host, Who (the user) and Since (now).
//
// The lock becomes this Backend's lock: its writes use it until it is
// released by Unlock or Close.
func (b *Backend) TryLock(ctx context.Context, info state.LockInfo) (state.Lock, error) {
	l, err := b.lock(ctx, info)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.held = l
	b.mu.Unlock()
	return l, nil
}

// lock takes the lock file's OS lock for a new open file.
func (b *Backend) lock(ctx context.Context, info state.LockInfo) (*fileLock, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	info = info.WithDefaults()
	data, err := json.Marshal(info)
	if err != nil {
		return nil, err
	}
	// A ForceUnlock may delete the file between our open and our lock:
	// then the lock is on a deleted file, and we start over. A holder
	// that names no one may be one releasing the lock (it empties the
	// file first): the lock is tried again before it is reported.
	// A state "file" that is a directory (or a pipe) can hold no state:
	// say so before making a lock file beside it.
	if err := b.notRegular(); err != nil {
		return nil, err
	}
	removed, unnamed := 0, 0
	for removed < 3 {
		// (Again after a lock file was removed: the folder may have
		// gone with it, see release.)
		dir := filepath.Dir(b.path)
		_, err := os.Stat(dir)
		madeDir := errors.Is(err, fs.ErrNotExist)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, lockErr(b, err)
		}
		if !madeDir {
			dir = ""
		}
		f, madeFile, err := openLockFile(b.lockPath())
		if errors.Is(err, fs.ErrNotExist) {
			// Removed meanwhile, the folder with it or the file
			// found there, by a holder releasing a lock that wrote
			// no state: start over.
			removed++
			continue
		}
		if err != nil {
			return nil, lockErr(b, err)
		}
		err = lockFile(f)
		if errors.Is(err, errWouldBlock) {
			if b.afterBusy != nil {
				b.afterBusy()
			}
			holder := readHolder(ctx, f)
			f.Close()
			if holder.ID == "" && unnamed < 2 && ctx.Err() == nil {
				unnamed++
				continue
			}
			return nil, &state.LockedError{Holder: holder}
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", b.Describe(), err)
		}
		l := &fileLock{b: b, f: f, info: info, madeDir: dir, madeFile: madeFile}
		current, err := l.current()
		if err != nil {
			l.release()
			return nil, fmt.Errorf("locking %s: %w", b.Describe(), err)
		}
		if !current {
			l.release()
			removed++
			continue
		}
		if err := writeHolder(f, data); err != nil {
			l.release()
			return nil, fmt.Errorf("locking %s: writing the lock file: %w", b.Describe(), err)
		}
		// Holding the lock, no writer is at work: what a killed one left
		// goes now.
		b.removeTempFiles()
		return l, nil
	}
	return nil, fmt.Errorf("locking %s: the lock file %s keeps being removed", b.Describe(), b.lockPath())
}

// openLockFile opens the lock file at path, creating it when there is
// none, and reports whether it created it.
func openLockFile(path string) (f *os.File, made bool, err error) {
	if testHookOpenLockFile != nil {
		testHookOpenLockFile(true)
	}
	f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f, true, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, false, err
	}
	if testHookOpenLockFile != nil {
		testHookOpenLockFile(false)
	}
	// Not O_CREATE: a file removed meanwhile (by a holder releasing a
	// lock that made it) is made anew by the first open, as ours.
	f, err = os.OpenFile(path, os.O_RDWR, 0)
	return f, false, err
}

// lockErr is the error of a lock that cannot be taken because the lock
// file cannot be made or opened; it wraps state.ErrReadOnly when that is
// for want of write access (a read-only directory or file system).
func lockErr(b *Backend, err error) error {
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, errReadOnlyFS) {
		return fmt.Errorf("locking %s: %w: %w", b.Describe(), state.ErrReadOnly, err)
	}
	return fmt.Errorf("locking %s: %w", b.Describe(), err)
}

// tidy cleans up, when the lock is free, after a holder that was killed:
// the temporary files of its write and its text in the lock file. It
// does nothing when the lock file is empty (the lock is free and clean)
// or the lock is held, and ignores errors: it is only housekeeping.
func (b *Backend) tidy() {
	b.mu.Lock()
	held := b.held != nil
	b.mu.Unlock()
	if held {
		return
	}
	fi, err := os.Stat(b.lockPath())
	if err != nil || fi.Size() == 0 {
		return
	}
	f, err := os.OpenFile(b.lockPath(), os.O_RDWR, 0)
	if err != nil {
		return
	}
	if lockFile(f) != nil {
		f.Close()
		return
	}
	l := &fileLock{b: b, f: f}
	if current, err := l.current(); err == nil && current {
		// For the moment it is held, the lock names this cleanup.
		if data, err := json.Marshal(state.LockInfo{Operation: "clean up after a killed holder"}.WithDefaults()); err == nil {
			_ = writeHolder(f, data)
		}
		b.removeTempFiles()
	}
	// release empties the file before dropping the flock.
	_ = l.release()
}

// writeHolder replaces the content of the lock file f with data.
func writeHolder(f *os.File, data []byte) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		return err
	}
	return f.Sync()
}

// readHolder reads the holder's LockInfo from the lock file f. A holder
// that has just taken the lock may not have written it yet: readHolder
// tries again for a short while before settling for what it has.
func readHolder(ctx context.Context, f *os.File) state.LockInfo {
	var info state.LockInfo
	for range 20 {
		data, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<20))
		if err == nil && json.Unmarshal(data, &info) == nil && info.ID != "" {
			return info
		}
		select {
		case <-ctx.Done():
			return info
		case <-time.After(5 * time.Millisecond):
		}
	}
	return info
}

// fileLock is a held lock: an open file of PATH.lock with its OS lock.
type fileLock struct {
	b    *Backend
	info state.LockInfo

	mu sync.Mutex
	f  *os.File // nil once released
	// madeFile says that taking the lock made its file, and madeDir is
	// the state's folder when it made that too (a fresh config
	// directory's .plansync): released with no state written, the lock
	// takes them away again, so that a run that wrote nothing (bad
	// input) leaves nothing behind (a folder that holds anything stays).
	madeFile bool
	madeDir  string
}

func (l *fileLock) Info() state.LockInfo { return l.info }

// Unlock releases the lock: it empties the lock file, drops the OS lock and
// closes the file (the file stays, see above). Unlocking again does
// nothing.
func (l *fileLock) Unlock() error {
	l.b.mu.Lock()
	if l.b.held == l {
		l.b.held = nil
	}
	l.b.mu.Unlock()
	return l.release()
}

func (l *fileLock) release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	// (A lock that made the folder made the file in it too, unless
	// another locker made the file first: then the file is that one's.)
	unused := l.madeFile && l.unused(f)
	// Empty the file before unlocking, so nobody reads our info as a
	// holder's. After a ForceUnlock this empties the deleted file only.
	errs := []error{f.Truncate(0), unlockFile(f), f.Close()}
	if unused && l.madeDir != "" {
		// Empty now (no state, no cache was written in it), the folder
		// goes; one that holds anything stays.
		_ = os.Remove(l.madeDir)
	}
	return errors.Join(errs...)
}

// unused removes the lock file f, still locked, when the lock made the
// state's folder or the lock file and no state was written since: nothing is left of the
// run. It is removed while locked, as ForceUnlock removes it, so that a
// locker that opened it meanwhile finds it is no longer the lock file
// and starts over (lock), never holding a lock on a file no one else
// sees. It reports whether the file was removed.
func (l *fileLock) unused(f *os.File) bool {
	if _, err := os.Stat(l.b.path); !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	if ours, err := l.b.isLockFile(f); err != nil || !ours {
		return false // broken by force-unlock: not ours to remove
	}
	return os.Remove(l.b.lockPath()) == nil
}

// current reports whether the lock is still the lock of the backend: its
// file is still PATH.lock, not a file a ForceUnlock deleted.
func (l *fileLock) current() (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return false, nil
	}
	return l.b.isLockFile(l.f)
}

// isLockFile reports whether f is the file PATH.lock names now (not one
// a ForceUnlock deleted).
func (b *Backend) isLockFile(f *os.File) (bool, error) {
	held, err := f.Stat()
	if err != nil {
		return false, err
	}
	named, err := os.Stat(b.lockPath())
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(held, named), nil
}

// check returns an error unless the lock is still held and current.
func (l *fileLock) check() error {
	current, err := l.current()
	if err != nil {
		return fmt.Errorf("checking the lock of %s: %w", l.b.Describe(), err)
	}
	if !current {
		return fmt.Errorf("the lock of %s (ID %s) was released or broken by force-unlock; not writing", l.b.Describe(), l.info.ID)
	}
	return nil
}

// ForceUnlock breaks the lock with the given ID by deleting the lock file
// (see above). It fails, changing nothing, when the lock file does not
// name a holder with that ID. When this Backend holds that lock, it is
// simply released.
func (b *Backend) ForceUnlock(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	h := b.held
	b.mu.Unlock()
	if h != nil && h.info.ID == id {
		return h.Unlock()
	}
	data, err := os.ReadFile(b.lockPath())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reading the lock of %s: %w", b.Describe(), err)
	}
	var holder state.LockInfo
	if len(data) > 0 {
		if err := json.Unmarshal(data, &holder); err != nil {
			return fmt.Errorf("reading the lock of %s: %s: %w", b.Describe(), b.lockPath(), err)
		}
	}
	if holder.ID != "" && holder.ID != id {
		// A holder that was killed leaves its text, not its lock: then
		// it is no current holder, and tidy empties the file.
		b.tidy()
		if data, err := os.ReadFile(b.lockPath()); err == nil && len(data) == 0 {
			holder = state.LockInfo{}
		}
	}
	switch {
	case holder.ID == "":
		return fmt.Errorf("no lock with ID %s is held on %s: it is not locked", id, b.Describe())
	case holder.ID != id:
		return fmt.Errorf("no lock with ID %s is held on %s; current holder: %s", id, b.Describe(), describeHolder(holder))
	}
	if err := os.Remove(b.lockPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("breaking the lock of %s: %w", b.Describe(), err)
	}
	if err := syncDir(filepath.Dir(b.lockPath())); err != nil {
		return fmt.Errorf("breaking the lock of %s: %w", b.Describe(), err)
	}
	return nil
}

func describeHolder(h state.LockInfo) string {
	return fmt.Sprintf("%s (pid %d on %s, %s since %s), lock ID %s",
		h.Who, h.PID, h.Host, h.Operation, h.Since.UTC().Format(time.RFC3339), h.ID)
}
