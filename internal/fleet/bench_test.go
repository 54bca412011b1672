package fleet_test

import (
	"flag"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/fleet"
)

// loadDir names a config directory for TestLoadDir, which times loading
// it: go test -run TestLoadDir ./internal/fleet -args -fleet.dir /tmp/fleet-yaml
var loadDir = flag.String("fleet.dir", "", "config directory TestLoadDir loads and measures")

// TestLoadDir loads the directory given by -fleet.dir and reports how
// long it took and the memory it used. It is skipped without the flag.
func TestLoadDir(t *testing.T) {
	if *loadDir == "" {
		t.Skip("no -fleet.dir")
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	cfg, ds := config.Load(*loadDir, config.OSOptions())
	took := time.Since(start)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if ds.HasErrors() {
		t.Fatalf("%d diagnostics:\n%s", len(ds), ds.Error())
	}
	runtime.KeepAlive(cfg)
	t.Logf("loaded %s: %d files, %d subscriptions, %d customers, %d diagnostics in %s; allocated %.0f MiB in %d allocations, heap in use %.0f MiB, heap obtained from the OS %.0f MiB",
		*loadDir, len(cfg.Files), len(cfg.Subscriptions), len(cfg.Customers), len(ds), took.Round(time.Millisecond),
		float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), after.Mallocs-before.Mallocs,
		float64(after.HeapInuse)/(1<<20), float64(after.HeapSys)/(1<<20))
}

const benchN = 100000

func BenchmarkGenerate100k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		fleet.Generate(fleet.DefaultOptions(benchN))
	}
}

// BenchmarkGenerateWriteDir100k generates and writes a fleet of 100,000
// subscriptions.
func BenchmarkGenerateWriteDir100k(b *testing.B) {
	for _, syntax := range []string{"yaml", "hcl"} {
		b.Run(syntax, func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "fleet")
			b.ReportAllocs()
			for b.Loop() {
				cfg := fleet.Generate(fleet.DefaultOptions(benchN))
				if err := fleet.WriteDir(dir, cfg, syntax, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoad100k loads a fleet of 100,000 subscriptions written in
// either syntax.
func BenchmarkLoad100k(b *testing.B) {
	cfg := fleet.Generate(fleet.DefaultOptions(benchN))
	for _, syntax := range []string{"yaml", "hcl"} {
		b.Run(syntax, func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "fleet")
			if err := fleet.WriteDir(dir, cfg, syntax, 0); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				got, ds := config.Load(dir, config.Options{})
				if len(ds) > 0 || len(got.Subscriptions) != benchN {
					b.Fatal(fmt.Sprint(len(ds), " diagnostics, ", len(got.Subscriptions), " subscriptions"))
				}
			}
		})
	}
}
