package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/plansync/plansync/internal/diag"
)

// yamlParse parses a YAML config file into a tree. The root is always a
// MapNode: empty for an empty file or when the file cannot be parsed.
//
// yaml.v3 decodes into yaml.Node without checking what a Go value
// decoder would, so this checks for itself: duplicate keys, non-string
// keys, merge keys, unknown tags and alias expansion (with cycles and a
// budget against alias bombs). A file holds one document; empty trailing
// documents (a stray "---" at the end) are tolerated.
func yamlParse(file string, src []byte) (*Node, walkRefused, diag.Diagnostics) {
	budget := yamlAliasBudget(len(src))
	c := yamlConv{file: file, budget: budget, limit: budget}
	empty := func(line, col int) *Node {
		n := c.slab.node()
		n.Kind = MapNode
		n.Range = c.at(line, col)
		return n
	}

	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := yamlDecode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			return empty(1, 1), nil, nil
		}
		c.syntaxError(err, src)
		return empty(1, 1), c.refused, c.diags
	}
	// Any further document is an error, unless it is empty.
	for {
		var more yaml.Node
		err := yamlDecode(dec, &more)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			c.syntaxError(err, src)
			break
		}
		if !yamlIsEmptyDoc(&more) {
			line, col := more.Line, more.Column
			if len(more.Content) > 0 {
				line, col = more.Content[0].Line, more.Content[0].Column
			}
			c.errorf(c.at(line, col), "a YAML config file must hold a single document; this is a second one (after \"---\")")
			break
		}
	}

	if len(doc.Content) == 0 {
		return empty(doc.Line, doc.Column), c.refused, c.diags
	}
	top := doc.Content[0]
	switch {
	case top.Kind == yaml.MappingNode:
		root := c.node(top)
		if root == nil {
			root = empty(top.Line, top.Column)
		}
		return root, c.refused, c.diags
	case top.Kind == yaml.ScalarNode && top.ShortTag() == "!!null":
		return empty(top.Line, top.Column), c.refused, c.diags
	}
	c.errorf(c.at(top.Line, top.Column), "the top level of a config file must be a mapping (keys such as services: or subscriptions:), not %s", yamlKindName(top))
	return empty(top.Line, top.Column), c.refused, c.diags
}

// yamlDecode decodes the next document, turning a panic of the parser
// into an error so that no input can crash the loader.
func yamlDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: parser failure: %v", r)
		}
	}()
	return dec.Decode(n)
}

// yamlIsEmptyDoc reports whether a document holds nothing at all.
func yamlIsEmptyDoc(doc *yaml.Node) bool {
	if len(doc.Content) == 0 {
		return true
	}
	n := doc.Content[0]
	return len(doc.Content) == 1 && n.Kind == yaml.ScalarNode && n.Value == "" &&
		n.ShortTag() == "!!null" && n.Style == 0 && n.Anchor == ""
}

// yamlAliasBudget is how many nodes alias expansion may create in a file
// of size bytes: generous for a file that reuses anchored blocks, small
// enough that a "billion laughs" file fails fast.
func yamlAliasBudget(size int) int {
	return min(max(10_000, 4*size), 1_000_000)
}

// yamlConv converts a yaml.v3 node tree into a Node tree.
type yamlConv struct {
	file  string
	diags diag.Diagnostics
	slab  walkSlab

	// budget is how many more nodes alias expansion may create; below
	// zero the expansion stops and one error is reported.
	budget     int
	limit      int
	bombed     bool
	aliasDepth int
	expanding  []*yaml.Node // anchored nodes being expanded, for cycles

	// depth is how many mappings and sequences enclose what is being
	// converted; path is its place in its object (resources.disk_space),
	// for the Path of diagnostics. The Object is set once the object is
	// converted (walkNameObject).
	depth int
	path  walkPath
	// refused are the keys whose value was refused (File.Refused).
	refused walkRefused
}

