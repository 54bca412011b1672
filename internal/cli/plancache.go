package cli

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/state"
)

// The plan cache: why a second `plansync plan` of an unchanged tree need
// not load or plan anything.
//
// A plan is a pure function of what it reads: the config files, the
// recorded state, the secret files and environment variables the config
// names, the other variables plansync reads (PLANSYNC_NOW,
// PLANSYNC_SECRETS_KEY, NO_COLOR, …), the flags, the build, and the
// clock, which matters only through expiration dates and the creation
// time a create records. So a plan that reads no Plesk server keeps what
// it printed in <dir>/.plansync/cache/plans/, under a name made from the
// build, the flags, the config files' contents and the state file's
// bytes; beside it go the other inputs it read, each as an HMAC, the
// time it planned at and every expiration date it saw. The next plan
// with that name checks every recorded input again (a variable set or
// changed, a secret file edited) and the clock (no expiration date may
// lie between the two times; with a create, the time must be the same to
// the second); when all hold, it takes the state lock as a plan does,
// checks the state file is still the one it hashed, and prints what was
// printed, with the same exit code. Anything else plans as ever and
// writes the entry anew.
//
// Safe by construction, as the config cache (cache.go): entries are
// checksummed and written by rename, so a damaged or partial entry is
// ignored; the names and the recorded inputs are HMACs under the user's
// secret-cache key (secretcache.go), which is outside the config
// directory, so an entry holds no secret and lets no guess of one be
// tested; without that key nothing is cached. What it holds in clear is
// the plan's output, which prints secrets as (sensitive). A run that
// waited for the lock or planned without it, read a Plesk server, saves a
// plan (--out) or is a watcher's is neither cached nor answered from the
// cache. --no-cache turns it off with the rest of the cache.

const (
	planCacheDir = "plans"
	// planCacheMax bounds the entries kept (several formats and flags of
	// one tree; each edit leaves its old entry behind).
	planCacheMax = 16
	// planCacheMaxOutput bounds what one entry keeps.
	planCacheMaxOutput = 64 << 20
)

// inputLog records what a run reads besides the config files and the
// state: the environment variables (through Env.Getenv) and the files
// the config names (secret files).
type inputLog struct {
	mu    sync.Mutex
	env   map[string]*string // nil: unset
	files map[string][]byte  // content; nil: unreadable
	// tainted: the run printed something that depends on more than its
	// inputs (it waited for the lock, or planned without it).
	tainted bool
	// debug is where PLANSYNC_DEBUG lines go: the run's own stderr, not
	// the output recorded.
	debug io.Writer
}

// getenv records what get returns, except the variables that do not
// change a plan's output: PLANSYNC_DEBUG (its lines are not the
// output) and, unless all, PLANSYNC_NOW, which only sets the clock (its
// own rule). all is for what the config names ({env: NAME}).
func (l *inputLog) getenv(get func(string) (string, bool), all bool) func(string) (string, bool) {
	return func(k string) (string, bool) {
		var v string
		var ok bool
		if get != nil {
			v, ok = get(k)
		}
		if k == envDebug || (k == "PLANSYNC_NOW" && !all) {
			return v, ok
		}
		l.mu.Lock()
		if _, seen := l.env[k]; !seen {
			if ok {
				l.env[k] = &v
			} else {
				l.env[k] = nil
			}
		}
		l.mu.Unlock()
		return v, ok
	}
}

func (l *inputLog) readFile(read func(string) ([]byte, error)) func(string) ([]byte, error) {
	return func(path string) ([]byte, error) {
		b, err := read(path)
		abs, aerr := filepath.Abs(path)
		if aerr != nil {
			abs = path
		}
		l.mu.Lock()
		if _, seen := l.files[abs]; !seen {
			if err == nil {
				l.files[abs] = bytes.Clone(b)
			} else {
				l.files[abs] = nil
			}
		}
		l.mu.Unlock()
		return b, err
	}
}

// taint marks the run as one not to cache (nil-safe).
func (l *inputLog) taint() {
	if l != nil {
		l.mu.Lock()
		l.tainted = true
		l.mu.Unlock()
	}
}

