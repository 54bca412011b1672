package fleet_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/fleet"
	"github.com/plansync/plansync/internal/model"
)

// sameConfig compares configs ignoring source ranges and the list of
// files read.
var sameConfig = cmp.Options{
	cmpopts.IgnoreTypes(model.Src{}, diag.Range{}),
	cmpopts.IgnoreFields(model.Config{}, "Files"),
}

// load reads a config directory, resolving file secrets but no
// environment variables, and fails on any diagnostic.
func load(t testing.TB, dir string) *model.Config {
	t.Helper()
	cfg, ds := config.Load(dir, config.Options{ReadFile: os.ReadFile})
	if len(ds) > 0 {
		t.Fatalf("loading %s: %d diagnostics, want none:\n%s", dir, len(ds), ds.Error())
	}
	return cfg
}

// writeOne writes cfg as one file of the syntax into a new directory.
func writeOne(t *testing.T, cfg *model.Config, syntax string) (dir string, out []byte) {
	t.Helper()
	var b bytes.Buffer
	var err error
	if syntax == "yaml" {
		err = fleet.WriteYAML(&b, cfg)
	} else {
		err = fleet.WriteHCL(&b, cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config."+syntax), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, b.Bytes()
}

// TestGenerateWriteDirLoad is the fleet's round trip: a generated fleet
// written as a directory in either syntax loads back, without a single
// diagnostic, into the config it was written from.
func TestGenerateWriteDirLoad(t *testing.T) {
	opts := fleet.Options{Subscriptions: 2000, Seed: 7, CustomisedFraction: 0.10, ConflictFraction: 0.05, Passwords: true}
	want := fleet.Generate(opts)
	for _, syntax := range []string{"yaml", "hcl"} {
		t.Run(syntax, func(t *testing.T) {
			dir := t.TempDir()
			files, err := fleet.WriteDirFiles(dir, want, syntax, 300)
			if err != nil {
				t.Fatal(err)
			}
			subs := 0
			for _, f := range files {
				subs += f.Subscriptions
				if f.Subscriptions > 300 {
					t.Errorf("%s holds %d subscriptions, want at most 300", f.Rel, f.Subscriptions)
				}
			}
			if subs != 2000 {
				t.Errorf("files hold %d subscriptions, want 2000", subs)
			}
			got := load(t, dir)
			if diff := cmp.Diff(want, got, sameConfig); diff != "" {
				t.Errorf("loaded fleet differs from the generated one (-generated +loaded):\n%s", diff)
			}
			if len(got.Files) != len(files) {
				t.Errorf("loaded %d files, wrote %d", len(got.Files), len(files))
			}
		})
	}
}

func TestGenerateShape(t *testing.T) {
	cfg := fleet.Generate(fleet.Options{Subscriptions: 10000, Seed: 1, CustomisedFraction: 0.10, ConflictFraction: 0.05})
	count := func(f func(*model.Subscription) bool) int {
		n := 0
		for _, s := range cfg.Subscriptions {
			if f(s) {
				n++
			}
		}
		return n
	}
	near := func(what string, got, want int) {
		t.Helper()
		if got < want*8/10 || got > want*12/10 {
			t.Errorf("%s: %d, want about %d", what, got, want)
		}
	}
	if len(cfg.Subscriptions) != 10000 || len(cfg.Customers) != 2000 || len(cfg.Resellers) != 10 {
		t.Errorf("got %d subscriptions, %d customers, %d resellers; want 10000, 2000, 10",
			len(cfg.Subscriptions), len(cfg.Customers), len(cfg.Resellers))
	}
	near("customised", count(func(s *model.Subscription) bool { return s.Customize != nil }), 1000)
	near("conflicting", count(func(s *model.Subscription) bool { return s.Plan == fleet.ConflictPlan }), 500)
	near("with add-ons", count(func(s *model.Subscription) bool { return len(s.Addons) > 0 }), 1500)
	if n := count(func(s *model.Subscription) bool { return s.Plan == model.None }); n == 0 {
		t.Error("no custom subscription")
	}
	if n := count(func(s *model.Subscription) bool { return s.Status == "suspended" }); n == 0 {
		t.Error("no suspended subscription")
	}
	if n := count(func(s *model.Subscription) bool { return s.Owner != model.Admin }); n == 0 {
		t.Error("no reseller subscription")
	}
	if len(cfg.AddonPlans) < 8 || len(cfg.ResellerPlans) != 4 || len(cfg.SubscriberSettings) == 0 {
		t.Errorf("%d add-on plans, %d reseller plans, %d subscriber settings", len(cfg.AddonPlans), len(cfg.ResellerPlans), len(cfg.SubscriberSettings))
	}
	for _, p := range cfg.ServicePlans {
		if v := p.Props["hosting.php_version"]; p.Name != fleet.ConflictPlan && !cfg.Server.HasComponent("php"+v.S) {
			t.Errorf("plan %s asks for PHP %s, which the server lacks", p.Key(), v.S)
		}
	}
	big := fleet.Generate(fleet.Options{Subscriptions: 100000, Seed: 1})
	if n := len(big.ServicePlans); n < 80 || n > 150 {
		t.Errorf("100k fleet has %d service plans, want about 100", n)
	}
	if len(big.Resellers) != 100 {
		t.Errorf("100k fleet has %d resellers, want 100", len(big.Resellers))
	}
}

func TestGenerateDeterministic(t *testing.T) {
	opts := fleet.Options{Subscriptions: 500, Seed: 42, CustomisedFraction: 0.2, ConflictFraction: 0.1, Passwords: true}
	a, b := fleet.Generate(opts), fleet.Generate(opts)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("two fleets of one seed differ:\n%s", diff)
	}
	for _, syntax := range []string{"yaml", "hcl"} {
		_, x := writeOne(t, a, syntax)
		_, y := writeOne(t, b, syntax)
		if !bytes.Equal(x, y) {
			t.Errorf("%s output differs between equal configs", syntax)
		}
	}
	opts.Seed = 43
	if cmp.Equal(a, fleet.Generate(opts)) {
		t.Error("seeds 42 and 43 give the same fleet")
	}
}

// TestWriteHCLFormatted: the HCL writer's output is what hclfmt makes of
// it.
func TestWriteHCLFormatted(t *testing.T) {
	cfg := fleet.Generate(fleet.Options{Subscriptions: 300, Seed: 3, CustomisedFraction: 0.3, Passwords: true})
	_, out := writeOne(t, cfg, "hcl")
	if f := hclwrite.Format(out); !bytes.Equal(f, out) {
		t.Errorf("WriteHCL output is not hclfmt-formatted:\n%s", lineDiff(string(out), string(f)))
	}
	_, out = writeOne(t, oddConfig(), "hcl")
	if f := hclwrite.Format(out); !bytes.Equal(f, out) {
		t.Errorf("WriteHCL output is not hclfmt-formatted:\n%s", lineDiff(string(out), string(f)))
	}
}

func lineDiff(a, b string) string {
	return cmp.Diff(strings.Split(a, "\n"), strings.Split(b, "\n"))
}

// oddConfig exercises quoting and the less common fields.
func oddConfig() *model.Config {
	cfg := model.NewConfig()
	expires := time.Date(2027, 2, 1, 10, 30, 0, 500, time.UTC)
	day := time.Date(2028, 12, 31, 0, 0, 0, 0, time.UTC)
	cfg.Server = &model.Server{Components: []string{"php8.3", "php-fpm", "bind"}, DefaultPlan: "true"}
	cfg.Services["tricky \"one\""] = &model.Service{Name: "tricky \"one\"", Description: "line 1\nline 2\t${not} %{interp} $ % {x} \\ # : - [a] {b} $${x} %%{y} $$ %%",
		Button: &model.Button{URL: "https://x.example/a?b=c&d=${e}", BackgroundImage: "img/b.png"}, AvailableToResellers: true}
	cfg.Services["null"] = &model.Service{Name: "null", Description: "ünïcødé 日本語 \u2028 \u00a0 \x01", AvailableToResellers: false}
	cfg.ServicePlans["true"] = &model.Plan{Kind: model.ServicePlanKind, Owner: model.Admin, Name: "true", Description: "8.3",
		Services: []string{"null", "tricky \"one\""},
		Props: model.Props{
			"resources.disk_space":                        model.Size(1536 * (1 << 20)),
			"resources.traffic":                           model.Size(1e12),
			"resources.mailbox_quota":                     model.Size(12345),
			"resources.websites":                          model.Count(0),
			"resources.databases":                         model.Count(model.Unlimited),
			"resources.expiration":                        model.MakeDuration(18, 3),
			"hosting.php_version":                         model.String("8.3"),
			"hosting.php_handler":                         model.Enum("fpm"),
			model.PHPSettingsPrefix + "opcache.enable":    model.String("1"),
			model.PHPSettingsPrefix + "display_errors":    model.String("off"),
			model.PHPSettingsPrefix + "error_reporting":   model.String("E_ALL & ~E_NOTICE"),
			model.PHPSettingsPrefix + "date.timezone":     model.String("Europe/Paris"),
			model.PHPSettingsPrefix + "1st":               model.String(""),
			model.PHPSettingsPrefix + "session.save_path": model.String("0x1F"),
			"permissions.manage_dns":                      model.Bool(false),
			"dns.zone_type":                               model.Enum("master"),
		}}
	cfg.ServicePlans["Empty"] = &model.Plan{Kind: model.ServicePlanKind, Owner: model.Admin, Name: "Empty", Props: model.Props{}, Services: []string{}}
	cfg.AddonPlans["yes"] = &model.Plan{Kind: model.AddonPlanKind, Owner: model.Admin, Name: "yes", Props: model.Props{"resources.disk_space": model.Size(model.Unlimited)}}
	cfg.Resellers["r-1"] = &model.Reseller{Login: "r-1", Plan: model.None, Props: model.Props{}, Services: []string{}, Oversell: true,
		Status: "suspended", Password: &model.Secret{Literal: true, Value: "no"}, RenamedFrom: "r-0"}
	cfg.Resellers["r-2"] = &model.Reseller{Login: "r-2", Plan: model.None, Props: model.Props{"permissions.create_customers": model.Bool(true)},
		Status: "active", Password: &model.Secret{Env: "R2_PASSWORD"}}
	cfg.Customers["c@x"] = &model.Customer{Login: "c@x", Owner: "r-1", Status: "active", Contact: model.Contact{Name: "O'Brien: \"The\" #1", Phone: "0123", Address: "- 1 -\n2"},
		Password: &model.Secret{File: "secrets dir/c x.txt"}, Description: "yes", AdminDescription: "~"}
	cfg.Subscriptions["a.example"] = &model.Subscription{Domain: "a.example", Customer: "c@x", Owner: "r-1", Plan: model.None, Customize: model.Props{},
		Status: "suspended", Expires: &expires, FTPLogin: "ftp.a", FTPPassword: &model.Secret{Env: "A_FTP"}, Addons: []string{}}
	cfg.Subscriptions["b.example"] = &model.Subscription{Domain: "b.example", Owner: model.Admin, Plan: "true", Status: "active", Addons: []string{"yes"}, Expires: &day,
		Customize: model.Props{"hosting.php_version": model.String("8.10"), "resources.disk_space": model.Size(0)}}
	cfg.SubscriberSettings["b.example"] = &model.SubscriberSettings{Domain: "b.example", Props: model.Props{"dns.zone_type": model.Enum("slave")}}
	return cfg
}

// TestWriteOddValues: quoting, escapes, empty-but-present fields,
// secrets of every kind and exact sizes survive both syntaxes.
func TestWriteOddValues(t *testing.T) {
	want := oddConfig()
	for _, syntax := range []string{"yaml", "hcl"} {
		t.Run(syntax, func(t *testing.T) {
			dir, out := writeOne(t, want, syntax)
			got, ds := config.Load(dir, config.Options{})
			for _, d := range ds {
				// The literal password is meant to warn; nothing else may.
				if d.Severity != diag.Warning || !strings.Contains(d.Summary, "plain-text password") {
					t.Errorf("unexpected diagnostic: %s", d.Error())
				}
			}
			if got == nil {
				t.Fatalf("no config:\n%s", out)
			}
			if diff := cmp.Diff(want, got, sameConfig); diff != "" {
				t.Errorf("round trip differs (-written +loaded):\n%s\noutput:\n%s", diff, out)
			}
			for _, s := range []string{"1536MiB", "1TB", "12345", "1y6mo3d", "unlimited"} {
				if !bytes.Contains(out, []byte(s)) {
					t.Errorf("output lacks %q", s)
				}
			}
		})
	}
}

// TestWriteLoaderFixtures round-trips the loader's own full examples.
func TestWriteLoaderFixtures(t *testing.T) {
	for _, name := range []string{"full.yaml", "full.hcl"} {
		src, err := os.ReadFile(filepath.Join("..", "config", "testdata", "decode", name))
		if err != nil {
			t.Skip("loader fixture not found:", err)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
		want, ds := config.Load(dir, config.Options{})
		if ds.HasErrors() {
			t.Fatalf("%s: %s", name, ds.Error())
		}
		for _, syntax := range []string{"yaml", "hcl"} {
			d, out := writeOne(t, want, syntax)
			got, ds := config.Load(d, config.Options{})
			if ds.HasErrors() {
				t.Fatalf("%s as %s: %s\n%s", name, syntax, ds.Error(), out)
			}
			if diff := cmp.Diff(want, got, sameConfig); diff != "" {
				t.Errorf("%s as %s differs (-original +rewritten):\n%s", name, syntax, diff)
			}
		}
	}
}

func TestWriteDirRefusesForeignDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte("services: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := fleet.Generate(fleet.Options{Subscriptions: 10})
	if err := fleet.WriteDir(dir, cfg, "yaml", 0); err == nil {
		t.Fatal("WriteDir wrote into a directory it did not make")
	}
	if _, err := os.Stat(filepath.Join(dir, "mine.yaml")); err != nil {
		t.Fatal("WriteDir touched a foreign file:", err)
	}
	// An earlier output is replaced, whatever its syntax.
	out := filepath.Join(t.TempDir(), "fleet")
	if err := fleet.WriteDir(out, cfg, "yaml", 0); err != nil {
		t.Fatal(err)
	}
	if err := fleet.WriteDir(out, cfg, "hcl", 0); err != nil {
		t.Fatal(err)
	}
	if got := load(t, out); !cmp.Equal(cfg, got, sameConfig) {
		t.Error("rewritten directory does not load back to the fleet")
	}
	if err := fleet.WriteDir(out, cfg, "json", 0); err == nil {
		t.Error("WriteDir accepted syntax json")
	}
}
