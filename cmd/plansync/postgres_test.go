package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plansync/plansync/state"
	"github.com/plansync/plansync/state/postgres"
)

// These tests run the plansync binary (the test binary, which
// testscript.Main in main_test.go puts in $PATH as plansync) as separate
// processes against a PostgreSQL state. They need the database named by
// PLANSYNC_TEST_POSTGRES (README, "State for teams") and skip without it.

// pgState is a PostgreSQL state of its own for one test.
type pgState struct {
	url, name string
	dir       string // the test's working directory
}

func newPGState(t *testing.T) *pgState {
	t.Helper()
	u := os.Getenv("PLANSYNC_TEST_POSTGRES")
	if u == "" {
		t.Skip("PLANSYNC_TEST_POSTGRES is not set: skipping the PostgreSQL CLI tests (set it to e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	if _, err := exec.LookPath("plansync"); err != nil {
		t.Fatalf("plansync is not in $PATH (set up by testscript.Main): %v", err)
	}
	st := &pgState{url: u, name: fmt.Sprintf("cli-test/%s/%s", t.Name(), state.NewLineage()[:8]), dir: t.TempDir()}
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, st.url)
		if err != nil {
			t.Errorf("cleaning up: %v", err)
			return
		}
		defer conn.Close(ctx)
		for _, tb := range []string{"plansync_states WHERE name", "plansync_objects WHERE state", "plansync_property_sets WHERE state",
			"plansync_history WHERE state", "plansync_locks WHERE state"} {
			if _, err := conn.Exec(ctx, `DELETE FROM `+tb+` = $1`, st.name); err != nil {
				var pgErr interface{ SQLState() string }
				if errors.As(err, &pgErr) && pgErr.SQLState() == "42P01" {
					return // no schema (or the test's own schema, dropped): nothing to clean
				}
				t.Errorf("cleaning up: %v", err)
			}
		}
	})
	return st
}

// command returns plansync with args, run in the test's directory on the
// test's state.
func (st *pgState) command(args ...string) *exec.Cmd {
	cmd := exec.Command("plansync", args...)
	cmd.Dir = st.dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "USER=tester", "PLANSYNC_STATE="+st.url, "PLANSYNC_STATE_NAME="+st.name)
	return cmd
}

