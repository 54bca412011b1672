package xmlapi

import (
	"encoding/xml"
	"io"
)

// tokens reads an answer's tokens with the decoder's RawToken, which
// leaves out what Token adds to it: the translation of name spaces
// (Plesk's answers declare none, and every name is compared by its local
// part alone) and a second copy of every element token. What Token
// checks in strict mode, tokens checks too, with the same errors: an end
// tag closes the element open (same local name and prefix), and the
// answer does not end inside an element.
type tokens struct {
	dec  *xml.Decoder
	open []xml.Name
}

func newTokens(r io.Reader) *tokens {
	return &tokens{dec: xml.NewDecoder(r)}
}

// next returns the next token; its bytes are valid until the next call.
func (t *tokens) next() (xml.Token, error) {
	tok, err := t.dec.RawToken()
	if err != nil {
		if err == io.EOF && len(t.open) > 0 {
			err = t.syntaxError("unexpected EOF")
		}
		return nil, err
	}
	switch e := tok.(type) {
	case xml.StartElement:
		t.open = append(t.open, e.Name)
	case xml.EndElement:
		if err := t.close(e.Name); err != nil {
			return nil, err
		}
	}
	return tok, nil
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
	line, _ := t.dec.InputPos()
	return &xml.SyntaxError{Msg: msg, Line: line}
}

// skip reads the rest of the element just started, as Decoder.Skip.
func (t *tokens) skip() error {
	depth := 0
	for {
		tok, err := t.next()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
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
	tok, err := e.t.next()
	if err != nil {
		return nil, err
	}
	switch tok.(type) {
	case xml.StartElement:
		e.depth++
	case xml.EndElement:
		if e.depth == 0 {
			e.done = true
		}
		e.depth--
	}
	return tok, nil
}
