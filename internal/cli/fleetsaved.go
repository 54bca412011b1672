package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/plansync/plansync/internal/apply"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/deploy"
	"github.com/plansync/plansync/internal/plesk/importer"
	"github.com/plansync/plansync/state"
)

// This file saves and applies the plan of a multi-server config
// (plan --out, apply FILE): the saved plan keeps, per server, a digest
// of what that server had for each object the plan changes on it, and
// applying it refuses when one of them changed since.

// observeFleet returns, per server the plan changes something on, the
// digests of what the server has for those objects (deploy.Observe). It
// uses the read plan made of the server in this run; a server plan did
// not read is read now. A server that cannot be read fails the save,
// naming it: a saved plan without its observed values could be applied
// over a change made since.
func observeFleet(ctx context.Context, env Env, c *common, run *planRun) (map[string]map[string]string, error) {
	p := run.plan
	out := make([]map[string]string, len(p.Parts))
	errs := make([]error, len(p.Parts))
	forEach(len(p.Parts), c.parallelism, func(i int) {
		part := p.Parts[i]
		if len(part.Plan.Changes) == 0 {
			return
		}
		if r := run.fleetReads[part.Name]; r != nil && r.Server != nil && r.Server.Read != nil {
			out[i] = deploy.ObserveRead(r.Server.Read, part.Plan, part.Prior)
			return
		}
		client, _, err := fleetClient(env, part.Config)
		if err != nil || client == nil {
			errs[i] = err
			return
		}
		out[i], errs[i] = deploy.Observe(ctx, client, part.Plan, part.Prior, "")
	})
	all := map[string]map[string]string{}
	var failed []string
	for i, part := range p.Parts {
		if errs[i] != nil {
			failed = append(failed, fmt.Sprintf("server %s: %s", part.Name, oneLine(errs[i].Error())))
		}
		if out[i] != nil {
			all[part.Name] = out[i]
		}
	}
	if len(failed) > 0 {
		return nil, fmt.Errorf("--out: cannot read what the servers have for the objects the plan changes, so the plan is not saved: %s", strings.Join(failed, "; "))
	}
	return all, nil
}

// runApplySavedFleet applies a saved plan of a multi-server config: it
// is checked against the state and the config, each server it changes
// something on is read again (in parallel) and compared with what the
// plan observed there, and, when none changed, the servers are applied
// as apply does (applyFleet).
func runApplySavedFleet(ctx context.Context, env Env, c *common, o applyOptions, run *planRun, saved *apply.Saved, cfg *model.Config, digest string, opts apply.Options, show func()) error {
	cur := run.prior
	warnFleetEnv(env, cfg)
	parts, diags := plan.Partition(cfg)
	if diags.HasErrors() {
		return diags
	}
	if slices.Contains(plan.RecordedServers(cur), "") && slices.ContainsFunc(parts, func(p plan.ServerConfig) bool { return p.Name == model.DefaultServer }) {
		return &apply.StaleError{Reason: "the recorded state holds a single server's objects that the servers list adopts as server default; run plansync apply without a plan file once to adopt them"}
	}
	result, err := saved.Prepare(cur, digest)
	if err != nil {
		return err
	}
	run.cfg = cfg
	p := savedPlan(saved, result, cur)
	only, _, _ := targetServer(saved.Targets)
	for _, part := range parts {
		if only != "" && part.Name != only {
			continue
		}
		sp := &plan.Plan{Result: plan.SliceState(result, part.Name), Partial: p.Partial, PriorSerial: p.PriorSerial, PriorLineage: p.PriorLineage}
		if sp.Result == nil {
			sp.Result = state.New(result.Lineage)
		}
		for _, ch := range p.Changes {
			if ch.Server == part.Name {
				cp := *ch
				cp.Server = ""
				sp.Changes = append(sp.Changes, &cp)
				sp.Summary.Count(ch)
			}
		}
		if saved.Partial {
			for _, t := range saved.Targets {
				if !strings.HasPrefix(t, "server/") {
					sp.Targets = append(sp.Targets, t)
				}
			}
		}
		p.Parts = append(p.Parts, &plan.ServerPart{Name: part.Name, Plan: sp, Prior: plan.SliceState(cur, part.Name), Basis: plan.SliceState(cur, part.Name), Config: part.Config})
	}
	// Read again each server the plan changes something on, and refuse
	// the plan when what it observed there changed since (or, made with
	// --refresh=false, when what it changes changed there since the
	// recorded state). A server that cannot be read is not applied (not
	// reached); the others are.
	reads := make([]*importer.Snapshot, len(p.Parts))
	readAt := make([]time.Time, len(p.Parts))
	errs := make([]error, len(p.Parts))
	stale := make([][]string, len(p.Parts))
	hosts := make([]string, len(p.Parts))
	forEach(len(p.Parts), o.Parallelism, func(i int) {
		part := p.Parts[i]
		if len(part.Plan.Changes) == 0 {
			return
		}
		client, _, err := fleetClient(env, part.Config)
		if err != nil || client == nil {
			return // applyFleet reports it (not reached, or recorded)
		}
		hosts[i] = client.Server()
		srv, err := deploy.Read(ctx, client, "")
		if err != nil {
			errs[i] = err
			return
		}
		reads[i], readAt[i] = srv, time.Now()
		if saved.ObservedServers != nil {
			now := deploy.ObserveRead(srv, part.Plan, part.Prior)
			stale[i] = deploy.Drifted(saved.ObservedServers[part.Name], now)
		}
		if saved.Unrefreshed && len(stale[i]) == 0 {
			stale[i] = unseenChanges(srv, client, "", part.Plan, part.Basis, part.Config, run.clockNow(env))
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	var lines []string
	for i, part := range p.Parts {
		if len(stale[i]) > 0 {
			lines = append(lines, fmt.Sprintf("on %s (%s): %s", part.Name, hosts[i], apply.FirstNames(stale[i])))
		}
	}
	if len(lines) > 0 {
		if saved.Unrefreshed {
			return &apply.StaleError{Reason: "it was made from the recorded state alone (--refresh=false), and objects it changes changed on the servers since that state or since it was made (drift the plan did not show): " + strings.Join(lines, "; ")}
		}
		return &apply.StaleError{Reason: "objects it touches changed on the servers since it was made (drift): " + strings.Join(lines, "; ")}
	}
	show()
	fr := fleetRun{reads: map[string]serverReadNow{}, skip: map[string]error{}}
	for i, part := range p.Parts {
		if errs[i] != nil {
			fr.skip[part.Name] = errs[i]
		}
		if reads[i] != nil {
			fr.reads[part.Name] = serverReadNow{reads[i], readAt[i]}
		}
	}
	return applyFleetWith(ctx, env, o, c, run, p, apply.Entry(p, opts), fr)
}

// fleetConnected reports whether cfg names several servers (a servers
// list) of which at least one has a Plesk connection.
func fleetConnected(cfg *model.Config) bool {
	for _, s := range cfg.Servers {
		if s.Plesk != nil {
			return true
		}
	}
	return false
}
