package fake

import (
	"strings"

	"golang.org/x/net/idna"
)

// Internationalised domain names. Plesk takes a subscription's name in
// Unicode or in punycode, keeps one domain for both and answers gen_info
// with name in Unicode and ascii-name in punycode; a filter by name finds
// it by either form. The emulator keeps the punycode form, lower case.

// asciiDomain is name's punycode form, lower case; ok is false for a name
// that is no domain name.
func asciiDomain(name string) (_ string, ok bool) {
	name = strings.TrimSpace(name)
	a, err := idna.Lookup.ToASCII(name)
	if err != nil {
		return strings.ToLower(name), false
	}
	return strings.ToLower(a), true
}

// unicodeDomain is the Unicode form of a kept (punycode) name.
func unicodeDomain(ascii string) string {
	if !strings.Contains(ascii, "xn--") {
		return ascii
	}
	u, err := idna.Display.ToUnicode(ascii)
	if err != nil {
		return ascii
	}
	return u
}
