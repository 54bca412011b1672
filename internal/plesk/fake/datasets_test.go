package fake_test

import (
	"testing"

	"github.com/plansync/plansync/internal/plesk/fake"
)

// The datasets Plesk's own clients ask for besides those plansync reads
// (a billing system's usage read: webspace stat, disk_usage, prefs,
// performance; customer and reseller stat) are answered in Plesk's
// shapes, in every protocol version, one dataset or several at once; the
// preferences, performance and descriptions a client sets come back.
func TestDatasetsClientsAskFor(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey})
	send(t, f, `<packet version="1.6.3.0"><reseller><add><gen-info><pname>Rita Reseller</pname><login>rita</login><passwd>Rita-pass-1</passwd></gen-info></add></reseller></packet>`)
	send(t, f, `<packet version="1.6.3.0"><service-plan><add><name>Basic</name><owner-login>rita</owner-login><limits><limit><name>max_site</name><value>2</value></limit></limits></add></service-plan>
<customer><add><gen_info><pname>Ann Lee</pname><login>ann</login><passwd>Ann-pass-1</passwd><owner-login>rita</owner-login></gen_info></add></customer></packet>`)
	out := send(t, f, `<packet version="1.6.3.2"><webspace><add><gen_setup><name>ann.example</name><owner-login>ann</owner-login><htype>vrt_hst</htype><ip_address>192.0.2.10</ip_address><status>0</status><description>Ann's shop</description></gen_setup>
<hosting><vrt_hst><property><name>ftp_login</name><value>annftp</value></property><property><name>ftp_password</name><value>Ftp-pass-1</value></property><ip_address>192.0.2.10</ip_address></vrt_hst></hosting>
<prefs><www>false</www><stat_ttl>6</stat_ttl></prefs><performance><bandwidth>120</bandwidth><max_connections>10000</max_connections></performance></add></webspace></packet>`)
	contains(t, out, "<status>ok</status>")

	for _, version := range []string{"1.6.3.0", "1.6.3.5", "1.6.7.0", "1.6.9.1"} {
		t.Run(version, func(t *testing.T) {
			// A billing system's usage read: limits, stat, gen_info.
			out := send(t, f, `<packet version="`+version+`"><webspace><get><filter><name>ann.example</name></filter><dataset><limits/><stat/><gen_info/></dataset></get></webspace></packet>`)
			contains(t, out, "<gen_info><cr_date>", "<description>Ann&#39;s shop</description></gen_info><limits>",
				"</limits><stat><traffic>0</traffic><subdom>0</subdom><wu>0</wu><box>0</box>", "<domains>1</domains><sites>1</sites></stat></data>")
			out = send(t, f, `<packet version="`+version+`"><webspace><get><filter><owner-login>ann</owner-login></filter><dataset><disk_usage/><prefs/><performance/></dataset></get></webspace></packet>`)
			contains(t, out, "<data><prefs><www>false</www><stat_ttl>6</stat_ttl></prefs><disk_usage><httpdocs>0</httpdocs><httpsdocs>0</httpsdocs>",
				"<dbases>0</dbases><mailboxes>0</mailboxes>", "</disk_usage><performance><bandwidth>120</bandwidth><max_connections>10000</max_connections></performance></data>")
			out = send(t, f, `<packet version="`+version+`"><customer><get><filter><login>ann</login></filter><dataset><gen_info/><stat/></dataset></get></customer>
<reseller><get><filter><login>rita</login></filter><dataset><gen-info/><stat/><limits/></dataset></get></reseller></packet>`)
			contains(t, out, "</gen_info><stat><active_domains>1</active_domains><subdomains>0</subdomains><disk_space>0</disk_space>",
				"<traffic>0</traffic><traffic_prevday>0</traffic_prevday></stat></data>",
				"</gen-info><stat><active-clients>1</active-clients><active-domains>1</active-domains><clients>1</clients><domains>1</domains>",
				"<traffic-prevday>0</traffic-prevday></stat><limits>")
		})
	}

	// A billing system's usage read of protocol 1.6.4.0: the traffic
	// used is the resource max_traffic of resource-usage.
	out = send(t, f, `<packet version="1.6.4.0"><webspace><get><filter><name>ann.example</name></filter><dataset><resource-usage/><limits/><gen_info/><php-settings/><mail/></dataset></get></webspace></packet>`)
	contains(t, out, "</php-settings><resource-usage><resource><name>disk_space</name><value>0</value></resource><resource><name>max_traffic</name><value>0</value></resource>",
		"<resource><name>max_site</name><value>1</value></resource>", "</resource-usage><mail>")

	// A reseller's IP pool: the server's addresses, shared (its
	// customers' subscriptions may use any of them).
	out = send(t, f, `<packet version="1.6.3.0"><reseller><get><filter><login>rita</login></filter><dataset><gen-info/><ippool/></dataset></get></reseller></packet>`)
	contains(t, out, "</gen-info><ippool><ip><ip-address>192.0.2.10</ip-address><ip-type>shared</ip-type></ip></ippool></data>")

	// A set of the preferences, the performance or the description
	// changes them and does not lock the subscription (they are not
	// plan values plansync or SPEC 6.6 name as locking).
	out = send(t, f, `<packet version="1.6.9.1"><webspace><switch-subscription><filter><name>ann.example</name></filter><plan-guid>f4ce0000-0000-4000-8000-000000000003</plan-guid></switch-subscription></webspace></packet>`)
	contains(t, out, "<status>ok</status>")
	out = send(t, f, `<packet version="1.6.9.1"><webspace><set><filter><name>ann.example</name></filter><values><gen_setup><description>Moved</description></gen_setup><prefs><www>true</www></prefs><performance><max_connections>50</max_connections></performance></values></set></webspace></packet>`)
	contains(t, out, "<status>ok</status>")
	out = send(t, f, `<packet version="1.6.9.1"><webspace><get><filter><name>ann.example</name></filter><dataset><gen_info/><prefs/><performance/><subscriptions/></dataset></get></webspace></packet>`)
	contains(t, out, "<description>Moved</description>", "<prefs><www>true</www><stat_ttl>6</stat_ttl></prefs>",
		"<performance><bandwidth>120</bandwidth><max_connections>50</max_connections></performance>", "<locked>false</locked>", "<plan-guid>f4ce0000-0000-4000-8000-000000000003</plan-guid>")
	// A subscription given no preferences or performance has Plesk's
	// defaults: www, statistics kept 3 months, no bandwidth or
	// connection limit (-1).
	send(t, f, `<packet version="1.6.9.1"><webspace><add><gen_setup><name>plain.example</name><ip_address>192.0.2.10</ip_address></gen_setup></add></webspace></packet>`)
	out = send(t, f, `<packet version="1.6.9.1"><webspace><get><filter><name>plain.example</name></filter><dataset><prefs/><performance/></dataset></get></webspace></packet>`)
	contains(t, out, "<prefs><www>true</www><stat_ttl>3</stat_ttl></prefs><performance><bandwidth>-1</bandwidth><max_connections>-1</max_connections></performance>")
}
