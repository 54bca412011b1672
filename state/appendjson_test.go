package state

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// checkAppendJSON fails unless appendJSON writes for s exactly what
// encoding/json and indent write (encodeReflect).
func checkAppendJSON(t *testing.T, s *Snapshot) {
	t.Helper()
	c, want := reflectEncoding(t, s)
	got, ok := appendJSON(nil, c)
	if !ok {
		t.Fatalf("appendJSON does not handle the snapshot; encoding/json writes:\n%s", want)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("appendJSON differs from encoding/json at byte %d:\n got %q\nwant %q", i, got[max(0, i-80):min(len(got), i+80)], want[max(0, i-80):min(len(want), i+80)])
	}
	if enc, err := Encode(s); err != nil || !bytes.Equal(enc, want) {
		t.Fatalf("Encode = %q, %v; want the bytes of encoding/json", enc, err)
	}
	checkEncodesAs(t, s, want)
}

// checkEncodesAs fails unless EncodesAs says s encodes as want (its
// encoding) and not as any of a few bytes changed, added or dropped.
func checkEncodesAs(t *testing.T, s *Snapshot, want []byte) {
	t.Helper()
	if !EncodesAs(s, want) {
		t.Fatalf("EncodesAs is false for the snapshot's own encoding")
	}
	for _, at := range []int{0, len(want) / 3, spillAt - 1, spillAt, spillAt + 1, len(want) / 2, len(want) - 2, len(want) - 1} {
		if at < 0 || at >= len(want) {
			continue
		}
		changed := bytes.Clone(want)
		changed[at] ^= 0x20
		dropped := slices.Delete(bytes.Clone(want), at, at+1)
		added := slices.Insert(bytes.Clone(want), at, ' ')
		for name, data := range map[string][]byte{"changed": changed, "dropped": dropped, "added": added} {
			if EncodesAs(s, data) {
				t.Fatalf("EncodesAs is true with byte %d of %d %s", at, len(want), name)
			}
		}
	}
	if EncodesAs(s, append(bytes.Clone(want), '\n')) || EncodesAs(s, want[:len(want)-1]) {
		t.Fatalf("EncodesAs is true for the encoding with a byte more or less at its end")
	}
}

// EncodesAs compares a large encoding piece by piece (spillAt): the
// pieces' boundaries are checked as the rest is.
func TestEncodesAsLarge(t *testing.T) {
	s := bigSnapshot(3000)
	want, err := Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 4*spillAt {
		t.Fatalf("the encoding is %d bytes: too small to be compared in pieces", len(want))
	}
	checkEncodesAs(t, s, want)
	for at := spillAt / 2; at < len(want); at += spillAt / 3 {
		changed := bytes.Clone(want)
		changed[at]++
		if EncodesAs(s, changed) {
			t.Fatalf("EncodesAs is true with byte %d of %d changed", at, len(want))
		}
	}
}

func TestAppendJSONEveryField(t *testing.T) {
	checkAppendJSON(t, fullSnapshot(t))
	checkAppendJSON(t, bigSnapshot(500))
	checkAppendJSON(t, New("l"))
	// Objects whose members are all left out.
	s := New("l")
	s.Server = &Server{}
	s.Servers = []Server{{Name: "a", Extensions: []Extension{{Name: "e"}}}, {Name: "b"}}
	s.Services = []Service{{Name: "x", Button: &Button{}}}
	id := s.PutValues(Values{})
	s.ServicePlans = []Plan{{Key: "p", Props: id, Plesk: &PleskID{}}}
	s.Customers = []Customer{{Login: "c"}}
	s.Subscriptions = []Subscription{{Domain: "d", Effective: id, Conflicts: []Conflict{{}}}}
	checkAppendJSON(t, s)
}

// trickyStrings are strings encoding/json escapes or replaces.
var trickyStrings = []string{
	"", "plain", `quote " backslash \ slash /`, "<html> & 'apos'", "tab\tnew\nline\rcr\bbs\fff",
	"\x00\x01\x1f\x7f", "é ü 日本 😀", "\u2028 and \u2029", "bad \xff utf8 \xc3", "\xed\xa0\x80 surrogate",
	"\xf4\x90\x80\x80 beyond", "ends in half \xe6\x97",
}

