package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fullSnapshot returns a snapshot in canonical order with every field of
// every record type set, so a round trip shows that nothing is dropped.
func fullSnapshot(t testing.TB) *Snapshot {
	t.Helper()
	s := New("6f1c0a52-33d9-4b8e-a0c4-5d7e9b1f2a30")
	s.Serial = 7
	props := s.PutValues(Values{
		"disk_space":   int64(10 << 30),
		"max_traffic":  int64(-1),
		"php":          "8.3",
		"ssl":          true,
		"ratio":        0.25,
		"huge":         int64(math.MaxInt64),
		"services":     []any{"backup", "dns"},
		"mail.quota":   int64(0),
		"description":  `quotes " and \ and <html> & unicode é 😀`,
		"log.rotation": "1 week",
	})
	alloc := s.PutValues(Values{"max_subscriptions": int64(100)})
	base := s.PutValues(Values{"disk_space": int64(5 << 30)})
	custom := s.PutValues(Values{"php": "8.2"})
	settings := s.PutValues(Values{"mail.autoresponder": true})
	created := time.Date(2024, 2, 29, 23, 59, 58, 123456789, time.FixedZone("CET", 3600))
	expires := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s.Server = &Server{
		Name:        "main", // only named in Servers in practice; every field round-trips
		Components:  []string{"apache", "nginx"},
		Extensions:  []Extension{{Name: "backup-pro", Services: []string{"backup"}}, {Name: "dns-plus", Services: []string{"dns"}}},
		DefaultPlan: "admin/Basic",
	}
	s.Servers = []Server{{Name: "web1", Components: []string{"php8.3"}, Extensions: []Extension{{Name: "backup-pro", Services: []string{"backup"}}}, DefaultPlan: "Basic"}}
	s.Services = []Service{{
		Server:               "web1",
		Name:                 "backup",
		Description:          "nightly backups",
		Button:               &Button{URL: "https://example.com/?a=1&b=2", BackgroundImage: "icon.png", OpenInPanel: true},
		Send:                 []string{"domain", "login"},
		AvailableToResellers: true,
		Extension:            "backup-pro",
	}}
	plan := Plan{Server: "web1", Key: "admin/Basic", Owner: "admin", Name: "Basic", Description: "entry plan", Props: props, Services: []string{"backup"}, Oversell: true, Plesk: &PleskID{GUID: "5c0b8f3e-0000-4000-8000-000000000001", ID: 1}}
	s.ServicePlans = []Plan{plan}
	addon := plan
	addon.Key, addon.Name = "admin/Extra", "Extra"
	s.AddonPlans = []Plan{addon}
	rp := plan
	rp.Key, rp.Name = "admin/Reseller", "Reseller"
	s.ResellerPlans = []Plan{rp}
	contact := Contact{Name: "Ann Example", Company: "Example Ltd", Email: "ann@example.com", Phone: "+1 555 0100", Address: "1 Main St\nSpringfield"}
	s.Resellers = []Reseller{{
		Server: "web1", Login: "res1", PasswordHash: "$2a$10$abcdefghijklmnopqrstuv", Contact: contact, Plan: "admin/Reseller",
		SyncStatus: "synced", Allocation: alloc, Services: []string{"backup"}, Oversell: true, Status: "active", Description: "a reseller", ManagedBy: "billing",
		Plesk: &PleskID{GUID: "5c0b8f3e-0000-4000-8000-000000000002", ID: 2},
	}}
	s.Customers = []Customer{{
		Server: "web1", Login: "cust1", PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", Contact: contact, Owner: "res1",
		Status: "suspended", StatusReasons: []string{"reseller acme suspended"}, Description: "a customer", AdminDescription: "vip", ManagedBy: "billing",
		Plesk: &PleskID{GUID: "5c0b8f3e-0000-4000-8000-000000000003", ID: 3},
	}}
	s.Subscriptions = []Subscription{{
		Server: "web1", Domain: "example.com", Owner: "res1", Customer: "cust1", Plan: "admin/Basic", Addons: []string{"admin/Extra"},
		SyncStatus: "custom", ServerSyncStatus: "locked", LockedInPanel: true, Effective: props, Base: base, Customize: custom, Customized: []string{"php"}, Settings: settings, DroppedSettings: settings,
		Conflicts: []Conflict{
			{Property: "disk_space", PlanValue: int64(20 << 30), AvailableValue: int64(10 << 30), Reason: "reseller allocation"},
			{Property: "ratio", PlanValue: 0.5, AvailableValue: "none", Reason: "other"},
		},
		ConfigStatus: "ok", Status: "active", StatusReasons: []string{"paid"},
		CreatedAt: created, Expires: &expires, FTPLogin: "ftp_example", FTPPassword: "$2a$10$zyxwvutsrqponmlkjihgfe", IPAddress: "2001:db8::20", ManagedBy: "billing",
		Plesk: &PleskID{GUID: "5c0b8f3e-0000-4000-8000-000000000004", ID: 4},
	}}
	return s
}

