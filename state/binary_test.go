package state

import (
	"math/rand/v2"
	"os"
	"reflect"
	"testing"
)

// TestBinaryEveryField: the binary form of a snapshot with every field
// set (fullSnapshot, which TestRoundTripEveryField keeps complete) reads
// back as the snapshot Decode gives; a field the codec leaves out fails
// here.
func TestBinaryEveryField(t *testing.T) {
	data, err := Encode(fullSnapshot(t))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	checkAllSet(t, reflect.ValueOf(s), "Snapshot")
	bin, ok := EncodeBinary(s)
	if !ok {
		t.Fatal("EncodeBinary refused a decoded snapshot")
	}
	got, err := DecodeBinary(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, got) {
		t.Fatalf("binary round trip differs:\n%+v\n%+v", s, got)
	}
	// Every truncation fails; random damage never panics.
	for n := range len(bin) {
		if _, err := DecodeBinary(bin[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: read", n, len(bin))
		}
	}
	r := rand.New(rand.NewPCG(1, 1))
	for range 2000 {
		bad := append([]byte(nil), bin...)
		bad[r.IntN(len(bad))] ^= byte(1 + r.IntN(255))
		_, _ = DecodeBinary(bad)
	}
	// Values of a type Decode never gives are refused.
	s.PropertySets["x"] = Values{"a": 1}
	if _, ok := EncodeBinary(s); ok {
		t.Error("an int value encoded")
	}
}

func FuzzBinary(f *testing.F) {
	data, err := Encode(fullSnapshot(f))
	if err != nil {
		f.Fatal(err)
	}
	s, _ := Decode(data)
	bin, _ := EncodeBinary(s)
	f.Add(bin)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeBinary(data)
		if err != nil {
			return
		}
		again, ok := EncodeBinary(s)
		if !ok {
			t.Fatal("an accepted snapshot does not encode")
		}
		back, err := DecodeBinary(again)
		if err != nil || !reflect.DeepEqual(s, back) {
			t.Fatalf("an accepted snapshot, written back, reads differently: %v", err)
		}
	})
}

// benchState is the snapshot the binary codec's benchmarks use: the
// state file PLANSYNC_BENCH_STATE names (a real fleet's), else
// bigSnapshot(100_000).
func benchState(b *testing.B) *Snapshot {
	if path := os.Getenv("PLANSYNC_BENCH_STATE"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		s, err := Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	return bigSnapshot(100_000)
}

func BenchmarkEncodeBinary100k(b *testing.B) {
	s := benchState(b)
	b.ReportAllocs()
	var size int
	for b.Loop() {
		data, ok := EncodeBinary(s)
		if !ok {
			b.Fatal("not encoded")
		}
		size = len(data)
	}
	b.SetBytes(int64(size))
}

func BenchmarkDecodeBinary100k(b *testing.B) {
	data, ok := EncodeBinary(benchState(b))
	if !ok {
		b.Fatal("not encoded")
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeBinary(data); err != nil {
			b.Fatal(err)
		}
	}
}
