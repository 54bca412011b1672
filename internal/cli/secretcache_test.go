package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// countingSecrets "hashes" visibly and counts the comparisons made.
type countingSecrets struct{ verifies atomic.Int64 }

func (c *countingSecrets) Hash(p string) (string, error) { return "h:" + p, nil }
func (c *countingSecrets) Verify(h, p string) bool {
	c.verifies.Add(1)
	return h == "h:"+p
}

func cacheEnv(t *testing.T, vars map[string]string) Env {
	env, _, _ := termEnv(t, "", vars)
	return env
}

// TestSecretCache: a pair bcrypt accepted (or a hash plansync made) is
// answered from the cache in the next run; anything else still goes to
// the slow comparison, and the answers are the same either way.
func TestSecretCache(t *testing.T) {
	dir, home := t.TempDir(), t.TempDir()
	env := cacheEnv(t, map[string]string{"XDG_CACHE_HOME": home})
	inner := &countingSecrets{}

	c := openSecretCache(env, dir, inner)
	h, _ := c.Hash("made-here")
	if !c.Verify("h:pw1", "pw1") || c.Verify("h:pw1", "wrong") {
		t.Fatal("wrong answers")
	}
	c.save()
	info, err := os.Stat(filepath.Join(dir, ".plansync", "cache", "secrets"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("cache file: %v %v", info, err)
	}
	key, err := os.Stat(filepath.Join(home, "plansync", secretKeyName))
	if err != nil || key.Mode().Perm() != 0o600 || key.Size() != 32 {
		t.Fatalf("key: %v %v", key, err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, ".plansync", "cache", "secrets"))
	// The cache's bytes are HMACs: a string as short as "h:" turns up
	// in them by chance (once in some hundred runs), so the hashes are
	// looked for whole.
	for _, clear := range []string{"pw1", "made-here", "h:pw1", h} {
		if bytes.Contains(data, []byte(clear)) {
			t.Errorf("cache holds %q in clear", clear)
		}
	}

	inner.verifies.Store(0)
	c = openSecretCache(env, dir, inner)
	if !c.Verify("h:pw1", "pw1") || !c.Verify(h, "made-here") {
		t.Error("cached pairs not accepted")
	}
	if n := inner.verifies.Load(); n != 0 {
		t.Errorf("%d slow comparisons for cached pairs", n)
	}
	if c.Verify("h:pw1", "wrong") || c.Verify("h:other", "pw1") || !c.Verify("h:pw2", "pw2") {
		t.Error("wrong answers past the cache")
	}
	if n := inner.verifies.Load(); n != 3 {
		t.Errorf("%d slow comparisons for new pairs, want 3", n)
	}

	// Another key (another user, a forged file): nothing is answered
	// from the cache.
	inner.verifies.Store(0)
	other := openSecretCache(cacheEnv(t, map[string]string{"XDG_CACHE_HOME": t.TempDir()}), dir, inner)
	if !other.Verify("h:pw1", "pw1") || inner.verifies.Load() != 1 {
		t.Error("a cache made under another key was used")
	}

	// Off: every comparison is slow, nothing is written.
	inner.verifies.Store(0)
	off := openSecretCache(cacheEnv(t, map[string]string{"XDG_CACHE_HOME": home, "PLANSYNC_SECRET_CACHE": "off"}), t.TempDir(), inner)
	if !off.Verify("h:pw1", "pw1") || inner.verifies.Load() != 1 {
		t.Error("cache used while off")
	}
}

// TestSecretCacheLazy: a plan that verifies and hashes nothing makes no
// key and writes no cache.
func TestSecretCacheLazy(t *testing.T) {
	dir, home := t.TempDir(), t.TempDir()
	c := openSecretCache(cacheEnv(t, map[string]string{"XDG_CACHE_HOME": home}), dir, &countingSecrets{})
	c.save()
	for _, p := range []string{filepath.Join(home, "plansync"), filepath.Join(dir, ".plansync")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s made", p)
		}
	}
}

// TestSecretCacheKeyMustBePrivate: a key file others can read is not
// used; plansync falls back to comparing every secret.
func TestSecretCacheKeyMustBePrivate(t *testing.T) {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, "plansync"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "plansync", secretKeyName), []byte(strings.Repeat("k", 32)), 0o644); err != nil {
		t.Fatal(err)
	}
	c := openSecretCache(cacheEnv(t, map[string]string{"XDG_CACHE_HOME": home}), t.TempDir(), &countingSecrets{})
	c.Verify("h:x", "x")
	if c.key != nil {
		t.Error("a world-readable key was used")
	}
}
