package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds the snapshot decoder. It is written by hand, without
// reflection, because a state of 100,000 subscriptions is read on every
// plan: encoding/json takes about 3 µs per subscription, this decoder a
// fraction of that, and it interns the strings many records share (owner,
// plan, status, property set ids).
//
// It is strict: a field this version does not know is an error, not
// silently dropped (and so lost at the next write). A field added to a
// record type without a case here fails the round-trip test.

// maxDepth bounds the nesting of property values.
const maxDepth = 1000

// syntaxError is a decoding failure at a byte offset of the input.
type syntaxError struct {
	msg    string
	offset int
}

func (e *syntaxError) Error() string { return e.msg }

// decoder parses one snapshot. Errors are sticky: after the first, every
// method returns zero values and loops end.
type decoder struct {
	data    []byte
	pos     int
	err     error
	depth   int
	scratch []byte
	// unescaped: the last string was decoded into scratch.
	unescaped bool
	// keyPos is the offset of the last field name.
	keyPos int
	strs   map[string]string
	// fields is values' scratch list; nums are boxed numbers (boxed).
	fields []field
	nums   map[int64]any
	// forms gives the form of a property's values (see SetValueForms),
	// nil when they are not checked; keys holds the paths of property
	// sets decoded so far, interned, with their forms.
	forms func(path string) ValueForm
	keys  map[string]setKey
	// check says what a record's string field should be (see
	// SetRecordChecks), nil when fields are not checked.
	check func(kind, field, value string) string
}

// setKey is a property path, interned, and the form of its values (nil:
// any).
type setKey struct {
	path string
	form ValueForm
}

func newDecoder(data []byte) *decoder {
	return &decoder{data: data, strs: make(map[string]string)}
}

// ValueForm says what a recorded value x of a property should be, as a
// phrase ("a size in bytes (an integer, -1 for unlimited)"), or "" when x
// is of that form.
type ValueForm func(x any) string

var valueForms func(path string) ValueForm

// SetValueForms makes Decode check each value of a property set, and the
// plan and available values of each recorded conflict, against the form
// forms gives for its property path (nil: any value), as it decodes them,
// at no extra pass: a state holding a value not of its form (a size
// "10GiB", a boolean "yes") is corrupt, and the error names the property
// set (or the subscription) and the property. forms is called once per
// path in each Decode, and the form it gives is used by that Decode only.
// This package knows no properties: the CLI sets the forms of its model
// once, before it reads a state.
func SetValueForms(forms func(path string) ValueForm) { valueForms = forms }

var recordChecks func(kind, field, value string) string

// SetRecordChecks makes Decode check the string fields of records (a
// subscription's sync_status, a status, a domain) with check, which says
// what the field of a record of kind ("subscription", "customer",
// "reseller") should be, as a phrase ("synced, locked, unsynced or
// custom"), or "" when value is that: a state holding another word (a
// status "paused", a domain not in lower case) is corrupt, and the error
// names the record, the field and the place. As with SetValueForms, this
// package knows no model: the CLI sets the checks once, before it reads
// a state.
func SetRecordChecks(check func(kind, field, value string) string) { recordChecks = check }

// checked reads the string field of a record of kind (named by of) and
// checks it (SetRecordChecks).
func (d *decoder) checked(kind, field string, of func() string) string {
	at := d.pos
	return d.checkedAt(at, kind, field, of, d.istr())
}

// checkedAt checks v, the string field of a record read at offset at.
func (d *decoder) checkedAt(at int, kind, field string, of func() string, v string) string {
	if d.check != nil && d.err == nil {
		if want := d.check(kind, field, v); want != "" {
			d.pos = at
			d.fail("%s of %s is %s, not %s", field, of(), strconv.Quote(v), want)
		}
	}
	return v
}

// valueError is a recorded value not of its property's form.
type valueError struct{ msg string }

func (e *valueError) Error() string { return e.msg }

// setKey interns the property path b with the form of its values (nil:
// any, or not checked).
func (d *decoder) setKey(b []byte) setKey {
	if k, ok := d.keys[string(b)]; ok {
		return k
	}
	k := setKey{path: string(b)}
	if d.forms != nil {
		k.form = d.forms(k.path)
	}
	if d.keys == nil {
		d.keys = make(map[string]setKey)
	}
	d.keys[k.path] = k
	return k
}

// mistyped fails with a value error: what's value at path is not of the
// form want.
func (d *decoder) mistyped(what, path, want string, x any) {
	if d.err == nil {
		shown, err := json.Marshal(x)
		if err != nil {
			shown = []byte(fmt.Sprint(x))
		}
		d.err = &valueError{fmt.Sprintf("%s: %s is not %s: %s", what, path, want, shown)}
	}
	d.pos = len(d.data)
}

// lineColumn is the line and column (from 1, in bytes) of byte offset
// off.
func (d *decoder) lineColumn(off int) (line, col int) {
	off = min(off, len(d.data))
	line = 1 + bytes.Count(d.data[:off], []byte{'\n'})
	col = 1 + off - (bytes.LastIndexByte(d.data[:off], '\n') + 1)
	return line, col
}

