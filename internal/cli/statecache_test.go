package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/fleet"
)

// The state cache entry records whether the state file is canonical
// (what state.Encode writes for its content): a write says so of what it
// wrote, a read that makes the entry checks it. A state plansync wrote
// is, one written otherwise (the format version as an integer, as older
// versions wrote it) is not, and an apply on it still finds an unchanged
// content unchanged.
func TestStateCacheCanonical(t *testing.T) {
	dir := t.TempDir()
	cfg := fleet.Generate(fleet.Options{Subscriptions: 200, Seed: 3, CustomisedFraction: 0.2, ConflictFraction: 0.1, Passwords: true})
	if err := fleet.WriteDir(dir, cfg, "yaml", 20); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"XDG_CACHE_HOME": t.TempDir(), envDebug: "cache", envSecretsKey: "usYTbPV5+ISMl0FVY2UVW8s8g/hsmMjJwyuS9hdwvtk=", "PLANSYNC_NOW": "2026-11-01"}
	run := func(args ...string) (int, string, string) {
		env, out, errb := termEnv(t, "", vars)
		env.IsTerminal = func(any) bool { return false }
		if args[0] == "plan" {
			// The state is what this test follows: not the plan cache,
			// which would print a second plan without reading it.
			os.RemoveAll(filepath.Join(dir, ".plansync", "cache", planCacheDir))
		}
		code := Main(context.Background(), args, env)
		return code, out.String(), errb.String()
	}
	if code, out, errb := run("apply", "--dir", dir, "--auto-approve", "--accept-available"); code != 0 || !strings.Contains(errb, "state: written (canonical, stored: true)") {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errb)
	}
	if code, out, errb := run("plan", "--dir", dir); code != 0 || !strings.Contains(errb, "state: canonical: true (as written)") {
		t.Fatalf("plan after the apply: exit %d\n%s%s", code, out, errb)
	}
	if code, out, errb := run("plan", "--dir", dir); code != 0 || !strings.Contains(errb, "state: read from the cache") {
		t.Fatalf("second plan: exit %d\n%s%s", code, out, errb)
	}
	if err := os.RemoveAll(filepath.Join(dir, ".plansync", "cache", "state")); err != nil {
		t.Fatal(err)
	}
	if code, out, errb := run("plan", "--dir", dir); code != 0 || !strings.Contains(errb, "state: canonical: true (checked)") {
		t.Fatalf("plan without the entry: exit %d\n%s%s", code, out, errb)
	}
	statePath := filepath.Join(dir, ".plansync", "state.json")
	data, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(data, []byte(`"format_version": "1"`), []byte(`"format_version": 1`), 1)
	if bytes.Equal(edited, data) {
		t.Fatal("no format version in the state")
	}
	if err := os.WriteFile(statePath, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errb := run("plan", "--dir", dir); code != 0 || !strings.Contains(errb, "state: canonical: false (checked)") {
		t.Fatalf("plan: exit %d\n%s%s", code, out, errb)
	}
	code, out, errb := run("apply", "--dir", dir, "--auto-approve")
	if code != 0 || !strings.Contains(errb, "state: read from the cache") {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errb)
	}
	if got, err := os.ReadFile(statePath); err != nil || !bytes.Equal(got, edited) {
		t.Fatalf("a no-op apply rewrote the state (%v)", err)
	}
}

// The state cache keeps an entry per state file for the most recently
// used ones only: a config directory planned against ever new state
// files (a temporary --state per CI job) does not grow it for ever.
func TestStateCacheBounded(t *testing.T) {
	dir := configDir(t)
	vars := map[string]string{"XDG_CACHE_HOME": t.TempDir()}
	run := func(args ...string) {
		t.Helper()
		env, out, errb := termEnv(t, "", vars)
		env.IsTerminal = func(any) bool { return false }
		if code := Main(context.Background(), args, env); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errb)
		}
	}
	states := t.TempDir()
	first := filepath.Join(states, "first.json")
	run("apply", "--dir", dir, "--auto-approve", "--state", first)
	for i := range 3 * stateCacheMax {
		p := filepath.Join(states, fmt.Sprintf("s%d.json", i))
		run("apply", "--dir", dir, "--auto-approve", "--state", p)
		run("plan", "--dir", dir, "--state", p)
		run("validate", "--dir", dir, "--state", first) // in use all along
	}
	entries, err := os.ReadDir(filepath.Join(dir, ".plansync", "cache", "state"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) > stateCacheMax {
		t.Errorf("%d state cache entries, want at most %d", len(entries), stateCacheMax)
	}
	env, _, errb := termEnv(t, "", map[string]string{"XDG_CACHE_HOME": vars["XDG_CACHE_HOME"], envDebug: "cache"})
	env.IsTerminal = func(any) bool { return false }
	Main(context.Background(), []string{"validate", "--dir", dir, "--state", first}, env)
	if !strings.Contains(errb.String(), "state: read from the cache") {
		t.Errorf("the state used all along is no longer cached:\n%s", errb)
	}
}
