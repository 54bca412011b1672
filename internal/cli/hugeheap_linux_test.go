//go:build linux && !race

package cli

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestHugeHeap checks, in a fresh process (a heap as small as the
// binary's when it starts), that the heap space is marked for huge pages
// only where Linux gives them on request and GODEBUG does not refuse
// them, and that the heap then grows into the marked space.
func TestHugeHeap(t *testing.T) {
	if os.Getenv("PLANSYNC_HUGEHEAP_CHILD") != "" {
		t.Skip("the child's test is TestHugeHeapChild")
	}
	if _, err := os.Stat(thpEnabled); err != nil {
		t.Skipf("this kernel has no transparent huge pages: %v", err)
	}
	for _, tc := range []struct {
		mode, godebug string
		limitAS       bool
		marked        bool
	}{
		{"always [madvise] never\n", "", false, true},
		{"always [madvise] never\n", "gctrace=0,disablethp=1", false, false},
		{"[always] madvise never\n", "", false, false},
		{"always madvise [never]\n", "", false, false},
		// Under ulimit -v the space is not asked for (the runtime
		// would end the process when it cannot map it).
		{"always [madvise] never\n", "", true, false},
	} {
		t.Run(fmt.Sprintf("%s/%s/limit=%v", strings.TrimSpace(tc.mode), tc.godebug, tc.limitAS), func(t *testing.T) {
			mode := filepath.Join(t.TempDir(), "enabled")
			if err := os.WriteFile(mode, []byte(tc.mode), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestHugeHeapChild$", "-test.v")
			cmd.Env = append(os.Environ(), "PLANSYNC_HUGEHEAP_CHILD="+mode, "PLANSYNC_HUGEHEAP_GODEBUG="+tc.godebug,
				fmt.Sprintf("PLANSYNC_HUGEHEAP_LIMIT_AS=%v", tc.limitAS))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			want := "marked: false"
			if tc.marked {
				want = "marked: true, given back: true, heap grows into it: true, VMA flag hg: true, in the memory profile: false"
			}
			if !strings.Contains(string(out), want) {
				t.Fatalf("child says:\n%s\nwant %q", out, want)
			}
		})
	}
}

// TestHugeHeapChild is TestHugeHeap's fresh process.
func TestHugeHeapChild(t *testing.T) {
	mode := os.Getenv("PLANSYNC_HUGEHEAP_CHILD")
	if mode == "" {
		t.Skip("run by TestHugeHeap")
	}
	godebug := os.Getenv("PLANSYNC_HUGEHEAP_GODEBUG")
	getenv := func(k string) (string, bool) {
		if k == "GODEBUG" {
			return godebug, godebug != ""
		}
		return "", false
	}
	const size = 256 << 20
	if os.Getenv("PLANSYNC_HUGEHEAP_LIMIT_AS") == "true" {
		// Room for what the process has mapped and a little more, not
		// for the space asked for.
		room := vmSize(t) + size/2
		if err := unix.Setrlimit(unix.RLIMIT_AS, &unix.Rlimit{Cur: room, Max: unix.RLIM_INFINITY}); err != nil {
			t.Fatal(err)
		}
	}
	start := markHugeHeap(getenv, mode, size)
	if start == 0 {
		fmt.Println("marked: false")
		return
	}
	// Given back to the system, once the space is surely collected: it
	// does not count as memory the process holds (the soft memory limit
	// counts free pages not given back).
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(sample)
	given := sample[0].Value.Uint64() < size/4
	grown := make([]byte, 32<<20)
	at := uintptr(unsafe.Pointer(unsafe.SliceData(grown)))
	inside := at >= start && at+uintptr(len(grown)) <= start+size
	fmt.Printf("marked: true, given back: %v, heap grows into it: %v, VMA flag hg: %v, in the memory profile: %v\n",
		given, inside, vmaFlag(t, at, "hg"), inMemProfile(size))
}

// inMemProfile tells whether the memory profile (what heap.pprof of
// PLANSYNC_PROFILE holds, and its alloc_space) records an allocation of
// at least size bytes: the space asked for is address space, not memory
// the run allocated, and must not show as such.
func inMemProfile(size int64) bool {
	runtime.GC()
	runtime.GC()
	n, _ := runtime.MemProfile(nil, true)
	records := make([]runtime.MemProfileRecord, n+50)
	n, _ = runtime.MemProfile(records, true)
	for _, r := range records[:n] {
		if r.AllocBytes >= size {
			return true
		}
	}
	return false
}

// vmaFlag tells whether the mapping of this process holding address at
// has flag in its VmFlags (/proc/self/smaps).
func vmaFlag(t *testing.T, at uintptr, flag string) bool {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x ", &lo, &hi); n == 2 {
			in = at >= lo && at < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.Contains(" "+strings.TrimPrefix(line, "VmFlags:")+" ", " "+flag+" ")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Fatalf("no mapping holds %#x", at)
	return false
}

// vmSize is this process's mapped address space in bytes (VmSize).
func vmSize(t *testing.T) uint64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmSize:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmSize in /proc/self/status")
	return 0
}

// The space is asked for only where mapping it cannot fail: no limit on
// address space or data, Linux not committing only what it has, and
// memory and swap of twice the space.
func TestMayReserve(t *testing.T) {
	const gib = 1 << 30
	const inf = unix.RLIM_INFINITY
	meminfo := func(memKB, swapKB uint64) []byte {
		return fmt.Appendf(nil, "MemTotal:       %d kB\nMemFree:        1024 kB\nSwapTotal:      %d kB\n", memKB, swapKB)
	}
	for _, tc := range []struct {
		name       string
		as, data   uint64
		overcommit string
		meminfo    []byte
		want       bool
	}{
		{"room", inf, inf, "0\n", meminfo(4<<20, 0), true},
		{"memory and swap", inf, inf, "1\n", meminfo(1<<20, 1<<20), true},
		{"ulimit -v", 8 * gib, inf, "0\n", meminfo(4<<20, 0), false},
		{"ulimit -d", inf, 8 * gib, "0\n", meminfo(4<<20, 0), false},
		{"strict overcommit", inf, inf, "2\n", meminfo(4<<20, 0), false},
		{"small machine", inf, inf, "0\n", meminfo(1<<20, 512<<10), false},
		{"unreadable meminfo", inf, inf, "0\n", []byte("MemTotal: lots\n"), false},
	} {
		if got := mayReserve(tc.as, tc.data, tc.overcommit, tc.meminfo, gib); got != tc.want {
			t.Errorf("%s: mayReserve = %v, want %v", tc.name, got, tc.want)
		}
	}
}
