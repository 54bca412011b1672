package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// dtIgnoreSrc compares configs without source positions and without the
// list of files read, so a YAML and an HCL config can be compared.
var dtIgnoreSrc = cmp.Options{
	cmpopts.IgnoreTypes(model.Src{}),
	cmpopts.IgnoreFields(model.Secret{}, "Range"),
	cmpopts.IgnoreFields(model.Config{}, "Files"),
	cmpopts.EquateEmpty(),
}

// dtEnv is the environment of the decode tests.
var dtEnv = map[string]string{"RES1_PASSWORD": "r1-pass", "JDOE_PASSWORD": "jdoe-pass", "DOE_FTP": "ftp-pass"}

// dtOptions resolves secrets from env and from files under testdata.
func dtOptions(env map[string]string) Options {
	return Options{
		Getenv:   func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		ReadFile: os.ReadFile,
	}
}

// dtParse parses named sources (".yaml"/".hcl" by name) in name order,
// failing the test on syntax errors.
func dtParse(t testing.TB, files map[string]string) []*File {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []*File
	for _, n := range names {
		f, ds := ParseFile(n, n, []byte(files[n]))
		if ds.HasErrors() {
			t.Fatalf("parse %s: %v", n, ds)
		}
		out = append(out, f)
	}
	return out
}

// dtCheck compares diagnostics with wanted lines "FILE:LINE:COL: TEXT":
// each diagnostic must start at that place and its rendering contain
// TEXT; there must be exactly as many diagnostics as wanted lines.
func dtCheck(t *testing.T, got diag.Diagnostics, want []string) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		pos, text, _ := strings.Cut(want[i], " ")
		line := got[i].Error()
		if !strings.HasPrefix(line, pos) || !strings.Contains(line, text) {
			ok = false
		}
	}
	if !ok {
		var b strings.Builder
		for _, d := range got {
			b.WriteString("\n\t" + d.Error())
		}
		t.Errorf("diagnostics:%s\nwant:\n\t%s", b.String(), strings.Join(want, "\n\t"))
	}
}

func dtDate(s string) *time.Time {
	t, err := model.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &t
}

func dtDur(s string) model.Value {
	v, err := model.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return v
}

const (
	dtKiB = 1 << 10
	dtMiB = 1 << 20
	dtGiB = 1 << 30
	dtTiB = 1 << 40
)

