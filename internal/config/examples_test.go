package config_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/fleet"
	"github.com/plansync/plansync/internal/model"
)

// examplesDir holds the bundled examples, one directory each.
var examplesDir = filepath.Join("..", "..", "examples")

// exampleDirs lists the bundled examples.
func exampleDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) == 0 {
		t.Fatal("no examples")
	}
	return dirs
}

// noEnv resolves file secrets but finds no environment variable, as on
// a fresh machine.
var noEnv = config.Options{
	Getenv:   func(string) (string, bool) { return "", false },
	ReadFile: os.ReadFile,
}

// configFiles lists an example's config files by syntax, relative paths.
func configFiles(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		switch filepath.Ext(p) {
		case ".yaml", ".yml":
			out["yaml"] = append(out["yaml"], rel)
		case ".hcl":
			out["hcl"] = append(out["hcl"], rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExamplesLoad: every example loads with no diagnostic at all, not
// even a warning, and without any environment variable.
func TestExamplesLoad(t *testing.T) {
	for _, name := range exampleDirs(t) {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(examplesDir, name)
			cfg, ds := config.Load(dir, noEnv)
			if len(ds) > 0 {
				t.Fatalf("%d diagnostics, want none:\n%s", len(ds), ds.Error())
			}
			if len(cfg.Subscriptions) == 0 || len(cfg.ServicePlans) == 0 {
				t.Errorf("example has %d subscriptions and %d service plans", len(cfg.Subscriptions), len(cfg.ServicePlans))
			}
			if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
				t.Error("example has no README.md")
			}
		})
	}
}

// TestExamplesFileConventions: YAML files start with the schema modeline
// (its path right for the file's depth), HCL files are hclfmt-formatted.
func TestExamplesFileConventions(t *testing.T) {
	for _, name := range exampleDirs(t) {
		dir := filepath.Join(examplesDir, name)
		files := configFiles(t, dir)
		for _, rel := range files["yaml"] {
			src, err := os.ReadFile(filepath.Join(dir, rel))
			if err != nil {
				t.Fatal(err)
			}
			depth := strings.Count(filepath.ToSlash(filepath.Join(name, rel)), "/") + 1
			want := "# yaml-language-server: $schema=" + strings.Repeat("../", depth) + "schemas/plansync.schema.json\n"
			if !bytes.HasPrefix(src, []byte(want)) {
				first, _, _ := strings.Cut(string(src), "\n")
				t.Errorf("%s/%s: first line %q, want %q", name, rel, first, strings.TrimSuffix(want, "\n"))
			}
		}
		for _, rel := range files["hcl"] {
			src, err := os.ReadFile(filepath.Join(dir, rel))
			if err != nil {
				t.Fatal(err)
			}
			if f := hclwrite.Format(src); !bytes.Equal(f, src) {
				t.Errorf("%s/%s is not hclfmt-formatted:\n%s", name, rel,
					cmp.Diff(strings.Split(string(src), "\n"), strings.Split(string(f), "\n")))
			}
		}
	}
}

// sameConfig compares configs ignoring where things were declared.
var sameConfig = cmp.Options{
	cmpopts.IgnoreTypes(model.Src{}, diag.Range{}),
	cmpopts.IgnoreFields(model.Config{}, "Files"),
}

// TestExamplesSyntaxEquivalence is YAML and HCL meaning the same: each
// example's YAML files rewritten in HCL, file by file (fleet.WriteHCL),
// load into an identical config, secrets included; and the HCL files
// rewritten in YAML (fleet.WriteYAML) likewise.
func TestExamplesSyntaxEquivalence(t *testing.T) {
	for _, name := range exampleDirs(t) {
		dir := filepath.Join(examplesDir, name)
		want, ds := config.Load(dir, noEnv)
		if ds.HasErrors() {
			t.Fatalf("%s: %s", name, ds.Error())
		}
		files := configFiles(t, dir)
		for _, from := range []string{"yaml", "hcl"} {
			if len(files[from]) == 0 {
				continue
			}
			to := map[string]string{"yaml": "hcl", "hcl": "yaml"}[from]
			t.Run(name+"/"+from+"_as_"+to, func(t *testing.T) {
				out := t.TempDir()
				rewrite(t, want, dir, out, from, to)
				if got := configFiles(t, out); len(got[from]) != 0 {
					t.Fatalf("%s files left after the rewrite: %v", from, got[from])
				}
				// Secret files are read from the example, by the same
				// relative paths.
				opts := noEnv
				opts.ReadFile = func(p string) ([]byte, error) {
					rel, err := filepath.Rel(out, p)
					if err != nil {
						return nil, err
					}
					return os.ReadFile(filepath.Join(dir, rel))
				}
				got, ds := config.Load(out, opts)
				if len(ds) > 0 {
					t.Fatalf("rewritten example: %d diagnostics, want none:\n%s", len(ds), ds.Error())
				}
				if diff := cmp.Diff(want, got, sameConfig); diff != "" {
					t.Errorf("rewritten example differs (-original +rewritten):\n%s", diff)
				}
			})
		}
	}
}

// rewrite writes cfg into out with the layout of dir: every object goes
// to the file that declared it, the files of syntax from rewritten in
// syntax to, the others copied as they are.
func rewrite(t *testing.T, cfg *model.Config, dir, out, from, to string) {
	t.Helper()
	byFile := map[string]*model.Config{}
	of := func(src model.Src) *model.Config {
		rel, err := filepath.Rel(dir, src.Decl.File)
		if err != nil || src.Decl.File == "" {
			t.Fatalf("object declared at %q, outside %s", src.Decl.File, dir)
		}
		c := byFile[rel]
		if c == nil {
			c = model.NewConfig()
			byFile[rel] = c
		}
		return c
	}
	if cfg.Server != nil {
		of(cfg.Server.Src).Server = cfg.Server
	}
	for _, s := range cfg.Servers {
		c := of(s.Src)
		c.Servers = append(c.Servers, s)
	}
	for k, s := range cfg.Services {
		if s.Extension == "" {
			of(s.Src).Services[k] = s
		}
	}
	for k, p := range cfg.ServicePlans {
		of(p.Src).ServicePlans[k] = p
	}
	for k, p := range cfg.AddonPlans {
		of(p.Src).AddonPlans[k] = p
	}
	for k, p := range cfg.ResellerPlans {
		of(p.Src).ResellerPlans[k] = p
	}
	for k, r := range cfg.Resellers {
		of(r.Src).Resellers[k] = r
	}
	for k, c := range cfg.Customers {
		of(c.Src).Customers[k] = c
	}
	for k, s := range cfg.Subscriptions {
		of(s.Src).Subscriptions[k] = s
	}
	for k, s := range cfg.SubscriberSettings {
		of(s.Src).SubscriberSettings[k] = s
	}
	for rel, c := range byFile {
		ext := filepath.Ext(rel)
		target := rel
		var write func(io.Writer, *model.Config) error
		switch {
		case from == "yaml" && (ext == ".yaml" || ext == ".yml"):
			target, write = strings.TrimSuffix(rel, ext)+".hcl", fleet.WriteHCL
		case from == "hcl" && ext == ".hcl":
			target, write = strings.TrimSuffix(rel, ext)+".yaml", fleet.WriteYAML
		}
		p := filepath.Join(out, target)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if write == nil {
			src, err := os.ReadFile(filepath.Join(dir, rel))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, src, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var b bytes.Buffer
		if err := write(&b, c); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
