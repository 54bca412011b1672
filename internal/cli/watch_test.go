package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/fleet"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/watch"
	"github.com/plansync/plansync/state"
	"github.com/plansync/plansync/state/file"
)

// syncBuffer is an output both the watch and the test use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const watchWait = 15 * time.Second

// watchRun is a `plansync watch` running in the test process.
type watchRun struct {
	t      testing.TB
	dir    string
	out    *syncBuffer
	cancel context.CancelFunc
	done   chan int
}

func startWatch(t testing.TB, dir string, vars map[string]string, args ...string) *watchRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	env := Env{
		Stdin: strings.NewReader(""), Stdout: out, Stderr: out,
		Getenv: func(k string) (string, bool) {
			v, ok := vars[k]
			return v, ok
		},
		IsTerminal: func(any) bool { return false },
		Now:        time.Now,
		Hostname:   func() (string, error) { return "testhost", nil },
		PID:        os.Getpid(),
		User:       "tester",
	}
	w := &watchRun{t: t, dir: dir, out: out, cancel: cancel, done: make(chan int, 1)}
	go func() {
		w.done <- Main(ctx, append([]string{"watch", "--dir", dir}, args...), env)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-w.done:
		case <-time.After(watchWait):
			t.Error("watch did not stop")
		}
	})
	return w
}

