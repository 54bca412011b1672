package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/render"
	"github.com/plansync/plansync/state"
	"github.com/spf13/cobra"
)

// Version is plansync's version, set at build time with -ldflags.
var Version = "0.1.0-dev"

// Commit is the VCS revision plansync was built from, set at build time
// with -ldflags; when left empty, the revision Go recorded in the build
// information (vcs.revision) is used, if any.
var Commit = ""

// Exit codes (SPEC §4).
const (
	ExitOK      = 0
	ExitError   = 1
	ExitChanges = 2
)

// exitCode carries an exit code without a message of its own (the
// command already printed what the user needs).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// common holds the flags every command accepts.
type common struct {
	State       string
	StateName   string
	LockTimeout time.Duration
	As          string
	// stateFile, when set (by watch), is the state file to use: the one
	// the given state path resolved to at start, so that a link swapped
	// during a plan or apply does not move its lock, read and write.
	stateFile string
	// lockStop, when set (by watch), cuts a wait for the state lock
	// (--lock-timeout) and the connection to the state short once it
	// is done, and the read of the Plesk servers before planning
	// stopReadGrace later: the signal that stops the watch ends them,
	// while a plan that holds the lock is finished (its context is not
	// cancelled).
	lockStop context.Context
	// priors, when set (by watch), keeps the last snapshot read so an
	// unchanged state is not read again.
	priors *priorCache
	// last, when set (by watch), holds the last plan made, whose
	// unchanged subscriptions the next plan carries over.
	last *lastPlan
	// planOnly (watch without --apply) makes a run that only plans, as
	// plan does: it writes nothing, so it leaves an empty database as it
	// found it, and plans from a read-only state without its lock.
	planOnly bool
	// refresh, when on (plan, apply, watch), reads the Plesk server
	// before planning.
	refresh *refreshing
	// onlyServer (--target server/NAME) limits a multi-server run to one
	// server; parallelism bounds how many servers are worked on at once.
	onlyServer  string
	parallelism int
	// connEnv are the connection variables (PLANSYNC_PLESK_KEY, …) the
	// command reads itself, not ignored with several servers: import
	// --server takes the shared credentials from them.
	connEnv []string
	// targets are the object targets (--target KIND/KEY) of a plan or
	// apply; a multi-server plan applies them to each server's plan.
	targets []string
	// replace (import --force) plans from nothing: the recorded state is
	// replaced wholly by what is planned, written as the next serial of
	// the same lineage (its history and backups go on).
	replace bool
	// existing (import) says the config is what the servers already
	// have (plan.Input.Existing): a custom subscription is recorded with
	// the values the server reports, not a default plan's.
	existing bool
	// heldValues (import) are the resources the servers hold for their
	// unsynchronized subscriptions (refresh.Held, plan.Input.Held).
	heldValues map[string]model.Props
	// lockedValues (import of several servers) are the values they
	// hold for their locked subscriptions (refresh.Locked).
	lockedValues map[string]model.Props
	// held is a state lock a command took before writing anything
	// (import --force, before it replaces the config files): the run
	// that records takes it over instead of locking again.
	held *heldLock
}

// heldLock is a state lock taken ahead of the run that records.
type heldLock struct {
	backend state.Backend
	lock    state.Lock
}

// release releases a lock no run took over.
func (c *common) release() {
	if h := c.held; h != nil {
		c.held = nil
		_ = h.lock.Unlock()
		_ = h.backend.Close()
	}
}

// check refuses flag values every command shares that their types allow
// but that mean nothing.
func (c *common) check(cmd *cobra.Command) error {
	if f := cmd.Flags().Lookup("dir"); f != nil && f.Changed && f.Value.String() == "" {
		// An empty --dir (an unset variable in a script) is no
		// directory, not the current one.
		return errors.New(`--dir "": name the config directory (--dir . for the current one)`)
	}
	if c.LockTimeout < 0 {
		return fmt.Errorf("invalid argument %q for \"--lock-timeout\" flag: a timeout cannot be negative (0 tries the lock once)", c.LockTimeout)
	}
	return nil
}

