package config

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apparentlymart/go-textseg/v15/textseg"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// hclParse parses an HCL (native syntax) config file into a tree, by the
// mapping rules of tree.go. Values are read statically: literals, tuples,
// objects and the calls env("NAME") and file("path"); anything that
// would need evaluating is an error. The root is always a MapNode: empty
// when the file has syntax errors, since a partly parsed body would only
// give confusing follow-on errors.
func hclParse(file string, src []byte) (*Node, walkRefused, map[*Node]string, diag.Diagnostics) {
	c := hclConv{file: file, src: src}
	body, hdiags := c.parsed(hclParseConfig(src, file))
	if hdiags.HasErrors() || body == nil {
		root := c.slab.node()
		root.Kind = MapNode
		root.Range = c.at(1, 1)
		return root, nil, nil, c.diags
	}
	root := c.top(body)
	return root, c.refused, c.blocks, c.diags
}

// parsed adds the parser's diagnostics of a file and returns its body
// (nil when it has none).
func (c *hclConv) parsed(f *hcl.File, hdiags hcl.Diagnostics) (*hclsyntax.Body, hcl.Diagnostics) {
	var body *hclsyntax.Body
	if f != nil {
		body, _ = f.Body.(*hclsyntax.Body)
	}
	for _, d := range hdiags {
		if dup, ok := c.redefined(d, body); ok {
			c.diags = append(c.diags, dup)
			continue
		}
		c.diags = append(c.diags, c.fromHCL(d))
	}
	return body, hdiags
}

// hclParseConfig parses src, turning a panic of the parser into a
// diagnostic so that no input can crash the loader.
func hclParseConfig(src []byte, file string) (f *hcl.File, diags hcl.Diagnostics) {
	defer func() {
		if r := recover(); r != nil {
			f = nil
			diags = hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "invalid HCL",
				Detail:   fmt.Sprintf("parser failure: %v", r),
			}}
		}
	}()
	// The parser recurses once per nesting level: a file nested too
	// deep would overflow the stack, which no recover can catch.
	if line, col, deep := depthScan(src, MaxDepth, true); deep {
		return nil, hclInvalidAt(file, line, col, fmt.Sprintf("values are nested more than %d levels deep", MaxDepth))
	}
	// A file that is not UTF-8 (binary, or another encoding) is one
	// error at its first invalid byte: the parser gives one for each
	// byte it cannot read, hundreds for a few kilobytes.
	if line, col, b, bad := firstInvalidUTF8(src); bad {
		return nil, hclInvalidAt(file, line, col, fmt.Sprintf("the file is not UTF-8 text: byte 0x%02x is no UTF-8 character; save it as UTF-8", b))
	}
	return hclsyntax.ParseConfig(src, file, hcl.InitialPos)
}

// hclInvalidAt is the one error of a file the parser is not given: at
// line and column of file, saying why.
func hclInvalidAt(file string, line, col int, detail string) hcl.Diagnostics {
	pos := hcl.Pos{Line: line, Column: col}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "invalid HCL",
		Detail:   detail,
		Subject:  &hcl.Range{Filename: file, Start: pos, End: pos},
	}}
}

// firstInvalidUTF8 finds the first byte of src that is not part of a
// UTF-8 character: its line and column, counted as the parser counts
// its own (in characters as one sees them, grapheme clusters: e and a
// combining accent are one; a leading byte order mark is none), from 1.
func firstInvalidUTF8(src []byte) (line, col int, b byte, bad bool) {
	if utf8.Valid(src) {
		return 0, 0, 0, false
	}
	line = 1
	i := 0
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) {
		i = 3 // a byte order mark, which the parser counts as no column
	}
	lineStart := i
	for i < len(src) {
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size <= 1 {
			n, _ := textseg.TokenCount(src[lineStart:i], textseg.ScanGraphemeClusters)
			return line, n + 1, src[i], true
		}
		if r == '\n' {
			line, lineStart = line+1, i+1
		}
		i += size
	}
	return 0, 0, 0, false
}

// hclConv converts an hclsyntax body into a Node tree.
type hclConv struct {
	file  string
	src   []byte
	diags diag.Diagnostics
	slab  walkSlab
	// attrs is scratch space for sorting a body's attributes; each body
	// uses the part past its parent's.
	attrs []*hclsyntax.Attribute
	// path is the place in the current object of what is being
	// converted (resources.disk_space), for the Path of diagnostics;
	// the Object is set once the top-level block is converted (object).
	path walkPath
	// refused are the keys whose value was refused (File.Refused).
	refused walkRefused
	// blocks are the entries nested blocks made (File.Blocks).
	blocks map[*Node]string
	// sectionObjects counts the sections written as objects after "="
	// being read: within one, a section key given an object is the same
	// mistake, reported at once.
	sectionObjects int
}

