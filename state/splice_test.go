package state

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// randFill sets every field of the struct v points to at random, by
// reflection, so that a field added to a record is edited here too.
func randFill(r *rand.Rand, v reflect.Value) {
	for i := range v.NumField() {
		randField(r, v.Field(i))
	}
}

var (
	randStrings = []string{"", "a", "b", "admin", "x\"y", "back\\slash", "tab\there", "line\nbreak", "\u2028", "é", "\xff", "<html>&"}
	randTimes   = []time.Time{
		time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC),
		time.Date(2024, 3, 1, 12, 0, 0, 5, time.UTC),
		time.Date(2024, 3, 1, 13, 0, 0, 0, time.FixedZone("", 3600)),
		{},
	}
)

func randString(r *rand.Rand) string { return randStrings[r.IntN(len(randStrings))] }

func randField(r *rand.Rand, f reflect.Value) {
	switch f.Interface().(type) {
	case time.Time:
		f.Set(reflect.ValueOf(randTimes[r.IntN(len(randTimes))]))
		return
	case *time.Time:
		if r.IntN(2) == 0 {
			f.SetZero()
		} else {
			t := randTimes[r.IntN(len(randTimes))]
			f.Set(reflect.ValueOf(&t))
		}
		return
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(randString(r))
	case reflect.Bool:
		f.SetBool(r.IntN(2) == 0)
	case reflect.Int:
		f.SetInt(int64(r.IntN(3)))
	case reflect.Pointer:
		if r.IntN(2) == 0 {
			f.SetZero()
			return
		}
		p := reflect.New(f.Type().Elem())
		randFill(r, p.Elem())
		f.Set(p)
	case reflect.Struct:
		randFill(r, f)
	case reflect.Slice:
		n := r.IntN(4) - 1
		if n < 0 {
			f.SetZero()
			return
		}
		s := reflect.MakeSlice(f.Type(), n, n)
		for i := range n {
			randField(r, s.Index(i))
		}
		f.Set(s)
	case reflect.Interface:
		if v := randValue(r, 2); v != nil {
			f.Set(reflect.ValueOf(v))
		} else {
			f.SetZero()
		}
	default:
		panic("randField: " + f.Type().String())
	}
}

// randValue is a random property value.
func randValue(r *rand.Rand, depth int) any {
	switch k := r.IntN(10); {
	case k == 0:
		return nil
	case k == 1:
		return randString(r)
	case k == 2:
		return r.IntN(2) == 0
	case k == 3:
		return int64(r.IntN(3) - 1)
	case k == 4:
		return r.IntN(3)
	case k == 5:
		return []float64{0, 0.5, math.Copysign(0, -1), 1e21, 1e-7}[r.IntN(5)]
	case k == 6 && depth > 0:
		list := []any{}
		for range r.IntN(3) {
			list = append(list, randValue(r, depth-1))
		}
		return list
	case k == 7 && depth > 0:
		return randValues(r, depth-1)
	case k == 8:
		return []string{randString(r)}
	}
	return "v"
}

func randValues(r *rand.Rand, depth int) Values {
	if r.IntN(20) == 0 {
		return nil
	}
	v := Values{}
	for range r.IntN(4) {
		v[randString(r)+"k"] = randValue(r, depth)
	}
	return v
}

// randSnapshot is a snapshot with every field of its long lists set at
// random, keys unique, every referenced property set held.
func randSnapshot(r *rand.Rand) *Snapshot {
	s := New("lineage-1")
	s.Serial = uint64(r.IntN(1000))
	s.PropertySets = map[string]Values{}
	for i := range 6 {
		s.PropertySets[fmt.Sprintf("set%d", i)] = randValues(r, 2)
	}
	for range r.IntN(12) {
		s.Resellers = append(s.Resellers, randReseller(r))
	}
	for range r.IntN(12) {
		s.Customers = append(s.Customers, randCustomer(r))
	}
	for range r.IntN(30) {
		s.Subscriptions = append(s.Subscriptions, randSubscription(r))
	}
	s.ServicePlans = []Plan{{Key: "admin/p", Owner: "admin", Name: "p", Props: "set0"}}
	return fixSnapshot(s)
}

var randKeys = []string{"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k\"11", "é12"}

func randSetID(r *rand.Rand) string { return fmt.Sprintf("set%d", r.IntN(6)) }

