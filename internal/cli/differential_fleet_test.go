package cli

import (
	"fmt"
	"math/rand"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/fake"
)

// The differential test of a fleet (SPEC 6.7): as TestDifferentialPleskApply,
// with three servers (web1 and web2 of tier shared, web3 of tier vps,
// each with random components). Catalogue objects are placed on every
// server, on servers named or on a tier; every subscription names its
// server. The edits are those of one server plus a catalogue object
// placed anew (never off a server where something uses it), a new
// subscription and a customer's subscription on a server it has none on.

// diffFleetSeeds are the seeds the test runs (a few seconds);
// DIFF_FLEET_SEED=N runs another one (DIFF_LOG=FILE as for one server).
// In seeds 36 and 149 a saved plan suspends a reseller, or switches it
// to another reseller plan, and does not change its reseller plan; in
// seed 363 a locked subscription's subscriber has a PHP version of its
// own beside its plan's handler, on a server read again; in seed 60
// web4 joins the fleet; in seed 512 a subscriber's own value whose
// permission the reseller does not hold gives way to a plan value whose
// component the server lacks.
var diffFleetSeeds = []int64{1, 2, 3, 4, 36, 60, 149, 363, 512}

const diffFleetKey = "k-fleet-diff"

func TestDifferentialFleetApply(t *testing.T) {
	for _, seed := range seedsFromEnv("DIFF_FLEET_SEED", diffFleetSeeds) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { differentialFleet(t, seed) })
	}
}

func differentialFleet(t *testing.T, seed int64) {
	r := rand.New(rand.NewSource(seed))
	fleet := []*dsServer{
		{name: "web1", tier: "shared", ip: "192.0.2.11"},
		{name: "web2", tier: "shared", ip: "192.0.2.12"},
		{name: "web3", tier: "vps", ip: "192.0.2.13"},
	}
	c := genCatalogueOn(r, fleet)
	// web4 joins the fleet at a step (fleetEdit): its emulator runs from
	// the start.
	c.spare = &dsServer{name: "web4", tier: pick(r, []string{"shared", "vps"}), ip: "192.0.2.14", components: randComponents(r)}
	emus := map[string]*fake.Server{}
	for _, srv := range append(append([]*dsServer{}, fleet...), c.spare) {
		only := model.NewConfig()
		only.Server = &model.Server{Components: srv.components}
		st, err := fake.Seed(only, srv.ip, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), fake.Options{})
		if err != nil {
			t.Fatal(err)
		}
		emu := fake.New(st, fake.Options{Key: diffFleetKey})
		hs := httptest.NewServer(emu)
		t.Cleanup(hs.Close)
		srv.url = hs.URL
		emus[srv.name] = emu
	}
	vars := map[string]string{"FLEET_KEY": diffFleetKey, "NO_COLOR": "1"}
	dir := diffRun(t, seed, r, c, emus, vars, c.fleetEdit, rand.New(rand.NewSource(-seed)))

	// A subscription the config puts on another server than the one it
	// is recorded on is refused, naming it (SPEC 6.7), and nothing is
	// changed.
	if len(c.subs) == 0 {
		return
	}
	s := pick(r, c.subs)
	was := s.server
	for _, srv := range fleet {
		if srv.name != was {
			s.server = srv.name
			break
		}
	}
	c.choosePlan(r, s) // its plan and add-ons placed where it goes
	c.freeze(s)
	save(t, filepath.Join(dir, "all.yaml"), c.yaml())
	out, code := runCLI(t, vars, "apply", "--dir", dir, "--auto-approve", "--accept-available", "--allow-delete", "--no-cache")
	want := fmt.Sprintf("subscription %s is recorded on server %s and the config puts it on %s", s.domain, was, s.server)
	if code == 0 || !strings.Contains(out, want) {
		t.Fatalf("seed %d: moving %s from %s to %s: exit %d, want an error with %q:\n%s", seed, s.domain, was, s.server, code, want, tail(out, 30))
	}
	if strings.Contains(out, "Apply complete") {
		t.Fatalf("seed %d: the move of %s was refused, yet something was applied:\n%s", seed, s.domain, tail(out, 30))
	}
}

