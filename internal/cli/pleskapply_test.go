package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestProgressLine checks the apply progress on a terminal: one line
// rewritten in place ("Applying on HOST: 37/120 operations"), ended when
// the apply ends; nothing at all when off (output piped).
func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	l := newProgressLine(&b, true, "plesk.example.com:8443")
	l.update(0, 120)
	l.update(37, 120)
	l.last = l.last.Add(-time.Second)
	l.update(38, 120)
	l.done(nil)
	out := b.String()
	if !strings.Contains(out, "\rApplying on plesk.example.com:8443: 0/120 operations") {
		t.Errorf("no first progress line in %q", out)
	}
	if !strings.HasSuffix(out, "\rApplying on plesk.example.com:8443: 38/120 operations done\n") {
		t.Errorf("last line of %q", out)
	}
	b.Reset()
	l = newProgressLine(&b, true, "h")
	l.update(3, 9)
	l.done(errors.New("boom"))
	if !strings.HasSuffix(b.String(), "\rApplying on h: stopped after 3/9 operations\n") {
		t.Errorf("failed apply: %q", b.String())
	}
	b.Reset()
	l = newProgressLine(&b, false, "h")
	l.update(1, 2)
	l.done(nil)
	if b.Len() != 0 {
		t.Errorf("progress off wrote %q", b.String())
	}
}