// checkAllSet fails for any zero field reachable from v (through
// pointers, structs and slices), so fullSnapshot cannot fall behind the
// record types.
func checkAllSet(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			t.Errorf("%s is nil", path)
			return
		}
		checkAllSet(t, v.Elem(), path)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			if v.Interface().(time.Time).IsZero() {
				t.Errorf("%s is zero", path)
			}
			return
		}
		for i := range v.NumField() {
			checkAllSet(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.Slice, reflect.Map:
		if v.Len() == 0 {
			t.Errorf("%s is empty", path)
		}
		if v.Kind() == reflect.Slice {
			for i := range v.Len() {
				checkAllSet(t, v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
		}
	default:
		if v.IsZero() {
			t.Errorf("%s is zero", path)
		}
	}
}

func TestRoundTripEveryField(t *testing.T) {
	s := fullSnapshot(t)
	checkAllSet(t, reflect.ValueOf(s), "Snapshot")
	data, err := Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode: %v\n%s", err, data)
	}
	if diff := cmp.Diff(s, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	again, err := Encode(got)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Errorf("re-encoding differs:\n%s\n---\n%s", data, again)
	}
}

func TestEncodeIsCanonical(t *testing.T) {
	a := fullSnapshot(t)
	for i := range 5 {
		a.Subscriptions = append(a.Subscriptions, Subscription{Domain: fmt.Sprintf("s%d.example.org", i), Effective: a.ServicePlans[0].Props})
		a.Customers = append(a.Customers, Customer{Login: fmt.Sprintf("c%d", i)})
	}
	a.Server.Extensions = append(a.Server.Extensions, Extension{Name: "aaa"})
	unused := a.PutValues(Values{"unused": true})

	// b: the same content, every list reversed and the sets put in
	// another order.
	b := *a
	srv := *a.Server
	srv.Extensions = slices.Clone(srv.Extensions)
	slices.Reverse(srv.Extensions)
	b.Server = &srv
	b.Subscriptions = slices.Clone(a.Subscriptions)
	slices.Reverse(b.Subscriptions)
	b.Customers = slices.Clone(a.Customers)
	slices.Reverse(b.Customers)
	b.PropertySets = nil
	ids := make([]string, 0, len(a.PropertySets))
	for id := range a.PropertySets {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	for _, id := range ids {
		if got := b.PutValues(a.PropertySets[id]); got != id {
			t.Fatalf("PutValues of set %s gave id %s", id, got)
		}
	}
	beforeB := slices.Clone(b.Subscriptions)

	ea, err := Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	eb, err := Encode(&b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ea, eb) {
		t.Fatalf("equal content, different encodings:\n%s\n---\n%s", ea, eb)
	}
	if diff := cmp.Diff(beforeB, b.Subscriptions); diff != "" {
		t.Errorf("Encode reordered the caller's subscriptions:\n%s", diff)
	}
	if bytes.Contains(ea, []byte(unused)) {
		t.Errorf("unreferenced property set %s was encoded", unused)
	}
	if _, ok := a.PropertySets[unused]; !ok {
		t.Errorf("Encode removed the unreferenced set from the caller's snapshot")
	}

	// The layout is json.MarshalIndent's with two spaces, without HTML
	// escaping, and a final newline.
	dec, err := Decode(ea)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(dec.Subscriptions, func(x, y Subscription) int {
		return strings.Compare(ServerKey(x.Server, x.Domain), ServerKey(y.Server, y.Domain))
	}) {
		t.Errorf("subscriptions not sorted by server, then domain")
	}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(dec); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.String(), string(ea)); diff != "" {
		t.Errorf("layout differs from encoding/json (-want +got):\n%s", diff)
	}
}

func TestIndentMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{}`, `[]`, `1`, `"x"`, `null`,
		`{"a":[],"b":{},"c":[1,2,{"d":"}],[{,:"}]}`,
		`{"esc":"quote \" backslash \\ \\\" end","u":"\u00e9😀"}`,
		`[[[[]]],[{}],[{"":""}]]`,
		`{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":{"k":{"l":{"m":{"n":{"o":{"p":{"q":{"r":1}}}}}}}}}}}}}}}}}}`,
	} {
		checkIndent(t, []byte(in))
	}
}

