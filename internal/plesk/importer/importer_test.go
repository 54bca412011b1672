package importer

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/config"
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
