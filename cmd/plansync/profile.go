package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"
)

// PLANSYNC_PROFILE=DIR profiles one run, for users who report slowness:
// DIR/cpu.pprof (the CPU profile of the whole run), DIR/heap.pprof (the
// memory profile when it ends: what is held, and with `-sample_index
// alloc_space` all that was allocated) and DIR/stats.txt (wall time, Go
// version, cores, the collector's counts and peak heap). None of them
// holds a secret or the command line (which may name a state URL with
// its password): only code locations and counts. DIR is made if missing;
// files in it are replaced. A run ended by a signal writes no profile.
const profileEnv = "PLANSYNC_PROFILE"

// profiler is a CPU profile in progress.
type profiler struct {
	dir   string
	cpu   *os.File
	start time.Time
}

// startProfile starts profiling when PLANSYNC_PROFILE names a directory;
// nil, nil when it is not set.
func startProfile(getenv func(string) (string, bool)) (*profiler, error) {
	dir, _ := getenv(profileEnv)
	if dir == "" {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	f, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	return &profiler{dir: dir, cpu: f, start: time.Now()}, nil
}

// stop ends the CPU profile and writes the memory profile and the stats.
func (p *profiler) stop(code int) error {
	wall := time.Since(p.start)
	pprof.StopCPUProfile()
	err := p.cpu.Close()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	// The heap profile is as of the last collection: run one, so that
	// it shows what the run holds at its end.
	runtime.GC()
	err = errors.Join(err, writeFile(filepath.Join(p.dir, "heap.pprof"), func(w io.Writer) error {
		return pprof.Lookup("heap").WriteTo(w, 0)
	}))
	err = errors.Join(err, writeFile(filepath.Join(p.dir, "stats.txt"), func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "plansync profile\nexit code: %d\nwall time: %s\ngo: %s %s/%s\ncpus: %d (GOMAXPROCS %d)\n"+
			"heap allocated in total: %d MiB (%d objects)\nheap obtained from the OS (HeapSys, about its peak): %d MiB\nmemory from the OS (Sys): %d MiB\ncollections: %d, pause total %s\n",
			code, wall.Round(time.Millisecond), runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0),
			ms.TotalAlloc>>20, ms.Mallocs, ms.HeapSys>>20, ms.Sys>>20, ms.NumGC, time.Duration(ms.PauseTotalNs).Round(time.Microsecond))
		return err
	}))
	if err != nil {
		return fmt.Errorf("%s: %w", profileEnv, err)
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
