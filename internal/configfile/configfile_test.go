package configfile

import "testing"

func TestSkipped(t *testing.T) {
	for name, want := range map[string]bool{
		"plans.yaml": false, "a.hcl": false, "b.YAML": false, "notes.md": false, "secrets": false, "4913": false, "sub": false, "a.tmpl": false,
		IgnoreFile: false,
		".git":     true, ".plansync": true, ".hidden.yaml": true, "..data": true, ".#plans.yaml": true,
		".plans.yaml.swp": true, "plans.yaml.swp": true, "x.swx": true, "plans.yaml~": true, "x.tmp": true,
	} {
		if got := Skipped(name); got != want {
			t.Errorf("Skipped(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestSyntax(t *testing.T) {
	for name, want := range map[string]string{
		"plans.yaml": "yaml", "plans.yml": "yaml", "b.YAML": "yaml", "sub/a.Yml": "yaml", "a.hcl": "hcl", "A.HCL": "hcl",
		"notes.md": "", "yaml": "", "a.yaml.bak": "", "a.json": "", "": "",
	} {
		if got := Syntax(name); got != want {
			t.Errorf("Syntax(%q) = %q, want %q", name, got, want)
		}
		if IsConfig(name) != (want != "") {
			t.Errorf("IsConfig(%q) = %v", name, !(want != ""))
		}
	}
}
