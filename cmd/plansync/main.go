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
	code := cli.Main(ctx, os.Args[1:], cli.OSEnv())
	stop()
	os.Exit(code)
}