// randPlace is a random placement on the fleet: every server (half the
// time), one or two servers named, or a tier.
func (c *dsCatalogue) randPlace(r *rand.Rand) dsPlace {
	switch r.Intn(4) {
	case 0:
		return dsPlace{servers: c.randServers(r)}
	case 1:
		return dsPlace{tier: pick(r, c.fleet).tier}
	}
	return dsPlace{}
}

// randServers are one or two servers of the fleet, at random.
func (c *dsCatalogue) randServers(r *rand.Rand) []string {
	var names []string
	for _, i := range r.Perm(len(c.fleet))[:1+r.Intn(2)] {
		names = append(names, c.fleet[i].name)
	}
	slices.Sort(names)
	return names
}

// fleetLegal reports whether the catalogue's placements are legal (SPEC
// 6.7): every subscription's plan and add-ons are placed on its server,
// every plan's services where the plan is, and every selector matches a
// server.
func (c *dsCatalogue) fleetLegal() bool {
	for _, s := range c.subs {
		var used []*dsPlan
		if p := c.plan(c.subOwner(s), s.plan); p != nil {
			used = append(used, p)
		}
		for _, a := range c.addons {
			if a.owner == c.subOwner(s) && contains(s.addons, a.name) {
				used = append(used, a)
			}
		}
		for _, p := range used {
			if !c.placed(p.place, s.server) {
				return false
			}
		}
	}
	places := []dsPlace{}
	for _, p := range append(append([]*dsPlan{}, c.plans...), c.addons...) {
		if len(c.placedServices(p)) != len(p.services) {
			return false
		}
		places = append(places, p.place)
	}
	for _, p := range c.rplans {
		places = append(places, p.place)
	}
	for _, pl := range c.svcPlace {
		places = append(places, pl)
	}
	for _, pl := range places {
		if pl.tier == "" {
			continue
		}
		matched := false
		for _, srv := range c.fleet {
			matched = matched || srv.tier == pl.tier
		}
		if !matched {
			return false
		}
	}
	return true
}

// placed reports whether pl places an object on server ("" for one
// server: always).
func (c *dsCatalogue) placed(pl dsPlace, server string) bool {
	if server == "" {
		return true
	}
	if pl.tier != "" {
		for _, srv := range c.fleet {
			if srv.name == server {
				return srv.tier == pl.tier
			}
		}
		return false
	}
	if pl.servers != nil {
		return contains(pl.servers, server)
	}
	return true
}

// placedOn are the plans placed on server.
func (c *dsCatalogue) placedOn(plans []*dsPlan, server string) []*dsPlan {
	var out []*dsPlan
	for _, p := range plans {
		if c.placed(p.place, server) {
			out = append(out, p)
		}
	}
	return out
}

// placedServices are p's services that are placed wherever p is (SPEC
// 6.7: a plan's custom services must be).
func (c *dsCatalogue) placedServices(p *dsPlan) []string {
	var out []string
	for _, sv := range p.services {
		ok := true
		for _, srv := range c.fleet {
			if c.placed(p.place, srv.name) && !c.placed(c.svcPlace[sv], srv.name) {
				ok = false
			}
		}
		if ok {
			out = append(out, sv)
		}
	}
	return out
}

func placeYAML(b *strings.Builder, pl dsPlace) {
	switch {
	case pl.tier != "":
		fmt.Fprintf(b, "    server_selector: {tier: %s}\n", pl.tier)
	case pl.servers != nil:
		fmt.Fprintf(b, "    servers: [%s]\n", strings.Join(pl.servers, ", "))
	}
}

func (pl dsPlace) String() string {
	switch {
	case pl.tier != "":
		return "tier " + pl.tier
	case pl.servers != nil:
		return strings.Join(pl.servers, ",")
	}
	return "every server"
}

// usedOn reports whether a subscription on server uses p (as its plan
// or an add-on).
func (c *dsCatalogue) usedOn(p *dsPlan, server string) bool {
	for _, s := range c.subs {
		if s.server == server && c.subOwner(s) == p.owner && (s.plan == p.name || contains(s.addons, p.name)) {
			return true
		}
	}
	return false
}