// SyntaxError is a state that cannot be decoded (an ErrCorrupt) at a
// place of its encoding: Line and Column count from 1, the column in
// bytes. Path, when set (At), is the file it was read from, named with
// the place (PATH:LINE:COLUMN) as errors in config files are.
type SyntaxError struct {
	Path         string
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	if e.Path != "" {
		return fmt.Sprintf("%s:%d:%d: %s: %s", e.Path, e.Line, e.Column, ErrCorrupt, e.Msg)
	}
	return fmt.Sprintf("%s: line %d, column %d: %s", ErrCorrupt, e.Line, e.Column, e.Msg)
}

// Is makes a SyntaxError an ErrCorrupt.
func (e *SyntaxError) Is(target error) bool { return target == ErrCorrupt }

// At is e as the error of the file at path: "PATH:LINE:COLUMN:
// recorded state is corrupt: MSG".
func (e *SyntaxError) At(path string) *SyntaxError {
	cp := *e
	cp.Path = path
	return &cp
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = &syntaxError{msg: fmt.Sprintf(format, args...), offset: d.pos}
	}
	d.pos = len(d.data)
}

// found describes the input at the current position for messages.
func (d *decoder) found() string {
	if d.pos >= len(d.data) {
		return "end of input"
	}
	c := d.data[d.pos]
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("byte 0x%02x", c)
	}
	return strconv.QuoteRune(rune(c))
}

func (d *decoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte (0 at the end).
func (d *decoder) peek() byte {
	d.ws()
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *decoder) expect(c byte, context string) bool {
	if d.peek() == c && d.pos < len(d.data) {
		d.pos++
		return true
	}
	d.fail("expected %q %s, found %s", c, context, d.found())
	return false
}

// null consumes a null literal if one is next.
func (d *decoder) null() bool {
	if d.peek() == 'n' {
		return d.literal("null")
	}
	return false
}

func (d *decoder) literal(lit string) bool {
	if !bytes.HasPrefix(d.data[d.pos:], []byte(lit)) {
		d.fail("invalid literal, found %s", d.found())
		return false
	}
	d.pos += len(lit)
	return true
}

// object decodes an object, calling field for each key with the decoder
// positioned at its value; field must consume the value. what names the
// object in messages. A null object calls nothing.
func (d *decoder) object(what string, field func(key []byte)) {
	if d.null() || !d.expect('{', "to begin "+what) {
		return
	}
	if d.peek() == '}' {
		d.pos++
		return
	}
	for d.err == nil {
		if d.peek() != '"' {
			d.fail("expected a field name in %s, found %s", what, d.found())
			return
		}
		d.keyPos = d.pos
		key := d.strBytes()
		if d.unescaped {
			key = bytes.Clone(key) // the value may reuse the scratch buffer
		}
		if !d.expect(':', "after field name") {
			return
		}
		field(key)
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return
		default:
			d.fail("expected ',' or '}' after field %q of %s, found %s", key, what, d.found())
		}
	}
}

// unknown reports a field this version does not know.
func (d *decoder) unknown(what string, key []byte) {
	d.pos = d.keyPos
	d.fail("unknown field %q in %s", key, what)
}

// array decodes an array, calling elem for each element; elem must consume
// it. A null array calls nothing.
func (d *decoder) array(what string, elem func()) {
	if d.null() || !d.expect('[', "to begin "+what) {
		return
	}
	if d.peek() == ']' {
		d.pos++
		return
	}
	for d.err == nil {
		elem()
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return
		default:
			d.fail("expected ',' or ']' after element of %s, found %s", what, d.found())
		}
	}
}

// strBytes decodes a string and returns its bytes, which may alias the
// input or the scratch buffer: valid until the next call.
func (d *decoder) strBytes() []byte {
	d.unescaped = false
	if !d.expect('"', "to begin a string") {
		return nil
	}
	start := d.pos
	ascii := true
	for i := start; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			b := d.data[start:i]
			if !ascii && !utf8.Valid(b) {
				return d.slowStr(start)
			}
			d.pos = i + 1
			return b
		case c == '\\':
			return d.slowStr(start)
		case c < 0x20:
			d.pos = i
			d.fail("control character %s in string", d.found())
			return nil
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	d.pos = len(d.data)
	d.fail("unterminated string")
	return nil
}

