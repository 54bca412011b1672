package config

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ptDir writes a config directory whose files are largest last in path
// order, with a plan defined in two of them (the duplicate is reported
// by path order) and a file with a syntax error.
func ptDir(t *testing.T, broken bool) string {
	t.Helper()
	dir := t.TempDir()
	var big strings.Builder
	big.WriteString("service_plans:\n")
	for i := range 400 {
		fmt.Fprintf(&big, "  - name: Plan %03d\n    resources: {disk_space: %dGiB}\n", i, i+1)
	}
	big.WriteString("  - name: Dup\n")
	files := map[string]string{
		"a.yaml":     "service_plans:\n  - name: Dup\n",
		"m/b.yaml":   "service_plans:\n  - name: Middle\n    resources: {disk_space: 2GiB}\n",
		"z/big.yaml": big.String(),
	}
	if broken {
		files["m/c.yaml"] = "service_plans: [\n"
	}
	ltWrite(t, dir, files)
	return dir
}

// TestPrepareLargestFirstInPathOrder: files are parsed largest first, and
// Load still gives what parsing and decoding them in path order gives
// (ParseDir, Decode), diagnostics and all.
func TestPrepareLargestFirstInPathOrder(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, broken := range []bool{false, true} {
		dir := ptDir(t, broken)
		w := walker{seen: map[string]struct{}{}}
		w.walkRoot(dir)
		slices.SortFunc(w.jobs, func(a, b walkJob) int { return strings.Compare(a.rel, b.rel) })
		order := largestFirst(w.jobs)
		if len(order) != len(w.jobs) || w.jobs[order[0]].rel != "z/big.yaml" {
			t.Fatalf("order %v of %v: the largest file is not first", order, w.jobs)
		}
		opts := Options{}
		files, ds := ParseDir(dir)
		want, more := Decode(files, opts)
		want, wantDs := finishLoad(want, append(ds, more...), !ds.HasErrors(), opts)
		got, gotDs := Load(dir, opts)
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("broken=%t: config (-path order +Load):\n%s", broken, diff)
		}
		if diff := cmp.Diff(ltRel(dir, wantDs), ltRel(dir, gotDs)); diff != "" {
			t.Errorf("broken=%t: diagnostics (-path order +Load):\n%s", broken, diff)
		}
		if !gotDs.HasErrors() {
			t.Errorf("broken=%t: the plan defined twice is not reported", broken)
		}
	}
}

// TestLargestFirstBounds: no order (path order) for one file, one core,
// or more files than are worth a stat each.
func TestLargestFirstBounds(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	jobs := make([]walkJob, largestFirstMax+1)
	if largestFirst(jobs) != nil || largestFirst(jobs[:1]) != nil {
		t.Error("ordered too many files or a single one")
	}
	runtime.GOMAXPROCS(1)
	if largestFirst(jobs[:2]) != nil {
		t.Error("ordered for a single core")
	}
}

// TestPrepareStopped: a prepare whose context is done stops with its
// error, cached or not; one not stopped finishes as Load.
func TestPrepareStopped(t *testing.T) {
	dir := ptDir(t, false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if p, err := Prepare(ctx, dir, Options{}); p != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("Prepare stopped: %v, %v", p, err)
	}
	store := newMemCache()
	if p, _, err := PrepareCached(ctx, dir, Options{}, cacheOpts(store)); p != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("PrepareCached stopped: %v, %v", p, err)
	}
	p, err := Prepare(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, gotDs := p.Finish(Options{RecordedExtensionServices: map[string]string{"wp-toolkit": "wp"}})
	want, wantDs := Load(dir, Options{RecordedExtensionServices: map[string]string{"wp-toolkit": "wp"}})
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Prepare then Finish (-Load +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantDs, gotDs); diff != "" {
		t.Errorf("diagnostics (-Load +got):\n%s", diff)
	}
}

// TestPrepareShared: while the caller holds a core (Options.Shared not
// closed), the files are parsed on the others, to the same result; a
// stop ends the wait of the worker held back.
func TestPrepareShared(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	dir := ptDir(t, false)
	held := make(chan struct{})
	p, err := Prepare(context.Background(), dir, Options{Shared: held})
	if err != nil {
		t.Fatal(err)
	}
	got, gotDs := p.Finish(Options{})
	want, wantDs := Load(dir, Options{})
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("config (-Load +shared):\n%s", diff)
	}
	if diff := cmp.Diff(wantDs, gotDs); diff != "" {
		t.Errorf("diagnostics (-Load +shared):\n%s", diff)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Prepare(ctx, dir, Options{Shared: held}); !errors.Is(err, context.Canceled) {
		t.Errorf("stopped: %v", err)
	}
}
