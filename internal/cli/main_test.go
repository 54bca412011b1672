package cli

import (
	"flag"
	"os"
	"testing"

	"github.com/plansync/plansync/state"
)

// TestMain has every state write of the tests (not of the benchmarks,
// which it would slow) check that the state it encoded like the state
// read is what a full encoding writes: that no command modifies the
// snapshot it read.
func TestMain(m *testing.M) {
	if os.Getenv("PLANSYNC_HUGEHEAP_CHILD") == "" {
		HugeHeap(os.LookupEnv) // as the binary (TestHugeHeap's child tests it afresh)
	}
	flag.Parse()
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		state.VerifyEncodeLike = true
	}
	os.Exit(m.Run())
}
