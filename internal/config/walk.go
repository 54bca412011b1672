package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/plansync/plansync/internal/configfile"
	"github.com/plansync/plansync/internal/diag"
)

// ParseDir reads every config file under dir into a syntax tree.
//
// It walks dir recursively and reads each *.yaml, *.yml and *.hcl file.
// Hidden entries (a name starting with ".", such as .plansync/ and .git/)
// and editor leftovers (names ending in "~", ".swp", ".swx" or ".tmp")
// are skipped: the rule is configfile's, which the watcher follows too. Symbolic links to files and directories are followed, dir
// itself may be one; a file or directory reached along several paths
// (a link cycle, or two links to one place) is read once, under the first
// of those paths in walk order.
//
// Files are parsed concurrently and returned sorted by Rel. Every file
// that could be read is returned, with a non-nil Root even when it has
// syntax errors; the diagnostics come in the same order, by file and
// then by position in the file. A missing or unreadable dir is an error
// diagnostic; an empty dir gives no files and no diagnostics.
func ParseDir(dir string) ([]*File, diag.Diagnostics) {
	w := walker{seen: make(map[string]struct{})}
	w.walkRoot(dir)
	if len(w.jobs) == 0 {
		return nil, w.diags
	}
	slices.SortFunc(w.jobs, func(a, b walkJob) int { return strings.Compare(a.rel, b.rel) })

	files := make([]*File, len(w.jobs))
	fileDiags := make([]diag.Diagnostics, len(w.jobs))
	workers := min(runtime.GOMAXPROCS(0), len(w.jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(w.jobs) {
					return
				}
				files[i], fileDiags[i] = walkReadFile(w.jobs[i])
			}
		})
	}
	wg.Wait()

	diags := w.diags
	out := files[:0]
	for i, f := range files {
		diags = append(diags, fileDiags[i]...)
		if f != nil {
			out = append(out, f)
		}
	}
	return out, diags
}

// ParseFile parses one config file, YAML or HCL by the extension of path
// (.yaml, .yml or .hcl). path names the file in diagnostics; rel is its
// path relative to the config directory. The returned File is never nil
// and its Root is always a MapNode, empty when the file could not be
// parsed at all.
func ParseFile(path, rel string, src []byte) (_ *File, diags diag.Diagnostics) {
	name := path
	if name == "" {
		name = rel
	}
	if name == "" {
		name = "<input>"
	}
	f := &File{Path: path, Rel: rel}
	if len(src) > MaxFileSize {
		at := diag.Range{File: name, Start: diag.Pos{Line: 1, Column: 1}, End: diag.Pos{Line: 1, Column: 1}}
		diags.Errorf(at, "config file is %d MiB, more than the %d MiB a config file may have: split it into several files", len(src)>>20, MaxFileSize>>20)
		f.Root = &Node{Kind: MapNode, Range: at}
		f.Syntax = configfile.Syntax(name)
		return f, diags
	}
	defer func() {
		if f.Root != nil {
			diags = append(diags, limitsCheck(name, f.Root)...)
		}
	}()
	switch configfile.Syntax(name) {
	case "yaml":
		f.Syntax = "yaml"
		f.Root, f.Refused, diags = yamlParse(name, src)
	case "hcl":
		f.Syntax = "hcl"
		f.Root, f.Refused, f.Blocks, diags = hclParse(name, src)
	default:
		at := diag.Range{File: name, Start: diag.Pos{Line: 1, Column: 1}, End: diag.Pos{Line: 1, Column: 1}}
		diags.Errorf(at, "unknown config file type %q: expected .yaml, .yml or .hcl", filepath.Ext(name))
		f.Root = &Node{Kind: MapNode, Range: at}
	}
	return f, diags
}

// walkJob is one config file to read.
type walkJob struct {
	path string // as shown: dir as given joined with rel
	rel  string // slash-separated, relative to dir
}

// walker collects the config files of a directory tree.
type walker struct {
	// seen holds the resolved absolute paths of the directories and
	// files already taken, so link cycles end and nothing is read twice.
	seen  map[string]struct{}
	jobs  []walkJob
	diags diag.Diagnostics
	// ignore holds the patterns of the root's .plansyncignore.
	ignore *Ignore
}

