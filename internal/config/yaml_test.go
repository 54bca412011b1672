package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plansync/plansync/internal/diag"
)

// Tree builders for expected values; ranges are left out and compared
// separately (wtStrip drops them from parsed trees).

func wtMap(kv ...any) *Node {
	n := &Node{Kind: MapNode}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Entries = append(n.Entries, Entry{Key: kv[i].(string), Value: kv[i+1].(*Node)})
	}
	return n
}

func wtList(items ...*Node) *Node { return &Node{Kind: ListNode, Items: items} }

func wtScalar(t ScalarType, text string) *Node {
	return &Node{Kind: ScalarNode, Type: t, Text: text}
}

func wtStr(s string) *Node   { return wtScalar(StringScalar, s) }
func wtInt(s string) *Node   { return wtScalar(IntScalar, s) }
func wtFloat(s string) *Node { return wtScalar(FloatScalar, s) }
func wtBool(s string) *Node  { return wtScalar(BoolScalar, s) }
func wtNull() *Node          { return wtScalar(NullScalar, "null") }

// wtStrip returns a copy of n without ranges.
func wtStrip(n *Node) *Node {
	if n == nil {
		return nil
	}
	out := &Node{Kind: n.Kind, Type: n.Type, Text: n.Text}
	for _, e := range n.Entries {
		out.Entries = append(out.Entries, Entry{Key: e.Key, Value: wtStrip(e.Value)})
	}
	for _, it := range n.Items {
		out.Items = append(out.Items, wtStrip(it))
	}
	return out
}

// wtCheckTree checks the invariants every parsed tree keeps: no nil
// values, every node and key placed in the file at line and column >= 1.
func wtCheckTree(t testing.TB, file string, n *Node) {
	t.Helper()
	var walk func(n *Node, path string)
	walk = func(n *Node, path string) {
		if n == nil {
			t.Fatalf("%s: nil node", path)
		}
		wtCheckRange(t, file, n.Range, path)
		switch n.Kind {
		case MapNode:
			for _, e := range n.Entries {
				wtCheckRange(t, file, e.KeyRange, path+"."+e.Key+" (key)")
				walk(e.Value, path+"."+e.Key)
			}
		case ListNode:
			for i, it := range n.Items {
				walk(it, path+"["+string(rune('0'+i%10))+"]")
			}
		case ScalarNode:
			if n.Type < StringScalar || n.Type > NullScalar {
				t.Fatalf("%s: scalar type %d", path, n.Type)
			}
		default:
			t.Fatalf("%s: node kind %d", path, n.Kind)
		}
	}
	if n == nil || n.Kind != MapNode {
		t.Fatalf("root is %+v, want a MapNode", n)
	}
	walk(n, "root")
}

func wtCheckRange(t testing.TB, file string, r diag.Range, what string) {
	t.Helper()
	if r.File != file || r.Start.Line < 1 || r.Start.Column < 1 {
		t.Fatalf("%s: range %+v, want file %q and line, column >= 1", what, r, file)
	}
}

// wtParse parses src as the named file and fails on any diagnostic.
func wtParse(t *testing.T, name, src string) *Node {
	t.Helper()
	f, diags := ParseFile(name, name, []byte(src))
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%v", diags)
	}
	wtCheckTree(t, name, f.Root)
	return f.Root
}

// wtErrCase is one input that must give an error diagnostic.
type wtErrCase struct {
	name    string
	src     string
	want    string // substring of summary + detail
	line    int
	col     int  // 0: any
	related bool // names a second place
}

