package xmlapi

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"sync/atomic"
	"unicode/utf8"
)

// tokens reads an answer's tokens. Nearly all of a large answer is
// elements with plain names and no attributes holding plain text, and
// encoding/xml spends most of its time and memory on them (a string per
// name, a boxed value per token). tokens reads those itself, straight
// from the answer's buffer, with names made once per answer: a start
// tag <name> or <name/>, an end tag </name>, text up to the next tag
// that holds no reference, no CR, no "]" and no character XML forbids,
// and the usual XML declarations. At the first token that is anything
// else (attributes, prefixes, spaces in a tag, references, CDATA,
// comments, a token longer than the buffer, malformed XML), the rest of
// the answer is read by encoding/xml's RawToken from that very byte, so
// that whatever tokens does not read is read, accepted or refused by
// encoding/xml.
//
// RawToken leaves out what Token adds: the translation of name spaces
// (Plesk's answers declare none, and every name is compared by its local
// part alone). What Token checks in strict mode, tokens checks itself,
// with Token's errors: an end tag closes the element open (same local
// name and prefix), and the answer does not end inside an element.
type tokens struct {
	br   *bufio.Reader
	dec  *xml.Decoder // encoding/xml, once it reads the rest
	line int          // the current line; with dec, the line dec began on
	open []xml.Name

	names map[string]string

	// The token read: its kind, its name (start and end), its text (valid
	// until the next read), and with dec the token as RawToken gave it.
	kind  tokKind
	name  xml.Name
	attrs []xml.Attr
	data  []byte
	raw   xml.Token

	selfClosed bool // the start tag read was <name/>: its end comes next
}

type tokKind uint8

const (
	tokOther tokKind = iota // XML declaration, processing instruction, comment, directive
	tokStart
	tokEnd
	tokText
)

// maxNames bounds the names an answer's tokens keep.
const maxNames = 1 << 10

func newTokens(br *bufio.Reader) *tokens {
	t := &tokens{br: br, line: 1, names: map[string]string{}}
	if encodingXMLOnly {
		t.dec = xml.NewDecoder(br)
	}
	return t
}

// encodingXMLOnly has encoding/xml read whole answers, and handedOver
// counts the answers whose rest it read (tests compare).
var (
	encodingXMLOnly = false
	handedOver      atomic.Int64
)

// read reads the next token.
func (t *tokens) read() error {
	if t.dec == nil {
		done, err := t.fast()
		if done {
			return err
		}
		t.dec = xml.NewDecoder(t.br)
		handedOver.Add(1)
	}
	tok, err := t.dec.RawToken()
	if err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			se.Line += t.line - 1
		}
		if err == io.EOF && len(t.open) > 0 {
			err = t.syntaxError("unexpected EOF")
		}
		return err
	}
	t.raw = tok
	switch e := tok.(type) {
	case xml.StartElement:
		t.kind, t.name = tokStart, e.Name
		t.open = append(t.open, e.Name)
	case xml.EndElement:
		t.kind, t.name = tokEnd, e.Name
		return t.close(e.Name)
	case xml.CharData:
		t.kind, t.data = tokText, e
	default:
		t.kind = tokOther
	}
	return nil
}

// token is the token read, as encoding/xml's RawToken gives it.
func (t *tokens) token() xml.Token {
	if t.dec != nil {
		return t.raw
	}
	switch t.kind {
	case tokStart:
		return xml.StartElement{Name: t.name, Attr: t.attrs}
	case tokEnd:
		return xml.EndElement{Name: t.name}
	case tokText:
		return xml.CharData(t.data)
	}
	return t.raw
}

// Declarations read by tokens (encoding/xml accepts them as they are).
var declarations = [][]byte{
	[]byte(`<?xml version="1.0" encoding="UTF-8"?>`),
	[]byte(`<?xml version="1.0" encoding="utf-8"?>`),
	[]byte(`<?xml version="1.0"?>`),
}

