package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plansync/plansync/internal/apply"
	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/deploy"
	"github.com/plansync/plansync/internal/render"
	"github.com/plansync/plansync/internal/watch"
	"github.com/plansync/plansync/state"
	"github.com/spf13/cobra"
)

// watchOptions are the arguments of `plansync watch`.
type watchOptions struct {
	Dir      string
	Apply    bool
	Debounce time.Duration
	MaxWait  time.Duration
	Rescan   time.Duration
	AuditLog string
	// RefreshEvery re-reads the Plesk server on a schedule (0: only at
	// start and after each apply); SelfHeal lets --apply revert drift.
	RefreshEvery time.Duration
	SelfHeal     bool
}

func newWatchCmd(env Env, c *common) *cobra.Command {
	return watchCommand(func(ctx context.Context, o watchOptions) error {
		return runWatch(ctx, env, c, o)
	})
}

// watchCommand parses watch's flags into watchOptions for run.
func watchCommand(run func(context.Context, watchOptions) error) *cobra.Command {
	var o watchOptions
	cmd := &cobra.Command{
		Use:   "watch [--dir DIR] [--apply] [--debounce DUR] [--as admin|reseller:LOGIN]",
		Short: "Plan (and optionally apply) continuously on a config directory",
		Long: `Plan at start and after every settled change of the config directory,
printing the new plan, or the diagnostics of an invalid config (the last
good plan stays). With --apply, apply each valid plan that has no
conflicts and no deletes, taking the state lock only for that, and log
each apply to an audit log (JSON lines). Stop with Ctrl-C or SIGTERM: an
apply in progress is finished and the lock released.

With a Plesk server (server.plesk, or PLANSYNC_PLESK_URL and
PLANSYNC_PLESK_KEY), watch reads it at start and after each apply, and
with --refresh-every DUR also on that schedule; plans in between compare
the config with the last read. --apply never applies a plan that reverts
drift (what was changed outside plansync): it says so and waits, unless
--self-heal is given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dir, "dir", ".", "config directory")
	f.BoolVar(&o.Apply, "apply", false, "apply each valid plan that has no conflicts and no deletes")
	f.DurationVar(&o.Debounce, "debounce", watch.DefaultDebounce, "how long the directory must stay quiet before planning")
	f.DurationVar(&o.MaxWait, "max-wait", 0, "plan at the latest this long after the first change, even while changes go on (default 10 debounce periods, at least 1s)")
	f.DurationVar(&o.Rescan, "rescan", watch.DefaultRescan, "period of the backstop rescan of the whole directory (0 turns it off)")
	f.StringVar(&o.AuditLog, "audit-log", "", "where --apply logs each apply, as JSON lines (default <dir>/.plansync/watch-audit.jsonl)")
	f.DurationVar(&o.RefreshEvery, "refresh-every", 0, "with a Plesk server, re-read it this often (default off: read at start and after each apply)")
	f.BoolVar(&o.SelfHeal, "self-heal", false, "with --apply, also apply plans that revert drift (changed outside plansync)")
	return cmd
}

// watchLockRetry is how soon a plan the state lock kept from running
// is tried again.
const watchLockRetry = time.Second

func runWatch(ctx context.Context, env Env, c *common, o watchOptions) error {
	if o.Debounce <= 0 {
		return fmt.Errorf("--debounce %s: must be positive", o.Debounce)
	}
	if o.MaxWait < 0 {
		return fmt.Errorf("--max-wait %s: must not be negative", o.MaxWait)
	}
	if o.MaxWait > 0 && o.MaxWait < o.Debounce {
		// A change would be planned before it could settle.
		return fmt.Errorf("--max-wait %s: must not be shorter than --debounce %s", o.MaxWait, o.Debounce)
	}
	if o.Rescan < 0 {
		return fmt.Errorf("--rescan %s: must not be negative (0 turns the rescan off)", o.Rescan)
	}
	if o.Rescan == 0 {
		o.Rescan = -1
	}
	auditDefault := o.AuditLog == ""
	if auditDefault {
		o.AuditLog = filepath.Join(o.Dir, ".plansync", "watch-audit.jsonl")
	}
	a, err := parseAs(c.As)
	if err != nil {
		return err
	}
	// A bad PLANSYNC_NOW would fail every plan: say so once, at start.
	if _, err := clock(env, ""); err != nil {
		return err
	}
	// A signal stops the watch once the plan in progress is done.
	env.Interrupts.Graceful()
	// Unless the signal comes while a plan waits for the state lock (or
	// connects to the state, or reads Plesk servers that do not answer
	// soon after it): then nothing has been written, and the watch
	// stops without it.
	c.lockStop = ctx
	c.priors = &priorCache{} // reuse the state read while it is unchanged
	c.last = &lastPlan{}     // and what did not change of the last plan
	if o.RefreshEvery < 0 {
		return fmt.Errorf("--refresh-every %s: must not be negative", o.RefreshEvery)
	}
	if o.SelfHeal && !o.Apply {
		return fmt.Errorf("--self-heal goes with --apply: it lets watch apply plans that revert drift")
	}
	c.refresh = &refreshing{on: true, cmd: "watch", keep: true}
	c.planOnly = !o.Apply
	refreshTick := watchRefreshTicker(o.RefreshEvery)
	defer refreshTick.stop()
	s := &watchSession{env: env, c: c, o: o, actor: a, color: env.color(), loader: newWatchLoader(env, o.Dir), quiet: map[string]bool{}}
	s.stateAt = watchStateAt(env, c, o.Dir)
	if s.stateAt != "" && s.stateAt != absPath(givenStatePath(env, c, o.Dir)) {
		// Reached through a link: a swap of the link while a plan or
		// apply runs must not move its lock, read or write (nor the
		// audit log, by default beside the state).
		c.stateFile = s.stateAt
		if auditDefault {
			s.o.AuditLog = filepath.Join(resolvePath(filepath.Dir(o.AuditLog)), filepath.Base(o.AuditLog))
		}
	}
	// The watcher logs from its own goroutine.
	var mu sync.Mutex
	s.env.Stdout = &watchWriter{mu: &mu, w: env.Stdout}
	s.env.Stderr = &watchWriter{mu: &mu, w: env.Stderr}
	w, err := watch.New(o.Dir, watch.Options{
		Debounce: o.Debounce, MaxWait: o.MaxWait, Rescan: o.Rescan,
		Logf: func(format string, args ...any) { s.say(format, args...) },
	})
	if err != nil {
		return fmt.Errorf("cannot watch %s: %w", o.Dir, err)
	}
	defer w.Close()
	mode := "planning"
	if o.Apply {
		mode = "planning and applying"
	}
	s.say("%s on every change to %s (debounce %s); stop with Ctrl-C", mode, o.Dir, o.Debounce)
	defer context.AfterFunc(ctx, func() {
		if s.busy.Load() {
			s.say("stopping once the plan in progress is done (signal again to stop at once)")
		}
	})()
	s.replan(ctx, w.Snapshot(), true)
	switch {
	case o.RefreshEvery <= 0 || c.refresh.connected():
	case c.refresh.configured && c.refresh.several:
		s.say("--refresh-every %s: no Plesk server could be read; they are read again at the next change or in %s", o.RefreshEvery, o.RefreshEvery)
	case c.refresh.configured:
		s.say("--refresh-every %s: the Plesk server could not be read; it is read again at the next change or in %s", o.RefreshEvery, o.RefreshEvery)
	default:
		s.say("--refresh-every %s: no Plesk server was read (none is configured, or the config is invalid); it is read again at the next change", o.RefreshEvery)
	}
	for {
		var retry <-chan time.Time
		if s.retry != nil {
			retry = s.retry.C
		}
		select {
		case <-ctx.Done():
			s.stop()
			s.say("stopped")
			return nil
		case b, ok := <-w.Batches():
			if !ok {
				return nil
			}
			if s.retry == nil && !s.stateMoved && !s.loader.Relevant(b.Rels(), b.Err) {
				s.ignored(b)
				continue
			}
			s.replan(ctx, b, false)
		case <-retry:
			s.retry = nil
			s.replan(ctx, w.Snapshot(), s.startPending)
		case <-refreshTick.c:
			if !c.refresh.scheduled() {
				continue
			}
			c.refresh.stale = true
			if len(c.refresh.fleet) > 0 || c.refresh.several {
				s.say("re-reading the Plesk servers (--refresh-every %s)", o.RefreshEvery)
			} else {
				s.say("re-reading the Plesk server (--refresh-every %s)", o.RefreshEvery)
			}
			s.replan(ctx, w.Snapshot(), false)
		}
	}
}

// watchSession is one run of `plansync watch`: the loop that plans, one
// plan at a time.
type watchSession struct {
	env    Env
	c      *common
	o      watchOptions
	actor  actor
	color  bool
	loader *config.Reloader

	// triggers are the changed files not yet planned (kept when a plan
	// could not run).
	triggers []string
	rescan   string
	// retry is set while a plan waits for the state lock to be free;
	// startPending while that plan is the one made at start.
	retry        *time.Timer
	startPending bool
	// waitLock is the lock error said while the retries wait for the
	// same holder, for the plan announced as waitIntro.
	waitLock, waitIntro string
	// last describes the last good plan.
	last string
	// shown is the text of the last plan printed, at shownAt, made
	// from the files whose content shownTree sums (treeSum).
	shown, shownAt string
	shownTree      [sha256.Size]byte
	// skipped is why the apply of the plan shown was skipped, at
	// skippedAt ("" once it was applied or another plan shown).
	skipped, skippedAt string
	// idle says, when the last apply of the plan shown sent nothing and
	// left objects in model disagreement as they were (at idleAt), what
	// it left ("" once another plan is shown): applying that plan
	// again, at each scheduled re-read, would do the same.
	idle, idleAt string
	// busy is set while a plan (and its apply) runs.
	busy atomic.Bool
	// quiet holds the files a change to which was said to be ignored.
	quiet map[string]bool
	// gone is set while the directory cannot be read (lost).
	gone bool
	// stateAt is where the state file was, links resolved, when the
	// watch started ("" for a database); stateMoved is set while it
	// resolves elsewhere (the directory is a link that was swapped).
	stateAt    string
	stateMoved bool
	// stateSeen names the state (lineage, serial) the last plan was
	// made against or the last apply wrote, "" while there was none;
	// stateGone names it while it no longer exists (the directory was
	// replaced by one without .plansync, the state was deleted): the
	// plans are then against a new, empty state, and not applied.
	stateSeen, stateGone string
}

// watchStateAt is where the state file of dir is, every link on the
// way to its folder resolved, or "" for a state in a database: a state
// in the config directory (the default) moves when the directory is a
// link that is swapped. (A state file that is itself a link is written
// as the state backend writes it, by a rename over the link.)
func watchStateAt(env Env, c *common, dir string) string {
	loc := givenStatePath(env, c, dir)
	if isPostgres(loc) {
		return ""
	}
	return filepath.Join(resolvePath(filepath.Dir(loc)), filepath.Base(loc))
}

// absPath is path made absolute (as it is when that fails).
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// resolvePath resolves the links of path, also when its last elements
// do not exist yet (a state not yet written, its .plansync folder not
// yet made), and makes it absolute.
func resolvePath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	parent := filepath.Dir(abs)
	if parent == abs {
		return abs
	}
	return filepath.Join(resolvePath(parent), filepath.Base(abs))
}

// stateKept reports whether the state file still resolves to the one
// the watch started with. When the directory is a link swapped to
// another directory, the state in it (the default, .plansync/) is
// another state, often a new, empty one: a plan against it would create
// every object again, and --apply would record them in it. Nothing is
// planned then, said once, until the link leads back to the state or
// the watch is started again.
func (s *watchSession) stateKept() bool {
	if s.stateAt == "" {
		return true
	}
	now := watchStateAt(s.env, s.c, s.o.Dir)
	if now == s.stateAt {
		if s.stateMoved {
			s.stateMoved = false
			s.say("the state file is %s again, the one this watch started with", s.stateAt)
		}
		return true
	}
	s.triggers, s.rescan, s.startPending = nil, "", false
	s.waitLock, s.waitIntro = "", ""
	if !s.stateMoved {
		s.stateMoved = true
		s.say("%s now leads to another directory, and the state file with it (%s, not %s, the state this watch started with): nothing is planned or applied against another state until the state is back or the watch is started again (to keep one state across swaps of the directory, give --state outside it); %s",
			s.o.Dir, now, s.stateAt, s.lastGood())
	}
	return false
}

// lost is a batch in which the directory itself cannot be read: it was
// removed or moved away (a checkout of a branch without it, a deploy
// that replaces it), or is no longer a directory. Its files are not
// known to be deleted, so nothing is planned: a plan would delete every
// object, and taking the state lock would make the directory again
// (.plansync/). The watch says so once and waits for it to be back.
func (s *watchSession) lost(err error) {
	s.triggers, s.rescan, s.startPending = nil, "", false
	s.waitLock, s.waitIntro = "", ""
	if s.gone {
		return
	}
	s.gone = true
	if errors.Is(err, fs.ErrNotExist) {
		s.say("%s is gone (removed or moved away): nothing is planned until it is back; %s", s.o.Dir, s.lastGood())
		return
	}
	s.say("cannot read %s (%v): nothing is planned until it can be read; %s", s.o.Dir, err, s.lastGood())
}

// ignored says once per file that a change to it is not planned: a
// file written on every change (the watch's own output redirected into
// the directory, a log) would otherwise be reported on every write, and
// each report be a new write. PLANSYNC_DEBUG=watch reports every one.
func (s *watchSession) ignored(b watch.Batch) {
	if len(b.Changes) == 0 {
		return
	}
	s.env.debugf("watch", "ignoring change to %s: not part of the config", b)
	var first []string
	for _, rel := range b.Rels() {
		if !s.quiet[rel] {
			s.quiet[rel] = true
			first = append(first, rel)
		}
	}
	if len(first) > 0 {
		s.say("ignoring change to %s: not part of the config (later changes to it are not reported)", watchDescribe(first))
	}
}

func (s *watchSession) say(format string, args ...any) {
	fmt.Fprintf(s.env.Stdout, "watch: "+format+"\n", args...)
}

func (s *watchSession) stop() {
	if s.retry != nil {
		s.retry.Stop()
		s.retry = nil
	}
}

// replan plans after a batch of changes (or at start), prints the plan
// and, with --apply, applies it when it may.
func (s *watchSession) replan(ctx context.Context, b watch.Batch, initial bool) {
	if ctx.Err() != nil {
		return
	}
	// A plan that has begun is finished, and so is its apply: the first
	// signal stops the watch after it (a second one ends the process at
	// once, see main). A wait for the state lock and the connection to
	// a database state are cut short by it (common.lockStop): that plan
	// has not begun; so is the read of the Plesk servers the plan
	// begins with when it is not done stopReadGrace after the signal:
	// nothing has been written, and a server that does not answer would
	// hold the stop for its timeouts and retries.
	stopping := ctx
	ctx = context.WithoutCancel(ctx)
	s.busy.Store(true)
	defer s.busy.Store(false)
	s.stop()
	if b.Root != nil {
		s.lost(b.Root)
		return
	}
	if s.gone {
		s.gone = false
		s.say("%s is back", s.o.Dir)
	}
	if !s.stateKept() {
		return
	}
	s.startPending = initial
	s.triggers = watchMergeTriggers(s.triggers, s.relevantRels(b))
	if b.Rescan != "" {
		s.rescan = b.Rescan
	}
	began := time.Now()
	var intro string
	switch {
	case initial && len(s.triggers) == 0:
		intro = fmt.Sprintf("planning %s", s.o.Dir)
	case len(s.triggers) == 0 && s.rescan == "":
		intro = fmt.Sprintf("planning %s (the Plesk server re-read)", s.o.Dir)
	case len(s.triggers) == 0:
		intro = fmt.Sprintf("planning after a rescan (%s)", s.rescan)
	default:
		intro = fmt.Sprintf("planning after change to %s", watchDescribe(s.triggers))
	}
	// Trying again the same plan while the lock is held is not said
	// every second: the plan is announced again once it can run.
	retrying := s.waitLock != "" && intro == s.waitIntro
	if !retrying {
		s.say("%s", intro)
	}
	waited := func() {
		if retrying {
			s.say("%s", intro)
		}
		s.waitLock, s.waitIntro = "", ""
	}
	now, err := clock(s.env, "")
	if err != nil {
		waited()
		s.fail(err)
		return
	}
	// The config is finished once the state is read, as plan does: what
	// the state records (the services of removed extensions, a
	// reseller's context) is part of how it reads. Its files are parsed
	// meanwhile (configLoader), and kept by the loader if the lock is
	// not taken.
	var loading time.Duration
	invalid := false
	load := func(stop context.Context, stateRead <-chan struct{}) (func(*state.Snapshot) (*model.Config, error), error) {
		start := time.Now()
		if s.actor.Reseller != "" {
			// Read by the same loader as the admin's, so that what is
			// not part of the config is known to it (Relevant).
			finish := tenantFinish(s.env, s.actor, s.loader.Prepare(watchTree(b)))
			loading = time.Since(start)
			return func(prior *state.Snapshot) (*model.Config, error) {
				start := time.Now()
				defer func() { loading += time.Since(start) }()
				cfg, err := finish(prior)
				var ds diag.Diagnostics
				invalid = errors.As(err, &ds)
				return cfg, err
			}, nil
		}
		p := s.loader.Prepare(watchTree(b))
		loading = time.Since(start)
		return func(prior *state.Snapshot) (*model.Config, error) {
			start := time.Now()
			defer func() { loading += time.Since(start) }()
			cfg, ds := p.Finish(config.Options{RecordedExtensionServices: plan.RecordedExtensionServices(prior), CheckRest: engineChecks(s.env, prior)})
			if ds.HasErrors() {
				invalid = true
				return nil, ds
			}
			printDiags(s.env, ds) // warnings
			return cfg, nil
		}, nil
	}
	run, err := planLoaded(ctx, s.env, s.c, s.o.Dir, "watch", now, s.actor, load)
	if err == nil || invalid || !(state.IsLocked(err) || errors.Is(err, errStoppedConnecting)) {
		waited()
	}
	if err != nil {
		switch {
		case invalid:
			var ds diag.Diagnostics
			errors.As(err, &ds)
			printDiags(s.env, ds)
			s.say("the configuration is invalid; %s", s.lastGood())
			s.triggers, s.rescan = nil, ""
			s.shown = "" // the next plan is printed in full
		case state.IsLocked(err) && stopping.Err() != nil:
			s.say("stopping: %s was cut short while it waited for the state lock; nothing was planned or applied", intro)
			s.triggers, s.rescan, s.startPending = nil, "", false
			s.waitLock, s.waitIntro = "", ""
		case errors.Is(err, errStoppedConnecting):
			s.say("stopping: %s was cut short while it connected to the state; nothing was planned or applied", intro)
			s.triggers, s.rescan, s.startPending = nil, "", false
			s.waitLock, s.waitIntro = "", ""
		case errors.Is(err, errStoppedReading):
			s.say("stopping: %s was cut short: the Plesk server did not answer within %s of the signal; nothing was planned or applied", intro, stopReadGrace)
			s.triggers, s.rescan, s.startPending = nil, "", false
			s.waitLock, s.waitIntro = "", ""
		case state.IsLocked(err):
			// Said again only when the holder changed or another plan
			// was announced.
			if msg := err.Error(); msg != s.waitLock || !retrying {
				s.say("%s; trying again in %s, and every %s while it is held", msg, watchLockRetry, watchLockRetry)
				s.waitLock = msg
			}
			s.waitIntro = intro
			s.retry = time.NewTimer(watchLockRetry)
		default:
			s.fail(err)
		}
		return
	}
	planning := time.Since(began) - loading
	s.noteState(run.prior)
	// Release the lock as soon as possible: nobody waits on watch
	// between changes.
	release := sync.OnceFunc(run.close)
	defer release()
	trigger, rescan := s.triggers, s.rescan
	s.triggers, s.rescan, s.startPending = nil, "", false
	p := run.plan
	if !s.o.Apply {
		release()
	}
	var text bytes.Buffer
	if err := render.PlanText(&text, p, render.Options{Color: s.color}); err != nil {
		s.fail(err)
		return
	}
	// A scheduled re-read of the servers that finds nothing new gives
	// the plan last shown: it is named, not printed again on every tick.
	// So does a change the plan shown already had: a re-read that ran
	// between a file's write and the watcher's batch for it read the
	// file as it is now (the batch then brings nothing new).
	tree := treeSum(b)
	unchanged := !initial && rescan == "" && s.shownAt != "" && text.String() == s.shown &&
		(len(trigger) == 0 || tree == s.shownTree)
	if unchanged {
		s.say("the plan is unchanged: it is the one shown at %s (%d to add, %d to change, %d to delete, %d conflicts)",
			s.shownAt, p.Summary.Create, p.Summary.Update, p.Summary.Delete, p.Summary.Conflicts)
	} else {
		if _, err := s.env.Stdout.Write(text.Bytes()); err != nil {
			s.fail(err)
			return
		}
		s.shown, s.shownAt = text.String(), s.env.Now().Format("15:04:05")
		s.shownTree = tree
		s.skipped, s.skippedAt = "", ""
		s.idle, s.idleAt = "", ""
	}
	after := "at start"
	switch {
	case initial:
	case len(trigger) == 0 && rescan == "":
		after = "after re-reading the Plesk server"
	case len(trigger) == 0:
		after = "after a rescan"
	default:
		after = "after change to " + watchDescribe(trigger)
	}
	s.last = fmt.Sprintf("the last good plan stays (made at %s %s: %d to add, %d to change, %d to delete, %d conflicts",
		s.env.Now().Format("15:04:05"), after, p.Summary.Create, p.Summary.Update, p.Summary.Delete, p.Summary.Conflicts)
	took := fmt.Sprintf("config %s, plan %s", watchRound(loading), watchRound(planning))
	if s.o.Apply {
		applying := time.Now()
		if s.apply(ctx, run, trigger, initial, unchanged) {
			s.last += "; applied"
			took += ", apply " + watchRound(time.Since(applying))
		}
		release()
	}
	s.last += ")"
	s.say("planned in %s (%s); waiting for changes", watchRound(time.Since(began)), took)
}

// noteState notes the state a plan was made against, or an apply
// wrote (nil: there is none). A state that existed and is gone is
// said once; --apply then applies nothing into the new, empty state
// until a state exists again (put back, or made by a plansync apply).
// A watch that started with no state applies into a new one.
func (s *watchSession) noteState(st *state.Snapshot) {
	if st != nil {
		if s.stateGone != "" {
			s.say("a state exists again (lineage %s, serial %d): plans are applied again", st.Lineage, st.Serial)
		}
		s.stateSeen = fmt.Sprintf("lineage %s, serial %d", st.Lineage, st.Serial)
		s.stateGone = ""
		return
	}
	if s.stateSeen != "" && s.stateGone == "" {
		s.stateGone = s.stateSeen
	}
}

func watchRound(d time.Duration) string {
	if d < 10*time.Millisecond {
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// fail reports an error that kept a plan from being made.
func (s *watchSession) fail(err error) {
	var ds diag.Diagnostics
	if errors.As(err, &ds) {
		printDiags(s.env, ds)
	} else {
		fmt.Fprintf(s.env.Stderr, "Error: %s\n", err)
	}
	s.triggers, s.rescan = nil, ""
	s.shown = "" // the next plan is printed in full
	s.say("no plan was made; %s", s.lastGood())
}

func (s *watchSession) lastGood() string {
	if s.last == "" {
		return "there is no good plan yet"
	}
	return s.last
}

// apply applies the plan of run, still holding its lock, when it has
// changes (or, with a Plesk server, drift to record: what was changed
// outside plansync and the config now has, as apply records it) and
// neither pending conflicts nor deletes; a skipped apply is
// said and logged with the reason, once: the unchanged plan of a
// scheduled re-read, skipped for the same reason, is only named as
// still skipped.
func (s *watchSession) apply(ctx context.Context, run *planRun, trigger []string, initial, unchanged bool) (applied bool) {
	p := run.plan
	if p.Empty() && !run.refreshedChanges() {
		return false
	}
	rec := watchAudit{
		Time: s.env.Now().UTC(), Who: s.env.User, Dir: s.o.Dir, Trigger: trigger,
		Summary: fmt.Sprintf("%d to add, %d to change, %d to delete, %d conflicts", p.Summary.Create, p.Summary.Update, p.Summary.Delete, p.Summary.Conflicts),
	}
	if initial {
		rec.Trigger = nil
		rec.Start = true
	}
	var why []string
	if n := p.Summary.Conflicts; n > 0 {
		why = append(why, fmt.Sprintf("%d %s", n, watchPlural(n, "conflict", "conflicts")))
	}
	// watch applies no delete at all, not only the ones --allow-delete
	// guards.
	var deletes []string
	for _, c := range p.Changes {
		if c.Action == plan.Delete {
			deletes = append(deletes, c.Address())
		}
	}
	if n := len(deletes); n > 0 {
		why = append(why, fmt.Sprintf("%d %s (%s)", n, watchPlural(n, "delete", "deletes"), watchNames(deletes, 5)))
	}
	skip := func(reason, say string, args ...any) bool {
		if unchanged && reason == s.skipped {
			s.say("apply still skipped, as at %s: %s", s.skippedAt, reason)
			return false
		}
		rec.Result, rec.Error = "skipped", reason
		s.audit(rec)
		s.say(say, args...)
		s.skipped, s.skippedAt = reason, s.env.Now().Format("15:04:05")
		return false
	}
	if reverts := revertsDrift(p); len(reverts) > 0 && !s.o.SelfHeal {
		n := len(reverts)
		reason := fmt.Sprintf("the plan reverts %d drift %s (%s)", n, watchPlural(n, "item", "items"), watchNames(reverts, 5))
		return skip(reason, "skipped apply: %s, changed outside plansync; adopt them into the config, revert them with %s, or watch with --self-heal", reason, s.applyCommand(p))
	}
	if len(why) > 0 {
		reason := "the plan has " + strings.Join(why, " and ")
		return skip(reason, "skipped apply: %s; to apply it, run: %s", reason, s.applyCommand(p))
	}
	if unchanged && s.idle != "" {
		// A scheduled re-read gave the plan whose apply sent nothing
		// and left its model disagreements as they were: applying it
		// again would do the same, at every tick.
		s.say("apply not repeated, as at %s: %s; the plan is applied again when the config or the server changes", s.idleAt, s.idle)
		return false
	}
	if s.stateGone != "" {
		reason := fmt.Sprintf("the state this watch has been using (%s) no longer exists: the plan is against a new, empty state and would create every object again", s.stateGone)
		return skip(reason, "skipped apply: %s; put the state back (plansync state push) or, if a new state is meant, run: %s", reason, s.applyCommand(p))
	}
	s.skipped, s.skippedAt = "", ""
	opts := apply.Options{Who: s.env.User, Now: s.env.Now()}
	if p.Parts != nil && fleetConnected(run.cfg) {
		return s.applyFleet(ctx, run, rec, opts)
	}
	var serial uint64
	var written *state.Snapshot
	var out *deploy.Outcome // with a Plesk server
	serverFailed := false
	client, conn, err := pleskServer(s.env, run.cfg, s.c.As)
	a, _ := parseAs(s.c.As)
	if err == nil && client != nil {
		// With a Plesk server: change the server, then record.
		var applyErr error
		out, serial, applyErr, err = deployAndRecord(ctx, s.env, run, p, apply.Entry(p, opts), client, conn, a.Reseller, false)
		switch {
		case err != nil && applyErr != nil:
			err = fmt.Errorf("%v; and recording what succeeded failed: %w", applyErr, backendErr(run.backend, err))
		case err != nil && out != nil && out.Succeeded > 0:
			err = unrecorded([]string{client.Server()}, out.Succeeded, backendErr(run.backend, err))
		}
		if out != nil {
			printOutcome(s.env.Stdout, out)
			if applyErr != nil {
				printDisagreementRecords(s.env.Stdout, "", out)
			}
			if err == nil && out.Record != nil {
				written = out.Record
			}
		}
		if err == nil && applyErr != nil {
			if written != nil {
				w := *written
				w.Serial = serial
				s.c.priors.wrote(ctx, run.backend, &w)
			}
			err = applyFailure(applyErr, client.Server(), out, serial)
			// The server's failure, said as apply says it: not the
			// state's (no "state file …:" in front of it).
			serverFailed = true
		}
	} else if err == nil {
		serial, err = apply.Run(ctx, run.backend, p, opts)
		written = p.Result
	}
	rec.Serial = serial
	if client != nil {
		// The apply read the server, and may have changed it, whether
		// it succeeded or not: a refused apply (the server changed
		// since the kept read) or one that stopped part way must not
		// leave the next plans on the kept read, hiding that drift and
		// failing the same way at every change.
		s.c.refresh.applied()
	}
	if err != nil {
		rec.Result, rec.Error = "failed", err.Error()
		s.audit(rec)
		if !serverFailed {
			err = backendErr(run.backend, err)
		}
		fmt.Fprintf(s.env.Stderr, "Error: apply failed: %s\n", err)
		return false
	}
	w := *written
	w.Serial = serial
	s.c.priors.wrote(ctx, run.backend, &w)
	s.noteState(&w)
	rec.Result = "applied"
	s.audit(rec)
	if out != nil {
		// As apply says it: on which server, and the writes sent.
		printApplied(s.env.Stdout, client.Server(), p, out, serial)
		if kept, _, _ := disagreeingObjects(out.Disagreements, out.Created, out.Noted); out.Writes == 0 && (kept > 0 || len(out.Notes) > 0) {
			s.idle = fmt.Sprintf("it sent nothing to %s and left %s", client.Server(), watchLeft(kept, len(out.Notes)))
			s.idleAt = s.env.Now().Format("15:04:05")
		}
		return true
	}
	fmt.Fprintf(s.env.Stdout, "Apply complete! %d added, %d changed, %d deleted. State serial %d.\n",
		p.Summary.Create, p.Summary.Update, p.Summary.Delete, serial)
	return true
}

// applyFleet is apply for several servers: applied in parallel as
// apply does, every server's outcome said, what succeeded recorded.
func (s *watchSession) applyFleet(ctx context.Context, run *planRun, rec watchAudit, opts apply.Options) bool {
	p := run.plan
	res, err := deployFleet(ctx, s.env, s.c.parallelism, s.c, run, p, apply.Entry(p, opts), run.fleetRun())
	// Read again for the next plan whatever the outcome, as with one
	// server.
	s.c.refresh.applied()
	said := "Error: apply failed: %s\n"
	if err == nil {
		printFleetOutcome(s.env.Stdout, res.outcomes, res.serial)
		if res.recorded != nil { // nil: nothing done, no state recorded
			w := *res.recorded
			w.Serial = res.serial
			s.c.priors.wrote(ctx, run.backend, &w)
			s.noteState(&w)
		}
		if len(res.failed) > 0 {
			// Said as apply says it ("apply failed on 1 server of 2 …").
			err, said = res.failure(), "Error: %s\n"
		}
	}
	rec.Serial = res.serial
	if err != nil {
		rec.Result, rec.Error = "failed", err.Error()
		s.audit(rec)
		fmt.Fprintf(s.env.Stderr, said, err)
		return false
	}
	rec.Result = "applied"
	s.audit(rec)
	writes, kept, undone := 0, 0, 0
	for _, oc := range res.outcomes {
		writes += oc.Writes
		if oc.out != nil {
			n, _, _ := disagreeingObjects(oc.out.Disagreements, oc.out.Created, oc.out.Noted)
			kept += n
			undone += len(oc.out.Notes)
		}
	}
	if writes == 0 && (kept > 0 || undone > 0) {
		s.idle = fmt.Sprintf("it sent nothing to the servers and left %s", watchLeft(kept, undone))
		s.idleAt = s.env.Now().Format("15:04:05")
	}
	return true
}

// watchLeft says what an apply that sent nothing left as it was: kept
// objects in model disagreement, and undone changes it does not make (a
// billing-owned subscription not on the server is not created).
func watchLeft(kept, undone int) string {
	var left []string
	if kept > 0 {
		left = append(left, fmt.Sprintf("%s in model disagreement as %s", counted(kept, "object"), watchPlural(kept, "it was", "they were")))
	}
	if undone > 0 {
		left = append(left, fmt.Sprintf("%s undone (kept on %s previous record)", counted(undone, "change"), watchPlural(undone, "its", "their")))
	}
	return strings.Join(left, " and ")
}

// applyCommand is the command that applies what watch would not apply
// unattended: plansync apply on the same directory, state and actor,
// with the flags the plan needs (--accept-available for pending
// conflicts, --allow-delete for deletes of customers, resellers or
// subscriptions).
func (s *watchSession) applyCommand(p *plan.Plan) string {
	var more []string
	if p.Summary.Conflicts > 0 {
		more = append(more, "--accept-available")
	}
	if len(p.Deletes) > 0 {
		more = append(more, "--allow-delete")
	}
	return applyCommandLine(s.c, s.o.Dir, more...)
}

// applyCommandLine is the plansync apply command, quoted for a shell,
// on dir and the state and actor of c (the flags given; the environment
// stays as it is), followed by more.
func applyCommandLine(c *common, dir string, more ...string) string {
	args := []string{"plansync", "apply", "--dir", dir}
	note := ""
	if c.State != "" {
		shown := redactURL(c.State)
		args = append(args, "--state", shown)
		if shown != c.State {
			note = " (with the state's password, left out here: PGPASSWORD or ~/.pgpass)"
		}
	}
	if c.StateName != "" {
		args = append(args, "--state-name", c.StateName)
	}
	if c.As != "" && c.As != "admin" {
		args = append(args, "--as", c.As)
	}
	args = append(args, more...)
	for i, a := range args {
		args[i] = shellWord(a)
	}
	return strings.Join(args, " ") + note
}

// shellWord quotes a for a POSIX shell when it needs it.
func shellWord(a string) string {
	if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@%+,") == "" {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}

func watchPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// watchAudit is one line of the watch audit log.
type watchAudit struct {
	Time time.Time `json:"time"`
	Who  string    `json:"who"`
	Dir  string    `json:"dir"`
	// Start: the plan made when the watch started; Trigger: the changed
	// files the plan followed.
	Start   bool     `json:"start,omitempty"`
	Trigger []string `json:"trigger"`
	Summary string   `json:"summary"`
	// Result is applied, failed or skipped; Error says why for the last
	// two.
	Result string `json:"result"`
	Serial uint64 `json:"serial,omitempty"`
	Error  string `json:"error,omitempty"`
}

// audit appends rec to the audit log, one JSON line written at once.
func (s *watchSession) audit(rec watchAudit) {
	if rec.Trigger == nil {
		rec.Trigger = []string{}
	}
	line, err := json.Marshal(rec)
	if err == nil {
		err = watchAppendLine(s.o.AuditLog, append(line, '\n'))
	}
	if err != nil {
		fmt.Fprintf(s.env.Stderr, "Error: audit log: %s\n", err)
	}
}

func watchAppendLine(path string, line []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// watchMergeTriggers adds the files of a batch to those not yet planned.
func watchMergeTriggers(have, more []string) []string {
	for _, m := range more {
		found := false
		for _, h := range have {
			if h == m {
				found = true
				break
			}
		}
		if !found {
			have = append(have, m)
		}
	}
	return have
}

// relevantRels are the files of b a plan is after: those that change
// what the config is made of, not a README.md changed in the same
// checkout. When none is (the tree cannot be read, or the batch comes
// for another reason), every file of b is named.
func (s *watchSession) relevantRels(b watch.Batch) []string {
	rels := b.Rels()
	if b.Err != nil {
		return rels
	}
	var keep []string
	for _, rel := range rels {
		if s.loader.Relevant([]string{rel}, nil) {
			keep = append(keep, rel)
		}
	}
	if len(keep) == 0 {
		return rels
	}
	return keep
}

// watchDescribe names a few files: "plans.yaml, a.yaml and 3 more".
func watchDescribe(rels []string) string {
	return watchNames(rels, 3)
}

// watchNames names the first max items of a list and counts the others.
func watchNames(list []string, max int) string {
	if len(list) <= max {
		return strings.Join(list, ", ")
	}
	return strings.Join(list[:max], ", ") + " and " + render.Thousands(len(list)-max) + " more"
}

// watchWriter serialises writes from the watch loop and the watcher.
type watchWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *watchWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// newWatchLoader makes the watch's loader of the config directory: it
// parses and decodes again only what changed (config.Reloader).
func newWatchLoader(env Env, dir string) *config.Reloader {
	return config.NewReloader(dir, config.Options{Getenv: env.Getenv, ReadFile: config.ReadSecretFile})
}

// watchTree gives the files of a batch to the config loader.
// treeSum sums what the files of a batch hold: their paths, content
// and read errors, and the tree's.
func treeSum(b watch.Batch) [sha256.Size]byte {
	h := sha256.New()
	for _, f := range b.Files {
		fmt.Fprintf(h, "%q %x %v\n", f.Rel, f.Sum, f.Err)
	}
	fmt.Fprintf(h, "%v", b.Err)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

func watchTree(b watch.Batch) config.Tree {
	t := config.Tree{Files: make([]config.TreeFile, len(b.Files)), Err: b.Err}
	for i, f := range b.Files {
		t.Files[i] = config.TreeFile{Rel: f.Rel, Path: f.Path, Sum: f.Sum, Err: f.Err}
	}
	return t
}
