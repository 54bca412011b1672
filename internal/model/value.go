package model

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of a property value.
type Kind uint8

const (
	KindInvalid Kind = iota
	// KindSize is a number of bytes; Unlimited is -1.
	KindSize
	// KindCount is a whole number; Unlimited is -1.
	KindCount
	// KindBool is on/off.
	KindBool
	// KindString is free text (a PHP version, a php.ini value).
	KindString
	// KindEnum is one of a fixed set of words.
	KindEnum
	// KindDuration is a plan expiration period: 30d, 6mo, 1y or unlimited.
	KindDuration
)

func (k Kind) String() string {
	switch k {
	case KindSize:
		return "size"
	case KindCount:
		return "count"
	case KindBool:
		return "bool"
	case KindString:
		return "string"
	case KindEnum:
		return "enum"
	case KindDuration:
		return "duration"
	}
	return "invalid"
}

// Unlimited is the numeric value of an unlimited size, count or duration.
const Unlimited = -1

// MaxLimit is the largest size (in bytes) or count a config may give:
// 2^53 (8 PiB, or about nine quadrillion items). Every integer up to it is
// exact in a JSON reader that uses floating point. A sum of add-on limits
// may exceed it (Add).
const MaxLimit = 1 << 53

// Value is one property value. Sizes and counts use N (-1 unlimited),
// booleans N (0 or 1), strings and enums S; durations keep the text as
// written in S and the period in N as months*100000+days (-1 unlimited).
type Value struct {
	K Kind
	N int64
	S string
}

// Bool makes a boolean value.
func Bool(b bool) Value {
	if b {
		return Value{K: KindBool, N: 1}
	}
	return Value{K: KindBool}
}

// Size makes a size value in bytes.
func Size(n int64) Value { return Value{K: KindSize, N: n} }

// Count makes a count value.
func Count(n int64) Value { return Value{K: KindCount, N: n} }

// String makes a free-text value.
func String(s string) Value { return Value{K: KindString, S: s} }

// Enum makes an enumerated value.
func Enum(s string) Value { return Value{K: KindEnum, S: s} }

// IsUnlimited reports whether a numeric value is unlimited.
func (v Value) IsUnlimited() bool {
	return (v.K == KindSize || v.K == KindCount || v.K == KindDuration) && v.N == Unlimited
}

// Truth returns a boolean value's truth.
func (v Value) Truth() bool { return v.K == KindBool && v.N != 0 }

// Text renders a value for people: sizes in binary units, "unlimited".
func (v Value) Text() string {
	switch v.K {
	case KindSize:
		if v.N == Unlimited {
			return "unlimited"
		}
		return FormatSize(v.N)
	case KindCount:
		if v.N == Unlimited {
			return "unlimited"
		}
		return strconv.FormatInt(v.N, 10)
	case KindBool:
		return strconv.FormatBool(v.N != 0)
	case KindDuration:
		if v.N == Unlimited {
			return "unlimited"
		}
		return v.S
	case KindString, KindEnum:
		return strconv.Quote(v.S)
	}
	return "?"
}

// JSON returns the value as it appears in JSON output and in the recorded
// state: sizes in bytes, counts as integers, unlimited as -1, durations as
// written, booleans and strings as themselves.
func (v Value) JSON() any {
	switch v.K {
	case KindSize, KindCount:
		return v.N
	case KindBool:
		return v.N != 0
	case KindDuration:
		if v.N == Unlimited {
			return int64(Unlimited)
		}
		return v.S
	}
	return v.S
}

// FormatSize renders bytes with a binary unit ("10 GiB", "512 MiB",
// "1.5 GiB"), or with a decimal one when the size is a whole number of
// decimal units and not of binary ones ("500 MB", "1 TB").
func FormatSize(n int64) string {
	if n > 0 {
		exact := func(base int64) int {
			k := 0
			for m := n; m%base == 0 && k < 5; m /= base {
				k++
			}
			return k
		}
		if dk := exact(1000); dk > exact(1024) {
			dec := []string{"B", "kB", "MB", "GB", "TB", "PB"}
			m := n
			for i := 0; i < dk; i++ {
				m /= 1000
			}
			return fmt.Sprintf("%d %s", m, dec[dk])
		}
	}
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for m := n; m >= 1024 && i < len(units)-1; m /= 1024 {
		i++
	}
	// The largest unit in which the size is exact with at most two
	// decimals: a rounded figure would hide the size (10000 MiB is not
	// 9.77 GiB) and could show a change as "9.77 GiB → 9.77 GiB".
	for ; i > 0; i-- {
		u := int64(1) << (10 * i)
		if (n%u)*100%u == 0 {
			break
		}
	}
	u := int64(1) << (10 * i)
	if n%u == 0 {
		return fmt.Sprintf("%d %s", n/u, units[i])
	}
	s := fmt.Sprintf("%d.%02d", n/u, (n%u)*100/u)
	return strings.TrimRight(s, "0") + " " + units[i]
}

