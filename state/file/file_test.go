package file

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"syscall"

	"github.com/plansync/plansync/state"
	"github.com/plansync/plansync/state/statetest"
)

const (
	// lockChildEnv makes the test binary a lock holder (see lockChild).
	lockChildEnv = "PLANSYNC_TEST_LOCK_CHILD"
	// writeChildEnv makes the test binary a writer (see writeChild).
	writeChildEnv = "PLANSYNC_TEST_WRITE_CHILD"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(lockChildEnv); path != "" {
		os.Exit(lockChild(path))
	}
	if path := os.Getenv(writeChildEnv); path != "" {
		os.Exit(writeChild(path))
	}
	os.Exit(m.Run())
}

// lockChild takes the lock of the state file at path, prints "locked ID"
// and holds the lock until its standard input is closed or it is killed.
func lockChild(path string) int {
	l, err := New(path).TryLock(context.Background(), state.LockInfo{Who: "child", Operation: "holding"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("locked %s\n", l.Info().ID)
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// writeChild writes ever new states to the state file at path, printing
// "wrote SERIAL" after each, until it is killed.
func writeChild(path string) int {
	b := New(path)
	ctx := context.Background()
	for {
		cur, err := b.Read(ctx)
		if errors.Is(err, state.ErrNotFound) {
			cur, err = bigSnapshot(0), nil
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		n, err := b.Write(ctx, bigSnapshot(int(cur.Serial)+1), cur.Serial, &state.HistoryEntry{Who: "child", Summary: "next"})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Printf("wrote %d\n", n)
	}
}

// bigSnapshot returns a snapshot of 5,000 subscriptions whose content
// changes with n.
func bigSnapshot(n int) *state.Snapshot {
	return manySubscriptions(n, 5_000)
}

// manySubscriptions returns a snapshot of count subscriptions whose
// content changes with n.
func manySubscriptions(n, count int) *state.Snapshot {
	s := state.New("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
	props := s.PutValues(state.Values{"disk_space": int64(n)})
	s.Subscriptions = make([]state.Subscription, count)
	for i := range s.Subscriptions {
		s.Subscriptions[i] = state.Subscription{
			Domain: fmt.Sprintf("site%05d.example", i), Owner: "admin", Plan: "admin/p", SyncStatus: "synced",
			Effective: props, Status: "active", CreatedAt: time.Date(2025, 1, 1, 0, 0, n, 0, time.UTC),
		}
	}
	return s
}

// statePath returns the path of a state file in a new directory.
func statePath(t *testing.T) string {
	return filepath.Join(t.TempDir(), ".plansync", "state.json")
}

func harness() statetest.Harness {
	return statetest.Harness{Fresh: func(t *testing.T) statetest.Store {
		path := statePath(t)
		return statetest.Store{
			Open: func(t *testing.T) state.Backend { return New(path) },
			WriteRaw: func(t *testing.T, data []byte) {
				if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, data, 0o600); err != nil {
					t.Fatal(err)
				}
			},
			ReadRaw: func(t *testing.T) []byte {
				data, err := os.ReadFile(path)
				if err != nil && !errors.Is(err, fs.ErrNotExist) {
					t.Fatal(err)
				}
				return data
			},
		}
	}}
}

func TestConformance(t *testing.T) {
	statetest.Run(t, harness())
}

// snapshot returns a small snapshot whose content changes with n.
func snapshot(n int) *state.Snapshot {
	s := state.New("5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a")
	props := s.PutValues(state.Values{"disk_space": int64(n)})
	s.Subscriptions = []state.Subscription{{Domain: "a.example", Plan: "p", Effective: props, Status: "active"}}
	return s
}

func write(t *testing.T, b *Backend, n int, expect uint64) uint64 {
	t.Helper()
	serial, err := b.Write(t.Context(), snapshot(n), expect, &state.HistoryEntry{Who: "t", Summary: fmt.Sprint(n)})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return serial
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestFilesAfterWrites(t *testing.T) {
	path := statePath(t)
	b := New(path)
	if got := b.Describe(); got != "state file "+path {
		t.Errorf("Describe = %q", got)
	}
	write(t, b, 1, 0)
	if _, err := os.Stat(path + ".backup"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("backup after the first write: %v", err)
	}
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	write(t, b, 2, 1)
	backup, err := os.ReadFile(path + ".backup")
	if err != nil {
		t.Fatalf("no backup after the second write: %v", err)
	}
	if !bytes.Equal(backup, first) {
		t.Errorf("backup is not the previous state file:\n%s\nwant:\n%s", backup, first)
	}
	write(t, b, 3, 2)
	if s, err := state.Decode(mustReadFile(t, path+".backup")); err != nil || s.Serial != 2 {
		t.Errorf("backup after the third write: serial %v, %v; want 2", s, err)
	}

	// No temporary files are left, and nothing is readable by others.
	want := []string{"state.json", "state.json.backup", "state.json.history.jsonl", "state.json.lock"}
	dir := filepath.Dir(path)
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("files after writes: %q, want %q", got, want)
	}
	checkMode(t, dir, 0o700|fs.ModeDir)
	for _, name := range want {
		checkMode(t, filepath.Join(dir, name), 0o600)
	}
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func checkMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != want {
		t.Errorf("%s has mode %v, want %v", filepath.Base(path), fi.Mode(), want)
	}
}

func TestFailedWriteLeavesNoTempFile(t *testing.T) {
	path := statePath(t)
	b := New(path)
	write(t, b, 1, 0)
	s := snapshot(2)
	s.Lineage = ""
	if _, err := b.Write(t.Context(), s, 1, nil); err == nil {
		t.Fatalf("Write of a snapshot without lineage succeeded")
	}
	bad := snapshot(3)
	bad.Subscriptions[0].Effective = "missing"
	if _, err := b.Write(t.Context(), bad, 1, nil); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("Write of a dangling reference = %v", err)
	}
	want := []string{"state.json", "state.json.history.jsonl", "state.json.lock"}
	if got := dirNames(t, filepath.Dir(path)); !slices.Equal(got, want) {
		t.Errorf("files after failed writes: %q, want %q", got, want)
	}
}

func TestReadErrorsNameTheFile(t *testing.T) {
	path := statePath(t)
	b := New(path)
	if _, err := b.Read(t.Context()); !errors.Is(err, state.ErrNotFound) || !strings.Contains(err.Error(), path) {
		t.Errorf("Read of a missing file = %v, want ErrNotFound naming %s", err, path)
	}
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, []byte("{\n  \"format_version\": 1,\n  oops\n}\n"), 0o600)
	_, err := b.Read(t.Context())
	// Named as an error in a config file is: PATH:LINE:COLUMN.
	if !errors.Is(err, state.ErrCorrupt) || !strings.Contains(err.Error(), path+":3:3: recorded state is corrupt: ") {
		t.Errorf("Read of a corrupt file = %v, want ErrCorrupt naming %s:3:3", err, path)
	}
	var se *state.SyntaxError
	if !errors.As(err, &se) || se.Line != 3 || se.Column != 3 {
		t.Errorf("Read of a corrupt file = %#v, want a state.SyntaxError at line 3, column 3", err)
	}
}

func TestLockFile(t *testing.T) {
	path := statePath(t)
	// The state's folder and its lock file are there (as once a state
	// was written): the lock file stays (TestLockMadeFolder,
	// TestLockMadeFile: when the lock made it).
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".lock", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	b := New(path)
	l, err := b.TryLock(t.Context(), state.LockInfo{Who: "alice", Operation: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	info := l.Info()
	host, _ := os.Hostname()
	if info.PID != os.Getpid() || info.Host != host || info.Since.IsZero() || info.ID == "" {
		t.Errorf("lock info defaults not filled: %+v", info)
	}
	if data := string(mustReadFile(t, path+".lock")); !strings.Contains(data, `"who":"alice"`) || !strings.Contains(data, info.ID) {
		t.Errorf("lock file does not name its holder: %s", data)
	}
	// Another handle in this process is excluded, and so is this one:
	// the lock is not reentrant.
	for _, other := range []*Backend{New(path), b} {
		if _, err := other.TryLock(t.Context(), state.LockInfo{}); !state.IsLocked(err) {
			t.Errorf("second TryLock = %v, want LockedError", err)
		}
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(); err != nil {
		t.Errorf("second Unlock: %v", err)
	}
	if data := mustReadFile(t, path+".lock"); len(data) != 0 {
		t.Errorf("lock file after Unlock: %q, want empty", data)
	}
	// Close releases a held lock.
	if _, err := b.TryLock(t.Context(), state.LockInfo{}); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	l2, err := New(path).TryLock(t.Context(), state.LockInfo{})
	if err != nil {
		t.Fatalf("TryLock after Close: %v", err)
	}
	l2.Unlock()
}

// TestLockMadeFolder: a lock that made the state's folder and saw no
// state written leaves nothing behind (a run on bad input changes
// nothing, SPEC §5); once a state is written, the lock file stays. A
// locker that met the lock meanwhile takes it after the release, making
// the folder again.
func TestLockMadeFolder(t *testing.T) {
	path := statePath(t)
	dir := filepath.Dir(path)
	b, other := lockAndRelease(t, path)
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("after a lock with no state written, %s: %v, want it gone", dir, err)
	}
	l2, err := other.TryLock(t.Context(), state.LockInfo{Who: "bob"})
	if err != nil {
		t.Fatalf("TryLock after the release: %v", err)
	}
	if _, err := b.TryLock(t.Context(), state.LockInfo{}); !state.IsLocked(err) {
		t.Fatalf("TryLock while bob holds it = %v, want LockedError", err)
	}
	// A folder holding anything else (a cache) stays; the lock file goes.
	if err := os.WriteFile(filepath.Join(dir, "keep"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := l2.Unlock(); err != nil {
		t.Fatal(err)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"keep"}) {
		t.Errorf("files after the release: %q, want only keep", got)
	}
	if err := os.Remove(filepath.Join(dir, "keep")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	// A state written under the lock: everything stays.
	writeKeepsLockFile(t, b, path)
}

// lockAndRelease takes the lock of the state at path, sees another
// backend refused it meanwhile, and releases it: it returns both
// backends.
func lockAndRelease(t *testing.T, path string) (b, other *Backend) {
	t.Helper()
	b = New(path)
	l, err := b.TryLock(t.Context(), state.LockInfo{Who: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	other = New(path)
	if _, err := other.TryLock(t.Context(), state.LockInfo{}); !state.IsLocked(err) {
		t.Fatalf("TryLock while held = %v, want LockedError", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	return b, other
}

// writeKeepsLockFile takes b's lock, writes a state and releases it: the
// lock file at path+".lock" stays, empty.
func writeKeepsLockFile(t *testing.T, b *Backend, path string) {
	t.Helper()
	l, err := b.TryLock(t.Context(), state.LockInfo{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Write(t.Context(), snapshot(1), 0, nil); err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(path + ".lock"); err != nil || len(data) != 0 {
		t.Errorf("lock file after a write and Unlock: %q, %v; want it there, empty", data, err)
	}
}

// TestLockMadeFile: in a folder that exists (a config's .plansync
// holding a cache, a folder named by --state), a lock that made its lock
// file and saw no state written takes the file away again: a run on bad
// input leaves nothing behind (SPEC §5). The folder and what it holds
// stay; once a state is written, the lock file stays.
func TestLockMadeFile(t *testing.T) {
	path := statePath(t)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keep"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	b, other := lockAndRelease(t, path)
	if got := dirNames(t, dir); !slices.Equal(got, []string{"keep"}) {
		t.Errorf("files after a lock with no state written: %q, want only keep", got)
	}
	l2, err := other.TryLock(t.Context(), state.LockInfo{Who: "bob"})
	if err != nil {
		t.Fatalf("TryLock after the release: %v", err)
	}
	if _, err := b.TryLock(t.Context(), state.LockInfo{}); !state.IsLocked(err) {
		t.Fatalf("TryLock while bob holds it = %v, want LockedError", err)
	}
	if err := l2.Unlock(); err != nil {
		t.Fatal(err)
	}
	// A state written under the lock: the lock file stays.
	writeKeepsLockFile(t, b, path)
}

// TestLockFileRemovedWhileOpened: a locker that finds the lock file
// there, and then finds it gone (its holder, which made it, released the
// lock with no state written and removed it), makes it anew as its own:
// released with no state written, it takes the file away too, leaving
// nothing behind (SPEC §5).
func TestLockFileRemovedWhileOpened(t *testing.T) {
	path := statePath(t)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	lockWhileReleased(t, path, false)
	if got := dirNames(t, dir); len(got) != 0 {
		t.Errorf("files after two locks with no state written: %q, want none", got)
	}
}

// TestLockFolderRemovedWhileOpened: a locker that found the state's
// folder, made by a holder that releases the lock with no state written
// and removes the folder before the locker opens the lock file in it,
// makes the folder again and takes the lock (the holder is gone): no
// error.
func TestLockFolderRemovedWhileOpened(t *testing.T) {
	path := statePath(t)
	dir := filepath.Dir(path)
	lockWhileReleased(t, path, true)
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after two locks with no state written, %s: %v, want it gone", dir, err)
	}
}

// lockWhileReleased has alice take the lock of the state at path, then
// bob take it while alice releases it (no state written) at bob's first
// attempt to open the lock file (atCreate) or at his open of the file
// found there; bob's lock must be taken and is released.
func lockWhileReleased(t *testing.T, path string, atCreate bool) {
	t.Helper()
	l, err := New(path).TryLock(t.Context(), state.LockInfo{Who: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	testHookOpenLockFile = func(create bool) {
		if create == atCreate {
			testHookOpenLockFile = nil
			if err := l.Unlock(); err != nil {
				t.Error(err)
			}
		}
	}
	defer func() { testHookOpenLockFile = nil }()
	l2, err := New(path).TryLock(t.Context(), state.LockInfo{Who: "bob"})
	if err != nil {
		t.Fatalf("TryLock as the holder releases: %v", err)
	}
	if err := l2.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// TestLockStateIsDirectory: a state path that is a directory is an error
// naming it, and no lock file is made beside it.
func TestLockStateIsDirectory(t *testing.T) {
	path := statePath(t)
	if err := os.MkdirAll(path, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := New(path).TryLock(t.Context(), state.LockInfo{})
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("TryLock on a directory = %v, want an error saying it is a directory", err)
	}
	if _, err := os.Stat(path + ".lock"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("lock file beside a directory state: %v, want none", err)
	}
}

func TestWriteTakesTheLock(t *testing.T) {
	path := statePath(t)
	holder, writer := New(path), New(path)
	writer.lockWait = 100 * time.Millisecond
	l, err := holder.TryLock(t.Context(), state.LockInfo{Who: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = writer.Write(t.Context(), snapshot(1), 0, nil)
	var le *state.LockedError
	if !errors.As(err, &le) || le.Holder.ID != l.Info().ID {
		t.Fatalf("Write while another handle holds the lock = %v, want LockedError naming %s", err, l.Info().ID)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("state file written without the lock")
	}
	l.Unlock()
	write(t, writer, 1, 0)
	// The write released the lock it took.
	l, err = holder.TryLock(t.Context(), state.LockInfo{})
	if err != nil {
		t.Fatalf("TryLock after Write: %v", err)
	}
	l.Unlock()
}

func TestWriteAfterForceUnlockFails(t *testing.T) {
	path := statePath(t)
	b, other := New(path), New(path)
	write(t, b, 1, 0)
	l, err := b.TryLock(t.Context(), state.LockInfo{Who: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.ForceUnlock(t.Context(), l.Info().ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Write(t.Context(), snapshot(2), 1, nil); err == nil || !strings.Contains(err.Error(), "force-unlock") {
		t.Errorf("Write under a broken lock = %v, want an error", err)
	}
	if s, err := other.Read(t.Context()); err != nil || s.Serial != 1 {
		t.Errorf("state after a refused write: %v, %v", s, err)
	}
	l.Unlock()
	write(t, b, 2, 1)
}

func TestForceUnlockOwnLock(t *testing.T) {
	b := New(statePath(t))
	l, err := b.TryLock(t.Context(), state.LockInfo{})
	if err != nil {
		t.Fatal(err)
	}
	err = b.ForceUnlock(t.Context(), "other")
	if err == nil || !strings.Contains(err.Error(), "no lock with ID other is held") || !strings.Contains(err.Error(), l.Info().ID) {
		t.Errorf("ForceUnlock with a wrong ID = %v, want an error naming the holder", err)
	}
	if err := b.ForceUnlock(t.Context(), l.Info().ID); err != nil {
		t.Fatal(err)
	}
	l2, err := New(b.Path()).TryLock(t.Context(), state.LockInfo{})
	if err != nil {
		t.Fatalf("TryLock after force-unlocking our own lock: %v", err)
	}
	l2.Unlock()
}

func TestHistoryTornLastLine(t *testing.T) {
	path := statePath(t)
	b := New(path)
	write(t, b, 1, 0)
	write(t, b, 2, 1)
	hist := path + ".history.jsonl"
	f, err := os.OpenFile(hist, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"serial":3,"who":"crash","wh`)
	f.Close()

	h, err := b.History(t.Context())
	if err != nil || len(h) != 2 {
		t.Fatalf("History with a torn last line = %d entries, %v; want 2", len(h), err)
	}
	write(t, b, 3, 2)
	h, err = b.History(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var serials []uint64
	for _, e := range h {
		serials = append(serials, e.Serial)
	}
	if !slices.Equal(serials, []uint64{1, 2, 3}) {
		t.Errorf("history serials after a torn line = %v, want [1 2 3]", serials)
	}

	// A damaged line before the last is corruption.
	data := mustReadFile(t, hist)
	os.WriteFile(hist, append([]byte("garbage\n"), data...), 0o600)
	if _, err := b.History(t.Context()); !errors.Is(err, state.ErrCorrupt) || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("History with a damaged line = %v, want ErrCorrupt at line 1", err)
	}
}

// startLockChild runs the test binary as a process that holds the lock of
// the state file at path, and returns it with its lock ID once it holds
// it.
func startLockChild(t *testing.T, path string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockChildEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Scan()
		line <- sc.Text()
	}()
	select {
	case l := <-line:
		id, ok := strings.CutPrefix(l, "locked ")
		if !ok {
			t.Fatalf("lock child said %q", l)
		}
		return cmd, id
	case <-time.After(30 * time.Second):
		t.Fatal("lock child did not take the lock within 30s")
	}
	return nil, ""
}

func TestLockAcrossProcesses(t *testing.T) {
	path := statePath(t)
	child, id := startLockChild(t, path)
	b := New(path)
	b.lockWait = 100 * time.Millisecond
	_, err := b.TryLock(t.Context(), state.LockInfo{Who: "parent"})
	var le *state.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("TryLock while a child process holds the lock = %v, want LockedError", err)
	}
	host, _ := os.Hostname()
	if h := le.Holder; h.PID != child.Process.Pid || h.ID != id || h.Who != "child" || h.Operation != "holding" || h.Host != host || h.Since.IsZero() {
		t.Errorf("LockedError names %+v, want the child (pid %d, ID %s)", h, child.Process.Pid, id)
	}
	if _, err := b.Write(t.Context(), snapshot(1), 0, nil); !state.IsLocked(err) {
		t.Errorf("Write while a child process holds the lock = %v, want LockedError", err)
	}

	// A holder killed outright does not strand the lock.
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	l, err := state.AcquireLock(ctx, b, state.LockInfo{Who: "parent"}, 10*time.Second)
	if err != nil {
		t.Fatalf("lock still held after its holder was killed: %v", err)
	}
	if l.Info().PID != os.Getpid() {
		t.Errorf("lock info %+v is not ours", l.Info())
	}
	write(t, b, 1, 0)
	l.Unlock()
}

func TestForceUnlockLiveProcess(t *testing.T) {
	path := statePath(t)
	_, id := startLockChild(t, path)
	b := New(path)
	if err := b.ForceUnlock(t.Context(), "not-"+id); err == nil || !strings.Contains(err.Error(), id) {
		t.Errorf("ForceUnlock with a wrong ID = %v, want an error naming the holder %s", err, id)
	}
	if err := b.ForceUnlock(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	// The child still holds its flock, on a deleted file; the lock is
	// free for everyone else.
	l, err := b.TryLock(t.Context(), state.LockInfo{Who: "parent"})
	if err != nil {
		t.Fatalf("TryLock after ForceUnlock of a live holder: %v", err)
	}
	if _, err := New(path).TryLock(t.Context(), state.LockInfo{}); !state.IsLocked(err) {
		t.Errorf("the new lock does not exclude: %v", err)
	}
	l.Unlock()
}

// TestForceUnlockKilledHolder: a holder killed outright leaves its text
// in the lock file but not its lock; force-unlock with another ID says
// the state is not locked, naming no holder that is gone, and with the
// killed holder's ID it succeeds.
func TestForceUnlockKilledHolder(t *testing.T) {
	path := statePath(t)
	child, id := startLockChild(t, path)
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	b := New(path)
	err := b.ForceUnlock(t.Context(), "not-"+id)
	if err == nil || !strings.Contains(err.Error(), "it is not locked") || strings.Contains(err.Error(), "current holder") {
		t.Errorf("ForceUnlock with a wrong ID after the holder was killed = %v, want an error saying it is not locked", err)
	}
	if err := b.ForceUnlock(t.Context(), id); err != nil && !strings.Contains(err.Error(), "it is not locked") {
		t.Errorf("ForceUnlock of the killed holder's ID = %v", err)
	}
	l, err := b.TryLock(t.Context(), state.LockInfo{Who: "parent"})
	if err != nil {
		t.Fatalf("TryLock after the holder was killed: %v", err)
	}
	l.Unlock()
}

// TestKilledWriter kills a process that writes states in a loop at
// varying moments: every time, the state file must hold a whole state
// (the last one written or the next), and the next write must succeed
// and clear what the killed writer left behind.
func TestKilledWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := statePath(t)
	b := New(path)
	var last uint64
	for round := range 6 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), writeChildEnv+"="+path)
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wrote := make(chan string)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				wrote <- sc.Text()
			}
			close(wrote)
		}()
		select {
		case line, ok := <-wrote:
			if !ok {
				t.Fatalf("round %d: the writer exited", round)
			}
			t.Logf("round %d: writer says %q", round, line)
		case <-time.After(60 * time.Second):
			t.Fatalf("round %d: the writer wrote nothing within 60s", round)
		}
		// Let it run into the next write for a varying time, then kill
		// it: this delay is the fault injected, not a wait for anything.
		time.Sleep(time.Duration(round*10) * time.Millisecond)
		cmd.Process.Kill()
		go func() {
			for range wrote {
			}
		}()
		cmd.Wait()

		s, err := b.Read(t.Context())
		if err != nil {
			t.Fatalf("round %d: state after the writer was killed: %v", round, err)
		}
		if s.Serial <= last {
			t.Fatalf("round %d: serial %d after %d", round, s.Serial, last)
		}
		if want := bigSnapshot(int(s.Serial)); !state.ContentEqual(want, s) {
			t.Fatalf("round %d: the state of serial %d is not the one written", round, s.Serial)
		}
		hist, err := b.History(t.Context())
		if err != nil {
			t.Fatalf("round %d: history: %v", round, err)
		}
		// State and history entry are committed together: every serial
		// from 1 to the state's is listed exactly once, wherever the
		// writer was killed.
		checkContinuity(t, hist, s.Serial)
		last = s.Serial
	}
	n, err := b.Write(t.Context(), bigSnapshot(int(last)+1), last, &state.HistoryEntry{Who: "parent"})
	if err != nil || n != last+1 {
		t.Fatalf("Write after the killed writers = %d, %v", n, err)
	}
	want := []string{"state.json", "state.json.backup", "state.json.history.jsonl", "state.json.lock"}
	if got := dirNames(t, filepath.Dir(path)); !slices.Equal(got, want) {
		t.Errorf("files after killed writers and a write: %q, want %q", got, want)
	}
}

// TestBackupAlreadyLinked: a writer killed after keeping the backup (a
// link to the state file) and before writing the state leaves the
// backup and the state one file; the next write keeps the backup and
// leaves no temporary file behind.
func TestBackupAlreadyLinked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	b := New(path)
	if _, err := b.Write(t.Context(), bigSnapshot(1), 0, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(path, b.backupPath()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Write(t.Context(), bigSnapshot(2), 1, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"state.json", "state.json.backup", "state.json.lock"}
	if got := dirNames(t, filepath.Dir(path)); !slices.Equal(got, want) {
		t.Errorf("files after the write: %q, want %q", got, want)
	}
}

// BenchmarkWrite100k measures a changing write of a state of 100,000
// subscriptions by a Backend that knows the stored state (it wrote it, as
// an apply's Backend read it): no decoding, one encoding, backup, fsynced
// write. "decoding": a new Backend each time, which must decode the
// stored state and encode it again to compare. "equal": a write of the
// stored content, which writes nothing.
func BenchmarkWrite100k(b *testing.B) {
	snaps := []*state.Snapshot{manySubscriptions(1, 100_000), manySubscriptions(2, 100_000)}
	start := func(b *testing.B) (*Backend, uint64) {
		be := New(filepath.Join(b.TempDir(), "state.json"))
		serial, err := be.Write(b.Context(), snaps[0], 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		return be, serial
	}
	b.Run("known", func(b *testing.B) {
		be, serial := start(b)
		var err error
		for i := 1; b.Loop(); i++ {
			if serial, err = be.Write(b.Context(), snaps[i%2], serial, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decoding", func(b *testing.B) {
		be, serial := start(b)
		var err error
		for i := 1; b.Loop(); i++ {
			if serial, err = New(be.Path()).Write(b.Context(), snaps[i%2], serial, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("equal", func(b *testing.B) {
		be, serial := start(b)
		for b.Loop() {
			if got, err := be.Write(b.Context(), snaps[0], serial, nil); err != nil || got != serial {
				b.Fatal(got, err)
			}
		}
	})
}

// checkContinuity fails unless hist lists every serial from 1 to serial
// exactly once, in order.
func checkContinuity(t *testing.T, hist []state.HistoryEntry, serial uint64) {
	t.Helper()
	if uint64(len(hist)) != serial {
		t.Fatalf("history has %d entries for serial %d", len(hist), serial)
	}
	for i, e := range hist {
		if e.Serial != uint64(i+1) {
			t.Fatalf("history entry %d has serial %d, want %d", i, e.Serial, i+1)
		}
	}
}

// TestForceUnlockedWriterDoesNotWrite: a writer whose lock is broken by
// force-unlock after its lock check at the start of Write, while it is
// writing, does not rename its state: it fails, and neither the state nor
// the history changes.
func TestForceUnlockedWriterDoesNotWrite(t *testing.T) {
	path := statePath(t)
	writer, breaker := New(path), New(path)
	ctx := t.Context()
	if _, err := writer.Write(ctx, manySubscriptions(1, 3), 0, &state.HistoryEntry{Summary: "first"}); err != nil {
		t.Fatal(err)
	}
	l, err := writer.TryLock(ctx, state.LockInfo{Operation: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	before, _ := os.ReadFile(path)
	histBefore, _ := os.ReadFile(path + ".history.jsonl")
	broke := false
	testHookBeforeRename = func() {
		if err := breaker.ForceUnlock(ctx, l.Info().ID); err != nil {
			t.Errorf("force-unlock: %v", err)
		}
		broke = true
	}
	defer func() { testHookBeforeRename = nil }()
	_, err = writer.Write(ctx, manySubscriptions(2, 3), 1, &state.HistoryEntry{Summary: "second"})
	testHookBeforeRename = nil
	if !broke {
		t.Fatal("the hook did not run")
	}
	if err == nil || !strings.Contains(err.Error(), "force-unlock") {
		t.Fatalf("Write after force-unlock mid-write = %v, want an error naming force-unlock", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Error("the state changed")
	}
	if after, _ := os.ReadFile(path + ".history.jsonl"); !bytes.Equal(after, histBefore) {
		t.Errorf("the history changed:\n%s", after)
	}
	want := []string{"state.json", "state.json.history.jsonl"}
	if got := dirNames(t, filepath.Dir(path)); !slices.Equal(got, want) {
		t.Errorf("files after the fenced write: %q, want %q", got, want)
	}
	// The next locker writes normally.
	if n, err := breaker.Write(ctx, manySubscriptions(2, 3), 1, &state.HistoryEntry{Summary: "second"}); err != nil || n != 2 {
		t.Fatalf("Write by the next locker = %d, %v", n, err)
	}
	hist, err := breaker.History(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkContinuity(t, hist, 2)
}

// TestHistoryFailureChangesNothing: when the history entry cannot be
// recorded, Write fails and the state is not written either.
func TestHistoryFailureChangesNothing(t *testing.T) {
	path := statePath(t)
	b := New(path)
	ctx := t.Context()
	if _, err := b.Write(ctx, manySubscriptions(1, 3), 0, &state.HistoryEntry{Summary: "first"}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	// An unwritable history: a directory in its place.
	hist := path + ".history.jsonl"
	if err := os.Rename(hist, hist+".kept"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(hist, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := b.Write(ctx, manySubscriptions(2, 3), 1, &state.HistoryEntry{Summary: "second"})
	if err == nil || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("Write with an unwritable history = %v, want an error saying nothing was written", err)
	}
	if strings.Count(err.Error(), b.Describe()) != 1 {
		t.Errorf("error names the backend other than once: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Error("the state was written although its history entry was not")
	}
	if s, err := b.Read(ctx); err != nil || s.Serial != 1 {
		t.Fatalf("Read = %v, %v; want serial 1", s, err)
	}
}

// TestPendingHistoryEntry: an entry above the state's serial (a writer
// killed between recording it and renaming its state) is not history:
// History leaves it out and the next write replaces it.
func TestPendingHistoryEntry(t *testing.T) {
	path := statePath(t)
	b := New(path)
	ctx := t.Context()
	if _, err := b.Write(ctx, manySubscriptions(1, 3), 0, &state.HistoryEntry{Summary: "first"}); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path+".history.jsonl", os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, `{"serial":2,"who":"killed","when":"2026-01-01T00:00:00Z","summary":"never applied"}`)
	f.Close()
	hist, err := b.History(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkContinuity(t, hist, 1)
	if _, err := b.Write(ctx, manySubscriptions(2, 3), 1, &state.HistoryEntry{Summary: "second"}); err != nil {
		t.Fatal(err)
	}
	if hist, err = b.History(ctx); err != nil {
		t.Fatal(err)
	}
	checkContinuity(t, hist, 2)
	if hist[1].Summary != "second" {
		t.Errorf("entry 2 is %q, want the applied one", hist[1].Summary)
	}
	data, _ := os.ReadFile(path + ".history.jsonl")
	if bytes.Contains(data, []byte("never applied")) {
		t.Error("the pending entry is still in the file")
	}
}

// TestPendingKeptSerialEntry: a state pushed into a new backend keeps
// its serial (state.HistoryEntry.KeepSerial); a writer killed between
// recording its entry and renaming its state leaves an entry that is not
// history: History leaves it out, even beside the entries of an earlier
// state in the same place, and the next write replaces it.
func TestPendingKeptSerialEntry(t *testing.T) {
	path := statePath(t)
	ctx := t.Context()
	// An earlier state's history, its state file deleted by hand.
	b := New(path)
	if _, err := b.Write(ctx, manySubscriptions(1, 3), 0, &state.HistoryEntry{Summary: "earlier 1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Write(ctx, manySubscriptions(3, 3), 1, &state.HistoryEntry{Summary: "earlier"}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	b = New(path)
	pushed := manySubscriptions(2, 3)
	pushed.Serial = 57
	killed := errors.New("killed")
	testHookBeforeRename = func() { panic(killed) }
	func() {
		defer func() {
			if r := recover(); r != killed {
				panic(r)
			}
		}()
		b.Write(ctx, pushed, 0, &state.HistoryEntry{Summary: "never pushed", KeepSerial: true})
	}()
	testHookBeforeRename = nil
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the state file is there after the killed write: %v", err)
	}
	hist, err := New(path).History(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[1].Summary != "earlier" {
		t.Errorf("history after the killed write = %+v, want only the earlier state's entries", hist)
	}
	b = New(path)
	if n, err := b.Write(ctx, pushed, 0, &state.HistoryEntry{Summary: "pushed", KeepSerial: true}); err != nil || n != 57 {
		t.Fatalf("Write = %d, %v; want serial 57", n, err)
	}
	if hist, err = b.History(ctx); err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || hist[1].Summary != "earlier" || hist[2].Serial != 57 || hist[2].Summary != "pushed" {
		t.Errorf("history = %+v, want the earlier entries and \"pushed\" at serial 57", hist)
	}
	data, _ := os.ReadFile(path + ".history.jsonl")
	if bytes.Contains(data, []byte("never pushed")) {
		t.Error("the pending entry is still in the file")
	}
}

// TestHistoryCompaction: past its size bound the history file is
// rewritten with what the retention keeps, so it stays bounded; History
// returns the same before and after.
func TestHistoryCompaction(t *testing.T) {
	path := statePath(t)
	b := New(path)
	ctx := t.Context()
	defer func(r state.Retention) { retention = r }(retention)
	retention = state.Retention{Entries: 1000, Changes: 32 << 10}
	bound := int64(2 * retention.Changes)
	big := []byte(`["` + strings.Repeat("x", 10<<10) + `"]`)
	var largest int64
	for i := range 40 {
		if _, err := b.Write(ctx, manySubscriptions(i+1, 2), uint64(i), &state.HistoryEntry{Summary: fmt.Sprint("apply ", i+1), Changes: big}); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path + ".history.jsonl")
		if err != nil {
			t.Fatal(err)
		}
		largest = max(largest, fi.Size())
	}
	if largest > bound+int64(len(big))+200 {
		t.Errorf("history file reached %d bytes, bound %d", largest, bound)
	}
	hist, err := b.History(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkContinuity(t, hist, 40)
	if len(hist[39].Changes) == 0 {
		t.Error("the newest entry lost its changes")
	}
	if len(hist[0].Changes) != 0 {
		t.Error("the oldest entry kept its changes beyond the retention")
	}
}

// TestTidyAfterKilledHolder: a killed writer's temporary file and a dead
// holder's text in the lock file are cleaned up by the next command,
// even one that only reads.
func TestTidyAfterKilledHolder(t *testing.T) {
	path := statePath(t)
	b := New(path)
	ctx := t.Context()
	if _, err := b.Write(ctx, manySubscriptions(1, 3), 0, &state.HistoryEntry{Summary: "first"}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	tmp := filepath.Join(dir, ".state.json.tmp-123456")
	if err := os.WriteFile(tmp, []byte("half a state"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".lock", []byte(`{"id":"dead","pid":99999,"who":"gone"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(path).Read(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("temporary file still there after a read: %v", err)
	}
	if data, _ := os.ReadFile(path + ".lock"); len(data) != 0 {
		t.Errorf("lock file still holds %q", data)
	}
	// A held lock is left alone, and so are its holder's files.
	l, err := b.TryLock(ctx, state.LockInfo{Operation: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if err := os.WriteFile(tmp, []byte("a write at work"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(path).Read(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Errorf("a reader removed the temporary file of a live writer: %v", err)
	}
	if data, _ := os.ReadFile(path + ".lock"); !bytes.Contains(data, []byte(l.Info().ID)) {
		t.Errorf("a reader emptied a held lock: %q", data)
	}
}

// TestLockReadOnly: a lock that cannot be taken for want of write access
// says so with state.ErrReadOnly (the CLI then plans without it).
func TestLockReadOnly(t *testing.T) {
	b := New("/x/state.json")
	for _, errno := range []error{syscall.EACCES, syscall.EPERM, errReadOnlyFS} {
		err := lockErr(b, &fs.PathError{Op: "open", Path: "/x/state.json.lock", Err: errno})
		if !errors.Is(err, state.ErrReadOnly) {
			t.Errorf("%v: not ErrReadOnly: %v", errno, err)
		}
	}
	if err := lockErr(b, &fs.PathError{Op: "open", Path: "/x", Err: syscall.EIO}); errors.Is(err, state.ErrReadOnly) {
		t.Errorf("EIO taken for read-only: %v", err)
	}
	if os.Geteuid() == 0 {
		t.Skip("file permissions do not bind root")
	}
	path := statePath(t)
	if _, err := New(path).Write(t.Context(), manySubscriptions(1, 3), 0, nil); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	for _, name := range dirNames(t, dir) {
		os.Chmod(filepath.Join(dir, name), 0o400)
	}
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	_, err := New(path).TryLock(t.Context(), state.LockInfo{})
	if !errors.Is(err, state.ErrReadOnly) {
		t.Fatalf("TryLock in a read-only directory = %v, want ErrReadOnly", err)
	}
}

// A state file that is a symbolic link (to a state kept in another
// directory, shared by several config directories) is written through:
// the file it names is replaced, the link stays, and the lock and the
// history are kept next to that file. A link that names no file yet
// has it created there.
func TestSymlinkedStateFile(t *testing.T) {
	shared := t.TempDir()
	path := statePath(t)
	os.MkdirAll(filepath.Dir(path), 0o700)
	if err := os.Symlink(filepath.Join(shared, "state.json"), path); err != nil {
		t.Skip(err)
	}
	b := New(path)
	write(t, b, 1, 0)
	write(t, New(path), 2, 1)
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v, %v", fi.Mode(), err)
	}
	s, err := state.Decode(mustReadFile(t, filepath.Join(shared, "state.json")))
	if err != nil || s.Serial != 2 {
		t.Fatalf("linked file: serial %v, %v; want 2", s, err)
	}
	want := []string{"state.json", "state.json.backup", "state.json.history.jsonl", "state.json.lock"}
	if got := dirNames(t, shared); !slices.Equal(got, want) {
		t.Errorf("files next to the linked file: %q, want %q", got, want)
	}
	if got := dirNames(t, filepath.Dir(path)); !slices.Equal(got, []string{"state.json"}) {
		t.Errorf("files next to the link: %q, want only the link", got)
	}
	// A relative link, through a chain of two.
	other := statePath(t)
	os.MkdirAll(filepath.Dir(other), 0o700)
	os.Symlink(path, filepath.Join(filepath.Dir(other), "mid.json"))
	os.Symlink("mid.json", other)
	got, err := New(other).Read(t.Context())
	if err != nil || got.Serial != 2 {
		t.Fatalf("Read through two links: %v, %v", got, err)
	}
}

// TestLockedByUnnamedHolder: a lock file held by a process that wrote no
// holder (not plansync: a CI script's flock around the run, a backup
// tool) is refused with an error that says so, not one naming an empty
// holder (pid 0, year 1) and an empty force-unlock command.
func TestLockedByUnnamedHolder(t *testing.T) {
	b := New(statePath(t))
	if err := os.MkdirAll(filepath.Dir(b.lockPath()), 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(b.lockPath(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err = b.TryLock(ctx, state.LockInfo{})
	var le *state.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("TryLock while an unnamed process holds the lock file = %v, want LockedError", err)
	}
	msg := err.Error()
	for _, bad := range []string{"pid 0", "0001-01-01", "force-unlock \n", "lock ID  "} {
		if strings.Contains(msg+"\n", bad) {
			t.Errorf("error %q shows an empty holder (%q)", msg, bad)
		}
	}
	if !strings.Contains(msg, "names no holder") {
		t.Errorf("error %q does not say the lock names no holder", msg)
	}
}

// TestLockReleasedWhileReadingHolder: a holder that releases the lock
// between the lock found held and its holder read (it empties the lock
// file, then drops the OS lock) leaves the lock free, and TryLock takes
// it rather than report a lock that names no holder.
func TestLockReleasedWhileReadingHolder(t *testing.T) {
	b := New(statePath(t))
	if err := os.MkdirAll(filepath.Dir(b.lockPath()), 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(b.lockPath(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := lockFile(f); err != nil {
		t.Fatal(err)
	}
	released := false
	b.afterBusy = func() {
		if !released {
			released = true
			f.Close() // drops the OS lock
		}
	}
	l, err := b.TryLock(t.Context(), state.LockInfo{Operation: "plan"})
	if err != nil {
		t.Fatalf("TryLock after the holder released the lock = %v, want the lock", err)
	}
	if !released {
		t.Fatal("the lock was never found held")
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
}
