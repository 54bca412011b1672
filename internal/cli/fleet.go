package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plansync/plansync/internal/apply"
	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk"
	"github.com/plansync/plansync/internal/plesk/deploy"
	"github.com/plansync/plansync/internal/plesk/importer"
	"github.com/plansync/plansync/internal/plesk/refresh"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
	"github.com/plansync/plansync/internal/render"
	"github.com/plansync/plansync/state"
)

// This file runs a multi-server config (servers: / server "NAME" { }):
// the engine plans each server on its part of the config and of the
// recorded state (plan.MakeFleet); refresh reads, and apply writes, the
// connected servers in parallel; one state write records them all.

// defaultParallelism is how many servers apply and refresh work on at
// once.
const defaultParallelism = 4

// fleetGetenv hides the connection overrides (PLANSYNC_PLESK_URL, …)
// from a multi-server config: they name one server, and which one would
// be a guess. The first time one is set it says so on stderr.
func fleetGetenv(env Env) func(string) (string, bool) {
	return func(k string) (string, bool) {
		switch k {
		case plesk.EnvURL, plesk.EnvKey, plesk.EnvLogin, plesk.EnvPassword:
			return "", false
		}
		if env.Getenv == nil {
			return "", false
		}
		return env.Getenv(k)
	}
}

// warnFleetEnv warns when connection overrides are set for a
// multi-server config (they are ignored), except those the config itself
// reads ({env: PLANSYNC_PLESK_KEY} in a plesk block, as import of
// several servers writes it when they share a key) and those the command
// reads itself (used: import --server takes the shared credentials).
func warnFleetEnv(env Env, cfg *model.Config, used ...string) {
	named := map[string]bool{}
	for _, k := range used {
		named[k] = true
	}
	for _, s := range cfg.Servers {
		if s == nil || s.Plesk == nil {
			continue
		}
		for _, sec := range []*model.Secret{s.Plesk.Key, s.Plesk.Password} {
			if sec != nil && sec.Env != "" {
				named[sec.Env] = true
			}
		}
	}
	var set []string
	for _, k := range []string{plesk.EnvURL, plesk.EnvKey, plesk.EnvLogin, plesk.EnvPassword} {
		if env.env(k) != "" && !named[k] {
			set = append(set, k)
		}
	}
	if len(set) > 0 {
		env.warn(fmt.Sprintf("%s ignored: the config names several servers, each with its own plesk block; the environment overrides only a single-server config.", strings.Join(set, ", ")), diag.Range{}, "")
	}
}

// fleetClient returns the client of one server of a multi-server config
// (nil, nil without a plesk block).
func fleetClient(env Env, cfg *model.Config) (*xmlapi.Client, plesk.Connection, error) {
	conn, ok, err := plesk.Connect(cfg, fleetGetenv(env))
	if err != nil || !ok {
		return nil, conn, err
	}
	if v := env.env(EnvPleskTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, conn, fmt.Errorf("%s=%q: want a duration such as 30s", EnvPleskTimeout, v)
		}
		conn.API.Timeout = d
	}
	if conn.DefaultIP == "" {
		conn.DefaultIP = strings.TrimSpace(env.env(EnvDefaultIP))
	}
	if dir := env.env("PLANSYNC_PLESK_TRACE"); dir != "" && cfg.Server != nil && cfg.Server.Name != "" {
		// One folder per server, as for import: each client numbers
		// its packets.
		conn.API.TraceDir = filepath.Join(dir, cfg.Server.Name)
	}
	client, err := xmlapi.New(conn.API)
	return client, conn, err
}

// fleetServerAddress is the address (host:port) of a server of parts,
// as its client names it, or as its plesk block writes it when no
// client could be set up; its name when neither says.
func fleetServerAddress(client *xmlapi.Client, part plan.ServerConfig) string {
	if client != nil {
		return client.Server()
	}
	if s := part.Config.Server; s != nil && s.Plesk != nil {
		if u, err := url.Parse(s.Plesk.URL); err == nil && u.Host != "" {
			return u.Host
		}
	}
	return part.Name
}

// DefaultMemoryLimit is the soft memory limit plansync sets when the
// user sets none (GOMEMLIMIT): what one server's run of 100,000
// subscriptions needs to stay within 1 GiB.
const DefaultMemoryLimit = 800 << 20

