package cli

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/plansync/plansync/internal/diag"
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
	tuneGC(env)
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
	var ds diag.Diagnostics
	if errors.As(err, &ds) {
		printDiags(env, ds)
		return ExitError
	}
	fmt.Fprintf(env.Stderr, "Error: %s\n", err)
	return ExitError
}

// tuneGC trades memory for speed on large fleets: planning allocates a
// lot of short-lived data, so the collector runs less often (GOGC 400)
// under a soft memory limit of 1.25 GiB that makes it work harder only
// when memory grows. A user's GOGC or GOMEMLIMIT wins.
func tuneGC(env Env) {
	if env.env("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if env.env("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1280 << 20)
	}
}

// printDiags writes diagnostics to stderr, errors and warnings alike.
func printDiags(env Env, ds diag.Diagnostics) {
	for _, d := range ds {
		fmt.Fprintln(env.Stderr, d.Error())
	}
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
		newImportCmd(env, &c),
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
