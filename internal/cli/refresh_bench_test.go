package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/mapping"
)

// bigPleskServer is an emulated server with n subscriptions over n/10
// customers on three plans, every tenth customised (locked), every fifth
// with an add-on.
func bigPleskServer(n int) *fake.State {
	st := fake.NewState()
	guid := func(id int) string { return fmt.Sprintf("f4ce0000-0000-4000-8000-%012d", id) }
	plan := func(name string, addon bool, disk string) *fake.Plan {
		id := st.NextID
		st.NextID++
		p := &fake.Plan{ID: id, GUID: guid(id), Name: name, Addon: addon, OwnerID: fake.AdminID,
			Values: mapping.Values{Limits: map[string]string{"disk_space": disk, "max_site": "5"}, Permissions: map[string]string{"manage_phosting": "true"},
				Hosting: map[string]string{"ssl": "true"}}}
		st.Plans = append(st.Plans, p)
		return p
	}
	plans := []*fake.Plan{plan("S", false, "1073741824"), plan("M", false, "5368709120"), plan("L", false, "10737418240")}
	extra := plan("Extra", true, "1073741824")
	for c := 0; c < n/10; c++ {
		id := st.NextID
		st.NextID++
		st.Accounts = append(st.Accounts, &fake.Account{ID: id, GUID: guid(id), Login: fmt.Sprintf("c%05d", c),
			OwnerID: fake.AdminID, Name: "Customer", Created: "2026-01-02"})
		for s := 0; s < 10; s++ {
			i := c*10 + s
			p := plans[i%3]
			w := &fake.Webspace{ID: st.NextID, Name: fmt.Sprintf("site%06d.example", i), OwnerID: id, IP: "192.0.2.10", PlanGUID: p.GUID,
				Values: p.Values.Clone(), Created: "2026-01-02"}
			w.GUID = guid(w.ID)
			st.NextID++
			if i%5 == 0 {
				w.Addons = []string{extra.GUID}
			}
			if i%10 == 0 {
				w.Locked = true
				w.Values.Limits["max_site"] = "9"
			}
			st.Webspaces = append(st.Webspaces, w)
		}
	}
	return st
}

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
	srv := httptest.NewServer(fake.New(bigPleskServer(n), fake.Options{Key: "k-bench"}))
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