func (w *walker) fail(summary string, err error) {
	w.diags = append(w.diags, diag.Diagnostic{Severity: diag.Error, Summary: summary, Detail: err.Error()})
}

func (w *walker) walkRoot(dir string) {
	fi, err := os.Stat(dir)
	if err != nil {
		w.fail("cannot read config directory", err)
		return
	}
	if !fi.IsDir() {
		w.fail("cannot read config directory", &fs.PathError{Op: "read", Path: dir, Err: errNotDir})
		return
	}
	var ds diag.Diagnostics
	w.ignore, ds = LoadIgnore(dir)
	w.diags = append(w.diags, ds...)
	real, err := walkRealPath(dir)
	if err != nil {
		w.fail("cannot read config directory", err)
		return
	}
	w.seen[real] = struct{}{}
	w.walkDir(dir, "", real)
}

// walkDir reads directory path, shown as path and known as rel, whose
// resolved absolute path is real.
func (w *walker) walkDir(path, rel, real string) {
	entries, err := os.ReadDir(path)
	if err != nil {
		// ReadDir returns what it read before the error: keep it.
		w.fail("cannot read directory", err)
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
			w.walkLink(p, r, filepath.Join(real, name), name)
			continue
		}
		rp := filepath.Join(real, name)
		switch {
		case mode.IsDir() && w.ignore.excludesDir(r):
		case mode.IsDir():
			if w.take(rp) {
				w.walkDir(p, r, rp)
			}
		case mode.IsRegular() && configfile.Syntax(name) != "" && !w.ignore.Excludes(r):
			if w.take(rp) {
				w.jobs = append(w.jobs, walkJob{path: p, rel: r})
			}
		}
	}
}

// walkLink follows the symbolic link p (at unresolved real path lp).
func (w *walker) walkLink(p, r, lp, name string) {
	fi, err := os.Stat(p)
	if err != nil {
		// A dangling link only matters when it looks like a config file.
		if configfile.Syntax(name) != "" {
			w.diags = append(w.diags, FileError(p, err))
		}
		return
	}
	if !fi.IsDir() && (!fi.Mode().IsRegular() || configfile.Syntax(name) == "") {
		return
	}
	if fi.IsDir() && w.ignore.excludesDir(r) || !fi.IsDir() && w.ignore.Excludes(r) {
		return
	}
	rp, err := walkRealPath(lp)
	if err != nil {
		w.fail("cannot resolve symbolic link", err)
		return
	}
	if !w.take(rp) {
		return
	}
	if fi.IsDir() {
		w.walkDir(p, r, rp)
		return
	}
	w.jobs = append(w.jobs, walkJob{path: p, rel: r})
}

// take marks a resolved path as read and reports whether it was new.
func (w *walker) take(real string) bool {
	if _, ok := w.seen[real]; ok {
		return false
	}
	w.seen[real] = struct{}{}
	return true
}

// walkRealPath resolves every symbolic link in path and makes it absolute.
func walkRealPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// walkReadFile reads and parses one config file.
func walkReadFile(j walkJob) (*File, diag.Diagnostics) {
	src, err := ReadSource(j.path)
	if err != nil {
		return nil, diag.Diagnostics{FileError(j.path, err)}
	}
	return ParseFile(j.path, j.rel, src)
}

// FileError reports a config file that cannot be read, at its start.
func FileError(path string, err error) diag.Diagnostic {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	at := diag.Pos{Line: 1, Column: 1}
	return diag.Diagnostic{
		Severity: diag.Error,
		Summary:  "cannot read config file",
		Detail:   err.Error(),
		Subject:  diag.Range{File: path, Start: at, End: at},
	}
}

// walkError is a constant error.
type walkError string

func (e walkError) Error() string { return string(e) }

const errNotDir = walkError("not a directory")

// walkSlab hands out Nodes, Entries and item slices from shared chunks,
// so a tree of many small values costs a few large allocations instead
// of one per value. A tree keeps its chunks alive as long as any of its
// nodes is referenced, which is the whole tree's lifetime anyway.
type walkSlab struct {
	nodes   []Node
	entries []Entry
	items   []*Node
	size    int
}

const walkSlabMax = 1024

