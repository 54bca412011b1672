package cli

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"time"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk"
	"github.com/plansync/plansync/internal/plesk/importer"
	"github.com/plansync/plansync/internal/plesk/refresh"
	"github.com/plansync/plansync/internal/render"
	"github.com/plansync/plansync/state"
	"golang.org/x/crypto/bcrypt"
)

func lockInfo(env Env, op string) state.LockInfo {
	host := "unknown"
	if env.Hostname != nil {
		if h, err := env.Hostname(); err == nil {
			host = h
		}
	}
	return state.LockInfo{Who: env.User, Host: host, PID: env.PID, Operation: op, Since: env.Now().UTC()}
}

// lock takes the state lock for an operation, waiting up to --lock-timeout.
// dir is the config directory the state was located from: a lock held
// by another names the force-unlock command that reaches that state.
func lock(ctx context.Context, env Env, c *common, b state.Backend, dir, op string) (state.Lock, error) {
	info := lockInfo(env, op)
	l, err := b.TryLock(ctx, info)
	var held *state.LockedError
	if errors.As(err, &held) && c.LockTimeout > 0 {
		env.inputs.taint() // what it prints is not the plan's
		switch h := held.Holder; {
		case h.ID != "":
			fmt.Fprintf(env.Stderr, "Waiting up to %s for the state lock held by %s (pid %d on %s, %s since %s)…\n",
				c.LockTimeout, h.Who, h.PID, h.Host, h.Operation, h.Since.UTC().Format(time.RFC3339))
		case h.Operation != "":
			// A session without a plansync lock: no pid, no start.
			fmt.Fprintf(env.Stderr, "Waiting up to %s for the state lock held by %s…\n", c.LockTimeout, h.Session())
		default:
			// Taken a moment ago: its holder is not recorded yet.
			fmt.Fprintf(env.Stderr, "Waiting up to %s for the state lock held by another process…\n", c.LockTimeout)
		}
		if c.lockStop != nil {
			// Only the wait ends with lockStop: each try keeps ctx, so a
			// lock taken is never cut short half-way.
			l, err = state.AcquireLock(c.lockStop, tryLocker{b, ctx}, info, c.LockTimeout)
		} else {
			l, err = state.AcquireLock(ctx, b, info, c.LockTimeout)
		}
	}
	if err != nil {
		if errors.As(err, &held) {
			err = lockedHint{err, held.Holder.ID, forceUnlockArgs(env, c, dir)}
		}
		return nil, backendErr(b, err)
	}
	return l, nil
}

// lockedHint is a *state.LockedError whose force-unlock command names
// the state as the run that met it was given it (--dir, --state,
// --state-name): run from elsewhere, "plansync force-unlock ID" alone
// would look for the lock of another state.
type lockedHint struct {
	err  error
	id   string
	args string
}

func (e lockedHint) Error() string {
	msg := e.err.Error()
	if e.args == "" {
		return msg
	}
	cmd := "plansync force-unlock " + e.id
	if i := strings.LastIndex(msg, cmd); i >= 0 {
		return msg[:i+len(cmd)] + " " + e.args + msg[i+len(cmd):]
	}
	return msg
}

func (e lockedHint) Unwrap() error { return e.err }

// forceUnlockArgs are the arguments that locate the state as this run
// was given it, for a force-unlock command: --state when given as a
// flag (PLANSYNC_STATE, an environment variable, still applies), else
// --dir for the state under the config directory; --state-name when
// given as a flag.
func forceUnlockArgs(env Env, c *common, dir string) string {
	var args []string
	switch {
	case c.State != "":
		args = append(args, "--state", shellWord(redactURL(c.State)))
	case env.env("PLANSYNC_STATE") != "":
	case dir != "" && dir != ".":
		args = append(args, "--dir", shellWord(dir))
	}
	if c.StateName != "" {
		args = append(args, "--state-name", shellWord(c.StateName))
	}
	return strings.Join(args, " ")
}

// tryLocker is a backend whose TryLock uses ctx, whatever context it is
// given.
type tryLocker struct {
	state.Backend
	ctx context.Context
}

func (t tryLocker) TryLock(_ context.Context, info state.LockInfo) (state.Lock, error) {
	return t.Backend.TryLock(t.ctx, info)
}

