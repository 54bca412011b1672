package config

import (
	"context"
	"crypto/sha256"
	"path/filepath"
	"sync"

	"github.com/plansync/plansync/internal/configfile"
	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// Tree is a config directory as a watcher last saw it: every file it
// holds (config files or not) and the hash of each one's content.
type Tree struct {
	// Files is every file of the tree, sorted by Rel.
	Files []TreeFile
	// Err is set when part of the tree could not be read.
	Err error
}

// TreeFile is one file of a Tree.
type TreeFile struct {
	// Rel is the path relative to the directory, with slashes.
	Rel string
	// Path is the directory as given joined with Rel.
	Path string
	// Sum is the SHA-256 of the content, when it could be read.
	Sum [sha256.Size]byte
	// Err is set when the file could not be read.
	Err error
}

// Reloader loads one config directory again and again, parsing and
// decoding only the files whose content changed: it keeps each file
// parsed and decoded, by path and content hash, and decodes a file again
// when a secret file its decoding read changed. Each Load gives what
// Load gives: the same files, in the same order, decoded, merged and
// validated the same way, with the same diagnostics.
//
// A Reloader is used by one goroutine at a time, except Relevant, which
// may be called while a Load runs.
type Reloader struct {
	dir  string
	opts Options
	// cache holds the files of the last load, by Rel.
	cache map[string]*reloadFile

	mu sync.Mutex
	// fallback is set when the last load was Load's, the tree not
	// being wholly readable.
	fallback bool
	// secrets holds the absolute paths of the secret files the config
	// read (or tried to), so their changes count.
	secrets map[string]bool
	// ignore holds the patterns of .plansyncignore at the last load.
	ignore *Ignore
}

// reloadFile is one config file parsed and, once it is, decoded.
type reloadFile struct {
	sum   [sha256.Size]byte
	file  *File
	diags diag.Diagnostics
	// dec is the file decoded, nil until it is; secrets are the secret
	// files its decoding read, with what they held then.
	dec     *Decoded
	secrets map[string]reloadSecret
}

// reloadSecret is what a secret file held when it was read: the hash of
// its content, or the error reading it gave.
type reloadSecret struct {
	sum [sha256.Size]byte
	err string
}

// reloadSecretTorn records a secret file that read differently twice in
// one decoding: it matches no later read, so the file is decoded again.
var reloadSecretTorn = reloadSecret{err: "\x00changed while read"}

// NewReloader makes a Reloader of the config directory dir; opts says
// where secrets come from (its RecordedExtensionServices is replaced by
// each Load's).
func NewReloader(dir string, opts Options) *Reloader {
	return &Reloader{dir: dir, opts: opts, cache: map[string]*reloadFile{}, secrets: map[string]bool{}}
}

// readSecret reads a secret file and says what it held.
func (l *Reloader) readSecret(path string) ([]byte, reloadSecret, error) {
	b, err := l.opts.ReadFile(path)
	if err != nil {
		return nil, reloadSecret{err: err.Error()}, err
	}
	return b, reloadSecret{sum: sha256.Sum256(b)}, nil
}

// Relevant reports whether changes to the files at rels (relative to
// the directory, with slashes) change what the config is made of, as of
// the last Load: a config file, the ignore file, or a secret file the
// config reads. treeErr is the Tree.Err of the tree after the changes:
// while part of the tree cannot be read, or could not at the last Load,
// every change counts.
func (l *Reloader) Relevant(rels []string, treeErr error) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if treeErr != nil || l.fallback {
		return true // the tree is, or was, not wholly readable
	}
	for _, rel := range rels {
		if configfile.IsConfig(rel) && !l.ignore.Excludes(rel) || rel == IgnoreFile {
			return true
		}
		if p, err := filepath.Abs(filepath.Join(l.dir, filepath.FromSlash(rel))); err == nil && l.secrets[p] {
			return true
		}
	}
	return false
}

// Load gives the config of the files of t, as Load would with
// RecordedExtensionServices recorded. When part of the tree could not be
// read (t.Err), it is Load itself, which says what in its own words.
//
// Load is Prepare then Finish.
func (l *Reloader) Load(t Tree, recorded map[string]string) (*model.Config, diag.Diagnostics) {
	opts := l.opts
	opts.RecordedExtensionServices = recorded
	return l.Prepare(t).Finish(opts)
}

