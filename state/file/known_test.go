package file

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"testing"

	"github.com/plansync/plansync/state"
)

// countDecodes counts the decodings of the state file until the test
// ends.
func countDecodes(t *testing.T) *int {
	n := new(int)
	testHookDecode = func() { *n++ }
	t.Cleanup(func() { testHookDecode = nil })
	return n
}

// A write after a read, or after a write, of the same Backend does not
// decode the state file again, and still finds an equal content equal
// (writing nothing) and a changed one changed.
func TestWriteDoesNotDecodeWhatItKnows(t *testing.T) {
	path := statePath(t)
	b := New(path)
	serial := write(t, b, 1, 0)
	decodes := countDecodes(t)
	if serial = write(t, b, 2, serial); serial != 2 || *decodes != 0 {
		t.Fatalf("serial %d after %d decodings, want 2 after none", serial, *decodes)
	}
	before := mustReadFile(t, path)
	fi, _ := os.Stat(path)
	if got := write(t, b, 2, serial); got != 2 || *decodes != 0 {
		t.Fatalf("equal write: serial %d after %d decodings, want 2 after none", got, *decodes)
	}
	fi2, _ := os.Stat(path)
	if !bytes.Equal(mustReadFile(t, path), before) || !os.SameFile(fi, fi2) {
		t.Fatal("an equal write replaced the state file")
	}
	if hist, err := b.History(t.Context()); err != nil || len(hist) != 2 {
		t.Fatalf("history: %d entries, %v; want 2", len(hist), err)
	}

	// A Backend that only read the file does not know whether it is
	// canonical: it compares by decoding it, as before; once it wrote the
	// file, it knows.
	b2 := New(path)
	if _, err := b2.Read(t.Context()); err != nil {
		t.Fatal(err)
	}
	*decodes = 0
	if got := write(t, b2, 2, serial); got != 2 || *decodes != 1 {
		t.Fatalf("equal write after a read: serial %d after %d decodings, want 2 after one", got, *decodes)
	}
	if serial = write(t, b2, 3, serial); serial != 3 || *decodes != 2 {
		t.Fatalf("write after a read: serial %d after %d decodings, want 3 after two", serial, *decodes)
	}
	if got := write(t, b2, 3, serial); got != 3 || *decodes != 2 {
		t.Fatalf("equal write after a write: serial %d after %d decodings, want 3 after two", got, *decodes)
	}
	*decodes = 0

	// b's knowledge is stale now: it decodes, and finds its serial stale.
	_, err := b.Write(t.Context(), snapshot(4), 2, nil)
	if se := (*state.StaleError)(nil); !errors.As(err, &se) || se.GotSerial != 3 || *decodes != 1 {
		t.Fatalf("stale write: %v after %d decodings, want a stale error for serial 3 after one", err, *decodes)
	}
	if got := write(t, b, 3, 3); got != 3 {
		t.Fatalf("equal write after decoding: serial %d, want 3", got)
	}
	if serial = write(t, b, 4, 3); serial != 4 {
		t.Fatalf("write after decoding: serial %d, want 4", serial)
	}
}

// A state file that is not what Encode writes (by an earlier version, or
// edited by hand) is compared by content, as before: decoded, even when
// the Backend read it.
func TestWriteComparesNonCanonicalByContent(t *testing.T) {
	path := statePath(t)
	b := New(path)
	serial := write(t, b, 1, 0)
	data := mustReadFile(t, path)
	// The format version as an integer, as older versions wrote it, and
	// no indentation: the same content.
	edited := bytes.Replace(data, []byte(`"format_version": "1"`), []byte(`"format_version": 1`), 1)
	edited = bytes.ReplaceAll(edited, []byte("\n  "), []byte("\n "))
	if err := os.WriteFile(path, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	b = New(path)
	if _, err := b.Read(t.Context()); err != nil {
		t.Fatal(err)
	}
	decodes := countDecodes(t)
	if got := write(t, b, 1, serial); got != serial || *decodes != 1 {
		t.Fatalf("equal write: serial %d after %d decodings, want %d after one", got, *decodes, serial)
	}
	if !bytes.Equal(mustReadFile(t, path), edited) {
		t.Fatal("an equal write replaced the state file")
	}
	if got := write(t, b, 2, serial); got != serial+1 {
		t.Fatalf("changed write: serial %d, want %d", got, serial+1)
	}

	// Told the bytes are canonical when they are (a cache of decoded
	// states that checked), the Backend compares without decoding.
	data = mustReadFile(t, path)
	s, err := state.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	b = New(path)
	b.Remember(sha256.Sum256(data), s, true)
	*decodes = 0
	if got := write(t, b, 2, s.Serial); got != s.Serial || *decodes != 0 {
		t.Fatalf("equal write: serial %d after %d decodings, want %d after none", got, *decodes, s.Serial)
	}
}
