package plan

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// reuseFleet is a small fleet that has a bit of everything a
// subscription's plan depends on: admin and reseller owners, resellers
// with a reseller plan, an explicit allocation (tight, so allocation
// conflicts happen) and totals, add-ons, customised and custom
// subscriptions, missing components, subscriber settings, expiry dates
// around now, FTP passwords and suspended customers.
func reuseFleet(r *rand.Rand) *model.Config {
	c := model.NewConfig()
	c.Server = &model.Server{Components: []string{"php8.2", "php8.3", "php-fpm"}}
	c.Services["backup"] = &model.Service{Name: "backup", AvailableToResellers: false}
	c.Services["seo"] = &model.Service{Name: "seo", AvailableToResellers: true}
	exp, err := model.ParseDuration("2d")
	if err != nil {
		panic(err)
	}
	addPlan := func(owner, name string, props model.Props, services ...string) {
		c.ServicePlans[model.PlanKey(owner, name)] = &model.Plan{Kind: model.ServicePlanKind, Owner: owner, Name: name, Props: props, Services: services}
	}
	for _, owner := range []string{"admin", "r1", "r2", "r3"} {
		addPlan(owner, "Small", model.Props{
			"resources.disk_space":            model.Size(2 * gib),
			"resources.mailboxes":             model.Count(5),
			"permissions.manage_php_settings": model.Bool(true),
			"permissions.manage_hosting":      model.Bool(owner != "r2"),
			"hosting.php_version":             model.String("8.3"),
		}, "seo")
		addPlan(owner, "Big", model.Props{
			"resources.disk_space":            model.Size(8 * gib),
			"resources.mailboxes":             model.Count(50),
			"permissions.manage_php_version":  model.Bool(true),
			"hosting.php_version":             model.String("8.4"),
			"resources.expiration":            exp,
			"permissions.manage_php_settings": model.Bool(owner != "r3"),
		}, "backup", "seo")
		c.AddonPlans[model.PlanKey(owner, "Extra")] = &model.Plan{Kind: model.AddonPlanKind, Owner: owner, Name: "Extra",
			Props: model.Props{"resources.disk_space": model.Size(3 * gib)}}
	}
	c.ResellerPlans["RP"] = &model.Plan{Kind: model.ResellerPlanKind, Name: "RP", Props: model.Props{
		"resources.disk_space":           model.Size(20 * gib),
		"permissions.manage_php_version": model.Bool(false),
		"permissions.manage_hosting":     model.Bool(true),
	}}
	c.Resellers["r1"] = &model.Reseller{Login: "r1", Plan: "RP", Status: "active"}
	c.Resellers["r2"] = &model.Reseller{Login: "r2", Plan: model.None, Status: "active",
		Props: model.Props{"resources.disk_space": model.Size(12 * gib), "resources.mailboxes": model.Count(40)}, Services: []string{"seo"}}
	c.Resellers["r3"] = &model.Reseller{Login: "r3", Plan: model.None, Status: "active"}
	owners := []string{"admin", "admin", "r1", "r2", "r3"}
	for i := range 12 {
		login := fmt.Sprintf("c%02d", i)
		c.Customers[login] = &model.Customer{Login: login, Owner: owners[i%len(owners)], Status: "active"}
	}
	for i := range 40 {
		addReuseSub(r, c, fmt.Sprintf("s%02d.example", i))
	}
	return c
}

// addReuseSub adds a random subscription of a random customer.
func addReuseSub(r *rand.Rand, c *model.Config, domain string) {
	customers := sortedKeys(c.Customers)
	cu := c.Customers[customers[r.IntN(len(customers))]]
	s := &model.Subscription{Domain: domain, Customer: cu.Login, Owner: cu.Owner, Plan: []string{"Small", "Big"}[r.IntN(2)], Status: "active"}
	switch r.IntN(10) {
	case 0:
		s.Plan = model.None
	case 1, 2:
		s.Customize = model.Props{"resources.disk_space": model.Size(int64(1+r.IntN(6)) * gib)}
	}
	if s.Plan != model.None && r.IntN(4) == 0 {
		s.Addons = []string{"Extra"}
	}
	if r.IntN(5) == 0 {
		t := now.Add(time.Duration(r.IntN(96)-48) * time.Hour)
		s.Expires = &t
	}
	if r.IntN(4) == 0 {
		s.FTPLogin = "ftp_" + domain[:3]
		s.FTPPassword = &model.Secret{Literal: true, Value: fmt.Sprintf("pw%d", r.IntN(3))}
	}
	c.Subscriptions[domain] = s
	if r.IntN(4) == 0 {
		c.SubscriberSettings[domain] = &model.SubscriberSettings{Domain: domain,
			Props: model.Props{"hosting.php_settings.memory_limit": model.String(fmt.Sprintf("%dM", 128*(1+r.IntN(3))))}}
	}
}