// Prepare is the part of Load that does not depend on the recorded
// state (as Prepare is Load's): finish it with the options of the
// Reloader and the recorded state's RecordedExtensionServices. What
// Relevant answers from (the ignore file, the secret files read) is
// that of the last load finished; a load prepared and not finished
// only leaves its files parsed for the next.
func (l *Reloader) Prepare(t Tree) *Prepared {
	if t.Err != nil {
		l.cache = map[string]*reloadFile{}
		return l.loadAll()
	}
	// The ignore file is read every time: it is small, and a change to
	// it changes which files are config files.
	ignore, diags := LoadIgnore(l.dir)
	var parsed []*reloadFile
	keep := make(map[string]bool, len(t.Files))
	for _, f := range t.Files {
		if !configfile.IsConfig(f.Rel) || ignore.Excludes(f.Rel) {
			continue
		}
		if f.Err != nil {
			diags = append(diags, FileError(f.Path, f.Err))
			continue
		}
		rf := l.cache[f.Rel]
		if rf == nil || rf.sum != f.Sum || rf.file.Path != f.Path {
			src, err := ReadSource(f.Path)
			if err != nil {
				diags = append(diags, FileError(f.Path, err))
				continue
			}
			file, ds := ParseFile(f.Path, f.Rel, src)
			rf = &reloadFile{sum: sha256.Sum256(src), file: file, diags: ds}
			l.cache[f.Rel] = rf
		}
		keep[f.Rel] = true
		parsed = append(parsed, rf)
		diags = append(diags, rf.diags...)
	}
	for rel := range l.cache {
		if !keep[rel] {
			delete(l.cache, rel)
		}
	}
	// From here on, as Load (ParseDir, then Decode's Merge).
	parsedAll := !diags.HasErrors()
	l.decode(parsed)
	files := make([]*File, len(parsed))
	decoded := make([]*Decoded, len(parsed))
	secrets := map[string]bool{}
	for i, rf := range parsed {
		files[i], decoded[i] = rf.file, rf.dec
		for p := range rf.secrets {
			secrets[p] = true
		}
	}
	cfg, more := Merge(files, decoded)
	return &Prepared{cfg: cfg, diags: append(diags, more...), parsed: parsedAll, done: func() {
		l.mu.Lock()
		l.fallback, l.ignore, l.secrets = false, ignore, secrets
		l.mu.Unlock()
	}}
}

// decode decodes the files not decoded yet, or whose secret files
// changed since, in parallel.
func (l *Reloader) decode(parsed []*reloadFile) {
	var stale []*reloadFile
	for _, rf := range parsed {
		if rf.dec == nil || !l.secretsUnchanged(rf) {
			stale = append(stale, rf)
		}
	}
	inParallel(len(stale), func(i int) {
		rf := stale[i]
		rf.secrets = map[string]reloadSecret{}
		opts := Options{Getenv: l.opts.Getenv}
		if l.opts.ReadFile != nil {
			opts.ReadFile = func(path string) ([]byte, error) {
				b, got, err := l.readSecret(path)
				if p, aerr := filepath.Abs(path); aerr == nil {
					if was, ok := rf.secrets[p]; ok && was != got {
						got = reloadSecretTorn // changed while the file was decoded
					}
					rf.secrets[p] = got
				}
				return b, err
			}
		}
		rf.dec = DecodeFile(rf.file, opts)
	})
}

// secretsUnchanged reports whether every secret file a file's decoding
// read holds what it held then.
func (l *Reloader) secretsUnchanged(rf *reloadFile) bool {
	for p, was := range rf.secrets {
		if _, now, _ := l.readSecret(p); now != was {
			return false
		}
	}
	return true
}

// loadAll is Prepare of Load, noting the secret files it reads.
func (l *Reloader) loadAll() *Prepared {
	opts := l.opts
	var mu sync.Mutex
	secrets := map[string]bool{}
	if read := opts.ReadFile; read != nil {
		opts.ReadFile = func(path string) ([]byte, error) {
			if p, err := filepath.Abs(path); err == nil {
				mu.Lock()
				secrets[p] = true
				mu.Unlock()
			}
			return read(path)
		}
	}
	p, _ := Prepare(context.Background(), l.dir, opts) // never stopped
	p.done = func() {
		l.mu.Lock()
		l.fallback, l.secrets = true, secrets
		l.mu.Unlock()
	}
	return p
}