// provisioner is a backend that creates its storage (a database
// schema) on first use: Provisioned reports, creating nothing, whether
// it exists yet.
type provisioner interface {
	Provisioned(ctx context.Context) (bool, error)
}

// connector is a backend that connects to a server (a database) before
// its first operation.
type connector interface {
	Connect(ctx context.Context) error
}

// errStoppedConnecting: the run was stopped (common.lockStop) while it
// connected to the state, before it had begun.
var errStoppedConnecting = errors.New("stopped while connecting to the state")

// errStoppedReading: the run was stopped (common.lockStop) while it
// read the Plesk servers before planning, and they did not answer within
// stopReadGrace: nothing was written yet.
var errStoppedReading = errors.New("stopped while reading the Plesk server")

// stopReadGrace is how long the reads of the Plesk servers a plan
// begins with may go on once the watch is asked to stop: a read that
// ends by then gives its plan, which is finished (and applied, with
// --apply) as any plan that has begun; a server that does not answer
// does not hold the stop for its timeouts and retries (minutes).
const stopReadGrace = 5 * time.Second

// stoppableRead returns the context of the reads of the Plesk servers
// that a plan begins with: ctx, cut short too stopReadGrace after
// common.lockStop is done (the signal that stops watch). done ends it
// and reports whether it was cut short. An apply's own reads and writes
// keep ctx.
func (c *common) stoppableRead(ctx context.Context) (readCtx context.Context, done func() (stopped bool)) {
	if c.lockStop == nil {
		return ctx, func() bool { return false }
	}
	readCtx, cancel := context.WithCancelCause(ctx)
	var timer atomic.Pointer[time.Timer]
	stop := context.AfterFunc(c.lockStop, func() {
		timer.Store(time.AfterFunc(stopReadGrace, func() { cancel(errStoppedReading) }))
	})
	return readCtx, func() bool {
		stop()
		if t := timer.Load(); t != nil {
			t.Stop()
		}
		stopped := errors.Is(context.Cause(readCtx), errStoppedReading)
		cancel(nil)
		return stopped
	}
}

// unprovisioned reports whether b's storage does not exist yet, so that
// a reading command sees an empty state without creating anything.
func unprovisioned(ctx context.Context, b state.Backend) bool {
	p, ok := b.(provisioner)
	if !ok {
		return false
	}
	exists, err := p.Provisioned(ctx)
	return err == nil && !exists // on an error, the read says what it is
}

// readPrior reads the recorded state; nil when none was written yet.
func readPrior(ctx context.Context, b state.Backend) (*state.Snapshot, error) {
	if unprovisioned(ctx, b) {
		return nil, nil
	}
	s, err := b.Read(ctx)
	if errors.Is(err, state.ErrNotFound) {
		return nil, nil
	}
	return s, err
}

// lockedState opens the backend, takes its lock for op and reads the
// recorded state (nil when none yet). The caller must close the run.
func lockedState(ctx context.Context, env Env, c *common, dir, op string) (*planRun, error) {
	if h := c.held; h != nil {
		// The lock the command took before it wrote anything (import
		// --force): the run goes on holding it, and releases it.
		c.held = nil
		return readLocked(ctx, c, &planRun{backend: h.backend, lock: h.lock})
	}
	b, err := openBackend(env, c, dir)
	if err != nil {
		return nil, err
	}
	run := &planRun{backend: b}
	// Connecting to the state (a database that does not answer) is
	// waiting, as for the lock: lockStop cuts it short, and the plan has
	// not begun.
	connCtx, stopConnecting := context.WithCancel(ctx)
	defer stopConnecting()
	if c.lockStop != nil {
		defer context.AfterFunc(c.lockStop, stopConnecting)()
	}
	planning := op == "plan" || c.planOnly
	if planning && unprovisioned(connCtx, b) {
		// Nothing recorded yet, and nothing to lock: a plan leaves an
		// empty database as it found it (a saved plan made now is
		// refused if a state is written before it is applied).
		return run, nil
	}
	if cn, ok := b.(connector); ok && c.lockStop != nil {
		if err := cn.Connect(connCtx); err != nil {
			run.close()
			if c.lockStop.Err() != nil {
				return nil, errStoppedConnecting
			}
			return nil, err
		}
	}
	if run.lock, err = lock(ctx, env, c, b, dir, op); err != nil {
		if !planning || !errors.Is(err, state.ErrReadOnly) {
			run.close()
			return nil, err
		}
		// A reviewer's read-only checkout can still plan; it cannot
		// apply, and nothing is written.
		env.inputs.taint()
		env.warn(fmt.Sprintf("planning without the state lock: %s is read-only here", b.Describe()), diag.Range{}, "")
	}
	return readLocked(ctx, c, run)
}

