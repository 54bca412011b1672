package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/plansync/plansync/internal/apply"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk"
	"github.com/plansync/plansync/internal/plesk/deploy"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
	"github.com/plansync/plansync/internal/render"
	"github.com/plansync/plansync/state"
	"github.com/spf13/cobra"
)

// validateOptions are the arguments of `plansync validate`.
type validateOptions struct {
	Dir     string
	Format  string
	NoCache bool
}

func newValidateCmd(env Env, c *common) *cobra.Command {
	return validateCommand(func(_ context.Context, o validateOptions) error {
		env.view.setFormat(o.Format)
		env.useCache, env.noCache = !o.NoCache, o.NoCache
		return runValidate(env, c, o)
	})
}

// validateCommand parses validate's flags into validateOptions for run.
func validateCommand(run func(context.Context, validateOptions) error) *cobra.Command {
	var o validateOptions
	cmd := &cobra.Command{
		Use:   "validate [--dir DIR] [--format text|json]",
		Short: "Check the config directory and report every problem",
		Long: `Check the config directory and report every problem, each with its
file:line:column. Nothing is written but the config cache (none with
--no-cache).

With --as reseller:LOGIN the directory is a reseller's folder, checked as
plan --as checks it: against the recorded state (--state, PLANSYNC_STATE),
which holds the reseller and what its objects refer to.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dir, "dir", ".", "config directory")
	f.StringVar(&o.Format, "format", "text", "output format of diagnostics: text or json")
	f.BoolVar(&o.NoCache, "no-cache", false, "do not read or write the cache under <dir>/.plansync/cache/ (decoded config files and state, secret answers; PLANSYNC_DEBUG=cache shows its use)")
	return cmd
}

func runValidate(env Env, c *common, o validateOptions) error {
	if err := checkFormat(o.Format, "text", "json"); err != nil {
		return err
	}
	a, err := parseAs(c.As)
	if err != nil {
		return err
	}
	// Peek at the recorded state, without locking it, only to know the
	// services of extensions it recorded. A reseller's folder is checked
	// as plan --as checks it: against the recorded state, which holds
	// the reseller and what its objects refer to, so that state must be
	// read.
	var prior *state.Snapshot
	b, err := openBackend(env, c, o.Dir)
	if err == nil {
		var rerr error
		prior, rerr = readPrior(context.Background(), b)
		b.Close()
		if rerr != nil && a.Reseller != "" {
			return rerr
		}
	} else if a.Reseller != "" {
		return err
	}
	load := configFor(env, o.Dir)
	if a.Reseller != "" {
		load = tenantConfig(env, o.Dir, a)
	}
	cfg, err := loadNow(load, prior)
	if err != nil {
		if b != nil {
			err = withState(err, b)
		}
		return err
	}
	if len(cfg.Servers) > 0 {
		// The environment's connection is ignored, as plan, apply and
		// refresh say.
		warnFleetEnv(env, cfg)
	}
	// Rules that need the effective values (a subscriber setting needs
	// its permission; renames) are the engine's: run it, without secrets.
	now, err := clock(env, "")
	if err != nil {
		return err
	}
	p := plan.Make(plan.Input{Config: cfg, Prior: prior, Lineage: "validate", Now: now, Scope: a.scope()})
	p.Diagnostics.Sort()
	if p.Diagnostics.HasErrors() {
		return p.Diagnostics
	}
	printDiags(env, p.Diagnostics)
	if o.Format == "json" {
		return render.DiagnosticsJSON(env.Stdout, env.view.warnings())
	}
	if a.Reseller != "" {
		// The config was completed from the recorded state: count only
		// what the reseller's folder holds, which is the reseller's.
		var sp, ap, cu, su int
		for _, x := range cfg.ServicePlans {
			sp += ownedBy(x.Owner, a.Reseller)
		}
		for _, x := range cfg.AddonPlans {
			ap += ownedBy(x.Owner, a.Reseller)
		}
		for _, x := range cfg.Customers {
			cu += ownedBy(x.Owner, a.Reseller)
		}
		for _, x := range cfg.Subscriptions {
			su += ownedBy(x.Owner, a.Reseller)
		}
		fmt.Fprintf(env.Stdout, "The configuration of reseller %s is valid: %s, %s, %s, %s, %s.\n", a.Reseller,
			counted(len(cfg.Files), "file"), counted(sp, "service plan"), counted(ap, "add-on plan"),
			counted(cu, "customer"), counted(su, "subscription"))
		return nil
	}
	fmt.Fprintf(env.Stdout, "The configuration is valid: %s, %s, %s, %s, %s, %s, %s.\n",
		counted(len(cfg.Files), "file"), counted(len(cfg.ServicePlans), "service plan"), counted(len(cfg.AddonPlans), "add-on plan"),
		counted(len(cfg.ResellerPlans), "reseller plan"), counted(len(cfg.Resellers), "reseller"), counted(len(cfg.Customers), "customer"),
		counted(len(cfg.Subscriptions), "subscription"))
	return nil
}

// ownedBy is 1 when owner is login, else 0.
func ownedBy(owner, login string) int {
	if owner == login {
		return 1
	}
	return 0
}

// planOptions are the arguments of `plansync plan`.
type planOptions struct {
	Dir              string
	Format           string
	DetailedExitCode bool
	Now              string
	Out              string
	Targets          []string
	AllowDelete      bool
	NoCache          bool
	NoRefresh        bool
	Parallelism      int
}

func newPlanCmd(env Env, c *common) *cobra.Command {
	return planCommand(func(ctx context.Context, o planOptions) error {
		env.view.setFormat(o.Format)
		env.useCache, env.noCache = !o.NoCache, o.NoCache
		return runPlan(ctx, env, c, o)
	})
}

// planCommand parses plan's flags into planOptions for run.
func planCommand(run func(context.Context, planOptions) error) *cobra.Command {
	var o planOptions
	cmd := &cobra.Command{
		Use:   "plan [--dir DIR] [--out FILE] [--format text|json|markdown] [--detailed-exitcode] [--now TIME] [--target KIND/KEY]... [--allow-delete] [--as admin|reseller:LOGIN]",
		Short: "Show what apply would change",
		Long: `Plan the config directory against the recorded state and show what apply
would change.

With a Plesk server (server.plesk, or PLANSYNC_PLESK_URL and
PLANSYNC_PLESK_KEY), plan first reads it and shows what was changed
outside plansync (drift: panel customisations, plans edited in the panel,
objects created or deleted by hand, statuses set by billing, lost
synchronization), each with its two resolutions (adopt it into the config,
or let apply set it back), and plans from what the server really has.
--refresh=false plans from the recorded state alone.

Each config file decoded (and a state file's decoded state) is kept in
<dir>/.plansync/cache/ (no secret in clear): the next run parses only the
files that changed. The plan is the same without it (--no-cache).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dir, "dir", ".", "config directory")
	f.BoolVar(&o.DetailedExitCode, "detailed-exitcode", false, "exit 2 when changes or conflicts are pending, 0 when there is nothing to do")
	f.StringVar(&o.Now, "now", "", "plan as of this time (2027-01-31 or RFC 3339; env PLANSYNC_NOW)")
	f.StringVar(&o.Out, "out", "", "save the plan to FILE, for plansync apply FILE")
	f.StringArrayVar(&o.Targets, "target", nil, "plan only KIND/KEY and what it forces (repeatable)")
	f.BoolVar(&o.AllowDelete, "allow-delete", false, "record in the saved plan that its deletes are allowed")
	f.StringVar(&o.Format, "format", "text", "output format: text, json or markdown")
	f.BoolVar(&o.NoCache, "no-cache", false, "do not read or write the cache under <dir>/.plansync/cache/ (decoded config files and state, secret answers; PLANSYNC_DEBUG=cache shows its use)")
	f.IntVar(&o.Parallelism, "parallelism", 0, "with several servers: how many servers are read at once (0: the default, 4)")
	refreshFlag(cmd, &o.NoRefresh)
	return cmd
}

func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return fmt.Errorf("--format %q: must be one of %s", format, strings.Join(allowed, ", "))
}

