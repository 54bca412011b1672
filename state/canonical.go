package state

import (
	"sort"
	"strconv"
)

// canonicalValues writes v as encoding/json would (compact, keys sorted,
// no HTML escaping), for the value types property sets hold: strings of
// plain printable ASCII, booleans, int64 and int, nil, and lists of such
// strings. It also returns v normalized as Decode reads it back (ints as
// int64, lists as []any). ok is false for anything else, and the caller
// falls back to encoding/json; so the output, and the content id made
// from it, is the same either way.
func canonicalValues(v Values) (b []byte, norm Values, ok bool) {
	keys := make([]string, 0, len(v))
	for k := range v {
		if !plainASCII(k) {
			return nil, nil, false
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	norm = make(Values, len(v))
	b = make([]byte, 0, 32*len(v)+2)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"', ':')
		switch x := v[k].(type) {
		case string:
			if !plainASCII(x) {
				return nil, nil, false
			}
			b = append(b, '"')
			b = append(b, x...)
			b = append(b, '"')
			norm[k] = x
		case bool:
			b = strconv.AppendBool(b, x)
			norm[k] = x
		case int64:
			b = strconv.AppendInt(b, x, 10)
			norm[k] = x
		case int:
			b = strconv.AppendInt(b, int64(x), 10)
			norm[k] = int64(x)
		case nil:
			b = append(b, "null"...)
			norm[k] = nil
		case []any:
			list := make([]any, len(x))
			b = append(b, '[')
			for j, item := range x {
				s, isStr := item.(string)
				if !isStr || !plainASCII(s) {
					return nil, nil, false
				}
				if j > 0 {
					b = append(b, ',')
				}
				b = append(b, '"')
				b = append(b, s...)
				b = append(b, '"')
				list[j] = s
			}
			b = append(b, ']')
			norm[k] = list
		default:
			return nil, nil, false
		}
	}
	b = append(b, '}')
	return b, norm, true
}

// plainASCII reports whether s needs no escaping in JSON: printable
// ASCII without quote or backslash.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