// block records that v, the value of an entry, was made by a nested
// block of type typ.
func (c *hclConv) block(v *Node, typ string) {
	if c.blocks == nil {
		c.blocks = map[*Node]string{}
	}
	c.blocks[v] = typ
}

func (c *hclConv) at(line, col int) diag.Range {
	p := diag.Pos{Line: max(line, 1), Column: max(col, 1)}
	return diag.Range{File: c.file, Start: p, End: p}
}

func (c *hclConv) rng(r hcl.Range) diag.Range {
	return diag.Range{
		File:  c.file,
		Start: diag.Pos{Line: max(r.Start.Line, 1), Column: max(r.Start.Column, 1)},
		End:   diag.Pos{Line: max(r.End.Line, 1), Column: max(r.End.Column, 1)},
	}
}

// hclRedefined reads the parser's report of an attribute set twice in a
// block: its name and where it was first set.
var hclRedefined = regexp.MustCompile(`^The argument "([^"]*)" was already set at .*:([0-9]+),([0-9]+)-`)

// redefined turns the parser's "Attribute redefined" into the message a
// key set twice gets elsewhere: at the second one, naming the object,
// the path and the place of the first (file:line:column).
func (c *hclConv) redefined(d *hcl.Diagnostic, body *hclsyntax.Body) (diag.Diagnostic, bool) {
	m := hclRedefined.FindStringSubmatch(d.Detail)
	if d.Summary != "Attribute redefined" || d.Subject == nil || m == nil {
		return diag.Diagnostic{}, false
	}
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	out := walkDuplicate(fmt.Sprintf("%q is set twice", m[1]), c.rng(*d.Subject), c.at(line, col))
	// The object and path: the blocks around the second attribute.
	var path []string
	at := d.Subject.Start.Byte
	for depth := 0; body != nil; depth++ {
		var inner *hclsyntax.Body
		for _, b := range body.Blocks {
			if r := b.Body.SrcRange; r.Start.Byte <= at && at < r.End.Byte {
				if depth == 0 {
					out.Object = b.Type
					if len(b.Labels) > 0 {
						out.Object += " " + b.Labels[0]
						if owner := hclLiteralString(b.Body, "owner"); owner != "" && (b.Type == "service_plan" || b.Type == "addon_plan") {
							out.Object = b.Type + " " + model.PlanKey(owner, b.Labels[0])
						}
					}
				} else {
					path = append(path, b.Type)
				}
				inner = b.Body
				break
			}
		}
		body = inner
	}
	out.Path = strings.Join(append(path, m[1]), ".")
	return out, true
}

// hclLiteralString is the value of a body's attribute written as a plain
// string literal, or "".
func hclLiteralString(body *hclsyntax.Body, name string) string {
	a := body.Attributes[name]
	if a == nil {
		return ""
	}
	t, ok := a.Expr.(*hclsyntax.TemplateExpr)
	if !ok || len(t.Parts) != 1 {
		return ""
	}
	lit, ok := t.Parts[0].(*hclsyntax.LiteralValueExpr)
	if !ok || lit.Val.Type() != cty.String || !lit.Val.IsKnown() || lit.Val.IsNull() {
		return ""
	}
	return lit.Val.AsString()
}

func (c *hclConv) fromHCL(d *hcl.Diagnostic) diag.Diagnostic {
	out := diag.Diagnostic{Severity: diag.Error, Summary: d.Summary, Detail: d.Detail, Subject: c.at(1, 1)}
	if d.Severity == hcl.DiagWarning {
		out.Severity = diag.Warning
	}
	if d.Subject != nil {
		out.Subject = c.rng(*d.Subject)
		if d.Summary == "Missing newline after argument" {
			if v := c.unquotedUnit(*d.Subject); v != "" {
				out.Detail = fmt.Sprintf("sizes and durations are strings in HCL: write %q", v)
			} else if v := c.unquotedDateTime(*d.Subject); v != "" {
				out.Detail = fmt.Sprintf("a date is a string in HCL: write %q", v)
			}
		}
	}
	return out
}

