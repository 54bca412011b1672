package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk"
	"github.com/plansync/plansync/internal/plesk/deploy"
	"github.com/plansync/plansync/internal/plesk/importer"
	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/refresh"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
	"github.com/plansync/plansync/internal/render"
	"github.com/plansync/plansync/state"
)

// EnvPleskTimeout bounds each wait for the Plesk server: for an answer
// to begin, then between two parts of it (a Go duration such as 30s;
// default the client's, 60s).
const EnvPleskTimeout = "PLANSYNC_PLESK_TIMEOUT"

// refreshing says whether a command reads the Plesk server before it
// plans (set by plan, apply and watch; nil or off: never).
type refreshing struct {
	on bool
	// cmd names the command for the hint of a failure.
	cmd string
	// keep (watch) reuses the last read of the server (srv) until it is
	// stale: after an apply, or on the --refresh-every schedule.
	keep  bool
	srv   *refresh.Server
	stale bool
	// srvFor says what srv was read for: the server (address and
	// credentials) and the recorded state then (keptReadFor). A kept
	// read is only used for the same: another server or other
	// credentials in the config, or a state written since by another
	// run (which changed the server too), is read again, as plan would.
	srvFor string
	// fleet holds, for a multi-server config, each server's last read
	// (by name), kept and made stale as srv is.
	fleet map[string]*refresh.Server
	// fleetFor says what each of fleet was read for (srvFor).
	fleetFor map[string]string
	// configured says that the last config planned names a Plesk
	// server, read or not (down for a moment): watch --refresh-every
	// tries it again on its schedule.
	configured bool
	// several says that configured is about the servers of a
	// multi-server config.
	several bool
	// reseller limits the comparison to a reseller's objects (--as).
	reseller string
	// keepRead keeps the raw answer of the read outside apply too (plan
	// --out observes the objects it changes in it).
	keepRead bool
}

// refreshFlag adds --refresh (default true) to a command's flags; its
// value is stored negated in off, so that the options' zero value is
// the default.
func refreshFlag(cmd *cobra.Command, off *bool) {
	cmd.Flags().Var(negatedBool{off}, "refresh", "with a Plesk server, read it first and show what changed outside plansync (drift); --refresh=false plans from the recorded state alone")
	cmd.Flags().Lookup("refresh").NoOptDefVal = "true"
}

// negatedBool is a boolean flag stored as its negation.
type negatedBool struct{ off *bool }

func (n negatedBool) String() string { return strconv.FormatBool(n.off == nil || !*n.off) }
func (n negatedBool) Type() string   { return "bool" }
func (n negatedBool) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*n.off = !b
	return nil
}

// pleskClient returns the client of the config's Plesk server (nil, nil
// without one).
func pleskClient(env Env, cfg *model.Config) (*xmlapi.Client, error) {
	conn, ok, err := plesk.Connect(cfg, env.Getenv)
	if err != nil || !ok {
		return nil, err
	}
	if err := pleskTimeout(env, &conn); err != nil {
		return nil, err
	}
	return xmlapi.New(conn.API)
}

// readEnv is the environment the server is read with. With --as
// reseller:LOGIN and a login given, the credentials are the reseller's
// (SPEC §6.1): an administrator's key also set (PLANSYNC_PLESK_KEY) is
// not used, as apply does not use it to write. Without a login, a key
// reads the server as the administrator does.
func (r *refreshing) readEnv(env Env) Env {
	if r.reseller == "" || env.Getenv == nil || strings.TrimSpace(env.env(plesk.EnvLogin)) == "" {
		return env
	}
	get := env.Getenv
	env.Getenv = func(k string) (string, bool) {
		if k == plesk.EnvKey {
			return "", false
		}
		return get(k)
	}
	return env
}

// pleskTimeout sets the bound of each exchange from EnvPleskTimeout.
func pleskTimeout(env Env, conn *plesk.Connection) error {
	if v := env.env(EnvPleskTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s=%q: want a duration such as 30s", EnvPleskTimeout, v)
		}
		conn.API.Timeout = d
	}
	return nil
}