// dtFull is the config that testdata/decode/full.yaml and full.hcl both
// describe, after Decode and Validate.
func dtFull() *model.Config {
	cfg := model.NewConfig()
	wordpress := &model.Service{
		Name: "wordpress", Description: "WordPress Toolkit", Extension: "wp-toolkit",
		Button: &model.Button{URL: "https://wp.example/launch", OpenInPanel: true},
		Send:   []string{"subscription_id", "primary_domain"},
	}
	cfg.Server = &model.Server{
		Components:  []string{"php8.2", "php8.3", "php-fpm", "postfix", "roundcube", "spamassassin", "bind"},
		Extensions:  []model.Extension{{Name: "wp-toolkit", Services: []*model.Service{wordpress}}},
		DefaultPlan: "Starter",
	}
	cfg.Services["wordpress"] = wordpress
	cfg.Services["premium-support"] = &model.Service{
		Name: "premium-support", Description: "Premium support desk",
		Button:               &model.Button{URL: "https://support.example/ticket", BackgroundImage: "images/support.png"},
		Send:                 model.SendFields,
		AvailableToResellers: true,
	}
	cfg.Services["backup-plus"] = &model.Service{Name: "backup-plus", AvailableToResellers: true}

	cfg.ServicePlans["Business"] = &model.Plan{
		Kind: model.ServicePlanKind, Owner: "admin", Name: "Business", Description: "For small businesses",
		Props: model.Props{
			"resources.disk_space":                    model.Size(10 * dtGiB),
			"resources.traffic":                       model.Size(100 * dtGiB),
			"resources.websites":                      model.Count(5),
			"resources.subdomains":                    model.Count(model.Unlimited),
			"resources.domain_aliases":                model.Count(10),
			"resources.mailboxes":                     model.Count(100),
			"resources.mailbox_quota":                 model.Size(1e9),
			"resources.mailing_lists":                 model.Count(2),
			"resources.databases":                     model.Count(10),
			"resources.ftp_accounts":                  model.Count(3),
			"resources.web_users":                     model.Count(0),
			"resources.expiration":                    dtDur("1y"),
			"resources.overuse":                       model.Enum("not_suspend_notify"),
			"permissions.manage_hosting":              model.Bool(true),
			"permissions.manage_php_settings":         model.Bool(true),
			"permissions.manage_php_version":          model.Bool(false),
			"permissions.manage_dns":                  model.Bool(true),
			"permissions.manage_subdomains":           model.Bool(true),
			"permissions.manage_domain_aliases":       model.Bool(true),
			"permissions.manage_ssh":                  model.Bool(false),
			"permissions.manage_crontab":              model.Bool(true),
			"permissions.manage_spamfilter":           model.Bool(true),
			"permissions.manage_antivirus":            model.Bool(false),
			"permissions.manage_webstats":             model.Bool(true),
			"permissions.manage_logs":                 model.Bool(true),
			"permissions.manage_backups":              model.Bool(true),
			"permissions.manage_webapps":              model.Bool(true),
			"permissions.create_websites":             model.Bool(true),
			"hosting.php_version":                     model.String("8.3"),
			"hosting.php_handler":                     model.Enum("fpm"),
			"hosting.php_settings.memory_limit":       model.String("256M"),
			"hosting.php_settings.max_execution_time": model.String("60"),
			"hosting.php_settings.display_errors":     model.String("false"),
			"hosting.php_settings.precision":          model.String("14.5"),
			"hosting.ssl":                             model.Bool(true),
			"hosting.ssh":                             model.Enum("chrooted"),
			"hosting.webstats":                        model.Enum("awstats"),
			"mail.enabled":                            model.Bool(true),
			"mail.webmail":                            model.Enum("roundcube"),
			"mail.spamfilter":                         model.Bool(true),
			"mail.antivirus":                          model.Enum("both"),
			"dns.zone_type":                           model.Enum("master"),
		},
		Services: []string{"premium-support", "wordpress"},
	}
	cfg.ServicePlans["Starter"] = &model.Plan{
		Kind: model.ServicePlanKind, Owner: "admin", Name: "Starter",
		Props: model.Props{"resources.disk_space": model.Size(512 * dtMiB), "resources.expiration": dtDur("30d")},
	}
	cfg.ServicePlans["res1/Gold Hosting"] = &model.Plan{
		Kind: model.ServicePlanKind, Owner: "res1", Name: "Gold Hosting",
		Props:    model.Props{"resources.disk_space": model.Size(5 * dtGiB)},
		Services: []string{"premium-support"},
	}
	cfg.AddonPlans["Extra Storage"] = &model.Plan{
		Kind: model.AddonPlanKind, Owner: "admin", Name: "Extra Storage", Description: "More room",
		Props: model.Props{
			"resources.disk_space":       model.Size(5 * dtGiB),
			"resources.traffic":          model.Size(10e12),
			"resources.mailboxes":        model.Count(10),
			"resources.expiration":       dtDur("6mo"),
			"permissions.manage_backups": model.Bool(true),
			"hosting.ssl":                model.Bool(true),
			"mail.enabled":               model.Bool(true),
			"mail.spamfilter":            model.Bool(true),
		},
		Services: []string{"backup-plus"},
	}
	cfg.AddonPlans["res1/Extra Storage"] = &model.Plan{
		Kind: model.AddonPlanKind, Owner: "res1", Name: "Extra Storage",
		Props: model.Props{"resources.disk_space": model.Size(1 * dtGiB)},
	}
	cfg.ResellerPlans["Gold"] = &model.Plan{
		Kind: model.ResellerPlanKind, Owner: "admin", Name: "Gold", Description: "Gold resellers",
		Props: model.Props{
			"resources.disk_space":         model.Size(1 * dtTiB),
			"resources.traffic":            model.Size(model.Unlimited),
			"resources.customers":          model.Count(100),
			"resources.subscriptions":      model.Count(200),
			"resources.overuse":            model.Enum("block"),
			"permissions.create_customers": model.Bool(true),
			"permissions.allow_oversell":   model.Bool(true),
			"permissions.manage_dns":       model.Bool(true),
		},
		Services: []string{"premium-support"},
		Oversell: true,
	}
	cfg.Resellers["res1"] = &model.Reseller{
		Login:    "res1",
		Password: &model.Secret{Env: "RES1_PASSWORD", Value: "r1-pass"},
		Contact: model.Contact{Name: "Reseller One", Company: "Res One Ltd", Email: "ops@res1.example",
			Phone: "+33 1 23 45 67 89", Address: "1 rue de la Paix, Paris"},
		Plan: "Gold", Status: "active", Description: "Our first reseller",
	}
	cfg.Resellers["res2"] = &model.Reseller{
		Login: "res2", RenamedFrom: "res-two",
		Password: &model.Secret{File: "secrets/res2.txt", Value: "res2-pass"},
		Plan:     "none",
		Props: model.Props{
			"resources.disk_space":         model.Size(50 * dtGiB),
			"resources.customers":          model.Count(5),
			"permissions.create_customers": model.Bool(true),
		},
		Services: []string{"backup-plus"},
		Status:   "suspended",
	}
	cfg.Customers["jdoe"] = &model.Customer{
		Login:    "jdoe",
		Password: &model.Secret{Env: "JDOE_PASSWORD", Value: "jdoe-pass"},
		Contact:  model.Contact{Name: "John Doe", Company: "Doe Inc", Email: "john@doe.example", Phone: "5551234", Address: "2 Main St"},
		Owner:    "admin", Status: "active", Description: "Long-time customer",
	}
	cfg.Customers["alice"] = &model.Customer{
		Login: "alice", RenamedFrom: "alice.old",
		Password: &model.Secret{Literal: true, Value: "alice-secret"},
		Owner:    "res1", Status: "suspended", Description: "by res1", AdminDescription: "watch this one",
	}
	cfg.Subscriptions["doe.example"] = &model.Subscription{
		Domain: "doe.example", Customer: "jdoe", Owner: "admin", Plan: "Business",
		Addons: []string{"Extra Storage"}, Status: "active", Expires: dtDate("2027-01-31"),
		FTPLogin: "doeftp", FTPPassword: &model.Secret{Env: "DOE_FTP", Value: "ftp-pass"},
	}
	cfg.Subscriptions["alice.example"] = &model.Subscription{
		Domain: "alice.example", RenamedFrom: "alice-old.example", Customer: "alice", Owner: "res1",
		Plan: "Gold Hosting", Addons: []string{"Extra Storage"},
		Customize: model.Props{
			"resources.disk_space":              model.Size(20 * dtGiB),
			"resources.overuse":                 model.Enum("block"),
			"permissions.manage_dns":            model.Bool(false),
			"hosting.php_version":               model.String("8.2"),
			"hosting.php_settings.memory_limit": model.String("512M"),
			"mail.webmail":                      model.Enum("none"),
			"dns.zone_type":                     model.Enum("slave"),
		},
		Status: "active", Expires: dtDate("2027-02-01T10:00:00Z"),
	}
	cfg.Subscriptions["own.example"] = &model.Subscription{
		Domain: "own.example", Owner: "res1", Plan: "none", Customize: model.Props{}, Status: "suspended",
	}
	cfg.SubscriberSettings["doe.example"] = &model.SubscriberSettings{
		Domain: "doe.example",
		Props: model.Props{
			"hosting.php_version":               model.String("8.2"),
			"hosting.php_settings.memory_limit": model.String("1G"),
			"hosting.ssl":                       model.Bool(false),
			"mail.spamfilter":                   model.Bool(false),
			"dns.zone_type":                     model.Enum("slave"),
		},
	}
	return cfg
}