func (c *yamlConv) at(line, col int) diag.Range {
	p := diag.Pos{Line: max(line, 1), Column: max(col, 1)}
	return diag.Range{File: c.file, Start: p, End: p}
}

func (c *yamlConv) rng(y *yaml.Node) diag.Range { return c.at(y.Line, y.Column) }

func (c *yamlConv) errorf(at diag.Range, format string, args ...any) {
	c.diags = append(c.diags, diag.Diagnostic{Severity: diag.Error, Summary: fmt.Sprintf(format, args...), Subject: at, Path: c.path.String()})
}

// topValue converts the value of the top-level key: the items of an
// object list (and the server map) are objects, whose diagnostics name
// them.
func (c *yamlConv) topValue(key string, v *yaml.Node) *Node {
	_, isList := decItemWord[key]
	switch {
	case key == "server":
		from := len(c.diags)
		n := c.node(v)
		walkNameObject(c.diags, from, "server", n)
		return n
	case !isList || v.Kind != yaml.SequenceNode || v.ShortTag() != "!!seq":
		c.path.push(key)
		defer c.path.pop()
		return c.node(v)
	}
	n := c.newNode(ListNode, v)
	items := c.slab.itemList(len(v.Content))
	c.depth++
	for _, y := range v.Content {
		from := len(c.diags)
		it := c.node(y)
		if it != nil {
			walkNameObject(c.diags, from, key, it)
			items = append(items, it)
		}
	}
	c.depth--
	n.Items = items
	return n
}

// syntaxError turns a yaml.v3 error ("yaml: line 3: did not find ...")
// into a diagnostic. yaml.v3 gives a line only: for scanner errors the
// line of the problem, for parser errors the 0-based line where the
// construct being parsed started, and no line at all when that is 0.
func (c *yamlConv) syntaxError(err error, src []byte) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line, col := 0, 1
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil && n >= 0 {
				line, msg = n, rest[i+2:]
			}
		}
	}
	if yamlParserError(msg) {
		line++
	}
	if strings.HasPrefix(msg, "exceeded max depth") {
		// yaml.v3 stops at its own bound, well past MaxDepth; say ours,
		// where the brackets go too deep if they do.
		msg = fmt.Sprintf("values are nested more than %d levels deep", MaxDepth)
		line, col = 1, 1
		if l, c, ok := depthScan(src, MaxDepth, false); ok {
			line, col = l, c
		}
	}
	if l, c, ok := yamlLocate(src, msg, line); ok {
		line, col = l, c
	}
	if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		if name, ok = strings.CutSuffix(name, "' referenced"); ok {
			line, col = yamlFindAlias(src, name)
		}
	}
	if msg == "did not find expected alphabetic or numeric character" || msg == "found character that cannot start any token" {
		if v := yamlReservedStart(src, line, col); v != "" {
			msg += fmt.Sprintf("; a plain value cannot start with %q in YAML: quote the value: write %q", v[:1], v)
		} else if yamlTabIndent(src, line, col) {
			msg += "; YAML is indented with spaces, not tabs"
		}
	}
	c.diags = append(c.diags, diag.Diagnostic{
		Severity: diag.Error,
		Summary:  "invalid YAML",
		Detail:   msg,
		Subject:  c.at(line, col),
	})
}

// yamlReservedStart returns the value at line:col when it starts with
// a character that YAML reserves (an alias *, @, `, %) and that a user
// means as text (*.example.com), up to a comment or the line's end; ""
// otherwise.
func yamlReservedStart(src []byte, line, col int) string {
	if line < 1 || col < 1 {
		return ""
	}
	lines := bytes.SplitN(src, []byte("\n"), line+1)
	if len(lines) < line {
		return ""
	}
	text := []rune(string(bytes.TrimSuffix(lines[line-1], []byte("\r"))))
	if line == 1 && len(text) > 0 && text[0] == '\uFEFF' {
		text = text[1:]
	}
	if col > len(text) || !strings.ContainsRune("*@`%", text[col-1]) {
		return ""
	}
	v := string(text[col-1:])
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	if strings.ContainsAny(string(text[:col-1]), "[{") {
		// In a flow list or map the value ends at the next , ] or }.
		if i := strings.IndexAny(v, ",]}"); i >= 0 {
			v = v[:i]
		}
	}
	return strings.TrimRight(v, " \t")
}

