package fake_test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/plesktest"
)

// send posts a raw packet with the test key and checks the answer against
// Plesk's output schema.
func send(t *testing.T, f *fake.Server, packet string) string {
	t.Helper()
	h := http.Header{}
	h.Set("KEY", testKey)
	out := f.Handle(h, []byte(packet))
	plesktest.Validate(t, true, "answer", out)
	return string(out)
}

func contains(t *testing.T, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("answer lacks %q:\n%s", w, got)
		}
	}
}

// Packets shaped as billing systems and Plesk's libraries send them:
// older protocol versions, owner-id, external-id, gen_setup in another
// order, plan-name, FTP credentials in hosting, add-ons by GUID.
func TestClientPacketsOfOtherVersions(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey})
	out := send(t, f, `<?xml version="1.0" encoding="UTF-8"?>
<packet version="1.6.3.5"><service-plan><add><name>Hosting S</name><limits><overuse>block</overuse><limit><name>max_site</name><value>1</value></limit></limits></add></service-plan>
<service-plan-addon><add><name>More mail</name><limits><limit><name>max_site</name><value>2</value></limit></limits></add></service-plan-addon></packet>`)
	contains(t, out, `version="1.6.3.5"`, "<status>ok</status><id>2</id><guid>f4ce0000-0000-4000-8000-000000000002</guid>", "<id>3</id>")
	out = send(t, f, `<packet version="1.6.3.0"><customer><add><gen_info>
<cname>Billing Co</cname><pname>Bob Billing</pname><login>bob</login><passwd>Bob-pass-1</passwd><status>0</status>
<phone>555</phone><email>bob@example.com</email><address>1 Road</address><city>Town</city><state>ST</state><pcode>12345</pcode><country>US</country>
<owner-id>1</owner-id><external-id>whmcs-42</external-id></gen_info></add></customer></packet>`)
	contains(t, out, "<status>ok</status><id>4</id>")
	out = send(t, f, `<packet version="1.6.3.2"><webspace><add>
<gen_setup><htype>vrt_hst</htype><name>billing.example</name><owner-id>4</owner-id><status>0</status><ip_address>192.0.2.10</ip_address></gen_setup>
<hosting><vrt_hst><property><name>ftp_login</name><value>bobftp</value></property><property><name>ftp_password</name><value>Ftp-pass-9</value></property><ip_address>192.0.2.10</ip_address></vrt_hst></hosting>
<prefs><www>true</www></prefs><plan-name>Hosting S</plan-name></add></webspace></packet>`)
	contains(t, out, "<status>ok</status><id>5</id>")
	out = send(t, f, `<packet version="1.6.6.0"><webspace><add-subscription><filter><name>billing.example</name></filter><plan-guid>f4ce0000-0000-4000-8000-000000000003</plan-guid></add-subscription></webspace>
<webspace><switch-subscription><filter><name>billing.example</name></filter><plan-guid>f4ce0000-0000-4000-8000-000000000002</plan-guid></switch-subscription></webspace>
<customer><get><filter><external-id>whmcs-42</external-id></filter><dataset><gen_info/></dataset></get></customer>
<webspace><get><filter><owner-login>bob</owner-login></filter><dataset><gen_info/><hosting/><limits/><subscriptions/></dataset></get></webspace></packet>`)
	contains(t, out, "<filter-id>billing.example</filter-id>", "<external-id>whmcs-42</external-id>",
		"<plan-guid>f4ce0000-0000-4000-8000-000000000002</plan-guid></plan><plan><plan-guid>f4ce0000-0000-4000-8000-000000000003</plan-guid>",
		"<name>max_site</name><value>3</value>", "<state>ST</state><pcode>12345</pcode>", "<name>ftp_login</name><value>bobftp</value>")
	if strings.Contains(out, "Ftp-pass-9") {
		t.Error("webspace get returns the FTP password")
	}
}

