package render

import "testing"

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want, lines string }{
		{"plain café\ttab", "plain café\ttab", "plain café\ttab"},
		{"Basic\x1b[2K\rPlan: 0 to add", `Basic\x1b[2K\rPlan: 0 to add`, `Basic\x1b[2K\rPlan: 0 to add`},
		{"two\nlines", `two\nlines`, "two\nlines"},
		{"John\u202eeoD", `John\u202eeoD`, `John\u202eeoD`},
		{"\u2066iso\u2069 \u200f \u061c", `\u2066iso\u2069 \u200f \u061c`, `\u2066iso\u2069 \u200f \u061c`},
		{"c1\u009b31m del\x7f nul\x00", `c1\u009b31m del\x7f nul\x00`, `c1\u009b31m del\x7f nul\x00`},
		{"bad\xffbyte", `bad\xffbyte`, `bad\xffbyte`},
		{"sep\u2028x", `sep\u2028x`, `sep\u2028x`},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := EscapeLines(tc.in); got != tc.lines {
			t.Errorf("EscapeLines(%q) = %q, want %q", tc.in, got, tc.lines)
		}
		if got := Escape(Escape(tc.in)); got != tc.want {
			t.Errorf("Escape is not idempotent on %q: %q", tc.in, got)
		}
	}
}