// dtDecodeFile parses, decodes and validates one testdata file.
func dtDecodeFile(t *testing.T, name string) (*model.Config, diag.Diagnostics) {
	t.Helper()
	path := filepath.Join("testdata", "decode", name)
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, ds := ParseFile(path, name, src)
	if ds.HasErrors() {
		t.Fatalf("parse: %v", ds)
	}
	cfg, ds := Decode([]*File{f}, dtOptions(dtEnv))
	ds = append(ds, Validate(cfg)...)
	return cfg, ds
}

// TestDecodeFull decodes every field of every kind, from YAML and from
// the equivalent HCL, into the same config.
func TestDecodeFull(t *testing.T) {
	for _, tc := range []struct{ name, passwordAt string }{
		{"full.yaml", "testdata/decode/full.yaml:149:15:"},
		{"full.hcl", "testdata/decode/full.hcl:194:23:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, ds := dtDecodeFile(t, tc.name)
			dtCheck(t, ds, []string{tc.passwordAt + " warning: customer alice password: plain-text password in config"})
			if diff := cmp.Diff(dtFull(), cfg, dtIgnoreSrc); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
			if !slices.Equal(cfg.Files, []string{tc.name}) {
				t.Errorf("Files = %q", cfg.Files)
			}
		})
	}
}

// TestDecodeSrc checks that decoded objects point at their fields.
func TestDecodeSrc(t *testing.T) {
	cases := map[string][]struct {
		get   func(*model.Config) model.Src
		field string
		at    string
	}{
		"full.yaml": {
			{func(c *model.Config) model.Src { return c.Subscriptions["doe.example"].Src }, "", "full.yaml:155:5"},
			{func(c *model.Config) model.Src { return c.Subscriptions["doe.example"].Src }, "domain", "full.yaml:155:13"},
			{func(c *model.Config) model.Src { return c.Subscriptions["doe.example"].Src }, "plan", "full.yaml:157:11"},
			{func(c *model.Config) model.Src { return c.Subscriptions["doe.example"].Src }, "addons[0]", "full.yaml:158:14"},
			{func(c *model.Config) model.Src { return c.Subscriptions["alice.example"].Src }, "customize.resources.disk_space", "full.yaml:169:31"},
			{func(c *model.Config) model.Src { return c.Subscriptions["alice.example"].Src }, "customize.hosting.php_settings.memory_limit", "full.yaml:171:66"},
			{func(c *model.Config) model.Src { return c.ServicePlans["Business"].Src }, "resources.disk_space", "full.yaml:31:19"},
			{func(c *model.Config) model.Src { return c.ServicePlans["Business"].Src }, "services[1]", "full.yaml:78:33"},
			{func(c *model.Config) model.Src { return c.ResellerPlans["Gold"].Src }, "oversell", "full.yaml:108:17"},
			{func(c *model.Config) model.Src { return c.Customers["jdoe"].Src }, "password", "full.yaml:143:15"},
		},
		"full.hcl": {
			{func(c *model.Config) model.Src { return c.Subscriptions["doe.example"].Src }, "", "full.hcl:200:1"},
			{func(c *model.Config) model.Src { return c.Subscriptions["doe.example"].Src }, "domain", "full.hcl:200:14"},
			{func(c *model.Config) model.Src { return c.Subscriptions["doe.example"].Src }, "addons[0]", "full.hcl:203:19"},
			{func(c *model.Config) model.Src { return c.ServicePlans["Business"].Src }, "resources.disk_space", "full.hcl:34:22"},
		},
	}
	for name, checks := range cases {
		t.Run(name, func(t *testing.T) {
			cfg, _ := dtDecodeFile(t, name)
			for _, c := range checks {
				src := c.get(cfg)
				r := src.Decl
				if c.field != "" {
					var ok bool
					if r, ok = src.Field(c.field); !ok {
						t.Errorf("field %q not recorded", c.field)
						continue
					}
				}
				if got := strings.TrimPrefix(r.String(), "testdata/decode/"); got != c.at {
					t.Errorf("%q at %s, want %s", c.field, got, c.at)
				}
			}
		})
	}
	cfg, _ := dtDecodeFile(t, "full.yaml")
	if r := cfg.Customers["jdoe"].Password.Range; r.String() != "testdata/decode/full.yaml:143:15" {
		t.Errorf("secret range %s", r)
	}
}

// dtErrCase is a set of files and the diagnostics Decode and Validate
// give on them.
type dtErrCase struct {
	name  string
	files map[string]string
	want  []string
}

func dtRun(t *testing.T, cases []dtErrCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, ds := Decode(dtParse(t, tc.files), dtOptions(dtEnv))
			ds = append(ds, Validate(cfg)...)
			ds.Sort()
			dtCheck(t, ds, tc.want)
		})
	}
}

func dtY(src string) map[string]string { return map[string]string{"a.yaml": src} }
func dtH(src string) map[string]string { return map[string]string{"a.hcl": src} }

// dtPlans declares plans the error cases refer to.
const dtPlans = `
service_plans:
  - name: Business
  - name: Reseller Web
    owner: r1
addon_plans:
  - name: Extra Storage
  - name: More Mail
    owner: r1
resellers:
  - {login: r1, plan: none}
  - {login: r2, plan: none}
`

