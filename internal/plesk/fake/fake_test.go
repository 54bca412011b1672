package fake_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/plesktest"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

const testKey = "test-key-0123456789"

// start runs an emulator and a client talking to it; every packet of the
// test is traced and, when PLANSYNC_PLESK_XSD is set, checked against
// Plesk's schema at the end.
func start(t *testing.T, opts fake.Options) (*fake.Server, *xmlapi.Client) {
	t.Helper()
	if opts.Key == "" {
		opts.Key = testKey
	}
	f := fake.New(nil, opts)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	trace := t.TempDir()
	c, err := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: testKey, TraceDir: trace, Timeout: 5 * time.Second, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !opts.FaultAnswers() {
			plesktest.ValidateDir(t, trace)
		}
	})
	return f, c
}

func must[T any](t *testing.T, c *xmlapi.Client, op xmlapi.Op) []*T {
	t.Helper()
	out, err := xmlapi.Call[T](context.Background(), c, op)
	if err != nil {
		t.Fatalf("%s %s: %v", op.Operator(), op.Operation(), err)
	}
	return out
}

func wantCode(t *testing.T, err error, code int, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %d, got none", code)
	}
	if !xmlapi.IsCode(err, code) {
		t.Fatalf("want error %d, got %v", code, err)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

func intp(n int) *int { return &n }

var e = &xmlapi.Empty{}

func limits(kv ...string) *xmlapi.Limits {
	l := &xmlapi.Limits{}
	for i := 0; i < len(kv); i += 2 {
		l.Limit = append(l.Limit, xmlapi.Limit{Name: kv[i], Value: kv[i+1]})
	}
	return l
}

func limitOf(l *xmlapi.Limits, name string) string {
	if l == nil {
		return ""
	}
	for _, x := range l.Limit {
		if x.Name == name {
			return x.Value
		}
	}
	return ""
}

func getWebspace(t *testing.T, c *xmlapi.Client, name string) *xmlapi.WebspaceData {
	t.Helper()
	ws := must[xmlapi.WebspaceData](t, c, xmlapi.WebspaceGet{Filter: xmlapi.WebspaceFilter{Name: []string{name}}, Dataset: xmlapi.FullDataset()})
	if len(ws) != 1 {
		t.Fatalf("webspace get %s: %d results", name, len(ws))
	}
	return ws[0]
}

func flags(w *xmlapi.WebspaceData) (locked, synced string, guids []string) {
	s := w.Data.Subscriptions.Subscription
	if s == nil {
		return "", "", nil
	}
	for _, p := range s.Plan {
		guids = append(guids, p.GUID)
	}
	return s.Locked, s.Synchronized, guids
}

func TestCatalogueLifecycle(t *testing.T) {
	f, c := start(t, fake.Options{})
	f.Do(func(s *fake.State) { s.Extensions = []string{"wp-toolkit"} })
	ctx := context.Background()
	plan := must[xmlapi.AddResult](t, c, xmlapi.ServicePlanAdd{Name: "Basic", Limits: limits("disk_space", "1073741824", "max_site", "1"),
		Hosting:     &xmlapi.Properties{Property: []xmlapi.Property{{Name: "ssl", Value: "true"}}},
		Permissions: &xmlapi.Permissions{Permission: []xmlapi.Permission{{Name: "manage_phosting", Value: "false"}}}})[0]
	if plan.ID == 0 || len(plan.GUID) != 36 {
		t.Fatalf("plan add: id %d guid %q", plan.ID, plan.GUID)
	}
	addon := must[xmlapi.AddResult](t, c, xmlapi.AddonPlanAdd{Name: "Extra disk", Limits: limits("disk_space", "1073741824")})[0]
	cust := must[xmlapi.AddResult](t, c, xmlapi.CustomerAdd{GenInfo: xmlapi.CustomerInfo{Name: "Jane Doe", Login: "jane", Password: "Pass-word-1", Email: "jane@example.com"}})[0]
	if cust.GUID == "" {
		t.Fatal("customer add: no guid")
	}
	for _, d := range []string{"a.example", "b.example"} {
		must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: d, OwnerLogin: "jane", HType: "vrt_hst", IPAddress: "192.0.2.10"},
			Hosting:  &xmlapi.WebspaceHosting{VrtHst: &xmlapi.VrtHst{Property: []xmlapi.Property{{Name: "ftp_login", Value: strings.Split(d, ".")[0] + "ftp"}, {Name: "ftp_password", Value: "Ftp-pass-1"}}, IPAddress: []string{"192.0.2.10"}}},
			PlanGUID: plan.GUID})
	}
	w := getWebspace(t, c, "a.example")
	if l, s, g := flags(w); l != "false" || s != "true" || len(g) != 1 || g[0] != plan.GUID {
		t.Fatalf("new subscription: locked %s synced %s plans %v", l, s, g)
	}
	if got := limitOf(w.Data.Limits, "disk_space"); got != "1073741824" {
		t.Fatalf("subscription disk_space %s, want the plan's", got)
	}
	if w.Data.GenInfo.OwnerLogin != "jane" || w.Data.GenInfo.GUID == "" {
		t.Fatalf("gen_info: %+v", w.Data.GenInfo)
	}

	// Customising b locks it.
	must[xmlapi.FilterResult](t, c, xmlapi.WebspaceSet{Filter: xmlapi.WebspaceFilter{Name: []string{"b.example"}}, Values: xmlapi.WebspaceValues{Limits: limits("max_site", "3")}})
	if l, _, _ := flags(getWebspace(t, c, "b.example")); l != "true" {
		t.Fatal("webspace set of a limit did not lock the subscription")
	}
	// A status change does not lock (default assumption).
	must[xmlapi.FilterResult](t, c, xmlapi.WebspaceSet{Filter: xmlapi.WebspaceFilter{Name: []string{"a.example"}}, Values: xmlapi.WebspaceValues{GenSetup: &xmlapi.SetGenSetup{Status: intp(16)}}})
	w = getWebspace(t, c, "a.example")
	if l, _, _ := flags(w); l != "false" || w.Data.GenInfo.Status != 16 {
		t.Fatalf("status set: locked %s status %d", l, w.Data.GenInfo.Status)
	}

	// A plan set reaches the synced subscription, not the locked one.
	must[xmlapi.PlanResult](t, c, xmlapi.ServicePlanSet{Filter: xmlapi.PlanFilter{GUID: []string{plan.GUID}}, Limits: limits("disk_space", "2147483648")})
	if got := limitOf(getWebspace(t, c, "a.example").Data.Limits, "disk_space"); got != "2147483648" {
		t.Errorf("synced subscription after plan set: disk_space %s", got)
	}
	if got := limitOf(getWebspace(t, c, "b.example").Data.Limits, "disk_space"); got != "1073741824" {
		t.Errorf("locked subscription after plan set: disk_space %s, want unchanged", got)
	}
	// sync-subscription unlocks and copies the plan.
	must[xmlapi.FilterResult](t, c, xmlapi.WebspaceSync{Filter: xmlapi.WebspaceFilter{Name: []string{"b.example"}}})
	w = getWebspace(t, c, "b.example")
	if l, _, _ := flags(w); l != "false" || limitOf(w.Data.Limits, "disk_space") != "2147483648" || limitOf(w.Data.Limits, "max_site") != "1" {
		t.Fatalf("after sync: locked %s limits %+v", l, w.Data.Limits)
	}
	// Add-ons add to the plan; detaching takes it away.
	must[xmlapi.FilterResult](t, c, xmlapi.WebspaceAddAddon{Filter: xmlapi.WebspaceFilter{Name: []string{"a.example"}}, PlanGUID: addon.GUID})
	w = getWebspace(t, c, "a.example")
	if _, _, g := flags(w); len(g) != 2 || g[1] != addon.GUID || limitOf(w.Data.Limits, "disk_space") != "3221225472" {
		t.Fatalf("after add-on: plans %v disk %s", g, limitOf(w.Data.Limits, "disk_space"))
	}
	_, err := xmlapi.Call[xmlapi.FilterResult](ctx, c, xmlapi.WebspaceAddAddon{Filter: xmlapi.WebspaceFilter{Name: []string{"a.example"}}, PlanGUID: addon.GUID})
	wantCode(t, err, xmlapi.ErrExists, "add-subscription", "a.example", "1007")
	must[xmlapi.FilterResult](t, c, xmlapi.WebspaceRemoveAddon{Filter: xmlapi.WebspaceFilter{Name: []string{"a.example"}}, PlanGUID: addon.GUID})
	if got := limitOf(getWebspace(t, c, "a.example").Data.Limits, "disk_space"); got != "2147483648" {
		t.Errorf("after detaching: disk_space %s", got)
	}
	// Switching to no plan makes the subscription custom.
	must[xmlapi.FilterResult](t, c, xmlapi.WebspaceSwitch{Filter: xmlapi.WebspaceFilter{Name: []string{"b.example"}}, NoPlan: e})
	if _, _, g := flags(getWebspace(t, c, "b.example")); len(g) != 0 {
		t.Errorf("after switch to no plan: plans %v", g)
	}
	// A plan in use cannot be deleted (default assumption).
	_, err = xmlapi.Call[xmlapi.PlanResult](ctx, c, xmlapi.ServicePlanDel{Filter: xmlapi.PlanFilter{Name: []string{"Basic"}}})
	wantCode(t, err, xmlapi.ErrFailed, "service plan Basic", "a.example")
	// Batched reads: one packet, several operations.
	replies, err := c.Do(ctx, xmlapi.ServicePlanGet{OwnerAll: e}, xmlapi.AddonPlanGet{OwnerAll: e},
		xmlapi.CustomerGet{Dataset: xmlapi.CustomerDataset{GenInfo: e}}, xmlapi.WebspaceGet{Dataset: xmlapi.FullDataset()},
		xmlapi.ServerGet{Components: e, Shells: e}, xmlapi.PHPHandlerGet{}, xmlapi.ExtensionGet{})
	if err != nil {
		t.Fatal(err)
	}
	plans, _ := xmlapi.Results[xmlapi.PlanData](replies[0])
	addons, _ := xmlapi.Results[xmlapi.PlanData](replies[1])
	custs, _ := xmlapi.Results[xmlapi.CustomerData](replies[2])
	webs, _ := xmlapi.Results[xmlapi.WebspaceData](replies[3])
	srv, _ := xmlapi.Results[xmlapi.ServerData](replies[4])
	php, _ := xmlapi.Results[xmlapi.PHPHandler](replies[5])
	exts, _ := xmlapi.Results[xmlapi.ExtensionData](replies[6])
	if len(exts) != 1 || len(exts[0].Details) != 1 || exts[0].Details[0].ID != "wp-toolkit" || exts[0].Details[0].Active != "true" {
		t.Errorf("extension get: %+v", exts)
	}
	if len(plans) != 1 || plans[0].Hosting.VrtHst == nil || len(addons) != 1 || len(custs) != 1 || len(webs) != 2 || len(srv) != 1 || len(php) == 0 {
		t.Fatalf("batched read: %d plans, %d add-ons, %d customers, %d webspaces, %d server, %d php", len(plans), len(addons), len(custs), len(webs), len(srv), len(php))
	}
	if custs[0].Data.GenInfo.Login != "jane" || custs[0].Data.GenInfo.Email != "jane@example.com" {
		t.Errorf("customer get: %+v", custs[0].Data.GenInfo)
	}
	// Deleting the customer takes its subscriptions along.
	must[xmlapi.FilterResult](t, c, xmlapi.CustomerDel{Filter: xmlapi.CustomerFilter{Login: []string{"jane"}}})
	if ws := must[xmlapi.WebspaceData](t, c, xmlapi.WebspaceGet{Dataset: xmlapi.WebspaceDataset{GenInfo: e}}); len(ws) != 0 {
		t.Errorf("after customer del: %d subscriptions", len(ws))
	}
	must[xmlapi.PlanResult](t, c, xmlapi.ServicePlanDel{Filter: xmlapi.PlanFilter{Name: []string{"Basic"}}})
	must[xmlapi.PlanResult](t, c, xmlapi.AddonPlanDel{Filter: xmlapi.PlanFilter{GUID: []string{addon.GUID}}})
}