// readLocked reads the recorded state into run, whose backend is locked
// (or cannot be: a read-only plan), closing run on an error.
func readLocked(ctx context.Context, c *common, run *planRun) (*planRun, error) {
	var err error
	if run.prior, err = c.priors.read(ctx, run.backend); err != nil {
		run.close()
		return nil, err
	}
	if c.replace && run.prior != nil {
		// Nothing of the old records is kept (their lock snapshots,
		// dates, identities): only the lineage and serial the write
		// checks.
		fresh := state.New(run.prior.Lineage)
		fresh.Serial = run.prior.Serial
		run.replaced, run.prior = run.prior, fresh
	}
	return run, nil
}

// priorCache keeps the last snapshot read from a backend that can stamp
// its state, for a long-running watcher. The engine never modifies a
// prior snapshot, so it can be planned against again.
type priorCache struct {
	stamp string
	snap  *state.Snapshot
}

// read returns the recorded state, reusing the cached snapshot while the
// backend's stamp is unchanged (the caller holds the lock). A nil cache
// always reads.
func (pc *priorCache) read(ctx context.Context, b state.Backend) (*state.Snapshot, error) {
	st, ok := b.(state.Stamper)
	if pc == nil || !ok {
		return readPrior(ctx, b)
	}
	stamp, err := st.Stamp(ctx)
	if err != nil {
		return readPrior(ctx, b)
	}
	if stamp == pc.stamp && pc.stamp != "" {
		return pc.snap, nil
	}
	snap, err := readPrior(ctx, b)
	if err != nil {
		pc.stamp, pc.snap = "", nil
		return nil, err
	}
	pc.stamp, pc.snap = stamp, snap
	return snap, nil
}

// lastPlan keeps a watcher's last plan for the next one to reuse.
type lastPlan struct{ p *plan.Plan }

func (l *lastPlan) get() *plan.Plan {
	if l == nil {
		return nil
	}
	return l.p
}

// set keeps p unless it has errors (the last good plan stays).
func (l *lastPlan) set(p *plan.Plan) {
	if l != nil && !p.Diagnostics.HasErrors() {
		l.p = p
	}
}

// wrote notes that the state now holds snap, just written by this
// process under its lock: the next read reuses it rather than reading
// the state back (the engine plans the same from a snapshot in memory as
// from its encoding).
func (pc *priorCache) wrote(ctx context.Context, b state.Backend, snap *state.Snapshot) {
	st, ok := b.(state.Stamper)
	if pc == nil || !ok {
		return
	}
	stamp, err := st.Stamp(ctx)
	if err != nil {
		pc.stamp, pc.snap = "", nil
		return
	}
	pc.stamp, pc.snap = stamp, snap
}

// checkDir refuses a config directory that does not exist, before
// anything (such as the default state's folder) is created in it.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("cannot read config directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("config directory %s is not a directory", dir)
	}
	return nil
}

// configLoader loads a command's config in two stages, as
// config.Prepare and Prepared.Finish do: prepare needs nothing of the
// recorded state (the files are parsed, decoded and merged), so it runs
// while the lock is taken and the state read (lockedConfig); the finish
// it returns completes the load with the state read, prints the
// config's warnings and returns its errors. prepare prints nothing, and
// writes nothing before stateRead is closed (the lock taken and the
// state read: a run that fails to leaves the config cache as it found
// it); when stop is done it stops early, with stop's error.
type configLoader func(stop context.Context, stateRead <-chan struct{}) (finish func(prior *state.Snapshot) (*model.Config, error), err error)

// loadNow runs both stages of a config load, knowing the state.
func loadNow(load configLoader, prior *state.Snapshot) (*model.Config, error) {
	finish, err := load(context.Background(), closedChan)
	if err != nil {
		return nil, err
	}
	return finish(prior)
}

