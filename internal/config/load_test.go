package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// ltWrite writes files (slash-separated names) under dir.
func ltWrite(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// ltRel strips dir from the places of diagnostics, so tests can name
// files by their relative path.
func ltRel(dir string, ds diag.Diagnostics) diag.Diagnostics {
	strip := func(r *diag.Range) {
		if rel, err := filepath.Rel(dir, r.File); err == nil && r.File != "" {
			r.File = filepath.ToSlash(rel)
		}
	}
	out := slices.Clone(ds)
	for i := range out {
		strip(&out[i].Subject)
		out[i].Related = slices.Clone(out[i].Related)
		for j := range out[i].Related {
			strip(&out[i].Related[j])
		}
		out[i].Detail = strings.ReplaceAll(out[i].Detail, dir+string(filepath.Separator), "")
	}
	return out
}

// TestLoadSpecExample loads the example of SPEC §2.10, split across a
// YAML and an HCL file in subdirectories, with secrets from the
// environment and from a file next to the config file that names it.
func TestLoadSpecExample(t *testing.T) {
	dir := t.TempDir()
	ltWrite(t, dir, map[string]string{
		"server.yaml": "server:\n  components: [php8.2, php8.3, php-fpm, postfix, roundcube, spamassassin]\n",
		"plans/business.hcl": `service_plan "Business" {
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
`,
		"plans/extras.yaml": "addon_plans:\n  - name: Extra Storage\n    resources: {disk_space: 5GiB}\nservices:\n  - name: premium-support\n",
		"accounts/customers.yaml": `customers:
  - login: jdoe
    name: John Doe
    email: john@doe.example
    password: {env: JDOE_PASSWORD}
  - login: mary
    password: {file: secrets/mary.txt}
`,
		"accounts/secrets/mary.txt": "s3cret\r\n",
		".plansync/ignored.yaml":    "not: [valid",
	})
	t.Setenv("JDOE_PASSWORD", "hunter2")
	cfg, ds := Load(dir, OSOptions())
	if len(ds) != 0 {
		t.Fatalf("diagnostics: %v", ds)
	}
	if want := []string{"accounts/customers.yaml", "plans/business.hcl", "plans/extras.yaml", "server.yaml"}; !slices.Equal(cfg.Files, want) {
		t.Errorf("Files = %q, want %q", cfg.Files, want)
	}
	want := &model.Subscription{Domain: "doe.example", Customer: "jdoe", Owner: "admin", Plan: "Business",
		Addons: []string{"Extra Storage"}, Status: "active"}
	if diff := cmp.Diff(want, cfg.Subscriptions["doe.example"], dtIgnoreSrc); diff != "" {
		t.Errorf("subscription (-want +got):\n%s", diff)
	}
	if got := cfg.ServicePlans["Business"].Props["hosting.php_version"]; got != model.String("8.3") {
		t.Errorf("php_version = %v", got)
	}
	if p := cfg.Customers["jdoe"].Password; p.Env != "JDOE_PASSWORD" || p.Value != "hunter2" || p.Literal {
		t.Errorf("jdoe password = %+v", p)
	}
	p := cfg.Customers["mary"].Password
	if p.File != "secrets/mary.txt" || p.Value != "s3cret" {
		t.Errorf("mary password = %+v", p)
	}
	if got := p.Range.String(); got != filepath.Join(dir, "accounts", "customers.yaml")+":7:15" {
		t.Errorf("mary password at %s", got)
	}
}

// TestLoadSecrets covers secret resolution and its errors.
func TestLoadSecrets(t *testing.T) {
	cases := []struct {
		name  string
		env   map[string]string
		files map[string]string
		want  []string
	}{
		{"env", map[string]string{"PW": "x"}, map[string]string{"a.yaml": "customers:\n  - {login: a, password: {env: PW}}\n"}, nil},
		{"missing variable", nil, map[string]string{"a.yaml": "customers:\n  - {login: a, password: {env: PLANSYNC_TEST_NOPE}}\n"}, []string{
			`a.yaml:2:32: error: customer a password: environment variable PLANSYNC_TEST_NOPE is not set`}},
		{"empty variable", map[string]string{"PW": ""}, map[string]string{"a.yaml": "customers:\n  - {login: a, password: {env: PW}}\n"}, []string{
			`a.yaml:2:32: environment variable PW is empty`}},
		{"missing file", nil, map[string]string{"sub/a.hcl": "customer \"a\" {\n  password = file(\"pw.txt\")\n}\n"}, []string{
			`sub/a.hcl:2:19: error: customer a password: cannot read secret file pw.txt: no such file or directory`}},
		{"file next to the config file", nil, map[string]string{"sub/a.hcl": "customer \"a\" {\n  password = file(\"pw.txt\")\n}\n", "sub/pw.txt": "pw\n"}, nil},
		{"empty file", nil, map[string]string{"a.yaml": "subscriptions:\n  - {domain: a.example, plan: none, ftp_password: {file: pw}}\n", "pw": "\n"}, []string{
			`a.yaml:2:58: error: subscription a.example ftp_password: secret file pw is empty`}},
		{"literal", nil, map[string]string{"a.yaml": "resellers:\n  - login: r\n    plan: none\n    password: hunter2\n"}, []string{
			`a.yaml:4:15: warning: reseller r password: plain-text password in config; use env(...) or file(...)`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			dir := t.TempDir()
			ltWrite(t, dir, tc.files)
			cfg, ds := Load(dir, OSOptions())
			dtCheck(t, ltRel(dir, ds), tc.want)
			if ds.HasErrors() != (cfg == nil) {
				t.Errorf("config %v with errors %v", cfg != nil, ds.HasErrors())
			}
		})
	}
}

// TestLoadErrors: with any error there is no config; a file that does
// not parse stops the cross-object checks (they would only repeat it);
// decode errors do not.
func TestLoadErrors(t *testing.T) {
	t.Run("syntax error", func(t *testing.T) {
		dir := t.TempDir()
		ltWrite(t, dir, map[string]string{
			"a.yaml": "subscriptions:\n  - {domain: a.example, plan: Business}\n",
			"b.yaml": "service_plans: [\n",
		})
		cfg, ds := Load(dir, OSOptions())
		if cfg != nil {
			t.Error("config returned with errors")
		}
		if len(ds) != 1 || !strings.HasPrefix(ltRel(dir, ds)[0].Error(), "b.yaml:") {
			t.Errorf("diagnostics: %v", ds)
		}
	})
	t.Run("decode and reference errors together", func(t *testing.T) {
		dir := t.TempDir()
		ltWrite(t, dir, map[string]string{
			"a.yaml": "subscriptions:\n  - {domain: a.example, plan: Business, colour: red}\n",
		})
		cfg, ds := Load(dir, OSOptions())
		if cfg != nil {
			t.Error("config returned with errors")
		}
		dtCheck(t, ltRel(dir, ds), []string{
			`a.yaml:2:31: service plan "Business" is not declared`,
			`a.yaml:2:41: unknown field "colour"`,
		})
	})
	t.Run("missing directory", func(t *testing.T) {
		cfg, ds := Load(filepath.Join(t.TempDir(), "nope"), OSOptions())
		if cfg != nil || !ds.HasErrors() {
			t.Errorf("config %v, diagnostics %v", cfg, ds)
		}
	})
	t.Run("warnings only", func(t *testing.T) {
		dir := t.TempDir()
		ltWrite(t, dir, map[string]string{"a.yaml": "customers:\n  - {login: a, password: pw}\n"})
		cfg, ds := Load(dir, OSOptions())
		if cfg == nil || len(ds) != 1 || ds[0].Severity != diag.Warning {
			t.Errorf("config %v, diagnostics %v", cfg != nil, ds)
		}
	})
}

// TestLoadYAMLEqualsHCL loads the same config once as YAML and once as
// HCL and gets the same model.
func TestLoadYAMLEqualsHCL(t *testing.T) {
	load := func(name string) *model.Config {
		src, err := os.ReadFile(filepath.Join("testdata", "decode", name))
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		ltWrite(t, dir, map[string]string{name: string(src), "secrets/res2.txt": "res2-pass\n"})
		cfg, ds := Load(dir, dtOptions(dtEnv))
		if ds.HasErrors() {
			t.Fatalf("%s: %v", name, ds)
		}
		return cfg
	}
	if diff := cmp.Diff(load("full.yaml"), load("full.hcl"), dtIgnoreSrc); diff != "" {
		t.Errorf("YAML vs HCL (-yaml +hcl):\n%s", diff)
	}
}
