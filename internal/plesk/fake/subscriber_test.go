package fake_test

import (
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

func hostingOf(w *xmlapi.WebspaceData, name string) string {
	if w.Data.Hosting == nil || w.Data.Hosting.VrtHst == nil {
		return ""
	}
	for _, p := range w.Data.Hosting.VrtHst.Property {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// A subscriber's own value (SPEC 1.3: a setting its permissions let it
// change) replaces its plan's value and is ignored by synchronisation: a
// plan value it replaces that needs a missing component leaves the
// subscription synchronized. Without the permission, or without an own
// value, the plan value is asked for and the subscription is not
// synchronized.
func TestSubscriberValueIgnoredBySync(t *testing.T) {
	f, c := start(t, fake.Options{})
	f.Do(func(s *fake.State) {
		s.Components = []string{"php8.3", "php-fpm", "postfix", "webalizer"}
		s.SubscriberValues = map[string]model.Props{
			"own.example":    {"hosting.webstats": model.Enum("webalizer")},
			"nopriv.example": {"hosting.webstats": model.Enum("webalizer")},
		}
	})
	stats := &xmlapi.Properties{Property: []xmlapi.Property{{Name: "webstat", Value: "awstats"}}}
	granted := must[xmlapi.AddResult](t, c, xmlapi.ServicePlanAdd{Name: "Granted", Hosting: stats,
		Permissions: &xmlapi.Permissions{Permission: []xmlapi.Permission{{Name: "manage_webstat", Value: "true"}}}})[0]
	withheld := must[xmlapi.AddResult](t, c, xmlapi.ServicePlanAdd{Name: "Withheld", Hosting: stats})[0]
	for _, x := range []struct{ name, plan string }{{"own.example", granted.GUID}, {"plain.example", granted.GUID}, {"nopriv.example", withheld.GUID}} {
		must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: x.name, IPAddress: "192.0.2.10"}, PlanGUID: x.plan})
	}
	check := func(when string) {
		t.Helper()
		for _, x := range []struct{ name, synced string }{{"own.example", "true"}, {"plain.example", "false"}, {"nopriv.example", "false"}} {
			w := getWebspace(t, c, x.name)
			if _, s, _ := flags(w); s != x.synced {
				t.Errorf("%s: %s synchronized %s, want %s", when, x.name, s, x.synced)
			}
		}
		if v := hostingOf(getWebspace(t, c, "own.example"), "webstat"); v != "webalizer" {
			t.Errorf("%s: own.example webstat %q, want the subscriber's webalizer", when, v)
		}
	}
	check("created")
	// A plan change reaches it: still its own value, still synchronized.
	must[xmlapi.PlanResult](t, c, xmlapi.ServicePlanSet{Filter: xmlapi.PlanFilter{Name: []string{"Granted"}}, Limits: limits("max_site", "3")})
	check("after a plan change")
	must[xmlapi.FilterResult](t, c, xmlapi.WebspaceSync{Filter: xmlapi.WebspaceFilter{Name: []string{"own.example"}}})
	check("after sync-subscription")
}

// A subscriber's own value is kept only where it can be: one that needs
// a component the server lacks, or whose permission the subscription's
// reseller does not hold, is not (SPEC 1.3, 1.5): the plan's value stays,
// checked as any other.
func TestSubscriberValueNotKept(t *testing.T) {
	f, c := start(t, fake.Options{})
	f.Do(func(s *fake.State) {
		s.Components = []string{"php8.3", "php-fpm", "postfix", "webalizer"}
		s.SubscriberValues = map[string]model.Props{
			"nocomp.example": {"hosting.webstats": model.Enum("awstats")},
			"held.example":   {"hosting.webstats": model.Enum("webalizer")},
		}
	})
	grant := &xmlapi.Permissions{Permission: []xmlapi.Permission{{Name: "manage_webstat", Value: "true"}}}
	plain := must[xmlapi.AddResult](t, c, xmlapi.ServicePlanAdd{Name: "Plain", Permissions: grant,
		Hosting: &xmlapi.Properties{Property: []xmlapi.Property{{Name: "webstat", Value: "webalizer"}}}})[0]
	must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "nocomp.example", IPAddress: "192.0.2.10"}, PlanGUID: plain.GUID})
	w := getWebspace(t, c, "nocomp.example")
	if _, s, _ := flags(w); s != "true" || hostingOf(w, "webstat") != "webalizer" {
		t.Errorf("nocomp.example: synchronized %s, webstat %q; want true and its plan's webalizer (awstats is not installed)", s, hostingOf(w, "webstat"))
	}
	// A reseller that does not hold manage_webstat: its subscription's
	// plan value (awstats, not installed) is asked for, not the
	// subscriber's.
	rp := must[xmlapi.ResellerPlanData](t, c, xmlapi.ResellerPlanAdd{Name: "R", Permissions: &xmlapi.Permissions{Permission: []xmlapi.Permission{{Name: "manage_phosting", Value: "true"}}}})[0]
	must[xmlapi.AddResult](t, c, xmlapi.ResellerAdd{GenInfo: xmlapi.ResellerInfo{Name: "Acme", Login: "acme", Password: "Acme-pass-1"}, PlanGUID: rp.GUID})
	stats := must[xmlapi.AddResult](t, c, xmlapi.ServicePlanAdd{Name: "Stats", Owner: xmlapi.Owner{OwnerLogin: "acme"}, Permissions: grant,
		Hosting: &xmlapi.Properties{Property: []xmlapi.Property{{Name: "webstat", Value: "awstats"}}}})[0]
	must[xmlapi.AddResult](t, c, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "held.example", OwnerLogin: "acme", IPAddress: "192.0.2.10"}, PlanGUID: stats.GUID})
	res := must[xmlapi.FilterResult](t, c, xmlapi.WebspaceSync{Filter: xmlapi.WebspaceFilter{Name: []string{"held.example"}}})
	if !strings.Contains(res[0].Problems, "component awstats") || !strings.Contains(res[0].Problems, "manage_webstat") {
		t.Errorf("held.example sync problems %q, want the plan's awstats and the permission acme does not hold", res[0].Problems)
	}
}