// hclDate is a date written without quotes.
var hclDate = regexp.MustCompile(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$`)

// hclUnitValue is a number followed by a unit: a size (10GiB, -5GiB),
// traffic (100GiB/mo) or a duration, combined ones too (1y6mo15d),
// written without quotes.
var hclUnitValue = regexp.MustCompile(`^-?[0-9][0-9.]*[A-Za-z]+(?:[0-9]+[A-Za-z]+)*(/[A-Za-z]+)?$`)

// unquotedUnit returns the size or duration (10GiB, 1y6mo, 100GiB/mo)
// whose unit the parser stopped at, r being where it stopped, or "".
// The value is the whole token around r, sign included: a token that is
// no size or duration as a whole (0x10, 1abc2) gives "".
func (c *hclConv) unquotedUnit(r hcl.Range) string {
	st := r.Start.Byte
	if st <= 0 || st > len(c.src) {
		return ""
	}
	from := st
	for from > 0 && (c.src[from-1] >= '0' && c.src[from-1] <= '9' || c.src[from-1] == '.') {
		from--
	}
	if from == st {
		return ""
	}
	if from > 0 && c.src[from-1] == '-' {
		from--
	}
	to := st
	for to < len(c.src) && (c.src[to] >= 'A' && c.src[to] <= 'Z' || c.src[to] >= 'a' && c.src[to] <= 'z' ||
		c.src[to] >= '0' && c.src[to] <= '9' || c.src[to] == '/' || c.src[to] == '.' || c.src[to] == '_') {
		to++
	}
	if !hclUnitValue.Match(c.src[from:to]) {
		return ""
	}
	return string(c.src[from:to])
}

// hclDateTime is an RFC 3339 date and time written without quotes (t
// and z in either case, as RFC 3339 allows and model.ParseDate takes).
var hclDateTime = regexp.MustCompile(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[Tt][0-9:.]+([Zz]|[+-][0-9:]+)?$`)

// unquotedDateTime returns the date and time (2027-01-31T10:00:00Z)
// around r, where the parser stopped inside it, or "".
func (c *hclConv) unquotedDateTime(r hcl.Range) string {
	st := r.Start.Byte
	if st <= 0 || st > len(c.src) {
		return ""
	}
	in := func(b byte) bool {
		return b >= '0' && b <= '9' || b == '-' || b == '+' || b == ':' || b == '.' || b == 'T' || b == 'Z' || b == 't' || b == 'z'
	}
	from, to := st, st
	for from > 0 && in(c.src[from-1]) {
		from--
	}
	for to < len(c.src) && in(c.src[to]) {
		to++
	}
	if !hclDateTime.Match(c.src[from:to]) {
		return ""
	}
	return string(c.src[from:to])
}

func (c *hclConv) errorf(at hcl.Range, format string, args ...any) {
	c.add(diag.Diagnostic{Severity: diag.Error, Summary: fmt.Sprintf(format, args...), Subject: c.rng(at)})
}

// add appends a diagnostic about what is being converted, at c.path.
func (c *hclConv) add(d diag.Diagnostic) {
	if d.Path == "" {
		d.Path = c.path.String()
	}
	c.diags = append(c.diags, d)
}

// notAllowed reports an expression that would need evaluating.
func (c *hclConv) notAllowed(at hcl.Range, what, detail string) {
	c.add(diag.Diagnostic{
		Severity: diag.Error,
		Summary:  "only literal values are allowed: " + what + " cannot be used",
		Detail:   detail,
		Subject:  c.rng(at),
	})
}

func (c *hclConv) node(kind NodeKind, at hcl.Range) *Node {
	n := c.slab.node()
	n.Kind = kind
	n.Range = c.rng(at)
	return n
}

func (c *hclConv) str(text string, at hcl.Range) *Node {
	n := c.node(ScalarNode, at)
	n.Type = StringScalar
	n.Text = text
	return n
}

// hclKindNames lists the top-level block types, for messages.
func hclKindNames() string {
	return strings.Join(hclBlockTypes(), ", ")
}

// hclBlockTypes lists the top-level block types, for suggestions.
func hclBlockTypes() []string {
	names := make([]string, 0, len(KindKeys)+1)
	names = append(names, "server")
	for k := range KindKeys {
		names = append(names, k)
	}
	sort.Strings(names[1:])
	return names
}