func TestDecodeErrors(t *testing.T) {
	dtRun(t, []dtErrCase{
		{"top-level key", dtY("service_plan:\n  - name: x\n"), []string{
			`a.yaml:1:1: unknown top-level key "service_plan"; did you mean "service_plans"?: valid keys: server, servers, services,`}},
		{"top-level not a list", dtY("subscriptions:\n  domain: a.example\n"), []string{
			`a.yaml:2:3: subscriptions must be a list, one item per subscription; got a map`}},
		{"item not a map", dtY("customers:\n  - jdoe\n"), []string{
			`a.yaml:2:5: expected a map describing one customer, got the string "jdoe"`}},
		{"unknown field with suggestion", dtY("subscriptions:\n  - domain: a.example\n    plna: Business\n"), []string{
			`a.yaml:2:5: error: subscription a.example plan: missing required field "plan"`,
			`a.yaml:3:5: error: subscription a.example plna: unknown field "plna"; did you mean "plan"?`}},
		{"unknown field without suggestion", dtY("customers:\n  - login: jdoe\n    favourite_colour: blue\n"), []string{
			`a.yaml:3:5: unknown field "favourite_colour": valid fields: login, renamed_from,`}},
		{"unknown property", dtY("service_plans:\n  - name: B\n    resources: {disk_spase: 1GiB}\n"), []string{
			`a.yaml:3:17: error: service_plan B resources.disk_spase: unknown field "disk_spase" in resources; did you mean "disk_space"?`}},
		{"unknown property in hcl", dtH("service_plan \"B\" {\n  resources {\n    disk_spase = \"1GiB\"\n  }\n}\n"), []string{
			`a.hcl:3:5: unknown field "disk_spase" in resources; did you mean "disk_space"?`}},
		{"unknown nested blocks in hcl", dtH("service_plan \"B\" {\n  resourcs {\n  }\n}\nserver {\n  extension \"x\" {\n    servce \"s\" {}\n  }\n}\n"), []string{
			`a.hcl:2:3: error: service_plan B resourcs: unknown field "resourcs"; did you mean "resources"?`,
			`a.hcl:7:5: error: extension x servce: unknown block type "servce"; did you mean "service"?`}},
		{"missing key fields", dtY("services:\n  - description: x\nservice_plans:\n  - owner: admin\nresellers:\n  - name: R\ncustomers:\n  - name: C\nsubscriber_settings:\n  - mail: {spamfilter: true}\n"), []string{
			`a.yaml:2:5: error: service name: missing required field "name"`,
			`a.yaml:4:5: error: service_plan name: missing required field "name"`,
			`a.yaml:6:5: error: reseller login: missing required field "login"`,
			`a.yaml:6:5: error: reseller plan: missing required field "plan"`,
			`a.yaml:8:5: error: customer login: missing required field "login"`,
			`a.yaml:10:5: missing required field "domain"`}},
		{"null is an error, not absent", dtY("subscriptions:\n  - domain: a.example\n    plan:\n    status: ~\n"), []string{
			`a.yaml:3:5: plan has no value (it is empty or null): it is required, give it a value`,
			`a.yaml:4:5: status has no value (it is empty or null): give it a value, or leave it out for the default`}},
		{"null everywhere", dtY("customers:\nservice_plans:\n  - name:\n    resources: {disk_space: ~, websites: 5}\n    hosting:\n      php_settings: {memory_limit: ~}\n"), []string{
			`a.yaml:1:1: customers has no value (it is empty or null): give it a value, or leave it out for the default`,
			`a.yaml:3:5: name has no value (it is empty or null): it is required, give it a value`,
			`a.yaml:4:17: disk_space has no value (it is empty or null): give it a value, or leave it out for the default`,
			`a.yaml:6:22: memory_limit has no value (it is empty or null): give it a value, or leave it out for the default`}},
		{"plan names", dtY("service_plans:\n  - name: none\n  - name: a/b\n  - name: \"\"\n"), []string{
			`a.yaml:2:11: "none" is reserved: plan none means a custom subscription`,
			`a.yaml:3:11: a plan name must not contain '/'`,
			`a.yaml:4:11: name must not be empty`}},
		{"reseller plan owner", dtY("reseller_plans:\n  - name: Gold\n    owner: r1\n"), []string{
			`a.yaml:3:12: reseller plans are owned by the admin only, not "r1"`}},
		{"add-on enumerated setting", dtY("addon_plans:\n  - name: X\n    hosting:\n      php_version: \"8.3\"\n      php_handler: fpm\n      php_settings: {memory_limit: 1G}\n      ssl: true\n"), []string{
			`a.yaml:4:7: error: addon_plan X hosting.php_version: add-on plans carry no enumerated settings; hosting.php_version comes from the service plan only`,
			`a.yaml:5:7: add-on plans carry no enumerated settings; hosting.php_handler comes from the service plan only`,
			`a.yaml:6:7: add-on plans carry no enumerated settings; hosting.php_settings comes from the service plan only`}},
		{"add-on enumerated setting in hcl", dtH("addon_plan \"X\" {\n  dns {\n    zone_type = \"master\"\n  }\n}\n"), []string{
			`a.hcl:3:5: add-on plans carry no enumerated settings; dns.zone_type comes from the service plan only`}},
		{"add-on overuse and reseller-only", dtY("addon_plans:\n  - name: X\n    resources: {overuse: block, customers: 3}\n"), []string{
			`a.yaml:3:17: add-on plans carry no overuse policy; resources.overuse comes from the service plan only`,
			`a.yaml:3:33: resources.customers belongs to reseller plans only`}},
		{"service plan reseller-only", dtY("service_plans:\n  - name: B\n    permissions: {create_customers: true}\n"), []string{
			`a.yaml:3:19: permissions.create_customers belongs to reseller plans only`}},
		{"reseller plan hosting", dtY("reseller_plans:\n  - name: G\n    hosting: {ssl: true}\n"), []string{
			`a.yaml:3:15: reseller plans carry no hosting, mail or DNS parameters; hosting.ssl belongs in service plans`}},
		{"oversell twice", dtY("reseller_plans:\n  - name: G\n    oversell: true\n    resources: {oversell: false}\n"), []string{
			`a.yaml:4:27: oversell is set twice, as oversell and as resources.oversell`}},
		{"oversell on a service plan", dtY("service_plans:\n  - name: B\n    oversell: true\n"), []string{
			`a.yaml:3:5: unknown field "oversell"`}},
		{"reseller allocation with a plan", dtY("reseller_plans:\n  - name: G\nresellers:\n  - login: r1\n    plan: G\n    resources: {disk_space: 1GiB}\n    oversell: true\n"), []string{
			`a.yaml:6:5: an explicit allocation (resources) is allowed only with plan none; reseller plan "G" sets this reseller's allocation`,
			`a.yaml:7:5: an explicit allocation (oversell) is allowed only with plan none`}},
		{"customize", dtY(dtPlans + "subscriptions:\n  - domain: a.example\n    plan: Business\n    customize:\n      resources: {customers: 1}\n      services: [x]\n"), []string{
			`a.yaml:17:19: resources.customers belongs to reseller plans only; it cannot be customised on a subscription`,
			`a.yaml:18:7: unknown field "services" in customize`}},
		{"subscriber settings", dtY(dtPlans + "subscriptions:\n  - {domain: a.example, plan: Business}\nsubscriber_settings:\n  - domain: a.example\n    mail: {enabled: true, webmail: roundcube, antivirus: both}\n    resources: {disk_space: 1GiB}\n"), []string{
			`a.yaml:17:12: error: subscriber_settings a.example mail.enabled: mail.enabled is not a setting a subscriber can change: subscribers may change hosting.php_version,`,
			`a.yaml:17:27: mail.webmail is not a setting a subscriber can change`,
			`a.yaml:18:5: unknown field "resources": valid fields: domain, hosting, mail, dns`}},
		{"sizes", dtY("service_plans:\n  - name: B\n    resources:\n      disk_space: -1\n      traffic: -5GiB\n      mailbox_quota: 10XB\n"), []string{
			`a.yaml:4:19: size -1 is negative; write unlimited for no limit`,
			`a.yaml:5:16: size "-5GiB" is negative`,
			`a.yaml:6:22: malformed size "10XB" (want e.g. 512MiB, 10GiB, 1TB or unlimited)`}},
		{"size of the wrong type", dtY("service_plans:\n  - name: B\n    resources: {disk_space: [1, 2], traffic: true, mailbox_quota: 1.5}\n"), []string{
			`a.yaml:3:29: expected a size such as 10GiB (or a whole number of bytes, or unlimited), got a list`,
			`a.yaml:3:46: expected a size such as 10GiB (or a whole number of bytes, or unlimited), got the boolean true`,
			`a.yaml:3:67: expected a size such as 10GiB (or a whole number of bytes, or unlimited), got the number 1.5`}},
		{"counts", dtY("service_plans:\n  - name: B\n    resources: {websites: -3, mailboxes: many, databases: \"7\", subdomains: 2.5}\n"), []string{
			`a.yaml:3:27: count -3 is negative; write unlimited for no limit`,
			`a.yaml:3:42: expected a count (a whole number or unlimited), got the string "many"`,
			`a.yaml:3:76: expected a count (a whole number or unlimited), got the number 2.5`}},
		{"booleans, enums, durations, strings", dtY("service_plans:\n  - name: B\n    permissions: {manage_dns: \"yes\"}\n    hosting: {php_handler: fmp, php_version: [8]}\n    resources: {expiration: 2w, overuse: {a: 1}}\n"), []string{
			`a.yaml:3:31: expected true or false, got the string "yes"`,
			`a.yaml:4:28: invalid value "fmp"; valid: fpm, fastcgi, cgi; did you mean "fpm"?`,
			`a.yaml:4:46: expected a string, got a list`,
			`a.yaml:5:29: malformed duration "2w"`,
			`a.yaml:5:42: expected one of block, notify, normal, not_suspend, not_suspend_notify, got a map`}},
		{"php settings", dtY("service_plans:\n  - name: B\n    hosting:\n      php_settings: {Memory-Limit: 1G, upload_max_filesize: [1]}\n"), []string{
			`a.yaml:4:22: "Memory-Limit" is not a php.ini directive name`,
			`a.yaml:4:61: expected a php.ini value (a string, number or boolean), got a list`}},
		{"logins", dtY("customers:\n  - login: j doe\n  - login: admin\n  - login: -x\n  - login: JDoe\n    owner: \"r 1\"\n"), []string{
			`a.yaml:2:12: invalid login "j doe": ' ' is not allowed`,
			`a.yaml:3:12: login "admin" is reserved for the administrator`,
			`a.yaml:4:12: invalid login "-x": it must start with a letter or a digit`,
			`a.yaml:5:12: login "JDoe" has upper-case letters: logins are lower-case, write "jdoe"`,
			`a.yaml:6:12: invalid login "r 1"`}},
		{"domains", dtY("subscriptions:\n  - {domain: example, plan: none}\n  - {domain: -a.example, plan: none}\n  - {domain: ex_ample.com, plan: none}\n  - {domain: 10.0.0.1, plan: none}\n  - {domain: a..example, plan: none}\n  - {domain: xn--bcher-kva.example, plan: none}\n  - {domain: shop.example., plan: none}\n  - {domain: 10.0.0.1., plan: none}\n  - {domain: example., plan: none}\n"), []string{
			`a.yaml:2:14: invalid domain "example": a domain has at least two labels`,
			`a.yaml:3:14: invalid domain "-a.example": label "-a" starts or ends with '-'`,
			`a.yaml:4:14: invalid domain "ex_ample.com": '_' is not allowed`,
			`a.yaml:5:14: invalid domain "10.0.0.1": the top-level label is numeric`,
			`a.yaml:6:14: invalid domain "a..example": it has an empty label`,
			`a.yaml:8:14: invalid domain "shop.example.": it ends with a dot: write "shop.example"`,
			// Not told to write what is refused too.
			`a.yaml:9:14: invalid domain "10.0.0.1.": the top-level label is numeric`,
			`a.yaml:10:14: invalid domain "example.": a domain has at least two labels`}},
		{"contacts", dtY("customers:\n  - login: a\n    email: not-an-address\n  - login: b\n    email: Bob <bob@b.example>\n    status: gone\n"), []string{
			`a.yaml:3:12: invalid e-mail address "not-an-address"`,
			`a.yaml:5:12: write the bare e-mail address "bob@b.example", without a display name`,
			`a.yaml:6:13: invalid status "gone"; valid: active, suspended`}},
		{"services", dtY("services:\n  - name: s\n    button: {url: ftp://x.example/, background_image: \"http://\"}\n    send: [primary_domain, customer_phone, primary_domain]\n  - name: t\n    button: {open_in_panel: true}\n    available_to_resellers: \"no\"\n"), []string{
			`a.yaml:3:19: invalid URL "ftp://x.example/": the scheme must be http or https`,
			`a.yaml:3:55: invalid URL "http://": it has no host`,
			`a.yaml:4:28: "customer_phone" cannot be sent; valid: subscription_id,`,
			`a.yaml:4:44: "primary_domain" is listed twice`,
			`a.yaml:6:13: missing required field "url"`,
			`a.yaml:7:29: expected true or false, got the string "no"`}},
		{"scalar where a list is expected", dtY(dtPlans + "subscriptions:\n  - {domain: a.example, plan: Business, addons: Extra Storage}\n"), []string{
			`a.yaml:14:49: expected a list, got the string "Extra Storage"`}},
		{"dates", dtY("subscriptions:\n  - {domain: a.example, plan: none, expires: 31/01/2027}\n  - {domain: b.example, plan: none, expires: true}\n"), []string{
			`a.yaml:2:46: malformed date "31/01/2027"`,
			`a.yaml:3:46: expected a date such as 2027-01-31, got the boolean true`}},
		{"server", dtY("server:\n  components: php8.3\n  extensions:\n    - services: [{name: x}]\n  default_plan: [a]\n"), []string{
			`a.yaml:2:15: expected a list, got the string "php8.3"`,
			`a.yaml:4:7: missing required field "name"`,
			`a.yaml:5:17: expected a string, got a list`}},
		{"server in hcl", dtH("server {\n  components = [\"bind\", \"bind\"]\n  extension \"x\" {\n    service \"y\" {\n      send = [\"nope\"]\n    }\n  }\n}\n"), []string{
			`a.hcl:2:25: warning: server components: component "bind" is listed twice`,
			`a.hcl:5:15: "nope" cannot be sent`}},
		{"secrets", dtY("customers:\n  - login: a\n    password: {env: A, file: b}\n  - login: b\n    password: {vault: x}\n  - login: c\n    password: [x]\n  - login: d\n    password: {env: \"1X\"}\n"), []string{
			`a.yaml:3:15: a secret reference has exactly one key, env or file`,
			`a.yaml:5:16: unknown secret source "vault"`,
			`a.yaml:7:15: expected a secret ({env: NAME}, {file: path} or a string), got a list`,
			`a.yaml:9:21: "1X" is not a valid environment variable name`}},
		{"unresolved secrets", dtY("customers:\n  - login: a\n    password: {env: NOPE}\n  - login: b\n    password: {file: no/such/file}\n"), []string{
			`a.yaml:3:21: error: customer a password: environment variable NOPE is not set`,
			`a.yaml:5:22: error: customer b password: cannot read secret file no/such/file: no such file or directory`}},
		{"empty literal secrets", dtY("customers:\n  - login: a\n    password: \"\"\n  - login: b\n    password: ''\n"), []string{
			`a.yaml:3:15: error: customer a password: password is empty`,
			`a.yaml:5:15: error: customer b password: password is empty`}},
		{"empty literal secret in hcl", dtH("customer \"a\" {\n  password = \"\"\n}\n"), []string{
			`a.hcl:2:14: error: customer a password: password is empty`}},
		{"unresolved secrets in hcl", dtH("customer \"a\" {\n  password = env(\"NOPE\")\n}\n"), []string{
			`a.hcl:2:18: environment variable NOPE is not set`}},
		{"second server", map[string]string{"a.yaml": "server:\n  components: [bind]\n", "b.hcl": "\nserver {\n}\n"}, []string{
			`b.hcl:2:1: error: server: server is declared twice; a config has at most one server block: first declared at a.yaml:1:1`}},
	})
}