// secretGetenv is the Getenv a config load resolves {env: NAME} with:
// every variable it reads is recorded when the run is to be cached,
// PLANSYNC_NOW included.
func (e Env) secretGetenv() func(string) (string, bool) {
	if e.inputs != nil {
		return e.inputs.getenv(e.Getenv, true)
	}
	return e.Getenv
}

// secretFileReader is the ReadFile a config load resolves secret files
// with: recorded when the run is to be cached.
func (e Env) secretFileReader() func(string) ([]byte, error) {
	read := config.OSOptions().ReadFile
	if e.inputs != nil {
		return e.inputs.readFile(read)
	}
	return read
}

// planCache is one plan run's use of the cache.
type planCache struct {
	env Env // as the run was given it
	dir string
	key []byte
	dc  *diskCache
	// head holds what names the entry besides the files: the build, the
	// directory, the flags, the terminal.
	head string
	// name is the entry's name; statePath, stateSum and stateInfo the
	// state file hashed for it (stateInfo nil: there was none).
	name      [32]byte
	stateSum  []byte
	statePath string
	stateInfo os.FileInfo
	// out and errs hold what the run prints, when it is recorded.
	out, errs bytes.Buffer
	log       *inputLog
	now       time.Time
}

// planEntry is what an entry holds besides the output.
type planEntry struct {
	Now     time.Time   `json:"now"`
	Created bool        `json:"created,omitempty"`
	Bounds  []time.Time `json:"bounds,omitempty"`
	Env     []planInput `json:"env,omitempty"`
	Files   []planInput `json:"files,omitempty"`
	Changes bool        `json:"changes,omitempty"`
	Stdout  int         `json:"stdout"`
	Stderr  int         `json:"stderr"`
}

// planInput is an input read, by name, as an HMAC of its value (or of
// its absence).
type planInput struct {
	Name string `json:"name"`
	MAC  []byte `json:"mac"`
}

// openPlanCache returns the cache for a plan run with o, nil when such a
// run is not cached: --no-cache, --out, a watcher, a state that is not a
// state file, a config directory that cannot be listed, or no key.
func openPlanCache(env Env, c *common, o planOptions) *planCache {
	if !env.useCache || c.last != nil || c.priors != nil || c.replace || c.existing {
		return nil
	}
	if o.Out != "" {
		env.debugf("cache", "plan: not cached: a saved plan (--out) is planned anew")
		return nil
	}
	loc := statePath(env, c, o.Dir)
	if isPostgres(loc) {
		env.debugf("cache", "plan: not cached: the state is not a state file")
		return nil
	}
	key, err := secretCacheKey(env)
	if err != nil {
		env.debugf("cache", "plan: not cached: no secret-cache key: %v", err)
		return nil
	}
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil
	}
	pc := &planCache{env: env, dir: o.Dir, key: key, statePath: loc,
		dc: &diskCache{dir: filepath.Join(o.Dir, ".plansync", "cache", planCacheDir), used: map[string]bool{}}}
	pc.head = fmt.Sprintf("plansync plan cache v1\x00%s\x00%s\x00%s|%t|%q|%q|%t|%d|%t|%q|%q|%q\x00color=%t stderr-terminal=%t",
		cacheVersion(), abs, o.Format, o.DetailedExitCode, o.Now, o.Targets, o.AllowDelete, o.Parallelism, o.NoRefresh,
		c.State, c.StateName, c.As, env.color(), env.IsTerminal != nil && env.IsTerminal(env.Stderr))
	var ok bool
	if pc.stateSum, pc.stateInfo, ok = hashStateFile(loc); !ok {
		return nil
	}
	if pc.name, ok = pc.fingerprint(); !ok {
		return nil
	}
	return pc
}

// fingerprint names the entry of a plan of what the config files hold
// now and of the state file hashed (with the build and flags, pc.head);
// ok is false when a file cannot be listed or read (the load then says
// why).
func (pc *planCache) fingerprint() (name [32]byte, ok bool) {
	files, ds := config.ListFiles(pc.dir)
	if ds.HasErrors() {
		return name, false
	}
	m := hmac.New(sha256.New, pc.key)
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		m.Write(n[:])
		m.Write([]byte(s))
	}
	field(pc.head)
	for _, f := range files {
		src, err := config.ReadSource(f.Path)
		if err != nil {
			return name, false
		}
		sum := sha256.Sum256(src)
		field(f.Path)
		field(f.Rel)
		field(string(sum[:]))
	}
	if a, err := filepath.Abs(pc.statePath); err == nil {
		field(a)
	}
	if pc.stateInfo == nil {
		field("no state")
	} else {
		field("state")
		field(string(pc.stateSum))
	}
	return [32]byte(m.Sum(nil)), true
}

