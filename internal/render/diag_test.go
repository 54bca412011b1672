package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/plansync/plansync/internal/diag"
)

func at(file string, line, col, endLine, endCol int) diag.Range {
	return diag.Range{File: file, Start: diag.Pos{Line: line, Column: col}, End: diag.Pos{Line: endLine, Column: endCol}}
}

func TestDiagnosticsTextSnippets(t *testing.T) {
	files := map[string]string{
		"a.yaml": "plans:\n  - name: Business\n    disk_spaec: 1GiB\n",
		"b.hcl":  "plan \"x\" {\n\thosting {\n\t\tphp = 8.4\n\t}\n}\n",
		"c.yaml": "name: Ünïcode – ok\r\nnext: 1\r\n",
		"d.yaml": "name: ビジネス\nsize: 十GiB x\n",
		"e.yaml": "name: ビジネス: x\n",
	}
	readCount := map[string]int{}
	read := func(name string) ([]byte, error) {
		readCount[name]++
		if s, ok := files[name]; ok {
			return []byte(s), nil
		}
		return nil, errors.New("no such file")
	}
	ds := diag.Diagnostics{
		{Severity: diag.Error, Summary: "unknown field", Subject: at("a.yaml", 3, 5, 3, 5)},
		{Severity: diag.Error, Summary: "a block is not allowed", Subject: at("b.hcl", 3, 3, 3, 12)},
		{Severity: diag.Error, Summary: "spans lines", Subject: at("b.hcl", 2, 2, 4, 3)},
		{Severity: diag.Error, Summary: "after a multibyte text", Subject: at("c.yaml", 1, 16, 1, 18)},
		{Severity: diag.Error, Summary: "after wide characters", Subject: at("d.yaml", 1, 7, 1, 11)},
		{Severity: diag.Error, Summary: "from a wide character", Subject: at("d.yaml", 2, 7, 2, 11)},
		{Severity: diag.Error, Summary: "behind wide characters", Subject: at("e.yaml", 1, 13, 1, 14)},
		{Severity: diag.Error, Summary: "past the end", Subject: at("a.yaml", 9, 1, 9, 1)},
		{Severity: diag.Error, Summary: "unreadable", Subject: at("gone.yaml", 1, 1, 1, 1)},
		{Severity: diag.Error, Summary: "no place"},
		{Severity: diag.Warning, Summary: "a warning", Subject: at("a.yaml", 2, 5, 2, 5)},
	}
	var out bytes.Buffer
	if err := DiagnosticsText(&out, ds, read); err != nil {
		t.Fatal(err)
	}
	want := "a.yaml:3:5: error: unknown field\n" +
		"  3 |     disk_spaec: 1GiB\n" +
		"    |     ^\n" +
		"b.hcl:3:3: error: a block is not allowed\n" +
		"  3 | \t\tphp = 8.4\n" +
		"    | \t\t^^^^^^^^^\n" +
		"b.hcl:2:2: error: spans lines\n" +
		"  2 | \thosting {\n" +
		"    | \t^\n" +
		"c.yaml:1:16: error: after a multibyte text\n" +
		"  1 | name: Ünïcode – ok\n" +
		"    |                ^^\n" +
		"d.yaml:1:7: error: after wide characters\n" +
		"  1 | name: ビジネス\n" +
		"    |       ^^^^^^^^\n" +
		"d.yaml:2:7: error: from a wide character\n" +
		"  2 | size: 十GiB x\n" +
		"    |       ^^^^^\n" +
		"e.yaml:1:13: error: behind wide characters\n" +
		"  1 | name: ビジネス: x\n" +
		"    |                 ^\n" +
		"a.yaml:9:1: error: past the end\n" +
		"gone.yaml:1:1: error: unreadable\n" +
		"Error: no place\n" +
		"a.yaml:2:5: warning: a warning\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
	for name, n := range readCount {
		if n != 1 {
			t.Errorf("%s read %d times", name, n)
		}
	}
}