func (s *walkSlab) grow() int {
	if s.size < walkSlabMax {
		s.size = max(16, s.size*2)
	}
	return s.size
}

// node returns a new zero Node.
func (s *walkSlab) node() *Node {
	if len(s.nodes) == cap(s.nodes) {
		s.nodes = make([]Node, 0, s.grow())
	}
	s.nodes = s.nodes[:len(s.nodes)+1]
	return &s.nodes[len(s.nodes)-1]
}

// entryList returns an empty slice with room for n entries; appending
// more than n reallocates, so it never overwrites a neighbour.
func (s *walkSlab) entryList(n int) []Entry {
	if n == 0 {
		return nil
	}
	if n > walkSlabMax/4 {
		return make([]Entry, 0, n)
	}
	if cap(s.entries)-len(s.entries) < n {
		s.entries = make([]Entry, 0, max(s.grow(), n))
	}
	l := len(s.entries)
	s.entries = s.entries[:l+n]
	return s.entries[l : l : l+n]
}

// itemList is entryList for list items.
func (s *walkSlab) itemList(n int) []*Node {
	if n == 0 {
		return nil
	}
	if n > walkSlabMax/4 {
		return make([]*Node, 0, n)
	}
	if cap(s.items)-len(s.items) < n {
		s.items = make([]*Node, 0, max(s.grow(), n))
	}
	l := len(s.items)
	s.items = s.items[:l+n]
	return s.items[l : l : l+n]
}

// walkKeys finds keys in an entry list as it grows: by scanning while
// the list is short, through an index once it is long.
type walkKeys struct{ index map[string]int }

const walkKeysLinear = 16

// find returns the index of key in entries, or -1.
func (k *walkKeys) find(entries []Entry, key string) int {
	if k.index == nil && len(entries) >= walkKeysLinear {
		k.index = make(map[string]int, 2*len(entries))
		for i := range entries {
			k.index[entries[i].Key] = i
		}
	}
	if k.index != nil {
		if i, ok := k.index[key]; ok {
			return i
		}
		return -1
	}
	for i := range entries {
		if entries[i].Key == key {
			return i
		}
	}
	return -1
}

// added records the entry just appended to entries.
func (k *walkKeys) added(entries []Entry) {
	if k.index != nil {
		k.index[entries[len(entries)-1].Key] = len(entries) - 1
	}
}

// walkDuplicate reports a key set twice in one map, at the second place
// and naming the first.
func walkDuplicate(summary string, at, first diag.Range) diag.Diagnostic {
	return diag.Diagnostic{
		Severity: diag.Error,
		Summary:  summary,
		Detail:   "first set at " + first.String(),
		Subject:  at,
		Related:  []diag.Range{first},
	}
}

// walkPath is the place of what a reader is converting within its
// object (resources.disk_space, addons[1]), for the Path of the
// diagnostics it makes. It is a stack of keys and list indices made into
// text only for a diagnostic, so reading a large file allocates nothing
// for it.
type walkPath struct{ segs []walkSeg }

// walkSeg is a key, or (idx >= 0) the index of a list item.
type walkSeg struct {
	key string
	idx int
}

func (p *walkPath) push(key string) { p.segs = append(p.segs, walkSeg{key: key, idx: -1}) }
func (p *walkPath) pushIndex(i int) { p.segs = append(p.segs, walkSeg{idx: i}) }
func (p *walkPath) pop()            { p.segs = p.segs[:len(p.segs)-1] }

func (p *walkPath) String() string {
	var b strings.Builder
	for _, s := range p.segs {
		if s.idx >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.idx))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.key)
	}
	return b.String()
}

// walkNameObject names the object item declares (decItemAddr: the item
// of the top-level list listKey, or the server map) in diags[from:],
// the diagnostics a reader made while converting it, so that an error
// about a value it refused says whose value it is, as the decoder's
// errors do.
func walkNameObject(diags diag.Diagnostics, from int, listKey string, item *Node) {
	if item == nil || from == len(diags) {
		return
	}
	obj := decItemAddr(listKey, item).String()
	for i := from; i < len(diags); i++ {
		if diags[i].Object == "" {
			diags[i].Object = obj
		}
	}
}
