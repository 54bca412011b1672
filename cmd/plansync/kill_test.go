package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKilledApplyKeepsHistory kills `plansync apply` (SIGKILL) at random
// points of a large apply, again and again, and checks after each kill
// that the recorded state is whole and that the history lists every
// serial from 1 to the state's exactly once: state and history entry are
// committed together whatever the moment of the kill. The trials are
// bounded in count and in time.
func TestKilledApplyKeepsHistory(t *testing.T) {
	t.Parallel() // processes that mostly wait: overlap them with the scenarios
	bin := buildBinary(t)
	const (
		trials = 16
		budget = 90 * time.Second
	)
	dir := t.TempDir()
	writeFleet := func(gib int) {
		var b strings.Builder
		fmt.Fprintf(&b, "service_plans:\n  - {name: Basic, resources: {disk_space: %dGiB}}\ncustomers:\n  - {login: c1}\nsubscriptions:\n", gib)
		for i := range 3000 {
			fmt.Fprintf(&b, "  - {domain: s%05d.example, customer: c1, plan: Basic}\n", i)
		}
		if err := os.WriteFile(filepath.Join(dir, "main.yaml"), []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) []byte {
		t.Helper()
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("plansync %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	// One apply unkilled, to know how long one takes.
	writeFleet(1)
	start := time.Now()
	run("apply", "--dir", dir, "--auto-approve")
	took := time.Since(start)

	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	deadline := time.Now().Add(budget)
	killed, completed := 0, 0
	for trial := 0; trial < trials && time.Now().Before(deadline); trial++ {
		writeFleet(trial + 2)
		cmd := exec.Command(bin, "apply", "--dir", dir, "--auto-approve")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The fault injected: every other trial, a kill anywhere from the
		// start to a little after a typical apply's end; the others aim
		// at the write itself: a kill within a few milliseconds of the
		// new state's temporary file appearing.
		if trial%2 == 0 {
			time.Sleep(time.Duration(r.Int64N(int64(took) * 6 / 5)))
		} else {
			waitForTempFile(filepath.Join(dir, ".plansync"), time.Now().Add(2*took+time.Second))
			time.Sleep(time.Duration(r.Int64N(int64(15 * time.Millisecond))))
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		if err := cmd.Wait(); err != nil {
			killed++
		} else {
			completed++
		}

		var snap struct {
			Serial uint64 `json:"serial"`
		}
		if err := json.Unmarshal(run("state", "pull", "--dir", dir), &snap); err != nil {
			t.Fatalf("trial %d: state pull: %v", trial, err)
		}
		var hist struct {
			History []struct {
				Serial uint64 `json:"serial"`
			} `json:"history"`
		}
		if err := json.Unmarshal(run("state", "history", "--dir", dir, "--format", "json"), &hist); err != nil {
			t.Fatalf("trial %d: state history: %v", trial, err)
		}
		if uint64(len(hist.History)) != snap.Serial {
			t.Fatalf("trial %d: %d history entries for serial %d", trial, len(hist.History), snap.Serial)
		}
		for i, e := range hist.History {
			if e.Serial != uint64(i+1) {
				t.Fatalf("trial %d: history entry %d has serial %d, want %d", trial, i, e.Serial, i+1)
			}
		}
	}
	t.Logf("%d applies killed, %d completed before the kill (one apply takes %v)", killed, completed, took)
	// After the kills, an apply goes through and leaves no temporary file.
	run("apply", "--dir", dir, "--auto-approve")
	entries, err := os.ReadDir(filepath.Join(dir, ".plansync"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// waitForTempFile returns when a temporary file of a write appears in dir
// (or at the deadline).
func waitForTempFile(dir string, deadline time.Time) {
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".state.json.tmp-") {
				return
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
}
