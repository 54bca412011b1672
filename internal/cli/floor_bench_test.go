package cli

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"gopkg.in/yaml.v3"

	"github.com/plansync/plansync/internal/fleet"
)

// BenchmarkPlanFloor puts a no-op `plansync plan` of a 100,000-subscription
// fleet beside its floor: a minimal program that only parses the same
// config files, one after the other on one core (GOMAXPROCS 1), with
// yaml.v3 (into yaml.Node) or hcl/v2 (hclsyntax.ParseConfig). The plan
// runs in process with the binary's collector settings (asBinary); its
// sub-benchmark reports x-floor, its time over the floor's (issue 15's
// goal: at most 1.5 cold). -short uses 10,000 subscriptions.
func BenchmarkPlanFloor(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	cfg := fleet.Generate(fleet.DefaultOptions(n))
	for _, syntax := range []string{"yaml", "hcl"} {
		dir := b.TempDir()
		if err := fleet.WriteDir(dir, cfg, syntax, 1000); err != nil {
			b.Fatal(err)
		}
		mustRun(b, "apply", "--dir", dir, "--auto-approve", "--accept-available")
		files := configFiles(b, dir, "."+syntax)
		var floor float64
		b.Run(syntax+"/floor", func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			for b.Loop() {
				parseFloor(b, files, syntax)
			}
			floor = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
		b.Run(syntax+"/noop", func(b *testing.B) {
			asBinary(b)
			for b.Loop() {
				mustNoChanges(b, "plan", "--dir", dir, "--detailed-exitcode")
			}
			if floor > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/floor, "x-floor")
			}
		})
	}
}

// asBinary tunes the collector as the plansync binary does (its main:
// GOGC 400 under an 896 MiB soft limit) for the rest of b.
func asBinary(b *testing.B) {
	gc, limit := debug.SetGCPercent(400), debug.SetMemoryLimit(896<<20)
	b.Cleanup(func() {
		debug.SetGCPercent(gc)
		debug.SetMemoryLimit(limit)
	})
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

// parseFloor reads and parses each file: the least any plan must do.
func parseFloor(b *testing.B, files []string, syntax string) {
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if syntax == "yaml" {
			var n yaml.Node
			if err := yaml.Unmarshal(data, &n); err != nil {
				b.Fatal(err)
			}
			continue
		}
		if _, ds := hclsyntax.ParseConfig(data, f, hcl.Pos{Line: 1, Column: 1}); ds.HasErrors() {
			b.Fatal(ds.Error())
		}
	}
}
