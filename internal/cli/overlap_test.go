package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
	"github.com/plansync/plansync/state/file"
)

// The config is prepared (its files parsed and decoded) while the lock is
// taken and the state read (lockedConfig); these tests hold that to
// doing one after the other: the lock's or the state's error wins over
// the config's, what is printed comes in the same order, nothing is
// written when the state could not be read, and no goroutine is left.

// holdStateLock takes the lock of dir's state file as another process
// would; the returned func releases it.
func holdStateLock(t *testing.T, dir string) func() {
	t.Helper()
	b := file.New(filepath.Join(dir, ".plansync", "state.json"))
	l, err := b.TryLock(context.Background(), state.LockInfo{Who: "alice", Host: "ci-runner-7", PID: 4242,
		Operation: "apply", Since: time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release := func() { once.Do(func() { _ = l.Unlock(); _ = b.Close() }) }
	t.Cleanup(release)
	return release
}

// notifyBuffer is a buffer written from several goroutines, calling on
// with what it holds after each write.
type notifyBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	on func(string)
}

func (s *notifyBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.b.Write(p)
	if s.on != nil {
		s.on(s.b.String())
	}
	return n, err
}

func (s *notifyBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestStateErrorBeforeConfigError(t *testing.T) {
	dir := configDir(t)
	vars := map[string]string{"XDG_CACHE_HOME": t.TempDir()}
	run := func(args ...string) (int, string) {
		env, out, errb := termEnv(t, "", vars)
		env.IsTerminal = func(any) bool { return false }
		code := Main(context.Background(), append(args, "--dir", dir), env)
		return code, out.String() + errb.String()
	}
	if code, out := run("apply", "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	saved := filepath.Join(t.TempDir(), "saved.plan")
	if code, out := run("plan", "--out", saved); code != 0 {
		t.Fatalf("plan --out: exit %d\n%s", code, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("service_plans: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	decoded := filepath.Join(dir, ".plansync", "cache", "decoded")
	if err := os.RemoveAll(decoded); err != nil {
		t.Fatal(err)
	}

	// The lock held elsewhere: its error, and nothing of the config's
	// (nor the cache's entries of the files that parse).
	release := holdStateLock(t, dir)
	for _, args := range [][]string{{"plan"}, {"plan", "--no-cache"}, {"plan", "--lock-timeout", "50ms"},
		{"apply", "--auto-approve"}, {"plan", "--as", "reseller:nobody"}, {"apply", saved}, {"refresh"}} {
		code, out := run(args...)
		if code != ExitError || !strings.Contains(out, "state is locked by alice") || strings.Contains(out, "bad.yaml") {
			t.Errorf("%v with the lock held and a broken file: exit %d\n%s", args, code, out)
		}
	}
	if _, err := os.Stat(decoded); !os.IsNotExist(err) {
		t.Errorf("the config cache was written by runs that could not lock the state: %v", err)
	}
	release()

	// A reseller the state does not have: that error, not the config's.
	if code, out := run("plan", "--as", "reseller:nobody"); code != ExitError || !strings.Contains(out, "reseller nobody is not in") || strings.Contains(out, "bad.yaml") {
		t.Errorf("missing reseller and a broken file: exit %d\n%s", code, out)
	}

	// A corrupt state: its error.
	if err := os.WriteFile(filepath.Join(dir, ".plansync", "state.json"), []byte(`{"format_version": 1, "lineage": "x", "serial": 3, "service_plans": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"plan"}, {"plan", "--no-cache"}, {"apply", "--auto-approve"}, {"apply", saved}, {"refresh"}} {
		code, out := run(args...)
		if code != ExitError || !strings.Contains(out, "recorded state is corrupt") || strings.Contains(out, "bad.yaml") {
			t.Errorf("%v with a corrupt state and a broken file: exit %d\n%s", args, code, out)
		}
	}
}

// TestConfigErrorAfterLockWait: a run that waits for the lock prints the
// wait first and the config's errors once it holds the lock.
func TestConfigErrorAfterLockWait(t *testing.T) {
	dir := configDir(t)
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("service_plans: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, noCache := range []bool{false, true} {
		release := holdStateLock(t, dir)
		env, _, _ := termEnv(t, "", map[string]string{"XDG_CACHE_HOME": t.TempDir()})
		errb := &notifyBuffer{on: func(s string) {
			if strings.Contains(s, "Waiting up to") {
				go release()
			}
		}}
		env.Stderr = errb
		args := []string{"plan", "--dir", dir, "--lock-timeout", "1m"}
		if noCache {
			args = append(args, "--no-cache")
		}
		code := Main(context.Background(), args, env)
		out := errb.String()
		wait, bad := strings.Index(out, "Waiting up to 1m0s for the state lock held by alice"), strings.Index(out, "bad.yaml")
		if code != ExitError || wait < 0 || bad < wait {
			t.Errorf("no-cache=%t: exit %d, the wait (at %d) is not printed before the config error (at %d):\n%s", noCache, code, wait, bad, out)
		}
		release()
	}
}

// TestLockedConfigAbandons: when the lock cannot be taken, the config's
// preparation is stopped, told nothing of the state, never finished, and
// over before lockedConfig returns; a panic in it is raised in the
// caller.
func TestLockedConfigAbandons(t *testing.T) {
	dir := configDir(t)
	holdStateLock(t, dir)
	env, _, _ := termEnv(t, "", nil)
	var over atomic.Bool
	load := func(stop context.Context, stateRead <-chan struct{}) (func(*state.Snapshot) (*model.Config, error), error) {
		defer over.Store(true)
		<-stop.Done()
		select {
		case <-stateRead:
			t.Error("told the state was read")
		default:
		}
		return func(*state.Snapshot) (*model.Config, error) {
			t.Error("finished")
			return nil, nil
		}, nil
	}
	run, _, err := lockedConfig(context.Background(), env, &common{}, dir, "plan", load)
	if run != nil || !state.IsLocked(err) {
		t.Fatalf("got %v, %v; want the lock's error", run, err)
	}
	if !over.Load() {
		t.Error("the config's preparation still runs")
	}

	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "boom") || !strings.Contains(s, "in the goroutine loading the config") {
			t.Errorf("recovered %v; want the loader's panic", r)
		}
	}()
	lockedConfig(context.Background(), env, &common{}, dir, "plan", func(context.Context, <-chan struct{}) (func(*state.Snapshot) (*model.Config, error), error) {
		panic("boom")
	})
	t.Error("no panic")
}

// TestConfigCacheWrittenOnceStateRead: the config cache's entries made
// before the state is read are written only then (a run that cannot
// read the state changes nothing).
func TestConfigCacheWrittenOnceStateRead(t *testing.T) {
	dir := configDir(t)
	env, _, _ := termEnv(t, "", map[string]string{"XDG_CACHE_HOME": t.TempDir()})
	env.useCache = true
	stateRead := make(chan struct{})
	finish, err := configFor(env, dir)(context.Background(), stateRead)
	if err != nil {
		t.Fatal(err)
	}
	decoded := filepath.Join(dir, ".plansync", "cache", "decoded")
	if _, err := os.Stat(decoded); !os.IsNotExist(err) {
		t.Fatalf("written before the state was read: %v", err)
	}
	close(stateRead)
	if _, err := finish(nil); err != nil {
		t.Fatal(err)
	}
	if entries, err := os.ReadDir(decoded); err != nil || len(entries) != 1 {
		t.Fatalf("after the state was read: %v, %v; want main.yaml's entry", entries, err)
	}

	// Held entries are written by the first write once open.
	dc := openDiskCache(t.TempDir())
	open := make(chan struct{})
	h := &heldCache{diskCache: dc, open: open}
	h.Put([32]byte{1}, []byte("one"))
	if _, err := os.Stat(dc.dir); !os.IsNotExist(err) {
		t.Fatalf("written while held: %v", err)
	}
	close(open)
	h.Put([32]byte{2}, []byte("two"))
	if string(dc.Get([32]byte{1})) != "one" || string(dc.Get([32]byte{2})) != "two" {
		t.Error("entries not written once open")
	}
}
