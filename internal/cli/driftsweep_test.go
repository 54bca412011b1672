package cli

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// The drift sweep: for every property plansync maps to Plesk and every
// plan kind that carries it, a catalogue where the property is set on
// one plan and left out of another is applied; each plan is then edited
// in the panel (a set packet to the emulator, which brings a plan edit to
// its synced subscriptions as Plesk does), round after round, to another
// value, to unlimited, to 0/off/none. Each round, plan must report drift
// on exactly the plans whose effective value changed (SPEC §6.4, §1.2,
// §2.2: a left-out resource is unlimited on a service or reseller plan
// and adds nothing on an add-on; a left-out permission is not granted; a
// left-out setting is its "none"/off), with the recorded and observed
// values in JSON units (SPEC §4), nothing on other properties or
// objects; apply must set it back with no model disagreement, and a plan
// right after must be clean.

const sweepKey = "k-sweep"

// sweepProp is one property (or the PHP pair) of the sweep.
type sweepProp struct {
	paths []string // one, or php_version + php_handler
	set   []model.Value
	edits [][]model.Value // panel values, one list per round
}

func sweepValues(p *model.Prop) (set []model.Value, edits [][]model.Value) {
	const mib = 1 << 20
	switch p.Kind {
	case model.KindSize:
		return []model.Value{model.Size(512 * mib)}, [][]model.Value{{model.Size(1024 * mib)}, {model.Size(-1)}, {model.Size(0)}, {model.Size(512 * mib)}}
	case model.KindCount:
		return []model.Value{model.Count(5)}, [][]model.Value{{model.Count(7)}, {model.Count(-1)}, {model.Count(0)}, {model.Count(5)}}
	case model.KindBool:
		return []model.Value{model.Bool(true)}, [][]model.Value{{model.Bool(false)}, {model.Bool(true)}}
	case model.KindEnum:
		var edits [][]model.Value
		for _, w := range p.Enum {
			if w == "horde" {
				continue // no component on the emulator
			}
			edits = append(edits, []model.Value{model.Enum(w)})
		}
		set := p.Enum[0]
		if set == "none" || set == "off" {
			set = p.Enum[1]
		}
		return []model.Value{model.Enum(set)}, edits
	case model.KindString: // php settings
		return []model.Value{model.String("128M")}, [][]model.Value{{model.String("256M")}, {model.String("128M")}}
	}
	return nil, nil
}

func sweepProps(where model.Where) []sweepProp {
	var out []sweepProp
	php := false
	for i := range model.Catalog() {
		p := &model.Catalog()[i]
		if p.Plesk.Group == model.PleskUnmapped || p.Where&where == 0 {
			continue
		}
		if where == model.InAddonPlan && p.Plesk.Group == model.PleskMail {
			// Plesk's add-on plans have no mail block: apply refuses
			// one that switches mail on (scenario plesk_addon_mail_refused).
			continue
		}
		if p.Plesk.Enc == model.PleskPHPHandler {
			if !php {
				php = true
				out = append(out, sweepProp{
					paths: []string{"hosting.php_version", "hosting.php_handler"},
					set:   []model.Value{model.String("8.3"), model.Enum("fpm")},
					edits: [][]model.Value{
						{model.String("8.2"), model.Enum("fpm")},
						{model.String("8.3"), model.Enum("fastcgi")},
						{model.String("8.3"), model.Enum("fpm")},
					},
				})
			}
			continue
		}
		set, edits := sweepValues(p)
		out = append(out, sweepProp{paths: []string{p.Path}, set: set, edits: edits})
	}
	if where&(model.InServicePlan|model.InCustomize) != 0 {
		p := model.Lookup("hosting.php_settings.memory_limit")
		set, edits := sweepValues(p)
		out = append(out, sweepProp{paths: []string{p.Path}, set: set, edits: edits})
	}
	return out
}

// yamlValue renders v as the config writes it.
func yamlValue(v model.Value) string {
	switch v.K {
	case model.KindSize:
		if v.N == model.Unlimited {
			return "unlimited"
		}
		return fmt.Sprintf("%dMiB", v.N>>20)
	case model.KindCount:
		if v.N == model.Unlimited {
			return "unlimited"
		}
		return fmt.Sprint(v.N)
	case model.KindBool:
		return fmt.Sprint(v.Truth())
	}
	return fmt.Sprintf("%q", v.S)
}

