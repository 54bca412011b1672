package xmlapi

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// indent re-renders a packet one element a line, for readable golden files.
func indent(t testing.TB, packet []byte) []byte {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(packet))
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("indent: %v", err)
		}
		if cd, ok := tok.(xml.CharData); ok && strings.TrimSpace(string(cd)) == "" {
			continue
		}
		if pi, ok := tok.(xml.ProcInst); ok {
			buf.WriteString("<?" + pi.Target + " " + string(pi.Inst) + "?>\n")
			continue
		}
		if err := enc.EncodeToken(xml.CopyToken(tok)); err != nil {
			t.Fatalf("indent: %v", err)
		}
	}
	if err := enc.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
