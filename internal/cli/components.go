package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/refresh"
	"github.com/plansync/plansync/state"
)

// serverComponents is cfg planned with the components a Plesk server
// reported (SPEC §6.1: with a server, its components are read from it):
// what it can provide decides the conflicts, not what the config
// declares. A declared list that disagrees is a warning naming the
// differences. cfg itself is not changed (it may be a watch's cached
// decode). A config that declares no components, or a server that
// reported none, leaves cfg as it is (the recorded server object follows
// the config's server block, which such a config does not have).
func serverComponents(w io.Writer, cfg *model.Config, srv *refresh.Server) *model.Config {
	if srv == nil || srv.Config == nil || srv.Config.Server == nil {
		return cfg
	}
	return withComponents(w, cfg, srv.Config.Server.Components, srv.Name, "planning with the server's")
}

// recordedComponents is serverComponents for a plan made without
// reading the server (--refresh=false, or a server that could not be
// read): the components recorded at the server's last read stand for
// what it has, so that a declared list the server never matched shows
// as the same warning, not as a change to the server nor as conflicts
// the server does not have. Nothing recorded: the declared list is
// trusted.
func recordedComponents(w io.Writer, cfg *model.Config, rec *state.Server, server string) *model.Config {
	if rec == nil {
		return cfg
	}
	return withComponents(w, cfg, rec.Components, server, "planning with the server's as recorded at its last read")
}

func withComponents(w io.Writer, cfg *model.Config, have []string, server, planning string) *model.Config {
	if cfg == nil || cfg.Server == nil || len(cfg.Server.Components) == 0 || len(have) == 0 {
		return cfg
	}
	declared := cfg.Server.Components
	if missing, extra := listDiff(declared, have); len(missing)+len(extra) > 0 {
		var parts []string
		if len(missing) > 0 {
			parts = append(parts, "declared but not installed: "+strings.Join(missing, ", "))
		}
		if len(extra) > 0 {
			parts = append(parts, "installed but not declared: "+strings.Join(extra, ", "))
		}
		name := server
		if cfg.Server.Name != "" {
			name = cfg.Server.Name + " (" + server + ")"
		}
		fmt.Fprintf(w, "Warning: the components of server %s differ from the config's server.components (%s): %s.\n", name, strings.Join(parts, "; "), planning)
	}
	out := *cfg
	s := *cfg.Server
	s.Components = slices.Clone(have)
	out.Server = &s
	return &out
}

// listDiff returns what is in a but not in b, and what is in b but not
// in a, sorted.
func listDiff(a, b []string) (onlyA, onlyB []string) {
	inA, inB := map[string]bool{}, map[string]bool{}
	for _, x := range a {
		inA[x] = true
	}
	for _, x := range b {
		inB[x] = true
	}
	for x := range inA {
		if !inB[x] {
			onlyA = append(onlyA, x)
		}
	}
	for x := range inB {
		if !inA[x] {
			onlyB = append(onlyB, x)
		}
	}
	slices.Sort(onlyA)
	slices.Sort(onlyB)
	return onlyA, onlyB
}