func TestMissingComponentLeavesUnsynced(t *testing.T) {
	f, c := start(t, fake.Options{})
	f.Do(func(s *fake.State) { s.Components = []string{"php8.3", "php-fpm", "postfix"} })
	plan := must[xmlapi.AddResult](t, c, xmlapi.ServicePlanAdd{Name: "P",
		Hosting: &xmlapi.Properties{Property: []xmlapi.Property{{Name: "php_handler_id", Value: "plesk-php83-fpm"}}}})[0]
	must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "x.example", IPAddress: "192.0.2.10"}, PlanGUID: plan.GUID})
	res := must[xmlapi.PlanResult](t, c, xmlapi.ServicePlanSet{Filter: xmlapi.PlanFilter{Name: []string{"P"}},
		Hosting: &xmlapi.PlanHosting{VrtHst: &xmlapi.Properties{Property: []xmlapi.Property{{Name: "webstat", Value: "awstats"}}}}})
	if !strings.Contains(res[0].Problems, "awstats") {
		t.Errorf("plan set problems %q, want the missing component named", res[0].Problems)
	}
	w := getWebspace(t, c, "x.example")
	if _, s, _ := flags(w); s != "false" {
		t.Fatalf("synchronized %s, want false", s)
	}
	sync := must[xmlapi.FilterResult](t, c, xmlapi.WebspaceSync{Filter: xmlapi.WebspaceFilter{Name: []string{"x.example"}}})
	if !strings.Contains(sync[0].Problems, "component awstats") {
		t.Errorf("sync problems %q", sync[0].Problems)
	}
	f.Do(func(s *fake.State) { s.Components = append(s.Components, "awstats") })
	must[xmlapi.FilterResult](t, c, xmlapi.WebspaceSync{Filter: xmlapi.WebspaceFilter{Name: []string{"x.example"}}})
	if _, s, _ := flags(getWebspace(t, c, "x.example")); s != "true" {
		t.Errorf("after installing the component and syncing: synchronized %s", s)
	}
}

