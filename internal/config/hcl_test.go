package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plansync/plansync/internal/diag"
)

// specHCL is the example of SPEC §2.10 written out in full (the spec's
// HCL half leaves out server and customers).
const specHCL = `server {
  components = ["php8.2", "php8.3", "php-fpm", "postfix", "roundcube", "spamassassin"]
}
service_plan "Business" {
  resources {
    disk_space = "10GiB"
    traffic    = "100GiB"
    mailboxes  = 100
    expiration = "1y"
  }
  permissions {
    manage_php_settings = true
  }
  hosting {
    php_version = "8.3"
    php_handler = "fpm"
    ssl         = true
  }
  services = ["premium-support"]
}
customer "jdoe" {
  name     = "John Doe"
  email    = "john@doe.example"
  password = env("JDOE_PASSWORD")
}
subscription "doe.example" {
  customer = "jdoe"
  plan     = "Business"
  addons   = ["Extra Storage"]
}
`

func TestSpecExampleSameTree(t *testing.T) {
	y := wtParse(t, "example.yaml", specYAML)
	h := wtParse(t, "example.hcl", specHCL)
	if diff := cmp.Diff(wtStrip(y), wtStrip(h)); diff != "" {
		t.Errorf("YAML and HCL trees differ (-yaml +hcl):\n%s", diff)
	}
	want := wtMap(
		"server", wtMap("components", wtList(wtStr("php8.2"), wtStr("php8.3"), wtStr("php-fpm"), wtStr("postfix"), wtStr("roundcube"), wtStr("spamassassin"))),
		"service_plans", wtList(wtMap(
			"name", wtStr("Business"),
			"resources", wtMap("disk_space", wtStr("10GiB"), "traffic", wtStr("100GiB"), "mailboxes", wtInt("100"), "expiration", wtStr("1y")),
			"permissions", wtMap("manage_php_settings", wtBool("true")),
			"hosting", wtMap("php_version", wtStr("8.3"), "php_handler", wtStr("fpm"), "ssl", wtBool("true")),
			"services", wtList(wtStr("premium-support")),
		)),
		"customers", wtList(wtMap(
			"login", wtStr("jdoe"),
			"name", wtStr("John Doe"),
			"email", wtStr("john@doe.example"),
			"password", wtMap("env", wtStr("JDOE_PASSWORD")),
		)),
		"subscriptions", wtList(wtMap(
			"domain", wtStr("doe.example"),
			"customer", wtStr("jdoe"),
			"plan", wtStr("Business"),
			"addons", wtList(wtStr("Extra Storage")),
		)),
	)
	if diff := cmp.Diff(want, wtStrip(h)); diff != "" {
		t.Errorf("HCL tree (-want +got):\n%s", diff)
	}
}

// TestSpecExampleAsWritten parses the spec's HCL half exactly as the spec
// prints it and compares it with the matching part of the YAML half.
func TestSpecExampleAsWritten(t *testing.T) {
	const hclPart = `service_plan "Business" {
  resources {
    disk_space = "10GiB"
    traffic    = "100GiB"
    mailboxes  = 100
    expiration = "1y"
  }
  permissions {
    manage_php_settings = true
  }
  hosting {
    php_version = "8.3"
    php_handler = "fpm"
    ssl         = true
  }
  services = ["premium-support"]
}
subscription "doe.example" {
  customer = "jdoe"
  plan     = "Business"
  addons   = ["Extra Storage"]
}
`
	y := wtStrip(wtParse(t, "example.yaml", specYAML))
	y.Entries = []Entry{y.Entries[1], y.Entries[3]} // service_plans, subscriptions
	h := wtStrip(wtParse(t, "example.hcl", hclPart))
	if diff := cmp.Diff(y, h); diff != "" {
		t.Errorf("trees differ (-yaml +hcl):\n%s", diff)
	}
}