func TestDiagnosticsJSON(t *testing.T) {
	ds := diag.Diagnostics{
		{Severity: diag.Error, Summary: "unknown field", Detail: "valid fields: a, b", Subject: at("a.yaml", 3, 5, 3, 5),
			Object: "service_plan Business", Path: "resources.disk_spaec"},
		{Severity: diag.Warning, Summary: "no place"},
	}
	var out bytes.Buffer
	if err := DiagnosticsJSON(&out, ds); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"format_version": "1",
		"diagnostics": []any{
			map[string]any{"severity": "error", "summary": "unknown field", "detail": "valid fields: a, b",
				"file": "a.yaml", "line": 3.0, "column": 5.0, "object": "service_plan Business", "path": "resources.disk_spaec"},
			map[string]any{"severity": "warning", "summary": "no place", "detail": "",
				"file": "", "line": 0.0, "column": 0.0, "object": ""},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("document (-want +got):\n%s", diff)
	}
	out.Reset()
	if err := DiagnosticsJSON(&out, nil); err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"format_version\": \"1\",\n  \"diagnostics\": []\n}\n"; out.String() != want {
		t.Errorf("no diagnostics: %q, want %q", out.String(), want)
	}
}

// A line that may hold a password in clear is never shown; a line with
// control characters is shown escaped, without a caret; the message too
// is escaped.
func TestDiagnosticsTextSecretsAndControls(t *testing.T) {
	files := map[string]string{
		"s.yaml": "customers:\n  - {login: jd, password: hunter2, bogus: 1}\n",
		"k.hcl":  "key = \"abc\" bogus = 1\n",
		"c.yaml": "name: \"a\x1b[31mred\"\n",
	}
	read := func(name string) ([]byte, error) { return []byte(files[name]), nil }
	ds := diag.Diagnostics{
		{Severity: diag.Error, Summary: "unknown field bogus", Subject: at("s.yaml", 2, 38, 2, 43)},
		{Severity: diag.Error, Summary: "unknown field", Subject: at("k.hcl", 1, 13, 1, 18)},
		{Severity: diag.Error, Summary: "bad name \x1b[31m", Subject: at("c.yaml", 1, 7, 1, 8)},
	}
	var out bytes.Buffer
	if err := DiagnosticsText(&out, ds, read); err != nil {
		t.Fatal(err)
	}
	want := "s.yaml:2:38: error: unknown field bogus\n" +
		"k.hcl:1:13: error: unknown field\n" +
		"c.yaml:1:7: error: bad name \\x1b[31m\n" +
		"  1 | name: \"a\\x1b[31mred\"\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// A line is shown when what may name a secret on it is a field whose
// value is a reference ({env: NAME}, {file: path}, env("NAME"),
// file("path")), or a value on the lines below; not when a value is
// given in clear, nor anything else that may tell one.
func TestHoldsSecret(t *testing.T) {
	for line, want := range map[string]bool{
		`    password: {env: JDOE_PASSWORD}`:                               false,
		`    password: {file: secrets/jdoe.txt}  # rotated monthly`:        false,
		`  - {login: al, password: {file: missing.txt}, email: x}`:         false,
		`  plesk: {url: "ftp://plesk.example", key: {env: QA3_UNSET_KEY}}`: false,
		`  password = env("JDOE_PASSWORD")`:                                false,
		`    key      = file("keys/plesk.txt")`:                            false,
		`  {"login": "al", "password": {"env": "AL_PW"}}`:                  false,
		`    ftp_password:`:                                                false,
		`    email: not-an-email`:                                          false,
		`    password: hunter2`:                                            true,
		`  - {login: jd, password: hunter2, bogus: 1}`:                     true,
		`key = "abc" bogus = 1`:                                            true,
		`  password = "hunter2"`:                                           true,
		`    password: "{env: X}"`:                                         true,
		`  - {login: al, password: {env: AL}, ftp_password: hunter2}`:      true,
		`    email: x@y.example # the secret is hunter2`:                   true,
		`  "password": "hunter2"`:                                          true,
		`    secret_key: {env: K} , key: abc`:                              true,
		`    password: {env: PLANSYNC_T_K, value: hunter2-in-clear}`:       true,
		`    password: {file: pw.txt, password: hunter3-in-clear}`:         true,
		`    password: {env: "X", value: "hunter2"}`:                       true,
		`    password: {"file": 'pw.txt' hunter2}`:                         true,
		// A word that may name a secret is only a name or a value here:
		// the line carries no secret.
		`  - {name: secret-backup, bogus: 1}`:                  false,
		`  - name: Secret Plan`:                                false,
		`service_plan "Secret Plan" {`:                         false,
		`service "secret-backup" {`:                            false,
		`    services: [secret-backup, premium]`:               false,
		`    description: the key to a good password policy`:   false,
		`  description = "Passwords are rotated monthly"`:      false,
		`  - {login: keyholder, name: Key Accounts, email: x}`: false,
		`    description: key-value store`:                     false,
		`    url: https://plesk.example:8443/#secret`:          false,
		// ... but a field whose name says it holds a secret, given in
		// clear, is hidden; so is a comment that speaks of one.
		`    api_key: hunter2`:                                  true,
		`  api_key = "hunter2"`:                                 true,
		`    secret_token: hunter2`:                             true,
		`    ssh-key: hunter2`:                                  true,
		`    Password: hunter2`:                                 true,
		`  - {login: dee, bogus: 1}  # the password is hunter2`: true,
		`  bogus = 1 // key: hunter2`:                           true,
		`  bogus = 1 /* secret hunter2 */`:                      true,
	} {
		if got := holdsSecret(line); got != want {
			t.Errorf("holdsSecret(%q) = %v, want %v", line, got, want)
		}
	}
}

// A secret given in clear over several lines (an HCL heredoc, a YAML
// block scalar, a quoted or plain scalar continued, a flow collection
// left open) is hidden on every line it goes on over, not only on its
// field's; the lines after it are shown again, and so are a list item's
// sibling fields and a multi-line value that is no secret.
func TestDiagnosticsTextSecretOverLines(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		shown     []int // the lines shown under an error on each line
	}{
		{"hcl heredoc", "customer \"dee\" {\n  password = <<EOT\nhunter2${cd\n  hunter3\nEOT\n  email = \"x\"\n}\n", []int{1, 6, 7}},
		{"hcl indented heredoc", "server {\n  plesk {\n    key = <<-KEY_1\n      hunter2${\n      KEY_1\n    url = \"https://p.example\"\n  }\n}\n", []int{1, 2, 6, 7, 8}},
		{"hcl heredoc crlf", "customer \"dee\" {\r\n  password = <<EOT\r\nhunter2${\r\nEOT\r\n  email = \"x\"\r\n}\r\n", []int{1, 5, 6}},
		{"hcl object", "customer \"dee\" {\n  password = join(\"\", [\n  \"hunter1\",\n\"hunter2\"])\n  email = \"x\"\n}\n", []int{1, 5, 6}},
		{"hcl heredoc no secret", "service \"x\" {\n  description = <<EOT\n  text ${x\nEOT\n}\n", []int{1, 2, 3, 4, 5}},
		{"yaml block scalar", "customers:\n  - login: bob\n    password: |\n      hunter2\n\n      hunter3: [x\n    email: x\n", []int{1, 2, 7}},
		{"yaml folded scalar list item", "customers:\n  - password: >-\n      hunter2\n    login: bob\n  - login: al\n", []int{1, 4, 5}},
		{"yaml quoted continued", "customers:\n  - login: bob\n    password: \"hunter1\n      hunter2\\q\"\n    email: x\n", []int{1, 2, 5}},
		{"yaml quoted continued less indented", "customers:\n  - password: 'hunter1\n  hunter2''s\nhunter3'\n    login: bob\n", []int{1, 5}},
		{"yaml plain continued", "customers:\n  - login: bob\n    password: hunter1\n     hunter2: x\n    email: x\n", []int{1, 2, 5}},
		{"yaml flow mapping open", "customers:\n  - {login: cy, password: [hunter1,\n  \"hunter2\\q\"], email: x}\n  - {login: dee}\n", []int{1, 4}},
		{"yaml quoted continued after a #", "customers:\n  - {login: a, note: \"no #1\", password: \"hunter1\n  hunter2\"}\n  - {login: b}\n", []int{1, 4}},
		{"yaml value below", "customers:\n  - login: bob\n    password:\n      \"hunter2\\q\"\n    email: x\n", []int{1, 2, 3, 5}},
		{"yaml value below as a sequence", "customers:\n  - login: bob\n    password:\n    - hunter2\n    email: x\n", []int{1, 2, 3, 5}},
		{"yaml reference below", "customers:\n  - login: bob\n    password:\n      env: PW_BOB\n      value: hunter2\n    ftp_password:\n      {file: pw.txt}\n", []int{1, 2, 3, 4, 6, 7}},
		{"yaml no secret", "customers:\n  - login: bob\n    description: |\n      text\n      more\n    password: {env: PW}\n", []int{1, 2, 3, 4, 5, 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read := func(string) ([]byte, error) { return []byte(tc.src), nil }
			var ds diag.Diagnostics
			n := strings.Count(tc.src, "\n")
			for l := 1; l <= n; l++ {
				ds = append(ds, diag.Diagnostic{Severity: diag.Error, Summary: "bad", Subject: at("f", l, 1, l, 1)})
			}
			var out bytes.Buffer
			if err := DiagnosticsText(&out, ds, read); err != nil {
				t.Fatal(err)
			}
			var shown []int
			for l := 1; l <= n; l++ {
				if strings.Contains(out.String(), "\n  "+strconv.Itoa(l)+" | ") {
					shown = append(shown, l)
				}
			}
			if diff := cmp.Diff(tc.shown, shown); diff != "" {
				t.Errorf("lines shown (-want +got):\n%s\n%s", diff, out.String())
			}
			if strings.Contains(out.String(), "hunter") {
				t.Errorf("a secret is shown:\n%s", out.String())
			}
		})
	}
}

