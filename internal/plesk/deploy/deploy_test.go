package deploy

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/fleet"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/importer"
	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/plesktest"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
	"github.com/plansync/plansync/state"
)

var now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// recorder is an emulator that keeps the write operations it was sent,
// as "operator operation" in order (reads left out), and validates every
// packet against Plesk's XSD when PLANSYNC_PLESK_XSD is set.
type recorder struct {
	t    testing.TB
	srv  *fake.Server
	mu   sync.Mutex
	ops  []string
	http *httptest.Server
	// fullReads counts the packets reading the whole server (those
	// with a customer get: deploy's first read, import's, refresh's).
	fullReads int
}

func newRecorder(t testing.TB, st *fake.State) *recorder {
	return newRecorderWith(t, st, fake.Options{})
}

// newRecorderWith is newRecorder for an emulator with options o (its key
// is k).
func newRecorderWith(t testing.TB, st *fake.State, o fake.Options) *recorder {
	o.Key = "k"
	r := &recorder{t: t, srv: fake.New(st, o)}
	r.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if os.Getenv("PLANSYNC_PLESK_XSD") != "" {
			plesktest.Validate(t, false, "request", body)
		}
		r.note(body)
		if bytes.Contains(body, []byte("<customer><get>")) {
			r.mu.Lock()
			r.fullReads++
			r.mu.Unlock()
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		r.srv.ServeHTTP(w, req)
	}))
	t.Cleanup(r.http.Close)
	return r
}

// note records the write operations of a request packet.
func (r *recorder) note(body []byte) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	depth := 0
	operator := ""
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 {
				operator = t.Name.Local
			}
			if depth == 3 && t.Name.Local != "get" {
				r.ops = append(r.ops, operator+" "+t.Name.Local)
			}
		case xml.EndElement:
			depth--
		}
	}
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.ops
	r.ops = nil
	return out
}

func (r *recorder) client(t testing.TB) *xmlapi.Client {
	c, err := xmlapi.New(xmlapi.Config{URL: r.http.URL, Key: "k", Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func load(t testing.TB, files map[string]string) *model.Config {
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, ds := config.Load(dir, config.Options{})
	if ds.HasErrors() {
		t.Fatal(ds.Error())
	}
	return cfg
}

func makePlan(t testing.TB, cfg *model.Config, prior *state.Snapshot) *plan.Plan {
	p := plan.Make(plan.Input{Config: cfg, Prior: prior, Lineage: "test", Now: now})
	if p.Diagnostics.HasErrors() {
		t.Fatal(p.Diagnostics.Error())
	}
	return p
}

// apply plans cfg against prior, applies it and returns what to record.
func apply(t testing.TB, r *recorder, cfg *model.Config, prior *state.Snapshot) *Outcome {
	t.Helper()
	out, err := Run(context.Background(), r.client(t), makePlan(t, cfg, prior), prior, Options{DefaultIP: "192.0.2.10"})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if len(out.Disagreements) > 0 {
		t.Fatalf("model disagreements: %+v", out.Disagreements)
	}
	out.Record.Serial++
	return out
}

const server = `
server:
  components: [php8.3, php-fpm, postfix, roundcube]
`

const catalogue = `
reseller_plans:
  - name: RP
    resources: {subscriptions: 10, customers: 5}
resellers:
  - login: acme
    name: Acme
    plan: RP
service_plans:
  - name: Business
    resources: {disk_space: 10GiB, mailboxes: 50}
    hosting: {php_version: "8.3", php_handler: fpm}
  - name: Basic
    owner: acme
    resources: {disk_space: 1GiB}
addon_plans:
  - name: Extra
    resources: {disk_space: 5GiB}
customers:
  - login: jdoe
    name: John Doe
  - login: road
    name: Road Runner
    owner: acme
`

const subs = `
subscriptions:
  - domain: a.example
    customer: jdoe
    plan: Business
    addons: [Extra]
  - domain: b.example
    customer: jdoe
    plan: Business
    customize:
      resources: {mailboxes: 5}
  - domain: r.example
    customer: road
    owner: acme
    plan: Basic
`

// TestOrder checks the writes of a first apply come in dependency order:
// reseller plans, resellers, the admin's plans, the resellers' plans,
// customers, subscriptions (create, add-ons, customisation).
func TestOrder(t *testing.T) {
	r := newRecorder(t, nil)
	apply(t, r, load(t, map[string]string{"s.yaml": server, "c.yaml": catalogue, "x.yaml": subs}), nil)
	got := strings.Join(r.take(), "\n")
	want := strings.Join([]string{
		"reseller-plan add",
		"reseller add",
		"service-plan add", "service-plan-addon add", // the admin's
		"service-plan add", // acme's
		"customer add", "customer add",
		"webspace add", "webspace add", "webspace add",
		"webspace add-subscription", "webspace set",
	}, "\n")
	if got != want {
		t.Errorf("writes:\n%s\nwant:\n%s", got, want)
	}
}

// TestOnlyWhatDiffers checks a second apply of the same config sends no
// write, and a plan change sends one plan write and nothing per
// subscription (the synced ones follow it, the locked one is skipped).
func TestOnlyWhatDiffers(t *testing.T) {
	r := newRecorder(t, nil)
	files := map[string]string{"s.yaml": server, "c.yaml": catalogue, "x.yaml": subs}
	out := apply(t, r, load(t, files), nil)
	r.take()
	for _, rec := range out.Record.Subscriptions {
		if rec.Plesk == nil || rec.Plesk.GUID == "" || rec.Plesk.ID == 0 {
			t.Errorf("subscription %s recorded without its Plesk identity: %+v", rec.Domain, rec.Plesk)
		}
	}
	// The same config against a state that knows nothing (as after a
	// crash before recording): nothing is created twice.
	apply(t, r, load(t, files), nil)
	if got := r.take(); len(got) != 0 {
		t.Errorf("a converged server got writes: %v", got)
	}
	files["c.yaml"] = strings.Replace(catalogue, "disk_space: 10GiB", "disk_space: 20GiB", 1)
	apply(t, r, load(t, files), out.Record)
	if got := r.take(); strings.Join(got, ",") != "service-plan set" {
		t.Errorf("a plan change sent %v, want one service-plan set", got)
	}
	r.srv.Do(func(st *fake.State) {
		for _, w := range st.Webspaces {
			if w.Name == "a.example" && (w.Locked || w.Values.Limits["disk_space"] != fmt.Sprint(int64(25)<<30)) {
				t.Errorf("a.example: locked %v, disk_space %s; want synced with 25GiB", w.Locked, w.Values.Limits["disk_space"])
			}
			if w.Name == "b.example" && (!w.Locked || w.Values.Limits["disk_space"] != fmt.Sprint(int64(10)<<30)) {
				t.Errorf("b.example: locked %v, disk_space %s; want locked with 10GiB", w.Locked, w.Values.Limits["disk_space"])
			}
		}
	})
}

// TestFailureRecordsWhatSucceeded checks a failed write leaves the
// failed object (and what depends on it) on its prior record.
func TestFailureRecordsWhatSucceeded(t *testing.T) {
	st := fake.NewState()
	srv := httptest.NewServer(fake.New(st, fake.Options{Key: "k", FailOp: 11})) // 9 reads, RP add, reseller add
	defer srv.Close()
	c, _ := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: "k", Retries: -1})
	cfg := load(t, map[string]string{"s.yaml": server, "c.yaml": catalogue, "x.yaml": subs})
	out, err := Run(context.Background(), c, makePlan(t, cfg, nil), nil, Options{DefaultIP: "192.0.2.10"})
	oe := OpError(err)
	if oe == nil || oe.Operator != "reseller" || oe.Operation != "add" || oe.Code != xmlapi.ErrFailed {
		t.Fatalf("err = %v, want the reseller add's 1023", err)
	}
	recs := state.Records(out.Record)
	if _, ok := recs[state.Ref{Kind: "reseller_plan", Key: "RP"}]; !ok {
		t.Error("the reseller plan created before the failure is not recorded")
	}
	for _, ref := range []state.Ref{{Kind: "reseller", Key: "acme"}, {Kind: "customer", Key: "jdoe"}, {Kind: "subscription", Key: "a.example"}} {
		if _, ok := recs[ref]; ok {
			t.Errorf("%v is recorded though it was not created", ref)
		}
	}
}

// BenchmarkFirstApply applies a fleet of 10,000 subscriptions to an
// empty in-process emulator (SPEC goal: 60 s).
func BenchmarkFirstApply(b *testing.B) {
	opt := fleet.DefaultOptions(10000)
	opt.ConflictFraction = 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cfg := fleet.Generate(opt)
		p := plan.Make(plan.Input{Config: cfg, Lineage: "bench", Now: now})
		if p.Diagnostics.HasErrors() {
			b.Fatal(p.Diagnostics.Error())
		}
		st := fake.NewState()
		if cfg.Server != nil && len(cfg.Server.Components) > 0 {
			st.Components = cfg.Server.Components
		}
		for _, sv := range cfg.Services {
			if sv.Extension != "" { // installed with its extension
				st.PlanItems = append(st.PlanItems, &fake.PlanItem{Name: sv.Name, UUID: "ext-" + sv.Name, Label: sv.Name, Visible: true})
			}
		}
		srv := httptest.NewServer(fake.New(st, fake.Options{Key: "k"}))
		c, _ := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: "k", Retries: -1, Timeout: 5 * time.Minute})
		b.StartTimer()
		out, err := Run(context.Background(), c, p, nil, Options{DefaultIP: "192.0.2.10"})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if len(out.Disagreements) > 0 {
			b.Fatalf("%d model disagreements, first %+v", len(out.Disagreements), out.Disagreements[:min(5, len(out.Disagreements))])
		}
		b.ReportMetric(float64(out.Writes), "writes")
		srv.Close()
		b.StartTimer()
	}
}

