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
// version, cores, the collector's counts, the memory held at the end and
// the peak resident memory). None of them holds a secret or the command
// line (which may name a state URL with its password): only code
// locations and counts. DIR is made if missing;
// files in it are replaced. A run ended by a signal writes no profile.
const profileEnv = "PLANSYNC_PROFILE"

// profiler is a CPU profile in progress.
type profiler struct {
	dir     string
	cpu     *os.File // the temporary file the CPU profile is written to
	removed bool     // whether cpu's name is removed already
	start   time.Time
	// What the heap had allocated when profiling started, so that
	// stats.txt counts the run's own allocations (not, on Linux, the
	// address space cli.HugeHeap had the runtime map before).
	allocBase, mallocsBase uint64
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
	// The CPU profile goes to a temporary file outside DIR, copied to
	// DIR/cpu.pprof when the run ends: a run ended by a signal (which
	// exits at once) leaves DIR as it was, not an empty cpu.pprof beside
	// the figures of an earlier run. Removed at once where an open file
	// can be (so a signal leaves nothing behind), else by stop.
	f, err := os.CreateTemp("", "plansync-cpu-*.pprof")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	removed := os.Remove(f.Name()) == nil
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		if !removed {
			os.Remove(f.Name())
		}
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return &profiler{dir: dir, cpu: f, removed: removed, start: time.Now(), allocBase: ms.TotalAlloc, mallocsBase: ms.Mallocs}, nil
}

// stop ends the CPU profile and writes the memory profile and the stats.
func (p *profiler) stop(code int) error {
	wall := time.Since(p.start)
	pprof.StopCPUProfile()
	_, err := p.cpu.Seek(0, io.SeekStart)
	if err == nil {
		err = writeFile(filepath.Join(p.dir, "cpu.pprof"), func(w io.Writer) error {
			_, err := io.Copy(w, p.cpu)
			return err
		})
	}
	err = errors.Join(err, p.cpu.Close())
	if !p.removed {
		err = errors.Join(err, os.Remove(p.cpu.Name()))
	}
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
			"heap allocated in total: %d MiB (%d objects)\nheap held from the OS at the end (HeapSys less HeapReleased): %d MiB\nmemory held from the OS at the end (Sys less HeapReleased): %d MiB\ncollections: %d, pause total %s\n",
			code, wall.Round(time.Millisecond), runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0),
			(ms.TotalAlloc-p.allocBase)>>20, ms.Mallocs-p.mallocsBase, (ms.HeapSys-ms.HeapReleased)>>20, (ms.Sys-ms.HeapReleased)>>20, ms.NumGC, time.Duration(ms.PauseTotalNs).Round(time.Microsecond))
		if err != nil {
			return err
		}
		// The peak as the system counts it (the heap, the runtime's
		// own memory, the binary; on Linux a heap in huge pages).
		if peak, ok := peakResident(); ok {
			_, err = fmt.Fprintf(w, "peak resident memory: %d MiB\n", peak>>20)
		}
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
