package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/fleet"
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

// TestCacheMatchesNoCache is the cache's property test, through the CLI
// and the cache on disk: on generated fleets (YAML or HCL, with secret
// files, conflicts and customised subscriptions), at each step random
// edits of the config files (valid or not), of the secret files and of
// the clock, random damage to the cache (bytes flipped, entries cut
// short, removed, or swapped with another entry), and now and then an
// apply; then a plan with the cache and one with --no-cache must print
// exactly the same (stdout, stderr, exit code), and the cache must have
// been used. The state cache (statecache.go) is part of it: applies
// write new states, and its entry is damaged too.
func TestCacheMatchesNoCache(t *testing.T) {
	seeds, steps := 4, 30
	if testing.Short() {
		seeds, steps = 2, 12
	}
	var hits cacheHits
	for seed := range seeds {
		h := checkCacheSteps(t, uint64(seed), steps)
		hits.files, hits.states, hits.plans = hits.files+h.files, hits.states+h.states, hits.plans+h.plans
	}
	t.Logf("from the cache: %d config files, %d states, %d plans", hits.files, hits.states, hits.plans)
	if hits.files == 0 || hits.states == 0 || hits.plans == 0 {
		t.Fatalf("%d config files, %d states and %d plans read from the cache", hits.files, hits.states, hits.plans)
	}
}

// FuzzCacheSteps runs the steps of TestCacheMatchesNoCache from a fuzzed
// seed: random edits, secret changes, clock moves, damaged or swapped
// entries of every cache (decoded files, state, plans), applies; plans
// with and without the cache must stay identical.
func FuzzCacheSteps(f *testing.F) {
	f.Add(uint64(7), uint8(4))
	f.Add(uint64(1<<40+3), uint8(9))
	f.Fuzz(func(t *testing.T, seed uint64, steps uint8) {
		checkCacheSteps(t, seed, 2+int(steps%8))
	})
}

// cacheHits counts what runs took from the cache.
type cacheHits struct{ files, states, plans int }

func checkCacheSteps(t *testing.T, seed uint64, steps int) (hits cacheHits) {
	r := rand.New(rand.NewPCG(seed, 99))
	dir := t.TempDir()
	syntax := []string{"yaml", "hcl"}[seed%2]
	cfg := fleet.Generate(fleet.Options{Subscriptions: 120, Seed: int64(seed) + 1, CustomisedFraction: 0.2, ConflictFraction: 0.1, Passwords: true})
	if err := fleet.WriteDir(dir, cfg, syntax, 30); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"XDG_CACHE_HOME": t.TempDir(),
		envSecretsKey:    "usYTbPV5+ISMl0FVY2UVW8s8g/hsmMjJwyuS9hdwvtk=",
		"PLANSYNC_NOW":   "2026-11-01",
	}
	run := func(args ...string) (int, string, string) {
		env, out, errb := termEnv(t, "", vars)
		env.IsTerminal = func(any) bool { return false }
		code := Main(context.Background(), args, env)
		return code, out.String(), errb.String()
	}
	if code, out, errb := run("apply", "--dir", dir, "--auto-approve", "--accept-available"); code != 0 {
		t.Fatalf("first apply: exit %d\n%s%s", code, out, errb)
	}
	var configs, secretFiles []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && d.Name() == ".plansync":
			return filepath.SkipDir
		case d.IsDir():
		case strings.HasSuffix(p, "."+syntax):
			configs = append(configs, p)
		default:
			secretFiles = append(secretFiles, p)
		}
		return nil
	})
	if len(configs) < 3 || len(secretFiles) == 0 {
		t.Fatalf("%d config files, %d secret files", len(configs), len(secretFiles))
	}
	cacheDirs := []string{filepath.Join(dir, ".plansync", "cache", "decoded"), filepath.Join(dir, ".plansync", "cache", "state"),
		filepath.Join(dir, ".plansync", "cache", planCacheDir)}
	var log []string
	for step := range steps {
		// Some steps change nothing (the plan cache's case), some only
		// the clock.
		for range r.IntN(3) {
			switch k := r.IntN(10); {
			case k < 6:
				log = append(log, editConfigFile(t, r, configs[r.IntN(len(configs))]))
			case k < 8:
				p := secretFiles[r.IntN(len(secretFiles))]
				os.WriteFile(p, []byte(fmt.Sprintf("pw-%d\n", r.IntN(3))), 0o600)
				log = append(log, "secret "+filepath.Base(p))
			default:
				vars["PLANSYNC_NOW"] = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(800)-100).Format("2006-01-02")
				log = append(log, "clock "+vars["PLANSYNC_NOW"])
			}
		}
		if r.IntN(2) == 0 {
			log = append(log, damageCache(t, r, cacheDirs[r.IntN(len(cacheDirs))]))
		}
		format := []string{"text", "json"}[r.IntN(2)]
		vars[envDebug] = "cache"
		codeC, outC, errC := run("plan", "--dir", dir, "--format", format)
		if r.IntN(2) == 0 {
			// Again, unchanged but for the clock at times: the plan
			// cache's case. Its output is checked against the run
			// without the cache below.
			log = append(log, "planned twice")
			if r.IntN(2) == 0 {
				vars["PLANSYNC_NOW"] = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(800)-100).Format("2006-01-02")
				log = append(log, "clock "+vars["PLANSYNC_NOW"])
			}
			codeC, outC, errC = run("plan", "--dir", dir, "--format", format)
		}
		delete(vars, envDebug)
		var kept []string
		for _, line := range strings.SplitAfter(errC, "\n") {
			if rest, ok := strings.CutPrefix(line, "debug: cache: config files: "); ok {
				n, _ := strconv.Atoi(strings.Fields(rest)[0])
				hits.files += n
				continue
			}
			if strings.HasPrefix(line, "debug: cache: state: read from the cache") {
				hits.states++
			}
			if strings.HasPrefix(line, "debug: cache: plan: printed from the cache") {
				hits.plans++
			}
			if !strings.HasPrefix(line, "debug: cache: ") {
				kept = append(kept, line)
			}
		}
		errC = strings.Join(kept, "")
		codeN, outN, errN := run("plan", "--dir", dir, "--format", format, "--no-cache")
		if codeC != codeN || outC != outN || errC != errN {
			t.Fatalf("seed %d step %d (%v): plans differ with and without the cache:\nwith (exit %d):\n%s%s\nwithout (exit %d):\n%s%s",
				seed, step, log, codeC, outC, errC, codeN, outN, errN)
		}
		if codeC != 1 && r.IntN(4) == 0 {
			if code, out, errb := run("apply", "--dir", dir, "--auto-approve", "--accept-available", "--allow-delete"); code > 1 {
				t.Fatalf("apply: exit %d\n%s%s", code, out, errb)
			}
			log = append(log, "apply")
		}
	}
	return hits
}

