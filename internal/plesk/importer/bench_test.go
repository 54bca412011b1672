package importer

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// BenchmarkImport reads, maps and renders a server of 10,000
// subscriptions (the recording of the state is the apply benchmarks').
func BenchmarkImport(b *testing.B) {
	for _, n := range []int{10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			srv := httptest.NewServer(fake.New(fake.Big(n), fake.Options{Key: "k-bench"}))
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