// closedChan is a closed channel: a state already read.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// configFor loads the config directory in two stages (configLoader),
// knowing the recorded state, so that a plan still listing a service of
// a removed extension is planned as a conflict rather than refused.
func configFor(env Env, dir string) configLoader {
	return func(stop context.Context, stateRead <-chan struct{}) (func(*state.Snapshot) (*model.Config, error), error) {
		opts := config.Options{Getenv: env.secretGetenv(), ReadFile: env.secretFileReader(), Shared: stateRead}
		finish := func(p *config.Prepared, prior *state.Snapshot) (*model.Config, error) {
			opts := opts
			opts.RecordedExtensionServices = plan.RecordedExtensionServices(prior)
			opts.CheckRest = engineChecks(env, prior)
			cfg, ds := p.Finish(opts)
			ds.Sort()
			if ds.HasErrors() {
				return nil, ds
			}
			printDiags(env, ds)
			return cfg, nil
		}
		if env.useCache {
			return prepareConfigCached(stop, env, dir, opts, finish)
		}
		p, err := config.Prepare(stop, dir, opts)
		if err != nil {
			return nil, err
		}
		return func(prior *state.Snapshot) (*model.Config, error) { return finish(p, prior) }, nil
	}
}

// engineChecks is a config load's CheckRest: the rules that need the
// effective values (a subscriber setting needs its permission), which
// are the engine's, run on what of an invalid config can still be
// checked, so that their errors are shown with the config's.
func engineChecks(env Env, prior *state.Snapshot) func(*model.Config) diag.Diagnostics {
	return func(rest *model.Config) diag.Diagnostics {
		now, err := clock(env, "")
		if err != nil {
			return nil // said when the plan is made
		}
		return plan.Make(plan.Input{Config: rest, Prior: prior, Lineage: "validate", Now: now}).Diagnostics
	}
}

// lockedConfig opens the backend, takes its lock for op and reads the
// recorded state (lockedState) while load prepares the config, then
// finishes the load with the state read. What it prints, and the error
// it returns, are those of doing one after the other: the lock's and
// the state's first (a config error is only reported with the state
// read), then the config's. No goroutine is left running on return.
// The caller must close the run.
func lockedConfig(ctx context.Context, env Env, c *common, dir, op string, load configLoader) (*planRun, *model.Config, error) {
	type prepared struct {
		finish func(*state.Snapshot) (*model.Config, error)
		err    error
		crash  string
	}
	// Stopped only when abandoned: an interrupt is handled as if the
	// config were loaded after the state.
	stop, abandon := context.WithCancel(context.Background())
	defer abandon()
	stateRead := make(chan struct{})
	ready := make(chan prepared, 1)
	go func() {
		var p prepared
		defer func() {
			if r := recover(); r != nil {
				p = prepared{crash: fmt.Sprintf("%v\n\nin the goroutine loading the config:\n%s", r, debug.Stack())}
			}
			ready <- p
		}()
		p.finish, p.err = load(stop, stateRead)
	}()
	waited := false
	wait := func() prepared {
		waited = true
		p := <-ready
		if p.crash != "" {
			panic(p.crash) // a bug, reported as one (Main)
		}
		return p
	}
	defer func() {
		if !waited { // lockedState panicked
			abandon()
			<-ready
		}
	}()
	run, err := lockedState(ctx, env, c, dir, op)
	if err != nil {
		abandon()
		wait()
		return nil, nil, err
	}
	close(stateRead)
	p := wait()
	collectLoadGarbage()
	if p.err != nil {
		run.close()
		return nil, nil, p.err
	}
	cfg, err := p.finish(run.prior)
	if err != nil {
		run.close()
		return nil, nil, withState(err, run.backend)
	}
	if len(cfg.Servers) == 0 && !c.replace {
		// A single server block is the one server default (SPEC §6.7):
		// default's records are its own; another server's would be
		// dropped from the state.
		if run.prior, err = plan.SingleServerPrior(run.prior); err != nil {
			run.close()
			return nil, nil, withState(err, run.backend)
		}
	}
	return run, cfg, nil
}