// configFormat is the format of a config directory's files: hcl when any
// is HCL, yaml otherwise.
func configFormat(cfg *model.Config) string {
	for _, f := range cfg.Files {
		if strings.HasSuffix(f, ".hcl") {
			return "hcl"
		}
	}
	return "yaml"
}

// observe reads the config's Plesk server and compares it with the
// recorded state. It returns nil (and reads nothing) without a server or
// with refreshing off.
func (r *refreshing) observe(ctx context.Context, env Env, cfg *model.Config, prior *state.Snapshot, now time.Time) (*refresh.Result, string, error) {
	if r == nil || !r.on {
		return nil, "", nil
	}
	client, err := pleskClient(r.readEnv(env), cfg)
	if err != nil {
		// A connection that cannot be set up (no credentials, a url
		// refused, contradicting variables) is the configuration's to
		// fix: no hint about --refresh=false, which is for a server
		// that cannot be reached or read (below).
		return nil, "", err
	}
	r.configured, r.several = client != nil, false
	if client == nil {
		return nil, "", nil
	}
	srv := r.srv
	readFor := keptReadFor(client, prior)
	fresh := !r.keep || srv == nil || r.stale || r.srvFor != readFor
	if fresh {
		srv, err = r.read(ctx, client, prior, cfg, now)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, "", err
		}
		if werr := r.notTheReseller(env, client, err); werr != nil {
			return nil, "", werr
		}
		if werr := r.resellerRefused(env, client, err, prior); werr != nil {
			return nil, "", werr
		}
		hint := "fix the connection, or plan from the recorded state alone with --refresh=false"
		switch r.cmd {
		case "watch":
			hint = "fix the connection; watch reads it again at the next change"
		case "refresh":
			hint = "fix the connection (server.plesk or PLANSYNC_PLESK_URL and PLANSYNC_PLESK_KEY) and run it again"
		}
		return nil, "", fmt.Errorf("cannot read the Plesk server to refresh the state: %v; %s", err, hint)
	}
	if fresh && r.cmd != "apply" && !r.keepRead {
		// Only apply's deploy reuses the raw answer (for its first
		// read); elsewhere it is dropped before the comparison, which
		// on a large server halves what the run holds at its peak.
		srv.Read = nil
	}
	r.srv, r.stale, r.srvFor = srv, false, readFor
	recorded := prior
	if recorded == nil {
		recorded = state.New(state.NewLineage())
	}
	res := refresh.Compare(recorded, cfg, srv, refresh.Options{Format: configFormat(cfg), Reseller: r.reseller})
	if !fresh {
		res.Server = nil // an earlier run's read: apply reads the server again
	}
	if !r.keep {
		// What the server has is in the observed state now: the engine
		// plans without the server's own config and records, which are
		// not looked at again (only its components are, and apply's
		// deploy takes the raw answer); at 10,000 subscriptions they are
		// 11 of the 56 MiB the run would hold when the plan is made.
		srv = srv.Slim()
		r.srv = srv
		if res.Server != nil {
			res.Server = srv
		}
	}
	return res, client.Server(), nil
}

// keptReadFor identifies what a read kept by watch stands for: the
// server and the credentials it was read with (other credentials may be
// refused, or see the server otherwise), and the recorded state (lineage
// and serial) it was compared with.
func keptReadFor(client *xmlapi.Client, prior *state.Snapshot) string {
	who := client.Server() + "\x00" + client.Login() + "\x00" + client.Credentials()
	if prior == nil {
		return who
	}
	return fmt.Sprintf("%s\x00%s\x00%d", who, prior.Lineage, prior.Serial)
}

// notTheReseller explains a read with --as reseller:LOGIN refused for
// lack of permission when the login used is another's than the
// reseller's (another reseller's, a customer's): it was read as the
// administrator reads (a reseller reads its own view only with its own
// login), which Plesk refuses that account. nil otherwise.
func (r *refreshing) notTheReseller(env Env, client *xmlapi.Client, err error) error {
	login := client.Login()
	if r.reseller == "" || login == "" || strings.EqualFold(login, r.reseller) || !permissionDenied(err) {
		return nil
	}
	source := "the config's server.plesk login"
	if strings.TrimSpace(env.env(plesk.EnvLogin)) != "" {
		source = plesk.EnvLogin
	}
	return fmt.Errorf("--as reseller:%s, but %s is %s, not the reseller's login: plesk %s refused that account what only the administrator may read (error %d); the credentials must be the reseller's (%s=%s and %s) or the administrator's",
		r.reseller, source, login, client.Server(), xmlapi.ErrPermission, plesk.EnvLogin, r.reseller, plesk.EnvPassword)
}