// slowStr decodes the string starting at start (after the quote) with
// escapes, replacing invalid UTF-8 and lone surrogates by U+FFFD as
// encoding/json does.
func (d *decoder) slowStr(start int) []byte {
	d.unescaped = true
	b := d.scratch[:0]
	i := start
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.scratch = b
			return b
		case c < 0x20:
			d.pos = i
			d.fail("control character %s in string", d.found())
			return nil
		case c == '\\':
			if i+1 >= len(d.data) {
				i++
				continue
			}
			switch e := d.data[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := d.hex4(i + 2)
				if !ok {
					d.pos = i
					d.fail("invalid \\u escape in string")
					return nil
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2, ok := rune(0), false
					if i+1 < len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
						r2, ok = d.hex4(i + 2)
					}
					if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
						r = dec
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				d.pos = i
				d.fail("invalid escape \\%c in string", e)
				return nil
			}
			i += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			b = utf8.AppendRune(b, r) // RuneError for invalid bytes
			i += size
		}
	}
	d.pos = len(d.data)
	d.fail("unterminated string")
	return nil
}

func (d *decoder) hex4(i int) (rune, bool) {
	if i+4 > len(d.data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(d.data[i:i+4]), 16, 32)
	return rune(n), err == nil
}

// str decodes a string (null gives "").
func (d *decoder) str() string {
	if d.null() {
		return ""
	}
	return string(d.strBytes())
}

// istr decodes a string and interns it: for values many records share.
func (d *decoder) istr() string {
	if d.null() {
		return ""
	}
	return d.intern(d.strBytes())
}

func (d *decoder) strings(what string) []string {
	var list []string
	if d.peek() == '[' {
		list = make([]string, 0, d.count())
	}
	d.array(what, func() { list = append(list, d.istr()) })
	return list
}

func (d *decoder) boolean() bool {
	switch d.peek() {
	case 't':
		return d.literal("true")
	case 'f':
		d.literal("false")
	case 'n':
		d.literal("null")
	default:
		d.fail("expected true or false, found %s", d.found())
	}
	return false
}