// collectLoadGarbage collects the garbage of reading the state and the
// config once both are read, when it is much: the state's bytes and the
// config's syntax trees are dead then, and what lives is what the run
// keeps. Collecting at that point costs one mark of the live heap and
// sets the next goal from it; left to the collector, the read and the
// parse running at once, a collection during them would set the goal
// from a heap swollen with what they hold in flight (GOGC 400: five
// times that), and the run would grow to the soft memory limit and
// collect there, with everything the plan holds live.
func collectLoadGarbage() {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return
	}
	heap, live := s[0].Value.Uint64(), s[1].Value.Uint64()
	if heap >= loadGarbageMin+live && heap >= 3*live {
		runtime.GC()
	}
}

// loadGarbageMin is the least garbage collectLoadGarbage collects: below,
// the collector's own pace does.
const loadGarbageMin = 128 << 20

// clock returns the time to plan at: --now, PLANSYNC_NOW, or the clock.
// A bad value is an error naming where it was given.
func clock(env Env, flag string) (time.Time, error) {
	if flag != "" {
		t, err := model.ParseDate(flag)
		if err != nil {
			return time.Time{}, fmt.Errorf("--now: %w", err)
		}
		return t, nil
	}
	v := env.env("PLANSYNC_NOW")
	if v == "" {
		return env.Now().UTC(), nil
	}
	t, err := model.ParseDate(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("environment variable PLANSYNC_NOW: %w; set it to a date or time to plan at, or unset it for the current time", err)
	}
	return t, nil
}

// bcryptSecrets hashes secrets with bcrypt (salted, slow by design).
type bcryptSecrets struct{ cost int }

func (b bcryptSecrets) Hash(plain string) (string, error) {
	h, err := bcrypt.GenerateFromPassword(bcryptInput(plain), b.cost)
	return string(h), err
}

func (b bcryptSecrets) Verify(hash, plain string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), bcryptInput(plain)) == nil
}

// bcryptMaxLen is the most bytes bcrypt reads of a password.
const bcryptMaxLen = 72

// bcryptInput is what bcrypt hashes for a secret: the secret itself, or,
// for one longer than bcrypt reads (a secret may be up to 64 KiB), its
// SHA-256 in base64, so that every byte of it counts. Which form applies
// follows from the secret's length alone, so hashing and verifying agree,
// and hashes recorded for secrets of at most 72 bytes are unchanged.
func bcryptInput(plain string) []byte {
	if len(plain) <= bcryptMaxLen {
		return []byte(plain)
	}
	sum := sha256.Sum256([]byte(plain))
	return []byte("sha256:" + base64.StdEncoding.EncodeToString(sum[:]))
}

func secrets() plan.Secrets { return bcryptSecrets{cost: bcrypt.DefaultCost} }

// planRun is a config loaded and planned against the recorded state.
type planRun struct {
	backend state.Backend
	lock    state.Lock
	prior   *state.Snapshot
	// replaced is the recorded state a run with common.replace planned
	// without (prior is then empty).
	replaced *state.Snapshot
	plan     *plan.Plan
	cfg      *model.Config
	// observed is the comparison with the Plesk server the plan was made
	// against (nil: planned from the recorded state alone).
	observed *refresh.Result
	// fleetReads holds, for a multi-server config, each server's
	// comparison with what plan read from it (by server name): apply's
	// deploy reuses each read while it is fresh, as for one server.
	fleetReads map[string]*refresh.Result
	// fleetUnread holds, by server name, why a server of a multi-server
	// config could not be read for the plan: apply does not report such
	// a server done, as nothing could be checked there.
	fleetUnread map[string]error
	// read is a read of the server made by apply of a saved plan to
	// check it is not stale, and readAt when: deploy reuses it as it
	// reuses plan's (observed) while it is fresh.
	read   *importer.Snapshot
	readAt time.Time
	// saved marks the apply of a saved plan: on a Plesk server only
	// the objects it changes are written (deploy.Options.OnlyChanges).
	saved bool
	// now is the clock the plan went by (--now, PLANSYNC_NOW or the
	// machine's when it planned); zero when the run did not plan (a
	// saved plan's).
	now time.Time
}

// clockNow is the clock apply compares what it reads on a server at:
// the one the plan went by (SPEC §4: --now fixes the clock, for
// expiration), else the machine's.
func (r *planRun) clockNow(env Env) time.Time {
	if r != nil && !r.now.IsZero() {
		return r.now
	}
	return env.Now()
}

