package importer

import (
	"context"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// BuildConfig makes the config Build makes, without the notes.
func TestBuildConfigIsBuild(t *testing.T) {
	for _, example := range []string{"agency", "reseller", "mixed"} {
		snap, err := Read(context.Background(), seeded(t, example))
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := Build(snap)
		if got := BuildConfig(snap); !reflect.DeepEqual(got, cfg) {
			t.Errorf("%s: BuildConfig differs from Build", example)
		}
	}
	srv := httptest.NewServer(fake.New(fake.Big(300), fake.Options{Key: "k-build"}))
	defer srv.Close()
	c, err := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: "k-build"})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Read(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := Build(snap)
	if got := BuildConfig(snap); !reflect.DeepEqual(got, cfg) {
		t.Error("large server: BuildConfig differs from Build")
	}
}
