package model

import (
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"512MiB": 512 << 20, "10GiB": 10 << 30, "1TiB": 1 << 40, "10GB": 10e9, "500MB": 500e6,
		"1TB": 1e12, "1024": 1024, "unlimited": Unlimited, "100GiB/mo": 100 << 30, "1.5GiB": 3 << 29,
	} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"-5GiB", "10XB", "", "ten", "1.3B"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{
		10 << 30: "10 GiB", 512 << 20: "512 MiB", 3 << 29: "1.5 GiB", 500e6: "500 MB", 1e9: "1 GB", 1e12: "1 TB", 1000: "1 kB", 7: "7 B", 1 << 40: "1 TiB",
	} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
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
