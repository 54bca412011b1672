package config

import (
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
func Load(dir string, opts Options) (*model.Config, diag.Diagnostics) {
	w := walker{seen: make(map[string]struct{})}
	w.walkRoot(dir)
	slices.SortFunc(w.jobs, func(a, b walkJob) int { return strings.Compare(a.rel, b.rel) })
	files := make([]*File, len(w.jobs))
	decoded := make([]*Decoded, len(w.jobs))
	fileDiags := make([]diag.Diagnostics, len(w.jobs))
	inParallel(len(w.jobs), func(i int) {
		f, ds := walkReadFile(w.jobs[i])
		fileDiags[i] = ds
		if f != nil {
			decoded[i] = DecodeFile(f, opts)
			files[i] = f.withoutTree()
		}
	})
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
	return finishLoad(cfg, append(diags, more...), parsed, opts)
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
	}
	diags.Sort()
	if diags.HasErrors() {
		return nil, diags
	}
	return cfg, diags
}
