package config

// Tests of schemas/plansync.schema.json, the JSON Schema of the YAML
// form, against the loader. The schema is compiled by a real validator
// (santhosh-tekuri/jsonschema). Documents are read by the loader's own
// parser (ParseFile) and the tree handed to the validator as JSON values,
// so the schema and the decoder judge exactly the same thing.
//
// The tests keep the two from drifting apart:
//   - TestSchemaUpToDate: the committed file is what schemagen_test.go
//     generates from the decoder's tables and the catalogue;
//   - TestSchemaExamples: every example (and the decoder's full.yaml)
//     validates, HCL files too once read into the common tree;
//   - TestSchemaWrittenConfigs: what fleet.WriteYAML writes validates;
//   - TestSchemaBadDocuments / TestSchemaGoodDocuments: documents that
//     Load refuses the schema refuses, documents Load accepts it accepts;
//   - TestSchemaValueTypes: sizes, counts, durations, dates, secrets,
//     logins, domains, e-mail addresses, URLs and names: the schema's
//     patterns say yes exactly where the decoder does;
//   - TestSchemaCoversDecoder: the fields of every kind and the keys of
//     every property section are the decoder's, both read from its
//     tables and found by probing it: every property the schema lists is
//     accepted by the decoder on its own, and every name the decoder
//     accepts (of all the names any kind, section or catalogue knows) is
//     in the schema;
//   - TestSchemaDescriptions: every property has a description.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/plansync/plansync/internal/configfile"
	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/fleet"
	"github.com/plansync/plansync/internal/model"
)

