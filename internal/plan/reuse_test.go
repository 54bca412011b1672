package plan

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
	// r3 starts with an allocation (a new reseller on plan none needs
	// one); once recorded, it keeps it when the config leaves it out.
	c.Resellers["r3"] = &model.Reseller{Login: "r3", Plan: model.None, Status: "active",
		Props: model.Props{"resources.disk_space": model.Size(8 * gib)}}
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
	customers := slices.Sorted(maps.Keys(c.Customers))
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
	cloneService := func(v *model.Service) *model.Service {
		x := *v
		x.Send = slices.Clone(v.Send)
		if v.Button != nil {
			b := *v.Button
			x.Button = &b
		}
		return &x
	}
	if c.Server != nil {
		s := *c.Server
		s.Components = slices.Clone(s.Components)
		s.Extensions = nil
		for _, ext := range c.Server.Extensions {
			e := ext
			e.Services = nil
			for _, svc := range ext.Services {
				e.Services = append(e.Services, cloneService(svc))
			}
			s.Extensions = append(s.Extensions, e)
		}
		out.Server = &s
	}
	for k, v := range c.Services {
		out.Services[k] = cloneService(v)
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
		x.Props, x.Services, x.Password = cloneProps(v.Props), slices.Clone(v.Services), cloneSecret(v.Password)
		out.Resellers[k] = &x
	}
	for k, v := range c.Customers {
		x := *v
		x.Password = cloneSecret(v.Password)
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
		x.FTPPassword = cloneSecret(v.FTPPassword)
		out.Subscriptions[k] = &x
	}
	for k, v := range c.SubscriberSettings {
		x := *v
		x.Props = cloneProps(v.Props)
		out.SubscriberSettings[k] = &x
	}
	return out
}