// TestLifecycle applies a sequence of configs, each to the server the
// previous one left: every step converges without a model disagreement,
// and applying it again sends no write. With PLANSYNC_PLESK_XSD set,
// every packet is checked against Plesk's schema.
func TestLifecycle(t *testing.T) {
	base := map[string]string{"s.yaml": server, "c.yaml": catalogue + `
  - login: mover
    name: Mover
  - login: keeper
    name: Keeper
`, "x.yaml": subs + `
  - domain: m.example
    customer: mover
    plan: Business
  - domain: k.example
    customer: keeper
    plan: Business
`}
	step := func(name string, edit func(files map[string]string)) {
		files := map[string]string{}
		for k, v := range base {
			files[k] = v
		}
		edit(files)
		base = files
	}
	r := newRecorder(t, nil)
	var rec *state.Snapshot
	run := func(name string) {
		t.Helper()
		cfg := load(t, base)
		out := apply(t, r, cfg, rec)
		if len(out.Pending) > 0 {
			t.Fatalf("%s: pending %v", name, out.Pending)
		}
		rec = out.Record
		r.take()
		again := apply(t, r, load(t, base), rec)
		if got := r.take(); len(got) != 0 {
			t.Errorf("%s: applying again sent %v", name, got)
		}
		rec = again.Record
	}
	run("create")
	step("customise, uncustomise, detach, suspend, custom", func(f map[string]string) {
		f["x.yaml"] = `
subscriptions:
  - domain: a.example
    customer: jdoe
    plan: Business
    customize:
      resources: {mailboxes: 3}
      hosting: {php_version: "8.3", php_handler: fpm}
  - domain: b.example
    customer: jdoe
    plan: Business
  - domain: r.example
    customer: road
    owner: acme
    plan: Basic
    status: suspended
  - domain: m.example
    customer: mover
    plan: Business
  - domain: k.example
    customer: keeper
    plan: none
`
	})
	run("second")
	r.srv.Do(func(st *fake.State) {
		for _, w := range st.Webspaces {
			want := map[string]bool{"a.example": true}[w.Name]
			if w.Locked != want {
				t.Errorf("%s: locked %v, want %v", w.Name, w.Locked, want)
			}
			if w.Name == "k.example" && w.PlanGUID != "" {
				t.Errorf("k.example still on a plan")
			}
			if w.Name == "r.example" && w.Status == 0 {
				t.Errorf("r.example not suspended")
			}
		}
	})
	step("move", func(f map[string]string) {
		f["c.yaml"] = strings.Replace(f["c.yaml"], "  - login: mover\n    name: Mover\n", "  - login: mover\n    name: Mover\n    owner: acme\n", 1)
		f["x.yaml"] = strings.Replace(f["x.yaml"], "    customer: mover\n    plan: Business\n", "    customer: mover\n    owner: acme\n    plan: Basic\n", 1)
	})
	run("move")
	step("delete", func(f map[string]string) {
		f["x.yaml"] = strings.Replace(f["x.yaml"], `  - domain: r.example
    customer: road
    owner: acme
    plan: Basic
    status: suspended
`, "", 1)
		f["c.yaml"] = strings.Replace(f["c.yaml"], "  - login: road\n    name: Road Runner\n    owner: acme\n", "", 1)
	})
	run("delete")
	step("convert", func(f map[string]string) {
		f["c.yaml"] = strings.Replace(f["c.yaml"], "  - login: keeper\n    name: Keeper\n", "", 1)
		f["c.yaml"] = strings.Replace(f["c.yaml"], "resellers:\n", "resellers:\n  - login: keeper\n    name: Keeper\n    plan: none\n", 1)
		f["x.yaml"] = strings.Replace(f["x.yaml"], "    customer: keeper\n    plan: none\n", "    owner: keeper\n    plan: none\n", 1)
	})
	run("convert")
	step("reseller plan switch", func(f map[string]string) {
		f["c.yaml"] = strings.Replace(f["c.yaml"], "reseller_plans:\n", "reseller_plans:\n  - name: RP2\n    resources: {subscriptions: 20, customers: 9}\n", 1)
		f["c.yaml"] = strings.Replace(f["c.yaml"], "    name: Acme\n    plan: RP\n", "    name: Acme\n    plan: RP2\n", 1)
	})
	run("reseller plan switch")
	r.srv.Do(func(st *fake.State) {
		for _, w := range st.Webspaces {
			if w.Name == "r.example" {
				t.Error("r.example was not deleted")
			}
		}
		for _, a := range st.Accounts {
			if a.Login == "road" {
				t.Error("customer road was not deleted")
			}
			if a.Login == "mover" && a.OwnerID == fake.AdminID {
				t.Error("customer mover was not moved")
			}
			if a.Login == "keeper" && !a.Reseller {
				t.Error("customer keeper was not converted")
			}
			if a.Login == "acme" {
				for _, p := range st.ResellerPlans {
					if p.GUID == a.PlanGUID && p.Name != "RP2" {
						t.Errorf("reseller acme is on %s, want RP2", p.Name)
					}
				}
			}
		}
	})
}

// BenchmarkPlanChangeFanout changes a plan that 50,000 subscriptions
// use (every tenth locked) on a server where they all are: one plan
// write, then the read-back of every subscription it reaches (SPEC goal:
// 30 s). The first apply that builds the server is not timed.
func BenchmarkPlanChangeFanout(b *testing.B) {
	const n = 50000
	fleetText := func(disk string) map[string]string {
		var sb strings.Builder
		sb.WriteString("service_plans:\n  - name: Shared\n    resources: {disk_space: " + disk + ", mailboxes: 20}\n    hosting: {ssl: true}\n")
		sb.WriteString("customers:\n")
		for c := 0; c < n/10; c++ {
			fmt.Fprintf(&sb, "  - login: c%05d\n    name: Customer %d\n", c, c)
		}
		sb.WriteString("subscriptions:\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&sb, "  - domain: site%06d.example\n    customer: c%05d\n    plan: Shared\n", i, i/10)
			if i%10 == 0 {
				sb.WriteString("    customize: {resources: {mailboxes: 5}}\n")
			}
		}
		return map[string]string{"s.yaml": server, "fleet.yaml": sb.String()}
	}
	r := newRecorder(b, nil)
	first := makePlan(b, load(b, fleetText("10GiB")), nil)
	out, err := Run(context.Background(), r.client(b), first, nil, Options{DefaultIP: "192.0.2.10"})
	if err != nil || len(out.Disagreements) > 0 {
		b.Fatalf("first apply: %v %v", err, out.Disagreements)
	}
	prior := out.Record
	prior.Serial = 1
	p := makePlan(b, load(b, fleetText("20GiB")), prior)
	r.take()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := Run(context.Background(), r.client(b), p, prior, Options{DefaultIP: "192.0.2.10"})
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			if got := r.take(); strings.Join(got, ",") != "service-plan set" {
				b.Fatalf("writes %v, want one service-plan set", got)
			}
			if len(out.Disagreements) > 0 {
				b.Fatalf("%d model disagreements", len(out.Disagreements))
			}
		}
		reached := 0
		for _, ch := range p.Changes {
			if ch.Fanout != nil {
				reached += len(ch.Fanout.Reaches)
			}
		}
		b.ReportMetric(float64(reached), "reached")
	}
}

