package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/refresh"
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
	if cfg == nil || cfg.Server == nil || len(cfg.Server.Components) == 0 ||
		srv == nil || srv.Config == nil || srv.Config.Server == nil || len(srv.Config.Server.Components) == 0 {
		return cfg
	}
	have := srv.Config.Server.Components
	declared := cfg.Server.Components
	if missing, extra := listDiff(declared, have); len(missing)+len(extra) > 0 {
		var parts []string
		if len(missing) > 0 {
			parts = append(parts, "declared but not installed: "+strings.Join(missing, ", "))
		}
		if len(extra) > 0 {
			parts = append(parts, "installed but not declared: "+strings.Join(extra, ", "))
		}
		name := srv.Name
		if cfg.Server.Name != "" {
			name = cfg.Server.Name + " (" + srv.Name + ")"
		}
		fmt.Fprintf(w, "Warning: the components of server %s differ from the config's server.components (%s): planning with the server's.\n", name, strings.Join(parts, "; "))
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
