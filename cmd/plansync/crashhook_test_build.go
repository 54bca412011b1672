//go:build plansync_crashtest && linux

package main

import (
	"os"
	"runtime/debug"
)

// Built only into the test binary of supervise_test.go: with
// PLANSYNC_CRASHTEST=stack in the process that does the work, the Go
// runtime ends it with "fatal error: stack overflow" (exit 2, no
// recover possible), as a bug would.
func init() {
	if os.Getenv("PLANSYNC_CRASHTEST") != "stack" {
		return
	}
	if _, child := os.LookupEnv(supervisedEnv); !child && os.Getenv("PLANSYNC_CRASHTEST_UNSUPERVISED") == "" {
		return
	}
	debug.SetMaxStack(1 << 20)
	var recurse func(n int) int
	recurse = func(n int) int { return recurse(n+1) + 1 }
	recurse(0)
}
