package cli

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestGCPercent(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 400},
		{50 * mib, 400},  // 5 × 50 MiB is under 480
		{96 * mib, 400},  // exactly 480
		{120 * mib, 300}, // the heap kept at 480
		{180 * mib, 166}, // a plan of 100,000 subscriptions
		{239 * mib, 100}, // twice what is live
		{240 * mib, 400}, // half the target: cannot be kept under it
		{900 * mib, 400}, // a first apply of 100,000: the memory limit's
	} {
		if got := gcPercent(c.live, 480*mib); got != c.want {
			t.Errorf("gcPercent(%d MiB) = %d, want %d", c.live/mib, got, c.want)
		}
	}
	for live := uint64(1); live < 600*mib; live += 7 * mib {
		p := gcPercent(live, HeapTarget)
		if p < 100 || p > 400 {
			t.Fatalf("gcPercent(%d) = %d, outside 100..400", live, p)
		}
		if p < 400 && live*uint64(100+p)/100 > HeapTarget {
			t.Fatalf("gcPercent(%d) = %d: the heap goal is above the target", live, p)
		}
	}
}

// The tuner sets GOGC after a collection from what is then live.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	const mib = 1 << 20
	// A target at which 12 MiB live (and what the test binary holds)
	// is between a fifth and a half of it.
	target := uint64(48 * mib)
	live := make([]byte, 12*mib)
	for i := range live {
		live[i] = byte(i)
	}
	stop := TuneGC(target)
	defer stop()
	sample := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/heap/live:bytes"}}
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
		metrics.Read(sample)
		gogc, held := int(sample[0].Value.Uint64()), sample[1].Value.Uint64()
		if want := gcPercent(held, target); gogc == want && gogc != 400 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GOGC %d with %d bytes live; want %d", gogc, held, gcPercent(held, target))
		}
	}
	runtime.KeepAlive(live)
	stop()
}