// fast reads the next token if it is one tokens reads; done is false
// when encoding/xml is to read it (and the rest).
func (t *tokens) fast() (done bool, err error) {
	if t.selfClosed {
		t.selfClosed = false
		t.kind = tokEnd
		return true, t.close(t.name)
	}
	need := 1
	for {
		b, rerr := t.br.Peek(need)
		if len(b) < t.br.Buffered() {
			b, _ = t.br.Peek(t.br.Buffered())
		}
		if len(b) == 0 {
			if rerr == io.EOF && len(t.open) > 0 {
				return true, t.syntaxError("unexpected EOF")
			}
			return true, rerr
		}
		n, st, err := t.scan(b, rerr != nil)
		switch st {
		case scanned:
			if t.kind == tokText {
				t.line += bytes.Count(b[:n], newline)
			}
			_, _ = t.br.Discard(n)
			return true, err
		case scanMore:
			if rerr == nil && len(b) < t.br.Size() {
				need = len(b) + 1
				continue
			}
		}
		return false, nil
	}
}

var newline = []byte{'\n'}

type scanState uint8

const (
	scanned  scanState = iota
	scanMore           // the token goes on past the bytes buffered
	scanNot            // not a token tokens reads
)

// scan reads the token b begins with (end: no byte follows b). The
// token read, it returns its length. A start tag may hold plain
// attributes (the packet's version).
func (t *tokens) scan(b []byte, end bool) (int, scanState, error) {
	if b[0] != '<' {
		n, st := t.text(b, end)
		return n, st, nil
	}
	if len(b) < 2 {
		return 0, scanMore, nil
	}
	switch b[1] {
	case '/':
		n, st := scanName(b, 2)
		if st != scanned {
			return 0, st, nil
		}
		if b[n] != '>' {
			return 0, scanNot, nil
		}
		t.kind, t.name = tokEnd, xml.Name{Local: t.intern(b[2:n])}
		return n + 1, scanned, t.close(t.name)
	case '?':
		for _, d := range declarations {
			if len(b) < len(d) && bytes.HasPrefix(d, b) {
				return 0, scanMore, nil
			}
			if bytes.HasPrefix(b, d) {
				t.kind, t.raw = tokOther, xml.ProcInst{Target: "xml", Inst: d[len("<?xml ") : len(d)-len("?>")]}
				return len(d), scanned, nil
			}
		}
		return 0, scanNot, nil
	}
	n, st := scanName(b, 1)
	if st != scanned {
		return 0, st, nil
	}
	name := b[1:n]
	var attrs []xml.Attr
	self := false
tag:
	for {
		switch b[n] {
		case '>':
			n++
			break tag
		case '/':
			if n+1 == len(b) {
				return 0, scanMore, nil
			}
			if b[n+1] != '>' {
				return 0, scanNot, nil
			}
			self = true
			n += 2
			break tag
		case ' ':
			for n < len(b) && b[n] == ' ' {
				n++
			}
			if n == len(b) {
				return 0, scanMore, nil
			}
			if b[n] == '>' || b[n] == '/' {
				continue
			}
			a, v, next, st := scanAttr(b, n)
			if st != scanned {
				return 0, st, nil
			}
			attrs = append(attrs, xml.Attr{Name: xml.Name{Local: t.intern(a)}, Value: string(v)})
			n = next
		default:
			return 0, scanNot, nil
		}
	}
	t.kind, t.name, t.attrs, t.selfClosed = tokStart, xml.Name{Local: t.intern(name)}, attrs, self
	t.open = append(t.open, t.name)
	return n, scanned, nil
}

// scanAttr reads a plain attribute name="value" (or 'value') at b[from:]:
// a plain name, and a value of printable ASCII with no "&" or "<". It
// returns the name, the value and where the attribute ends, inside b.
func scanAttr(b []byte, from int) (name, value []byte, end int, st scanState) {
	n, st := scanName(b, from)
	if st != scanned {
		return nil, nil, 0, st
	}
	if b[n] != '=' {
		return nil, nil, 0, scanNot
	}
	if n+1 == len(b) {
		return nil, nil, 0, scanMore
	}
	q := b[n+1]
	if q != '"' && q != '\'' {
		return nil, nil, 0, scanNot
	}
	for i := n + 2; i < len(b); i++ {
		switch c := b[i]; {
		case c == q:
			if i+1 == len(b) {
				return nil, nil, 0, scanMore
			}
			return b[from:n], b[n+2 : i], i + 1, scanned
		case c < 0x20 || c > 0x7e || c == '&' || c == '<':
			return nil, nil, 0, scanNot
		}
	}
	return nil, nil, 0, scanMore
}