// fleetEdit makes one random change of a fleet catalogue and says what
// it was: half the time one a single server has too (edit), else one of
// a fleet.
func (c *dsCatalogue) fleetEdit(r *rand.Rand) string {
	for {
		switch r.Intn(11) {
		case 0: // a catalogue object placed anew
			var plans []*dsPlan
			plans = append(append(plans, c.plans...), c.addons...)
			i := r.Intn(len(plans) + len(c.rplans))
			pl := c.randPlace(r)
			if i >= len(plans) {
				// A reseller plan also goes wherever a reseller on it is:
				// any placement is legal.
				rp := c.rplans[i-len(plans)]
				if pl.String() == rp.place.String() {
					continue
				}
				rp.place = pl
				return fmt.Sprintf("reseller plan %s placed on %s", rp.name, pl)
			}
			p := plans[i]
			if pl.String() == p.place.String() {
				continue
			}
			legal := true
			for _, srv := range c.fleet {
				if c.placed(p.place, srv.name) && !c.placed(pl, srv.name) && c.usedOn(p, srv.name) {
					legal = false // taken off a server where it is used: an error
				}
			}
			if !legal {
				continue
			}
			p.place = pl
			p.services = c.placedServices(p)
			return fmt.Sprintf("plan %s/%s placed on %s (services %v)", p.owner, p.name, pl, p.services)
		case 1: // a customer's subscription on a server it has none on
			var withSubs []*dsAccount
			for _, cu := range c.customers {
				for _, s := range c.subs {
					if s.customer == cu.login {
						withSubs = append(withSubs, cu)
						break
					}
				}
			}
			if len(withSubs) == 0 {
				continue
			}
			cu := pick(r, withSubs)
			var others []string
			for _, srv := range c.fleet {
				on := false
				for _, s := range c.subs {
					on = on || (s.customer == cu.login && s.server == srv.name)
				}
				if !on {
					others = append(others, srv.name)
				}
			}
			if len(others) == 0 {
				continue
			}
			s := &dsSub{domain: c.id("site") + ".example", status: "active", customer: cu.login, server: pick(r, others)}
			c.newSubOf(r, s, false)
			return fmt.Sprintf("customer %s's new subscription %s on %s", cu.login, s.domain, s.server)
		case 2: // a new subscription, on any server
			c.newSub(r)
			s := c.subs[len(c.subs)-1]
			return fmt.Sprintf("new subscription %s on %s", s.domain, s.server)
		case 3: // a customer or a reseller placed explicitly, or no longer
			accounts := append(append([]*dsAccount{}, c.customers...), c.resellers...)
			if len(accounts) == 0 {
				continue
			}
			a := pick(r, accounts)
			if a.servers != nil && r.Intn(2) == 0 {
				a.servers = nil
			} else {
				a.servers = c.randServers(r)
			}
			return fmt.Sprintf("%s placed on %v", a.login, a.servers)
		case 5: // a server joins the fleet
			if c.spare == nil {
				continue
			}
			srv := c.spare
			c.fleet, c.spare = append(c.fleet, srv), nil
			// A plan placed there whose service is not loses it there:
			// it is taken out of the plan (SPEC 6.7).
			var lost []string
			for _, p := range c.plans {
				if kept := c.placedServices(p); len(kept) != len(p.services) {
					lost = append(lost, p.name)
					p.services = kept
				}
			}
			return fmt.Sprintf("server %s (tier %s) joins (services taken out of %v)", srv.name, srv.tier, lost)
		case 6: // a reseller switched to another reseller plan
			if len(c.resellers) == 0 || len(c.rplans) < 2 {
				continue
			}
			rs := pick(r, c.resellers)
			rp := pick(r, c.rplans)
			if rp.name == rs.plan {
				continue
			}
			rs.plan = rp.name
			return fmt.Sprintf("reseller %s switched to %s", rs.login, rp.name)
		case 4: // a server's tier changed
			srv := pick(r, c.fleet)
			was := srv.tier
			srv.tier = map[string]string{"shared": "vps", "vps": "shared"}[was]
			if !c.fleetLegal() {
				srv.tier = was
				continue
			}
			return fmt.Sprintf("server %s: tier %s", srv.name, srv.tier)
		default:
			return c.edit(r)
		}
	}
}
