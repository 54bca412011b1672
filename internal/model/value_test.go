package model

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"512MiB": 512 << 20, "10GiB": 10 << 30, "1TiB": 1 << 40, "10GB": 10e9, "500MB": 500e6,
		"1TB": 1e12, "1KB": 1e3, "500kB": 500e3, "1024": 1024, "unlimited": Unlimited, "1.5GiB": 3 << 29, "8PiB": MaxLimit, "9007199254740992": MaxLimit,
		// Decimals are exact, not a float's: 8.2 * 1e9 is 8199999999.999999.
		"8.2GB": 8_200_000_000, "1.001MB": 1_001_000, "1.005kB": 1005, "0.75KiB": 768, "8.000PiB": MaxLimit,
	} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"-5GiB", "10XB", "", "ten", "1.3B", "100GiB/mo", "0x10", "1_000", "9PiB", "9007199254740993", "9223372036854775807", "1e3",
		// Not a whole number of bytes, however close (a float rounds it to one).
		"0.1KiB", "1.00000000000000000001GiB", "1.0000000001kB", "8.00000000000000000001PiB",
		// A number of bytes is written in digits only: 1.0 may well be
		// 1 GiB with its unit forgotten.
		"1.0", "1.0B", "10.00 B", "0.0"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
	for in, want := range map[string]int64{"100GiB/mo": 100 << 30, "1TB/month": 1e12, "unlimited/mo": Unlimited, "5GiB": 5 << 30} {
		if got, err := ParseTraffic(in); err != nil || got != want {
			t.Errorf("ParseTraffic(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	// One "per month", not two.
	for _, bad := range []string{"9PiB/mo", "100GiB/mo/month", "100GiB/month/mo", "100GiB/mo/mo"} {
		if _, err := ParseTraffic(bad); err == nil {
			t.Errorf("ParseTraffic(%q) accepted", bad)
		}
	}
}

// TestAddSaturates: limits add up beyond MaxLimit (SPEC §1.2: Plesk adds
// them so too), and no sum of limits wraps: a total past an int64 is
// unlimited.
func TestAddSaturates(t *testing.T) {
	for _, tc := range []struct{ a, b, want int64 }{
		{MaxLimit, 0, MaxLimit},
		{MaxLimit - 1, 1, MaxLimit},
		{MaxLimit, 1, MaxLimit + 1},
		{MaxLimit, MaxLimit, 2 * MaxLimit},
		{math.MaxInt64 - 1, 1, math.MaxInt64},
		{math.MaxInt64, 1, Unlimited},
		{1 << 62, 1 << 62, Unlimited},
		{math.MaxInt64, math.MaxInt64, Unlimited},
		{math.MaxInt64 - 10, 10 << 30, Unlimited},
	} {
		for _, mk := range []func(int64) Value{Size, Count} {
			if got := Add(mk(tc.a), mk(tc.b)); got.N != tc.want {
				t.Errorf("Add(%d, %d) = %d, want %d", tc.a, tc.b, got.N, tc.want)
			}
		}
	}
}

func TestDateRange(t *testing.T) {
	for _, good := range []string{"0001-01-01", "9999-12-31", "9999-12-31T23:59:59Z", "2027-01-31T10:00:00+02:00", "2027-01-31T10:00:00+23:59", "2027-01-31T10:00:00-23:59"} {
		if _, err := ParseDate(good); err != nil {
			t.Errorf("ParseDate(%q): %v", good, err)
		}
	}
	// RFC 3339 §5.6: t and z may be written in lower case.
	upper, err1 := ParseDate("2027-01-31T10:00:00Z")
	lower, err2 := ParseDate("2027-01-31t10:00:00z")
	if err1 != nil || err2 != nil || !upper.Equal(lower) {
		t.Errorf("ParseDate in lower case = %v, %v; want %v", lower, err2, upper)
	}
	for _, bad := range []string{"0000-01-01", "0000-12-31T23:00:00Z", "9999-12-31T23:00:00-05:00", "10000-01-01", "0001-01-01T00:30:00+01:00",
		// RFC 3339 writes a fraction of a second after a point only.
		"2027-01-31T10:00:00,5Z",
		// and an offset from UTC of at most 23:59.
		"2027-01-31T10:00:00+24:00", "2027-01-31T10:00:00-24:00", "2027-01-31T10:00:00+23:60", "2027-01-31T10:00:00-00:60"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
}

func TestCheckExpiration(t *testing.T) {
	for in, ok := range map[string]bool{
		"1d": true, "30d": true, "100y": true, "1200mo": true, "99y11mo30d": true, "36525d": true, "unlimited": true,
		"0d": false, "0y": false, "0mo": false, "0y0mo0d": false, "101y": false, "1201mo": false, "100y1mo": false, "9999y": false, "40000d": false,
	} {
		v, err := ParseDuration(in)
		if err != nil {
			t.Fatalf("ParseDuration(%q): %v", in, err)
		}
		if err := CheckExpiration(v); (err == nil) != ok {
			t.Errorf("CheckExpiration(%q) = %v, want ok %v", in, err, ok)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{
		10 << 30: "10 GiB", 512 << 20: "512 MiB", 3 << 29: "1.5 GiB", 500e6: "500 MB", 1e9: "1 GB", 1e12: "1 TB", 1000: "1 kB", 7: "7 B", 1 << 40: "1 TiB",
		// Exact: never a rounded figure that hides the size.
		10000 << 20: "10000 MiB", 10001 << 20: "10001 MiB", 1<<30 + 1: "1073741825 B", 5 << 28: "1.25 GiB",
		21 << 26: "1344 MiB",
	} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
		// What plansync prints can be written back in a config.
		if back, err := ParseSize(strings.ReplaceAll(want, " ", "")); err != nil || back != n {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", want, back, err, n)
		}
	}
}

func TestDurationAddTo(t *testing.T) {
	d := func(s string) time.Time {
		v, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct{ dur, from, want string }{
		{"1mo", "2026-01-31", "2026-02-28"},
		{"1mo", "2028-01-31", "2028-02-29"},
		{"1y", "2028-02-29", "2029-02-28"},
		{"6mo", "2026-03-15", "2026-09-15"},
		{"30d", "2026-01-15", "2026-02-14"},
		{"1y6mo", "2026-01-01", "2027-07-01"},
	} {
		v, err := ParseDuration(tc.dur)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.AddTo(d(tc.from)); !got.Equal(d(tc.want)) {
			t.Errorf("%s + %s = %s, want %s", tc.from, tc.dur, got.Format("2006-01-02"), tc.want)
		}
	}
}

func TestAddonArithmetic(t *testing.T) {
	if got := Add(Size(10<<30), Size(5<<30)); got != Size(15<<30) {
		t.Errorf("10GiB + 5GiB = %v", got)
	}
	if got := Add(Size(Unlimited), Size(5<<30)); !got.IsUnlimited() {
		t.Errorf("unlimited + 5GiB = %v", got)
	}
	if got := Add(Bool(false), Bool(true)); !got.Truth() {
		t.Errorf("false OR true = %v", got)
	}
	y, _ := ParseDuration("1y")
	m, _ := ParseDuration("6mo")
	if got := Add(y, m); got.S != "1y6mo" {
		t.Errorf("1y + 6mo = %q", got.S)
	}
}

func TestButtonURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://a.example/x":                 "https://a.example/x",
		"https://a.example/open ticket?q=a b": "https://a.example/open%20ticket?q=a%20b",
		" https://a.example/a\tb\n":           "https://a.example/a%09b",
		"https://a.example/a\u00a0b":          "https://a.example/a%C2%A0b",
		"https://a.example/é b":               "https://a.example/é%20b",
		"https://a.example/\xff b":            "https://a.example/\xff%20b",
		"":                                    "",
	} {
		if got := ButtonURL(in); got != want {
			t.Errorf("ButtonURL(%q) = %q, want %q", in, got, want)
		}
	}
}
