package xmlapi_test

import (
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"net/http/httptest"

	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// A read of the emulator's large server decodes, by hand and made
// compact, to what encoding/xml makes of the same answer.
func TestWebspaceDecodeMatchesEncodingXML(t *testing.T) {
	const key = "k-decode-matches-encoding-xml"
	srv := httptest.NewServer(fake.New(fake.Big(500), fake.Options{Key: key}))
	defer srv.Close()
	dir := t.TempDir()
	c, err := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: key, TraceDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	got, err := xmlapi.Call[xmlapi.WebspaceData](context.Background(), c, xmlapi.WebspaceGet{Dataset: xmlapi.FullDataset()})
	if err != nil {
		t.Fatal(err)
	}
	answers, _ := filepath.Glob(filepath.Join(dir, "*-response.xml"))
	if len(answers) != 1 {
		t.Fatalf("traced answers: %v", answers)
	}
	raw, err := os.ReadFile(answers[0])
	if err != nil {
		t.Fatal(err)
	}
	var plain struct {
		Webspaces []*xmlapi.WebspaceData `xml:"webspace>get>result"`
	}
	if err := xml.Unmarshal(raw, &plain); err != nil {
		t.Fatal(err)
	}
	if len(got) != 500 || len(plain.Webspaces) != 500 {
		t.Fatalf("%d subscriptions read, %d in the answer", len(got), len(plain.Webspaces))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], plain.Webspaces[i]) {
			t.Fatalf("subscription %d differs:\n%+v\n%+v", i, *got[i].Data, *plain.Webspaces[i].Data)
		}
	}
}