func TestMalformedPackets(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey, AdminPassword: "Admin-pass-1"})
	for _, c := range []struct {
		name, packet, want string
	}{
		{"not xml", "this is not xml <", "<errcode>1014</errcode>"},
		{"wrong root", "<request/>", "<errcode>1014</errcode>"},
		{"old version", `<packet version="1.5.2.0"><server><get><components/></get></server></packet>`, "<errcode>1005</errcode>"},
		{"future version", `<packet version="1.7.0.0"><server><get><components/></get></server></packet>`, "<errcode>1005</errcode>"},
		{"out of order", `<packet version="1.6.9.1"><service-plan><add><name>X</name><limits/><mail/></add></service-plan></packet>`, "out of order"},
		{"unknown element", `<packet version="1.6.9.1"><service-plan><add><name>X</name><colour>red</colour></add></service-plan></packet>`, "<errcode>1014</errcode>"},
		{"missing filter", `<packet version="1.6.9.1"><webspace><get><dataset><gen_info/></dataset></get></webspace></packet>`, `element &#34;filter&#34; is missing`},
		{"set hosting shaped as add", `<packet version="1.6.9.1"><service-plan><set><filter/><hosting><property><name>ssl</name><value>true</value></property></hosting></set></service-plan></packet>`, "expected: vrt_hst"},
		{"add hosting shaped as set", `<packet version="1.6.9.1"><service-plan><add><name>X</name><hosting><vrt_hst/></hosting></add></service-plan></packet>`, "expected: property"},
		{"limit not a number", `<packet version="1.6.9.1"><service-plan><add><name>X</name><limits><limit><name>max_site</name><value>lots</value></limit></limits></add></service-plan></packet>`, "type long"},
		{"filter of two kinds", `<packet version="1.6.9.1"><customer><get><filter><login>bob</login><id>4</id></filter><dataset><gen_info/></dataset></get></customer></packet>`, `element &#34;id&#34; is not expected`},
		{"plan filter of two kinds", `<packet version="1.6.9.1"><service-plan><get><filter><name>X</name><guid>f4ce0000-0000-4000-8000-000000000002</guid></filter></get></service-plan></packet>`, `element &#34;guid&#34; is not expected`},
		{"set values out of order", `<packet version="1.6.9.1"><webspace><set><filter><name>a.example</name></filter><values><limits><limit><name>max_box</name><value>9</value></limit></limits><gen_setup><status>0</status></gen_setup></values></set></webspace></packet>`, "webspace/set/values: element &#34;gen_setup&#34; is out of order"},
		{"set values unknown", `<packet version="1.6.9.1"><webspace><set><filter><name>a.example</name></filter><values><colour>red</colour></values></set></webspace></packet>`, "webspace/set/values: element &#34;colour&#34; is not expected"},
		{"customer gen_info out of order", `<packet version="1.6.9.1"><customer><set><filter><login>bob</login></filter><values><gen_info><status>16</status><pname>Bob</pname></gen_info></values></set></customer></packet>`, "customer/set/values/gen_info: element &#34;pname&#34; is out of order"},
		{"reseller values out of order", `<packet version="1.6.9.1"><reseller><set><filter><login>r</login></filter><values><limits/><gen-info><pname>R</pname></gen-info></values></set></reseller></packet>`, "reseller/set/values: element &#34;gen-info&#34; is out of order"},
		{"unknown operator", `<packet version="1.6.9.1"><plan-item><get><filter><all/></filter></get></plan-item></packet>`, "<errcode>1014</errcode>"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := send(t, f, c.packet)
			contains(t, out, "<system><status>error</status>", c.want)
		})
	}
	for _, h := range []http.Header{{"Key": {"wrong"}}, {"Http_auth_login": {"admin"}, "Http_auth_passwd": {"nope"}}, {}} {
		out := string(f.Handle(h, []byte(`<packet version="1.6.9.1"><server><get><components/></get></server></packet>`)))
		contains(t, out, "<errcode>1001</errcode>")
	}
	h := http.Header{}
	h.Set("HTTP_AUTH_LOGIN", "admin")
	h.Set("HTTP_AUTH_PASSWD", "Admin-pass-1")
	contains(t, string(f.Handle(h, []byte(`<packet version="1.6.9.1"><server><get><components/></get></server></packet>`))), "<component><name>")
	if len(f.State().Plans) != 0 {
		t.Error("a refused packet changed the server")
	}
}

