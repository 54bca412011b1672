package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/plesk/fake"
)

const driftSeed = `service_plans:
  - name: Basic
    resources:
      disk_space: 1GiB
      websites: 1
customers:
  - login: jane
    name: Jane Doe
subscriptions:
  - domain: jane.example
    customer: jane
    plan: Basic
`

const suspendPacket = `<?xml version="1.0" encoding="UTF-8"?>
<packet version="1.6.9.1"><webspace><set><filter><name>jane.example</name></filter>
<values><gen_setup><status>16</status></gen_setup></values></set></webspace></packet>`

// driftServer is an emulator seeded from driftSeed, a config directory
// imported from it, and the variables that connect to it.
func driftServer(t *testing.T) (*fake.Server, string, map[string]string) {
	t.Helper()
	seed := t.TempDir()
	save(t, filepath.Join(seed, "all.yaml"), driftSeed)
	cfg, ds := config.Load(seed, config.Options{})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	st, err := fake.Seed(cfg, "", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := fake.New(st, fake.Options{Key: "k-drift"})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	vars := map[string]string{"PLANSYNC_PLESK_URL": hs.URL, "PLANSYNC_PLESK_KEY": "k-drift"}
	dir := filepath.Join(t.TempDir(), "site")
	if out, code := runCLI(t, vars, "import", "--dir", dir); code != 0 {
		t.Fatalf("import: exit %d\n%s", code, out)
	}
	return srv, dir, vars
}

func runCLI(t *testing.T, vars map[string]string, args ...string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	env := Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out,
		Getenv:     func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		IsTerminal: func(any) bool { return false },
		Now:        time.Now,
		Hostname:   func() (string, error) { return "testhost", nil },
		PID:        os.Getpid(),
		User:       "tester",
	}
	code := Main(context.Background(), args, env)
	return out.String(), code
}

func post(t *testing.T, srv *fake.Server, packet string) {
	t.Helper()
	out := srv.Handle(map[string][]string{"Key": {"k-drift"}}, []byte(packet))
	if bytes.Contains(out, []byte("<status>error</status>")) {
		t.Fatalf("packet refused: %s", out)
	}
}

// watch --apply does not revert drift: it says so, logs the skip and
// waits; with --self-heal it applies the plan.
func TestWatchDoesNotRevertDriftWithoutSelfHeal(t *testing.T) {
	srv, dir, vars := driftServer(t)
	post(t, srv, suspendPacket)

	w := startWatch(t, dir, vars, "--apply", "--debounce", "50ms")
	w.waitFor("watch: planned in", 1)
	out := w.out.String()
	for _, want := range []string{
		"  ! subscription jane.example: status changed outside plansync",
		"watch: skipped apply: the plan reverts 1 drift item (subscription jane.example), changed outside plansync; adopt them into the config, revert them with " + shellWord("plansync") + " apply --dir " + shellWord(dir) + ", or watch with --self-heal",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Apply complete") {
		t.Errorf("applied:\n%s", out)
	}
	w.stop()
	recs := auditLines(t, filepath.Join(dir, ".plansync", "watch-audit.jsonl"))
	if len(recs) != 1 || recs[0].Result != "skipped" || !strings.Contains(recs[0].Error, "reverts 1 drift item") {
		t.Fatalf("audit: %+v", recs)
	}

	w = startWatch(t, dir, vars, "--apply", "--self-heal", "--debounce", "50ms")
	w.waitFor("watch: planned in", 1)
	w.waitFor("Apply complete on "+strings.TrimPrefix(vars["PLANSYNC_PLESK_URL"], "http://")+"! 0 added, 1 changed, 0 deleted (1 write sent).", 1)
	w.stop()
}

// watch --apply --refresh-every skips the apply of a plan that reverts
// drift once: the same plan on the next ticks is named as still skipped,
// and the audit log holds one skip, not one per tick.
func TestWatchRefreshEverySkipsOnce(t *testing.T) {
	srv, dir, vars := driftServer(t)
	post(t, srv, suspendPacket)
	w := startWatch(t, dir, vars, "--apply", "--debounce", "50ms", "--refresh-every", "100ms")
	w.waitFor("watch: skipped apply: the plan reverts 1 drift item", 1)
	const still = "watch: apply still skipped, as at "
	w.waitFor(still, 3)
	w.stop()
	out := w.out.String()
	if n := strings.Count(out, "watch: skipped apply:"); n != 1 {
		t.Errorf("the skip was said %d times:\n%s", n, out)
	}
	if !strings.Contains(out, ": the plan reverts 1 drift item (subscription jane.example)\n") {
		t.Errorf("the repeated skip does not say why:\n%s", out)
	}
	recs := auditLines(t, filepath.Join(dir, ".plansync", "watch-audit.jsonl"))
	if len(recs) != 1 || recs[0].Result != "skipped" {
		t.Fatalf("audit: %d records, want 1 skip: %+v", len(recs), recs)
	}
}

