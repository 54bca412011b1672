package cli

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// The config cache: why a no-op plan need not parse YAML or HCL.
//
// plan, apply and validate keep each config file they decode under
// <dir>/.plansync/cache/decoded/, in a compact binary form
// (config.LoadCached), named by the SHA-256 of what its decoding depends
// on: the build of plansync, the codec's version, the path the file is
// shown under and its content. The next run reads the files, hashes
// them and reads the entries of those unchanged instead of parsing and
// decoding them; it then merges and validates as ever. --no-cache (on
// plan, apply and validate) neither reads nor writes it, nor the secret
// cache beside it.
//
// Safe by construction:
//   - each entry ends with SHA-256 over its magic line, its name and its
//     content: a damaged, truncated or renamed entry is ignored and
//     written anew, and an entry of another build is under another name;
//   - an entry is written to a temporary file and renamed into place, so
//     concurrent runs never see a partial entry (the last rename wins,
//     and both wrote the same thing);
//   - files are 0600 in a 0700 folder; a read or write that fails only
//     costs the time (PLANSYNC_DEBUG=cache says so on stderr);
//   - no secret is held in clear: references ({env: NAME}, {file: path})
//     are kept without their values and resolved again on every run; a
//     literal password written in a config file is kept encrypted
//     (AES-256-GCM, padded) with a key derived from the user's
//     secret-cache key, outside the config directory (secretcache.go);
//     without that key such a file is not cached.
//
// The cache folder is hidden, so the config walk (and watch) never read
// it. CI may keep it between jobs (docs/ci.md).

const (
	decodedCacheMagic = "plansync decoded cache v1\n"
	envDebug          = "PLANSYNC_DEBUG"
)

// debugging reports whether PLANSYNC_DEBUG names topic (comma-separated
// topics; "all" names every one).
func (e Env) debugging(topic string) bool {
	for t := range strings.SplitSeq(e.env(envDebug), ",") {
		if t = strings.TrimSpace(t); t == topic || t == "all" {
			return true
		}
	}
	return false
}

func (e Env) debugf(topic, format string, args ...any) {
	if e.debugging(topic) {
		w := e.Stderr
		if e.inputs != nil && e.inputs.debug != nil {
			w = e.inputs.debug // not part of a plan's output
		}
		fmt.Fprintf(w, "debug: "+topic+": "+format+"\n", args...)
	}
}

// diskCache is the folder of decoded config files (config.Cache).
type diskCache struct {
	dir string

	mu     sync.Mutex
	used   map[string]bool // entries read or written by this run
	failed []string        // what went wrong, for PLANSYNC_DEBUG
	made   sync.Once
	bad    atomic.Int64 // damaged entries ignored
}

func openDiskCache(dir string) *diskCache {
	return &diskCache{dir: filepath.Join(dir, ".plansync", "cache", "decoded"), used: map[string]bool{}}
}

func (c *diskCache) note(name string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.used[name] = true
	if err != nil && len(c.failed) < 5 {
		c.failed = append(c.failed, err.Error())
	}
}

// entrySum is the checksum an entry ends with.
func entrySum(name string, payload []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(decodedCacheMagic))
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(payload)
	return [32]byte(h.Sum(nil))
}

// Get returns the entry's content when it is whole, else nil.
func (c *diskCache) Get(key [32]byte) []byte {
	name := hex.EncodeToString(key[:])
	data, err := readCacheFile(filepath.Join(c.dir, name))
	if errors.Is(err, errNotCacheFile) {
		c.bad.Add(1)
		return nil
	}
	if err != nil {
		return nil
	}
	payload, ok := bytes.CutPrefix(data, []byte(decodedCacheMagic))
	if !ok || len(payload) < sha256.Size {
		c.bad.Add(1)
		return nil
	}
	payload, sum := payload[:len(payload)-sha256.Size], payload[len(payload)-sha256.Size:]
	if want := entrySum(name, payload); !bytes.Equal(sum, want[:]) {
		c.bad.Add(1)
		return nil
	}
	c.note(name, nil)
	return payload
}

var errNotCacheFile = errors.New("not a regular file")

// readCacheFile reads a file of the cache, which must be a regular file:
// a link (to /dev/zero, say), a named pipe or a device in its place is not
// opened (it could block, or never end) but ignored, and replaced when
// the entry is written anew.
func readCacheFile(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", path, errNotCacheFile)
	}
	return os.ReadFile(path)
}

// Put writes an entry: to a temporary file, renamed into place.
func (c *diskCache) Put(key [32]byte, payload []byte) {
	name := hex.EncodeToString(key[:])
	var err error
	c.made.Do(func() { err = os.MkdirAll(c.dir, 0o700) })
	if err != nil {
		c.note(name, err)
		return
	}
	c.note(name, writeEntry(c.dir, name, payload))
}

func writeEntry(dir, name string, payload []byte) error {
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	sum := entrySum(name, payload)
	data := make([]byte, 0, len(decodedCacheMagic)+len(payload)+len(sum))
	data = append(append(append(data, decodedCacheMagic...), payload...), sum[:]...)
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := renameEntry(f.Name(), filepath.Join(dir, name)); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// renameEntry renames a cache entry's temporary file into place. An
// empty directory standing where the entry goes (a careless hand, a
// tool that restored the cache wrongly) is removed first, so that the
// entry is written anew rather than never again; a directory with
// something in it is left alone.
func renameEntry(tmp, path string) error {
	err := os.Rename(tmp, path)
	if err == nil {
		return nil
	}
	if fi, lerr := os.Lstat(path); lerr == nil && fi.IsDir() && os.Remove(path) == nil {
		return os.Rename(tmp, path)
	}
	return err
}

// prune removes the entries this run did not use once they outnumber
// those it did by far (each edit of a file leaves its old entry behind),
// and temporary files a killed run left more than an hour ago.
func (c *diskCache) prune() {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(entries) <= 2*len(c.used)+64 {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".tmp-") {
			if fi, err := e.Info(); err != nil || time.Since(fi.ModTime()) < time.Hour {
				continue
			}
		} else if c.used[name] {
			continue
		}
		os.Remove(filepath.Join(c.dir, name))
	}
}

