package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/plansync/plansync/internal/plan"
)

// ApplyText writes the line that ends an apply recorded in the state.
func ApplyText(w io.Writer, s plan.Summary, serial uint64) error {
	_, err := fmt.Fprintf(w, "Apply complete! %d added, %d changed, %d deleted. State serial %d.\n", s.Create, s.Update, s.Delete, serial)
	return err
}

// SavedApplyJSON writes the JSON document of a saved plan applied to the
// state: its summary and the serial recorded.
func SavedApplyJSON(w io.Writer, s plan.Summary, serial uint64) error {
	return json.NewEncoder(w).Encode(map[string]any{"format_version": FormatVersion, "applied": true, "serial": serial,
		"summary": map[string]int{"create": s.Create, "update": s.Update, "delete": s.Delete, "conflicts": s.Conflicts}})
}

// StatusLine is one line on a terminal that each Show overwrites: a
// carriage return, padded to cover the longer line before (no escape
// sequence, so a dumb terminal shows it right too).
type StatusLine struct {
	w     io.Writer
	width int
}

// NewStatusLine is a status line written to w.
func NewStatusLine(w io.Writer) *StatusLine { return &StatusLine{w: w} }

// Show replaces the line with text.
func (l *StatusLine) Show(text string) { l.write(text, "") }

// End replaces the line with text and ends it.
func (l *StatusLine) End(text string) { l.write(text, "\n") }

func (l *StatusLine) write(text, end string) {
	pad := ""
	if n := utf8.RuneCountInString(text); n < l.width {
		pad = strings.Repeat(" ", l.width-n)
	} else {
		l.width = n
	}
	fmt.Fprintf(l.w, "\r%s%s%s", text, pad, end)
}
