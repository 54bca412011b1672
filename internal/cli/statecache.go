package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/plansync/plansync/state"
	"github.com/plansync/plansync/state/file"
)

// The state cache: why a no-op plan need not parse the state file's JSON.
//
// With the file backend, plan, apply and validate (without --no-cache)
// keep the recorded state they read, decoded, in the compact binary form
// of state.EncodeBinary, in <dir>/.plansync/cache/state/: one entry per
// state file (named by its path; those of the stateCacheMax most recently
// used), which holds the SHA-256 of the state
// file's bytes and of the build it was made from. A run reads the state
// file (it must: nothing else says what it holds), hashes it, and when
// the entry was made from exactly those bytes decodes the entry instead
// of the JSON (several times faster, and a fifth of the size); otherwise
// it decodes the JSON and writes the entry anew. The entry is
// checksummed and written by rename as the config cache's are
// (diskCache), and holds what the state holds: hashes or ciphertexts,
// never a secret in clear. The entry also says whether the state file
// is canonical (see Read); a write of the state leaves an entry that says
// only that (written). A PostgreSQL state is not cached: reading it is a
// query anyway, and its rows are what would need decoding.

// stateCacheMax bounds the entries kept, one per state file: a config
// directory planned against many state files (--state, PLANSYNC_STATE)
// keeps those of the most recently used.
const stateCacheMax = 8

// cachedFile is the file backend whose Read goes through the cache.
type cachedFile struct {
	*file.Backend
	env Env
	dc  *diskCache
	mu  sync.Mutex
	// pending makes the entry of the state read, put off by Read until
	// Close; a write of the state drops it (written).
	pending func()
}

func cachedFileBackend(env Env, b *file.Backend, dir string) *cachedFile {
	c := &cachedFile{Backend: b, env: env, dc: &diskCache{dir: filepath.Join(dir, ".plansync", "cache", "state"), used: map[string]bool{}}}
	b.OnWrite(c.written)
	return c
}

// entryKey names the cache entry of the state file.
func (b *cachedFile) entryKey() [32]byte {
	abs, err := filepath.Abs(b.Path())
	if err != nil {
		abs = b.Path()
	}
	return sha256.Sum256([]byte("plansync state entry\x00" + abs))
}

// entrySum is what an entry made from the state file bytes of length n
// and SHA-256 plain begins with: it matches only those bytes, read by
// this build.
func entrySumOf(plain [32]byte, n int) []byte {
	h := sha256.New()
	fmt.Fprintf(h, "plansync state\x00%s\x00%d\x00", cacheVersion(), n)
	h.Write(plain[:])
	return h.Sum(nil)
}

// written records, after a write stored the state (of size bytes, whose
// SHA-256 is plain), that it is canonical (stable: state.StableEncoding,
// Encode writes it again for its decoding), in an entry without the
// decoded state, which costs the write next to nothing. (An entry with
// the decoded state, made from the snapshot written, was measured too
// costly for an apply: its binary encoding alone costs as much as the
// rest of the write at 100,000 subscriptions.) The next read decodes the
// file and makes the full entry, without checking again that the file is
// canonical.
func (b *cachedFile) written(size int, stable bool, plain [32]byte) {
	b.mu.Lock()
	b.pending = nil
	b.mu.Unlock()
	if !stable {
		return
	}
	b.dc.Put(b.entryKey(), append(entrySumOf(plain, size), 1))
	pruneOldest(b.dc.dir, stateCacheMax)
	b.env.debugf("cache", "state: written (canonical, stored: %v)", len(b.dc.failed) == 0)
}

// remember tells the file backend what the state file bytes data, of
// SHA-256 plain, decode to (s) and whether they are canonical, handing
// it the bytes themselves for a command that writes the state
// (Env.writesState: its write copies what did not change from them).
func (b *cachedFile) remember(data []byte, plain [32]byte, s *state.Snapshot, canonical bool) {
	if b.env.writesState {
		b.Backend.RememberData(data, plain, s, canonical)
		return
	}
	b.Backend.Remember(plain, s, canonical)
}

