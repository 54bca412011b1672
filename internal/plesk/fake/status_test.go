package fake_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// Statuses are bit masks; the caller's bit is its own (Plesk: 16 by the
// administrator, 32 by a reseller). A reseller, with its own
// credentials, suspends with bit 32 and may lift its own suspension, not
// the administrator's: a subscription or customer the administrator
// suspended (16) stays suspended, the reseller's activation refused with
// 1006 (permission denied); the administrator's activation clears every
// bit.
func TestResellerCannotLiftAdminSuspension(t *testing.T) {
	f, admin := start(t, fake.Options{})
	ctx := context.Background()
	must[xmlapi.AddResult](t, admin, xmlapi.ResellerAdd{GenInfo: xmlapi.ResellerInfo{Name: "Acme", Login: "acme", Password: "Acme-pass-1"}})
	srv := httptest.NewServer(f)
	defer srv.Close()
	acme, err := xmlapi.New(xmlapi.Config{URL: srv.URL, Login: "acme", Password: "Acme-pass-1"})
	if err != nil {
		t.Fatal(err)
	}
	must[xmlapi.AddResult](t, acme, xmlapi.CustomerAdd{GenInfo: xmlapi.CustomerInfo{Name: "W", Login: "wile", Password: "Pass-word-6"}})
	must[xmlapi.AddResult](t, acme, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "wile.example", OwnerLogin: "wile", IPAddress: "192.0.2.10"}})
	// Added suspended by the reseller: its own bit.
	sixteen := xmlapi.StatusByAdmin
	must[xmlapi.AddResult](t, acme, xmlapi.CustomerAdd{GenInfo: xmlapi.CustomerInfo{Name: "R", Login: "road", Password: "Pass-word-7", Status: &sixteen}})
	must[xmlapi.AddResult](t, acme, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "road.example", OwnerLogin: "road", IPAddress: "192.0.2.10", Status: "16"}})
	if got := must[xmlapi.CustomerData](t, admin, xmlapi.CustomerGet{Filter: xmlapi.CustomerFilter{Login: []string{"road"}}, Dataset: xmlapi.CustomerDataset{GenInfo: e}})[0].Data.GenInfo.Status; got != xmlapi.StatusByReseller {
		t.Errorf("customer added suspended by the reseller: status %d, want %d", got, xmlapi.StatusByReseller)
	}
	if got := must[xmlapi.WebspaceData](t, admin, xmlapi.WebspaceGet{Filter: xmlapi.WebspaceFilter{Name: []string{"road.example"}}, Dataset: xmlapi.WebspaceDataset{GenInfo: e}})[0].Data.GenInfo.Status; got != xmlapi.StatusByReseller {
		t.Errorf("subscription added suspended by the reseller: status %d, want %d", got, xmlapi.StatusByReseller)
	}
	ws := xmlapi.WebspaceFilter{Name: []string{"wile.example"}}
	cs := xmlapi.CustomerFilter{Login: []string{"wile"}}
	setWS := func(c *xmlapi.Client, n int) error {
		_, err := xmlapi.Call[xmlapi.FilterResult](ctx, c, xmlapi.WebspaceSet{Filter: ws, Values: xmlapi.WebspaceValues{GenSetup: &xmlapi.SetGenSetup{Status: &n}}})
		return err
	}
	setCust := func(c *xmlapi.Client, n int) error {
		op := xmlapi.CustomerSet{Filter: cs}
		op.Values.GenInfo = &xmlapi.CustomerSetInfo{Status: &n}
		_, err := xmlapi.Call[xmlapi.FilterResult](ctx, c, op)
		return err
	}
	wsStatus := func() int {
		t.Helper()
		return must[xmlapi.WebspaceData](t, admin, xmlapi.WebspaceGet{Filter: ws, Dataset: xmlapi.WebspaceDataset{GenInfo: e}})[0].Data.GenInfo.Status
	}
	custStatus := func() int {
		t.Helper()
		return must[xmlapi.CustomerData](t, admin, xmlapi.CustomerGet{Filter: cs, Dataset: xmlapi.CustomerDataset{GenInfo: e}})[0].Data.GenInfo.Status
	}
	for _, o := range []struct {
		what   string
		set    func(*xmlapi.Client, int) error
		status func() int
	}{{"subscription", setWS, wsStatus}, {"customer", setCust, custStatus}} {
		// Suspended by the administrator: the reseller cannot activate it.
		if err := o.set(admin, xmlapi.StatusByAdmin); err != nil {
			t.Fatalf("%s: admin suspends: %v", o.what, err)
		}
		wantCode(t, o.set(acme, 0), xmlapi.ErrPermission, "administrator")
		if got := o.status(); got != xmlapi.StatusByAdmin {
			t.Errorf("%s: after the reseller's refused activation, status %d, want %d", o.what, got, xmlapi.StatusByAdmin)
		}
		// The reseller's own suspension is bit 32, whatever it sends.
		if err := o.set(acme, xmlapi.StatusByAdmin); err != nil {
			t.Fatalf("%s: reseller suspends: %v", o.what, err)
		}
		if got := o.status(); got != xmlapi.StatusByAdmin|xmlapi.StatusByReseller {
			t.Errorf("%s: suspended by admin and reseller, status %d, want %d", o.what, got, xmlapi.StatusByAdmin|xmlapi.StatusByReseller)
		}
		// The administrator's activation clears every bit.
		if err := o.set(admin, 0); err != nil {
			t.Fatalf("%s: admin activates: %v", o.what, err)
		}
		if got := o.status(); got != 0 {
			t.Errorf("%s: activated by the admin, status %d, want 0", o.what, got)
		}
		// Suspended by the reseller alone: the reseller lifts it.
		if err := o.set(acme, xmlapi.StatusByAdmin); err != nil {
			t.Fatalf("%s: reseller suspends: %v", o.what, err)
		}
		if got := o.status(); got != xmlapi.StatusByReseller {
			t.Errorf("%s: suspended by the reseller, status %d, want %d", o.what, got, xmlapi.StatusByReseller)
		}
		if err := o.set(acme, 0); err != nil {
			t.Fatalf("%s: reseller activates its own suspension: %v", o.what, err)
		}
		if got := o.status(); got != 0 {
			t.Errorf("%s: activated by the reseller, status %d, want 0", o.what, got)
		}
	}
}
