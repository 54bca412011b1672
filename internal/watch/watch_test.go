package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/google/go-cmp/cmp"
)

// deadline bounds every wait for something that must happen.
const deadline = 10 * time.Second

func start(t *testing.T, root string, opt Options) *Watcher {
	t.Helper()
	return startWith(t, root, opt, nil)
}

func startWith(t *testing.T, root string, opt Options, errs chan error) *Watcher {
	t.Helper()
	if opt.Debounce == 0 {
		opt.Debounce = 100 * time.Millisecond
	}
	if own := opt.Logf; own != nil {
		opt.Logf = func(format string, args ...any) {
			t.Logf(format, args...)
			own(format, args...)
		}
	} else {
		opt.Logf = t.Logf
	}
	w, err := newWatcher(root, opt, errs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

// next waits for the next batch.
func next(t *testing.T, w *Watcher) Batch {
	t.Helper()
	select {
	case b := <-w.Batches():
		t.Logf("batch: %s", b)
		return b
	case <-time.After(deadline):
		t.Fatalf("no batch within %s", deadline)
		return Batch{}
	}
}

// quiet checks that no batch comes for d (several debounce periods).
func quiet(t *testing.T, w *Watcher, d time.Duration) {
	t.Helper()
	select {
	case b := <-w.Batches():
		t.Fatalf("unexpected batch: %s %v", b, b.Changes)
	case <-time.After(d):
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func changes(cs ...any) []Change {
	var out []Change
	for i := 0; i < len(cs); i += 2 {
		out = append(out, Change{Rel: cs[i].(string), Op: cs[i+1].(Op)})
	}
	return out
}

func wantChanges(t *testing.T, b Batch, want []Change) {
	t.Helper()
	if diff := cmp.Diff(want, b.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rel, content := range files {
		write(t, filepath.Join(dir, filepath.FromSlash(rel)), content)
	}
	return dir
}

func TestInitialSnapshot(t *testing.T) {
	dir := tree(t, map[string]string{"a.yaml": "a", "sub/b.hcl": "b", ".git/config": "x", "c.yaml~": "x", ".hidden/d.yaml": "x"})
	w := start(t, dir, Options{})
	s := w.Snapshot()
	var rels []string
	for _, f := range s.Files {
		rels = append(rels, f.Rel)
		if f.Path != filepath.Join(dir, filepath.FromSlash(f.Rel)) {
			t.Errorf("%s: path %s", f.Rel, f.Path)
		}
	}
	if diff := cmp.Diff([]string{"a.yaml", "sub/b.hcl"}, rels); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

// TestAtomicSave: editors write a temporary file and rename it over the
// original; one modification is reported, nothing about the temporary.
func TestAtomicSave(t *testing.T) {
	saves := map[string]func(t *testing.T, path, content string){
		// sed -i: a temporary file in the same directory, renamed over.
		"sed": func(t *testing.T, path, content string) {
			tmp := filepath.Join(filepath.Dir(path), "sedX1b2c3")
			write(t, tmp, content)
			must(t, os.Rename(tmp, path))
		},
		// VS Code and most libraries: a hidden temporary file.
		"hidden-temp": func(t *testing.T, path, content string) {
			tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-1234")
			write(t, tmp, content)
			must(t, os.Rename(tmp, path))
		},
		// vim (backupcopy=no): probe file 4913, original renamed to a
		// backup~, new file written, backup removed; a swap file all along.
		"vim": func(t *testing.T, path, content string) {
			dir := filepath.Dir(path)
			swp := filepath.Join(dir, "."+filepath.Base(path)+".swp")
			write(t, swp, "swap")
			probe := filepath.Join(dir, "4913")
			write(t, probe, "")
			must(t, os.Remove(probe))
			backup := path + "~"
			must(t, os.Rename(path, backup))
			write(t, path, content)
			must(t, os.Remove(backup))
			must(t, os.Remove(swp))
		},
	}
	for name, save := range saves {
		t.Run(name, func(t *testing.T) {
			dir := tree(t, map[string]string{"plans.yaml": "v1", "other.yaml": "o"})
			w := start(t, dir, Options{})
			save(t, filepath.Join(dir, "plans.yaml"), "v2")
			wantChanges(t, next(t, w), changes("plans.yaml", Modified))
			quiet(t, w, 500*time.Millisecond)
			// The file is still watched after the rename.
			save(t, filepath.Join(dir, "plans.yaml"), "v3")
			wantChanges(t, next(t, w), changes("plans.yaml", Modified))
		})
	}
}

func TestNewFile(t *testing.T) {
	dir := tree(t, map[string]string{"a.yaml": "a"})
	w := start(t, dir, Options{})
	write(t, filepath.Join(dir, "b.yaml"), "b")
	b := next(t, w)
	wantChanges(t, b, changes("b.yaml", Created))
	if len(b.Files) != 2 {
		t.Errorf("files: %v", b.Files)
	}
	write(t, filepath.Join(dir, "b.yaml"), "b2")
	wantChanges(t, next(t, w), changes("b.yaml", Modified))
}

// TestNewSubfolder: a new directory, and directories in it, are watched
// from then on; files written before the watch was added are found.
func TestNewSubfolder(t *testing.T) {
	dir := tree(t, map[string]string{"a.yaml": "a"})
	w := start(t, dir, Options{})
	must(t, os.MkdirAll(filepath.Join(dir, "sub", "deep", "er"), 0o755))
	write(t, filepath.Join(dir, "sub", "x.yaml"), "x")
	write(t, filepath.Join(dir, "sub", "deep", "er", "y.yaml"), "y")
	wantChanges(t, next(t, w), changes("sub/deep/er/y.yaml", Created, "sub/x.yaml", Created))
	write(t, filepath.Join(dir, "sub", "deep", "er", "y.yaml"), "y2")
	wantChanges(t, next(t, w), changes("sub/deep/er/y.yaml", Modified))
	write(t, filepath.Join(dir, "sub", "deep", "z.yaml"), "z")
	wantChanges(t, next(t, w), changes("sub/deep/z.yaml", Created))
}

func TestRemovedFile(t *testing.T) {
	dir := tree(t, map[string]string{"a.yaml": "a", "b.yaml": "b"})
	w := start(t, dir, Options{})
	must(t, os.Remove(filepath.Join(dir, "b.yaml")))
	b := next(t, w)
	wantChanges(t, b, changes("b.yaml", Removed))
	if len(b.Files) != 1 || b.Files[0].Rel != "a.yaml" {
		t.Errorf("files: %v", b.Files)
	}
}

func TestRemovedFolder(t *testing.T) {
	dir := tree(t, map[string]string{"a.yaml": "a", "sub/b.yaml": "b", "sub/inner/c.yaml": "c"})
	w := start(t, dir, Options{})
	must(t, os.RemoveAll(filepath.Join(dir, "sub")))
	wantChanges(t, next(t, w), changes("sub/b.yaml", Removed, "sub/inner/c.yaml", Removed))
	// Made again, it is watched again.
	write(t, filepath.Join(dir, "sub", "b.yaml"), "b2")
	wantChanges(t, next(t, w), changes("sub/b.yaml", Created))
	write(t, filepath.Join(dir, "sub", "b.yaml"), "b3")
	wantChanges(t, next(t, w), changes("sub/b.yaml", Modified))
}

// TestFolderRenamed: a directory moved within the tree is its files
// removed under the old name and created under the new one.
func TestFolderRenamed(t *testing.T) {
	dir := tree(t, map[string]string{"old/a.yaml": "a"})
	w := start(t, dir, Options{})
	must(t, os.Rename(filepath.Join(dir, "old"), filepath.Join(dir, "new")))
	wantChanges(t, next(t, w), changes("new/a.yaml", Created, "old/a.yaml", Removed))
	write(t, filepath.Join(dir, "new", "a.yaml"), "a2")
	wantChanges(t, next(t, w), changes("new/a.yaml", Modified))
}

// swapData replaces base/..data (a link to a timestamped directory) by a
// link to a new directory holding files, the way the kubelet updates a
// ConfigMap volume: new directory, new link renamed over the old one,
// old directory removed.
func swapData(t *testing.T, base, stamp string, files map[string]string) {
	t.Helper()
	old, err := os.Readlink(filepath.Join(base, "..data"))
	must(t, err)
	for rel, content := range files {
		write(t, filepath.Join(base, stamp, rel), content)
	}
	must(t, os.Symlink(stamp, filepath.Join(base, "..data_tmp")))
	must(t, os.Rename(filepath.Join(base, "..data_tmp"), filepath.Join(base, "..data")))
	must(t, os.RemoveAll(filepath.Join(base, old)))
}

// TestSymlinkedRootSwapped: the config directory is a link whose target
// is swapped (config -> ..data -> ..2026_01_01).
func TestSymlinkedRootSwapped(t *testing.T) {
	base := tree(t, map[string]string{"..2026_01_01/plans.yaml": "v1", "..2026_01_01/keep.yaml": "k"})
	must(t, os.Symlink("..2026_01_01", filepath.Join(base, "..data")))
	root := filepath.Join(base, "config")
	must(t, os.Symlink("..data", root))
	w := start(t, root, Options{})
	swapData(t, base, "..2026_01_02", map[string]string{"plans.yaml": "v2", "keep.yaml": "k", "new.yaml": "n"})
	b := next(t, w)
	wantChanges(t, b, changes("new.yaml", Created, "plans.yaml", Modified))
	if b.Files[0].Path != filepath.Join(root, "keep.yaml") {
		t.Errorf("path %s, want it under the root as given", b.Files[0].Path)
	}
	// The new target is watched.
	write(t, filepath.Join(root, "plans.yaml"), "v3")
	wantChanges(t, next(t, w), changes("plans.yaml", Modified))
	// And swapped again.
	swapData(t, base, "..2026_01_03", map[string]string{"plans.yaml": "v4"})
	wantChanges(t, next(t, w), changes("keep.yaml", Removed, "new.yaml", Removed, "plans.yaml", Modified))
}

// TestConfigMapVolume: the directory is a ConfigMap volume as mounted:
// each file is a link through ..data, which is swapped.
func TestConfigMapVolume(t *testing.T) {
	root := tree(t, map[string]string{"..2026_01_01/plans.yaml": "v1", "..2026_01_01/server.yaml": "s"})
	must(t, os.Symlink("..2026_01_01", filepath.Join(root, "..data")))
	for _, f := range []string{"plans.yaml", "server.yaml"} {
		must(t, os.Symlink(filepath.Join("..data", f), filepath.Join(root, f)))
	}
	w := start(t, root, Options{})
	if n := len(w.Snapshot().Files); n != 2 {
		t.Fatalf("%d files, want 2: %v", n, w.Snapshot().Files)
	}
	swapData(t, root, "..2026_01_02", map[string]string{"plans.yaml": "v2", "server.yaml": "s"})
	wantChanges(t, next(t, w), changes("plans.yaml", Modified))
	quiet(t, w, 500*time.Millisecond)
}

// TestLinkedFileOutside: a file that links outside the tree is watched
// through its target's directory.
func TestLinkedFileOutside(t *testing.T) {
	outside := tree(t, map[string]string{"shared.yaml": "v1"})
	root := tree(t, map[string]string{"a.yaml": "a"})
	must(t, os.Symlink(filepath.Join(outside, "shared.yaml"), filepath.Join(root, "shared.yaml")))
	w := start(t, root, Options{})
	write(t, filepath.Join(outside, "shared.yaml"), "v2")
	wantChanges(t, next(t, w), changes("shared.yaml", Modified))
	write(t, filepath.Join(outside, "unrelated.yaml"), "u")
	quiet(t, w, 500*time.Millisecond)
}

// checkout rewrites files the way git does: each is unlinked and written
// anew. It returns the longest time between two files, a pause of the
// writer itself (it is a goroutine of a loaded machine, too).
func checkout(t *testing.T, dir string, n int, version string) time.Duration {
	t.Helper()
	var gap time.Duration
	last := time.Now()
	for i := range n {
		p := filepath.Join(dir, "accounts", fmt.Sprintf("%04d.yaml", i))
		_ = os.Remove(p)
		write(t, p, fmt.Sprintf("customers: [] # %d %s\n", i, version))
		now := time.Now()
		gap = max(gap, now.Sub(last))
		last = now
	}
	return gap
}

func bigTree(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	checkout(t, dir, n, "v1")
	write(t, filepath.Join(dir, "plans.yaml"), "plans")
	return dir
}

// TestCheckoutBurst: 200 files changed at once give exactly one batch.
// The watcher once split such a burst under load: its loop woke up to
// the debounce timer with events of the burst already queued, and its
// select took the timer. MaxWait is out of the way: the cap has its own
// test, and a loaded machine can take longer than a second to write 200
// files.
func TestCheckoutBurst(t *testing.T) {
	const debounce = 100 * time.Millisecond
	dir := bigTree(t, 200)
	w := start(t, dir, Options{Debounce: debounce, MaxWait: deadline})
	gap := checkout(t, dir, 200, "v2")
	if gap >= debounce {
		// The writer paused longer than the debounce: that is two
		// bursts, and two batches are right. Only the sum is checked.
		t.Logf("the writer paused %s, longer than the debounce", gap)
		seen := map[string]bool{}
		for len(seen) < 200 {
			for _, c := range next(t, w).Changes {
				seen[c.Rel] = true
			}
		}
		return
	}
	b := next(t, w)
	if len(b.Changes) != 200 {
		t.Fatalf("%d changes, want 200", len(b.Changes))
	}
	for _, c := range b.Changes {
		if c.Op != Modified {
			t.Fatalf("%v", c)
		}
	}
	quiet(t, w, time.Second)
}

// TestGitIndexLockPauses: while .git/index.lock exists no batch is cut;
// its removal releases one batch with everything.
func TestGitIndexLockPauses(t *testing.T) {
	dir := bigTree(t, 200)
	must(t, os.MkdirAll(filepath.Join(dir, ".git"), 0o755))
	w := start(t, dir, Options{Debounce: 100 * time.Millisecond, MaxWait: 300 * time.Millisecond})
	lock := filepath.Join(dir, ".git", "index.lock")
	write(t, lock, "")
	checkout(t, dir, 200, "v2")
	quiet(t, w, time.Second) // ten debounce periods, three caps
	write(t, filepath.Join(dir, "plans.yaml"), "plans v2")
	quiet(t, w, 300*time.Millisecond)
	must(t, os.Rename(lock, filepath.Join(dir, ".git", "index")))
	b := next(t, w)
	if len(b.Changes) != 201 {
		t.Fatalf("%d changes, want 201", len(b.Changes))
	}
	quiet(t, w, 500*time.Millisecond)
}

// TestGitIndexLockStale: a lock that outlasts PauseMax (left by a git
// that died) is waited out once; while that same file stays, later
// changes are not held back again. A new lock (git running again) is.
func TestGitIndexLockStale(t *testing.T) {
	dir := tree(t, map[string]string{"plans.yaml": "p1"})
	must(t, os.MkdirAll(filepath.Join(dir, ".git"), 0o755))
	var mu sync.Mutex
	waits := 0
	logf := func(format string, args ...any) {
		if strings.HasPrefix(format, "git is busy") {
			mu.Lock()
			waits++
			mu.Unlock()
		}
	}
	waited := func() int {
		mu.Lock()
		defer mu.Unlock()
		return waits
	}
	w := start(t, dir, Options{Debounce: 50 * time.Millisecond, PauseMax: 400 * time.Millisecond, Logf: logf})
	lock := filepath.Join(dir, ".git", "index.lock")
	write(t, lock, "")
	write(t, filepath.Join(dir, "plans.yaml"), "p2")
	quiet(t, w, 250*time.Millisecond)
	wantChanges(t, next(t, w), changes("plans.yaml", Modified)) // after PauseMax
	if n := waited(); n != 1 {
		t.Fatalf("waited for the lock %d times, want 1", n)
	}
	write(t, filepath.Join(dir, "plans.yaml"), "p3")
	wantChanges(t, next(t, w), changes("plans.yaml", Modified))
	if n := waited(); n != 1 {
		t.Errorf("the stale lock held a later change back (%d waits)", n)
	}
	must(t, os.Remove(lock))
	quiet(t, w, 150*time.Millisecond)
	write(t, lock, "")
	write(t, filepath.Join(dir, "plans.yaml"), "p4")
	quiet(t, w, 250*time.Millisecond) // a new lock holds it back
	must(t, os.Remove(lock))
	wantChanges(t, next(t, w), changes("plans.yaml", Modified))
	if n := waited(); n != 2 {
		t.Errorf("waited for a new lock %d times in all, want 2", n)
	}
}

// TestGitIndexLockInParentRepository: the config directory is a
// subdirectory of the repository.
func TestGitIndexLockInParentRepository(t *testing.T) {
	repo := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(repo, ".git"), 0o755))
	dir := filepath.Join(repo, "config")
	write(t, filepath.Join(dir, "a.yaml"), "a")
	w := start(t, dir, Options{Debounce: 50 * time.Millisecond})
	lock := filepath.Join(repo, ".git", "index.lock")
	write(t, lock, "")
	write(t, filepath.Join(dir, "a.yaml"), "a2")
	quiet(t, w, 500*time.Millisecond)
	must(t, os.Remove(lock))
	wantChanges(t, next(t, w), changes("a.yaml", Modified))
}

// TestEditorFilesIgnored: swap, backup, lock and hidden files give no
// batch.
func TestEditorFilesIgnored(t *testing.T) {
	dir := tree(t, map[string]string{"plans.yaml": "p"})
	w := start(t, dir, Options{})
	write(t, filepath.Join(dir, ".plans.yaml.swp"), "swap")
	write(t, filepath.Join(dir, ".plans.yaml.swx"), "swap")
	write(t, filepath.Join(dir, "plans.yaml~"), "backup")
	write(t, filepath.Join(dir, "plans.yaml.swp"), "swap")
	write(t, filepath.Join(dir, "x.tmp"), "tmp")
	must(t, os.Symlink("user@host.1234:1700000000", filepath.Join(dir, ".#plans.yaml"))) // Emacs lock
	write(t, filepath.Join(dir, ".hidden", "h.yaml"), "h")
	write(t, filepath.Join(dir, ".plansync", "state.json"), "{}")
	quiet(t, w, time.Second)
	if n := len(w.Snapshot().Files); n != 1 {
		t.Errorf("%d files: %v", n, w.Snapshot().Files)
	}
}

// TestContentUnchanged: a touch, a rewrite with the same content, an
// atomic save of the same content give no batch.
func TestContentUnchanged(t *testing.T) {
	dir := tree(t, map[string]string{"plans.yaml": "same"})
	w := start(t, dir, Options{})
	p := filepath.Join(dir, "plans.yaml")
	future := time.Now().Add(time.Hour)
	must(t, os.Chtimes(p, future, future))
	write(t, p, "same")
	write(t, p+".new", "same")
	must(t, os.Remove(p+".new"))
	tmp := filepath.Join(dir, ".plans.yaml.tmp")
	write(t, tmp, "same")
	must(t, os.Rename(tmp, p))
	// A file changed and changed back within one batch.
	write(t, p, "different")
	write(t, p, "same")
	quiet(t, w, time.Second)
}

// TestContinuousWrites: a stream of writes every 50 ms, never quiet for
// the 300 ms debounce, still gives batches thanks to the 1 s cap.
func TestContinuousWrites(t *testing.T) {
	dir := tree(t, map[string]string{"plans.yaml": "0"})
	w := start(t, dir, Options{Debounce: 300 * time.Millisecond, MaxWait: time.Second})
	stop := time.Now().Add(2 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	got := 0
	for i := 1; time.Now().Before(stop); i++ {
		select {
		case b := <-w.Batches():
			wantChanges(t, b, changes("plans.yaml", Modified))
			got++
		case <-tick.C:
			write(t, filepath.Join(dir, "plans.yaml"), fmt.Sprint(i))
		}
	}
	if got == 0 {
		t.Fatal("no batch during 2 s of writes every 50 ms")
	}
	t.Logf("%d batches during the stream", got)
}

// TestOverflowRescans: after an event queue overflow the whole tree is
// rescanned and hashed, finding changes whose events were lost.
func TestOverflowRescans(t *testing.T) {
	dir := tree(t, map[string]string{"a.yaml": "a", "sub/b.yaml": "b"})
	errs := make(chan error)
	w := startWith(t, dir, Options{Rescan: -1}, errs)
	// Lose the events of sub: its watch is gone.
	must(t, w.fsw.Remove(filepath.Join(dir, "sub")))
	write(t, filepath.Join(dir, "sub", "b.yaml"), "b2")
	write(t, filepath.Join(dir, "sub", "c.yaml"), "c")
	quiet(t, w, 500*time.Millisecond)
	errs <- fsnotify.ErrEventOverflow
	b := next(t, w)
	wantChanges(t, b, changes("sub/b.yaml", Modified, "sub/c.yaml", Created))
	if !strings.Contains(b.Rescan, "overflow") {
		t.Errorf("rescan %q", b.Rescan)
	}
	// sub is watched again.
	write(t, filepath.Join(dir, "sub", "b.yaml"), "b3")
	wantChanges(t, next(t, w), changes("sub/b.yaml", Modified))
}

// TestPeriodicRescan: the backstop rescan finds what events missed.
func TestPeriodicRescan(t *testing.T) {
	dir := tree(t, map[string]string{"a.yaml": "a"})
	w := start(t, dir, Options{Rescan: 300 * time.Millisecond})
	must(t, w.fsw.Remove(dir))
	write(t, filepath.Join(dir, "a.yaml"), "a-longer")
	b := next(t, w)
	wantChanges(t, b, changes("a.yaml", Modified))
	if b.Rescan != "periodic" {
		t.Errorf("rescan %q", b.Rescan)
	}
}

// TestSlowConsumer: batches the consumer has not taken are merged, so
// it finds one batch with everything.
func TestSlowConsumer(t *testing.T) {
	dir := tree(t, map[string]string{"a.yaml": "a", "b.yaml": "b", "c.yaml": "c"})
	w := start(t, dir, Options{Debounce: 50 * time.Millisecond})
	waitFiles := func(n int) {
		t.Helper()
		end := time.Now().Add(deadline)
		for len(w.Snapshot().Files) != n {
			if time.Now().After(end) {
				t.Fatalf("snapshot never had %d files", n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	write(t, filepath.Join(dir, "d.yaml"), "d")
	waitFiles(4) // cut and queued
	must(t, os.Remove(filepath.Join(dir, "a.yaml")))
	write(t, filepath.Join(dir, "b.yaml"), "b2")
	waitFiles(3)
	write(t, filepath.Join(dir, "e.yaml"), "e")
	must(t, os.Remove(filepath.Join(dir, "e.yaml")))
	write(t, filepath.Join(dir, "f.yaml"), "f")
	waitFiles(4)
	b := next(t, w)
	wantChanges(t, b, changes("a.yaml", Removed, "b.yaml", Modified, "d.yaml", Created, "f.yaml", Created))
	if len(b.Files) != 4 {
		t.Errorf("files %v", b.Files)
	}
	quiet(t, w, 300*time.Millisecond)
}

// TestRootRemoved: a root that goes away gives a batch with an error,
// and its files removed.
func TestRootRemoved(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "config")
	write(t, filepath.Join(root, "a.yaml"), "a")
	w := start(t, root, Options{})
	must(t, os.RemoveAll(root))
	b := next(t, w)
	wantChanges(t, b, changes("a.yaml", Removed))
	if b.Err == nil {
		t.Error("no error for a missing root")
	}
}

// TestWatchDirectoryRemoved: a root removed gives a batch that says so
// (Root, not only Err: its files are not known to be deleted); the
// watcher does not make it again, and its return (or a move back) is
// seen at once, without waiting for the periodic rescan.
func TestWatchDirectoryRemoved(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "config")
	write(t, filepath.Join(root, "a.yaml"), "a")
	write(t, filepath.Join(root, "sub", "b.yaml"), "b")
	w := start(t, root, Options{Rescan: -1})
	if w.Snapshot().Root != nil {
		t.Fatalf("root error at start: %v", w.Snapshot().Root)
	}

	must(t, os.RemoveAll(root))
	b := next(t, w)
	if b.Root == nil || !errors.Is(b.Root, fs.ErrNotExist) || b.Err == nil {
		t.Fatalf("root %v, err %v; want a missing root", b.Root, b.Err)
	}
	if s := w.Snapshot(); s.Root == nil || len(s.Files) != 0 {
		t.Errorf("snapshot: root %v, files %v", s.Root, s.Files)
	}
	// Unrelated changes beside it make no batch, and nothing makes the
	// directory again.
	write(t, filepath.Join(base, "other.txt"), "x")
	quiet(t, w, 400*time.Millisecond)
	if _, err := os.Stat(root); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the root is back: %v", err)
	}

	// It comes back (made anew): one batch, its files created.
	tmp := filepath.Join(base, "new")
	write(t, filepath.Join(tmp, "a.yaml"), "a2")
	must(t, os.Rename(tmp, root))
	b = next(t, w)
	if b.Root != nil || b.Err != nil {
		t.Fatalf("root %v, err %v after its return", b.Root, b.Err)
	}
	wantChanges(t, b, changes("a.yaml", Created))
	if w.Snapshot().Root != nil {
		t.Errorf("snapshot root %v", w.Snapshot().Root)
	}

	// Moved away and back: the same again.
	must(t, os.Rename(root, filepath.Join(base, "away")))
	if b := next(t, w); b.Root == nil {
		t.Fatalf("no root error after a move away: %s", b)
	}
	must(t, os.Rename(filepath.Join(base, "away"), root))
	if b := next(t, w); b.Root != nil {
		t.Fatalf("root error after the move back: %v", b.Root)
	}
	// Files changed inside it are seen as before.
	write(t, filepath.Join(root, "a.yaml"), "a3")
	wantChanges(t, next(t, w), changes("a.yaml", Modified))
}

func TestDanglingLink(t *testing.T) {
	dir := tree(t, map[string]string{"a.yaml": "a"})
	must(t, os.Symlink("secrets/real.yaml", filepath.Join(dir, "link.yaml")))
	must(t, os.MkdirAll(filepath.Join(dir, "secrets"), 0o755))
	w := start(t, dir, Options{})
	files := w.Snapshot().Files
	if len(files) != 2 || files[1].Rel != "link.yaml" || files[1].Err == nil {
		t.Fatalf("files %v", files)
	}
	// Its target appears: the link now reads, and so does the target.
	write(t, filepath.Join(dir, "secrets", "real.yaml"), "r")
	wantChanges(t, next(t, w), changes("link.yaml", Modified))
}

func TestNewFailsOnMissingRoot(t *testing.T) {
	if _, err := New(filepath.Join(t.TempDir(), "nope"), Options{}); err == nil {
		t.Fatal("no error")
	}
}

func TestMerge(t *testing.T) {
	b := Batch{Changes: changes("a", Created, "b", Removed, "c", Modified, "d", Created)}
	b.merge(Batch{Changes: changes("a", Removed, "b", Created, "c", Removed, "d", Modified, "e", Modified), Rescan: "overflow"})
	wantChanges(t, b, changes("b", Modified, "c", Removed, "d", Created, "e", Modified))
	if b.Rescan != "overflow" {
		t.Errorf("rescan %q", b.Rescan)
	}
}
