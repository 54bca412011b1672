package fake_test

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/plesk/fake"
)

// A packet whose version attribute holds characters XML escapes (a
// quote, <, &) is refused with 1005, in a well-formed answer: the
// version it echoes is escaped.
func TestVersionEchoedEscaped(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey})
	for _, v := range []string{`1.6.9.1&quot;x`, `1&lt;2`, `a&amp;b`, `1.6.9.1'`} {
		out := send(t, f, `<packet version="`+v+`"><server><get><components/></get></server></packet>`)
		var p struct {
			Version string `xml:"version,attr"`
			System  struct {
				ErrCode int `xml:"errcode"`
			} `xml:"system"`
		}
		if err := xml.Unmarshal([]byte(out), &p); err != nil {
			t.Fatalf("version %s: the answer is not XML (%v):\n%s", v, err, out)
		}
		if p.System.ErrCode != 1005 {
			t.Errorf("version %s: errcode %d, want 1005:\n%s", v, p.System.ErrCode, out)
		}
	}
}

// A billing system keys subscriptions and customers by external id: a
// webspace set of gen_setup's external-id gives the subscription its
// external id, which a filter by external-id then selects, and a filter
// by owner-external-id selects the subscriptions of the customer with
// that external id.
func TestWebspaceExternalIDs(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey})
	send(t, f, `<packet version="1.6.3.0"><customer><add><gen_info><pname>Bob</pname><login>bob</login><passwd>Bob-pass-1</passwd><external-id>whmcs-7</external-id></gen_info></add></customer></packet>`)
	send(t, f, `<packet version="1.6.3.0"><webspace><add><gen_setup><name>bob.example</name><owner-login>bob</owner-login><ip_address>192.0.2.10</ip_address></gen_setup></add></webspace>
<webspace><add><gen_setup><name>other.example</name><ip_address>192.0.2.10</ip_address></gen_setup></add></webspace></packet>`)
	for _, version := range []string{"1.6.3.0", "1.6.9.1"} {
		out := send(t, f, `<packet version="`+version+`"><webspace><get><filter><owner-external-id>whmcs-7</owner-external-id></filter><dataset><gen_info/></dataset></get></webspace></packet>`)
		contains(t, out, "<filter-id>whmcs-7</filter-id><id>3</id>", "<name>bob.example</name>")
		if strings.Contains(out, "other.example") {
			t.Errorf("a filter by owner-external-id selects another owner's subscription:\n%s", out)
		}
	}
	out := send(t, f, `<packet version="1.6.9.1"><webspace><set><filter><name>bob.example</name></filter><values><gen_setup><external-id>whmcs-svc-9</external-id></gen_setup></values></set></webspace></packet>`)
	contains(t, out, "<status>ok</status>")
	out = send(t, f, `<packet version="1.6.9.1"><webspace><get><filter><external-id>whmcs-svc-9</external-id></filter><dataset><gen_info/></dataset></get></webspace></packet>`)
	contains(t, out, "<status>ok</status><filter-id>whmcs-svc-9</filter-id><id>3</id>", "<external-id>whmcs-svc-9</external-id>")
}

// A webspace set of gen_setup's owner names the new owner by any of the
// schema's keys (owner-id, owner-login, owner-guid, owner-external-id),
// and an owner that does not exist is refused with 1015.
func TestWebspaceSetOwnerByEachKey(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey})
	send(t, f, `<packet version="1.6.9.1"><customer><add><gen_info><pname>Ann</pname><login>ann</login><passwd>Ann-pass-1</passwd><external-id>ext-ann</external-id></gen_info></add></customer>
<customer><add><gen_info><pname>Bob</pname><login>bob</login><passwd>Bob-pass-1</passwd></gen_info></add></customer></packet>`)
	send(t, f, `<packet version="1.6.9.1"><webspace><add><gen_setup><name>s.example</name><owner-login>ann</owner-login><ip_address>192.0.2.10</ip_address></gen_setup></add></webspace></packet>`)
	for _, c := range []struct{ key, owner string }{
		{"<owner-id>3</owner-id>", "bob"},
		{"<owner-external-id>ext-ann</owner-external-id>", "ann"},
		{"<owner-guid>f4ce0000-0000-4000-8000-000000000003</owner-guid>", "bob"},
		{"<owner-login>ann</owner-login>", "ann"},
	} {
		out := send(t, f, `<packet version="1.6.9.1"><webspace><set><filter><name>s.example</name></filter><values><gen_setup>`+c.key+`</gen_setup></values></set></webspace>
<webspace><get><filter><name>s.example</name></filter><dataset><gen_info/></dataset></get></webspace></packet>`)
		contains(t, out, "<set><result><status>ok</status>", "<owner-login>"+c.owner+"</owner-login>")
	}
	for _, key := range []string{"<owner-id>99</owner-id>", "<owner-guid>nobody</owner-guid>", "<owner-external-id>nobody</owner-external-id>", "<owner-login>nobody</owner-login>"} {
		out := send(t, f, `<packet version="1.6.9.1"><webspace><set><filter><name>s.example</name></filter><values><gen_setup>`+key+`</gen_setup></values></set></webspace></packet>`)
		contains(t, out, "<errcode>1015</errcode>")
	}
}

