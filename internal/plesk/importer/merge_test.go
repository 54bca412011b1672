package importer

import (
	"bytes"
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"gopkg.in/yaml.v3"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Three servers whose catalogues overlap and differ:
//   - Business: web2 has more disk and no DNS permission, web3 as web1;
//   - Starter: on web1 and web2 only; Premium on web3 only;
//   - jdoe: another email address on web2; idle: on web1 without a
//     subscription; the reseller acme and its plan on web1 only;
//   - both.example: on web1 and web2;
//   - shop.example and lock.example: locked on Business (web1, web2).
var fleetSeeds = map[string]string{
	"web1": `
server:
  components: [postfix]
service_plans:
  - name: Business
    resources: {disk_space: 10GiB, mailboxes: 50}
    permissions: {manage_dns: true}
  - name: Starter
    resources: {disk_space: 1GiB}
  - name: Basic
    owner: acme
    resources: {disk_space: 2GiB}
addon_plans:
  - name: Extra Storage
    resources: {disk_space: 5GiB}
resellers:
  - login: acme
    name: Acme Hosting
    plan: none
    resources: {subscriptions: 10}
customers:
  - login: jdoe
    name: John Doe
    email: john@doe.example
  - login: idle
    name: Idle Customer
  - login: bob
    owner: acme
    name: Bob
subscriptions:
  - domain: doe.example
    customer: jdoe
    plan: Business
    addons: [Extra Storage]
  - domain: shop.example
    customer: jdoe
    plan: Business
    customize: {resources: {mailboxes: 100}}
  - domain: both.example
    plan: Starter
  - domain: bob.example
    customer: bob
    plan: Basic
`,
	"web2": `
server:
  components: [postfix, bind]
service_plans:
  - name: Business
    resources: {disk_space: 20GiB, mailboxes: 50}
  - name: Starter
    resources: {disk_space: 1GiB}
addon_plans:
  - name: Extra Storage
    resources: {disk_space: 5GiB}
customers:
  - login: jdoe
    name: John Doe
    email: john@web2.example
subscriptions:
  - domain: lock.example
    customer: jdoe
    plan: Business
    customize: {resources: {mailboxes: 100}}
  - domain: web2.example
    customer: jdoe
    plan: Business
  - domain: both.example
    plan: Starter
`,
	"web3": `
server:
  components: [postfix]
service_plans:
  - name: Business
    resources: {disk_space: 10GiB, mailboxes: 50}
    permissions: {manage_dns: true}
  - name: Premium
    resources: {disk_space: 100GiB}
addon_plans:
  - name: Extra Storage
    resources: {disk_space: 5GiB}
customers:
  - login: jdoe
    name: John Doe
    email: john@doe.example
subscriptions:
  - domain: web3.example
    customer: jdoe
    plan: Premium
`,
}

// readSeed serves an emulator seeded from a config and reads it.
func readSeed(t *testing.T, yamlText string) *Snapshot {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "seed.yaml"), []byte(yamlText), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := config.Load(dir, config.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	st, err := fake.Seed(cfg, "", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake.New(st, fake.Options{Key: "k"}))
	t.Cleanup(srv.Close)
	c, err := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Read(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func mergedFleet(t *testing.T) *Merged {
	t.Helper()
	var sources []Source
	for _, name := range []string{"web1", "web2", "web3"} {
		sources = append(sources, Source{Name: name, Snap: readSeed(t, fleetSeeds[name])})
	}
	m, err := Merge(sources)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMergeDifferences(t *testing.T) {
	m := mergedFleet(t)
	var got []string
	for _, d := range m.Differences {
		got = append(got, d.String())
	}
	want := []string{
		"service_plan Business differs between servers (imported as on web1):\n" +
			"  resources.disk_space: web1 10 GiB, web2 20 GiB, web3 10 GiB\n" +
			"  permissions.manage_dns: web1 true, web2 false, web3 true",
		"customer jdoe differs between servers (imported as on web1):\n" +
			`  email: web1 "john@doe.example", web2 "john@web2.example", web3 "john@doe.example"`,
	}
	// Differences come kind by kind (plans before accounts); the fields
	// in the catalogue's order.
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("differences:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(m.Duplicates) != 1 || m.Duplicates[0].String() != "subscription both.example is on web1 and web2: imported from web1 (the first given); the copy on web2 is not imported, and plansync leaves it alone" {
		t.Errorf("duplicates: %+v", m.Duplicates)
	}
}

func TestMergePlacement(t *testing.T) {
	m := mergedFleet(t)
	for _, c := range []struct {
		kind, key string
		want      string
	}{
		{"service_plan", "Business", ""}, // everywhere
		{"addon_plan", "Extra Storage", ""},
		{"service_plan", "Starter", "web1 web2"},
		{"service_plan", "Premium", "web3"},
		{"service_plan", "acme/Basic", "web1"},
		{"reseller", "acme", ""},      // where its customer's subscription is
		{"customer", "jdoe", ""},      // a subscription on each server
		{"customer", "bob", ""},       // where its subscription is
		{"customer", "idle", "web1"},  // no subscription anywhere
		{"customer", "nobody", ""},    // not imported
		{"subscription", "nope", ""},  // not a placed kind
		{"service_plan", "Nope", "-"}, // unknown: no servers at all
	} {
		got := strings.Join(m.Placed(c.kind, c.key), " ")
		if c.want == "-" {
			c.want = ""
		}
		if got != c.want {
			t.Errorf("%s %s: placed on %q, want %q", c.kind, c.key, got, c.want)
		}
	}
	for domain, want := range map[string]string{"doe.example": "web1", "lock.example": "web2", "web3.example": "web3", "both.example": "web1"} {
		if got := m.Subscription[domain]; got != want {
			t.Errorf("subscription %s on %q, want %s", domain, got, want)
		}
	}
	if len(m.Config.Subscriptions) != 7 {
		t.Errorf("%d subscriptions merged, want 7", len(m.Config.Subscriptions))
	}
	if got := strings.Join(m.Components["web2"], ","); got != "bind,postfix" {
		t.Errorf("web2 components %s", got)
	}
}

// A subscription locked on a plan that differs from the one imported
// keeps the values its server has: its customisation is computed again
// against the imported plan.
func TestMergeLockedKeepsValues(t *testing.T) {
	web1, web2 := readSeed(t, fleetSeeds["web1"]), readSeed(t, fleetSeeds["web2"])
	m, err := Merge([]Source{{"web1", web1}, {"web2", web2}, {"web3", readSeed(t, fleetSeeds["web3"])}})
	if err != nil {
		t.Fatal(err)
	}
	text := func(p model.Props) string {
		var out []string
		for _, path := range p.Paths() {
			out = append(out, path+"="+p[path].Text())
		}
		return strings.Join(out, " ")
	}
	alone1, _ := Build(web1)
	alone2, _ := Build(web2)
	// web1's plan is the one imported: as imported alone.
	if got, want := text(m.Config.Subscriptions["shop.example"].Customize), text(alone1.Subscriptions["shop.example"].Customize); got != want || !strings.Contains(got, "resources.mailboxes=100") {
		t.Errorf("shop.example customize %s, want %s", got, want)
	}
	// web2's plan had 20 GiB: the subscription keeps them. Nor did it
	// grant manage_dns, which web1's plan (the one imported) grants: the
	// subscription keeps it not granted.
	want := alone2.Subscriptions["lock.example"].Customize.Clone()
	want["resources.disk_space"] = model.Size(20 << 30)
	want["permissions.manage_dns"] = model.Bool(false)
	if got := text(m.Config.Subscriptions["lock.example"].Customize); got != text(want) {
		t.Errorf("lock.example customize %s, want %s", got, text(want))
	}
	if s := m.Config.Subscriptions["web2.example"]; s.Customize != nil {
		t.Errorf("web2.example is synced on the server, imported with customize %v", s.Customize)
	}
}

// A login is one account across servers: another owner, or a reseller
// on one and a customer on another, cannot be merged.
func TestMergeAccountConflicts(t *testing.T) {
	a := readSeed(t, "customers:\n  - login: jdoe\n  - login: acme\nresellers:\n  - login: other\n    plan: none\n    resources: {}\n")
	b := readSeed(t, "resellers:\n  - login: acme\n    plan: none\n    resources: {}\n  - login: other\n    plan: none\n    resources: {}\ncustomers:\n  - login: jdoe\n    owner: other\n")
	_, err := Merge([]Source{{"web1", a}, {"web2", b}})
	if err == nil {
		t.Fatal("merged")
	}
	for _, want := range []string{
		"acme is a reseller on web2 and a customer on web1",
		"customer jdoe belongs to admin on web1 and to other on web2",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// Notes that concern every server are listed once; the others name the
// servers they concern.
func TestMergeNotes(t *testing.T) {
	m := mergedFleet(t)
	if want := "web1: reseller acme: its password cannot be read and is not managed until the config sets one"; strings.Join(m.Notes, "\n") != want {
		t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(m.Notes, "\n"), want)
	}
	snap := readSeed(t, fleetSeeds["web1"])
	m, err := Merge([]Source{{"a", snap}, {"b", snap}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "reseller acme: its password cannot be read and is not managed until the config sets one"; strings.Join(m.Notes, "\n") != want {
		t.Errorf("notes of two servers alike:\n%s\nwant:\n%s", strings.Join(m.Notes, "\n"), want)
	}
	if len(m.Differences) != 0 || len(m.Duplicates) != len(m.Config.Subscriptions) {
		t.Errorf("two servers alike: %d differences, %d duplicates", len(m.Differences), len(m.Duplicates))
	}
}

var fleetConns = []Conn{
	{Name: "web1", URL: "https://web1.example.net:8443", KeyEnv: "PLANSYNC_PLESK_KEY_WEB1"},
	{Name: "web2", URL: "https://web2.example.net:8443", KeyEnv: "PLANSYNC_PLESK_KEY"},
	{Name: "web3", URL: "https://web3.example.net:8443", Login: "admin", PasswordEnv: "PLANSYNC_PLESK_PASSWORD_WEB3", CAFile: "/etc/plansync/ca.pem"},
}

// The files of a merged import, against goldens (go test -update writes
// them); HCL exactly as hclfmt formats it, YAML parseable, every object
// placed where it should be.
func TestRenderFleetGolden(t *testing.T) {
	m := mergedFleet(t)
	for _, format := range []string{"yaml", "hcl"} {
		t.Run(format, func(t *testing.T) {
			files, err := RenderFleet(m, fleetConns, format)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join("testdata", "fleet", format)
			if *update {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				if err := WriteDir(dir, files, ReportFleet(m, map[string]string{"web1": "web1.example.net:8443", "web2": "web2.example.net:8443", "web3": "web3.example.net:8443"})); err != nil {
					t.Fatal(err)
				}
			}
			var paths []string
			for _, f := range files {
				paths = append(paths, f.Path)
				want, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
				if err != nil {
					t.Fatalf("%v (go test -update writes it)", err)
				}
				if !bytes.Equal(f.Data, want) {
					t.Errorf("%s differs from its golden:\n%s", f.Path, f.Data)
				}
				switch format {
				case "hcl":
					if got := hclwrite.Format(f.Data); !bytes.Equal(got, f.Data) {
						t.Errorf("%s is not as hclfmt formats it:\n%s", f.Path, got)
					}
				case "yaml":
					var doc map[string]any
					if err := yaml.Unmarshal(f.Data, &doc); err != nil {
						t.Errorf("%s: %v", f.Path, err)
					}
				}
			}
			want := "servers.EXT plans.EXT customers.EXT subscriptions.EXT resellers.EXT acme/plans.EXT acme/customers.EXT acme/subscriptions.EXT"
			if got := strings.Join(paths, " "); !sameSet(got, strings.ReplaceAll(want, "EXT", format)) {
				t.Errorf("files %s", got)
			}
		})
	}
}

func sameSet(a, b string) bool {
	x, y := strings.Fields(a), strings.Fields(b)
	if len(x) != len(y) {
		return false
	}
	seen := map[string]int{}
	for _, s := range x {
		seen[s]++
	}
	for _, s := range y {
		seen[s]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

// Without servers and placement, a merged import is a config that loads:
// the writer's other output is untouched by the placement it adds.
func TestRenderFleetRestLoads(t *testing.T) {
	m := mergedFleet(t)
	for _, format := range []string{"yaml", "hcl"} {
		files, err := RenderFleet(m, fleetConns, format)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		for i, f := range files {
			var keep []string
			skip := false
			for _, line := range strings.SplitAfter(string(f.Data), "\n") {
				trimmed := strings.TrimSpace(line)
				switch {
				case strings.HasPrefix(line, "servers:") || strings.HasPrefix(line, "server \""):
					skip = true
					continue
				case skip && (line == "\n" || strings.HasPrefix(line, "services:") || strings.HasPrefix(line, "service \"")):
					skip = line == "\n"
				case skip:
					continue
				}
				if strings.HasPrefix(trimmed, "server:") || strings.HasPrefix(trimmed, "servers:") ||
					strings.HasPrefix(trimmed, "server ") || strings.HasPrefix(trimmed, "servers ") {
					continue
				}
				keep = append(keep, line)
			}
			files[i].Data = []byte(strings.Join(keep, ""))
		}
		if err := WriteDir(dir, files, nil); err != nil {
			t.Fatal(err)
		}
		back, diags := config.Load(dir, config.Options{})
		if diags.HasErrors() {
			t.Fatalf("%s: %s", format, diags.Error())
		}
		if len(back.ServicePlans) != len(m.Config.ServicePlans) || len(back.Subscriptions) != len(m.Config.Subscriptions) ||
			len(back.Customers) != len(m.Config.Customers) || len(back.Resellers) != len(m.Config.Resellers) {
			t.Errorf("%s: loaded %d plans, %d subscriptions, %d customers, %d resellers", format,
				len(back.ServicePlans), len(back.Subscriptions), len(back.Customers), len(back.Resellers))
		}
		if c := back.Subscriptions["lock.example"].Customize; c["resources.disk_space"] != model.Size(20<<30) {
			t.Errorf("%s: lock.example customize %v", format, c)
		}
	}
}

func TestDuplicateString(t *testing.T) {
	d := Duplicate{Domain: "doe.example", Kept: "web1", Left: []string{"web2", "web3"}}
	if got, want := d.String(), "subscription doe.example is on web1, web2 and web3: imported from web1 (the first given); the copies on web2 and web3 are not imported, and plansync leaves them alone"; got != want {
		t.Errorf("%s\nwant %s", got, want)
	}
}

// TestDiffFieldsDefaults: a property a server leaves out is listed with
// the value the model gives it there (a service plan's limit unlimited,
// its permission not granted; an add-on's limit adds nothing: not set),
// a field without a default as not set; the fields come in the usual
// order (the properties in path order), whatever server has them first.
func TestDiffFieldsDefaults(t *testing.T) {
	gib := int64(1 << 30)
	web1 := &model.Plan{Kind: model.ServicePlanKind, Name: "P", Props: model.Props{
		"permissions.manage_dns": model.Bool(true), "resources.disk_space": model.Size(gib)}}
	web2 := &model.Plan{Kind: model.ServicePlanKind, Name: "P", Description: "d", Services: []string{"s"}, Props: model.Props{
		"resources.databases": model.Count(3), "permissions.manage_crontab": model.Bool(true), "resources.disk_space": model.Size(gib)}}
	got := diffText(diffFields([]variant{{"web1", flatPlan(web1), defaultsOf(web1)}, {"web2", flatPlan(web2), defaultsOf(web2)}}))
	want := `description: web1 (not set), web2 "d"` + "\n" +
		"resources.databases: web1 unlimited, web2 3\n" +
		"permissions.manage_dns: web1 true, web2 false\n" +
		"permissions.manage_crontab: web1 false, web2 true\n" +
		"services: web1 (not set), web2 [s]"
	if got != want {
		t.Errorf("service plan:\n%s\nwant:\n%s", got, want)
	}

	a1 := &model.Plan{Kind: model.AddonPlanKind, Name: "A", Props: model.Props{"resources.disk_space": model.Size(gib)}}
	a2 := &model.Plan{Kind: model.AddonPlanKind, Name: "A", Props: model.Props{"permissions.manage_dns": model.Bool(true)}}
	got = diffText(diffFields([]variant{{"web1", flatPlan(a1), defaultsOf(a1)}, {"web2", flatPlan(a2), defaultsOf(a2)}}))
	want = "resources.disk_space: web1 1 GiB, web2 (not set)\n" +
		"permissions.manage_dns: web1 false, web2 true"
	if got != want {
		t.Errorf("add-on plan:\n%s\nwant:\n%s", got, want)
	}

	r1 := &model.Reseller{Login: "r", Plan: model.None, Props: model.Props{"resources.subscriptions": model.Count(10)}}
	r2 := &model.Reseller{Login: "r", Plan: model.None, Props: model.Props{"resources.subscriptions": model.Count(10), "resources.disk_space": model.Size(gib)}}
	got = diffText(diffFields([]variant{{"web1", flatReseller(r1), defaultsOf(r1)}, {"web2", flatReseller(r2), defaultsOf(r2)}}))
	if want = "resources.disk_space: web1 unlimited, web2 1 GiB"; got != want {
		t.Errorf("reseller:\n%s\nwant:\n%s", got, want)
	}
}

func diffText(fs []FieldDiff) string {
	var lines []string
	for _, f := range fs {
		var vs []string
		for _, v := range f.Values {
			vs = append(vs, v.Server+" "+v.Value)
		}
		lines = append(lines, f.Path+": "+strings.Join(vs, ", "))
	}
	return strings.Join(lines, "\n")
}