func (e Env) color() bool {
	// NO_COLOR (no-color.org), and a terminal that says it cannot show
	// colour (TERM=dumb, as Emacs shells and some CI logs set it).
	if e.env("NO_COLOR") != "" || e.env("TERM") == "dumb" {
		return false
	}
	return e.IsTerminal != nil && e.IsTerminal(e.Stdout)
}

func renderPlan(env Env, format string, p *plan.Plan) error {
	switch format {
	case "json":
		return render.PlanJSON(env.Stdout, p, env.view.warnings())
	case "markdown":
		return render.PlanMarkdown(env.Stdout, p)
	}
	return render.PlanText(env.Stdout, p, render.Options{Color: env.color()})
}

func runPlan(ctx context.Context, env Env, c *common, o planOptions) error {
	if err := checkFormat(o.Format, "text", "json", "markdown"); err != nil {
		return err
	}
	if o.Out != "" {
		if err := checkPlanOut(o.Out, o.Dir, statePath(env, c, o.Dir)); err != nil {
			return err
		}
	}
	if o.Parallelism < 0 {
		return fmt.Errorf("--parallelism %d: must be at least 1 (0: the default, 4)", o.Parallelism)
	}
	c.parallelism = o.Parallelism
	c.refresh = &refreshing{on: !o.NoRefresh, cmd: "plan", keepRead: o.Out != ""}
	pc := openPlanCache(env, c, o)
	if pc != nil {
		if done, err := pc.replay(ctx, c, o); done {
			return err
		}
		env = pc.record(env)
	}
	run, err := makePlan(ctx, env, c, o.Dir, "plan", o.Now, o.Targets)
	if err != nil {
		return err
	}
	defer run.close()
	// The plan is saved before it is printed: with --format json, a plan
	// that cannot be saved is one document, the plan with the error in
	// its diagnostics (SPEC §4), not the plan and then an error document.
	var saveErr error
	if o.Out != "" {
		saveErr = saveRun(ctx, env, c, o, run)
		if saveErr != nil && o.Format == "json" {
			env.view.fail(saveErr)
			_ = render.PlanJSON(env.Stdout, run.plan, env.view.warnings())
			return afterDocument{saveErr}
		}
	}
	if err := renderPlan(env, o.Format, run.plan); err != nil {
		return err
	}
	if pc != nil {
		pc.store(env, run, o.Now) // o.Out is "": nothing more is printed
	}
	if saveErr != nil {
		return saveErr
	}
	if o.Out != "" {
		fmt.Fprintf(env.Stderr, "Saved the plan to %s. Apply exactly this plan with: %s\n", o.Out, applyCommandLine(c, o.Dir, o.Out))
	}
	if o.DetailedExitCode && !run.plan.Empty() {
		return exitCode(ExitChanges)
	}
	return nil
}