var sizeRe = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([KMGTP]i?B|kB|B)?$`)

// ParseTraffic reads a traffic limit: a size per month, written as a size
// ("100GiB") or with "/mo" or "/month" ("100GiB/mo").
func ParseTraffic(s string) (int64, error) {
	t := strings.TrimSpace(s)
	// One per month: 100GiB/mo/month is no size.
	if u, ok := strings.CutSuffix(t, "/month"); ok {
		return parseSize(u, s)
	}
	return parseSize(strings.TrimSuffix(t, "/mo"), s)
}

// ParseSize reads "512MiB", "10GiB", "1TiB", "10GB" (powers of 1000), a
// bare decimal number of bytes, or "unlimited"; at most MaxLimit bytes.
func ParseSize(s string) (int64, error) { return parseSize(strings.TrimSpace(s), s) }

// parseSize reads the size t, naming s, as written, in errors.
func parseSize(t, s string) (int64, error) {
	if t == "unlimited" {
		return Unlimited, nil
	}
	if strings.HasPrefix(t, "-") {
		return 0, fmt.Errorf("size %q is negative", s)
	}
	m := sizeRe.FindStringSubmatch(t)
	if m == nil {
		return 0, fmt.Errorf("malformed size %q (want e.g. 512MiB, 10GiB, 1TB or unlimited)", s)
	}
	mult := int64(1)
	switch m[2] {
	case "", "B":
	case "KiB":
		mult = 1 << 10
	case "MiB":
		mult = 1 << 20
	case "GiB":
		mult = 1 << 30
	case "TiB":
		mult = 1 << 40
	case "PiB":
		mult = 1 << 50
	case "KB", "kB":
		// kB is the SI symbol, as FormatSize writes it: what plansync
		// prints can be written back.
		mult = 1e3
	case "MB":
		mult = 1e6
	case "GB":
		mult = 1e9
	case "TB":
		mult = 1e12
	case "PB":
		mult = 1e15
	default:
		return 0, fmt.Errorf("malformed size %q: unknown unit %q", s, m[2])
	}
	if !strings.Contains(m[1], ".") {
		// Whole numbers exactly, without a float's rounding.
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n > MaxLimit/mult {
			return 0, fmt.Errorf("size %q is too large (at most 8 PiB; write unlimited for no limit)", s)
		}
		return n * mult, nil
	}
	if m[2] == "" || m[2] == "B" {
		// 1.0 is more likely 1GiB with its unit forgotten than a byte.
		return 0, fmt.Errorf("malformed size %q: a number of bytes is written in digits only (a size with decimals needs its unit, such as 1.0GiB)", s)
	}
	// Decimals exactly too: 8.2GB is 8,200,000,000 bytes (a float makes
	// it 8199999999.999999), and 1.00000000000000000001GiB is not a
	// whole number of bytes (a float rounds it to 1 GiB).
	b, ok := new(big.Rat).SetString(m[1])
	if !ok {
		return 0, fmt.Errorf("malformed size %q", s)
	}
	b.Mul(b, new(big.Rat).SetInt64(mult))
	if b.Cmp(new(big.Rat).SetInt64(MaxLimit)) > 0 {
		return 0, fmt.Errorf("size %q is too large (at most 8 PiB; write unlimited for no limit)", s)
	}
	if !b.IsInt() {
		return 0, fmt.Errorf("size %q is not a whole number of bytes", s)
	}
	return b.Num().Int64(), nil
}

var durRe = regexp.MustCompile(`^(?:([0-9]+)y)?(?:([0-9]+)mo)?(?:([0-9]+)d)?$`)

// durationScale separates months from days in a Duration's N.
const durationScale = 100000

// ParseDuration reads a plan expiration period: "30d", "6mo", "1y",
// combinations such as "1y6mo", or "unlimited".
func ParseDuration(s string) (Value, error) {
	t := strings.TrimSpace(s)
	if t == "unlimited" {
		return Value{K: KindDuration, N: Unlimited, S: "unlimited"}, nil
	}
	m := durRe.FindStringSubmatch(t)
	if m == nil || t == "" {
		return Value{}, fmt.Errorf("malformed duration %q (want e.g. 30d, 6mo, 1y or unlimited)", s)
	}
	num := func(x string) int64 {
		if x == "" {
			return 0
		}
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil || n > 100000 {
			return -1
		}
		return n
	}
	y, mo, d := num(m[1]), num(m[2]), num(m[3])
	if y < 0 || mo < 0 || d < 0 || d >= durationScale {
		return Value{}, fmt.Errorf("duration %q is out of range", s)
	}
	return Value{K: KindDuration, N: (y*12+mo)*durationScale + d, S: t}, nil
}

// MaxExpirationMonths bounds a plan's expiration period: 100 years
// (1200 months, or as many days), so an expiry date stays a date.
const MaxExpirationMonths = 1200

// CheckExpiration refuses an expiration period a config may not give: a
// zero period ("0d" would read as "expires at once" or as "never";
// unlimited says the latter) and one longer than 100 years.
func CheckExpiration(v Value) error {
	if v.N == Unlimited {
		return nil
	}
	months, days := v.DurationParts()
	if months == 0 && days == 0 {
		return fmt.Errorf("expiration %q is zero; write unlimited for a plan that never expires", v.S)
	}
	if months*31+days > MaxExpirationMonths*31 || months > MaxExpirationMonths {
		return fmt.Errorf("expiration %q is too long (at most 100y; write unlimited for a plan that never expires)", v.S)
	}
	return nil
}

// DurationParts returns the months and days of a limited duration.
func (v Value) DurationParts() (months, days int) {
	return int(v.N / durationScale), int(v.N % durationScale)
}

// MakeDuration builds a canonical duration from months and days.
func MakeDuration(months, days int) Value {
	var b strings.Builder
	if months >= 12 {
		fmt.Fprintf(&b, "%dy", months/12)
	}
	if months%12 != 0 {
		fmt.Fprintf(&b, "%dmo", months%12)
	}
	if days != 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "%dd", days)
	}
	return Value{K: KindDuration, N: int64(months)*durationScale + int64(days), S: b.String()}
}

// AddTo returns t advanced by a limited duration. Months are calendar
// months clamped to the month's end (January 31 + 1 month is the end of
// February, not March 3), then days are added.
func (v Value) AddTo(t time.Time) time.Time {
	months, days := v.DurationParts()
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location()).AddDate(0, 0, days)
}

// MaxDate is the last moment a date may name: the end of year 9999, the
// last one RFC 3339 can write.
var MaxDate = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// ParseDate reads "2027-01-31" (UTC midnight) or an RFC 3339 timestamp,
// in UTC between years 1 and 9999.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		// RFC 3339 (§5.6) allows t and z in lower case; Go's layout
		// takes upper case only.
		t, err = time.Parse(time.RFC3339, strings.Map(func(r rune) rune {
			if r == 't' || r == 'z' {
				return r - 'a' + 'A'
			}
			return r
		}, s))
	}
	if err != nil || strings.Contains(s, ",") {
		// time.Parse takes a comma before a fraction of a second too;
		// RFC 3339 writes a point only.
		return time.Time{}, fmt.Errorf("malformed date %q (want 2027-01-31 or RFC 3339)", s)
	}
	if n := len(s); n > len("2006-01-02") && (s[n-6] == '+' || s[n-6] == '-') && (s[n-5:n-3] > "23" || s[n-2:] > "59") {
		// time.Parse takes an offset of 24:00 and a minute of 60 too;
		// RFC 3339 writes hours 00 to 23 and minutes 00 to 59.
		return time.Time{}, fmt.Errorf("malformed date %q: an offset from UTC is at most 23:59 (RFC 3339)", s)
	}
	t = t.UTC()
	if y := t.Year(); y < 1 || t.After(MaxDate) {
		return time.Time{}, fmt.Errorf("date %q is out of range (years 1 to 9999 in UTC)", s)
	}
	return t, nil
}

// Add combines two values of one property as add-ons do: limits add
// (unlimited absorbs), booleans are OR-ed. Other kinds keep a. Limits add
// up however large the total (SPEC §1.2; Plesk adds them the same way, so
// 8 PiB + 8 PiB is 16 PiB there too): only a total past what an int64
// holds, which no real list of add-ons reaches (each limit is at most
// MaxLimit), saturates at unlimited, so no sum can wrap around to a
// negative number.
func Add(a, b Value) Value {
	switch a.K {
	case KindSize, KindCount:
		if a.N == Unlimited || b.N == Unlimited || a.N > math.MaxInt64-b.N {
			return Value{K: a.K, N: Unlimited}
		}
		return Value{K: a.K, N: a.N + b.N}
	case KindBool:
		return Bool(a.Truth() || b.Truth())
	case KindDuration:
		if a.N == Unlimited || b.N == Unlimited {
			return Value{K: KindDuration, N: Unlimited, S: "unlimited"}
		}
		am, ad := a.DurationParts()
		bm, bd := b.DurationParts()
		return MakeDuration(am+bm, ad+bd)
	}
	return a
}

// Less reports whether a limit a is strictly smaller than b (unlimited is
// the largest). It is meaningful for sizes, counts and durations.
func Less(a, b Value) bool {
	if a.N == Unlimited {
		return false
	}
	if b.N == Unlimited {
		return true
	}
	return a.N < b.N
}
