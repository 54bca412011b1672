package render

import (
	"bytes"
	"compress/gzip"
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

// PlanDoc is the JSON document of a plan (as PlanJSON writes it, without
// warnings), compact and gzipped: what a saved plan keeps for
// SavedApplyJSON.
func PlanDoc(p *plan.Plan) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if err := json.NewEncoder(zw).Encode(planJSON(p)); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// savedDoc decodes a plan's document kept by PlanDoc.
func savedDoc(doc []byte) (jsonPlan, error) {
	var d jsonPlan
	zr, err := gzip.NewReader(bytes.NewReader(doc))
	if err != nil {
		return d, fmt.Errorf("saved plan: its JSON document: %w", err)
	}
	dec := json.NewDecoder(zr)
	dec.UseNumber() // sizes beyond 2^53 bytes stay exact
	if err := dec.Decode(&d); err != nil {
		return d, fmt.Errorf("saved plan: its JSON document: %w", err)
	}
	return d, nil
}

// SavedApplyJSON writes the JSON document of a saved plan applied to the
// state: the plan's document doc (PlanDoc) with whether it was applied
// and the serial recorded, as ApplyJSON writes it for a plan made by the
// apply. A plan saved without its document (by an older plansync) gives
// its summary alone.
func SavedApplyJSON(w io.Writer, doc []byte, s plan.Summary, serial uint64) error {
	d := jsonPlan{FormatVersion: FormatVersion, Changes: []jsonChange{}, Conflicts: []jsonConflict{}, Subscriptions: []jsonSub{},
		Summary: jsonSummary{Create: s.Create, Update: s.Update, Delete: s.Delete, Conflicts: s.Conflicts, AcceptedConflicts: s.Accepted, SkippedLocked: s.Skipped}}
	if len(doc) > 0 {
		var err error
		if d, err = savedDoc(doc); err != nil {
			return err
		}
	}
	applied := true
	d.Applied, d.Serial = &applied, serial
	return writeJSON(w, d)
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
