package config

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/plansync/plansync/internal/configfile"
	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// Cache keeps decoded config files between runs (LoadCached), under keys
// that name everything a file's decoding depends on. Get and Put may be
// called from several goroutines at once. Get returns nil for anything
// it does not hold intact; a failed Put is only a missed chance.
type Cache interface {
	Get(key [32]byte) []byte
	Put(key [32]byte, data []byte)
}

// CacheOptions says how LoadCached uses its cache.
type CacheOptions struct {
	Store Cache
	// Version names the build: an entry made by another build is never
	// read (it is under another key).
	Version string
	// Seal and Unseal encrypt and decrypt the literal secrets an entry
	// holds; without them a file with a literal secret is not cached.
	Seal, Unseal func(string) (string, bool)
}

// CacheStats counts what LoadCached did, file by file.
type CacheStats struct {
	// Hits were read from the cache; Decoded were parsed and decoded
	// (Stored of those written to the cache).
	Hits, Decoded, Stored int
}

// LoadCached is Load with a cache of decoded files: a file whose content
// (and path, and the build) a cache entry was made from is not parsed
// or decoded again but read from the entry, its secret references
// resolved anew through opts. The result is Load's, with or without the
// cache, whatever the cache holds: an entry that does not read back
// whole (damaged, truncated, another codec) or whose secrets no longer
// resolve is decoded again. Files with errors are not cached.
//
// LoadCached is PrepareCached then Finish, with opts for both.
func LoadCached(dir string, opts Options, c CacheOptions) (*model.Config, diag.Diagnostics, CacheStats) {
	p, st, _ := PrepareCached(context.Background(), dir, opts, c) // never stopped
	cfg, diags := p.Finish(opts)
	return cfg, diags, st
}

// PrepareCached is Prepare with LoadCached's cache: what LoadCached does
// before it needs the recorded state. When ctx is done before every file
// is read, it stops taking files and returns ctx's error (entries
// already written stay: each is whole, and names what it holds).
func PrepareCached(ctx context.Context, dir string, opts Options, c CacheOptions) (*Prepared, CacheStats, error) {
	if c.Store == nil {
		p, err := Prepare(ctx, dir, opts)
		return p, CacheStats{}, err
	}
	w := walker{seen: make(map[string]struct{})}
	w.walkRoot(dir)
	slices.SortFunc(w.jobs, func(a, b walkJob) int { return strings.Compare(a.rel, b.rel) })
	type result struct {
		file   *File
		parse  diag.Diagnostics
		dec    *Decoded
		hit    bool
		stored bool
	}
	results := make([]result, len(w.jobs))
	one := func(i int) {
		j := w.jobs[i]
		src, err := ReadSource(j.path)
		if err != nil {
			results[i].parse = diag.Diagnostics{FileError(j.path, err)}
			return
		}
		key := cacheKey(c.Version, j.path, j.rel, src)
		if data := c.Store.Get(key); data != nil {
			parse, dec, err := decodeCached(data, c.Unseal, func(s *model.Secret) bool { return resolveAgain(s, j.path, opts) })
			if err == nil {
				results[i] = result{file: &File{Path: j.path, Rel: j.rel, Syntax: configfile.Syntax(j.rel)}, parse: parse, dec: dec, hit: true}
				return
			}
		}
		f, parse := ParseFile(j.path, j.rel, src)
		dec := DecodeFile(f, opts)
		// The syntax tree is not needed once decoded (Merge reads the
		// file's names): it is not kept, so the trees of a large fleet
		// are never all held at once.
		results[i] = result{file: f.withoutTree(), parse: parse, dec: dec}
		if parse.HasErrors() || dec.res.diags.HasErrors() {
			return
		}
		if data, ok := encodeCached(parse, dec, c.Seal); ok {
			c.Store.Put(key, data)
			results[i].stored = true
		}
	}
	if err := inParallelOrder(ctx, len(w.jobs), largestFirst(w.jobs), opts.Shared, one); err != nil {
		return nil, CacheStats{}, err
	}

	diags := w.diags
	var files []*File
	var decoded []*Decoded
	var st CacheStats
	for _, r := range results {
		diags = append(diags, r.parse...)
		if r.file == nil {
			continue
		}
		files = append(files, r.file)
		decoded = append(decoded, r.dec)
		switch {
		case r.hit:
			st.Hits++
		case r.stored:
			st.Decoded++
			st.Stored++
		default:
			st.Decoded++
		}
	}
	// From here on, as Load (ParseDir, then Decode's Merge).
	parsed := !diags.HasErrors()
	cfg, more := Merge(files, decoded)
	return &Prepared{cfg: cfg, diags: append(diags, more...), parsed: parsed}, st, nil
}

