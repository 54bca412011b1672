package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/importer"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
	"github.com/plansync/plansync/state"
)

// EnvKillTrials sets how many kill -9 trials TestKillApply runs (default
// 50; 10 under the race detector, whose processes are several times
// slower: .ci/run runs the 50 without it).
const EnvKillTrials = "PLANSYNC_KILL_TRIALS"

// TestKillApply kills the plansync apply process (SIGKILL) at a random
// point of an apply against the emulator, then applies again, many times
// (SPEC §6.5: an apply interrupted at any point is completed by running
// it again, creating nothing twice). The emulator outlives the killed
// process, as a real server does: what it received it carries out.
//
// Each trial starts from an empty server and applies examples/agency
// (creates), or, one trial in three, from a server where agency was
// applied, applies a changed config (plan changes, a customisation, a
// move, a suspension, deletes) and is killed during that second apply.
// After the kill:
//   - the recorded state claims no object the server does not have,
//     except those the killed run deleted (recording before deleting
//     would instead forget objects still on the server; the next plan
//     shows them as deleted outside plansync and the next apply
//     converges);
//   - the dead run's lock does not block the next apply (no force-unlock);
//   - the next apply succeeds, after which a refreshing plan says "No
//     changes", the server holds each configured object exactly once
//     (read back with the XML API), and the recorded state lists exactly
//     the server's objects.
func TestKillApply(t *testing.T) {
	t.Parallel() // processes that mostly wait: overlap them with the scenarios
	if testing.Short() {
		t.Skip("kill -9 trials: not in -short")
	}
	if _, err := exec.LookPath("plansync"); err != nil {
		t.Skipf("plansync is not on PATH (testscript sets it up): %v", err)
	}
	trials := 50
	if raceDetector {
		trials = 10
	}
	if v := os.Getenv(EnvKillTrials); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", EnvKillTrials, v)
		}
		trials = n
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	agency := filepath.Join(root, "examples", "agency")
	cfg, diags := config.Load(agency, config.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("PLANSYNC_KILL_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("seed %d (PLANSYNC_KILL_SEED reruns it), %d trials", seed, trials)
	rng := rand.New(rand.NewPCG(seed, 0))

	newServer := func() *fake.Server {
		st := fake.NewState()
		st.Components = append([]string(nil), cfg.Server.Components...)
		return fake.New(st, fake.Options{Key: "kill-key"})
	}
	// Calibration: how many requests a whole apply of each kind sends.
	var full [2]int64
	for kind := range 2 {
		tr := newTrial(t, agency, newServer(), kind == 1)
		out, err := tr.plansync("apply", "--dir", tr.dir, "--auto-approve", "--allow-delete")
		if err != nil || !strings.Contains(out, "Apply complete") {
			t.Fatalf("calibration apply: %v\n%s", err, out)
		}
		full[kind] = tr.requests.Load()
		t.Logf("%s (%d requests)", lastLine(out), full[kind])
		tr.close()
	}

	midway := 0 // first applies killed with some objects on the server, not all
	defer func() { t.Logf("%d of the first applies were killed midway (some objects created, not all)", midway) }()
	for i := range trials {
		changes := i%3 == 2
		kind := 0
		if changes {
			kind = 1
		}
		// Killed once the server has received the k-th request, at a
		// random moment while it holds its answer back (or, for k = 0,
		// before the first request).
		k := rng.Int64N(full[kind] + 1)
		wait := time.Duration(rng.Int64N(int64(delay + 2*time.Millisecond)))
		at := fmt.Sprintf("request %d of %d + %v", k, full[kind], wait)
		t.Run(fmt.Sprintf("%02d", i), func(t *testing.T) {
			tr := newTrial(t, agency, newServer(), changes)
			defer tr.close()
			before := tr.recorded()
			cmd := tr.command("apply", "--dir", tr.dir, "--auto-approve", "--allow-delete")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			var err error
			done := false
			deadline := time.After(time.Minute)
			for !done && tr.requests.Load() < k {
				select {
				case err = <-exited:
					done = true
				case <-deadline:
					t.Fatalf("the apply did not reach request %d", k)
				case <-time.After(200 * time.Microsecond):
				}
			}
			if !done {
				time.Sleep(wait)
				_ = cmd.Process.Kill()
				err = <-exited
			}
			killed := err != nil
			// The emulator finishes what it received; then a new
			// listener serves the same server.
			tr.restart()

			srv := tr.serverObjects()
			if !changes && len(srv) > 0 && len(srv) < len(cfg.ServicePlans)+len(cfg.AddonPlans)+len(cfg.Customers)+len(cfg.Subscriptions) {
				midway++
			}
			deleted := map[string]bool{}
			for obj := range before {
				if !srv[obj] {
					deleted[obj] = true
				}
			}
			for obj := range tr.recorded() {
				if !srv[obj] && !(deleted[obj] && before[obj]) {
					t.Errorf("killed at %s (killed: %v): the recorded state claims %s, which the server does not have", at, killed, obj)
				}
			}

			if out, err := tr.plansync("apply", "--dir", tr.dir, "--auto-approve", "--allow-delete"); err != nil {
				t.Fatalf("killed at %s: the next apply failed: %v\n%s", at, err, out)
			} else if strings.Contains(out, "Model disagreements") {
				t.Errorf("killed at %s: the next apply reports model disagreements:\n%s", at, out)
			}
			out2, err := tr.plansync("plan", "--dir", tr.dir, "--detailed-exitcode")
			if err != nil || !strings.Contains(out2, "No changes.") || strings.Contains(out2, "Objects changed outside plansync") {
				t.Errorf("killed at %s: the plan after the next apply is not clean (%v):\n%s", at, err, out2)
			}
			got := tr.serverObjects()
			if dups := tr.duplicates(); len(dups) > 0 {
				t.Errorf("killed at %s: on the server twice: %v", at, dups)
			}
			rec := tr.recorded()
			if a, b := keys(got), keys(rec); a != b {
				t.Errorf("killed at %s: the server has\n  %s\nthe recorded state\n  %s", at, a, b)
			}
		})
	}
}

// trial is one emulator (it outlives the plansync processes) and one
// copy of the config.
type trial struct {
	t    *testing.T
	fake *fake.Server
	http *httptest.Server
	dir  string
	// requests counts the requests the server received (after setup).
	requests atomic.Int64
}

func newTrial(t *testing.T, agency string, f *fake.Server, changes bool) *trial {
	t.Helper()
	tr := &trial{t: t, fake: f, dir: filepath.Join(t.TempDir(), "agency")}
	tr.http = httptest.NewServer(tr.handler())
	if out, err := exec.Command("cp", "-r", agency, tr.dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	if changes {
		if out, err := tr.plansync("apply", "--dir", tr.dir, "--auto-approve"); err != nil {
			t.Fatalf("first apply: %v\n%s", err, out)
		}
		tr.change()
	}
	tr.requests.Store(0)
	return tr
}

// delay is how long every answer is held back after the request was
// carried out, so that a kill lands between a packet's effect and its
// answer as often as between packets.
const delay = 8 * time.Millisecond

// handler carries each request out, then holds its answer back (the
// server's work is done even when the client is gone by then).
func (tr *trial) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr.requests.Add(1)
		rec := httptest.NewRecorder()
		tr.fake.ServeHTTP(rec, r)
		time.Sleep(delay)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// change edits the config: a plan value (reaching its subscriptions), a
// new customisation, a suspension, a subscription and a customer
// removed, a subscription added.
func (tr *trial) change() {
	edit := func(rel, old, new string) {
		p := filepath.Join(tr.dir, rel)
		b, err := os.ReadFile(p)
		if err != nil {
			tr.t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(old)) {
			tr.t.Fatalf("%s: %q not found", rel, old)
		}
		if err := os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
			tr.t.Fatal(err)
		}
	}
	edit("plans.yaml", "disk_space: 10GiB", "disk_space: 12GiB")
	files, _ := filepath.Glob(filepath.Join(tr.dir, "subscriptions", "*.yaml"))
	sort.Strings(files)
	if len(files) == 0 {
		tr.t.Fatal("no subscription files")
	}
	// The last file's subscriptions go (deletes), a new one comes.
	if err := os.Remove(files[len(files)-1]); err != nil {
		tr.t.Fatal(err)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		tr.t.Fatal(err)
	}
	b = append(b, []byte("\n  - domain: killtest-new.example\n    customer: jdoe\n    plan: Business\n    status: suspended\n")...)
	if err := os.WriteFile(files[0], b, 0o644); err != nil {
		tr.t.Fatal(err)
	}
	// A customer whose subscriptions went goes too (when one does).
	cfg, diags := config.Load(tr.dir, config.Options{})
	if diags.HasErrors() {
		tr.t.Fatalf("changed config: %v", diags.Error())
	}
	_ = cfg
}

func (tr *trial) close() { tr.http.Close() }

// restart waits for the requests in flight (the killed process's), then
// serves the same emulator on a new listener.
func (tr *trial) restart() {
	tr.http.Close()
	tr.http = httptest.NewServer(tr.handler())
}

func (tr *trial) command(args ...string) *exec.Cmd {
	cmd := exec.Command("plansync", args...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PLANSYNC_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "PLANSYNC_PLESK_URL="+tr.http.URL, "PLANSYNC_PLESK_KEY=kill-key",
		"PLANSYNC_PLESK_DEFAULT_IP=192.0.2.10", "NO_COLOR=1")
	return cmd
}

func (tr *trial) plansync(args ...string) (string, error) {
	var out bytes.Buffer
	cmd := tr.command(args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		err = fmt.Errorf("exit %d", ee.ExitCode())
	}
	return out.String(), err
}

// recorded lists the objects the recorded state claims ("kind name").
func (tr *trial) recorded() map[string]bool {
	out := map[string]bool{}
	data, err := os.ReadFile(filepath.Join(tr.dir, ".plansync", "state.json"))
	if errors.Is(err, os.ErrNotExist) {
		return out
	}
	if err != nil {
		tr.t.Fatal(err)
	}
	s, err := state.Decode(data)
	if err != nil {
		tr.t.Fatalf("the recorded state does not decode: %v", err)
	}
	for _, p := range s.ServicePlans {
		out["service_plan "+p.Key] = true
	}
	for _, p := range s.AddonPlans {
		out["addon_plan "+p.Key] = true
	}
	for _, c := range s.Customers {
		out["customer "+c.Login] = true
	}
	for _, sub := range s.Subscriptions {
		out["subscription "+sub.Domain] = true
	}
	return out
}

// read reads the whole server with the XML API.
func (tr *trial) read() *importer.Snapshot {
	c, err := xmlapi.New(xmlapi.Config{URL: tr.http.URL, Key: "kill-key"})
	if err != nil {
		tr.t.Fatal(err)
	}
	snap, err := importer.Read(context.Background(), c)
	if err != nil {
		tr.t.Fatalf("reading the emulator: %v", err)
	}
	return snap
}

// serverObjects lists the server's objects as the state names them.
func (tr *trial) serverObjects() map[string]bool {
	out := map[string]bool{}
	for _, name := range tr.names() {
		out[name] = true
	}
	return out
}

func (tr *trial) names() []string {
	snap := tr.read()
	var out []string
	for _, p := range snap.Plans {
		out = append(out, "service_plan "+model.PlanKey(p.OwnerLogin, p.Name))
	}
	for _, p := range snap.Addons {
		out = append(out, "addon_plan "+model.PlanKey(p.OwnerLogin, p.Name))
	}
	for _, c := range snap.Customers {
		if c.Data != nil && c.Data.GenInfo != nil {
			out = append(out, "customer "+c.Data.GenInfo.Login)
		}
	}
	for _, w := range snap.Webspaces {
		if w.Data != nil && w.Data.GenInfo != nil {
			out = append(out, "subscription "+strings.ToLower(w.Data.GenInfo.Name))
		}
	}
	return out
}

// duplicates lists the objects the server holds more than once.
func (tr *trial) duplicates() []string {
	seen := map[string]int{}
	for _, n := range tr.names() {
		seen[n]++
	}
	var out []string
	for n, k := range seen {
		if k > 1 {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func keys(m map[string]bool) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