// editConfigFile makes one random text edit to a config file: a digit
// changed, a line removed or doubled, a word changed, a comment added.
// Many edits leave the file valid, some do not.
func editConfigFile(t *testing.T, r *rand.Rand, p string) string {
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	i := r.IntN(len(lines))
	what := ""
	switch r.IntN(6) {
	case 0:
		b := []byte(lines[i])
		for j, c := range b {
			if c >= '0' && c <= '9' {
				b[j] = byte('0' + r.IntN(10))
				break
			}
		}
		lines[i], what = string(b), "digit"
	case 1:
		lines, what = slices.Delete(lines, i, i+1), "line removed"
	case 2:
		lines, what = slices.Insert(lines, i, lines[i]), "line doubled"
	case 3:
		lines[i] = strings.Replace(lines[i], "active", "suspended", 1)
		what = "suspended"
	case 4:
		lines[i] = strings.Replace(lines[i], "Anna", "Hanna", 1)
		what = "renamed"
	default:
		lines = slices.Insert(lines, i, "# a comment\n")
		what = "comment"
	}
	if err := os.WriteFile(p, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s: %s at line %d", filepath.Base(p), what, i+1)
}

// damageCache damages one random entry of the cache, or swaps two.
func damageCache(t *testing.T, r *rand.Rand, dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		return "no cache to damage"
	}
	e := entries[r.IntN(len(entries))]
	p := filepath.Join(dir, e.Name())
	data, err := os.ReadFile(p)
	if err != nil || len(data) == 0 {
		return "entry unreadable"
	}
	switch r.IntN(4) {
	case 0:
		data[r.IntN(len(data))] ^= byte(1 + r.IntN(255))
		os.WriteFile(p, data, 0o600)
		return "cache byte flipped"
	case 1:
		os.WriteFile(p, data[:r.IntN(len(data))], 0o600)
		return "cache entry truncated"
	case 2:
		os.Remove(p)
		return "cache entry removed"
	default:
		o := filepath.Join(dir, entries[r.IntN(len(entries))].Name())
		other, _ := os.ReadFile(o)
		os.WriteFile(p, other, 0o600)
		os.WriteFile(o, data, 0o600)
		return "cache entries swapped"
	}
}

