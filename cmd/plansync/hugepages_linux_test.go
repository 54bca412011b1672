package main

import (
	"bufio"
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestHugeHeapWanted: the heap is marked only on a 64-bit system that
// leaves huge pages to madvise, does not refuse unbacked address space,
// and has the memory.
func TestHugeHeapWanted(t *testing.T) {
	const gib = 1 << 30
	settings := func(thp, overcommit string) func(string) string {
		return func(path string) string {
			switch path {
			case "/sys/kernel/mm/transparent_hugepage/enabled":
				return thp
			case "/proc/sys/vm/overcommit_memory":
				return overcommit
			}
			t.Fatalf("unexpected read of %s", path)
			return ""
		}
	}
	for _, tc := range []struct {
		name            string
		thp, overcommit string
		memory          uint64
		want            bool
	}{
		{"madvise", "always [madvise] never\n", "0\n", 8 * gib, strconv.IntSize == 64},
		{"heuristic overcommit 1", "always [madvise] never\n", "1\n", 8 * gib, strconv.IntSize == 64},
		{"always: the kernel does it", "[always] madvise never\n", "0\n", 8 * gib, false},
		{"never", "always madvise [never]\n", "0\n", 8 * gib, false},
		{"no THP in the kernel", "", "0\n", 8 * gib, false},
		{"strict overcommit", "always [madvise] never\n", "2\n", 8 * gib, false},
		{"small machine", "always [madvise] never\n", "0\n", gib - 1, false},
		{"memory unknown", "always [madvise] never\n", "0\n", 0, false},
	} {
		if got := hugeHeapWanted(settings(tc.thp, tc.overcommit), tc.memory); got != tc.want {
			t.Errorf("%s: hugeHeapWanted = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestMarkHuge: the heap memory markHuge is given is marked for huge
// pages (VmFlags hg in /proc/self/smaps).
func TestMarkHuge(t *testing.T) {
	b := make([]byte, 8<<20)
	if err := markHuge(b); err != nil {
		if errors.Is(err, unix.EINVAL) {
			t.Skip("this kernel has no transparent huge pages:", err)
		}
		t.Fatal(err)
	}
	addr := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	flags := vmFlags(t, addr)
	runtime.KeepAlive(b)
	if !strings.Contains(" "+flags+" ", " hg ") {
		t.Errorf("the block at %#x is not marked for huge pages: VmFlags %q", addr, flags)
	}
}

// vmFlags are the VmFlags of the mapping holding addr.
func vmFlags(t *testing.T, addr uint64) string {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := mappingRange(line); ok {
			in = lo <= addr && addr < hi
			continue
		}
		if in {
			if v, ok := strings.CutPrefix(line, "VmFlags:"); ok {
				return strings.TrimSpace(v)
			}
		}
	}
	t.Fatalf("no mapping holds %#x (%v)", addr, sc.Err())
	return ""
}

// mappingRange parses the range of a mapping's first line in smaps
// ("7f00-7f80 rw-p …").
func mappingRange(line string) (lo, hi uint64, ok bool) {
	r, _, found := strings.Cut(line, " ")
	if !found {
		return 0, 0, false
	}
	a, b, found := strings.Cut(r, "-")
	if !found {
		return 0, 0, false
	}
	lo, err1 := strconv.ParseUint(a, 16, 64)
	hi, err2 := strconv.ParseUint(b, 16, 64)
	return lo, hi, err1 == nil && err2 == nil
}