func randReseller(r *rand.Rand) Reseller {
	var x Reseller
	randFill(r, reflect.ValueOf(&x).Elem())
	x.Login = randKeys[r.IntN(len(randKeys))]
	x.Server = []string{"", "", "web1"}[r.IntN(3)]
	x.Allocation = []string{"", randSetID(r)}[r.IntN(2)]
	return x
}

func randCustomer(r *rand.Rand) Customer {
	var x Customer
	randFill(r, reflect.ValueOf(&x).Elem())
	x.Login = randKeys[r.IntN(len(randKeys))]
	x.Server = []string{"", "", "web1"}[r.IntN(3)]
	return x
}

func randSubscription(r *rand.Rand) Subscription {
	var x Subscription
	randFill(r, reflect.ValueOf(&x).Elem())
	x.Domain = randKeys[r.IntN(len(randKeys))] + ".example"
	x.Server = []string{"", "", "web1", "web0"}[r.IntN(4)]
	x.Effective = randSetID(r)
	for _, p := range []*string{&x.Base, &x.Customize, &x.Settings, &x.DroppedSettings} {
		*p = []string{"", randSetID(r)}[r.IntN(2)]
	}
	return x
}

// fixSnapshot drops records with a key taken already and makes every
// property set referenced exist.
func fixSnapshot(s *Snapshot) *Snapshot {
	s.Resellers = dedupe(s.Resellers, func(x Reseller) string { return ServerKey(x.Server, x.Login) })
	s.Customers = dedupe(s.Customers, func(x Customer) string { return ServerKey(x.Server, x.Login) })
	s.Subscriptions = dedupe(s.Subscriptions, func(x Subscription) string { return ServerKey(x.Server, x.Domain) })
	if s.PropertySets == nil {
		s.PropertySets = map[string]Values{}
	}
	for i := range 6 {
		if id := fmt.Sprintf("set%d", i); s.PropertySets[id] == nil {
			if _, ok := s.PropertySets[id]; !ok {
				s.PropertySets[id] = Values{"n": int64(i)}
			}
		}
	}
	return s
}

func dedupe[T any](list []T, key func(T) string) []T {
	seen := map[string]bool{}
	var out []T
	for _, x := range list {
		if k := key(x); !seen[k] {
			seen[k] = true
			out = append(out, x)
		}
	}
	return out
}

// cloneSnapshot copies s's lists and property set map (not the records'
// contents, which edits replace rather than modify).
func cloneSnapshot(s *Snapshot) *Snapshot {
	c := *s
	c.Resellers = slices.Clone(s.Resellers)
	c.Customers = slices.Clone(s.Customers)
	c.Subscriptions = slices.Clone(s.Subscriptions)
	c.PropertySets = make(map[string]Values, len(s.PropertySets))
	for k, v := range s.PropertySets {
		c.PropertySets[k] = v
	}
	return &c
}

