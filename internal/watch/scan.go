package watch

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/plansync/plansync/internal/configfile"
)

// watchDir is a directory the Watcher watches, and why.
type watchDir struct {
	// path is the path watched, as events name it.
	path string
	key  dirKey
	// tree: a directory of the tree, at rel.
	tree bool
	rel  string
	// chain: it holds a link of the root's chain of links.
	chain bool
	// git: the git directory of the repository holding the tree.
	git bool
	// targets maps the base name of a file that files of the tree link
	// to onto the paths (rel) of those files.
	targets map[string][]string
}

// scanFile is a file the walk found.
type scanFile struct {
	path string
}

// scan is one walk of the tree: its files and the directories to watch.
type scan struct {
	root     string
	rootReal string
	gitDir   string
	files    map[string]scanFile // by rel
	dirs     map[string]*watchDir
	byKey    map[dirKey]*watchDir
	seen     map[string]struct{}
	links    []scanLink // files of the tree read through a link
	problems []error
}

// scanLink is a file of the tree that is a link: rel, and the resolved
// (or, when dangling, the named) path of its target.
type scanLink struct{ rel, target string }

// walkTree walks root the way the config loader does: hidden and editor
// files are skipped, links are followed, a directory or file reached
// along several paths is taken once, under the first path in walk order.
// It also finds the directories to watch besides the tree's own: those
// holding link targets, the links of the root's chain, and the git
// directory. An error means the root itself cannot be read.
func walkTree(root string) (*scan, error) {
	s := &scan{
		root:  root,
		files: map[string]scanFile{},
		dirs:  map[string]*watchDir{},
		byKey: map[dirKey]*watchDir{},
		seen:  map[string]struct{}{},
	}
	// The chain and the git directory are watched even when the root
	// cannot be read, so that its return is noticed.
	defer s.extras()
	fi, err := os.Stat(root)
	if err != nil {
		return s, err
	}
	if !fi.IsDir() {
		return s, &fs.PathError{Op: "watch", Path: root, Err: errors.New("not a directory")}
	}
	real, err := realPath(root)
	if err != nil {
		return s, err
	}
	s.rootReal = real
	s.seen[real] = struct{}{}
	s.watch(root, real, fi, func(d *watchDir) { d.tree, d.rel = true, "" })
	s.walkDir(root, "", real)
	return s, nil
}

// extras adds the directories watched for the tree's sake.
func (s *scan) extras() {
	for _, dir := range linkChainDirs(s.root) {
		s.watchPath(dir, func(d *watchDir) { d.chain = true })
	}
	start := s.rootReal
	if start == "" {
		start, _ = filepath.Abs(s.root)
		// The root cannot be read (it was removed): watch the nearest
		// directory above it that exists, so its return is noticed at
		// once, not at the next periodic rescan.
		if dir := existingParent(start); dir != "" {
			s.watchPath(dir, func(d *watchDir) { d.chain = true })
		}
	}
	if g := findGitDir(start); g != "" {
		s.gitDir = g
		s.watchPath(g, func(d *watchDir) { d.git = true })
	}
	for _, l := range s.links {
		dir, base := filepath.Split(l.target)
		s.watchPath(filepath.Clean(dir), func(d *watchDir) {
			if d.targets == nil {
				d.targets = map[string][]string{}
			}
			d.targets[base] = append(d.targets[base], l.rel)
		})
	}
}

// watch records a directory to watch, under the first path that reaches
// it, and gives it a role.
func (s *scan) watch(path, real string, fi fs.FileInfo, role func(*watchDir)) {
	key := dirKeyOf(fi, real)
	d := s.byKey[key]
	if d == nil {
		d = &watchDir{path: path, key: key}
		s.byKey[key] = d
		s.dirs[path] = d
	}
	role(d)
}

// watchPath is watch for a directory outside the walk; one that does not
// exist is not watched.
func (s *scan) watchPath(path string, role func(*watchDir)) {
	fi, err := os.Stat(path)
	if err != nil || !fi.IsDir() {
		return
	}
	real, err := realPath(path)
	if err != nil {
		return
	}
	s.watch(path, real, fi, role)
}

func (s *scan) take(real string) bool {
	if _, ok := s.seen[real]; ok {
		return false
	}
	s.seen[real] = struct{}{}
	return true
}

