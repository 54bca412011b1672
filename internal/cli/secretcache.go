package cli

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/plansync/plansync/internal/plan"
)

// The secret cache: why a plan need not run bcrypt for every account.
//
// The state keeps every secret as a bcrypt hash, so deciding whether a
// configured password is the recorded one means running bcrypt (about
// 50 ms each, on purpose); a fleet with thousands of passwords would pay
// that on every plan. Yet the answer changes only when the secret or the
// recorded hash does.
//
// So once bcrypt has said "this secret matches this hash" (or plansync
// made the hash from that secret itself), the pair is remembered as
// HMAC-SHA256(key, hash ‖ 0 ‖ secret) in <dir>/.plansync/cache/secrets.
// The key is 32 random bytes made once per user and machine and kept
// outside the config directory (secret-cache.key in the user's cache
// directory, mode 0600 in a 0700 folder). A later plan computes the same
// HMAC for the configured secret and the recorded hash and skips bcrypt
// when it is in the set; anything else (a changed secret, a new hash, no
// cache, no key) goes to bcrypt, on every core at once.
//
// What this stores does not make passwords cheaper to guess for someone
// who holds the state, the config directory or both: without the key an
// entry is 32 bytes indistinguishable from random and no guess can be
// tested against it. Whoever can read the key can run plansync as that
// user, where the secrets themselves (the environment, the secret
// files) are at hand anyway. An entry is only a shortcut to an answer
// bcrypt gave, never a different answer: plans are the same with the
// cache, without it (PLANSYNC_SECRET_CACHE=off) or with it deleted.
//
// Secrets encrypted with PLANSYNC_SECRETS_KEY (secretkey.go) bypass the
// cache: decrypting is as cheap as looking up.

const (
	secretCacheMagic = "plansync secret cache v1\n"
	secretKeyName    = "secret-cache.key"
	// secretCacheMax bounds the entries kept (32 bytes each).
	secretCacheMax = 1 << 20
)

// secretCache wraps Secrets with the cache; without a key it only
// passes calls through.
type secretCache struct {
	inner plan.Secrets
	env   Env
	path  string
	once  sync.Once
	key   []byte // nil: no caching (set by init)

	mu    sync.Mutex
	known map[[32]byte]struct{} // read from the file
	used  map[[32]byte]struct{} // found or added by this run
	added bool
}

// openSecretCache returns the Secrets a plan of the config in dir uses.
// Nothing is read or made until a secret is hashed or verified: a config
// without secrets leaves no key behind.
func openSecretCache(env Env, dir string, inner plan.Secrets) *secretCache {
	return &secretCache{inner: inner, env: env, path: filepath.Join(dir, ".plansync", "cache", "secrets"),
		known: map[[32]byte]struct{}{}, used: map[[32]byte]struct{}{}}
}

// init reads the key (making it on first use) and the cache file.
func (c *secretCache) init() {
	c.once.Do(func() {
		if c.env.env("PLANSYNC_SECRET_CACHE") == "off" || c.env.noCache {
			return
		}
		key, err := secretCacheKey(c.env)
		if err != nil {
			return // no place for a key: bcrypt every time
		}
		if b, err := readCacheFile(c.path); err == nil {
			if rest, ok := bytes.CutPrefix(b, []byte(secretCacheMagic)); ok && len(rest)%32 == 0 {
				for i := 0; i+32 <= len(rest); i += 32 {
					c.known[[32]byte(rest[i:i+32])] = struct{}{}
				}
			}
		}
		c.key = key
	})
}

// userCacheDir is the user's cache directory: $XDG_CACHE_HOME, else
// ~/.cache (or the platform's, from os.UserCacheDir).
func userCacheDir(env Env) (string, error) {
	if d := env.env("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	if h := env.env("HOME"); h != "" {
		return filepath.Join(h, ".cache"), nil
	}
	return os.UserCacheDir()
}

