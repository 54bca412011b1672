package render

import (
	"strings"
	"testing"
	"time"

	"github.com/plansync/plansync/state"
)

// TestHistoryTextEscapes: who made a change and its summary are text
// from users' environments and arguments; printed raw, a user name
// holding a line break or an escape sequence would forge entries of a
// shared history or redraw the reader's terminal.
func TestHistoryTextEscapes(t *testing.T) {
	var b strings.Builder
	hist := []state.HistoryEntry{{Serial: 7, When: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC),
		Who: "mallory\nserial 8  2026-11-02T00:00:00Z  alice  1 added", Summary: "state push \x1b[2Jx.json"}}
	if err := HistoryText(&b, hist); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "\x1b") || strings.Count(out, "\n") != 2 {
		t.Fatalf("history text not escaped:\n%q", out)
	}
	want := `serial 7  2026-11-01T09:00:00Z  mallory\nserial 8  2026-11-02T00:00:00Z  alice  1 added  state push \x1b[2Jx.json` + "\n"
	if !strings.HasPrefix(out, want) {
		t.Errorf("history text:\n%q\nwant it to start with\n%q", out, want)
	}
}