func TestOwnerIPAndLimitChecks(t *testing.T) {
	_, c := start(t, fake.Options{})
	ctx := context.Background()
	rp := must[xmlapi.ResellerPlanData](t, c, xmlapi.ResellerPlanAdd{Name: "R", Limits: &xmlapi.ResellerLimits{
		ResourcePolicy: &xmlapi.ResourcePolicy{Oversell: "false", Overuse: "normal"}, Limit: []xmlapi.Limit{{Name: "max_cl", Value: "1"}, {Name: "max_dom", Value: "1"}}}})[0]
	must[xmlapi.AddResult](t, c, xmlapi.ResellerAdd{GenInfo: xmlapi.ResellerInfo{Name: "Acme", Login: "acme", Password: "Pass-word-2"}, PlanGUID: rp.GUID})
	rs := must[xmlapi.ResellerData](t, c, xmlapi.ResellerGet{Filter: xmlapi.ResellerFilter{Login: []string{"acme"}}, Dataset: xmlapi.ResellerDataset{GenInfo: e, Limits: e, Subscriptions: e}})
	if len(rs) != 1 || rs[0].Data.Subscriptions.Subscription == nil || rs[0].Data.Subscriptions.Subscription.Plan[0].GUID != rp.GUID {
		t.Fatalf("reseller get: %+v", rs)
	}
	_, err := xmlapi.Call[xmlapi.AddResult](ctx, c, xmlapi.CustomerAdd{GenInfo: xmlapi.CustomerInfo{Name: "X", Login: "x", Password: "Pass-word-3", OwnerLogin: "nobody"}})
	wantCode(t, err, xmlapi.ErrOwner, "customer x")
	_, err = xmlapi.Call[xmlapi.AddResult](ctx, c, xmlapi.CustomerAdd{GenInfo: xmlapi.CustomerInfo{Name: "X", Login: "acme", Password: "Pass-word-3"}})
	wantCode(t, err, xmlapi.ErrUserExists)
	must[xmlapi.AddResult](t, c, xmlapi.CustomerAdd{GenInfo: xmlapi.CustomerInfo{Name: "X", Login: "x", Password: "Pass-word-3", OwnerLogin: "acme"}})
	_, err = xmlapi.Call[xmlapi.AddResult](ctx, c, xmlapi.CustomerAdd{GenInfo: xmlapi.CustomerInfo{Name: "Y", Login: "y", Password: "Pass-word-3", OwnerLogin: "acme"}})
	wantCode(t, err, xmlapi.ErrLimit, "customer y")
	_, err = xmlapi.Call[xmlapi.AddResult](ctx, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "x.example", OwnerLogin: "x", IPAddress: "198.51.100.1"}})
	wantCode(t, err, xmlapi.ErrIP, "subscription x.example")
	must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "x.example", OwnerLogin: "x", IPAddress: "192.0.2.10"}})
	_, err = xmlapi.Call[xmlapi.AddResult](ctx, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "x.example", OwnerLogin: "x", IPAddress: "192.0.2.10"}})
	wantCode(t, err, xmlapi.ErrExists)
	_, err = xmlapi.Call[xmlapi.AddResult](ctx, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "y.example", OwnerLogin: "acme", IPAddress: "192.0.2.10"}})
	wantCode(t, err, xmlapi.ErrLimit, "reached its subscription limit")
	_, err = xmlapi.Call[xmlapi.FilterResult](ctx, c, xmlapi.WebspaceSet{Filter: xmlapi.WebspaceFilter{Name: []string{"x.example"}}, Values: xmlapi.WebspaceValues{GenSetup: &xmlapi.SetGenSetup{Status: intp(3)}}})
	wantCode(t, err, xmlapi.ErrInvalidValue, "webspace set of subscription x.example")
	_, err = xmlapi.Call[xmlapi.FilterResult](ctx, c, xmlapi.WebspaceSync{Filter: xmlapi.WebspaceFilter{Name: []string{"nope.example"}}})
	wantCode(t, err, xmlapi.ErrNotFound, "nope.example", "1013")
	_, err = xmlapi.Call[xmlapi.PlanResult](ctx, c, xmlapi.ServicePlanSet{Filter: xmlapi.PlanFilter{Name: []string{"Nope"}}, Limits: limits("max_site", "1")})
	wantCode(t, err, xmlapi.ErrNotFound, "service-plan set of service plan Nope")
	_, err = xmlapi.Call[xmlapi.AddResult](ctx, c, xmlapi.ServicePlanAdd{Name: "Bad", Limits: limits("max_site", "-5")})
	wantCode(t, err, xmlapi.ErrInvalidValue, "max_site")
	// Moving a customer needs an IP of the new owner; converting makes a reseller.
	_, err = xmlapi.Call[xmlapi.FilterResult](ctx, c, xmlapi.CustomerChangeOwner{Filter: xmlapi.CustomerFilter{Login: []string{"x"}}, NewOwnerLogin: "admin"})
	wantCode(t, err, xmlapi.ErrIP)
	must[xmlapi.FilterResult](t, c, xmlapi.CustomerChangeOwner{Filter: xmlapi.CustomerFilter{Login: []string{"x"}}, NewOwnerLogin: "admin", IPv4: []string{"192.0.2.10"}})
	must[xmlapi.FilterResult](t, c, xmlapi.CustomerConvertToReseller{Filter: xmlapi.CustomerFilter{Login: []string{"x"}}})
	if rs := must[xmlapi.ResellerData](t, c, xmlapi.ResellerGet{Filter: xmlapi.ResellerFilter{Login: []string{"x"}}, Dataset: xmlapi.ResellerDataset{GenInfo: e}}); len(rs) != 1 {
		t.Fatalf("converted customer is not a reseller")
	}
	must[xmlapi.FilterResult](t, c, xmlapi.ResellerDel{Filter: xmlapi.ResellerFilter{Login: []string{"acme"}}})
	must[xmlapi.ResellerPlanData](t, c, xmlapi.ResellerPlanDel{Filter: xmlapi.ResellerPlanFilter{Name: []string{"R"}}})
}