// secretCacheKey reads the user's cache key, making it on first use. A
// key file that others may read is not used.
func secretCacheKey(env Env) ([]byte, error) {
	base, err := userCacheDir(env)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(base, "plansync")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, secretKeyName)
	if fi, err := os.Stat(path); err == nil {
		switch {
		case !fi.Mode().IsRegular():
			return nil, fmt.Errorf("%s is not a regular file", path)
		case fi.Mode().Perm()&0o077 != 0:
			return nil, fmt.Errorf("%s is not private (mode %04o): chmod 600 it", path, fi.Mode().Perm())
		case fi.Size() != 32:
			return nil, fmt.Errorf("%s is not a key (%d bytes, not 32): delete it, and the next run makes one", path, fi.Size())
		}
		return os.ReadFile(path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // made by another run meanwhile
		return secretCacheKey(env)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, err
	}
	return key, nil
}

func (c *secretCache) mac(hash, plain string) [32]byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(hash))
	m.Write([]byte{0})
	m.Write([]byte(plain))
	return [32]byte(m.Sum(nil))
}

func (c *secretCache) note(k [32]byte, isNew bool) {
	c.mu.Lock()
	c.used[k] = struct{}{}
	if isNew {
		c.added = true
	}
	c.mu.Unlock()
}

// Hash hashes with bcrypt and remembers that the hash is the secret's.
// An encrypted value (PLANSYNC_SECRETS_KEY) is not remembered: checking
// it is cheap.
func (c *secretCache) Hash(plain string) (string, error) {
	h, err := c.inner.Hash(plain)
	if err != nil || isSealed(h) {
		return h, err
	}
	c.init()
	if c.key != nil {
		c.note(c.mac(h, plain), true)
	}
	return h, err
}

// Verify answers from the cache when bcrypt answered yes for this pair
// before, else asks bcrypt (and remembers a yes). Encrypted values go
// straight to the key.
func (c *secretCache) Verify(hash, plain string) bool {
	if isSealed(hash) {
		return c.inner.Verify(hash, plain)
	}
	c.init()
	if c.key == nil {
		return c.inner.Verify(hash, plain)
	}
	k := c.mac(hash, plain)
	c.mu.Lock()
	_, ok := c.known[k]
	c.mu.Unlock()
	if ok {
		c.note(k, false)
		return true
	}
	if !c.inner.Verify(hash, plain) {
		return false
	}
	c.note(k, true)
	return true
}

// Outdated passes the inner Secrets' answer on (plan.Rerecorder).
func (c *secretCache) Outdated(recorded string) bool {
	r, ok := c.inner.(plan.Rerecorder)
	return ok && r.Outdated(recorded)
}

// err is the inner Secrets' error: a recorded secret it cannot read.
func (c *secretCache) err() error {
	if k, ok := c.inner.(interface{ err() error }); ok {
		return k.err()
	}
	return nil
}

// save writes the cache when the run learnt something: the entries known
// before and those of this run, or only this run's when the file has
// grown past what the config uses by far. Errors are ignored: the cache
// only saves time.
func (c *secretCache) save() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key == nil || !c.added {
		return
	}
	all := c.known
	if len(all)+len(c.used) > secretCacheMax || len(all) > 4*len(c.used)+100_000 {
		all = map[[32]byte]struct{}{}
	}
	var b bytes.Buffer
	b.WriteString(secretCacheMagic)
	for k := range all {
		if _, ok := c.used[k]; !ok {
			b.Write(k[:])
		}
	}
	for k := range c.used {
		b.Write(k[:])
	}
	dir := filepath.Dir(c.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return
	}
	f, err := os.CreateTemp(dir, ".secrets-*")
	if err != nil {
		return
	}
	if _, err := f.Write(b.Bytes()); err != nil || f.Close() != nil {
		f.Close()
		os.Remove(f.Name())
		return
	}
	if err := renameEntry(f.Name(), c.path); err != nil {
		os.Remove(f.Name())
	}
	c.known, c.added = all, false
	for k := range c.used {
		c.known[k] = struct{}{}
	}
}
