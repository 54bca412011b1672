package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/cli"
	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/fake"
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
			"holdlock":  holdLock,
			"pleskfake": pleskFake,
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

// pleskFake starts a Plesk emulator for the rest of the script, seeded
// from a plansync config directory (or empty with "-"), and points
// PLANSYNC_PLESK_URL and PLANSYNC_PLESK_KEY at it.
//
// With a second argument, the server has only the components listed
// (comma-separated): subscriptions whose plans need others are left
// unsynchronised.
//
//	pleskfake CONFIGDIR|- [COMPONENTS]
func pleskFake(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: pleskfake CONFIGDIR|- [COMPONENTS]")
	}
	st := fake.NewState()
	if args[0] != "-" {
		cfg, diags := config.Load(ts.MkAbs(args[0]), config.Options{})
		if diags.HasErrors() {
			ts.Fatalf("pleskfake: %v", diags.Error())
		}
		if len(args) == 2 {
			if cfg.Server == nil {
				cfg.Server = &model.Server{}
			}
			cfg.Server.Components = strings.Split(args[1], ",")
		}
		var err error
		if st, err = fake.Seed(cfg, "", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), fake.Options{}); err != nil {
			ts.Fatalf("pleskfake: %v", err)
		}
	}
	const key = "script-key-0001"
	srv := httptest.NewServer(fake.New(st, fake.Options{Key: key}))
	ts.Setenv("PLANSYNC_PLESK_URL", srv.URL)
	ts.Setenv("PLANSYNC_PLESK_KEY", key)
	ts.Defer(srv.Close)
}
