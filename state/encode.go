package state

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Encode returns the canonical encoding of s: JSON indented by two spaces
// with a trailing newline, the records of every list sorted by key
// (services and extensions by name, plans by key, resellers and customers
// by login, subscriptions by domain) and only the property sets some
// record references, so that snapshots with equal content are byte-equal.
// The format_version written is always FormatVersion.
//
// s is not modified: a list that is not already sorted is sorted in a copy.
// Encode fails when s has no lineage, claims a newer format version, lists
// two records with the same key in one list, references a property set it
// does not hold, or holds a value JSON cannot represent (NaN, a channel).
func Encode(s *Snapshot) ([]byte, error) {
	c, err := canonical(s)
	if err != nil {
		return nil, fmt.Errorf("encoding state: %w", err)
	}
	if out, ok := appendJSON(make([]byte, 0, encodedSizeHint(c)), c); ok {
		return out, nil
	}
	return encodeReflect(c)
}

// encodeReflect encodes the canonical snapshot c with encoding/json and
// indent: what appendJSON writes faster, and the reference it is tested
// against. Encode uses it for what appendJSON does not handle, so a
// value it cannot encode fails as encoding/json fails.
func encodeReflect(c *Snapshot) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("encoding state: %w", err)
	}
	compact := buf.Bytes()
	return indent(make([]byte, 0, len(compact)+len(compact)/2), compact), nil
}

// encodedSizeHint guesses the size of c's encoding from its record
// counts, so the output is seldom grown and copied.
func encodedSizeHint(c *Snapshot) int {
	records := len(c.Services) + len(c.ServicePlans) + len(c.AddonPlans) + len(c.ResellerPlans) +
		len(c.Resellers) + len(c.Customers) + len(c.Subscriptions)
	return 4096 + recordSizeHint*records + setSizeHint*len(c.PropertySets)
}

// The encoded sizes encodedSizeHint guesses for a record and a property
// set: more than most take.
const (
	recordSizeHint = 640
	setSizeHint    = 1024
)

// SameButSerial reports whether a and b, each written by Encode, are
// equal but for their serials. It is false for what Encode did not write.
func SameButSerial(a, b []byte) bool {
	ia, ja, ok := serialDigits(a)
	if !ok {
		return false
	}
	ib, jb, ok := serialDigits(b)
	return ok && bytes.Equal(a[:ia], b[:ib]) && bytes.Equal(a[ja:], b[jb:])
}

// serialDigits returns where the digits of the serial are in data, written
// by Encode: after the format version and the lineage (which holds no raw
// newline), the third member.
func serialDigits(data []byte) (i, j int, ok bool) {
	const head, key = "{\n  \"format_version\": ", "\n  \"serial\": "
	if !bytes.HasPrefix(data, []byte(head)) {
		return 0, 0, false
	}
	k := bytes.Index(data, []byte(key))
	if k < 0 {
		return 0, 0, false
	}
	i = k + len(key)
	j = i
	for j < len(data) && '0' <= data[j] && data[j] <= '9' {
		j++
	}
	return i, j, j > i
}

// StableEncoding reports whether data, written by Encode, is what Encode
// writes again for its decoding. It is, unless a string held invalid
// UTF-8, which Encode writes as \ufffd and Decode reads back as U+FFFD
// (so, to be safe, unless data holds \ufffd at all).
func StableEncoding(data []byte) bool {
	return !bytes.Contains(data, []byte(`\ufffd`))
}

// indent indents compact JSON (as encoding/json writes it) by two spaces
// per level and ends it with a newline, as json.Indent would but several
// times faster: it need not validate its input.
func indent(dst, src []byte) []byte {
	const spaces = "\n                                "
	depth := 0
	newline := func() {
		if n := 1 + 2*depth; n <= len(spaces) {
			dst = append(dst, spaces[:n]...)
			return
		}
		dst = append(dst, '\n')
		for range depth {
			dst = append(dst, ' ', ' ')
		}
	}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			dst = append(dst, src[i:min(j+1, len(src))]...)
			i = j
		case '{', '[':
			dst = append(dst, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, src[i+1])
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		case ' ', '\t', '\n', '\r':
			// the encoder's trailing newline
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '\n')
}

// check reports what Encode would refuse in s.
func check(s *Snapshot) error {
	_, err := canonical(s)
	return err
}

