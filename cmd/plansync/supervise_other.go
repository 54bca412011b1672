//go:build !linux

package main

// process is the process. Only on Linux does plansync watch its run from a
// parent process (supervise_linux.go); elsewhere it runs directly.
func process(args []string) int { return realMain(args) }
