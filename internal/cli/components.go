package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/refresh"
	"github.com/plansync/plansync/state"
)

// warnFunc says a warning of the run (Env.warn).
type warnFunc func(text string, at diag.Range, object string)

// serverComponents is cfg planned with the components a Plesk server
// reported (plan.ServerComponents), warning on w when the config's
// server.components differ from them.
func serverComponents(warn warnFunc, cfg *model.Config, srv *refresh.Server) *model.Config {
	if srv == nil || srv.Config == nil || srv.Config.Server == nil {
		return cfg
	}
	out := withComponents(warn, cfg, srv.Config.Server.Components, srv.Name, "planning with the server's")
	if srv.ExtensionsRead {
		out = withExtensions(warn, out, srv.Extensions, srv.Name, "planning with the server's")
	}
	return out
}

// withExtensions is cfg planned with the extensions installed on the
// named server (plan.ServerExtensions), warning on w, saying how it
// plans, when the config's server.extensions differ.
func withExtensions(warn warnFunc, cfg *model.Config, installed []string, server, planning string) *model.Config {
	out, missing, extra := plan.ServerExtensions(cfg, installed)
	warnDiffers(warn, cfg, "extensions", missing, extra, server, planning)
	return out
}

// recordedComponents is serverComponents for a plan made without
// reading the server (--refresh=false, or a server that could not be
// read): the components recorded at the server's last read stand for
// what it has, so that a declared list the server never matched shows
// as the same warning, not as a change to the server nor as conflicts
// the server does not have. Nothing recorded: the declared list is
// trusted.
func recordedComponents(warn warnFunc, cfg *model.Config, rec *state.Server, server string) *model.Config {
	if rec == nil {
		return cfg
	}
	out := withComponents(warn, cfg, rec.Components, server, "planning with the server's as recorded at its last read")
	return withExtensions(warn, out, plan.ExtensionNames(rec.Extensions), server, "planning with the server's as recorded at its last read")
}

// withComponents is cfg planned with the components have of the named
// server (plan.ServerComponents), warning on w, saying how it plans,
// when the config's server.components differ.
func withComponents(warn warnFunc, cfg *model.Config, have []string, server, planning string) *model.Config {
	out, missing, extra := plan.ServerComponents(cfg, have)
	warnDiffers(warn, cfg, "components", missing, extra, server, planning)
	return out
}

// warnDiffers warns, when the config's server declares what (components,
// extensions) the named server lacks (missing) or does not declare what
// it has (extra), naming the differences and saying how the run plans.
func warnDiffers(warn warnFunc, cfg *model.Config, what string, missing, extra []string, server, planning string) {
	if len(missing)+len(extra) == 0 {
		return
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "declared but not installed: "+strings.Join(missing, ", "))
	}
	if len(extra) > 0 {
		parts = append(parts, "installed but not declared: "+strings.Join(extra, ", "))
	}
	name, declared := server, "the config's server."+what
	if cfg.Server.Name != "" {
		name = cfg.Server.Name + " (" + server + ")"
		declared = "the " + what + " the config declares for " + cfg.Server.Name
	}
	warn(fmt.Sprintf("the %s of server %s differ from %s (%s): %s.", what, name, declared, strings.Join(parts, "; "), planning),
		cfg.Server.Src.At(what), "server")
}

// observeComponents records in basis, the recorded state with what a
// server read found, the components the config is planned with when they
// were read from the server (cfg, as serverComponents returned it), and
// with extensions (the server's read had them) the declared extensions it
// has: the recorded server follows what the server has, which is an
// observation, not a change of the config to plan. basis's server record
// is replaced, not modified (it may be the prior snapshot's).
func observeComponents(basis *state.Snapshot, cfg *model.Config, extensions bool) {
	if basis == nil || basis.Server == nil || cfg == nil || cfg.Server == nil {
		return
	}
	srv := *basis.Server
	srv.Components = slices.Sorted(slices.Values(cfg.Server.Components))
	if extensions {
		srv.Extensions = plan.RecordedExtensions(cfg.Server)
	}
	basis.Server = &srv
}

// readComponents is cfg planned with the components (and extensions) of
// srv, a read of the server (serverComponents), recorded in basis, the
// comparison's recorded state, as observed (observeComponents); read
// says whether they replaced the config's.
func readComponents(warn warnFunc, cfg *model.Config, srv *refresh.Server, basis *state.Snapshot) (out *model.Config, read bool) {
	out = serverComponents(warn, cfg, srv)
	if out == cfg {
		return cfg, false
	}
	observeComponents(basis, out, srv.ExtensionsRead)
	return out, true
}

// recordReadComponents is what refresh records of a server's components:
// those srv, its read, reported, in observed (the recorded state the
// read is compared into; readComponents), reporting whether they differ
// from before, the components recorded until now. A refresh that finds
// no drift still records a changed list, so that a plan made without
// reading the server (--refresh=false) plans with what it has.
func recordReadComponents(cfg *model.Config, srv *refresh.Server, observed *state.Snapshot, before *state.Server) bool {
	var had []string
	if before != nil {
		had = before.Components
	}
	if _, read := readComponents(func(string, diag.Range, string) {}, cfg, srv, observed); !read || observed.Server == nil {
		return false
	}
	return before == nil || !slices.Equal(had, observed.Server.Components) ||
		!slices.Equal(plan.ExtensionNames(before.Extensions), plan.ExtensionNames(observed.Server.Extensions))
}