// canonical returns a shallow copy of s in canonical form (see Encode).
func canonical(s *Snapshot) (*Snapshot, error) {
	if s == nil {
		return nil, errors.New("no snapshot")
	}
	if s.Lineage == "" {
		return nil, errors.New("snapshot has no lineage")
	}
	if s.FormatVersion > FormatVersion {
		return nil, fmt.Errorf("snapshot has format version %d; this plansync writes %d", s.FormatVersion, FormatVersion)
	}
	c := *s
	c.FormatVersion = FormatVersion
	var err error
	if len(c.Servers) > 0 {
		if c.Servers, err = sortedBy(c.Servers, "server", func(r Server) string { return r.Name }); err != nil {
			return nil, err
		}
		c.Servers = slices.Clone(c.Servers)
		for i := range c.Servers {
			if c.Servers[i].Extensions, err = sortedBy(c.Servers[i].Extensions, "extension", func(e Extension) string { return e.Name }); err != nil {
				return nil, err
			}
		}
	}
	if c.Server != nil && len(c.Server.Extensions) > 0 {
		srv := *c.Server
		if srv.Extensions, err = sortedBy(srv.Extensions, "extension", func(e Extension) string { return e.Name }); err != nil {
			return nil, err
		}
		c.Server = &srv
	}
	if c.Services, err = sortedBy(c.Services, "service", func(r Service) string { return ServerKey(r.Server, r.Name) }); err != nil {
		return nil, err
	}
	planKey := func(p Plan) string { return ServerKey(p.Server, p.Key) }
	if c.ServicePlans, err = sortedBy(c.ServicePlans, "service plan", planKey); err != nil {
		return nil, err
	}
	if c.AddonPlans, err = sortedBy(c.AddonPlans, "add-on plan", planKey); err != nil {
		return nil, err
	}
	if c.ResellerPlans, err = sortedBy(c.ResellerPlans, "reseller plan", planKey); err != nil {
		return nil, err
	}
	if c.Resellers, err = sortedBy(c.Resellers, "reseller", func(r Reseller) string { return ServerKey(r.Server, r.Login) }); err != nil {
		return nil, err
	}
	if c.Customers, err = sortedBy(c.Customers, "customer", func(r Customer) string { return ServerKey(r.Server, r.Login) }); err != nil {
		return nil, err
	}
	if c.Subscriptions, err = sortedBy(c.Subscriptions, "subscription", func(r Subscription) string { return ServerKey(r.Server, r.Domain) }); err != nil {
		return nil, err
	}
	if c.PropertySets, err = ReferencedSets(&c); err != nil {
		return nil, err
	}
	return &c, nil
}

// KeySeparator separates the server from the key in ServerKey: a
// control character, which no name, login or domain holds, that sorts
// before every printable one (and that PostgreSQL text can hold).
const KeySeparator = "\x1f"

// ServerKey is the sort and identity key of a record of server (""
// for the single server): records sort by server, then key, and the
// single server's records sort as they always did.
func ServerKey(server, key string) string {
	if server == "" {
		return key
	}
	return server + KeySeparator + key
}

// sortedBy returns list sorted by key: list itself when already sorted,
// else a sorted copy. Two records with the same key, or a record with
// an empty key, are an error.
func sortedBy[T any](list []T, what string, key func(T) string) ([]T, error) {
	less := func(a, b T) int { return cmp.Compare(key(a), key(b)) }
	if !slices.IsSortedFunc(list, less) {
		list = slices.Clone(list)
		slices.SortStableFunc(list, less)
	}
	for i := range list {
		// A record without its key (a null or hand-cut one) names nothing.
		if k := key(list[i]); k == "" || strings.HasSuffix(k, KeySeparator) {
			return nil, fmt.Errorf("a %s record has no key", what)
		}
	}
	for i := 1; i < len(list); i++ {
		if k := key(list[i]); k == key(list[i-1]) {
			if server, key, ok := strings.Cut(k, KeySeparator); ok {
				return nil, fmt.Errorf("two records for %s %q on server %s", what, key, server)
			}
			return nil, fmt.Errorf("two records for %s %q", what, k)
		}
	}
	return list, nil
}

// ReferencedSets returns the property sets of s that a record
// references, failing on a reference to a set s does not hold.
func ReferencedSets(s *Snapshot) (map[string]Values, error) {
	var used map[string]Values
	var err error
	ref := func(what, key, id string) {
		if id == "" || err != nil {
			return
		}
		if _, ok := used[id]; ok {
			return
		}
		v, ok := s.PropertySets[id]
		if !ok {
			err = fmt.Errorf("%s %q references property set %q, which the snapshot does not hold", what, key, id)
			return
		}
		if used == nil {
			used = make(map[string]Values, len(s.PropertySets))
		}
		used[id] = v
	}
	for _, plans := range [][]Plan{s.ServicePlans, s.AddonPlans, s.ResellerPlans} {
		for _, p := range plans {
			ref("plan", p.Key, p.Props)
		}
	}
	for _, r := range s.Resellers {
		ref("reseller", r.Login, r.Allocation)
	}
	for i := range s.Subscriptions {
		sub := &s.Subscriptions[i]
		for _, id := range sub.SetIDs() {
			ref("subscription", sub.Domain, id)
		}
	}
	return used, err
}

// NewLineage returns a new random lineage: 128 random bits written like a
// version 4 UUID.
func NewLineage() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// PutValues interns the property set v in s and returns its id: the first
// 16 hex digits of the SHA-256 of v's compact JSON (keys sorted, as
// encoding/json writes maps), so equal sets share one id. It allocates
// s.PropertySets when nil. What is stored is a copy of v as Decode would
// return it (integral numbers as int64, lists as []any), so a snapshot
// compares equal to itself after a round trip and later changes to v do
// not reach it; when s already holds the id, the stored set is kept.
// PutValues panics when v holds a value JSON cannot represent (NaN,
// a channel): property values are JSON scalars by construction.
func (s *Snapshot) PutValues(v Values) string { return s.PutValuesLike(v, nil) }