func checkIndent(t *testing.T, in []byte) {
	t.Helper()
	var compact, want bytes.Buffer
	if err := json.Compact(&compact, in); err != nil {
		t.Fatal(err)
	}
	if err := json.Indent(&want, compact.Bytes(), "", "  "); err != nil {
		t.Fatal(err)
	}
	want.WriteByte('\n')
	if got := indent(nil, compact.Bytes()); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("indent(%s):\n%s\nwant:\n%s", compact.Bytes(), got, want.Bytes())
	}
}

func FuzzIndent(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":"]\"["}],"c":{}}`))
	f.Add([]byte(`[[],{},"\\"]`))
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			t.Skip()
		}
		checkIndent(t, in)
	})
}

func TestEncodeRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		edit       func(*Snapshot)
	}{
		{"no lineage", "no lineage", func(s *Snapshot) { s.Lineage = "" }},
		{"newer format", "format version", func(s *Snapshot) { s.FormatVersion = FormatVersion + 1 }},
		{"duplicate subscription", `two records for subscription "example.com"`, func(s *Snapshot) {
			s.Subscriptions = append(s.Subscriptions, s.Subscriptions[0])
		}},
		{"duplicate plan", `two records for add-on plan "admin/Extra"`, func(s *Snapshot) {
			s.AddonPlans = append(s.AddonPlans, s.AddonPlans[0])
		}},
		{"dangling reference", `subscription "example.com" references property set "0123456789abcdef"`, func(s *Snapshot) {
			s.Subscriptions[0].Base = "0123456789abcdef"
		}},
		{"NaN", "NaN", func(s *Snapshot) {
			s.PropertySets[s.Subscriptions[0].Settings] = Values{"x": math.NaN()}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := fullSnapshot(t)
			tc.edit(s)
			_, err := Encode(s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Encode error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestDecodeValues(t *testing.T) {
	data := []byte(`{"format_version": 1, "lineage": "l", "serial": 3,
	  "service_plans": [{"key": "p", "owner": "admin", "name": "p", "props": "set"}],
	  "property_sets": {"set": {
	    "int": 42, "neg": -1, "zero": 0, "float": 1.5, "exp": 1e3, "big": 9007199254740993,
	    "max": 9223372036854775807, "over": 9223372036854775808, "huge": 1e300, "negexp": 25e-1,
	    "str": "x\u00e9\ud83d\ude00\n", "bool": false, "null": null,
	    "list": ["a", "b"], "empty": [], "obj": {"k": 1}
	  }}}`)
	s, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	want := Values{
		"int": int64(42), "neg": int64(-1), "zero": int64(0), "float": 1.5, "exp": int64(1000),
		"big": int64(9007199254740993), "max": int64(math.MaxInt64), "over": float64(1 << 63), "huge": 1e300,
		"negexp": 2.5, "str": "xé😀\n", "bool": false, "null": nil,
		"list": []any{"a", "b"}, "empty": []any{}, "obj": map[string]any{"k": int64(1)},
	}
	if diff := cmp.Diff(want, s.Values("set")); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
}

func TestDecodeStringsLikeEncodingJSON(t *testing.T) {
	for _, lit := range []string{
		`"plain"`, `"\"\\\/\b\f\n\r\t"`, `"\u00e9\u20ac"`, `"\ud83d\ude00"`, `"lone \ud83d surrogate"`,
		`"lone \ude00 low"`, `"\ud83d\u0041"`, "\"bad \xff utf8\"", "\"é raw\"", `"\u0000"`,
	} {
		var want string
		if err := json.Unmarshal([]byte(lit), &want); err != nil {
			t.Fatal(err)
		}
		d := newDecoder([]byte(lit))
		if got := d.str(); d.err != nil || got != want {
			t.Errorf("decoding %s: got %q (%v), want %q", lit, got, d.err, want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	const ok = `{"format_version": 1, "lineage": "l", "serial": 1}`
	if _, err := Decode([]byte(ok)); err != nil {
		t.Fatalf("valid input: %v", err)
	}
	for _, tc := range []struct {
		name, in, want string
		newer          bool
	}{
		{name: "empty", in: ``, want: "end of input"},
		{name: "truncated", in: ok[:30], want: "line 1, column 31"},
		{name: "not an object", in: `[1]`, want: "expected '{'"},
		{name: "wrong type", in: `{"format_version": 1, "lineage": "l", "serial": "one"}`, want: "expected a number"},
		{name: "negative serial", in: `{"format_version": 1, "lineage": "l", "serial": -1}`, want: "not a non-negative integer"},
		{name: "unknown field", in: `{"format_version": 1, "lineage": "l", "Serial": 1}`, want: `unknown field "Serial" in the snapshot`},
		{name: "unknown nested field", in: `{"format_version": 1, "lineage": "l",
"subscriptions": [{"domain": "a", "colour": "red"}]}`, want: `line 2, column 35: unknown field "colour" in a subscription`},
		{name: "no format version", in: `{"lineage": "l", "serial": 1}`, want: "format_version is missing"},
		{name: "format version zero", in: `{"format_version": 0, "lineage": "l"}`, want: "format_version is missing"},
		{name: "no lineage", in: `{"format_version": 1, "serial": 1}`, want: "lineage is missing"},
		{name: "trailing data", in: ok + ` {}`, want: "after the snapshot"},
		{name: "trailing NUL bytes", in: ok + "\n\x00\x00", want: "line 2, column 1: unexpected byte 0x00 after the snapshot"},
		{name: "data after a NUL byte", in: ok + "\x00{}", want: "unexpected byte 0x00 after the snapshot"},
		{name: "field twice", in: `{"format_version": 1, "lineage": "l", "subscriptions": [], "subscriptions": [{"domain": "a"}]}`, want: `column 60: field "subscriptions" given twice in the snapshot`},
		{name: "set twice", in: `{"format_version": 1, "lineage": "l", "property_sets": {"x": {"a": 1}, "x": {"a": 2}}}`, want: `column 72: property set "x" given twice`},
		{name: "path twice in a set", in: `{"format_version": 1, "lineage": "l", "property_sets": {"x": {"a": 1, "b": 2, "a": 2}}}`, want: `column 79: "a" given twice in property set "x"`},
		{name: "control character", in: "{\"format_version\": 1, \"lineage\": \"a\tb\"}", want: "control character"},
		{name: "bad escape", in: `{"format_version": 1, "lineage": "\x"}`, want: "invalid escape"},
		{name: "subscription without its creation date", in: `{"format_version": 1, "lineage": "l",
"subscriptions": [{"domain": "a", "owner": "admin", "plan": "p", "sync_status": "synced", "effective": "", "status": "active"}]}`, want: `line 2, column 19: subscription "a" has no "created_at" field`},
		{name: "subscription without its owner", in: `{"format_version": 1, "lineage": "l", "subscriptions": [{"domain": "a", "plan": "p", "sync_status": "synced", "effective": "", "status": "active", "created_at": "2026-01-01T00:00:00Z"}]}`, want: `subscription "a" has no "owner" field`},
		{name: "plan without its props", in: `{"format_version": 1, "lineage": "l",
"service_plans": [{"key": "p", "owner": "admin", "name": "p"}]}`, want: `line 2, column 19: service plan "p" has no "props" field`},
		{name: "second plan without its owner", in: `{"format_version": 1, "lineage": "l", "service_plans": [
  {"key": "a", "owner": "admin", "name": "a", "props": ""},
  {"key": "b", "name": "b", "props": ""}]}`, want: `line 3, column 3: service plan "b" has no "owner" field`},
		{name: "add-on plan without its owner", in: `{"format_version": 1, "lineage": "l", "addon_plans": [{"server": "web1", "key": "p", "name": "p", "props": ""}]}`, want: `add-on plan "p" (server web1) has no "owner" field`},
		{name: "reseller plan without its name", in: `{"format_version": 1, "lineage": "l", "reseller_plans": [{"key": "p", "owner": "admin", "props": ""}]}`, want: `reseller plan "p" has no "name" field`},
		{name: "reseller without its plan", in: `{"format_version": 1, "lineage": "l", "resellers": [{"login": "r", "contact": {}, "status": "active"}]}`, want: `reseller "r" has no "plan" field`},
		{name: "reseller without its contact", in: `{"format_version": 1, "lineage": "l", "resellers": [{"login": "r", "plan": "", "status": "active"}]}`, want: `reseller "r" has no "contact" field`},
		{name: "customer without its status", in: `{"format_version": 1, "lineage": "l", "customers": [{"login": "c", "contact": {}, "owner": "admin"}]}`, want: `customer "c" has no "status" field`},
		{name: "customer without its owner", in: `{"format_version": 1, "lineage": "l", "customers": [{"login": "c", "contact": {}, "status": "active"}]}`, want: `customer "c" has no "owner" field`},
		{name: "service without available_to_resellers", in: `{"format_version": 1, "lineage": "l", "services": [{"name": "s"}]}`, want: `service "s" has no "available_to_resellers" field`},
		{name: "button without its url", in: `{"format_version": 1, "lineage": "l", "services": [{"name": "s", "button": {"open_in_panel": true}, "available_to_resellers": false}]}`, want: `the button of service "s" has no "url" field`},
		{name: "extension without its name", in: `{"format_version": 1, "lineage": "l", "server": {"extensions": [{"services": ["s"]}]}}`, want: `an extension record has no "name" field`},
		{name: "conflict without its reason", in: `{"format_version": 1, "lineage": "l", "subscriptions": [{"domain": "a", "owner": "admin", "plan": "p", "sync_status": "synced", "effective": "", "status": "active", "created_at": "2026-01-01T00:00:00Z", "conflicts": [{"property": "x", "plan_value": 1, "available_value": 0}]}]}`, want: `a conflict of subscription "a" has no "reason" field`},
		{name: "subscription field twice", in: `{"format_version": 1, "lineage": "l",
"subscriptions": [{"domain": "a", "owner": "admin", "plan": "p", "plan": "q", "sync_status": "synced", "effective": "", "status": "active", "created_at": "2026-01-01T00:00:00Z"}]}`, want: `line 2, column 66: field "plan" given twice in subscription "a"`},
		{name: "plan field twice", in: `{"format_version": 1, "lineage": "l", "service_plans": [{"key": "p", "owner": "admin", "name": "p", "props": "", "owner": "r"}]}`, want: `field "owner" given twice in service plan "p"`},
		{name: "customer field twice", in: `{"format_version": 1, "lineage": "l", "customers": [{"login": "c", "contact": {}, "owner": "admin", "status": "active", "status": "suspended"}]}`, want: `field "status" given twice in customer "c"`},
		{name: "reseller field twice", in: `{"format_version": 1, "lineage": "l", "resellers": [{"login": "r", "login": "s", "contact": {}, "plan": "", "status": "active"}]}`, want: `field "login" given twice in reseller "s"`},
		{name: "service field twice", in: `{"format_version": 1, "lineage": "l", "services": [{"name": "s", "available_to_resellers": false, "available_to_resellers": true}]}`, want: `field "available_to_resellers" given twice in service "s"`},
		{name: "contact field twice", in: `{"format_version": 1, "lineage": "l", "customers": [{"login": "c", "contact": {"email": "a@x", "email": "b@x"}, "owner": "admin", "status": "active"}]}`, want: `field "email" given twice in the contact of customer "c"`},
		{name: "server field twice", in: `{"format_version": 1, "lineage": "l", "server": {"default_plan": "a", "default_plan": "b"}}`, want: `field "default_plan" given twice in the server`},
		{name: "plesk identity field twice", in: `{"format_version": 1, "lineage": "l", "customers": [{"login": "c", "contact": {}, "owner": "admin", "status": "active", "plesk": {"id": 1, "id": 2}}]}`, want: `field "id" given twice in the plesk identity of customer "c"`},
		{name: "conflict field twice", in: `{"format_version": 1, "lineage": "l", "subscriptions": [{"domain": "a", "owner": "admin", "plan": "p", "sync_status": "synced", "effective": "", "status": "active", "created_at": "2026-01-01T00:00:00Z", "conflicts": [{"property": "x", "plan_value": 1, "plan_value": 2, "available_value": 0, "reason": "r"}]}]}`, want: `field "plan_value" given twice in a conflict of subscription "a"`},
		{name: "bad time", in: `{"format_version": 1, "lineage": "l", "subscriptions": [{"domain": "a", "created_at": "yesterday"}]}`, want: "invalid time"},
		{name: "duplicate", in: `{"format_version": 1, "lineage": "l", "customers": [{"login": "a", "contact": {}, "owner": "admin", "status": "active"}, {"login": "a", "contact": {}, "owner": "admin", "status": "active"}]}`, want: `two records for customer "a"`},
		{name: "null record", in: `{"format_version": 1, "lineage": "l", "subscriptions": [null]}`, want: `a subscription record has no key`},
		{name: "record without key", in: `{"format_version": 1, "lineage": "l", "customers": [{"login": "a", "contact": {}, "owner": "admin", "status": "active"}, {"status": "active"}]}`, want: `a customer record has no key`},
		{name: "record without key on a server", in: `{"format_version": 1, "lineage": "l", "service_plans": [{"server": "web1", "owner": "admin"}]}`, want: `a service plan record has no key`},
		{name: "dangling", in: `{"format_version": 1, "lineage": "l", "resellers": [{"login": "a", "contact": {}, "plan": "", "allocation": "x", "status": "active"}]}`, want: `references property set "x"`},
		{name: "set not an object", in: `{"format_version": 1, "lineage": "l", "property_sets": {"x": [1]}}`, want: "to be an object"},
		{name: "too deep", in: `{"format_version": 1, "lineage": "l", "property_sets": {"x": {"y": ` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}}}`, want: "nested too deeply"},
		{name: "newer", in: `{"format_version": 2, "lineage": "l", "serial": 1}`, newer: true},
		{name: "newer and different", in: `{"format_version": 2, "lineage": {"id": "l"}, "subscriptions": {"a": 1}}`, newer: true},
		{name: "newer, version last", in: `{"lineage": ["l"], "things": {"a": [1, 2]}, "format_version": 3}`, newer: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.in))
			switch {
			case tc.newer:
				if !errors.Is(err, ErrNewerFormat) || errors.Is(err, ErrCorrupt) {
					t.Errorf("error = %v, want ErrNewerFormat", err)
				}
			case !errors.Is(err, ErrCorrupt):
				t.Errorf("error = %v, want ErrCorrupt", err)
			case !strings.Contains(err.Error(), tc.want):
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

// SetValueForms makes Decode check the values of property sets and of
// conflicts against their property's form, naming the set (or the
// subscription) and the property.
func TestDecodeValueForms(t *testing.T) {
	t.Cleanup(func() { SetValueForms(nil) })
	calls := 0
	SetValueForms(func(path string) ValueForm {
		calls++
		if path != "size" {
			return nil
		}
		return func(x any) string {
			if _, ok := x.(int64); ok {
				return ""
			}
			return "an integer"
		}
	})
	const head = `{"format_version": 1, "lineage": "l", `
	const sub = `"owner": "admin", "plan": "p", "sync_status": "synced", "effective": "", "status": "active", "created_at": "2026-01-01T00:00:00Z", `
	for _, tc := range []struct{ name, in, want string }{
		{name: "valid", in: head + `"property_sets": {"x": {"size": 5, "name": "n"}, "y": {"size": -1, "other": "z"}}}`},
		{name: "set", in: head + `"property_sets": {"x": {"size": 5}, "y": {"name": 1, "size": "lots"}}}`, want: `recorded state is corrupt: property set y: size is not an integer: "lots"`},
		{name: "float", in: head + `"property_sets": {"x": {"size": 1e30}}}`, want: `property set x: size is not an integer: 1e+30`},
		{name: "conflict", in: head + `"subscriptions": [{"domain": "a.example", "server": "web1", ` + sub + `"conflicts": [{"property": "size", "plan_value": "2GiB", "available_value": 1, "reason": "r"}]}]}`,
			want: `recorded state is corrupt: subscription a.example (server web1): conflict on size: plan_value is not an integer: "2GiB"`},
		{name: "not available", in: head + `"subscriptions": [{"domain": "a.example", ` + sub + `"conflicts": [{"property": "size", "plan_value": 2, "available_value": null, "reason": "r"}]}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls = 0
			_, err := Decode([]byte(tc.in))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("error = %v", err)
			case tc.want == "":
			case !errors.Is(err, ErrCorrupt) || err.Error() != tc.want && !strings.HasSuffix(err.Error(), ": "+tc.want):
				t.Fatalf("error = %v, want %s", err, tc.want)
			}
			if calls > 3 {
				t.Errorf("forms called %d times: once per path is enough", calls)
			}
		})
	}
	// PutValues records what it is given: the forms are the reader's.
	s := New("l")
	s.PutValues(Values{"size": "lots"})
}

func FuzzDecode(f *testing.F) {
	data, err := Encode(fullSnapshot(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add([]byte(`{"format_version": 1, "lineage": "l", "property_sets": {"a": {"x": [1.5, "\ud83d"]}}}`))
	f.Add([]byte(`{"format_version": 9}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNewerFormat) {
				t.Fatalf("error wraps neither ErrCorrupt nor ErrNewerFormat: %v", err)
			}
			return
		}
		enc, err := Encode(s)
		if err != nil {
			t.Fatalf("decoded snapshot does not encode: %v", err)
		}
		s2, err := Decode(enc)
		if err != nil {
			t.Fatalf("encoded snapshot does not decode: %v\n%s", err, enc)
		}
		enc2, err := Encode(s2)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable (%v):\n%s\n---\n%s", err, enc, enc2)
		}
	})
}