// unchanged reports whether the config files and the state file hold
// what they held when the entry was named: a run that read them
// meanwhile may have read other contents. The state file is only ever
// replaced (sameState), so its identity says it is the one hashed.
func (pc *planCache) unchanged() bool {
	name, ok := pc.fingerprint()
	return ok && name == pc.name && pc.sameState()
}

// hashStateFile hashes the state file: nil info when there is none; ok
// is false when it cannot be read.
func hashStateFile(path string) (sum []byte, info os.FileInfo, ok bool) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, nil, false // opening a named pipe would wait for a writer
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, true
	}
	if err != nil {
		return nil, nil, false
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil || !info.Mode().IsRegular() {
		return nil, nil, false
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, nil, false
	}
	return h.Sum(nil), info, true
}

// sameState reports whether the state file is still the one hashed:
// the file backend replaces it by rename, never in place, and a file
// overwritten in place by hand is told by its stat (sameFileInfo).
func (pc *planCache) sameState() bool {
	info, err := os.Stat(pc.statePath)
	if pc.stateInfo == nil {
		return errors.Is(err, os.ErrNotExist)
	}
	return err == nil && sameFileInfo(info, pc.stateInfo)
}

// sameFileInfo reports whether two stats are of one file, unchanged
// between them (same size, modification time and, on Linux, status change
// time: a file overwritten in place whose modification time was set back,
// as cp then touch -d leave it, is not the file hashed).
func sameFileInfo(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime()) && sameChange(a, b)
}

// hashedFile is a file's SHA-256 and its stat when it was hashed.
type hashedFile struct {
	sum  [sha256.Size]byte
	info os.FileInfo
}

// still returns the sum when the file at path is still the one hashed.
func (h *hashedFile) still(path string) (sum [sha256.Size]byte, size int, ok bool) {
	if h == nil {
		return sum, 0, false
	}
	info, err := os.Stat(path)
	if err != nil || !sameFileInfo(info, h.info) {
		return sum, 0, false
	}
	return h.sum, int(h.info.Size()), true
}

func (pc *planCache) mac(kind, name string, value *string) []byte {
	m := hmac.New(sha256.New, pc.key)
	m.Write([]byte("plansync plan cache input\x00" + kind + "\x00" + name + "\x00"))
	if value == nil {
		m.Write([]byte{0})
	} else {
		m.Write([]byte{1})
		m.Write([]byte(*value))
	}
	return m.Sum(nil)
}

// replay prints the cached plan when the entry holds and the recorded
// inputs are unchanged; done says whether it did (err is then the run's
// result).
func (pc *planCache) replay(ctx context.Context, c *common, o planOptions) (done bool, err error) {
	e, out, ok := pc.lookup(o)
	if !ok {
		return false, nil
	}
	// As a plan: the state lock, and the state it read.
	b, err := openBackend(pc.env, c, pc.dir)
	if err != nil {
		return false, nil
	}
	defer b.Close()
	l, err := lock(ctx, pc.env, c, b, pc.dir, "plan")
	if err != nil {
		if errors.Is(err, state.ErrReadOnly) {
			return false, nil
		}
		return true, err
	}
	defer l.Unlock()
	if testHookPlanCache != nil {
		testHookPlanCache("locked")
	}
	// It may have waited for the lock: everything is checked again.
	if !pc.unchanged() {
		pc.env.debugf("cache", "plan: the config or the state changed meanwhile")
		return false, nil
	}
	if _, _, ok := pc.lookup(o); !ok {
		return false, nil
	}
	pc.env.debugf("cache", "plan: printed from the cache")
	t := time.Now()
	_ = os.Chtimes(filepath.Join(pc.dc.dir, hex.EncodeToString(pc.name[:])), t, t) // recently used: kept by prune
	// As the run recorded: what it printed on stderr (its warnings) is
	// printed whatever becomes of it, and only stdout failing fails it.
	if len(out) > e.Stdout {
		_, _ = pc.env.Stderr.Write(out[e.Stdout:])
	}
	if _, err := pc.env.Stdout.Write(out[:e.Stdout]); err != nil {
		return true, err
	}
	if o.DetailedExitCode && e.Changes {
		return true, exitCode(ExitChanges)
	}
	return true, nil
}

