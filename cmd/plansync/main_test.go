package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

	"github.com/plansync/plansync/state"
	"github.com/plansync/plansync/state/file"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"plansync": func() { os.Exit(realMain(os.Args[1:])) },
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
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"holdlock": holdLock,
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

// TestTuneGC: the collector is tuned unless the user set GOGC or
// GOMEMLIMIT, whose settings then stay.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	for _, tc := range []struct {
		name      string
		env       map[string]string
		wantGC    int
		wantLimit int64
	}{
		{"defaults", nil, 400, 1280 << 20},
		{"user GOGC", map[string]string{"GOGC": "50"}, 100, 1280 << 20},
		{"user GOMEMLIMIT", map[string]string{"GOMEMLIMIT": "2GiB"}, 400, math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			tuneGC(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if got := debug.SetGCPercent(100); got != tc.wantGC {
				t.Errorf("GC percent %d, want %d", got, tc.wantGC)
			}
			if got := debug.SetMemoryLimit(-1); got != tc.wantLimit {
				t.Errorf("memory limit %d, want %d", got, tc.wantLimit)
			}
		})
	}
}