// resellerRefused explains a read with --as reseller:LOGIN, with the
// reseller's own login, that Plesk refused to authenticate (error 1001):
// its password is wrong, or it is suspended (Plesk lets no suspended
// reseller log in), which the recorded state says when the administrator
// suspended it with plansync. nil otherwise.
func (r *refreshing) resellerRefused(env Env, client *xmlapi.Client, err error, prior *state.Snapshot) error {
	var se *xmlapi.SystemError
	if r.reseller == "" || !strings.EqualFold(client.Login(), r.reseller) || !errors.As(err, &se) || se.Code != xmlapi.ErrAuth {
		return nil
	}
	source := "the config's server.plesk password"
	if strings.TrimSpace(env.env(plesk.EnvPassword)) != "" {
		source = plesk.EnvPassword
	}
	why := fmt.Sprintf("check reseller %s's password (%s), and that reseller %s is not suspended: a suspended reseller cannot log in", r.reseller, source, r.reseller)
	if prior != nil {
		for i := range prior.Resellers {
			if rs := &prior.Resellers[i]; rs.Login == r.reseller && rs.Status == "suspended" {
				why = fmt.Sprintf("reseller %s is recorded suspended: a suspended reseller cannot log in (the administrator activates it)", r.reseller)
			}
		}
	}
	return fmt.Errorf("cannot read the Plesk server to refresh the state: %v; %s", err, why)
}

// permissionDenied reports whether Plesk refused a request for lack of
// permission (error 1006).
func permissionDenied(err error) bool {
	var se *xmlapi.SystemError
	var oe *xmlapi.OpError
	return errors.As(err, &se) && se.Code == xmlapi.ErrPermission || errors.As(err, &oe) && oe.Code == xmlapi.ErrPermission
}

// read reads the server: all of it with the administrator's
// credentials; with a reseller's (--as reseller:LOGIN), what Plesk lets
// the reseller see (its plans, customers and subscriptions), planned
// with the server components recorded at the last read, which a
// reseller cannot read.
func (r *refreshing) read(ctx context.Context, client *xmlapi.Client, prior *state.Snapshot, cfg *model.Config, now time.Time) (*refresh.Server, error) {
	if r.reseller == "" || client.Login() != r.reseller {
		// The additional services' definitions are the admin's to read
		// (protocol 1.6.9.0), and read when there are some to compare.
		return refresh.Read(ctx, client, now, r.reseller == "" && refresh.WantsServices(prior, cfg))
	}
	at := time.Now()
	snap, err := importer.ReadAs(ctx, client, r.reseller)
	if err != nil {
		return nil, err
	}
	srv := refresh.FromSnapshot(withRecordedComponents(snap, client, r.reseller, prior), now)
	srv.ReadAt = at
	return srv, nil
}

// refreshOptions are the arguments of `plansync refresh`.
type refreshOptions struct {
	Dir         string
	Now         string
	Targets     []string
	Parallelism int
}

