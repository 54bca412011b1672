package config

import "testing"

// TestBlindbadSchemaSpecExample: the SPEC §2.10 YAML example validates
// against schemas/plansync.schema.json (the schema cannot see references,
// so the undeclared add-on and service do not matter to it).
func TestBlindbadSchemaSpecExample(t *testing.T) {
	sch := stCompile(t)
	src := specYAML
	if err := sch.Validate(stInstance(stParse(t, "example.yaml", src).Root)); err != nil {
		t.Errorf("the SPEC §2.10 example does not validate: %v", err)
	}
}

// TestBlindbadSchemaRejects: documents SPEC §2 rejects, one rule each,
// that a schema can express, are rejected by the schema.
func TestBlindbadSchemaRejects(t *testing.T) {
	sch := stCompile(t)
	bad := map[string]string{
		"unknown top-level key":   "service_plan:\n  - name: B\n",
		"unknown plan field":      "service_plans:\n  - name: B\n    resorces: {}\n",
		"unknown resource":        "service_plans:\n  - name: B\n    resources: {disk_spce: 1GiB}\n",
		"bool count":              "service_plans:\n  - name: B\n    resources: {mailboxes: true}\n",
		"negative size":           "service_plans:\n  - name: B\n    resources: {disk_space: -5GiB}\n",
		"bad unit":                "service_plans:\n  - name: B\n    resources: {disk_space: 10XB}\n",
		"float count":             "service_plans:\n  - name: B\n    resources: {mailboxes: 1.5}\n",
		"negative count":          "service_plans:\n  - name: B\n    resources: {mailboxes: -3}\n",
		"bad duration":            "service_plans:\n  - name: B\n    resources: {expiration: 5w}\n",
		"bad overuse":             "service_plans:\n  - name: B\n    overuse: explode\n",
		"overuse on add-on":       "addon_plans:\n  - name: X\n    overuse: block\n",
		"php_version on add-on":   "addon_plans:\n  - name: X\n    hosting: {php_version: \"8.3\"}\n",
		"bad php_handler":         "service_plans:\n  - name: B\n    hosting: {php_handler: apache}\n",
		"bad ssh":                 "service_plans:\n  - name: B\n    hosting: {ssh: zsh}\n",
		"bad antivirus":           "service_plans:\n  - name: B\n    mail: {antivirus: sometimes}\n",
		"bad zone_type":           "service_plans:\n  - name: B\n    dns: {zone_type: primary}\n",
		"string permission":       "service_plans:\n  - name: B\n    permissions: {manage_dns: \"yes\"}\n",
		"bad customer status":     "customers:\n  - login: j\n    status: frozen\n",
		"bad email":               "customers:\n  - login: j\n    email: not-an-email\n",
		"bad url":                 "services:\n  - name: s\n    button: {url: \"not a url\"}\n",
		"bad domain":              "subscriptions:\n  - domain: \"bad domain!\"\n    plan: B\n",
		"missing plan":            "subscriptions:\n  - domain: doe.example\n",
		"addons not a list":       "subscriptions:\n  - domain: doe.example\n    plan: B\n    addons: X\n",
		"bad date":                "subscriptions:\n  - domain: doe.example\n    plan: B\n    expires: 2027-13-45\n",
		"customize unknown key":   "subscriptions:\n  - domain: doe.example\n    plan: B\n    customize: {resorces: {}}\n",
		"reseller plan owner":     "reseller_plans:\n  - name: RP\n    owner: r1\n",
		"server as a list":        "server:\n  - components: [postfix]\n",
		"bad send item":           "services:\n  - name: s\n    send: [password]\n",
		"plan without name":       "service_plans:\n  - resources: {disk_space: 1GiB}\n",
		"secret with unknown key": "customers:\n  - login: j\n    password: {vault: x}\n",
	}
	for name, src := range bad {
		if err := sch.Validate(stInstance(stParse(t, "bad.yaml", src).Root)); err == nil {
			t.Errorf("%s: the schema accepts a document SPEC rejects:\n%s", name, src)
		}
	}
}
