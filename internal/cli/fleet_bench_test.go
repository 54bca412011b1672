package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/plesk/fake"
)

// BenchmarkFleet measures many servers against one: S emulated servers
// with N subscriptions each on one plan (PLANSYNC_BENCH_SERVERS, default
// 3; PLANSYNC_BENCH_SUBS, default 500; the figures are 20 and
// 5,000). Run it once:
//
//	PLANSYNC_BENCH_SERVERS=20 PLANSYNC_BENCH_SUBS=5000 go test ./internal/cli -run '^$' -bench BenchmarkFleet -benchtime 1x -timeout 2h
//
// PLANSYNC_BENCH_DELAY=50ms makes each emulator answer after that delay,
// as a real server spends its own time on each packet; without it the
// emulators run in this process and share its CPUs, so S servers cost
// up to S times the CPU of one.
//
// It reports
//   - fleet-apply-s: a plan change reaching every synced subscription on
//     every server, applied (target ≤ 2× single-apply-s);
//   - single-apply-s: the same change on one server of N subscriptions;
//   - ratio: fleet-apply-s / single-apply-s;
//   - fleet-refresh-plan-s: a refreshing no-op plan of the whole fleet
//     (target ≤ 60 s).
func BenchmarkFleet(b *testing.B) {
	servers := benchEnvInt(b, "PLANSYNC_BENCH_SERVERS", 3)
	subs := benchEnvInt(b, "PLANSYNC_BENCH_SUBS", 500)
	for b.Loop() {
		single := benchFleetApply(b, 1, subs, false)
		fleet := benchFleetApply(b, servers, subs, true)
		b.ReportMetric(single.apply.Seconds(), "single-apply-s")
		b.ReportMetric(fleet.apply.Seconds(), "fleet-apply-s")
		b.ReportMetric(fleet.apply.Seconds()/single.apply.Seconds(), "ratio")
		b.ReportMetric(fleet.refresh.Seconds(), "fleet-refresh-plan-s")
		b.ReportMetric(fleet.setup.Seconds(), "fleet-first-apply-s")
	}
}

// benchDelay is the emulators' answer delay, PLANSYNC_BENCH_DELAY (a Go
// duration; default none): a real server's own time per packet, which
// servers spend in parallel, while the emulators of this process share
// its CPUs.
func benchDelay(b *testing.B) time.Duration {
	v := os.Getenv("PLANSYNC_BENCH_DELAY")
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		b.Fatalf("PLANSYNC_BENCH_DELAY=%q: %v", v, err)
	}
	return d
}

func benchEnvInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

type fleetTimes struct {
	setup, apply, refresh time.Duration
}

// benchFleetApply creates servers × subs subscriptions through apply
// (setup), then changes the plan and applies it (apply) and, for a
// fleet, times a refreshing no-op plan (refresh). multi writes a servers
// list even for one server.
func benchFleetApply(b *testing.B, servers, subs int, multi bool) fleetTimes {
	b.Helper()
	const key = "k-bench"
	dir := filepath.Join(b.TempDir(), "site")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	var cfg strings.Builder
	vars := map[string]string{"PLANSYNC_PLESK_DEFAULT_IP": "192.0.2.10"}
	names := make([]string, servers)
	if multi {
		cfg.WriteString("servers:\n")
	}
	for i := range servers {
		st := fake.NewState()
		st.Components = []string{"php8.3", "php-fpm"}
		srv := httptest.NewServer(fake.New(st, fake.Options{Key: key, Delay: benchDelay(b)}))
		b.Cleanup(srv.Close)
		names[i] = fmt.Sprintf("web%02d", i+1)
		if multi {
			fmt.Fprintf(&cfg, "  - name: %s\n    components: [php8.3, php-fpm]\n    plesk: {url: %q, key: %s}\n", names[i], srv.URL, key)
		} else {
			fmt.Fprintf(&cfg, "server:\n  components: [php8.3, php-fpm]\n  plesk: {url: %q, key: %s}\n", srv.URL, key)
		}
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	write("servers.yaml", cfg.String())
	plan := func(disk string) string {
		return "service_plans:\n  - name: Basic\n    resources: {disk_space: " + disk + ", websites: 5}\n    hosting: {php_version: \"8.3\", php_handler: fpm}\n"
	}
	write("plans.yaml", plan("1GiB"))
	var s strings.Builder
	s.WriteString("subscriptions:\n")
	for i := range servers {
		for j := range subs {
			fmt.Fprintf(&s, "  - {domain: s%06d.%s.example, plan: Basic", j, names[i])
			if multi {
				fmt.Fprintf(&s, ", server: %s", names[i])
			}
			s.WriteString("}\n")
		}
	}
	write("subscriptions.yaml", s.String())

	var out bytes.Buffer
	env := Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out,
		Getenv:     func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		IsTerminal: func(any) bool { return false },
		Now:        func() time.Time { return time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC) },
		Hostname:   func() (string, error) { return "bench", nil },
		PID:        os.Getpid(), User: "bench",
	}
	run := func(args ...string) time.Duration {
		out.Reset()
		start := time.Now()
		if code := Main(context.Background(), args, env); code != 0 {
			b.Fatalf("%s: exit %d\n%.3000s", strings.Join(args, " "), code, out.String())
		}
		return time.Since(start)
	}
	par := strconv.Itoa(max(4, servers))
	var t fleetTimes
	t.setup = run("apply", "--dir", dir, "--auto-approve", "--no-cache", "--parallelism", par)
	write("plans.yaml", plan("2GiB"))
	t.apply = run("apply", "--dir", dir, "--auto-approve", "--no-cache", "--parallelism", par)
	if !strings.Contains(out.String(), fmt.Sprintf("reaches %s", counted(subs, "subscription"))) {
		b.Fatalf("the change did not reach every subscription:\n%.3000s", out.String())
	}
	if multi {
		t.refresh = run("plan", "--dir", dir, "--detailed-exitcode", "--no-cache", "--parallelism", par)
		if !strings.Contains(out.String(), "No changes.") {
			b.Fatalf("not a clean no-op plan:\n%.3000s", out.String())
		}
	}
	return t
}
