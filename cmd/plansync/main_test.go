package main

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/cli"
	"github.com/plansync/plansync/state"
	"github.com/plansync/plansync/state/file"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"plansync": func() { os.Exit(cli.Main(context.Background(), os.Args[1:], cli.OSEnv())) },
	})
}

// TestScripts runs every CLI scenario in testdata/script: each runs the
// real binary in a fresh directory. PLANSYNC_UPDATE=1 rewrites the
// golden files a failing `cmp` names.
func TestScripts(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       os.Getenv("PLANSYNC_UPDATE") == "1",
		RequireExplicitExec: false,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"holdlock": holdLock,
			"mkfifo":   mkfifo,
		},
		Setup: func(e *testscript.Env) error {
			e.Setenv("EXAMPLES", filepath.Join(root, "examples"))
			e.Setenv("NO_COLOR", "1")
			e.Setenv("USER", "tester")
			return nil
		},
	})
}

// holdLock takes the lock of a state file from the test process (another
// process than the plansync under test) and keeps it until the script
// ends; the lock ID is put in $LOCKID.
//
//	holdlock PATH
func holdLock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: holdlock STATEPATH")
	}
	b := file.New(ts.MkAbs(args[0]))
	l, err := b.TryLock(context.Background(), state.LockInfo{Who: "alice", Host: "ci-runner-7", PID: 4242,
		Operation: "apply", Since: time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)})
	if err != nil {
		ts.Fatalf("holdlock: %v", err)
	}
	ts.Setenv("LOCKID", l.Info().ID)
	ts.Defer(func() { _ = l.Unlock(); _ = b.Close() })
}

// mkfifo makes a named pipe.
//
//	mkfifo PATH
func mkfifo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mkfifo PATH")
	}
	if err := syscall.Mkfifo(ts.MkAbs(args[0]), 0o600); err != nil {
		ts.Fatalf("mkfifo: %v", err)
	}
}
