// Command plansync manages a hosting business's catalogue as code.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/plansync/plansync/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal cancels ctx: commands finish what they must (an
	// apply in progress) and return. Then the signals' default action is
	// back, so a second one ends the process at once; state writes are
	// atomic, so that never leaves a half-written state.
	context.AfterFunc(ctx, stop)
	code := cli.Main(ctx, os.Args[1:], cli.OSEnv())
	stop()
	os.Exit(code)
}