// cloneConfig copies a config deeply enough that editing the copy never
// changes the original, as each load of a config directory gives new
// objects.
func cloneConfig(c *model.Config) *model.Config {
	out := model.NewConfig()
	if c.Server != nil {
		s := *c.Server
		s.Components = slices.Clone(s.Components)
		out.Server = &s
	}
	for k, v := range c.Services {
		x := *v
		out.Services[k] = &x
	}
	clonePlans := func(dst, src map[string]*model.Plan) {
		for k, v := range src {
			x := *v
			x.Props, x.Services = cloneProps(v.Props), slices.Clone(v.Services)
			dst[k] = &x
		}
	}
	clonePlans(out.ServicePlans, c.ServicePlans)
	clonePlans(out.AddonPlans, c.AddonPlans)
	clonePlans(out.ResellerPlans, c.ResellerPlans)
	for k, v := range c.Resellers {
		x := *v
		x.Props, x.Services = cloneProps(v.Props), slices.Clone(v.Services)
		out.Resellers[k] = &x
	}
	for k, v := range c.Customers {
		x := *v
		out.Customers[k] = &x
	}
	for k, v := range c.Subscriptions {
		x := *v
		x.Addons = slices.Clone(v.Addons)
		if v.Customize != nil {
			x.Customize = v.Customize.Clone()
		}
		if v.Expires != nil {
			t := *v.Expires
			x.Expires = &t
		}
		if v.FTPPassword != nil {
			p := *v.FTPPassword
			x.FTPPassword = &p
		}
		out.Subscriptions[k] = &x
	}
	for k, v := range c.SubscriberSettings {
		x := *v
		x.Props = cloneProps(v.Props)
		out.SubscriberSettings[k] = &x
	}
	return out
}

func cloneProps(p model.Props) model.Props {
	if p == nil {
		return nil
	}
	return p.Clone()
}