// top converts the file body: server { } becomes the "server" map, each
// top-level kind block an item of its list; lists come in the order of
// their first block.
func (c *hclConv) top(body *hclsyntax.Body) *Node {
	root := c.node(MapNode, body.SrcRange)
	root.Range.Start = diag.Pos{Line: 1, Column: 1}

	for _, a := range c.sortedAttrs(body) {
		c.errorf(a.NameRange, "attribute %q is not allowed at the top level; a config file holds blocks: %s", a.Name, hclKindNames())
	}
	c.attrs = c.attrs[:0]
	if len(body.Blocks) == 0 {
		return root
	}

	counts := make(map[string]int, len(KindKeys))
	for _, b := range body.Blocks {
		if k, ok := KindKeys[b.Type]; ok {
			counts[k.ListKey]++
		}
	}
	entries := c.slab.entryList(min(len(body.Blocks), len(counts)+1))
	var keys walkKeys
	for _, b := range body.Blocks {
		if b.Type == "server" && len(b.Labels) == 1 {
			// server "NAME" { }: one item of the servers list.
			j := keys.find(entries, "servers")
			if j < 0 {
				entries = append(entries, Entry{Key: "servers", KeyRange: c.rng(b.TypeRange), Value: c.node(ListNode, b.TypeRange)})
				keys.added(entries)
				j = len(entries) - 1
			}
			list := entries[j].Value
			from := len(c.diags)
			item := c.labeled(b, "name")
			walkNameObject(c.diags, from, "servers", item)
			list.Items = append(list.Items, item)
			continue
		}
		if b.Type == "server" {
			if len(b.Labels) != 0 {
				c.errorf(b.LabelRanges[1], "a server block takes at most one label, its name: server \"NAME\" { ... }")
				continue
			}
			if j := keys.find(entries, "server"); j >= 0 {
				c.diags = append(c.diags, walkDuplicate("duplicate server block; there is at most one", c.rng(b.TypeRange), entries[j].KeyRange))
				continue
			}
			from := len(c.diags)
			v := c.body(b.Body, hcl.RangeBetween(b.OpenBraceRange, b.CloseBraceRange), nil, "")
			walkNameObject(c.diags, from, "server", v)
			entries = append(entries, Entry{Key: "server", KeyRange: c.rng(b.TypeRange), Value: v})
			keys.added(entries)
			continue
		}
		k, ok := KindKeys[b.Type]
		if !ok {
			c.add(diag.Diagnostic{Severity: diag.Error, Subject: c.rng(b.TypeRange),
				Summary: fmt.Sprintf("unknown block type %q%s", b.Type, decDidYouMean(b.Type, hclBlockTypes())),
				Detail:  "expected one of " + hclKindNames()})
			continue
		}
		if len(b.Labels) != 1 {
			at := b.TypeRange
			if len(b.Labels) > 1 {
				at = b.LabelRanges[1]
			}
			c.errorf(at, "a %s block takes exactly one label, its %s: %s \"%s\" { ... }", b.Type, k.LabelField, b.Type, strings.ToUpper(k.LabelField))
			continue
		}
		j := keys.find(entries, k.ListKey)
		if j < 0 {
			list := c.node(ListNode, b.TypeRange)
			list.Items = c.slab.itemList(counts[k.ListKey])
			entries = append(entries, Entry{Key: k.ListKey, KeyRange: c.rng(b.TypeRange), Value: list})
			keys.added(entries)
			j = len(entries) - 1
		}
		list := entries[j].Value
		from := len(c.diags)
		item := c.labeled(b, k.LabelField)
		walkNameObject(c.diags, from, k.ListKey, item)
		list.Items = append(list.Items, item)
	}
	root.Entries = entries
	return root
}

// labeled converts a block with one label into a map whose first entry,
// field, is the label.
func (c *hclConv) labeled(b *hclsyntax.Block, field string) *Node {
	label := Entry{Key: field, KeyRange: c.rng(b.LabelRanges[0]), Value: c.str(b.Labels[0], b.LabelRanges[0])}
	return c.body(b.Body, b.Range(), &label, b.Type)
}

// sortedAttrs returns a body's attributes in source order, in scratch
// space past the current end of c.attrs; the caller truncates c.attrs
// back when done.
func (c *hclConv) sortedAttrs(body *hclsyntax.Body) []*hclsyntax.Attribute {
	start := len(c.attrs)
	for _, a := range body.Attributes {
		c.attrs = append(c.attrs, a)
	}
	attrs := c.attrs[start:]
	slices.SortFunc(attrs, func(a, b *hclsyntax.Attribute) int {
		return a.SrcRange.Start.Byte - b.SrcRange.Start.Byte
	})
	return attrs
}