// saveRun saves the plan of run to o.Out (plan --out): with a Plesk
// server, with what the server has for each object it changes.
func saveRun(ctx context.Context, env Env, c *common, o planOptions, run *planRun) (err error) {
	var observed map[string]string
	var perServer map[string]map[string]string
	var plesk string
	if run.plan.Parts != nil {
		if perServer, err = observeFleet(ctx, env, c, run); err != nil {
			return err
		}
	} else if client, _, err := pleskServer(env, run.cfg, c.As); err != nil {
		return err
	} else if client != nil {
		plesk = client.Server()
		a, _ := parseAs(c.As)
		if srv := run.serverRead(); srv != nil && a.Reseller == "" {
			// The read the plan was made from.
			observed = deploy.ObserveRead(srv, run.plan, run.prior)
		} else if observed, err = deploy.Observe(ctx, client, run.plan, run.prior, a.Reseller); err != nil {
			return err
		}
	}
	return savePlan(o, run.cfg, run, observed, perServer, plesk, c.As)
}

// applyOptions are the arguments of `plansync apply`.
type applyOptions struct {
	Dir             string
	Format          string
	AutoApprove     bool
	AcceptAvailable bool
	AllowDelete     bool
	Now             string
	PlanFile        string
	Targets         []string
	NoCache         bool
	NoRefresh       bool
	Parallelism     int
}

func newApplyCmd(env Env, c *common) *cobra.Command {
	return applyCommand(func(ctx context.Context, o applyOptions) error {
		env.view.setFormat(o.Format)
		env.useCache, env.noCache, env.writesState = !o.NoCache, o.NoCache, true
		if o.PlanFile != "" {
			return runApplySaved(ctx, env, c, o)
		}
		return runApply(ctx, env, c, o)
	})
}

