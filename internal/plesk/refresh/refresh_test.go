package refresh

import (
	"context"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/importer"
	"github.com/plansync/plansync/internal/plesk/plesktest"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
	"github.com/plansync/plansync/state"
)

var now = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)

const seed = `service_plans:
  - name: Basic
    resources:
      disk_space: 1GiB
      websites: 1
customers:
  - login: jane
    name: Jane Doe
  - login: kim
subscriptions:
  - domain: jane.example
    customer: jane
    plan: Basic
  - domain: kim.example
    customer: kim
    plan: Basic
`

// server starts an emulator seeded from seed and returns it with a read
// of it.
func server(t *testing.T) (*fake.Server, *xmlapi.Client) {
	t.Helper()
	st, err := fake.Seed(seedConfig(t), "", now, fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := fake.New(st, fake.Options{Key: "k"})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c, err := xmlapi.New(xmlapi.Config{URL: hs.URL, Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// seedConfig loads seed.
func seedConfig(t *testing.T) *model.Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "all.yaml"), []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, ds := config.Load(dir, config.Options{})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	return cfg
}

func read(t *testing.T, c *xmlapi.Client) *Server {
	t.Helper()
	s, err := Read(context.Background(), c, now, true)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func post(t *testing.T, srv *fake.Server, body string) {
	t.Helper()
	packet := []byte(`<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.9.1">` + body + `</packet>`)
	plesktest.Validate(t, false, "panel edit", packet)
	out := srv.Handle(map[string][]string{"Key": {"k"}}, packet)
	plesktest.Validate(t, true, "answer to a panel edit", out)
	if strings.Contains(string(out), "<status>error</status>") {
		t.Fatalf("refused: %s", out)
	}
}

// copyOf is a deep copy of a snapshot (through its encoding).
func copyOf(t *testing.T, s *state.Snapshot) *state.Snapshot {
	t.Helper()
	s.Lineage = "lin"
	data, err := state.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	out, err := state.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func causes(r *Result) []string {
	var out []string
	for _, d := range r.Drift {
		out = append(out, string(d.Kind)+" "+d.Key+": "+string(d.Cause))
	}
	return out
}

func TestCompareClean(t *testing.T) {
	_, c := server(t)
	srv := read(t, c)
	rec := copyOf(t, srv.Records)
	r := Compare(rec, nil, srv, Options{})
	if len(r.Drift) != 0 || r.IDs != 0 || r.Changed() {
		t.Fatalf("drift on a clean server: %v, %d ids", causes(r), r.IDs)
	}
	a, _ := state.Encode(rec)
	b, _ := state.Encode(r.Observed)
	if string(a) != string(b) {
		t.Errorf("observed differs from recorded:\n%s\n%s", a, b)
	}
}

func TestCompareFillsIdentities(t *testing.T) {
	_, c := server(t)
	srv := read(t, c)
	rec := copyOf(t, srv.Records)
	for i := range rec.Subscriptions {
		rec.Subscriptions[i].Plesk = nil
	}
	rec.ServicePlans[0].Plesk = nil
	r := Compare(rec, nil, srv, Options{})
	if len(r.Drift) != 0 || r.IDs != 3 {
		t.Fatalf("drift %v, %d ids; want none and 3", causes(r), r.IDs)
	}
	if r.Observed.Subscriptions[0].Plesk == nil || r.Observed.Subscriptions[0].Plesk.GUID == "" {
		t.Errorf("no identity observed: %+v", r.Observed.Subscriptions[0])
	}
	if rec.Subscriptions[0].Plesk != nil {
		t.Error("the recorded state was modified")
	}
}

// A plan renamed in the panel is matched by its GUID: drift of its name,
// not a delete and a create; the observed record keeps its key.
func TestCompareRenamedPlanMatchedByGUID(t *testing.T) {
	fs, c := server(t)
	srv := read(t, c)
	rec := copyOf(t, srv.Records)
	post(t, fs, `<service-plan><set><filter><name>Basic</name></filter><name>Basic 2</name></set></service-plan>`)
	srv = read(t, c)
	r := Compare(rec, nil, srv, Options{})
	if got := strings.Join(causes(r), "; "); got != "service_plan Basic: plan_edited_in_panel" {
		t.Fatalf("drift: %s", got)
	}
	f := r.Drift[0].Fields
	if len(f) != 1 || f[0].Path != "name" || f[0].Recorded.JSON != "Basic" || f[0].Observed.JSON != "Basic 2" {
		t.Errorf("fields: %+v", f)
	}
	if r.Observed.ServicePlans[0].Key != "Basic" || len(r.Observed.ServicePlans) != 1 {
		t.Errorf("observed plans: %+v", r.Observed.ServicePlans)
	}
	if !strings.Contains(r.Drift[0].Adopt, "name: Basic 2") {
		t.Errorf("adopt block: %q", r.Drift[0].Adopt)
	}
}

// Values the server does not know keep their recorded values: a plan's
// description and an unmapped property.
func TestComparePlansyncOnlyValuesKept(t *testing.T) {
	fs, c := server(t)
	srv := read(t, c)
	rec := copyOf(t, srv.Records)
	rec.ServicePlans[0].Description = "Our starter plan"
	vals := state.Values{}
	for k, v := range rec.PropertySets[rec.ServicePlans[0].Props] {
		vals[k] = v
	}
	vals["resources.expiration"] = "1y"
	rec.ServicePlans[0].Props = rec.PutValues(vals)
	post(t, fs, `<service-plan><set><filter><name>Basic</name></filter><limits><limit><name>disk_space</name><value>2147483648</value></limit></limits></set></service-plan>`)
	r := Compare(rec, nil, read(t, c), Options{Format: "hcl"})
	var planDrift *plan.Drift
	for i := range r.Drift {
		if r.Drift[i].Kind == "service_plan" {
			planDrift = &r.Drift[i]
		}
	}
	if planDrift == nil || planDrift.Cause != plan.DriftPlanEdited || len(planDrift.Fields) != 1 ||
		planDrift.Fields[0].Path != "resources.disk_space" || planDrift.Fields[0].Recorded.JSON != int64(1<<30) || planDrift.Fields[0].Observed.JSON != int64(2<<30) {
		t.Fatalf("plan drift: %+v", r.Drift)
	}
	if !strings.HasPrefix(planDrift.Adopt, `service_plan "Basic" {`) {
		t.Errorf("HCL adopt block: %q", planDrift.Adopt)
	}
	p := r.Observed.ServicePlans[0]
	if p.Description != "Our starter plan" {
		t.Errorf("description: %q", p.Description)
	}
	v := r.Observed.PropertySets[p.Props]
	if v["resources.expiration"] != "1y" || v["resources.disk_space"] != int64(2<<30) {
		t.Errorf("observed values: %v", v)
	}
	// Its synced subscriptions follow it: no drift of their own.
	for _, d := range r.Drift {
		if d.Kind == "subscription" {
			t.Errorf("subscription drift: %+v", d)
		}
	}
}

func TestCompareDeletedCreatedAndUndeclared(t *testing.T) {
	fs, c := server(t)
	srv := read(t, c)
	rec := copyOf(t, srv.Records)
	post(t, fs, `<webspace><del><filter><name>kim.example</name></filter></del></webspace>`)
	post(t, fs, `<webspace><add><gen_setup><name>new.example</name><owner-login>jane</owner-login><htype>vrt_hst</htype><ip_address>192.0.2.10</ip_address></gen_setup><plan-name>Basic</plan-name></add></webspace>`)
	post(t, fs, `<webspace><add><gen_setup><name>other.example</name><owner-login>jane</owner-login><htype>vrt_hst</htype><ip_address>192.0.2.10</ip_address></gen_setup><plan-name>Basic</plan-name></add></webspace>`)
	cfg := model.NewConfig()
	cfg.Subscriptions["new.example"] = &model.Subscription{Domain: "new.example"}
	r := Compare(rec, cfg, read(t, c), Options{})
	got := strings.Join(causes(r), "; ")
	if got != "subscription kim.example: deleted_outside; subscription new.example: created_outside" {
		t.Fatalf("drift: %s", got)
	}
	var domains []string
	for _, s := range r.Observed.Subscriptions {
		domains = append(domains, s.Domain)
	}
	if strings.Join(domains, " ") != "jane.example new.example" {
		t.Errorf("observed subscriptions: %v", domains)
	}
	// Not in the config either: nothing to remove from it, nothing
	// created again.
	if d := r.Drift[0]; d.Adopt != "" || !strings.Contains(d.AdoptNote, "the config no longer has subscription kim.example") || d.Revert != "" {
		t.Errorf("deleted resolutions (not declared): %+v", d)
	}
	// Declared: remove it from the config, or apply creates it again.
	cfg.Subscriptions["kim.example"] = &model.Subscription{Domain: "kim.example"}
	r = Compare(rec, cfg, read(t, c), Options{})
	if d := r.Drift[0]; d.Key != "kim.example" || d.Adopt != "" || !strings.Contains(d.AdoptNote, "remove subscription kim.example") || d.Revert != "apply will create it again" {
		t.Errorf("deleted resolutions: %+v", d)
	}
}

func TestCompareLockedAndSuspended(t *testing.T) {
	fs, c := server(t)
	srv := read(t, c)
	rec := copyOf(t, srv.Records)
	post(t, fs, `<webspace><set><filter><name>jane.example</name></filter><values><limits><limit><name>max_site</name><value>3</value></limit></limits></values></set></webspace>`)
	post(t, fs, `<webspace><set><filter><name>kim.example</name></filter><values><gen_setup><status>16</status></gen_setup></values></set></webspace>`)
	post(t, fs, `<customer><set><filter><login>kim</login></filter><values><gen_info><pname>Kim K</pname></gen_info></values></set></customer>`)
	post(t, fs, `<customer><set><filter><login>jane</login></filter><values><gen_info><status>16</status></gen_info></values></set></customer>`)
	r := Compare(rec, nil, read(t, c), Options{})
	got := strings.Join(causes(r), "; ")
	want := "customer jane: status_changed_outside; customer kim: edited_outside; subscription jane.example: customised_in_panel; subscription kim.example: status_changed_outside"
	if got != want {
		t.Fatalf("drift:\n got %s\nwant %s", got, want)
	}
	var paths []string
	for _, f := range r.Drift[2].Fields {
		paths = append(paths, f.Path)
	}
	if strings.Join(paths, " ") != "sync_status resources.websites" {
		t.Errorf("locked fields: %v", paths)
	}
	for _, s := range r.Observed.Subscriptions {
		switch s.Domain {
		case "jane.example":
			if s.SyncStatus != "locked" || s.Customize == "" {
				t.Errorf("observed jane.example: %+v", s)
			}
		case "kim.example":
			if s.Status != "suspended" || strings.Join(s.StatusReasons, ",") != "suspended outside plansync (by the administrator, status 16)" {
				t.Errorf("observed kim.example: %+v", s)
			}
		}
	}
	if r.Observed.Customers[1].Contact.Name != "Kim K" {
		t.Errorf("observed customer: %+v", r.Observed.Customers[1])
	}
}

// A reseller's run compares only what the reseller owns: the admin's
// objects, missing from what its credentials read, are kept as recorded.
func TestCompareResellerScope(t *testing.T) {
	_, c := server(t)
	srv := read(t, c)
	rec := copyOf(t, srv.Records)
	empty := &Server{Name: srv.Name, Config: model.NewConfig(), Records: state.New("x")}
	r := Compare(rec, nil, empty, Options{Reseller: "acme"})
	if len(r.Drift) != 0 {
		t.Fatalf("drift: %v", causes(r))
	}
	if len(r.Observed.Subscriptions) != 2 || len(r.Observed.ServicePlans) != 1 || len(r.Observed.Customers) != 2 {
		t.Errorf("records dropped: %+v", r.Observed)
	}
	// Without the scope, the same read is the admin's: all deleted.
	if r := Compare(rec, nil, empty, Options{}); len(r.Drift) != 5 {
		t.Errorf("admin's drift: %v", causes(r))
	}
}

// A synced subscription whose values differ from the server's while its
// plan was not edited is no drift: the difference is in how the values
// are computed (subscriber settings, say), and the recorded values stay.
func TestCompareSyncedValuesWithoutPlanDriftKept(t *testing.T) {
	_, c := server(t)
	srv := read(t, c)
	rec := copyOf(t, srv.Records)
	s := &rec.Subscriptions[0]
	vals := state.Values{}
	for k, v := range rec.PropertySets[s.Effective] {
		vals[k] = v
	}
	vals["resources.websites"] = int64(3)
	s.Effective = rec.PutValues(vals)
	r := Compare(rec, nil, srv, Options{})
	if len(r.Drift) != 0 || r.Changed() {
		t.Fatalf("drift: %v", causes(r))
	}
	if got := r.Observed.PropertySets[r.Observed.Subscriptions[0].Effective]["resources.websites"]; got != int64(3) {
		t.Errorf("observed websites %v, want the recorded 3", got)
	}
}

// A recorded object without a Plesk identity that the server lacks was
// never known there: missing, not deleted.
func TestCompareMissingWithoutIdentity(t *testing.T) {
	_, c := server(t)
	srv := read(t, c)
	rec := copyOf(t, srv.Records)
	extra := rec.Subscriptions[0]
	extra.Domain, extra.Plesk = "never.example", nil
	rec.Subscriptions = append(rec.Subscriptions, extra)
	r := Compare(rec, nil, srv, Options{})
	if got := strings.Join(causes(r), "; "); got != "subscription never.example: missing_on_server" {
		t.Fatalf("drift: %s", got)
	}
	if d := r.Drift[0]; d.Revert != "apply will create it again" {
		t.Errorf("resolutions: %+v", d)
	}
}

// TestAttachOnKeepsServersApart: the same plan and account on two
// servers take each server's own identity.
func TestAttachOnKeepsServersApart(t *testing.T) {
	s := &state.Snapshot{
		ServicePlans:  []state.Plan{{Server: "web1", Key: "admin/Basic"}, {Server: "web2", Key: "admin/Basic"}},
		Customers:     []state.Customer{{Server: "web1", Login: "jdoe"}, {Server: "web2", Login: "jdoe"}},
		Subscriptions: []state.Subscription{{Server: "web2", Domain: "a.example"}},
	}
	web1 := Identities{"service_plan": {"admin/Basic": {GUID: "g1", ID: 1}}, "customer": {"jdoe": {ID: 11}}, "subscription": {"a.example": {ID: 99}}}
	web2 := Identities{"service_plan": {"admin/Basic": {GUID: "g2", ID: 2}}, "customer": {"jdoe": {ID: 12}}, "subscription": {"a.example": {ID: 21}}}
	if n := web1.AttachOn(s, "web1"); n != 2 {
		t.Errorf("web1 attached %d identities, want 2", n)
	}
	web2.AttachOn(s, "web2")
	if g := s.ServicePlans[0].Plesk.GUID + s.ServicePlans[1].Plesk.GUID; g != "g1g2" {
		t.Errorf("plan GUIDs %q, want g1 on web1 and g2 on web2", g)
	}
	if a, b := s.Customers[0].Plesk.ID, s.Customers[1].Plesk.ID; a != 11 || b != 12 {
		t.Errorf("customer ids %d, %d, want 11, 12", a, b)
	}
	if id := s.Subscriptions[0].Plesk.ID; id != 21 {
		t.Errorf("subscription id %d, want web2's 21", id)
	}
}

// The block adopting drift is the config's own object with the server's
// values of what drifted: a description, an unmapped value and secret
// references as written stay; a literal password is left out (never
// printed) and the advice says so.
func TestAdoptStartsFromTheConfig(t *testing.T) {
	fs, c := server(t)
	srv := read(t, c)
	rec := copyOf(t, srv.Records)
	dir := t.TempDir()
	cfgText := strings.Replace(seed, "      websites: 1\n", "      websites: 1\n      expiration: 1y\n", 1)
	cfgText = strings.Replace(cfgText, "  - name: Basic\n", "  - name: Basic\n    description: Our starter plan\n", 1)
	cfgText = strings.Replace(cfgText, "    name: Jane Doe\n", "    name: Jane Doe\n    password: {env: JANE_PW}\n", 1)
	cfgText = strings.Replace(cfgText, "  - login: kim\n", "  - login: kim\n    password: Kim-Literal-1!\n", 1)
	if err := os.WriteFile(filepath.Join(dir, "all.yaml"), []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, ds := config.Load(dir, config.Options{})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	post(t, fs, `<service-plan><set><filter><name>Basic</name></filter><limits><limit><name>disk_space</name><value>2147483648</value></limit></limits></set></service-plan>`)
	post(t, fs, `<customer><set><filter><login>jane</login></filter><values><gen_info><email>jane@new.example</email></gen_info></values></set></customer>`)
	post(t, fs, `<customer><set><filter><login>kim</login></filter><values><gen_info><email>kim@new.example</email></gen_info></values></set></customer>`)
	r := Compare(rec, cfg, read(t, c), Options{})
	adopt := map[string]*plan.Drift{}
	for i := range r.Drift {
		adopt[r.Drift[i].Address()] = &r.Drift[i]
	}
	for addr, want := range map[string][]string{
		"service_plan Basic": {"description: Our starter plan", "disk_space: 2GiB", "expiration: 1y", "websites: 1"},
		"customer jane":      {"password: {env: JANE_PW}", "email: jane@new.example", "name: Jane Doe"},
		"customer kim":       {"email: kim@new.example"},
	} {
		d := adopt[addr]
		if d == nil {
			t.Fatalf("no drift of %s: %v", addr, causes(r))
		}
		for _, w := range want {
			if !strings.Contains(d.Adopt, w) {
				t.Errorf("%s: adopt block lacks %q:\n%s", addr, w, d.Adopt)
			}
		}
	}
	if k := adopt["customer kim"]; strings.Contains(k.Adopt, "Kim-Literal") || strings.Contains(k.Adopt, "password") ||
		!strings.Contains(k.AdoptNote, "keeping its password as written") {
		t.Errorf("literal password: note %q, block:\n%s", k.AdoptNote, k.Adopt)
	}
}

// A subscription detached from its plan (plan: none) keeps every value
// it has, on the server as in the engine (SPEC 1.3): the server's read
// of it is its values, not a default plan's (neither the built-in one,
// which grants manage_hosting, nor the config's default_plan), so the
// refresh finds nothing; a value then edited in the panel is its only
// drift, and only it is set back.
func TestCompareDetachedKeepsItsValues(t *testing.T) {
	for _, defaultPlan := range []string{"", "Basic"} {
		fs, c := server(t)
		first := read(t, c)
		rec := copyOf(t, first.Records)
		cfg := seedConfig(t)
		cfg.Server = &model.Server{Components: first.Config.Server.Components, DefaultPlan: defaultPlan}
		cfg.Subscriptions["kim.example"].Plan = model.None
		p := plan.Make(plan.Input{Config: cfg, Prior: rec, Now: now})
		if ch := subChanges(p); len(ch) != 1 || ch[0].Key != "kim.example" || len(ch[0].Fields) != 2 {
			t.Fatalf("detach planned as %+v", ch)
		}
		detached := copyOf(t, p.Result)
		post(t, fs, `<webspace><switch-subscription><filter><name>kim.example</name></filter><no-plan/></switch-subscription></webspace>`)
		r := Compare(detached, cfg, read(t, c), Options{})
		if r.Changed() {
			t.Fatalf("default_plan %q: drift after the detach: %v (%+v)", defaultPlan, causes(r), r.Drift)
		}
		if again := subChanges(plan.Make(plan.Input{Config: cfg, Prior: r.Observed, Now: now})); len(again) != 0 {
			t.Fatalf("default_plan %q: changes after the detach: %+v", defaultPlan, again[0])
		}

		post(t, fs, `<webspace><set><filter><name>kim.example</name></filter><values><limits><limit><name>max_site</name><value>3</value></limit></limits></values></set></webspace>`)
		r = Compare(detached, cfg, read(t, c), Options{})
		if got := strings.Join(causes(r), "; "); got != "subscription kim.example: edited_outside" {
			t.Fatalf("default_plan %q: drift: %s", defaultPlan, got)
		}
		if f := r.Drift[0].Fields; len(f) != 1 || f[0].Path != "resources.websites" {
			t.Errorf("default_plan %q: drift fields %+v", defaultPlan, f)
		}
		back := subChanges(plan.Make(plan.Input{Config: cfg, Prior: r.Observed, Now: now}))
		if len(back) != 1 {
			t.Fatalf("default_plan %q: changes %+v", defaultPlan, back)
		}
		// What it sets is the recorded value of what was edited, nothing
		// else (no default plan's values; a value the server reports and
		// the record never had is left alone).
		var fields []string
		for _, f := range back[0].Fields {
			if f.After.Set {
				fields = append(fields, f.Path+" "+f.Before.Text+" → "+f.After.Text)
			}
		}
		if got := strings.Join(fields, "; "); got != "resources.websites 3 → 1" {
			t.Errorf("default_plan %q: set back %s, want only resources.websites 3 → 1", defaultPlan, got)
		}
	}
}

// subChanges are a plan's changes of subscriptions.
func subChanges(p *plan.Plan) []*plan.Change {
	var out []*plan.Change
	for _, c := range p.Changes {
		if c.Kind == "subscription" {
			out = append(out, c)
		}
	}
	return out
}

// A subscription the server reports not synchronized with its plan is
// recorded unsynced even where the engine sees nothing in the way (a
// component installed since): the server has not synced it, and a plan
// then does.
func TestNotSyncedFollowsTheServer(t *testing.T) {
	ws := func(name, synced string) *xmlapi.WebspaceData {
		w := &xmlapi.WebspaceData{}
		w.Data = &xmlapi.WebspaceBody{GenInfo: &xmlapi.WebspaceGenInfo{Name: name}, Subscriptions: &xmlapi.Subscriptions{Subscription: &xmlapi.SubscriptionInfo{Synchronized: synced}}}
		return w
	}
	snap := &importer.Snapshot{Webspaces: []*xmlapi.WebspaceData{ws("A.example", "false"), ws("b.example", "true"), ws("c.example", "false")}}
	rec := state.New("x")
	rec.Subscriptions = []state.Subscription{{Domain: "a.example", SyncStatus: "synced"}, {Domain: "b.example", SyncStatus: "synced"}, {Domain: "c.example", SyncStatus: "locked"}}
	MarkUnsynced(rec, "", Unsynchronized(snap))
	got := []string{rec.Subscriptions[0].SyncStatus, rec.Subscriptions[1].SyncStatus, rec.Subscriptions[2].SyncStatus}
	if want := []string{"unsynced", "synced", "locked"}; !slices.Equal(got, want) {
		t.Errorf("sync statuses %v, want %v", got, want)
	}
}

// The conflicts of the server's records are what plansync would say of
// the server's values, accepted by no one: the observed records keep the
// recorded conflicts (those an apply with --accept-available recorded),
// and one created outside plansync has none, so that the plan shows the
// others as pending (SPEC §1.5, §4).
func TestCompareConflictsStayAsRecorded(t *testing.T) {
	_, c := server(t)
	srv := read(t, c)
	rec := copyOf(t, srv.Records)
	accepted := state.Conflict{Property: "hosting.php_version", PlanValue: "8.4", AvailableValue: "8.3", Reason: "component php8.4 not installed"}
	observed := state.Conflict{Property: "hosting.webstats", PlanValue: "awstats", AvailableValue: "none", Reason: "component awstats not installed"}
	for i := range rec.Subscriptions {
		if rec.Subscriptions[i].Domain == "jane.example" {
			rec.Subscriptions[i].Conflicts = []state.Conflict{accepted}
		}
	}
	// The server's read: both no longer synchronized, with conflicts of
	// their own, and one more subscription on the server.
	recs := copyOf(t, srv.Records)
	for i := range recs.Subscriptions {
		recs.Subscriptions[i].SyncStatus = "unsynced"
		recs.Subscriptions[i].Conflicts = []state.Conflict{observed}
	}
	made := recs.Subscriptions[0]
	made.Domain, made.Plesk = "new.example", &state.PleskID{GUID: "guid-new", ID: 99}
	recs.Subscriptions = append(recs.Subscriptions, made)
	cfg := model.NewConfig()
	cfg.Subscriptions["new.example"] = &model.Subscription{Domain: "new.example"}
	r := Compare(rec, cfg, &Server{Name: srv.Name, Config: srv.Config, Records: recs, Status: srv.Status}, Options{})
	got := map[string]string{}
	for _, s := range r.Observed.Subscriptions {
		var cs []string
		for _, x := range s.Conflicts {
			cs = append(cs, x.Property)
		}
		got[s.Domain] = s.SyncStatus + " [" + strings.Join(cs, ",") + "]"
	}
	want := map[string]string{"jane.example": "unsynced [hosting.php_version]", "kim.example": "unsynced []", "new.example": "unsynced []"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("observed %s: %s, want %s", k, got[k], w)
		}
	}
}

// TestCompareIPAddress: a subscription's IP address is compared only
// where the config names it (ip_address, the one recorded): on the
// server's other address (IPv4 and IPv6 on one subscription) it is no
// drift, on another one it is drift of ip_address; a subscription whose
// config names none is never compared, and records none.
func TestCompareIPAddress(t *testing.T) {
	_, c := server(t)
	srv := read(t, c)
	// jane.example is also on an IPv6 address.
	srv.MoreIPs = map[string][]string{"jane.example": {"192.0.2.10", "2001:db8::20"}}
	for _, tc := range []struct {
		name, ip string // the config's and recorded ip_address of jane.example
		drift    string // the drift field, "" for none
	}{
		{"not named", "", ""},
		{"the first address", "192.0.2.10", ""},
		{"the other address", "2001:db8::20", ""},
		{"another address", "192.0.2.99", `ip_address: "192.0.2.99" → "192.0.2.10"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := seedConfig(t)
			cfg.Subscriptions["jane.example"].IPAddress = tc.ip
			rec := copyOf(t, srv.Records)
			for i := range rec.Subscriptions {
				rec.Subscriptions[i].IPAddress = cfg.Subscriptions[rec.Subscriptions[i].Domain].IPAddress
			}
			r := Compare(rec, cfg, srv, Options{})
			var got string
			for _, d := range r.Drift {
				for _, f := range d.Fields {
					got += fmt.Sprintf("%s: %s → %s", f.Path, f.Recorded.Text, f.Observed.Text)
				}
			}
			if got != tc.drift {
				t.Errorf("drift %q (%v), want %q", got, causes(r), tc.drift)
			}
			for _, s := range r.Observed.Subscriptions {
				want := cfg.Subscriptions[s.Domain].IPAddress
				if tc.drift != "" && s.Domain == "jane.example" {
					want = "192.0.2.10" // the server's, which a plan moves back
				}
				if s.IPAddress != want {
					t.Errorf("%s: observed ip_address %q, want %q", s.Domain, s.IPAddress, want)
				}
			}
		})
	}
}

// TestCompareOwnValueKeepsSynced: the server's values are read without
// the subscribers' own, so a plan value that needs what the server lacks
// makes a conflict of the server's read; where the subscriber's own
// value replaces that plan value (SPEC 1.3: ignored by synchronisation)
// and the server reports the subscription synchronized, no loss of
// synchronization is drift. Where the conflict is on a setting the
// subscriber did not choose, it is.
func TestCompareOwnValueKeepsSynced(t *testing.T) {
	_, c := server(t)
	srv := read(t, c)
	rec := copyOf(t, srv.Records)
	rec.PropertySets["own-webstats"] = state.Values{"hosting.webstats": "webalizer"}
	for i := range rec.Subscriptions {
		rec.Subscriptions[i].Settings = "own-webstats"
	}
	recs := copyOf(t, srv.Records)
	for i := range recs.Subscriptions {
		recs.Subscriptions[i].SyncStatus = "unsynced"
		recs.Subscriptions[i].Conflicts = []state.Conflict{{Property: "hosting.webstats", PlanValue: "awstats", AvailableValue: "none", Reason: "component awstats not installed"}}
		if recs.Subscriptions[i].Domain == "kim.example" {
			recs.Subscriptions[i].Conflicts[0].Property = "hosting.php_version"
		}
	}
	r := Compare(rec, seedConfig(t), &Server{Name: srv.Name, Config: srv.Config, Records: recs, Status: srv.Status, Unsynced: map[string]bool{}}, Options{})
	got := causes(r)
	if !slices.Contains(got, "subscription kim.example: "+string(plan.DriftUnsynced)) || slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "jane.example") }) {
		t.Errorf("drift %v, want kim.example's loss of synchronization only", got)
	}
}

// A locked subscription's DNS zone type is no value of the server's: a
// Plesk subscription has no such field (only a service plan's
// preferences), so the server's read of it is its plan's, which never
// reaches a locked subscription (SPEC §1.3), and the customised value
// plansync recorded is plansync-only (§6.2). Neither is drift, nor taken
// into the record when something else of it drifts (differential seed
// 95: plan after apply showed 'dns.zone_type: "master" (recorded) →
// "slave" (on the server)' for a subscription customised to master).
func TestCompareLockedZoneTypeIsPlansyncOnly(t *testing.T) {
	fs, c := server(t)
	post(t, fs, `<service-plan><set><filter><name>Basic</name></filter><preferences><dns_zone_type>slave</dns_zone_type></preferences></set></service-plan>`)
	post(t, fs, `<webspace><set><filter><name>jane.example</name></filter><values><limits><limit><name>max_site</name><value>3</value></limit></limits></values></set></webspace>`)
	srv := read(t, c)
	rec := copyOf(t, srv.Records)
	for i, s := range rec.Subscriptions {
		if s.Domain != "jane.example" {
			continue
		}
		if s.SyncStatus != "locked" || rec.PropertySets[s.Effective]["dns.zone_type"] != "slave" {
			t.Fatalf("read of jane.example: %s, %v; want locked, with its plan's zone type (the test proves nothing)", s.SyncStatus, rec.PropertySets[s.Effective])
		}
		vals := maps.Clone(rec.PropertySets[s.Effective])
		vals["dns.zone_type"] = "master"
		rec.Subscriptions[i].Effective = rec.PutValues(vals)
	}
	if r := Compare(rec, nil, read(t, c), Options{}); len(r.Drift) != 0 {
		t.Fatalf("drift: %+v", r.Drift)
	}
	post(t, fs, `<webspace><set><filter><name>jane.example</name></filter><values><limits><limit><name>max_site</name><value>4</value></limit></limits></values></set></webspace>`)
	r := Compare(rec, nil, read(t, c), Options{})
	if len(r.Drift) != 1 || len(r.Drift[0].Fields) != 1 || r.Drift[0].Fields[0].Path != "resources.websites" {
		t.Fatalf("drift: %+v, want resources.websites of jane.example alone", r.Drift)
	}
	for _, s := range r.Observed.Subscriptions {
		if s.Domain == "jane.example" && r.Observed.PropertySets[s.Effective]["dns.zone_type"] != "master" {
			t.Errorf("observed jane.example: %v, want the recorded zone type master", r.Observed.PropertySets[s.Effective])
		}
	}
}

// Subscriptions that share their recorded and their read values are
// compared once (comparer.subValuesOf), but what else their comparison
// depends on is theirs: their own values (subscriber settings) and
// whether the server reports them locked. jane.example and kim.example
// are synced with Basic, recorded with one set and read with another.
func TestCompareSharedValuesPerSubscription(t *testing.T) {
	t.Run("settings", func(t *testing.T) {
		_, c := server(t)
		srv := read(t, c)
		rec := copyOf(t, srv.Records)
		if rec.Subscriptions[0].Effective != rec.Subscriptions[1].Effective {
			t.Fatal("the subscriptions do not share their values (the test proves nothing)")
		}
		vals := maps.Clone(rec.PropertySets[rec.Subscriptions[0].Effective])
		vals["resources.websites"] = int64(3)
		id := rec.PutValues(vals)
		rec.PropertySets["own"] = state.Values{"resources.websites": int64(3)}
		for i := range rec.Subscriptions {
			rec.Subscriptions[i].Effective = id
		}
		// jane.example, compared first, holds the value as its own.
		rec.Subscriptions[0].Settings = "own"
		r := Compare(rec, nil, srv, Options{})
		if got := differences(r); len(r.Drift) != 0 || strings.Join(got, ", ") != "kim.example resources.websites" {
			t.Errorf("differences %v (drift %v), want kim.example's websites alone, a model disagreement", got, causes(r))
		}
	})
	t.Run("locked", func(t *testing.T) {
		fs, c := server(t)
		post(t, fs, `<service-plan><set><filter><name>Basic</name></filter><preferences><dns_zone_type>slave</dns_zone_type></preferences></set></service-plan>`)
		rec := copyOf(t, read(t, c).Records)
		// kim.example, compared second, is locked on the server with
		// the values jane.example has.
		post(t, fs, `<webspace><set><filter><name>kim.example</name></filter><values><limits><limit><name>max_site</name><value>1</value></limit></limits></values></set></webspace>`)
		srv := read(t, c)
		if srv.Records.Subscriptions[0].Effective != srv.Records.Subscriptions[1].Effective || srv.Records.Subscriptions[1].SyncStatus != "locked" {
			t.Fatal("the read does not have kim.example locked with jane.example's values (the test proves nothing)")
		}
		vals := maps.Clone(rec.PropertySets[rec.Subscriptions[0].Effective])
		vals["dns.zone_type"] = "master"
		id := rec.PutValues(vals)
		for i := range rec.Subscriptions {
			rec.Subscriptions[i].Effective = id
		}
		rec.Subscriptions[1].SyncStatus = "locked"
		got := differences(Compare(rec, nil, srv, Options{}))
		// A locked subscription's zone type is plansync's only.
		if strings.Join(got, ", ") != "jane.example dns.zone_type" {
			t.Errorf("differences %v, want jane.example's zone type alone", got)
		}
	})
}

// differences lists "key path" of every field in r's model
// disagreements, then in its drift.
func differences(r *Result) []string {
	var out []string
	for _, d := range r.Disagreements {
		for _, f := range d.Fields {
			out = append(out, d.Key+" "+f.Path)
		}
	}
	for _, d := range r.Drift {
		for _, f := range d.Fields {
			out = append(out, d.Key+" "+f.Path)
		}
	}
	return out
}