func wtRunErrCases(t *testing.T, file string, cases []wtErrCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, diags := ParseFile(file, file, []byte(tc.src))
			if f == nil || f.Root == nil || f.Root.Kind != MapNode {
				t.Fatalf("ParseFile returned %+v, want a file with a map root", f)
			}
			if !diags.HasErrors() {
				t.Fatalf("no error for %q", tc.src)
			}
			var found *diag.Diagnostic
			for i, d := range diags {
				if d.Subject.File != file || d.Subject.Start.Line < 1 || d.Subject.Start.Column < 1 {
					t.Errorf("diagnostic without a place: %+v", d)
				}
				if found == nil && strings.Contains(d.Summary+": "+d.Detail, tc.want) {
					found = &diags[i]
				}
			}
			if found == nil {
				t.Fatalf("no diagnostic mentions %q:\n%v", tc.want, diags)
			}
			got := found.Subject.Start
			if got.Line != tc.line || (tc.col != 0 && got.Column != tc.col) {
				t.Errorf("at %d:%d, want %d:%d (%v)", got.Line, got.Column, tc.line, tc.col, found)
			}
			if tc.related {
				if len(found.Related) != 1 || found.Related[0].File != file || found.Related[0].Start.Line < 1 {
					t.Errorf("related = %+v, want the first place", found.Related)
				}
				if found.Related[0] == found.Subject {
					t.Errorf("related is the subject itself: %+v", found.Related)
				}
			}
			wtCheckTree(t, file, f.Root)
		})
	}
}

func TestYAMLTree(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want *Node
	}{
		{"empty", "", wtMap()},
		{"comments only", "# nothing\n  # here\n", wtMap()},
		{"document marker only", "---\n", wtMap()},
		{"trailing empty document", "a: 1\n---\n", wtMap("a", wtInt("1"))},
		{
			"scalar types",
			"s: text\nq: \"8.3\"\nf: 8.3\ni: 100\nh: 0x1F\nb: true\nB: False\nn: ~\ne:\nd: 2027-01-31\nneg: -5\nexp: 1e3\n",
			wtMap(
				"s", wtStr("text"), "q", wtStr("8.3"), "f", wtFloat("8.3"),
				"i", wtInt("100"), "h", wtInt("0x1F"), "b", wtBool("true"),
				"B", wtBool("false"), "n", wtNull(), "e", wtNull(),
				"d", wtStr("2027-01-31"), "neg", wtInt("-5"), "exp", wtFloat("1e3"),
			),
		},
		{
			"explicit tags",
			"a: !!str 5\nb: !!int \"7\"\n",
			wtMap("a", wtStr("5"), "b", wtInt("7")),
		},
		{
			"nested and order kept",
			"z: {b: 1, a: [x, {k: v}]}\na: []\nm: {}\n",
			wtMap(
				"z", wtMap("b", wtInt("1"), "a", wtList(wtStr("x"), wtMap("k", wtStr("v")))),
				"a", wtList(),
				"m", wtMap(),
			),
		},
		{
			"block scalars",
			"a: |\n  line one\n  line two\nb: >-\n  folded\n  text\n",
			wtMap("a", wtStr("line one\nline two\n"), "b", wtStr("folded text")),
		},
		{
			"alias gives the anchored value",
			"base: &h {php_version: \"8.3\", ssl: true}\nother: *h\nlist: [&x one, *x]\n",
			wtMap(
				"base", wtMap("php_version", wtStr("8.3"), "ssl", wtBool("true")),
				"other", wtMap("php_version", wtStr("8.3"), "ssl", wtBool("true")),
				"list", wtList(wtStr("one"), wtStr("one")),
			),
		},
		{
			"quoted merge key is a plain key",
			"\"<<\": 1\n",
			wtMap("<<", wtInt("1")),
		},
		{"null root", "~\n", wtMap()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := wtParse(t, "t.yaml", tc.src)
			if diff := cmp.Diff(tc.want, wtStrip(got)); diff != "" {
				t.Errorf("tree (-want +got):\n%s", diff)
			}
		})
	}
}

func TestYAMLAliasCopies(t *testing.T) {
	root := wtParse(t, "t.yaml", "a: &x {k: v}\nb: *x\n")
	a, b := root.Get("a"), root.Get("b")
	if a == b || &a.Entries[0] == &b.Entries[0] {
		t.Fatal("an alias shares the anchored node; want a copy")
	}
	if b.Range.Start != (diag.Pos{Line: 2, Column: 4}) {
		t.Errorf("alias value at %v, want the alias's place 2:4", b.Range.Start)
	}
}

