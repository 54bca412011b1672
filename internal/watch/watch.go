package watch

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/plansync/plansync/internal/configfile"
)

// Defaults of Options.
const (
	DefaultDebounce = 300 * time.Millisecond
	DefaultRescan   = 30 * time.Second
	DefaultPauseMax = time.Minute
	// MinMaxWait is the smallest default cap on a batch's delay; the
	// default is ten debounce periods, and never less than this.
	MinMaxWait = time.Second
)

// Options configure a Watcher. The zero value gives the defaults.
type Options struct {
	// Debounce is how long the tree must stay quiet before a batch is
	// cut (DefaultDebounce).
	Debounce time.Duration
	// MaxWait caps how long a continuous stream of changes delays a
	// batch, counted from its first event (ten Debounce periods, at least
	// MinMaxWait).
	MaxWait time.Duration
	// Rescan is the period of the backstop rescan of the whole tree
	// (DefaultRescan); negative turns it off.
	Rescan time.Duration
	// PauseMax bounds how long a git index lock holds a batch back
	// (DefaultPauseMax): a lock left by a crashed git must not stop the
	// watch for good.
	PauseMax time.Duration
	// Logf, when set, is told what the Watcher does on its own: a pause
	// for git, a rescan after an overflow, a directory it cannot watch.
	Logf func(format string, args ...any)
}

func (o Options) withDefaults() Options {
	if o.Debounce <= 0 {
		o.Debounce = DefaultDebounce
	}
	if o.MaxWait <= 0 {
		o.MaxWait = max(10*o.Debounce, MinMaxWait)
	}
	if o.MaxWait < o.Debounce {
		o.MaxWait = o.Debounce
	}
	if o.Rescan == 0 {
		o.Rescan = DefaultRescan
	}
	if o.PauseMax <= 0 {
		o.PauseMax = DefaultPauseMax
	}
	return o
}

// Watcher watches a directory tree. Its methods are safe for concurrent
// use.
type Watcher struct {
	root string
	opt  Options
	fsw  *fsnotify.Watcher
	out  chan Batch

	done      chan struct{}
	exited    chan struct{}
	closeOnce sync.Once

	mu      sync.Mutex
	current Batch // Files and Err of the latest scan

	// testErrs feeds errors to the loop as if fsnotify had sent them.
	testErrs chan error

	// Owned by the loop goroutine (and by New before it starts).
	entries  map[string]*entry // by rel
	dirs     map[string]*watchDir
	watched  map[string]dirKey
	rootReal string
	gitDir   string
	err      error // of the latest scan
	rootErr  error // of the latest scan, when the root cannot be read

	timer   *time.Timer
	pending pending
	first   time.Time // of the pending batch
	due     time.Time // when the pending batch is to be cut
	paused  time.Time // since when a git lock holds the batch back
	// stale is the git index lock waited out for PauseMax (left by a
	// git that died): while that same file stays, it holds nothing back.
	stale  os.FileInfo
	queued *Batch // cut, not yet taken by the consumer
}

// pending is what events asked for since the last batch was cut.
type pending struct {
	any bool
	// dirty holds the files events named, hashed whatever their identity.
	dirty map[string]bool
	// full: rescan the whole tree (a directory or link changed, a file
	// appeared or went). hashAll: and hash every file (events were lost).
	full, hashAll bool
	// rootCheck: re-resolve the root, a link of its chain changed.
	rootCheck bool
	why       string
}

func (p *pending) rescan(why string) {
	p.full = true
	if why != "" && !strings.Contains(p.why, why) {
		if p.why != "" {
			p.why += ", "
		}
		p.why += why
	}
}

// New watches the tree at root. It scans the tree (hashing every file)
// and adds its watches before it returns; Snapshot then gives the files
// as they were, and Batches every later change. Close stops it.
// New fails when root cannot be read or the system refuses to watch.
func New(root string, opt Options) (*Watcher, error) {
	return newWatcher(root, opt, nil)
}

