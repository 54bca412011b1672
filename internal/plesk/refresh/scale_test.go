package refresh

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// TestCompareDriftAtScale: a fleet whose subscriptions all drifted
// (suspended in the panel) is compared item by item with the right
// resolution: each drift item's resolutions look its object's drift and
// records up (indexes made once, not a scan of all drift and all records
// per item, which made 30,000 items take 15 s). Half of them are left out
// of the config and recorded as billing's: their resolution says so.
func TestCompareDriftAtScale(t *testing.T) {
	const n = 3000
	var b strings.Builder
	b.WriteString("service_plans:\n  - name: Basic\ncustomers:\n  - login: jane\n    name: Jane\nsubscriptions:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - domain: s%06d.example\n    customer: jane\n    plan: Basic\n    status: suspended\n", i)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "all.yaml"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, ds := config.Load(dir, config.Options{})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	st, err := fake.Seed(cfg, "", now, fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(fake.New(st, fake.Options{Key: "k"}))
	t.Cleanup(hs.Close)
	c, err := xmlapi.New(xmlapi.Config{URL: hs.URL, Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	srv := read(t, c)
	rec := copyOf(t, srv.Records)
	for i := range rec.Subscriptions {
		s := &rec.Subscriptions[i]
		s.Status = "active"
		if strings.HasSuffix(s.Domain, "1.example") {
			s.ManagedBy = plan.ManagedByBilling
			delete(cfg.Subscriptions, s.Domain)
		}
	}
	r := Compare(rec, cfg, srv, Options{})
	if len(r.Drift) != n {
		t.Fatalf("%d drift items, want %d", len(r.Drift), n)
	}
	for _, d := range r.Drift {
		billing := strings.Contains(d.Revert, "billing")
		if want := strings.HasSuffix(d.Key, "1.example"); billing != want {
			t.Fatalf("subscription %s: revert %q (billing's: %v)", d.Key, d.Revert, want)
		}
		if !billing && d.Adopt == "" {
			t.Fatalf("subscription %s: no adopt block", d.Key)
		}
	}
}