// body converts a block body into a map: first (if any), then its
// attributes and nested blocks in source order. first is the label of a
// block of type typ, as the field it gives.
func (c *hclConv) body(body *hclsyntax.Body, at hcl.Range, first *Entry, typ string) *Node {
	n := c.node(MapNode, at)
	mark := len(c.attrs)
	attrs := c.sortedAttrs(body)
	blocks := body.Blocks
	size := len(attrs) + len(blocks)
	if first != nil {
		size++
	}
	entries := c.slab.entryList(size)
	if first != nil {
		entries = append(entries, *first)
	}
	var keys walkKeys
	var blockLists []int // entries that are lists of labeled blocks
	ai, bi := 0, 0
	for ai < len(attrs) || bi < len(blocks) {
		if bi == len(blocks) || (ai < len(attrs) && attrs[ai].SrcRange.Start.Byte < blocks[bi].TypeRange.Start.Byte) {
			a := attrs[ai]
			ai++
			c.path.push(a.Name)
			var v *Node
			if j := keys.find(entries, a.Name); j >= 0 {
				d := walkDuplicate(fmt.Sprintf("%q is set twice", a.Name), c.rng(a.NameRange), entries[j].KeyRange)
				if first != nil && j == 0 {
					// service_plan "B" { name = "C" }: the label gives it.
					d.Detail = fmt.Sprintf("the label of %s %q is its %s; leave %s out, or change the label: %s",
						typ, first.Value.Text, a.Name, a.Name, d.Detail)
				}
				c.add(d)
			} else if !c.attrForm(a) {
				c.refused.add(n, a.Name)
			} else {
				_, obj := a.Expr.(*hclsyntax.ObjectConsExpr)
				obj = obj && hclSectionBlocks[a.Name]
				if obj {
					c.sectionObjects++
				}
				if v = c.expr(a.Expr); v == nil {
					c.refused.add(n, a.Name)
				}
				if obj {
					c.sectionObjects--
				}
			}
			c.path.pop()
			if v == nil {
				continue
			}
			entries = append(entries, Entry{Key: a.Name, KeyRange: c.rng(a.NameRange), Value: v})
			keys.added(entries)
			continue
		}
		b := blocks[bi]
		bi++
		switch len(b.Labels) {
		case 0:
			c.path.push(b.Type)
			if j := keys.find(entries, b.Type); j >= 0 {
				c.add(walkDuplicate(fmt.Sprintf("%q is set twice", b.Type), c.rng(b.TypeRange), entries[j].KeyRange))
				c.path.pop()
				continue
			}
			if c.secretField(b.Type) {
				// password { env = "X" }: the YAML form, as a block.
				c.secretYAMLForm(b.Type, c.rng(b.TypeRange), c.blockSecretRef(b.Body),
					fmt.Sprintf("%s { env = ... }, a block, is the YAML form of a secret reference", b.Type))
				c.refused.add(n, b.Type)
				c.path.pop()
				continue
			}
			v := c.body(b.Body, hcl.RangeBetween(b.OpenBraceRange, b.CloseBraceRange), nil, "")
			c.path.pop()
			entries = append(entries, Entry{Key: b.Type, KeyRange: c.rng(b.TypeRange), Value: v})
			keys.added(entries)
		case 1:
			key := b.Type + "s"
			j := keys.find(entries, key)
			if j >= 0 && !slices.Contains(blockLists, j) {
				c.path.push(key)
				c.add(walkDuplicate(fmt.Sprintf("%q is set twice (%s %s block adds to %s)", key, decArticle(b.Type), b.Type, key), c.rng(b.TypeRange), entries[j].KeyRange))
				c.path.pop()
				continue
			}
			if j < 0 {
				list := c.node(ListNode, b.TypeRange)
				c.block(list, b.Type)
				entries = append(entries, Entry{Key: key, KeyRange: c.rng(b.TypeRange), Value: list})
				keys.added(entries)
				j = len(entries) - 1
				blockLists = append(blockLists, j)
			}
			list := entries[j].Value
			c.path.push(key)
			c.path.pushIndex(len(list.Items))
			list.Items = append(list.Items, c.labeled(b, "name"))
			c.path.pop()
			c.path.pop()
		default:
			c.path.push(b.Type)
			c.errorf(b.LabelRanges[1], "a nested %s block takes at most one label, its name: %s \"NAME\" { ... }", b.Type, b.Type)
			c.path.pop()
		}
	}
	c.attrs = c.attrs[:mark]
	n.Entries = entries
	return n
}