// randEdit changes s at random: records added, removed, renamed,
// changed in one field, moved, property sets changed, added or dropped.
func randEdit(r *rand.Rand, s *Snapshot) *Snapshot {
	s = cloneSnapshot(s)
	s.Serial++
	for range r.IntN(4) {
		switch r.IntN(11) {
		case 0:
			s.Subscriptions = append(s.Subscriptions, randSubscription(r))
		case 1:
			if n := len(s.Subscriptions); n > 0 {
				i := r.IntN(n)
				s.Subscriptions = slices.Delete(s.Subscriptions, i, i+1)
			}
		case 2:
			if n := len(s.Subscriptions); n > 0 {
				s.Subscriptions[r.IntN(n)].Domain = randKeys[r.IntN(len(randKeys))] + ".renamed"
			}
		case 3:
			if n := len(s.Subscriptions); n > 0 {
				x := &s.Subscriptions[r.IntN(n)]
				v := reflect.ValueOf(x).Elem()
				f := r.IntN(v.NumField())
				if name := v.Type().Field(f).Name; name != "Domain" && name != "Server" && name != "Effective" &&
					name != "Base" && name != "Customize" && name != "Settings" && name != "DroppedSettings" {
					randField(r, v.Field(f))
				}
			}
		case 4:
			r.Shuffle(len(s.Subscriptions), func(i, j int) {
				s.Subscriptions[i], s.Subscriptions[j] = s.Subscriptions[j], s.Subscriptions[i]
			})
		case 5:
			if n := len(s.Customers); n > 0 {
				x := &s.Customers[r.IntN(n)]
				v := reflect.ValueOf(x).Elem()
				if f := r.IntN(v.NumField()); v.Type().Field(f).Name != "Login" && v.Type().Field(f).Name != "Server" {
					randField(r, v.Field(f))
				}
			}
			s.Customers = append(s.Customers, randCustomer(r))
		case 6:
			if n := len(s.Resellers); n > 0 {
				x := &s.Resellers[r.IntN(n)]
				v := reflect.ValueOf(x).Elem()
				if f := r.IntN(v.NumField()); v.Type().Field(f).Name != "Login" && v.Type().Field(f).Name != "Allocation" && v.Type().Field(f).Name != "Server" {
					randField(r, v.Field(f))
				}
				s.Resellers = slices.Delete(s.Resellers, 0, 1)
			}
		case 7:
			s.PropertySets[randSetID(r)] = randValues(r, 2) // changed under its id
		case 8:
			// A new set, referenced; or every reference to one dropped.
			id := fmt.Sprintf("new%d", r.IntN(3))
			s.PropertySets[id] = randValues(r, 2)
			if n := len(s.Subscriptions); n > 0 {
				s.Subscriptions[r.IntN(n)].Customize = id
			}
		case 9:
			drop := randSetID(r)
			for i := range s.Subscriptions {
				x := &s.Subscriptions[i]
				for _, p := range []*string{&x.Effective, &x.Base, &x.Customize, &x.Settings, &x.DroppedSettings} {
					if *p == drop {
						*p = "set0"
						if drop == "set0" {
							*p = "set1"
						}
					}
				}
			}
		case 10:
			if n := len(s.Subscriptions); n > 0 {
				s.Subscriptions[r.IntN(n)].Server = []string{"", "web1", "web2"}[r.IntN(3)]
			}
		}
	}
	return fixSnapshot(s)
}

// EncodeLike writes exactly what Encode writes, for random snapshots and
// random edits of them, whether prior is the snapshot encoded or its
// decoding; and it copies what did not change.
func TestEncodeLikeIsEncode(t *testing.T) {
	copied := 0
	for seed := range 2000 {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		prior := randSnapshot(r)
		data, err := Encode(prior)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		// As a decoded snapshot is: its lists sorted (a record not
		// where prior's encoding has it is never copied).
		sorted, err := canonical(prior)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		sorted.PropertySets = prior.PropertySets
		priors := []*Snapshot{sorted, prior}
		if StableEncoding(data) {
			// (Decode refuses a set written null.)
			if d, err := Decode(data); err == nil {
				priors = append(priors, d)
			}
		}
		next := prior
		for step := range 4 {
			next = randEdit(r, next)
			want, werr := Encode(next)
			for _, p := range priors {
				parts, n, err := encodeLike(next, p, data)
				got := bytes.Join(parts, nil)
				if werr == nil && (!SameButSerialParts(want, parts) || StableEncodingParts(parts) != StableEncoding(want)) {
					t.Fatalf("seed %d step %d: the parts compare otherwise than the bytes", seed, step)
				}
				if (err == nil) != (werr == nil) || !bytes.Equal(got, want) {
					t.Fatalf("seed %d step %d: EncodeLike = %v\n%s\nEncode = %v\n%s", seed, step, err, got, werr, want)
				}
				copied += n
			}
		}
		// Unchanged but for the serial: all copied.
		same := cloneSnapshot(prior)
		same.Serial += 5
		want, _ := Encode(same)
		parts, n, err := encodeLike(same, sorted, data)
		got := bytes.Join(parts, nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("seed %d: same content: %v\n%s\nwant\n%s", seed, err, got, want)
		}
		if total := len(prior.Resellers) + len(prior.Customers) + len(prior.Subscriptions); n < total {
			t.Fatalf("seed %d: %d of %d records copied for the same content", seed, n, total)
		}
	}
	if copied == 0 {
		t.Fatal("nothing was ever copied")
	}
}

