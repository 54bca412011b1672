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
)

// BenchmarkRefreshPlan10k is a refreshing no-op plan of an imported
// server of 10,000 subscriptions: read the server (one packet), compare
// it with the recorded state, plan the config against what it has, and
// print the plan. Target: ≤ 5 s per plan on the emulator.
func BenchmarkRefreshPlan10k(b *testing.B) { benchRefreshPlan(b, 10000) }

// BenchmarkRefreshPlan100k is the same at 100,000 subscriptions; it runs
// only with PLANSYNC_BENCH_100K=1 (the import alone takes a minute).
func BenchmarkRefreshPlan100k(b *testing.B) {
	if os.Getenv("PLANSYNC_BENCH_100K") != "1" {
		b.Skip("set PLANSYNC_BENCH_100K=1")
	}
	benchRefreshPlan(b, 100000)
}

func benchRefreshPlan(b *testing.B, n int) {
	srv := httptest.NewServer(fake.New(fake.Big(n), fake.Options{Key: "k-bench"}))
	defer srv.Close()
	vars := map[string]string{"PLANSYNC_PLESK_URL": srv.URL, "PLANSYNC_PLESK_KEY": "k-bench"}
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
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if code := Main(context.Background(), []string{"plan", "--dir", dir, "--detailed-exitcode"}, env); code != 0 {
			b.Fatalf("plan: exit %d\n%s", code, out.String())
		}
	}
	if !strings.Contains(out.String(), "No changes.") || strings.Contains(out.String(), "changed outside") {
		b.Fatalf("not a clean no-op plan:\n%.2000s", out.String())
	}
}
