package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildBinary builds plansync into a directory of t's.
func buildBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	path := filepath.Join(t.TempDir(), "plansync")
	out, err := exec.Command("go", "build", "-o", path, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return path
}

// BenchmarkWatchLatency measures, on the real binary watching the
// agency example (watch --apply, debounce 100ms), the time from an edit
// saved as an editor does to the printed plan: latency-ms is its median,
// and overhead-ms the median of what is not loading and planning (the
// debounce and the watch's own delay; its budget is the debounce +
// 100ms). The watch's behaviour is tested by the watch_* scenarios.
func BenchmarkWatchLatency(b *testing.B) {
	bin := buildBinary(b)
	dir := copyExample(b, "agency")
	const debounce = 100 * time.Millisecond
	cmd := exec.Command(bin, "watch", "--dir", dir, "--apply", "--debounce", debounce.String())
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "USER=tester", "PLANSYNC_STATE=", "PLANSYNC_NOW=")
	out := &outBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	waitLines := func(prefix string, n int) {
		end := time.Now().Add(waitLimit)
		for {
			if _, ok := out.lineAt(prefix, n); ok {
				return
			}
			if time.Now().After(end) {
				b.Fatalf("no %d× %q within %s:\n%s", n, prefix, waitLimit, out)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	waitLines("Apply complete! 40 added", 1)
	plans := filepath.Join(dir, "plans.yaml")
	var latencies, overheads []time.Duration
	size := 10
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		time.Sleep(50 * time.Millisecond) // separate changes
		edit(b, plans, fmt.Sprintf("disk_space: %dGiB", size), fmt.Sprintf("disk_space: %dGiB", size+1))
		size++
		wrote := time.Now()
		waitLines("Plan: ", i+2)
		printed, _ := out.lineAt("Plan: ", i+2)
		latencies = append(latencies, printed.Sub(wrote))
		waitLines("watch: planned in", i+2)
		overheads = append(overheads, printed.Sub(wrote)-out.work(i+2))
		waitLines("Apply complete!", i+2)
	}
	b.StopTimer()
	slices.Sort(latencies)
	slices.Sort(overheads)
	b.ReportMetric(float64(latencies[len(latencies)/2])/float64(time.Millisecond), "latency-ms")
	b.ReportMetric(float64(overheads[len(overheads)/2])/float64(time.Millisecond), "overhead-ms")
}

// outBuffer collects a process's output and tells when each line came.
type outBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	lines []outLine
	part  string
}

type outLine struct {
	at   time.Time
	text string
}

func (o *outBuffer) Write(p []byte) (int, error) {
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	o.b.Write(p)
	o.part += string(p)
	for {
		i := strings.IndexByte(o.part, '\n')
		if i < 0 {
			break
		}
		o.lines = append(o.lines, outLine{at: now, text: o.part[:i]})
		o.part = o.part[i+1:]
	}
	return len(p), nil
}

func (o *outBuffer) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// lineAt returns when the n-th (1-based) line starting with prefix came.
func (o *outBuffer) lineAt(prefix string, n int) (time.Time, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, l := range o.lines {
		if strings.HasPrefix(l.text, prefix) {
			if n--; n == 0 {
				return l.at, true
			}
		}
	}
	return time.Time{}, false
}

// work returns the config and plan times of the n-th "watch: planned
// in" line ("watch: planned in 130ms (config 2ms, plan 125ms, apply
// 3ms)").
func (o *outBuffer) work(n int) time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, l := range o.lines {
		if !strings.HasPrefix(l.text, "watch: planned in") {
			continue
		}
		if n--; n > 0 {
			continue
		}
		var total time.Duration
		for _, part := range []string{"(config ", ", plan "} {
			_, rest, ok := strings.Cut(l.text, part)
			if !ok {
				return 0
			}
			end := strings.IndexAny(rest, ",)")
			d, err := time.ParseDuration(rest[:end])
			if err != nil {
				return 0
			}
			total += d
		}
		return total
	}
	return 0
}

// copyExample copies a bundled example into a fresh directory.
func copyExample(t testing.TB, name string) string {
	t.Helper()
	src := filepath.Join("..", "..", "examples", name)
	dst := filepath.Join(t.TempDir(), name)
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// edit replaces old by new in a file the way an editor saves it: a
// temporary file renamed over it.
func edit(t testing.TB, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s has no %q", path, old)
	}
	tmp := filepath.Join(filepath.Dir(path), "sedAb12Cd")
	if err := os.WriteFile(tmp, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}
