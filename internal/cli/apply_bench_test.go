package cli

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/state"
)

// BenchmarkNoopApply10k measures a no-op apply on a server of 10,000
// subscriptions, to compare with BenchmarkRefreshPlan10k (the refreshing
// no-op plan; SPEC goal: a no-op apply takes no longer). "clean": the
// recorded state matches the server, apply reads it once and has nothing
// to do. "deploy": the state lacks the objects' Plesk identities (it was
// recorded without the server), so apply records them and runs deploy,
// which computes its writes (none) from the read plan made ("reuse") or
// from a read of its own ("reread", as before).
func BenchmarkNoopApply10k(b *testing.B) {
	b.Run("clean", func(b *testing.B) { benchNoopApply(b, 10000, false, true) })
	b.Run("deploy-reuse", func(b *testing.B) { benchNoopApply(b, 10000, true, true) })
	b.Run("deploy-reread", func(b *testing.B) { benchNoopApply(b, 10000, true, false) })
}

func benchNoopApply(b *testing.B, n int, deploys, reuse bool) {
	defer func(old bool) { reuseServerRead = old }(reuseServerRead)
	reuseServerRead = reuse
	srv := httptest.NewServer(fake.New(fake.Big(n), fake.Options{Key: "k-bench"}))
	defer srv.Close()
	vars := map[string]string{"PLANSYNC_PLESK_URL": srv.URL, "PLANSYNC_PLESK_KEY": "k-bench", EnvPleskTimeout: "5m"}
	dir := filepath.Join(b.TempDir(), "site")
	var out bytes.Buffer
	env := Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out,
		Getenv:     func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		IsTerminal: func(any) bool { return false },
		Now:        func() time.Time { return time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC) },
		Hostname:   func() (string, error) { return "bench", nil },
		PID:        os.Getpid(), User: "bench",
	}
	if code := Main(context.Background(), []string{"import", "--dir", dir}, env); code != 0 {
		b.Fatalf("import: exit %d\n%s", code, out.String())
	}
	statePath := filepath.Join(dir, ".plansync", "state.json")
	stripIDs := func() {
		data, err := os.ReadFile(statePath)
		if err != nil {
			b.Fatal(err)
		}
		s, err := state.Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range [][]state.Plan{s.ServicePlans, s.AddonPlans, s.ResellerPlans} {
			for i := range l {
				l[i].Plesk = nil
			}
		}
		for i := range s.Customers {
			s.Customers[i].Plesk = nil
		}
		for i := range s.Subscriptions {
			s.Subscriptions[i].Plesk = nil
		}
		if data, err = state.Encode(s); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(statePath, data, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if deploys {
			b.StopTimer()
			stripIDs()
			b.StartTimer()
		}
		out.Reset()
		if code := Main(context.Background(), []string{"apply", "--dir", dir, "--auto-approve"}, env); code != 0 {
			b.Fatalf("apply: exit %d\n%s", code, out.String())
		}
	}
	want := "Nothing to apply."
	if deploys {
		want = "(0 writes sent)"
	}
	if !strings.Contains(out.String(), want) {
		b.Fatalf("not a no-op apply (want %q):\n%.2000s", want, out.String())
	}
}
