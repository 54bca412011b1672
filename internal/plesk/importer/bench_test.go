package importer

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// bigServer is an emulated server with n subscriptions over n/10
// customers on three plans, every tenth customised (locked), every fifth
// with an add-on.
func bigServer(n int) *fake.State {
	st := fake.NewState()
	plan := func(name string, addon bool, disk string) *fake.Plan {
		id := st.NextID
		st.NextID++
		p := &fake.Plan{ID: id, GUID: fmt.Sprintf("f4ce0000-0000-4000-8000-%012d", id), Name: name, Addon: addon, OwnerID: fake.AdminID,
			Values: mapping.Values{Limits: map[string]string{"disk_space": disk, "max_site": "5"}, Permissions: map[string]string{"manage_phosting": "true"},
				Hosting: map[string]string{"ssl": "true"}}}
		st.Plans = append(st.Plans, p)
		return p
	}
	plans := []*fake.Plan{plan("S", false, "1073741824"), plan("M", false, "5368709120"), plan("L", false, "10737418240")}
	extra := plan("Extra", true, "1073741824")
	for c := 0; c < n/10; c++ {
		id := st.NextID
		st.NextID++
		st.Accounts = append(st.Accounts, &fake.Account{ID: id, GUID: fmt.Sprintf("f4ce0000-0000-4000-8000-%012d", id), Login: fmt.Sprintf("c%05d", c),
			OwnerID: fake.AdminID, Name: "Customer", Created: "2026-01-02"})
		for s := 0; s < 10; s++ {
			i := c*10 + s
			p := plans[i%3]
			w := &fake.Webspace{ID: st.NextID, Name: fmt.Sprintf("site%06d.example", i), OwnerID: id, IP: "192.0.2.10", PlanGUID: p.GUID,
				Values: p.Values.Clone(), Created: "2026-01-02"}
			w.GUID = fmt.Sprintf("f4ce0000-0000-4000-8000-%012d", w.ID)
			st.NextID++
			if i%5 == 0 {
				w.Addons = []string{extra.GUID}
			}
			if i%10 == 0 {
				w.Locked = true
				w.Values.Limits["max_site"] = "9"
			}
			st.Webspaces = append(st.Webspaces, w)
		}
	}
	return st
}

// BenchmarkImport reads, maps and renders a server of 10,000
// subscriptions (the recording of the state is the apply benchmarks').
func BenchmarkImport(b *testing.B) {
	for _, n := range []int{10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			srv := httptest.NewServer(fake.New(bigServer(n), fake.Options{Key: "k-bench"}))
			defer srv.Close()
			c, _ := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: "k-bench"})
			b.ReportAllocs()
			for b.Loop() {
				snap, err := Read(context.Background(), c)
				if err != nil {
					b.Fatal(err)
				}
				cfg, _ := Build(snap)
				if len(cfg.Subscriptions) != n {
					b.Fatalf("%d subscriptions", len(cfg.Subscriptions))
				}
				if _, err := Render(cfg, "yaml"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
