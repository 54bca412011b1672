package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/fleet"
)

// BenchmarkApplyOnePercent puts an apply that changes 1 % of a
// 100,000-subscription fleet (YAML, file state) beside a no-op plan of
// it, as the CLI runs them (in process, with the binary's collector
// settings, the caches on disk warm). The change suspends (then, on the
// next run, resumes) every subscription of one accounts file, which holds
// 1 % of them; each run also gives that file a new comment, so it is
// never in the config cache. Beside them, a plan of the same change
// (not applied): what the apply adds to it is the state write. Each
// reports s-over-noop, its seconds over the no-op plan's (issue 15's
// goal for the apply: at most 0.3); the no-op plan is one that plans
// (not printed again from the plan cache). -short uses 10,000
// subscriptions.
func BenchmarkApplyOnePercent(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	dir := b.TempDir()
	if err := fleet.WriteDir(dir, fleet.Generate(fleet.DefaultOptions(n)), "yaml", n/100); err != nil {
		b.Fatal(err)
	}
	mustRun(b, "apply", "--dir", dir, "--auto-approve", "--accept-available")
	edited, most := "", 0
	for _, f := range configFiles(b, dir, ".yaml") {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if c := bytes.Count(data, []byte("\n  - domain: ")); c > most {
			edited, most = f, c
		}
	}
	orig, err := os.ReadFile(edited)
	if err != nil {
		b.Fatal(err)
	}
	suspended := suspendAll(orig)
	if bytes.Equal(suspended, orig) {
		b.Fatalf("%s: nothing to suspend", edited)
	}
	b.Logf("%s: %d of %d subscriptions", edited, most, n)
	write := func(data []byte, i int) {
		if err := os.WriteFile(edited, fmt.Appendf(bytes.Clone(data), "# run %d\n", i), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	defer os.WriteFile(edited, orig, 0o644)

	mustNoChanges(b, "plan", "--dir", dir, "--detailed-exitcode") // fills the caches
	var noop float64
	over := func(b *testing.B) {
		if noop > 0 {
			b.ReportMetric((float64(b.Elapsed().Nanoseconds())/float64(b.N)-noop)/1e9, "s-over-noop")
		}
	}
	b.Run("noop-plan", func(b *testing.B) {
		asBinary(b)
		for b.Loop() {
			// A plan that plans: without the plan cache's entry, which
			// would print it again without loading anything (the
			// decoded files and state stay cached, as for the apply).
			b.StopTimer()
			if err := os.RemoveAll(filepath.Join(dir, ".plansync", "cache", planCacheDir)); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			mustNoChanges(b, "plan", "--dir", dir, "--detailed-exitcode")
		}
		noop = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("plan-1pct", func(b *testing.B) {
		asBinary(b)
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			write(suspended, i)
			b.StartTimer()
			mustRun(b, "plan", "--dir", dir)
		}
		over(b)
	})
	// The state matches orig; every apply changes it.
	applied := orig
	b.Run("apply-1pct", func(b *testing.B) {
		asBinary(b)
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			if bytes.Equal(applied, orig) {
				applied = suspended
			} else {
				applied = orig
			}
			write(applied, i)
			b.StartTimer()
			mustRun(b, "apply", "--dir", dir, "--auto-approve", "--accept-available")
		}
		over(b)
	})
}

// suspendAll returns the YAML accounts file data with every subscription
// that has no status of its own suspended.
func suspendAll(data []byte) []byte {
	lines := strings.SplitAfter(string(data), "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		out = append(out, lines[i])
		if !strings.HasPrefix(lines[i], "  - domain: ") {
			continue
		}
		own := false
		for j := i + 1; j < len(lines) && strings.HasPrefix(lines[j], "    "); j++ {
			own = own || strings.HasPrefix(lines[j], "    status: ")
		}
		if !own {
			out = append(out, "    status: suspended\n")
		}
	}
	return []byte(strings.Join(out, ""))
}