// reuseEdit makes one random edit of the kind people make between two
// plans, and says what it did.
func reuseEdit(r *rand.Rand, c *model.Config, step int) string {
	domains := sortedKeys(c.Subscriptions)
	d := domains[r.IntN(len(domains))]
	s := c.Subscriptions[d]
	customers := sortedKeys(c.Customers)
	cu := c.Customers[customers[r.IntN(len(customers))]]
	switch r.IntN(19) {
	case 0:
		s.Plan = []string{"Small", "Big", model.None}[r.IntN(3)]
		if s.Plan == model.None {
			s.Addons = nil
		}
		return "plan of " + d + " is " + s.Plan
	case 1:
		if s.Customize == nil && s.Plan != model.None {
			s.Customize = model.Props{"resources.mailboxes": model.Count(int64(r.IntN(30)))}
			return "customised " + d
		}
		s.Customize = nil
		return "customisation of " + d + " removed"
	case 2:
		s.Status = []string{"active", "suspended"}[r.IntN(2)]
		return d + " " + s.Status
	case 3:
		cu.Status = []string{"active", "suspended"}[r.IntN(2)]
		return "customer " + cu.Login + " " + cu.Status
	case 4:
		addReuseSub(r, c, fmt.Sprintf("n%02d.example", step))
		return "added a subscription"
	case 17:
		d = domains[len(domains)-1] // the last in order
		fallthrough
	case 5:
		delete(c.Subscriptions, d)
		delete(c.SubscriberSettings, d)
		return "removed " + d
	case 6:
		v := model.String(fmt.Sprintf("%dM", 64*(1+r.IntN(4))))
		if r.IntN(4) == 0 {
			v = model.String("8.2")
			c.SubscriberSettings[d] = &model.SubscriberSettings{Domain: d, Props: model.Props{"hosting.php_version": v}}
			return "php version setting on " + d
		}
		c.SubscriberSettings[d] = &model.SubscriberSettings{Domain: d, Props: model.Props{"hosting.php_settings.memory_limit": v}}
		return "memory_limit setting on " + d
	case 7:
		delete(c.SubscriberSettings, d)
		return "settings of " + d + " removed"
	case 8:
		t := now.Add(time.Duration(r.IntN(96)-48) * time.Hour)
		s.Expires = &t
		return "expiry of " + d
	case 9:
		if s.Plan != model.None {
			if len(s.Addons) == 0 {
				s.Addons = []string{"Extra"}
			} else {
				s.Addons = nil
			}
		}
		return "add-ons of " + d
	case 10:
		if r.IntN(2) == 0 {
			s.FTPLogin = "ftp_x"
		}
		s.FTPPassword = &model.Secret{Literal: true, Value: fmt.Sprintf("pw%d", r.IntN(3))}
		return "ftp password of " + d
	case 11:
		n := fmt.Sprintf("m%02d.example", step)
		ns := *s
		ns.Domain, ns.RenamedFrom = n, d
		delete(c.Subscriptions, d)
		c.Subscriptions[n] = &ns
		if ss := c.SubscriberSettings[d]; ss != nil {
			delete(c.SubscriberSettings, d)
			ss.Domain = n
			c.SubscriberSettings[n] = ss
		}
		return "renamed " + d + " to " + n
	case 12:
		// A customer moves to another owner with its subscriptions.
		owner := []string{"admin", "r1", "r2", "r3"}[r.IntN(4)]
		cu.Owner = owner
		for _, x := range c.Subscriptions {
			if x.Customer == cu.Login {
				x.Owner = owner
			}
		}
		return "customer " + cu.Login + " moved to " + owner
	case 13:
		p := c.ServicePlans[model.PlanKey([]string{"admin", "r1"}[r.IntN(2)], "Small")]
		p.Props["resources.disk_space"] = model.Size(int64(1+r.IntN(5)) * gib)
		return "plan " + p.Key() + " changed"
	case 15:
		// A subscription moves between resellers (freeing or taking
		// part of an allocation).
		to := cu
		for _, login := range customers {
			if x := c.Customers[login]; x.Owner != s.Owner && r.IntN(3) == 0 {
				to = x
			}
		}
		s.Customer, s.Owner = to.Login, to.Owner
		return d + " moved to " + to.Login + " of " + to.Owner
	case 16:
		// A customer renamed, with its subscriptions.
		n := fmt.Sprintf("k%02d", step)
		nc := *cu
		nc.Login, nc.RenamedFrom = n, cu.Login
		delete(c.Customers, cu.Login)
		c.Customers[n] = &nc
		for _, x := range c.Subscriptions {
			if x.Customer == cu.Login {
				x.Customer = n
			}
		}
		return "customer " + cu.Login + " renamed to " + n
	case 14:
		c.Resellers["r2"].Props["resources.disk_space"] = model.Size(int64(5+r.IntN(20)) * gib)
		return "reseller r2's allocation changed"
	default:
		s.Customer = cu.Login
		s.Owner = cu.Owner
		return d + " now belongs to " + cu.Login
	}
}

// TestReuseMatchesFullPlan edits a fleet at random, step after step,
// sometimes applying, sometimes letting the clock run past expiry dates,
// and checks that every plan made by reusing the previous one is the
// plan made from scratch.
func TestReuseMatchesFullPlan(t *testing.T) {
	seeds := 60
	if testing.Short() {
		seeds = 20
	}
	carried, total := 0, 0
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			c, n := checkReuse(t, uint64(seed), 12)
			carried, total = carried+c, total+n
		})
	}
	// The comparison means something only if subscriptions were carried
	// over (and planned again) often.
	t.Logf("%d of %d subscriptions carried over", carried, total)
	if carried < total/5 || carried > total*3/4 {
		t.Errorf("%d of %d subscriptions carried over: the edits do not exercise reuse", carried, total)
	}
}

// FuzzReuse is TestReuseMatchesFullPlan with the seed from the fuzzer.
func FuzzReuse(f *testing.F) {
	f.Add(uint64(1), uint8(8))
	f.Fuzz(func(t *testing.T, seed uint64, steps uint8) { checkReuse(t, seed, int(steps%24)) })
}