// yamlProps renders a property set as YAML blocks (resources: {...}).
func yamlProps(indent string, props model.Props) string {
	sections := map[string][]string{}
	for _, path := range props.Paths() {
		sec, rest, _ := strings.Cut(path, ".")
		if name, ok := strings.CutPrefix(rest, "php_settings."); ok {
			sections[sec] = append(sections[sec], "php_settings: {"+name+": "+yamlValue(props[path])+"}")
			continue
		}
		sections[sec] = append(sections[sec], rest+": "+yamlValue(props[path]))
	}
	var b strings.Builder
	for _, sec := range model.Sections {
		if len(sections[sec]) > 0 {
			fmt.Fprintf(&b, "%s%s: {%s}\n", indent, sec, strings.Join(sections[sec], ", "))
		}
	}
	return b.String()
}

// leftOut is what a left-out property means on a plan kind (ok false:
// it has no value: any the panel sets is drift, shown from nothing).
func leftOut(path string, addon bool) (model.Value, bool) {
	p := model.Lookup(path)
	switch p.Kind {
	case model.KindSize, model.KindCount:
		if addon {
			return model.Value{K: p.Kind, N: 0}, true
		}
		return model.Value{K: p.Kind, N: model.Unlimited}, true
	}
	return p.Neutral()
}

func hasLeftOut(c sweepCase) bool {
	for _, path := range c.prop.paths {
		if _, ok := leftOut(path, false); !ok {
			return false
		}
	}
	return true
}

func sweepName(prefix, path string, set bool) string {
	n := prefix + "-" + strings.NewReplacer("hosting.php_version", "php", ".", "-", "_", "-").Replace(path)
	if set {
		return n + "-set"
	}
	return n + "-out"
}

type sweepDrift struct {
	Kind   string `json:"kind"`
	Key    string `json:"key"`
	Cause  string `json:"cause"`
	Fields []struct {
		Path     string `json:"path"`
		Recorded any    `json:"recorded"`
		Observed any    `json:"observed"`
	} `json:"fields"`
}

type sweepPlan struct {
	Drift   []sweepDrift `json:"drift"`
	Changes []struct {
		Kind   string `json:"kind"`
		Key    string `json:"key"`
		Action string `json:"action"`
		Fields []struct {
			Path string `json:"path"`
		} `json:"fields"`
	} `json:"changes"`
}

// sweepCase is one plan of the catalogue and the subscription (or
// reseller) on it.
type sweepCase struct {
	name   string // plan name
	holder string // subscription domain or reseller login on it
	prop   sweepProp
	isSet  bool
}

type sweepEnv struct {
	t    *testing.T
	srv  *fake.Server
	dir  string
	vars map[string]string
}

func newSweep(t *testing.T, config string) *sweepEnv {
	t.Helper()
	srv := fake.New(nil, fake.Options{Key: sweepKey})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	e := &sweepEnv{t: t, srv: srv, dir: t.TempDir(),
		vars: map[string]string{"PLANSYNC_PLESK_URL": hs.URL, "PLANSYNC_PLESK_KEY": sweepKey, "PLANSYNC_PLESK_DEFAULT_IP": "192.0.2.10"}}
	save(t, filepath.Join(e.dir, "main.yaml"), config)
	if out, code := runCLI(t, e.vars, "apply", "--dir", e.dir, "--auto-approve", "--no-cache"); code != 0 || strings.Contains(out, "Model disagreements") {
		t.Fatalf("first apply: exit %d\n%s", code, out)
	}
	if out, code := runCLI(t, e.vars, "plan", "--dir", e.dir, "--detailed-exitcode", "--no-cache"); code != 0 {
		t.Fatalf("plan after the first apply: exit %d\n%s", code, out)
	}
	return e
}

func (e *sweepEnv) post(op xmlapi.Op) {
	e.t.Helper()
	b, err := xmlapi.Marshal("1.6.9.1", op)
	if err != nil {
		e.t.Fatal(err)
	}
	out := e.srv.Handle(map[string][]string{"Key": {sweepKey}}, b)
	if strings.Contains(string(out), "<status>error</status>") {
		e.t.Fatalf("panel edit refused: %s\n%s", b, out)
	}
}

func (e *sweepEnv) plan() (sweepPlan, string) {
	e.t.Helper()
	out, code := runCLI(e.t, e.vars, "plan", "--dir", e.dir, "--format", "json", "--no-cache")
	if code != 0 {
		e.t.Fatalf("plan: exit %d\n%s", code, out)
	}
	var p sweepPlan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		e.t.Fatalf("plan output: %v\n%s", err, out)
	}
	return p, out
}

