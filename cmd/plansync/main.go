// Command plansync manages a hosting business's catalogue as code.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/plansync/plansync/internal/cli"
)

func main() {
	os.Exit(realMain(os.Args[1:]))
}

// realMain is the process: the collector tuned, signals handled, plansync run
// with args; it returns the exit code.
func realMain(args []string) int {
	tuneGC(os.LookupEnv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal cancels ctx: commands finish what they must (an
	// apply in progress) and return. Then the signals' default action is
	// back, so a second one ends the process at once; state writes are
	// atomic, so that never leaves a half-written state.
	context.AfterFunc(ctx, stop)
	defer stop()
	return cli.Main(ctx, args, cli.OSEnv())
}

// tuneGC trades memory for speed on large fleets: planning allocates a
// lot of short-lived data, so the collector runs less often (GOGC 400)
// under a soft memory limit of 1.25 GiB that makes it work harder only
// when memory grows. A user's GOGC or GOMEMLIMIT wins.
func tuneGC(getenv func(string) (string, bool)) {
	if v, _ := getenv("GOGC"); v == "" {
		debug.SetGCPercent(400)
	}
	if v, _ := getenv("GOMEMLIMIT"); v == "" {
		debug.SetMemoryLimit(1280 << 20)
	}
}