// ScaleMemoryLimit raises plansync's default soft memory limit for a run
// that works on n servers at once: each holds its own read of its server
// and its own plan, so the budget is per server. Below the memory that
// many servers really hold, the soft limit would make the collector run
// without pause (20 servers of 5,000 subscriptions applied at once: 104 s
// of CPU instead of 21 s). A limit the user set (GOMEMLIMIT) is kept.
func ScaleMemoryLimit(n int) {
	if n <= 1 || debug.SetMemoryLimit(-1) != DefaultMemoryLimit {
		return
	}
	debug.SetMemoryLimit(int64(n) * DefaultMemoryLimit)
}

// atOnce is how many of n servers a run works on at once.
func atOnce(n, parallelism int) int {
	if parallelism <= 0 {
		parallelism = defaultParallelism
	}
	return min(n, parallelism)
}

// forEach runs f for every index below n, at most limit at once.
func forEach(n, limit int, f func(i int)) {
	if limit <= 0 {
		limit = defaultParallelism
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f(i)
		}()
	}
	wg.Wait()
}

// targetServer splits --target values: server/NAME limits a fleet run
// to one server; the others are object targets.
func targetServer(targets []string) (server string, rest []string, err error) {
	for _, t := range targets {
		if name, ok := strings.CutPrefix(t, "server/"); ok {
			if name == "" {
				// Not a server: without this, the run would be limited
				// to none and plan (and apply) every server.
				return "", nil, fmt.Errorf("--target %q: want server/NAME, the name of one of the config's servers", t)
			}
			if server != "" && server != name {
				return "", nil, fmt.Errorf("--target server/%s and server/%s: a run is limited to one server at most", server, name)
			}
			server = name
			continue
		}
		rest = append(rest, t)
	}
	return server, rest, nil
}

// checkOnlyServer refuses a --target server/NAME (only) that names no
// server of parts.
func checkOnlyServer(only string, parts []plan.ServerConfig) error {
	if only == "" {
		return nil
	}
	names := make([]string, len(parts))
	for i, p := range parts {
		if p.Name == only {
			return nil
		}
		names[i] = p.Name
	}
	return fmt.Errorf("--target server/%s: the config has no server %s (servers: %s)", only, only, strings.Join(names, ", "))
}