// What is not as EncodeLike expects the prior encoding to be is encoded
// anew: priorData not Encode's, other element counts, property sets under
// other ids, records in another order.
func TestEncodeLikeFallsBack(t *testing.T) {
	prior := bigSnapshot(50)
	data, err := Encode(prior)
	if err != nil {
		t.Fatal(err)
	}
	next := cloneSnapshot(prior)
	next.Serial = 9
	next.Subscriptions[3].Status = "suspended"
	want, err := Encode(next)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, p *Snapshot, d []byte, wantCopied bool) {
		t.Helper()
		parts, n, err := encodeLike(next, p, d)
		got := bytes.Join(parts, nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: %v, not Encode's output", name, err)
		}
		if (n > 0) != wantCopied {
			t.Fatalf("%s: %d elements copied", name, n)
		}
	}
	check("canonical", prior, data, true)

	indented := bytes.ReplaceAll(data, []byte("\n    "), []byte("\n     "))
	check("indented otherwise", prior, indented, false)
	check("no trailing newline", prior, bytes.TrimSuffix(data, []byte("\n")), false)
	check("a compact document", prior, []byte(`{"format_version":"1","lineage":"x","serial":1}`), false)
	check("empty", prior, []byte{}, false)
	check("truncated", prior, data[:len(data)/2], false)

	more := cloneSnapshot(prior)
	more.Subscriptions = append(more.Subscriptions, Subscription{Domain: "zz.example"})
	check("a record more in prior", more, data, false)
	fewer := cloneSnapshot(prior)
	fewer.Subscriptions = fewer.Subscriptions[1:]
	check("a record fewer in prior", fewer, data, false)
	sets := cloneSnapshot(prior)
	sets.PropertySets["0000"] = Values{}
	check("a set more in prior", sets, data, true)
	renamed := cloneSnapshot(prior)
	for id, v := range prior.PropertySets {
		delete(renamed.PropertySets, id)
		renamed.PropertySets[id+"x"] = v
		break
	}
	check("a set under another id in prior", renamed, data, true)

	// Records in another order than encoded: the output is still
	// Encode's.
	reversed := cloneSnapshot(prior)
	slices.Reverse(reversed.Subscriptions)
	if got, err := EncodeLike(next, reversed, data); err != nil || !bytes.Equal(got, want) {
		t.Fatal("records in another order: not Encode's output")
	}

	// A record whose span does not begin with its key is encoded.
	moved := bytes.Replace(data, []byte(`"domain": "site000005.example.com"`), []byte(`"domain": "site000005.example.org"`), 1)
	parts, n, err := encodeLike(next, prior, moved)
	if err != nil || !bytes.Equal(bytes.Join(parts, nil), want) || n == 0 {
		t.Fatalf("a record's key edited: %v, %d copied", err, n)
	}
}

func BenchmarkEncodeLike100k(b *testing.B) {
	prior := bigSnapshot(100_000)
	data, err := Encode(prior)
	if err != nil {
		b.Fatal(err)
	}
	next := cloneSnapshot(prior)
	next.Serial++
	for i := 0; i < len(next.Subscriptions); i += 100 {
		next.Subscriptions[i].Status = "suspended"
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeLike(next, prior, data); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(data)))
}

// Values encoded differently are never the same, even when == says
// equal; values of types the encoder does not write never are.
func TestSameValue(t *testing.T) {
	negZero := math.Copysign(0, -1)
	for _, c := range []struct {
		a, b any
		same bool
	}{
		{0.0, negZero, false},
		{negZero, negZero, true},
		{math.NaN(), math.NaN(), false},
		{int(1), int64(1), false},
		{int64(1), 1.0, false},
		{[]any(nil), []any{}, false},
		{[]string(nil), []string{}, false},
		{Values(nil), Values{}, false},
		{Values{"a": int64(1)}, map[string]any{"a": int64(1)}, false},
		{map[string]any{"a": []any{"x", nil}}, map[string]any{"a": []any{"x", nil}}, true},
		{struct{}{}, struct{}{}, false},
		{nil, nil, true},
		{nil, "", false},
	} {
		if got := sameValue(c.a, c.b); got != c.same {
			t.Errorf("sameValue(%#v, %#v) = %v", c.a, c.b, got)
		}
		if e1, e2 := appendValue(c.a), appendValue(c.b); c.same && e1 != e2 {
			t.Errorf("%#v and %#v are the same but encoded %s and %s", c.a, c.b, e1, e2)
		}
	}
}