func TestHCLTree(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want *Node
	}{
		{"empty", "", wtMap()},
		{"comments only", "# a\n// b\n/* c */\n", wtMap()},
		{
			"literals",
			`server {
  s = "text"
  e = ""
  i = 100
  f = 8.3
  x = 1e3
  n = -5
  m = -2.5
  p = (7)
  t = true
  u = false
  z = null
  esc = "a\nb $${not} %%{not}"
  h = <<EOT
hello
  there
EOT
  ih = <<-EOT
    indented
    EOT
}
`,
			wtMap("server", wtMap(
				"s", wtStr("text"), "e", wtStr(""), "i", wtInt("100"), "f", wtFloat("8.3"),
				"x", wtFloat("1e3"), "n", wtInt("-5"), "m", wtFloat("-2.5"), "p", wtInt("7"),
				"t", wtBool("true"), "u", wtBool("false"), "z", wtNull(),
				"esc", wtStr("a\nb ${not} %{not}"),
				"h", wtStr("hello\n  there\n"),
				"ih", wtStr("indented\n"),
			)),
		},
		{
			// A file checked out with CRLF line ends (git on Windows)
			// means the same text as with LF, as in YAML; a \r written
			// as an escape in a quoted string stays.
			"heredocs with CRLF line ends",
			"server {\r\n  h = <<EOT\r\nhello\r\n  there\r\nEOT\r\n  ih = <<-EOT\r\n    indented\r\n    EOT\r\n  q = \"a\\r\\nb\"\r\n}\r\n",
			wtMap("server", wtMap(
				"h", wtStr("hello\n  there\n"),
				"ih", wtStr("indented\n"),
				"q", wtStr("a\r\nb"),
			)),
		},
		{
			"tuples and objects",
			`server {
  l = [1, "a", [], {}]
  o = { b = 1, "a-b" = "x", c: [true], true = 1, null = 2 }
}
`,
			wtMap("server", wtMap(
				"l", wtList(wtInt("1"), wtStr("a"), wtList(), wtMap()),
				"o", wtMap("b", wtInt("1"), "a-b", wtStr("x"), "c", wtList(wtBool("true")), "true", wtInt("1"), "null", wtInt("2")),
			)),
		},
		{
			"secrets",
			`customer "jdoe" {
  password = env("JDOE_PASSWORD")
}
reseller "r1" {
  password = file("secrets/r1.txt")
}
`,
			wtMap(
				"customers", wtList(wtMap("login", wtStr("jdoe"), "password", wtMap("env", wtStr("JDOE_PASSWORD")))),
				"resellers", wtList(wtMap("login", wtStr("r1"), "password", wtMap("file", wtStr("secrets/r1.txt")))),
			),
		},
		{
			"kinds accumulate, lists in order of first block",
			`subscription "b.example" { plan = "P" }
customer "c1" {}
subscription "a.example" { plan = "Q" }
server {}
service "svc" {}
service_plan "P" {}
addon_plan "A" {}
reseller_plan "R" {}
subscriber_settings "a.example" {}
`,
			wtMap(
				"subscriptions", wtList(
					wtMap("domain", wtStr("b.example"), "plan", wtStr("P")),
					wtMap("domain", wtStr("a.example"), "plan", wtStr("Q")),
				),
				"customers", wtList(wtMap("login", wtStr("c1"))),
				"server", wtMap(),
				"services", wtList(wtMap("name", wtStr("svc"))),
				"service_plans", wtList(wtMap("name", wtStr("P"))),
				"addon_plans", wtList(wtMap("name", wtStr("A"))),
				"reseller_plans", wtList(wtMap("name", wtStr("R"))),
				"subscriber_settings", wtList(wtMap("domain", wtStr("a.example"))),
			),
		},
		{
			"nested blocks, attributes and blocks in source order",
			`server {
  components = ["php8.3"]
  extension "wp-toolkit" {
    service "backup" {
      description = "Backups"
      button {
        url = "https://x.example"
      }
    }
  }
  default_plan = "Default"
  extension "seo" {}
}
`,
			wtMap("server", wtMap(
				"components", wtList(wtStr("php8.3")),
				"extensions", wtList(
					wtMap("name", wtStr("wp-toolkit"), "services", wtList(wtMap(
						"name", wtStr("backup"),
						"description", wtStr("Backups"),
						"button", wtMap("url", wtStr("https://x.example")),
					))),
					wtMap("name", wtStr("seo")),
				),
				"default_plan", wtStr("Default"),
			)),
		},
		{
			"subscription customize",
			`subscription "doe.example" {
  plan = "none"
  customize {
    resources { disk_space = "20GiB" }
    hosting {
      php_settings = { memory_limit = "256M" }
    }
  }
}
`,
			wtMap("subscriptions", wtList(wtMap(
				"domain", wtStr("doe.example"),
				"plan", wtStr("none"),
				"customize", wtMap(
					"resources", wtMap("disk_space", wtStr("20GiB")),
					"hosting", wtMap("php_settings", wtMap("memory_limit", wtStr("256M"))),
				),
			))),
		},
		{
			"bare identifier label",
			"service_plan Business {}\n",
			wtMap("service_plans", wtList(wtMap("name", wtStr("Business")))),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := wtParse(t, "t.hcl", tc.src)
			if diff := cmp.Diff(tc.want, wtStrip(got)); diff != "" {
				t.Errorf("tree (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHCLPositions(t *testing.T) {
	const file = "conf/example.hcl"
	root := wtParse(t, file, specHCL)
	plan := func(r *Node) *Node { return r.Get("service_plans").Items[0] }
	sub := func(r *Node) *Node { return r.Get("subscriptions").Items[0] }
	wtCheckPositions(t, file, specHCL, root, []wtPos{
		{"server key", func(r *Node) diag.Range { return wtKey(r, "server") }, 1, "server"},
		{"server body", func(r *Node) diag.Range { return r.Get("server").Range }, 1, "{"},
		{"second component", func(r *Node) diag.Range { return r.Get("server").Get("components").Items[1].Range }, 2, `"php8.3"`},
		{"plan list key", func(r *Node) diag.Range { return wtKey(r, "service_plans") }, 4, "service_plan"},
		{"plan item", func(r *Node) diag.Range { return plan(r).Range }, 4, "service_plan"},
		{"plan name key is the label", func(r *Node) diag.Range { return wtKey(plan(r), "name") }, 4, `"Business"`},
		{"plan name value is the label", func(r *Node) diag.Range { return plan(r).Get("name").Range }, 4, `"Business"`},
		{"resources key", func(r *Node) diag.Range { return wtKey(plan(r), "resources") }, 5, "resources"},
		{"mailboxes key", func(r *Node) diag.Range { return wtKey(plan(r).Get("resources"), "mailboxes") }, 8, "mailboxes"},
		{"mailboxes value", func(r *Node) diag.Range { return plan(r).Get("resources").Get("mailboxes").Range }, 8, "100"},
		{"php_version value", func(r *Node) diag.Range { return plan(r).Get("hosting").Get("php_version").Range }, 15, `"8.3"`},
		{"env call", func(r *Node) diag.Range { return r.Get("customers").Items[0].Get("password").Range }, 24, "env"},
		{"env key", func(r *Node) diag.Range { return wtKey(r.Get("customers").Items[0].Get("password"), "env") }, 24, "env"},
		{"env name", func(r *Node) diag.Range { return r.Get("customers").Items[0].Get("password").Get("env").Range }, 24, `"JDOE`},
		{"domain label", func(r *Node) diag.Range { return sub(r).Get("domain").Range }, 26, `"doe.example"`},
		{"addons key", func(r *Node) diag.Range { return wtKey(sub(r), "addons") }, 29, "addons"},
		{"addon", func(r *Node) diag.Range { return sub(r).Get("addons").Items[0].Range }, 29, `"Extra`},
	})
}

func TestHCLErrors(t *testing.T) {
	wtRunErrCases(t, "bad.hcl", []wtErrCase{
		// Values that HCL reads as something else when not quoted: the
		// error says to quote them.
		{name: "unquoted date", src: "subscription \"a.example\" {\n  plan = \"P\"\n  expires = 2027-01-31\n}\n", want: `a date is a string in HCL: write "2027-01-31"`, line: 3, col: 13},
		{name: "unquoted date and time", src: "subscription \"a.example\" {\n  plan = \"P\"\n  expires = 2027-01-31T10:00:00Z\n}\n", want: `a date is a string in HCL: write "2027-01-31T10:00:00Z"`, line: 3},
		{name: "unquoted date and time in lower case", src: "subscription \"a.example\" {\n  plan = \"P\"\n  expires = 2027-01-31t10:00:00z\n}\n", want: `a date is a string in HCL: write "2027-01-31t10:00:00z"`, line: 3},
		{name: "unquoted date and time with offset", src: "subscription \"a.example\" {\n  plan = \"P\"\n  expires = 2027-01-31T10:00:00+02:00\n}\n", want: `a date is a string in HCL: write "2027-01-31T10:00:00+02:00"`, line: 3},
		{name: "unquoted size", src: "service_plan \"P\" {\n  resources {\n    disk_space = 10GiB\n  }\n}\n", want: `sizes and durations are strings in HCL: write "10GiB"`, line: 3, col: 20},
		{name: "unquoted duration", src: "service_plan \"P\" {\n  resources {\n    expiration = 1y\n  }\n}\n", want: `write "1y"`, line: 3, col: 19},
		{name: "unquoted traffic", src: "service_plan \"P\" {\n  resources {\n    traffic = 1.5TB/mo\n  }\n}\n", want: `write "1.5TB/mo"`, line: 3, col: 18},
		{name: "unknown block type", src: "server {}\nwidget \"x\" {}\n", want: `unknown block type "widget": expected one of server, addon_plan`, line: 2, col: 1},
		{name: "kind without label", src: "subscription {\n}\n", want: "takes exactly one label, its domain", line: 1, col: 1},
		{name: "kind with two labels", src: "customer \"a\" \"b\" {}\n", want: "takes exactly one label, its login", line: 1, col: 14},
		{name: "server with two labels", src: "server \"x\" \"y\" {}\n", want: "server block takes at most one label", line: 1, col: 12},
		{name: "second server", src: "server {}\n\nserver {}\n", want: "duplicate server block", line: 3, col: 1, related: true},
		{name: "top-level attribute", src: "\n  plan = \"x\"\n", want: `attribute "plan" is not allowed at the top level`, line: 2, col: 3},
		{name: "interpolation", src: "subscription \"a\" {\n  plan = \"${var.plan}\"\n}\n", want: "only literal values are allowed: string interpolation", line: 2, col: 10},
		{name: "interpolation in text", src: "subscription \"a\" {\n  plan = \"x-${p}\"\n}\n", want: "only literal values are allowed", line: 2, col: 15},
		{name: "template directive", src: "subscription \"a\" {\n  plan = \"%{if true}x%{endif}\"\n}\n", want: "only literal values are allowed", line: 2},
		{name: "interpolation in heredoc", src: "subscription \"a\" {\n  plan = <<EOT\n${x}\nEOT\n}\n", want: "only literal values are allowed", line: 3},
		{name: "variable", src: "subscription \"a\" {\n  plan = var.plan\n}\n", want: "a variable reference", line: 2, col: 10},
		{name: "bare word", src: "subscription \"a\" {\n  plan = Business\n}\n", want: `quote it: "Business"`, line: 2, col: 10},
		{name: "function", src: "subscription \"a\" {\n  plan = upper(\"x\")\n}\n", want: "function upper()", line: 2, col: 10},
		{name: "operator", src: "server {\n  x = 1 + 2\n}\n", want: "an operator", line: 2, col: 7},
		{name: "not", src: "server {\n  x = !true\n}\n", want: "an operator", line: 2, col: 7},
		{name: "negate string", src: "server {\n  x = -\"1\"\n}\n", want: "an operator", line: 2, col: 7},
		{name: "conditional", src: "server {\n  x = true ? 1 : 2\n}\n", want: "a conditional expression", line: 2, col: 7},
		{name: "for", src: "server {\n  x = [for v in [1] : v]\n}\n", want: "a for expression", line: 2, col: 7},
		{name: "index", src: "server {\n  x = [1][0]\n}\n", want: "an index or attribute access", line: 2, col: 7},
		{name: "splat", src: "server {\n  x = [{a = 1}][*].a\n}\n", want: "an index or attribute access", line: 2, col: 7},
		{name: "env two arguments", src: "customer \"c\" {\n  password = env(\"A\", \"B\")\n}\n", want: `env() takes one literal string: env("NAME")`, line: 2, col: 14},
		{name: "env no argument", src: "customer \"c\" {\n  password = env()\n}\n", want: "env() takes one literal string", line: 2, col: 14},
		{name: "file not a string", src: "customer \"c\" {\n  password = file(1)\n}\n", want: `file() takes one literal string: file("path")`, line: 2, col: 14},
		{name: "env expanded", src: "customer \"c\" {\n  password = env([\"A\"]...)\n}\n", want: "env() takes one literal string", line: 2, col: 14},
		{name: "env interpolated", src: "customer \"c\" {\n  password = env(\"${x}\")\n}\n", want: "string interpolation", line: 2, col: 18},
		{name: "duplicate attribute", src: "server {\n  a = 1\n  a = 2\n}\n", want: `"a" is set twice`, line: 3, col: 3, related: true},
		{name: "duplicate nested block", src: "server {\n  hosting {}\n  hosting {}\n}\n", want: `"hosting" is set twice`, line: 3, col: 3, related: true},
		{name: "attribute then block", src: "server {\n  hosting = {}\n  hosting {}\n}\n", want: `"hosting" is set twice`, line: 3, col: 3, related: true},
		{name: "block then attribute", src: "server {\n  hosting {}\n  hosting = {}\n}\n", want: `"hosting" is set twice`, line: 3, col: 3, related: true},
		{name: "labeled block and list attribute", src: "server {\n  extensions = []\n  extension \"x\" {}\n}\n", want: `"extensions" is set twice`, line: 3, col: 3, related: true},
		{name: "list attribute after labeled blocks", src: "server {\n  extension \"x\" {}\n  extensions = []\n}\n", want: `"extensions" is set twice`, line: 3, col: 3, related: true},
		{name: "label and attribute", src: "subscription \"a.example\" {\n  domain = \"b.example\"\n}\n", want: `"domain" is set twice`, line: 2, col: 3, related: true},
		{name: "nested block with two labels", src: "server {\n  extension \"a\" \"b\" {}\n}\n", want: "takes at most one label", line: 2, col: 17},
		{name: "duplicate object key", src: "server {\n  o = {\n    a = 1\n    \"a\" = 2\n  }\n}\n", want: `duplicate key "a"`, line: 4, col: 5, related: true},
		{name: "computed object key", src: "server {\n  o = { (k) = 1 }\n}\n", want: "a computed key", line: 2, col: 9},
		{name: "dotted object key", src: "server {\n  o = { a.b = 1 }\n}\n", want: "this object key", line: 2, col: 9},
		{name: "syntax error", src: "server {\n  a = \n}\n", want: "Invalid expression", line: 2},
		{name: "unclosed block", src: "server {\n  a = 1\n", want: "Unclosed configuration block", line: 1, col: 8},
		{name: "bad token", src: "server {\n  a = 1\n}\n@\n", want: "", line: 4, col: 1},
	})
}

// A value the HCL reader refuses (an expression, a duplicate) is
// reported with the object and path it belongs to, as the decoder
// reports a value it refuses: the same object address for both.
// TestHCLUnquotedValueHint: a size, traffic or duration written without
// quotes is an error that says to quote the whole value as written: a
// combined duration (1y6mo) whole, a sign kept. A number HCL stops
// reading for another reason (0x10, 1abc2) is no size or duration: no
// such advice, which would name a fragment of it.
func TestHCLUnquotedValueHint(t *testing.T) {
	const hint = "sizes and durations are strings in HCL"
	for _, tc := range []struct{ attr, value, want string }{
		{"disk_space", "10GiB", `write "10GiB"`},
		{"traffic", "100GiB/mo", `write "100GiB/mo"`},
		{"expiration", "1y", `write "1y"`},
		{"expiration", "1y6mo", `write "1y6mo"`},
		{"expiration", "1y6mo15d", `write "1y6mo15d"`},
		{"expiration", "6mo15d", `write "6mo15d"`},
		{"disk_space", "-5GiB", `write "-5GiB"`},
		{"websites", "0x10", ""},
		{"websites", "0o17", ""},
		{"websites", "1abc2", ""},
		{"disk_space", "10GiB2", ""},
	} {
		src := "service_plan \"P\" {\n  resources {\n    " + tc.attr + " = " + tc.value + "\n  }\n}\n"
		_, diags := ParseFile("bad.hcl", "bad.hcl", []byte(src))
		if !diags.HasErrors() {
			t.Errorf("%s = %s: no error", tc.attr, tc.value)
			continue
		}
		var text []string
		for _, d := range diags {
			text = append(text, d.Summary+": "+d.Detail)
		}
		all := strings.Join(text, "\n")
		switch {
		case tc.want == "" && strings.Contains(all, hint):
			t.Errorf("%s = %s: advice to quote a fragment:\n%s", tc.attr, tc.value, all)
		case tc.want != "" && !strings.Contains(all, hint+": "+tc.want):
			t.Errorf("%s = %s: want %q:\n%s", tc.attr, tc.value, tc.want, all)
		}
	}
}

func TestHCLErrorsNameTheObject(t *testing.T) {
	const src = `service_plan "Business" {
  resources {
    websites   = 1 + 2
    disk_space = tenGiB
    mailboxes  = "many"
  }
  services = ["a", upper("b")]
}
service_plan "Web" {
  owner     = "r1"
  resources = { websites = 1, "websites" = 2 }
}
customer "JDoe" {
  password = env(NAME)
}
server "web1" {
  labels = { tier = "${t}" }
  extension "x" {
    services = [x]
  }
}
server {
  hosting {}
  hosting {}
}
subscription "A.example" {
  plan = "${p}"
}
`
	f, diags := ParseFile("a.hcl", "a.hcl", []byte(src))
	decoded := DecodeFile(f, dtOptions(dtEnv))
	diags = append(diags, decoded.res.diags...)
	want := []namedDiag{
		{3, "service_plan Business", "resources.websites", "an operator"},
		{4, "service_plan Business", "resources.disk_space", "a variable reference"},
		{5, "service_plan Business", "resources.mailboxes", `expected a count`}, // the decoder's
		{7, "service_plan Business", "services[1]", "function upper()"},
		{11, "service_plan r1/Web", "resources.websites", `duplicate key "websites"`},
		{14, "customer jdoe", "password", "env() takes one literal string"},
		{17, "server web1", "labels.tier", "string interpolation"},
		{19, "server web1", "extensions[0].services[0]", "a variable reference"},
		{24, "server", "hosting", `"hosting" is set twice`},
		{27, "subscription a.example", "plan", "string interpolation"},
	}
	checkNamedDiags(t, diags, want)
}

// namedDiag is a diagnostic a reader's error must give: at line, naming
// object and path, its summary holding text.
type namedDiag struct {
	line       int
	object     string
	path, text string
}

// checkNamedDiags checks that each of want is among diags, naming its
// object and path, and that a refused value is reported once: its field
// is not said to be missing too.
func checkNamedDiags(t *testing.T, diags diag.Diagnostics, want []namedDiag) {
	t.Helper()
	for _, w := range want {
		found := false
		for _, d := range diags {
			if d.Subject.Start.Line == w.line && strings.Contains(d.Summary, w.text) {
				found = true
				if d.Object != w.object || d.Path != w.path {
					t.Errorf("line %d: object %q path %q, want %q %q (%v)", w.line, d.Object, d.Path, w.object, w.path, d)
				}
			}
		}
		if !found {
			t.Errorf("no diagnostic at line %d mentions %q:\n%v", w.line, w.text, diags)
		}
	}
	for _, d := range diags {
		if strings.Contains(d.Summary, "missing required field") {
			t.Errorf("a refused value is also said to be missing: %v", d)
		}
	}
}

// TestHCLNotUTF8: a file that is not UTF-8 text (binary, or another
// encoding) is one error at its first invalid byte, not one for each
// byte the parser cannot read (a few kilobytes of binary gave hundreds).
func TestHCLNotUTF8(t *testing.T) {
	src := []byte("customer \"a\" {\n  name = \"é\"\n}\n\"é\xff")
	for i := range 3000 {
		src = append(src, byte(i*7+0x80), '~', '\x01')
	}
	ds := HCLSyntax("bad.hcl", src)
	if len(ds) != 1 {
		t.Fatalf("%d diagnostics, want 1: %v", len(ds), ds[:min(len(ds), 3)])
	}
	d := ds[0]
	if d.Subject.Start.Line != 4 || d.Subject.Start.Column != 3 || !strings.Contains(d.Error(), "not UTF-8") || !strings.Contains(d.Error(), "0xff") {
		t.Errorf("diagnostic: %v, want one at bad.hcl:4:3 naming byte 0xff", d)
	}
}

// TestHCLNotUTF8Column: the column of the first invalid byte is counted
// as the parser counts its own (a UTF-8 byte order mark, which the
// parser skips, is no column), so a file saved with a BOM is not
// pointed one column past its byte on line 1.
func TestHCLNotUTF8Column(t *testing.T) {
	for _, tc := range []struct {
		src       string
		line, col int
	}{
		{"service_plan \"B\" { description = \"caf\xe9\" }\n", 1, 38},
		{"\xef\xbb\xbfservice_plan \"B\" { description = \"caf\xe9\" }\n", 1, 38},
		{"\xef\xbb\xbf# é\r\nservice_plan \"B\" { description = \"日本\xe9\" }\n", 2, 37},
		// e and a combining acute accent are one column, as the parser
		// counts them.
		{"service_plan \"Be\xcc\x81\" { \xe9escriptio = \"x\" }\n", 1, 21},
	} {
		ds := HCLSyntax("bad.hcl", []byte(tc.src))
		if len(ds) != 1 || ds[0].Subject.Start.Line != tc.line || ds[0].Subject.Start.Column != tc.col {
			t.Errorf("%q: %v, want one error at bad.hcl:%d:%d", tc.src, ds, tc.line, tc.col)
		}
	}
}