// checkReuse runs steps random edits from seed and returns how many
// subscriptions the plans reusing the last one carried over, of how many.
func checkReuse(t *testing.T, seed uint64, steps int) (carried, total int) {
	r := rand.New(rand.NewPCG(seed, 7))
	cfg := reuseFleet(r)
	// prior is the recorded state as read back from its encoding; the
	// plans that reuse sometimes get, instead, the snapshot written as
	// it is in memory (as watch keeps it after its own apply).
	var prior, kept *state.Snapshot
	at := now
	var last *Plan
	var log []string
	for step := range steps + 1 {
		if step > 0 {
			cfg = cloneConfig(cfg)
			for range 1 + r.IntN(3) {
				log = append(log, reuseEdit(r, cfg, step))
			}
			if r.IntN(3) == 0 {
				at = at.Add(time.Duration(r.IntN(30)) * time.Hour)
				log = append(log, "clock at "+at.Format(time.RFC3339))
			}
		}
		in := Input{Config: cfg, Prior: prior, Lineage: "lin", Now: at, Secrets: &fakeSecrets{}}
		full := Make(in)
		in.Reuse, in.Prior = last, kept
		got := Make(in)
		if diff := planDiff(full, got); diff != "" {
			t.Fatalf("step %d (%v): the plan reusing the last one differs from the full plan (-full +reuse):\n%s", step, log, diff)
		}
		if got.memo != nil && last != nil && last.memo != nil {
			carried += len(carriedOver(last, got))
			total += len(got.memo.subs)
		}
		last = got
		switch {
		case full.Diagnostics.HasErrors():
		case r.IntN(4) == 0 && len(full.Changes) > 0:
			// apply --target: the state records part of the plan.
			c := full.Changes[r.IntN(len(full.Changes))]
			tp, err := Target(full, prior, []string{c.Kind + "/" + c.Key})
			if err != nil {
				t.Fatal(err)
			}
			kept = written(r, tp)
			prior = applied(t, tp)
			log = append(log, "applied "+c.Address())
		case r.IntN(3) == 0:
			kept = written(r, full)
			prior = applied(t, full)
			log = append(log, "applied")
		}
	}
	return carried, total
}

// written returns the state an apply of p records, as the next plan
// that reuses gets it: at random the snapshot in memory or read back.
func written(r *rand.Rand, p *Plan) *state.Snapshot {
	s := *p.Result
	s.Serial++
	if r.IntN(2) == 0 {
		return &s
	}
	data, err := state.Encode(&s)
	if err != nil {
		panic(err)
	}
	back, err := state.Decode(data)
	if err != nil {
		panic(err)
	}
	return back
}

// planDiff compares two plans as everything downstream sees them.
func planDiff(a, b *Plan) string {
	x, y := *a, *b
	x.memo, y.memo, x.Result, y.Result = nil, nil, nil, nil
	if reflect.DeepEqual(x, y) {
		return resultDiff(a, b)
	}
	if d := cmp.Diff(a, b, cmpopts.IgnoreUnexported(Plan{}), cmpopts.IgnoreFields(Plan{}, "Result"), cmpopts.EquateEmpty()); d != "" {
		return d
	}
	return resultDiff(a, b)
}

func resultDiff(a, b *Plan) string {
	ea, errA := state.Encode(a.Result)
	eb, errB := state.Encode(b.Result)
	if errA != nil || errB != nil {
		return fmt.Sprintf("encode: %v / %v", errA, errB)
	}
	return cmp.Diff(string(ea), string(eb))
}

// TestReuseReuses checks that reuse happens at all: after a one-customer
// edit, every subscription of other owners is carried over, and one of
// a reseller whose subscription changed is planned again.
func TestReuseReuses(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 7))
	cfg := reuseFleet(r)
	clear(cfg.SubscriberSettings) // no errors: a plan with errors is not reused
	first := Make(Input{Config: cfg, Lineage: "lin", Now: now, Secrets: &fakeSecrets{}})
	prior := applied(t, first)
	p1 := Make(Input{Config: cfg, Prior: prior, Now: now, Secrets: &fakeSecrets{}})
	if !p1.Empty() {
		t.Fatalf("plan after apply is not empty: %+v", p1.Summary)
	}
	// Edit one admin customer's subscription and one of r2's.
	cfg = cloneConfig(cfg)
	var adminSub, r2Sub string
	for _, d := range sortedKeys(cfg.Subscriptions) {
		s := cfg.Subscriptions[d]
		if adminSub == "" && s.Owner == "admin" && s.Plan != model.None {
			adminSub = d
		}
		if r2Sub == "" && s.Owner == "r2" && s.Plan != model.None {
			r2Sub = d
		}
	}
	cfg.Subscriptions[adminSub].Status = "suspended"
	cfg.Subscriptions[r2Sub].Status = "suspended"
	p2 := Make(Input{Config: cfg, Prior: prior, Now: now, Secrets: &fakeSecrets{}, Reuse: p1})
	if p2.Summary.Update != 2 {
		t.Fatalf("want 2 changes, got %+v", p2.Summary)
	}
	carried := carriedOver(p1, p2)
	for _, s := range p2.memo.subs {
		d := s.cfg.Domain
		want := d != adminSub && s.owner != "r2"
		if carried[d] != want {
			t.Errorf("%s (owner %s): carried over %v, want %v", d, s.owner, carried[d], want)
		}
	}
	// A plan change shared by every subscription: nothing is carried.
	cfg = cloneConfig(cfg)
	cfg.ServicePlans["Small"].Props["resources.mailboxes"] = model.Count(7)
	p3 := Make(Input{Config: cfg, Prior: prior, Now: now, Secrets: &fakeSecrets{}, Reuse: p2})
	for d := range carriedOver(p2, p3) {
		t.Errorf("%s carried over across a plan change", d)
	}
}

