package state

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkAsDecoded fails unless AsDecoded gives exactly what Decode gives
// for Encode's encoding of s, or declines; it reports whether it gave.
func checkAsDecoded(t *testing.T, s *Snapshot) bool {
	t.Helper()
	enc, err := Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := AsDecoded(s, enc)
	want, err := Decode(enc)
	if err != nil {
		if ok {
			t.Fatalf("Decode fails (%v), AsDecoded gives a snapshot", err)
		}
		return false
	}
	if ok && !reflect.DeepEqual(got, want) {
		t.Fatalf("AsDecoded differs from Decode:\n%s", cmp.Diff(want, got))
	}
	return ok
}

func TestAsDecoded(t *testing.T) {
	if !checkAsDecoded(t, fullSnapshot(t)) || !checkAsDecoded(t, bigSnapshot(300)) || !checkAsDecoded(t, New("l")) {
		t.Fatal("AsDecoded declines a plain snapshot")
	}
	r := rand.New(rand.NewPCG(7, 8))
	given := 0
	for i := range 3000 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if checkAsDecoded(t, randomSnapshot(r, "", i%2 == 0)) {
				given++
			}
		})
	}
	if given < 1000 {
		t.Errorf("AsDecoded gave %d snapshots of 3000", given)
	}
	// Encode writes what Decode refuses: a nil property set, values
	// nested too deeply.
	deep := any("x")
	for range maxDepth + 1 {
		deep = []any{deep}
	}
	for _, v := range []Values{nil, {"deep": deep}} {
		s := New("l")
		s.PropertySets = map[string]Values{"x": v}
		s.Subscriptions = []Subscription{{Domain: "d", Effective: "x"}}
		if checkAsDecoded(t, s) {
			t.Errorf("AsDecoded gives a snapshot for %v", v)
		}
	}
}

func FuzzAsDecoded(f *testing.F) {
	f.Add(uint64(1), "")
	f.Add(uint64(2), "a\u2028b\"d\\e\x00")
	f.Fuzz(func(t *testing.T, seed uint64, extra string) {
		checkAsDecoded(t, randomSnapshot(rand.New(rand.NewPCG(seed, seed>>1)), extra, seed%2 == 0))
	})
}