func newRefreshCmd(env Env, c *common) *cobra.Command {
	var o refreshOptions
	cmd := &cobra.Command{
		Use:   "refresh [--dir DIR] [--now TIME] [--target server/NAME] [--parallelism N]",
		Short: "Record what the Plesk server has, changing nothing on it",
		Long: `Read the config's Plesk server (server.plesk, or PLANSYNC_PLESK_URL and
PLANSYNC_PLESK_KEY) and record in the state what it really has for every
object the state or the config names: values changed in the panel,
subscriptions locked or suspended outside plansync, objects created or
deleted by hand, and each object's Plesk GUID and id. The server is not
changed. The drift recorded is printed; the next plan then shows, as
changes, what apply would set back to the config's values.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRefresh(cmd.Context(), env, c, o)
		},
	}
	cmd.Flags().StringVar(&o.Dir, "dir", ".", "config directory")
	cmd.Flags().StringVar(&o.Now, "now", "", "as of this time (2027-01-31 or RFC 3339; env PLANSYNC_NOW)")
	cmd.Flags().StringArrayVar(&o.Targets, "target", nil, "with several servers: refresh only server/NAME (the others' records are kept as they are)")
	cmd.Flags().IntVar(&o.Parallelism, "parallelism", 0, "with several servers: how many servers are read at once (0: the default, 4)")
	return cmd
}

func runRefresh(ctx context.Context, env Env, c *common, o refreshOptions) error {
	now, err := clock(env, o.Now)
	if err != nil {
		return err
	}
	if err := checkDir(o.Dir); err != nil {
		return err
	}
	if o.Parallelism < 0 {
		return fmt.Errorf("--parallelism %d: must be at least 1 (0: the default, 4)", o.Parallelism)
	}
	c.parallelism = o.Parallelism
	only, rest, err := targetServer(o.Targets)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("--target %s: refresh reads whole servers; it takes --target server/NAME only", rest[0])
	}
	c.onlyServer = only
	a, err := parseAs(c.As)
	if err != nil {
		return err
	}
	load := configFor(env, o.Dir)
	if a.Reseller != "" {
		load = tenantConfig(env, o.Dir, a)
	}
	run, cfg, err := lockedConfig(ctx, env, c, o.Dir, "refresh", load)
	if err != nil {
		return err
	}
	defer run.close()
	if len(cfg.Servers) > 0 {
		return runRefreshFleet(ctx, env, c, run, cfg, now, a.Reseller)
	}
	if only != "" && only != model.DefaultServer {
		return errNoServer(only)
	}
	r := &refreshing{on: true, cmd: "refresh", reseller: a.Reseller}
	res, server, err := r.observe(ctx, env, cfg, run.prior, now)
	if err != nil {
		return err
	}
	if res == nil {
		return fmt.Errorf("refresh needs a Plesk server: set server.plesk in the config, or %s and %s", plesk.EnvURL, plesk.EnvKey)
	}
	if len(res.Drift) > 0 {
		p := &plan.Plan{Refreshed: true, Server: server, Drift: res.Drift}
		if err := render.DriftText(env.Stdout, p, render.Options{Color: env.color(), DriftAll: render.RefreshDriftAll}); err != nil {
			return err
		}
	}
	var before *state.Server
	if run.prior != nil {
		before = run.prior.Server
	}
	comps := recordReadComponents(cfg, r.srv, res.Observed, before)
	var disagree []deploy.Disagreement
	if len(res.Disagreements) > 0 {
		client, err := pleskClient(env, cfg)
		if err != nil {
			return err
		}
		if disagree, err = readBackDisagreements(ctx, client, r.srv, res.Disagreements); err != nil {
			// Only reported, never recorded: what was read is recorded.
			env.warn(err.Error(), diag.Range{}, "")
		}
	}
	printDisagreements(env.Stdout, disagree)
	if !res.Changed() && !comps {
		fmt.Fprintf(env.Stdout, "%s.\n", noDrift(server, disagree))
		return nil
	}
	entry := &state.HistoryEntry{Who: env.User, When: env.Now().UTC(), Summary: refreshSummary(server, res)}
	if len(res.Drift) > 0 {
		entry.Changes = render.DriftHistory(res.Drift)
	}
	var serial uint64
	prior := uint64(0)
	if run.prior != nil {
		prior = run.prior.Serial
	}
	err = env.Interrupts.Critical(ctx, func(ctx context.Context) (err error) {
		serial, err = run.backend.Write(ctx, res.ToRecord(), prior, entry)
		return err
	})
	if err != nil {
		return backendErr(run.backend, err)
	}
	if len(res.Drift) == 0 {
		fmt.Fprintf(env.Stdout, "%s. Recorded %s (state serial %d).\n", noDrift(server, disagree), recordedWhat(res.IDs, res.Agreed, comps, "server's"), serial)
		return nil
	}
	wrote := serial != prior || run.prior == nil
	said := recordedDrift(res.Drift, server, serial, wrote, "server was")
	if wrote {
		said += " Run plansync plan to see what apply would set back."
	}
	fmt.Fprintln(env.Stdout, said)
	return nil
}

// recordedDrift says what a refresh recorded of the drift it found on
// what (a server, or "N servers", whose "server was" or "servers
// were" not changed), now at serial (wrote: a new serial was written).
// A rename in the panel (a plan's name, an account's login, a
// subscription's domain) is not recorded: the state keeps objects under their recorded names, and
// what refers to them names them so. Drift of those alone writes
// nothing, and is said so, not claimed recorded.
func recordedDrift(drift []plan.Drift, what string, serial uint64, wrote bool, notChanged string) string {
	renames := 0
	for i := range drift {
		if isRename(&drift[i]) {
			renames++
		}
	}
	const kept = "a rename in the panel, which the state does not record (it keeps objects under their recorded names)"
	if !wrote {
		why := "the recorded state already holds what it can of the drift above"
		if renames == len(drift) {
			why = "the drift above is " + kept
			if renames > 1 {
				why = "the drift above is renames in the panel, which the state does not record (it keeps objects under their recorded names)"
			}
		}
		return fmt.Sprintf("Nothing was recorded from %s (state serial %d): %s; the next plan shows it again, with what apply would set back.", what, serial, why)
	}
	out := fmt.Sprintf("Recorded %s from %s (state serial %d); the %s not changed.", counted(len(drift)-renames, "drift item"), what, serial, notChanged)
	if renames > 0 {
		out += fmt.Sprintf(" Not recorded: %s in the panel (the state keeps objects under their recorded names), which the next plan shows again.", counted(renames, "rename"))
	}
	return out
}

// isRename reports whether a drift item is only a rename in the panel
// (a plan's name, an account's login, a subscription's domain): its one
// field is its kind's key. A customer's or reseller's name is a contact
// field, recorded like any other.
func isRename(d *plan.Drift) bool {
	if d.Cause == plan.DriftCreated || d.Cause == plan.DriftDeleted || d.Cause == plan.DriftMissing || len(d.Fields) == 0 {
		return false
	}
	key := "name"
	switch d.Kind {
	case plan.KindCustomer, plan.KindReseller:
		key = "login"
	case plan.KindSubscription:
		key = "domain"
	}
	for _, f := range d.Fields {
		if f.Path != key {
			return false
		}
	}
	return true
}

// readBackDisagreements reads back the subscriptions whose records
// differ from what their plans on the server give while nothing drifted
// (an apply kept their records, the server disagreeing) and returns
// what the server still reports otherwise than plansync predicts: the
// model disagreements apply reported, which a refresh does not record
// either. The customers whose status is in model disagreement are
// listed as the refresh read them.
func readBackDisagreements(ctx context.Context, client *xmlapi.Client, srv *refresh.Server, list []refresh.Disagreement) ([]deploy.Disagreement, error) {
	if len(list) == 0 {
		return nil, nil
	}
	expected := make([]deploy.Expected, 0, len(list))
	var accounts []deploy.Disagreement
	for _, d := range list {
		if d.Account != "" || d.Noted {
			// An account's status, a subscription's noted sync status, as
			// the refresh read them (no read-back: the read is this
			// refresh's).
			sub := ""
			if d.Noted {
				sub = d.Key
			}
			for _, f := range d.Fields {
				accounts = append(accounts, deploy.Disagreement{Subscription: sub, Account: d.Account, Property: f.Path, Predicted: plainValue(f.Recorded), Observed: plainValue(f.Observed)})
			}
			continue
		}
		e := deploy.Expected{Domain: d.Key, Predicted: d.Predicted, Settings: d.Settings}
		for _, f := range d.Fields {
			e.Paths = append(e.Paths, f.Path)
		}
		expected = append(expected, e)
	}
	if len(expected) == 0 || client == nil {
		return accounts, nil
	}
	var php *mapping.PHPHandlers
	if srv != nil {
		php = srv.PHP
	}
	out, err := deploy.ReadBackOn(ctx, client, php, expected)
	if err != nil {
		return accounts, fmt.Errorf("cannot read back the subscriptions in model disagreement from %s (%v): the model disagreements that may persist there are not shown", client.Server(), err)
	}
	return append(accounts, out...), nil
}

// plainValue is a status value as a model disagreement names it: its
// text plain (suspended, not "suspended"), its JSON form as it is.
func plainValue(v plan.Val) deploy.Value {
	if str, ok := v.JSON.(string); ok {
		v.Text = str
	}
	return deploy.Value{Val: v}
}

// noDrift says that a refresh found no drift on what (a server, N
// servers): the recorded state matches it, but for the subscriptions in
// model disagreement (printDisagreements listed them).
func noDrift(what string, ds []deploy.Disagreement) string {
	n, accounts := disagreeing(ds)
	return noDriftBut(what, n, accounts)
}

// disagreeing counts the objects of a list of disagreements (each
// object's together), and says whether accounts are among them.
func disagreeing(ds []deploy.Disagreement) (n int, accounts bool) {
	for i, d := range ds {
		if i == 0 || d.Subscription != ds[i-1].Subscription || d.Account != ds[i-1].Account {
			n++
		}
		accounts = accounts || d.Account != ""
	}
	return n, accounts
}

// noDriftBut says that a refresh found no drift on what but for n
// objects in model disagreement: subscriptions, or objects when
// accounts are among them.
func noDriftBut(what string, n int, accounts bool) string {
	noun := "subscription"
	if accounts {
		noun = "object"
	}
	switch n {
	case 0:
		return "No drift: the recorded state matches " + what
	case 1:
		return "No drift from " + what + ", but 1 " + noun + " in model disagreement (above) keeps the record it had"
	}
	return fmt.Sprintf("No drift from %s, but %s %ss in model disagreement (above) keep the records they had", what, render.Thousands(n), noun)
}

// printDisagreements lists the model disagreements a refresh found, as
// apply does.
func printDisagreements(w io.Writer, ds []deploy.Disagreement) {
	if len(ds) > 0 {
		printOutcome(w, &deploy.Outcome{Disagreements: ds})
	}
}

func refreshSummary(server string, res *refresh.Result) string {
	return refreshEntry("from "+server, res.Drift, recordedWhat(res.IDs, res.Agreed, res.IDs == 0, "server's"))
}

// refreshEntry is the history summary of a refresh of what (from HOST,
// of N servers) that recorded drift items (renames in the panel, which
// the state does not record, left out of the count, as recordedDrift
// says), or, with none, what (see recordedWhat).
func refreshEntry(of string, drift []plan.Drift, what string) string {
	n := 0
	for i := range drift {
		if !isRename(&drift[i]) {
			n++
		}
	}
	if n == 0 {
		return fmt.Sprintf("refresh %s: no drift, %s recorded", of, what)
	}
	return fmt.Sprintf("refresh %s: %s recorded", of, counted(n, "drift item"))
}

// recordedWhat says what a refresh without drift recorded: the Plesk
// identities it found (ids) and the subscriptions whose noted sync status
// the server now agrees with (agreed), or, when it found neither, the
// components of whose (the server's, the servers') when they changed
// (comps).
func recordedWhat(ids, agreed int, comps bool, whose string) string {
	if agreed > 0 {
		what := counted(agreed, "subscription") + " whose sync status the server now reports as predicted"
		if ids > 0 {
			what = identities(ids) + " and " + what
		}
		return what
	}
	if ids == 0 && comps {
		return "the " + whose + " components"
	}
	return identities(ids)
}

func identities(n int) string {
	if n == 1 {
		return "1 Plesk identity"
	}
	return render.Thousands(n) + " Plesk identities"
}

// refreshedChanges reports whether the plan was made against a server
// whose state differs from the recorded one (drift, or identities to
// fill) in what it records: an apply with nothing to change still
// records it.
func (r *planRun) refreshedChanges() bool {
	if r.plan != nil && r.plan.Parts != nil {
		// Several servers: what a refresh observed is in the result.
		return r.plan.Refreshed && r.prior != nil && !state.ContentEqual(r.plan.Result, r.prior)
	}
	return r.observed != nil && r.observed.Changed() && r.prior != nil && !state.ContentEqual(r.plan.Result, r.prior)
}

// connected reports whether the last plan read a Plesk server.
func (r *refreshing) connected() bool { return r != nil && (r.srv != nil || len(r.fleet) > 0) }

// scheduled reports whether a --refresh-every tick has a Plesk server
// to read: one read before, or one the config names that could not be
// read yet.
func (r *refreshing) scheduled() bool { return r.connected() || r != nil && r.configured }

// applied notes that an apply changed things: the next plan reads the
// server again.
func (r *refreshing) applied() {
	if r != nil {
		r.stale = true
	}
}

// revertsDrift lists, once each and in drift's order, the drifted
// objects a plan changes back (watch --apply leaves those to a person
// unless --self-heal).
func revertsDrift(p *plan.Plan) []string {
	if len(p.Drift) == 0 {
		return nil
	}
	// The changes of each object, by its address (and by its old one
	// when renamed).
	byAddr := map[string][]*plan.Change{}
	for _, c := range p.Changes {
		byAddr[c.Address()] = append(byAddr[c.Address()], c)
		if c.RenamedFrom != "" {
			byAddr[c.OldAddress()] = append(byAddr[c.OldAddress()], c)
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, d := range p.Drift {
		// Drift apply does not set back (the administrator's doing,
		// seen by a reseller) is reverted by no change: the plan's
		// changes of its object record what the server has.
		if a := d.Address(); !d.NoRevert && !seen[a] && reverts(byAddr[a], d) {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// reverts reports whether changes, those of drift d's object, may set
// it back: any of them for drift without fields (created, deleted,
// renamed by hand), and any but an update for the others; an update
// only when it changes one of d's fields. A change of the object that
// leaves its drifted values as the server has them (a reseller
// customised in the panel given its own allocation, plan none, as the
// drift's adopt block says) adopts the drift.
func reverts(changes []*plan.Change, d plan.Drift) bool {
	if len(changes) == 0 {
		return false
	}
	if len(d.Fields) == 0 || d.Gone {
		return true
	}
	for _, c := range changes {
		if c.Action != plan.Update || c.RenamedFrom != "" {
			return true
		}
		for _, f := range c.Fields {
			for _, df := range d.Fields {
				if f.Path == df.Path || strings.HasPrefix(f.Path, df.Path+".") || strings.HasPrefix(df.Path, f.Path+".") {
					return true
				}
			}
		}
	}
	return false
}

// driftTouched lists, once each and in drift's order, the addresses of
// the drift items on objects that changes change (or rename).
func driftTouched(changes []*plan.Change, drift []plan.Drift) []string {
	if len(drift) == 0 {
		return nil
	}
	changed := map[string]bool{}
	for _, c := range changes {
		changed[c.Address()] = true
		if c.RenamedFrom != "" {
			changed[c.OldAddress()] = true
		}
	}
	var out []string
	seen := map[string]bool{}
	for i := range drift {
		a := drift[i].Address()
		if changed[a] && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// refreshTicker is watch's schedule of server reads (a nil channel when
// off).
type refreshTicker struct {
	t *time.Ticker
	c <-chan time.Time
}

func watchRefreshTicker(every time.Duration) refreshTicker {
	if every <= 0 {
		return refreshTicker{}
	}
	t := time.NewTicker(every)
	return refreshTicker{t: t, c: t.C}
}

func (t refreshTicker) stop() {
	if t.t != nil {
		t.t.Stop()
	}
}

// targetDrift keeps, on a plan limited by --target, the drift of the
// targeted objects and of what the partial plan changes.
func targetDrift(p *plan.Plan, drift []plan.Drift, targets []string) {
	if len(drift) == 0 {
		return
	}
	keep := map[string]bool{}
	for _, t := range targets {
		if ref, err := p.Scope.ParseTarget(t); err == nil {
			keep[ref.Kind+" "+ref.Key] = true
		}
	}
	for _, c := range p.Changes {
		keep[c.Address()] = true
	}
	p.Drift = nil
	for _, d := range drift {
		if keep[d.Address()] {
			p.Drift = append(p.Drift, d)
		}
	}
}
