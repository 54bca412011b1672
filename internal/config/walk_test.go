package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plansync/plansync/internal/configfile"
)

// wtWrite creates files under dir; a value ending in "/" makes a
// directory, "->target" a symbolic link.
func wtWrite(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasPrefix(content, "->"):
			if err := os.Symlink(filepath.FromSlash(content[2:]), p); err != nil {
				t.Fatal(err)
			}
		case content == "/":
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// wtRels returns the Rel of each file, checking Path and Syntax.
func wtRels(t *testing.T, dir string, files []*File) []string {
	t.Helper()
	var rels []string
	for _, f := range files {
		rels = append(rels, f.Rel)
		if want := filepath.Join(dir, filepath.FromSlash(f.Rel)); f.Path != want {
			t.Errorf("%s: Path = %q, want %q", f.Rel, f.Path, want)
		}
		if want := configfile.Syntax(f.Rel); f.Syntax != want {
			t.Errorf("%s: Syntax = %q, want %q", f.Rel, f.Syntax, want)
		}
		if f.Root == nil || f.Root.Kind != MapNode {
			t.Errorf("%s: root %+v", f.Rel, f.Root)
		}
	}
	return rels
}

func TestParseDir(t *testing.T) {
	outside := t.TempDir()
	wtWrite(t, outside, map[string]string{
		"shared.yaml":        "customers: [{login: shared}]\n",
		"lib/plans.hcl":      "service_plan \"Shared\" {}\n",
		"lib/.hidden.yaml":   "x: [",
		"lib/deeper/a.yml":   "services: []\n",
		"lib/deeper/skip.md": "not config",
	})
	dir := t.TempDir()
	wtWrite(t, dir, map[string]string{
		"main.yaml":              "server: {}\n",
		"b.hcl":                  "server {}\n",
		"nested/one/two/c.yml":   "customers: []\n",
		"nested/d.hcl":           "customer \"d\" {}\n",
		"a.b/e.yaml":             "x: 1\n",
		".plansync/state.yaml":   "broken: [",
		".git/config.yaml":       "broken: [",
		".#main.yaml":            "->nowhere.yaml", // emacs lock: a dangling link
		".hidden.yaml":           "broken: [",
		"nested/.secret/x.hcl":   "broken {",
		"main.yaml~":             "broken: [",
		"nested/.main.yaml.swp":  "broken: [",
		"nested/main.yaml.swx":   "broken: [",
		"main.yaml.tmp":          "broken: [",
		"backup~/x.yaml":         "broken: [",
		"notes.txt":              "broken: [",
		"README.md":              "# readme",
		"empty/":                 "/",
		"linked.yaml":            "->" + filepath.Join(outside, "shared.yaml"),
		"lib":                    "->" + filepath.Join(outside, "lib"),
		"nested/loop":            "->..",              // a cycle back to the root
		"nested/one/two/up":      "->../../../nested", // a cycle to an ancestor
		"dangling":               "->missing-dir",
		"nested/again.yaml":      "->../main.yaml", // a file read once only
		"nested/one/sibling.yml": "services: []\n",
	})
	files, diags := ParseDir(dir)
	if len(diags) > 0 {
		t.Fatalf("diagnostics:\n%v", diags)
	}
	want := []string{
		"a.b/e.yaml",
		"b.hcl",
		"lib/deeper/a.yml",
		"lib/plans.hcl",
		"linked.yaml",
		"main.yaml",
		"nested/d.hcl",
		"nested/one/sibling.yml",
		"nested/one/two/c.yml",
	}
	if diff := cmp.Diff(want, wtRels(t, dir, files)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	for _, f := range files {
		if f.Rel == "linked.yaml" {
			got := wtStrip(f.Root)
			if diff := cmp.Diff(wtMap("customers", wtList(wtMap("login", wtStr("shared")))), got); diff != "" {
				t.Errorf("linked.yaml (-want +got):\n%s", diff)
			}
			if f.Root.Range.File != filepath.Join(dir, "linked.yaml") {
				t.Errorf("ranges name %q, want the link's path", f.Root.Range.File)
			}
		}
	}
}

func TestParseDirSymlinkedRoot(t *testing.T) {
	real := t.TempDir()
	wtWrite(t, real, map[string]string{"a.yaml": "server: {}\n", "sub/b.hcl": "server {}\n"})
	link := filepath.Join(t.TempDir(), "conf")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	files, diags := ParseDir(link)
	if len(diags) > 0 {
		t.Fatalf("diagnostics:\n%v", diags)
	}
	if diff := cmp.Diff([]string{"a.yaml", "sub/b.hcl"}, wtRels(t, link, files)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func TestParseDirKeepsPathAsGiven(t *testing.T) {
	dir := t.TempDir()
	wtWrite(t, dir, map[string]string{"conf/x/a.yaml": "a: [\n"})
	t.Chdir(dir)
	files, diags := ParseDir("./conf/")
	if len(files) != 1 || files[0].Path != filepath.Join("conf", "x", "a.yaml") || files[0].Rel != "x/a.yaml" {
		t.Fatalf("files = %+v", files)
	}
	if len(diags) != 1 || diags[0].Subject.File != filepath.Join("conf", "x", "a.yaml") || diags[0].Subject.Start.Line < 1 {
		t.Fatalf("diagnostics = %v, want one syntax error in conf/x/a.yaml", diags)
	}
}

func TestParseDirEmpty(t *testing.T) {
	files, diags := ParseDir(t.TempDir())
	if len(files) != 0 || len(diags) != 0 {
		t.Fatalf("got %v, %v; want nothing", files, diags)
	}
}

func TestParseDirBadDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.yaml")
	wtWrite(t, dir, map[string]string{"file.yaml": "a: 1\n"})
	for _, d := range []string{filepath.Join(dir, "missing"), file} {
		files, diags := ParseDir(d)
		if len(files) != 0 || !diags.HasErrors() {
			t.Fatalf("ParseDir(%q) = %v, %v; want an error", d, files, diags)
		}
		if !strings.Contains(diags.Error(), d) {
			t.Errorf("error %q does not name %q", diags.Error(), d)
		}
	}
}

func TestParseDirDanglingConfigLink(t *testing.T) {
	dir := t.TempDir()
	wtWrite(t, dir, map[string]string{"a.yaml": "a: 1\n", "gone.yaml": "->gone-target.yaml"})
	files, diags := ParseDir(dir)
	if len(files) != 1 || len(diags) != 1 || diags[0].Subject.File != filepath.Join(dir, "gone.yaml") || diags[0].Subject.Start.Line != 1 {
		t.Fatalf("got %v, %v; want a.yaml and an error naming gone.yaml", wtRels(t, dir, files), diags)
	}
}

// TestParseDirMany reads many files at once and checks that results and
// diagnostics come back in a stable order whatever the workers did.
func TestParseDirMany(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	var want []string
	for i := range 300 {
		name := fmt.Sprintf("d%d/f%03d.yaml", i%7, i)
		if i%2 == 1 {
			name = fmt.Sprintf("d%d/f%03d.hcl", i%7, i)
			files[name] = fmt.Sprintf("subscription \"s%d.example\" {\n  plan = \"P\"\n}\n", i)
		} else {
			files[name] = fmt.Sprintf("subscriptions:\n  - domain: s%d.example\n    plan: P\n", i)
		}
		if i%50 == 0 {
			files[name] += "broken: [\n"
		}
		want = append(want, name)
	}
	wtWrite(t, dir, files)
	got, diags := ParseDir(dir)
	rels := wtRels(t, dir, got)
	wantSorted := append([]string(nil), want...)
	slices.Sort(wantSorted)
	if diff := cmp.Diff(wantSorted, rels); diff != "" {
		t.Fatalf("files (-want +got):\n%s", diff)
	}
	if len(diags) != 6 {
		t.Fatalf("%d diagnostics, want 6:\n%v", len(diags), diags)
	}
	for i := 1; i < len(diags); i++ {
		if diags[i-1].Subject.File > diags[i].Subject.File {
			t.Errorf("diagnostics out of order: %s before %s", diags[i-1].Subject.File, diags[i].Subject.File)
		}
	}
	for _, f := range got {
		if f.Root.Get("subscriptions") == nil && !strings.HasSuffix(f.Rel, ".yaml") {
			t.Errorf("%s: no subscriptions", f.Rel)
		}
	}
}

func TestParseFileUnknownExtension(t *testing.T) {
	f, diags := ParseFile("x/a.json", "a.json", []byte("{}"))
	if f == nil || f.Root == nil || !diags.HasErrors() || diags[0].Subject.File != "x/a.json" {
		t.Fatalf("got %+v, %v", f, diags)
	}
}

// wtFleet generates n subscriptions in YAML or HCL.
func wtFleet(syntax string, from, n int) []byte {
	var b strings.Builder
	if syntax == "yaml" {
		b.WriteString("subscriptions:\n")
	}
	for i := from; i < from+n; i++ {
		if syntax == "yaml" {
			fmt.Fprintf(&b, "  - domain: site%06d.example\n    customer: cust%05d\n    plan: Business\n    addons: [Extra Storage, Backup]\n", i, i/10)
		} else {
			fmt.Fprintf(&b, "subscription \"site%06d.example\" {\n  customer = \"cust%05d\"\n  plan     = \"Business\"\n  addons   = [\"Extra Storage\", \"Backup\"]\n}\n", i, i/10)
		}
	}
	return []byte(b.String())
}

// BenchmarkParseFile parses one file of 10,000 subscriptions.
func BenchmarkParseFile(b *testing.B) {
	for _, syntax := range []string{"yaml", "hcl"} {
		b.Run(syntax, func(b *testing.B) {
			src := wtFleet(syntax, 0, 10_000)
			name := "fleet." + syntax
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				f, diags := ParseFile(name, name, src)
				if len(diags) > 0 || len(f.Root.Entries[0].Value.Items) != 10_000 {
					b.Fatalf("bad parse: %v", diags)
				}
			}
		})
	}
}

// BenchmarkParseDir reads 100,000 subscriptions in 200 files, half YAML,
// half HCL.
func BenchmarkParseDir(b *testing.B) {
	dir := b.TempDir()
	for i := range 200 {
		syntax := "yaml"
		if i%2 == 1 {
			syntax = "hcl"
		}
		p := filepath.Join(dir, fmt.Sprintf("part%d", i%10), fmt.Sprintf("subs%03d.%s", i, syntax))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, wtFleet(syntax, i*500, 500), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		files, diags := ParseDir(dir)
		if len(diags) > 0 || len(files) != 200 {
			b.Fatalf("bad parse: %d files, %v", len(files), diags)
		}
	}
}
