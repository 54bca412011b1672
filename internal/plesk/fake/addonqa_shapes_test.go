package fake_test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/plesktest"
)

// TestSchemaRefusesAddonShapes: an add-on plan's packet in a shape
// Plesk's schema (domain_addon_template.xsd) does not take is refused as
// a whole with 1014 and changes nothing (SPEC §6.6): add-on plans have
// no mail or preferences element and no overuse in their limits, and
// their add and set take hosting/property, not hosting/vrt_hst.
func TestSchemaRefusesAddonShapes(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey})
	send(t, f, `<packet version="1.6.9.1"><service-plan-addon><add><name>X</name></add></service-plan-addon></packet>`)
	before, err := json.Marshal(f.State())
	if err != nil {
		t.Fatal(err)
	}
	dir := plesktest.SchemaDir(t)
	for _, c := range []struct{ name, op string }{
		{"add-on add with mail", `<service-plan-addon><add><name>M</name><mail><mailservice>true</mailservice></mail></add></service-plan-addon>`},
		{"add-on set with mail", `<service-plan-addon><set><filter><name>X</name></filter><mail><mailservice>true</mailservice></mail></set></service-plan-addon>`},
		{"add-on add with preferences", `<service-plan-addon><add><name>P</name><preferences><dns_zone_type>slave</dns_zone_type></preferences></add></service-plan-addon>`},
		{"add-on add with overuse", `<service-plan-addon><add><name>O</name><limits><overuse>block</overuse></limits></add></service-plan-addon>`},
		{"add-on set with overuse", `<service-plan-addon><set><filter><name>X</name></filter><limits><overuse>notify</overuse><limit><name>max_db</name><value>2</value></limit></limits></set></service-plan-addon>`},
		{"add-on add with vrt_hst", `<service-plan-addon><add><name>V</name><hosting><vrt_hst><property><name>ssl</name><value>true</value></property></vrt_hst></hosting></add></service-plan-addon>`},
		{"add-on set with vrt_hst", `<service-plan-addon><set><filter><name>X</name></filter><hosting><vrt_hst><property><name>ssl</name><value>true</value></property></vrt_hst></hosting></set></service-plan-addon>`},
		{"add-on add with plan items", `<service-plan-addon><add-plan-item><filter><name>X</name></filter><plan-item><name>a</name></plan-item></add-plan-item></service-plan-addon>`},
	} {
		t.Run(c.name, func(t *testing.T) {
			packet := `<packet version="1.6.9.1">` + c.op + `</packet>`
			if dir != "" {
				cmd := exec.Command("xmllint", "--noout", "--schema", filepath.Join(dir, "agent_input.xsd"), "-")
				cmd.Stdin = strings.NewReader(packet)
				if err := cmd.Run(); err == nil {
					t.Fatalf("Plesk's schema takes the packet: the case is wrong")
				}
			}
			out := send(t, f, packet)
			contains(t, out, "<system><status>error</status><errcode>1014</errcode>")
		})
	}
	after, _ := json.Marshal(f.State())
	if string(before) != string(after) {
		t.Errorf("a refused packet changed the server:\nbefore %s\nafter  %s", before, after)
	}
}