func TestAppendJSONStrings(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	list := append(append([]string(nil), trickyStrings...), string(all), string(all[:128]))
	for i, str := range list {
		s := New(str + "-lineage")
		id := s.PutValues(Values{str: str, "list": []any{str, "x"}})
		s.Customers = []Customer{{Login: "c" + str, Contact: Contact{Name: str, Address: str}, Description: str}}
		s.Subscriptions = []Subscription{{Domain: fmt.Sprint(i), Plan: str, Effective: id, Customized: []string{str}}}
		checkAppendJSON(t, s)
	}
}

func TestAppendJSONValues(t *testing.T) {
	s := New("l")
	s.PropertySets = map[string]Values{
		"numbers": {
			"i": 1, "i64": int64(math.MinInt64), "max": int64(math.MaxInt64), "zero": 0.0, "neg0": math.Copysign(0, -1),
			"half": 0.5, "small": 1e-7, "edge": 1e-6, "big": 1e21, "below": 1e20, "tiny": math.SmallestNonzeroFloat64,
			"huge": math.MaxFloat64, "third": 1.0 / 3, "e-9": 1.5e-9, "neg": -2.5e-300,
		},
		"others": {"nil": nil, "t": true, "f": false, "empty": []any{}, "nillist": []any(nil), "strs": []string{"a", "b"},
			"nested": map[string]any{"b": []any{1, "x", nil}, "a": Values{}}, "nilmap": Values(nil)},
		"nilset": nil,
		"":       {},
	}
	for id := range s.PropertySets {
		s.Subscriptions = append(s.Subscriptions, Subscription{Domain: "d" + id, Effective: id})
	}
	s.Subscriptions[0].Conflicts = []Conflict{{Property: "p", PlanValue: 1.5, AvailableValue: []any{"a"}}}
	checkAppendJSON(t, s)
}

// Encode still fails as encoding/json fails, and writes what it writes
// for the values appendJSON leaves to it.
func TestAppendJSONLeavesTheRestToEncodingJSON(t *testing.T) {
	for _, v := range []any{float32(1.5), int32(7), uint64(1 << 63), struct{ A int }{1}, []int{1, 2}, map[string]int{"a": 1}} {
		s := New("l")
		s.PropertySets = map[string]Values{"x": {"v": v}}
		s.Subscriptions = []Subscription{{Domain: "d", Effective: "x"}}
		c, _ := canonical(s)
		if _, ok := appendJSON(nil, c); ok {
			t.Errorf("appendJSON handles %T", v)
		}
		want, err := encodeReflect(c)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Encode(s); err != nil || !bytes.Equal(got, want) {
			t.Errorf("Encode with %T = %s, %v; want %s", v, got, err, want)
		}
		checkEncodesAs(t, s, want)
	}
	for _, v := range []any{math.NaN(), math.Inf(1), make(chan int)} {
		s := New("l")
		s.PropertySets = map[string]Values{"x": {"v": v}}
		s.Subscriptions = []Subscription{{Domain: "d", Effective: "x"}}
		c, _ := canonical(s)
		_, want := encodeReflect(c)
		if _, err := Encode(s); err == nil || want == nil || err.Error() != want.Error() {
			t.Errorf("Encode with %v: error %v, want %v", v, err, want)
		}
	}
	for _, tm := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 24*3600))} {
		s := New("l")
		s.Subscriptions = []Subscription{{Domain: "d", CreatedAt: tm}}
		c, _ := canonical(s)
		_, want := encodeReflect(c)
		if _, err := Encode(s); err == nil || want == nil || err.Error() != want.Error() {
			t.Errorf("Encode with %v: error %v, want %v", tm, err, want)
		}
	}
}

