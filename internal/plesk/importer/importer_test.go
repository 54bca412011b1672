package importer

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/plesktest"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// seeded serves an emulator seeded from an example and returns a client.
func seeded(t *testing.T, example string) *xmlapi.Client {
	t.Helper()
	cfg, diags := config.Load(filepath.Join("..", "..", "..", "examples", example), config.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	st, err := fake.Seed(cfg, "", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake.New(st, fake.Options{Key: "k-import"}))
	t.Cleanup(srv.Close)
	trace := t.TempDir()
	c, err := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: "k-import", TraceDir: trace})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { plesktest.ValidateDir(t, trace) })
	return c
}

// readAfterPanel serves an emulator seeded from cfg at now, sends it the
// operations ops (as a panel or another client would: each a packet of
// its own, which must succeed), reads it and returns the config import
// builds from the read.
func readAfterPanel(t *testing.T, cfg *model.Config, now time.Time, ops ...string) *model.Config {
	t.Helper()
	st, err := fake.Seed(cfg, "", now, fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs := fake.New(st, fake.Options{Key: "k-import"})
	for _, op := range ops {
		packet := []byte(`<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.9.1">` + op + `</packet>`)
		if out := fs.Handle(map[string][]string{"Key": {"k-import"}}, packet); strings.Contains(string(out), "<status>error</status>") {
			t.Fatalf("refused: %s", out)
		}
	}
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	c, err := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: "k-import"})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Read(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	imported, _ := Build(snap)
	return imported
}

// An imported server loads back as a valid config, in both formats, with
// as many objects as the server has.
func TestImportLoads(t *testing.T) {
	for _, example := range []string{"agency", "reseller", "mixed"} {
		for _, format := range []string{"yaml", "hcl"} {
			t.Run(example+"/"+format, func(t *testing.T) {
				snap, err := Read(context.Background(), seeded(t, example))
				if err != nil {
					t.Fatal(err)
				}
				cfg, notes := Build(snap)
				files, err := Render(cfg, format)
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				if err := WriteDir(dir, files, Report("test", cfg, notes)); err != nil {
					t.Fatal(err)
				}
				back, diags := config.Load(dir, config.Options{})
				if diags.HasErrors() {
					for _, f := range files {
						t.Logf("%s:\n%s", f.Path, f.Data)
					}
					t.Fatalf("imported config does not load:\n%s", diags.Error())
				}
				if len(back.ServicePlans) != len(cfg.ServicePlans) || len(back.Subscriptions) != len(cfg.Subscriptions) ||
					len(back.Customers) != len(cfg.Customers) || len(back.Resellers) != len(cfg.Resellers) {
					t.Errorf("loaded %d plans, %d subscriptions, %d customers, %d resellers; imported %d, %d, %d, %d",
						len(back.ServicePlans), len(back.Subscriptions), len(back.Customers), len(back.Resellers),
						len(cfg.ServicePlans), len(cfg.Subscriptions), len(cfg.Customers), len(cfg.Resellers))
				}
				for d, s := range cfg.Subscriptions {
					b := back.Subscriptions[d]
					if b == nil || b.Plan != s.Plan || len(b.Addons) != len(s.Addons) || (b.Customize == nil) != (s.Customize == nil) || b.Status != s.Status {
						t.Errorf("subscription %s: loaded %+v, imported %+v", d, b, s)
					}
				}
			})
		}
	}
}