func TestPutValues(t *testing.T) {
	var s Snapshot
	v := Values{"a": 1, "b": []string{"x"}, "c": 2.0, "d": uint8(3), "e": "s"}
	id := s.PutValues(v)
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
		t.Errorf("id %q is not 16 hex digits", id)
	}
	want := Values{"a": int64(1), "b": []any{"x"}, "c": int64(2), "d": int64(3), "e": "s"}
	if diff := cmp.Diff(want, s.Values(id)); diff != "" {
		t.Errorf("stored set (-want +got):\n%s", diff)
	}
	// The same content built otherwise has the same id.
	if id2 := s.PutValues(Values{"e": "s", "d": int64(3), "c": int64(2), "b": []any{"x"}, "a": int64(1)}); id2 != id {
		t.Errorf("same content: id %s, want %s", id2, id)
	}
	if len(s.PropertySets) != 1 {
		t.Errorf("%d sets stored, want 1", len(s.PropertySets))
	}
	v["a"] = 99
	if got := s.Values(id)["a"]; got != int64(1) {
		t.Errorf("changing the caller's map changed the stored set: a = %v", got)
	}
	if other := s.PutValues(Values{"a": int64(2)}); other == id {
		t.Errorf("different content, same id %s", id)
	}
	if s.Values("nope") != nil {
		t.Errorf("Values of an unknown id is not nil")
	}
	if id := s.PutValues(nil); s.Values(id) == nil {
		t.Errorf("PutValues(nil) stored no set")
	}
}

