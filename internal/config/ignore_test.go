package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIgnorePatterns(t *testing.T) {
	ig, ds := ParseIgnore(".plansyncignore", []byte(`# compose and CI files
docker-compose.yml
/ci/
notes/
*.draft.yaml
!keep.draft.yaml
deploy/**/values.yaml
[ab].hcl
`))
	if len(ds) != 0 {
		t.Fatal(ds)
	}
	for rel, want := range map[string]bool{
		"docker-compose.yml":         true,
		"sub/docker-compose.yml":     true,
		"docker-compose.yaml":        false,
		"ci/pipeline.yaml":           true,
		"sub/ci/pipeline.yaml":       false, // anchored
		"notes/a.yaml":               true,
		"x/notes/a.yaml":             true,
		"notes.yaml":                 false, // notes/ matches directories only
		"plans.draft.yaml":           true,
		"sub/plans.draft.yaml":       true,
		"keep.draft.yaml":            false,
		"deploy/values.yaml":         true,
		"deploy/a/b/values.yaml":     true,
		"other/deploy/a/values.yaml": false,
		"a.hcl":                      true,
		"c.hcl":                      false,
		"plans.yaml":                 false,
		"accounts/customers.yaml":    false,
	} {
		if got := ig.Excludes(rel); got != want {
			t.Errorf("Excludes(%q) = %v, want %v", rel, got, want)
		}
	}
	if _, ds := ParseIgnore("p", []byte("ok\n[unclosed\n")); !strings.Contains(ds.Error(), `p:2:1: error: invalid ignore pattern "[unclosed"`) {
		t.Errorf("bad pattern: %v", ds)
	}
	var none *Ignore
	if none.Excludes("a.yaml") {
		t.Error("nil Ignore excludes")
	}
}

// TestWalkIgnoreAndCase: the walk leaves out what .plansyncignore names,
// and reads *.YAML, *.YML and *.HCL as it reads the lower-case names.
func TestWalkIgnoreAndCase(t *testing.T) {
	dir := t.TempDir()
	for rel, src := range map[string]string{
		".plansyncignore":        "docker-compose.yml\nvendor/\n",
		"docker-compose.yml":     "version: '3'\nservices:\n  web: {image: nginx}\n",
		"vendor/x/thing.yaml":    "nonsense: [\n",
		"plans.YAML":             "service_plans:\n  - name: A\n",
		"more.Yml":               "service_plans:\n  - name: B\n",
		"subs.HCL":               "service_plan \"C\" {}\n",
		"sub/docker-compose.yml": "services: 5\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, ds := ParseDir(dir)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	var rels []string
	for _, f := range files {
		rels = append(rels, f.Rel+":"+f.Syntax)
	}
	if got, want := strings.Join(rels, " "), "more.Yml:yaml plans.YAML:yaml subs.HCL:hcl"; got != want {
		t.Errorf("files %s, want %s", got, want)
	}
	refs, _ := ListFiles(dir)
	if len(refs) != 3 {
		t.Errorf("ListFiles: %v", refs)
	}
}
