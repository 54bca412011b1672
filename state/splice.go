package state

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// EncodeLike returns Encode(s), byte for byte, at a cost that scales with
// what differs between s and prior: each reseller, customer, subscription
// and property set of s equal to prior's at the same key is copied from
// priorData instead of encoded.
//
// priorData must be exactly what Encode writes for prior (whatever
// prior's serial), and prior must not have been modified since: the
// snapshot Decode returned for priorData, when priorData is canonical
// (see StableEncoding). The layout of priorData is checked (each list and
// each of its elements where Encode puts them, as many elements as prior
// holds, each property set under its id and each record beginning with
// its key); when anything is not as expected, or prior or priorData is
// nil, s is encoded as Encode encodes it.
func EncodeLike(s, prior *Snapshot, priorData []byte) ([]byte, error) {
	parts, err := EncodeLikeParts(s, prior, priorData)
	if err != nil {
		return nil, err
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return bytes.Join(parts, nil), nil
}

// EncodeLikeParts is EncodeLike without joining: the encoding is the
// concatenation of the parts returned, which are spans of priorData
// (which must not be modified while they are used) and bytes of their
// own. So the unchanged bulk of a large state is never copied in memory.
func EncodeLikeParts(s, prior *Snapshot, priorData []byte) ([][]byte, error) {
	parts, copied, err := encodeLike(s, prior, priorData)
	if VerifyEncodeLike && copied > 0 {
		if want, werr := Encode(s); werr != nil || !bytes.Equal(bytes.Join(parts, nil), want) {
			panic("state: EncodeLike wrote other bytes than Encode: was its prior snapshot modified after it was decoded?")
		}
	}
	return parts, err
}

// VerifyEncodeLike, set by tests, has EncodeLike check what it writes
// against Encode and panic on a difference, which only a prior modified
// after it was decoded can cause: so that the tests of its callers tell.
var VerifyEncodeLike bool

// encodeLike is EncodeLikeParts, which also says how many elements it
// copied.
func encodeLike(s, prior *Snapshot, priorData []byte) (parts [][]byte, copied int, err error) {
	full := func() ([][]byte, int, error) {
		out, err := Encode(s)
		if err != nil {
			return nil, 0, err
		}
		return [][]byte{out}, 0, nil
	}
	if prior == nil || priorData == nil {
		return full()
	}
	c, err := canonical(s)
	if err != nil {
		return nil, 0, fmt.Errorf("encoding state: %w", err) // as Encode says it
	}
	l, ok := scanLike(prior, priorData)
	if !ok {
		return full()
	}
	w := &jsonWriter{b: make([]byte, 0, 64<<10), ok: true, like: l}
	out, ok := w.snapshot(c)
	if !ok {
		out, err := encodeReflect(c)
		if err != nil {
			return nil, 0, err
		}
		return [][]byte{out}, 0, nil
	}
	if l.ownFrom < len(out) {
		l.segs = append(l.segs, piece{start: l.ownFrom, end: len(out)})
	}
	parts = make([][]byte, len(l.segs))
	for i, sg := range l.segs {
		if sg.prior {
			parts[i] = priorData[sg.start:sg.end:sg.end]
		} else {
			parts[i] = out[sg.start:sg.end:sg.end]
		}
	}
	return parts, l.copied, nil
}

// piece is a part of an encoding in parts: a span of the prior
// encoding, or of the writer's own bytes.
type piece struct {
	prior      bool
	start, end int
}

// copyPrior writes the element of the prior encoding at sp: as a part of
// its own, or as an extension of the prior span written last when the
// bytes written since are the prior's in between (the separators of
// consecutive elements).
func (w *jsonWriter) copyPrior(sp span) {
	l := w.like
	l.copied++
	own := w.b[l.ownFrom:]
	if n := len(l.segs); n > 0 && l.segs[n-1].prior && l.segs[n-1].end <= sp.start &&
		bytes.Equal(l.data[l.segs[n-1].end:sp.start], own) {
		w.b = w.b[:l.ownFrom]
		l.segs[n-1].end = sp.end
		return
	}
	if len(own) > 0 {
		l.segs = append(l.segs, piece{start: l.ownFrom, end: len(w.b)})
	}
	l.segs = append(l.segs, piece{prior: true, start: sp.start, end: sp.end})
	l.ownFrom = len(w.b)
}

// SameButSerialParts is SameButSerial(a, b) for b in parts (as
// EncodeLikeParts returns them), whose first holds the serial.
func SameButSerialParts(a []byte, parts [][]byte) bool {
	if len(parts) == 0 {
		return false
	}
	ia, ja, ok := serialDigits(a)
	if !ok {
		return false
	}
	ib, jb, ok := serialDigits(parts[0])
	if !ok || jb >= len(parts[0]) || !bytes.Equal(a[:ia], parts[0][:ib]) {
		return false
	}
	rest := a[ja:]
	for i, p := range parts {
		if i == 0 {
			p = p[jb:]
		}
		if len(p) > len(rest) || !bytes.Equal(rest[:len(p)], p) {
			return false
		}
		rest = rest[len(p):]
	}
	return len(rest) == 0
}

// StableEncodingParts is StableEncoding for an encoding in parts.
func StableEncodingParts(parts [][]byte) bool {
	const mark = `\ufffd`
	var tail []byte // the last bytes before the part
	for _, p := range parts {
		if bytes.Contains(p, []byte(mark)) {
			return false
		}
		join := append(tail, p[:min(len(p), len(mark)-1)]...)
		if bytes.Contains(join, []byte(mark)) {
			return false
		}
		if len(p) >= len(mark)-1 {
			join = p
		} else {
			join = append(tail, p...)
		}
		tail = append([]byte(nil), join[max(0, len(join)-(len(mark)-1)):]...)
	}
	return true
}

// span is where an element is in the prior encoding.
type span struct{ start, end int }

// likeSource is the prior snapshot EncodeLike copies from: its encoding
// and where each element of its long lists is in it.
type likeSource struct {
	prior                               *Snapshot
	data                                []byte
	resellers, customers, subscriptions []span
	// sets holds the span of each property set by id.
	sets map[string]span
	// copied counts the elements copied.
	copied int
	// segs are the parts written so far; the writer's own bytes from
	// ownFrom are not among them yet.
	segs    []piece
	ownFrom int
}

// scanLike finds the elements of prior's long lists in data, its
// encoding, and checks they are where and as many as Encode writes them.
func scanLike(prior *Snapshot, data []byte) (*likeSource, bool) {
	if !bytes.HasPrefix(data, []byte("{\n  \"format_version\": ")) || !bytes.HasSuffix(data, []byte("\n}\n")) {
		return nil, false
	}
	l := &likeSource{prior: prior, data: data}
	// The top-level members, each on a line beginning with two spaces
	// and a quote (deeper lines begin with more spaces), looked for past
	// the long lists rather than through them.
	var sets []span
	seen := map[string]bool{}
	const member = "\n  \""
	for pos := 0; ; {
		k := bytes.Index(data[pos:], []byte(member))
		if k < 0 {
			break
		}
		k += pos
		name, _, ok := bytes.Cut(data[k+len(member):], []byte{'"'})
		if !ok {
			return nil, false
		}
		var list *[]span
		count, open := 0, byte('[')
		switch string(name) {
		case "resellers":
			list, count = &l.resellers, len(prior.Resellers)
		case "customers":
			list, count = &l.customers, len(prior.Customers)
		case "subscriptions":
			list, count = &l.subscriptions, len(prior.Subscriptions)
		case "property_sets":
			// As many as prior's records reference, which may be
			// fewer than it holds.
			list, count, open = &sets, -1, '{'
		default:
			pos = k + 1
			continue
		}
		if seen[string(name)] {
			return nil, false
		}
		seen[string(name)] = true
		spans, end, ok := elementSpans(data, k, string(name), open, count)
		if !ok {
			return nil, false
		}
		*list, pos = spans, end
	}
	if !seen["resellers"] && len(prior.Resellers) > 0 || !seen["customers"] && len(prior.Customers) > 0 ||
		!seen["subscriptions"] && len(prior.Subscriptions) > 0 {
		return nil, false
	}
	// Each property set is taken by the id it is written under.
	l.sets = make(map[string]span, len(sets))
	for _, sp := range sets {
		// "id": value, where id needs no escaping.
		k := bytes.IndexByte(data[sp.start+1:sp.end], '"')
		if data[sp.start] != '"' || k < 0 {
			return nil, false
		}
		id := string(data[sp.start+1 : sp.start+1+k])
		if !plainASCII(id) || !bytes.HasPrefix(data[sp.start+1+k:sp.end], []byte(`": `)) {
			return nil, false
		}
		if _, held := prior.PropertySets[id]; held {
			l.sets[id] = sp
		}
	}
	return l, true
}

// elementSpans returns the spans of the count elements of the top-level
// member name of data, which begins at i, an array (open '[') or object
// (open '{') as Encode writes it: each element on a line of its own at
// depth 2, either whole on that line or, when the line ends by opening an
// object, up to the line at depth 2 that closes it. (No string holds a raw
// newline, so every newline is the encoder's.) A count of -1 takes as
// many elements as there are. end is where the member ends.
func elementSpans(data []byte, i int, name string, open byte, count int) (spans []span, end int, ok bool) {
	head := "\n  \"" + name + "\": " + string(open)
	if !bytes.HasPrefix(data[i:], []byte(head)) || count == 0 {
		return nil, 0, false // (Encode leaves an empty list out)
	}
	const sep, closeObj = "\n    ", "\n    }"
	closer := "\n  ]"
	if open == '{' {
		closer = "\n  }"
	}
	spans = make([]span, 0, max(count, 0))
	pos := i + len(head)
	for {
		if !bytes.HasPrefix(data[pos:], []byte(sep)) {
			return nil, 0, false
		}
		start := pos + len(sep)
		if start >= len(data) || data[start] == ' ' || data[start] == '}' || data[start] == ']' {
			return nil, 0, false
		}
		nl := bytes.IndexByte(data[start:], '\n')
		if nl < 0 {
			return nil, 0, false
		}
		nl += start
		stop := nl
		switch data[nl-1] {
		case '{':
			// The first '}' after a newline and four spaces: braces
			// are rarer than newlines.
			k := nl
			for {
				b := bytes.IndexByte(data[k:], '}')
				if b < 0 {
					return nil, 0, false
				}
				k += b
				if string(data[k-len(closeObj)+1:k+1]) == closeObj {
					break
				}
				k++
			}
			stop = k + 1
		case '[':
			return nil, 0, false // no element of these lists is a list
		case ',':
			stop = nl - 1
		}
		spans = append(spans, span{start, stop})
		if count >= 0 && len(spans) > count {
			return nil, 0, false
		}
		switch {
		case stop < len(data) && data[stop] == ',':
			pos = stop + 1
		case bytes.HasPrefix(data[stop:], []byte(closer)):
			return spans, stop + len(closer), count < 0 || len(spans) == count
		default:
			return nil, 0, false
		}
	}
}

// compareServerKey compares ServerKey(as, ak) with ServerKey(bs, bk),
// without building them when the servers are the same.
func compareServerKey(as, ak, bs, bk string) int {
	if as == bs {
		return strings.Compare(ak, bk)
	}
	return strings.Compare(ServerKey(as, ak), ServerKey(bs, bk))
}

// spliceList writes list as w.list(len(list), ...) with enc writes it,
// copying from the prior encoding each element equal to the element of
// prior (spans: where each is) at the same key. Both lists are sorted by
// key (keyOf: server and key); field is the member its key is written as,
// which each copied span is checked to begin with.
func spliceList[T any](w *jsonWriter, list, prior []T, spans []span, keyOf func(*T) (string, string), field string, same func(a, b *T) bool, enc func(*T)) {
	w.b = append(w.b, '[')
	m, i := 0, 0
	var scratch []byte
	for j := range list {
		w.item(&m)
		r := &list[j]
		server, key := keyOf(r)
		for i < len(prior) {
			ps, pk := keyOf(&prior[i])
			if compareServerKey(ps, pk, server, key) >= 0 {
				break
			}
			i++
		}
		if i < len(prior) && same(r, &prior[i]) {
			sp := spans[i]
			scratch = recordHead(scratch[:0], server, field, key)
			if bytes.HasPrefix(w.like.data[sp.start:sp.end], scratch) {
				w.copyPrior(sp)
				i++
				continue
			}
		}
		enc(r)
	}
	w.end(m, ']')
}

// recordHead is how Encode begins a record of server whose first member
// after "server" is field, holding key, in a list at depth 2.
func recordHead(b []byte, server, field, key string) []byte {
	const nl = "\n      "
	b = append(b, '{')
	if server != "" {
		b = append(b, nl+`"server": `...)
		b = appendJSONString(b, server)
		b = append(b, ',')
	}
	b = append(b, nl+`"`...)
	b = append(b, field...)
	b = append(b, '"', ':', ' ')
	return appendJSONString(b, key)
}

func (w *jsonWriter) resellers(list []Reseller) {
	writeRecords(w, list, func(l *likeSource) ([]Reseller, []span) { return l.prior.Resellers, l.resellers },
		func(r *Reseller) (string, string) { return r.Server, r.Login }, "login", sameReseller, w.reseller)
}

func (w *jsonWriter) customers(list []Customer) {
	writeRecords(w, list, func(l *likeSource) ([]Customer, []span) { return l.prior.Customers, l.customers },
		func(r *Customer) (string, string) { return r.Server, r.Login }, "login", sameCustomer, w.customer)
}

func (w *jsonWriter) subscriptions(list []Subscription) {
	writeRecords(w, list, func(l *likeSource) ([]Subscription, []span) { return l.prior.Subscriptions, l.subscriptions },
		func(r *Subscription) (string, string) { return r.Server, r.Domain }, "domain", sameSubscription, w.subscription)
}

// writeRecords writes list, each record with enc, or, when encoding like
// a prior snapshot, copying from its encoding (prior picks its records
// and their spans) what did not change (spliceList).
func writeRecords[T any](w *jsonWriter, list []T, prior func(*likeSource) ([]T, []span), keyOf func(*T) (string, string), field string, same func(a, b *T) bool, enc func(*T)) {
	if w.like == nil {
		w.list(len(list), func(i int) { enc(&list[i]) })
		return
	}
	records, spans := prior(w.like)
	spliceList(w, list, records, spans, keyOf, field, same, enc)
}

// propertySet writes the property set id as a member of property_sets,
// copied from the prior encoding when prior holds the same set under id.
func (w *jsonWriter) propertySet(n *int, id string, v Values) {
	if w.like != nil {
		if sp, ok := w.like.sets[id]; ok && sameValues(v, w.like.prior.PropertySets[id]) {
			w.item(n)
			w.copyPrior(sp)
			return
		}
	}
	w.key(n, id)
	w.values(v)
}

// The comparisons below report whether two records, or values, are
// encoded the same because they are equal: they are strict (an int is
// not an int64, times compare with their location), as only equal
// encodings matter and a difference just means encoding.

func sameStrings(a, b []string) bool { return slices.Equal(a, b) }

func samePlesk(a, b *PleskID) bool {
	return a == b || a != nil && b != nil && *a == *b
}

func sameTime(a, b time.Time) bool { return a == b }

func sameTimePtr(a, b *time.Time) bool {
	return a == b || a != nil && b != nil && *a == *b
}

func sameReseller(a, b *Reseller) bool {
	return a.Server == b.Server && a.Login == b.Login && a.PasswordHash == b.PasswordHash && a.Contact == b.Contact &&
		a.Plan == b.Plan && a.SyncStatus == b.SyncStatus && a.Allocation == b.Allocation && sameStrings(a.Services, b.Services) &&
		a.Oversell == b.Oversell && a.Status == b.Status && a.Description == b.Description && a.ManagedBy == b.ManagedBy &&
		samePlesk(a.Plesk, b.Plesk)
}

func sameCustomer(a, b *Customer) bool {
	return a.Server == b.Server && a.Login == b.Login && a.PasswordHash == b.PasswordHash && a.Contact == b.Contact &&
		a.Owner == b.Owner && a.Status == b.Status && sameStrings(a.StatusReasons, b.StatusReasons) &&
		a.Description == b.Description && a.AdminDescription == b.AdminDescription && a.ManagedBy == b.ManagedBy &&
		samePlesk(a.Plesk, b.Plesk)
}

func sameSubscription(a, b *Subscription) bool {
	return a.Server == b.Server && a.Domain == b.Domain && a.Owner == b.Owner && a.Customer == b.Customer &&
		a.Plan == b.Plan && sameStrings(a.Addons, b.Addons) && a.SyncStatus == b.SyncStatus &&
		a.ServerSyncStatus == b.ServerSyncStatus && a.LockedInPanel == b.LockedInPanel && a.Effective == b.Effective &&
		a.Base == b.Base && a.Customize == b.Customize && sameStrings(a.Customized, b.Customized) &&
		a.Settings == b.Settings && a.DroppedSettings == b.DroppedSettings && sameConflicts(a.Conflicts, b.Conflicts) &&
		a.ConfigStatus == b.ConfigStatus && a.Status == b.Status && sameStrings(a.StatusReasons, b.StatusReasons) &&
		sameTime(a.CreatedAt, b.CreatedAt) && sameTimePtr(a.Expires, b.Expires) && a.FTPLogin == b.FTPLogin &&
		a.FTPPassword == b.FTPPassword && a.ManagedBy == b.ManagedBy && samePlesk(a.Plesk, b.Plesk) && a.IPAddress == b.IPAddress
}

func sameConflicts(a, b []Conflict) bool {
	return slices.EqualFunc(a, b, func(x, y Conflict) bool {
		return x.Property == y.Property && x.Reason == y.Reason && sameValue(x.PlanValue, y.PlanValue) &&
			sameValue(x.AvailableValue, y.AvailableValue)
	})
}

// sameValues compares property sets (a nil set is written null, an empty
// one {}).
func sameValues(a, b map[string]any) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y, ok := b[k]
		if !ok || !sameValue(x, y) {
			return false
		}
	}
	return true
}

// sameValue compares property values of the types jsonWriter.value
// writes; values of any other type are never the same.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case int64:
		y, ok := b.(int64)
		return ok && x == y
	case int:
		y, ok := b.(int)
		return ok && x == y
	case float64:
		// By their bits: -0 is written "-0", and a NaN is never written.
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y) && !math.IsNaN(x)
	case []any:
		y, ok := b.([]any)
		return ok && (x == nil) == (y == nil) && slices.EqualFunc(x, y, sameValue)
	case []string:
		y, ok := b.([]string)
		return ok && (x == nil) == (y == nil) && slices.Equal(x, y)
	case Values:
		y, ok := b.(Values)
		return ok && sameValues(x, y)
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && sameValues(x, y)
	}
	return false
}