// Main runs plansync with args and returns the process exit code.
// A panic is a bug: it is reported as one and exits 1, never 0 or 2 (the
// code --detailed-exitcode gives pending changes), so CI cannot mistake a
// crash for a plan.
func Main(ctx context.Context, args []string, env Env) (code int) {
	defer func() {
		if r := recover(); r != nil {
			code = reportPanic(env, r, debug.Stack())
		}
	}()
	env.view = &diagView{}
	root := newRoot(ctx, env)
	args = terraformDashes(root, args)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && !env.view.isJSON() && asksJSON(cmd, args) {
		// The command line itself was wrong (a flag or an argument), so
		// the command never chose its view: its --format json still
		// gets its one JSON document (SPEC §4).
		env.view.setFormat("json")
	}
	return report(env, err)
}

// asksJSON says whether the command line asks cmd, a command whose
// --format offers json, for --format json: the flag's parsed value, or,
// when parsing stopped before it, the last --format among args.
func asksJSON(cmd *cobra.Command, args []string) bool {
	if cmd == nil {
		return false
	}
	f := cmd.Flags().Lookup("format")
	if f == nil || !strings.Contains(f.Usage, "json") {
		return false
	}
	if f.Changed {
		return f.Value.String() == "json"
	}
	format := ""
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--":
			return format == "json"
		case a == "--format" && i+1 < len(args):
			format = args[i+1]
			i++
		case strings.HasPrefix(a, "--format="):
			format = strings.TrimPrefix(a, "--format=")
		}
	}
	return format == "json"
}

// report prints err (if it has anything to say) and maps it to an exit
// code: the one place errors become exit codes.
func report(env Env, err error) int {
	if err == nil {
		return ExitOK
	}
	var code exitCode
	if errors.As(err, &code) {
		return int(code)
	}
	var after afterDocument
	if env.view.isJSON() {
		if !errors.As(err, &after) && env.view.refused != nil {
			_ = render.RefusedPlanJSON(env.Stdout, env.view.all(err), env.view.refused)
		} else if !errors.As(err, &after) {
			_ = render.DiagnosticsJSON(env.Stdout, env.view.all(err))
		}
		// Else the document printed holds the error: nothing goes
		// to stderr.
		return ExitError
	}
	var ds diag.Diagnostics
	if errors.As(err, &ds) {
		printDiags(env, ds)
		return ExitError
	}
	fmt.Fprintf(env.Stderr, "Error: %s\n", render.EscapeLines(err.Error()))
	return ExitError
}

// reportPanic prints a recovered panic as the bug it is and returns the
// exit code for it.
func reportPanic(env Env, r any, stack []byte) int {
	fmt.Fprintf(env.Stderr, "Error: internal error: %v\n\nThis is a bug in plansync %s, not a problem with your input.\nPlease report it with this message and the stack below.\n\n%s", r, Version, stack)
	return ExitError
}

// diagView is where a run's diagnostics go: as text on stderr when they
// come (the default), or, for a command run with --format json, held to
// go into the one JSON document the run prints on stdout: the plan's or
// apply's document (under "diagnostics": its warnings), validate's, or,
// when the run fails, {"format_version": "1", "diagnostics": [...]}
// holding the warnings and the errors. A nil view prints text.
type diagView struct {
	json bool
	held diag.Diagnostics
	// refused is a refreshed plan the engine refused: the failure's
	// document holds its drift.
	refused *plan.Plan
}

// setFormat chooses the view for a command's --format.
func (v *diagView) setFormat(format string) {
	if v != nil {
		v.json = format == "json"
	}
}

func (v *diagView) isJSON() bool { return v != nil && v.json }

// warnings are the diagnostics held so far (warnings: errors end the run).
func (v *diagView) warnings() diag.Diagnostics {
	if v == nil {
		return nil
	}
	return v.held
}

// fail holds the diagnostics of err, the error that ends a run whose
// JSON document is still to be printed (an apply refused or failed): the
// document's "diagnostics" then hold it with the warnings (SPEC §4:
// errors with --format json are in the document's diagnostics).
func (v *diagView) fail(err error) {
	if v == nil || err == nil {
		return
	}
	v.held = v.all(err)
}

// all is the held diagnostics and those of err (any other error becomes
// one error diagnostic), in file order.
func (v *diagView) all(err error) diag.Diagnostics {
	out := append(diag.Diagnostics{}, v.warnings()...)
	var ds diag.Diagnostics
	if errors.As(err, &ds) {
		out = append(out, ds...)
	} else {
		d := diag.Diagnostic{Severity: diag.Error, Summary: err.Error()}
		var oe objectError
		if errors.As(err, &oe) {
			d.Object = oe.object
		}
		// A state file that cannot be decoded: the place is the
		// diagnostic's file, line and column.
		var se *state.SyntaxError
		if errors.As(err, &se) && se.Path != "" {
			d.Subject = diag.Range{File: se.Path, Start: diag.Pos{Line: se.Line, Column: se.Column}}
		}
		out = append(out, d)
	}
	out.Sort()
	return out
}

