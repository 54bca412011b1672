package plan

import (
	"slices"
	"testing"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// TestFallback pins the value offered for each catalogue property whose
// component is missing; the candidates come from the catalogue.
func TestFallback(t *testing.T) {
	for _, tc := range []struct {
		comps []string
		path  string
		asked model.Value
		want  model.Value
		ok    bool
	}{
		{[]string{"php7.4", "php8.1", "php8.2"}, "hosting.php_version", model.String("8.3"), model.String("8.2"), true},
		{[]string{"php8.4", "php-fpm", "php10.1"}, "hosting.php_version", model.String("8.3"), model.String("10.1"), true},
		{[]string{"php-fpm"}, "hosting.php_version", model.String("8.3"), model.Value{}, false},
		{nil, "hosting.php_version", model.String("8.3"), model.Value{}, false},
		{[]string{"php-cgi", "php-fastcgi"}, "hosting.php_handler", model.Enum("fpm"), model.Enum("fastcgi"), true},
		{[]string{"php8.3"}, "hosting.php_handler", model.Enum("fpm"), model.Value{}, false},
		{[]string{"webalizer"}, "hosting.webstats", model.Enum("awstats"), model.Enum("webalizer"), true},
		{nil, "hosting.webstats", model.Enum("awstats"), model.Enum("none"), true},
		{[]string{"horde"}, "mail.webmail", model.Enum("roundcube"), model.Enum("horde"), true},
		{nil, "mail.webmail", model.Enum("horde"), model.Enum("none"), true},
		{nil, "mail.enabled", model.Bool(true), model.Bool(false), true},
		{nil, "mail.spamfilter", model.Bool(true), model.Bool(false), true},
		{nil, "mail.antivirus", model.Enum("both"), model.Enum("off"), true},
		{nil, "dns.zone_type", model.Enum("master"), model.Value{}, false},
		{nil, "hosting.ssl", model.Bool(true), model.Value{}, false},
	} {
		e := &engine{cfg: &model.Config{Server: &model.Server{Components: tc.comps}}}
		got, ok := e.fallback(tc.path, tc.asked)
		if got != tc.want || ok != tc.ok {
			t.Errorf("fallback(%s=%v) with %v = %v, %v; want %v, %v", tc.path, tc.asked.S, tc.comps, got, ok, tc.want, tc.ok)
		}
	}
}

// TestServerComponents: the server's components replace the config's
// list, on a copy, and the differences with a declared list are named; a
// server without components leaves the config as it is.
func TestServerComponents(t *testing.T) {
	cfg := model.NewConfig()
	cfg.Server = &model.Server{Components: []string{"php8.3", "nginx", "spamassassin"}}
	out, missing, extra := ServerComponents(cfg, []string{"php8.2", "php8.3", "nginx"})
	if out == cfg || !slices.Equal(out.Server.Components, []string{"php8.2", "php8.3", "nginx"}) {
		t.Errorf("components: %v", out.Server.Components)
	}
	if !slices.Equal(cfg.Server.Components, []string{"php8.3", "nginx", "spamassassin"}) {
		t.Errorf("config changed: %v", cfg.Server.Components)
	}
	if !slices.Equal(missing, []string{"spamassassin"}) || !slices.Equal(extra, []string{"php8.2"}) {
		t.Errorf("missing %v, extra %v", missing, extra)
	}
	if out, m, e := ServerComponents(cfg, nil); out != cfg || m != nil || e != nil {
		t.Error("a server without components changed the config")
	}
	// SPEC §6.1: with a server, its components are read from it; a
	// config that declares none (or has no server block) gets them
	// without a warning.
	bare := model.NewConfig()
	out, m, e := ServerComponents(bare, []string{"nginx"})
	if out == bare || bare.Server != nil || out.Server == nil || !slices.Equal(out.Server.Components, []string{"nginx"}) || m != nil || e != nil {
		t.Errorf("a config without a server block: %+v, missing %v, extra %v", out.Server, m, e)
	}
	undeclared := model.NewConfig()
	undeclared.Server = &model.Server{DefaultPlan: "Basic"}
	out, m, e = ServerComponents(undeclared, []string{"nginx", "php8.3"})
	if out.Server.DefaultPlan != "Basic" || !slices.Equal(out.Server.Components, []string{"nginx", "php8.3"}) || undeclared.Server.Components != nil || m != nil || e != nil {
		t.Errorf("a server block without components: %+v, missing %v, extra %v", out.Server, m, e)
	}
}

func TestRecordedExtensionServices(t *testing.T) {
	prior := &state.Snapshot{Services: []state.Service{{Name: "backup-pro", Extension: "acronis"}, {Name: "mail-plus"}}}
	got := RecordedExtensionServices(prior)
	if len(got) != 1 || got["backup-pro"] != "acronis" {
		t.Errorf("got %v", got)
	}
	if RecordedExtensionServices(nil) != nil {
		t.Error("no state, no services")
	}
}

// A declared extension the server has not installed provides no service
// there: the service recorded while it was installed goes, and the plan
// says why, not "removed from config", which it is not.
func TestLackingServiceDeleteReason(t *testing.T) {
	cfg := baseConfig()
	cfg.Server.Extensions = []model.Extension{{Name: "wp-toolkit", Services: []*model.Service{{Name: "wordpress", Description: "WordPress"}}}}
	prior := applied(t, mustPlan(t, cfg, nil))
	out, missing, _ := ServerExtensions(cfg, nil)
	if !slices.Equal(missing, []string{"wp-toolkit"}) {
		t.Fatalf("missing = %v", missing)
	}
	p := mustPlan(t, out, prior)
	for _, c := range p.Changes {
		if c.Kind == "service" && c.Key == "wordpress" {
			if c.Action != Delete || !slices.Equal(c.Reasons, []string{"extension wp-toolkit not installed on the server"}) {
				t.Errorf("service wordpress: %s %v", c.Action, c.Reasons)
			}
			return
		}
	}
	t.Error("no change of service wordpress")
}

// TestServicesOnly: only conflicts for want of an extension are ones
// Plesk cannot see; a service a reseller may not offer is not one.
func TestServicesOnly(t *testing.T) {
	ext := state.Conflict{Property: "services.wordpress", Reason: "service wordpress unavailable: extension wp-toolkit not installed"}
	gone := state.Conflict{Property: "services.seo", Reason: "service seo unavailable: extension seo-kit removed"}
	reseller := state.Conflict{Property: "services.backup", Reason: "service backup unavailable to resellers"}
	php := state.Conflict{Property: "hosting.php_version", Reason: "component php8.4 not installed"}
	spam := state.Conflict{Property: "mail.spamfilter", Reason: "component spamassassin not installed"}
	for _, tc := range []struct {
		sync      string
		conflicts []state.Conflict
		want      bool
	}{
		{Unsynced, []state.Conflict{ext}, true},
		{Unsynced, []state.Conflict{ext, gone}, true},
		{Unsynced, []state.Conflict{ext, reseller}, false},
		{Unsynced, []state.Conflict{ext, php}, false},
		{Unsynced, []state.Conflict{spam}, true},
		{Unsynced, []state.Conflict{ext, spam}, true},
		{Unsynced, []state.Conflict{spam, php}, false},
		{Unsynced, nil, false},
		{Synced, []state.Conflict{ext}, false},
	} {
		s := &state.Subscription{SyncStatus: tc.sync, Conflicts: tc.conflicts}
		if got := ServicesOnly(s, nil); got != tc.want {
			t.Errorf("%s %v: ServicesOnly = %v, want %v", tc.sync, tc.conflicts, got, tc.want)
		}
	}
	// A PHP version without a handler (or the reverse) is never sent:
	// Plesk cannot see its conflict; with both halves, it can.
	s := &state.Subscription{SyncStatus: Unsynced, Conflicts: []state.Conflict{php}}
	if !ServicesOnly(s, state.Values{"hosting.php_version": "8.3"}) {
		t.Error("a PHP version alone: Plesk sees its conflict")
	}
	if ServicesOnly(s, state.Values{"hosting.php_version": "8.3", "hosting.php_handler": "fpm"}) {
		t.Error("a PHP version with its handler: Plesk does not see its conflict")
	}
	handler := state.Conflict{Property: "hosting.php_handler", Reason: "component php-cgi not installed"}
	s.Conflicts = []state.Conflict{handler, spam}
	if !ServicesOnly(s, state.Values{"hosting.php_handler": "fpm"}) {
		t.Error("a PHP handler alone: Plesk sees its conflict")
	}
}

// TestServerExtensions: a declared extension the server lacks provides
// nothing (its services are Lacking, declared), the others stay; the
// config is not changed; a config that declares none is left alone.
func TestServerExtensions(t *testing.T) {
	wp := &model.Service{Name: "wordpress", Extension: "wp-toolkit"}
	seo := &model.Service{Name: "seo", Extension: "seo-kit"}
	cfg := model.NewConfig()
	cfg.Server = &model.Server{Extensions: []model.Extension{{Name: "wp-toolkit", Services: []*model.Service{wp}}, {Name: "seo-kit", Services: []*model.Service{seo}}}}
	cfg.Services["wordpress"], cfg.Services["seo"] = wp, seo
	out, missing, extra := ServerExtensions(cfg, []string{"seo-kit", "letsencrypt"})
	if !slices.Equal(missing, []string{"wp-toolkit"}) || !slices.Equal(extra, []string{"letsencrypt"}) {
		t.Errorf("missing %v, extra %v", missing, extra)
	}
	if len(out.Server.Extensions) != 1 || out.Server.Extensions[0].Name != "seo-kit" || out.Services["wordpress"] != nil || out.Services["seo"] == nil {
		t.Errorf("planned with extensions %v, services %v", out.Server.Extensions, out.Services)
	}
	if l, ok := out.Lacking["wordpress"]; !ok || l != (model.Lack{Extension: "wp-toolkit", Declared: true}) {
		t.Errorf("lacking %v", out.Lacking)
	}
	if len(cfg.Server.Extensions) != 2 || cfg.Services["wordpress"] == nil || cfg.Lacking != nil {
		t.Errorf("the config was changed: %v, %v, %v", cfg.Server.Extensions, cfg.Services, cfg.Lacking)
	}
	if same, _, _ := ServerExtensions(cfg, []string{"wp-toolkit", "seo-kit"}); same != cfg {
		t.Error("every declared extension installed: want the config as it is")
	}
	none := model.NewConfig()
	none.Server = &model.Server{}
	if same, m, x := ServerExtensions(none, []string{"letsencrypt"}); same != none || m != nil || x != nil {
		t.Errorf("no extension declared: %v, %v, %v", same == none, m, x)
	}
}

// TestPlansValues: ServicesOnly sees the PHP half its plans give, not a
// subscriber's own value of the other half (differential seed 140).
func TestPlansValues(t *testing.T) {
	sets := map[string]state.Values{
		"eff":  {"hosting.php_handler": "fastcgi", "hosting.php_version": "8.2"},
		"base": {"hosting.php_handler": "fastcgi"},
		"own":  {"hosting.php_version": "8.2"},
	}
	handler := state.Conflict{Property: "hosting.php_handler", Reason: "component php-fastcgi not installed"}
	for _, s := range []*state.Subscription{
		{SyncStatus: Unsynced, Conflicts: []state.Conflict{handler}, Effective: "eff", Base: "base", Settings: "own"},
		{SyncStatus: Unsynced, Conflicts: []state.Conflict{handler}, Effective: "eff", Settings: "own"},
	} {
		if !ServicesOnly(s, PlansValues(s, sets)) {
			t.Errorf("base %q: a PHP handler whose version is the subscriber's own: Plesk sees its conflict", s.Base)
		}
	}
}

// TestUnheldSettingMeetsComponents: a subscriber's own value dropped
// because its reseller does not hold the permission gives way to the
// plan's value, which is checked for its component as any other: one
// the server lacks is a conflict with the available value. Before, the
// plan's value came back after the components were checked (with the
// subscriber's value in its place) and was predicted as it is (fleet
// differential seed 512: webalizer predicted, awstats on the server).
func TestUnheldSettingMeetsComponents(t *testing.T) {
	cfg := resellerConfig()
	delete(cfg.Resellers, "conv")
	delete(cfg.ServicePlans, "conv/Web")
	delete(cfg.Subscriptions, "conv.example")
	cfg.Server.Components = append(cfg.Server.Components, "awstats")
	web := cfg.ServicePlans["acme/Web"]
	web.Props["hosting.webstats"] = model.Enum("webalizer")
	web.Props["permissions.manage_webstats"] = model.Bool(true)
	cfg.SubscriberSettings["acme.example"] = &model.SubscriberSettings{Domain: "acme.example", Props: model.Props{"hosting.webstats": model.Enum("none")}}
	p := mustPlan(t, cfg, nil)
	var got []string
	for _, c := range p.Conflicts {
		if c.Subscription == "acme.example" {
			got = append(got, c.Property+": "+c.Reason)
		}
	}
	want := []string{"hosting.webstats: component webalizer not installed", "permissions.manage_webstats: permission manage_webstats not held by reseller acme"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("conflicts %q, want %q", got, want)
	}
	if v := effective(t, p.Result, "acme.example")["hosting.webstats"]; v != "awstats" {
		t.Errorf("hosting.webstats predicted %q, want the available awstats", v)
	}
}