// hclSectionBlocks are the fields a block body holds as nested blocks
// without a label (SPEC §2: resources { }, customize { }, button { },
// plesk { }).
var hclSectionBlocks = map[string]bool{"resources": true, "permissions": true, "hosting": true, "mail": true, "dns": true,
	"customize": true, "button": true, "plesk": true}

// attrForm reports an attribute given an object where HCL writes
// something else: a section (resources = { ... } for resources { ... })
// or a secret reference (password = { env = "X" } for env("X")), each
// the YAML form. It returns whether the value is read all the same: a
// section's is, for the errors within it; a secret's is not.
func (c *hclConv) attrForm(a *hclsyntax.Attribute) bool {
	o, ok := a.Expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return true
	}
	if hclSectionBlocks[a.Name] {
		c.sectionObject(a.Name, a.NameRange)
		return true
	}
	if !c.secretField(a.Name) {
		return true
	}
	// The reference as HCL writes it, from the object's one entry.
	ref := ""
	if len(o.Items) == 1 {
		src := ""
		if k, ok := o.Items[0].KeyExpr.(*hclsyntax.ObjectConsKeyExpr); ok {
			src = hcl.ExprAsKeyword(k.Wrapped)
		}
		ref = hclSecretRef(src, o.Items[0].ValueExpr)
	}
	c.secretYAMLForm(a.Name, c.rng(o.SrcRange), ref, "{ env = ... } and { file = ... } are the YAML form of a secret reference")
	return false
}

// secretField reports whether the field named name, at the current
// path, holds a secret: password, ftp_password, plesk.key.
func (c *hclConv) secretField(name string) bool {
	return name == "password" || name == "ftp_password" || (name == "key" && c.path.String() == "plesk.key")
}

// blockSecretRef is the reference as HCL writes it for a secret written
// as a block holding one env or file attribute; "" otherwise.
func (c *hclConv) blockSecretRef(body *hclsyntax.Body) string {
	if len(body.Attributes) != 1 || len(body.Blocks) != 0 {
		return ""
	}
	for name, a := range body.Attributes {
		return hclSecretRef(name, a.Expr)
	}
	return ""
}