// carriedOver returns the subscriptions b carried over from a.
func carriedOver(a, b *Plan) map[string]bool {
	was := map[*sub]bool{}
	for _, s := range a.memo.subs {
		was[s] = true
	}
	out := map[string]bool{}
	for _, s := range b.memo.subs {
		if was[s] {
			out[s.cfg.Domain] = true
		}
	}
	return out
}

// TestReuseComparesEveryField fails when a field is added to a type the
// reuse comparisons cover, until the comparison covers it too.
func TestReuseComparesEveryField(t *testing.T) {
	for _, c := range []struct {
		v      any
		fields string
	}{
		{model.Subscription{}, "Domain RenamedFrom Customer Owner Plan Addons Customize Status Expires FTPLogin FTPPassword Src"},
		{model.SubscriberSettings{}, "Domain Props Src"},
		{model.Customer{}, "Login RenamedFrom Password Contact Owner Status Description AdminDescription Src"},
		{model.Secret{}, "Env File Literal Value Range"},
		{state.Subscription{}, "Domain Owner Customer Plan Addons SyncStatus Effective Base Customize Customized Settings DroppedSettings Conflicts ConfigStatus Status StatusReasons CreatedAt Expires FTPLogin FTPPassword"},
	} {
		typ := reflect.TypeOf(c.v)
		var names []string
		for i := range typ.NumField() {
			names = append(names, typ.Field(i).Name)
		}
		if got := fmt.Sprint(names); got != fmt.Sprint(strings.Fields(c.fields)) {
			t.Errorf("%s has fields %s; the reuse comparison covers %s: update it (reuse.go) and this list", typ, got, c.fields)
		}
	}
}

// TestReuseRemovalFreesAllocation: removing a reseller's subscription
// frees part of its allocation, so its other subscriptions are planned
// again (here the conflict of the one that did not fit goes away).
func TestReuseRemovalFreesAllocation(t *testing.T) {
	cfg := model.NewConfig()
	cfg.Server = &model.Server{}
	cfg.ServicePlans["r/Web"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "r", Name: "Web",
		Props: model.Props{"resources.disk_space": model.Size(8 * gib)}}
	cfg.Resellers["r"] = &model.Reseller{Login: "r", Plan: model.None, Status: "active",
		Props: model.Props{"resources.disk_space": model.Size(12 * gib)}}
	cfg.Customers["c"] = &model.Customer{Login: "c", Owner: "r", Status: "active"}
	sub := func(d string) *model.Subscription {
		return &model.Subscription{Domain: d, Customer: "c", Owner: "r", Plan: "Web", Status: "active"}
	}
	cfg.Subscriptions["z.example"] = sub("z.example")
	prior := applied(t, mustPlan(t, cfg, nil))
	cfg = cloneConfig(cfg)
	cfg.Subscriptions["a.example"] = sub("a.example")
	p := mustPlan(t, cfg, prior)
	if p.Summary.Conflicts != 1 || p.Conflicts[0].Subscription != "a.example" {
		t.Fatalf("want a.example's allocation conflict, got %+v", p.Conflicts)
	}
	prior = applied(t, p) // apply --accept-available
	last := mustPlan(t, cfg, prior)
	cfg = cloneConfig(cfg)
	delete(cfg.Subscriptions, "z.example") // the last in order
	in := Input{Config: cfg, Prior: prior, Now: now, Secrets: &fakeSecrets{}}
	full := Make(in)
	in.Reuse = last
	got := Make(in)
	if len(full.Conflicts) != 0 {
		t.Fatalf("a.example still in conflict once z.example is removed: %+v", full.Conflicts)
	}
	if d := planDiff(full, got); d != "" {
		t.Fatalf("reuse differs from the full plan (-full +reuse):\n%s", d)
	}
}