// A long source line (a minified or generated file, a huge value) is
// shown as the part around the error, not whole under every error.
func TestDiagnosticsTextLongLine(t *testing.T) {
	long := "name: " + strings.Repeat("x", 5000) + " bad: 1 " + strings.Repeat("y", 5000)
	col := len("name: ") + 5000 + 2 // "bad"
	files := map[string]string{
		"a.yaml": long + "\n",
		"b.yaml": strings.Repeat("z", 300) + "\n",
		"c.yaml": "a: \x01" + strings.Repeat("w", 3000) + "\n",
	}
	read := func(name string) ([]byte, error) { return []byte(files[name]), nil }
	ds := diag.Diagnostics{
		{Severity: diag.Error, Summary: "in the middle", Subject: at("a.yaml", 1, col, 1, col+3)},
		{Severity: diag.Error, Summary: "at the start", Subject: at("b.yaml", 1, 1, 1, 301)},
		{Severity: diag.Error, Summary: "past the end", Subject: at("b.yaml", 1, 301, 1, 301)},
		{Severity: diag.Error, Summary: "escaped", Subject: at("c.yaml", 1, 4, 1, 4)},
	}
	var out bytes.Buffer
	if err := DiagnosticsText(&out, ds, read); err != nil {
		t.Fatal(err)
	}
	mid := long[col-1-40 : col-1-40+120]
	want := "a.yaml:1:" + strconv.Itoa(col) + ": error: in the middle\n" +
		"  1 | …" + mid + "…\n" +
		"    |  " + strings.Repeat(" ", 40) + "^^^\n" +
		"b.yaml:1:1: error: at the start\n" +
		"  1 | " + strings.Repeat("z", 120) + "…\n" +
		"    | " + strings.Repeat("^", 120) + "\n" +
		"b.yaml:1:301: error: past the end\n" +
		"  1 | …" + strings.Repeat("z", 120) + "\n" +
		"    |  " + strings.Repeat(" ", 120) + "^\n" +
		"c.yaml:1:4: error: escaped\n" +
		"  1 | a: \\x01" + strings.Repeat("w", 116) + "…\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
}