// watch --refresh-every re-reads the server on its schedule: drift made
// while it runs shows without any change to the config.
func TestWatchRefreshEvery(t *testing.T) {
	srv, dir, vars := driftServer(t)
	w := startWatch(t, dir, vars, "--debounce", "50ms", "--refresh-every", "100ms")
	w.waitFor("watch: planned in", 1)
	if strings.Contains(w.out.String(), "changed outside plansync") {
		t.Fatalf("drift before any:\n%s", w.out)
	}
	post(t, srv, suspendPacket)
	w.waitFor("watch: re-reading the Plesk server (--refresh-every 100ms)", 1)
	w.waitFor("  ! subscription jane.example: status changed outside plansync", 1)
	// The ticks after it find nothing new: the plan is named, not
	// printed again.
	const same = "watch: the plan is unchanged: it is the one shown at "
	w.waitFor(same, strings.Count(w.out.String(), same)+2)
	w.stop()
	if n := strings.Count(w.out.String(), "status changed outside plansync"); n != 1 {
		t.Errorf("the same plan was printed %d times:\n%s", n, w.out)
	}
	if !strings.Contains(w.out.String(), "watch: planning "+dir+" (the Plesk server re-read)") || strings.Contains(w.out.String(), "rescan ()") {
		t.Errorf("a plan after re-reading the server is not announced as such:\n%s", w.out)
	}
}

// Without --refresh-every, watch reads the server at start only (and
// after applies): a plan after a config change compares with that read.
func TestWatchRefreshOffReusesRead(t *testing.T) {
	srv, dir, vars := driftServer(t)
	w := startWatch(t, dir, vars, "--debounce", "50ms")
	w.waitFor("watch: planned in", 1)
	post(t, srv, suspendPacket)
	save(t, filepath.Join(dir, "extra.yaml"), "customers:\n  - login: kim\n")
	w.waitFor("watch: planned in", 2)
	if strings.Contains(w.out.String(), "changed outside plansync") {
		t.Errorf("the server was read again:\n%s", w.out)
	}
	w.stop()
}

func TestWatchSelfHealNeedsApply(t *testing.T) {
	dir := t.TempDir()
	out, code := runCLI(t, nil, "watch", "--dir", dir, "--self-heal")
	if code != 1 || !strings.Contains(out, "--self-heal goes with --apply") {
		t.Errorf("exit %d: %s", code, out)
	}
}

// watch --refresh-every keeps its schedule when the server could not be
// read at start (down for a moment): a tick reads it once it is back,
// without waiting for a change to the config.
func TestWatchRefreshEveryServerDownAtStart(t *testing.T) {
	srv, dir, vars := driftServer(t)
	var down atomic.Bool
	down.Store(true)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	vars["PLANSYNC_PLESK_URL"] = hs.URL
	w := startWatch(t, dir, vars, "--debounce", "50ms", "--refresh-every", "200ms")
	w.waitFor("watch: no plan was made", 1)
	down.Store(false)
	w.waitFor("watch: planned in", 1)
	w.stop()
	if !strings.Contains(w.out.String(), "watch: re-reading the Plesk server (--refresh-every 200ms)") {
		t.Errorf("the plan after the server came back is not a scheduled re-read:\n%s", w.out)
	}
}

// A watch's kept read of the server is not compared with a recorded
// state written since it was made (another plansync apply changed the
// server and recorded it): the next plan reads the server again, as
// plan would, instead of showing what that apply did as drift.
func TestWatchRereadsAfterAnotherApply(t *testing.T) {
	_, dir, vars := driftServer(t)
	w := startWatch(t, dir, vars, "--debounce", "50ms")
	w.waitFor("watch: planned in", 1)
	var planFile string
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil && strings.Contains(string(b), "disk_space: 1GiB") {
			planFile = filepath.Join(dir, e.Name())
			save(t, planFile, strings.Replace(string(b), "disk_space: 1GiB", "disk_space: 2GiB", 1))
		}
	}
	if planFile == "" {
		t.Fatal("no file of the imported config holds disk_space: 1GiB")
	}
	w.waitFor("watch: planned in", 2)
	if out, code := runCLI(t, vars, "apply", "--dir", dir, "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	before := len(w.out.String())
	save(t, filepath.Join(dir, "extra.yaml"), "customers:\n  - login: kim\n    name: Kim Lee\n")
	w.waitFor("watch: planned in", 3)
	w.stop()
	after := w.out.String()[before:]
	if strings.Contains(after, "changed outside plansync") || !strings.Contains(after, "Plan: 1 to add, 0 to change, 0 to delete, 0 conflicts.") {
		t.Errorf("the plan after another apply is not plansync plan's (1 customer to add, no drift):\n%s", after)
	}
}