func cloneSecret(s *model.Secret) *model.Secret {
	if s == nil {
		return nil
	}
	x := *s
	return &x
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
	domains := slices.Sorted(maps.Keys(c.Subscriptions))
	d := domains[r.IntN(len(domains))]
	s := c.Subscriptions[d]
	customers := slices.Sorted(maps.Keys(c.Customers))
	cu := c.Customers[customers[r.IntN(len(customers))]]
	if r.IntN(3) == 0 {
		return reuseEditMore(r, c, step, d, cu)
	}
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
		renameCustomer(c, cu.Login, n, true)
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

// reuseEditMore makes the rarer edits: of what every subscription shares
// (after which reuse resumes), and odd shapes of the usual ones.
func reuseEditMore(r *rand.Rand, c *model.Config, step int, d string, cu *model.Customer) string {
	s := c.Subscriptions[d]
	switch r.IntN(16) {
	case 0:
		cu.Description = fmt.Sprintf("desc %d", step)
		return "customer " + cu.Login + " description"
	case 1:
		s.FTPPassword = nil
		return "ftp password of " + d + " removed"
	case 2:
		s.RenamedFrom = ""
		return "renamed_from of " + d + " dropped"
	case 3:
		if s.Plan != model.None {
			s.Customize = model.Props{}
		}
		return "empty customize on " + d
	case 4:
		c.SubscriberSettings[d] = &model.SubscriberSettings{Domain: d, Props: model.Props{}}
		return "empty settings on " + d
	case 5:
		c.Server.Components = []string{"php8.2", "php8.3", "php8.4", "php-fpm"}[:2+r.IntN(3)]
		return "server components"
	case 6:
		c.Resellers["r1"].Status = []string{"active", "suspended"}[r.IntN(2)]
		return "r1 " + c.Resellers["r1"].Status
	case 7:
		s.Expires = nil
		return "expiry of " + d + " removed"
	case 8:
		p := c.ServicePlans[model.PlanKey([]string{"admin", "r1", "r2", "r3"}[r.IntN(4)], "Big")]
		v, err := model.ParseDuration([]string{"1d", "2d", "3d"}[r.IntN(3)])
		if err != nil {
			panic(err)
		}
		p.Props["resources.expiration"] = v
		return "expiration of plan " + p.Key()
	case 9:
		// A customer renamed, its subscriptions left naming the old login.
		n := fmt.Sprintf("q%02d", step)
		renameCustomer(c, cu.Login, n, false)
		return "customer " + cu.Login + " renamed to " + n + " alone"
	case 10:
		s.Owner = []string{"admin", "r1", "r2", "r3"}[r.IntN(4)]
		return "owner field of " + d + " is " + s.Owner
	case 11:
		cu.Password = &model.Secret{Literal: true, Value: fmt.Sprintf("cpw%d", r.IntN(3))}
		return "password of customer " + cu.Login
	case 12:
		s.Customer = ""
		return d + " has no customer"
	case 13:
		c.Resellers["r3"].Props = model.Props{"resources.disk_space": model.Size(int64(5+r.IntN(20)) * gib)}
		return "r3 gets an allocation"
	case 14:
		c.Resellers["r3"].Props = nil
		return "r3's allocation left out (the recorded one kept)"
	default:
		p := c.ServicePlans[model.PlanKey([]string{"admin", "r3"}[r.IntN(2)], "Big")]
		p.Props["permissions.manage_php_settings"] = model.Bool(r.IntN(2) == 0)
		return "plan " + p.Key() + " grants manage_php_settings or not"
	}
}

// fixErrors drops, as a person would, the subscriber settings and renames
// a plan reports errors for, most of the time: a plan with errors is not
// reused, so mostly valid configs exercise reuse.
func fixErrors(r *rand.Rand, in Input) {
	if r.IntN(5) == 0 {
		return
	}
	cfg := in.Config
	for range 5 {
		p := Make(in)
		if !p.Diagnostics.HasErrors() {
			return
		}
		for _, d := range p.Diagnostics {
			if k, ok := strings.CutPrefix(d.Object, "subscriber_settings "); ok {
				delete(cfg.SubscriberSettings, k)
			}
			if k, ok := strings.CutPrefix(d.Object, "subscription "); ok && d.Path == "renamed_from" && cfg.Subscriptions[k] != nil {
				cfg.Subscriptions[k].RenamedFrom = ""
			}
			if k, ok := strings.CutPrefix(d.Object, "customer "); ok && d.Path == "renamed_from" && cfg.Customers[k] != nil {
				cfg.Customers[k].RenamedFrom = ""
			}
			if k, ok := strings.CutPrefix(d.Object, "reseller "); ok && d.Path == "plan" && cfg.Resellers[k] != nil {
				cfg.Resellers[k].Props = model.Props{"resources.disk_space": model.Size(8 * gib)}
			}
		}
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
	var st reuseStats
	var mu sync.Mutex
	// The seeds are independent: they run in parallel, and the group
	// ends when all have.
	t.Run("seeds", func(t *testing.T) {
		for seed := range seeds {
			t.Run(fmt.Sprint(seed), func(t *testing.T) {
				t.Parallel()
				o := checkReuse(t, uint64(seed), 14)
				mu.Lock()
				st.add(o)
				mu.Unlock()
			})
		}
	})
	// The comparison means something only if many plans reused an
	// earlier one (the others follow an edit of what all subscriptions
	// share, or errors), carrying over, and planning again, a good part.
	t.Logf("%d plans (%d with errors); %d carried subscriptions over from an earlier one: %d of %d",
		st.plans, st.errors, st.reusing, st.carried, st.total)
	if st.reusing < st.plans/3 || st.errors > st.plans/4 {
		t.Errorf("%d of %d plans reused an earlier one, %d had errors: the edits do not exercise reuse", st.reusing, st.plans, st.errors)
	}
	if st.carried < st.total/6 || st.carried > st.total*5/6 {
		t.Errorf("%d of %d subscriptions carried over: the edits do not exercise reuse", st.carried, st.total)
	}
}

// FuzzReuse is TestReuseMatchesFullPlan with the seed from the fuzzer.
func FuzzReuse(f *testing.F) {
	f.Add(uint64(1), uint8(8))
	f.Fuzz(func(t *testing.T, seed uint64, steps uint8) { checkReuse(t, seed, int(steps%24)) })
}

type reuseStats struct{ plans, errors, reusing, carried, total int }

func (s *reuseStats) add(o reuseStats) {
	s.plans, s.errors, s.reusing = s.plans+o.plans, s.errors+o.errors, s.reusing+o.reusing
	s.carried, s.total = s.carried+o.carried, s.total+o.total
}

// checkReuse runs steps random edits from seed; at each, it compares the
// plan made reusing the last good plan (as watch keeps it) with the full
// plan, then sometimes applies all or part of the plan.
func checkReuse(t *testing.T, seed uint64, steps int) (st reuseStats) {
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
			cfg, at = reuseStep(r, cfg, step, at, 40, 8, &log) // now and then backwards
		}
		in := Input{Config: cfg, Prior: prior, Lineage: "lin", Now: at, Secrets: &fakeSecrets{}}
		fixErrors(r, in)
		full := Make(in)
		in.Reuse, in.Prior = last, kept
		got := Make(in)
		if diff := planDiff(full, got); diff != "" {
			t.Fatalf("step %d (%v): the plan reusing the last one differs from the full plan (-full +reuse):\n%s", step, log, diff)
		}
		st.plans++
		if full.Diagnostics.HasErrors() {
			st.errors++
		}
		if last != nil {
			carried := carriedOver(last, got)
			if len(carried) > 0 {
				st.reusing++
			}
			st.carried += len(carried)
			st.total += len(got.Subscriptions)
		}
		if got.memo != nil && r.IntN(6) > 0 {
			last = got // the last good plan (now and then an older one)
		}
		switch {
		case full.Diagnostics.HasErrors():
		case r.IntN(4) == 0 && len(full.Changes) > 0:
			// apply --target: the state records part of the plan.
			var targets []string
			for range 1 + r.IntN(3) {
				c := full.Changes[r.IntN(len(full.Changes))]
				targets = append(targets, string(c.Kind)+"/"+c.Key)
			}
			tp, err := Target(full, prior, targets)
			if err != nil {
				t.Fatal(err)
			}
			kept = written(r, tp)
			prior = applied(t, tp)
			log = append(log, fmt.Sprint("applied ", targets))
		case r.IntN(3) == 0:
			kept = written(r, full)
			prior = applied(t, full)
			log = append(log, "applied")
		}
	}
	return st
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
	if bytes.Equal(ea, eb) {
		return "" // the common case, without cmp's reflection
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
	for _, d := range slices.Sorted(maps.Keys(cfg.Subscriptions)) {
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

// carriedOver returns the subscriptions b carried over from a: those it
// holds as planned from the same config object (each step of these tests
// plans a config of its own).
func carriedOver(a, b *Plan) map[string]bool {
	was := map[*model.Subscription]bool{}
	for _, s := range a.memo.subs {
		was[s.cfg] = true
	}
	out := map[string]bool{}
	if b.memo == nil {
		return out
	}
	for _, s := range b.memo.subs {
		if was[s.cfg] {
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
		{model.Subscription{}, "Domain RenamedFrom Customer Owner Plan Addons Customize Status Expires FTPLogin FTPPassword IPAddress ManagedBy Server Src"},
		{model.SubscriberSettings{}, "Domain Props Src"},
		{model.Customer{}, "Login RenamedFrom Password Contact Owner Status Description AdminDescription ManagedBy Servers Src"},
		{model.Secret{}, "Env File Literal Value Range"},
		{state.Subscription{}, "Server Domain Owner Customer Plan Addons SyncStatus ServerSyncStatus LockedInPanel Effective Base Customize Customized Settings DroppedSettings Conflicts ConfigStatus Status StatusReasons CreatedAt Expires FTPLogin FTPPassword IPAddress ManagedBy Plesk"},
		// What every subscription shares is compared whole (reusable),
		// and what a plan is made from is in the memo: a new field needs
		// a look at both.
		{model.Config{}, "Server Servers Services ServicePlans AddonPlans ResellerPlans Resellers Customers Subscriptions SubscriberSettings Files Retired Lacking"},
		{state.Snapshot{}, "FormatVersion Lineage Serial Server Servers Services ServicePlans AddonPlans ResellerPlans Resellers Customers Subscriptions PropertySets"},
		// slow changes how, not what, is planned: reuse need not compare it.
		// Held goes only with Existing, whose plans neither reuse nor are
		// reused (remember, reusable).
		{Input{}, "Config Prior Lineage Now Secrets Scope Reuse ResultOnly Existing Held ComponentsRead UnrecordedServer slow"},
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
// resellerWebConfig is a config of reseller r with an allocation of
// allocGiB of disk space, its plan Web of 8 GiB and its customer c with
// a subscription on Web for each of domains; sub makes another.
func resellerWebConfig(allocGiB int64, domains ...string) (cfg *model.Config, sub func(string) *model.Subscription) {
	cfg = model.NewConfig()
	cfg.Server = &model.Server{}
	cfg.ServicePlans["r/Web"] = &model.Plan{Kind: model.ServicePlanKind, Owner: "r", Name: "Web",
		Props: model.Props{"resources.disk_space": model.Size(8 * gib)}}
	cfg.Resellers["r"] = &model.Reseller{Login: "r", Plan: model.None, Status: "active",
		Props: model.Props{"resources.disk_space": model.Size(allocGiB * gib)}}
	cfg.Customers["c"] = &model.Customer{Login: "c", Owner: "r", Status: "active"}
	sub = func(d string) *model.Subscription {
		return &model.Subscription{Domain: d, Customer: "c", Owner: "r", Plan: "Web", Status: "active"}
	}
	for _, d := range domains {
		cfg.Subscriptions[d] = sub(d)
	}
	return cfg, sub
}

func TestReuseRemovalFreesAllocation(t *testing.T) {
	cfg, sub := resellerWebConfig(12, "z.example")
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

// tenantOf is what reseller login's own config holds: its plans (and the
// admin's add-on context), its customers and their subscriptions.
func tenantOf(c *model.Config, login string) *model.Config {
	out := cloneConfig(c)
	for k := range out.Resellers {
		if k != login {
			delete(out.Resellers, k)
		}
	}
	for _, plans := range []map[string]*model.Plan{out.ServicePlans, out.AddonPlans} {
		for k, p := range plans {
			if p.Owner != model.Admin && p.Owner != login {
				delete(plans, k)
			}
		}
	}
	for k, cu := range out.Customers {
		if cu.Owner != login {
			delete(out.Customers, k)
		}
	}
	for k, s := range out.Subscriptions {
		if s.Customer == "" || out.Customers[s.Customer] == nil {
			delete(out.Subscriptions, k)
		}
	}
	for k := range out.SubscriberSettings {
		if out.Subscriptions[k] == nil {
			delete(out.SubscriberSettings, k)
		}
	}
	return out
}

// TestReuseScope: a reseller's plans (--as reseller:r1) reuse the same
// way, with the reseller's and the admin's applies in between.
func TestReuseScope(t *testing.T) {
	seeds := 40
	if testing.Short() {
		seeds = 10
	}
	var carried atomic.Int64
	// The seeds are independent: they run in parallel, and the group
	// ends when all have.
	t.Run("seeds", func(t *testing.T) {
		for seed := range seeds {
			t.Run(fmt.Sprint(seed), func(t *testing.T) {
				t.Parallel()
				checkReuseScope(t, seed, &carried)
			})
		}
	})
	if carried.Load() == 0 {
		t.Error("no reseller plan carried anything over")
	}
}

// checkReuseScope runs a dozen random edits from seed, comparing at each
// reseller r1's plan reusing its last one with its full plan.
func checkReuseScope(t *testing.T, seed int, carried *atomic.Int64) {
	{
		r := rand.New(rand.NewPCG(uint64(seed), 13))
		cfg := reuseFleet(r)
		clear(cfg.SubscriberSettings)
		prior := applied(t, Make(Input{Config: cfg, Lineage: "lin", Now: now, Secrets: &fakeSecrets{}}))
		at := now
		var last *Plan
		var log []string
		for step := range 12 {
			if step > 0 {
				cfg, at = reuseStep(r, cfg, step, at, 60, 0, &log)
			}
			in := Input{Config: tenantOf(cfg, "r1"), Prior: prior, Now: at, Secrets: &fakeSecrets{}, Scope: &Scope{Reseller: "r1"}}
			fixErrors(r, in)
			full := Make(in)
			in.Reuse = last
			got := Make(in)
			if diff := planDiff(full, got); diff != "" {
				t.Fatalf("seed %d step %d (%v): the plan reusing the last one differs from the full plan (-full +reuse):\n%s", seed, step, log, diff)
			}
			if last != nil {
				carried.Add(int64(len(carriedOver(last, got))))
			}
			if got.memo != nil {
				last = got
			}
			switch {
			case full.Diagnostics.HasErrors():
			case r.IntN(3) == 0:
				prior = applied(t, full)
				log = append(log, "r1 applied")
			case r.IntN(3) == 0:
				if a := Make(Input{Config: cfg, Prior: prior, Now: at, Secrets: &fakeSecrets{}}); !a.Diagnostics.HasErrors() {
					prior = applied(t, a)
					log = append(log, "admin applied")
				}
			}
		}
	}
}

// TestReuseSecrets: a plan made without secrets (nothing hashed) is not
// reused by one made with them, nor the other way round.
func TestReuseSecrets(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 7))
	cfg := reuseFleet(r)
	clear(cfg.SubscriberSettings)
	prior := applied(t, Make(Input{Config: cfg, Lineage: "lin", Now: now, Secrets: &fakeSecrets{}}))
	cfg = cloneConfig(cfg)
	changed := 0
	for _, s := range cfg.Subscriptions {
		if s.FTPPassword != nil {
			s.FTPPassword.Value = "changed"
			changed++
		}
	}
	if changed == 0 {
		t.Fatal("no FTP password in the fleet")
	}
	with := Make(Input{Config: cfg, Prior: prior, Now: now, Secrets: &fakeSecrets{}})
	without := Make(Input{Config: cfg, Prior: prior, Now: now})
	for _, c := range []struct{ in, last *Plan }{{without, with}, {with, without}} {
		in := Input{Config: cloneConfig(cfg), Prior: prior, Now: now, Reuse: c.last}
		if c.in == with {
			in.Secrets = &fakeSecrets{}
		}
		full := Make(Input{Config: in.Config, Prior: prior, Now: now, Secrets: in.Secrets})
		if diff := planDiff(full, Make(in)); diff != "" {
			t.Errorf("reuse across a change of Secrets differs (-full +reuse):\n%s", diff)
		}
	}
}

// TestReuseKeepsNoOlderState: after applies, the subscriptions a plan
// carries over point into the state it was made against, not into the
// older ones they were first planned against (which would stay in
// memory, one whole recorded state per apply, in a long watch).
func TestReuseKeepsNoOlderState(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 7))
	cfg := reuseFleet(r)
	clear(cfg.SubscriberSettings)
	prior := applied(t, Make(Input{Config: cfg, Lineage: "lin", Now: now, Secrets: &fakeSecrets{}}))
	last := Make(Input{Config: cfg, Prior: prior, Now: now, Secrets: &fakeSecrets{}})
	for i := range 10 {
		cfg = cloneConfig(cfg)
		d := slices.Sorted(maps.Keys(cfg.Subscriptions))[i]
		cfg.Subscriptions[d].Status = "suspended"
		p := Make(Input{Config: cfg, Prior: prior, Now: now, Secrets: &fakeSecrets{}, Reuse: last})
		prior = applied(t, p)
		last = Make(Input{Config: cfg, Prior: prior, Now: now, Secrets: &fakeSecrets{}, Reuse: p})
	}
	current := map[*state.Subscription]bool{}
	for i := range prior.Subscriptions {
		current[&prior.Subscriptions[i]] = true
	}
	if n := len(carriedOver(last, last)); n == 0 {
		t.Fatal("nothing planned")
	}
	for _, s := range last.memo.subs {
		if !current[s.prior] {
			t.Errorf("%s points into an older recorded state", s.cfg.Domain)
		}
	}
}

// reuseStep is one step of a random sequence of edits: cfg cloned and
// edited one to three times, and one time in three the clock moved by
// up to span hours, from back hours backwards; each edit and clock move
// is logged.
func reuseStep(r *rand.Rand, cfg *model.Config, step int, at time.Time, span, back int, log *[]string) (*model.Config, time.Time) {
	cfg = cloneConfig(cfg)
	for range 1 + r.IntN(3) {
		*log = append(*log, reuseEdit(r, cfg, step))
	}
	if r.IntN(3) == 0 {
		at = at.Add(time.Duration(r.IntN(span)-back) * time.Hour)
		*log = append(*log, "clock at "+at.Format(time.RFC3339))
	}
	return cfg, at
}

// TestReuseGoneResellerWarning: a reseller over its allocation whose
// subscriptions all go is warned about no longer, reusing the last plan
// or not.
func TestReuseGoneResellerWarning(t *testing.T) {
	cfg, _ := resellerWebConfig(20, "a.example", "b.example")
	prior := applied(t, mustPlan(t, cfg, nil))
	cfg = cloneConfig(cfg)
	cfg.Resellers["r"].Props = model.Props{"resources.disk_space": model.Size(12 * gib)}
	prior = applied(t, mustPlan(t, cfg, prior))
	last := mustPlan(t, cfg, prior)
	if len(last.Diagnostics) != 1 || !strings.Contains(last.Diagnostics[0].Summary, "more than its allocation") {
		t.Fatalf("want r's over-allocation warning, got %v", last.Diagnostics)
	}
	cfg = cloneConfig(cfg)
	delete(cfg.Subscriptions, "a.example")
	delete(cfg.Subscriptions, "b.example")
	in := Input{Config: cfg, Prior: prior, Now: now, Secrets: &fakeSecrets{}}
	full := Make(in)
	in.Reuse = last
	got := Make(in)
	if len(full.Diagnostics) != 0 {
		t.Fatalf("r warned about with no subscription left: %v", full.Diagnostics)
	}
	if d := planDiff(full, got); d != "" {
		t.Fatalf("reuse differs from the full plan (-full +reuse):\n%s", d)
	}
}