func (r *planRun) close() {
	if r.lock != nil {
		_ = r.lock.Unlock()
	}
	if r.backend != nil {
		_ = r.backend.Close()
	}
}

// makePlan loads the config, locks and reads the state, and plans, as
// the actor of --as, limited to targets when any are given. The caller
// must close the run (releasing the lock).
func makePlan(ctx context.Context, env Env, c *common, dir, op, nowFlag string, targets []string) (*planRun, error) {
	only, targets, err := targetServer(targets)
	if err != nil {
		return nil, err
	}
	c.onlyServer = only
	for _, t := range targets {
		if _, err := plan.ParseTarget(t); err != nil {
			return nil, err
		}
	}
	c.targets = targets
	run, err := makeFullPlan(ctx, env, c, dir, op, nowFlag)
	if err != nil || len(targets) == 0 || run.plan.Parts != nil {
		// Several servers: each server's plan was targeted (MakeFleet).
		return run, err
	}
	// The objects not targeted stay as recorded (what the server has
	// for them is not recorded by a targeted run).
	drift := run.plan.Drift
	if run.plan, err = plan.Target(run.plan, run.prior, targets); err != nil {
		run.close()
		return nil, err
	}
	targetDrift(run.plan, drift, targets)
	return run, nil
}

func makeFullPlan(ctx context.Context, env Env, c *common, dir, op, nowFlag string) (*planRun, error) {
	now, err := clock(env, nowFlag)
	if err != nil {
		return nil, err
	}
	a, err := parseAs(c.As)
	if err != nil {
		return nil, err
	}
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	if a.Reseller != "" {
		return planLoaded(ctx, env, c, dir, op, now, a, tenantConfig(env, dir, a))
	}
	return planLoaded(ctx, env, c, dir, op, now, a, configFor(env, dir))
}

// planLoaded opens the backend, takes the lock for op, reads the recorded
// state, loads the config with it (a reseller's config needs it for
// context; lockedConfig) and runs the engine. The caller must close the
// run (releasing the lock).
func planLoaded(ctx context.Context, env Env, c *common, dir, op string, now time.Time, a actor, load configLoader) (*planRun, error) {
	sec, err := newSecrets(env, dir)
	if err != nil {
		return nil, err
	}
	run, cfg, err := lockedConfig(ctx, env, c, dir, op, load)
	if err != nil {
		return nil, err
	}
	run.now = now
	if err := checkSomeConfig(dir, op, a.Reseller, cfg, run.prior); err != nil {
		run.close()
		return nil, err
	}
	if reachesPlesk(env, cfg) {
		if ds := config.PleskText(cfg); ds.HasErrors() {
			run.close()
			return nil, ds
		}
	}
	run.cfg = cfg
	if len(cfg.Servers) > 0 {
		if err := planFleet(ctx, env, c, run, now, a, sec); err != nil {
			run.close()
			return nil, err
		}
		sec.save()
		if err := sec.err(); err != nil {
			run.close()
			return nil, err
		}
		run.plan.Diagnostics.Sort()
		if run.plan.Diagnostics.HasErrors() {
			showRefusedDrift(env, run.plan)
			run.close()
			return nil, run.plan.Diagnostics
		}
		printDiags(env, run.plan.Diagnostics)
		return run, nil
	}
	if c.onlyServer != "" && c.onlyServer != model.DefaultServer {
		// A single server block is the one server default (SPEC
		// §6.7): limited to it, the run is the whole run.
		run.close()
		return nil, errNoServer(c.onlyServer)
	}
	basis := run.prior
	if c.refresh != nil {
		c.refresh.reseller = a.Reseller
	}
	readCtx, readDone := c.stoppableRead(ctx)
	refreshed, server, err := c.refresh.observe(readCtx, env, cfg, run.prior, now)
	if readDone() && err != nil {
		err = errStoppedReading
	}
	if err != nil {
		run.close()
		return nil, err
	}
	declared := cfg
	if refreshed != nil {
		basis, run.observed = refreshed.Observed, refreshed
		cfg, _ = readComponents(env.warn, cfg, c.refresh.srv, basis)
	} else if client, err := pleskClient(env, cfg); err == nil && client != nil && run.prior != nil {
		cfg = recordedComponents(env.warn, cfg, run.prior.Server, client.Server())
	}
	componentsRead := cfg != declared
	if refreshed != nil {
		cfg = withUnavailable(cfg, refreshed.Unavailable)
	}
	run.plan = plan.Make(plan.Input{Config: cfg, Prior: basis, Lineage: state.NewLineage(), Now: now, Secrets: sec, Scope: a.scope(), ComponentsRead: componentsRead,
		UnrecordedServer: declared.Server == nil && cfg.Server != nil,
		Reuse:            c.last.get(), Existing: c.existing, Held: c.heldValues})
	if c.last == nil {
		run.plan.Forget() // no later plan reuses it (only a watcher's do)
	}
	sec.save()
	if err := sec.err(); err != nil {
		run.close()
		return nil, err
	}
	if refreshed != nil {
		run.plan.Refreshed, run.plan.Server, run.plan.Drift = true, server, refreshed.Drift
		refresh.Annotate(run.plan)
		refreshed.AnnotateNoted(run.plan)
	}
	c.last.set(run.plan)
	run.plan.Diagnostics.Sort()
	if run.plan.Diagnostics.HasErrors() {
		showRefusedDrift(env, run.plan)
		run.close()
		return nil, run.plan.Diagnostics
	}
	printDiags(env, run.plan.Diagnostics)
	return run, nil
}