func TestContentEqual(t *testing.T) {
	a, b := fullSnapshot(t), fullSnapshot(t)
	b.Serial = 99
	if !ContentEqual(a, b) {
		t.Errorf("snapshots differing only in serial are not content-equal")
	}
	if a.Serial != 7 || b.Serial != 99 {
		t.Errorf("ContentEqual changed serials: %d, %d", a.Serial, b.Serial)
	}
	b.Subscriptions[0].Status = "suspended"
	if ContentEqual(a, b) {
		t.Errorf("different snapshots are content-equal")
	}
	if ContentEqual(a, nil) || !ContentEqual(nil, nil) {
		t.Errorf("ContentEqual with nil")
	}
}

func TestNewLineage(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 100 {
		l := NewLineage()
		if !re.MatchString(l) {
			t.Fatalf("lineage %q is not a v4 UUID", l)
		}
		if seen[l] {
			t.Fatalf("lineage %q made twice", l)
		}
		seen[l] = true
	}
}

// bigSnapshot returns a snapshot with n subscriptions spread over 300
// plans, each plan with its own property set.
func bigSnapshot(n int) *Snapshot {
	s := New("2f1d8c3e-6a4b-4f0e-9c1a-7b2d5e8f0a13")
	const plans = 300
	created := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	ids := make([]string, plans)
	for i := range plans {
		ids[i] = s.PutValues(Values{
			"disk_space":       int64(10<<30 + i),
			"max_traffic":      int64(-1),
			"max_domains":      int64(i % 50),
			"php_version":      "8.3",
			"hosting.ssl":      true,
			"mail.quota_ratio": 0.5,
			"services":         []any{"backup", "dns", "mail"},
		})
		s.ServicePlans = append(s.ServicePlans, Plan{Key: fmt.Sprintf("admin/plan-%03d", i), Owner: "admin", Name: fmt.Sprintf("plan-%03d", i), Props: ids[i]})
	}
	s.Subscriptions = make([]Subscription, n)
	for i := range n {
		s.Subscriptions[i] = Subscription{
			Domain:     fmt.Sprintf("site%06d.example.com", i),
			Owner:      "admin",
			Customer:   fmt.Sprintf("cust%05d", i/3),
			Plan:       fmt.Sprintf("admin/plan-%03d", i%plans),
			SyncStatus: "synced",
			Effective:  ids[i%plans],
			Status:     "active",
			CreatedAt:  created.Add(time.Duration(i) * time.Minute),
			FTPLogin:   fmt.Sprintf("ftp%06d", i),
		}
	}
	return s
}

