package cli

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// HeapTarget is the heap plansync's collector tuning keeps a run under
// when that costs little: a plan of 100,000 subscriptions holds about
// 180 MiB live at its peak, and GOGC 400 alone would let its heap grow
// to five times that.
const HeapTarget = 360 << 20

// gcPercent is the GOGC for a live heap of live bytes, under a heap
// target: 400 (few collections; the heap grows to five times what is
// live) while that stays under the target, then whatever keeps the heap
// at the target, down to 100 (Go's default: twice what is live). A run
// that holds half the target or more cannot be kept under it at that
// price: it has 400 again, under the soft memory limit (a first apply or
// an import of 100,000 subscriptions, several servers at once).
func gcPercent(live, target uint64) int {
	const most = 400
	if live == 0 || live*5 <= target || live*2 >= target {
		return most
	}
	return int((target - live) * 100 / live)
}

// gcSentinel is the object whose collection tells the tuner a cycle has
// ended (large enough not to share a tiny allocation with others).
type gcSentinel struct{ _ [32]byte }

// TuneGC sets GOGC after every collection from the live heap
// (gcPercent under target) until stop is called. The process's GOGC
// is 400 to begin with.
func TuneGC(target uint64) (stop func()) {
	var stopped atomic.Bool
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var last atomic.Int64
	debug.SetGCPercent(400)
	last.Store(400)
	var arm func()
	arm = func() {
		runtime.AddCleanup(&gcSentinel{}, func(struct{}) {
			if stopped.Load() {
				return
			}
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				if p := gcPercent(sample[0].Value.Uint64(), target); int64(p) != last.Load() {
					debug.SetGCPercent(p)
					last.Store(int64(p))
				}
			}
			arm()
		}, struct{}{})
	}
	arm()
	return func() { stopped.Store(true) }
}