func newWatcher(root string, opt Options, testErrs chan error) (*Watcher, error) {
	fsw, err := fsnotify.NewBufferedWatcher(1024)
	if err != nil {
		return nil, err
	}
	w := &Watcher{
		root:     filepath.Clean(root),
		opt:      opt.withDefaults(),
		fsw:      fsw,
		out:      make(chan Batch),
		done:     make(chan struct{}),
		exited:   make(chan struct{}),
		testErrs: testErrs,
		entries:  map[string]*entry{},
		watched:  map[string]dirKey{},
		pending:  pending{dirty: map[string]bool{}},
		timer:    time.NewTimer(time.Hour),
	}
	w.timer.Stop()
	if _, err := w.rescan(nil, true); err != nil {
		_ = fsw.Close()
		return nil, err
	}
	w.current = w.snapshot(nil, w.err)
	go w.loop()
	return w, nil
}

// Batches delivers the settled batches. It is closed by Close.
func (w *Watcher) Batches() <-chan Batch { return w.out }

// Snapshot returns the files of the tree as of the latest scan (the
// initial one, or the one that cut the latest batch), and the error that
// kept part of it from being read. Changes is empty.
func (w *Watcher) Snapshot() Batch {
	w.mu.Lock()
	defer w.mu.Unlock()
	return Batch{Files: w.current.Files, Err: w.current.Err, Root: w.current.Root}
}

// Close stops the watcher and closes the Batches channel. A batch not
// yet taken is dropped.
func (w *Watcher) Close() error {
	var err error
	w.closeOnce.Do(func() {
		close(w.done)
		<-w.exited
		err = w.fsw.Close()
		w.timer.Stop()
		close(w.out)
	})
	return err
}

func (w *Watcher) logf(format string, args ...any) {
	if w.opt.Logf != nil {
		w.opt.Logf(format, args...)
	}
}

func (w *Watcher) loop() {
	defer close(w.exited)
	var tick <-chan time.Time
	if w.opt.Rescan > 0 {
		t := time.NewTicker(w.opt.Rescan)
		defer t.Stop()
		tick = t.C
	}
	for {
		var out chan Batch
		var next Batch
		if w.queued != nil {
			out, next = w.out, *w.queued
		}
		select {
		case <-w.done:
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			w.event(ev)
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			w.fail(err)
		case err := <-w.testErrs:
			w.fail(err)
		case <-w.timer.C:
			w.flush()
		case <-tick:
			w.periodic()
		case out <- next:
			w.queued = nil
		}
	}
}

// schedule notes that something happened: the batch is cut when the
// tree has been quiet for Debounce, or MaxWait after its first event.
func (w *Watcher) schedule() {
	now := time.Now()
	if !w.pending.any {
		w.pending.any = true
		w.first = now
	}
	due := now.Add(w.opt.Debounce)
	if limit := w.first.Add(w.opt.MaxWait); w.paused.IsZero() && limit.Before(due) {
		due = limit
	}
	w.due = due
	w.timer.Reset(time.Until(due))
}

// drain takes the events already queued, without waiting. The timer and
// the events race in the loop's select, which picks either when both are
// ready: under load the loop can wake up to a fired timer with events of
// the same burst already waiting, and cutting then would split the burst.
func (w *Watcher) drain() {
	for {
		select {
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			w.event(ev)
		default:
			return
		}
	}
}

// event takes one fsnotify event.
func (w *Watcher) event(ev fsnotify.Event) {
	name := filepath.Clean(ev.Name)
	contentOnly := ev.Op&^(fsnotify.Write|fsnotify.Chmod) == 0
	mark := false
	// An event on a watched directory itself: it was removed or moved.
	if d := w.dirs[name]; d != nil && !contentOnly {
		w.pending.rescan("")
		if d.tree && d.rel == "" {
			w.pending.rootCheck = true
		}
		mark = true
	}
	dir, base := filepath.Split(name)
	if d := w.dirs[filepath.Clean(dir)]; d != nil {
		if w.dirEvent(d, base, name, contentOnly) {
			mark = true
		}
	}
	if mark {
		w.schedule()
	}
}

