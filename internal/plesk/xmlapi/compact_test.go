package xmlapi

import (
	"encoding/xml"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// A read's results, made compact, are equal to what the decoder gave,
// and the blocks equal between subscriptions are one block.
func TestCompactResults(t *testing.T) {
	c, err := New(Config{URL: "https://plesk.example.com:8443", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><packet version="1.6.9.1"><customer><get>`)
	for i := range 3 {
		fmt.Fprintf(&b, `<result><status>ok</status><id>%d</id><data><gen_info><cr_date>2026-01-02</cr_date><pname>P %d</pname><login>c%d</login><status>0</status>`+
			`<city>Berlin</city><country>DE</country><locale>en-US</locale><owner-login>admin</owner-login></gen_info></data></result>`, i+1, i, i)
	}
	b.WriteString(`</get></customer><webspace><get>`)
	for i := range 6 {
		disk, ftp := "1073741824", ""
		if i == 5 {
			disk = "2147483648" // customised
			ftp = `<property><name>ftp_login</name><value>f5</value></property>`
		}
		addon := ""
		if i%2 == 0 {
			addon = `<plan><plan-guid>g-extra</plan-guid></plan>`
		}
		fmt.Fprintf(&b, `<result><status>ok</status><id>%d</id><data><gen_info><cr_date>2026-01-02</cr_date><name>s%d.example</name><ascii-name>s%d.example</ascii-name>`+
			`<status>0</status><real_size>0</real_size><owner-id>1</owner-id><owner-login>c%d</owner-login><dns_ip_address>192.0.2.10</dns_ip_address><htype>vrt_hst</htype>`+
			`<guid>g-s%d</guid><vendor-guid>g-admin</vendor-guid><external-id></external-id></gen_info>`+
			`<hosting><vrt_hst><property><name>php</name><value>true</value></property>%s<property><name>ssl</name><value>false</value></property><ip_address>192.0.2.10</ip_address></vrt_hst></hosting>`+
			`<limits><overuse>block</overuse><limit><name>disk_space</name><value>%s</value></limit><limit><name>max_site</name><value>1</value></limit><limit><name>max_db</name><value>1</value></limit></limits>`+
			`<subscriptions><subscription><locked>false</locked><synchronized>true</synchronized><plan><plan-guid>g-plan</plan-guid></plan>%s</subscription></subscriptions>`+
			`<permissions><permission><name>manage_subdomains</name><value>true</value></permission></permissions><plan-items></plan-items>`+
			`<php-settings><setting><name>memory_limit</name><value>128M</value></setting></php-settings><mail><webmail>horde</webmail><mailservice>true</mailservice></mail></data></result>`,
			i+10, i, i, i%3, i, ftp, disk, addon)
	}
	b.WriteString(`</get></webspace></packet>`)
	answer := b.String()
	ops := []Op{CustomerGet{Dataset: CustomerDataset{GenInfo: &Empty{}}}, WebspaceGet{Dataset: FullDataset()}}
	replies, err := c.parse(ops, strings.NewReader(answer))
	if err != nil {
		t.Fatal(err)
	}
	custs, err := Results[CustomerData](replies[0])
	if err != nil || len(custs) != 3 {
		t.Fatalf("customers %v, %v", custs, err)
	}
	webs, err := Results[WebspaceData](replies[1])
	if err != nil || len(webs) != 6 {
		t.Fatalf("webspaces %v, %v", webs, err)
	}

	// What encoding/xml gives without compaction.
	var plain struct {
		Customers []*CustomerData `xml:"customer>get>result"`
		Webspaces []*WebspaceData `xml:"webspace>get>result"`
	}
	if err := xml.Unmarshal([]byte(answer), &plain); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(custs, plain.Customers) {
		t.Errorf("customers differ:\n%+v\n%+v", custs, plain.Customers)
	}
	if !reflect.DeepEqual(webs, plain.Webspaces) {
		t.Errorf("webspaces differ")
		for i := range webs {
			if !reflect.DeepEqual(webs[i], plain.Webspaces[i]) {
				t.Errorf("webspace %d:\n%+v\n%+v", i, *webs[i].Data, *plain.Webspaces[i].Data)
			}
		}
	}

	w0, w1, w2, w5 := webs[0].Data, webs[1].Data, webs[2].Data, webs[5].Data
	if w0.Limits != w1.Limits || w0.Permissions != w5.Permissions || w0.PHPSettings != w1.PHPSettings || w0.Mail != w5.Mail || w0.Hosting != w1.Hosting {
		t.Error("equal blocks are not shared")
	}
	if w0.Subscriptions != w2.Subscriptions || w0.Subscriptions == w1.Subscriptions {
		t.Error("subscription info: shared where equal only")
	}
	if w5.Limits == w0.Limits || w5.Hosting == w0.Hosting || w5.Limits.Limit[0].Value != "2147483648" || w5.Hosting.VrtHst.Property[1].Value != "f5" {
		t.Errorf("a customised subscription shares its plan's blocks: %+v %+v", w5.Limits, w5.Hosting.VrtHst)
	}
	if l := w5.Limits.Limit; cap(l) != len(l) {
		t.Errorf("limits: cap %d for %d", cap(l), len(l))
	}
	if unsafeData(w0.GenInfo.Created) != unsafeData(w1.GenInfo.Created) || unsafeData(w0.GenInfo.Name) != unsafeData(w0.GenInfo.ASCIIName) {
		t.Error("equal strings are not one string")
	}
	if unsafeData(custs[0].Data.GenInfo.City) != unsafeData(custs[2].Data.GenInfo.City) {
		t.Error("customers: equal strings are not one string")
	}
}

func unsafeData(s string) *byte { return unsafe.StringData(s) }

// Webspace results read by hand equal encoding/xml's reading of them,
// whatever their shape: elements repeated, unknown or empty, text in
// CDATA, with entities, comments and nested elements, errors.
func TestWebspaceDecodeShapes(t *testing.T) {
	c, err := New(Config{URL: "https://plesk.example.com:8443", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	results := []string{
		`<result><status>ok</status><id>1</id><data><gen_info><name>a.example</name></gen_info></data></result>`,
		`<result><status>error</status><errcode>1013</errcode><errtext>Webspace &amp; co &lt;gone&gt;</errtext><filter-id>x.example</filter-id></result>`,
		`<result><status>ok</status></result>`,
		`<result><status>ok</status><id> 7 </id><data/></result>`,
		`<result><status>ok</status><id>8</id><data><hosting/><limits/><subscriptions/><permissions/><plan-items/><php-settings/><mail/></data></result>`,
		`<result><status>ok</status><id>9</id><data><hosting><vrt_hst/></hosting><subscriptions><subscription/></subscriptions></data></result>`,
		`<result><status>ok</status><id>10</id><unknown><x>1</x></unknown><data><gen_info><cr_date><![CDATA[2026-01-02]]></cr_date><name>b.example</name><ascii-name>xn--b</ascii-name>` +
			`<status></status><real_size>123456789012</real_size><owner-login>c<!-- note -->1</owner-login><dns_ip_address>192.0.2.1</dns_ip_address><dns_ip_address>2001:db8::1</dns_ip_address>` +
			`<htype>vrt_hst<b>ignored</b></htype><guid>g</guid><new-field>n</new-field></gen_info>` +
			`<limits><overuse>block</overuse><limit><name>max_db</name><value>1</value><extra/></limit><limit/><limit><name>max_db</name></limit></limits>` +
			`<limits><limit><name>max_site</name><value>2</value></limit></limits>` +
			`<subscriptions><subscription><locked>true</locked><synchronized>false</synchronized><plan><plan-guid>p1</plan-guid></plan><plan/></subscription></subscriptions>` +
			`<permissions><permission><name>a</name><value>true</value></permission><other/></permissions>` +
			`<plan-items><item><name>svc</name></item><item/></plan-items>` +
			`<php-settings><setting><name>memory_limit</name><value>128M</value></setting></php-settings>` +
			`<mail><webmail>horde</webmail><mailservice>true</mailservice><webmail>roundcube</webmail></mail>` +
			`<hosting><vrt_hst><property><name>ftp_login</name><value>u</value></property><ip_address>192.0.2.1</ip_address><ip_address>2001:db8::1</ip_address></vrt_hst></hosting>` +
			`<gen_info><status>16</status><dns_ip_address>192.0.2.2</dns_ip_address></gen_info></data></result>`,
		"<result>\n  <status>ok</status>\n  <id>11</id>\n  <data>\n    <gen_info>\n      <name>c.example</name>\n      <ascii-name>c.example</ascii-name>\n    </gen_info>\n  </data>\n</result>",
	}
	answer := `<packet version="1.6.9.1"><webspace><get>` + strings.Join(results, "") + `</get></webspace></packet>`
	replies, err := c.parse([]Op{WebspaceGet{Dataset: FullDataset()}}, strings.NewReader(answer))
	if err != nil {
		t.Fatal(err)
	}
	var plain struct {
		Webspaces []*WebspaceData `xml:"webspace>get>result"`
	}
	if err := xml.Unmarshal([]byte(answer), &plain); err != nil {
		t.Fatal(err)
	}
	got := replies[0].Results
	if len(got) != len(plain.Webspaces) {
		t.Fatalf("%d results, want %d", len(got), len(plain.Webspaces))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], plain.Webspaces[i]) {
			t.Errorf("result %d:\n got %s\nwant %s", i, dump(got[i].(*WebspaceData)), dump(plain.Webspaces[i]))
		}
	}
	for _, bad := range []string{
		`<result><status>ok</status><id>x</id></result>`,
		`<result><status>ok</status><data><gen_info><real_size>99999999999999999999</real_size></gen_info></data></result>`,
		`<result><status>ok</status><data><gen_info></data></result>`,
		`<result><status>ok</status><data>`,
	} {
		var want struct {
			Webspaces []*WebspaceData `xml:"webspace>get>result"`
		}
		answer := `<packet version="1.6.9.1"><webspace><get>` + bad + `</get></webspace></packet>`
		werr := xml.Unmarshal([]byte(answer), &want)
		_, err := c.parse([]Op{WebspaceGet{Dataset: FullDataset()}}, strings.NewReader(answer))
		if err == nil || werr == nil || !strings.HasSuffix(err.Error(), werr.Error()) {
			t.Errorf("%s: error %v, encoding/xml's %v", bad, err, werr)
		}
	}
}

func dump(w *WebspaceData) string {
	s := fmt.Sprintf("%+v", *w)
	if d := w.Data; d != nil {
		s += fmt.Sprintf(" data: gen %+v hosting %+v", d.GenInfo, d.Hosting)
		if d.Hosting != nil {
			s += fmt.Sprintf(" vrt %+v", d.Hosting.VrtHst)
		}
		s += fmt.Sprintf(" limits %+v subs %+v perms %+v items %+v php %+v mail %+v", d.Limits, d.Subscriptions, d.Permissions, d.PlanItems, d.PHPSettings, d.Mail)
		if d.Subscriptions != nil {
			s += fmt.Sprintf(" sub %+v", d.Subscriptions.Subscription)
		}
	}
	return s
}
