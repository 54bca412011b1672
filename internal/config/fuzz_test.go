package config

import (
	"strings"
	"testing"
)

// More seeds live in testdata/fuzz/FuzzYAML and testdata/fuzz/FuzzHCL.

func FuzzYAML(f *testing.F) {
	for _, s := range []string{
		specYAML,
		"",
		"# only a comment\n",
		"---\n",
		"a: 1\n---\nb: 2\n",
		"a: [1, 2\n",
		"a: b: c\n",
		"\ta: 1\n",
		"a: 1\na: 2\n",
		"a: &x [1, *x]\n",
		"a: &x {k: v}\nb: *x\nc: [*x, *x]\n",
		"<<: {a: 1}\n",
		"1: x\n? [a]\n: y\n",
		"x: !env FOO\ny: !!binary aGk=\n",
		"d: 2027-01-31\nf: 8.3\nb: True\nn: ~\n",
		"- a\n- b\n",
		"a: |\n  text\n",
		"a: '\n",
		"\"\\x\"",
		"{a: 1, b}",
		wtAliasBomb(),
		"a: " + strings.Repeat("[", 70) + strings.Repeat("]", 70) + "\n",
		"a: " + strings.Repeat("{b: ", 66) + "1" + strings.Repeat("}", 66) + "\n",
		"a: '" + strings.Repeat("[", 70) + "'\n# " + strings.Repeat("{", 70) + "\n",
		"service_plans:\n  - name: A\n    resources: {disk_space: 9223372036854775807, mailboxes: 0x10, traffic: 9PiB/mo, expiration: 0d}\n",
		"subscriptions:\n  - {domain: a.example, plan: none, expires: 0000-01-01}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		wtFuzzCheck(t, "fuzz.yaml", src)
	})
}

func FuzzHCL(f *testing.F) {
	for _, s := range []string{
		specHCL,
		"",
		"# only a comment\n",
		"server {\n  a = 1\n  a = 2\n}\n",
		"server {\n",
		"widget \"x\" {}\nsubscription {}\ncustomer \"a\" \"b\" {}\n",
		"plan = \"x\"\n",
		"server {\n  x = \"${a}\"\n  y = var.b\n  z = upper(\"c\")\n  w = 1 + 2\n  v = true ? 1 : 2\n  u = [for i in [1] : i]\n}\n",
		"customer \"c\" {\n  password = env(\"A\")\n  other = file(\"p\", \"q\")\n}\n",
		"server {\n  o = { a = 1, \"a\" = 2, (k) = 3, b.c = 4 }\n}\n",
		"server {\n  extension \"a\" { service \"s\" {} }\n  extensions = []\n  h {}\n  h {}\n}\n",
		"server {\n  h = <<EOT\nhello\nEOT\n  n = -5\n  f = 1.5e3\n  z = null\n}\n",
		"server {\n  a = \n}\n",
		"@",
		"server {\n  a = " + strings.Repeat("[", 70) + strings.Repeat("]", 70) + "\n}\n",
		"server " + strings.Repeat("{\n a ", 70),
		"server {\n  h = <<EOT\n" + strings.Repeat("[", 70) + "\nEOT\n  d = \"" + strings.Repeat("{", 70) + "\"\n}\n",
		"service_plan \"A\" {\n  resources {\n    disk_space = 9223372036854775807\n    expiration = \"9999y\"\n  }\n}\n",
		"server {\n  a = " + strings.Repeat("- ", 70) + "1\n  b = " + strings.Repeat("true ? ", 70) + "1" + strings.Repeat(" : 2", 70) + "\n}\n",
		"server {\n  a = <<A\n" + strings.Repeat("${<<A\n", 70) + "}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		wtFuzzCheck(t, "fuzz.hcl", src)
	})
}

// wtFuzzCheck parses src and checks what must hold for any input: no
// panic, a map root, a well-formed tree and diagnostics that say where.
func wtFuzzCheck(t *testing.T, name string, src []byte) {
	file, diags := ParseFile(name, name, src)
	if file == nil || file.Root == nil || file.Root.Kind != MapNode {
		t.Fatalf("ParseFile returned %+v, want a file with a map root", file)
	}
	for _, d := range diags {
		if d.Subject.File != name || d.Subject.Start.Line < 1 || d.Subject.Start.Column < 1 {
			t.Fatalf("diagnostic without a place: %#v", d)
		}
		for _, r := range d.Related {
			if r.File != name || r.Start.Line < 1 {
				t.Fatalf("related place missing: %#v", d)
			}
		}
		if d.Summary == "" {
			t.Fatalf("diagnostic without a summary: %#v", d)
		}
	}
	wtCheckTree(t, name, file.Root)
}