// wtCol returns the 1-based column of the first occurrence of token on
// the given 1-based line of src.
func wtCol(t *testing.T, src string, line int, token string) int {
	t.Helper()
	lines := strings.Split(src, "\n")
	i := strings.Index(lines[line-1], token)
	if i < 0 {
		t.Fatalf("%q not on line %d", token, line)
	}
	return i + 1
}

// wtPos is an expected place of a key or value, found by its token.
type wtPos struct {
	what  string
	node  func(root *Node) diag.Range
	line  int
	token string
}

func wtCheckPositions(t *testing.T, file, src string, root *Node, cases []wtPos) {
	t.Helper()
	for _, c := range cases {
		got := c.node(root)
		want := diag.Pos{Line: c.line, Column: wtCol(t, src, c.line, c.token)}
		if got.File != file || got.Start != want {
			t.Errorf("%s at %s:%d:%d, want %s:%d:%d", c.what, got.File, got.Start.Line, got.Start.Column, file, want.Line, want.Column)
		}
	}
}

func wtKey(n *Node, key string) diag.Range {
	for _, e := range n.Entries {
		if e.Key == key {
			return e.KeyRange
		}
	}
	return diag.Range{}
}

func TestYAMLPositions(t *testing.T) {
	root := wtParse(t, "dir/example.yaml", specYAML)
	plan := func(r *Node) *Node { return r.Get("service_plans").Items[0] }
	wtCheckPositions(t, "dir/example.yaml", specYAML, root, []wtPos{
		{"server key", func(r *Node) diag.Range { return wtKey(r, "server") }, 1, "server"},
		{"components value", func(r *Node) diag.Range { return r.Get("server").Get("components").Range }, 2, "["},
		{"second component", func(r *Node) diag.Range { return r.Get("server").Get("components").Items[1].Range }, 2, "php8.3"},
		{"plan item", func(r *Node) diag.Range { return plan(r).Range }, 4, "name"},
		{"plan name key", func(r *Node) diag.Range { return wtKey(plan(r), "name") }, 4, "name"},
		{"plan name value", func(r *Node) diag.Range { return plan(r).Get("name").Range }, 4, "Business"},
		{"mailboxes key", func(r *Node) diag.Range { return wtKey(plan(r).Get("resources"), "mailboxes") }, 5, "mailboxes"},
		{"mailboxes value", func(r *Node) diag.Range { return plan(r).Get("resources").Get("mailboxes").Range }, 5, "100,"},
		{"php_version value", func(r *Node) diag.Range { return plan(r).Get("hosting").Get("php_version").Range }, 7, `"8.3"`},
		{"env key", func(r *Node) diag.Range {
			return wtKey(r.Get("customers").Items[0].Get("password"), "env")
		}, 13, "env"},
		{"addon", func(r *Node) diag.Range { return r.Get("subscriptions").Items[0].Get("addons").Items[0].Range }, 18, "Extra"},
	})
}

