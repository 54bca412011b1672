package model

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ButtonURL writes a button URL as the panel may hold it the way a
// config writes it: without blanks around it, and each blank inside
// (a space, a tab, …) percent-encoded in UTF-8, a space as %20. A
// browser makes the same request of either (it drops the blanks around
// a link and encodes those inside), and a config refuses a URL with a
// blank, so import writes this and apply compares the server's URL in
// this form.
func ButtonURL(s string) string {
	s = strings.TrimFunc(s, unicode.IsSpace)
	if !strings.ContainsFunc(s, unicode.IsSpace) {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError && unicode.IsSpace(r) {
			for _, c := range []byte(s[i : i+size]) {
				b.WriteByte('%')
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&15])
			}
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// InSendOrder is what a button sends (send) in SendFields order, each
// field once: how plansync compares and writes it.
func InSendOrder(send []string) []string {
	var out []string
	for _, f := range SendFields {
		if slices.Contains(send, f) {
			out = append(out, f)
		}
	}
	return out
}
