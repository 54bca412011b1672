//go:build linux && !race

package cli

import (
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugeHeapBytes is the address space at the start of the heap that
// HugeHeap asks transparent huge pages for: more than a plan of 100,000
// subscriptions ever holds (about 450 MiB at its peak), and only address
// space: memory is used as the heap grows into it, as without.
const hugeHeapBytes = 1 << 30

// thpEnabled is where Linux tells when it gives transparent huge pages:
// "always", "madvise" (to memory that asks for them) or "never".
const thpEnabled = "/sys/kernel/mm/transparent_hugepage/enabled"

// HugeHeap asks Linux to back the heap plansync is about to grow with
// transparent huge pages (2 MiB) where it gives them only on request
// (the "madvise" mode, the default of most distributions). A plan of a
// large fleet builds a heap of hundreds of MiB from scratch; with 4 KiB
// pages each of them is a page fault, which on a virtual machine costs
// tens of microseconds: about a third of the run's CPU time. The Go
// runtime does not ask for huge pages for its heap (only for its
// metadata), so plansync does, once, before any work (the binary's main,
// and this package's tests and benchmarks, which run plansync in
// process): it has the runtime map the address space the heap will grow
// into (a large allocation, never touched), marks that space
// MADV_HUGEPAGE, and gives it back to the runtime (a collection, then
// every free page returned to the system, which keeps the mark: the
// pages are faulted in again, 2 MiB at a time, as the heap grows). Go's
// own GODEBUG=disablethp=1 turns it off; it does nothing where mapping
// that space at once could fail (roomFor), nor when Linux gives huge
// pages always or never.
func HugeHeap(getenv func(string) (string, bool)) {
	markHugeHeap(getenv, thpEnabled, hugeHeapBytes)
}

// markHugeHeap is HugeHeap with Linux's mode read from modeFile and
// size bytes of heap marked. It returns the address where the marked
// space starts, 0 when it marks none.
func markHugeHeap(getenv func(string) (string, bool), modeFile string, size int) uintptr {
	if v, _ := getenv("GODEBUG"); strings.Contains(","+v+",", ",disablethp=1,") {
		return 0
	}
	mode, err := os.ReadFile(modeFile)
	if err != nil || !bytes.Contains(mode, []byte("[madvise]")) || !roomFor(uint64(size)) {
		return 0
	}
	// The space is not memory the run allocates: kept out of the memory
	// profile (PLANSYNC_PROFILE's heap.pprof, whose alloc_space it would
	// otherwise fill). The runtime samples the first allocation after
	// the rate changes (to take the new rate up): a small one, first.
	rate := runtime.MemProfileRate
	runtime.MemProfileRate = 0
	profileRateSink.Store(new([16]byte))
	region := make([]byte, size)
	runtime.MemProfileRate = rate
	profileRateSink.Store(nil)
	start := uintptr(unsafe.Pointer(unsafe.SliceData(region)))
	if err := unix.Madvise(region, unix.MADV_HUGEPAGE); err != nil {
		start = 0
	}
	region = nil
	debug.FreeOSMemory()
	return start
}

// profileRateSink holds the small allocation markHugeHeap makes to have
// the runtime take a new memory profile rate up (a heap allocation).
var profileRateSink atomic.Pointer[[16]byte]

// roomFor tells whether this process may map size bytes of heap at
// once without running out of memory: the runtime ends the process when
// a mapping fails. It may not under a limit on its address space or data
// (ulimit -v, ulimit -d), when Linux commits no more than it has
// (vm.overcommit_memory 2), or on a machine with less than twice size of
// memory and swap (Linux's usual rule refuses a mapping larger than
// those).
func roomFor(size uint64) bool {
	var as, data unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_AS, &as) != nil || unix.Getrlimit(unix.RLIMIT_DATA, &data) != nil {
		return false
	}
	overcommit, err := os.ReadFile("/proc/sys/vm/overcommit_memory")
	if err != nil {
		return false
	}
	meminfo, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return false
	}
	return mayReserve(as.Cur, data.Cur, string(overcommit), meminfo, size)
}

// mayReserve is roomFor's rule, from the address space and data limits
// (unix.RLIM_INFINITY: none), vm.overcommit_memory and /proc/meminfo.
func mayReserve(as, data uint64, overcommit string, meminfo []byte, size uint64) bool {
	if as != unix.RLIM_INFINITY || data != unix.RLIM_INFINITY || strings.TrimSpace(overcommit) == "2" {
		return false
	}
	var total uint64
	for line := range strings.SplitSeq(string(meminfo), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || name != "MemTotal" && name != "SwapTotal" {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return false
		}
		total += kb << 10
	}
	return total >= 2*size
}