func TestDataFileSavedOnWrite(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plesk.json")
	f := fake.New(nil, fake.Options{Key: testKey, DataFile: file})
	send(t, f, `<packet version="1.6.9.1"><service-plan><get><filter/><owner-all/></get></service-plan></packet>`)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("a read wrote the data file (%v)", err)
	}
	send(t, f, `<packet version="1.6.9.1"><service-plan><add><name>Kept</name></add></service-plan></packet>`)
	st, err := fake.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Plans) != 1 || st.Plans[0].Name != "Kept" {
		t.Fatalf("data file holds %+v", st.Plans)
	}
	again := fake.New(st, fake.Options{Key: testKey, DataFile: file})
	out := send(t, again, `<packet version="1.6.9.1"><service-plan><add><name>Next</name></add></service-plan></packet>`)
	contains(t, out, "<id>3</id>")
	entries, _ := os.ReadDir(filepath.Dir(file))
	if len(entries) != 1 {
		t.Errorf("data directory holds %d entries, want only the data file", len(entries))
	}
}

// The descriptor operations of SPEC 6.2, as Plesk's own PHP client sends
// them (webspace get-permission-descriptor with an empty filter, …).
func TestDescriptors(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey})
	out := send(t, f, `<?xml version='1.0' encoding='UTF-8' ?><packet><webspace><get-permission-descriptor><filter/></get-permission-descriptor></webspace></packet>`)
	contains(t, out, "<webspace><get-permission-descriptor><result><status>ok</status><descriptor><property><name>",
		"<name>manage_phosting</name><type>bool</type>", "<name>manage_sh_access</name>")
	out = send(t, f, `<packet version="1.6.9.1"><webspace><get-limit-descriptor><filter/></get-limit-descriptor></webspace>
<service-plan><get-limit-descriptor><filter/></get-limit-descriptor></service-plan>
<service-plan-addon><get-permission-descriptor><filter/></get-permission-descriptor></service-plan-addon>
<reseller-plan><get-limit-descriptor/></reseller-plan>
<reseller><get-permission-descriptor><filter><all/></filter></get-permission-descriptor></reseller></packet>`)
	contains(t, out, "<webspace><get-limit-descriptor><result><status>ok</status><descriptor>",
		"<name>disk_space</name><type>int</type>", "<name>max_site</name>", "<name>mbox_quota</name>",
		"<service-plan><get-limit-descriptor><result><status>ok</status>",
		"<service-plan-addon><get-permission-descriptor><result><status>ok</status>",
		"<reseller-plan><get-limit-descriptor><result><status>ok</status>", "<name>max_cl</name>", "<name>max_dom</name>",
		"<reseller><get-permission-descriptor><result><status>ok</status>", "<name>create_clients</name>")
	if strings.Contains(out, "<errcode>") {
		t.Errorf("a descriptor operation failed:\n%s", out)
	}
}

// A service plan's preferences that plansync does not model (stat,
// maillists), as Plesk's PHP client sends them, are kept and answered,
// and a later set of another preference leaves them as they are.
func TestPlanPreferencesKept(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey})
	send(t, f, `<?xml version='1.0' encoding='UTF-8' ?><packet><service-plan><add><name>Complex Service Plan</name><limits><overuse>block</overuse><limit><name>disk_space</name><value>1073741824</value></limit></limits><preferences><stat>6</stat><maillists>true</maillists></preferences><hosting><property><name>ftp_quota</name><value>-1</value></property><property><name>ssl</name><value>true</value></property></hosting></add></service-plan></packet>`)
	send(t, f, `<packet version="1.6.9.1"><service-plan><set><filter><name>Complex Service Plan</name></filter><preferences><dns_zone_type>slave</dns_zone_type></preferences></set></service-plan></packet>`)
	out := send(t, f, `<packet version="1.6.9.1"><service-plan><get><filter><name>Complex Service Plan</name></filter></get></service-plan></packet>`)
	contains(t, out, "<preferences><stat>6</stat><maillists>true</maillists><dns_zone_type>slave</dns_zone_type></preferences>")
}

