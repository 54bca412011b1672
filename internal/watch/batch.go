package watch

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
)

// Op is what happened to a file.
type Op uint8

const (
	// Created: the file is new.
	Created Op = iota + 1
	// Modified: its content changed.
	Modified
	// Removed: it is gone.
	Removed
)

func (o Op) String() string {
	switch o {
	case Created:
		return "created"
	case Modified:
		return "modified"
	case Removed:
		return "removed"
	}
	return "unknown"
}

// Sum is the SHA-256 of a file's content.
type Sum [sha256.Size]byte

// Change is one file whose content changed.
type Change struct {
	// Rel is the file's path relative to the root, with slashes.
	Rel string
	Op  Op
}

// File is one file of the tree.
type File struct {
	// Rel is the path relative to the root, with slashes.
	Rel string
	// Path is the root as given joined with Rel.
	Path string
	// Sum is the hash of the content, when it could be read.
	Sum Sum
	// Err is set when the file could not be read (a dangling link, no
	// permission); Sum is then zero.
	Err error
}

// Batch is one settled set of changes.
type Batch struct {
	// Changes are the files whose content changed, sorted by Rel.
	Changes []Change
	// Files is every file of the tree after the changes, sorted by Rel.
	Files []File
	// Rescan says the batch came from a rescan of the whole tree and
	// why ("overflow", "periodic", "root moved", ...); empty for a batch
	// cut from events.
	Rescan string
	// Err is set when part of the tree could not be read: the root is
	// gone or is not a directory (Files is then empty), or a directory
	// or link could not be read. A batch is also cut when only Err
	// changed.
	Err error
	// Root is set, to the same error as Err, when the root itself
	// cannot be read: it was removed or moved away, or is no longer a
	// directory. Files is then empty, which does not mean the tree is
	// empty. A batch is cut again when the root is back.
	Root error
}

// Rels returns the paths of the changes.
func (b Batch) Rels() []string {
	out := make([]string, len(b.Changes))
	for i, c := range b.Changes {
		out[i] = c.Rel
	}
	return out
}

// merge folds a later batch into b, as if both had happened at once:
// created then removed is nothing, removed then created is a
// modification.
func (b *Batch) merge(later Batch) {
	ops := make(map[string]Op, len(b.Changes)+len(later.Changes))
	for _, c := range b.Changes {
		ops[c.Rel] = c.Op
	}
	for _, c := range later.Changes {
		prev, ok := ops[c.Rel]
		switch {
		case !ok:
			ops[c.Rel] = c.Op
		case prev == Created && c.Op == Removed:
			delete(ops, c.Rel)
		case prev == Created:
			// created, then modified: still new
		case prev == Removed && c.Op == Created:
			ops[c.Rel] = Modified
		default:
			ops[c.Rel] = c.Op
		}
	}
	b.Changes = b.Changes[:0]
	for rel, op := range ops {
		b.Changes = append(b.Changes, Change{Rel: rel, Op: op})
	}
	sortChanges(b.Changes)
	b.Files = later.Files
	switch {
	case b.Rescan == "":
		b.Rescan = later.Rescan
	case later.Rescan != "" && later.Rescan != b.Rescan:
		b.Rescan += ", " + later.Rescan
	}
}

func sortChanges(cs []Change) {
	slices.SortFunc(cs, func(a, b Change) int { return strings.Compare(a.Rel, b.Rel) })
}

// String describes a batch for logs: "plans.yaml, accounts/0001.yaml
// and 3 more".
func (b Batch) String() string {
	const shown = 3
	rels := b.Rels()
	var s string
	if len(rels) <= shown {
		s = strings.Join(rels, ", ")
	} else {
		s = fmt.Sprintf("%s and %d more", strings.Join(rels[:shown], ", "), len(rels)-shown)
	}
	if b.Rescan != "" {
		if s == "" {
			return "rescan (" + b.Rescan + ")"
		}
		s += " (rescan: " + b.Rescan + ")"
	}
	return s
}
