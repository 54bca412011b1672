package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/render"
	"github.com/spf13/cobra"
)

// Version is plansync's version, set at build time with -ldflags.
var Version = "0.1.0-dev"

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
	// priors, when set (by watch), keeps the last snapshot read so an
	// unchanged state is not read again.
	priors *priorCache
	// last, when set (by watch), holds the last plan made, whose
	// unchanged subscriptions the next plan carries over.
	last *lastPlan
}

// Main runs plansync with args and returns the process exit code.
func Main(ctx context.Context, args []string, env Env) int {
	env.view = &diagView{}
	root := newRoot(ctx, env)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return report(env, err)
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
	if env.view.isJSON() && !errors.As(err, &after) {
		_ = render.DiagnosticsJSON(env.Stdout, env.view.all(err))
		return ExitError
	}
	var ds diag.Diagnostics
	if errors.As(err, &ds) {
		printDiags(env, ds)
		return ExitError
	}
	fmt.Fprintf(env.Stderr, "Error: %s\n", err)
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

// all is the held diagnostics and those of err (any other error becomes
// one error diagnostic), in file order.
func (v *diagView) all(err error) diag.Diagnostics {
	out := append(diag.Diagnostics{}, v.warnings()...)
	var ds diag.Diagnostics
	if errors.As(err, &ds) {
		out = append(out, ds...)
	} else {
		out = append(out, diag.Diagnostic{Severity: diag.Error, Summary: err.Error()})
	}
	out.Sort()
	return out
}

// afterDocument is an error of a command that already printed its JSON
// document on stdout: the error goes to stderr as text, so stdout stays
// one document.
type afterDocument struct{ err error }

func (e afterDocument) Error() string { return e.err.Error() }
func (e afterDocument) Unwrap() error { return e.err }

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
	root.CompletionOptions.DisableDefaultCmd = true
	pf := root.PersistentFlags()
	pf.StringVar(&c.State, "state", "", "recorded state: a file path or postgres://… (env PLANSYNC_STATE; default <dir>/.plansync/state.json)")
	pf.StringVar(&c.StateName, "state-name", "", "name of the state within a shared backend (env PLANSYNC_STATE_NAME; default \"default\")")
	pf.DurationVar(&c.LockTimeout, "lock-timeout", 0, "how long to wait for the state lock (e.g. 30s)")
	pf.StringVar(&c.As, "as", "admin", "act as admin or reseller:LOGIN (a reseller manages only its own plans, customers and subscriptions)")
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
	)
	return root
}

func newVersionCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print plansync's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(env.Stdout, "plansync %s\n", Version)
			return nil
		},
	}
}
