package file

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/plansync/plansync/state"
)

func init() { state.VerifyEncodeLike = true }

// rememberRead has a new Backend read the state file at path as the
// CLI's cache of decoded states does: decoding it itself and handing
// over the bytes and their decoding.
func rememberRead(t *testing.T, path string) (*Backend, *state.Snapshot) {
	t.Helper()
	data := mustReadFile(t, path)
	s, err := state.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := state.Encode(s)
	b := New(path)
	b.RememberData(data, sha256.Sum256(data), s, err == nil && bytes.Equal(enc, data))
	return b, s
}

// A Backend handed the stored bytes and their decoding writes a changed
// state encoded like them, without decoding the file: exactly the bytes
// state.Encode writes.
func TestWriteEncodesLikeRemembered(t *testing.T) {
	path := statePath(t)
	serial, err := New(path).Write(t.Context(), manySubscriptions(1, 50), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, prior := rememberRead(t, path)
	likes := 0
	testHookEncodeLike = func(p *state.Snapshot) {
		if p != prior {
			t.Error("encoded like another snapshot than the one remembered")
		}
		likes++
	}
	defer func() { testHookEncodeLike = nil }()
	decodes := countDecodes(t)

	next := *prior
	next.Subscriptions = slices.Clone(prior.Subscriptions)
	next.Subscriptions[7].Status = "suspended"
	next.Subscriptions = slices.Delete(next.Subscriptions, 0, 1)
	got, err := b.Write(t.Context(), &next, serial, &state.HistoryEntry{Summary: "suspend"})
	if err != nil || got != serial+1 {
		t.Fatalf("Write = %d, %v", got, err)
	}
	next.Serial = got
	want, err := state.Encode(&next)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustReadFile(t, path), want) {
		t.Fatal("the state written is not state.Encode's")
	}
	if likes != 1 || *decodes != 0 {
		t.Fatalf("%d encodings like the prior, %d decodings; want 1 and none", likes, *decodes)
	}

	// The same content again: nothing written.
	fi, _ := os.Stat(path)
	if again, err := b.Write(t.Context(), &next, got, nil); err != nil || again != got {
		t.Fatalf("equal Write = %d, %v", again, err)
	}
	if fi2, _ := os.Stat(path); !os.SameFile(fi, fi2) {
		t.Fatal("an equal write replaced the state file")
	}
}

// The file compared with the bytes a Backend holds: one written since by
// another is read and its serial found stale; one edited by hand to the
// same content but other bytes is decoded and found equal.
func TestWriteRememberedFileChanged(t *testing.T) {
	path := statePath(t)
	serial := write(t, New(path), 1, 0)
	b, _ := rememberRead(t, path)
	if _, err := New(path).Write(t.Context(), snapshot(2), serial, nil); err != nil {
		t.Fatal(err)
	}
	_, err := b.Write(t.Context(), snapshot(3), serial, nil)
	if se := (*state.StaleError)(nil); !errors.As(err, &se) || se.GotSerial != serial+1 {
		t.Fatalf("Write after another's = %v, want a stale error for serial %d", err, serial+1)
	}

	b, prior := rememberRead(t, path)
	data := mustReadFile(t, path)
	edited := bytes.ReplaceAll(data, []byte("\n  "), []byte("\n "))
	if err := os.WriteFile(path, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	decodes := countDecodes(t)
	if got, err := b.Write(t.Context(), prior, prior.Serial, nil); err != nil || got != prior.Serial || *decodes != 1 {
		t.Fatalf("equal Write after an edit = %d, %v after %d decodings; want %d after one", got, err, *decodes, prior.Serial)
	}
	if !bytes.Equal(mustReadFile(t, path), edited) {
		t.Fatal("an equal write replaced the edited state file")
	}
	got, err := b.Write(t.Context(), snapshot(5), prior.Serial, nil)
	if err != nil || got != prior.Serial+1 {
		t.Fatalf("changed Write after an edit = %d, %v", got, err)
	}
	want := *snapshot(5)
	want.Serial = got
	if enc, _ := state.Encode(&want); !bytes.Equal(mustReadFile(t, path), enc) {
		t.Fatal("the state written is not state.Encode's")
	}
}

// BenchmarkWriteLike100k is BenchmarkWrite100k/known for a write that
// changes 1 % of the subscriptions, by a Backend handed the stored bytes
// and their decoding (as the CLI's state cache hands them).
func BenchmarkWriteLike100k(b *testing.B) {
	state.VerifyEncodeLike = false
	defer func() { state.VerifyEncodeLike = true }()
	path := filepath.Join(b.TempDir(), "state.json")
	serial, err := New(path).Write(b.Context(), manySubscriptions(1, 100_000), 0, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		prior, err := state.Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		be := New(path)
		be.RememberData(data, sha256.Sum256(data), prior, true)
		next := *prior
		next.Subscriptions = slices.Clone(prior.Subscriptions)
		for j := i % 100; j < len(next.Subscriptions); j += 100 {
			next.Subscriptions[j].Status = "suspended"
		}
		b.StartTimer()
		if serial, err = be.Write(b.Context(), &next, serial, nil); err != nil {
			b.Fatal(err)
		}
	}
}