// lookup reads the entry and checks every input it recorded and the
// clock; out is the output kept (stdout, then stderr).
func (pc *planCache) lookup(o planOptions) (e planEntry, out []byte, ok bool) {
	payload := pc.dc.Get(pc.name)
	if len(payload) < 4 {
		pc.env.debugf("cache", "plan: no entry")
		return e, nil, false
	}
	n := binary.BigEndian.Uint32(payload)
	if uint64(n) > uint64(len(payload)-4) {
		return e, nil, false
	}
	if json.Unmarshal(payload[4:4+n], &e) != nil {
		return e, nil, false
	}
	out = payload[4+n:]
	if e.Stdout < 0 || e.Stderr < 0 || e.Stdout+e.Stderr != len(out) {
		return e, nil, false
	}
	for _, in := range e.Env {
		v, ok := pc.env.Getenv(in.Name)
		var p *string
		if ok {
			p = &v
		}
		if !hmac.Equal(pc.mac("env", in.Name, p), in.MAC) {
			pc.env.debugf("cache", "plan: %s changed", in.Name)
			return e, nil, false
		}
	}
	read := config.OSOptions().ReadFile
	for _, in := range e.Files {
		var p *string
		if b, err := read(in.Name); err == nil {
			s := string(b)
			p = &s
		}
		if !hmac.Equal(pc.mac("file", in.Name, p), in.MAC) {
			pc.env.debugf("cache", "plan: %s changed", in.Name)
			return e, nil, false
		}
	}
	now, err := clock(pc.env, o.Now)
	if err != nil {
		return e, nil, false
	}
	if e.Created && !now.Truncate(time.Second).Equal(e.Now.Truncate(time.Second)) {
		pc.env.debugf("cache", "plan: planned at another time, with a create")
		return e, nil, false
	}
	for _, b := range e.Bounds {
		if now.Before(b) != e.Now.Before(b) {
			pc.env.debugf("cache", "plan: an expiration (%s) lies between the two times", b.Format(time.RFC3339))
			return e, nil, false
		}
	}
	return e, out, true
}

// testHookPlanCache, when set by a test, runs when a cached plan holds
// the lock ("locked") and when a recorded run has named its entry
// ("recording"), before it reads anything.
var testHookPlanCache func(stage string)

// record returns env for a run whose inputs and output are recorded.
func (pc *planCache) record(env Env) Env {
	if testHookPlanCache != nil {
		testHookPlanCache("recording")
	}
	pc.log = &inputLog{env: map[string]*string{}, files: map[string][]byte{}, debug: env.Stderr}
	pc.now = env.Now()
	if pc.stateInfo != nil && len(pc.stateSum) == sha256.Size {
		env.stateHashed = &hashedFile{sum: [sha256.Size]byte(pc.stateSum), info: pc.stateInfo}
	}
	now := pc.now
	env.Now = func() time.Time { return now }
	env.Getenv = pc.log.getenv(env.Getenv, false)
	env.inputs = pc.log
	stdout, stderr, isTerminal := env.Stdout, env.Stderr, env.IsTerminal
	// The record first: a writer that fails (a full disk) must not leave
	// out of the entry what the run printed (io.MultiWriter stops at the
	// first error).
	env.Stdout = io.MultiWriter(&pc.out, stdout)
	env.Stderr = io.MultiWriter(&pc.errs, stderr)
	outW, errW := env.Stdout, env.Stderr
	if isTerminal != nil {
		env.IsTerminal = func(f any) bool {
			switch f {
			case outW:
				f = stdout
			case errW:
				f = stderr
			}
			return isTerminal(f)
		}
	}
	return env
}