// A reseller logged in with its own credentials sees and changes only
// what it owns; admin-only operations are refused with 1006.
func TestResellerCredentialsAreScoped(t *testing.T) {
	f, admin := start(t, fake.Options{})
	ctx := context.Background()
	must[xmlapi.AddResult](t, admin, xmlapi.ResellerAdd{GenInfo: xmlapi.ResellerInfo{Name: "Acme", Login: "acme", Password: "Acme-pass-1"}})
	must[xmlapi.AddResult](t, admin, xmlapi.ServicePlanAdd{Name: "AdminPlan"})
	must[xmlapi.AddResult](t, admin, xmlapi.CustomerAdd{GenInfo: xmlapi.CustomerInfo{Name: "A", Login: "admins-customer", Password: "Pass-word-5"}})
	srv := httptest.NewServer(f)
	defer srv.Close()
	acme, err := xmlapi.New(xmlapi.Config{URL: srv.URL, Login: "acme", Password: "Acme-pass-1"})
	if err != nil {
		t.Fatal(err)
	}
	plan := must[xmlapi.AddResult](t, acme, xmlapi.ServicePlanAdd{Name: "Web"})[0]
	must[xmlapi.AddResult](t, acme, xmlapi.CustomerAdd{GenInfo: xmlapi.CustomerInfo{Name: "W", Login: "wile", Password: "Pass-word-6"}})
	must[xmlapi.AddResult](t, acme, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "wile.example", OwnerLogin: "wile", IPAddress: "192.0.2.10"}, PlanGUID: plan.GUID})
	plans := must[xmlapi.PlanData](t, acme, xmlapi.ServicePlanGet{OwnerAll: e})
	if len(plans) != 1 || plans[0].Name != "Web" || plans[0].OwnerLogin != "acme" {
		t.Fatalf("reseller sees plans %+v", plans)
	}
	if cs := must[xmlapi.CustomerData](t, acme, xmlapi.CustomerGet{Dataset: xmlapi.CustomerDataset{GenInfo: e}}); len(cs) != 1 || cs[0].Data.GenInfo.Login != "wile" {
		t.Fatalf("reseller sees %d customers", len(cs))
	}
	_, err = xmlapi.Call[xmlapi.FilterResult](ctx, acme, xmlapi.CustomerDel{Filter: xmlapi.CustomerFilter{Login: []string{"admins-customer"}}})
	wantCode(t, err, xmlapi.ErrNotFound)
	_, err = xmlapi.Call[xmlapi.AddResult](ctx, acme, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "x.example", OwnerLogin: "admins-customer", IPAddress: "192.0.2.10"}})
	wantCode(t, err, xmlapi.ErrOwner)
	_, err = xmlapi.Call[xmlapi.ResellerPlanData](ctx, acme, xmlapi.ResellerPlanGet{Filter: xmlapi.ResellerPlanFilter{All: e}})
	wantCode(t, err, xmlapi.ErrPermission, "reseller-plan get")
	if ws := must[xmlapi.WebspaceData](t, admin, xmlapi.WebspaceGet{Dataset: xmlapi.WebspaceDataset{GenInfo: e}}); len(ws) != 1 {
		t.Fatalf("admin sees %d subscriptions", len(ws))
	}
	// A plan or add-on of someone else, named by its GUID, is not found
	// for the reseller, as one that does not exist: its name is not told.
	adminPlan := must[xmlapi.PlanData](t, admin, xmlapi.ServicePlanGet{Filter: xmlapi.PlanFilter{Name: []string{"AdminPlan"}}})[0]
	adminAddon := must[xmlapi.AddResult](t, admin, xmlapi.AddonPlanAdd{Name: "AdminAddon"})[0]
	for _, op := range []xmlapi.Op{
		xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "y.example", OwnerLogin: "wile", IPAddress: "192.0.2.10"}, PlanGUID: adminPlan.GUID},
		xmlapi.WebspaceSwitch{Filter: xmlapi.WebspaceFilter{Name: []string{"wile.example"}}, PlanGUID: adminPlan.GUID},
		xmlapi.WebspaceAddAddon{Filter: xmlapi.WebspaceFilter{Name: []string{"wile.example"}}, PlanGUID: adminAddon.GUID},
		xmlapi.WebspaceRemoveAddon{Filter: xmlapi.WebspaceFilter{Name: []string{"wile.example"}}, PlanGUID: adminAddon.GUID},
	} {
		_, err = xmlapi.Call[xmlapi.FilterResult](ctx, acme, op)
		wantCode(t, err, xmlapi.ErrNotFound)
		if strings.Contains(err.Error(), "Admin") {
			t.Errorf("%s %s: the reseller is told of the admin's plan: %v", op.Operator(), op.Operation(), err)
		}
	}
	// A service the admin made unavailable to resellers (not visible) is
	// not found for a reseller: its plans and subscriptions cannot get it.
	must[xmlapi.PlanItemData](t, admin, xmlapi.PlanItemAdd{Visible: "false", Label: "admins-only"})
	must[xmlapi.PlanItemData](t, admin, xmlapi.PlanItemAdd{Visible: "true", Label: "for-all"})
	for _, op := range []xmlapi.Op{
		xmlapi.ServicePlanAddItem{Filter: xmlapi.PlanFilter{Name: []string{"Web"}}, PlanItem: xmlapi.ItemName{Name: "admins-only"}},
		xmlapi.WebspaceAddItem{Filter: xmlapi.WebspaceFilter{Name: []string{"wile.example"}}, PlanItem: xmlapi.ItemName{Name: "admins-only"}},
	} {
		_, err = xmlapi.Call[xmlapi.PlanItemResult](ctx, acme, op)
		wantCode(t, err, xmlapi.ErrNotFound, "admins-only")
	}
	must[xmlapi.PlanItemResult](t, acme, xmlapi.ServicePlanAddItem{Filter: xmlapi.PlanFilter{Name: []string{"Web"}}, PlanItem: xmlapi.ItemName{Name: "for-all"}})
	must[xmlapi.WebspaceItemResult](t, acme, xmlapi.WebspaceAddItem{Filter: xmlapi.WebspaceFilter{Name: []string{"wile.example"}}, PlanItem: xmlapi.ItemName{Name: "for-all"}})
	bad, _ := xmlapi.New(xmlapi.Config{URL: srv.URL, Login: "acme", Password: "wrong"})
	_, err = xmlapi.Call[xmlapi.PlanData](ctx, bad, xmlapi.ServicePlanGet{OwnerAll: e})
	wantCode(t, err, xmlapi.ErrAuth)
}