// dirEvent takes an event on the entry base of the watched directory d,
// and reports whether it may change the tree.
func (w *Watcher) dirEvent(d *watchDir, base, name string, contentOnly bool) bool {
	mark := false
	if d.git && base == "index.lock" && w.pending.any && !contentOnly {
		// git took or released its lock: look again soon.
		w.timer.Reset(w.opt.Debounce)
	}
	if d.chain {
		w.pending.rootCheck = true
		mark = true
	}
	for _, rel := range d.targets[base] {
		w.pending.dirty[rel] = true
		if !contentOnly {
			w.pending.rescan("")
		}
		mark = true
	}
	if !d.tree {
		return mark
	}
	if configfile.Skipped(base) {
		// Editors' files and hidden names do not count, except a link
		// (the Kubernetes "..data" swap retargets the links of the tree;
		// Emacs's ".#name" lock links are not such links).
		if !strings.HasPrefix(base, ".#") && (strings.HasPrefix(base, "..") || isLink(name)) {
			w.pending.rescan("")
			mark = true
		}
		return mark
	}
	rel := base
	if d.rel != "" {
		rel = d.rel + "/" + base
	}
	w.pending.dirty[rel] = true
	if !contentOnly || w.entries[rel] == nil {
		w.pending.rescan("")
	}
	return true
}

func isLink(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&os.ModeSymlink != 0
}

// fail takes an error from fsnotify: events may have been lost, so the
// whole tree is rescanned and hashed.
func (w *Watcher) fail(err error) {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		w.logf("the event queue overflowed; rescanning %s", w.root)
		w.pending.rescan("overflow")
	} else {
		w.logf("%v; rescanning %s", err, w.root)
		w.pending.rescan("watch error")
	}
	w.pending.hashAll = true
	w.schedule()
}

// periodic is the backstop: rescan the tree, trusting unchanged file
// identities.
func (w *Watcher) periodic() {
	if w.pending.any {
		w.pending.rescan("periodic")
		return // the pending batch's timer does it
	}
	if w.gitLocked() {
		return
	}
	w.pending = pending{any: true, dirty: map[string]bool{}}
	w.pending.rescan("periodic")
	w.cut()
}

// gitLocked reports whether git holds its index lock.
func (w *Watcher) gitLocked() bool {
	if w.gitDir == "" {
		return false
	}
	fi, err := os.Stat(filepath.Join(w.gitDir, "index.lock"))
	if err != nil {
		w.stale = nil
		return false
	}
	return w.stale == nil || !os.SameFile(fi, w.stale) || !fi.ModTime().Equal(w.stale.ModTime())
}

// flush is the timer: cut the pending batch, unless events already
// queued moved its time on (see drain) or git is busy.
func (w *Watcher) flush() {
	w.drain()
	if !w.pending.any {
		return
	}
	if w.paused.IsZero() && time.Now().Before(w.due) {
		return // drained events reset the timer
	}
	if w.gitLocked() {
		if w.paused.IsZero() {
			w.paused = time.Now()
			w.logf("git is busy (%s exists): waiting", filepath.Join(w.gitDir, "index.lock"))
		}
		if time.Since(w.paused) < w.opt.PauseMax {
			w.timer.Reset(w.opt.Debounce)
			return
		}
		lock := filepath.Join(w.gitDir, "index.lock")
		w.logf("%s still exists after %s: going on, and no longer waiting for it while it stays", lock, w.opt.PauseMax)
		if fi, err := os.Stat(lock); err == nil {
			w.stale = fi
		}
	}
	w.paused = time.Time{}
	w.cut()
}