// TestDecodeOwners covers the owner defaults and rules of each kind.
func TestDecodeOwners(t *testing.T) {
	files := dtParse(t, map[string]string{"a.yaml": `
resellers:
  - {login: r1, plan: none}
service_plans:
  - {name: P}
  - {name: P, owner: r1}
customers:
  - {login: c0}
  - {login: c1, owner: r1}
subscriptions:
  - {domain: own.example, plan: P}
  - {domain: r.example, owner: r1, plan: P}
  - {domain: c1.example, customer: c1, plan: P}
`})
	cfg, ds := Decode(files, Options{})
	if len(ds) != 0 {
		t.Fatalf("decode: %v", ds)
	}
	if got := cfg.Subscriptions["c1.example"].Owner; got != "" {
		t.Errorf("before Validate, a customer's subscription has owner %q", got)
	}
	if ds := Validate(cfg); len(ds) != 0 {
		t.Fatalf("validate: %v", ds)
	}
	got := map[string]string{}
	for k, p := range cfg.ServicePlans {
		got["plan "+k] = p.Owner
	}
	for k, c := range cfg.Customers {
		got["customer "+k] = c.Owner
	}
	for k, s := range cfg.Subscriptions {
		got["subscription "+k] = s.Owner
	}
	want := map[string]string{
		"plan P": "admin", "plan r1/P": "r1",
		"customer c0": "admin", "customer c1": "r1",
		"subscription own.example": "admin", "subscription r.example": "r1", "subscription c1.example": "r1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("owners (-want +got):\n%s", diff)
	}
}

