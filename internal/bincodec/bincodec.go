// Package bincodec holds the primitives of plansync's compact binary
// encodings (the config cache's entries, the state's cached copy):
// varints, booleans, strings written once and then referred to by
// index, and counts that tell nil from empty. Readers never trust what
// they read: the first damage fails the reader, and every later read
// gives a zero value.
package bincodec

import "encoding/binary"

// Writer appends values to B.
type Writer struct {
	B    []byte
	strs map[string]uint64
}

// NewWriter is a Writer whose buffer starts with capacity size.
func NewWriter(size int) Writer {
	return Writer{B: make([]byte, 0, size), strs: map[string]uint64{}}
}

// U writes an unsigned varint.
func (w *Writer) U(v uint64) { w.B = binary.AppendUvarint(w.B, v) }

// I writes a signed varint.
func (w *Writer) I(v int64) { w.B = binary.AppendVarint(w.B, v) }

// Bool writes one byte, 0 or 1.
func (w *Writer) Bool(v bool) {
	if v {
		w.B = append(w.B, 1)
	} else {
		w.B = append(w.B, 0)
	}
}

// S writes a string: its length doubled when new, its index doubled
// plus one when written before.
func (w *Writer) S(s string) {
	if s == "" {
		w.U(0)
		return
	}
	if i, ok := w.strs[s]; ok {
		w.U(i<<1 | 1)
		return
	}
	w.strs[s] = uint64(len(w.strs))
	w.U(uint64(len(s)) << 1)
	w.B = append(w.B, s...)
}

// N writes a count: 0 for nil, length+1 otherwise.
func (w *Writer) N(length int, isNil bool) {
	if isNil {
		w.U(0)
	} else {
		w.U(uint64(length) + 1)
	}
}

// Strings writes a list of strings (nil kept apart from empty).
func (w *Writer) Strings(l []string) {
	w.N(len(l), l == nil)
	for _, s := range l {
		w.S(s)
	}
}

// Reader reads what a Writer wrote from B.
type Reader struct {
	B    []byte
	strs []string
	// Bad is set by the first damage found.
	Bad bool
}

// Fail marks the input damaged: every later read gives a zero value.
func (r *Reader) Fail() {
	r.Bad = true
	r.B = nil
}

// U reads an unsigned varint.
func (r *Reader) U() uint64 {
	v, n := binary.Uvarint(r.B)
	if n <= 0 {
		r.Fail()
		return 0
	}
	r.B = r.B[n:]
	return v
}

// I reads a signed varint.
func (r *Reader) I() int64 {
	v, n := binary.Varint(r.B)
	if n <= 0 {
		r.Fail()
		return 0
	}
	r.B = r.B[n:]
	return v
}

// Bool reads a byte that must be 0 or 1.
func (r *Reader) Bool() bool {
	if len(r.B) == 0 || r.B[0] > 1 {
		r.Fail()
		return false
	}
	v := r.B[0] == 1
	r.B = r.B[1:]
	return v
}

// S reads a string written by Writer.S.
func (r *Reader) S() string {
	v := r.U()
	if v == 0 {
		return ""
	}
	if v&1 == 1 {
		i := v >> 1
		if i >= uint64(len(r.strs)) {
			r.Fail()
			return ""
		}
		return r.strs[i]
	}
	n := v >> 1
	if n > uint64(len(r.B)) {
		r.Fail()
		return ""
	}
	s := string(r.B[:n])
	r.B = r.B[n:]
	r.strs = append(r.strs, s)
	return s
}

// N reads a count written by Writer.N: -1 for nil. Each item takes at
// least one byte, so a count beyond what is left is damage (and never a
// huge allocation).
func (r *Reader) N() int {
	v := r.U()
	if v == 0 {
		return -1
	}
	if v-1 > uint64(len(r.B)) {
		r.Fail()
		return -1
	}
	return int(v - 1)
}

// Strings reads a list written by Writer.Strings.
func (r *Reader) Strings() []string {
	n := r.N()
	if n < 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.S()
	}
	return out
}