func (e *sweepEnv) setBack(round int) {
	e.t.Helper()
	out, code := runCLI(e.t, e.vars, "apply", "--dir", e.dir, "--auto-approve", "--no-cache")
	if code != 0 || strings.Contains(out, "Model disagreements") {
		e.t.Errorf("round %d: apply: exit %d\n%s", round, code, out)
	}
	if out, code := runCLI(e.t, e.vars, "plan", "--dir", e.dir, "--detailed-exitcode", "--no-cache"); code != 0 {
		e.t.Errorf("round %d: plan after the apply that sets back: exit %d\n%s", round, code, out)
	}
}

func jsonEq(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// checkRound compares a plan's drift with what the edits of a round
// should give: want maps an object key to its expected fields
// (path → recorded, observed).
func checkRound(t *testing.T, round int, kind string, p sweepPlan, raw string, want map[string]map[string][2]any, holders map[string]string) {
	t.Helper()
	got := map[string]map[string][2]any{}
	for _, d := range p.Drift {
		if d.Kind != kind {
			t.Errorf("round %d: drift on %s %s (%s), no such object was edited", round, d.Kind, d.Key, d.Cause)
			continue
		}
		got[d.Key] = map[string][2]any{}
		for _, f := range d.Fields {
			got[d.Key][f.Path] = [2]any{f.Recorded, f.Observed}
		}
	}
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		w, g := want[k], got[k]
		if !jsonEq(w, g) {
			t.Errorf("round %d: %s %s: drift %v, want %v", round, kind, k, g, w)
		}
	}
	// A plan set back reaches its subscriptions with the edited
	// property only.
	for _, c := range p.Changes {
		plan, ok := holders[c.Key]
		if !ok {
			continue
		}
		for _, f := range c.Fields {
			if f.Path == "customized" && c.Kind == "subscription" {
				continue // the panel's edit customised it; set back, not
			}
			_, edited := want[plan][f.Path]
			if _, trimmed := want[plan][strings.TrimPrefix(f.Path, "allocation.")]; !edited && !trimmed {
				t.Errorf("round %d: %s %s (on %s): change of %s, which was not edited", round, c.Kind, c.Key, plan, f.Path)
			}
		}
	}
	if kind != "subscription" && kind != "reseller" {
		// A plan set back reaches its synced subscriptions (its
		// resellers), each shown with its own change of the property
		// (SPEC §4, §6.4).
		reached := map[string]bool{}
		for _, c := range p.Changes {
			plan, ok := holders[c.Key]
			if !ok {
				continue
			}
			for _, f := range c.Fields {
				if _, edited := want[plan][strings.TrimPrefix(f.Path, "allocation.")]; edited {
					reached[plan] = true
				}
			}
		}
		for plan := range want {
			if !reached[plan] {
				t.Errorf("round %d: %s %s set back: the change reaches none of its holders", round, kind, plan)
			}
		}
	}
	if t.Failed() && len(raw) < 20000 {
		t.Logf("plan:\n%s", raw)
	}
}

// editValues returns the Plesk values of an edit (the property's values).
func editValues(t *testing.T, c sweepCase, vals []model.Value) mapping.Values {
	props := model.Props{}
	for i, path := range c.prop.paths {
		props[path] = vals[i]
	}
	v, unmapped, err := mapping.FromProps(props)
	if err != nil || len(unmapped) > 0 {
		t.Fatalf("%v: %v %v", props, unmapped, err)
	}
	return v
}