// run runs plansync and fails the test unless it succeeds.
func (st *pgState) run(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := st.command(args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("plansync %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// write writes files (name, content, ...) into the test's directory.
func (st *pgState) write(t *testing.T, files ...string) {
	t.Helper()
	for i := 0; i < len(files); i += 2 {
		path := filepath.Join(st.dir, files[i])
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(files[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// snapshot reads the state through `plansync state pull`.
func (st *pgState) snapshot(t *testing.T) *state.Snapshot {
	t.Helper()
	s, err := state.Decode([]byte(st.run(t, "state", "pull")))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const businessPlan = `service_plans:
  - name: Business
    resources: {disk_space: 10GiB, mailboxes: 100}
`

// TestPostgresConcurrentApplies runs 8 plansync apply processes at once
// against one PostgreSQL state, each adding its own subscription (apply
// --target): each waits for the lock in turn and none loses another's.
func TestPostgresConcurrentApplies(t *testing.T) {
	st := newPGState(t)
	const n = 8
	var all strings.Builder
	all.WriteString(businessPlan + "subscriptions:\n")
	for i := range n {
		fmt.Fprintf(&all, "  - {domain: site%d.example, plan: Business}\n", i)
	}
	st.write(t, "base/main.yaml", businessPlan, "all/main.yaml", all.String())
	st.run(t, "apply", "--dir", "base", "--auto-approve")
	before := st.snapshot(t)

	type result struct {
		err            error
		stdout, stderr string
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var stdout, stderr bytes.Buffer
			cmd := st.command("apply", "--dir", "all", "--target", fmt.Sprintf("subscription/site%d.example", i),
				"--auto-approve", "--lock-timeout", "5m")
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			results[i] = result{cmd.Run(), stdout.String(), stderr.String()}
		})
	}
	wg.Wait()
	// stderr holds nothing but, for the applies that had to wait, the line
	// saying whose lock they wait for.
	waiting := regexp.MustCompile(`^(Waiting up to 5m0s for the state lock held by (tester \(pid \d+ on .*, apply since .*\)|another process)…\n)?$`)
	for i, r := range results {
		if r.err != nil || !waiting.MatchString(r.stderr) || !strings.Contains(r.stdout, "Apply complete! 1 added, 0 changed, 0 deleted.") {
			t.Errorf("apply %d: %v\nstdout:\n%s\nstderr:\n%s", i, r.err, r.stdout, r.stderr)
		}
	}

	after := st.snapshot(t)
	if after.Serial != before.Serial+n {
		t.Errorf("serial %d after %d applies from serial %d, want %d", after.Serial, n, before.Serial, before.Serial+n)
	}
	var got []string
	for _, s := range after.Subscriptions {
		got = append(got, s.Domain)
	}
	if len(got) != n {
		t.Errorf("subscriptions after %d applies: %v", n, got)
	}
	hist := st.run(t, "state", "history")
	if lines := historyLines(hist); lines != n+1 {
		t.Errorf("history has %d entries, want %d:\n%s", lines, n+1, hist)
	}
	if out := st.run(t, "plan", "--dir", "all", "--detailed-exitcode"); !strings.Contains(out, "No changes.") {
		t.Errorf("plan after the applies:\n%s", out)
	}
}

// TestPostgresKilledApply kills an apply with SIGKILL in the middle of
// its write transaction (held there by a row the test keeps locked): the
// previous state stays readable and whole, the killed holder's lock can
// be broken with force-unlock, and the next apply succeeds.
func TestPostgresKilledApply(t *testing.T) {
	st := newPGState(t)
	var more strings.Builder
	more.WriteString(businessPlan + "subscriptions:\n  - {domain: first.example, plan: Business}\n")
	for i := range 200 {
		fmt.Fprintf(&more, "  - {domain: site%03d.example, plan: Business}\n", i)
	}
	st.write(t, "v1/main.yaml", businessPlan+"subscriptions:\n  - {domain: first.example, plan: Business}\n", "v2/main.yaml", more.String())
	st.run(t, "apply", "--dir", "v1", "--auto-approve")
	before := st.run(t, "state", "pull")
	prior := st.snapshot(t)

	// Hold the apply mid-transaction: insert, uncommitted, the history
	// row its write will insert; its insert waits for this transaction.
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, st.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	blockConn, err := pgx.Connect(ctx, st.url)
	if err != nil {
		t.Fatal(err)
	}
	defer blockConn.Close(context.Background())
	blocker, err := blockConn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback(context.Background())
	if _, err := blocker.Exec(ctx, `INSERT INTO plansync_history (state, serial, who, at, summary) VALUES ($1, $2, 'test', now(), 'blocker')`,
		st.name, int64(prior.Serial+1)); err != nil {
		t.Fatal(err)
	}
	var blockerPID int32
	if err := blocker.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&blockerPID); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	apply := st.command("apply", "--dir", "v2", "--auto-approve")
	apply.Stdout, apply.Stderr = &stdout, &stderr
	if err := apply.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- apply.Wait() }()

	// Wait (with a deadline) until the apply is blocked on our row: it
	// has updated the state's row and copied its rows, uncommitted. (On
	// another connection: a transaction sees pg_stat_activity as it was
	// when it first looked.)
	var lockID string
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var waiting int
		err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, blockerPID).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the apply ended before it was held mid-transaction: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the apply did not reach its write transaction")
		}
	}
	if err := conn.QueryRow(ctx, `SELECT id FROM plansync_locks WHERE state = $1`, st.name).Scan(&lockID); err != nil {
		t.Fatalf("the apply's lock row: %v", err)
	}
	if err := apply.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the apply was not killed: %v", err)
	}
	if err := blocker.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	// The previous state, whole.
	if after := st.run(t, "state", "pull"); after != before {
		t.Errorf("the state changed after the apply was killed mid-transaction:\n%s\nwant:\n%s", after, before)
	}
	if out := st.run(t, "state", "history"); historyLines(out) != 1 {
		t.Errorf("history after the killed apply:\n%s", out)
	}
	// The killed holder's lock can be broken (whether or not the server
	// has ended its session yet), and the state written again.
	if out := st.run(t, "force-unlock", lockID); !strings.Contains(out, "Lock "+lockID+" released.") {
		t.Errorf("force-unlock: %s", out)
	}
	cmd := st.command("force-unlock", lockID)
	if out, err := cmd.CombinedOutput(); err == nil || !bytes.Contains(out, []byte("it is not locked")) {
		t.Errorf("force-unlock of a broken lock again: %v\n%s", err, out)
	}
	out := st.run(t, "apply", "--dir", "v2", "--auto-approve", "--lock-timeout", "1m")
	if want := fmt.Sprintf("State serial %d.", prior.Serial+1); !strings.Contains(out, want) {
		t.Errorf("apply after the killed one:\n%s\nwant %q", out, want)
	}
}

