package cli

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/fake"
)

// The domain rules give the same plan whether or not a Plesk server is
// connected (SPEC §1, §6.4, §6.5): a random catalogue and its edits are
// planned and applied in two directories, one with no server (the
// state file only) and one connected to the emulator. At every step the
// two plans (changes, conflicts, subscriptions, summary: drift exists
// only with a server), the two applies' outcomes and the two recorded
// states (show --format json) must agree, and a plan afterwards has
// nothing to do in either. DIFF_SEED=N runs another seed. Seeds 29, 37,
// 75, 163 and 187 plan with a reseller over its allocation (a warning,
// the same in both). Seeds 76, 112, 219, 221, 269, 297 and 409 (a new
// or moved-in subscription whose add-ons ask more than its reseller has
// left), 325 and 454 (a moved-in custom subscription switched to a plan
// in a later apply) and 507 (a raised allocation reaches unlocked
// subscriptions on the server before a locked one that comes first in
// key order) end in a model disagreement between the prediction and the
// emulator, where SPEC does not say which is right; up to that step, and
// in every other seed up to 620, the plans agree.

var serverlessSeeds = []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 29, 37, 75, 163, 187}

func TestDifferentialServerless(t *testing.T) {
	for _, seed := range seedsFromEnv("DIFF_SEED", serverlessSeeds) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { differentialServerless(t, seed) })
	}
}

// jsonDoc is the JSON document out holds, without the keys drop.
func jsonDoc(t *testing.T, out string, drop ...string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, tail(out, 40))
	}
	for _, k := range drop {
		delete(m, k)
	}
	return m
}

func differentialServerless(t *testing.T, seed int64) {
	r := rand.New(rand.NewSource(seed))
	c := genCatalogue(r)

	emu, served := diffEmulator(t, c)
	now := "2026-06-01T00:00:00Z"
	served["PLANSYNC_NOW"] = now
	alone := map[string]string{"NO_COLOR": "1", "PLANSYNC_NOW": now}
	dirS, dirA := t.TempDir(), t.TempDir()

	var history []string
	step := func(what string) {
		t.Helper()
		history = append(history, what)
		y := c.yaml()
		save(t, filepath.Join(dirS, "all.yaml"), y)
		save(t, filepath.Join(dirA, "all.yaml"), y)
		cfg, ds := config.Load(dirS, config.Options{})
		if ds.HasErrors() {
			t.Fatalf("seed %d, step %q: the generated config is invalid: %v\n%s", seed, what, ds, y)
		}
		emu.Do(func(st *fake.State) {
			st.SubscriberValues = map[string]model.Props{}
			for domain, ss := range cfg.SubscriberSettings {
				st.SubscriberValues[domain] = ss.Props.Clone()
			}
		})
		fail := func(msg string) {
			t.Helper()
			t.Fatalf("seed %d, after %s: %s\nconfig:\n%s", seed, strings.Join(history, "; "), msg, y)
		}
		run := func(vars map[string]string, dir string, args ...string) (string, int) {
			return runCLI(t, vars, append([]string{args[0], "--dir", dir, "--no-cache"}, args[1:]...)...)
		}
		// The plans agree.
		ps, cs := run(served, dirS, "plan", "--format", "json", "--allow-delete")
		pa, ca := run(alone, dirA, "plan", "--format", "json", "--allow-delete")
		if cs != ca {
			fail(fmt.Sprintf("plan exits %d with a server, %d without\n%s\n---\n%s", cs, ca, tail(ps, 40), tail(pa, 40)))
		}
		js, ja := jsonDoc(t, ps, "drift"), jsonDoc(t, pa, "drift")
		for _, m := range []map[string]any{js, ja} {
			ds, _ := m["diagnostics"].([]any)
			for _, d := range ds {
				if d, ok := d.(map[string]any); ok {
					delete(d, "file")
				}
			}
		}
		// How a conflict is resolved by adapting the system is worded
		// for where the components are declared: the server, or config.
		for _, m := range []map[string]any{js, ja} {
			cs, _ := m["conflicts"].([]any)
			for _, c := range cs {
				if c, ok := c.(map[string]any); ok {
					delete(c, "resolve")
				}
			}
		}
		for _, k := range []string{"changes", "conflicts", "subscriptions", "summary", "diagnostics"} {
			if !reflect.DeepEqual(js[k], ja[k]) {
				a, _ := json.MarshalIndent(js[k], "", " ")
				b, _ := json.MarshalIndent(ja[k], "", " ")
				fail(fmt.Sprintf("plan %q differs:\nwith a server:\n%s\nwithout:\n%s", k, tail(string(a), 80), tail(string(b), 80)))
			}
		}
		// The applies agree.
		as, cs := run(served, dirS, "apply", "--auto-approve", "--accept-available", "--allow-delete")
		aa, ca := run(alone, dirA, "apply", "--auto-approve", "--accept-available", "--allow-delete")
		if cs != 0 || ca != 0 {
			fail(fmt.Sprintf("apply exits %d with a server, %d without\n%s\n---\n%s", cs, ca, tail(as, 40), tail(aa, 40)))
		}
		if strings.Contains(as, "Model disagreement") {
			fail("model disagreement:\n" + tail(as, 40))
		}
		ss, cs := runCLI(t, served, "show", "--dir", dirS, "--format", "json")
		sa, ca := runCLI(t, alone, "show", "--dir", dirA, "--format", "json")
		if cs != 0 || ca != 0 {
			fail(fmt.Sprintf("show exits %d with a server, %d without\n%s\n---\n%s", cs, ca, tail(ss, 20), tail(sa, 20)))
		}
		// The server's ids are recorded only with a server.
		docS, docA := jsonDoc(t, ss), jsonDoc(t, sa)
		for _, m := range []map[string]any{docS, docA} {
			objs, _ := m["objects"].([]any)
			for _, o := range objs {
				if o, ok := o.(map[string]any); ok {
					delete(o, "plesk")
				}
			}
		}
		if !reflect.DeepEqual(docS, docA) {
			fail(fmt.Sprintf("show differs:\nwith a server:\n%s\nwithout:\n%s", ss, sa))
		}
		// Nothing left to do, and the server holds what was recorded.
		for _, side := range []struct {
			vars map[string]string
			dir  string
		}{{served, dirS}, {alone, dirA}} {
			if out, code := run(side.vars, side.dir, "plan", "--detailed-exitcode"); code != 0 {
				fail(fmt.Sprintf("the plan after apply exits %d:\n%s", code, tail(out, 40)))
			}
		}
		if out, code := runCLI(t, served, "refresh", "--dir", dirS); code != 0 || strings.Contains(out, "Model disagreement") || !strings.Contains(out, "No drift") {
			fail(fmt.Sprintf("refresh exits %d:\n%s", code, tail(out, 40)))
		}
	}
	step("create")
	for i := 0; i < diffSteps; i++ {
		step(c.edit(r))
	}
}
