package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/plansync/plansync/state"
)

// HistoryText writes the applied changes recorded, one line each, and
// how long they are kept.
func HistoryText(w io.Writer, hist []state.HistoryEntry) error {
	var b strings.Builder
	if len(hist) == 0 {
		b.WriteString("No applied changes recorded.\n")
	}
	for _, h := range hist {
		// Who and the summary come from users' environments and
		// arguments (a shared state's history is read by others):
		// escaped, they cannot redraw the terminal or forge an entry.
		fmt.Fprintf(&b, "serial %d  %s  %s  %s\n", h.Serial, h.When.UTC().Format(time.RFC3339), Escape(h.Who), Escape(h.Summary))
	}
	s := state.HistoryRetention.String()
	fmt.Fprintf(&b, "(%s%s.)\n", strings.ToUpper(s[:1]), s[1:])
	_, err := io.WriteString(w, b.String())
	return err
}

type jsonHistoryEntry struct {
	Serial  uint64          `json:"serial"`
	Who     string          `json:"who"`
	When    string          `json:"when"`
	Summary string          `json:"summary"`
	Changes json.RawMessage `json:"changes"`
}

// HistoryJSON writes the applied changes recorded as one JSON document,
// with how long they are kept.
func HistoryJSON(w io.Writer, hist []state.HistoryEntry) error {
	out := make([]jsonHistoryEntry, 0, len(hist))
	for _, h := range hist {
		ch := json.RawMessage(h.Changes)
		if len(ch) == 0 {
			ch = json.RawMessage("[]")
		}
		out = append(out, jsonHistoryEntry{h.Serial, h.Who, h.When.UTC().Format("2006-01-02T15:04:05Z07:00"), h.Summary, ch})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	r := state.HistoryRetention
	return enc.Encode(map[string]any{"format_version": FormatVersion, "history": out,
		"retention": map[string]any{"entries": r.Entries, "changes_bytes": r.Changes, "description": r.String()}})
}
