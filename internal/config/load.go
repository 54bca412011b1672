package config

import (
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
func Load(dir string, opts Options) (*model.Config, diag.Diagnostics) {
	files, diags := ParseDir(dir)
	parsed := !diags.HasErrors()
	cfg, more := Decode(files, opts)
	return finishLoad(cfg, append(diags, more...), parsed, opts)
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