// TestDecodeNilOptions keeps secret references without resolving them.
func TestDecodeNilOptions(t *testing.T) {
	cfg, ds := Decode(dtParse(t, dtY("customers:\n  - login: a\n    password: {env: NOPE}\n  - login: b\n    password: {file: nope}\n")), Options{})
	if len(ds) != 0 {
		t.Fatalf("diagnostics: %v", ds)
	}
	want := []*model.Secret{{Env: "NOPE"}, {File: "nope"}}
	got := []*model.Secret{cfg.Customers["a"].Password, cfg.Customers["b"].Password}
	if diff := cmp.Diff(want, got, dtIgnoreSrc); diff != "" {
		t.Errorf("secrets (-want +got):\n%s", diff)
	}
}

// TestDecodeHandBuiltTree decodes a tree built by hand, as any parser
// would give it.
func TestDecodeHandBuiltTree(t *testing.T) {
	at := func(line, col int) diag.Range {
		return diag.Range{File: "t", Start: diag.Pos{Line: line, Column: col}, End: diag.Pos{Line: line, Column: col}}
	}
	scalar := func(typ ScalarType, text string, line, col int) *Node {
		return &Node{Kind: ScalarNode, Type: typ, Text: text, Range: at(line, col)}
	}
	sub := &Node{Kind: MapNode, Range: at(2, 3), Entries: []Entry{
		{Key: "domain", KeyRange: at(2, 3), Value: scalar(StringScalar, "A.Example", 2, 11)},
		{Key: "plan", KeyRange: at(3, 3), Value: scalar(StringScalar, "none", 3, 9)},
		{Key: "customize", KeyRange: at(4, 3), Value: &Node{Kind: MapNode, Range: at(4, 14), Entries: []Entry{
			{Key: "resources", KeyRange: at(5, 5), Value: &Node{Kind: MapNode, Range: at(5, 16), Entries: []Entry{
				{Key: "disk_space", KeyRange: at(6, 7), Value: scalar(IntScalar, "1024", 6, 19)},
				{Key: "websites", KeyRange: at(7, 7), Value: scalar(StringScalar, "unlimited", 7, 17)},
			}}},
		}}},
	}}
	root := &Node{Kind: MapNode, Range: at(1, 1), Entries: []Entry{
		{Key: "subscriptions", KeyRange: at(1, 1), Value: &Node{Kind: ListNode, Range: at(2, 1), Items: []*Node{sub}}},
	}}
	cfg, ds := Decode([]*File{{Path: "t", Rel: "t", Root: root}}, Options{})
	if len(ds) != 0 {
		t.Fatalf("diagnostics: %v", ds)
	}
	s := cfg.Subscriptions["a.example"]
	want := &model.Subscription{Domain: "a.example", Owner: "admin", Plan: "none", Status: "active",
		Customize: model.Props{"resources.disk_space": model.Size(1024), "resources.websites": model.Count(model.Unlimited)}}
	if diff := cmp.Diff(want, s, dtIgnoreSrc); diff != "" {
		t.Errorf("subscription (-want +got):\n%s", diff)
	}
	if got := s.Src.At("customize.resources.websites"); got != at(7, 17) {
		t.Errorf("websites at %v", got)
	}
}

