package cli

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestDiskCacheEntries: entries are private, read back whole, and any
// damage, truncation or renaming makes them unreadable (never wrong).
func TestDiskCacheEntries(t *testing.T) {
	dir := t.TempDir()
	c := openDiskCache(dir)
	k1, k2 := sha256.Sum256([]byte("one")), sha256.Sum256([]byte("two"))
	c.Put(k1, []byte("payload one"))
	c.Put(k2, []byte("payload two"))
	if got := c.Get(k1); string(got) != "payload one" {
		t.Fatalf("got %q", got)
	}
	fi, err := os.Stat(c.dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("cache folder: %v %v", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(c.dir)
	if len(entries) != 2 {
		t.Fatalf("%d entries", len(entries))
	}
	for _, e := range entries {
		if fi, _ := e.Info(); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v", e.Name(), fi.Mode())
		}
	}
	p1 := filepath.Join(c.dir, fmt.Sprintf("%x", k1))
	good, _ := os.ReadFile(p1)
	for n := range len(good) {
		os.WriteFile(p1, good[:n], 0o600)
		if got := openDiskCache(dir).Get(k1); got != nil {
			t.Fatalf("truncated to %d: read %q", n, got)
		}
	}
	for i := range good {
		bad := bytes.Clone(good)
		bad[i] ^= 1
		os.WriteFile(p1, bad, 0o600)
		if got := openDiskCache(dir).Get(k1); got != nil {
			t.Fatalf("byte %d flipped: read %q", i, got)
		}
	}
	// Another entry's file under this name.
	two, _ := os.ReadFile(filepath.Join(c.dir, fmt.Sprintf("%x", k2)))
	os.WriteFile(p1, two, 0o600)
	if got := openDiskCache(dir).Get(k1); got != nil {
		t.Fatalf("renamed entry read: %q", got)
	}
}

// TestDiskCacheConcurrent: runs writing and reading the same entries at
// once never read a partial one (run with -race).
func TestDiskCacheConcurrent(t *testing.T) {
	dir := t.TempDir()
	payload := bytes.Repeat([]byte("0123456789"), 10_000)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			c := openDiskCache(dir) // one per process
			for i := range 50 {
				k := sha256.Sum256([]byte{byte(i % 5)})
				if w%2 == 0 {
					c.Put(k, payload)
				} else if got := c.Get(k); got != nil && !bytes.Equal(got, payload) {
					t.Errorf("partial entry read: %d bytes", len(got))
				}
			}
		})
	}
	wg.Wait()
	entries, _ := os.ReadDir(filepath.Join(dir, ".plansync", "cache", "decoded"))
	if len(entries) != 5 {
		t.Errorf("%d files left, want the 5 entries", len(entries))
	}
}

// TestDiskCachePrune: entries no run uses any more are removed once they
// outnumber the used ones by far.
func TestDiskCachePrune(t *testing.T) {
	dir := t.TempDir()
	c := openDiskCache(dir)
	for i := range 200 {
		c.Put(sha256.Sum256([]byte{byte(i)}), []byte("x"))
	}
	c2 := openDiskCache(dir)
	keep := sha256.Sum256([]byte{7})
	if c2.Get(keep) == nil {
		t.Fatal("entry not read")
	}
	c2.prune()
	entries, _ := os.ReadDir(c2.dir)
	if len(entries) != 1 || entries[0].Name() != fmt.Sprintf("%x", keep) {
		t.Fatalf("%d entries left", len(entries))
	}
}

// TestLiteralSealer: a sealed literal reads back, hides the secret and
// its length (to 64 bytes), and does not open under another user's key.
func TestLiteralSealer(t *testing.T) {
	home := t.TempDir()
	s := &literalSealer{env: cacheEnv(t, map[string]string{"XDG_CACHE_HOME": home})}
	a, ok := s.seal("hunter2")
	b, _ := s.seal("a-much-longer-password-but-under-sixty")
	if !ok || len(a) != len(b) || bytes.Contains([]byte(a), []byte("hunter2")) {
		t.Fatalf("sealed %q (%v), %d vs %d bytes", a, ok, len(a), len(b))
	}
	if v, ok := s.unseal(a); !ok || v != "hunter2" {
		t.Fatalf("unsealed %q %v", v, ok)
	}
	other := &literalSealer{env: cacheEnv(t, map[string]string{"XDG_CACHE_HOME": t.TempDir()})}
	if _, ok := other.unseal(a); ok {
		t.Fatal("opened with another key")
	}
	if _, ok := s.unseal(a[:len(a)-1]); ok {
		t.Fatal("a truncated seal opened")
	}
}
