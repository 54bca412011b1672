package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plansync/plansync/internal/diag"
)

// vtBase declares the objects the validation cases refer to; it lives
// in base.yaml, so the cases' own files come after it.
const vtBase = `service_plans:
  - name: Business
    services: [premium-support]
  - name: Reseller Web
    owner: r1
addon_plans:
  - name: Extra Storage
  - name: More Mail
    owner: r1
reseller_plans:
  - name: Gold
services:
  - name: premium-support
resellers:
  - {login: r1, plan: Gold}
  - {login: r2, plan: none}
customers:
  - {login: jdoe}
  - {login: alice, owner: r1}
  - {login: bob, owner: r2}
`

func vtFiles(kv ...string) map[string]string {
	m := map[string]string{"00-base.yaml": vtBase}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestValidateBaseIsValid(t *testing.T) {
	dtRun(t, []dtErrCase{{"base", vtFiles(), nil}})
}

func TestValidateDuplicates(t *testing.T) {
	dtRun(t, []dtErrCase{
		{"subscription across files, case-insensitive", vtFiles(
			"a.yaml", "subscriptions:\n  - {domain: doe.example, plan: none}\n",
			"b.hcl", "subscription \"Doe.Example\" {\n  plan = \"none\"\n}\n"), []string{
			`b.hcl:1:14: error: subscription doe.example domain: subscription "doe.example" is declared twice: first declared at a.yaml:2:14`}},
		{"subscription within a file", vtFiles(
			"a.yaml", "subscriptions:\n  - {domain: doe.example, plan: none}\n  - {domain: doe.example, plan: Business}\n"), []string{
			`a.yaml:3:14: subscription "doe.example" is declared twice: first declared at a.yaml:2:14`}},
		{"service plan by owner and name", vtFiles(
			"a.yaml", "service_plans:\n  - name: Business\n  - name: Business\n    owner: r2\n  - name: Reseller Web\n    owner: r1\n"), []string{
			`a.yaml:2:11: error: service_plan Business name: service_plan "Business" is declared twice: first declared at 00-base.yaml:2:11`,
			`a.yaml:5:11: error: service_plan r1/Reseller Web name: service_plan of reseller r1 "Reseller Web" is declared twice: first declared at 00-base.yaml:4:11`}},
		{"add-on and reseller plans", vtFiles(
			"a.hcl", "addon_plan \"Extra Storage\" {}\nreseller_plan \"Gold\" {}\n"), []string{
			`a.hcl:1:12: addon_plan "Extra Storage" is declared twice: first declared at 00-base.yaml:7:11`,
			`a.hcl:2:15: reseller_plan "Gold" is declared twice: first declared at 00-base.yaml:11:11`}},
		{"accounts", vtFiles(
			"a.yaml", "resellers:\n  - {login: r2, plan: none}\ncustomers:\n  - {login: r1}\n  - {login: jdoe}\n"), []string{
			`a.yaml:2:13: error: reseller r2 login: reseller "r2" is declared twice: first declared at 00-base.yaml:16:13`,
			`a.yaml:4:13: error: customer r1 login: login "r1" is used by both a reseller and a customer; logins are unique across resellers and customers: first declared at 00-base.yaml:15:13`,
			`a.yaml:5:13: customer "jdoe" is declared twice: first declared at 00-base.yaml:18:13`}},
		{"customer before reseller in one file", map[string]string{
			"a.yaml": "customers:\n  - {login: x}\nresellers:\n  - {login: x, plan: none}\n"}, []string{
			`a.yaml:4:13: error: reseller x login: login "x" is used by both a reseller and a customer`}},
		{"services and extensions", vtFiles(
			"a.yaml", "server:\n  extensions:\n    - name: wp\n      services: [{name: premium-support}, {name: wordpress}]\nservices:\n  - name: wordpress\n"), []string{
			`a.yaml:4:25: service "premium-support" is declared twice (also provided by extension wp): first declared at 00-base.yaml:13:11`,
			`a.yaml:6:11: service "wordpress" is declared twice (also provided by extension wp): first declared at a.yaml:4:50`}},
		{"extension twice", map[string]string{
			"a.hcl": "server {\n  extension \"wp\" {}\n  extension \"wp\" {}\n}\n"}, []string{
			`a.hcl:3:13: extension "wp" is declared twice (see also a.hcl:2:13)`}},
		{"subscriber settings", vtFiles(
			"a.yaml", "subscriptions:\n  - {domain: a.example, plan: Business}\nsubscriber_settings:\n  - {domain: a.example}\n  - {domain: A.EXAMPLE}\n"), []string{
			`a.yaml:5:14: subscriber settings for "a.example" are declared twice: first declared at a.yaml:4:14`}},
	})
}

func TestValidateReferences(t *testing.T) {
	dtRun(t, []dtErrCase{
		{"customer owner", vtFiles("a.yaml", "customers:\n  - {login: c1, owner: r3}\n  - {login: c2, owner: jdoe}\n"), []string{
			`a.yaml:2:24: error: customer c1 owner: owner "r3" is not a declared reseller; did you mean "r1"?: an owner is admin or the login of a reseller`,
			`a.yaml:3:24: owner "jdoe" is not a declared reseller: jdoe is a customer; only the admin or a reseller can own objects`}},
		{"subscription customer", vtFiles("a.yaml", "subscriptions:\n  - {domain: a.example, customer: jdoe2, plan: Business}\n  - {domain: b.example, customer: r2, plan: Business}\n"), []string{
			`a.yaml:2:35: error: subscription a.example customer: customer "jdoe2" is not declared; did you mean "jdoe"?`,
			`a.yaml:3:35: customer "r2" is not declared: r2 is a reseller; for an own subscription of the reseller write owner: r2 and leave customer out`}},
		{"owner differs from the customer's", vtFiles("a.yaml", "subscriptions:\n  - domain: a.example\n    customer: alice\n    owner: r2\n    plan: Reseller Web\n"), []string{
			`a.yaml:4:12: error: subscription a.example owner: owner "r2" differs from the owner of customer alice (r1); a subscription belongs to its customer's owner: leave owner out, or move the customer (see also 00-base.yaml:19:27)`}},
		{"own subscription owner", vtFiles("a.yaml", "subscriptions:\n  - {domain: a.example, owner: r9, plan: Business}\n"), []string{
			`a.yaml:2:32: error: subscription a.example owner: owner "r9" is not a declared reseller`}},
		{"reseller's customer on an admin plan", vtFiles("a.yaml", "subscriptions:\n  - {domain: a.example, customer: alice, plan: Business}\n"), []string{
			`a.yaml:2:48: error: subscription a.example plan: customer alice belongs to reseller r1: a reseller's customers may only use r1's own plans; Business is an admin plan: choose a service plan of reseller r1, or declare "Business" with owner: r1, or use plan none (see also 00-base.yaml:2:11)`}},
		{"reseller's own subscription on an admin plan, in hcl", vtFiles("a.hcl", "subscription \"a.example\" {\n  owner = \"r2\"\n  plan  = \"Business\"\n}\n"), []string{
			`a.hcl:3:11: subscription a.example belongs to reseller r2: a reseller's own subscriptions may only use r2's own plans; Business is an admin plan`}},
		{"moved customer keeps the old owner's plan", vtFiles("a.yaml", "subscriptions:\n  - {domain: a.example, customer: bob, plan: Reseller Web}\n  - {domain: b.example, customer: jdoe, plan: Reseller Web}\n"), []string{
			`a.yaml:2:46: customer bob belongs to reseller r2, but Reseller Web is a service plan of reseller r1; a subscription may only use its owner's plans: choose a service plan of reseller r2, or none to keep the current values (see also 00-base.yaml:4:11)`,
			`a.yaml:3:47: customer jdoe belongs to the admin, but Reseller Web is a service plan of reseller r1`}},
		{"unknown plan", vtFiles("a.yaml", "subscriptions:\n  - {domain: a.example, plan: Busines}\n  - {domain: b.example, plan: Extra Storage}\n  - {domain: c.example, owner: r2, plan: Nope}\n"), []string{
			`a.yaml:2:31: error: subscription a.example plan: service plan "Busines" is not declared; did you mean "Business"?`,
			`a.yaml:3:31: service plan "Extra Storage" is not declared: Extra Storage is an add-on plan; list it under addons`,
			`a.yaml:4:42: reseller r2 has no service plan "Nope"`}},
		{"plan none in another case", vtFiles("a.yaml", "subscriptions:\n  - {domain: a.example, plan: None}\n  - {domain: b.example, owner: r2, plan: NONE}\n"), []string{
			`a.yaml:2:31: error: subscription a.example plan: service plan "None" is not declared: a custom subscription is written plan: none, in lower case`,
			`a.yaml:3:42: reseller r2 has no service plan "NONE": a custom subscription is written plan: none, in lower case`}},
		{"reseller plan none in another case", vtFiles("a.yaml", "resellers:\n  - {login: r5, plan: None}\n"), []string{
			`a.yaml:2:23: error: reseller r5 plan: reseller plan "None" is not declared: a reseller without a reseller plan is written plan: none, in lower case`}},
		{"add-ons", vtFiles("a.yaml", "subscriptions:\n  - {domain: a.example, plan: Business, addons: [Extra Storage, More Mail, Extra Storage, Business]}\n  - {domain: b.example, customer: alice, plan: Reseller Web, addons: [More Mail, Extra Storage]}\n"), []string{
			`a.yaml:2:65: error: subscription a.example addons[1]: subscription a.example belongs to the admin, but More Mail is an add-on plan of reseller r1; a subscription may only use its owner's plans: choose an add-on plan of the admin (see also 00-base.yaml:8:11)`,
			`a.yaml:2:76: error: subscription a.example addons[2]: add-on "Extra Storage" is attached twice: an add-on may be attached to a subscription at most once (see also a.yaml:2:50)`,
			`a.yaml:2:91: add-on plan "Business" is not declared: Business is a service plan; set it as plan`,
			`a.yaml:3:82: customer alice belongs to reseller r1: a reseller's customers may only use r1's own plans; Extra Storage is an admin add-on plan`}},
		{"add-ons on a custom subscription", vtFiles("a.yaml", "subscriptions:\n  - domain: a.example\n    plan: none\n    addons: [Extra Storage]\n"), []string{
			`a.yaml:4:13: error: subscription a.example addons: add-ons can only be attached to a subscription with a service plan: this subscription has plan none (custom) (see also a.yaml:3:11)`}},
		{"reseller plan", vtFiles("a.yaml", "resellers:\n  - {login: r5, plan: Gld}\n  - {login: r6, plan: Business}\n"), []string{
			`a.yaml:2:23: error: reseller r5 plan: reseller plan "Gld" is not declared; did you mean "Gold"?`,
			`a.yaml:3:23: reseller plan "Business" is not declared: Business is a service plan; a reseller gets a reseller plan`}},
		{"unknown services", vtFiles(
			"a.yaml", "addon_plans:\n  - {name: Y, services: [premium-suport]}\nreseller_plans:\n  - {name: G2, services: [x]}\n",
			"b.hcl", "service_plan \"P\" {\n  services = [\"premium-suport\", \"premium-support\"]\n}\n"), []string{
			`a.yaml:2:26: error: addon_plan Y services: service "premium-suport" is not declared (used by addon_plan Y, service_plan P); did you mean "premium-support"?: declare it under services, or list the extension that provides it under server.extensions (see also b.hcl:2:15)`,
			`a.yaml:4:27: reseller_plan G2 services: service "x" is not declared (used by reseller_plan G2)`}},
		{"service listed twice", vtFiles("a.yaml", "service_plans:\n  - {name: P, services: [premium-support, premium-support]}\n"), []string{
			`a.yaml:2:43: error: service_plan P services: service "premium-support" is listed twice (see also a.yaml:2:26)`}},
		{"plan owned by an unknown reseller", vtFiles("a.yaml", "addon_plans:\n  - {name: Z, owner: r7}\n"), []string{
			`a.yaml:2:22: error: addon_plan r7/Z owner: owner "r7" is not a declared reseller`}},
		{"default plan", vtFiles("a.yaml", "server:\n  default_plan: Reseller Web\n"), []string{
			`a.yaml:2:17: error: server default_plan: default plan "Reseller Web" is not an admin service plan`}},
		{"subscriber settings domain", vtFiles("a.yaml", "subscriber_settings:\n  - domain: nowhere.example\n    hosting: {ssl: true}\n"), []string{
			`a.yaml:2:13: error: subscriber_settings nowhere.example domain: subscription "nowhere.example" is not declared`}},
		{"renames", vtFiles("a.yaml", "customers:\n  - {login: c1, renamed_from: jdoe}\n  - {login: c2, renamed_from: c2}\n  - {login: c3, renamed_from: old}\n  - {login: c4, renamed_from: old}\nsubscriptions:\n  - {domain: a.example, plan: none, renamed_from: b.example}\n  - {domain: b.example, plan: none}\n"), []string{
			`a.yaml:2:31: error: customer c1 renamed_from: "jdoe" is still declared (customer jdoe); the old name of a renamed object must be gone`,
			`a.yaml:3:31: renamed_from names the customer itself`,
			`a.yaml:5:31: error: customer c4 renamed_from: "old" is renamed twice (also by customer c3) (see also a.yaml:4:31)`,
			`a.yaml:7:51: "b.example" is still declared (subscription b.example)`}},
	})
}

// TestValidateCollectsAll reports every problem of a config at once, in
// order.
func TestValidateCollectsAll(t *testing.T) {
	cfg, ds := Decode(dtParse(t, vtFiles("z.yaml", "subscriptions:\n  - {domain: a.example, customer: nobody, plan: Business}\n  - {domain: b.example, plan: Nope, addons: [Nope]}\n")), Options{})
	if len(ds) != 0 {
		t.Fatal(ds)
	}
	ds = Validate(cfg)
	var at []string
	for _, d := range ds {
		at = append(at, d.Subject.String())
	}
	want := []string{"z.yaml:2:35", "z.yaml:3:31", "z.yaml:3:46"}
	if diff := cmp.Diff(want, at); diff != "" {
		t.Errorf("places (-want +got):\n%s\n%v", diff, ds)
	}
	for _, d := range ds {
		if d.Severity != diag.Error {
			t.Errorf("not an error: %v", d)
		}
	}
}
