package fake_test

import (
	"encoding/xml"
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