func appendValue(v any) string {
	w := &jsonWriter{ok: true}
	w.value(v)
	return string(w.b)
}

// The comparisons of an encoding in parts see what the joined bytes
// hold, wherever the parts are cut.
func TestPartsCompare(t *testing.T) {
	a, err := Encode(bigSnapshot(3))
	if err != nil {
		t.Fatal(err)
	}
	other := bytes.Clone(a)
	other[len(other)/2] ^= 1
	longer := append(bytes.Clone(a[:len(a)-1]), " \n"...)
	reserial := bytes.Replace(a, []byte(`"serial": 0`), []byte(`"serial": 12`), 1)
	cut := func(b []byte, at ...int) [][]byte {
		var parts [][]byte
		prev := 0
		for _, i := range at {
			parts = append(parts, b[prev:i])
			prev = i
		}
		return append(parts, b[prev:])
	}
	for _, at := range [][]int{nil, {200}, {200, 201, 201, 900}, {len(a) / 2, len(a) - 1}} {
		for _, c := range []struct {
			b    []byte
			same bool
		}{{a, true}, {reserial, true}, {other, false}, {longer, false}, {a[:len(a)-1], false}} {
			if got := SameButSerialParts(a, cut(c.b, at...)); got != c.same {
				t.Errorf("cut at %v: SameButSerialParts = %v, want %v", at, got, c.same)
			}
		}
	}
	marked := []byte(`{"a": "x\ufffdy"}`)
	i := bytes.Index(marked, []byte(`\ufffd`))
	for _, at := range [][]int{nil, {i}, {i + 1}, {i + 3}, {i + 1, i + 2, i + 4}, {i + 5}, {i + 6}} {
		if StableEncodingParts(cut(marked, at...)) {
			t.Errorf("cut at %v: \\ufffd not found", at)
		}
	}
	if !StableEncodingParts(cut(a, 10, 11, 500)) {
		t.Error("no \\ufffd, yet not stable")
	}
}

// TestSameSeesEveryField changes each field of a record, one at a time,
// and checks that the comparison EncodeLike relies on tells the two
// apart: a field added to Reseller, Customer or Subscription without
// being compared would have EncodeLike copy a stale encoding.
func TestSameSeesEveryField(t *testing.T) {
	check := func(name string, zero any, same func(a, b any) bool) {
		typ := reflect.TypeOf(zero)
		for i := range typ.NumField() {
			a := reflect.New(typ).Elem()
			b := reflect.New(typ).Elem()
			f := b.Field(i)
			switch f.Kind() {
			case reflect.String:
				f.SetString("x")
			case reflect.Bool:
				f.SetBool(true)
			case reflect.Int, reflect.Int64:
				f.SetInt(1)
			case reflect.Slice:
				f.Set(reflect.MakeSlice(f.Type(), 1, 1))
			case reflect.Pointer:
				f.Set(reflect.New(f.Type().Elem()))
			case reflect.Struct:
				if f.Type() == reflect.TypeOf(time.Time{}) {
					f.Set(reflect.ValueOf(time.Unix(1, 0).UTC()))
				} else {
					// A struct of comparable fields (Contact, Allocation):
					// change its first settable field.
					g := f.Field(0)
					switch g.Kind() {
					case reflect.String:
						g.SetString("x")
					case reflect.Int, reflect.Int64:
						g.SetInt(1)
					case reflect.Bool:
						g.SetBool(true)
					default:
						t.Fatalf("%s.%s: field kind %s not handled by the test", name, typ.Field(i).Name, g.Kind())
					}
				}
			default:
				t.Fatalf("%s.%s: kind %s not handled by the test", name, typ.Field(i).Name, f.Kind())
			}
			if same(a.Addr().Interface(), b.Addr().Interface()) {
				t.Errorf("%s: records differing in %s compare the same", name, typ.Field(i).Name)
			}
		}
	}
	check("Reseller", Reseller{}, func(a, b any) bool { return sameReseller(a.(*Reseller), b.(*Reseller)) })
	check("Customer", Customer{}, func(a, b any) bool { return sameCustomer(a.(*Customer), b.(*Customer)) })
	check("Subscription", Subscription{}, func(a, b any) bool { return sameSubscription(a.(*Subscription), b.(*Subscription)) })
}