// TestPostgresLockHeld shows the holder of a held lock in the error of
// another process, and force-unlock releasing it.
func TestPostgresLockHeld(t *testing.T) {
	st := newPGState(t)
	st.write(t, "cfg/main.yaml", businessPlan)
	// Hold the lock from the test process, as another machine would.
	b, err := postgres.New(st.url, st.name)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	l, err := b.TryLock(t.Context(), state.LockInfo{Who: "alice", Host: "ci-runner-7", PID: 4242, Operation: "apply",
		Since: time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	cmd := st.command("apply", "--dir", "cfg", "--auto-approve")
	out, err := cmd.CombinedOutput()
	want := "state is locked by alice (pid 4242 on ci-runner-7, apply since 2026-11-01T09:30:00Z); lock ID " + l.Info().ID
	if err == nil || !bytes.Contains(out, []byte(want)) {
		t.Fatalf("apply while locked: %v\n%s\nwant %q", err, out, want)
	}
	if out := st.run(t, "force-unlock", l.Info().ID); !strings.Contains(out, "released") {
		t.Errorf("force-unlock: %s", out)
	}
	if out := st.run(t, "apply", "--dir", "cfg", "--auto-approve"); !strings.Contains(out, "Apply complete!") {
		t.Errorf("apply after force-unlock:\n%s", out)
	}
	if err := l.Unlock(); err != nil {
		t.Errorf("Unlock of the broken lock: %v", err)
	}
}

// TestPostgresCorruptRowNamed: a row edited by hand into the record of
// another row (or into no record) makes plan, apply and state pull fail
// with exit 1 naming that row, the one to repair, and changes nothing.
func TestPostgresCorruptRowNamed(t *testing.T) {
	st := newPGState(t)
	st.write(t, "cfg/main.yaml", `customers:
  - {login: anna, name: Anna, email: anna@a.example}
  - {login: bob, name: Bob, email: bob@b.example}
  - {login: carl, name: Carl, email: carl@c.example}
`)
	st.run(t, "apply", "--dir", "cfg", "--auto-approve")
	conn, err := pgx.Connect(t.Context(), st.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, c := range []struct{ sql, want string }{
		{`UPDATE plansync_objects SET doc = (SELECT doc FROM plansync_objects WHERE state = $1 AND key = 'anna') WHERE state = $1 AND key = 'bob'`,
			`the plansync_objects row for customer "bob" holds the record of customer "anna"`},
		{`UPDATE plansync_objects SET doc = 'null' WHERE state = $1 AND key = 'bob'`,
			`the plansync_objects row for customer "bob" holds a customer record without its key`},
	} {
		if _, err := conn.Exec(t.Context(), c.sql, st.name); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"plan", "--dir", "cfg"}, {"apply", "--dir", "cfg", "--auto-approve"}, {"state", "pull"}} {
			out, err := st.command(args...).CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 || !bytes.Contains(out, []byte("recorded state is corrupt: "+c.want)) {
				t.Errorf("plansync %s on a damaged row: %v\n%s\nwant exit 1 and %q", strings.Join(args, " "), err, out, c.want)
			}
		}
		var doc string
		if err := conn.QueryRow(t.Context(), `SELECT doc::text FROM plansync_objects WHERE state = $1 AND key = 'bob'`, st.name).Scan(&doc); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(doc, `"bob"`) {
			t.Errorf("the damaged row was rewritten: %s", doc)
		}
	}
}

// TestPostgresPushLocalState migrates a local state file to PostgreSQL
// with state push: the pulled state is the same, and plan has nothing to
// do.
func TestPostgresPushLocalState(t *testing.T) {
	st := newPGState(t)
	st.write(t, "cfg/main.yaml", businessPlan+"subscriptions:\n  - {domain: a.example, plan: Business}\n")
	local := filepath.Join(st.dir, "cfg", ".plansync", "state.json")
	st.run(t, "apply", "--dir", "cfg", "--auto-approve", "--state", local)
	st.run(t, "state", "push", local)
	want, err := os.ReadFile(local)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.run(t, "state", "pull"); got != string(want) {
		t.Errorf("state pull after push:\n%s\nwant:\n%s", got, want)
	}
	if out := st.run(t, "plan", "--dir", "cfg"); !strings.Contains(out, "No changes.") {
		t.Errorf("plan on the pushed state:\n%s", out)
	}
	if out := st.run(t, "state", "history"); !strings.Contains(out, "state push") {
		t.Errorf("history:\n%s", out)
	}
}

// historyLines counts the entries `state history` lists (its last line
// says what the history keeps).
func historyLines(out string) int {
	n := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "serial ") {
			n++
		}
	}
	return n
}