// yamlTabIndent reports whether line:col is a tab with only blanks before
// it on its line: a tab used to indent, which YAML does not allow.
func yamlTabIndent(src []byte, line, col int) bool {
	if line < 1 || col < 1 {
		return false
	}
	lines := bytes.SplitN(src, []byte("\n"), line+1)
	if len(lines) < line {
		return false
	}
	text := lines[line-1]
	if col > len(text) || text[col-1] != '\t' {
		return false
	}
	return len(bytes.Trim(text[:col-1], " \t")) == 0
}

// yamlLocateMax bounds the files whose syntax errors yamlLocate pins
// down: it parses the file's prefixes, a few dozen times.
const yamlLocateMax = 1 << 20

// yamlLocate finds where a syntax error really is: yaml.v3 reports only
// the line where the construct being parsed began (the line before a
// misplaced key, say), never a column. The line is the first whose
// prefix of the file fails with the same message, found by binary search
// from the line yaml.v3 named; for scanner errors (a character out of
// place) the column is the first character whose prefix fails so, for
// parser errors (a construct out of place) the line's first non-blank.
func yamlLocate(src []byte, msg string, from int) (line, col int, ok bool) {
	if yamlEncodingError(msg) {
		return yamlFindBadUTF8(src)
	}
	if len(src) > yamlLocateMax || strings.HasPrefix(msg, "exceeded max depth") || strings.HasPrefix(msg, "unknown anchor") {
		return 0, 0, false
	}
	var ends []int // ends[i]: offset just past line i+1 (with its newline)
	for i, b := range src {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(src) {
		ends = append(ends, len(src))
	}
	fails := func(n int) bool { return yamlFailsWith(src[:n], msg) }
	lo := max(from, 1) - 1 // 0-based line index
	if lo >= len(ends) {
		lo = 0
	}
	hi := len(ends) - 1
	if !fails(ends[hi]) {
		return 0, 0, false
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(ends[mid]) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	start := 0
	if lo > 0 {
		start = ends[lo-1]
	}
	text := src[start:ends[lo]]
	line = lo + 1
	col = len(text) - len(bytes.TrimLeft(text, " \t")) + 1
	if yamlParserError(msg) || len(text) > 512 {
		return line, col, true
	}
	for i := range text {
		if fails(start + i + 1) {
			return line, yamlColumn(src, start, start+i), true
		}
	}
	return line, col, true
}

// yamlColumn is the 1-based column of offset off in the line that
// starts at offset start: characters, not bytes, and not counting the
// byte order mark that may open the file.
func yamlColumn(src []byte, start, off int) int {
	if start == 0 && bytes.HasPrefix(src, yamlBOM) && off >= len(yamlBOM) {
		start = len(yamlBOM)
	}
	return utf8.RuneCount(src[start:off]) + 1
}

var yamlBOM = []byte("\xef\xbb\xbf")

// yamlEncodingError reports whether a yaml.v3 message is its reader's
// refusal of bytes that are not UTF-8.
func yamlEncodingError(msg string) bool {
	switch msg {
	case "invalid leading UTF-8 octet",
		"invalid trailing UTF-8 octet",
		"incomplete UTF-8 octet sequence",
		"invalid length of a UTF-8 sequence",
		"invalid Unicode character":
		return true
	}
	return false
}

// yamlFindBadUTF8 finds the first byte of src that does not begin a
// valid UTF-8 character: where yaml.v3's reader stopped, which it may
// report only after reading a few bytes further (or the next line). Not
// found (a UTF-16 file, say): ok is false.
func yamlFindBadUTF8(src []byte) (line, col int, ok bool) {
	if bytes.HasPrefix(src, []byte{0xfe, 0xff}) || bytes.HasPrefix(src, []byte{0xff, 0xfe}) {
		return 0, 0, false
	}
	for off := 0; off < len(src); {
		r, size := utf8.DecodeRune(src[off:])
		if r == utf8.RuneError && size <= 1 {
			start := bytes.LastIndexByte(src[:off], '\n') + 1
			return bytes.Count(src[:off], []byte("\n")) + 1, yamlColumn(src, start, off), true
		}
		off += size
	}
	return 0, 0, false
}

// yamlFailsWith reports whether the YAML src fails to parse with msg.
func yamlFailsWith(src []byte, msg string) bool {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var n yaml.Node
		err := yamlDecode(dec, &n)
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) {
			return false
		}
		m := strings.TrimPrefix(err.Error(), "yaml: ")
		if rest, ok := strings.CutPrefix(m, "line "); ok {
			if i := strings.Index(rest, ": "); i > 0 {
				m = rest[i+2:]
			}
		}
		return m == msg
	}
}