// A reseller plan's filter holds a key (id, name, guid, external-id or
// all): Plesk's schema refuses an empty one, so a get, set or del with it
// is refused as a whole (1014) and changes no plan.
func TestResellerPlanFilterNeedsKey(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey})
	send(t, f, `<packet version="1.6.9.1"><reseller-plan><add><name>Gold</name></add></reseller-plan><reseller-plan><add><name>Silver</name></add></reseller-plan></packet>`)
	for _, op := range []string{
		`<get><filter/><limits/></get>`,
		`<set><filter/><limits><limit><name>max_cl</name><value>1</value></limit></limits></set>`,
		`<del><filter/></del>`,
	} {
		out := send(t, f, `<packet version="1.6.9.1"><reseller-plan>`+op+`</reseller-plan></packet>`)
		contains(t, out, "<system><status>error</status><errcode>1014</errcode>", "reseller-plan/")
	}
	if n := len(f.State().ResellerPlans); n != 2 {
		t.Fatalf("the server holds %d reseller plans, want the 2 added", n)
	}
	out := send(t, f, `<packet version="1.6.9.1"><reseller-plan><get><filter><all/></filter></get></reseller-plan></packet>`)
	contains(t, out, "<name>Gold</name>", "<name>Silver</name>")
}

// Plesk refuses a customer's or reseller's login that does not start
// with a letter or a digit, or that holds a space (1019), on add and on a
// rename; a login it accepts (with '.', '_', '-' or '@') is kept.
func TestLoginsPleskRefuses(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey})
	for _, login := range []string{"bad login", "-dash", ".dot", "_under"} {
		out := send(t, f, `<packet version="1.6.9.1"><customer><add><gen_info><pname>P</pname><login>`+login+`</login><passwd>Pass-word-1</passwd></gen_info></add></customer>
<reseller><add><gen-info><pname>R</pname><login>`+login+`</login><passwd>Pass-word-1</passwd></gen-info></add></reseller></packet>`)
		if strings.Count(out, "<errcode>1019</errcode>") != 2 {
			t.Errorf("login %q: want 1019 for the customer and the reseller:\n%s", login, out)
		}
	}
	if n := len(f.State().Accounts); n != 0 {
		t.Fatalf("the server holds %d accounts, want none", n)
	}
	out := send(t, f, `<packet version="1.6.9.1"><customer><add><gen_info><pname>P</pname><login>j.doe_1-x@example.com</login><passwd>Pass-word-1</passwd></gen_info></add></customer></packet>`)
	contains(t, out, "<status>ok</status>")
	out = send(t, f, `<packet version="1.6.9.1"><customer><set><filter><login>j.doe_1-x@example.com</login></filter><values><gen_info><login>j doe</login></gen_info></values></set></customer></packet>`)
	contains(t, out, "<errcode>1019</errcode>")
	out = send(t, f, `<packet version="1.6.9.1"><customer><get><filter><login>j.doe_1-x@example.com</login></filter><dataset><gen_info/></dataset></get></customer></packet>`)
	contains(t, out, "<status>ok</status>")
}