// scanName reads a plain name (ASCII letters, digits, "_", "-" and "."
// after a letter or "_") from b[from:]; it returns where the name ends,
// which is inside b.
func scanName(b []byte, from int) (int, scanState) {
	i := from
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_':
		case i > from && ('0' <= c && c <= '9' || c == '-' || c == '.'):
		default:
			if i == from {
				return 0, scanNot
			}
			return i, scanned
		}
	}
	return 0, scanMore
}

// text reads plain text up to the next tag or the end: no "&" (no
// reference), no CR (which XML reads as LF), no "]" (no "]]>"), no
// character XML forbids, and valid UTF-8.
func (t *tokens) text(b []byte, end bool) (int, scanState) {
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '<':
			t.kind, t.data = tokText, b[:i]
			return i, scanned
		case c >= utf8.RuneSelf:
			if !utf8.FullRune(b[i:]) {
				if end {
					return 0, scanNot
				}
				return 0, scanMore
			}
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
				return 0, scanNot
			}
			i += size
			continue
		case c == '&', c == '\r', c == ']', c < 0x20 && c != '\t' && c != '\n':
			return 0, scanNot
		}
		i++
	}
	if !end {
		return 0, scanMore
	}
	t.kind, t.data = tokText, b
	return len(b), scanned
}

// intern returns name as a string, one per answer.
func (t *tokens) intern(name []byte) string {
	if s, ok := t.names[string(name)]; ok {
		return s
	}
	s := string(name)
	if len(t.names) < maxNames {
		t.names[s] = s
	}
	return s
}

// close checks an end tag against the element open, as Token does.
func (t *tokens) close(name xml.Name) error {
	n := len(t.open)
	if n == 0 {
		return t.syntaxError("unexpected end element </" + name.Local + ">")
	}
	open := t.open[n-1]
	t.open = t.open[:n-1]
	switch {
	case open.Local != name.Local:
		return t.syntaxError("element <" + open.Local + "> closed by </" + name.Local + ">")
	case open.Space != name.Space:
		ns := name.Space
		if ns == "" {
			ns = `""`
		}
		return t.syntaxError("element <" + open.Local + "> in space " + open.Space +
			" closed by </" + name.Local + "> in space " + ns)
	}
	return nil
}

func (t *tokens) syntaxError(msg string) error {
	line := t.line
	if t.dec != nil {
		l, _ := t.dec.InputPos()
		line += l - 1
	}
	return &xml.SyntaxError{Msg: msg, Line: line}
}

// skip reads the rest of the element just started, as Decoder.Skip.
func (t *tokens) skip() error {
	depth := 0
	for {
		if err := t.read(); err != nil {
			return err
		}
		switch t.kind {
		case tokStart:
			depth++
		case tokEnd:
			if depth == 0 {
				return nil
			}
			depth--
		}
	}
}

// decodeElement decodes the element just started (start) into v, as
// Decoder.DecodeElement: encoding/xml reads it from a decoder of its
// own that is handed start, then the element's tokens up to its end.
func (t *tokens) decodeElement(v any, start *xml.StartElement) error {
	return xml.NewTokenDecoder(&element{t: t, start: start}).Decode(v)
}

// element is one element of an answer as a token stream.
type element struct {
	t     *tokens
	start *xml.StartElement
	depth int
	done  bool
}

func (e *element) Token() (xml.Token, error) {
	if e.done {
		return nil, io.EOF
	}
	if e.start != nil {
		start := *e.start
		e.start = nil
		return start, nil
	}
	if err := e.t.read(); err != nil {
		return nil, err
	}
	switch e.t.kind {
	case tokStart:
		e.depth++
	case tokEnd:
		if e.depth == 0 {
			e.done = true
		}
		e.depth--
	}
	return e.t.token(), nil
}