// cut turns what is pending into a batch, if anything changed.
func (w *Watcher) cut() {
	p := w.pending
	w.pending = pending{dirty: map[string]bool{}}
	if p.rootCheck && !p.full {
		if real, err := realPath(w.root); err != nil || real != w.rootReal {
			p.rescan("root moved")
		}
	}
	prevErr := errText(w.err)
	changes, ok := w.rehash(p)
	if !ok {
		changes, _ = w.rescan(p.dirty, p.hashAll)
	}
	if len(changes) == 0 && errText(w.err) == prevErr {
		return
	}
	b := w.snapshot(changes, w.err)
	if p.full {
		b.Rescan = p.why
	}
	w.mu.Lock()
	w.current = Batch{Files: b.Files, Err: b.Err, Root: b.Root}
	w.mu.Unlock()
	if w.queued == nil {
		w.queued = &b
		return
	}
	w.queued.merge(b)
	w.queued.Err, w.queued.Root = b.Err, b.Root
	if len(w.queued.Changes) == 0 && w.queued.Err == nil {
		w.queued = nil // what was queued has been undone
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// rehash hashes the files events named when they are known files whose
// content may have changed in place, and nothing else happened; ok is
// false when the tree must be rescanned instead.
func (w *Watcher) rehash(p pending) (changes []Change, ok bool) {
	if p.full {
		return nil, false
	}
	next := make(map[string]*entry, len(p.dirty))
	for _, rel := range slices.Sorted(maps.Keys(p.dirty)) {
		old := w.entries[rel]
		if old == nil {
			return nil, false
		}
		e := look(old.path, old, true)
		if e.err != nil {
			return nil, false // gone, or no longer readable: look at everything
		}
		next[rel] = e
		if !e.same(old) {
			changes = append(changes, Change{Rel: rel, Op: Modified})
		}
	}
	for rel, e := range next {
		w.entries[rel] = e
	}
	return changes, true
}

// rescan walks the whole tree, hashes the files whose identity changed,
// those in force and, with hashAll, every file, and brings the watches
// in line with the tree. It returns the changes and the error that kept
// the root from being read; w.err is set to that error or to the ones
// that kept parts of the tree from being read.
func (w *Watcher) rescan(force map[string]bool, hashAll bool) ([]Change, error) {
	s, rootErr := walkTree(w.root)
	w.sync(s.dirs)
	w.dirs, w.rootReal, w.gitDir = s.dirs, s.rootReal, s.gitDir
	w.err, w.rootErr = rootErr, rootErr
	if rootErr == nil && len(s.problems) > 0 {
		w.err = errors.Join(s.problems...)
	}
	var changes []Change
	next := make(map[string]*entry, len(s.files))
	for _, rel := range slices.Sorted(maps.Keys(s.files)) {
		old := w.entries[rel]
		e := look(s.files[rel].path, old, hashAll || force[rel])
		next[rel] = e
		switch {
		case old == nil:
			changes = append(changes, Change{Rel: rel, Op: Created})
		case !e.same(old):
			changes = append(changes, Change{Rel: rel, Op: Modified})
		}
	}
	for rel := range w.entries {
		if next[rel] == nil {
			changes = append(changes, Change{Rel: rel, Op: Removed})
		}
	}
	w.entries = next
	sortChanges(changes)
	return changes, rootErr
}

// sync brings the watches in line with dirs: a directory whose identity
// changed (a link retargeted, a directory replaced) is watched anew.
func (w *Watcher) sync(dirs map[string]*watchDir) {
	active := map[string]bool{}
	for _, p := range w.fsw.WatchList() {
		active[p] = true
	}
	// Removals first: a directory may now be known under another path.
	for _, p := range slices.Sorted(maps.Keys(w.watched)) {
		if d := dirs[p]; d == nil || d.key != w.watched[p] || !active[p] {
			_ = w.fsw.Remove(p)
			delete(w.watched, p)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(dirs)) {
		if _, ok := w.watched[p]; ok {
			continue
		}
		if err := w.fsw.Add(p); err != nil {
			w.logf("cannot watch %s: %v", p, err)
			continue
		}
		w.watched[p] = dirs[p].key
	}
}

// snapshot makes a batch of changes with the current files.
func (w *Watcher) snapshot(changes []Change, err error) Batch {
	files := make([]File, 0, len(w.entries))
	for _, rel := range slices.Sorted(maps.Keys(w.entries)) {
		e := w.entries[rel]
		files = append(files, File{Rel: rel, Path: e.path, Sum: e.sum, Err: e.err})
	}
	return Batch{Changes: changes, Files: files, Err: err, Root: w.rootErr}
}
