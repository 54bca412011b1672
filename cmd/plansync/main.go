// Command plansync manages a hosting business's catalogue as code.
package main

import (
	"os"

	"github.com/plansync/plansync/internal/cli"
)

func main() {
	// cli.Run handles SIGINT and SIGTERM: the first stops a run at once
	// (exit 130 or 143) unless a write is in progress, which is finished
	// first; watch stops after its plan in progress (see cli.Interrupts).
	os.Exit(cli.Run(os.Args[1:]))
}