// walkDir reads the directory at path, known as rel, whose resolved path
// is real.
func (s *scan) walkDir(path, rel, real string) {
	entries, err := os.ReadDir(path)
	if err != nil {
		// ReadDir returns what it read before the error: keep it.
		s.problems = append(s.problems, err)
	}
	for _, e := range entries {
		name := e.Name()
		if configfile.Skipped(name) {
			continue
		}
		p := filepath.Join(path, name)
		r := name
		if rel != "" {
			r = rel + "/" + name
		}
		mode := e.Type()
		if mode&fs.ModeSymlink != 0 {
			s.walkLink(p, r, filepath.Join(real, name))
			continue
		}
		rp := filepath.Join(real, name)
		switch {
		case mode.IsDir():
			if !s.take(rp) {
				continue
			}
			fi, err := os.Stat(p)
			if err != nil {
				continue // gone since ReadDir
			}
			s.watch(p, rp, fi, func(d *watchDir) { d.tree, d.rel = true, r })
			s.walkDir(p, r, rp)
		case mode.IsRegular():
			if s.take(rp) {
				s.files[r] = scanFile{path: p}
			}
		}
	}
}

// walkLink follows the link p, known as r, at unresolved real path lp.
func (s *scan) walkLink(p, r, lp string) {
	fi, err := os.Stat(p)
	if err != nil {
		// A dangling link is a file that cannot be read; the directory
		// its target would be in is watched so that its arrival is seen.
		s.files[r] = scanFile{path: p}
		if t, err := os.Readlink(p); err == nil {
			if !filepath.IsAbs(t) {
				t = filepath.Join(filepath.Dir(p), t)
			}
			s.links = append(s.links, scanLink{rel: r, target: t})
		}
		return
	}
	if !fi.IsDir() && !fi.Mode().IsRegular() {
		return
	}
	rp, err := realPath(lp)
	if err != nil {
		s.problems = append(s.problems, err)
		return
	}
	if !s.take(rp) {
		return
	}
	if fi.IsDir() {
		s.watch(p, rp, fi, func(d *watchDir) { d.tree, d.rel = true, r })
		s.walkDir(p, r, rp)
		return
	}
	s.files[r] = scanFile{path: p}
	s.links = append(s.links, scanLink{rel: r, target: rp})
}

// realPath resolves every link in path and makes it absolute.
func realPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// linkChainDirs returns the directories holding the links that root
// goes through when root itself is a link (root -> ..data -> ..2026_01):
// replacing any of them moves the root.
func linkChainDirs(root string) []string {
	p, err := filepath.Abs(root)
	if err != nil {
		return nil
	}
	var dirs []string
	for range 40 { // as many hops as the kernel follows
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			break
		}
		dir := filepath.Dir(p)
		if !slices.Contains(dirs, dir) {
			dirs = append(dirs, dir)
		}
		t, err := os.Readlink(p)
		if err != nil {
			break
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(dir, t)
		}
		p = t
	}
	return dirs
}

// existingParent returns the nearest directory above path that exists,
// or "".
func existingParent(path string) string {
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

// findGitDir returns the git directory of the repository that holds dir,
// or "" when there is none.
func findGitDir(dir string) string {
	for {
		g := filepath.Join(dir, ".git")
		if fi, err := os.Stat(g); err == nil {
			if fi.IsDir() {
				return g
			}
			// A worktree or submodule: .git is a file naming the git dir.
			if b, err := os.ReadFile(g); err == nil {
				if t, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir:"); ok {
					t = strings.TrimSpace(t)
					if !filepath.IsAbs(t) {
						t = filepath.Join(dir, t)
					}
					return t
				}
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// entry is a file of the tree as last seen.
type entry struct {
	path string
	id   identity
	sum  Sum
	err  error
}

// same reports whether two entries have the same content (or fail to be
// read alike).
func (e *entry) same(o *entry) bool {
	if (e.err == nil) != (o.err == nil) {
		return false
	}
	return e.err != nil || e.sum == o.sum
}

// look reads the file at path, reusing old's hash when the file's
// identity (inode, size, times) did not change and force is not set.
func look(path string, old *entry, force bool) *entry {
	fi, err := os.Stat(path)
	if err != nil {
		return &entry{path: path, err: err}
	}
	if !fi.Mode().IsRegular() {
		return &entry{path: path, err: fmt.Errorf("%s: not a regular file", path)}
	}
	id := identityOf(fi)
	if !force && old != nil && old.err == nil && old.id == id {
		return &entry{path: path, id: id, sum: old.sum}
	}
	sum, err := hashFile(path)
	if err != nil {
		return &entry{path: path, err: err}
	}
	return &entry{path: path, id: id, sum: sum}
}

func hashFile(path string) (Sum, error) {
	f, err := os.Open(path)
	if err != nil {
		return Sum{}, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return Sum{}, err
	}
	var s Sum
	h.Sum(s[:0])
	return s, nil
}