// afterDocument is an error of a command that already printed its JSON
// document on stdout, holding the error in its diagnostics
// (diagView.fail): stdout stays one document, and nothing goes to
// stderr.
type afterDocument struct{ err error }

func (e afterDocument) Error() string { return e.err.Error() }
func (e afterDocument) Unwrap() error { return e.err }

// warn says a warning of the run: on stderr as "Warning: text", or, for
// a command run with --format json, in its document's diagnostics (with
// the place in the config it is about, when there is one, and the
// object).
func (e Env) warn(text string, at diag.Range, object string) {
	if e.view.isJSON() {
		e.view.held = append(e.view.held, diag.Diagnostic{Severity: diag.Warning, Summary: text, Subject: at, Object: object})
		return
	}
	fmt.Fprintf(e.Stderr, "Warning: %s\n", text)
}

// printDiags shows diagnostics: on stderr as text (an error with its
// source line), or held for the run's JSON document (see diagView).
func printDiags(env Env, ds diag.Diagnostics) {
	if len(ds) == 0 {
		return
	}
	if env.view.isJSON() {
		env.view.held = append(env.view.held, ds...)
		return
	}
	_ = render.DiagnosticsText(env.Stderr, ds, os.ReadFile)
}

func newRoot(ctx context.Context, env Env) *cobra.Command {
	var c common
	root := &cobra.Command{
		Use:           "plansync",
		Short:         "Manage a hosting catalogue (plans, accounts, subscriptions) as code",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetIn(env.Stdin)
	root.CompletionOptions.HiddenDefaultCmd = false
	root.SetVersionTemplate("plansync {{.Version}}\n")
	pf := root.PersistentFlags()
	pf.StringVar(&c.State, "state", "", "recorded state: a file path or postgres://… (env PLANSYNC_STATE; default <dir>/.plansync/state.json)")
	pf.StringVar(&c.StateName, "state-name", "", "name of the state within a shared backend (env PLANSYNC_STATE_NAME; default \"default\")")
	pf.DurationVar(&c.LockTimeout, "lock-timeout", 0, "how long to wait for the state lock (e.g. 30s)")
	pf.StringVar(&c.As, "as", "admin", "act as admin or reseller:LOGIN (a reseller manages only its own plans, customers and subscriptions)")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error { return c.check(cmd) }
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%w (see %s --help)", err, cmd.CommandPath())
	})
	root.AddCommand(
		newValidateCmd(env, &c),
		newPlanCmd(env, &c),
		newApplyCmd(env, &c),
		newShowCmd(env, &c),
		newStateCmd(env, &c),
		newForceUnlockCmd(env, &c),
		newVersionCmd(env),
		newWatchCmd(env, &c),
		newFmtCmd(env, &c),
		newImportCmd(env, &c),
		newRefreshCmd(env, &c),
	)
	// cobra's `completion bash|zsh|fish|powershell`; an unknown shell is
	// an error rather than the help text with exit 0.
	root.InitDefaultCompletionCmd()
	for _, cmd := range root.Commands() {
		if cmd.Name() == "completion" {
			cmd.Args = cobra.NoArgs
			cmd.RunE = func(cmd *cobra.Command, args []string) error {
				return errors.New("completion needs a shell: bash, zsh, fish or powershell")
			}
		}
	}
	return root
}

func newVersionCmd(env Env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version [--format text|json]",
		Short: "Print plansync's version (the same as plansync --version)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Version   string `json:"version"`
					Commit    string `json:"commit"`
					GoVersion string `json:"go_version"`
				}{Version, buildCommit(), runtime.Version()})
			}
			fmt.Fprintf(env.Stdout, "plansync %s\n", Version)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

// buildCommit is the VCS revision the binary was built from (with
// "+dirty" when the work tree had changes), or "" when the build did not
// record one (go run, go test, a build outside a repository).
func buildCommit() string {
	if Commit != "" {
		return Commit
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev string
	var dirty bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" && dirty {
		rev += "+dirty"
	}
	return rev
}
