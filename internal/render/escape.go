package render

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Escape makes text from the config (a name, a key, a description, a
// value) safe to print on a terminal, in a CI log or in a pull-request
// comment: terminal control characters (C0 and C1 controls, DEL, ESC
// sequences), line breaks and bidirectional overrides cannot redraw,
// recolour, reorder or add lines of the output, so a change cannot
// forge the plan shown for it. Each is written as an escape: \x1b, \n,
// \r, \u202e; invalid UTF-8 bytes as \xNN. Tabs stay. JSON output is never
// escaped this way: it stays exact.
func Escape(s string) string { return escape(s, false) }

// EscapeLines is Escape keeping line breaks, for multi-line text and
// whole outputs (diagnostics, errors).
func EscapeLines(s string) string { return escape(s, true) }

func escape(s string, keepNewlines bool) string {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || (unsafeRune(r) && !(keepNewlines && r == '\n')) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepNewlines && r == '\n', !unsafeRune(r):
			b.WriteString(s[i : i+size])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += size
	}
	return b.String()
}

// unsafeRune reports whether r must not reach a terminal raw.
func unsafeRune(r rune) bool {
	switch {
	case r == '\t':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true // bidirectional marks, embeddings, overrides and isolates
	case r == 0x2028, r == 0x2029:
		return true // line and paragraph separators
	}
	return false
}