// waitFor waits until the output holds text n times in all.
func (w *watchRun) waitFor(text string, n int) {
	w.t.Helper()
	end := time.Now().Add(watchWait)
	for strings.Count(w.out.String(), text) < n {
		if time.Now().After(end) {
			w.t.Fatalf("no %d× %q within %s; output:\n%s", n, text, watchWait, w.out)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// plans counts the plans made so far.
func (w *watchRun) plans() int { return strings.Count(w.out.String(), "watch: planned in") }

// stop stops the watch as the first signal does and returns its exit
// code.
func (w *watchRun) stop() int {
	w.t.Helper()
	w.cancel()
	select {
	case code := <-w.done:
		w.done <- code
		return code
	case <-time.After(watchWait):
		w.t.Fatalf("watch did not stop; output:\n%s", w.out)
		return -1
	}
}

// save writes a file the way editors do: a temporary file renamed over
// it.
func save(t testing.TB, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func auditLines(t *testing.T, path string) []watchAudit {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []watchAudit
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r watchAudit
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs
}

// lockFree checks that nobody holds the state lock of dir.
func lockFree(t *testing.T, dir string) {
	t.Helper()
	b := file.New(filepath.Join(dir, ".plansync", "state.json"))
	defer b.Close()
	l, err := b.TryLock(context.Background(), state.LockInfo{Operation: "test"})
	if err != nil {
		t.Fatalf("state lock not free: %v", err)
	}
	_ = l.Unlock()
}

const watchConfig = `server:
  components: [php8.3, php-fpm]
service_plans:
  - name: Basic
    resources: {disk_space: 1GiB}
    hosting: {php_version: "8.3", php_handler: fpm}
subscriptions:
  - domain: a.example
    plan: Basic
  - domain: b.example
    plan: Basic
`

func TestWatchPlansAndApplies(t *testing.T) {
	dir := t.TempDir()
	save(t, filepath.Join(dir, "main.yaml"), watchConfig)
	w := startWatch(t, dir, nil, "--apply", "--debounce", "50ms")
	w.waitFor("watch: planned in", 1)
	w.waitFor("State serial 1.", 1)

	save(t, filepath.Join(dir, "main.yaml"), strings.Replace(watchConfig, "1GiB", "2GiB", 1))
	w.waitFor("watch: planning after change to main.yaml", 1)
	w.waitFor("State serial 2.", 1)
	w.waitFor("watch: planned in", 2)
	if !strings.Contains(w.out.String(), "resources.disk_space: 1 GiB → 2 GiB") {
		t.Errorf("plan not shown:\n%s", w.out)
	}
	lockFree(t, dir) // between changes, nobody is blocked

	recs := auditLines(t, filepath.Join(dir, ".plansync", "watch-audit.jsonl"))
	if len(recs) != 2 {
		t.Fatalf("%d audit lines, want 2: %+v", len(recs), recs)
	}
	if r := recs[0]; !r.Start || r.Result != "applied" || r.Serial != 1 || r.Who != "tester" {
		t.Errorf("first audit line: %+v", r)
	}
	r := recs[1]
	if r.Start || r.Result != "applied" || r.Serial != 2 || !reflect.DeepEqual(r.Trigger, []string{"main.yaml"}) ||
		r.Summary != "0 to add, 3 to change, 0 to delete, 0 conflicts" || r.Time.IsZero() {
		t.Errorf("second audit line: %+v", r)
	}

	if code := w.stop(); code != 0 {
		t.Errorf("exit %d", code)
	}
	w.waitFor("watch: stopped", 1)
	lockFree(t, dir)
}

func TestWatchInvalidConfigKeepsLastGoodPlan(t *testing.T) {
	dir := t.TempDir()
	save(t, filepath.Join(dir, "main.yaml"), watchConfig)
	w := startWatch(t, dir, nil, "--debounce", "50ms")
	w.waitFor("watch: planned in", 1)

	save(t, filepath.Join(dir, "broken.yaml"), "service_plans: [ {name: X\n")
	w.waitFor("broken.yaml:1:1: error: invalid YAML", 1)
	w.waitFor("watch: the configuration is invalid; the last good plan stays (made at ", 1)
	save(t, filepath.Join(dir, "broken.yaml"), "subscriptions:\n  - domain: c.example\n    plan: Nope\n")
	w.waitFor("broken.yaml:3:11: error:", 1)
	w.waitFor("watch: the configuration is invalid", 2)

	// The watch goes on: a fix is planned.
	save(t, filepath.Join(dir, "broken.yaml"), "subscriptions:\n  - domain: c.example\n    plan: Basic\n")
	w.waitFor("watch: planned in", 2)
	if !strings.Contains(w.out.String(), "Plan: 4 to add") {
		t.Errorf("no plan after the fix:\n%s", w.out)
	}
}

func TestWatchSkipsConflictsAndDeletes(t *testing.T) {
	dir := t.TempDir()
	save(t, filepath.Join(dir, "main.yaml"), watchConfig)
	w := startWatch(t, dir, nil, "--apply", "--debounce", "50ms")
	w.waitFor("State serial 1.", 1)

	// A delete.
	save(t, filepath.Join(dir, "main.yaml"), strings.TrimSuffix(watchConfig, "  - domain: b.example\n    plan: Basic\n"))
	w.waitFor("watch: skipped apply: the plan has 1 delete (subscription b.example)", 1)
	w.waitFor("watch: planned in", 2)
	// A conflict (and the delete still).
	save(t, filepath.Join(dir, "main.yaml"), strings.Replace(strings.TrimSuffix(watchConfig, "  - domain: b.example\n    plan: Basic\n"), `"8.3"`, `"8.4"`, 1))
	w.waitFor("watch: skipped apply: the plan has 1 conflict and 1 delete", 1)
	w.waitFor("watch: planned in", 3)
	// Only the conflict.
	save(t, filepath.Join(dir, "main.yaml"), strings.Replace(watchConfig, `"8.3"`, `"8.4"`, 1))
	w.waitFor("watch: skipped apply: the plan has 2 conflicts;", 1)
	w.waitFor("watch: planned in", 4)

	recs := auditLines(t, filepath.Join(dir, ".plansync", "watch-audit.jsonl"))
	if len(recs) != 4 {
		t.Fatalf("%d audit lines: %+v", len(recs), recs)
	}
	for _, r := range recs[1:] {
		if r.Result != "skipped" || r.Error == "" {
			t.Errorf("audit: %+v", r)
		}
	}
	// Nothing was applied after the first plan.
	b := file.New(filepath.Join(dir, ".plansync", "state.json"))
	defer b.Close()
	s, err := b.Read(context.Background())
	if err != nil || s.Serial != 1 {
		t.Fatalf("state serial %v, %v; want 1", s, err)
	}
}

// TestWatchConfigFilesOnly: a change to a file the config does not read
// is no reason to plan; a change to a secret file it reads is.
func TestWatchConfigFilesOnly(t *testing.T) {
	dir := t.TempDir()
	save(t, filepath.Join(dir, "main.yaml"), watchConfig+`customers:
  - login: jdoe
    name: John Doe
    email: john@doe.example
    password: {file: secrets/jdoe.txt}
`)
	save(t, filepath.Join(dir, "secrets", "jdoe.txt"), "first-secret\n")
	w := startWatch(t, dir, nil, "--apply", "--debounce", "50ms")
	w.waitFor("State serial 1.", 1)

	save(t, filepath.Join(dir, "NOTES.md"), "notes")
	w.waitFor("watch: ignoring change to NOTES.md: not part of the config", 1)
	save(t, filepath.Join(dir, "secrets", "jdoe.txt"), "second-secret\n")
	w.waitFor("watch: planning after change to secrets/jdoe.txt", 1)
	w.waitFor("Apply complete! 0 added, 1 changed", 1)
	w.waitFor("watch: planned in", 2)
	if strings.Contains(w.out.String(), "second-secret") {
		t.Error("a secret was printed")
	}
	if w.plans() != 2 {
		t.Errorf("%d plans, want 2:\n%s", w.plans(), w.out)
	}
}

// TestWatchTriggersConfigFilesOnly: a batch that changes a config file
// and a file the config does not read (a checkout of both) names only
// the config file as what the plan is after, on screen and in the audit
// log.
func TestWatchTriggersConfigFilesOnly(t *testing.T) {
	dir := t.TempDir()
	save(t, filepath.Join(dir, "main.yaml"), watchConfig)
	w := startWatch(t, dir, nil, "--apply", "--debounce", "300ms")
	w.waitFor("watch: planned in", 1)
	save(t, filepath.Join(dir, "NOTES.md"), "notes")
	save(t, filepath.Join(dir, "main.yaml"), strings.Replace(watchConfig, "disk_space: 1GiB", "disk_space: 2GiB", 1))
	w.waitFor("watch: planned in", 2)
	if !strings.Contains(w.out.String(), "watch: planning after change to main.yaml\n") {
		t.Errorf("the plan is not said to be after main.yaml alone:\n%s", w.out)
	}
	recs := auditLines(t, filepath.Join(dir, ".plansync", "watch-audit.jsonl"))
	if len(recs) != 2 || !slices.Equal(recs[1].Trigger, []string{"main.yaml"}) {
		t.Errorf("audit log: %+v, want the second apply after main.yaml alone", recs)
	}
}

// TestWatchIgnoredSaidOnce: a file that is not part of the config is
// said to be ignored at its first change only (the watch's own output
// may be written to it); PLANSYNC_DEBUG=watch says every change.
func TestWatchIgnoredSaidOnce(t *testing.T) {
	dir := t.TempDir()
	save(t, filepath.Join(dir, "main.yaml"), watchConfig)
	w := startWatch(t, dir, map[string]string{"PLANSYNC_DEBUG": "watch"}, "--debounce", "30ms")
	w.waitFor("watch: planned in", 1)
	for i := 1; i <= 3; i++ {
		save(t, filepath.Join(dir, "NOTES.md"), fmt.Sprintf("notes %d", i))
		w.waitFor("debug: watch: ignoring change to NOTES.md: not part of the config", i)
	}
	if n := strings.Count(w.out.String(), "watch: ignoring change to NOTES.md: not part of the config (later changes to it are not reported)"); n != 1 {
		t.Errorf("said %d times, want once:\n%s", n, w.out)
	}
	if w.plans() != 1 {
		t.Errorf("%d plans, want 1:\n%s", w.plans(), w.out)
	}
}

// TestWatchSameContentNoPlan: a touch or a save of the same content
// plans nothing.
func TestWatchSameContentNoPlan(t *testing.T) {
	dir := t.TempDir()
	save(t, filepath.Join(dir, "main.yaml"), watchConfig)
	w := startWatch(t, dir, nil, "--debounce", "50ms")
	w.waitFor("watch: planned in", 1)
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(dir, "main.yaml"), later, later); err != nil {
		t.Fatal(err)
	}
	save(t, filepath.Join(dir, "main.yaml"), watchConfig)
	save(t, filepath.Join(dir, ".main.yaml.swp"), "swap")
	save(t, filepath.Join(dir, "main.yaml~"), "backup")
	// A marker change after them: once it is planned, the others were
	// seen and ignored.
	save(t, filepath.Join(dir, "marker.yaml"), "")
	w.waitFor("watch: planned in", 2)
	if n := strings.Count(w.out.String(), "watch: planning after change to"); n != 1 {
		t.Errorf("%d re-plans, want 1:\n%s", n, w.out)
	}
	w.waitFor("watch: planning after change to marker.yaml\n", 1)
}

// TestWatchCheckoutOnePlan: 200 files changed at once (a git checkout)
// give one plan.
func TestWatchCheckoutOnePlan(t *testing.T) {
	dir := t.TempDir()
	save(t, filepath.Join(dir, "plans.yaml"), "service_plans:\n  - name: Basic\n")
	write := func(version string) {
		for i := range 200 {
			p := filepath.Join(dir, "subs", fmt.Sprintf("%03d.yaml", i))
			_ = os.Remove(p)
			save(t, p, fmt.Sprintf("subscriptions:\n  - domain: s%03d.example\n    plan: Basic\n    status: %s\n", i, version))
		}
	}
	write("active")
	if err := os.MkdirAll(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, dir, nil, "--debounce", "100ms", "--max-wait", "200ms")
	w.waitFor("watch: planned in", 1)
	lock := filepath.Join(dir, ".git", "index.lock")
	save(t, lock, "")
	write("suspended")
	time.Sleep(500 * time.Millisecond) // longer than the cap: git holds the batch
	if n := w.plans(); n != 1 {
		t.Fatalf("planned while git held its lock:\n%s", w.out)
	}
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	w.waitFor("watch: planned in", 2)
	save(t, filepath.Join(dir, "marker.yaml"), "")
	w.waitFor("watch: planned in", 3)
	if n := strings.Count(w.out.String(), "watch: planning after change to"); n != 2 {
		t.Errorf("%d re-plans, want 2 (the checkout, the marker):\n%s", n, w.out)
	}
	w.waitFor("watch: planning after change to subs/000.yaml, subs/001.yaml, subs/002.yaml and 197 more", 1)
}

// TestWatchWaitsForStateLock: a plan the state lock keeps from running
// is tried again, not dropped.
func TestWatchWaitsForStateLock(t *testing.T) {
	dir := t.TempDir()
	save(t, filepath.Join(dir, "main.yaml"), watchConfig)
	w := startWatch(t, dir, nil, "--apply", "--debounce", "50ms")
	w.waitFor("Apply complete!", 1)
	w.waitFor("watch: planned in", 1)

	_, l := takeStateLock(t, dir, "alice")
	save(t, filepath.Join(dir, "main.yaml"), strings.Replace(watchConfig, "1GiB", "3GiB", 1))
	w.waitFor("state is locked by alice", 1)
	w.waitFor("trying again in 1s", 1)
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	w.waitFor("Apply complete! 0 added, 3 changed", 1)
	w.waitFor("watch: planned in", 2)
	recs := auditLines(t, filepath.Join(dir, ".plansync", "watch-audit.jsonl"))
	if r := recs[len(recs)-1]; !reflect.DeepEqual(r.Trigger, []string{"main.yaml"}) {
		t.Errorf("audit: %+v", r)
	}
}

// TestWatchLockWaitSaidOnce: while the same holder keeps the state lock,
// the watch tries again every second without saying so every second
// (its output may be a log file); it says again what it plans once it
// has the lock, and names a new holder when the lock changes hands.
func TestWatchLockWaitSaidOnce(t *testing.T) {
	dir := t.TempDir()
	save(t, filepath.Join(dir, "main.yaml"), watchConfig)
	w := startWatch(t, dir, nil, "--apply", "--debounce", "50ms")
	w.waitFor("watch: planned in", 1)

	b, l := takeStateLock(t, dir, "alice")
	save(t, filepath.Join(dir, "main.yaml"), strings.Replace(watchConfig, "1GiB", "3GiB", 1))
	w.waitFor("state is locked by alice", 1)
	time.Sleep(3*watchLockRetry + watchLockRetry/2)
	if out := w.out.String(); strings.Count(out, "state is locked by alice") != 1 || strings.Count(out, "watch: planning after change to main.yaml") != 1 {
		t.Errorf("the wait for the same holder is said more than once:\n%s", out)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l, err := b.TryLock(context.Background(), state.LockInfo{Who: "bob", Operation: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	w.waitFor("state is locked by bob", 1)
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	w.waitFor("Apply complete! 0 added, 3 changed", 1)
	w.waitFor("watch: planned in", 2)
	out := w.out.String()
	if n := strings.Count(out, "watch: planning after change to main.yaml"); n != 2 {
		t.Errorf("planning after change said %d times, want 2 (when the change came, when planned):\n%s", n, out)
	}
	if i, j := strings.LastIndex(out, "watch: planning after change to main.yaml"), strings.Index(out, "state is locked by bob"); i < j {
		t.Errorf("the plan made once the lock is free is not announced:\n%s", out)
	}
}

// TestWatchLoaderMatchesLoad: the cached reload gives what config.Load
// gives, on the bundled examples and through edits, errors and links.
func TestWatchLoaderMatchesLoad(t *testing.T) {
	opts := cmp.Options{cmp.Exporter(func(reflect.Type) bool { return true })}
	// A service of an extension the state records, gone from the config.
	retired := map[string]string{"backup-pro": "acronis"}
	env := Env{Getenv: func(k string) (string, bool) { return "env-secret", k == "RESELLER_ACME_PASSWORD" }}
	check := func(t *testing.T, l *config.Reloader, snap watch.Batch, dir string) {
		t.Helper()
		got, gotDs := l.Load(watchTree(snap), retired)
		want, wantDs := config.Load(dir, config.Options{Getenv: env.Getenv, ReadFile: os.ReadFile, RecordedExtensionServices: retired})
		if diff := cmp.Diff(wantDs.Error(), gotDs.Error()); diff != "" {
			t.Errorf("diagnostics (-Load +watch):\n%s", diff)
		}
		if diff := cmp.Diff(want, got, opts); diff != "" {
			t.Errorf("config (-Load +watch):\n%s", diff)
		}
	}
	// checkSteps makes each change and checks the reload it brings.
	checkSteps := func(t *testing.T, w *watch.Watcher, l *config.Reloader, dir string, steps []func()) {
		t.Helper()
		for i, step := range steps {
			step()
			select {
			case b := <-w.Batches():
				t.Logf("step %d: %s", i, b)
				check(t, l, b, dir)
			case <-time.After(watchWait):
				t.Fatalf("step %d: no batch", i)
			}
		}
	}
	examples, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*"))
	if len(examples) == 0 {
		t.Fatal("no examples")
	}
	for _, ex := range examples {
		t.Run(filepath.Base(ex), func(t *testing.T) {
			w, err := watch.New(ex, watch.Options{Rescan: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			l := newWatchLoader(env, ex)
			check(t, l, w.Snapshot(), ex)
			check(t, l, w.Snapshot(), ex) // from the cache
		})
	}

	t.Run("edits", func(t *testing.T) {
		dir := t.TempDir()
		save(t, filepath.Join(dir, "main.yaml"), watchConfig)
		save(t, filepath.Join(dir, "sub", "more.hcl"), "subscription \"c.example\" {\n  plan = \"Basic\"\n}\n")
		w, err := watch.New(dir, watch.Options{Debounce: 20 * time.Millisecond, Rescan: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		l := newWatchLoader(env, dir)
		check(t, l, w.Snapshot(), dir)
		steps := []func(){
			func() {
				save(t, filepath.Join(dir, "sub", "more.hcl"), "subscription \"c.example\" {\n  plan = \"Nope\"\n}\n")
			},
			func() { save(t, filepath.Join(dir, "bad.yaml"), "subscriptions: [\n") },
			func() {
				if err := os.Symlink("missing.yaml", filepath.Join(dir, "dangling.yaml")); err != nil {
					t.Fatal(err)
				}
			},
			func() { save(t, filepath.Join(dir, "missing.yaml"), "customers: []\n") },
			func() { _ = os.Remove(filepath.Join(dir, "bad.yaml")) },
			func() { _ = os.RemoveAll(filepath.Join(dir, "sub")) },
			func() {
				if err := os.Symlink(filepath.Join(dir, "main.yaml"), filepath.Join(dir, "again.yaml")); err != nil {
					t.Fatal(err)
				}
			},
		}
		checkSteps(t, w, l, dir, steps)
	})

	// Decoded files are kept too: a file whose secret file changed is
	// decoded again, and what one file's objects take from another's
	// (a subscription's owner is its customer's) follows edits of the
	// other file alone.
	t.Run("secrets and owners", func(t *testing.T) {
		dir := t.TempDir()
		save(t, filepath.Join(dir, "main.yaml"), watchConfig)
		save(t, filepath.Join(dir, "acme.yaml"), `service_plans:
  - name: Basic
    owner: acme
    resources: {disk_space: 1GiB}
resellers:
  - login: acme
    name: Acme
    email: hosting@acme.example
    plan: none
`)
		people := `customers:
  - login: jdoe
    name: John Doe
    email: john@doe.example
    owner: OWNER
    password: {file: secrets/jdoe.txt}
`
		save(t, filepath.Join(dir, "people.yaml"), strings.Replace(people, "OWNER", "admin", 1))
		save(t, filepath.Join(dir, "sites.yaml"), "subscriptions:\n  - domain: d.example\n    customer: jdoe\n    plan: Basic\n")
		save(t, filepath.Join(dir, "secrets", "jdoe.txt"), "first\n")
		w, err := watch.New(dir, watch.Options{Debounce: 20 * time.Millisecond, Rescan: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		l := newWatchLoader(env, dir)
		check(t, l, w.Snapshot(), dir)
		if cfg, ds := l.Load(watchTree(w.Snapshot()), nil); cfg == nil || cfg.Subscriptions["d.example"].Owner != "admin" {
			t.Fatalf("subscription owner not its customer's: %+v\n%s", cfg, ds)
		}
		steps := []func(){
			func() { save(t, filepath.Join(dir, "secrets", "jdoe.txt"), "second\n") },
			func() { _ = os.Remove(filepath.Join(dir, "secrets", "jdoe.txt")) },
			func() { save(t, filepath.Join(dir, "secrets", "jdoe.txt"), "third\n") },
			func() { save(t, filepath.Join(dir, "people.yaml"), strings.Replace(people, "OWNER", "acme", 1)) },
			func() { save(t, filepath.Join(dir, "people.yaml"), strings.Replace(people, "OWNER", "admin", 1)) },
		}
		checkSteps(t, w, l, dir, steps)
		cfg, ds := l.Load(watchTree(w.Snapshot()), nil)
		if cfg == nil || cfg.Customers["jdoe"].Password.Value != "third\n" && cfg.Customers["jdoe"].Password.Value != "third" {
			t.Fatalf("secret not read again: %v %v", cfg, ds)
		}
	})
}

// BenchmarkWatchReplan100k measures, on a fleet of 100,000 subscriptions
// already applied, the time from a one-file edit (one customer renamed
// in one accounts file) to the re-plan being printed (ms/shown) and to
// the watch being done with it (ms/replan: with --apply, applied), with
// the default debounce (300ms), planning only and planning and applying.
// Each iteration is one edit; the latencies include the debounce.
// The watch's own "planned in" lines, logged, split it into config
// (cached reload), plan (state lock and read, engine) and apply.
func BenchmarkWatchReplan100k(b *testing.B) {
	if testing.Short() {
		b.Skip("large fleet")
	}
	cfg := fleet.Generate(fleet.DefaultOptions(100_000))
	dir := b.TempDir()
	if err := fleet.WriteDir(dir, cfg, "yaml", 0); err != nil {
		b.Fatal(err)
	}
	mustRun(b, "apply", "--dir", dir, "--auto-approve", "--accept-available")
	account := filepath.Join(dir, "accounts", "0001.yaml")
	orig, err := os.ReadFile(account)
	if err != nil {
		b.Fatal(err)
	}
	first := bytes.Index(orig, []byte("\n    name: ")) + len("\n    name: ")
	for _, mode := range []string{"plan", "apply"} {
		b.Run(mode, func(b *testing.B) {
			args := []string{"--debounce", "300ms"}
			if mode == "apply" {
				args = append(args, "--apply")
			}
			w := startWatch(b, dir, nil, args...)
			w.waitFor("watch: planned in", 1)
			var total, shown time.Duration
			n := 0
			plans := strings.Count(w.out.String(), "\nPlan: ")
			for b.Loop() {
				n++
				edited := slices.Concat(orig[:first], []byte(fmt.Sprintf("Renamed %s %d ", mode, n)), orig[first:])
				save(b, account, string(edited))
				wrote := time.Now()
				w.waitFor("\nPlan: ", plans+n)
				shown += time.Since(wrote)
				w.waitFor("watch: planned in", n+1)
				total += time.Since(wrote)
			}
			// ms/shown: until the plan is printed; ms/replan: until the
			// watch is done with the change (with --apply, applied).
			b.ReportMetric(float64(shown.Milliseconds())/float64(n), "ms/shown")
			b.ReportMetric(float64(total.Milliseconds())/float64(n), "ms/replan")
			lines := strings.Split(strings.TrimSpace(w.out.String()), "\n")
			for _, l := range lines {
				if strings.HasPrefix(l, "watch: planned in") {
					b.Log(l)
				}
			}
			w.stop()
		})
	}
}

// BenchmarkWatchReload100k compares, on a fleet of 100,000
// subscriptions, reloading the config after a one-file edit through the
// watch's parse cache with config.Load from scratch.
func BenchmarkWatchReload100k(b *testing.B) {
	if testing.Short() {
		b.Skip("large fleet")
	}
	cfg := fleet.Generate(fleet.DefaultOptions(100_000))
	dir := b.TempDir()
	if err := fleet.WriteDir(dir, cfg, "yaml", 0); err != nil {
		b.Fatal(err)
	}
	w, err := watch.New(dir, watch.Options{Rescan: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	snap := w.Snapshot()
	l := newWatchLoader(OSEnv(), dir)
	if _, ds := l.Load(watchTree(snap), nil); ds.HasErrors() {
		b.Fatal(ds)
	}
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			snap.Files[1].Sum[0]++ // one file changed: parsed again
			if _, ds := l.Load(watchTree(snap), nil); ds.HasErrors() {
				b.Fatal(ds)
			}
		}
	})
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			if _, ds := config.Load(dir, config.OSOptions()); ds.HasErrors() {
				b.Fatal(ds)
			}
		}
	})
}

// TestWatchAsReseller: --as reseller:LOGIN watches a reseller's own
// directory and plans (and applies) as plan --as does.
func TestWatchAsReseller(t *testing.T) {
	base := t.TempDir()
	statePath := filepath.Join(base, "state.json")
	save(t, filepath.Join(base, "cat", "admin.yaml"), `reseller_plans:
  - {name: R, resources: {disk_space: 100GiB}}
resellers:
  - {login: acme, plan: R}
service_plans:
  - {name: Business, resources: {disk_space: 50GiB}}
`)
	save(t, filepath.Join(base, "cat", "acme", "acme.yaml"), `service_plans:
  - {name: Web, owner: acme, resources: {disk_space: 5GiB}}
customers:
  - {login: wile, owner: acme, name: Wile E. Coyote}
subscriptions:
  - {domain: wile.example, customer: wile, plan: Web}
`)
	env, out, _ := termEnv(t, "", nil)
	env.IsTerminal = func(any) bool { return false }
	if code := Main(context.Background(), []string{"apply", "--dir", filepath.Join(base, "cat"), "--state", statePath, "--auto-approve"}, env); code != 0 {
		t.Fatalf("admin apply: exit %d\n%s", code, out)
	}
	dir := filepath.Join(base, "acme")
	save(t, filepath.Join(dir, "acme.yaml"), `service_plans:
  - {name: Web, owner: acme, resources: {disk_space: 5GiB}}
customers:
  - {login: wile, owner: acme, name: Wile E. Coyote}
subscriptions:
  - {domain: wile.example, customer: wile, plan: Web}
`)
	w := startWatch(t, dir, nil, "--as", "reseller:acme", "--state", statePath, "--apply", "--debounce", "50ms")
	w.waitFor("watch: planned in", 1)
	w.waitFor("No changes.", 1)
	save(t, filepath.Join(dir, "acme.yaml"), `service_plans:
  - {name: Web, owner: acme, resources: {disk_space: 10GiB}}
customers:
  - {login: wile, owner: acme, name: Wile E. Coyote}
subscriptions:
  - {domain: wile.example, customer: wile, plan: Web}
`)
	w.waitFor("# service_plan acme/Web will be updated", 1)
	w.waitFor("Apply complete! 0 added, 2 changed", 1)
	w.waitFor("watch: planned in", 2)
	if strings.Contains(w.out.String(), "Business") {
		t.Errorf("the admin's plan was shown to a reseller:\n%s", w.out)
	}
}

// TestWatchOneFollowUp: changes made while a plan runs (here, waiting
// for the lock) are planned together once it is done: never two plans
// at once, at most one queued.
func TestWatchOneFollowUp(t *testing.T) {
	dir := t.TempDir()
	save(t, filepath.Join(dir, "main.yaml"), watchConfig)
	w := startWatch(t, dir, nil, "--apply", "--debounce", "30ms", "--lock-timeout", "1m")
	w.waitFor("watch: planned in", 1)

	_, l := takeStateLock(t, dir, "alice")
	save(t, filepath.Join(dir, "a.yaml"), "customers: [{login: a, name: A}]\n")
	w.waitFor("watch: planning after change to a.yaml", 1) // waiting for the lock
	for _, name := range []string{"b.yaml", "c.yaml", "d.yaml"} {
		save(t, filepath.Join(dir, name), fmt.Sprintf("customers: [{login: %s, name: X}]\n", strings.TrimSuffix(name, ".yaml")))
		time.Sleep(100 * time.Millisecond) // separate batches
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	w.waitFor("watch: planned in", 3)
	w.waitFor("watch: planning after change to b.yaml, c.yaml, d.yaml\n", 1)
	if n := strings.Count(w.out.String(), "watch: planning after change to"); n != 2 {
		t.Errorf("%d re-plans, want 2:\n%s", n, w.out)
	}
	w.waitFor("State serial 3.", 1)
}

// TestWatchSecretWrittenWhileRead: a file that reads one secret file many
// times, the secret rewritten in place (as echo x > file does) during
// the decode: once it settles, the reload is config.Load's, never a
// decode mixing old and new values kept by the cache.
func TestWatchSecretWrittenWhileRead(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("customers:\n")
	for i := range 400 {
		fmt.Fprintf(&b, "  - login: c%03d\n    name: C\n    password: {file: secrets/shared.txt}\n", i)
	}
	save(t, filepath.Join(dir, "people.yaml"), b.String())
	sec := filepath.Join(dir, "secrets", "shared.txt")
	save(t, sec, "AAAA\n")
	w, err := watch.New(dir, watch.Options{Rescan: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	env := Env{Getenv: func(string) (string, bool) { return "", false }}
	l := newWatchLoader(env, dir)
	for attempt := range 60 {
		var stop atomic.Bool
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; !stop.Load(); i++ {
				// in place, not atomic: what `echo x > file` does
				os.WriteFile(sec, []byte([]string{"AAAA\n", "BBBB\n"}[i%2]), 0o644)
			}
		}()
		time.Sleep(2 * time.Millisecond)
		l.Load(watchTree(w.Snapshot()), nil)
		stop.Store(true)
		<-done
		os.WriteFile(sec, []byte("BBBB\n"), 0o644)
		time.Sleep(time.Millisecond)
		got, gds := l.Load(watchTree(w.Snapshot()), nil)
		want, _ := config.Load(dir, config.Options{Getenv: env.Getenv, ReadFile: os.ReadFile})
		if (got == nil) != (want == nil) {
			again, ads := l.Load(watchTree(w.Snapshot()), nil)
			t.Fatalf("attempt %d: secret settled at BBBB; Load valid=%v; watch valid=%v with %d errors, first: %s; loaded once more: valid=%v, %d errors", attempt, want != nil, got != nil, len(gds), gds[0].Summary, again != nil, len(ads))
		}
		if got == nil {
			continue
		}
		for login, c := range want.Customers {
			if g := got.Customers[login].Password.Value; g != c.Password.Value {
				t.Fatalf("attempt %d: customer %s: watch has %q, Load %q (a stale decode kept)", attempt, login, g, c.Password.Value)
			}
		}
	}
}

// TestWatchHonoursIgnoreFile: a file .plansyncignore leaves out is not
// part of the config for watch either, and a change to .plansyncignore
// itself is planned.
func TestWatchHonoursIgnoreFile(t *testing.T) {
	dir := t.TempDir()
	save(t, filepath.Join(dir, "main.yaml"), watchConfig)
	save(t, filepath.Join(dir, ".plansyncignore"), "# not ours\ndocker-compose.yml\n")
	save(t, filepath.Join(dir, "docker-compose.yml"), "version: '3'\nservices:\n  web: {image: nginx}\n")
	w := startWatch(t, dir, nil, "--debounce", "50ms")
	w.waitFor("watch: planned in", 1)
	save(t, filepath.Join(dir, "docker-compose.yml"), "version: '3.8'\nservices:\n  web: {image: nginx}\n")
	w.waitFor("watch: ignoring change to docker-compose.yml: not part of the config", 1)
	save(t, filepath.Join(dir, ".plansyncignore"), "# nothing left out\n")
	w.waitFor("watch: planning after change to .plansyncignore", 1)
	w.waitFor("docker-compose.yml:3:3: error: services: services must be a list", 1)
	if w.plans() != 1 {
		t.Errorf("%d plans, want 1:\n%s", w.plans(), w.out)
	}
}

// The command a skipped apply names keeps the watch's directory, state
// and actor, adds only the flags the plan needs, and is quoted for a
// shell, with no password of a state URL.
func TestWatchApplyCommand(t *testing.T) {
	for _, tc := range []struct {
		c    common
		dir  string
		p    plan.Plan
		want string
	}{
		{common{As: "admin"}, "cfg", plan.Plan{Summary: plan.Summary{Delete: 1}}, "plansync apply --dir cfg"},
		{common{As: "admin"}, "cfg", plan.Plan{Summary: plan.Summary{Delete: 1}, Deletes: []string{"subscription b.example"}}, "plansync apply --dir cfg --allow-delete"},
		{common{As: "admin"}, "cfg", plan.Plan{Summary: plan.Summary{Conflicts: 2}}, "plansync apply --dir cfg --accept-available"},
		{common{As: "reseller:res1", State: "postgres://ops:s3cret@db.example/plansync", StateName: "prod eu"}, "my config",
			plan.Plan{Summary: plan.Summary{Conflicts: 1, Delete: 1}, Deletes: []string{"customer c"}},
			"plansync apply --dir 'my config' --state postgres://ops@db.example/plansync --state-name 'prod eu' --as reseller:res1 --accept-available --allow-delete (with the state's password, left out here: PGPASSWORD or ~/.pgpass)"},
		{common{State: "postgres://db.example/plansync?user=ops&password=s3cret&sslmode=require"}, "cfg", plan.Plan{},
			"plansync apply --dir cfg --state 'postgres://db.example/plansync?sslmode=require&user=ops' (with the state's password, left out here: PGPASSWORD or ~/.pgpass)"},
		{common{State: "postgres://ops:p#ss@db/x"}, "cfg", plan.Plan{},
			"plansync apply --dir cfg --state '(the state URL given)' (with the state's password, left out here: PGPASSWORD or ~/.pgpass)"},
		{common{State: "postgres://db.example/plansync?sslmode=disable"}, "cfg", plan.Plan{},
			"plansync apply --dir cfg --state 'postgres://db.example/plansync?sslmode=disable'"},
		{common{}, "it's", plan.Plan{}, `plansync apply --dir 'it'\''s'`},
	} {
		s := &watchSession{c: &tc.c, o: watchOptions{Dir: tc.dir}}
		if got := s.applyCommand(&tc.p); got != tc.want {
			t.Errorf("applyCommand = %s\nwant           %s", got, tc.want)
		}
	}
}

// takeStateLock takes the lock of dir's state file as who would for an
// apply; it returns the lock and the backend, to take it again.
func takeStateLock(t *testing.T, dir, who string) (*file.Backend, state.Lock) {
	t.Helper()
	b := file.New(filepath.Join(dir, ".plansync", "state.json"))
	t.Cleanup(func() { b.Close() })
	l, err := b.TryLock(context.Background(), state.LockInfo{Who: who, Operation: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	return b, l
}
