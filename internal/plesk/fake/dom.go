package fake

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"

	"golang.org/x/net/html/charset"
)

// node is one element of a request packet.
type node struct {
	name string
	attr map[string]string
	text string
	kids []*node
}

func parseDOM(data []byte) (*node, error) {
	// A UTF-8 byte order mark may start a well-formed document.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := xml.NewDecoder(bytes.NewReader(data))
	// A declared encoding other than UTF-8 (ISO-8859-1, US-ASCII, …) is
	// read as Plesk's parser reads it.
	dec.CharsetReader = charset.NewReaderLabel
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name.Local}
			for _, a := range t.Attr {
				if n.attr == nil {
					n.attr = map[string]string{}
				}
				n.attr[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			} else if root == nil {
				root = n
			} else {
				return nil, errString("more than one root element")
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, errString("text outside the packet element")
			}
		}
	}
	if root == nil {
		return nil, errString("empty document")
	}
	return root, nil
}

type errString string

func (e errString) Error() string { return string(e) }

func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

func (n *node) all(name string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, k := range n.kids {
		if k.name == name {
			out = append(out, k)
		}
	}
	return out
}

func (n *node) has(name string) bool { return n.child(name) != nil }

// val returns the trimmed text of a child ("" when absent).
func (n *node) val(name string) string {
	c := n.child(name)
	if c == nil {
		return ""
	}
	return strings.TrimSpace(c.text)
}

func (n *node) vals(name string) []string {
	var out []string
	for _, c := range n.all(name) {
		out = append(out, strings.TrimSpace(c.text))
	}
	return out
}

// pairs reads name/value children (limits, permissions, properties,
// settings) of the elements called elem.
func (n *node) pairs(elem string) ([][2]string, bool) {
	var out [][2]string
	for _, c := range n.all(elem) {
		if !c.has("name") || !c.has("value") && elem != "setting" {
			return nil, false
		}
		out = append(out, [2]string{c.val("name"), strings.TrimSpace(c.child("value").text)})
	}
	return out, true
}
