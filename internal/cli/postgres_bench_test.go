package cli

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plansync/plansync/internal/fleet"
	"github.com/plansync/plansync/state"
)

// pgBenchURL returns the database the PostgreSQL benchmarks use (README,
// "State for teams"), or skips the benchmark.
func pgBenchURL(b *testing.B) string {
	u := os.Getenv("PLANSYNC_TEST_POSTGRES")
	if u == "" {
		b.Skip("PLANSYNC_TEST_POSTGRES is not set: skipping the PostgreSQL benchmarks (set it to e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return u
}

// dropPGStates removes the rows of the named states.
func dropPGStates(b *testing.B, dbURL string, names ...string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		b.Errorf("cleaning up: %v", err)
		return
	}
	defer conn.Close(ctx)
	for _, t := range []string{"plansync_states WHERE name", "plansync_objects WHERE state", "plansync_property_sets WHERE state",
		"plansync_history WHERE state", "plansync_locks WHERE state"} {
		if _, err := conn.Exec(ctx, `DELETE FROM `+t+` = ANY($1)`, names); err != nil {
			b.Errorf("cleaning up: %v", err)
		}
	}
}

// runOut runs plansync with args and returns its output.
func runOut(b *testing.B, args ...string) string {
	b.Helper()
	var out bytes.Buffer
	if code := Main(context.Background(), args, benchEnv(&out)); code != 0 && code != ExitChanges {
		b.Fatalf("plansync %v: exit %d\n%s", args, code, out.String())
	}
	return out.String()
}

// BenchmarkPostgres100k measures plansync on a PostgreSQL state with a
// fleet of 100,000 subscriptions, end to end through the CLI as
// BenchmarkPlan100k does for the state file:
//
//   - first_apply: the first apply of the whole fleet into a new state;
//   - change_1pct: an apply that suspends, or activates again, 1,000
//     subscriptions (1% of the fleet);
//   - noop_plan/file and noop_plan/postgres: a plan with nothing to do,
//     on the state file and on PostgreSQL (the ratio is reported as
//     pg/file on the postgres one).
//
// first_apply and change_1pct run on the state file too, for reference.
//
// go test -run '^$' -bench BenchmarkPostgres100k -benchtime 3x ./internal/cli/
func BenchmarkPostgres100k(b *testing.B) {
	if testing.Short() {
		b.Skip("large fleet")
	}
	dbURL := pgBenchURL(b)
	opt := fleet.DefaultOptions(100_000)
	opt.ConflictFraction = 0.05
	cfg := fleet.Generate(opt)
	dirA, dirB := filepath.Join(b.TempDir(), "a"), filepath.Join(b.TempDir(), "b")
	if err := fleet.WriteDir(dirA, cfg, "yaml", 1000); err != nil {
		b.Fatal(err)
	}
	// B suspends every 100th active subscription: 1% of the fleet.
	domains := slices.Sorted(maps.Keys(cfg.Subscriptions))
	suspended := 0
	for i := 0; i < len(domains); i += 100 {
		if s := cfg.Subscriptions[domains[i]]; s.Status != "suspended" {
			s.Status = "suspended"
			suspended++
		}
	}
	if err := fleet.WriteDir(dirB, cfg, "yaml", 1000); err != nil {
		b.Fatal(err)
	}
	tag := state.NewLineage()[:8]
	name := "bench-" + tag
	names := []string{name}
	defer func() { dropPGStates(b, dbURL, names...) }()
	pg := func(name string, args ...string) []string {
		return append(args, "--state", dbURL, "--state-name", name)
	}
	apply := []string{"apply", "--auto-approve", "--accept-available", "--dir"}

	statePath := filepath.Join(b.TempDir(), "state.json")
	file := func(path string, args ...string) []string { return append(args, "--state", path) }
	b.Run("first_apply/file", func(b *testing.B) {
		i := 0
		for b.Loop() {
			runOut(b, file(filepath.Join(b.TempDir(), fmt.Sprint(i), "state.json"), append(apply, dirA)...)...)
			i++
		}
	})
	b.Run("first_apply/postgres", func(b *testing.B) {
		i := 0
		for b.Loop() {
			n := fmt.Sprintf("bench-%s-first-%d", tag, i)
			names = append(names, n)
			runOut(b, pg(n, append(apply, dirA)...)...)
			i++
		}
	})

	changed := regexp.MustCompile(`(\d+) changed`)
	for _, backend := range []struct {
		name string
		args func(args ...string) []string
	}{
		{"file", func(args ...string) []string { return file(statePath, args...) }},
		{"postgres", func(args ...string) []string { return pg(name, args...) }},
	} {
		runOut(b, backend.args(append(apply, dirA)...)...)
		b.Run("change_1pct/"+backend.name, func(b *testing.B) {
			dirs := []string{dirB, dirA}
			i := 0
			var out string
			for b.Loop() {
				out = runOut(b, backend.args(append(apply, dirs[i%2])...)...)
				i++
			}
			if m := changed.FindStringSubmatch(out); m != nil {
				b.Logf("each apply changed %s objects (%d subscriptions suspended or activated)", m[1], suspended)
			}
			if i%2 == 1 {
				runOut(b, backend.args(append(apply, dirA)...)...)
			}
		})
	}

	var fileTime time.Duration
	b.Run("noop_plan/file", func(b *testing.B) {
		for b.Loop() {
			runOut(b, "plan", "--dir", dirA, "--state", statePath)
		}
		fileTime = b.Elapsed() / time.Duration(b.N)
	})
	b.Run("noop_plan/postgres", func(b *testing.B) {
		for b.Loop() {
			runOut(b, pg(name, "plan", "--dir", dirA)...)
		}
		if fileTime > 0 {
			b.ReportMetric(float64(b.Elapsed()/time.Duration(b.N))/float64(fileTime), "pg/file")
		}
	})
}
