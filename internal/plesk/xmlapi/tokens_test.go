package xmlapi

import (
	"encoding/xml"
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
