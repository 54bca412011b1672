package config

import (
	"context"
	"slices"
	"strings"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// Load reads the config directory dir into the desired state: it parses
// every config file (ParseDir), decodes them (Decode) and checks the
// references between objects (Validate). Warnings come back alongside a
// valid config. With any error the config is nil and the diagnostics,
// sorted, say everything that is wrong; the cross-object checks are
// skipped when a file could not be parsed, since every reference into
// its objects would fail too.
//
// It is ParseDir then Decode, but each file is decoded as soon as it is
// parsed, by the same worker, and its syntax tree is dropped then: the
// trees of a large fleet are never all held at once.
//
// Load is Prepare then Finish, with opts for both.
func Load(dir string, opts Options) (*model.Config, diag.Diagnostics) {
	p, _ := Prepare(context.Background(), dir, opts) // never stopped
	return p.Finish(opts)
}

// Prepared is a load done as far as it goes without the recorded state:
// every file parsed, decoded and merged. Finish completes it, once the
// state is known (Options.RecordedExtensionServices, Options.Complete):
// a caller can read the state while the files are parsed.
type Prepared struct {
	cfg    *model.Config
	diags  diag.Diagnostics
	parsed bool
	// done, when set, runs when the load is finished (a Reloader notes
	// then what the load read).
	done func()
}

// Prepare is the part of Load that does not depend on the recorded
// state: it parses, decodes and merges the files of dir, resolving their
// secrets through opts.Getenv and opts.ReadFile (the only options it
// reads). When ctx is done before every file is read, it stops taking
// files and returns ctx's error, and nothing of it is to be used.
//
// The files are parsed largest first, so that a large file is not left
// to one core at the end; they are merged in path order, as ever.
func Prepare(ctx context.Context, dir string, opts Options) (*Prepared, error) {
	w := walker{seen: make(map[string]struct{})}
	w.walkRoot(dir)
	slices.SortFunc(w.jobs, func(a, b walkJob) int { return strings.Compare(a.rel, b.rel) })
	files := make([]*File, len(w.jobs))
	decoded := make([]*Decoded, len(w.jobs))
	fileDiags := make([]diag.Diagnostics, len(w.jobs))
	err := inParallelOrder(ctx, len(w.jobs), largestFirst(w.jobs), opts.Shared, func(i int) {
		f, ds := walkReadFile(w.jobs[i])
		fileDiags[i] = ds
		if f != nil {
			decoded[i] = DecodeFile(f, opts)
			files[i] = f.withoutTree()
		}
	})
	if err != nil {
		return nil, err
	}
	// From here on, as ParseDir's result and Decode's Merge.
	diags := w.diags
	var kept []*File
	var keptDecoded []*Decoded
	for i, f := range files {
		diags = append(diags, fileDiags[i]...)
		if f != nil {
			kept = append(kept, f)
			keptDecoded = append(keptDecoded, decoded[i])
		}
	}
	parsed := !diags.HasErrors()
	cfg, more := Merge(kept, keptDecoded)
	return &Prepared{cfg: cfg, diags: append(diags, more...), parsed: parsed}, nil
}

// Finish completes a prepared load as Load does: of opts it reads only
// RecordedExtensionServices, Complete and CheckRest (the secrets were
// resolved by Prepare). A Prepared is finished once.
func (p *Prepared) Finish(opts Options) (*model.Config, diag.Diagnostics) {
	if p.done != nil {
		p.done()
	}
	cfg, diags := finishLoad(p.cfg, p.diags, p.parsed, opts)
	p.cfg, p.diags = nil, nil
	return cfg, diags
}

// withoutTree is f without its syntax tree: what Merge reads of a file
// once it is decoded.
func (f *File) withoutTree() *File {
	return &File{Path: f.Path, Rel: f.Rel, Syntax: f.Syntax}
}

// finishLoad is what every load does once the files are decoded and
// merged: extension services the state records but the config no longer
// declares are retired, the cross-object checks run when every file
// parsed (through opts.Complete when set), and the diagnostics are
// sorted (nil config on any error).
func finishLoad(cfg *model.Config, diags diag.Diagnostics, parsed bool, opts Options) (*model.Config, diag.Diagnostics) {
	diags = secretFilesAsConfig(cfg, diags)
	if opts.Getenv != nil {
		// Without it the environment is not known: connecting says it.
		diags = append(diags, PleskURLMissing(cfg, opts.Getenv)...)
	}
	if opts.ReadFile != nil {
		// Without it the file system is not read: connecting says it.
		diags = append(diags, PleskCAFileProblems(cfg)...)
	}
	for name, ext := range opts.RecordedExtensionServices {
		if _, ok := cfg.Services[name]; !ok {
			if cfg.Retired == nil {
				cfg.Retired = map[string]string{}
			}
			cfg.Retired[name] = ext
		}
	}
	switch {
	case opts.Complete != nil:
		// A view completed before it is checked (a reseller's) is
		// completed only when it decoded without error.
		if parsed && !diags.HasErrors() {
			diags = append(diags, opts.Complete(cfg, Validate)...)
		}
	case parsed:
		diags = append(diags, Validate(cfg)...)
		if opts.CheckRest != nil && diags.HasErrors() {
			diags = append(diags, checkRest(cfg, diags, opts)...)
		}
	}
	diags.Sort()
	if diags.HasErrors() {
		return nil, diags
	}
	return cfg, diags
}