// planCacheFixture is a config directory planned with the cache (and its
// debug lines), run to run plansync there, and its main.yaml, orig, with
// edited, the same with Basic's disk space changed.
func planCacheFixture(t *testing.T) (dir string, run func(args ...string) (int, string, string), path string, orig, edited []byte) {
	t.Helper()
	dir = configDir(t)
	vars := map[string]string{"XDG_CACHE_HOME": t.TempDir(), envDebug: "cache"}
	run = func(args ...string) (int, string, string) {
		env, out, errb := termEnv(t, "", vars)
		env.IsTerminal = func(any) bool { return false }
		code := Main(context.Background(), args, env)
		return code, out.String(), errb.String()
	}
	path = filepath.Join(dir, "main.yaml")
	var err error
	orig, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited = []byte(strings.Replace(string(orig), "disk_space: 1GiB", "disk_space: 11GiB", 1))
	if bytes.Equal(edited, orig) {
		t.Fatalf("no disk_space: 1GiB in\n%s", orig)
	}
	return dir, run, path, orig, edited
}

// A config file edited while a plan reads it (or while a cached plan
// waits for the lock) never leaves, or takes, a plan of other contents:
// the entry is stored, or printed, only when the files still hold what
// named it.
func TestPlanCacheFilesEditedMeanwhile(t *testing.T) {
	dir, run, path, orig, edited := planCacheFixture(t)
	if code, out, errb := run("apply", "--dir", dir, "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errb)
	}
	defer func() { testHookPlanCache = nil }()

	// Edited while planned: the plan of the edited file is not stored
	// under the name of the original.
	testHookPlanCache = func(stage string) {
		if stage == "recording" {
			os.WriteFile(path, edited, 0o644)
		}
	}
	code, _, errb := run("plan", "--dir", dir, "--detailed-exitcode")
	if code != 2 || !strings.Contains(errb, "plan: stored: false") {
		t.Fatalf("plan of a file edited meanwhile: exit %d, stored?\n%s", code, errb)
	}
	testHookPlanCache = nil
	os.WriteFile(path, orig, 0o644)
	if code, out, errb := run("plan", "--dir", dir, "--detailed-exitcode"); code != 0 || strings.Contains(errb, "printed from the cache") {
		t.Fatalf("the original planned as the edit: exit %d\n%s%s", code, out, errb)
	}

	// Edited while a cached plan waited for the lock: planned anew.
	if code, _, errb := run("plan", "--dir", dir, "--detailed-exitcode"); code != 0 || !strings.Contains(errb, "printed from the cache") {
		t.Fatalf("not from the cache: exit %d\n%s", code, errb)
	}
	testHookPlanCache = func(stage string) {
		if stage == "locked" {
			os.WriteFile(path, edited, 0o644)
		}
	}
	code, out, errb := run("plan", "--dir", dir, "--detailed-exitcode")
	if code != 2 || strings.Contains(errb, "printed from the cache") || !strings.Contains(out, "11 GiB") {
		t.Fatalf("edited while waiting for the lock: exit %d\n%s%s", code, out, errb)
	}
}

// The state file replaced after the plan cache hashed it (another
// apply, a state push) is read as it is then: the hash taken for the
// plan cache names the state read only while the file is the one hashed.
func TestPlanCacheStateReplacedMeanwhile(t *testing.T) {
	dir, run, path, _, edited := planCacheFixture(t)
	statePath := filepath.Join(dir, ".plansync", "state.json")
	// Two states, each decoded into the state cache by a plan.
	if code, out, errb := run("apply", "--dir", dir, "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errb)
	}
	if code, out, errb := run("plan", "--dir", dir, "--detailed-exitcode"); code != 0 {
		t.Fatalf("plan: exit %d\n%s%s", code, out, errb)
	}
	before, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, edited, 0o644)
	if code, out, errb := run("apply", "--dir", dir, "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errb)
	}
	if code, out, errb := run("plan", "--dir", dir, "--detailed-exitcode"); code != 0 {
		t.Fatalf("plan: exit %d\n%s%s", code, out, errb)
	}
	os.RemoveAll(filepath.Join(dir, ".plansync", "cache", planCacheDir))

	// Hashed as the state of the edit; replaced by the state before it
	// (as a write does: a new file renamed into place) before it is read.
	defer func() { testHookPlanCache = nil }()
	testHookPlanCache = func(stage string) {
		if stage == "recording" {
			tmp := statePath + ".new"
			if err := os.WriteFile(tmp, before, 0o600); err != nil {
				t.Error(err)
			}
			if err := os.Rename(tmp, statePath); err != nil {
				t.Error(err)
			}
		}
	}
	code, out, errb := run("plan", "--dir", dir, "--detailed-exitcode")
	if code != 2 || !strings.Contains(out, "1 GiB → 11 GiB") {
		t.Fatalf("plan against the state put back meanwhile: exit %d\n%s%s", code, out, errb)
	}
}