// A subscription without a plan is imported with every value it has and
// what the server's silence means where the built-in default plan (which
// a new custom subscription of the imported config starts from) says
// otherwise: planned from nothing, the imported config gives exactly the
// server's values, not manage_hosting or the default plan's limits.
func TestImportCustomSaysItsValues(t *testing.T) {
	cfg := model.NewConfig()
	cfg.ServicePlans["Basic"] = &model.Plan{Kind: model.ServicePlanKind, Owner: model.Admin, Name: "Basic", Props: model.Props{
		"resources.disk_space":          model.Size(2 << 30),
		"resources.websites":            model.Count(1),
		"permissions.manage_subdomains": model.Bool(true),
	}}
	cfg.Customers["jane"] = &model.Customer{Login: "jane", Owner: model.Admin, Status: "active", Contact: model.Contact{Name: "Jane"}}
	cfg.Subscriptions["jane.example"] = &model.Subscription{Domain: "jane.example", Customer: "jane", Owner: model.Admin, Plan: "Basic", Status: "active"}
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	imported := readAfterPanel(t, cfg, now,
		`<webspace><switch-subscription><filter><name>jane.example</name></filter><no-plan/></switch-subscription></webspace>`)
	sub := imported.Subscriptions["jane.example"]
	if sub == nil || sub.Plan != model.None {
		t.Fatalf("imported subscription: %+v", sub)
	}
	if v, ok := sub.Customize["permissions.manage_hosting"]; !ok || v.Truth() {
		t.Errorf("customize says manage_hosting %v (set %v), want false: the server does not grant it", v, ok)
	}
	values := func(existing bool) model.Props {
		p := plan.Make(plan.Input{Config: imported, Lineage: "l", Now: now, ResultOnly: true, Existing: existing})
		for _, s := range p.Result.Subscriptions {
			if s.Domain == "jane.example" {
				props, _ := plan.PropsFromValues(p.Result.PropertySets[s.Effective])
				return props
			}
		}
		t.Fatal("no jane.example planned")
		return nil
	}
	// From nothing, as import records it, and as the server has it.
	fromConfig, server := values(false), values(true)
	for path, want := range map[string]model.Value{
		"resources.disk_space":          model.Size(2 << 30),
		"resources.traffic":             model.Size(model.Unlimited),
		"permissions.manage_hosting":    model.Bool(false),
		"permissions.manage_subdomains": model.Bool(true),
	} {
		if got := fromConfig[path]; got != want {
			t.Errorf("planned from the imported config: %s = %v, want %v", path, got.Text(), want.Text())
		}
	}
	for path, v := range server {
		if got, ok := fromConfig[path]; !ok || got != v {
			t.Errorf("%s: the imported config gives %v (set %v), the server has %v", path, got.Text(), ok, v.Text())
		}
	}
}

// A locked subscription's customisation is what differs from its plans:
// a value they leave out (not set) is one only when the server reports
// something else than a value never set has (a setting off, a limit
// unlimited).
func TestCustomizeOfLeftOut(t *testing.T) {
	base := model.Props{"resources.disk_space": model.Size(1 << 30)}
	values := model.Props{
		"resources.disk_space": model.Size(5 << 30),
		"hosting.ssl":          model.Bool(false),
		"resources.mailboxes":  model.Count(model.Unlimited),
		"mail.spamfilter":      model.Bool(true),
	}
	got := customizeOf(values, base, nil)
	want := model.Props{"resources.disk_space": model.Size(5 << 30), "mail.spamfilter": model.Bool(true)}
	if len(got) != len(want) {
		t.Fatalf("customisation %v, want %v", got, want)
	}
	for path, v := range want {
		if got[path] != v {
			t.Errorf("%s: %v, want %v", path, got[path], v)
		}
	}
}

// An expired subscription (status 256) is imported active with its
// expires date, which suspends it: a config status of suspended would
// keep it suspended once the date is extended. One also suspended by the
// admin (16) stays suspended.
func TestImportExpiredIsNotSuspended(t *testing.T) {
	cfg := model.NewConfig()
	cfg.ServicePlans["Basic"] = &model.Plan{Kind: model.ServicePlanKind, Owner: model.Admin, Name: "Basic", Props: model.Props{"resources.disk_space": model.Size(1 << 30)}}
	for _, d := range []string{"old.example", "held.example"} {
		cfg.Subscriptions[d] = &model.Subscription{Domain: d, Owner: model.Admin, Plan: "Basic", Status: "active"}
	}
	imported := readAfterPanel(t, cfg, time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
		`<webspace><set><filter><name>old.example</name></filter><values><gen_setup><status>256</status></gen_setup></values></set></webspace>`,
		`<webspace><set><filter><name>held.example</name></filter><values><gen_setup><status>272</status></gen_setup></values></set></webspace>`)
	if s := imported.Subscriptions["old.example"]; s == nil || s.Status != "active" {
		t.Errorf("expired subscription imported as %+v, want status active", s)
	}
	if s := imported.Subscriptions["held.example"]; s == nil || s.Status != "suspended" {
		t.Errorf("expired subscription suspended by the admin imported as %+v, want status suspended", s)
	}
}