// cacheKey names a file's decoding: the build, the codec, the path it is
// shown under (every source range holds it) and its content.
func cacheKey(version, path, rel string, src []byte) [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "plansync decoded file\x00%d\x00%s\x00%s\x00%s\x00%d\x00", cacheCodecVersion, version, path, rel, len(src))
	h.Write(src)
	return [32]byte(h.Sum(nil))
}

// resolveAgain resolves a secret reference read from the cache as
// decoding it does; false when it does not resolve (decoding the file
// says why).
func resolveAgain(s *model.Secret, path string, opts Options) bool {
	switch {
	case s.Env != "" && s.File == "":
		if opts.Getenv == nil {
			return true
		}
		v, ok := opts.Getenv(s.Env)
		if !ok || v == "" {
			return false
		}
		s.Value = v
		return true
	case s.File != "" && s.Env == "":
		if opts.ReadFile == nil {
			return true
		}
		b, err := opts.ReadFile(secretPath(s.File, path))
		if err != nil {
			return false
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return false
		}
		s.Value = v
		return true
	}
	return false
}

// inParallel runs one(i) for i in [0, n) on every core; a panic in a
// worker is raised again in the caller (so the CLI reports it as the
// bug it is).
func inParallel(n int, one func(int)) {
	_ = inParallelOrder(context.Background(), n, nil, nil, one)
}

// inParallelOrder is inParallel taking the indices in the order given
// (nil: 0 to n-1). Once ctx is done no worker takes another index, and
// it returns ctx's error when some were not run. Until shared is closed
// (when set), one core is left to the caller: a worker fewer runs.
func inParallelOrder(ctx context.Context, n int, order []int, shared <-chan struct{}, one func(int)) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var crash string
	var stopped atomic.Bool
	taken := make(chan struct{}) // closed once every index is taken
	var takenOnce sync.Once
	for w := range workers {
		wg.Go(func() {
			if shared != nil && w > 0 && w == runtime.GOMAXPROCS(0)-1 {
				select {
				case <-shared:
				case <-ctx.Done():
				case <-taken:
				}
			}
			defer func() {
				if r := recover(); r != nil {
					once.Do(func() { crash = fmt.Sprintf("%v\n\nin a worker goroutine:\n%s", r, debug.Stack()) })
					next.Store(int64(n)) // the others stop
				}
			}()
			for {
				k := int(next.Add(1) - 1)
				if k >= n {
					takenOnce.Do(func() { close(taken) })
					return
				}
				if ctx.Err() != nil {
					stopped.Store(true)
					next.Store(int64(n))
					return
				}
				if order != nil {
					k = order[k]
				}
				one(k)
			}
		})
	}
	wg.Wait()
	if crash != "" {
		panic(crash)
	}
	if stopped.Load() {
		return ctx.Err()
	}
	return nil
}

// largestFirstMax bounds the files largestFirst orders: each costs a
// stat, and among many files each is a small part of the work.
const largestFirstMax = 1024

// largestFirst is the order to parse jobs in: the largest file first, so
// that no large file is parsed last while the other cores are idle (nil,
// path order, when there are too many files to stat or too few to
// share).
func largestFirst(jobs []walkJob) []int {
	if len(jobs) <= 1 || len(jobs) > largestFirstMax || runtime.GOMAXPROCS(0) == 1 {
		return nil
	}
	sizes := make([]int64, len(jobs))
	inParallel(len(jobs), func(i int) {
		if fi, err := os.Stat(jobs[i].path); err == nil {
			sizes[i] = fi.Size()
		}
	})
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(sizes[b], sizes[a]) })
	return order
}
