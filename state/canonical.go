package state

import (
	"sort"
	"strconv"
)

// canonicalValues writes v as encoding/json would (compact, keys sorted,
// no HTML escaping), for the value types property sets hold: strings of
// plain printable ASCII, booleans, int64 and int, nil, and lists of such
// strings. ok is false for anything else, and the caller falls back to
// encoding/json; so the output, and the content id made from it, is the
// same either way. Where ok, normValues(v) is v as Decode reads it back.
func canonicalValues(v Values) (b []byte, ok bool) {
	return appendCanonical(make([]byte, 0, 32*len(v)+2), v)
}

// appendCanonical appends canonicalValues(v) to b.
func appendCanonical(b []byte, v Values) ([]byte, bool) {
	var small [64]string
	keys := small[:0]
	for k := range v {
		if !plainASCII(k) {
			return nil, false
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
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
				return nil, false
			}
			b = append(b, '"')
			b = append(b, x...)
			b = append(b, '"')
		case bool:
			b = strconv.AppendBool(b, x)
		case int64:
			b = strconv.AppendInt(b, x, 10)
		case int:
			b = strconv.AppendInt(b, int64(x), 10)
		case nil:
			b = append(b, "null"...)
		case []any:
			b = append(b, '[')
			for j, item := range x {
				s, isStr := item.(string)
				if !isStr || !plainASCII(s) {
					return nil, false
				}
				if j > 0 {
					b = append(b, ',')
				}
				b = append(b, '"')
				b = append(b, s...)
				b = append(b, '"')
			}
			b = append(b, ']')
		default:
			return nil, false
		}
	}
	b = append(b, '}')
	return b, true
}

// normValues is a copy of v, whose values canonicalValues writes, as
// Decode reads it back: ints as int64, lists copied.
func normValues(v Values) Values {
	norm := make(Values, len(v))
	for k, x := range v {
		switch x := x.(type) {
		case int:
			norm[k] = int64(x)
		case []any:
			list := make([]any, len(x))
			copy(list, x)
			norm[k] = list
		default:
			norm[k] = x
		}
	}
	return norm
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