// Packets Plesk's schema refuses (checked with xmllint when
// PLANSYNC_PLESK_XSD names the schemas) are refused as a whole with 1014
// and change nothing: an element given twice where the schema takes one,
// two alternatives of one choice, a missing password in an add, name and
// value out of order, a reseller's gen-info or limits or a plan's
// preferences out of order.
func TestSchemaRefusesShapes(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey})
	send(t, f, `<packet version="1.6.9.1"><service-plan><add><name>Base</name></add></service-plan>
<customer><add><gen_info><pname>Bob</pname><login>bob</login><passwd>Bob-pass-1</passwd></gen_info></add></customer></packet>`)
	send(t, f, `<packet version="1.6.9.1"><webspace><add><gen_setup><name>bob.example</name><owner-login>bob</owner-login><ip_address>192.0.2.10</ip_address></gen_setup><plan-name>Base</plan-name></add></webspace></packet>`)
	before, err := json.Marshal(f.State())
	if err != nil {
		t.Fatal(err)
	}
	dir := plesktest.SchemaDir(t)
	for _, c := range []struct{ name, op string }{
		{"switch to a plan and to none", `<webspace><switch-subscription><filter><name>bob.example</name></filter><plan-guid>f4ce0000-0000-4000-8000-000000000002</plan-guid><no-plan/></switch-subscription></webspace>`},
		{"two plans in an add", `<webspace><add><gen_setup><name>two.example</name><owner-login>bob</owner-login><ip_address>192.0.2.10</ip_address></gen_setup><plan-name>Base</plan-name><plan-guid>f4ce0000-0000-4000-8000-000000000002</plan-guid></add></webspace>`},
		{"name twice", `<service-plan><add><name>A</name><name>B</name></add></service-plan>`},
		{"two owners", `<service-plan><add><name>C</name><owner-id>1</owner-id><owner-login>admin</owner-login></add></service-plan>`},
		{"customer without password", `<customer><add><gen_info><pname>P</pname><login>nopw</login></gen_info></add></customer>`},
		{"reseller without password", `<reseller><add><gen-info><pname>P</pname><login>nopw</login></gen-info></add></reseller>`},
		{"reseller gen-info out of order", `<reseller><add><gen-info><login>rord</login><pname>P</pname><passwd>Pass-word-1</passwd></gen-info></add></reseller>`},
		{"permission value before name", `<service-plan><add><name>D</name><permissions><permission><value>true</value><name>manage_dns</name></permission></permissions></add></service-plan>`},
		{"php setting value before name", `<webspace><set><filter><name>bob.example</name></filter><values><php-settings><setting><value>1</value><name>x</name></setting></php-settings></values></set></webspace>`},
		{"hosting property without value", `<webspace><set><filter><name>bob.example</name></filter><values><hosting><vrt_hst><property><name>ssl</name></property></vrt_hst></hosting></values></set></webspace>`},
		{"reseller plan overuse outside resource-policy", `<reseller-plan><add><name>RP</name><limits><overuse>block</overuse></limits></add></reseller-plan>`},
		{"plan preferences out of order", `<service-plan><add><name>E</name><preferences><dns_zone_type>master</dns_zone_type><stat>3</stat></preferences></add></service-plan>`},
		{"dataset twice", `<webspace><get><filter/><dataset><gen_info/><limits/><gen_info/></dataset></get></webspace>`},
		{"all twice", `<reseller><get><filter><all/><all/></filter><dataset><gen-info/></dataset></get></reseller>`},
		{"plan item without name", `<webspace><add-plan-item><filter><name>bob.example</name></filter><plan-item/></add-plan-item></webspace>`},
		{"plan item with two names", `<service-plan><add-plan-item><filter><name>Base</name></filter><plan-item><name>a</name><name>b</name></plan-item></add-plan-item></service-plan>`},
		{"empty hosting", `<webspace><set><filter><name>bob.example</name></filter><values><hosting/></values></set></webspace>`},
		{"vrt_hst twice", `<webspace><set><filter><name>bob.example</name></filter><values><hosting><vrt_hst><property><name>ssl</name><value>true</value></property></vrt_hst><vrt_hst/></hosting></values></set></webspace>`},
		{"customer filter of all", `<customer><set><filter><all/></filter><values><gen_info><pname>Everyone</pname></gen_info></values></set></customer>`},
		{"plan filter of an owner", `<service-plan><get><filter><owner-login>admin</owner-login></filter></get></service-plan>`},
		{"add-on filter of a login", `<service-plan-addon><del><filter><login>admin</login></filter></del></service-plan-addon>`},
		{"reseller filter of an owner", `<reseller><get><filter><owner-id>1</owner-id></filter><dataset><gen-info/></dataset></get></reseller>`},
		{"reseller plan filter of a login", `<reseller-plan><del><filter><login>admin</login></filter></del></reseller-plan>`},
		{"subscription filter of a login", `<webspace><del><filter><login>bob</login></filter></del></webspace>`},
		{"id not a number", `<webspace><del><filter><id>bob.example</id></filter></del></webspace>`},
		{"id zero", `<customer><del><filter><id>0</id></filter></del></customer>`},
		{"owner id not a number", `<webspace><get><filter><owner-id>bob</owner-id></filter><dataset><gen_info/></dataset></get></webspace>`},
		{"www not a boolean", `<webspace><set><filter><name>bob.example</name></filter><values><prefs><www>maybe</www></prefs></values></set></webspace>`},
		{"statistics kept a negative time", `<webspace><set><filter><name>bob.example</name></filter><values><prefs><stat_ttl>-1</stat_ttl></prefs></values></set></webspace>`},
		{"bandwidth not a number", `<webspace><set><filter><name>bob.example</name></filter><values><performance><bandwidth>fast</bandwidth></performance></values></set></webspace>`},
		{"connections not a whole number", `<service-plan><add><name>F</name><performance><max_connections>1.5</max_connections></performance></add></service-plan>`},
		{"addresses to allocate not a number", `<reseller-plan><add><name>RP2</name><ip-pool><allocate-ip>some</allocate-ip></ip-pool></add></reseller-plan>`},
		{"unknown in an add's gen_setup", `<webspace><add><gen_setup><name>u.example</name><ip_address>192.0.2.10</ip_address><colour>red</colour></gen_setup></add></webspace>`},
		{"unknown in a set's gen_setup", `<webspace><set><filter><name>bob.example</name></filter><values><gen_setup><colour>red</colour></gen_setup></values></set></webspace>`},
		{"unknown in prefs", `<webspace><set><filter><name>bob.example</name></filter><values><prefs><www>true</www><colour>red</colour></prefs></values></set></webspace>`},
		{"prefs twice", `<webspace><add><gen_setup><name>u.example</name><ip_address>192.0.2.10</ip_address></gen_setup><prefs><www>true</www><www>false</www></prefs></add></webspace>`},
		{"performance out of order", `<webspace><add><gen_setup><name>u.example</name><ip_address>192.0.2.10</ip_address></gen_setup><performance><max_connections>5</max_connections><bandwidth>5</bandwidth></performance></add></webspace>`},
		{"unknown in a plan's performance", `<service-plan-addon><add><name>G</name><performance><colour>1</colour></performance></add></service-plan-addon>`},
		{"unknown in a plan's mail", `<service-plan><add><name>G</name><mail><colour>red</colour></mail></add></service-plan>`},
		{"plan's mail out of order", `<service-plan><set><filter><name>Base</name></filter><mail><mailservice>true</mailservice><webmail>none</webmail></mail></set></service-plan>`},
		{"unknown in a reseller plan's ip-pool", `<reseller-plan><add><name>RP3</name><ip-pool><colour>red</colour></ip-pool></add></reseller-plan>`},
		{"ip address before properties", `<webspace><set><filter><name>bob.example</name></filter><values><hosting><vrt_hst><ip_address>192.0.2.10</ip_address><property><name>ssl</name><value>true</value></property></vrt_hst></hosting></values></set></webspace>`},
		// Add-on plans have no mail or preferences element and no
		// overuse in their limits; their add and set take
		// hosting/property, not hosting/vrt_hst (domain_addon_template.xsd).
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
	// What the schema takes is still taken: limits, permissions and IP
	// addresses repeated, a reseller's limits in order.
	out := send(t, f, `<packet version="1.6.9.1"><service-plan><set><filter><name>Base</name></filter><limits><limit><name>max_site</name><value>2</value></limit><limit><name>max_db</name><value>3</value></limit></limits><permissions><permission><name>manage_dns</name><value>true</value></permission><permission><name>manage_crontab</name><value>false</value></permission></permissions></set></service-plan>
<reseller-plan><add><name>RP</name><limits><resource-policy><oversell>false</oversell><overuse>block</overuse></resource-policy><limit><name>max_cl</name><value>5</value></limit><limit><name>max_dom</name><value>9</value></limit></limits></add></reseller-plan>
<reseller><add><gen-info><cname>Co</cname><pname>R</pname><login>rr</login><passwd>Pass-word-1</passwd><status>0</status><email>r@example.com</email><power-user>false</power-user></gen-info><plan-name>RP</plan-name></add></reseller>
<customer><change-owner><filter><login>bob</login></filter><new-owner-login>rr</new-owner-login><ipV4-address>192.0.2.10</ipV4-address><ipV4-address>192.0.2.10</ipV4-address></change-owner></customer></packet>`)
	if strings.Count(out, "<status>ok</status>") != 4 {
		t.Errorf("want 4 results ok:\n%s", out)
	}
}

// A packet that starts with a UTF-8 byte order mark (an editor's file
// posted as it is) is well-formed XML, which Plesk's parser takes.
func TestPacketWithByteOrderMark(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey})
	out := send(t, f, "\xef\xbb\xbf"+`<?xml version="1.0" encoding="UTF-8"?>
<packet version="1.6.9.1"><service-plan><add><name>Marked</name></add></service-plan></packet>`)
	contains(t, out, "<service-plan><add><result><status>ok</status>")
}