// TestDecodeDeterministic decodes many files concurrently and gets the
// same diagnostics every time.
func TestDecodeDeterministic(t *testing.T) {
	files := map[string]string{}
	for i := range 40 {
		files[fmt.Sprintf("f%02d.yaml", i)] = fmt.Sprintf("subscriptions:\n  - {domain: dup.example, plan: none}\n  - {domain: s%d.example, plan: none, bogus: %d}\n", i, i)
	}
	parsed := dtParse(t, files)
	_, first := Decode(parsed, Options{})
	if len(first) != 40+39 {
		t.Fatalf("%d diagnostics", len(first))
	}
	if first[0].Subject.File != "f00.yaml" || !strings.Contains(first[1].Summary, "declared twice") || first[1].Related[0].File != "f00.yaml" {
		t.Errorf("unexpected first diagnostics: %v", first[:2])
	}
	for range 5 {
		_, again := Decode(parsed, Options{})
		if diff := cmp.Diff(first, again); diff != "" {
			t.Fatalf("diagnostics differ between runs:\n%s", diff)
		}
	}
}

// dtBenchFiles builds n subscriptions spread over files of per each.
func dtBenchFiles(b testing.TB, n, per int) []*File {
	var head strings.Builder
	head.WriteString("service_plans:\n  - name: Business\n    resources: {disk_space: 10GiB}\naddon_plans:\n  - name: Extra\ncustomers:\n")
	for i := range n / 10 {
		fmt.Fprintf(&head, "  - {login: c%d, name: Customer %d, email: c%d@example.com, password: {env: PW}}\n", i, i, i)
	}
	files := []*File{}
	f, ds := ParseFile("base.yaml", "base.yaml", []byte(head.String()))
	if ds.HasErrors() {
		b.Fatal(ds)
	}
	files = append(files, f)
	for start := 0; start < n; start += per {
		var s strings.Builder
		s.WriteString("subscriptions:\n")
		for i := start; i < min(start+per, n); i++ {
			fmt.Fprintf(&s, "  - domain: site%d.example.com\n    customer: c%d\n    plan: Business\n    addons: [Extra]\n", i, i/10)
			if i%10 == 0 {
				s.WriteString("    customize:\n      resources: {disk_space: 20GiB, websites: 3}\n      hosting: {php_version: \"8.2\"}\n")
			}
		}
		name := fmt.Sprintf("subs/%06d.yaml", start)
		f, ds := ParseFile(name, name, []byte(s.String()))
		if ds.HasErrors() {
			b.Fatal(ds)
		}
		files = append(files, f)
	}
	return files
}