// The state file overwritten in place (same file, same size) with its
// modification time put back (cp, then touch -d) after the plan cache
// hashed it is read as it is then: the cache neither prints the plan of
// what it hashed nor reads the state it decoded from those bytes.
func TestPlanCacheStateOverwrittenInPlace(t *testing.T) {
	dir, run, path, orig, _ := planCacheFixture(t)
	statePath := filepath.Join(dir, ".plansync", "state.json")
	if code, out, errb := run("apply", "--dir", dir, "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errb)
	}
	other, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	// 2 GiB: a state of the same size as the one of 1 GiB (serial 2
	// for 1).
	os.WriteFile(path, []byte(strings.Replace(string(orig), "disk_space: 1GiB", "disk_space: 2GiB", 1)), 0o644)
	if code, out, errb := run("apply", "--dir", dir, "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errb)
	}
	applied, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(other, applied) || len(other) != len(applied) {
		t.Fatalf("not two states of one size:\n%s\n%s", other, applied)
	}
	overwrite := func() {
		// Past the tick of the kernel's file times since the apply
		// wrote it (a few milliseconds), as a hand edit is.
		time.Sleep(20 * time.Millisecond)
		fi, err := os.Stat(statePath)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(statePath, other, 0o600); err != nil { // in place: the same file
			t.Fatal(err)
		}
		if err := os.Chtimes(statePath, fi.ModTime(), fi.ModTime()); err != nil {
			t.Fatal(err)
		}
	}
	restore := func() {
		tmp := statePath + ".new"
		os.WriteFile(tmp, applied, 0o600)
		os.Rename(tmp, statePath)
	}
	defer func() { testHookPlanCache = nil }()
	for _, stage := range []string{"locked", "recording"} {
		restore()
		if code, out, errb := run("plan", "--dir", dir, "--detailed-exitcode"); code != 0 {
			t.Fatalf("plan: exit %d\n%s%s", code, out, errb)
		}
		if stage == "recording" {
			os.RemoveAll(filepath.Join(dir, ".plansync", "cache", planCacheDir))
		}
		testHookPlanCache = func(s string) {
			if s == stage {
				overwrite()
			}
		}
		code, out, errb := run("plan", "--dir", dir, "--detailed-exitcode")
		testHookPlanCache = nil
		if code != 2 || !strings.Contains(out, "1 GiB → 2 GiB") {
			t.Errorf("%s: plan against the state overwritten meanwhile: exit %d\n%s%s", stage, code, out, errb)
		}
	}
}

// failingWriter fails every write, as a full disk or a broken terminal
// does (2>/dev/full).
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, fs.ErrInvalid }

// A plan whose stderr cannot be written (its warnings are lost, as
// without the cache) prints the same plan and exits the same way with
// the cache as without it, and leaves no entry that would print the plan
// without its warnings to the next run.
func TestPlanCacheStderrUnwritable(t *testing.T) {
	dir := t.TempDir()
	cfg := "customers:\n  - login: lit\n    password: Lit3ral-Pw\n"
	if err := os.WriteFile(filepath.Join(dir, "main.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"XDG_CACHE_HOME": t.TempDir()}
	run := func(brokenStderr bool, args ...string) (int, string, string) {
		env, out, errb := termEnv(t, "", vars)
		env.IsTerminal = func(any) bool { return false }
		if brokenStderr {
			env.Stderr = failingWriter{}
		}
		code := Main(context.Background(), args, env)
		return code, out.String(), errb.String()
	}
	if code, out, errb := run(false, "apply", "--dir", dir, "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errb)
	}
	for _, format := range []string{"text", "json"} {
		plan := []string{"plan", "--dir", dir, "--detailed-exitcode", "--format", format}
		wantCode, wantOut, _ := run(true, append(plan, "--no-cache")...)
		_, _, wantErr := run(false, append(plan, "--no-cache")...)
		if format == "text" && !strings.Contains(wantErr, "plain-text password") {
			t.Fatalf("no warning to lose:\n%s", wantErr)
		}
		os.RemoveAll(filepath.Join(dir, ".plansync", "cache", planCacheDir))
		for i := range 2 { // recorded, then from the cache
			if code, out, _ := run(true, plan...); code != wantCode || out != wantOut {
				t.Errorf("%s, run %d, stderr unwritable: exit %d, want %d\n%s\nwant:\n%s", format, i+1, code, wantCode, out, wantOut)
			}
		}
		if code, out, errb := run(false, plan...); code != wantCode || out != wantOut || errb != wantErr {
			t.Errorf("%s, stderr writable after: exit %d, want %d\n%s%s\nwant:\n%s%s", format, code, wantCode, out, errb, wantOut, wantErr)
		}
	}
}