// hclSecretRef is env("X") or file("X") for src "env" or "file" and a
// literal string X; "" otherwise.
func hclSecretRef(src string, value hclsyntax.Expression) string {
	arg := ""
	if t, ok := value.(*hclsyntax.TemplateExpr); ok && len(t.Parts) == 1 {
		if lit, ok := t.Parts[0].(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.String && lit.Val.IsKnown() && !lit.Val.IsNull() {
			arg = lit.Val.AsString()
		}
	}
	if (src == "env" || src == "file") && arg != "" {
		return fmt.Sprintf("%s(%s)", src, strconv.Quote(arg))
	}
	return ""
}

// secretYAMLForm reports a secret written in the YAML form (as an
// object, or a block) where HCL writes env("NAME") or file("path"). ref
// is the reference as HCL writes it, when it could be told; detail says
// what was written.
func (c *hclConv) secretYAMLForm(name string, at diag.Range, ref, detail string) {
	if ref == "" {
		ref = `env("NAME") or file("path")`
	}
	c.add(diag.Diagnostic{Severity: diag.Error, Subject: at,
		Summary: fmt.Sprintf("a secret is written env(\"NAME\") or file(\"path\") in HCL: write %s = %s", name, ref),
		Detail:  detail})
}

// sectionObject reports a section written as an object after "=" at
// name; one inside it (customize = { resources = { ... } }) is reported
// as the object is read (sectionObjects).
func (c *hclConv) sectionObject(name string, at hcl.Range) {
	c.add(diag.Diagnostic{Severity: diag.Error, Subject: c.rng(at),
		Summary: fmt.Sprintf("%s is a block: write %s { ... }, without \"=\"", name, name),
		Detail:  fmt.Sprintf("in HCL a section is a nested block; %s = { ... }, an attribute holding an object, is the YAML form", name)})
}

// expr reads an attribute value statically; nil means it was rejected
// (and reported).
func (c *hclConv) expr(e hclsyntax.Expression) *Node {
	switch e := e.(type) {
	case *hclsyntax.LiteralValueExpr:
		return c.literal(e.Val, e.SrcRange)
	case *hclsyntax.TemplateExpr:
		s, ok := c.template(e)
		if !ok {
			return nil
		}
		return c.str(c.heredocLines(s, e.SrcRange), e.SrcRange)
	case *hclsyntax.TemplateWrapExpr:
		c.notAllowed(e.SrcRange, "string interpolation", `"${...}" is not evaluated; write the value itself, or env("NAME") / file("path") for a secret`)
		return nil
	case *hclsyntax.ParenthesesExpr:
		return c.expr(e.Expression)
	case *hclsyntax.TupleConsExpr:
		n := c.node(ListNode, e.SrcRange)
		items := c.slab.itemList(len(e.Exprs))
		for i, x := range e.Exprs {
			c.path.pushIndex(i)
			if v := c.expr(x); v != nil {
				items = append(items, v)
			}
			c.path.pop()
		}
		n.Items = items
		return n
	case *hclsyntax.ObjectConsExpr:
		return c.objectCons(e)
	case *hclsyntax.FunctionCallExpr:
		return c.call(e)
	case *hclsyntax.UnaryOpExpr:
		if lit, ok := e.Val.(*hclsyntax.LiteralValueExpr); ok && e.Op == hclsyntax.OpNegate && lit.Val.Type() == cty.Number && lit.Val.IsKnown() && !lit.Val.IsNull() {
			// A negative number is written with a minus "operator".
			return c.number("-"+c.source(lit.SrcRange), e.SrcRange)
		}
		c.notAllowed(e.SrcRange, "an operator", "expressions are not evaluated; write the value itself")
		return nil
	case *hclsyntax.BinaryOpExpr:
		if src := c.source(e.SrcRange); hclDate.MatchString(src) {
			// 2027-01-31 unquoted is a subtraction.
			c.notAllowed(e.SrcRange, "an operator", fmt.Sprintf("a date is a string in HCL: write %q", src))
			return nil
		}
		c.notAllowed(e.SrcRange, "an operator", "expressions are not evaluated; write the value itself")
		return nil
	case *hclsyntax.ScopeTraversalExpr:
		detail := "there are no variables; write the value itself, or env(\"NAME\") / file(\"path\") for a secret"
		if len(e.Traversal) == 1 {
			detail = fmt.Sprintf("there are no variables; if %s is meant as text, quote it: %q", e.Traversal.RootName(), e.Traversal.RootName())
		}
		c.notAllowed(e.SrcRange, "a variable reference", detail)
		return nil
	case *hclsyntax.ConditionalExpr:
		c.notAllowed(e.SrcRange, "a conditional expression", "expressions are not evaluated; write the value itself")
		return nil
	case *hclsyntax.ForExpr:
		c.notAllowed(e.SrcRange, "a for expression", "expressions are not evaluated; write the values out")
		return nil
	case *hclsyntax.IndexExpr, *hclsyntax.SplatExpr, *hclsyntax.RelativeTraversalExpr:
		c.notAllowed(e.Range(), "an index or attribute access", "expressions are not evaluated; write the value itself")
		return nil
	}
	c.notAllowed(e.Range(), "this expression", "write a literal value")
	return nil
}

// literal converts a literal string, number, bool or null.
func (c *hclConv) literal(v cty.Value, at hcl.Range) *Node {
	if !v.IsKnown() {
		c.notAllowed(at, "an unknown value", "write a literal value")
		return nil
	}
	if v.IsNull() {
		n := c.node(ScalarNode, at)
		n.Type = NullScalar
		n.Text = "null"
		return n
	}
	switch v.Type() {
	case cty.String:
		return c.str(v.AsString(), at)
	case cty.Number:
		return c.number(c.source(at), at)
	case cty.Bool:
		n := c.node(ScalarNode, at)
		n.Type = BoolScalar
		n.Text = "false"
		if v.True() {
			n.Text = "true"
		}
		return n
	}
	c.notAllowed(at, "a value of type "+v.Type().FriendlyName(), "write a string, number, bool, list or object")
	return nil
}

// number makes a scalar of a number's source text: an integer when it has
// no fraction or exponent.
func (c *hclConv) number(text string, at hcl.Range) *Node {
	n := c.node(ScalarNode, at)
	n.Type = IntScalar
	if strings.ContainsAny(text, ".eE") {
		n.Type = FloatScalar
	}
	n.Text = text
	return n
}

// source returns the source text of a range.
func (c *hclConv) source(r hcl.Range) string {
	s, e := r.Start.Byte, r.End.Byte
	if s < 0 || e > len(c.src) || s > e {
		return ""
	}
	return string(c.src[s:e])
}

// heredocLines gives a heredoc written with CRLF line ends (a file
// checked out by git on Windows) LF line ends, as YAML does: the same
// config means the same text wherever it was checked out.
func (c *hclConv) heredocLines(s string, r hcl.Range) string {
	st, en := r.Start.Byte, r.End.Byte
	if st < 0 || en > len(c.src) || st > en || !bytes.HasPrefix(c.src[st:en], []byte("<<")) ||
		!bytes.Contains(c.src[st:en], []byte("\r\n")) {
		return s
	}
	return strings.ReplaceAll(s, "\r\n", "\n")
}

// template reads a string made only of literal parts.
func (c *hclConv) template(e *hclsyntax.TemplateExpr) (string, bool) {
	var parts []string
	for _, p := range e.Parts {
		lit, ok := p.(*hclsyntax.LiteralValueExpr)
		if !ok || lit.Val.Type() != cty.String || !lit.Val.IsKnown() || lit.Val.IsNull() {
			c.notAllowed(p.Range(), "string interpolation", `"${...}" and "%{...}" are not evaluated; write the value itself, or env("NAME") / file("path") for a secret`)
			return "", false
		}
		parts = append(parts, lit.Val.AsString())
	}
	switch len(parts) {
	case 0:
		return "", true
	case 1:
		return parts[0], true
	}
	return strings.Join(parts, ""), true
}

// objectCons converts an object expression; keys are names or literal
// strings.
func (c *hclConv) objectCons(e *hclsyntax.ObjectConsExpr) *Node {
	n := c.node(MapNode, e.SrcRange)
	entries := c.slab.entryList(len(e.Items))
	var keys walkKeys
	for _, it := range e.Items {
		key, ok := c.objectKey(it.KeyExpr)
		if !ok {
			continue
		}
		kr := c.rng(it.KeyExpr.Range())
		if _, obj := it.ValueExpr.(*hclsyntax.ObjectConsExpr); obj && c.sectionObjects > 0 && hclSectionBlocks[key] {
			c.path.push(key)
			c.sectionObject(key, it.KeyExpr.Range())
			c.path.pop()
		}
		c.path.push(key)
		var v *Node
		if j := keys.find(entries, key); j >= 0 {
			c.add(walkDuplicate(fmt.Sprintf("duplicate key %q", key), kr, entries[j].KeyRange))
		} else if v = c.expr(it.ValueExpr); v == nil {
			c.refused.add(n, key)
		}
		c.path.pop()
		if v == nil {
			continue
		}
		entries = append(entries, Entry{Key: key, KeyRange: kr, Value: v})
		keys.added(entries)
	}
	n.Entries = entries
	return n
}

func (c *hclConv) objectKey(e hclsyntax.Expression) (string, bool) {
	if k, ok := e.(*hclsyntax.ObjectConsKeyExpr); ok {
		if k.ForceNonLiteral {
			c.notAllowed(k.Range(), "a computed key", "an object key is a name or a literal string")
			return "", false
		}
		e = k.Wrapped
	}
	if name := hcl.ExprAsKeyword(e); name != "" {
		return name, true
	}
	if t, ok := e.(*hclsyntax.TemplateExpr); ok {
		return c.template(t)
	}
	c.notAllowed(e.Range(), "this object key", "an object key is a name or a literal string")
	return "", false
}

// call reads env("NAME") and file("path") as the maps {env: NAME} and
// {file: path}.
func (c *hclConv) call(e *hclsyntax.FunctionCallExpr) *Node {
	if e.Name != "env" && e.Name != "file" {
		c.notAllowed(e.NameRange, fmt.Sprintf("function %s()", e.Name), `the only functions are env("NAME") and file("path")`)
		return nil
	}
	var arg hclsyntax.Expression
	if len(e.Args) == 1 && !e.ExpandFinal {
		arg = e.Args[0]
	}
	var s string
	switch a := arg.(type) {
	case *hclsyntax.TemplateExpr:
		var ok bool
		if s, ok = c.template(a); !ok {
			return nil
		}
	case *hclsyntax.TemplateWrapExpr:
		c.notAllowed(a.SrcRange, "string interpolation", `"${...}" is not evaluated; write the name itself`)
		return nil
	default:
		c.errorf(e.Range(), "%s() takes one literal string: %s(%q)", e.Name, e.Name, map[string]string{"env": "NAME", "file": "path"}[e.Name])
		return nil
	}
	n := c.node(MapNode, e.Range())
	entries := c.slab.entryList(1)
	n.Entries = append(entries, Entry{Key: e.Name, KeyRange: c.rng(e.NameRange), Value: c.str(s, arg.Range())})
	return n
}
