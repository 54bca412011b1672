package state

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The fast writer must give exactly encoding/json's bytes (and so the
// same content ids) and the same normalized values as a decode.
func TestCanonicalValuesMatchesEncodingJSON(t *testing.T) {
	for _, v := range []Values{
		{},
		{"resources.disk_space": int64(10 << 30), "resources.mailboxes": int64(-1), "permissions.manage_dns": true,
			"hosting.php_version": "8.3", "resources.expiration": "1y", "services": []any{"a", "b c"}},
		{"x": 5, "y": nil, "z": []any{}},
		{"hosting.php_settings.memory_limit": "256M", "mail.enabled": false},
	} {
		fast, ok := canonicalValues(v)
		norm := normValues(v)
		if !ok {
			t.Fatalf("fast path refused %v", v)
		}
		want, err := marshalCompact(v)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fast, want) {
			t.Errorf("fast %s\nwant %s", fast, want)
		}
		if diff := cmp.Diff(normalized(want), norm); diff != "" {
			t.Errorf("normalized (-decode +fast):\n%s", diff)
		}
	}
	for _, v := range []Values{{"q": `a"b`}, {"u": "é"}, {"f": 1.5}, {"l": []any{1}}, {"<": "x\n"}} {
		if _, ok := canonicalValues(v); ok {
			t.Errorf("fast path accepted %v, which needs escaping or another type", v)
		}
		s := New("l")
		id := s.PutValues(v) // falls back, still works
		if s.PropertySets[id] == nil {
			t.Errorf("fallback did not store %v", v)
		}
	}
}