// TestPostgresReadsCreateNothing: plan, validate, show, state pull,
// state history and a watch without --apply on a database without plansync's schema see an empty
// state and create no table; the first apply creates the schema.
func TestPostgresReadsCreateNothing(t *testing.T) {
	st := newPGState(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, st.url)
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last first: the schema is dropped before the
	// connection closes (a deferred Close would run before both, and the
	// schema would be left behind).
	t.Cleanup(func() { conn.Close(context.Background()) })
	// An empty schema of the test's own, first on the search path.
	schema := "empty_" + strings.ReplaceAll(state.NewLineage()[:8], "-", "")
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := conn.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("dropping the test's schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(st.url, "?") {
		sep = "&"
	}
	st.url += sep + "search_path=" + schema
	tables := func() int {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = $1`, schema).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	st.write(t, "main.yaml", businessPlan)
	if out := st.run(t, "plan"); !strings.Contains(out, "Plan: 1 to add") {
		t.Errorf("plan on an empty database:\n%s", out)
	}
	st.run(t, "plan", "--out", "saved.plan")
	st.run(t, "validate")
	if out := st.run(t, "show"); !strings.Contains(out, "No objects recorded.") {
		t.Errorf("show on an empty database:\n%s", out)
	}
	st.run(t, "state", "history")
	if out, err := st.command("force-unlock", "0123").CombinedOutput(); err == nil || !strings.Contains(string(out), "it is not locked") {
		t.Errorf("force-unlock on an empty database: %v\n%s", err, out)
	}
	// watch without --apply plans, as plan does.
	st.watchOnce(t)
	if n := tables(); n != 0 {
		t.Fatalf("reading commands created %d tables", n)
	}
	st.run(t, "apply", "saved.plan")
	if n := tables(); n == 0 {
		t.Fatal("apply created no table")
	}
	if out := st.run(t, "plan"); !strings.Contains(out, "No changes.") {
		t.Errorf("plan after the apply:\n%s", out)
	}
}

// watchOnce runs plansync watch (without --apply) until it has made its
// first plan, then stops it with SIGTERM; it must exit 0.
func (st *pgState) watchOnce(t *testing.T) {
	t.Helper()
	var out lockedBuffer
	cmd := st.command("watch", "--debounce", "50ms")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	end := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "watch: planned in") && !strings.Contains(out.String(), "watch: no plan was made") {
		if time.Now().After(end) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("watch made no plan within 20s:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("watch: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "watch: planned in") {
		t.Fatalf("watch made no plan:\n%s", out.String())
	}
}