func BenchmarkEncode100k(b *testing.B) {
	s := bigSnapshot(100_000)
	b.ReportAllocs()
	var size int
	for b.Loop() {
		data, err := Encode(s)
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.SetBytes(int64(size))
}

// BenchmarkEncodeReflect100k is BenchmarkEncode100k with the reference
// encoder (encoding/json and indent), which Encode used before.
func BenchmarkEncodeReflect100k(b *testing.B) {
	s := bigSnapshot(100_000)
	b.ReportAllocs()
	var size int
	for b.Loop() {
		c, err := canonical(s)
		if err != nil {
			b.Fatal(err)
		}
		data, err := encodeReflect(c)
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.SetBytes(int64(size))
}

func BenchmarkDecode100k(b *testing.B) {
	data, err := Encode(benchState(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// The format version is written as the string "1", as in every JSON
// document plansync prints; a state written with an integer is read.
func TestFormatVersionString(t *testing.T) {
	data, err := Encode(New("l"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"format_version": "1",`) {
		t.Errorf("encoded: %s", data)
	}
	for _, in := range []string{string(data), `{"format_version": 1, "lineage": "l", "serial": 2}`, `{"format_version": "1", "lineage": "l", "serial": 2}`} {
		s, err := Decode([]byte(in))
		if err != nil || s.FormatVersion != 1 {
			t.Errorf("Decode(%s) = %v, %v", in, s, err)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{`{"format_version": "one", "lineage": "l"}`, `format_version "one" is not a version number`},
		{`{"format_version": "", "lineage": "l"}`, `format_version "" is not a version number`},
		{`{"format_version": "2", "lineage": "l"}`, `format version 2; this plansync reads up to 1`},
		{`{"lineage": "l", "x": [1], "format_version": "7"}`, `format version 7; this plansync reads up to 1`},
	} {
		if _, err := Decode([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Decode(%s) = %v, want %q", tc.in, err, tc.want)
		}
	}
}

// TestPutValuesLike: interning values a like snapshot holds shares its
// set, and gives what PutValues gives; a set the like snapshot holds
// under an id that is not its content's is not taken.
func TestPutValuesLike(t *testing.T) {
	like := New("l")
	v := Values{"a": 1, "b": []any{"x"}, "c": "s"}
	id := like.PutValues(v)
	other := like.PutValues(Values{"a": int64(2)})
	// A set recorded under the id of content it does not hold.
	wrong := New("w")
	wrong.PropertySets = map[string]Values{id: like.PropertySets[other]}

	for _, tc := range []struct {
		name  string
		like  *Snapshot
		share bool
	}{{"nil", nil, false}, {"holds it", like, true}, {"another id's content", wrong, false}, {"empty", New("e"), false}} {
		var got, want Snapshot
		gid, wid := got.PutValuesLike(v, tc.like), want.PutValues(v)
		if gid != wid || gid != id {
			t.Fatalf("%s: id %s, PutValues %s, first %s", tc.name, gid, wid, id)
		}
		if diff := cmp.Diff(want.PropertySets, got.PropertySets); diff != "" {
			t.Errorf("%s: stored sets (-PutValues +PutValuesLike):\n%s", tc.name, diff)
		}
		shared := reflect.ValueOf(got.PropertySets[id]).Pointer() == reflect.ValueOf(like.PropertySets[id]).Pointer()
		if shared != tc.share {
			t.Errorf("%s: shares the like snapshot's set: %v, want %v", tc.name, shared, tc.share)
		}
		// Another put of the same content keeps the stored set.
		e := NewValuesEntry(Values{"c": "s", "b": []any{"x"}, "a": int64(1)}, nil)
		if e.ID != id || got.PutEntry(e) != id || len(got.PropertySets) != 1 {
			t.Errorf("%s: a second put: id %s, %d sets", tc.name, e.ID, len(got.PropertySets))
		}
	}
}

// TestSameContent: sameContent says a set holds another's values only
// when their encodings are the same, and always does so for a set as
// Decode reads it back.
func TestSameContent(t *testing.T) {
	pool := []any{"a", "b", "é", true, false, nil, 1, int64(1), int64(-1), 2.0, 2.5, []any{"x"}, []any{"x", "y"}, []any{}, []any{1}}
	r := rand.New(rand.NewPCG(1, 2))
	random := func() Values {
		v := Values{}
		for range r.IntN(4) {
			v[string(rune('k'+r.IntN(3)))] = pool[r.IntN(len(pool))]
		}
		return v
	}
	enc := func(v Values) []byte {
		b, err := marshalCompact(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for range 20000 {
		v, w := random(), random()
		if r.IntN(3) == 0 {
			w = normalized(enc(v))
		}
		b := enc(v)
		same := bytes.Equal(b, enc(w))
		if got := sameContent(v, w, b); got && !same || same && !got && reflect.DeepEqual(w, normalized(enc(w))) {
			t.Fatalf("sameContent(%#v, %#v) = %v; encodings equal: %v", v, w, got, same)
		}
	}
}
