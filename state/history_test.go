package state

import (
	"strings"
	"testing"
)

func TestRetentionKeep(t *testing.T) {
	r := Retention{Entries: 4, Changes: 10}
	var in []HistoryEntry
	for i := range 6 {
		in = append(in, HistoryEntry{Serial: uint64(i + 1), Summary: "s", Changes: []byte(strings.Repeat("x", 4))})
	}
	out := r.Keep(in)
	if len(out) != 4 || out[0].Serial != 3 || out[3].Serial != 6 {
		t.Fatalf("kept serials %v", serials(out))
	}
	// 4+4 bytes fit in 10, a third does not: entries 3 and 4 lose theirs.
	for i, want := range []bool{false, false, true, true} {
		if got := len(out[i].Changes) > 0; got != want {
			t.Errorf("entry %d keeps its changes: %v, want %v", out[i].Serial, got, want)
		}
	}
	if len(in[2].Changes) == 0 {
		t.Error("Keep modified its input")
	}
	// The newest entry keeps its changes whatever their size.
	big := []HistoryEntry{{Serial: 1, Changes: []byte(strings.Repeat("x", 50))}}
	if out := r.Keep(big); len(out[0].Changes) != 50 {
		t.Error("the newest entry lost its changes")
	}
	if !strings.Contains(HistoryRetention.String(), "last 1000 applied changes") {
		t.Errorf("retention text: %s", HistoryRetention)
	}
}

func serials(es []HistoryEntry) []uint64 {
	var out []uint64
	for _, e := range es {
		out = append(out, e.Serial)
	}
	return out
}