// TestTargetWritesOnlyTarget checks a plan limited by --target writes
// only what it changes: a subscription locked in the panel meanwhile is
// left as it is (a full apply would sync it).
func TestTargetWritesOnlyTarget(t *testing.T) {
	r := newRecorder(t, nil)
	files := map[string]string{"s.yaml": server, "c.yaml": catalogue, "x.yaml": subs}
	rec := apply(t, r, load(t, files), nil).Record
	r.srv.Do(func(st *fake.State) {
		for _, w := range st.Webspaces {
			if w.Name == "r.example" {
				w.Locked = true // customised in the panel
			}
		}
	})
	files["x.yaml"] = strings.Replace(subs, "resources: {mailboxes: 5}", "resources: {mailboxes: 9}", 1)
	p, err := plan.Target(makePlan(t, load(t, files), rec), rec, []string{"subscription/b.example"})
	if err != nil {
		t.Fatal(err)
	}
	r.take()
	if _, err := Run(context.Background(), r.client(t), p, rec, Options{DefaultIP: "192.0.2.10"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.take(), ","); got != "webspace set" {
		t.Errorf("targeted apply sent %s, want one webspace set (b.example)", got)
	}
	r.srv.Do(func(st *fake.State) {
		for _, w := range st.Webspaces {
			if w.Name == "r.example" && !w.Locked {
				t.Error("r.example, not targeted, was synced")
			}
		}
	})
	// Untargeted, the same apply syncs r.example too.
	r.take()
	if _, err := Run(context.Background(), r.client(t), makePlan(t, load(t, files), rec), rec, Options{DefaultIP: "192.0.2.10"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.take(), ","); got != "webspace sync-subscription" {
		t.Errorf("full apply sent %s, want the sync of r.example (b.example is done)", got)
	}
}

// TestReadPassedIn checks deploy uses a fresh read of this run (plan's
// refresh read) instead of reading the whole server again, and reads it
// again when the read passed in is too old.
func TestReadPassedIn(t *testing.T) {
	r := newRecorder(t, nil)
	files := map[string]string{"s.yaml": server, "c.yaml": catalogue, "x.yaml": subs}
	prior := apply(t, r, load(t, files), nil).Record
	files["x.yaml"] = strings.Replace(subs, "{mailboxes: 5}", "{mailboxes: 7}", 1)
	cfg := load(t, files)
	for _, tc := range []struct {
		name  string
		age   time.Duration
		reads int
	}{{"fresh", 0, 0}, {"stale", MaxReadAge + time.Second, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			snap, err := importer.Read(context.Background(), r.client(t))
			if err != nil {
				t.Fatal(err)
			}
			r.take()
			r.mu.Lock()
			r.fullReads = 0
			r.mu.Unlock()
			out, err := Run(context.Background(), r.client(t), makePlan(t, cfg, prior), prior,
				Options{DefaultIP: "192.0.2.10", Read: snap, ReadAt: time.Now().Add(-tc.age)})
			if err != nil || len(out.Disagreements) > 0 {
				t.Fatalf("apply: %v %+v", err, out.Disagreements)
			}
			if r.fullReads != tc.reads {
				t.Errorf("whole-server reads: %d, want %d", r.fullReads, tc.reads)
			}
			// The first run writes the change; the second finds it done.
			want := "webspace set"
			if tc.name == "stale" {
				want = ""
			}
			if got := strings.Join(r.take(), ","); got != want {
				t.Errorf("writes %q, want %q", got, want)
			}
			prior = out.Record
			prior.Serial++
		})
	}
}

// A contact field removed from the config is cleared on the server (an
// empty element); a server that keeps it anyway is a model disagreement,
// and the customer keeps its prior record.
func TestContactCleared(t *testing.T) {
	files := map[string]string{"c.yaml": `customers:
  - login: jane
    name: Jane Doe
    company: Jane Ltd
    phone: "+1 555 0100"
`}
	cleared := map[string]string{"c.yaml": `customers:
  - login: jane
    name: Jane Doe
`}
	for _, keeps := range []bool{false, true} {
		st := fake.NewState()
		hs := httptest.NewServer(fake.New(st, fake.Options{Key: "k", EmptyKeepsContact: keeps}))
		t.Cleanup(hs.Close)
		c, err := xmlapi.New(xmlapi.Config{URL: hs.URL, Key: "k", Retries: -1})
		if err != nil {
			t.Fatal(err)
		}
		run := func(files map[string]string, prior *state.Snapshot) *Outcome {
			out, err := Run(context.Background(), c, makePlan(t, load(t, files), prior), prior, Options{DefaultIP: "192.0.2.10"})
			if err != nil {
				t.Fatal(err)
			}
			out.Record.Serial++
			return out
		}
		prior := run(files, nil).Record
		out := run(cleared, prior)
		var got []string
		for _, d := range out.Disagreements {
			got = append(got, d.Account+" "+d.Property+": "+d.Predicted.Text+" / "+d.Observed.Text)
		}
		want := ""
		if keeps {
			want = `customer jane company: (none) / "Jane Ltd"; customer jane phone: (none) / "+1 555 0100"`
		}
		if strings.Join(got, "; ") != want {
			t.Errorf("keeps=%v: disagreements %q, want %q", keeps, got, want)
		}
		if keeps != (strings.Join(out.Pending, ",") == "customer jane") {
			t.Errorf("keeps=%v: pending %v", keeps, out.Pending)
		}
		company := out.Record.Customers[0].Contact.Company
		if keeps && company != "Jane Ltd" || !keeps && company != "" {
			t.Errorf("keeps=%v: recorded company %q", keeps, company)
		}
	}
}

// TestFailureNamesTheObject: a failed write of an object the packet
// names by its GUID or id is reported under plansync's name for it.
func TestFailureNamesTheObject(t *testing.T) {
	st := fake.NewState()
	first := httptest.NewServer(fake.New(st, fake.Options{Key: "k"}))
	defer first.Close()
	c, _ := xmlapi.New(xmlapi.Config{URL: first.URL, Key: "k", Retries: -1})
	cfg := load(t, map[string]string{"s.yaml": server, "c.yaml": catalogue, "x.yaml": subs})
	out, err := Run(context.Background(), c, makePlan(t, cfg, nil), nil, Options{DefaultIP: "192.0.2.10"})
	if err != nil {
		t.Fatal(err)
	}
	// The same server, failing its 10th operation from now on: after the
	// 9 reads, the set of plan Business (by GUID).
	second := httptest.NewServer(fake.New(st, fake.Options{Key: "k", FailOp: 10}))
	defer second.Close()
	c, _ = xmlapi.New(xmlapi.Config{URL: second.URL, Key: "k", Retries: -1})
	bigger := load(t, map[string]string{"s.yaml": server, "c.yaml": strings.Replace(catalogue, "disk_space: 10GiB", "disk_space: 20GiB", 1), "x.yaml": subs})
	_, err = Run(context.Background(), c, makePlan(t, bigger, out.Record), out.Record, Options{DefaultIP: "192.0.2.10"})
	oe := OpError(err)
	if oe == nil || oe.Operator != "service-plan" || oe.Operation != "set" {
		t.Fatalf("err = %v, want the service-plan set's", err)
	}
	if oe.Object != "service_plan Business" {
		t.Errorf("the failed object is named %q, want service_plan Business", oe.Object)
	}
}

// disagreementsOf renders an outcome's model disagreements.
func disagreementsOf(out *Outcome) string {
	var got []string
	for _, d := range out.Disagreements {
		got = append(got, d.Subscription+" "+d.Property+": "+d.Predicted.Text+" / "+d.Observed.Text)
	}
	return strings.Join(got, "; ")
}

// TestDisagreementPersists: the server computes an add-on's values
// otherwise than plansync (AddonReplaces). The apply that writes the
// add-on reports the disagreement and keeps the subscription's record;
// the next apply has nothing to write (the add-on is as written) but
// still changes the subscription's record: it reads it back, reports
// the disagreement again and keeps the record, rather than recording
// the prediction (SPEC §6.5). The same for a saved plan's apply.
func TestDisagreementPersists(t *testing.T) {
	for _, saved := range []bool{false, true} {
		st := fake.NewState()
		first := newRecorder(t, st)
		cfg := load(t, map[string]string{"s.yaml": server, "c.yaml": catalogue, "x.yaml": subs})
		prior := apply(t, first, cfg, nil).Record

		// The same server, now combining add-ons by replacing.
		hs := httptest.NewServer(fake.New(st, fake.Options{Key: "k", AddonReplaces: true}))
		t.Cleanup(hs.Close)
		c, err := xmlapi.New(xmlapi.Config{URL: hs.URL, Key: "k", Retries: -1})
		if err != nil {
			t.Fatal(err)
		}
		bigger := load(t, map[string]string{"s.yaml": server, "x.yaml": subs,
			"c.yaml": strings.Replace(catalogue, "disk_space: 5GiB", "disk_space: 6GiB", 1)})
		want := "a.example resources.disk_space: 16 GiB / 6 GiB"
		recorded := func(rec *state.Snapshot) string {
			for _, s := range rec.Subscriptions {
				if s.Domain == "a.example" {
					return fmt.Sprint(rec.PropertySets[s.Effective]["resources.disk_space"])
				}
			}
			return "(none)"
		}
		before := recorded(prior)
		for i := 1; i <= 2; i++ {
			p := makePlan(t, bigger, prior)
			if saved {
				// As a saved plan's apply has them (cli.savedPlan): no
				// fields but the secrets they may set.
				for _, ch := range p.Changes {
					ch.Fields = nil
					if ch.Kind == plan.KindSubscription {
						ch.Fields = []*plan.FieldChange{{Path: "ftp_password", Sensitive: true}}
					}
				}
			}
			out, err := Run(context.Background(), c, p, prior, Options{DefaultIP: "192.0.2.10", OnlyChanges: saved})
			if err != nil {
				t.Fatalf("saved=%v apply %d: %v", saved, i, err)
			}
			if i == 2 && out.Writes != 0 {
				t.Errorf("saved=%v apply 2: %d writes, want none (the add-on is as written)", saved, out.Writes)
			}
			if got := disagreementsOf(out); got != want {
				t.Errorf("saved=%v apply %d: disagreements %q, want %q", saved, i, got, want)
			}
			if got := strings.Join(out.Pending, ","); got != "subscription a.example" {
				t.Errorf("saved=%v apply %d: pending %q, want subscription a.example", saved, i, got)
			}
			if got := recorded(out.Record); got != before {
				t.Errorf("saved=%v apply %d: a.example's disk_space recorded %s, want the prior %s", saved, i, got, before)
			}
			out.Record.Serial++
			prior = out.Record
		}
	}
}

// TestUnwrittenComparedOnWhatChanges: a subscription whose record the
// plan changes without any write (here: billing takes it over) is read
// back and compared on what the plan changes of it only; a value that
// differs on the server and that the record keeps as it was (a
// difference in how the server computes it) is not this apply's
// prediction, and is no disagreement.
func TestUnwrittenComparedOnWhatChanges(t *testing.T) {
	st := fake.NewState()
	r := newRecorder(t, st)
	cfg := load(t, map[string]string{"s.yaml": server, "c.yaml": catalogue, "x.yaml": subs})
	prior := apply(t, r, cfg, nil).Record
	r.take()
	r.srv.Do(func(st *fake.State) {
		for _, w := range st.Webspaces {
			if w.Name == "a.example" {
				w.Values.Limits["max_box"] = "7"
			}
		}
	})
	billing := load(t, map[string]string{"s.yaml": server, "c.yaml": catalogue,
		"x.yaml": strings.Replace(subs, "    addons: [Extra]\n", "    addons: [Extra]\n    managed_by: billing\n", 1)})
	p := makePlan(t, billing, prior)
	if len(p.Changes) != 1 || p.Changes[0].Key != "a.example" {
		t.Fatalf("changes %v, want a.example's only", p.Changes)
	}
	out, err := Run(context.Background(), r.client(t), p, prior, Options{DefaultIP: "192.0.2.10",
		Billing: func(kind, key string) bool { return kind == "subscription" && key == "a.example" }})
	if err != nil {
		t.Fatal(err)
	}
	if ops := r.take(); len(ops) != 0 {
		t.Errorf("writes %v, want none", ops)
	}
	if got := disagreementsOf(out); got != "" {
		t.Errorf("disagreements %q, want none", got)
	}
	if len(out.Pending) != 0 {
		t.Errorf("pending %v, want none", out.Pending)
	}
	for _, s := range out.Record.Subscriptions {
		if s.Domain == "a.example" && s.ManagedBy != "billing" {
			t.Errorf("a.example recorded managed_by %q, want billing", s.ManagedBy)
		}
	}
}

// TestNoPHPHandler: a PHP version and handler the server has the
// components for but no enabled PHP handler of (php-handler get lists
// 8.3 as FastCGI only) is refused before any write, naming the object
// and what the server has; the server's own ids are written otherwise.
func TestNoPHPHandler(t *testing.T) {
	r := newRecorder(t, nil)
	cfg := load(t, map[string]string{"s.yaml": server, "c.yaml": catalogue, "x.yaml": subs})
	snap, err := importer.Read(context.Background(), r.client(t))
	if err != nil {
		t.Fatal(err)
	}
	if snap.PHP == nil {
		t.Fatal("the read has no table of PHP handlers")
	}
	snap.PHP = mapping.NewPHPHandlers([]*xmlapi.PHPHandler{
		{ID: "plesk-php83-fastcgi", Version: "8.3", Type: "fastcgi", HandlerStatus: "enabled"},
		{ID: "plesk-php83-fpm", Version: "8.3", Type: "fpm", HandlerStatus: "disabled"},
	})
	r.take()
	_, err = Run(context.Background(), r.client(t), makePlan(t, cfg, nil), nil,
		Options{DefaultIP: "192.0.2.10", Read: snap, ReadAt: time.Now()})
	if err == nil {
		t.Fatal("apply succeeded, want it refused")
	}
	for _, want := range []string{"nothing was changed", "service plan Business: PHP 8.3 with handler fpm", "fastcgi (id plesk-php83-fastcgi)", "no PHP handler"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if got := r.take(); len(got) > 0 {
		t.Errorf("writes sent: %v", got)
	}

	// The server's ids: 8.3 FPM is "fpm" there.
	snap.PHP = mapping.NewPHPHandlers([]*xmlapi.PHPHandler{{ID: "fpm", Version: "8.3", FullVersion: "8.3.14", Type: "fpm"}})
	if _, err := Run(context.Background(), r.client(t), makePlan(t, cfg, nil), nil,
		Options{DefaultIP: "192.0.2.10", Read: snap, ReadAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	plans, err := xmlapi.Call[xmlapi.PlanData](context.Background(), r.client(t), xmlapi.ServicePlanGet{OwnerAll: &xmlapi.Empty{}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range plans {
		if d.Name == "Business" {
			found = true
			if got := mapping.FromPlan(d).Hosting["php_handler_id"]; got != "fpm" {
				t.Errorf("plan Business has php_handler_id %q, want the server's fpm", got)
			}
		}
	}
	if !found {
		t.Error("plan Business was not created")
	}
}

// TestReadBackServerIDs: refresh's read-back of a subscription reads its
// php_handler_id by the server's PHP handlers: on a server whose PHP 8.3
// is the OS vendor's (id fpm) it agrees with PHP 8.3 FPM.
func TestReadBackServerIDs(t *testing.T) {
	cfg := load(t, map[string]string{"s.yaml": server, "c.yaml": catalogue, "x.yaml": subs})
	st, err := fake.Seed(cfg, "192.0.2.10", now, fake.Options{VendorPHP: "8.3"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(fake.New(st, fake.Options{Key: "k", VendorPHP: "8.3"}))
	defer hs.Close()
	c, _ := xmlapi.New(xmlapi.Config{URL: hs.URL, Key: "k", Retries: -1})
	snap, err := importer.Read(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := snap.PHP.ID("8.3", "fpm"); id != "fpm" {
		t.Fatalf("the server's id of 8.3 FPM is %q, want fpm", id)
	}
	list := []Expected{{Domain: "a.example", Predicted: state.Values{"hosting.php_version": "8.3", "hosting.php_handler": "fpm"},
		Paths: []string{"hosting.php_handler", "hosting.php_version"}}}
	ds, err := ReadBackOn(context.Background(), c, snap.PHP, list)
	if err != nil || len(ds) > 0 {
		t.Errorf("read back with the server's handlers: %v %+v", err, ds)
	}
	// Without them the id fpm is not read as PHP 8.3 FPM.
	if ds, _ := ReadBack(context.Background(), c, list); len(ds) == 0 {
		t.Error("read back without the server's handlers agrees; the test proves nothing")
	}
}

// TestAllocationServedInKeyOrder checks new subscriptions of a reseller
// without oversell are served from its allocation in sorted key order,
// each whole (SPEC §1.5): a.example gets its plan and add-on (4 GiB of
// 5), b.example what is left (1 GiB), as the plan predicts. Written
// round by round (every subscription created, then every add-on
// attached), b.example's plan would take 3 GiB before a.example's add-on
// came.
func TestAllocationServedInKeyOrder(t *testing.T) {
	r := newRecorder(t, nil)
	cfg := load(t, map[string]string{"s.yaml": server, "c.yaml": `
reseller_plans:
  - name: RP
    oversell: false
    resources: {disk_space: 5GiB}
resellers:
  - login: acme
    name: Acme
    plan: RP
service_plans:
  - name: Small
    owner: acme
    resources: {disk_space: 2GiB}
  - name: Big
    owner: acme
    resources: {disk_space: 5GiB}
addon_plans:
  - name: Extra
    owner: acme
    resources: {disk_space: 2GiB}
customers:
  - login: road
    name: Road Runner
    owner: acme
subscriptions:
  - domain: b.example
    customer: road
    owner: acme
    plan: Big
    addons: [Extra]
  - domain: a.example
    customer: road
    owner: acme
    plan: Small
    addons: [Extra]
`})
	apply(t, r, cfg, nil) // fails on a model disagreement
	got := map[string]string{}
	r.srv.Do(func(st *fake.State) {
		for _, w := range st.Webspaces {
			got[w.Name] = w.Values.Limits["disk_space"]
		}
	})
	if got["a.example"] != "4294967296" || got["b.example"] != "1073741824" {
		t.Errorf("disk space on the server: %v, want a.example 4 GiB, b.example 1 GiB", got)
	}
}

// TestAllocationFreedResyncs checks a subscription the server holds
// unsynchronized, short of its reseller's allocation, gets what another
// subscription's shrink frees in the same apply (SPEC §1.5: the conflict
// is gone, so it gets what its plan asks): no plan write reaches it, so
// it is synced again (sync-subscription, which does not lock it).
func TestAllocationFreedResyncs(t *testing.T) {
	r := newRecorder(t, nil)
	files := map[string]string{"s.yaml": server, "c.yaml": `
reseller_plans:
  - name: RP
    oversell: false
    resources: {disk_space: 5GiB}
resellers:
  - login: acme
    name: Acme
    plan: RP
service_plans:
  - name: Small
    owner: acme
    resources: {disk_space: 2GiB}
    permissions: {manage_ssh: true}
  - name: Big
    owner: acme
    resources: {disk_space: 4GiB}
customers:
  - login: road
    name: Road Runner
    owner: acme
subscriptions:
  - domain: a.example
    customer: road
    owner: acme
    plan: Big
  - domain: b.example
    customer: road
    owner: acme
    plan: Small
`}
	out := apply(t, r, load(t, files), nil) // b.example gets the 1 GiB left
	files["c.yaml"] = strings.Replace(files["c.yaml"], "    plan: Big\n", "    plan: Big\n    customize:\n      resources: {disk_space: 1GiB}\n", 1)
	p := makePlan(t, load(t, files), out.Record)
	if len(p.Conflicts) != 1 || p.Conflicts[0].Property != "permissions.manage_ssh" {
		t.Fatalf("conflicts: %+v, want manage_ssh's alone", p.Conflicts)
	}
	apply(t, r, load(t, files), out.Record) // fails on a model disagreement
	r.srv.Do(func(st *fake.State) {
		for _, w := range st.Webspaces {
			if w.Name == "b.example" && (w.Values.Limits["disk_space"] != "2147483648" || w.Locked) {
				t.Errorf("b.example on the server: disk space %s, locked %v; want 2 GiB, not locked", w.Values.Limits["disk_space"], w.Locked)
			}
		}
	})
}

// TestAllocationFreedByDeleteResyncs checks the subscriptions short of
// their reseller's allocation get what a delete of the same apply frees
// (SPEC §1.5: the plan predicts the end state), though the deletes come
// last (§6.5): b.example, which the server holds unsynchronized with the
// 1 GiB left, and c.example, created with nothing left, are synced again
// after a.example's delete, one after the other in key order
// (sync-subscription, which does not lock them), and what Plesk reported
// of them before the delete is gone.
func TestAllocationFreedByDeleteResyncs(t *testing.T) {
	r := newRecorder(t, nil)
	files := map[string]string{"s.yaml": server, "c.yaml": `
reseller_plans:
  - name: RP
    oversell: false
    resources: {disk_space: 5GiB}
resellers:
  - login: acme
    name: Acme
    plan: RP
service_plans:
  - name: Small
    owner: acme
    resources: {disk_space: 2GiB}
  - name: Big
    owner: acme
    resources: {disk_space: 4GiB}
customers:
  - login: road
    name: Road Runner
    owner: acme
subscriptions:
  - domain: a.example
    customer: road
    owner: acme
    plan: Big
  - domain: b.example
    customer: road
    owner: acme
    plan: Small
`}
	out := apply(t, r, load(t, files), nil) // b.example gets the 1 GiB left
	files["c.yaml"] = strings.Replace(files["c.yaml"], "  - domain: a.example\n    customer: road\n    owner: acme\n    plan: Big\n", "", 1) + `  - domain: c.example
    customer: road
    owner: acme
    plan: Small
`
	p := makePlan(t, load(t, files), out.Record)
	if len(p.Conflicts) != 0 {
		t.Fatalf("conflicts: %+v, want none (a.example's delete frees 4 GiB)", p.Conflicts)
	}
	r.take()
	out = apply(t, r, load(t, files), out.Record) // fails on a model disagreement
	ops := r.take()
	if n := len(ops); n < 2 || ops[n-2] != "webspace sync-subscription" || ops[n-1] != "webspace sync-subscription" || !slices.Contains(ops, "webspace del") ||
		slices.Index(ops, "webspace del") > n-3 {
		t.Errorf("writes: %v, want the delete, then two sync-subscription", ops)
	}
	if len(out.Problems) != 0 {
		t.Errorf("problems: %+v, want none", out.Problems)
	}
	r.srv.Do(func(st *fake.State) {
		for _, w := range st.Webspaces {
			if w.Values.Limits["disk_space"] != "2147483648" || w.Locked || w.Unsynced {
				t.Errorf("%s on the server: disk space %s, locked %v, unsynced %v; want 2 GiB, synced", w.Name, w.Values.Limits["disk_space"], w.Locked, w.Unsynced)
			}
		}
	})
}

// TestAllocationFreedByDeleteRewritesOwnLimits: a locked subscription
// created in the same run as a delete that frees its reseller's
// allocation asks more than is left until the delete: its limits, which
// are its own, are written again after the deletes (not synced, which
// would unlock it), and it ends with what it asks, still locked.
func TestAllocationFreedByDeleteRewritesOwnLimits(t *testing.T) {
	r := newRecorder(t, nil)
	files := map[string]string{"s.yaml": server, "c.yaml": `
reseller_plans:
  - name: RP
    oversell: false
    resources: {disk_space: 5GiB}
resellers:
  - login: acme
    name: Acme
    plan: RP
service_plans:
  - name: Small
    owner: acme
    resources: {disk_space: 1GiB}
  - name: Big
    owner: acme
    resources: {disk_space: 4GiB}
customers:
  - login: road
    name: Road Runner
    owner: acme
subscriptions:
  - domain: a.example
    customer: road
    owner: acme
    plan: Big
`}
	out := apply(t, r, load(t, files), nil)
	files["c.yaml"] = strings.Replace(files["c.yaml"], "  - domain: a.example\n    customer: road\n    owner: acme\n    plan: Big\n", "", 1) + `  - domain: c.example
    customer: road
    owner: acme
    plan: Small
    customize:
      resources: {disk_space: 3GiB}
`
	p := makePlan(t, load(t, files), out.Record)
	if len(p.Conflicts) != 0 {
		t.Fatalf("conflicts: %+v, want none (a.example's delete frees 4 GiB)", p.Conflicts)
	}
	r.take()
	out = apply(t, r, load(t, files), out.Record)
	ops := r.take()
	if n := len(ops); n < 1 || ops[n-1] != "webspace set" || slices.Index(ops, "webspace del") > n-2 || slices.Contains(ops, "webspace sync-subscription") {
		t.Errorf("writes: %v, want the delete, then c.example's limits set again, and no sync", ops)
	}
	if len(out.Problems) != 0 {
		t.Errorf("problems: %+v, want none", out.Problems)
	}
	r.srv.Do(func(st *fake.State) {
		for _, w := range st.Webspaces {
			if w.Name == "c.example" && (w.Values.Limits["disk_space"] != "3221225472" || !w.Locked) {
				t.Errorf("c.example on the server: disk space %s, locked %v; want 3 GiB, locked", w.Values.Limits["disk_space"], w.Locked)
			}
		}
	})
}

// TestOversellGrowthGetsTheLimit checks a reseller's subscription that
// grows beyond what its reseller's allocation holds gets, with oversell,
// the allocation's value (SPEC §1.5: each single value must fit, the sum
// need not, so nothing competes for it), as the plan predicts: a.example,
// created with 2 GiB of disk space, gets an add-on of unlimited disk
// space and holds the reseller's 5 GiB. Before, the emulator kept what it
// had (2 GiB), as without oversell (differential seed 95).
func TestOversellGrowthGetsTheLimit(t *testing.T) {
	r := newRecorder(t, nil)
	files := map[string]string{"s.yaml": server, "c.yaml": `
reseller_plans:
  - name: RP
    oversell: true
    resources: {disk_space: 5GiB}
resellers:
  - login: acme
    name: Acme
    plan: RP
service_plans:
  - name: Small
    owner: acme
    resources: {disk_space: 2GiB}
addon_plans:
  - name: Extra
    owner: acme
    resources: {disk_space: unlimited}
customers:
  - login: road
    name: Road Runner
    owner: acme
subscriptions:
  - domain: a.example
    customer: road
    owner: acme
    plan: Small
`}
	out := apply(t, r, load(t, files), nil)
	files["c.yaml"] += "    addons: [Extra]\n"
	p := makePlan(t, load(t, files), out.Record)
	if len(p.Conflicts) != 1 || p.Conflicts[0].AvailableValue.Text != "5 GiB" {
		t.Fatalf("conflicts: %+v, want disk space's, 5 GiB available", p.Conflicts)
	}
	apply(t, r, load(t, files), out.Record) // fails on a model disagreement
	r.srv.Do(func(st *fake.State) {
		for _, w := range st.Webspaces {
			if w.Values.Limits["disk_space"] != "5368709120" {
				t.Errorf("%s on the server: disk space %s, want 5 GiB", w.Name, w.Values.Limits["disk_space"])
			}
		}
	})
}

// TestLockedAddonRemovedTakesBaseAnew checks a locked subscription whose
// add-on is removed gets its base anew from its plan, with its
// customisation on top (SPEC 1.3): a setting only the add-on gave
// (hosting.ssl) is no longer set (off), as plansync predicts, though
// the server does not re-sync a locked subscription whose add-ons
// change. Before, it kept the add-on's ssl (differential seed 137).
func TestLockedAddonRemovedTakesBaseAnew(t *testing.T) {
	r := newRecorder(t, nil)
	files := map[string]string{"s.yaml": server, "c.yaml": `
service_plans:
  - name: Web
    resources: {disk_space: 1GiB}
addon_plans:
  - name: SSL
    hosting: {ssl: true}
customers:
  - login: jdoe
    name: John Doe
subscriptions:
  - domain: a.example
    customer: jdoe
    plan: Web
    customize:
      resources: {web_users: 3}
`}
	withAddon := files["c.yaml"] + "    addons: [SSL]\n"
	files["c.yaml"], withAddon = withAddon, files["c.yaml"]
	out := apply(t, r, load(t, files), nil)
	files["c.yaml"] = withAddon
	apply(t, r, load(t, files), out.Record) // fails on a model disagreement
	r.srv.Do(func(st *fake.State) {
		for _, w := range st.Webspaces {
			if w.Values.Hosting["ssl"] == "true" || !w.Locked || w.Values.Limits["max_wu"] != "3" {
				t.Errorf("%s on the server: ssl %q, locked %v, web users %s; want ssl not set (or off), locked, 3 web users",
					w.Name, w.Values.Hosting["ssl"], w.Locked, w.Values.Limits["max_wu"])
			}
		}
	})
}

// TestPHPHalfWithOwnOtherHalf checks a subscription whose plan gives a
// PHP handler alone, which needs a component the server lacks, is
// unsynced in plansync and synchronized on the server, as a plan's PHP
// half alone is never sent, also when the subscriber's own value gives
// the other half (a PHP version): that value is the subscriber's, not
// its plan's, so Plesk's sync never sees the handler. Before, apply
// reported the sync status as a model disagreement (differential seed
// 140).
func TestPHPHalfWithOwnOtherHalf(t *testing.T) {
	r := newRecorder(t, nil)
	files := map[string]string{"s.yaml": `
server:
  components: [php8.2, php8.3, php-fpm, postfix]
`, "c.yaml": `
service_plans:
  - name: Web
    permissions: {manage_php_version: true}
    hosting: {php_handler: fastcgi}
customers:
  - login: jdoe
    name: John Doe
subscriptions:
  - domain: a.example
    customer: jdoe
    plan: Web
subscriber_settings:
  - domain: a.example
    hosting: {php_version: "8.2"}
`}
	cfg := load(t, files)
	p := makePlan(t, cfg, nil)
	if len(p.Conflicts) != 1 || p.Conflicts[0].Property != "hosting.php_handler" {
		t.Fatalf("conflicts: %+v, want the PHP handler's", p.Conflicts)
	}
	out, err := Run(context.Background(), r.client(t), p, nil, Options{DefaultIP: "192.0.2.10"})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if len(out.Disagreements) > 0 {
		t.Errorf("model disagreements: %+v", out.Disagreements)
	}
}

// TestLockedSwitchUnsetsByASync checks a locked subscription switched to
// a plan that does not set a value its former plan gave, one no write
// can unset (a php.ini setting), gets its base anew all the same (SPEC
// 1.3) where the server's switch keeps a locked subscription's values
// (fake.Options.SwitchKeepsLock): it is synced to its new plan before
// its values are written.
func TestLockedSwitchUnsetsByASync(t *testing.T) {
	r := newRecorderWith(t, nil, fake.Options{SwitchKeepsLock: true})
	files := map[string]string{"s.yaml": server, "c.yaml": `
service_plans:
  - name: A
    hosting: {php_settings: {memory_limit: 256M}}
  - name: B
    resources: {disk_space: 1GiB}
customers:
  - login: jdoe
    name: John Doe
subscriptions:
  - domain: a.example
    customer: jdoe
    plan: A
    customize:
      resources: {web_users: 3}
`}
	out := apply(t, r, load(t, files), nil)
	files["c.yaml"] = strings.Replace(files["c.yaml"], "    plan: A\n", "    plan: B\n", 1)
	r.take()
	apply(t, r, load(t, files), out.Record)
	if ops := r.take(); !slices.Contains(ops, "webspace sync-subscription") {
		t.Errorf("writes: %v, want a sync-subscription", ops)
	}
	r.srv.Do(func(st *fake.State) {
		for _, w := range st.Webspaces {
			if _, set := w.Values.PHP["memory_limit"]; set || !w.Locked || w.Values.Limits["max_wu"] != "3" {
				t.Errorf("%s on the server: memory_limit %q, locked %v, web users %s; want memory_limit not set, locked, 3 web users",
					w.Name, w.Values.PHP["memory_limit"], w.Locked, w.Values.Limits["max_wu"])
			}
		}
	})
}

// TestLockedOwnPHPVersionKeepsHandler checks a locked subscription whose
// plan gives the PHP version and handler, and whose subscriber chose
// another PHP version: the server holds the subscriber's version with
// the plan's handler (one value), which is not plansync's to unset. A
// later apply that reads the subscription again (another change on the
// server) writes nothing to it. Before, the handler (alone in what is
// plansync's, so not sent) was taken for a setting the config leaves
// out, and apply refused the whole server (fleet differential seed 363).
func TestLockedOwnPHPVersionKeepsHandler(t *testing.T) {
	r := newRecorder(t, nil)
	r.srv.Do(func(st *fake.State) {
		st.SubscriberValues = map[string]model.Props{"a.example": {"hosting.php_version": model.String("8.2")}}
	})
	files := map[string]string{"s.yaml": `
server:
  components: [php8.2, php8.3, php-cgi, postfix]
`, "c.yaml": `
service_plans:
  - name: Web
    resources: {disk_space: 1GiB}
    permissions: {manage_php_version: true}
    hosting: {php_version: "8.3", php_handler: cgi}
customers:
  - login: jdoe
    name: John Doe
subscriptions:
  - domain: a.example
    customer: jdoe
    plan: Web
    customize:
      resources: {web_users: 3}
subscriber_settings:
  - domain: a.example
    hosting: {php_version: "8.2"}
`}
	out := apply(t, r, load(t, files), nil)
	files["c.yaml"] = strings.Replace(files["c.yaml"], "  - login: jdoe\n    name: John Doe\n", "  - login: jdoe\n    name: John Doe\n  - login: road\n    name: Road Runner\n", 1)
	r.take()
	apply(t, r, load(t, files), out.Record)
	if ops := r.take(); slices.ContainsFunc(ops, func(op string) bool { return strings.HasPrefix(op, "webspace set") }) {
		t.Errorf("writes: %v, want none to a.example", ops)
	}
}

// TestStatusReadBack: the customers and resellers whose status apply
// writes, and the customers of a reseller whose status it writes, are
// read back after the writes (verifyStatuses). A status the server then
// reports otherwise (a billing system activates the customer just
// suspended) is a model disagreement, and the account (with its
// subscriptions) keeps its prior status, the account pending; an account the apply did not
// touch is not read back. A customer is read as a refresh reads it: one
// active on its own account whose reseller is suspended is suspended,
// as predicted.
func TestStatusReadBack(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		want           string
	}{
		{"written", "  - login: road\n    name: Road Runner\n", "  - login: road\n    name: Road Runner\n    status: suspended\n",
			"customer road status: suspended / active"},
		{"with its reseller", "    plan: RP\n", "    plan: RP\n    status: suspended\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := fake.NewState()
			emu := fake.New(st, fake.Options{Key: "k"})
			var undo, readBack bool
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				body, _ := io.ReadAll(req.Body)
				req.Body = io.NopCloser(bytes.NewReader(body))
				emu.ServeHTTP(w, req)
				if undo && bytes.Contains(body, []byte("<customer><get><filter><login>")) && bytes.Contains(body, []byte("<login>road</login>")) {
					readBack = true
				}
				if undo && bytes.Contains(body, []byte("<status>16</status>")) {
					// Billing activates the customer again at once.
					emu.Do(func(st *fake.State) {
						for _, a := range st.Accounts {
							if a.Login == "road" {
								a.Status = 0
							}
						}
					})
				}
			}))
			t.Cleanup(hs.Close)
			c, err := xmlapi.New(xmlapi.Config{URL: hs.URL, Key: "k", Retries: -1})
			if err != nil {
				t.Fatal(err)
			}
			files := map[string]string{"s.yaml": server, "c.yaml": catalogue, "x.yaml": subs}
			prior, err := Run(context.Background(), c, makePlan(t, load(t, files), nil), nil, Options{DefaultIP: "192.0.2.10"})
			if err != nil || len(prior.Disagreements) > 0 {
				t.Fatalf("first apply: %v %+v", err, prior.Disagreements)
			}
			prior.Record.Serial++
			files["c.yaml"] = strings.Replace(catalogue, tc.from, tc.to, 1)
			undo = true
			out, err := Run(context.Background(), c, makePlan(t, load(t, files), prior.Record), prior.Record, Options{DefaultIP: "192.0.2.10"})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range out.Disagreements {
				got = append(got, d.Account+" "+d.Property+": "+d.Predicted.Text+" / "+d.Observed.Text)
			}
			if strings.Join(got, "; ") != tc.want {
				t.Errorf("disagreements %q, want %q", got, tc.want)
			}
			pending, status := strings.Join(out.Pending, ","), "suspended"
			if tc.want != "" {
				// The prior records: active.
				status = "active"
				if pending != "customer road" {
					t.Errorf("pending %v", out.Pending)
				}
				if i := slices.IndexFunc(out.Record.Subscriptions, func(s state.Subscription) bool { return s.Domain == "r.example" }); i < 0 {
					t.Error("r.example not recorded")
				} else if s := out.Record.Subscriptions[i]; s.Status != "active" || len(s.StatusReasons) > 0 {
					t.Errorf("r.example recorded %s %v, want its prior status, active", s.Status, s.StatusReasons)
				}
			} else if pending != "" {
				t.Errorf("pending %v", out.Pending)
			}
			if !readBack {
				t.Error("road was not read back")
			}
			if i := slices.IndexFunc(out.Record.Customers, func(cu state.Customer) bool { return cu.Login == "road" }); i < 0 {
				t.Error("road not recorded")
			} else if cu := out.Record.Customers[i]; cu.Status != status {
				t.Errorf("road recorded %s, want %s", cu.Status, status)
			}
		})
	}
}

// TestStatusReadBackUnwritten: a customer whose status the plan changes
// is read back even when the server already has it (nothing written),
// and recorded when it agrees; when the read-back fails, it keeps its
// prior record (its status is a prediction) and the apply fails.
func TestStatusReadBackUnwritten(t *testing.T) {
	for _, fails := range []bool{false, true} {
		st := fake.NewState()
		emu := fake.New(st, fake.Options{Key: "k"})
		var armed bool
		var writes []string
		c := intercepted(t, emu, func(w http.ResponseWriter, body []byte) bool {
			if armed && bytes.Contains(body, []byte("<set>")) {
				writes = append(writes, string(body))
			}
			if armed && fails && bytes.Contains(body, []byte("<customer><get><filter><login>")) {
				http.Error(w, "down", http.StatusInternalServerError)
				return true
			}
			return false
		})
		files := map[string]string{"s.yaml": server, "c.yaml": catalogue, "x.yaml": subs}
		first, err := Run(context.Background(), c, makePlan(t, load(t, files), nil), nil, Options{DefaultIP: "192.0.2.10"})
		if err != nil {
			t.Fatal(err)
		}
		prior := first.Record
		prior.Serial++
		// Suspended on the server already (the plan is made from the
		// record, which does not know it).
		setStatus(emu, "jdoe", 16)
		files["c.yaml"] = strings.Replace(catalogue, "    name: John Doe\n", "    name: John Doe\n    status: suspended\n", 1)
		p := makePlan(t, load(t, files), prior)
		armed = true
		out, err := Run(context.Background(), c, p, prior, Options{DefaultIP: "192.0.2.10"})
		if fails != (err != nil) {
			t.Fatalf("fails=%v: error %v", fails, err)
		}
		for _, w := range writes {
			if strings.Contains(w, "<customer>") {
				t.Errorf("fails=%v: the customer's status was written: %s", fails, w)
			}
		}
		if len(out.Disagreements) > 0 {
			t.Errorf("fails=%v: disagreements %+v", fails, out.Disagreements)
		}
		want := "suspended"
		if fails {
			want = "active"
			if !slices.Contains(out.Pending, "customer jdoe") {
				t.Errorf("pending %v", out.Pending)
			}
		}
		if i := slices.IndexFunc(out.Record.Customers, func(cu state.Customer) bool { return cu.Login == "jdoe" }); i < 0 {
			t.Errorf("fails=%v: jdoe not recorded", fails)
		} else if cu := out.Record.Customers[i]; cu.Status != want {
			t.Errorf("fails=%v: jdoe recorded %s, want %s", fails, cu.Status, want)
		}
	}
}

// TestAccountReadBackOnce: an apply that writes the contact details and
// the status of many customers reads each of them back once, in gets of
// at most 1,000 logins (readChunk), at most 8 gets to a packet (the
// contacts and the statuses compared on that one read).
func TestAccountReadBackOnce(t *testing.T) {
	const n = 2500
	var before, after strings.Builder
	before.WriteString("customers:\n")
	after.WriteString("customers:\n")
	for i := range n {
		fmt.Fprintf(&before, "  - login: c%04d\n    name: Customer %d\n", i, i)
		fmt.Fprintf(&after, "  - login: c%04d\n    name: Customer %d Renamed\n    status: suspended\n", i, i)
	}
	st := fake.NewState()
	emu := fake.New(st, fake.Options{Key: "k"})
	var armed bool
	var mu sync.Mutex
	var gets []int // the logins of each customer get with a login filter
	var packets []int
	c := intercepted(t, emu, func(w http.ResponseWriter, body []byte) bool {
		mu.Lock()
		defer mu.Unlock()
		if armed {
			inPacket := 0
			for _, g := range loginGets(body, "customer") {
				if g > 0 { // not the first read (of all customers)
					gets = append(gets, g)
					inPacket++
				}
			}
			if inPacket > 0 {
				packets = append(packets, inPacket)
			}
		}
		return false
	})
	first, err := Run(context.Background(), c, makePlan(t, load(t, map[string]string{"c.yaml": before.String()}), nil), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// check applies cfg over prior and checks that it read the customers
	// back once, in gets of chunk logins at most, in the packets wanted.
	check := func(cfg string, prior *state.Snapshot, chunk int, wantPackets []int) *Outcome {
		t.Helper()
		mu.Lock()
		armed, gets, packets = true, nil, nil
		mu.Unlock()
		prior.Serial++
		out, err := Run(context.Background(), c, makePlan(t, load(t, map[string]string{"c.yaml": cfg}), prior), prior, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Disagreements) > 0 || len(out.Pending) > 0 {
			t.Fatalf("disagreements %+v, pending %v", out.Disagreements, out.Pending)
		}
		mu.Lock()
		defer mu.Unlock()
		total := 0
		for _, g := range gets {
			if g > chunk {
				t.Errorf("a customer get of %d logins, want at most %d", g, chunk)
			}
			total += g
		}
		if want := (n + chunk - 1) / chunk; total != n || len(gets) != want {
			t.Errorf("customer gets of %v logins (%d in all), want %d reading the %d customers once", gets, total, want, n)
		}
		if !slices.Equal(packets, wantPackets) {
			t.Errorf("packets of %v customer gets, want %v", packets, wantPackets)
		}
		return out
	}
	out := check(after.String(), first.Record, 1000, []int{3})
	for _, cu := range out.Record.Customers {
		if cu.Status != "suspended" || !strings.HasSuffix(cu.Contact.Name, " Renamed") {
			t.Fatalf("%s recorded %s, %q", cu.Login, cu.Status, cu.Contact.Name)
		}
	}
	// Gets of 100 logins: 25, at most 8 to a packet.
	defer func(n int) { readChunk = n }(readChunk)
	readChunk = 100
	out = check(before.String(), out.Record, 100, []int{8, 8, 8, 1})
	for _, cu := range out.Record.Customers {
		if cu.Status != "active" || strings.HasSuffix(cu.Contact.Name, " Renamed") {
			t.Fatalf("%s recorded %s, %q", cu.Login, cu.Status, cu.Contact.Name)
		}
	}
}

// loginGets lists, for each get of operator in a request packet that
// filters on logins, how many logins it names.
func loginGets(body []byte, operator string) []int {
	var out []int
	var path []string
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch e := tok.(type) {
		case xml.StartElement:
			path = append(path, e.Name.Local)
			if len(path) == 3 && path[1] == operator && path[2] == "get" {
				out = append(out, 0)
			}
			if len(path) == 5 && path[1] == operator && path[2] == "get" && path[3] == "filter" && path[4] == "login" {
				out[len(out)-1]++
			}
		case xml.EndElement:
			path = path[:len(path)-1]
		}
	}
}

// TestAccountReadBackFails: when the one read-back of accounts fails,
// each account follows the rule of what it was read for: one whose
// contact details were written keeps its prior record when the get
// answers with an error, and is recorded (its write succeeded) when the
// packet goes unanswered; one whose status the plan changes with
// nothing written (the server has it already) keeps its prior record
// either way (its status is a prediction). The apply fails.
func TestAccountReadBackFails(t *testing.T) {
	before := `customers:
  - login: jane
    name: Jane Doe
  - login: kim
    name: Kim Lee
`
	after := strings.Replace(strings.Replace(before, "Jane Doe", "Jane Roe", 1), "    name: Kim Lee\n", "    name: Kim Lee\n    status: suspended\n", 1)
	for _, unanswered := range []bool{false, true} {
		st := fake.NewState()
		emu := fake.New(st, fake.Options{Key: "k"})
		var armed bool
		c := intercepted(t, emu, func(w http.ResponseWriter, body []byte) bool {
			if !armed || !bytes.Contains(body, []byte("<customer><get><filter><login>")) {
				return false
			}
			if unanswered {
				http.Error(w, "down", http.StatusInternalServerError)
			} else {
				fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.9.1"><customer><get><result>`+
					`<status>error</status><errcode>1023</errcode><errtext>read refused</errtext></result></get></customer></packet>`)
			}
			return true
		})
		first, err := Run(context.Background(), c, makePlan(t, load(t, map[string]string{"c.yaml": before}), nil), nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		prior := first.Record
		prior.Serial++
		setStatus(emu, "kim", 16)
		armed = true
		out, err := Run(context.Background(), c, makePlan(t, load(t, map[string]string{"c.yaml": after}), prior), prior, Options{})
		if err == nil {
			t.Fatalf("unanswered=%v: the apply did not fail", unanswered)
		}
		want := "customer jane,customer kim"
		if unanswered {
			want = "customer kim"
		}
		if got := strings.Join(out.Pending, ","); got != want {
			t.Errorf("unanswered=%v: pending %s, want %s", unanswered, got, want)
		}
		if len(out.Disagreements) > 0 {
			t.Errorf("unanswered=%v: disagreements %+v", unanswered, out.Disagreements)
		}
	}
}

// intercepted is a client of emu through a server that first hands each
// request packet to before, which answers it itself (true) or lets emu
// answer it.
func intercepted(t testing.TB, emu *fake.Server, before func(w http.ResponseWriter, body []byte) bool) *xmlapi.Client {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if before(w, body) {
			return
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		emu.ServeHTTP(w, req)
	}))
	t.Cleanup(hs.Close)
	c, err := xmlapi.New(xmlapi.Config{URL: hs.URL, Key: "k", Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// setStatus gives the account login the status bits status on emu.
func setStatus(emu *fake.Server, login string, status int) {
	emu.Do(func(st *fake.State) {
		for _, a := range st.Accounts {
			if a.Login == login {
				a.Status = status
			}
		}
	})
}