// yamlParserError reports whether a yaml.v3 message comes from its
// parser (rather than its scanner), whose line numbers are 0-based.
func yamlParserError(msg string) bool {
	switch msg {
	case "did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"did not find expected '-' indicator",
		"did not find expected <document start>",
		"did not find expected <stream-start>",
		"did not find expected key",
		"did not find expected node content",
		"found duplicate %TAG directive",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found undefined tag handle":
		return true
	}
	return false
}

// yamlFindAlias finds the first "*name" in src, for an unknown anchor
// that yaml.v3 reports without a place; 0, 1 if not found.
func yamlFindAlias(src []byte, name string) (line, col int) {
	ref := []byte("*" + name)
	for off := 0; off < len(src); {
		i := bytes.Index(src[off:], ref)
		if i < 0 {
			break
		}
		i += off
		end := i + len(ref)
		if end == len(src) || bytes.IndexByte([]byte(" \t\r\n,]}"), src[end]) >= 0 {
			start := bytes.LastIndexByte(src[:i], '\n') + 1
			return bytes.Count(src[:i], []byte("\n")) + 1, yamlColumn(src, start, i)
		}
		off = end
	}
	return 0, 1
}

// newNode returns a node at y's position, charging the alias budget when
// inside an alias expansion.
func (c *yamlConv) newNode(kind NodeKind, y *yaml.Node) *Node {
	if c.aliasDepth > 0 {
		c.budget--
	}
	n := c.slab.node()
	n.Kind = kind
	n.Range = c.rng(y)
	return n
}

// node converts one value; nil means it was rejected (and reported) and
// its entry or item is left out.
func (c *yamlConv) node(y *yaml.Node) *Node {
	if c.budget < 0 {
		return nil
	}
	switch y.Kind {
	case yaml.MappingNode:
		return c.mapping(y)
	case yaml.SequenceNode:
		return c.sequence(y)
	case yaml.ScalarNode:
		return c.scalar(y)
	case yaml.AliasNode:
		return c.alias(y)
	}
	c.errorf(c.rng(y), "unexpected YAML node")
	return nil
}

func (c *yamlConv) mapping(y *yaml.Node) *Node {
	if tag := y.ShortTag(); tag != "!!map" {
		c.errorf(c.rng(y), "unsupported YAML tag %s on a mapping", tag)
		return nil
	}
	n := c.newNode(MapNode, y)
	content := y.Content
	entries := c.slab.entryList(len(content) / 2)
	var keys walkKeys
	root := c.depth == 0
	c.depth++
	defer func() { c.depth-- }()
	for i := 0; i+1 < len(content); i += 2 {
		k, v := content[i], content[i+1]
		if !c.key(k) {
			continue
		}
		if j := keys.find(entries, k.Value); j >= 0 {
			d := walkDuplicate(fmt.Sprintf("duplicate key %q", k.Value), c.rng(k), entries[j].KeyRange)
			if !root {
				c.path.push(k.Value)
				d.Path = c.path.String()
				c.path.pop()
			}
			c.diags = append(c.diags, d)
			continue
		}
		var val *Node
		if root {
			val = c.topValue(k.Value, v)
		} else {
			c.path.push(k.Value)
			val = c.node(v)
			c.path.pop()
		}
		if val == nil {
			c.refused.add(n, k.Value)
			continue
		}
		entries = append(entries, Entry{Key: k.Value, KeyRange: c.rng(k), Value: val})
		keys.added(entries)
	}
	n.Entries = entries
	return n
}

