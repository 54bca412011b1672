package fleet

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/plansync/plansync/internal/model"
)

// WriteYAML writes cfg (or the part of a desired state it holds) as one
// YAML config file. Loading the output gives a config equal to cfg,
// source ranges aside; the output is the same for equal configs.
func WriteYAML(w io.Writer, cfg *model.Config) error {
	return writeYAML(w, cfg, "")
}

// writeYAML writes cfg after an optional header comment.
func writeYAML(w io.Writer, cfg *model.Config, header string) error {
	y := yamlWriter{bufio.NewWriterSize(w, 64<<10)}
	y.WriteString(header)
	for i, p := range parts(cfg) {
		if i > 0 {
			y.WriteByte('\n')
		}
		if p.server != nil {
			y.WriteString("server:")
			y.mapValue(0, p.server)
			continue
		}
		y.WriteString(p.listKey)
		y.WriteByte(':')
		y.WriteByte('\n')
		for j := range p.n {
			o := p.object(j)
			y.item(2, o.labelField, str(o.label), o.fields)
		}
	}
	return y.Flush()
}

type yamlWriter struct {
	*bufio.Writer
}

func (y *yamlWriter) indent(n int) {
	for range n {
		y.WriteByte(' ')
	}
}

// item writes one map of a block sequence at indent: "- first: v" then
// the other fields below it.
func (y *yamlWriter) item(indent int, firstKey string, first node, fields []field) {
	y.indent(indent)
	y.WriteString("- ")
	y.field(indent+2, firstKey, first)
	for _, f := range fields {
		y.indent(indent + 2)
		y.field(indent+2, f.key, f.val)
	}
}

// field writes "key: value" whose key is already indented to indent, and
// ends the line (or the nested lines).
func (y *yamlWriter) field(indent int, key string, v node) {
	y.scalar(key)
	y.WriteByte(':')
	switch v.kind {
	case nMap, nObj:
		y.mapValue(indent, v.fields)
		return
	case nBlocks:
		if len(v.items) == 0 {
			y.WriteString(" []\n")
			return
		}
		y.WriteByte('\n')
		for _, it := range v.items {
			y.item(indent+2, "name", str(it.label), it.fields)
		}
		return
	}
	y.WriteByte(' ')
	y.inline(v)
	y.WriteByte('\n')
}

// mapValue writes the value of a map field: {} or its fields on the
// following lines.
func (y *yamlWriter) mapValue(indent int, fields []field) {
	if len(fields) == 0 {
		y.WriteString(" {}\n")
		return
	}
	y.WriteByte('\n')
	for _, f := range fields {
		y.indent(indent + 2)
		y.field(indent+2, f.key, f.val)
	}
}

// inline writes a scalar, a flow list or a secret reference.
func (y *yamlWriter) inline(v node) {
	switch v.kind {
	case nNum, nBool:
		y.WriteString(v.text)
	case nList:
		y.WriteByte('[')
		for i, it := range v.items {
			if i > 0 {
				y.WriteString(", ")
			}
			y.scalar(it.text)
		}
		y.WriteByte(']')
	case nEnv:
		y.WriteString("{env: ")
		y.scalar(v.text)
		y.WriteByte('}')
	case nFile:
		y.WriteString("{file: ")
		y.scalar(v.text)
		y.WriteByte('}')
	default:
		y.scalar(v.text)
	}
}

// scalar writes a string plain when YAML reads it back as that string,
// in block and flow context alike, else double-quoted.
func (y *yamlWriter) scalar(s string) {
	if yamlPlain(s) {
		y.WriteString(s)
		return
	}
	y.WriteString(yamlQuote(s))
}

// yamlPlain reports whether s can be written without quotes: letters,
// digits and " ._/@+-", starting with a letter and not a word YAML
// resolves to a boolean or null; or a number followed by a unit (10GiB,
// 30d, 256M), which YAML reads as a string.
func yamlPlain(s string) bool {
	if s == "" || s[len(s)-1] == ' ' {
		return false
	}
	c := s[0]
	switch {
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		for i := 1; i < len(s); i++ {
			c := s[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(" ._/@+-", c) >= 0) {
				return false
			}
		}
		switch strings.ToLower(s) {
		case "true", "false", "yes", "no", "on", "off", "y", "n", "null":
			return false
		}
		return true
	case c >= '0' && c <= '9':
		// digits, an optional fraction, then letters only
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i < len(s) && s[i] == '.' {
			i++
			j := i
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
			if i == j {
				return false
			}
		}
		j := i
		for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
			i++
		}
		if i != len(s) || i == j {
			return false
		}
		_, err := strconv.ParseFloat(s, 64) // "1e" and the like are no numbers, but be sure
		return err != nil
	}
	return false
}

// yamlQuote double-quotes s with YAML escapes.
func yamlQuote(s string) string {
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
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(hex2(byte(r)))
		case r == 0x85 || r == 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff:
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

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

func hex4(r rune) string {
	s := strconv.FormatInt(int64(r), 16)
	return strings.Repeat("0", 4-len(s)) + s
}