// applyCommand parses apply's flags and PLANFILE into applyOptions for
// run.
func applyCommand(run func(context.Context, applyOptions) error) *cobra.Command {
	var o applyOptions
	cmd := &cobra.Command{
		Use:   "apply [--dir DIR] [PLANFILE] [--auto-approve] [--accept-available] [--allow-delete] [--format text|json|markdown] [--now TIME] [--as admin|reseller:LOGIN] [--target KIND/KEY]...",
		Short: "Make the recorded state match the config (or apply a saved plan)",
		Long: `Plan as plan does, show the plan and apply it (or apply a saved plan).

With a Plesk server, apply plans from what the server has (see plansync
plan --help): drift is shown first, and applying sets it back to the
config's values. --refresh=false plans from the recorded state alone.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if err := savedPlanFlags(cmd); err != nil {
					return err
				}
				o.PlanFile = args[0]
			}
			return run(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dir, "dir", ".", "config directory")
	f.StringVar(&o.Format, "format", "text", "output format: text, json or markdown (the plan it applies as plan --format markdown prints it)")
	f.BoolVar(&o.AutoApprove, "auto-approve", false, "apply without asking for confirmation")
	f.BoolVar(&o.AcceptAvailable, "accept-available", false, "apply conflicting subscriptions with the available values (they stay unsynced)")
	f.BoolVar(&o.AllowDelete, "allow-delete", false, "allow deleting customers, resellers and subscriptions")
	f.StringVar(&o.Now, "now", "", "apply as of this time (2027-01-31 or RFC 3339; env PLANSYNC_NOW)")
	f.StringArrayVar(&o.Targets, "target", nil, "apply only KIND/KEY and what it forces (repeatable)")
	// --strict was how to refuse a saved plan after any write to the
	// state; that is now always so (SPEC §4): the flag is still accepted,
	// so that scripts passing it keep working, and does nothing more.
	var strict bool
	f.BoolVar(&strict, "strict", false, "with PLANFILE: refuse it after any write to the state (always so now)")
	// Hidden, not marked deprecated: cobra would print the notice on
	// stdout, into a --format json document.
	_ = f.MarkHidden("strict")
	f.IntVar(&o.Parallelism, "parallelism", 0, "with several servers: how many servers are applied (and read) at once (0: the default, 4)")
	f.BoolVar(&o.NoCache, "no-cache", false, "do not read or write the cache under <dir>/.plansync/cache/ (decoded config files and state, secret answers; PLANSYNC_DEBUG=cache shows its use)")
	refreshFlag(cmd, &o.NoRefresh)
	return cmd
}

// savedPlanFlags refuses, with a saved plan, the flags that only shape a
// plan being made: the saved plan was made by plan --out, which fixed
// them (the clock, the targets, the server read it planned from).
func savedPlanFlags(cmd *cobra.Command) error {
	f := cmd.Flags()
	switch {
	case f.Changed("target"):
		return errors.New("--target cannot be used with a saved plan: it applies exactly what it holds; give --target to the plan --out that saves it")
	case f.Changed("now"):
		return errors.New("--now cannot be used with a saved plan: its clock was fixed when plan --out made it (expirations included); give --now to the plan --out that saves it")
	case f.Changed("refresh"):
		return errors.New("--refresh cannot be used with a saved plan: it was planned from what plan --out read, and applying it always checks the server again; give --refresh to the plan --out that saves it")
	}
	return nil
}

func runApply(ctx context.Context, env Env, c *common, o applyOptions) error {
	if err := checkFormat(o.Format, "text", "json", "markdown"); err != nil {
		return err
	}
	// With --format json, stdout is one JSON document: there is no room
	// for a question, even on a terminal. Refused before anything is read.
	if o.Format == "json" && !o.AutoApprove {
		return errors.New("apply --format json cannot ask for confirmation: pass --auto-approve, or apply a saved plan (plansync plan --out FILE, then plansync apply FILE); nothing was applied")
	}
	if o.Parallelism < 0 {
		return fmt.Errorf("--parallelism %d: must be at least 1 (0: the default, 4)", o.Parallelism)
	}
	c.parallelism = o.Parallelism
	c.refresh = &refreshing{on: !o.NoRefresh, cmd: "apply"}
	run, err := makePlan(ctx, env, c, o.Dir, "apply", o.Now, o.Targets)
	if err != nil {
		return err
	}
	defer run.close()
	p := run.plan
	opts := apply.Options{AcceptAvailable: o.AcceptAvailable, AllowDelete: o.AllowDelete, Who: env.User, Now: env.Now()}
	var client *xmlapi.Client
	var conn plesk.Connection
	if p.Parts == nil {
		if client, conn, err = pleskServer(env, run.cfg, c.As); err != nil {
			return err
		}
	}
	// Text and markdown show the plan before asking and applying; the
	// outcome that follows is the same lines in both.
	if o.Format != "json" {
		if err := renderPlan(env, o.Format, p); err != nil {
			return err
		}
	}
	if err := apply.Check(p, opts); err != nil {
		if o.Format == "json" {
			env.view.fail(err)
			_ = render.ApplyJSON(env.Stdout, p, false, p.PriorSerial, env.view.warnings())
			return afterDocument{err}
		}
		return err
	}
	// A server of several that could not be read is reported as not
	// reached (and the run exits 1) even when nothing is planned.
	if p.Empty() && run.prior != nil && !run.refreshedChanges() && len(run.fleetUnread) == 0 {
		if o.Format == "json" {
			return render.ApplyJSON(env.Stdout, p, false, p.PriorSerial, env.view.warnings())
		}
		fmt.Fprintln(env.Stdout, "Nothing to apply.")
		return nil
	}
	// A plan with no change is not asked about, as Terraform does not ask:
	// with no state yet, apply only records the empty one.
	noop := p.Empty() && run.prior == nil && client == nil && p.Parts == nil
	if !o.AutoApprove && !noop {
		if !env.IsTerminal(env.Stdin) {
			return errors.New("apply needs confirmation: run it on a terminal, or pass --auto-approve (as CI does)")
		}
		fmt.Fprint(env.Stdout, "\nDo you want to perform these actions? Only 'yes' will be accepted: ")
		answer, _ := bufio.NewReader(env.Stdin).ReadString('\n')
		if strings.TrimSpace(answer) != "yes" {
			fmt.Fprintln(env.Stdout, "Apply cancelled: nothing was changed.")
			return exitCode(ExitError)
		}
	}
	// With several servers, apply works on them in parallel, then records.
	if p.Parts != nil {
		return applyFleet(ctx, env, o, c, run, p, apply.Entry(p, opts))
	}
	// With a Plesk server, apply changes the server, then records.
	if client != nil {
		a, _ := parseAs(c.As)
		return applyOnServer(ctx, env, o, a.Reseller, run, p, apply.Entry(p, opts), client, conn)
	}
	progress := o.Format == "text" && env.IsTerminal != nil && env.IsTerminal(env.Stderr)
	var serial uint64
	err = showProgress(env, progress, len(p.Changes), run.backend.Describe(), func() error {
		return env.Interrupts.Critical(ctx, func(ctx context.Context) (err error) {
			serial, err = apply.Run(ctx, run.backend, p, opts)
			return err
		})
	})
	if err != nil {
		return backendErr(run.backend, err)
	}
	if o.Format == "json" {
		return render.ApplyJSON(env.Stdout, p, true, serial, env.view.warnings())
	}
	return render.ApplyText(env.Stdout, p.Summary, serial)
}

// progressEvery is how often a write in progress says how long it has run.
const progressEvery = time.Second

// showProgress runs write, saying on a terminal (stderr) what it records
// and where, how long it has been running every second, and how it
// ended. The changes are recorded as one atomic write, so there is no
// count of objects done to show, only the time it takes.
func showProgress(env Env, on bool, changes int, where string, write func() error) error {
	if !on {
		return write()
	}
	start := time.Now()
	what := fmt.Sprintf("Applying: recording %s %s in %s (one atomic write)", render.Thousands(changes), plural(changes, "change"), where)
	line := render.NewStatusLine(env.Stderr)
	line.Show(what + "…")
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				line.Show(fmt.Sprintf("%s… %s", what, time.Since(start).Round(time.Second)))
			}
		}
	}()
	err := write()
	close(done)
	<-stopped
	if err != nil {
		line.End(fmt.Sprintf("%s: failed after %s, nothing recorded", what, time.Since(start).Round(time.Millisecond)))
		return err
	}
	line.End(fmt.Sprintf("Applying: %s %s recorded in %s in %s", render.Thousands(changes), plural(changes, "change"), where, time.Since(start).Round(time.Millisecond)))
	return nil
}

// counted is "1 file", "2 files": n and word, plural unless n is 1.
func counted(n int, word string) string {
	return render.Thousands(n) + " " + plural(n, word)
}

// plural is word, with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