// Additional services: defined with protocol 1.6.9.0 (refused in a
// 1.6.9.1 packet), attached to plans and subscriptions with 1.6.9.1.
func TestPlanItems(t *testing.T) {
	f, c := start(t, fake.Options{})
	ctx := context.Background()
	added := must[xmlapi.PlanItemData](t, c, xmlapi.PlanItemAdd{Visible: "true", Label: "premium-support", URL: "https://support.example/"})
	if added[0].Name != "premium-support" {
		t.Fatalf("plan-item add: %+v", added[0])
	}
	out := string(f.Handle(http.Header{"Key": {testKey}}, []byte(`<packet version="1.6.9.1"><plan-item><get><filter><all/></filter></get></plan-item></packet>`)))
	if !strings.Contains(out, "<errcode>1014</errcode>") || !strings.Contains(out, "up to 1.6.9.0") {
		t.Fatalf("plan-item in a 1.6.9.1 packet: %s", out)
	}
	plan := must[xmlapi.AddResult](t, c, xmlapi.ServicePlanAdd{Name: "P"})[0]
	must[xmlapi.PlanItemResult](t, c, xmlapi.ServicePlanAddItem{Filter: xmlapi.PlanFilter{Name: []string{"P"}}, PlanItem: xmlapi.ItemName{Name: "premium-support"}})
	_, err := xmlapi.Call[xmlapi.PlanItemResult](ctx, c, xmlapi.ServicePlanAddItem{Filter: xmlapi.PlanFilter{Name: []string{"P"}}, PlanItem: xmlapi.ItemName{Name: "nope"}})
	wantCode(t, err, xmlapi.ErrNotFound, "nope")
	must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "p.example", IPAddress: "192.0.2.10"}, PlanGUID: plan.GUID})
	if items := getWebspace(t, c, "p.example").Data.PlanItems.Item; len(items) != 1 || items[0].Name != "premium-support" {
		t.Fatalf("subscription plan items %+v", items)
	}
	must[xmlapi.PlanItemResult](t, c, xmlapi.ServicePlanRemoveItem{Filter: xmlapi.PlanFilter{Name: []string{"P"}}, PlanItem: xmlapi.ItemName{Name: "premium-support"}})
	must[xmlapi.WebspaceItemResult](t, c, xmlapi.WebspaceAddItem{Filter: xmlapi.WebspaceFilter{Name: []string{"p.example"}}, PlanItem: xmlapi.ItemName{Name: "premium-support"}})
	if items := getWebspace(t, c, "p.example").Data.PlanItems.Item; len(items) != 1 {
		t.Fatalf("subscription's own plan items %+v", items)
	}
	must[xmlapi.WebspaceItemResult](t, c, xmlapi.WebspaceRemoveItem{Filter: xmlapi.WebspaceFilter{Name: []string{"p.example"}}, PlanItem: xmlapi.ItemName{Name: "premium-support"}})
	list := must[xmlapi.PlanItemData](t, c, xmlapi.PlanItemGet{Filter: xmlapi.PlanItemFilter{All: e}})
	if len(list) != 1 || list[0].URL != "https://support.example/" || list[0].Visible != "true" {
		t.Fatalf("plan-item get: %+v", list)
	}
	must[xmlapi.PlanItemData](t, c, xmlapi.PlanItemRemove{Filter: xmlapi.PlanItemFilter{Name: []string{"premium-support"}}})
	if list := must[xmlapi.PlanItemData](t, c, xmlapi.PlanItemGet{Filter: xmlapi.PlanItemFilter{All: e}}); len(list) != 0 {
		t.Fatalf("after remove: %+v", list)
	}
}

