package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/render"
	"github.com/plansync/plansync/state"
)

// actor is who runs a command: the admin (Reseller "") or a reseller.
type actor struct {
	Reseller string
}

// parseAs reads --as: admin (the default) or reseller:LOGIN.
func parseAs(s string) (actor, error) {
	switch {
	case s == "" || s == model.Admin:
		return actor{}, nil
	case strings.HasPrefix(s, "reseller:") && len(s) > len("reseller:"):
		return actor{Reseller: strings.ToLower(strings.TrimPrefix(s, "reseller:"))}, nil
	}
	return actor{}, fmt.Errorf("--as %q: want admin or reseller:LOGIN", s)
}

func (a actor) scope() *plan.Scope {
	if a.Reseller == "" {
		return nil
	}
	return &plan.Scope{Reseller: a.Reseller}
}

// tenantConfig loads a reseller's config directory (a configLoader) and
// makes it the config its plan is made from, by the engine's tenancy
// rules (plan.CheckReseller, plan.ResellerConfig): only what the
// reseller may manage, completed from the recorded state. The reseller
// is checked against the state before anything of the files is
// reported.
func tenantConfig(env Env, dir string, a actor) configLoader {
	return func(stop context.Context, stateRead <-chan struct{}) (func(*state.Snapshot) (*model.Config, error), error) {
		opts := config.OSOptions()
		opts.Getenv = env.secretGetenv()
		opts.ReadFile = env.secretFileReader()
		opts.Shared = stateRead
		p, err := config.Prepare(stop, dir, opts)
		if err != nil {
			return nil, err
		}
		return tenantFinish(env, a, p), nil
	}
}

// tenantFinish is the end of tenantConfig once the files are prepared
// (by config.Prepare, or the watch's config.Reloader).
func tenantFinish(env Env, a actor, p *config.Prepared) func(*state.Snapshot) (*model.Config, error) {
	return func(prior *state.Snapshot) (*model.Config, error) {
		login := a.Reseller
		if r := plan.CheckReseller(prior, login); r != nil {
			if len(r.Servers) > 0 && !slices.Equal(r.Servers, []string{model.DefaultServer}) {
				return nil, fleetResellerError(login, r.Servers)
			}
			if len(r.Servers) == 0 {
				return nil, &missingResellerError{login: login, empty: r.NoState}
			}
			// The state of a servers list of one server named default
			// is a single server block's (SPEC §6.7): the reseller
			// works on it as on the block's.
			var err error
			if prior, err = plan.SingleServerPrior(prior); err != nil {
				return nil, err
			}
		}
		// The secrets were resolved by Prepare: Finish is given the
		// completion alone, as tenantConfig always gave it.
		cfg, ds := p.Finish(config.Options{Complete: func(cfg *model.Config, validate func(*model.Config) diag.Diagnostics) diag.Diagnostics {
			return plan.ResellerConfig(cfg, prior, login, validate)
		}})
		if ds.HasErrors() {
			return nil, ds
		}
		printDiags(env, ds)
		return cfg, nil
	}
}

// withUnavailable is a reseller's config (tenantConfig) planned with the
// services a read of the server shows the administrator made unavailable
// to resellers (refresh.Result.Unavailable). The reseller cannot read the
// services' definitions: its config has them from the recorded state,
// which may still say available, and would plan a sync the server
// cannot make. Its plans' subscriptions that include them conflict
// instead (SPEC §1.5), as in the administrator's view.
func withUnavailable(cfg *model.Config, names []string) *model.Config {
	if len(names) == 0 {
		return cfg
	}
	out := *cfg
	out.Services = maps.Clone(cfg.Services)
	for _, name := range names {
		if svc := out.Services[name]; svc != nil && svc.AvailableToResellers {
			cp := *svc
			cp.AvailableToResellers = false
			out.Services[name] = &cp
		}
	}
	return &out
}

// visibleTo filters shown objects to what an actor sees (plan.Scope's
// Manages), without the fields only the admin sees (plan.AdminOnly). A
// reseller also sees its own account, as Plesk shows a reseller its
// contact details, plan and allocation, but not the admin's description
// of it (SPEC §1.4: a reseller sees only its own customers'
// descriptions), and the services made available to resellers, which
// its plans may include.
func visibleTo(objs []render.Object, a actor) []render.Object {
	sc := a.scope()
	if sc == nil {
		return objs
	}
	var out []render.Object
	for _, o := range objs {
		kind, _ := o["kind"].(string)
		owner, _ := o["owner"].(string)
		if key, _ := o["key"].(string); kind == string(plan.KindReseller) && key == a.Reseller {
			delete(o, "description")
			out = append(out, o)
			continue
		}
		if avail, _ := o["available_to_resellers"].(bool); kind == "service" && avail {
			// The admin's service a reseller may put in its plans
			// (SPEC §1.5, §1.6): it sees what it can use.
			out = append(out, o)
			continue
		}
		managed := kind
		if kind == string(render.KindSubscriberSettings) {
			managed = string(plan.KindSubscription) // its subscription's
		}
		if !sc.Manages(managed, owner) {
			continue
		}
		for _, f := range plan.AdminOnly(kind) {
			delete(o, f)
		}
		out = append(out, o)
	}
	return out
}

// missingResellerError: --as reseller:LOGIN with a recorded state that
// has no such reseller (or no state at all).
type missingResellerError struct {
	login string
	empty bool
	// state describes the backend read, once known.
	state string
}

func (e *missingResellerError) Error() string {
	where := "the recorded state"
	if e.state != "" {
		where = e.state
	}
	what := "reseller " + e.login + " is not in " + where
	if e.empty {
		what = where + " holds no state yet, so no reseller " + e.login
	}
	return fmt.Sprintf("--as reseller:%s: %s. The admin creates the reseller (plansync apply on the whole catalogue); a reseller then plans against the same state: --state PATH|postgres://… or PLANSYNC_STATE (with --dir DIR alone the state is DIR/.plansync/state.json)", e.login, what)
}

// withState names the backend in a missingResellerError.
func withState(err error, b state.Backend) error {
	var me *missingResellerError
	if errors.As(err, &me) && me.state == "" {
		me.state = b.Describe()
	}
	return err
}

// fleetResellerError refuses --as reseller:LOGIN on the state of several
// servers. A reseller's directory plans against the admin's recorded
// state, which holds no server's address (those are in the admin's
// config, with its keys); it could not name the servers its objects go
// to, nor reach them, and its credentials would differ per server.
// Rather than guess, the run is refused.
func fleetResellerError(login string, servers []string) error {
	return fmt.Errorf("--as reseller:%s: the recorded state is that of several servers (%s), and a reseller's directory cannot work on several: "+
		"the servers, their addresses and which one each object is on are the admin's config, not the reseller's, and the recorded state holds no address to reach them with the reseller's credentials. "+
		"Run the admin's config (servers: …) without --as, or give the reseller a directory and state of its own per server (one server each)",
		login, strings.Join(servers, ", "))
}