// store keeps what run printed, when nothing but its recorded inputs
// decided it.
func (pc *planCache) store(env Env, run *planRun, nowFlag string) {
	stored := false
	defer func() { env.debugf("cache", "plan: stored: %t", stored) }()
	if pc.log == nil || run == nil || run.plan == nil {
		return
	}
	if run.observed != nil || run.fleetReads != nil || run.read != nil ||
		run.plan.Refreshed || run.plan.Parts != nil || len(run.cfg.Servers) > 0 {
		env.debugf("cache", "plan: not cached: it has a Plesk server")
		return
	}
	if client, err := pleskClient(env, run.cfg); err != nil || client != nil {
		env.debugf("cache", "plan: not cached: it has a Plesk server")
		return
	}
	now, err := clock(env, nowFlag)
	if err != nil || pc.out.Len()+pc.errs.Len() > planCacheMaxOutput {
		return
	}
	pc.log.mu.Lock()
	tainted, envRead, filesRead := pc.log.tainted, maps.Clone(pc.log.env), maps.Clone(pc.log.files)
	pc.log.mu.Unlock()
	// A file edited while the run read it: what it planned may not be
	// what the entry's name says.
	if tainted {
		env.debugf("cache", "plan: not cached: it waited for the state lock or planned without it")
		return
	}
	if !pc.unchanged() {
		env.debugf("cache", "plan: not cached: the config or the state changed while it planned")
		return
	}
	e := planEntry{Now: now, Changes: !run.plan.Empty(), Stdout: pc.out.Len(), Stderr: pc.errs.Len()}
	bounds := map[time.Time]bool{}
	for _, s := range run.cfg.Subscriptions {
		if s.Expires != nil {
			bounds[s.Expires.UTC()] = true
		}
	}
	for _, snap := range []*state.Snapshot{run.prior, run.plan.Result} {
		if snap == nil {
			continue
		}
		for i := range snap.Subscriptions {
			if x := snap.Subscriptions[i].Expires; x != nil {
				bounds[x.UTC()] = true
			}
		}
	}
	e.Bounds = slices.SortedFunc(func(yield func(time.Time) bool) {
		for t := range bounds {
			if !yield(t) {
				return
			}
		}
	}, func(a, b time.Time) int { return a.Compare(b) })
	for _, ch := range run.plan.Changes {
		if ch.Kind == plan.KindSubscription && ch.Action == plan.Create {
			e.Created = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(envRead)) {
		e.Env = append(e.Env, planInput{Name: k, MAC: pc.mac("env", k, envRead[k])})
	}
	for _, k := range slices.Sorted(maps.Keys(filesRead)) {
		var p *string
		if b := filesRead[k]; b != nil {
			s := string(b)
			p = &s
		}
		e.Files = append(e.Files, planInput{Name: k, MAC: pc.mac("file", k, p)})
	}
	head, err := json.Marshal(e)
	if err != nil {
		return
	}
	payload := make([]byte, 4, 4+len(head)+e.Stdout+e.Stderr)
	binary.BigEndian.PutUint32(payload, uint32(len(head)))
	payload = append(append(append(payload, head...), pc.out.Bytes()...), pc.errs.Bytes()...)
	pc.dc.Put(pc.name, payload)
	stored = len(pc.dc.failed) == 0
	pc.prune()
	for _, f := range pc.dc.failed {
		env.debugf("cache", "%s", f)
	}
}

// prune keeps the planCacheMax most recent entries.
func (pc *planCache) prune() { pruneOldest(pc.dc.dir, planCacheMax) }

// pruneOldest keeps the keep most recently written (or used) entries of
// dir, and the temporary files of runs at work.
func pruneOldest(dir string, keep int) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type aged struct {
		name string
		at   time.Time
	}
	var list []aged
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			continue
		}
		if strings.HasPrefix(e.Name(), ".tmp-") && time.Since(fi.ModTime()) < time.Hour {
			continue
		}
		list = append(list, aged{e.Name(), fi.ModTime()})
	}
	if len(list) <= keep {
		return
	}
	slices.SortFunc(list, func(a, b aged) int { return b.at.Compare(a.at) })
	for _, a := range list[keep:] {
		os.Remove(filepath.Join(dir, a.name))
	}
}
