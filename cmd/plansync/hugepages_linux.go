package main

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugeHeapBytes is how much of the heap hugeHeap asks huge pages for:
// about what a plan of 100,000 subscriptions touches at its peak.
const hugeHeapBytes = 512 << 20

// hugeHeap asks the kernel to back the first hugeHeapBytes of the heap
// with transparent huge pages, where the system gives them only to the
// programs that ask (THP "madvise", the usual setting). A plan of
// 100,000 subscriptions touches some 400 MiB of fresh memory: in 4 KiB
// pages, 100,000 page faults, which on a virtual machine can cost as much
// as the planning itself; in 2 MiB pages, a few hundred. The Go runtime
// asks huge pages for its own metadata only, so this allocates the range
// as one block (never touched: it costs address space, not memory),
// marks it (MADV_HUGEPAGE), and frees it for the heap to reuse.
//
// A hint only, taken where it is safe: a 64-bit system that leaves huge
// pages to madvise, does not refuse address space it cannot back
// (overcommit mode 2), and has at least twice the block in memory. Any
// failure is ignored.
func hugeHeap() {
	if !hugeHeapWanted(readSys, physicalMemory()) {
		return
	}
	b := make([]byte, hugeHeapBytes)
	markHuge(b)
	b = nil
	runtime.GC() // the block is free for the heap before it grows
}

// markHuge asks huge pages for b's memory.
func markHuge(b []byte) error {
	return unix.Madvise(unsafe.Slice(unsafe.SliceData(b), len(b)), unix.MADV_HUGEPAGE)
}

// hugeHeapWanted reports whether hugeHeap should mark the heap, from the
// kernel's settings (read) and the physical memory in bytes.
func hugeHeapWanted(read func(path string) string, memory uint64) bool {
	return strconv.IntSize == 64 &&
		strings.Contains(read("/sys/kernel/mm/transparent_hugepage/enabled"), "[madvise]") &&
		strings.TrimSpace(read("/proc/sys/vm/overcommit_memory")) != "2" &&
		memory >= 2*hugeHeapBytes
}

// readSys is a kernel setting's text, "" when it cannot be read.
func readSys(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}

// physicalMemory is the system's memory in bytes, 0 when unknown.
func physicalMemory() uint64 {
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) != nil {
		return 0
	}
	return uint64(si.Totalram) * uint64(si.Unit)
}