// key checks that a mapping key is a plain string.
func (c *yamlConv) key(k *yaml.Node) bool {
	if k.Kind != yaml.ScalarNode {
		c.errorf(c.rng(k), "a mapping key must be a string, not %s", yamlKindName(k))
		return false
	}
	switch tag := k.ShortTag(); tag {
	case "!!str":
		return true
	case "!!merge":
		c.errorf(c.rng(k), "merge keys (<<) are not supported; write the keys out, or use an alias (*name) for the whole value")
		return false
	default:
		c.errorf(c.rng(k), "a mapping key must be a string, not %s; quote it: %q", yamlKindName(k), k.Value)
		return false
	}
}

func (c *yamlConv) sequence(y *yaml.Node) *Node {
	if tag := y.ShortTag(); tag != "!!seq" {
		c.errorf(c.rng(y), "unsupported YAML tag %s on a sequence", tag)
		return nil
	}
	n := c.newNode(ListNode, y)
	items := c.slab.itemList(len(y.Content))
	c.depth++
	for i, v := range y.Content {
		c.path.pushIndex(i)
		if it := c.node(v); it != nil {
			items = append(items, it)
		}
		c.path.pop()
	}
	c.depth--
	n.Items = items
	return n
}

func (c *yamlConv) scalar(y *yaml.Node) *Node {
	var typ ScalarType
	text := y.Value
	switch tag := y.ShortTag(); tag {
	case "!!str", "!!timestamp":
		// An unquoted date (2027-01-31) resolves to a timestamp; the
		// decoder reads dates from their text.
		typ = StringScalar
	case "!!int":
		typ = IntScalar
	case "!!float":
		typ = FloatScalar
	case "!!bool":
		typ = BoolScalar
		switch {
		case strings.EqualFold(text, "true"):
			text = "true"
		case strings.EqualFold(text, "false"):
			text = "false"
		default:
			c.errorf(c.rng(y), "invalid boolean %q: write true or false", text)
			return nil
		}
	case "!!null":
		typ = NullScalar
		text = "null"
	default:
		c.errorf(c.rng(y), "unsupported YAML tag %s", tag)
		return nil
	}
	n := c.newNode(ScalarNode, y)
	n.Type = typ
	n.Text = text
	return n
}

// alias expands *name into a copy of the anchored value, at the alias's
// position for the top node.
func (c *yamlConv) alias(y *yaml.Node) *Node {
	target := y.Alias
	if target == nil {
		c.errorf(c.rng(y), "unknown alias *%s", y.Value)
		return nil
	}
	for _, a := range c.expanding {
		if a == target {
			c.errorf(c.rng(y), "alias *%s refers to a value that contains it", y.Value)
			return nil
		}
	}
	c.expanding = append(c.expanding, target)
	c.aliasDepth++
	n := c.node(target)
	c.aliasDepth--
	c.expanding = c.expanding[:len(c.expanding)-1]
	if c.budget < 0 {
		// Report once, at the alias written in the document rather
		// than at one inside an anchored value.
		if !c.bombed && c.aliasDepth == 0 {
			c.bombed = true
			c.errorf(c.rng(y), "aliases expand to too many values (more than %d); write the values out", c.limit)
		}
		return nil
	}
	if n != nil {
		n.Range = c.rng(y)
	}
	return n
}

func yamlKindName(y *yaml.Node) string {
	switch y.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch y.ShortTag() {
		case "!!int":
			return "an integer"
		case "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!null":
			return "null"
		}
		return "a string"
	}
	return "a document"
}
