package fake_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/plesktest"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// The emulator seeded from the bundled example holds what the config
// says, as read back through the client.
func TestSeedFromExample(t *testing.T) {
	cfg, diags := config.Load(filepath.Join("..", "..", "..", "examples", "agency"), config.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	st, err := fake.Seed(cfg, "203.0.113.5", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake.New(st, fake.Options{Key: testKey}))
	defer srv.Close()
	trace := t.TempDir()
	c, _ := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: testKey, TraceDir: trace})
	replies, err := c.Do(context.Background(), xmlapi.ServicePlanGet{OwnerAll: e}, xmlapi.AddonPlanGet{OwnerAll: e},
		xmlapi.ResellerPlanGet{Filter: xmlapi.ResellerPlanFilter{All: e}, Limits: e, Permissions: e},
		xmlapi.ResellerGet{Filter: xmlapi.ResellerFilter{All: e}, Dataset: xmlapi.ResellerDataset{GenInfo: e, Permissions: e, Limits: e, Subscriptions: e}},
		xmlapi.CustomerGet{Dataset: xmlapi.CustomerDataset{GenInfo: e}}, xmlapi.WebspaceGet{Dataset: xmlapi.FullDataset()})
	if err != nil {
		t.Fatal(err)
	}
	plans, _ := xmlapi.Results[xmlapi.PlanData](replies[0])
	addons, _ := xmlapi.Results[xmlapi.PlanData](replies[1])
	rplans, _ := xmlapi.Results[xmlapi.ResellerPlanData](replies[2])
	resellers, _ := xmlapi.Results[xmlapi.ResellerData](replies[3])
	customers, _ := xmlapi.Results[xmlapi.CustomerData](replies[4])
	webs, _ := xmlapi.Results[xmlapi.WebspaceData](replies[5])
	if len(plans) != len(cfg.ServicePlans) || len(addons) != len(cfg.AddonPlans) || len(rplans) != len(cfg.ResellerPlans) ||
		len(resellers) != len(cfg.Resellers) || len(customers) != len(cfg.Customers) || len(webs) != len(cfg.Subscriptions) {
		t.Fatalf("server holds %d/%d/%d plans, %d resellers, %d customers, %d subscriptions; config %d/%d/%d, %d, %d, %d",
			len(plans), len(addons), len(rplans), len(resellers), len(customers), len(webs),
			len(cfg.ServicePlans), len(cfg.AddonPlans), len(cfg.ResellerPlans), len(cfg.Resellers), len(cfg.Customers), len(cfg.Subscriptions))
	}
	byGUID := map[string]*xmlapi.PlanData{}
	for _, p := range append(plans, addons...) {
		byGUID[p.GUID] = p
	}
	// Each plan's values read back equal the config's mapped values.
	for _, p := range plans {
		want := cfg.ServicePlans[model.PlanKey(p.OwnerLogin, p.Name)]
		if want == nil {
			t.Fatalf("unexpected plan %s of %s", p.Name, p.OwnerLogin)
		}
		got, _, err := mapping.ToProps(mapping.FromPlan(p))
		if err != nil {
			t.Fatal(err)
		}
		for path, v := range want.Props {
			if model.Lookup(path).Plesk.Group == model.PleskUnmapped {
				continue
			}
			if got[path] != v {
				t.Errorf("plan %s: %s = %s on the server, %s in config", want.Key(), path, got[path].Text(), v.Text())
			}
		}
	}
	locked, suspended := 0, 0
	for _, w := range webs {
		sub := cfg.Subscriptions[w.Data.GenInfo.Name]
		if sub == nil {
			t.Fatalf("unexpected subscription %s", w.Data.GenInfo.Name)
		}
		info := w.Data.Subscriptions.Subscription
		if sub.Plan == model.None {
			if info != nil {
				t.Errorf("%s: custom in config, on plans %v on the server", sub.Domain, info.Plan)
			}
			continue
		}
		if info == nil || len(info.Plan) != 1+len(sub.Addons) || byGUID[info.Plan[0].GUID].Name != sub.Plan {
			t.Errorf("%s: plans %+v, config %s + %v", sub.Domain, info, sub.Plan, sub.Addons)
			continue
		}
		if (info.Locked == "true") != (sub.Customize != nil) {
			t.Errorf("%s: locked %s, customised in config: %v", sub.Domain, info.Locked, sub.Customize != nil)
		}
		if info.Locked == "true" {
			locked++
		}
		if (w.Data.GenInfo.Status == 16) != (sub.Status == "suspended") {
			t.Errorf("%s: status %d, config %s", sub.Domain, w.Data.GenInfo.Status, sub.Status)
		}
		if w.Data.GenInfo.Status == 16 {
			suspended++
		}
		if w.Data.Hosting.VrtHst.IPAddress[0] != "203.0.113.5" {
			t.Errorf("%s: ip %v", sub.Domain, w.Data.Hosting.VrtHst.IPAddress)
		}
	}
	t.Logf("%d subscriptions, %d locked, %d suspended", len(webs), locked, suspended)
	if locked == 0 {
		t.Error("the example has customised subscriptions, none is locked on the server")
	}
	plesktest.ValidateDir(t, trace)
}

// A subscription seeded with an expiration date at or before the epoch
// holds the limit 1 (expired), as apply writes it: not a negative number
// nor -1, which the server reads as never.
func TestSeedExpiresBeforeEpoch(t *testing.T) {
	cfg, diags := config.Load(filepath.Join("..", "..", "..", "examples", "agency"), config.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for _, when := range []time.Time{time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, 0).UTC()} {
		var domain string
		for d, s := range cfg.Subscriptions {
			domain = d
			s.Expires = &when
			break
		}
		st, err := fake.Seed(cfg, "203.0.113.5", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), fake.Options{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, w := range st.Webspaces {
			if w.Name == domain {
				found = true
				if got := w.Values.Limits["expiration"]; got != "1" {
					t.Errorf("expires %s: seeded expiration limit %q, want \"1\"", when.Format(time.RFC3339), got)
				}
			}
		}
		if !found {
			t.Fatalf("%s not seeded", domain)
		}
	}
}