// planFleet plans a multi-server config into run: each connected server
// read (in parallel) and compared with its slice of the recorded state,
// then every server planned on its part.
func planFleet(ctx context.Context, env Env, c *common, run *planRun, now time.Time, a actor, sec plan.Secrets) error {
	cfg := run.cfg
	warnFleetEnv(env, cfg, c.connEnv...)
	parts, diags := plan.Partition(cfg)
	if diags.HasErrors() {
		return diags
	}
	printDiags(env, diags)
	only := c.onlyServer
	if only == "" {
		ScaleMemoryLimit(atOnce(len(parts), c.parallelism))
	}
	if err := checkOnlyServer(only, parts); err != nil {
		return err
	}
	// A single server's records, which the list's server default
	// adopts, are that server's (MakeFleet plans them so): read,
	// compared and planned as such.
	prior := plan.AdoptDefault(run.prior, parts)
	in := plan.FleetInput{Input: plan.Input{Config: cfg, Prior: prior, Lineage: state.NewLineage(), Now: now, Secrets: sec, Scope: a.scope(), Existing: c.existing, Held: c.heldValues},
		Parts: parts, Only: only, Basis: map[string]*state.Snapshot{}, Drift: map[string][]plan.Drift{}, Targets: c.targets,
		ComponentsRead: map[string]bool{}}
	var notes []string
	// refreshed holds each server's comparison, by name (read only once
	// planning starts).
	refreshed := map[string]*refresh.Result{}
	if c.refresh != nil && c.refresh.on {
		readCtx, readDone := c.stoppableRead(ctx)
		reads := readFleetKept(readCtx, env, c.refresh, parts, prior, only, c.parallelism, now, in.Lineage, configFormat(cfg), a.Reseller)
		if readDone() {
			return errStoppedReading
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, r := range reads {
			switch {
			case r.err != nil:
				env.warn(fmt.Sprintf("cannot read server %s to refresh the state: %v; %s is planned from the recorded state.", r.name, oneLine(r.err.Error()), r.name), diag.Range{}, "server "+r.name)
				notes = append(notes, fmt.Sprintf("server %s could not be read (%s): it is planned from the recorded state", r.name, oneLine(r.err.Error())))
				if run.fleetUnread == nil {
					run.fleetUnread = map[string]error{}
				}
				run.fleetUnread[r.name] = r.err
			case r.res != nil:
				in.Basis[r.name], in.Drift[r.name] = r.res.Observed, r.res.Drift
				refreshed[r.name] = r.res
				for i := range parts {
					if parts[i].Name == r.name {
						parts[i].Config, in.ComponentsRead[r.name] = readComponents(env.warn, parts[i].Config, r.srv, in.Basis[r.name])
					}
				}
				if run.fleetReads == nil {
					run.fleetReads = map[string]*refresh.Result{}
				}
				run.fleetReads[r.name] = r.res
			}
		}
	}
	// A connected server planned without a read (refresh off, or it
	// could not be read) has the components recorded at its last read.
	read := map[string]bool{}
	for name := range in.Basis {
		read[name] = true
	}
	for i := range parts {
		if read[parts[i].Name] || (only != "" && parts[i].Name != only) {
			continue
		}
		// A connection that cannot be set up (no credentials) is a
		// server that could not be read, as one that is down: not a
		// server without a plesk block, planned with the config's.
		if client, _, err := fleetClient(env, parts[i].Config); err != nil || client != nil {
			if rec := plan.SliceState(prior, parts[i].Name); rec != nil {
				before := parts[i].Config
				parts[i].Config = recordedComponents(env.warn, parts[i].Config, rec.Server, fleetServerAddress(client, parts[i]))
				if parts[i].Config != before {
					in.ComponentsRead[parts[i].Name] = true
				}
			}
		}
	}
	in.Annotate = func(name string, p *plan.Plan) {
		if d := in.Drift[name]; len(d) > 0 {
			p.Drift, p.Refreshed, p.Server = d, true, name
			refresh.Annotate(p)
		}
		if res := refreshed[name]; res != nil {
			res.AnnotateNoted(p)
		}
	}
	run.plan = plan.MakeFleet(in)
	run.plan.Notes = append(run.plan.Notes, notes...)
	if only != "" {
		run.plan.Partial, run.plan.Targets = true, append([]string{"server/" + only}, c.targets...)
	}
	return nil
}

// serverRead is what reading one server of a fleet gave: its comparison
// with the recorded slice, or why it could not be read (neither: no
// plesk block, or not read).
type serverRead struct {
	name string
	res  *refresh.Result
	err  error
	// srv is the read compared, fresh or kept (watch): its components
	// are what the server has either way.
	srv *refresh.Server
}

// readFleet reads the connected servers of parts (only, when set, alone),
// at most parallelism at once, and compares each with its slice of the
// recorded state.
func readFleet(ctx context.Context, env Env, parts []plan.ServerConfig, prior *state.Snapshot, only string, parallelism int, now time.Time, lineage, format, reseller string) []serverRead {
	return readFleetKept(ctx, env, nil, parts, prior, only, parallelism, now, lineage, format, reseller)
}

// readFleetKept is readFleet for a command that keeps its reads (watch:
// r.keep): a server read before is compared again from that read until
// r is stale (after an apply, or on the --refresh-every schedule), when
// every server is read again. A kept read is not passed on to apply
// (its Server is nil): apply reads the server itself.
func readFleetKept(ctx context.Context, env Env, r *refreshing, parts []plan.ServerConfig, prior *state.Snapshot, only string, parallelism int, now time.Time, lineage, format, reseller string) []serverRead {
	reads := make([]serverRead, len(parts))
	got := make([]*refresh.Server, len(parts))
	readFor := make([]string, len(parts))
	keep := r != nil && r.keep
	var configured atomic.Bool
	forEach(len(parts), parallelism, func(i int) {
		p := parts[i]
		reads[i].name = p.Name
		if only != "" && p.Name != only {
			return
		}
		client, _, err := fleetClient(env, p.Config)
		if err != nil || client == nil {
			reads[i].err = err
			return
		}
		if keep {
			configured.Store(true)
		}
		var srv *refresh.Server
		fresh := true
		readFor[i] = keptReadFor(client, prior)
		if keep && !r.stale && r.fleet[p.Name] != nil && r.fleetFor[p.Name] == readFor[i] {
			srv, fresh = r.fleet[p.Name], false
		} else if srv, err = refresh.Read(ctx, client, now, refresh.WantsServices(plan.SliceState(prior, p.Name), p.Config)); err != nil {
			reads[i].err = err
			return
		}
		got[i], reads[i].srv = srv, srv
		recorded := plan.SliceState(prior, p.Name)
		if recorded == nil {
			recorded = state.New(lineage)
		}
		reads[i].res = refresh.Compare(recorded, p.Config, srv, refresh.Options{Format: format, Reseller: reseller})
		if !fresh {
			reads[i].res.Server = nil
		}
	})
	if keep {
		r.configured, r.several = configured.Load(), true
		if r.fleet == nil || r.stale {
			r.fleet, r.fleetFor = map[string]*refresh.Server{}, map[string]string{}
		}
		for i, srv := range got {
			if srv != nil {
				r.fleet[parts[i].Name], r.fleetFor[parts[i].Name] = srv, readFor[i]
			}
		}
		r.stale = false
	}
	return reads
}

// runRefreshFleet is plansync refresh of a multi-server config: every
// connected server read in parallel, what each has recorded in one write;
// a server that cannot be read keeps its records and makes the run fail.
func runRefreshFleet(ctx context.Context, env Env, c *common, run *planRun, cfg *model.Config, now time.Time, reseller string) error {
	warnFleetEnv(env, cfg)
	parts, diags := plan.Partition(cfg)
	if diags.HasErrors() {
		return diags
	}
	lineage := state.NewLineage()
	if run.prior != nil {
		lineage = run.prior.Lineage
	}
	// A single server's records, which the list's server default
	// adopts, are compared as that server's.
	prior := plan.AdoptDefault(run.prior, parts)
	only := c.onlyServer
	if err := checkOnlyServer(only, parts); err != nil {
		return err
	}
	if only == "" {
		ScaleMemoryLimit(atOnce(len(parts), c.parallelism))
	}
	reads := readFleet(ctx, env, parts, prior, only, c.parallelism, now, lineage, configFormat(cfg), reseller)
	if err := ctx.Err(); err != nil {
		return err
	}
	var names, failed, none []string
	var recs []*state.Snapshot
	var drift []plan.Drift
	changed, comps, ids, agreed, skipped := false, false, 0, 0, 0
	for _, r := range reads {
		names = append(names, r.name)
		switch {
		case r.res != nil:
			changed = changed || r.res.Changed()
			ids += r.res.IDs
			agreed += r.res.Agreed
			for _, part := range parts {
				if part.Name == r.name {
					var before *state.Server
					if sl := plan.SliceState(prior, r.name); sl != nil {
						before = sl.Server
					}
					if recordReadComponents(part.Config, r.srv, r.res.Observed, before) {
						changed, comps = true, true
					}
				}
			}
			// (After its components: the accounts in model disagreement
			// keep their records.)
			recs = append(recs, r.res.ToRecord())
			for _, d := range r.res.Drift {
				d.Server = r.name
				drift = append(drift, d)
			}
			continue
		case r.err != nil:
			failed = append(failed, fmt.Sprintf("%s (%s)", r.name, oneLine(r.err.Error())))
		case only != "" && r.name != only:
			// Not read (--target server/NAME): kept as recorded.
			skipped++
		default:
			none = append(none, r.name)
		}
		recs = append(recs, plan.SliceState(prior, r.name))
	}
	if only != "" && len(none) > 0 {
		return fmt.Errorf("refresh --target server/%s: server %s has no plesk block to read", only, only)
	}
	if len(none) == len(parts) {
		return errors.New("refresh needs Plesk servers: none of the config's servers has a plesk block")
	}
	if len(drift) > 0 {
		plan.AdoptEverywhere(drift, parts)
		if err := render.DriftText(env.Stdout, &plan.Plan{Refreshed: true, Drift: drift}, render.Options{Color: env.color(), DriftAll: render.RefreshDriftAll}); err != nil {
			return err
		}
	}
	disagree, accounts, err := fleetDisagreements(ctx, env, parts, reads)
	if err != nil {
		return err
	}
	for _, name := range plan.RecordedServers(prior) {
		if !slices.Contains(names, name) {
			slice := plan.SliceState(prior, name)
			names, recs = append(names, name), append(recs, slice)
			if objects := plan.RecordedObjects(slice); len(objects) > 0 && name != "" {
				fmt.Fprintf(env.Stdout, "Note: the recorded state holds %s of server %s, which the config does not name: they were not read, and are kept as recorded.\n", counted(len(objects), "object"), name)
			}
		}
	}
	var serial uint64
	if run.prior != nil {
		serial = run.prior.Serial
	}
	read := counted(len(parts)-len(failed)-len(none)-skipped, "server")
	// Without drift, what is recorded: the Plesk identities found, or
	// else the servers' components.
	what := recordedWhat(ids, agreed, comps, "servers'")
	if changed {
		result := plan.JoinStates(lineage, serial, names, recs)
		entry := &state.HistoryEntry{Who: env.User, When: env.Now().UTC(), Summary: refreshEntry("of "+read, drift, what)}
		if len(drift) > 0 {
			entry.Changes = render.DriftHistory(drift)
		}
		expect := serial
		err := env.Interrupts.Critical(ctx, func(ctx context.Context) (err error) {
			serial, err = run.backend.Write(ctx, result, expect, entry)
			return err
		})
		if err != nil {
			return backendErr(run.backend, err)
		}
		if len(drift) == 0 {
			fmt.Fprintf(env.Stdout, "%s. Recorded %s (state serial %d).\n", noDriftBut(read, disagree, accounts), what, serial)
		} else {
			fmt.Fprintln(env.Stdout, recordedDrift(drift, read, serial, serial != expect || run.prior == nil, "servers were"))
		}
	} else {
		fmt.Fprintf(env.Stdout, "%s.\n", noDriftBut(read, disagree, accounts))
	}
	if len(failed) > 0 {
		return fmt.Errorf("cannot read %s: %s; their records are kept as they were", counted(len(failed), "server"), strings.Join(failed, "; "))
	}
	return nil
}

// serverOutcome is how an apply went on one server.
type serverOutcome struct {
	Name string `json:"name"`
	// Status is done, failed, not_reached or recorded (a server without
	// a plesk block: the plan is recorded only).
	Status  string   `json:"status"`
	Error   string   `json:"error,omitempty"`
	Writes  int      `json:"writes"`
	Pending []string `json:"pending"`
	out     *deploy.Outcome
}

// applyFleet applies a multi-server plan: the connected servers in
// parallel (at most --parallelism at once), each server's operations in
// order through deploy, then one state write of everything that
// succeeded (servers without a connection: their part of the plan).
func applyFleet(ctx context.Context, env Env, o applyOptions, c *common, run *planRun, p *plan.Plan, entry *state.HistoryEntry) error {
	return applyFleetWith(ctx, env, o, c, run, p, entry, run.fleetRun())
}

// fleetRun passes plan's fresh read of each server on to apply, and the
// servers plan could not read: those are not reached, even when their
// part of the plan (made from the recorded state) changes nothing.
func (r *planRun) fleetRun() fleetRun {
	fr := fleetRun{reads: map[string]serverReadNow{}, skip: map[string]error{}}
	for name, err := range r.fleetUnread {
		fr.skip[name] = err
	}
	for name, res := range r.fleetReads {
		if res == nil || res.Server == nil || res.Server.Read == nil {
			continue
		}
		if !reuseServerRead || time.Since(res.Server.ReadAt) > deploy.MaxReadAge {
			// Too old for deploy to use (it reads the server again):
			// let the collector have it now.
			res.Server = nil
			continue
		}
		fr.reads[name] = serverReadNow{res.Server.Read, res.Server.ReadAt}
	}
	return fr
}

// fleetRun is what an apply of several servers knows before it starts:
// reads of servers made in this run (deploy uses each for its first read
// while it is fresh), and servers not to apply (a read that failed).
type fleetRun struct {
	reads map[string]serverReadNow
	skip  map[string]error
}

type serverReadNow struct {
	read *importer.Snapshot
	at   time.Time
}

func applyFleetWith(ctx context.Context, env Env, o applyOptions, c *common, run *planRun, p *plan.Plan, entry *state.HistoryEntry, fr fleetRun) error {
	res, err := deployFleet(ctx, env, o.Parallelism, c, run, p, entry, fr)
	if err != nil {
		return err
	}
	outcomes, failed, serial := res.outcomes, res.failed, res.serial
	var failure error
	if len(failed) > 0 {
		failure = res.failure()
	}
	if o.Format == "json" {
		env.view.fail(failure)
		if err := applyFleetJSON(env, p, outcomes, len(failed) == 0, serial); err != nil {
			return err
		}
	} else {
		printFleetOutcome(env.Stdout, outcomes, serial)
	}
	if len(failed) > 0 {
		err := failure
		if o.Format == "json" {
			return afterDocument{err}
		}
		return err
	}
	return nil
}

// fleetResult is what deployFleet did: each server's outcome, the
// servers that failed or were not reached, and the state recorded.
type fleetResult struct {
	outcomes []serverOutcome
	failed   []string
	serial   uint64
	recorded *state.Snapshot
}

func (r fleetResult) failure() error {
	if r.recorded == nil {
		return fmt.Errorf("apply failed on %s of %s (%s); nothing was recorded: run apply again",
			counted(len(r.failed), "server"), counted(len(r.outcomes), "server"), strings.Join(r.failed, ", "))
	}
	return fmt.Errorf("apply failed on %s of %s (%s); what succeeded is recorded (state serial %d): run apply again to finish",
		counted(len(r.failed), "server"), counted(len(r.outcomes), "server"), strings.Join(r.failed, ", "), r.serial)
}

// deployFleet applies the servers of p in parallel (at most parallelism
// at once) and records, in one state write, everything that succeeded.
// The error is a failure to record (or an interruption); a server that
// failed is in the result.
func deployFleet(ctx context.Context, env Env, parallelism int, c *common, run *planRun, p *plan.Plan, entry *state.HistoryEntry, fr fleetRun) (fleetResult, error) {
	a, _ := parseAs(c.As)
	parts := p.Parts
	outcomes := make([]serverOutcome, len(parts))
	records := make([]*state.Snapshot, len(parts))
	type conn struct {
		client *xmlapi.Client
		conn   plesk.Connection
		err    error
	}
	conns := make([]conn, len(parts))
	for i, part := range parts {
		cl, cn, err := fleetClient(env, part.Config)
		if e := fr.skip[part.Name]; e != nil && err == nil {
			err = e
		}
		conns[i] = conn{cl, cn, err}
	}
	err := env.Interrupts.Critical(ctx, func(ctx context.Context) error {
		forEach(len(parts), parallelism, func(i int) {
			part := parts[i]
			oc := &outcomes[i]
			oc.Name, oc.Pending = part.Name, []string{}
			cn := conns[i]
			switch {
			case cn.err != nil:
				oc.Status, oc.Error = "not_reached", oneLine(cn.err.Error())
				oc.Pending = planPending(part.Plan)
				records[i] = part.Prior
				return
			case cn.client == nil:
				oc.Status = "recorded"
				records[i] = part.Plan.Result
				return
			}
			if part.Plan.Empty() && !partDrifted(p, part.Name) {
				oc.Status = "done"
				records[i] = part.Plan.Result
				return
			}
			opts := deploy.Options{
				DefaultIP: cn.conn.DefaultIP, DefaultIPAt: "default_ip in the plesk block of server " + part.Name,
				Secret: secretsOf(part.Config), Billing: billingOf(part.Config), Reseller: a.Reseller,
				OnlyChanges: run.saved,
			}
			// Plan's fresh read of this server stands for deploy's first
			// read (deploy reads again when it is too old).
			if r, ok := fr.reads[part.Name]; ok {
				opts.Read, opts.ReadAt = r.read, r.at
			}
			if !run.saved && reuseServerRead && !readNow(opts) {
				basis := part.Basis
				if basis == nil {
					basis = part.Prior
				}
				var err error
				if opts.Read, opts.ReadAt, err = readUnseen(ctx, cn.client, a.Reseller, part.Plan, basis, part.Config, run.clockNow(env)); err != nil {
					oc.Status, oc.Error = "failed", failureText(err)
					if !errors.As(err, new(*unseenDriftError)) {
						oc.Status = "not_reached"
						oc.Pending = planPending(part.Plan)
					} else {
						for _, ch := range part.Plan.Changes {
							oc.Pending = append(oc.Pending, string(ch.Kind)+" "+ch.Key)
						}
					}
					records[i] = part.Prior
					return
				}
				opts.OnlyChanges = true
			}
			out, err := deploy.Run(ctx, cn.client, part.Plan, part.Prior, opts)
			if out != nil {
				recordCreated(ctx, cn.client, a.Reseller, part.Config, part.Plan.Result, out, run.clockNow(env))
			}
			oc.out = out
			if out != nil {
				oc.Writes = out.Writes
				oc.Pending = append(oc.Pending, out.Pending...)
			}
			switch {
			case err == nil:
				oc.Status = "done"
			case (out == nil || out.Writes == 0 && !isOpError(err)) && unreached(err):
				oc.Status, oc.Error = "not_reached", failureText(err)
				if out == nil || len(out.Pending) == 0 {
					oc.Pending = planPending(part.Plan)
				}
			default:
				oc.Status, oc.Error = "failed", failureText(err)
				if out == nil {
					// Refused before any write (a subscription without
					// an IP address, a setting Plesk cannot unset): the
					// server answered, and everything it was to get is
					// pending.
					oc.Pending = planPending(part.Plan)
				}
			}
			if out != nil && out.Record != nil {
				records[i] = out.Record
			} else {
				records[i] = part.Prior
			}
		})
		return nil
	})
	if err != nil {
		return fleetResult{}, err
	}
	// Join what each server recorded with the servers not planned.
	names := make([]string, 0, len(parts))
	recs := make([]*state.Snapshot, 0, len(parts))
	planned := map[string]bool{}
	// A server that failed with nothing recorded (refused before any
	// write, or not reached) had nothing done: the history counts none
	// of its changes, its description's included.
	untouched := map[string]bool{}
	for i, part := range parts {
		planned[part.Name] = true
		names, recs = append(names, part.Name), append(recs, records[i])
		if st := outcomes[i].Status; (st == "failed" || st == "not_reached") && records[i] == part.Prior {
			untouched[part.Name] = true
		}
	}
	for _, name := range plan.RecordedServers(p.Result) {
		if !planned[name] {
			names, recs = append(names, name), append(recs, plan.SliceState(p.Result, name))
		}
	}
	lineage := p.Result.Lineage
	result := plan.JoinStates(lineage, p.PriorSerial, names, recs)
	var failed []string
	notDone, pending := map[string]bool{}, map[string]bool{}
	for _, oc := range outcomes {
		if oc.Status == "failed" || oc.Status == "not_reached" {
			failed = append(failed, oc.Name)
		}
		if oc.Status == "not_reached" || untouched[oc.Name] {
			notDone[oc.Name] = true
		}
		for _, k := range oc.Pending {
			pending[oc.Name+"\x00"+k] = true
		}
	}
	if len(failed) > 0 || len(pending) > 0 {
		// The history says what was done.
		entry = apply.EntryExcept(p, entry, func(server, kind, key string) bool {
			return notDone[server] || pending[server+"\x00"+kind+" "+key]
		})
	}
	if len(failed) > 0 {
		entry.Summary += fmt.Sprintf(" (not done on %s)", strings.Join(failed, ", "))
	}
	for _, oc := range outcomes {
		if oc.out != nil && oc.out.Succeeded > 0 && entry != nil {
			// What was written is in the history even when the record
			// is the one the state had (an apply that set back drift).
			// Writes that all failed changed nothing: the state is
			// written only if what it records changed.
			e := *entry
			e.Always = true
			entry = &e
			break
		}
	}
	if run.prior == nil && p.PriorSerial == 0 && len(parts) > 0 && len(untouched) == len(parts) {
		// No state yet, and no server had anything done (each refused
		// before any write, or not reached): nothing is recorded, as
		// with a single server; no state is created for it.
		return fleetResult{outcomes: outcomes, failed: failed}, nil
	}
	serial, writeErr := run.backend.Write(ctx, result, p.PriorSerial, entry)
	if writeErr != nil {
		var changed []string
		writes := 0
		for _, oc := range outcomes {
			if oc.out != nil && oc.out.Succeeded > 0 {
				changed = append(changed, oc.Name)
				writes += oc.out.Succeeded
			}
		}
		if writes > 0 {
			return fleetResult{}, unrecorded(changed, writes, backendErr(run.backend, writeErr))
		}
		return fleetResult{}, backendErr(run.backend, writeErr)
	}
	return fleetResult{outcomes: outcomes, failed: failed, serial: serial, recorded: result}, nil
}

// fleetDisagreements reads back, on each server, the subscriptions a
// refresh found in model disagreement (readBackDisagreements), prints
// what the servers still report otherwise than plansync predicts, each
// line naming its server, and returns how many objects that is and
// whether accounts are among them.
func fleetDisagreements(ctx context.Context, env Env, parts []plan.ServerConfig, reads []serverRead) (int, bool, error) {
	var lines []string
	n, accounts := 0, false
	for _, r := range reads {
		if r.res == nil || len(r.res.Disagreements) == 0 {
			continue
		}
		for _, part := range parts {
			if part.Name != r.name {
				continue
			}
			client, _, err := fleetClient(env, part.Config)
			if err != nil {
				return 0, false, err
			}
			ds, err := readBackDisagreements(ctx, client, r.srv, r.res.Disagreements)
			if err != nil {
				// Only reported, never recorded: what was read is
				// recorded (the accounts' are listed all the same).
				env.warn(fmt.Sprintf("server %s: %v", r.name, err), diag.Range{}, "")
			}
			k, acc := disagreeing(ds)
			n, accounts = n+k, accounts || acc
			for _, d := range ds {
				what := "subscription " + render.Escape(d.Subscription)
				if d.Account != "" {
					what = d.Account
				}
				lines = append(lines, fmt.Sprintf("  %s: %s: %s: predicted %s, server has %s", render.Escape(r.name), what, d.Property, d.Predicted, d.Observed))
			}
		}
	}
	if len(lines) > 0 {
		fmt.Fprintln(env.Stdout, "\nModel disagreements (the servers report other values than plansync predicted; not recorded):")
		for _, l := range lines {
			fmt.Fprintln(env.Stdout, l)
		}
		fmt.Fprintln(env.Stdout)
	}
	return n, accounts, nil
}

// partDrifted reports whether a server's part of the plan has drift to
// record even without changes.
func partDrifted(p *plan.Plan, name string) bool {
	for _, d := range p.Drift {
		if d.Server == name {
			return true
		}
	}
	return false
}

func isOpError(err error) bool { return deploy.OpError(err) != nil }

// planPending lists what a server's part of the plan changes on the
// server ("service_plan Basic", …; the server's own record is not
// written there): what stays pending when nothing was written.
func planPending(p *plan.Plan) []string {
	out := []string{}
	for _, ch := range p.Changes {
		if ch.Kind != plan.KindServer {
			out = append(out, string(ch.Kind)+" "+ch.Key)
		}
	}
	return out
}

// unreached reports whether err is the server not answering with a
// packet (unreachable, TLS, an HTML page, no answer in time) or refusing
// the packet as a whole (the key, the protocol version), rather than a
// failed operation or a refusal before any write.
func unreached(err error) bool {
	return errors.As(err, new(*xmlapi.TransportError)) || errors.As(err, new(*xmlapi.SystemError))
}

// failureText is one line naming the object, the operation and Plesk's
// errcode and errtext, or the error.
func failureText(err error) string {
	if oe := deploy.OpError(err); oe != nil {
		return fmt.Sprintf("%s %s of %s failed: errcode %d, errtext %q", oe.Operator, oe.Operation, oe.Object, oe.Code, oe.Text)
	}
	return oneLine(err.Error())
}

func printFleetOutcome(w io.Writer, outcomes []serverOutcome, serial uint64) {
	fmt.Fprintln(w, "\nServers:")
	done := 0
	for _, oc := range outcomes {
		switch oc.Status {
		case "done":
			done++
			fmt.Fprintf(w, "  %s: done (%s sent)\n", oc.Name, counted(oc.Writes, "write"))
		case "recorded":
			done++
			fmt.Fprintf(w, "  %s: recorded (no plesk connection)\n", oc.Name)
		case "failed":
			fmt.Fprintf(w, "  %s: failed: %s (%s pending)\n", oc.Name, oc.Error, counted(len(oc.Pending), "object"))
		case "not_reached":
			fmt.Fprintf(w, "  %s: not reached: %s\n", oc.Name, oc.Error)
		}
	}
	printOutcomes(w, outcomes)
	if serial == 0 {
		// Nothing recorded, and no state before (deployFleet).
		fmt.Fprintf(w, "Apply complete on %d of %s. Nothing was recorded (there is no state yet).\n", done, counted(len(outcomes), "server"))
		return
	}
	fmt.Fprintf(w, "Apply complete on %d of %s. State serial %d.\n", done, counted(len(outcomes), "server"), serial)
	for _, oc := range outcomes {
		if oc.out != nil {
			printDisagreementRecords(w, render.Escape(oc.Name)+": ", oc.out)
		}
	}
}

// applyFleetJSON is apply's JSON document with each server's outcome
// (server_outcomes) and, as for one server, what the servers reported
// after the writes, each item naming its server: model_disagreements,
// plesk_problems, pending and left_undone (each always present).
func applyFleetJSON(env Env, p *plan.Plan, outcomes []serverOutcome, applied bool, serial uint64) error {
	type disagreement struct {
		Server string `json:"server"`
		deploy.Disagreement
	}
	type problem struct {
		Server string `json:"server"`
		deploy.Problem
	}
	type item struct {
		Server string `json:"server"`
		Object string `json:"object"`
	}
	type note struct {
		Server string `json:"server"`
		Text   string `json:"text"`
	}
	dis, probs, pending, notes := []disagreement{}, []problem{}, []item{}, []note{}
	for _, oc := range outcomes {
		for _, k := range oc.Pending {
			pending = append(pending, item{oc.Name, k})
		}
		if oc.out == nil {
			continue
		}
		for _, d := range oc.out.Disagreements {
			dis = append(dis, disagreement{oc.Name, d})
		}
		for _, pr := range oc.out.Problems {
			probs = append(probs, problem{oc.Name, pr})
		}
		for _, n := range append(slices.Clone(oc.out.Notes), oc.out.Leftovers...) {
			notes = append(notes, note{oc.Name, n})
		}
	}
	return writeWithKeys(env, p, applied, serial, []keyValue{{"server_outcomes", outcomes},
		{"model_disagreements", dis}, {"plesk_problems", probs}, {"pending", pending}, {"left_undone", notes}})
}

// errNoServer is returned by --target server/NAME on a config with a
// single server (or none), naming the server asked for (SPEC §5: a bad
// input names the object).
func errNoServer(name string) error {
	return fmt.Errorf("--target server/%s: --target server/NAME limits a run to one server of a multi-server config (servers: or server \"NAME\" { } blocks); this config has a single server, default", name)
}