// expected returns the drift fields an edit gives (nil: no drift).
func expected(c sweepCase, vals []model.Value, addon bool) map[string][2]any {
	out := map[string][2]any{}
	for i, path := range c.prop.paths {
		var rec model.Value
		has := true
		if c.isSet {
			rec = c.prop.set[i]
		} else {
			rec, has = leftOut(path, addon)
		}
		if has && rec == vals[i] {
			continue
		}
		var recJSON any
		if has && (c.isSet || !addon && !strings.HasPrefix(path, "hosting.") && !strings.HasPrefix(path, "mail.") ||
			addon && strings.HasPrefix(path, "permissions.")) {
			// A left-out setting is recorded as not set (SPEC §2.2),
			// shown as (none), set back as "- path", and so is an
			// add-on's left-out limit (it adds nothing); a plan's limit
			// or permission with its default.
			recJSON = rec.JSON()
		}
		out[path] = [2]any{recJSON, vals[i].JSON()}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func TestDriftSweepServicePlans(t *testing.T) {
	sweepPlans(t, false)
}

func TestDriftSweepAddonPlans(t *testing.T) {
	sweepPlans(t, true)
}

// Reseller plans: the resellers on one follow it (allocation.*).
func TestDriftSweepResellerPlans(t *testing.T) {
	var cases []sweepCase
	holders := map[string]string{}
	plans, resellers := "reseller_plans:\n", "resellers:\n"
	for _, sp := range sweepProps(model.InResellerPlan) {
		for _, isSet := range []bool{true, false} {
			c := sweepCase{name: sweepName("R", sp.paths[0], isSet), prop: sp, isSet: isSet}
			c.holder = strings.ToLower(c.name)
			holders[c.holder] = c.name
			cases = append(cases, c)
			props := model.Props{}
			if isSet {
				props[sp.paths[0]] = sp.set[0]
			}
			plans += "  - name: " + c.name + "\n" + yamlProps("    ", props)
			resellers += "  - {login: " + c.holder + ", name: " + c.holder + ", plan: " + c.name + "}\n"
		}
	}
	e := newSweep(t, plans+resellers)
	sweepRounds(t, e, cases, "reseller_plan", holders, false, func(c sweepCase, v mapping.Values) xmlapi.Op {
		return xmlapi.ResellerPlanSet{Filter: xmlapi.ResellerPlanFilter{Name: []string{c.name}},
			Limits: mapping.ResellerLimitsBlock(v), Permissions: mapping.PermissionsBlock(v)}
	})
}

func sweepPlans(t *testing.T, addon bool) {
	where, prefix, kind := model.InServicePlan, "S", "service_plan"
	if addon {
		where, prefix, kind = model.InAddonPlan, "A", "addon_plan"
	}
	var cases []sweepCase
	var b strings.Builder
	holders := map[string]string{}
	for _, sp := range sweepProps(where) {
		for _, isSet := range []bool{true, false} {
			c := sweepCase{name: sweepName(prefix, sp.paths[0], isSet), prop: sp, isSet: isSet}
			c.holder = strings.ToLower(c.name) + ".example"
			holders[c.holder] = c.name
			cases = append(cases, c)
		}
	}
	plans := "service_plans:\n"
	addons := "addon_plans:\n"
	subs := "subscriptions:\n"
	if addon {
		plans += "  - name: Base\n    resources: {disk_space: 100MiB, traffic: 100MiB, websites: 1, subdomains: 1, domain_aliases: 1, mailboxes: 1, mailbox_quota: 100MiB, mailing_lists: 1, databases: 1, ftp_accounts: 1, web_users: 1}\n"
	}
	for _, c := range cases {
		props := model.Props{}
		if c.isSet {
			for i, path := range c.prop.paths {
				props[path] = c.prop.set[i]
			}
		}
		body := yamlProps("    ", props)
		if addon {
			addons += "  - name: " + c.name + "\n" + body
			subs += "  - domain: " + c.holder + "\n    plan: Base\n    addons: [" + c.name + "]\n"
		} else {
			plans += "  - name: " + c.name + "\n" + body
			subs += "  - domain: " + c.holder + "\n    plan: " + c.name + "\n"
		}
	}
	b.WriteString(plans)
	if addon {
		b.WriteString(addons)
	}
	b.WriteString(subs)
	e := newSweep(t, b.String())
	sweepRounds(t, e, cases, kind, holders, addon, func(c sweepCase, v mapping.Values) xmlapi.Op {
		f := xmlapi.PlanFilter{Name: []string{c.name}}
		if addon {
			var h *xmlapi.Properties
			if hp := mapping.HostingProperties(v); len(hp) > 0 {
				h = &xmlapi.Properties{Property: hp}
			}
			return xmlapi.AddonPlanSet{Filter: f, Limits: mapping.LimitsBlock(v, true), Hosting: h,
				Permissions: mapping.PermissionsBlock(v), PHPSettings: mapping.PHPBlock(v)}
		}
		var h *xmlapi.PlanHosting
		if hp := mapping.HostingProperties(v); len(hp) > 0 {
			h = &xmlapi.PlanHosting{VrtHst: &xmlapi.Properties{Property: hp}}
		}
		return xmlapi.ServicePlanSet{Filter: f, Mail: mapping.PlanMailBlock(v), Limits: mapping.LimitsBlock(v, false),
			Preferences: mapping.PrefsBlock(v), Hosting: h, Permissions: mapping.PermissionsBlock(v), PHPSettings: mapping.PHPBlock(v)}
	})
}

// sweepRounds makes each case's edit of the round in the panel (edit
// gives the packet), then checks plan, apply and the plan after.
func sweepRounds(t *testing.T, e *sweepEnv, cases []sweepCase, kind string, holders map[string]string, addon bool, edit func(sweepCase, mapping.Values) xmlapi.Op) {
	t.Helper()
	sweepRoundsWith(t, e, cases, kind, holders, func(c sweepCase, vals []model.Value) map[string][2]any {
		return expected(c, vals, addon)
	}, edit)
}

// sweepRoundsWith is sweepRounds with the expected drift of an edit
// given by expect.
func sweepRoundsWith(t *testing.T, e *sweepEnv, cases []sweepCase, kind string, holders map[string]string,
	expect func(sweepCase, []model.Value) map[string][2]any, edit func(sweepCase, mapping.Values) xmlapi.Op) {
	t.Helper()
	for round := 0; ; round++ {
		want := map[string]map[string][2]any{}
		edited := false
		for _, c := range cases {
			if round >= len(c.prop.edits) || !c.isSet && !hasLeftOut(c) {
				// A setting with no "not set" value (PHP, DNS zone
				// type, php.ini, overuse) that the panel sets on a plan
				// leaving it out cannot be set back: apply says so and
				// changes nothing (scenario plesk_setting_cannot_unset).
				continue
			}
			edited = true
			vals := c.prop.edits[round]
			e.post(edit(c, editValues(t, c, vals)))
			if w := expect(c, vals); w != nil {
				want[c.name] = w
			}
		}
		if !edited {
			break
		}
		p, raw := e.plan()
		checkRound(t, round, kind, p, raw, want, holders)
		if t.Failed() {
			out, _ := runCLI(t, e.vars, "plan", "--dir", e.dir, "--no-cache")
			t.Logf("plan text:\n%s", out)
		}
		e.setBack(round)
		if t.Failed() {
			return
		}
	}
}

// Subscriptions: a locked one (customize sets the property, or sets
// another and takes this one from its plan) and a custom one (plan:
// none, from the built-in default plan); the panel edits the
// subscription itself (webspace set).
func TestDriftSweepLockedSubscriptions(t *testing.T) { sweepSubs(t, false) }

func TestDriftSweepCustomSubscriptions(t *testing.T) { sweepSubs(t, true) }

func sweepSubs(t *testing.T, custom bool) {
	prefix, planName := "L", "Base"
	if custom {
		prefix, planName = "C", "none"
	}
	var cases []sweepCase
	holders := map[string]string{}
	subs := "service_plans:\n  - name: Base\nsubscriptions:\n"
	for _, sp := range sweepProps(model.InCustomize) {
		if model.Lookup(sp.paths[0]).Plesk.Group == model.PleskPreference {
			// A webspace has no preferences (dns.zone_type): the panel
			// cannot edit it on a subscription (a customisation of it
			// alone is locked by writing back a limit: scenario
			// plesk_customize_plansync_only_locks).
			continue
		}
		for _, isSet := range []bool{true, false} {
			c := sweepCase{name: strings.ToLower(sweepName(prefix, sp.paths[0], isSet)) + ".example", prop: sp, isSet: isSet}
			c.holder = c.name
			holders[c.holder] = c.name
			cases = append(cases, c)
			props := model.Props{}
			if isSet {
				for i, path := range sp.paths {
					props[path] = sp.set[i]
				}
			} else if sp.paths[0] != "permissions.manage_crontab" {
				props["permissions.manage_crontab"] = model.Bool(true) // locked by another value
			} else {
				props["permissions.manage_logs"] = model.Bool(true)
			}
			subs += "  - domain: " + c.name + "\n    plan: " + planName + "\n    customize:\n" + yamlProps("      ", props)
		}
	}
	e := newSweep(t, subs)
	defs := plan.BuiltinDefault()
	sweepRoundsWith(t, e, cases, "subscription", holders, func(c sweepCase, vals []model.Value) map[string][2]any {
		if c.isSet || !custom {
			return expected(c, vals, false)
		}
		out := map[string][2]any{}
		for i, path := range c.prop.paths {
			rec, has := defs[path]
			inDefs := has
			if !has {
				rec, has = leftOut(path, false)
			}
			if has && rec == vals[i] {
				continue
			}
			var recJSON any
			if inDefs || has && !strings.HasPrefix(path, "hosting.") && !strings.HasPrefix(path, "mail.") {
				recJSON = rec.JSON() // a setting not set is recorded so
			}
			out[path] = [2]any{recJSON, vals[i].JSON()}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}, sweepWebspaceSet)
}

// Synced subscriptions edited in the panel: the edit locks them (SPEC
// §6.6), which is drift (locked in the panel) with the values edited;
// apply syncs them back to their plan.
func TestDriftSweepSyncedSubscriptions(t *testing.T) {
	var cases []sweepCase
	holders := map[string]string{}
	plans, subs := "service_plans:\n", "subscriptions:\n"
	for _, sp := range sweepProps(model.InServicePlan) {
		if model.Lookup(sp.paths[0]).Plesk.Group == model.PleskPreference {
			continue // a webspace has no preferences (dns.zone_type)
		}
		for _, isSet := range []bool{true, false} {
			name := sweepName("Y", sp.paths[0], isSet)
			c := sweepCase{name: strings.ToLower(name) + ".example", prop: sp, isSet: isSet}
			c.holder = c.name
			holders[c.holder] = c.name
			cases = append(cases, c)
			props := model.Props{}
			if isSet {
				for i, path := range sp.paths {
					props[path] = sp.set[i]
				}
			}
			plans += "  - name: " + name + "\n" + yamlProps("    ", props)
			subs += "  - domain: " + c.name + "\n    plan: " + name + "\n"
		}
	}
	e := newSweep(t, plans+subs)
	sweepRoundsWith(t, e, cases, "subscription", holders, func(c sweepCase, vals []model.Value) map[string][2]any {
		out := expected(c, vals, false)
		if out == nil {
			out = map[string][2]any{}
		}
		out["sync_status"] = [2]any{"synced", "locked"}
		return out
	}, sweepWebspaceSet)
}

// Custom resellers (plan none): their own allocation edited in the panel
// (reseller set), drift as allocation.PATH.
func TestDriftSweepCustomResellers(t *testing.T) {
	var cases []sweepCase
	holders := map[string]string{}
	resellers := "resellers:\n"
	for _, sp := range sweepProps(model.InResellerPlan) {
		for _, isSet := range []bool{true, false} {
			c := sweepCase{name: strings.ToLower(sweepName("Q", sp.paths[0], isSet)), prop: sp, isSet: isSet}
			c.holder = c.name
			holders[c.holder] = c.name
			cases = append(cases, c)
			props := model.Props{}
			if isSet {
				props[sp.paths[0]] = sp.set[0]
			} else if sp.paths[0] != "resources.customers" {
				props["resources.customers"] = model.Count(3) // an allocation, of another value
			} else {
				props["resources.subscriptions"] = model.Count(3)
			}
			resellers += "  - login: " + c.name + "\n    name: " + c.name + "\n    plan: none\n" + yamlProps("    ", props)
		}
	}
	e := newSweep(t, resellers)
	sweepRoundsWith(t, e, cases, "reseller", holders, func(c sweepCase, vals []model.Value) map[string][2]any {
		w := expected(c, vals, false)
		if w == nil {
			return nil
		}
		out := map[string][2]any{}
		for k, v := range w {
			out["allocation."+k] = v
		}
		return out
	}, func(c sweepCase, v mapping.Values) xmlapi.Op {
		op := xmlapi.ResellerSet{Filter: xmlapi.ResellerFilter{Login: []string{c.name}}}
		op.Values.Limits = mapping.ResellerLimitsBlock(v)
		op.Values.Permissions = mapping.PermissionsBlock(v)
		return op
	})
}

// sweepWebspaceSet is the panel's edit of a subscription: a webspace set
// of the values v.
func sweepWebspaceSet(c sweepCase, v mapping.Values) xmlapi.Op {
	vals := xmlapi.WebspaceValues{Limits: mapping.LimitsBlock(v, false), Permissions: mapping.PermissionsBlock(v),
		PHPSettings: mapping.PHPBlock(v), Mail: mapping.WebspaceMailBlock(v)}
	if hp := mapping.HostingProperties(v); len(hp) > 0 {
		vals.Hosting = &xmlapi.WebspaceHosting{VrtHst: &xmlapi.VrtHst{Property: hp}}
	}
	return xmlapi.WebspaceSet{Filter: xmlapi.WebspaceFilter{Name: []string{c.name}}, Values: vals}
}
