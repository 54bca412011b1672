package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/refresh"
)

// serverComponents is cfg planned with the components a Plesk server
// reported (plan.ServerComponents), warning on w when the config's
// server.components differ from them.
func serverComponents(w io.Writer, cfg *model.Config, srv *refresh.Server) *model.Config {
	if srv == nil || srv.Config == nil || srv.Config.Server == nil {
		return cfg
	}
	out, missing, extra := plan.ServerComponents(cfg, srv.Config.Server.Components)
	if len(missing)+len(extra) > 0 {
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
	return out
}