// PutValuesLike is PutValues, except that when like (nil for none)
// holds a set under the id v's content has, s stores like's set rather
// than a copy of v: s and like then share it, and neither may modify it
// (a snapshot's sets are only ever replaced). Interning the values a
// recorded snapshot holds keeps no second copy of them.
func (s *Snapshot) PutValuesLike(v Values, like *Snapshot) string {
	return s.PutEntry(NewValuesEntry(v, like))
}

// ValuesEntry is a property set made ready to intern (NewValuesEntry):
// its content encoded and hashed, which is the costly part, apart from
// storing it (PutEntry), so that goroutines sharing a snapshot under a
// lock need to hold it only to store.
type ValuesEntry struct {
	// ID is the set's content id, as PutValues returns it.
	ID   string
	v    Values
	b    []byte
	fast bool
	// like is the set of the like snapshot under ID, when its content
	// is v's.
	like Values
}

// NewValuesEntry makes v ready to intern as PutValuesLike(v, like)
// interns it. v must not be modified until it is stored.
func NewValuesEntry(v Values, like *Snapshot) ValuesEntry {
	if v == nil {
		v = Values{}
	}
	b, fast := canonicalValues(v)
	if !fast {
		var err error
		if b, err = marshalCompact(v); err != nil {
			panic(fmt.Sprintf("state: property set cannot be encoded: %v", err))
		}
	}
	sum := sha256.Sum256(b)
	e := ValuesEntry{ID: hex.EncodeToString(sum[:8]), v: v, b: b, fast: fast}
	if like != nil {
		if w := like.PropertySets[e.ID]; w != nil && sameContent(v, w, b) {
			// (A set recorded under an id that is not its
			// content's is not taken.)
			e.like = w
		}
	}
	return e
}

// PutEntry stores a set made ready by NewValuesEntry, as PutValuesLike
// does, and returns its id.
func (s *Snapshot) PutEntry(e ValuesEntry) string {
	if _, ok := s.PropertySets[e.ID]; ok {
		return e.ID
	}
	if s.PropertySets == nil {
		s.PropertySets = make(map[string]Values)
	}
	norm := e.like
	switch {
	case norm != nil:
	case e.fast:
		norm = normValues(e.v)
	default:
		norm = normalized(e.b)
	}
	s.PropertySets[e.ID] = norm
	return e.ID
}

// Values returns the property set with id, or nil when s holds none.
func (s *Snapshot) Values(id string) Values {
	return s.PropertySets[id]
}

// sameContent reports whether w's compact JSON is b, v's: whether w
// holds v's values, compared as canonicalValues writes them (an int as
// the int64 it is written as), or else w is encoded to compare.
func sameContent(v, w Values, b []byte) bool {
	if len(v) != len(w) {
		return false
	}
	for k, x := range v {
		y, ok := w[k]
		if !ok {
			return false
		}
		switch x := x.(type) {
		case string, bool, int64, nil:
			if x != y {
				return false
			}
		case int:
			if n, ok := y.(int64); !ok || n != int64(x) {
				return false
			}
		case []any:
			list, ok := y.([]any)
			if !ok || len(list) != len(x) {
				return false
			}
			for i, item := range x {
				if _, isStr := item.(string); !isStr {
					return sameCanonical(w, b)
				}
				if list[i] != item {
					return false
				}
			}
		default:
			return sameCanonical(w, b)
		}
	}
	return true
}

// sameCanonical reports whether v's compact JSON is b.
func sameCanonical(v Values, b []byte) bool {
	var buf [4096]byte
	c, ok := appendCanonical(buf[:0], v)
	if !ok {
		var err error
		if c, err = marshalCompact(v); err != nil {
			return false
		}
	}
	return bytes.Equal(c, b)
}

func marshalCompact(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// normalized decodes a property set's JSON as Decode does.
func normalized(b []byte) Values {
	d := newDecoder(b)
	v := d.values("a property set", "a property set")
	if d.err != nil {
		panic("state: property set does not decode: " + d.err.Error()) // we just encoded it
	}
	return v
}

// ContentEqual reports whether a and b record the same content, ignoring
// their serials: whether their canonical encodings with serial 0 are
// equal. Neither is modified. A snapshot that cannot be encoded is equal
// to nothing; two nil snapshots are equal.
func ContentEqual(a, b *Snapshot) bool {
	if a == nil || b == nil {
		return a == b
	}
	ea, err := encodeContent(a)
	if err != nil {
		return false
	}
	eb, err := encodeContent(b)
	if err != nil {
		return false
	}
	return bytes.Equal(ea, eb)
}

// encodeContent encodes s with serial 0, leaving s unchanged.
func encodeContent(s *Snapshot) ([]byte, error) {
	c := *s
	c.Serial = 0
	return Encode(&c)
}