// cacheVersion names this build for the cache: its version and commit,
// and, for a build that records no clean commit (a development build),
// the executable's size and modification time, so that an entry of one
// development build is never read by another.
func cacheVersion() string {
	v := Version + "|" + buildCommit()
	if c := buildCommit(); c == "" || strings.HasSuffix(c, "+dirty") {
		if exe, err := os.Executable(); err == nil {
			if fi, err := os.Stat(exe); err == nil {
				v += fmt.Sprintf("|%s|%d|%d", exe, fi.Size(), fi.ModTime().UnixNano())
			}
		}
	}
	return v
}

// literalSealer encrypts the literal secrets a cache entry holds, with a
// key derived from the user's secret-cache key; made on first use.
type literalSealer struct {
	env  Env
	once sync.Once
	aead cipher.AEAD // nil: no key, no caching of literals
}

const literalPad = 64

func (s *literalSealer) init() {
	s.once.Do(func() {
		key, err := secretCacheKey(s.env)
		if err != nil {
			return
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte("plansync config cache: literal secrets v1"))
		block, err := aes.NewCipher(m.Sum(nil))
		if err != nil {
			return
		}
		s.aead, _ = cipher.NewGCM(block)
	})
}

// seal encrypts plain, padded to a multiple of 64 bytes (its length
// first), under a random nonce.
func (s *literalSealer) seal(plain string) (string, bool) {
	s.init()
	if s.aead == nil {
		return "", false
	}
	n := 4 + len(plain)
	buf := make([]byte, n+(literalPad-n%literalPad)%literalPad)
	binary.BigEndian.PutUint32(buf, uint32(len(plain)))
	copy(buf[4:], plain)
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", false
	}
	return string(s.aead.Seal(nonce, nonce, buf, nil)), true
}

func (s *literalSealer) unseal(sealed string) (string, bool) {
	s.init()
	ns := 0
	if s.aead != nil {
		ns = s.aead.NonceSize()
	}
	if s.aead == nil || len(sealed) < ns {
		return "", false
	}
	buf, err := s.aead.Open(nil, []byte(sealed[:ns]), []byte(sealed[ns:]), nil)
	if err != nil || len(buf) < 4 {
		return "", false
	}
	n := binary.BigEndian.Uint32(buf)
	if uint64(n) > uint64(len(buf)-4) {
		return "", false
	}
	return string(buf[4 : 4+n]), true
}

// prepareConfigCached is config.PrepareCached through the config cache
// of dir, for a configLoader: its entries are held (in memory) until
// finish has completed the load without an error, then written, and the
// cache pruned. A run that fails, on the lock, the state or the config
// (an error of one file or of the whole), leaves the cache as it found
// it: bad input changes nothing (SPEC §5), in a fresh directory not even
// a .plansync folder of cache entries.
func prepareConfigCached(stop context.Context, env Env, dir string, opts config.Options,
	finish func(*config.Prepared, *state.Snapshot) (*model.Config, error)) (func(*state.Snapshot) (*model.Config, error), error) {
	dc := openDiskCache(dir)
	loaded := make(chan struct{})
	gate := &heldCache{diskCache: dc, open: loaded}
	ls := &literalSealer{env: env}
	p, st, err := config.PrepareCached(stop, dir, opts, config.CacheOptions{Store: gate, Version: cacheVersion(), Seal: ls.seal, Unseal: ls.unseal})
	if err != nil {
		return nil, err
	}
	return func(prior *state.Snapshot) (*model.Config, error) {
		cfg, err := finish(p, prior)
		if err == nil {
			close(loaded)
			gate.flush()
			dc.prune()
		}
		if env.debugging("cache") {
			stored := st.Stored
			if err != nil {
				stored = 0
			}
			env.debugf("cache", "config files: %d read from the cache, %d decoded (%d stored), %d damaged entries ignored",
				st.Hits, st.Decoded, stored, dc.bad.Load())
			for _, f := range dc.failed {
				env.debugf("cache", "%s", f)
			}
		}
		return cfg, err
	}, nil
}

// heldCache is a diskCache whose writes wait for open to be closed: until
// then they are held (in memory), and written by the first write after,
// or by flush.
type heldCache struct {
	*diskCache
	open <-chan struct{}
	mu   sync.Mutex
	held []heldEntry
}

type heldEntry struct {
	key  [32]byte
	data []byte
}

// Put writes the entry, or holds it while the cache is not open.
func (h *heldCache) Put(key [32]byte, data []byte) {
	select {
	case <-h.open:
		h.flush()
		h.diskCache.Put(key, data)
	default:
		h.mu.Lock()
		h.held = append(h.held, heldEntry{key, data})
		h.mu.Unlock()
	}
}

// flush writes the entries held (the cache is open).
func (h *heldCache) flush() {
	h.mu.Lock()
	held := h.held
	h.held = nil
	h.mu.Unlock()
	for _, e := range held {
		h.diskCache.Put(e.key, e.data)
	}
}