// number consumes a JSON number and returns its text.
func (d *decoder) number() []byte {
	d.ws()
	start, i, n := d.pos, d.pos, len(d.data)
	digits := func() bool {
		j := i
		for i < n && '0' <= d.data[i] && d.data[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < n && d.data[i] == '-' {
		i++
	}
	if i < n && d.data[i] == '0' {
		i++
	} else if !digits() {
		d.pos = i
		d.fail("expected a number, found %s", d.found())
		return nil
	}
	if i < n && d.data[i] == '.' {
		i++
		if !digits() {
			d.pos = i
			d.fail("expected a digit after the decimal point, found %s", d.found())
			return nil
		}
	}
	if i < n && (d.data[i] == 'e' || d.data[i] == 'E') {
		i++
		if i < n && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		if !digits() {
			d.pos = i
			d.fail("expected a digit in the exponent, found %s", d.found())
			return nil
		}
	}
	d.pos = i
	return d.data[start:i]
}

func (d *decoder) uint64() uint64 {
	if d.null() {
		return 0
	}
	start := d.pos
	lit := d.number()
	if d.err != nil {
		return 0
	}
	n, err := strconv.ParseUint(string(lit), 10, 64)
	if err != nil {
		d.pos = start
		d.fail("%s is not a non-negative integer", lit)
	}
	return n
}

// version decodes a format version: a string of digits ("1", as written
// now) or an integer (as older versions wrote it).
func (d *decoder) version() int {
	if d.peek() != '"' {
		return d.int()
	}
	start := d.pos
	lit := d.strBytes()
	if d.err != nil {
		return 0
	}
	n, err := strconv.ParseInt(string(lit), 10, 0)
	if err != nil || len(lit) == 0 || lit[0] < '0' || lit[0] > '9' {
		d.pos = start
		d.fail("format_version %q is not a version number", lit)
		return 0
	}
	return int(n)
}

func (d *decoder) int() int {
	if d.null() {
		return 0
	}
	start := d.pos
	lit := d.number()
	if d.err != nil {
		return 0
	}
	n, err := strconv.ParseInt(string(lit), 10, 0)
	if err != nil {
		d.pos = start
		d.fail("%s is not an integer", lit)
	}
	return int(n)
}

func (d *decoder) time() time.Time {
	var t time.Time
	if d.null() {
		return t
	}
	start := d.pos
	b := d.strBytes()
	if d.err != nil {
		return t
	}
	if err := t.UnmarshalText(b); err != nil {
		d.pos = start
		d.fail("invalid time: %v", err)
	}
	return t
}

// value decodes any JSON value in the recorded form of property values:
// integral numbers as int64, other numbers as float64, lists as []any,
// objects as map[string]any.
func (d *decoder) value() any {
	switch d.peek() {
	case '"':
		return d.str()
	case 't', 'f':
		return d.boolean()
	case 'n':
		d.literal("null")
		return nil
	case '[', '{':
		if d.depth++; d.depth > maxDepth {
			d.fail("values nested too deeply")
			return nil
		}
		defer func() { d.depth-- }()
		if d.data[d.pos] == '[' {
			list := []any{}
			d.array("a list", func() { list = append(list, d.value()) })
			return list
		}
		m := map[string]any{}
		d.object("an object", func(key []byte) { m[string(key)] = d.value() })
		return m
	}
	if c := d.peek(); c != '-' && (c < '0' || c > '9') {
		d.fail("expected a value, found %s", d.found())
		return nil
	}
	start := d.pos
	lit := d.number()
	if d.err != nil {
		return nil
	}
	v, err := numberValue(lit)
	if err != nil {
		d.pos = start
		d.fail("%v", err)
	}
	return v
}

// numberValue converts a JSON number: int64 when integral and in range,
// else float64.
func numberValue(lit []byte) (any, error) {
	if n, err := strconv.ParseInt(string(lit), 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil {
		return nil, fmt.Errorf("number %s is out of range", lit)
	}
	if f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
		return int64(f), nil
	}
	return f, nil
}

// values decodes a property set; what names it in messages of its
// encoding, label in those of its values (property set ID).
func (d *decoder) values(what, label string) Values {
	if d.peek() != '{' {
		d.fail("expected %s to be an object, found %s", what, d.found())
		return nil
	}
	// The fields are gathered first, so the map is made at its size
	// (a fleet's state holds tens of thousands of sets of some forty
	// values); keys and string values are interned (sets share them),
	// as are boxed numbers.
	start := len(d.fields)
	d.object(what, func(key []byte) {
		keyPos := d.keyPos
		k := d.setKey(key)
		var x any
		switch d.peek() {
		case '"':
			x = d.istr()
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			x = d.boxed(d.value())
		default:
			x = d.value()
		}
		if k.form != nil && d.err == nil {
			if want := k.form(x); want != "" {
				d.mistyped(label, k.path, want, x)
			}
		}
		d.fields = append(d.fields, field{k.path, x, keyPos})
	})
	fields := d.fields[start:]
	v := make(Values, len(fields))
	for _, f := range fields {
		v[f.key] = f.value
	}
	if len(v) < len(fields) && d.err == nil {
		// A path given twice: which value was recorded cannot be told.
		for i, f := range fields {
			if slices.ContainsFunc(fields[:i], func(g field) bool { return g.key == f.key }) {
				d.pos = f.pos
				d.fail("%s given twice in %s", strconv.Quote(f.key), what)
				break
			}
		}
	}
	clear(fields)
	d.fields = d.fields[:start]
	return v
}

// field is a decoded field of a property set (values), and the offset of
// its name.
type field struct {
	key   string
	value any
	pos   int
}

// intern returns b as a string, interned.
func (d *decoder) intern(b []byte) string {
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	d.strs[s] = s
	return s
}

// boxed returns a decoded number, boxed once per value: the boxes of
// equal int64s are shared (an interface's value is never modified).
func (d *decoder) boxed(x any) any {
	n, ok := x.(int64)
	if !ok || (n >= 0 && n < 256) { // small ones are not allocated
		return x
	}
	if b, ok := d.nums[n]; ok {
		return b
	}
	if d.nums == nil {
		d.nums = make(map[int64]any)
	}
	d.nums[n] = x
	return x
}

// snapshot decodes a whole snapshot and checks that nothing follows it.
func (d *decoder) snapshot() *Snapshot {
	s := new(Snapshot)
	// A field given twice (two lists of subscriptions) is an error, not
	// the last one taken and the other dropped.
	var f fieldSet
	d.object("the snapshot", func(key []byte) {
		if i := fieldIndex(snapshotFields, key, 0); i >= 0 {
			if f.met(i, d.keyPos, key); f.dup != nil {
				d.pos = f.dupAt
				d.fail("field %q given twice in the snapshot", f.dup)
				return
			}
		}
		switch string(key) {
		case "format_version":
			start := d.pos
			if s.FormatVersion = d.version(); s.FormatVersion > FormatVersion && d.err == nil {
				d.pos = start
				d.err = newerFormat(int64(s.FormatVersion))
				d.pos = len(d.data)
			}
		case "lineage":
			s.Lineage = d.str()
		case "serial":
			s.Serial = d.uint64()
		case "server":
			s.Server = d.server()
		case "servers":
			s.Servers = decodeList(d, "servers", func() Server {
				if srv := d.server(); srv != nil {
					return *srv
				}
				return Server{}
			})
		case "services":
			s.Services = decodeList(d, "services", d.service)
		case "service_plans":
			s.ServicePlans = decodeList(d, "service_plans", d.plan("service plan"))
		case "addon_plans":
			s.AddonPlans = decodeList(d, "addon_plans", d.plan("add-on plan"))
		case "reseller_plans":
			s.ResellerPlans = decodeList(d, "reseller_plans", d.plan("reseller plan"))
		case "resellers":
			s.Resellers = decodeList(d, "resellers", d.reseller)
		case "customers":
			s.Customers = decodeList(d, "customers", d.customer)
		case "subscriptions":
			s.Subscriptions = decodeList(d, "subscriptions", d.subscription)
		case "property_sets":
			if d.peek() == '{' {
				s.PropertySets = map[string]Values{}
			}
			d.object("property_sets", func(id []byte) {
				idPos, n := d.keyPos, len(s.PropertySets)
				s.PropertySets[string(id)] = d.values("property set "+strconv.Quote(string(id)), "property set "+string(id))
				if len(s.PropertySets) == n && d.err == nil {
					d.pos = idPos
					d.fail("property set %q given twice", id)
				}
			})
		default:
			d.unknown("the snapshot", key)
		}
	})
	// Anything but white space after the snapshot (a NUL byte too: a
	// file extended with zeros by a crash) is an error.
	if d.ws(); d.err == nil && d.pos < len(d.data) {
		d.fail("unexpected %s after the snapshot", d.found())
	}
	return s
}

// snapshotFields are the snapshot's fields, by their bit in snapshot's
// fieldSet.
var snapshotFields = []string{"format_version", "lineage", "serial", "server", "servers", "services",
	"service_plans", "addon_plans", "reseller_plans", "resellers", "customers", "subscriptions", "property_sets"}

// count returns the number of elements of the array that begins at the
// current position, to allocate its slice once; for invalid input it
// returns a guess (the array's decoding reports the error).
func (d *decoder) count() int {
	depth, n, empty := 0, 0, true
	for i := d.pos; i < len(d.data); i++ {
		switch c := d.data[i]; c {
		case '"':
			for i++; i < len(d.data) && d.data[i] != '"'; i++ {
				if d.data[i] == '\\' {
					i++
				}
			}
			empty = false
		case '[', '{':
			if depth++; depth > 1 {
				empty = false
			}
		case ']', '}':
			if depth--; depth == 0 {
				if !empty {
					n++
				}
				return n
			}
		case ',':
			if depth == 1 {
				n++
			}
		case ' ', '\t', '\n', '\r':
		default:
			empty = false
		}
	}
	return n
}

// fieldSet holds the fields of one record (or nested object) met so far,
// each by its bit (its index in the record's field list), to refuse, as
// the record is decoded, a field given twice (encoding/json would keep
// the last value silently) and a field every record has (Encode always
// writes it: no omitempty in its json tag) missing: read as if it were
// empty, a hand-cut record would plan changes nobody made.
type fieldSet struct {
	seen uint32
	// dupAt is the offset of the first field given twice, dup its name
	// (nil: none).
	dupAt int
	dup   []byte
}

// met marks the field of bit i, whose name key is at offset at.
func (f *fieldSet) met(i int, at int, key []byte) {
	bit := uint32(1) << i
	if f.seen&bit != 0 && f.dup == nil {
		f.dupAt, f.dup = at, bytes.Clone(key)
	}
	f.seen |= bit
}

// checkFields reports a field given twice in the record begun at offset
// start, named by what (`subscription "a.example"`), at its second
// occurrence; or else a field of names whose bit is in required not met,
// at the record.
func (d *decoder) checkFields(f *fieldSet, start int, what string, names []string, required uint32) {
	if d.err != nil {
		return
	}
	if f.dup != nil {
		d.pos = f.dupAt
		d.fail("field %q given twice in %s", f.dup, what)
		return
	}
	if missing := required &^ f.seen; missing != 0 {
		for i, name := range names {
			if missing&(1<<i) != 0 {
				d.pos = start
				d.fail("%s has no %q field", what, name)
				return
			}
		}
	}
}

// recordName names a record of kind with key (on server) in messages.
func recordName(kind, key, server string) string {
	if key == "" {
		if kind[0] == 'a' || kind[0] == 'e' {
			return "an " + kind + " record"
		}
		return "a " + kind + " record"
	}
	name := kind + " " + strconv.Quote(key)
	if server != "" {
		name += " (server " + server + ")"
	}
	return name
}

// required is the set of bits of fields in names that every record has.
func required(names []string, fields ...string) uint32 {
	var m uint32
	for _, f := range fields {
		i := slices.Index(names, f)
		if i < 0 {
			panic("state: no field " + f)
		}
		m |= 1 << i
	}
	return m
}

// decodeList decodes an array of records with elem.
func decodeList[T any](d *decoder, what string, elem func() T) []T {
	var list []T
	if d.peek() == '[' {
		list = make([]T, 0, d.count())
	}
	d.array(what, func() { list = append(list, elem()) })
	return list
}

// The field lists of each record (and nested object), in the order
// Encode writes them, by their bit in the record's fieldSet; and the
// fields every record has (Encode always writes them).
var (
	serverFields       = []string{"name", "components", "extensions", "default_plan"}
	extensionFields    = []string{"name", "services"}
	extensionRequired  = required(extensionFields, "name")
	buttonFields       = []string{"url", "background_image", "open_in_panel"}
	buttonRequired     = required(buttonFields, "url", "open_in_panel")
	pleskIDFields      = []string{"guid", "id"}
	serviceFields      = []string{"server", "name", "description", "button", "send", "available_to_resellers", "extension"}
	serviceRequired    = required(serviceFields, "name", "available_to_resellers")
	planFields         = []string{"server", "key", "owner", "name", "description", "props", "services", "oversell", "plesk"}
	planRequired       = required(planFields, "key", "owner", "name", "props")
	contactFields      = []string{"name", "company", "email", "phone", "address"}
	resellerFields     = []string{"server", "login", "password_hash", "contact", "plan", "sync_status", "allocation", "services", "oversell", "status", "description", "managed_by", "plesk"}
	resellerRequired   = required(resellerFields, "login", "contact", "plan", "status")
	customerFields     = []string{"server", "login", "password_hash", "contact", "owner", "status", "status_reasons", "description", "admin_description", "managed_by", "plesk"}
	customerRequired   = required(customerFields, "login", "contact", "owner", "status")
	conflictFields     = []string{"property", "plan_value", "available_value", "reason"}
	conflictRequired   = required(conflictFields, "property", "plan_value", "available_value", "reason")
	subscriptionFields = []string{"server", "domain", "owner", "customer", "plan", "addons", "sync_status", "server_sync_status",
		"locked_in_panel", "effective", "base", "customize", "customized", "settings", "dropped_settings", "conflicts",
		"config_status", "status", "status_reasons", "created_at", "expires", "ftp_login", "ftp_password_hash",
		"ip_address", "managed_by", "plesk"}
	subscriptionRequired = required(subscriptionFields, "domain", "owner", "plan", "sync_status", "effective", "status", "created_at")
)

// fieldIndex returns the bit of key in names (names holds at most 32),
// -1 for a field this version does not know. It looks from next, the
// field after the one met last: a record Encode wrote has its fields in
// the order of names, each found at the first look.
func fieldIndex(names []string, key []byte, next int) int {
	for i := next; i < len(names); i++ {
		if string(key) == names[i] {
			return i
		}
	}
	for i := 0; i < next && i < len(names); i++ {
		if string(key) == names[i] {
			return i
		}
	}
	return -1
}

// record decodes an object of the fields names, calling set for each with
// its name, the decoder positioned at its value; then refuses a field
// given twice, and one of required missing unless keyed says the record
// has no key (check says so). what names the object in messages of its
// encoding, name (called on error only) in those of its fields.
func (d *decoder) record(what string, names []string, required uint32, keyed func() bool, name func() string, set func(field string)) {
	var f fieldSet
	d.peek()
	start := d.pos // where the record begins, to name for a field missing
	next := 0
	d.object(what, func(key []byte) {
		i := fieldIndex(names, key, next)
		if i < 0 {
			d.unknown(what, key)
			return
		}
		next = i + 1
		f.met(i, d.keyPos, key)
		set(names[i])
	})
	if d.err != nil || (f.dup == nil && f.seen&required == required) {
		return
	}
	if f.dup == nil && keyed != nil && !keyed() {
		return
	}
	d.checkFields(&f, start, name(), names, required)
}

func (d *decoder) server() *Server {
	if d.null() {
		return nil
	}
	s := new(Server)
	d.record("server", serverFields, 0, nil, func() string {
		if s.Name != "" {
			return "server " + strconv.Quote(s.Name)
		}
		return "the server"
	}, func(field string) {
		switch field {
		case "name":
			s.Name = d.istr()
		case "components":
			s.Components = d.strings("components")
		case "extensions":
			s.Extensions = decodeList(d, "extensions", d.extension)
		case "default_plan":
			s.DefaultPlan = d.str()
		}
	})
	return s
}

func (d *decoder) extension() (e Extension) {
	d.record("an extension", extensionFields, extensionRequired, nil, func() string {
		return recordName("extension", e.Name, "")
	}, func(field string) {
		switch field {
		case "name":
			e.Name = d.str()
		case "services":
			e.Services = d.strings("services")
		}
	})
	return e
}

func (d *decoder) button(of func() string) *Button {
	if d.null() {
		return nil
	}
	b := new(Button)
	d.record("a button", buttonFields, buttonRequired, nil, func() string { return "the button of " + of() }, func(field string) {
		switch field {
		case "url":
			b.URL = d.str()
		case "background_image":
			b.BackgroundImage = d.str()
		case "open_in_panel":
			b.OpenInPanel = d.boolean()
		}
	})
	return b
}

func (d *decoder) pleskID(of func() string) *PleskID {
	if d.null() {
		return nil
	}
	id := new(PleskID)
	d.record("a plesk identity", pleskIDFields, 0, nil, func() string { return "the plesk identity of " + of() }, func(field string) {
		switch field {
		case "guid":
			id.GUID = d.str()
		case "id":
			id.ID = d.int()
		}
	})
	return id
}

func (d *decoder) service() (s Service) {
	name := func() string { return recordName("service", s.Name, s.Server) }
	d.record("a service", serviceFields, serviceRequired, func() bool { return s.Name != "" }, name, func(field string) {
		switch field {
		case "server":
			s.Server = d.istr()
		case "name":
			s.Name = d.str()
		case "description":
			s.Description = d.str()
		case "button":
			s.Button = d.button(name)
		case "send":
			s.Send = d.strings("send")
		case "available_to_resellers":
			s.AvailableToResellers = d.boolean()
		case "extension":
			s.Extension = d.str()
		}
	})
	return s
}

// plan decodes a plan record of kind ("service plan").
func (d *decoder) plan(kind string) func() Plan {
	return func() (p Plan) {
		name := func() string { return recordName(kind, p.Key, p.Server) }
		d.record("a plan", planFields, planRequired, func() bool { return p.Key != "" }, name, func(field string) {
			switch field {
			case "server":
				p.Server = d.istr()
			case "key":
				p.Key = d.istr()
			case "owner":
				p.Owner = d.istr()
			case "name":
				p.Name = d.str()
			case "description":
				p.Description = d.str()
			case "props":
				p.Props = d.istr()
			case "services":
				p.Services = d.strings("services")
			case "oversell":
				p.Oversell = d.boolean()
			case "plesk":
				p.Plesk = d.pleskID(name)
			}
		})
		return p
	}
}

func (d *decoder) contact(of func() string) (c Contact) {
	d.record("a contact", contactFields, 0, nil, func() string { return "the contact of " + of() }, func(field string) {
		switch field {
		case "name":
			c.Name = d.str()
		case "company":
			c.Company = d.str()
		case "email":
			c.Email = d.str()
		case "phone":
			c.Phone = d.str()
		case "address":
			c.Address = d.str()
		}
	})
	return c
}

func (d *decoder) reseller() (r Reseller) {
	name := func() string { return recordName("reseller", r.Login, r.Server) }
	d.record("a reseller", resellerFields, resellerRequired, func() bool { return r.Login != "" }, name, func(field string) {
		switch field {
		case "server":
			r.Server = d.istr()
		case "login":
			r.Login = d.istr()
		case "password_hash":
			r.PasswordHash = d.str()
		case "contact":
			r.Contact = d.contact(name)
		case "plan":
			r.Plan = d.istr()
		case "sync_status":
			r.SyncStatus = d.istr()
		case "allocation":
			r.Allocation = d.istr()
		case "services":
			r.Services = d.strings("services")
		case "oversell":
			r.Oversell = d.boolean()
		case "status":
			r.Status = d.checked("reseller", "status", name)
		case "description":
			r.Description = d.str()
		case "managed_by":
			r.ManagedBy = d.istr()
		case "plesk":
			r.Plesk = d.pleskID(name)
		}
	})
	return r
}

func (d *decoder) customer() (c Customer) {
	name := func() string { return recordName("customer", c.Login, c.Server) }
	d.record("a customer", customerFields, customerRequired, func() bool { return c.Login != "" }, name, func(field string) {
		switch field {
		case "server":
			c.Server = d.istr()
		case "login":
			c.Login = d.istr()
		case "password_hash":
			c.PasswordHash = d.str()
		case "contact":
			c.Contact = d.contact(name)
		case "owner":
			c.Owner = d.istr()
		case "status":
			c.Status = d.checked("customer", "status", name)
		case "status_reasons":
			c.StatusReasons = d.strings("status_reasons")
		case "description":
			c.Description = d.str()
		case "admin_description":
			c.AdminDescription = d.str()
		case "managed_by":
			c.ManagedBy = d.istr()
		case "plesk":
			c.Plesk = d.pleskID(name)
		}
	})
	return c
}

func (d *decoder) conflict(of func() string) func() Conflict {
	return func() (c Conflict) {
		d.record("a conflict", conflictFields, conflictRequired, nil, func() string {
			return "a conflict of " + of()
		}, func(field string) {
			switch field {
			case "property":
				c.Property = d.istr()
			case "plan_value":
				c.PlanValue = d.value()
			case "available_value":
				c.AvailableValue = d.value()
			case "reason":
				c.Reason = d.istr()
			}
		})
		return c
	}
}

func (d *decoder) subscription() (s Subscription) {
	// A record without a field every record has (hand-cut) is corrupt,
	// not read as if it were "" (moved from no owner) or the zero time
	// (expired long ago, so suspended).
	name := func() string { return recordName("subscription", s.Domain, s.Server) }
	d.record("a subscription", subscriptionFields, subscriptionRequired, func() bool { return s.Domain != "" }, name, func(field string) {
		switch field {
		case "server":
			s.Server = d.istr()
		case "domain":
			at := d.pos
			s.Domain = d.checkedAt(at, "subscription", "domain", name, d.str())
		case "owner":
			s.Owner = d.istr()
		case "customer":
			s.Customer = d.istr()
		case "plan":
			s.Plan = d.istr()
		case "addons":
			s.Addons = d.strings("addons")
		case "sync_status":
			s.SyncStatus = d.checked("subscription", "sync_status", name)
		case "server_sync_status":
			s.ServerSyncStatus = d.istr()
		case "locked_in_panel":
			s.LockedInPanel = d.boolean()
		case "effective":
			s.Effective = d.istr()
		case "base":
			s.Base = d.istr()
		case "customize":
			s.Customize = d.istr()
		case "customized":
			s.Customized = d.strings("customized")
		case "settings":
			s.Settings = d.istr()
		case "dropped_settings":
			s.DroppedSettings = d.istr()
		case "conflicts":
			s.Conflicts = decodeList(d, "conflicts", d.conflict(name))
		case "config_status":
			s.ConfigStatus = d.istr()
		case "status":
			s.Status = d.checked("subscription", "status", name)
		case "status_reasons":
			s.StatusReasons = d.strings("status_reasons")
		case "created_at":
			s.CreatedAt = d.time()
		case "expires":
			if !d.null() {
				t := d.time()
				s.Expires = &t
			}
		case "ftp_login":
			s.FTPLogin = d.str()
		case "ftp_password_hash":
			s.FTPPassword = d.str()
		case "ip_address":
			s.IPAddress = d.str()
		case "managed_by":
			s.ManagedBy = d.istr()
		case "plesk":
			s.Plesk = d.pleskID(name)
		}
	})
	if d.forms != nil {
		d.conflictForms(&s)
	}
	return s
}

// conflictForms checks the plan and available values of the conflicts of
// s against their property's form (an available value null: not
// available at all).
func (d *decoder) conflictForms(s *Subscription) {
	for _, c := range s.Conflicts {
		k := d.setKey([]byte(c.Property))
		if k.form == nil || d.err != nil {
			continue
		}
		for _, v := range [...]struct {
			field string
			x     any
		}{{"plan_value", c.PlanValue}, {"available_value", c.AvailableValue}} {
			if v.x == nil && v.field == "available_value" {
				continue
			}
			if want := k.form(v.x); want != "" {
				key := s.Domain
				if s.Server != "" {
					key += " (server " + s.Server + ")"
				}
				d.mistyped("subscription "+key, "conflict on "+c.Property+": "+v.field, want, v.x)
				return
			}
		}
	}
}

// Decode parses an encoded snapshot. A snapshot that cannot be parsed
// gives an error wrapping ErrCorrupt that names the line and column; one
// with a format version greater than FormatVersion an error wrapping
// ErrNewerFormat. Numbers in property sets and conflicts come out as
// int64 when integral (and in range) and float64 otherwise; lists as
// []any, objects as map[string]any. Values not of their property's form
// (SetValueForms) are an error wrapping ErrCorrupt.
//
// Decode is strict where encoding/json is lenient: field names must match
// exactly and a field this version does not know is an error, so that
// nothing is dropped silently and lost at the next write.
func Decode(data []byte) (*Snapshot, error) {
	d := newDecoder(data)
	d.forms, d.check = valueForms, recordChecks
	s := d.snapshot()
	if d.err != nil {
		if errors.Is(d.err, ErrNewerFormat) {
			return nil, d.err
		}
		// A newer format may not parse as this one, and may put its
		// version after what fails here.
		if v, ok := formatVersion(data); ok && v > FormatVersion {
			return nil, newerFormat(v)
		}
		var se *syntaxError
		if errors.As(d.err, &se) {
			line, col := d.lineColumn(se.offset)
			return nil, &SyntaxError{Line: line, Column: col, Msg: se.msg}
		}
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, d.err)
	}
	switch {
	case s.FormatVersion <= 0:
		return nil, fmt.Errorf("%w: format_version is missing or not positive", ErrCorrupt)
	case s.Lineage == "":
		return nil, fmt.Errorf("%w: lineage is missing", ErrCorrupt)
	}
	// Check what Encode guarantees (unique keys, no dangling references)
	// so a hand-edited file is refused when read, not when next written.
	if err := check(s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return s, nil
}

// DecodeRecords parses an encoded snapshot as Decode does, but without
// checking what Encode guarantees (every record has its key, keys are
// unique, references resolve): the records come out as they are, in the
// order they were written. A backend that keeps each record apart (a
// database row per object) uses it to find which record made Decode
// refuse the snapshot, and name it.
func DecodeRecords(data []byte) (*Snapshot, error) {
	d := newDecoder(data)
	d.forms, d.check = valueForms, recordChecks
	s := d.snapshot()
	if d.err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, d.err)
	}
	return s, nil
}

// formatVersion finds the top-level format_version of data, tolerating
// fields this version does not know.
func formatVersion(data []byte) (int64, bool) {
	d := newDecoder(data)
	var v int64
	found := false
	d.object("the snapshot", func(key []byte) {
		if string(key) == "format_version" && !found {
			var lit []byte
			if d.peek() == '"' {
				lit = d.strBytes()
			} else {
				lit = d.number()
			}
			n, err := strconv.ParseInt(string(lit), 10, 64)
			v, found = n, err == nil
			return
		}
		d.value()
	})
	return v, found
}

func newerFormat(v int64) error {
	return fmt.Errorf("%w (format version %d; this plansync reads up to %d): upgrade plansync", ErrNewerFormat, v, FormatVersion)
}