// TestExpirationIsTheSubscriptions checks the expiration limit is the
// subscription's own: written alone it does not lock (unless
// ExpirationLocks), a plan change and a sync keep it.
func TestExpirationIsTheSubscriptions(t *testing.T) {
	for _, locks := range []bool{false, true} {
		_, c := start(t, fake.Options{ExpirationLocks: locks})
		plan := must[xmlapi.AddResult](t, c, xmlapi.ServicePlanAdd{Name: "Basic", Limits: limits("disk_space", "1073741824")})[0]
		must[xmlapi.AddResult](t, c, xmlapi.CustomerAdd{GenInfo: xmlapi.CustomerInfo{Name: "Jane Doe", Login: "jane", Password: "Pass-word-1"}})
		must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "a.example", OwnerLogin: "jane", HType: "vrt_hst", IPAddress: "192.0.2.10"},
			Limits: limits("expiration", "1801353600"), PlanGUID: plan.GUID})
		w := getWebspace(t, c, "a.example")
		if l, _, _ := flags(w); l != strconvBool(locks) || limitOf(w.Data.Limits, "expiration") != "1801353600" || limitOf(w.Data.Limits, "disk_space") != "1073741824" {
			t.Fatalf("ExpirationLocks %v: created with an expiration: locked %s limits %+v", locks, l, w.Data.Limits)
		}
		must[xmlapi.FilterResult](t, c, xmlapi.WebspaceSet{Filter: xmlapi.WebspaceFilter{Name: []string{"a.example"}}, Values: xmlapi.WebspaceValues{Limits: limits("expiration", "1835481600")}})
		if l, _, _ := flags(getWebspace(t, c, "a.example")); l != strconvBool(locks) {
			t.Fatalf("ExpirationLocks %v: after a set of the expiration: locked %s", locks, l)
		}
		if locks {
			continue
		}
		must[xmlapi.PlanResult](t, c, xmlapi.ServicePlanSet{Filter: xmlapi.PlanFilter{GUID: []string{plan.GUID}}, Limits: limits("disk_space", "2147483648")})
		must[xmlapi.FilterResult](t, c, xmlapi.WebspaceSync{Filter: xmlapi.WebspaceFilter{Name: []string{"a.example"}}})
		w = getWebspace(t, c, "a.example")
		if limitOf(w.Data.Limits, "expiration") != "1835481600" || limitOf(w.Data.Limits, "disk_space") != "2147483648" {
			t.Fatalf("after a plan change and a sync: limits %+v", w.Data.Limits)
		}
	}
}

func strconvBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// An additional service's definition is changed with plan-item update
// (protocol 1.6.9.0): only the fields sent. Made unavailable to
// resellers (visible false), a reseller's synced subscription whose plan
// includes it loses it and is not synchronized; made available again, it
// gets it back. An unknown name is not found (1013), an empty label an
// invalid value (1019), as for add.
func TestPlanItemUpdate(t *testing.T) {
	_, c := start(t, fake.Options{})
	ctx := context.Background()
	must[xmlapi.PlanItemData](t, c, xmlapi.PlanItemAdd{Visible: "true", Label: "premium-support", Tooltip: "Priority tickets",
		URL: "https://support.example/", Internal: "false", URLComponents: &xmlapi.URLComponents{DomName: e}})
	must[xmlapi.AddResult](t, c, xmlapi.ResellerAdd{GenInfo: xmlapi.ResellerInfo{Name: "Acme", Login: "acme", Password: "Pass-word-2"}})
	must[xmlapi.AddResult](t, c, xmlapi.ServicePlanAdd{Name: "Web", Owner: xmlapi.Owner{OwnerLogin: "acme"}})
	must[xmlapi.PlanItemResult](t, c, xmlapi.ServicePlanAddItem{Filter: xmlapi.PlanFilter{Name: []string{"Web"}}, Owner: xmlapi.Owner{OwnerLogin: "acme"},
		PlanItem: xmlapi.ItemName{Name: "premium-support"}})
	plan := must[xmlapi.PlanData](t, c, xmlapi.ServicePlanGet{Filter: xmlapi.PlanFilter{Name: []string{"Web"}}, Owner: xmlapi.Owner{OwnerLogin: "acme"}})[0]
	must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "shop.example", OwnerLogin: "acme", HType: "vrt_hst", IPAddress: "192.0.2.10"}, PlanGUID: plan.GUID})
	items := func() int { return len(getWebspace(t, c, "shop.example").Data.PlanItems.Item) }
	if _, synced, _ := flags(getWebspace(t, c, "shop.example")); synced != "true" || items() != 1 {
		t.Fatalf("before: synchronized %s, %d services", synced, items())
	}

	must[xmlapi.PlanItemData](t, c, xmlapi.PlanItemUpdate{Filter: xmlapi.PlanItemFilter{Name: []string{"premium-support"}}, Visible: "false"})
	if _, synced, _ := flags(getWebspace(t, c, "shop.example")); synced != "false" || items() != 0 {
		t.Fatalf("made unavailable: synchronized %s, %d services", synced, items())
	}
	got := must[xmlapi.PlanItemData](t, c, xmlapi.PlanItemGet{Filter: xmlapi.PlanItemFilter{Name: []string{"premium-support"}}})[0]
	if got.Visible != "false" || got.Tooltip != "Priority tickets" || got.URL != "https://support.example/" || got.URLComponents.Fields()[0] != "primary_domain" {
		t.Fatalf("after an update of visible only: %+v", got)
	}
	must[xmlapi.PlanItemData](t, c, xmlapi.PlanItemUpdate{Filter: xmlapi.PlanItemFilter{Name: []string{"premium-support"}}, Visible: "true"})
	if _, synced, _ := flags(getWebspace(t, c, "shop.example")); synced != "true" || items() != 1 {
		t.Fatalf("made available again: synchronized %s, %d services", synced, items())
	}

	tip, url := "Faster tickets", "https://help.example/"
	must[xmlapi.PlanItemData](t, c, xmlapi.PlanItemUpdate{Filter: xmlapi.PlanItemFilter{Name: []string{"premium-support"}}, Tooltip: &tip, URL: &url,
		Internal: "true", URLComponents: &xmlapi.URLComponents{DomID: e, Email: e}})
	got = must[xmlapi.PlanItemData](t, c, xmlapi.PlanItemGet{Filter: xmlapi.PlanItemFilter{All: e}})[0]
	if got.Tooltip != tip || got.URL != url || got.Internal != "true" || strings.Join(got.URLComponents.Fields(), ",") != "subscription_id,customer_email" || got.Label != "premium-support" {
		t.Fatalf("after an update of the button: %+v", got)
	}
	empty := ""
	must[xmlapi.PlanItemData](t, c, xmlapi.PlanItemUpdate{Filter: xmlapi.PlanItemFilter{Name: []string{"premium-support"}}, Tooltip: &empty, URL: &empty, URLComponents: &xmlapi.URLComponents{}})
	got = must[xmlapi.PlanItemData](t, c, xmlapi.PlanItemGet{Filter: xmlapi.PlanItemFilter{All: e}})[0]
	if got.Tooltip != "" || got.URL != "" || len(got.URLComponents.Fields()) != 0 {
		t.Fatalf("after clearing: %+v", got)
	}

	_, err := xmlapi.Call[xmlapi.PlanItemData](ctx, c, xmlapi.PlanItemUpdate{Filter: xmlapi.PlanItemFilter{Name: []string{"nope"}}, Visible: "false"})
	wantCode(t, err, xmlapi.ErrNotFound, "nope")
	_, err = xmlapi.Call[xmlapi.PlanItemData](ctx, c, xmlapi.PlanItemUpdate{Filter: xmlapi.PlanItemFilter{Name: []string{"premium-support"}}, Label: " "})
	wantCode(t, err, xmlapi.ErrInvalidValue, "label")
}