// TestSchemaUpToDate: the committed schema is the generated one.
// PLANSYNC_UPDATE=1 rewrites it.
func TestSchemaUpToDate(t *testing.T) {
	want, err := sgGenerate()
	if err != nil {
		t.Fatalf("generating the schema: %v", err)
	}
	if os.Getenv("PLANSYNC_UPDATE") == "1" {
		if err := os.WriteFile(sgSchemaFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %s", sgSchemaFile)
		return
	}
	got, err := os.ReadFile(sgSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")); diff != "" {
		t.Errorf("%s is not the generated schema; run PLANSYNC_UPDATE=1 go test ./internal/config -run TestSchemaUpToDate (-generated +committed):\n%s", sgSchemaFile, diff)
	}
}

// stCompile compiles the committed schema, checking it against the
// 2020-12 meta-schema first.
func stCompile(t testing.TB) *jsonschema.Schema {
	t.Helper()
	return stCompileWith(t, nil)
}

// stEditorEmail and stEditorURI are the checks yaml-language-server (and
// VS Code's JSON service it derives from) makes of the formats email and
// uri: editors assert formats, where a 2020-12 validator by default only
// annotates them.
var (
	stEditorEmail = regexp.MustCompile(`^(([^<>()\[\]\\.,;:\s@"]+(\.[^<>()\[\]\\.,;:\s@"]+)*)|(".+"))@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))$`)
	stEditorURI   = regexp.MustCompile(`^(([^:/?#]+?):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?`)
)

// stCompileEditor compiles the committed schema as an editor judges it:
// with the formats asserted, as yaml-language-server checks them.
func stCompileEditor(t testing.TB) *jsonschema.Schema {
	t.Helper()
	return stCompileWith(t, func(c *jsonschema.Compiler) {
		c.AssertFormat()
		c.RegisterFormat(&jsonschema.Format{Name: "email", Validate: func(v any) error {
			if s, ok := v.(string); ok && !stEditorEmail.MatchString(s) {
				return fmt.Errorf("String is not an e-mail address.")
			}
			return nil
		}})
		c.RegisterFormat(&jsonschema.Format{Name: "uri", Validate: func(v any) error {
			if s, ok := v.(string); ok {
				if m := stEditorURI.FindStringSubmatch(s); s == "" || m == nil || m[2] == "" {
					return fmt.Errorf("URI with a scheme is expected.")
				}
			}
			return nil
		}})
	})
}

func stCompileWith(t testing.TB, setup func(*jsonschema.Compiler)) *jsonschema.Schema {
	t.Helper()
	src, err := os.ReadFile(sgSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("%s: %v", sgSchemaFile, err)
	}
	c := jsonschema.NewCompiler()
	if setup != nil {
		setup(c)
	}
	meta, err := c.Compile("https://json-schema.org/draft/2020-12/schema")
	if err != nil {
		t.Fatal(err)
	}
	if err := meta.Validate(doc); err != nil {
		t.Fatalf("%s is not a valid 2020-12 schema: %v", sgSchemaFile, err)
	}
	if err := c.AddResource(sgID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(sgID)
	if err != nil {
		t.Fatalf("compiling %s: %v", sgSchemaFile, err)
	}
	return sch
}

// stRaw reads the committed schema as plain JSON values, to walk it.
func stRaw(t testing.TB) map[string]any {
	t.Helper()
	src, err := os.ReadFile(sgSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(src, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// stInstance turns a config tree into the JSON value the validator
// checks: what an editor sees in the YAML file.
func stInstance(n *Node) any {
	switch n.Kind {
	case MapNode:
		m := make(map[string]any, len(n.Entries))
		for _, e := range n.Entries {
			m[e.Key] = stInstance(e.Value)
		}
		return m
	case ListNode:
		l := make([]any, len(n.Items))
		for i, it := range n.Items {
			l[i] = stInstance(it)
		}
		return l
	}
	switch n.Type {
	case IntScalar:
		if v, err := strconv.ParseInt(n.Text, 0, 64); err == nil {
			return v
		}
		if v, err := strconv.ParseFloat(n.Text, 64); err == nil {
			return v
		}
	case FloatScalar:
		if v, err := strconv.ParseFloat(n.Text, 64); err == nil {
			return v
		}
	case BoolScalar:
		return n.Text == "true"
	case NullScalar:
		return nil
	}
	return n.Text
}

// stParse parses one YAML document with the loader's parser.
func stParse(t testing.TB, name, src string) *File {
	t.Helper()
	f, ds := ParseFile(name, name, []byte(src))
	if ds.HasErrors() {
		t.Fatalf("%s does not parse: %s\n%s", name, ds.Error(), src)
	}
	return f
}

// stJudge returns the schema's verdict on a document (nil: valid) and
// the decoder's errors (Decode only: no cross-object checks, secrets not
// resolved).
//
//lint:ignore ST1008 the schema's verdict comes first, as the two are compared in that order
func stJudge(t testing.TB, sch *jsonschema.Schema, src string) (error, diag.Diagnostics) {
	t.Helper()
	f := stParse(t, "doc.yaml", src)
	verr := sch.Validate(stInstance(f.Root))
	_, ds := Decode([]*File{f}, Options{})
	var errs diag.Diagnostics
	for _, d := range ds {
		if d.Severity == diag.Error {
			errs = append(errs, d)
		}
	}
	return verr, errs
}

// stVerdict says what the schema made of a document, shortened.
func stVerdict(err error) string {
	if err == nil {
		return "valid"
	}
	s := err.Error()
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

// TestSchemaExamples: every YAML file of the examples and the decoder's
// full.yaml (every field of every kind) validate; so do the HCL files,
// read into the tree both syntaxes share.
func TestSchemaExamples(t *testing.T) {
	sch := stCompile(t)
	var files []string
	err := filepath.WalkDir(filepath.Join("..", "..", "examples"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if configfile.Syntax(p) != "" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join("testdata", "decode", "full.yaml"), filepath.Join("testdata", "decode", "full.hcl"))
	yamls := 0
	for _, p := range files {
		if configfile.Syntax(p) == "yaml" {
			yamls++
		}
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f := stParse(t, p, string(src))
		if err := sch.Validate(stInstance(f.Root)); err != nil {
			t.Errorf("%s does not validate against the schema:\n%v", p, err)
		}
	}
	if yamls < 5 {
		t.Fatalf("found only %d YAML files to validate", yamls)
	}
}

// TestSchemaWrittenConfigs: what plansync itself writes in YAML
// (fleet.WriteYAML) validates: each example loaded and written back, and
// a generated fleet.
func TestSchemaWrittenConfigs(t *testing.T) {
	sch := stCompile(t)
	check := func(name string, cfg *model.Config) {
		var b bytes.Buffer
		if err := fleet.WriteYAML(&b, cfg); err != nil {
			t.Fatal(err)
		}
		f := stParse(t, name+".yaml", b.String())
		if err := sch.Validate(stInstance(f.Root)); err != nil {
			t.Errorf("%s written by fleet.WriteYAML does not validate:\n%v", name, err)
		}
	}
	examples := filepath.Join("..", "..", "examples")
	entries, err := os.ReadDir(examples)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		cfg, ds := Load(filepath.Join(examples, e.Name()), Options{})
		if ds.HasErrors() {
			t.Fatalf("%s: %s", e.Name(), ds.Error())
		}
		check(e.Name(), cfg)
	}
	check("generated", fleet.Generate(fleet.DefaultOptions(200)))
}

// stLoad loads a one-file config directory.
func stLoad(t *testing.T, src string) diag.Diagnostics {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "doc.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, ds := Load(dir, Options{})
	return ds
}

// TestSchemaBadDocuments: documents config.Load refuses, for the reason
// given, fail the schema too.
func TestSchemaBadDocuments(t *testing.T) {
	sch := stCompile(t)
	plan := func(section string) string {
		return "service_plans:\n  - name: Business\n    " + section + "\n"
	}
	cases := []struct{ name, doc, want string }{
		{"unknown top-level key", "service_plan:\n  - name: Business\n", `unknown top-level key "service_plan"`},
		{"unknown field", plan("resources: {disk_spaec: 10GiB}"), `unknown field "disk_spaec"`},
		{"unknown field of a customer", "customers:\n  - {login: jdoe, mail: john@doe.example}\n", `unknown field "mail"`},
		{"unknown field of a button", "services:\n  - name: s\n    button: {url: https://a.example, target: _blank}\n", `unknown field "target"`},
		{"unknown section", plan("limits: {disk_space: 1GiB}"), `unknown field "limits"`},
		{"an empty top-level section", "customers:\n", "customers has no value"},
		{"an empty server", "server: ~\n", "server has no value"},
		{"a null permission", plan("permissions: {manage_dns: null}"), "manage_dns has no value"},
		{"a null section", plan("hosting:"), "hosting has no value"},
		{"an empty plan name", "service_plans:\n  - name:\n", "name has no value"},
		{"a null php.ini value", plan("hosting: {php_settings: {memory_limit: ~}}"), "memory_limit has no value"},
		{"null server labels", "servers:\n  - name: web1\n    labels: ~\n", "labels has no value"},
		{"a blank contact name", "customers:\n  - {login: jdoe, name: \"  \"}\n", "is only blanks"},
		{"a blank reseller name", "resellers:\n  - {login: res1, plan: none, name: \"\\t\"}\n", "is only blanks"},
		{"an empty password", "customers:\n  - {login: jdoe, password: \"\"}\n", "password is empty"},
		{"an empty FTP password", "subscriptions:\n  - {domain: doe.example, plan: none, ftp_password: \"\"}\n", "ftp_password is empty"},
		{"a null customer field", "customers:\n  - {login: jdoe, email: ~}\n", "email has no value"},
		{"negative size", plan("resources: {disk_space: -5GiB}"), "negative"},
		{"negative size in bytes", plan("resources: {disk_space: -5}"), "negative"},
		{"malformed size", plan("resources: {traffic: 10GiBs}"), "malformed size"},
		{"negative count", plan("resources: {mailboxes: -1}"), "negative"},
		{"count not a number", plan("resources: {mailboxes: ten}"), "expected a count"},
		{"malformed duration", plan("resources: {expiration: 1week}"), "malformed duration"},
		{"bad enum", plan("hosting: {php_handler: fastcgi2}"), `invalid value "fastcgi2"`},
		{"bad overuse", plan("resources: {overuse: sometimes}"), `invalid value "sometimes"`},
		{"add-on plan with php_version", "addon_plans:\n  - name: Extra\n    hosting: {php_version: \"8.3\"}\n", "add-on plans carry no enumerated settings"},
		{"add-on plan with webmail", "addon_plans:\n  - name: Extra\n    mail: {webmail: roundcube}\n", "add-on plans carry no enumerated settings"},
		{"add-on plan with php_settings", "addon_plans:\n  - name: Extra\n    hosting: {php_settings: {memory_limit: 1G}}\n", "add-on plans carry no enumerated settings"},
		{"add-on plan with a DNS zone type", "addon_plans:\n  - name: Extra\n    dns: {zone_type: master}\n", "add-on plans carry no enumerated settings"},
		{"add-on plan with overuse", "addon_plans:\n  - name: Extra\n    resources: {overuse: block}\n", "no overuse policy"},
		{"service plan with a reseller resource", plan("resources: {customers: 5}"), "belongs to reseller plans only"},
		{"service plan with oversell", plan("oversell: true"), `unknown field "oversell"`},
		{"reseller plan with hosting", "reseller_plans:\n  - name: Gold\n    hosting: {ssl: true}\n", "reseller plans carry no hosting"},
		{"reseller plan owned by a reseller", "reseller_plans:\n  - {name: Gold, owner: res1}\n", "owned by the admin only"},
		{"a subscription on plan None", "subscriptions:\n  - {domain: doe.example, plan: None}\n", "a custom subscription is written plan: none, in lower case"},
		{"a reseller on plan NONE", "resellers:\n  - {login: res1, plan: NONE}\n", "a reseller without a reseller plan is written plan: none, in lower case"},
		{"a subscription on a plan with a slash", "subscriptions:\n  - {domain: doe.example, plan: a/b}\n", `service plan "a/b" is not declared`},
		{"a reseller on a plan with a slash", "resellers:\n  - {login: res1, plan: a/b}\n", `reseller plan "a/b" is not declared`},
		{"an add-on named none", "service_plans:\n  - name: Business\nsubscriptions:\n  - {domain: doe.example, plan: Business, addons: [none]}\n", `add-on plan "none" is not declared`},
		{"an add-on with a slash", "service_plans:\n  - name: Business\nsubscriptions:\n  - {domain: doe.example, plan: Business, addons: [a/b]}\n", `add-on plan "a/b" is not declared`},
		{"a default plan named none", "server:\n  default_plan: none\n", `default plan "none" is not an admin service plan`},
		{"a default plan with a slash", "servers:\n  - {name: web1, default_plan: a/b}\n", `default plan "a/b" is not an admin service plan`},
		{"missing subscription plan", "subscriptions:\n  - domain: doe.example\n", `missing required field "plan"`},
		{"missing subscription domain", "subscriptions:\n  - plan: none\n", `missing required field "domain"`},
		{"missing customer login", "customers:\n  - name: John Doe\n", `missing required field "login"`},
		{"missing reseller plan", "resellers:\n  - login: res1\n", `missing required field "plan"`},
		{"missing plan name", "service_plans:\n  - description: nameless\n", `missing required field "name"`},
		{"missing service name", "services:\n  - description: nameless\n", `missing required field "name"`},
		{"missing extension name", "server:\n  extensions:\n    - services: [{name: s}]\n", `missing required field "name"`},
		{"missing button url", "services:\n  - name: s\n    button: {open_in_panel: true}\n", `missing required field "url"`},
		{"missing settings domain", "subscriber_settings:\n  - mail: {spamfilter: true}\n", `missing required field "domain"`},
		{"wrong type: a list for a section", plan("resources: [disk_space]"), "expected a map"},
		{"wrong type: a string for a list", "subscriptions:\n  - {domain: doe.example, plan: none, addons: Extra}\n", "expected a list"},
		{"wrong type: a string for a boolean", plan("permissions: {manage_dns: \"yes\"}"), "expected true or false"},
		{"wrong type: a map for a list of objects", "customers:\n  login: jdoe\n", "must be a list"},
		{"wrong type: a number for a duration", plan("resources: {expiration: 30}"), "expected a duration"},
		{"wrong type: a boolean for a name", "service_plans:\n  - name: true\n", "expected a string"},
		{"wrong type: a map for the server's components", "server:\n  components: {php: 8.3}\n", "expected a list"},
		{"bad domain", "subscriptions:\n  - {domain: localhost, plan: none}\n", "invalid domain"},
		{"IP address as a domain", "subscriptions:\n  - {domain: 10.0.0.1, plan: none}\n", "invalid domain"},
		{"bad e-mail", "customers:\n  - {login: jdoe, email: john at doe.example}\n", "invalid e-mail"},
		{"e-mail with a display name", "customers:\n  - {login: jdoe, email: \"John <john@doe.example>\"}\n", "bare e-mail"},
		{"bad URL", "services:\n  - name: s\n    button: {url: \"ftp://files.example\"}\n", "invalid URL"},
		{"bad date", "subscriptions:\n  - {domain: doe.example, plan: none, expires: 31/01/2027}\n", "malformed date"},
		{"bad status", "customers:\n  - {login: jdoe, status: paused}\n", "invalid status"},
		{"reserved login", "customers:\n  - login: admin\n", "reserved for the administrator"},
		{"bad login", "customers:\n  - login: -jdoe\n", "invalid login"},
		{"admin as a customer", "subscriptions:\n  - {domain: doe.example, plan: none, customer: admin}\n", "admin is not a customer"},
		{"plan name with a slash", "service_plans:\n  - name: a/b\n", "must not contain '/'"},
		{"plan named none", "service_plans:\n  - name: None\n", "is reserved"},
		{"empty name", "services:\n  - name: \"  \"\n", "must not be empty"},
		{"allocation with a reseller plan", "reseller_plans:\n  - name: Gold\nresellers:\n  - {login: res1, plan: Gold, resources: {disk_space: 1GiB}}\n", "allowed only with plan none"},
		{"reseller-only resource customised", "subscriptions:\n  - domain: doe.example\n    plan: none\n    customize: {resources: {subscriptions: 5}}\n", "belongs to reseller plans only"},
		{"subscriber setting without a permission", "subscriber_settings:\n  - domain: doe.example\n    mail: {enabled: false}\n", "not a setting a subscriber can change"},
		{"subscriber settings with resources", "subscriber_settings:\n  - domain: doe.example\n    resources: {disk_space: 1GiB}\n", `unknown field "resources"`},
		{"unknown secret source", "customers:\n  - {login: jdoe, password: {vault: jdoe}}\n", "unknown secret source"},
		{"two secret sources", "customers:\n  - {login: jdoe, password: {env: A, file: b}}\n", "exactly one key"},
		{"bad environment variable name", "customers:\n  - {login: jdoe, password: {env: 1BAD}}\n", "not a valid environment variable name"},
		{"unknown information sent", "services:\n  - {name: s, send: [password]}\n", "cannot be sent"},
		{"information sent twice", "services:\n  - {name: s, send: [primary_domain, primary_domain]}\n", "listed twice"},
		{"php setting name", plan("hosting: {php_settings: {Memory-Limit: 1G}}"), "not a php.ini directive"},
		{"php setting value", plan("hosting: {php_settings: {memory_limit: [1G]}}"), "expected a php.ini value"},
		{"php setting value with blanks around it", plan("hosting: {php_settings: {memory_limit: \"1G \"}}"), "starts or ends with blanks"},
		{"add-on attached twice", "service_plans:\n  - name: Business\naddon_plans:\n  - name: Extra\nsubscriptions:\n  - {domain: doe.example, plan: Business, addons: [Extra, Extra]}\n", "attached twice"},
		{"add-on on a custom subscription", "addon_plans:\n  - name: Extra\nsubscriptions:\n  - {domain: doe.example, plan: none, addons: [Extra]}\n", "add-ons can only be attached to a subscription with a service plan"},
		{"service listed twice", "services:\n  - name: s\nservice_plans:\n  - {name: Business, services: [s, s]}\n", "listed twice"},
		{"server and servers", "server:\n  components: [php8.3]\nservers:\n  - name: web1\n", "servers and a server block are both declared"},
		{"a service plan with servers and server_selector", "servers:\n  - {name: web1, labels: {tier: shared}}\nservice_plans:\n  - {name: Business, servers: [web1], server_selector: {tier: shared}}\n", "servers and server_selector are both set"},
		{"an add-on plan with servers and server_selector", "servers:\n  - {name: web1, labels: {tier: shared}}\naddon_plans:\n  - {name: Extra, servers: [web1], server_selector: {tier: shared}}\n", "servers and server_selector are both set"},
		{"a reseller plan with servers and server_selector", "servers:\n  - {name: web1, labels: {tier: shared}}\nreseller_plans:\n  - {name: Gold, server_selector: {tier: shared}, servers: [web1]}\n", "servers and server_selector are both set"},
		{"a service with servers and server_selector", "servers:\n  - {name: web1, labels: {tier: shared}}\nservices:\n  - {name: s, servers: [web1], server_selector: {tier: shared}}\n", "servers and server_selector are both set"},
		{"a reseller plan with oversell twice", "reseller_plans:\n  - {name: Gold, oversell: true, resources: {oversell: true}}\n", "oversell is set twice"},
		{"a reseller with oversell twice", "resellers:\n  - {login: res1, plan: none, oversell: false, resources: {oversell: true}}\n", "oversell is set twice"},
		{"an admin_description on the admin's customer", "customers:\n  - {login: jdoe, admin_description: note}\n", "only a reseller's customer has an admin_description"},
		{"an admin_description on a customer owned by admin", "customers:\n  - {login: jdoe, owner: admin, admin_description: 5}\n", "only a reseller's customer has an admin_description"},
		{"an empty plesk ca_file", "server:\n  plesk: {url: \"https://plesk.example:8443\", key: {env: K}, ca_file: \"\"}\n", "ca_file must not be empty"},
		{"an empty plesk login", "server:\n  plesk: {url: \"https://plesk.example:8443\", login: \"\", password: {env: P}}\n", "login must not be empty"},
		{"a plesk key and login", "server:\n  plesk: {url: \"https://plesk.example:8443\", key: {env: K}, login: admin}\n", "a key or a login and password, not both"},
		// Every kind and key of SPEC §2 and §6, written wrong: a wrong
		// type, a bad enum value, a key the kind does not take.
		{"a server written as a list", "server:\n  - components: [php8.3]\n", "server must be a map, got a list"},
		{"server labels as a list", "servers:\n  - {name: web1, labels: [eu]}\n", "labels must be a map of label names to values, such as {tier: shared}; got a list"},
		{"an unknown field of a server", "servers:\n  - {name: web1, region: eu}\n", `unknown field "region"`},
		{"a named server's plesk without url", "servers:\n  - name: web1\n    plesk: {key: {env: K}}\n", `missing required field "url"`},
		{"an unknown plesk field", "server:\n  plesk: {url: \"https://plesk.example:8443\", key: {env: K}, insecure: true}\n", `unknown field "insecure" in plesk`},
		{"an unknown field of an extension", "server:\n  extensions:\n    - {name: wp-toolkit, version: 1}\n", `unknown field "version"`},
		{"an extension's service placed on servers", "server:\n  extensions:\n    - {name: wp-toolkit, services: [{name: wp, servers: [web1]}]}\n", `unknown field "servers"`},
		{"available_to_resellers as a string", "services:\n  - {name: s, available_to_resellers: \"yes\"}\n", `expected true or false, got the string "yes"`},
		{"open_in_panel as a string", "services:\n  - name: s\n    button: {url: \"https://a.example\", open_in_panel: \"no\"}\n", `expected true or false, got the string "no"`},
		{"a button written as a URL", "services:\n  - {name: s, button: \"https://a.example\"}\n", `expected a map (url, background_image, open_in_panel), got the string "https://a.example"`},
		{"a service plan granting create_customers", "service_plans:\n  - {name: Business, permissions: {create_customers: true}}\n", "permissions.create_customers belongs to reseller plans only"},
		{"bad ssh", "service_plans:\n  - {name: Business, hosting: {ssh: sh}}\n", `invalid value "sh"`},
		{"bad webstats", "service_plans:\n  - {name: Business, hosting: {webstats: goaccess}}\n", `invalid value "goaccess"`},
		{"bad webmail", "service_plans:\n  - {name: Business, mail: {webmail: squirrel}}\n", `invalid value "squirrel"`},
		{"bad antivirus", "service_plans:\n  - {name: Business, mail: {antivirus: \"on\"}}\n", `invalid value "on"`},
		{"bad zone type", "service_plans:\n  - {name: Business, dns: {zone_type: primary}}\n", `invalid value "primary"`},
		{"unknown dns field", "service_plans:\n  - {name: Business, dns: {ttl: 300}}\n", `unknown field "ttl" in dns`},
		{"an enum in upper case", "service_plans:\n  - {name: Business, hosting: {php_handler: FPM}}\n", `invalid value "FPM"`},
		{"add-on plan with ssh", "addon_plans:\n  - {name: Extra, hosting: {ssh: bash}}\n", "add-on plans carry no enumerated settings; hosting.ssh comes from the service plan only"},
		{"add-on plan with antivirus", "addon_plans:\n  - {name: Extra, mail: {antivirus: both}}\n", "add-on plans carry no enumerated settings; mail.antivirus comes from the service plan only"},
		{"add-on plan granting create_customers", "addon_plans:\n  - {name: Extra, permissions: {create_customers: true}}\n", "permissions.create_customers belongs to reseller plans only"},
		{"reseller plan with mail", "reseller_plans:\n  - {name: Gold, mail: {enabled: true}}\n", "reseller plans carry no hosting, mail or DNS parameters; mail.enabled belongs in service plans"},
		{"reseller plan owned by Admin", "reseller_plans:\n  - {name: Gold, owner: Admin}\n", `login "Admin" has upper-case letters`},
		{"reseller plan with oversell as a string", "reseller_plans:\n  - {name: Gold, oversell: \"true\"}\n", `expected true or false, got the string "true"`},
		{"reseller with hosting", "resellers:\n  - {login: acme, plan: none, hosting: {ssl: true}}\n", `unknown field "hosting"`},
		{"reseller with an owner", "resellers:\n  - {login: acme, plan: none, owner: admin, resources: {disk_space: 1GiB}}\n", `unknown field "owner"`},
		{"managed_by in upper case", "resellers:\n  - {login: acme, plan: none, managed_by: Billing, resources: {disk_space: 1GiB}}\n", `invalid managed_by "Billing"`},
		{"reseller renamed from admin", "resellers:\n  - {login: acme, renamed_from: admin, plan: none, resources: {disk_space: 1GiB}}\n", `login "admin" is reserved for the administrator`},
		{"reseller with server_selector", "servers:\n  - {name: web1, labels: {a: b}}\nresellers:\n  - {login: acme, plan: none, server_selector: {a: b}, resources: {disk_space: 1GiB}}\n", `unknown field "server_selector"`},
		{"reseller status as a boolean", "resellers:\n  - {login: acme, plan: none, status: true, resources: {disk_space: 1GiB}}\n", "expected a string, got the boolean true"},
		{"reseller with an admin_description", "resellers:\n  - {login: acme, plan: none, admin_description: x, resources: {disk_space: 1GiB}}\n", `unknown field "admin_description"`},
		{"customer with a plan", "customers:\n  - {login: jdoe, plan: Business}\n", `unknown field "plan"`},
		{"customer e-mail as a list", "customers:\n  - {login: jdoe, email: [a@b.example]}\n", "expected a string, got a list"},
		{"customize granting create_customers", "subscriptions:\n  - {domain: doe.example, plan: none, customize: {permissions: {create_customers: true}}}\n", "permissions.create_customers belongs to reseller plans only; it cannot be customised on a subscription"},
		{"customize with oversell", "subscriptions:\n  - {domain: doe.example, plan: none, customize: {resources: {oversell: true}}}\n", `unknown field "oversell" in customize.resources`},
		{"customize as a list", "subscriptions:\n  - {domain: doe.example, plan: none, customize: [a]}\n", "expected a map of resources, permissions, hosting, mail, dns, got a list"},
		{"FTP login in upper case", "subscriptions:\n  - {domain: doe.example, plan: none, ftp_login: DoeFTP}\n", `login "DoeFTP" has upper-case letters`},
		{"expires as a number", "subscriptions:\n  - {domain: doe.example, plan: none, expires: 2027}\n", `malformed date "2027"`},
		{"expires unlimited", "subscriptions:\n  - {domain: doe.example, plan: none, expires: unlimited}\n", `malformed date "unlimited"`},
		{"status in upper case", "subscriptions:\n  - {domain: doe.example, plan: none, status: Active}\n", `invalid status "Active"`},
		{"subscription managed by another", "subscriptions:\n  - {domain: doe.example, plan: none, managed_by: whmcs}\n", `invalid managed_by "whmcs"`},
		{"subscription placed on servers", "servers:\n  - name: web1\nsubscriptions:\n  - {domain: doe.example, plan: none, servers: [web1]}\n", `unknown field "servers"`},
		{"an empty secret file name", "customers:\n  - {login: jdoe, password: {file: \"\"}}\n", `file expects a non-empty string, got the string ""`},
		{"a list as a variable name", "customers:\n  - {login: jdoe, password: {env: [A]}}\n", "env expects a non-empty string, got a list"},
		{"a boolean password", "customers:\n  - {login: jdoe, password: true}\n", "expected a secret ({env: NAME}, {file: path} or a string), got the boolean true"},
		{"a boolean in server_selector", "servers:\n  - {name: web1, labels: {tier: shared}}\nservices:\n  - {name: s, server_selector: {tier: true}}\n", "expected a string, got the boolean true"},
		{"server_selector as a list", "servers:\n  - {name: web1, labels: {tier: shared}}\nservice_plans:\n  - {name: Business, server_selector: [shared]}\n", "server_selector must be a map of label names to values, such as {tier: shared}; got a list"},
		{"a server listed twice", "servers:\n  - name: web1\nservice_plans:\n  - {name: Business, servers: [web1, web1]}\n", `server "web1" is listed twice`},
		{"a server name in upper case", "servers:\n  - name: web1\ncustomers:\n  - {login: jdoe, servers: [Web1]}\n", `invalid server name "Web1"`},
		{"subscriber settings with webmail", "service_plans:\n  - name: Business\nsubscriptions:\n  - {domain: doe.example, plan: Business}\nsubscriber_settings:\n  - domain: doe.example\n    mail: {webmail: roundcube}\n", "mail.webmail is not a setting a subscriber can change"},
		{"subscriber settings with permissions", "service_plans:\n  - name: Business\nsubscriptions:\n  - {domain: doe.example, plan: Business}\nsubscriber_settings:\n  - domain: doe.example\n    permissions: {manage_dns: true}\n", `unknown field "permissions"`},
		{"subscriber settings with a bad ssh", "service_plans:\n  - {name: Business, permissions: {manage_ssh: true}}\nsubscriptions:\n  - {domain: doe.example, plan: Business}\nsubscriber_settings:\n  - domain: doe.example\n    hosting: {ssh: zsh}\n", `invalid value "zsh"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := stLoad(t, c.doc)
			if !ds.HasErrors() {
				t.Errorf("config.Load accepts it:\n%s", c.doc)
			} else if !strings.Contains(ds.Error(), c.want) {
				t.Errorf("config.Load refuses it, but not for %q:\n%s\n%s", c.want, ds.Error(), c.doc)
			}
			f := stParse(t, "doc.yaml", c.doc)
			if err := sch.Validate(stInstance(f.Root)); err == nil {
				t.Errorf("the schema accepts it:\n%s", c.doc)
			}
		})
	}
}

// TestSchemaGoodDocuments: less common ways of writing valid values,
// accepted by config.Load and by the schema alike.
func TestSchemaGoodDocuments(t *testing.T) {
	sch := stCompile(t)
	const base = "server:\n  components: [php8.3, php-fpm]\nservice_plans:\n  - name: Business\nreseller_plans:\n  - name: Gold\n"
	cases := []struct{ name, doc string }{
		{"empty file", ""},
		{"sizes and counts written in many ways", base + "addon_plans:\n  - name: Extra\n    resources:\n      disk_space: 1073741824\n      traffic: 100GiB/mo\n      mailbox_quota: \"1.5 GiB\"\n      mailboxes: \"25\"\n      websites: 16\n      databases: unlimited\n      expiration: 1y6mo\n"},
		{"an unquoted PHP version and php.ini values of every type", base + "customers:\n  - login: jdoe\nsubscriptions:\n  - domain: doe.example\n    customer: jdoe\n    plan: Business\n    customize:\n      hosting:\n        php_version: 8.3\n        php_settings: {memory_limit: 256M, max_execution_time: 60, display_errors: false, precision: 14.5}\n"},
		{"numbers as free text", base + "customers:\n  - {login: jdoe, phone: 5551234, company: 1984, description: 42}\n"},
		{"a plain-text password (a warning)", base + "customers:\n  - {login: jdoe, password: hunter2}\n"},
		{"an empty contact name and a blank password", base + "customers:\n  - {login: jdoe, name: \"\", password: \" \"}\n"},
		{"a numeric login and an upper-case domain", base + "customers:\n  - login: 1984\n  - login: j.doe\nsubscriptions:\n  - {domain: Doe.Example, customer: j.doe, plan: Business, expires: \"2027-01-31T10:00:00+02:00\"}\n"},
		{"oversell in resources, owner admin", "reseller_plans:\n  - name: Gold\n    owner: admin\n    resources: {customers: 5, oversell: true}\n"},
		{"a reseller with its own allocation", "services:\n  - name: s\nresellers:\n  - login: res1\n    plan: none\n    resources: {disk_space: 10GiB, subscriptions: 5}\n    permissions: {create_customers: true}\n    services: [s]\n    oversell: true\n"},
		{"empty sections and an empty customisation", base + "addon_plans:\n  - name: Extra\n    dns: {}\n    hosting: {}\nsubscriptions:\n  - {domain: doe.example, plan: none, customize: {}}\n"},
		{"servers with plans placed by list or by selector", "servers:\n  - {name: web1, labels: {tier: shared}}\n  - {name: web2, labels: {tier: vip}}\nservices:\n  - {name: s, servers: [web1]}\nservice_plans:\n  - {name: Business, server_selector: {tier: shared}}\naddon_plans:\n  - {name: Extra, servers: [web2]}\nreseller_plans:\n  - {name: Gold, server_selector: {tier: vip}, oversell: true}\n  - {name: Silver, resources: {oversell: false}}\nresellers:\n  - {login: res1, plan: none, resources: {oversell: true}}\n  - {login: res2, plan: none, oversell: true}\n"},
		{"an admin_description on a reseller's customer", "resellers:\n  - {login: res1, plan: none, resources: {disk_space: 1GiB}}\ncustomers:\n  - {login: jdoe, owner: res1, admin_description: note}\n  - {login: jane, admin_description: \"\"}\n"},
		{"numbers as a Plesk login, a CA file and an image path", "server:\n  plesk: {url: \"https://plesk.example:8443\", login: 1234, password: pw, ca_file: 5}\nservices:\n  - name: s\n    button: {url: \"https://a.example\", background_image: 5}\n"},
		{"plans named almost none, referred to", "server:\n  default_plan: None-plus\nservice_plans:\n  - name: None-plus\n  - name: 2024\naddon_plans:\n  - name: NONE2\nreseller_plans:\n  - name: nonE.\nresellers:\n  - {login: res1, plan: nonE.}\nsubscriptions:\n  - {domain: a.example, plan: None-plus, addons: [NONE2]}\n  - {domain: b.example, plan: 2024}\n"},
		// Every kind of SPEC §2 and §6 with every key it takes.
		{"servers with labels and Plesk connections", "servers:\n  - name: web1\n    labels: {region: eu, tier: shared}\n    plesk: {url: \"https://web1.example.net:8443\", key: {env: WEB1_KEY}}\n  - name: web2\n    labels: {region: us, tier: shared}\n    plesk: {url: \"https://web2.example.net:8443\", key: {env: WEB2_KEY}}\n"},
		{"a Plesk login and password", "server:\n  plesk: {url: \"https://plesk.example:8443\", login: admin, password: {env: P}}\n"},
		{"an extension and its service", "server:\n  extensions:\n    - name: wp-toolkit\n      services:\n        - name: wp\n          description: WordPress\n          button: {url: \"https://a.example\"}\n          send: [primary_domain]\n          available_to_resellers: false\n"},
		{"a service with every field", "services:\n  - name: premium-support\n    description: Premium support\n    button: {url: \"https://support.example/ticket\", background_image: img/s.png, open_in_panel: true}\n    send: [subscription_id, primary_domain, ftp_credentials, customer_id, customer_name, customer_email, customer_company]\n    available_to_resellers: false\n"},
		{"a service plan with every field", "services:\n  - name: s\nservice_plans:\n  - name: Business\n    description: The business plan\n    resources: {disk_space: 10GiB, traffic: 100GiB, websites: 5, subdomains: 10, domain_aliases: 2, mailboxes: 100, mailbox_quota: 1GiB, mailing_lists: 2, databases: 5, ftp_accounts: 3, web_users: 2, expiration: 1y, overuse: not_suspend_notify}\n    permissions: {manage_hosting: true, manage_php_settings: true, manage_php_version: true, manage_dns: true, manage_subdomains: true, manage_domain_aliases: true, manage_ssh: true, manage_crontab: true, manage_spamfilter: true, manage_antivirus: true, manage_webstats: true, manage_logs: true, manage_backups: true, manage_webapps: true, create_websites: false}\n    hosting: {php_version: \"8.3\", php_handler: fpm, php_settings: {memory_limit: 256M, max_execution_time: 60, upload_max_filesize: 64M, post_max_size: 64M}, ssl: true, ssh: chrooted, webstats: awstats}\n    mail: {enabled: true, webmail: roundcube, spamfilter: true, antivirus: both}\n    dns: {zone_type: master}\n    services: [s]\n"},
		{"an add-on plan with every field it takes", "addon_plans:\n  - name: Extra\n    description: more\n    resources: {disk_space: 10GiB, traffic: 10GiB/mo, expiration: 1y}\n    permissions: {manage_dns: true}\n    hosting: {ssl: true}\n    mail: {enabled: true, spamfilter: true}\n    services: []\n"},
		{"a reseller plan with every field", "services:\n  - name: s\nreseller_plans:\n  - name: Gold\n    description: gold\n    owner: admin\n    resources: {disk_space: 100GiB, customers: 10, subscriptions: 20, overuse: block, expiration: 1y, mailbox_quota: 1GiB}\n    permissions: {create_customers: true, allow_oversell: true, manage_dns: true}\n    oversell: true\n    services: [s]\n"},
		{"a reseller with every field", "reseller_plans:\n  - name: Gold\nresellers:\n  - login: acme\n    renamed_from: acme-old\n    password: {env: ACME_PW}\n    name: Acme Ltd\n    company: Acme\n    email: ops@acme.example\n    phone: \"+1 555\"\n    address: 1 Road\n    plan: Gold\n    status: suspended\n    description: big one\n    managed_by: billing\n"},
		{"a reseller with its own allocation, every field", "services:\n  - name: s\nresellers:\n  - login: acme\n    plan: none\n    resources: {disk_space: 10GiB, customers: 5, subscriptions: 10, overuse: block}\n    permissions: {create_customers: true, allow_oversell: true}\n    services: [s]\n    oversell: true\n"},
		{"a customer with every field", "resellers:\n  - {login: acme, plan: none, resources: {disk_space: 1GiB}}\ncustomers:\n  - login: jdoe\n    renamed_from: johnd\n    password: {file: secrets/jdoe}\n    name: John Doe\n    company: Doe Inc\n    email: john@doe.example\n    phone: \"555\"\n    address: Somewhere\n    owner: acme\n    status: active\n    description: by acme\n    admin_description: admin note\n    managed_by: plansync\n"},
		{"a subscription with every field", "service_plans:\n  - name: Business\naddon_plans:\n  - name: Extra\ncustomers:\n  - login: jdoe\nsubscriptions:\n  - domain: doe.example\n    renamed_from: old.example\n    customer: jdoe\n    owner: admin\n    plan: Business\n    addons: [Extra]\n    customize: {resources: {disk_space: 20GiB, overuse: block}, permissions: {manage_dns: true}, hosting: {php_version: \"8.2\", php_handler: fpm, ssl: true, ssh: bash, webstats: none, php_settings: {memory_limit: 1G}}, mail: {enabled: true, webmail: horde, spamfilter: true, antivirus: inbound}, dns: {zone_type: slave}}\n    status: suspended\n    expires: 2027-01-31\n    ftp_login: doeftp\n    ftp_password: {env: DOE_FTP}\n    ip_address: 192.0.2.20\n    managed_by: billing\n"},
		{"subscriber settings with every setting", "service_plans:\n  - name: Business\n    permissions: {manage_hosting: true, manage_php_settings: true, manage_php_version: true, manage_ssh: true, manage_webstats: true, manage_spamfilter: true, manage_antivirus: true, manage_dns: true}\nsubscriptions:\n  - {domain: doe.example, plan: Business}\nsubscriber_settings:\n  - domain: doe.example\n    hosting: {ssl: true, php_settings: {memory_limit: 512M}, php_version: \"8.3\", php_handler: fpm, ssh: bash, webstats: awstats}\n    mail: {spamfilter: true, antivirus: both}\n    dns: {zone_type: master}\n"},
		{"a button with an image path", "services:\n  - name: s\n    button: {url: \"HTTPS://support.example:8443/a?b=c#d\", background_image: images/support.png}\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if ds := stLoad(t, c.doc); ds.HasErrors() {
				t.Errorf("config.Load refuses it:\n%s\n%s", ds.Error(), c.doc)
			}
			f := stParse(t, "doc.yaml", c.doc)
			if err := sch.Validate(stInstance(f.Root)); err != nil {
				t.Errorf("the schema refuses it:\n%v\n%s", err, c.doc)
			}
		})
	}
}

// TestSchemaCannotSee: values the loader refuses that a JSON Schema
// cannot tell from good ones, because it sees the number YAML made of
// them, not how it was written (0x10 is 16 to an editor), or because a
// range cannot be put in a pattern (sizes with units, periods). The
// loader's error is the word; the schema's verdict is pinned here so a
// change to either shows.
func TestSchemaCannotSee(t *testing.T) {
	sch := stCompile(t)
	for _, src := range []string{
		"service_plans:\n  - name: A\n    resources:\n      mailboxes: 0x10\n",
		"service_plans:\n  - name: A\n    resources:\n      mailboxes: 0o17\n",
		"service_plans:\n  - name: A\n    resources:\n      mailboxes: 1_000\n",
		"service_plans:\n  - name: A\n    resources:\n      disk_space: 0x10\n",
		// A sign: YAML reads +5 as 5 and -0 as 0; only digits are written.
		"service_plans:\n  - name: A\n    resources:\n      mailboxes: +5\n",
		"service_plans:\n  - name: A\n    resources:\n      mailboxes: -0\n",
		"service_plans:\n  - name: A\n    resources:\n      disk_space: +100\n",
		"service_plans:\n  - name: A\n    resources:\n      disk_space: -0\n",
		"service_plans:\n  - name: A\n    resources:\n      disk_space: 9PiB\n",
		// Not a whole number of bytes: which decimals make one depends
		// on the unit (0.25KiB does, 0.1KiB does not).
		"service_plans:\n  - name: A\n    resources:\n      disk_space: 0.1KiB\n",
		"service_plans:\n  - name: A\n    resources:\n      disk_space: 1.0000000001kB\n",
		"service_plans:\n  - name: A\n    resources:\n      disk_space: 1.00000000000000000001GiB\n",
		"service_plans:\n  - name: A\n    resources:\n      traffic: 9000TiB/mo\n",
		"service_plans:\n  - name: A\n    resources:\n      mailboxes: \"9007199254740993\"\n",
		"service_plans:\n  - name: A\n    resources:\n      expiration: 101y\n",
		"service_plans:\n  - name: A\n    hosting:\n      php_version: 8\n",
		"service_plans:\n  - name: A\n    resources:\n      expiration: 9999y\n",
		"service_plans:\n  - name: A\n    resources:\n      expiration: 40000d\n",
		// JSON Schema's integer is any number with no fraction.
		"service_plans:\n  - name: A\n    resources:\n      mailboxes: 1.0\n",
		"service_plans:\n  - name: A\n    resources:\n      disk_space: 1e9\n",
		"service_plans:\n  - name: A\n    resources:\n      expiration: 100y1d\n",
		"service_plans:\n  - name: A\n    resources:\n      expiration: 1201mo\n",
		"subscriptions:\n  - domain: a.example\n    plan: none\n    expires: 2027-02-30\n",
		"subscriptions:\n  - domain: a.example\n    plan: none\n    expires: 2027-02-29\n",
		"subscriptions:\n  - domain: a.example\n    plan: none\n    expires: 0000-01-01\n",
		"subscriptions:\n  - domain: a.example\n    plan: none\n    expires: 9999-12-31T23:00:00-05:00\n",
		// Logins and server names YAML reads as numbers: +5 is 5, -0 is
		// 0 and .5 is 0.5 to an editor, which cannot see the sign or
		// the leading point the loader refuses.
		"customers:\n  - login: +5\n",
		"customers:\n  - login: -0\n",
		"customers:\n  - login: .5\n",
		"servers:\n  - name: +5\n",
		"servers:\n  - name: .5\n",
	} {
		verr, derrs := stJudge(t, sch, src)
		if len(derrs) == 0 {
			t.Errorf("the loader accepts:\n%s", src)
		}
		if verr != nil {
			t.Errorf("the schema refuses (move it to TestSchemaValueTypes): %s\n%s", stVerdict(verr), src)
		}
	}
}

// TestSchemaValueTypes: for each value type, written in a field of that
// type, the schema says yes exactly where the decoder does.
func TestSchemaValueTypes(t *testing.T) {
	sch := stCompile(t)
	ed := stCompileEditor(t)
	long := strings.Repeat("a", 63)
	types := []struct {
		name, host string // host holds the value at %s
		ok, bad    []string
	}{
		{"size", "service_plans:\n  - name: A\n    resources:\n      disk_space: %s\n",
			[]string{"10GiB", "512MiB", "1TiB", "2PiB", "8PiB", "500MB", "10GB", "1TB", "1KB", "500kB", "10B", "10", "0", "1073741824", "9007199254740992", "1.5GiB", `"10 GiB"`, `" 10GiB "`, "unlimited",
				"8.2GB", "1.001MB", "1.005kB"},
			[]string{"-5GiB", "-5", `"+5"`, `"-0"`, `"+5GiB"`, "10GiBs", "10gib", "10 GiB /mo", "1.5", "abc", `""`, "unlimited!", "true", "[1]", "{a: 1}", "10KiB/week", "GiB", `"1.5"`, `"1.5B"`, `"1.5 B"`,
				"100GiB/mo", "100GiB/month", "unlimited/mo", "9007199254740993", "9223372036854775807", "99999999999999999999", "~", "null", "",
				`"1.0"`, `"1.0B"`, `"10.00 B"`}},
		{"traffic", "service_plans:\n  - name: A\n    resources:\n      traffic: %s\n",
			[]string{"100GiB", "100GiB/mo", "100GiB/month", "unlimited", "unlimited/mo", "1073741824", "8PiB/mo", "8.2GB/mo"},
			[]string{"-5GiB/mo", "100GiB/week", "100GiB/mo/mo", "100GiB/mo/month", `""`, "9007199254740993", "true", `"1.5/mo"`, `"1.5B/mo"`, `"1.0/mo"`}},
		{"count", "service_plans:\n  - name: A\n    resources:\n      mailboxes: %s\n",
			[]string{"0", "10", "unlimited", `"10"`, "9007199254740992", `"00000000000000001"`, `"0009007199254740992"`},
			[]string{"-1", "1.5", "ten", `"-1"`, `""`, "true", "unlimited/mo", "10GiB", "[1]", `"0x10"`, `"1_000"`, `"+5"`, `"-0"`, `"+0"`,
				"9007199254740993", "9223372036854775807", "99999999999999999999", `"99999999999999999"`, "~", ""}},
		{"duration", "service_plans:\n  - name: A\n    resources:\n      expiration: %s\n",
			[]string{"30d", "6mo", "1y", "1y6mo", "1y6mo15d", "2y30d", "1d", "100y", "unlimited"},
			[]string{"1w", "6m", "30", `"30"`, `""`, "mo", "1d1y", "-1y", "true", "1 y", "0d", "0y", "0mo", "0y0mo0d", "00d", "~", ""}},
		{"date", "subscriptions:\n  - domain: a.example\n    plan: none\n    expires: %s\n",
			[]string{"2027-01-31", "2027-01-31T10:00:00Z", "2027-01-31t10:00:00z", "2027-01-31T10:00:00+02:00", "2027-01-31T10:00:00.5Z", `"2027-12-01"`, "2027-01-31T10:00:00-23:59"},
			[]string{"31/01/2027", "2027-13-01", "2027-1-31", "20270131", "2027", "true", "2027-01-31T10:00Z", `"2027-01-31 10:00:00"`, "tomorrow", `"2027-01-31T10:00:00,5Z"`,
				"2027-01-31T10:00:00+24:00", "2027-01-31T10:00:00-24:00", "2027-01-31T10:00:00+23:60"}},
		{"secret", "customers:\n  - login: jdoe\n    password: %s\n",
			[]string{"{env: JDOE_PASSWORD}", "{env: _x1}", "{file: secrets/jdoe.txt}", "hunter2", "12345"},
			[]string{"{vault: x}", "{env: 1X}", "{env: A-B}", `{env: ""}`, "{env: A, file: b}", "{file: 5}", "{}", "true", "[a]"}},
		{"login", "customers:\n  - login: %s\n",
			[]string{"jdoe", "j.doe", "a", "0day", "j@doe", "j_doe-2", "1984", "1.5", long + "a"},
			[]string{"-jdoe", ".jdoe", "j doe", "admin", "Admin", "J.Doe", "jDoe", long + "ab", `""`, "-5", "true", "[jdoe]", "jdoe!"}},
		{"domain", "subscriptions:\n  - domain: %s\n    plan: none\n",
			[]string{"example.com", "Doe.Example", "xn--bcher-kva.example", "a.b.c.d.example", "1-2.3-4", "a.1a", "x.y1", long + ".example", "1.a"},
			[]string{"localhost", "10.0.0.1", "-a.example", "a-.example", "a..example", "exa mple.com", "a.example.", ".a.example", "ex_ample.com", long + "a.example", "5", `""`, "a.123", "a.b-", "true"}},
		{"email", "customers:\n  - login: jdoe\n    email: %s\n",
			[]string{"john@doe.example", "j.doe+tag@doe.example", "john@doe", "john@doe.x", "john@doe.xn--p1ai", "jöhn@bücher.example"},
			[]string{`"John <john@doe.example>"`, "<john@doe.example>", "john", "john@", `"@doe.example"`, "john doe@doe.example", "5", "true",
				`"a..b@doe.example"`, `".john@doe.example"`, `"john.@doe.example"`, `"john@doe..example"`, `"john@.doe.example"`, `"john@doe.example."`,
				`"john@[192.0.2.1]"`, `"john@[IPv6:2001:db8::1]"`, `"jo\\hn@doe.example"`, `'"john doe"@doe.example'`, `'"john"@doe.example'`}},
		{"url", "services:\n  - name: s\n    button:\n      url: %s\n",
			[]string{"https://a.example/b?c#d", "http://a.example", "https://a.example:8443/p", "HTTPS://a.example",
				`"https://u:p@a.example"`, `"https://[::1]:8443/"`, `"https://a.example/a%20b?q=%zz"`, `"https://a.example:/"`, `"https://bücher.example/straße"`, `"https://a.example:65535/x"`, `"https://a.example:08443"`,
				`"https://[2001:db8::1]:8443/"`, `"https://[::ffff:192.0.2.1]/"`, `"https://[fe80::1%25en0]/"`},
			[]string{"ftp://a.example", "a.example/path", `"https://"`, `"https:///x"`, `"//a.example"`, "5", "true", "mailto:x@a.example", `"https://a.example/a b"`, `"https://a.example/?q=a\tb"`,
				`"https://:8443"`, `"https://[]"`, `"http://a.example:x"`, `"https://a.example:1:2"`, `"https://a.example/%zz"`, `"https://a.example/%2"`, `"https://a.example/#%zz"`, `"https://a{b.example"`, `"https://a.example/\u0001"`,
				`"https://a.example:99999"`, `"https://a.example:0"`, `"https://a.example:65536/x"`,
				`"https://[192.0.2.1]/"`, `"https://[zz]/"`, `"https://[v1.x]/"`, `"https://[fe80::1%en0]/"`}},
		{"ip address", "subscriptions:\n  - domain: a.example\n    plan: none\n    ip_address: %s\n",
			[]string{"192.0.2.20", "0.0.0.0", "255.255.255.255", "2001:db8::20", `"2001:DB8:0::20"`, `"::1"`, `"::"`, `"::ffff:192.0.2.1"`, `"1:2:3:4:5:6:7:8"`, `"1::"`, `"1:2:3:4:5:6::8"`, `"64:ff9b::192.0.2.1"`, `" 192.0.2.20 "`},
			[]string{"192.168.001.1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.", `"fe80::1%eth0"`, "abc", `""`, "5", "true",
				`":::"`, `"1::2::3"`, `"12345::1"`, `"1:2:3:4:5:6:7:8:9"`, `"1:2:3:4:5:6:7"`, `":1"`, `"::ffff:1.2.3.04"`, `"::1.2.3"`, `"g::1"`}},
		{"default ip", "server:\n  plesk:\n    url: https://p.example:8443\n    key: {env: K}\n    default_ip: %s\n",
			[]string{"192.0.2.10", "2001:db8::10", `"::ffff:192.0.2.1"`},
			[]string{"1.2.3", "192.168.001.1", "300.1.1.1", `"fe80::1%eth0"`, "abc", `""`, `" 192.0.2.10"`}},
		{"server name", "servers:\n  - name: %s\n",
			[]string{"web1", "web-1.eu", "5", "1.5", "1e3", `"0"`},
			[]string{"Web1", "-web", "-5", "web 1", `""`, "true", "[web1]"}},
		{"button image", "services:\n  - name: s\n    button:\n      url: https://a.example\n      background_image: %s\n",
			[]string{"images/support.png", `"https://a.example/b.png"`, "5", `"c:/img/b.png"`, `"a:b:c.png"`, `"data:image/png;base64,iVBO"`},
			[]string{`"ftp://files.example/b.png"`, `"a://b"`, `"http://a.example:x/b.png"`, `""`, `"  "`, "true", "[a]", "~", `"https://a.example:99999/b.png"`}},
		{"plesk url", "server:\n  plesk:\n    key: {env: K}\n    url: %s\n",
			[]string{"https://plesk.example:8443", "HTTPS://plesk.example:8443", "https://plesk.example", "https://192.0.2.1:8443/", "http://127.0.0.1:8443", "http://127.0.0.2", "http://localhost:8443", `"http://[::1]:8443"`, "http://LOCALHOST:8443", "HTTP://LocalHost",
				`"http://[0:0:0:0:0:0:0:1]:8443"`, `"http://[::0:0001]"`, `"http://[0::1]"`, `"http://[::ffff:127.0.0.1]"`, `"http://[0:0:0:0:0:FFFF:127.1.2.3]"`, `"http://[::ffff:7f00:1]"`},
			[]string{`"https://"`, "https://u:p@plesk.example:8443", "https://u@plesk.example", "http://plesk.example:8443", "http://127.0.0.1.evil.example", "http://localhost.evil.example",
				`"https://:8443"`, "https://plesk.example:x", `"https://plesk.example/%zz"`, `"https://p{x.example"`, `"http://127.0.0.1:x"`,
				"http://127.1:8443", `"https://plesk.example:8443 x"`, "plesk.example:8443", "ftp://plesk.example", `""`, "5",
				`"https://plesk.example:8443/a b"`, `"https://plesk.example:8443/?a=b c"`, `"https://plesk.example:99999"`, `"http://127.0.0.1:0"`, `"https://[zz]:8443"`,
				`"http://[::2]"`, `"http://[::1:1]"`, `"http://[::ffff:128.0.0.1]"`, `"http://[::ffff:8000:1]"`, `"http://[::ffff:007f00:1]"`, `"http://[::1%25lo]"`, `"http://[0:0:0:0:0:0:0:0:1]"`, `"http://[1::]"`}},
		{"label value", "servers:\n  - name: web1\n    labels: {tier: %s}\n",
			[]string{"shared", `"shared"`, "5", "1.5", `""`},
			[]string{"true", "[a]", "{a: b}", "~"}},
		{"php version", "service_plans:\n  - name: A\n    hosting:\n      php_version: %s\n",
			[]string{"8.3", `"8.3"`, "7.4", `"8.10"`, "'10.0'"},
			[]string{`"eight"`, "eight", `"8"`, `"8.3.1"`, `"v8.3"`, `"8.x"`, `""`, "~", "true", "[8.3]", "-8.3", "-1"}},
		{"plan name", "service_plans:\n  - name: %s\n",
			[]string{"Business", `"Gold Hosting"`, "2024", "Été", "none-plus"},
			[]string{`""`, `"  "`, "a/b", "none", "None", "NONE", "true", "[a]", "~", ""}},
	}
	for _, ty := range types {
		t.Run(ty.name, func(t *testing.T) {
			for _, want := range []bool{true, false} {
				values := ty.ok
				if !want {
					values = ty.bad
				}
				for _, v := range values {
					src := fmt.Sprintf(ty.host, v)
					verr, derrs := stJudge(t, sch, src)
					if (len(derrs) == 0) != want {
						t.Errorf("%s %s: decoder says %v, want %v: %s", ty.name, v, len(derrs) == 0, want, derrs.Error())
					}
					if (verr == nil) != want {
						t.Errorf("%s %s: schema says %v, want %v: %s", ty.name, v, verr == nil, want, stVerdict(verr))
					}
					if want {
						f := stParse(t, "doc.yaml", src)
						if err := ed.Validate(stInstance(f.Root)); err != nil {
							t.Errorf("%s %s: an editor (formats asserted) refuses it: %s", ty.name, v, stVerdict(err))
						}
					}
				}
			}
		})
	}
}

// ---------------------------------------------------------------------
// The schema against the decoder's field tables, and probing.

// stResolve follows a $ref to its definition.
func stResolve(root, s map[string]any) (map[string]any, string) {
	ref, ok := s["$ref"].(string)
	if !ok {
		return s, ""
	}
	name := strings.TrimPrefix(ref, "#/$defs/")
	return root["$defs"].(map[string]any)[name].(map[string]any), name
}

// stProps returns the property names of an object schema, sorted.
func stProps(s map[string]any) []string {
	props, _ := s["properties"].(map[string]any)
	out := make([]string, 0, len(props))
	for k := range props {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func stSorted(l []string) []string {
	out := slices.Clone(l)
	sort.Strings(out)
	return out
}

// stSample makes a valid value for a schema: its first example, else its
// first enum value, else from its type.
func stSample(root, s map[string]any) any {
	if ex, ok := s["examples"].([]any); ok && len(ex) > 0 {
		return ex[0]
	}
	if _, ok := s["$ref"]; ok {
		r, _ := stResolve(root, s)
		return stSample(root, r)
	}
	if c, ok := s["const"]; ok {
		return c
	}
	if e, ok := s["enum"].([]any); ok {
		return e[0]
	}
	if a, ok := s["anyOf"].([]any); ok {
		return stSample(root, a[0].(map[string]any))
	}
	typ := s["type"]
	if l, ok := typ.([]any); ok {
		typ = l[0]
	}
	switch typ {
	case "object":
		return stMinimal(root, s)
	case "array":
		return []any{stSample(root, s["items"].(map[string]any))}
	case "boolean":
		return true
	case "integer", "number":
		return 1
	}
	return "x"
}

// stMinimal is an object with its required fields only.
func stMinimal(root, s map[string]any) map[string]any {
	out := map[string]any{}
	props, _ := s["properties"].(map[string]any)
	req, _ := s["required"].([]any)
	for _, r := range req {
		out[r.(string)] = stSample(root, props[r.(string)].(map[string]any))
	}
	return out
}

// stObject is an object the schema describes, reached from the top.
type stObject struct {
	def     string // its definition ("" for the document itself)
	path    string // where it is, e.g. subscriptions[].customize
	section bool   // a property section (resources, hosting, ...)
	schema  map[string]any
	// wrap places an instance of the object into a whole document that
	// is otherwise minimal.
	wrap func(obj map[string]any) map[string]any
}

// stObjects walks the schema from the top and returns every object it
// describes with fixed properties, each definition once.
func stObjects(root map[string]any) []stObject {
	var out []stObject
	seen := map[string]bool{}
	var visit func(o stObject)
	visit = func(o stObject) {
		out = append(out, o)
		props, _ := o.schema["properties"].(map[string]any)
		for _, name := range stProps(o.schema) {
			ps := props[name].(map[string]any)
			list := false
			if ps["type"] == "array" {
				ps, list = ps["items"].(map[string]any), true
			}
			child, def := stResolve(root, ps)
			if def == "" || seen[def] || child["type"] != "object" || child["additionalProperties"] != false {
				continue
			}
			seen[def] = true
			parent, name := o, name
			visit(stObject{def: def, path: strings.TrimPrefix(o.path+"."+name, "."), section: slices.Contains(model.Sections, name),
				schema: child,
				wrap: func(obj map[string]any) map[string]any {
					p := stMinimal(root, parent.schema)
					if list {
						p[name] = []any{obj}
					} else {
						p[name] = obj
					}
					return parent.wrap(p)
				}})
		}
	}
	visit(stObject{schema: root, wrap: func(obj map[string]any) map[string]any { return obj }})
	return out
}

// stYAML writes a document as YAML.
func stYAML(t testing.TB, doc map[string]any) string {
	t.Helper()
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// stDecoderFields maps each definition of an object to the decoder's
// field table for it.
var stDecoderFields = map[string][]string{
	"server": decServerFields, "plesk": decPleskFields, "named_plesk": decPleskFields, "extension": decExtensionFields, "service": decServiceFields, "extension_service": decExtServiceFields, "button": decButtonFields, "named_server": decNamedServerFields,
	"service_plan": decServicePlanFields, "addon_plan": decServicePlanFields, "reseller_plan": decResellerPlanFields,
	"reseller": decResellerFields, "customer": decCustomerFields, "subscription": decSubscriptionFields,
	"customize": decCustomizeFields, "subscriber_settings": decSettingsFields,
}

// stSectionCtx maps each object with property sections to its decoder
// context.
var stSectionCtx = map[string]decCtx{
	"service_plan": decCtxServicePlan, "addon_plan": decCtxAddonPlan, "reseller_plan": decCtxResellerPlan,
	"reseller": decCtxReseller, "customize": decCtxCustomize, "subscriber_settings": decCtxSettings,
}

// TestSchemaCoversDecoder keeps the schema and the decoder in step, by
// their tables and by probing the decoder.
func TestSchemaCoversDecoder(t *testing.T) {
	sch := stCompile(t)
	root := stRaw(t)
	objects := stObjects(root)

	// The tables: top-level keys, the fields of every kind, the keys of
	// every section in every context, each property's type and enum.
	if diff := cmp.Diff(stSorted(decTopKeys), stProps(root)); diff != "" {
		t.Errorf("top-level keys (-decoder +schema):\n%s", diff)
	}
	catalogued := map[string]bool{}
	kinds := 0
	for _, o := range objects {
		if o.def == "" || o.section {
			continue
		}
		kinds++
		fields, ok := stDecoderFields[o.def]
		if !ok {
			t.Errorf("schema object %s (at %s) has no decoder table in stDecoderFields", o.def, o.path)
			continue
		}
		if diff := cmp.Diff(stSorted(fields), stProps(o.schema)); diff != "" {
			t.Errorf("fields of %s (-decoder +schema):\n%s", o.def, diff)
		}
		ctx, hasSections := stSectionCtx[o.def]
		props, _ := o.schema["properties"].(map[string]any)
		for _, sec := range model.Sections {
			ps, ok := props[sec].(map[string]any)
			if !ok {
				continue
			}
			if !hasSections {
				t.Errorf("%s has a section %s but no decoder context in stSectionCtx", o.def, sec)
				continue
			}
			s, def := stResolve(root, ps)
			if diff := cmp.Diff(stSorted(decSectionKeys(sec, ctx)), stProps(s), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("keys of %s.%s (%s) (-decoder +schema):\n%s", o.def, sec, def, diff)
			}
			keys, _ := s["properties"].(map[string]any)
			for key, v := range keys {
				p := model.Lookup(sec + "." + key)
				if p == nil {
					continue // php_settings, oversell
				}
				catalogued[p.Path] = true
				stCheckKind(t, o.def+"."+sec+"."+key, p, v.(map[string]any))
			}
		}
	}
	if kinds != len(stDecoderFields) {
		t.Errorf("the schema reaches %d kinds of object from the top, stDecoderFields has %d", kinds, len(stDecoderFields))
	}
	for _, p := range model.Catalog() {
		if !catalogued[p.Path] {
			t.Errorf("catalogue property %s appears nowhere in the schema", p.Path)
		}
	}

	// Probing, one way: every property the schema lists, set on its own
	// on an otherwise minimal document, is valid for both.
	for _, o := range objects {
		props, _ := o.schema["properties"].(map[string]any)
		if o.def != "" {
			doc := o.wrap(stMinimal(root, o.schema))
			if verr, derrs := stJudge(t, sch, stYAML(t, doc)); verr != nil || len(derrs) > 0 {
				t.Errorf("minimal %s (at %s): schema %s; decoder: %s\n%s", o.def, o.path, stVerdict(verr), derrs.Error(), stYAML(t, doc))
			}
		}
		for _, name := range stProps(o.schema) {
			obj := stMinimal(root, o.schema)
			obj[name] = stSample(root, props[name].(map[string]any))
			for k, v := range stCompanions[o.def+"."+name] {
				obj[k] = v
			}
			src := stYAML(t, o.wrap(obj))
			if verr, derrs := stJudge(t, sch, src); verr != nil || len(derrs) > 0 {
				t.Errorf("%s.%s: schema %s; decoder: %s\n%s", o.path, name, stVerdict(verr), derrs.Error(), src)
			}
		}
		// Every required field is required by both.
		req, _ := o.schema["required"].([]any)
		for _, r := range req {
			obj := stMinimal(root, o.schema)
			delete(obj, r.(string))
			src := stYAML(t, o.wrap(obj))
			verr, derrs := stJudge(t, sch, src)
			if verr == nil {
				t.Errorf("%s without %s: the schema accepts it", o.path, r)
			}
			if !strings.Contains(derrs.Error(), fmt.Sprintf("missing required field %q", r)) {
				t.Errorf("%s without %s: the decoder does not require it: %s", o.path, r, derrs.Error())
			}
		}
	}

	// Probing, the other way: of every name any object, section or the
	// catalogue knows, the decoder accepts in each object exactly those
	// the schema lists.
	fieldNames := map[string]any{"bogus": "x"}
	sectionNames := map[string]bool{"bogus": true, "php_settings": true, "oversell": true}
	for _, o := range objects {
		props, _ := o.schema["properties"].(map[string]any)
		for name, ps := range props {
			if o.section {
				sectionNames[name] = true
			} else if _, ok := fieldNames[name]; !ok {
				fieldNames[name] = stSample(root, ps.(map[string]any))
			}
		}
	}
	for _, l := range stDecoderFields {
		for _, f := range l {
			if _, ok := fieldNames[f]; !ok {
				fieldNames[f] = "x"
			}
		}
	}
	for _, p := range model.Catalog() {
		_, key, _ := strings.Cut(p.Path, ".")
		sectionNames[key] = true
	}
	probes := 0
	for _, o := range objects {
		props, _ := o.schema["properties"].(map[string]any)
		if o.section {
			sec := o.path[strings.LastIndex(o.path, ".")+1:]
			for name := range sectionNames {
				obj := map[string]any{name: stSectionValue(sec, name)}
				verr, derrs := stJudge(t, sch, stYAML(t, o.wrap(obj)))
				_, listed := props[name]
				decoded := len(derrs) == 0
				if listed != decoded || decoded != (verr == nil) {
					t.Errorf("%s.%s: the schema lists it: %v; the schema accepts it: %v; the decoder accepts it: %v (%s)", o.path, name, listed, verr == nil, decoded, derrs.Error())
				}
				probes++
			}
			continue
		}
		for name, v := range fieldNames {
			obj := stMinimal(root, o.schema)
			if _, ok := obj[name]; ok {
				continue
			}
			obj[name] = v
			_, derrs := stJudge(t, sch, stYAML(t, o.wrap(obj)))
			known := !strings.Contains(derrs.Error(), fmt.Sprintf("unknown field %q", name)) &&
				!strings.Contains(derrs.Error(), fmt.Sprintf("unknown top-level key %q", name))
			_, listed := props[name]
			if stKnownDecoderExtras[o.def][name] {
				if !known || listed {
					t.Errorf("%s field %q is listed in stKnownDecoderExtras, but the decoder knows it: %v, the schema lists it: %v; update stKnownDecoderExtras", o.def, name, known, listed)
				}
				continue
			}
			if listed != known {
				t.Errorf("%s field %q: the schema lists it: %v; the decoder knows it: %v (%s)", stOr(o.path, "top level"), name, listed, known, derrs.Error())
			}
			probes++
		}
	}
	if probes < 500 {
		t.Errorf("only %d probes", probes)
	}
}

// stKnownDecoderExtras are fields the decoder recognises although the
// schema does not list them, because every value of them is refused:
// reseller plans name hosting, mail and dns only to explain that those
// parameters belong in service plans (even an empty map is an error).
// stCompanions are the fields a property needs beside it to be valid on
// an otherwise minimal object: an admin_description is a reseller's
// customer's.
var stCompanions = map[string]map[string]any{
	"customer.admin_description": {"owner": "res1"},
}

var stKnownDecoderExtras = map[string]map[string]bool{
	"reseller_plan": {"hosting": true, "mail": true, "dns": true},
}

func stOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// stSectionValue is a valid value for a key of a property section (any
// value when the catalogue does not know the key there).
func stSectionValue(section, key string) any {
	switch {
	case section == "hosting" && key == "php_settings":
		return map[string]any{"memory_limit": "256M"}
	case section == "resources" && key == "oversell":
		return true
	}
	p := model.Lookup(section + "." + key)
	if p == nil {
		return "x"
	}
	switch p.Kind {
	case model.KindSize:
		return "1GiB"
	case model.KindCount:
		return 5
	case model.KindDuration:
		return "1y"
	case model.KindBool:
		return true
	case model.KindEnum:
		return p.Enum[0]
	}
	return "8.3"
}

// stCheckKind checks that the schema of a catalogue property matches its
// kind and enum.
func stCheckKind(t *testing.T, where string, p *model.Prop, s map[string]any) {
	t.Helper()
	want := map[model.Kind]string{model.KindSize: "#/$defs/size", model.KindCount: "#/$defs/count", model.KindDuration: "#/$defs/duration"}[p.Kind]
	if p.Path == "resources.traffic" {
		want = "#/$defs/traffic" // a size that may carry /mo
	}
	switch p.Kind {
	case model.KindSize, model.KindCount, model.KindDuration:
		if s["$ref"] != want {
			t.Errorf("%s: a %s, but the schema says %v", where, p.Kind, s)
		}
	case model.KindBool:
		if s["type"] != "boolean" {
			t.Errorf("%s: a bool, but the schema says %v", where, s)
		}
	case model.KindEnum:
		var got []string
		for _, e := range s["enum"].([]any) {
			got = append(got, e.(string))
		}
		if diff := cmp.Diff(p.Enum, got); diff != "" {
			t.Errorf("%s: enum (-catalogue +schema):\n%s", where, diff)
		}
	case model.KindString:
		if fmt.Sprint(s["type"]) != "[string number]" {
			t.Errorf("%s: a string, but the schema says %v", where, s)
		}
	default:
		t.Errorf("%s: kind %s not checked", where, p.Kind)
	}
}

// TestSchemaDescriptions: the schema says what it is, and every property
// and definition has a description.
func TestSchemaDescriptions(t *testing.T) {
	root := stRaw(t)
	for _, k := range []string{"$schema", "$id", "title", "description"} {
		if s, _ := root[k].(string); s == "" {
			t.Errorf("the schema has no %s", k)
		}
	}
	if root["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema is %v, want draft 2020-12", root["$schema"])
	}
	if root["additionalProperties"] != false {
		t.Error("the top level allows unknown keys")
	}
	for name, d := range root["$defs"].(map[string]any) {
		if s, _ := d.(map[string]any)["description"].(string); s == "" {
			t.Errorf("definition %s has no description", name)
		}
	}
	count := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				for name, p := range props {
					count++
					if s, _ := p.(map[string]any)["description"].(string); s == "" {
						t.Errorf("property %s.%s has no description", path, name)
					}
				}
			}
			for k, c := range v {
				walk(path+"/"+k, c)
			}
		case []any:
			for i, c := range v {
				walk(path+"/"+strconv.Itoa(i), c)
			}
		}
	}
	walk("", root)
	if count < 100 {
		t.Errorf("only %d properties found", count)
	}
}
