package fleet

import (
	"bufio"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/plansync/plansync/internal/model"
)

// WriteHCL writes cfg (or the part of a desired state it holds) as one
// HCL config file, formatted as `hclfmt` would. Loading the output gives
// a config equal to cfg, source ranges aside; the output is the same for
// equal configs.
func WriteHCL(w io.Writer, cfg *model.Config) error {
	return writeHCL(w, cfg, "")
}

func writeHCL(w io.Writer, cfg *model.Config, header string) error {
	h := hclWriter{w: bufio.NewWriterSize(w, 64<<10)}
	h.w.WriteString(header)
	first := true
	sep := func() {
		if !first {
			h.w.WriteByte('\n')
		}
		first = false
	}
	for _, p := range parts(cfg) {
		if p.server != nil {
			sep()
			h.block(0, "server", "", p.server)
			continue
		}
		for j := range p.n {
			o := p.object(j)
			sep()
			h.block(0, o.block, o.label, o.fields)
		}
	}
	return h.w.Flush()
}

type hclWriter struct {
	w *bufio.Writer
}

func (h *hclWriter) indent(n int) {
	for range n {
		h.w.WriteByte(' ')
	}
}

// block writes `type "label" { body }` at indent (no label when
// label is ""); an empty body is written `type {}`.
func (h *hclWriter) block(indent int, typ, label string, fields []field) {
	h.indent(indent)
	h.w.WriteString(typ)
	if label != "" {
		h.w.WriteByte(' ')
		h.w.WriteString(hclQuote(label))
	}
	if len(fields) == 0 {
		h.w.WriteString(" {}\n")
		return
	}
	h.w.WriteString(" {\n")
	h.body(indent+2, fields)
	h.indent(indent)
	h.w.WriteString("}\n")
}

// isAttr reports whether a field is written as an attribute (name =
// value) rather than as nested blocks.
func isAttr(f field) bool {
	return f.val.kind != nMap && f.val.kind != nBlocks
}

// body writes the fields of a block. Runs of consecutive one-line
// attributes have their equals signs aligned, as hclfmt does; a
// multi-line attribute is aligned with nothing.
func (h *hclWriter) body(indent int, fields []field) {
	for i := 0; i < len(fields); {
		f := fields[i]
		if !isAttr(f) {
			if f.val.kind == nMap {
				h.block(indent, f.key, "", f.val.fields)
			} else {
				typ := strings.TrimSuffix(f.key, "s")
				for _, it := range f.val.items {
					h.block(indent, typ, it.label, it.fields)
				}
			}
			i++
			continue
		}
		// A multi-line attribute stands alone.
		j, width := i+1, len(hclKey(f.key))
		for oneLine(f.val) && j < len(fields) && isAttr(fields[j]) && oneLine(fields[j].val) {
			width = max(width, len(hclKey(fields[j].key)))
			j++
		}
		for k := i; k < j; k++ {
			h.attr(indent, fields[k], width)
		}
		i = j
	}
}

func oneLine(v node) bool { return v.kind != nObj || len(v.fields) == 0 }

// attr writes `key = value`, padding the key to width.
func (h *hclWriter) attr(indent int, f field, width int) {
	h.indent(indent)
	k := hclKey(f.key)
	h.w.WriteString(k)
	h.indent(width - len(k))
	h.w.WriteString(" = ")
	h.value(indent, f.val)
	h.w.WriteByte('\n')
}

// value writes an attribute value.
func (h *hclWriter) value(indent int, v node) {
	switch v.kind {
	case nNum, nBool:
		h.w.WriteString(v.text)
	case nList:
		h.w.WriteByte('[')
		for i, it := range v.items {
			if i > 0 {
				h.w.WriteString(", ")
			}
			h.w.WriteString(hclQuote(it.text))
		}
		h.w.WriteByte(']')
	case nObj:
		if len(v.fields) == 0 {
			h.w.WriteString("{}")
			return
		}
		h.w.WriteString("{\n")
		width := 0
		for _, f := range v.fields {
			width = max(width, len(hclKey(f.key)))
		}
		for _, f := range v.fields {
			h.attr(indent+2, f, width)
		}
		h.indent(indent)
		h.w.WriteByte('}')
	case nEnv:
		h.w.WriteString("env(")
		h.w.WriteString(hclQuote(v.text))
		h.w.WriteByte(')')
	case nFile:
		h.w.WriteString("file(")
		h.w.WriteString(hclQuote(v.text))
		h.w.WriteByte(')')
	default:
		h.w.WriteString(hclQuote(v.text))
	}
}

// hclKey writes an attribute or object key: bare when it is an
// identifier, else quoted (an object key may be a string).
func hclKey(k string) string {
	if hclIdent(k) {
		return k
	}
	return hclQuote(k)
}

func hclIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || unicode.IsLetter(r) || i > 0 && (r == '-' || unicode.IsDigit(r)) {
			continue
		}
		return false
	}
	switch s {
	case "true", "false", "null":
		return false
	}
	return true
}

// hclQuote writes a quoted HCL string whose value is exactly s:
// template sequences ${ and %{ are escaped as $${ and %%{.
func hclQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case (r == '$' || r == '%') && i+1 < len(s) && s[i+1] == '{':
			b.WriteRune(r)
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029:
			b.WriteString(`\u`)
			b.WriteString(hex4(r))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}
