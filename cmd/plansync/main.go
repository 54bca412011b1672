// Command plansync manages a hosting business's catalogue as code.
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/plansync/plansync/internal/cli"
)

func main() {
	os.Exit(process(os.Args[1:]))
}

// realMain is the process: the collector tuned, then plansync run with
// args; it returns the exit code. cli.Run handles SIGINT and SIGTERM: the
// first stops a run at once (exit 130 or 143) unless a write is in
// progress, which is finished first; watch stops after its plan in
// progress (see cli.Interrupts). PLANSYNC_PROFILE=DIR profiles the run
// (profile.go). On Linux the heap asks for huge pages first
// (cli.HugeHeap).
func realMain(args []string) int {
	cli.HugeHeap(os.LookupEnv)
	tuneGC(os.LookupEnv)
	prof, err := startProfile(os.LookupEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		return cli.ExitError
	}
	code := cli.Run(args)
	if prof != nil {
		if err := prof.stop(code); err != nil {
			fmt.Fprintln(os.Stderr, "Warning:", err)
		}
	}
	return code
}

// tuneGC trades memory for speed on large fleets: planning allocates a
// lot of short-lived data, so the collector runs less often (GOGC 400)
// while the heap stays under cli.HeapTarget, then as often as keeps it
// there (cli.TuneGC: a plan of 100,000 subscriptions peaks near 500 MiB
// instead of 600), under a soft memory limit of 800 MiB that makes it
// work harder only when memory grows, so that a run on 100,000
// subscriptions (an import, a first apply) stays within 1 GiB (a run on
// several servers scales it with the servers it works on at once:
// cli.ScaleMemoryLimit). A user's GOGC or GOMEMLIMIT wins. stop ends
// the tuning (the process never needs to: tests do).
func tuneGC(getenv func(string) (string, bool)) (stop func()) {
	stop = func() {}
	if v, _ := getenv("GOGC"); v == "" {
		stop = cli.TuneGC(cli.HeapTarget)
	}
	if v, _ := getenv("GOMEMLIMIT"); v == "" {
		debug.SetMemoryLimit(cli.DefaultMemoryLimit)
	}
	return stop
}
