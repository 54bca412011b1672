package cli

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/fleet"
)

// BenchmarkPlanFloor puts a no-op `plansync plan` of a 100,000-subscription
// fleet beside its floor: a minimal program (testdata/floor) that only
// parses the same config files, one after the other on one core
// (GOMAXPROCS 1), with yaml.v3 (into yaml.Node) or hcl/v2
// (hclsyntax.ParseConfig). Both are built here and each run is a fresh
// process; plansync's as in CI (stdin not a terminal; the cache is on
// disk):
//
//   - cold: --no-cache (issue 15's goal: at most 1.5× the floor, peak
//     memory at most 512 MiB);
//   - warm: the cache filled by the run before (goal: at most 0.5×): the
//     plan is printed from the plan cache (plancache.go);
//   - edit: one file edited before each run (a customer renamed, a new
//     name each time, so that file is never in the cache), warm cache:
//     the plan shows the one change (goal: at most 0.3×); the plan
//     cache cannot answer, the decoded files' and state's caches do.
//
// Each reports x-floor, its time over the floor's, and peak-MiB, the
// peak resident memory of one more run (profiled, untimed: stats.txt of
// PLANSYNC_PROFILE). -short uses 10,000 subscriptions.
func BenchmarkPlanFloor(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	// Both fleets are written and applied first, and the generated
	// config dropped: the runs measured hold nothing of the benchmark's
	// but the files' names, as a fresh process would.
	syntaxes := []string{"yaml", "hcl"}
	dirs := map[string]string{}
	cfg := fleet.Generate(fleet.DefaultOptions(n))
	for _, syntax := range syntaxes {
		dir := b.TempDir()
		if err := fleet.WriteDir(dir, cfg, syntax, 1000); err != nil {
			b.Fatal(err)
		}
		mustRun(b, "apply", "--dir", dir, "--auto-approve", "--accept-available")
		dirs[syntax] = dir
	}
	cfg = nil
	runtime.GC()
	bin := buildPlansync(b, "github.com/plansync/plansync/cmd/plansync")
	floorBin := buildPlansync(b, "./testdata/floor")
	for _, syntax := range syntaxes {
		dir := dirs[syntax]
		files := configFiles(b, dir, "."+syntax)
		var floor float64
		b.Run(syntax+"/floor", func(b *testing.B) {
			for b.Loop() {
				out, err := exec.Command(floorBin, append([]string{syntax}, files...)...).CombinedOutput()
				if err != nil {
					b.Fatalf("floor: %v\n%s", err, out)
				}
			}
			floor = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
		ratio := func(b *testing.B) {
			if floor > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/floor, "x-floor")
			}
		}
		b.Run(syntax+"/cold", func(b *testing.B) {
			for b.Loop() {
				runBinary(b, bin, 0, "", "plan", "--dir", dir, "--detailed-exitcode", "--no-cache")
			}
			ratio(b)
			reportPeak(b, bin, 0, "plan", "--dir", dir, "--detailed-exitcode", "--no-cache")
		})
		runBinary(b, bin, 0, "", "plan", "--dir", dir, "--detailed-exitcode") // fills the cache
		b.Run(syntax+"/warm", func(b *testing.B) {
			for b.Loop() {
				runBinary(b, bin, 0, "", "plan", "--dir", dir, "--detailed-exitcode")
			}
			ratio(b)
			reportPeak(b, bin, 0, "plan", "--dir", dir, "--detailed-exitcode")
		})
		edited := files[len(files)/2]
		orig, err := os.ReadFile(edited)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(syntax+"/edit", func(b *testing.B) {
			i := 0
			for ; b.Loop(); i++ {
				b.StopTimer()
				renameFirstCustomer(b, edited, orig, i)
				b.StartTimer()
				runBinary(b, bin, ExitChanges, "", "plan", "--dir", dir, "--detailed-exitcode")
			}
			ratio(b)
			renameFirstCustomer(b, edited, orig, i)
			reportPeak(b, bin, ExitChanges, "plan", "--dir", dir, "--detailed-exitcode")
		})
		if err := os.WriteFile(edited, orig, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// renameFirstCustomer writes orig to path with the first customer's
// contact name made unique to run i.
func renameFirstCustomer(b *testing.B, path string, orig []byte, i int) {
	re := regexp.MustCompile(`(?m)^(\s*name\s*[:=]\s*"?)([A-Z][a-z]+ [A-Z][a-z]+)`)
	loc := re.FindSubmatchIndex(orig)
	if loc == nil {
		b.Fatalf("no customer name in %s", path)
	}
	edited := slices.Concat(orig[:loc[5]], []byte(" Edit"+strconv.Itoa(i)), orig[loc[5]:])
	if err := os.WriteFile(path, edited, 0o644); err != nil {
		b.Fatal(err)
	}
}

// asBinary tunes the collector as the plansync binary does (its main:
// GOGC 400 under the default soft limit) for the rest of b. The binary's
// heap target (TuneGC) is left out: it reads the whole process's live
// heap, which here holds the benchmark's own data; peak memory is
// measured on the binary.
func asBinary(b *testing.B) {
	gc, limit := debug.SetGCPercent(400), debug.SetMemoryLimit(DefaultMemoryLimit)
	b.Cleanup(func() {
		debug.SetGCPercent(gc)
		debug.SetMemoryLimit(limit)
	})
}

// buildPlansync builds the program pkg (plansync, or the floor) into a
// directory of b's.
func buildPlansync(b *testing.B, pkg string) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), filepath.Base(pkg))
	out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput()
	if err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runBinary runs the plansync binary bin with args in a fresh process,
// stdin not a terminal (as in CI), profiled into profile unless it is "",
// and fails b unless it exits with code.
func runBinary(b *testing.B, bin string, code int, profile string, args ...string) {
	b.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "PLANSYNC_STATE=", "PLANSYNC_PROFILE="+profile)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if got := cmd.ProcessState.ExitCode(); got != code {
		b.Fatalf("plansync %v: exit %d (%v), want %d\n%s", args, got, err, code, out.String())
	}
}

// reportPeak runs bin with args once more, untimed and profiled
// (PLANSYNC_PROFILE), and reports the peak resident memory its
// stats.txt gives as peak-MiB (the kernel's count for the process
// itself: the benchmark's own memory is not in it).
func reportPeak(b *testing.B, bin string, code int, args ...string) {
	b.StopTimer()
	dir := b.TempDir()
	runBinary(b, bin, code, dir, args...)
	stats, err := os.ReadFile(filepath.Join(dir, "stats.txt"))
	if err != nil {
		b.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^peak resident memory: (\d+) MiB$`).FindSubmatch(stats)
	if m == nil {
		b.Logf("no peak resident memory in stats.txt:\n%s", stats)
		return
	}
	mib, _ := strconv.Atoi(string(m[1]))
	b.ReportMetric(float64(mib), "peak-MiB")
}

// configFiles lists the config files of a generated fleet (not the
// state or the cache in .plansync).
func configFiles(b *testing.B, dir, ext string) []string {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".plansync" {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ext) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil || len(files) == 0 {
		b.Fatalf("%d files: %v", len(files), err)
	}
	return files
}