// BenchmarkDecode decodes and validates 100,000 subscriptions (and
// 10,000 customers) read from 100 files. Besides wall time it reports
// the CPU time the process spent per operation (cpu-ms/op, GC included),
// which stays meaningful on a loaded machine.
func BenchmarkDecode(b *testing.B) {
	files := dtBenchFiles(b, 100_000, 1000)
	opts := Options{Getenv: func(string) (string, bool) { return "pw", true }}
	b.Run("decode+validate", func(b *testing.B) {
		cpu := dtCPU()
		for b.Loop() {
			cfg, ds := Decode(files, opts)
			ds = append(ds, Validate(cfg)...)
			if ds.HasErrors() || len(cfg.Subscriptions) != 100_000 {
				b.Fatalf("%d subscriptions, %v", len(cfg.Subscriptions), ds[:min(len(ds), 3)])
			}
		}
		b.ReportMetric((dtCPU()-cpu)*1000/float64(b.N), "cpu-ms/op")
	})
	b.Run("validate", func(b *testing.B) {
		cfg, _ := Decode(files, opts)
		cpu := dtCPU()
		for b.Loop() {
			if ds := Validate(cfg); ds.HasErrors() {
				b.Fatal(ds[0])
			}
		}
		b.ReportMetric((dtCPU()-cpu)*1000/float64(b.N), "cpu-ms/op")
	})
}

// dtCPU returns the CPU seconds (user and system) the process has used
// so far, read from /proc/self/stat; 0 where that does not exist.
func dtCPU() float64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name (which ends with ')'): utime and
	// stime are the 12th and 13th, in clock ticks of 1/100 s.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	var u, k float64
	fmt.Sscan(f[11], &u)
	fmt.Sscan(f[12], &k)
	return (u + k) / 100
}

// FuzzDecode checks that no input makes the decoder panic, and that
// every error names a place.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"full.yaml", "full.hcl"} {
		src, err := os.ReadFile(filepath.Join("testdata", "decode", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(name, string(src))
	}
	f.Add("a.yaml", dtPlans+"subscriptions:\n  - {domain: a.example, plan: Business, addons: [Extra Storage, Extra Storage]}\n")
	f.Add("a.yaml", "customers: [{login: x, password: {env: X}}]\n")
	f.Fuzz(func(t *testing.T, name, src string) {
		if !strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, ".hcl") {
			name = "a.yaml"
		}
		file, ds := ParseFile(name, name, []byte(src))
		if ds.HasErrors() {
			return
		}
		cfg, ds := Decode([]*File{file}, Options{Getenv: func(string) (string, bool) { return "x", true },
			ReadFile: func(string) ([]byte, error) { return []byte("x"), nil }})
		ds = append(ds, Validate(cfg)...)
		for _, d := range ds {
			if d.Subject.IsZero() {
				t.Errorf("diagnostic without a place: %v", d)
			}
		}
	})
}

// TestDecodeIPAddress: a subscription's ip_address, YAML or HCL, is an
// IPv4 or IPv6 address kept in canonical form (the server's spelling);
// anything else is an error at the value's position.
func TestDecodeIPAddress(t *testing.T) {
	files := dtParse(t, map[string]string{"a.yaml": `
service_plans:
  - {name: P}
subscriptions:
  - {domain: v4.example, plan: P, ip_address: 192.0.2.20}
  - {domain: v6.example, plan: P, ip_address: "2001:DB8:0:0::20"}
  - {domain: mapped.example, plan: P, ip_address: "::ffff:192.0.2.21"}
  - {domain: none.example, plan: P}
`, "b.hcl": `
subscription "h.example" {
  plan       = "P"
  ip_address = "198.51.100.7"
}
`})
	cfg, ds := Decode(files, Options{})
	if len(ds) != 0 {
		t.Fatalf("decode: %v", ds)
	}
	got := map[string]string{}
	for k, s := range cfg.Subscriptions {
		got[k] = s.IPAddress
	}
	want := map[string]string{"v4.example": "192.0.2.20", "v6.example": "2001:db8::20", "mapped.example": "192.0.2.21",
		"none.example": "", "h.example": "198.51.100.7"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ip_address (-want +got):\n%s", diff)
	}
	dtRun(t, []dtErrCase{
		{"bad ip_address", dtY("service_plans:\n  - name: P\nsubscriptions:\n  - domain: a.example\n    plan: P\n    ip_address: 192.0.2.300\n"), []string{
			`a.yaml:6:17: error: subscription a.example ip_address: "192.0.2.300" is not an IPv4 or IPv6 address`}},
		{"ip_address with a zone", dtY("service_plans:\n  - name: P\nsubscriptions:\n  - domain: a.example\n    plan: P\n    ip_address: fe80::1%eth0\n"), []string{
			`a.yaml:6:17: error: subscription a.example ip_address: "fe80::1%eth0" is not an IPv4 or IPv6 address`}},
		{"ip_address a list", dtY("service_plans:\n  - name: P\nsubscriptions:\n  - domain: a.example\n    plan: P\n    ip_address: [192.0.2.20]\n"), []string{
			`a.yaml:6:17: error: subscription a.example ip_address:`}},
		{"bad ip_address in hcl", dtH("service_plan \"P\" {}\nsubscription \"a.example\" {\n  plan = \"P\"\n  ip_address = \"host.example\"\n}\n"), []string{
			`a.hcl:4:16: error: subscription a.example ip_address: "host.example" is not an IPv4 or IPv6 address`}},
	})
}