// TestInstalledExtensions: the ids listed, sorted; a disabled extension
// is not installed as far as its services go.
func TestInstalledExtensions(t *testing.T) {
	got := installedExtensions([]*xmlapi.ExtensionData{{Details: []xmlapi.ExtensionDetails{
		{ID: "wp-toolkit", Active: "true"}, {ID: "seo-kit", Active: "false"}, {ID: "backup"}, {Name: "no id"},
	}}})
	if strings.Join(got, ",") != "backup,wp-toolkit" {
		t.Errorf("installed %v, want backup, wp-toolkit", got)
	}
}

// TestImportNotesUnmodelledContact: contact fields the server holds that
// a config has no field for (fax, city, state, postcode, country) are
// listed as not modelled, for customers and resellers alike; an account
// without any gets no such note.
func TestImportNotesUnmodelledContact(t *testing.T) {
	cfg := model.NewConfig()
	cfg.Resellers["acme"] = &model.Reseller{Login: "acme", Plan: model.None, Status: "active", Contact: model.Contact{Name: "Acme"}}
	cfg.Customers["jdoe"] = &model.Customer{Login: "jdoe", Owner: model.Admin, Status: "active", Contact: model.Contact{Name: "John"}}
	cfg.Customers["plain"] = &model.Customer{Login: "plain", Owner: model.Admin, Status: "active", Contact: model.Contact{Name: "Plain"}}
	st, err := fake.Seed(cfg, "", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range st.Accounts {
		switch a.Login {
		case "jdoe":
			a.Fax, a.City, a.State, a.PostCode, a.Country = "+33 1 00", "Paris", "IDF", "75001", "FR"
		case "acme":
			a.City = "Lyon"
		}
	}
	srv := httptest.NewServer(fake.New(st, fake.Options{Key: "k-import"}))
	t.Cleanup(srv.Close)
	c, err := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: "k-import"})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Read(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	_, notes := Build(snap)
	all := strings.Join(notes, "\n")
	for _, want := range []string{
		"customer jdoe: contact fields plansync does not model, kept on the server and not managed: fax, city, state, pcode, country",
		"reseller acme: contact fields plansync does not model, kept on the server and not managed: city",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("notes lack %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "customer plain: contact") {
		t.Errorf("a note for an account without such fields:\n%s", all)
	}
}

// TestImportNotesSubscriptionOwnServices: additional services added to
// a subscription itself (webspace add-plan-item), not by its plans, and
// a billing system's external id, which a config cannot hold, are
// listed as not mapped; services a subscription has from its plan are
// not.
func TestImportNotesSubscriptionOwnServices(t *testing.T) {
	cfg := model.NewConfig()
	for _, name := range []string{"support", "seo"} {
		cfg.Services[name] = &model.Service{Name: name, AvailableToResellers: true}
	}
	cfg.ServicePlans["Basic"] = &model.Plan{Kind: model.ServicePlanKind, Owner: model.Admin, Name: "Basic", Services: []string{"support"}}
	for _, d := range []string{"own.example", "plain.example"} {
		cfg.Subscriptions[d] = &model.Subscription{Domain: d, Owner: model.Admin, Plan: "Basic", Status: "active"}
	}
	cfg.Subscriptions["custom.example"] = &model.Subscription{Domain: "custom.example", Owner: model.Admin, Plan: model.None, Status: "active"}
	st, err := fake.Seed(cfg, "", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range st.Webspaces {
		switch w.Name {
		case "own.example":
			w.Items = []string{"support", "seo"}
			w.ExternalID = "whmcs-7"
		case "custom.example":
			w.Items = []string{"support"}
		}
	}
	srv := httptest.NewServer(fake.New(st, fake.Options{Key: "k-import"}))
	t.Cleanup(srv.Close)
	c, err := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: "k-import"})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Read(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	_, notes := Build(snap)
	all := strings.Join(notes, "\n")
	for _, want := range []string{
		"subscription own.example: additional services added to the subscription itself (not by its plans), which a config cannot hold, are kept on the server and not managed: seo",
		"subscription custom.example: additional services added to the subscription itself (not by its plans), which a config cannot hold, are kept on the server and not managed: support",
		"subscription own.example: external id whmcs-7 (a billing system's) is kept on the server and not managed",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("notes lack %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "subscription plain.example") {
		t.Errorf("a note for a subscription with its plan's services only:\n%s", all)
	}
}

// TestImportNotesSyncedValuesDiffer: a synced subscription whose values
// on the server differ from its plans' (a subscriber's own PHP setting,
// which does not lock it) is imported on its plan, and IMPORT.md names
// what differs, with both values; one that has its plan's values, and a
// locked one (its customize says it), get no such note.
func TestImportNotesSyncedValuesDiffer(t *testing.T) {
	cfg := model.NewConfig()
	cfg.ServicePlans["Basic"] = &model.Plan{Kind: model.ServicePlanKind, Owner: model.Admin, Name: "Basic", Props: model.Props{
		"permissions.manage_php_settings":   model.Bool(true),
		"hosting.php_settings.memory_limit": model.String("256M")}}
	for _, d := range []string{"own.example", "plain.example"} {
		cfg.Subscriptions[d] = &model.Subscription{Domain: d, Owner: model.Admin, Plan: "Basic", Status: "active"}
	}
	cfg.Subscriptions["locked.example"] = &model.Subscription{Domain: "locked.example", Owner: model.Admin, Plan: "Basic", Status: "active",
		Customize: model.Props{"hosting.php_settings.memory_limit": model.String("1G")}}
	st, err := fake.Seed(cfg, "", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range st.Webspaces {
		if w.Name == "own.example" {
			w.Values.PHP["memory_limit"] = "512M"
		}
	}
	srv := httptest.NewServer(fake.New(st, fake.Options{Key: "k-import"}))
	t.Cleanup(srv.Close)
	c, err := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: "k-import"})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Read(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	imported, notes := Build(snap)
	all := strings.Join(notes, "\n")
	want := `subscription own.example: synced with its plans, but its values on the server differ from theirs (a subscriber's own settings?), not written (subscriber_settings can hold those its permissions let the subscriber change): hosting.php_settings.memory_limit "512M" (its plans: "256M")`
	if !strings.Contains(all, want) {
		t.Errorf("notes lack %q:\n%s", want, all)
	}
	if strings.Contains(all, "subscription plain.example") || strings.Contains(all, "subscription locked.example") {
		t.Errorf("a note for a subscription with its plan's values, or a locked one:\n%s", all)
	}
	if s := imported.Subscriptions["own.example"]; s == nil || s.Customize != nil {
		t.Errorf("own.example imported as %+v, want synced on its plan", s)
	}
}

// TestImportPlanGUIDsInAnyOrder: a subscription's plan-guids list the
// service plan and the add-ons together (SPEC §6.2: told apart by
// looking them up); with an add-on listed before the service plan, the
// subscription is still on its plan with its add-ons in their order,
// and a locked one's customisation is what differs from plan ⊕ add-ons.
func TestImportPlanGUIDsInAnyOrder(t *testing.T) {
	cfg := model.NewConfig()
	cfg.ServicePlans["Basic"] = &model.Plan{Kind: model.ServicePlanKind, Owner: model.Admin, Name: "Basic", Props: model.Props{"resources.disk_space": model.Size(1 << 30)}}
	for _, a := range []string{"A", "B"} {
		cfg.AddonPlans[a] = &model.Plan{Kind: model.AddonPlanKind, Owner: model.Admin, Name: a, Props: model.Props{"resources.disk_space": model.Size(1 << 30)}}
	}
	cfg.Subscriptions["one.example"] = &model.Subscription{Domain: "one.example", Owner: model.Admin, Plan: "Basic", Addons: []string{"B", "A"}, Status: "active"}
	cfg.Subscriptions["two.example"] = &model.Subscription{Domain: "two.example", Owner: model.Admin, Plan: "Basic", Addons: []string{"A"}, Status: "active",
		Customize: model.Props{"resources.disk_space": model.Size(5 << 30)}}
	snap, err := Read(context.Background(), seededWith(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range snap.Webspaces {
		// The service plan last: B, A, Basic; A, Basic.
		p := w.Data.Subscriptions.Subscription.Plan
		w.Data.Subscriptions.Subscription.Plan = append(p[1:], p[0])
	}
	imported, _ := Build(snap)
	one, two := imported.Subscriptions["one.example"], imported.Subscriptions["two.example"]
	if one == nil || one.Plan != "Basic" || strings.Join(one.Addons, ",") != "B,A" || one.Customize != nil {
		t.Errorf("one.example imported as %+v, want on Basic with add-ons B, A", one)
	}
	if two == nil || two.Plan != "Basic" || strings.Join(two.Addons, ",") != "A" || len(two.Customize) != 1 || two.Customize["resources.disk_space"] != model.Size(5<<30) {
		t.Errorf("two.example imported as %+v, want on Basic with add-on A, customised disk_space 5 GiB", two)
	}
}

// seededWith serves an emulator seeded from cfg and returns a client.
func seededWith(t *testing.T, cfg *model.Config) *xmlapi.Client {
	t.Helper()
	st, err := fake.Seed(cfg, "", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake.New(st, fake.Options{Key: "k-import"}))
	t.Cleanup(srv.Close)
	c, err := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: "k-import"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestImportNotesAddonSettingsDropped: an add-on plan's settings that a
// plansync add-on cannot hold (SPEC §1.2: no enumerated settings, such as
// its PHP version and handler or a php.ini setting, which Plesk's
// service-plan-addon takes) are left out of the config and listed as not
// mapped (SPEC §6.3); what an add-on switches nothing with (an off
// switch, a zero limit) is left out without a note.
func TestImportNotesAddonSettingsDropped(t *testing.T) {
	cfg := model.NewConfig()
	cfg.AddonPlans["PHP"] = &model.Plan{Kind: model.AddonPlanKind, Owner: model.Admin, Name: "PHP", Props: model.Props{"resources.websites": model.Count(1)}}
	cfg.AddonPlans["Plain"] = &model.Plan{Kind: model.AddonPlanKind, Owner: model.Admin, Name: "Plain", Props: model.Props{"resources.websites": model.Count(1)}}
	st, err := fake.Seed(cfg, "", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range st.Plans {
		switch p.Name {
		case "PHP":
			p.Values.Hosting = map[string]string{"php": "true", "php_handler_id": "plesk-php82-fpm", "ssl": "false"}
			p.Values.PHP = map[string]string{"memory_limit": "512M"}
		case "Plain":
			p.Values.Hosting = map[string]string{"ssl": "false"}
		}
	}
	srv := httptest.NewServer(fake.New(st, fake.Options{Key: "k-import"}))
	t.Cleanup(srv.Close)
	c, err := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: "k-import"})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Read(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	imported, notes := Build(snap)
	all := strings.Join(notes, "\n")
	want := "addon plan PHP: settings a plansync add-on plan cannot hold (an add-on has no enumerated settings), kept on the server and not managed: hosting.php_handler, hosting.php_settings.memory_limit, hosting.php_version"
	if !strings.Contains(all, want) {
		t.Errorf("notes lack %q:\n%s", want, all)
	}
	if strings.Contains(all, "addon plan Plain") {
		t.Errorf("a note for an add-on whose left-out values switch nothing:\n%s", all)
	}
	if p := imported.AddonPlans["PHP"]; p == nil || len(p.Props) != 1 {
		t.Errorf("add-on PHP imported as %+v, want its websites alone", p)
	}
}

// A value base gives that the server does not report is the server's
// silence (a permission not granted, a limit unlimited): a customisation
// of a locked subscription; unless it is the available value of a plan
// value whose component is missing (the plan's conflict).
func TestCustomizeOfSilence(t *testing.T) {
	base := model.Props{
		"permissions.manage_spamfilter": model.Bool(true),
		"resources.mailboxes":           model.Count(100),
		"hosting.webstats":              model.Enum("awstats"),
		"resources.expiration":          model.Count(5),
	}
	installed := &model.Server{Components: []string{"postfix"}}
	got := customizeOf(model.Props{}, base, installed)
	want := model.Props{
		"permissions.manage_spamfilter": model.Bool(false),
		"resources.mailboxes":           model.Count(model.Unlimited),
	}
	if len(got) != len(want) {
		t.Fatalf("customisation %v, want %v", got, want)
	}
	for path, v := range want {
		if got[path] != v {
			t.Errorf("%s: %v, want %v", path, got[path], v)
		}
	}
}