// A client's first packets: the protocol versions the server speaks
// (server get_protos, which a billing system asks before choosing its
// version) and the server's general info.
func TestServerProtosAndGenInfo(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey})
	out := send(t, f, `<packet version="1.6.3.0"><server><get_protos/></server></packet>`)
	contains(t, out, "<server><get_protos><result><status>ok</status><protos><proto>1.6.3.0</proto>", "<proto>1.6.8.0</proto>", "<proto>1.6.9.1</proto></protos></result></get_protos></server>")
	out = send(t, f, `<packet><server><get><gen_info/><components/></get></server></packet>`)
	contains(t, out, "<server><get><result><status>ok</status><gen_info><server_name>", "</server_name><server_guid>", "<mode>standard</mode></gen_info><components>")
	out = send(t, f, `<packet version="1.6.9.1"><server><get_protos><all/></get_protos></server></packet>`)
	contains(t, out, "<system><status>error</status><errcode>1014</errcode>")
}

// The addresses a client creates subscriptions on come from ip get, which
// Plesk's clients ask before a webspace add: every address of the
// server, shared.
func TestIPGet(t *testing.T) {
	st := fake.NewState()
	st.IPs = []string{"192.0.2.10", "2001:db8::10"}
	f := fake.New(st, fake.Options{Key: testKey})
	for _, version := range []string{"1.6.3.2", "1.6.9.1"} {
		out := send(t, f, `<packet version="`+version+`"><ip><get/></ip></packet>`)
		contains(t, out, "<ip><get><result><status>ok</status><addresses><ip_info><ip_address>192.0.2.10</ip_address>",
			"<type>shared</type>", "<ip_address>2001:db8::10</ip_address>", "</ip_info></addresses></result></get></ip>")
	}
}

// A reseller plan keeps the IP pool an add or set gives it (addresses,
// how many to allocate) and answers it to a get that asks for ip-pool;
// a set of its external-id keeps that too.
func TestResellerPlanIPPoolAndExternalID(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey})
	send(t, f, `<packet version="1.6.3.0"><reseller-plan><add><name>Gold</name><ip-pool><ip-address>192.0.2.10</ip-address><allocate-ip>1</allocate-ip></ip-pool></add></reseller-plan>
<reseller-plan><add><name>Plain</name></add></reseller-plan></packet>`)
	out := send(t, f, `<packet version="1.6.9.1"><reseller-plan><get><filter><all/></filter><ip-pool/></get></reseller-plan></packet>`)
	contains(t, out, "<name>Gold</name><guid>f4ce0000-0000-4000-8000-000000000002</guid><ip-pool><ip-address>192.0.2.10</ip-address><allocate-ip>1</allocate-ip></ip-pool></result>",
		"<name>Plain</name><guid>f4ce0000-0000-4000-8000-000000000003</guid><ip-pool></ip-pool></result>")
	send(t, f, `<packet version="1.6.9.1"><reseller-plan><set><filter><name>Gold</name></filter><ip-pool><allocate-ip>2</allocate-ip></ip-pool><external-id>billing-gold</external-id></set></reseller-plan></packet>`)
	out = send(t, f, `<packet version="1.6.9.1"><reseller-plan><get><filter><external-id>billing-gold</external-id></filter><ip-pool/></get></reseller-plan></packet>`)
	contains(t, out, "<name>Gold</name><guid>f4ce0000-0000-4000-8000-000000000002</guid><external-id>billing-gold</external-id><ip-pool><ip-address>192.0.2.10</ip-address><allocate-ip>2</allocate-ip></ip-pool>")
	out = send(t, f, `<packet version="1.6.9.1"><reseller-plan><add><name>Far</name><ip-pool><ip-address>198.51.100.7</ip-address></ip-pool></add></reseller-plan></packet>`)
	contains(t, out, "<errcode>1018</errcode>")
}

// A service plan's preferences/mailservice, which the schema takes
// beside stat, maillists and dns_zone_type, is kept and answered as they
// are.
func TestPlanPreferenceMailService(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey})
	send(t, f, `<packet version="1.6.3.0"><service-plan><add><name>NoMail</name><preferences><stat>3</stat><mailservice>false</mailservice></preferences></add></service-plan></packet>`)
	out := send(t, f, `<packet version="1.6.9.1"><service-plan><get><filter><name>NoMail</name></filter></get></service-plan></packet>`)
	contains(t, out, "<preferences><stat>3</stat><mailservice>false</mailservice></preferences>")
	send(t, f, `<packet version="1.6.9.1"><service-plan><set><filter><name>NoMail</name></filter><preferences><mailservice>true</mailservice></preferences></set></service-plan></packet>`)
	out = send(t, f, `<packet version="1.6.9.1"><service-plan><get><filter><name>NoMail</name></filter></get></service-plan></packet>`)
	contains(t, out, "<preferences><stat>3</stat><mailservice>true</mailservice></preferences>")
	out = send(t, f, `<packet version="1.6.9.1"><service-plan><add><name>Odd</name><preferences><mailservice>maybe</mailservice></preferences></add></service-plan></packet>`)
	contains(t, out, "<status>error</status>")
}

// A packet that declares another encoding than UTF-8 (ISO-8859-1, as
// some billing systems write it, or US-ASCII) is well-formed XML, which
// Plesk's parser reads: its text arrives as the characters it encodes.
func TestPacketInLatin1(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey})
	out := send(t, f, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<packet version=\"1.6.3.0\"><customer><add><gen_info><pname>Ren\xe9 M\xfcller</pname><login>rene</login><passwd>Rene-pass-1</passwd></gen_info></add></customer></packet>")
	contains(t, out, "<status>ok</status>")
	out = send(t, f, `<?xml version="1.0" encoding="us-ascii"?><packet version="1.6.9.1"><customer><get><filter><login>rene</login></filter><dataset><gen_info/></dataset></get></customer></packet>`)
	contains(t, out, "<pname>René Müller</pname>")
}
