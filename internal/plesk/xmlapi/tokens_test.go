package xmlapi

import (
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// An answer that is not well-formed XML is refused wherever the fault
// is (between results, in a webspace result read by hand, in an element
// it skips, in a result encoding/xml decodes, in a system error), with
// encoding/xml's own error; a well-formed one with prefixes reads as
// before.
func TestParseRefusesMalformedAnswers(t *testing.T) {
	c, err := New(Config{URL: "https://plesk.example.com:8443", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	web := []Op{WebspaceGet{Dataset: FullDataset()}}
	cust := []Op{CustomerGet{Dataset: CustomerDataset{GenInfo: &Empty{}}}}
	for _, bad := range []struct {
		ops    []Op
		answer string
	}{
		{web, `<packet><webspace><get><result><status>ok</status><data><gen_info><name>a</value></gen_info></data></result></get></webspace></packet>`},
		{web, `<packet><webspace><get><result><status>ok</status><data><gen_info><name>a</name></gen_info></data></status></get></webspace></packet>`},
		{web, `<packet><webspace><get><result><status>ok</status><unknown><x>1</y></unknown></result></get></webspace></packet>`},
		{web, `<packet><webspace><get><result><status>ok</status><data><gen_info><htype>v<b>1</c></htype></gen_info></data></result></get></webspace></packet>`},
		{web, `<packet><webspace><get><result><status>ok</status><data><hosting><vrt_hst><property><name>a</name></vrt_hst></property></hosting></data></result></get></webspace></packet>`},
		{web, `<packet><webspace><get><result><status>ok</status><data><gen_info><a:name>x</b:name></gen_info></data></result></get></webspace></packet>`},
		{web, `<packet><webspace><get><result><status>ok</status><data><gen_info><a:name>x</name></gen_info></data></result></get></webspace></packet>`},
		{web, `<packet><webspace><get><result><status>ok</status><data><gen_info><name>x</a:name></gen_info></data></result></get></webspace></packet>`},
		{web, `<packet><webspace><get><result><status>ok</status></result></got></webspace></packet>`},
		{web, `<packet><webspace><get><result><status>ok</status></result><x></get></x></webspace></packet>`},
		{web, `<packet><webspace><get><result><status>ok</status></result></get></webspace>`},
		{web, `<packet><webspace><get><result><status>ok</status><data><gen_info><name>a`},
		{web, `<packet><output><x></y></output></packet>`},
		{cust, `<packet><customer><get><result><status>ok</status><data><gen_info><pname>a</login></gen_info></data></result></get></customer></packet>`},
		{cust, `<packet><customer><get><result><status>ok</status><data><gen_info><pname>a</pname></data></result></get></customer></packet>`},
		{cust, `<packet><customer><get><result><status>ok</status><id>1</id></get></customer></packet>`},
		{cust, `<packet><system><status>error</status><errcode>1</errcode></errtext></system></packet>`},
	} {
		var want struct {
			Webspaces []*WebspaceData `xml:"webspace>get>result"`
			Customers []*CustomerData `xml:"customer>get>result"`
			System    *Status         `xml:"system"`
		}
		// (Errors are told on one line.)
		werr := xml.Unmarshal([]byte(bad.answer), &want)
		_, err := c.parse(bad.ops, strings.NewReader(bad.answer))
		if err == nil || werr == nil || !strings.Contains(err.Error(), ": "+strings.Join(strings.Fields(werr.Error()), " ")) {
			t.Errorf("%s:\nerror %q,\nencoding/xml's %q", bad.answer, err, werr)
		}
	}

	answer := `<packet xmlns:p="urn:x"><p:webspace><get><result><p:status>ok</p:status><data><gen_info><p:name>a.example</p:name></gen_info></data></result></get></p:webspace></packet>`
	replies, err := c.parse(web, strings.NewReader(answer))
	if err != nil {
		t.Fatal(err)
	}
	if w := replies[0].Results[0].(*WebspaceData); w.Status.Status != "ok" || w.Data.GenInfo.Name != "a.example" {
		t.Errorf("prefixed names: %s", dump(w))
	}
}

// Answers, well-formed or not, read as encoding/xml alone reads them:
// the same replies, or the same error (line included), whatever their
// tokens and however the answer arrives (in pieces of any size, tokens
// longer than the buffer). The answers are plain ones with bytes
// inserted (references, CR, CDATA, comments, prefixes, attributes,
// forbidden or non-ASCII characters, bad UTF-8, stray tags) or cut out.
func TestTokensReadAsEncodingXML(t *testing.T) {
	c, err := New(Config{URL: "https://plesk.example.com:8443", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	ops := []Op{CustomerGet{Dataset: CustomerDataset{GenInfo: &Empty{}}}, WebspaceGet{Dataset: FullDataset()}}
	customer := `<result><status>ok</status><id>1</id><data><gen_info><cr_date>2026-01-02</cr_date><pname>P 1</pname><login>c1</login><status>0</status>` +
		`<city>Berlin</city><country>DE</country><locale>en-US</locale><owner-login>admin</owner-login></gen_info></data></result>`
	webspace := `<result><status>ok</status><id>10</id><data><gen_info><cr_date>2026-01-02</cr_date><name>s.example</name><ascii-name>s.example</ascii-name>` +
		`<status>0</status><real_size>0</real_size><owner-id>1</owner-id><owner-login>c1</owner-login><dns_ip_address>192.0.2.10</dns_ip_address><htype>vrt_hst</htype>` +
		`<guid>g-s</guid><vendor-guid>g-admin</vendor-guid><external-id></external-id></gen_info>` +
		`<hosting><vrt_hst><property><name>php</name><value>true</value></property><ip_address>192.0.2.10</ip_address></vrt_hst></hosting>` +
		`<limits><overuse>block</overuse><limit><name>disk_space</name><value>1073741824</value></limit></limits>` +
		`<subscriptions><subscription><locked>false</locked><synchronized>true</synchronized><plan><plan-guid>g-plan</plan-guid></plan></subscription></subscriptions>` +
		`<permissions><permission><name>manage_subdomains</name><value>true</value></permission></permissions><plan-items><item><name>x</name></item></plan-items>` +
		`<php-settings><setting><name>memory_limit</name><value>128M</value></setting></php-settings><mail><webmail>horde</webmail><mailservice>true</mailservice></mail><data2/></data></result>`
	answer := func(sep string, custs, webs []string) string {
		return `<?xml version="1.0" encoding="UTF-8"?>` + sep + `<packet version="1.6.9.1">` + sep + `<customer><get>` + strings.Join(custs, sep) + `</get></customer>` + sep +
			`<webspace><get>` + strings.Join(webs, sep) + `</get></webspace>` + sep + `</packet>` + sep
	}
	long := strings.Repeat("Long text, ", 7000) // longer than the buffer
	base := []string{
		answer("", []string{customer}, []string{webspace, webspace}),
		answer("\n", []string{customer, customer}, []string{webspace}),
		strings.Replace(answer("\n  ", []string{strings.Replace(customer, "Berlin", "Zürich, Genève", 1)}, []string{strings.Replace(webspace, "<data2/>", `<data2 a="1"  b='x"y' />`, 1)}),
			`<packet version="1.6.9.1">`, `<packet version='1.6.9.1' >`, 1),
		answer("\n  ", []string{strings.Replace(customer, "Berlin", "Zürich &amp; Genève", 1)}, []string{strings.Replace(webspace, "horde", "<![CDATA[horde]]>", 1)}),
		answer("", []string{strings.Replace(customer, "Berlin", long, 1)}, []string{strings.Replace(webspace, "c1", long+"&amp;", 1), webspace}),
		strings.Replace(answer("\r\n", []string{customer}, []string{webspace}), `<packet version`, `<packet xmlns:p="urn:x" version`, 1),
	}
	snippets := []string{"&amp;", "&bogus;", "&#60;", "&#x0;", "\r\n", "\r", "<!-- c -->", "<![CDATA[x<y]]>", "]]>", "]", "<a:b>", "</a:b>", "p:",
		" ", "\t", "\n", "\x00", "\x1f", "é", "€", "😀", "\xff", "\xe2\x82", "\xef\xbf\xbe", "\xef\xbf\xbd", `<x y="1">`, `<x y='&lt;'/>`, "</", "<", ">", "/", "/>",
		"<?pi x?>", `<?xml version="1.1"?>`, `<?xml version="1.0" encoding="latin1"?>`, `<?xml version="1.0"?>`, "<!DOCTYPE x>", ":", "-", "9", ".",
		"<_a.b-c/>", "<x/>", "</x>", "</result>", "<result>", "</data>", "<data>", "<status>", "</status>"}
	rng := rand.New(rand.NewPCG(14, 2026))
	docs := append([]string{}, base...)
	// Each snippet in text, between tags, in names and around tags.
	for _, at := range []string{"<city>Ber", "<owner-login>c", "<status>", "<", "<lim", "</", "</lim", "<limits", "</limits", "</limits>",
		"<packet", "<webspace><get><result", "<mail><webmail>horde"} {
		i := strings.Index(base[0], at)
		if strings.HasPrefix(at, "</") {
			i = strings.Index(base[0], "</limits>")
		}
		if i < 0 {
			t.Fatalf("no %s", at)
		}
		i += len(at)
		for _, sn := range snippets {
			docs = append(docs, base[0][:i]+sn+base[0][i:])
		}
	}
	for range 1000 {
		doc := base[rng.IntN(len(base))]
		for range 1 + rng.IntN(3) {
			at := rng.IntN(len(doc) + 1)
			if rng.IntN(4) == 0 {
				doc = doc[:at] + doc[min(len(doc), at+1+rng.IntN(6)):]
			} else {
				doc = doc[:at] + snippets[rng.IntN(len(snippets))] + doc[at:]
			}
		}
		if rng.IntN(20) == 0 {
			doc = doc[:rng.IntN(len(doc))]
		}
		docs = append(docs, doc)
	}
	for i, doc := range base {
		before := handedOver.Load()
		if _, err := c.parse(ops, &pieces{s: doc, rng: rng}); err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		// The plain answers are read by tokens alone.
		if fast := handedOver.Load() == before; fast != (i < 3) {
			t.Errorf("answer %d read by tokens alone: %v", i, fast)
		}
	}
	fails := 0
	for _, doc := range docs {
		encodingXMLOnly = true
		want, werr := c.parse(ops, strings.NewReader(doc))
		encodingXMLOnly = false
		got, err := c.parse(ops, &pieces{s: doc, rng: rng})
		if fmt.Sprint(err) != fmt.Sprint(werr) || !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\nerror %v, replies %v\nencoding/xml: error %v, replies %v", doc, err, got, werr, want)
			if fails++; fails > 5 {
				t.FailNow()
			}
		}
	}
}

// pieces reads a string in pieces of random size (larger for a long
// string, that the test stays quick).
type pieces struct {
	s   string
	rng *rand.Rand
}

func (p *pieces) Read(b []byte) (int, error) {
	if p.s == "" {
		return 0, io.EOF
	}
	most := 300
	if len(p.s) > 1<<15 {
		most = 1 << 12
	}
	n := copy(b[:min(len(b), 1+p.rng.IntN(most))], p.s)
	p.s = p.s[n:]
	return n, nil
}