// showRefusedDrift shows the drift read for a plan the engine refused
// (errors in its diagnostics), one server's or several's: an error may
// follow from it (a customer converted to a reseller in the panel), and
// its adopt block is how to resolve it. Text prints it before the
// errors; with --format json it goes into the error document ("drift").
// A plan made from the recorded state alone has none to show.
func showRefusedDrift(env Env, p *plan.Plan) {
	switch {
	case !p.Refreshed:
	case env.view.isJSON():
		env.view.refused = p
	default:
		_ = render.DriftText(env.Stdout, p, render.Options{Color: env.color()})
	}
}

// checkSomeConfig refuses to plan or apply from a config directory that
// holds no config file at all while the recorded state holds objects,
// as Terraform refuses to plan without configuration: a wrong --dir, or
// files moved or ignored by mistake, would plan deleting the whole
// catalogue, whose plans, add-ons and services need no --allow-delete.
// A config file that declares nothing says that everything is to go.
// Acting as a reseller, only what the reseller owns counts. A watch
// plans what plan would, so it is refused too (its last good plan
// stays).
func checkSomeConfig(dir, op, reseller string, cfg *model.Config, prior *state.Snapshot) error {
	if op != "plan" && op != "apply" && op != "watch" || len(cfg.Files) > 0 || prior == nil {
		return nil
	}
	n := 0
	if reseller == "" {
		n = len(prior.Services) + len(prior.ServicePlans) + len(prior.AddonPlans) + len(prior.ResellerPlans) +
			len(prior.Resellers) + len(prior.Customers) + len(prior.Subscriptions)
	} else {
		for _, plans := range [][]state.Plan{prior.ServicePlans, prior.AddonPlans} {
			for _, p := range plans {
				if p.Owner == reseller {
					n++
				}
			}
		}
		for _, c := range prior.Customers {
			if c.Owner == reseller {
				n++
			}
		}
		for _, s := range prior.Subscriptions {
			if s.Owner == reseller {
				n++
			}
		}
	}
	if n == 0 {
		return nil
	}
	return fmt.Errorf("config directory %s holds no config file (*.yaml, *.yml, *.hcl), but the recorded state holds %s: planning would delete them all; nothing was planned. Check --dir; to delete everything, keep a config file that declares nothing (an empty main.yaml)", dir, counted(n, "object"))
}

// reachesPlesk reports whether cfg (or the environment) names a Plesk
// server: text that Plesk's XML API cannot carry is then an error
// (config.PleskText).
func reachesPlesk(env Env, cfg *model.Config) bool {
	if cfg.Server != nil && cfg.Server.Plesk != nil || strings.TrimSpace(env.env(plesk.EnvURL)) != "" {
		return true
	}
	for _, s := range cfg.Servers {
		if s.Plesk != nil {
			return true
		}
	}
	return false
}