// Read returns what the file backend's Read returns (whose errors it
// leaves to it), from the cache when the entry matches the file. Either
// way it tells the file backend what the bytes it read decode to (so a
// Write need not decode them again), and whether they are canonical:
// what state.Encode writes for their content (so a Write compares its
// encoding with them instead of encoding the stored state again). The
// entry records that, checked when it is made.
func (b *cachedFile) Read(ctx context.Context) (*state.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// A command that does not write the state needs only the file's
	// hash when the entry matches: it hashes the file as it reads it,
	// without holding its bytes (tens of MiB at 100,000 subscriptions),
	// and reads it whole only to decode it.
	var data []byte
	var plain [32]byte
	var size int
	var err error
	if fi, serr := os.Stat(b.Path()); serr == nil && !fi.Mode().IsRegular() {
		return b.Backend.Read(ctx) // not a file: says so, in its words
	}
	if b.env.writesState {
		data, err = os.ReadFile(b.Path())
		plain, size = sha256.Sum256(data), len(data)
	} else if sum, n, ok := b.env.stateHashed.still(b.Path()); ok {
		// Hashed by the plan cache before the lock was taken, and not
		// replaced since (the file backend replaces it by rename).
		plain, size = sum, n
	} else if s, info, ok := hashStateFile(b.Path()); ok && info != nil {
		plain, size = [32]byte(s), int(info.Size())
	} else {
		return b.Backend.Read(ctx) // says why, in its words
	}
	if err != nil {
		return b.Backend.Read(ctx)
	}
	sum := entrySumOf(plain, size)
	key := b.entryKey()
	knownCanonical := false
	if p := b.dc.Get(key); len(p) > len(sum) && bytes.Equal(p[:len(sum)], sum) && p[len(sum)] <= 1 {
		t := time.Now()
		_ = os.Chtimes(filepath.Join(b.dc.dir, hex.EncodeToString(key[:])), t, t) // recently used: kept by pruneOldest
		if len(p) == len(sum)+1 {
			knownCanonical = p[len(sum)] == 1 // an entry a write made
		} else if s, err := state.DecodeBinary(p[len(sum)+1:]); err == nil {
			b.env.debugf("cache", "state: read from the cache")
			b.remember(data, plain, s, p[len(sum)] == 1)
			return s, nil
		}
	}
	if data == nil {
		// The bytes decoded are the bytes hashed, even when the file
		// changed in between (a write renames a new file into place).
		if data, err = os.ReadFile(b.Path()); err != nil {
			return b.Backend.Read(ctx)
		}
		if p := sha256.Sum256(data); p != plain {
			plain, sum, knownCanonical = p, entrySumOf(p, len(data)), false
		}
	}
	s, err := state.Decode(data)
	if err != nil {
		return b.Backend.Read(ctx) // says what is wrong, in its words
	}
	canonical := knownCanonical
	if !canonical && state.StableEncoding(data) {
		canonical = state.EncodesAs(s, data)
	}
	b.remember(data, plain, s, canonical)
	how := "checked"
	if knownCanonical {
		how = "as written"
	}
	store := func() {
		stored := false
		if bin, ok := state.EncodeBinary(s); ok {
			flag := byte(0)
			if canonical {
				flag = 1
			}
			b.dc.Put(key, append(append(sum, flag), bin...))
			stored = len(b.dc.failed) == 0
			pruneOldest(b.dc.dir, stateCacheMax)
		}
		b.env.debugf("cache", "state: decoded (stored: %v)", stored)
		b.env.debugf("cache", "state: canonical: %v (%s)", canonical, how)
		for _, f := range b.dc.failed {
			b.env.debugf("cache", "%s", f)
		}
	}
	if !b.env.writesState {
		store()
		return s, nil
	}
	// A command that writes the state (apply) mostly replaces what it
	// read: the entry of the bytes read is made when it ends only if it
	// wrote nothing (Close), which spares an apply the binary encoding
	// of the whole state (a third of a second at 100,000
	// subscriptions). s is never modified (see remember).
	b.mu.Lock()
	b.pending = store
	b.mu.Unlock()
	return s, nil
}

// Close makes the entry a Read put off (the state was not written),
// then closes the file backend.
func (b *cachedFile) Close() error {
	b.mu.Lock()
	store := b.pending
	b.pending = nil
	b.mu.Unlock()
	if store != nil {
		store()
	}
	return b.Backend.Close()
}