func TestYAMLErrors(t *testing.T) {
	wtRunErrCases(t, "bad.yaml", []wtErrCase{
		{name: "duplicate key", src: "a: 1\nb: 2\na: 3\n", want: `duplicate key "a"`, line: 3, col: 1, related: true},
		{name: "duplicate nested key", src: "s:\n  - domain: x\n    plan: p\n    plan: q\n", want: `duplicate key "plan"`, line: 4, col: 5, related: true},
		{name: "duplicate key in large map", src: wtManyKeys(40) + "k7: again\n", want: `duplicate key "k7"`, line: 41, col: 1, related: true},
		{name: "two documents", src: "a: 1\n---\nb: 2\n", want: "single document", line: 3, col: 1},
		{name: "syntax error with line", src: "a: 1\nb: [1, 2\nc: 3\n", want: "did not find expected ',' or ']'", line: 2, col: 1},
		{name: "syntax error on line 1", src: "a: b: c\n", want: "mapping values are not allowed", line: 1, col: 5},
		{name: "tab indent", src: "a:\n\tb: 1\n", want: "invalid YAML", line: 2, col: 1},
		{name: "tab indent says so", src: "customers:\n\t- login: a\n", want: "YAML is indented with spaces, not tabs", line: 2, col: 1},
		{name: "tab indent after spaces says so", src: "customers:\n  - login: a\n  \t- login: b\n", want: "tab", line: 3, col: 3},
		{name: "unknown anchor", src: "a: *nope\n", want: "unknown anchor 'nope'", line: 1, col: 4},
		{name: "syntax error in second document", src: "a: 1\n---\nb: [\n", want: "invalid YAML", line: 3, col: 1},
		{name: "unknown anchor on a later line", src: "a: 1\nb:\n  - x\n  - *nope2\n", want: "unknown anchor", line: 4, col: 5},
		{name: "flow mapping not closed", src: "x: 1\ny: 2\nz: {a: 1\n", want: "did not find expected ',' or '}'", line: 3, col: 1},
		{name: "block sequence broken", src: "a:\n  - b\n  c: d\n", want: "did not find expected '-' indicator", line: 3, col: 3},
		{name: "mapping value on line 4", src: "x: 1\ny: 2\nz: 3\na: b: c\n", want: "mapping values are not allowed", line: 4, col: 5},
		{name: "bad key on line 3", src: "service_plans:\n  - name: A\n    bad key: : x\n", want: "mapping values are not allowed", line: 3, col: 14},
		{name: "misindented key", src: "service_plans:\n  - name: A\n   resources: {}\n", want: "did not find expected '-' indicator", line: 3, col: 4},
		{name: "stray character", src: "a: 1\nb: @x\n", want: "cannot start any token", line: 2, col: 4},
		{name: "unterminated quote", src: "a: 1\nb: \"open\nc: 2\n", want: "unexpected end of stream", line: 2, col: 4},
		{name: "plain scalar key missing colon", src: "service_plans:\n  - name: A\n  bad\n", want: "could not find expected ':'", line: 3, col: 3},
		{name: "alias cycle", src: "a: &x [1, *x]\n", want: "contains it", line: 1, col: 11},
		{name: "alias bomb", src: wtAliasBomb(), want: "too many values", line: 4},
		{name: "merge key", src: "base: &b {x: 1}\nthing:\n  <<: *b\n  y: 2\n", want: "merge keys (<<) are not supported", line: 3, col: 3},
		{name: "integer key", src: "1: one\n", want: "must be a string, not an integer", line: 1, col: 1},
		{name: "bool key", src: "s:\n  true: x\n", want: "must be a string, not a boolean", line: 2, col: 3},
		{name: "null key", src: "~: x\n", want: "must be a string", line: 1, col: 1},
		{name: "mapping key", src: "? {a: 1}\n: x\n", want: "must be a string, not a mapping", line: 1, col: 3},
		{name: "sequence key", src: "? [a]\n: x\n", want: "not a list", line: 1, col: 3},
		{name: "custom tag", src: "password: !env FOO\n", want: "unsupported YAML tag !env", line: 1, col: 11},
		{name: "binary tag", src: "a: !!binary aGk=\n", want: "unsupported YAML tag !!binary", line: 1, col: 4},
		{name: "set tag", src: "a: !!set {x}\n", want: "unsupported YAML tag !!set", line: 1, col: 4},
		{name: "top-level list", src: "- a\n- b\n", want: "must be a mapping", line: 1, col: 1},
		// A plain value that starts with a character YAML reserves: the
		// error says to quote it.
		{name: "wildcard domain unquoted", src: "subscriptions:\n  - domain: *.example.org\n", want: `quote the value: write "*.example.org"`, line: 2, col: 13},
		{name: "at sign unquoted", src: "a: 1\nname: @home x\n", want: `quote the value: write "@home x"`, line: 2, col: 7},
		{name: "wildcard in a flow list", src: "server:\n  components: [a, *b.c, d]\n", want: `quote the value: write "*b.c"`, line: 2, col: 19},
		{name: "backtick unquoted", src: "name: `x`\n", want: "quote the value: write \"`x`\"", line: 1, col: 7},
		{name: "top-level scalar", src: "\n\nhello\n", want: "must be a mapping", line: 3, col: 1},
		// A byte that is not UTF-8 is pinned where it stands: yaml.v3
		// may only notice it a line later, or after the next character.
		{name: "bad UTF-8 in a comment", src: "# caf\xe9\na: 1\nb: 2\n", want: "UTF-8", line: 1, col: 6},
		{name: "bad UTF-8 trailing octet", src: "a: 1\nname: Caf\xe9 x\n", want: "invalid trailing UTF-8 octet", line: 2, col: 10},
		{name: "bad UTF-8 truncated in quotes", src: "a: \"Caf\xc3\"\nb: 2\n", want: "UTF-8", line: 1, col: 8},
		{name: "bad UTF-8 leading octet", src: "a: 1\nb: Ca\x80fe\n", want: "invalid leading UTF-8 octet", line: 2, col: 6},
		{name: "bad UTF-8 after a BOM", src: "\xef\xbb\xbfa: \xff\n", want: "UTF-8", line: 1, col: 4},
		{name: "syntax error after a BOM", src: "\xef\xbb\xbfa: b: c\n", want: "mapping values are not allowed", line: 1, col: 5},
		{name: "unknown anchor after a BOM", src: "\xef\xbb\xbfa: *nope\n", want: "unknown anchor 'nope'", line: 1, col: 4},
		{name: "bad UTF-8 after wide characters", src: "a: 日本\xe8\xaa\n", want: "UTF-8", line: 1, col: 6},
	})
}

func wtManyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("k")
		b.WriteString(strings.TrimLeft(string(rune('0'+i/10))+string(rune('0'+i%10)), "0"))
		b.WriteString(": v\n")
	}
	return b.String()
}

// wtAliasBomb is a "billion laughs" document: ten levels of ten aliases.
func wtAliasBomb() string {
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 9; i++ {
		p := "*l" + string(rune('0'+i-1))
		b.WriteString("l" + string(rune('0'+i)) + ": &l" + string(rune('0'+i)) + " [" + strings.Repeat(p+", ", 9) + p + "]\n")
	}
	b.WriteString("bomb: *l9\n")
	return b.String()
}

// specYAML is the example of SPEC §2.10.
const specYAML = `server:
  components: [php8.2, php8.3, php-fpm, postfix, roundcube, spamassassin]
service_plans:
  - name: Business
    resources: {disk_space: 10GiB, traffic: 100GiB, mailboxes: 100, expiration: 1y}
    permissions: {manage_php_settings: true}
    hosting: {php_version: "8.3", php_handler: fpm, ssl: true}
    services: [premium-support]
customers:
  - login: jdoe
    name: John Doe
    email: john@doe.example
    password: {env: JDOE_PASSWORD}
subscriptions:
  - domain: doe.example
    customer: jdoe
    plan: Business
    addons: [Extra Storage]
`

// A value the YAML reader refuses (a duplicate key, a key that is not a
// string, a merge key, an unsupported tag) is reported with the object
// and path it belongs to, as the decoder reports a value it refuses,
// and a required field given such a value is not also said to be
// missing.
func TestYAMLErrorsNameTheObject(t *testing.T) {
	const src = `service_plans:
  - name: B
    owner: r1
    resources:
      disk_space: 1GiB
      disk_space: 2GiB
      websites: !!binary aGVsbG8=
      true: 3
subscriptions:
  - domain: A.example
    plan: !!set {x}
  - domain: b.example
    plan: none
    addons: [x, {<<: {a: 1}}]
server:
  components: [php8.3]
  components: []
customers:
  - login: jdoe
    login: jane
`
	f, diags := ParseFile("a.yaml", "a.yaml", []byte(src))
	decoded := DecodeFile(f, dtOptions(dtEnv))
	diags = append(diags, decoded.res.diags...)
	want := []namedDiag{
		{6, "service_plan r1/B", "resources.disk_space", `duplicate key "disk_space"`},
		{7, "service_plan r1/B", "resources.websites", "unsupported YAML tag !!binary"},
		{8, "service_plan r1/B", "resources", "a mapping key must be a string"},
		{11, "subscription a.example", "plan", "unsupported YAML tag !!set"},
		{14, "subscription b.example", "addons[1]", "merge keys (<<) are not supported"},
		{17, "server", "components", `duplicate key "components"`},
		{20, "customer jdoe", "login", `duplicate key "login"`},
	}
	checkNamedDiags(t, diags, want)
}