// randomSnapshot returns a snapshot with random records: every field set
// or left empty at random, strings drawn from tricky ones and extra.
func randomSnapshot(r *rand.Rand, extra string) *Snapshot {
	str := func() string {
		switch r.IntN(4) {
		case 0:
			return ""
		case 1:
			return trickyStrings[r.IntN(len(trickyStrings))]
		case 2:
			if extra != "" {
				i, j := r.IntN(len(extra)+1), r.IntN(len(extra)+1)
				return extra[min(i, j):max(i, j)]
			}
		}
		return fmt.Sprintf("s%d", r.IntN(1000))
	}
	strs := func() []string {
		if r.IntN(3) == 0 {
			return nil
		}
		l := make([]string, r.IntN(4))
		for i := range l {
			l[i] = str()
		}
		return l
	}
	flag := func() bool { return r.IntN(2) == 0 }
	value := func() any {
		switch r.IntN(9) {
		case 0:
			return nil
		case 1:
			return str()
		case 2:
			return flag()
		case 3:
			return r.Int64() >> r.IntN(64)
		case 4:
			return r.IntN(100) - 50
		case 5:
			return math.Float64frombits(r.Uint64()&^(0x7ff<<52) | uint64(r.IntN(0x7ff))<<52) // finite
		case 6:
			return float64(r.IntN(1000)) / 8
		case 7:
			return []any{str(), int64(r.IntN(10)), flag()}
		}
		return []any{}
	}
	tm := func() time.Time {
		zones := []*time.Location{time.UTC, time.FixedZone("", r.IntN(24*60-1)*60-(12*60*60)), time.FixedZone("X", 3600)}
		return time.Unix(r.Int64N(253402300799-(-62135596800))-62135596800+86400, r.Int64N(1e9)*int64(r.IntN(2))).In(zones[r.IntN(len(zones))])
	}
	plesk := func() *PleskID {
		if flag() {
			return nil
		}
		return &PleskID{GUID: str(), ID: r.IntN(3) * r.IntN(1<<30)}
	}
	s := New(str() + "x")
	s.Serial = r.Uint64() >> r.IntN(64)
	var ids []string
	for range r.IntN(4) {
		v := Values{}
		for range r.IntN(6) {
			v[str()] = value()
		}
		id := fmt.Sprintf("set%d", len(ids))
		if s.PropertySets == nil {
			s.PropertySets = map[string]Values{}
		}
		s.PropertySets[id] = v
		ids = append(ids, id)
	}
	ref := func() string {
		if len(ids) == 0 || flag() {
			return ""
		}
		return ids[r.IntN(len(ids))]
	}
	server := func(name string) Server {
		sv := Server{Name: name, Components: strs(), DefaultPlan: str()}
		for i := range r.IntN(3) {
			sv.Extensions = append(sv.Extensions, Extension{Name: fmt.Sprint(i, str()), Services: strs()})
		}
		return sv
	}
	if flag() {
		sv := server(str())
		s.Server = &sv
	}
	for i := range r.IntN(3) {
		s.Servers = append(s.Servers, server(fmt.Sprint(i, str())))
	}
	for i := range r.IntN(3) {
		sv := Service{Server: str(), Name: fmt.Sprint(i, str()), Description: str(), Send: strs(), AvailableToResellers: flag(), Extension: str()}
		if flag() {
			sv.Button = &Button{URL: str(), BackgroundImage: str(), OpenInPanel: flag()}
		}
		s.Services = append(s.Services, sv)
	}
	plans := func() []Plan {
		var l []Plan
		for i := range r.IntN(3) {
			l = append(l, Plan{Server: str(), Key: fmt.Sprint(i, str()), Owner: str(), Name: str(), Description: str(), Props: ref(), Services: strs(), Oversell: flag(), Plesk: plesk()})
		}
		return l
	}
	s.ServicePlans, s.AddonPlans, s.ResellerPlans = plans(), plans(), plans()
	contact := func() Contact {
		return Contact{Name: str(), Company: str(), Email: str(), Phone: str(), Address: str()}
	}
	for i := range r.IntN(3) {
		s.Resellers = append(s.Resellers, Reseller{Server: str(), Login: fmt.Sprint(i, str()), PasswordHash: str(), Contact: contact(), Plan: str(),
			SyncStatus: str(), Allocation: ref(), Services: strs(), Oversell: flag(), Status: str(), Description: str(), ManagedBy: str(), Plesk: plesk()})
	}
	for i := range r.IntN(3) {
		s.Customers = append(s.Customers, Customer{Server: str(), Login: fmt.Sprint(i, str()), PasswordHash: str(), Contact: contact(), Owner: str(),
			Status: str(), StatusReasons: strs(), Description: str(), AdminDescription: str(), ManagedBy: str(), Plesk: plesk()})
	}
	for i := range r.IntN(4) {
		sub := Subscription{Server: str(), Domain: fmt.Sprint(i, str()), Owner: str(), Customer: str(), Plan: str(), Addons: strs(),
			SyncStatus: str(), ServerSyncStatus: str(), LockedInPanel: flag(), Effective: ref(), Base: ref(), Customize: ref(), Customized: strs(), Settings: ref(), DroppedSettings: ref(),
			ConfigStatus: str(), Status: str(), StatusReasons: strs(), CreatedAt: tm(), FTPLogin: str(), FTPPassword: str(), IPAddress: str(), ManagedBy: str(), Plesk: plesk()}
		if flag() {
			e := tm()
			sub.Expires = &e
		}
		for range r.IntN(3) {
			sub.Conflicts = append(sub.Conflicts, Conflict{Property: str(), PlanValue: value(), AvailableValue: value(), Reason: str()})
		}
		s.Subscriptions = append(s.Subscriptions, sub)
	}
	return s
}

func TestAppendJSONRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			checkAppendJSON(t, randomSnapshot(r, strings.Repeat("ü\x01\"", i%3)))
		})
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add(uint64(1), "")
	f.Add(uint64(2), "a\u2028b\xffc\"d\\e\x00")
	f.Fuzz(func(t *testing.T, seed uint64, extra string) {
		checkAppendJSON(t, randomSnapshot(rand.New(rand.NewPCG(seed, seed>>1)), extra))
	})
}

// What StableEncoding accepts Decode and Encode give back unchanged, so
// the file backend may compare a new encoding with such bytes instead of
// encoding their decoding again.
func TestStableEncoding(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	unstable := 0
	for i := range 2000 {
		data, err := Encode(randomSnapshot(r, ""))
		if err != nil {
			t.Fatal(err)
		}
		if !StableEncoding(data) {
			unstable++
			continue
		}
		s, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("snapshot %d: encoding, decoding and encoding again changed:\n%s\n%s", i, data, again)
		}
	}
	if unstable == 0 {
		t.Error("no snapshot held invalid UTF-8")
	}
}

func TestSameButSerial(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		s := randomSnapshot(r, "")
		a, err := Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		c := *s
		c.Serial = r.Uint64() >> r.IntN(64)
		b, err := Encode(&c)
		if err != nil {
			t.Fatal(err)
		}
		if !SameButSerial(a, b) || !SameButSerial(b, a) {
			t.Fatalf("serials %d and %d: not the same:\n%s\n%s", s.Serial, c.Serial, a, b)
		}
		c.Subscriptions = append(slices.Clone(c.Subscriptions), Subscription{Domain: "added"})
		if b, err = Encode(&c); err == nil && SameButSerial(a, b) {
			t.Fatalf("a subscription added: the same:\n%s\n%s", a, b)
		}
		c = *s
		c.Lineage += "x"
		if b, err = Encode(&c); err != nil || SameButSerial(a, b) {
			t.Fatalf("another lineage: the same (%v)", err)
		}
	}
	for _, pair := range [][2]string{
		{"", ""}, {"{}", "{}"}, {`{"serial": 1}`, `{"serial": 1}`},
		{"{\n  \"format_version\": \"1\",\n  \"lineage\": \"l\"\n}\n", "{\n  \"format_version\": \"1\",\n  \"lineage\": \"l\"\n}\n"},
	} {
		if SameButSerial([]byte(pair[0]), []byte(pair[1])) {
			t.Errorf("%q and %q: the same", pair[0], pair[1])
		}
	}
}

// reflectEncoding returns s made canonical and what encoding/json and
// indent write for it (encodeReflect): the reference.
func reflectEncoding(t *testing.T, s *Snapshot) (*Snapshot, []byte) {
	t.Helper()
	c, err := canonical(s)
	if err != nil {
		t.Fatal(err)
	}
	want, err := encodeReflect(c)
	if err != nil {
		t.Fatal(err)
	}
	return c, want
}
