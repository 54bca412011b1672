package cli

import (
	"fmt"
	"math/rand"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/fake"
)

// The differential test: a random catalogue is applied to the Plesk
// emulator, then edited at random, step by step. After every apply,
// plansync's prediction (the plan) and what the emulator reports (read
// back after the writes) must agree: no model disagreement, and a plan
// right after the apply has nothing to do. Seeds are fixed, so a
// failure names the seed and step that reproduce it.

// diffSeeds are the seeds the test runs (37 catalogues, 10 edits each,
// a few seconds); DIFF_SEED=N runs another one, DIFF_LOG=FILE appends
// every step's config, apply output and the emulator's subscriptions to
// FILE. Seed 34 serves a reseller's new subscriptions, add-ons included,
// in key order; seed 35 frees a reseller's allocation for an unsynced
// subscription; seeds 20, 37, 49, 51, 89, 107, 110, 113 and 118 free it
// by a delete, which comes last, for subscriptions created, grown or
// unsynced before it; in seed 194 a subscription that had 0 B of it
// keeps its 0 B when its growth does not fit what a delete freed; seeds
// 53 and 75 move a customer with a custom subscription to a reseller,
// whose allocation it counts in; seeds 39 and 64 give a single value
// what an oversold reseller holds; in seed 60 a subscriber's own value
// replaces a plan value the server cannot give; seed 95 customises a
// locked subscription's DNS zone type, which a Plesk subscription does
// not hold; seed 137 removes an add-on from a locked subscription,
// whose base is taken anew; in seed 140 a plan's PHP handler alone
// (never sent) meets a subscriber's own PHP version; seed 161 gives a
// locked subscription's subscriber settings only for the permissions it
// kept when locked.
var diffSeeds = []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 20, 34, 35, 37, 39, 43, 49, 51, 53, 60, 64, 75, 89, 90, 95, 107, 110, 113, 117, 118, 120, 137, 140, 161, 194}

const diffSteps = 10

type dsPlan struct {
	owner, name string
	props       map[string]string // flat path → YAML scalar
	services    []string
	place       dsPlace
}

type dsRPlan struct {
	name     string
	props    map[string]string
	oversell bool
	place    dsPlace
}

// dsPlace is where a catalogue object of a fleet is placed: servers
// named, or a tier selected, or (zero) every server.
type dsPlace struct {
	servers []string
	tier    string
}

// dsServer is one server of a fleet (TestDifferentialFleetApply).
type dsServer struct {
	name, tier, url, ip string
	components          []string
}

type dsAccount struct {
	login, owner, plan, status string   // owner: customers only; plan: resellers only
	servers                    []string // a fleet's account placed explicitly
}

type dsSub struct {
	domain, customer, owner, plan, status string
	server                                string // a fleet's subscription only
	addons                                []string
	customize                             map[string]string
	settings                              map[string]string
	// frozen are the permissions its plans granted when its base was
	// last taken (locked, switched, add-on attached or removed, moved):
	// a locked subscription keeps them whatever its plans' later edits
	// (SPEC 1.3); nil when not locked.
	frozen map[string]bool
}

type dsCatalogue struct {
	components []string
	services   []string
	plans      []*dsPlan // service plans
	addons     []*dsPlan
	rplans     []*dsRPlan
	resellers  []*dsAccount
	customers  []*dsAccount
	subs       []*dsSub
	nextID     int
	// fleet are the servers of a fleet catalogue (nil: one server);
	// svcPlace is where each service is placed.
	fleet    []*dsServer
	svcPlace map[string]dsPlace
	spare    *dsServer // a server to join the fleet at a step
}

var (
	dsAllComponents = []string{"php8.2", "php8.3", "php8.4", "php-fpm", "php-fastcgi", "php-cgi", "postfix", "roundcube", "horde", "spamassassin", "antivirus", "awstats", "webalizer", "bind"}
	dsPerms         = []string{"manage_hosting", "manage_php_settings", "manage_php_version", "manage_dns", "manage_subdomains", "manage_domain_aliases", "manage_ssh", "manage_crontab", "manage_spamfilter", "manage_antivirus", "manage_webstats", "manage_logs", "manage_backups", "manage_webapps", "create_websites"}
	dsSizes         = []string{"512MiB", "1GiB", "2GiB", "5GiB", "10GiB", "unlimited"}
	dsCounts        = []string{"0", "1", "3", "10", "unlimited"}
	dsSizeRes       = []string{"disk_space", "traffic", "mailbox_quota"}
	dsCountRes      = []string{"websites", "subdomains", "domain_aliases", "mailboxes", "mailing_lists", "databases", "ftp_accounts", "web_users"}
	dsPHPSettings   = map[string][]string{"memory_limit": {"128M", "256M", "512M"}, "max_execution_time": {`"30"`, `"60"`, `"120"`}, "post_max_size": {"8M", "64M"}}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.Intn(len(xs))] }

func (c *dsCatalogue) id(prefix string) string {
	c.nextID++
	return fmt.Sprintf("%s%d", prefix, c.nextID)
}

// randValue is a random value for a property path, in YAML.
func randValue(r *rand.Rand, path string) string {
	sec, name, _ := strings.Cut(path, ".")
	switch sec {
	case "resources":
		if name == "overuse" {
			return pick(r, []string{"block", "notify", "normal", "not_suspend", "not_suspend_notify"})
		}
		for _, s := range dsSizeRes {
			if s == name {
				return pick(r, dsSizes)
			}
		}
		return pick(r, dsCounts)
	case "permissions":
		return pick(r, []string{"true", "false"})
	}
	switch path {
	case "hosting.php_version":
		return pick(r, []string{`"8.2"`, `"8.3"`, `"8.4"`})
	case "hosting.php_handler":
		return pick(r, []string{"fpm", "fastcgi", "cgi"})
	case "hosting.ssl", "mail.enabled", "mail.spamfilter":
		return pick(r, []string{"true", "false"})
	case "hosting.ssh":
		return pick(r, []string{"none", "chrooted", "bash"})
	case "hosting.webstats":
		return pick(r, []string{"none", "awstats", "webalizer"})
	case "mail.webmail":
		return pick(r, []string{"none", "roundcube", "horde"})
	case "mail.antivirus":
		return pick(r, []string{`"off"`, "inbound", "outbound", "both"})
	case "dns.zone_type":
		return pick(r, []string{"master", "slave"})
	}
	if k, ok := strings.CutPrefix(path, "hosting.php_settings."); ok {
		return pick(r, dsPHPSettings[k])
	}
	panic("no value for " + path)
}

// servicePlanPaths are the paths a service plan (or a customisation) may set.
func servicePlanPaths() []string {
	var out []string
	for _, n := range dsSizeRes {
		out = append(out, "resources."+n)
	}
	for _, n := range dsCountRes {
		out = append(out, "resources."+n)
	}
	out = append(out, "resources.overuse")
	for _, p := range dsPerms {
		out = append(out, "permissions."+p)
	}
	out = append(out, "hosting.php_version", "hosting.php_handler", "hosting.ssl", "hosting.ssh", "hosting.webstats",
		"mail.enabled", "mail.webmail", "mail.spamfilter", "mail.antivirus", "dns.zone_type")
	for k := range dsPHPSettings {
		out = append(out, "hosting.php_settings."+k)
	}
	sort.Strings(out)
	return out
}

// addonPaths are the paths an add-on plan may set.
func addonPaths() []string {
	var out []string
	for _, n := range dsSizeRes {
		out = append(out, "resources."+n)
	}
	for _, n := range dsCountRes {
		out = append(out, "resources."+n)
	}
	for _, p := range dsPerms {
		out = append(out, "permissions."+p)
	}
	// Not mail.enabled: Plesk's add-on plans have no mail element, so an
	// add-on that switches mail on cannot reach the server (a known gap,
	// see the report of this test's branch); mail.spamfilter has no
	// counterpart anywhere and is never sent.
	return append(out, "hosting.ssl", "mail.spamfilter")
}

func randProps(r *rand.Rand, paths []string, n int) map[string]string {
	m := map[string]string{}
	for i := 0; i < n; i++ {
		p := pick(r, paths)
		m[p] = randValue(r, p)
	}
	return m
}

func (c *dsCatalogue) newServicePlan(r *rand.Rand, owner string) *dsPlan {
	p := &dsPlan{owner: owner, name: c.id("Plan"), props: randProps(r, servicePlanPaths(), 6+r.Intn(10))}
	if owner != "admin" {
		// The reseller plans limit disk space and traffic: every plan
		// of a reseller sets both.
		p.props["resources.disk_space"] = pick(r, dsSizes[:4])
		p.props["resources.traffic"] = pick(r, dsSizes[:4])
	} else if len(c.services) > 0 && r.Intn(2) == 0 {
		p.services = []string{pick(r, c.services)}
	}
	if c.fleet != nil {
		p.place = c.randPlace(r)
		p.services = c.placedServices(p)
	}
	return p
}

func (c *dsCatalogue) newAddon(r *rand.Rand, owner string) *dsPlan {
	a := &dsPlan{owner: owner, name: c.id("Addon"), props: randProps(r, addonPaths(), 1+r.Intn(4))}
	for k, v := range a.props {
		if v == "false" {
			a.props[k] = "true" // an add-on switches on, never off
		}
	}
	if c.fleet != nil {
		a.place = c.randPlace(r)
	}
	return a
}

func genCatalogue(r *rand.Rand) *dsCatalogue { return genCatalogueOn(r, nil) }

// randComponents is a random set of the components.
func randComponents(r *rand.Rand) []string {
	var out []string
	for _, comp := range dsAllComponents {
		if r.Intn(3) > 0 {
			out = append(out, comp)
		}
	}
	return out
}

// genCatalogueOn is a random catalogue for one server (fleet nil) or for
// the servers of fleet, each given its random components.
func genCatalogueOn(r *rand.Rand, fleet []*dsServer) *dsCatalogue {
	c := &dsCatalogue{fleet: fleet}
	if fleet == nil {
		c.components = randComponents(r)
	}
	for _, srv := range fleet {
		srv.components = randComponents(r)
	}
	c.services = []string{"support", "backup"}
	if fleet != nil {
		c.svcPlace = map[string]dsPlace{}
		for _, sv := range c.services {
			c.svcPlace[sv] = c.randPlace(r)
		}
	}
	for i := 0; i < 1+r.Intn(2); i++ {
		rp := &dsRPlan{name: c.id("RPlan"), oversell: r.Intn(2) == 0, props: map[string]string{
			"resources.disk_space": pick(r, []string{"5GiB", "10GiB", "20GiB", "unlimited"}),
			"resources.traffic":    pick(r, []string{"10GiB", "100GiB", "unlimited"}),
		}}
		for _, p := range dsPerms {
			if r.Intn(4) > 0 {
				rp.props["permissions."+p] = "true"
			}
		}
		if fleet != nil {
			rp.place = c.randPlace(r)
		}
		c.rplans = append(c.rplans, rp)
	}
	for i := 0; i < 1+r.Intn(2); i++ {
		c.resellers = append(c.resellers, &dsAccount{login: c.id("res"), plan: pick(r, c.rplans).name, status: "active"})
	}
	owners := []string{"admin"}
	for _, rs := range c.resellers {
		owners = append(owners, rs.login)
	}
	for _, o := range owners {
		for i := 0; i < 1+r.Intn(2); i++ {
			c.plans = append(c.plans, c.newServicePlan(r, o))
		}
		for i := 0; i < r.Intn(3); i++ {
			c.addons = append(c.addons, c.newAddon(r, o))
		}
	}
	for i := 0; i < 3+r.Intn(3); i++ {
		c.customers = append(c.customers, &dsAccount{login: c.id("cust"), owner: pick(r, owners), status: "active"})
	}
	if fleet != nil {
		for _, a := range append(append([]*dsAccount{}, c.resellers...), c.customers...) {
			if r.Intn(4) == 0 {
				a.servers = c.randServers(r)
			}
		}
	}
	for i := 0; i < 6+r.Intn(5); i++ {
		c.newSub(r)
	}
	return c
}

func (c *dsCatalogue) plansOf(owner string, addons bool) []*dsPlan {
	list := c.plans
	if addons {
		list = c.addons
	}
	var out []*dsPlan
	for _, p := range list {
		if p.owner == owner {
			out = append(out, p)
		}
	}
	return out
}

func (c *dsCatalogue) plan(owner, name string) *dsPlan {
	for _, p := range c.plans {
		if p.owner == owner && p.name == name {
			return p
		}
	}
	return nil
}

// subOwner is the owner of the plans a subscription may use.
func (c *dsCatalogue) subOwner(s *dsSub) string {
	if s.customer == "" {
		return s.owner
	}
	for _, cu := range c.customers {
		if cu.login == s.customer {
			return cu.owner
		}
	}
	panic("no customer " + s.customer)
}

func (c *dsCatalogue) newSub(r *rand.Rand) {
	s := &dsSub{domain: c.id("site") + ".example", status: "active"}
	if c.fleet != nil {
		s.server = pick(r, c.fleet).name
	}
	c.newSubOf(r, s, r.Intn(5) == 0 || len(c.customers) == 0)
}

// newSubOf gives s an owner (a customer unless byOwner; s's customer
// when it has one), a plan, add-ons, perhaps a customisation, a status
// and settings, and adds it.
func (c *dsCatalogue) newSubOf(r *rand.Rand, s *dsSub, byOwner bool) {
	switch {
	case s.customer != "": // given
	case byOwner:
		s.owner = "admin"
		if len(c.resellers) > 0 && r.Intn(2) == 0 {
			s.owner = pick(r, c.resellers).login
		}
	default:
		s.customer = pick(r, c.customers).login
	}
	c.subs = append(c.subs, s)
	c.choosePlan(r, s)
	if r.Intn(4) == 0 {
		s.customize = randProps(r, servicePlanPaths(), 1+r.Intn(3))
	}
	c.freeze(s)
	if r.Intn(6) == 0 {
		s.status = "suspended"
	}
	if r.Intn(3) == 0 {
		s.settings = randProps(r, []string{"hosting.ssl", "hosting.php_version", "hosting.ssh", "hosting.webstats", "mail.spamfilter", "hosting.php_settings.memory_limit", "dns.zone_type"}, 1+r.Intn(2))
	}
}

// choosePlan puts s on a random plan of its owner (or none) with
// random add-ons of that owner.
func (c *dsCatalogue) choosePlan(r *rand.Rand, s *dsSub) {
	owner := c.subOwner(s)
	plans := c.placedOn(c.plansOf(owner, false), s.server)
	s.addons = nil
	if len(plans) == 0 || r.Intn(6) == 0 {
		s.plan = "none"
		return
	}
	s.plan = pick(r, plans).name
	for _, a := range c.placedOn(c.plansOf(owner, true), s.server) {
		if r.Intn(2) == 0 {
			s.addons = append(s.addons, a.name)
		}
	}
	c.freeze(s)
}

// freeze takes a locked subscription's base anew: the permissions its
// plans grant now (SPEC 1.3); an unlocked one has none frozen.
func (c *dsCatalogue) freeze(s *dsSub) {
	s.frozen = nil
	if len(s.customize) == 0 || s.plan == "none" {
		return
	}
	s.frozen = map[string]bool{}
	for _, perm := range dsPerms {
		s.frozen[perm] = c.plansGrant(s, perm)
	}
}

// effective is the subscription's plan ⊕ add-ons ⊕ customisation, as far
// as the permissions go (for the subscriber settings the config may
// give: those the effective permissions allow).
func (c *dsCatalogue) permitted(s *dsSub, perm string) bool {
	if s.plan == "none" {
		return s.customize["permissions."+perm] == "true"
	}
	on := c.plansGrant(s, perm)
	if s.frozen != nil {
		// Locked: its plans' edits since its base was taken do not
		// reach it (SPEC 1.3).
		on = s.frozen[perm]
	}
	if v, ok := s.customize["permissions."+perm]; ok {
		on = v == "true"
	}
	return on
}

// plansGrant reports whether s's plan ⊕ add-ons grant perm.
func (c *dsCatalogue) plansGrant(s *dsSub, perm string) bool {
	on := c.plan(c.subOwner(s), s.plan).props["permissions."+perm] == "true"
	for _, a := range c.addons {
		if a.owner == c.subOwner(s) && contains(s.addons, a.name) && a.props["permissions."+perm] == "true" {
			on = true
		}
	}
	return on
}

// keptUncustomised is what stays of s's customisation when it is taken
// out: nothing, but a custom subscription (plan none) keeps the settings
// Plesk cannot unset, which apply refuses to leave out (docs/plesk.md,
// "What apply refuses before any write"; fleet seed 43).
func keptUncustomised(s *dsSub) map[string]string {
	if s.plan != "none" {
		return nil
	}
	var kept map[string]string
	for p, v := range s.customize {
		if p == "hosting.php_version" || p == "hosting.php_handler" || p == "dns.zone_type" || strings.HasPrefix(p, "hosting.php_settings.") {
			if kept == nil {
				kept = map[string]string{}
			}
			kept[p] = v
		}
	}
	return kept
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// flow renders flat paths as a YAML flow mapping.
func flow(props map[string]string, prefix string) string {
	keys := map[string]bool{}
	for p := range props {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			head := rest
			if prefix != "hosting.php_settings." {
				head, _, _ = strings.Cut(rest, ".")
			}
			keys[head] = true
		}
	}
	var names []string
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	var parts []string
	for _, k := range names {
		if v, ok := props[prefix+k]; ok {
			parts = append(parts, k+": "+v)
		} else {
			sub := prefix + k + "."
			if prefix+k == "hosting.php_settings" {
				sub = "hosting.php_settings."
			}
			parts = append(parts, k+": "+flow(props, sub))
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func propsYAML(b *strings.Builder, props map[string]string) {
	for _, sec := range model.Sections {
		f := flow(props, sec+".")
		if f != "{}" {
			fmt.Fprintf(b, "    %s: %s\n", sec, f)
		}
	}
}

func (c *dsCatalogue) yaml() string {
	var b strings.Builder
	if c.fleet == nil {
		fmt.Fprintf(&b, "server:\n  components: [%s]\n", strings.Join(c.components, ", "))
	} else {
		b.WriteString("servers:\n")
		for _, srv := range c.fleet {
			fmt.Fprintf(&b, "  - name: %s\n    labels: {tier: %s}\n    components: [%s]\n    plesk: {url: %q, key: {env: FLEET_KEY}, default_ip: %s}\n",
				srv.name, srv.tier, strings.Join(srv.components, ", "), srv.url, srv.ip)
		}
	}
	b.WriteString("services:\n")
	for _, s := range c.services {
		fmt.Fprintf(&b, "  - name: %s\n    description: The %s desk\n    button: {url: https://%s.example/go}\n    send: [primary_domain]\n", s, s, s)
		placeYAML(&b, c.svcPlace[s])
	}
	if len(c.rplans) > 0 {
		b.WriteString("reseller_plans:\n")
	}
	for _, p := range c.rplans {
		fmt.Fprintf(&b, "  - name: %s\n    oversell: %v\n", p.name, p.oversell)
		propsYAML(&b, p.props)
		placeYAML(&b, p.place)
	}
	if len(c.resellers) > 0 {
		b.WriteString("resellers:\n")
	}
	for _, rs := range c.resellers {
		fmt.Fprintf(&b, "  - login: %s\n    name: Reseller %s\n    email: %s@example.com\n    plan: %s\n    status: %s\n", rs.login, rs.login, rs.login, rs.plan, rs.status)
		placeYAML(&b, dsPlace{servers: rs.servers})
	}
	for _, kind := range []string{"service_plans", "addon_plans"} {
		list := c.plans
		if kind == "addon_plans" {
			list = c.addons
		}
		if len(list) == 0 {
			continue
		}
		b.WriteString(kind + ":\n")
		for _, p := range list {
			fmt.Fprintf(&b, "  - name: %s\n    owner: %s\n", p.name, p.owner)
			propsYAML(&b, p.props)
			placeYAML(&b, p.place)
			if len(p.services) > 0 {
				fmt.Fprintf(&b, "    services: [%s]\n", strings.Join(p.services, ", "))
			}
		}
	}
	if len(c.customers) > 0 {
		b.WriteString("customers:\n")
	}
	for _, cu := range c.customers {
		fmt.Fprintf(&b, "  - login: %s\n    name: Customer %s\n    email: %s@example.com\n    owner: %s\n    status: %s\n", cu.login, cu.login, cu.login, cu.owner, cu.status)
		placeYAML(&b, dsPlace{servers: cu.servers})
	}
	if len(c.subs) > 0 {
		b.WriteString("subscriptions:\n")
	}
	var settings strings.Builder
	for _, s := range c.subs {
		fmt.Fprintf(&b, "  - domain: %s\n    plan: %s\n    status: %s\n", s.domain, s.plan, s.status)
		if s.server != "" {
			fmt.Fprintf(&b, "    server: %s\n", s.server)
		}
		if s.customer != "" {
			fmt.Fprintf(&b, "    customer: %s\n", s.customer)
		} else {
			fmt.Fprintf(&b, "    owner: %s\n", s.owner)
		}
		if len(s.addons) > 0 {
			fmt.Fprintf(&b, "    addons: [%s]\n", strings.Join(s.addons, ", "))
		}
		if len(s.customize) > 0 {
			b.WriteString("    customize:\n")
			for _, sec := range model.Sections {
				if f := flow(s.customize, sec+"."); f != "{}" {
					fmt.Fprintf(&b, "      %s: %s\n", sec, f)
				}
			}
		}
		// Only the settings the subscriber is permitted to change.
		allowed := map[string]string{}
		for p, v := range s.settings {
			if perm := model.PermissionFor(p); perm != "" && c.permitted(s, perm) {
				allowed[p] = v
			}
		}
		if len(allowed) > 0 {
			fmt.Fprintf(&settings, "  - domain: %s\n", s.domain)
			propsYAML(&settings, allowed)
		}
	}
	if settings.Len() > 0 {
		b.WriteString("subscriber_settings:\n" + settings.String())
	}
	return b.String()
}

// edit makes one random change and says what it was.
func (c *dsCatalogue) edit(r *rand.Rand) string {
	for {
		switch r.Intn(13) {
		case 0, 1: // a plan value that fans out
			p := pick(r, c.plans)
			path := pick(r, servicePlanPaths())
			if p.owner != "admin" && (path == "resources.disk_space" || path == "resources.traffic") {
				p.props[path] = pick(r, dsSizes[:4])
			} else {
				p.props[path] = randValue(r, path)
			}
			return fmt.Sprintf("service plan %s/%s: %s = %s", p.owner, p.name, path, p.props[path])
		case 2:
			if len(c.addons) == 0 {
				continue
			}
			a := pick(r, c.addons)
			path := pick(r, addonPaths())
			a.props[path] = randValue(r, path)
			if a.props[path] == "false" {
				delete(a.props, path)
			}
			return fmt.Sprintf("add-on %s/%s: %s = %s", a.owner, a.name, path, a.props[path])
		case 3: // lock or unlock
			if len(c.subs) == 0 {
				continue
			}
			s := pick(r, c.subs)
			if len(s.customize) > 0 {
				s.customize = keptUncustomised(s)
				c.freeze(s)
				return "unlock " + s.domain
			}
			s.customize = randProps(r, servicePlanPaths(), 1+r.Intn(3))
			c.freeze(s)
			return "customise " + s.domain
		case 4: // an add-on attached or removed
			var withPlan []*dsSub
			for _, s := range c.subs {
				if s.plan != "none" {
					withPlan = append(withPlan, s)
				}
			}
			if len(withPlan) == 0 {
				continue
			}
			s := pick(r, withPlan)
			if len(s.addons) > 0 && r.Intn(2) == 0 {
				i := r.Intn(len(s.addons))
				name := s.addons[i]
				s.addons = append(s.addons[:i:i], s.addons[i+1:]...)
				c.freeze(s)
				return "remove add-on " + name + " from " + s.domain
			}
			var free []string
			for _, a := range c.placedOn(c.plansOf(c.subOwner(s), true), s.server) {
				if !contains(s.addons, a.name) {
					free = append(free, a.name)
				}
			}
			if len(free) == 0 {
				continue
			}
			name := pick(r, free)
			s.addons = append(s.addons, name)
			c.freeze(s)
			return "attach add-on " + name + " to " + s.domain
		case 5: // plan switch
			if len(c.subs) == 0 {
				continue
			}
			s := pick(r, c.subs)
			before := s.plan
			c.choosePlan(r, s)
			if before == "none" && s.plan == "none" {
				continue
			}
			return fmt.Sprintf("switch %s from %s to %s %v", s.domain, before, s.plan, s.addons)
		case 6: // a subscription's status
			if len(c.subs) == 0 {
				continue
			}
			s := pick(r, c.subs)
			s.status = map[string]string{"active": "suspended", "suspended": "active"}[s.status]
			return s.domain + " " + s.status
		case 7: // a customer's or a reseller's status
			a := pick(r, append(append([]*dsAccount{}, c.customers...), c.resellers...))
			a.status = map[string]string{"active": "suspended", "suspended": "active"}[a.status]
			return a.login + " " + a.status
		case 8: // a subscription deleted
			if len(c.subs) == 0 {
				continue
			}
			i := r.Intn(len(c.subs))
			d := c.subs[i].domain
			c.subs = append(c.subs[:i:i], c.subs[i+1:]...)
			return "delete " + d
		case 9: // a customer deleted, with its subscriptions
			if len(c.customers) < 2 {
				continue
			}
			i := r.Intn(len(c.customers))
			login := c.customers[i].login
			c.customers = append(c.customers[:i:i], c.customers[i+1:]...)
			var keep []*dsSub
			for _, s := range c.subs {
				if s.customer != login {
					keep = append(keep, s)
				}
			}
			c.subs = keep
			return "delete customer " + login
		case 10: // a customer moved to another owner
			if len(c.customers) == 0 || len(c.resellers) == 0 {
				continue
			}
			cu := pick(r, c.customers)
			owners := []string{"admin"}
			for _, rs := range c.resellers {
				if rs.login != cu.owner {
					owners = append(owners, rs.login)
				}
			}
			if cu.owner == "admin" {
				owners = owners[1:]
			}
			cu.owner = pick(r, owners)
			for _, s := range c.subs {
				if s.customer == cu.login {
					c.choosePlan(r, s)
				}
			}
			return "move customer " + cu.login + " to " + cu.owner
		case 11: // a new subscription
			c.newSub(r)
			return "new subscription " + c.subs[len(c.subs)-1].domain
		case 12: // a reseller plan's allocation
			if len(c.rplans) == 0 {
				continue
			}
			p := pick(r, c.rplans)
			p.props["resources.disk_space"] = pick(r, []string{"5GiB", "10GiB", "20GiB", "unlimited"})
			return "reseller plan " + p.name + " disk_space " + p.props["resources.disk_space"]
		}
	}
}

func TestDifferentialPleskApply(t *testing.T) {
	for _, seed := range seedsFromEnv("DIFF_SEED", diffSeeds) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { differential(t, seed) })
	}
}

func differential(t *testing.T, seed int64) {
	r := rand.New(rand.NewSource(seed))
	c := genCatalogue(r)

	emu, vars := diffEmulator(t, c)
	diffRun(t, seed, r, c, map[string]*fake.Server{"default": emu}, vars, c.edit, nil)
}

// diffEmulator starts an emulator with the components of c and nothing
// else, and returns it with the variables that connect plansync to it.
func diffEmulator(t *testing.T, c *dsCatalogue) (*fake.Server, map[string]string) {
	t.Helper()
	only := model.NewConfig()
	only.Server = &model.Server{Components: c.components}
	st, err := fake.Seed(only, "", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	emu := fake.New(st, fake.Options{Key: "k-diff"})
	hs := httptest.NewServer(emu)
	t.Cleanup(hs.Close)
	return emu, map[string]string{"PLANSYNC_PLESK_URL": hs.URL, "PLANSYNC_PLESK_KEY": "k-diff", "PLANSYNC_PLESK_DEFAULT_IP": st.IPs[0], "NO_COLOR": "1"}
}

// diffRun applies c to the emulators (by server name) and then
// diffSteps edits of it, checking after each apply that the prediction
// and the emulators agree and that a plan has nothing left to do. It
// returns the config directory.
//
// With modes (a fleet), each step is applied at random in one of the
// ways a fleet can be: apply; a saved plan (plan --out, apply FILE); one
// server first (apply --target server/NAME, checked with a plan limited
// the same way), then the rest; apply, then refresh.
func diffRun(t *testing.T, seed int64, r *rand.Rand, c *dsCatalogue, emus map[string]*fake.Server, vars map[string]string, edit func(*rand.Rand) string, modes *rand.Rand) string {
	t.Helper()
	dir, plans := t.TempDir(), t.TempDir()
	var names []string
	for name := range emus {
		names = append(names, name)
	}
	sort.Strings(names)

	var history []string
	step := func(what string) {
		t.Helper()
		history = append(history, what)
		y := c.yaml()
		save(t, filepath.Join(dir, "all.yaml"), y)
		cfg, ds := config.Load(dir, config.Options{})
		if ds.HasErrors() {
			t.Fatalf("seed %d, step %q: the generated config is invalid: %v\n%s", seed, what, ds, y)
		}
		// The subscribers' own values are theirs, chosen in their panels,
		// not written by plansync: the emulator holds them as the
		// subscribers would have set them.
		for _, emu := range emus {
			emu.Do(func(st *fake.State) {
				st.SubscriberValues = map[string]model.Props{}
				for domain, ss := range cfg.SubscriberSettings {
					st.SubscriberValues[domain] = ss.Props.Clone()
				}
			})
		}
		apply := func(args ...string) (string, int) {
			return runCLI(t, vars, append([]string{"apply", "--dir", dir, "--auto-approve", "--accept-available", "--allow-delete", "--no-cache"}, args...)...)
		}
		// check fails the step unless the apply (how) succeeded without a
		// model disagreement and a plan (limited by args) has nothing left
		// to do.
		check := func(how, out string, code int, args ...string) {
			t.Helper()
			if log := os.Getenv("DIFF_LOG"); log != "" { // every step's config and apply, to debug a seed
				f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
				if err == nil {
					fmt.Fprintf(f, "=== seed %d step %q\n%s\n--- %s\n%s\n", seed, what, y, how, out)
					for _, name := range names {
						emus[name].Do(func(st *fake.State) {
							for _, w := range st.Webspaces {
								fmt.Fprintf(f, "--- server %s: %s locked=%v unsynced=%v %v\n", name, w.Name, w.Locked, w.Unsynced, w.Values.Limits)
							}
						})
					}
					f.Close()
				}
			}
			fail := func(msg string) {
				t.Helper()
				t.Fatalf("seed %d, after %s: %s: %s\nconfig:\n%s\n%s output (end):\n%s", seed, strings.Join(history, "; "), how, msg, y, how, tail(out, 60))
			}
			if code != 0 {
				fail(fmt.Sprintf("exit %d", code))
			}
			if strings.Contains(out, "Model disagreement") {
				fail("model disagreement")
			}
			planArgs := append([]string{"plan", "--dir", dir, "--no-cache"}, args...)
			p, code := runCLI(t, vars, append(planArgs, "--detailed-exitcode")...)
			if code != 0 {
				j, _ := runCLI(t, vars, append(planArgs, "--format", "json")...)
				if i := strings.Index(j, `"drift"`); i >= 0 {
					j = j[i:]
				}
				if lines := strings.SplitN(j, "\n", 60); len(lines) == 60 {
					j = strings.Join(lines[:59], "\n")
				}
				fail(fmt.Sprintf("the plan after it exits %d:\n%s\n%s", code, p, j))
			}
		}
		mode := 0
		if modes != nil {
			mode = modes.Intn(5)
		}
		switch mode {
		case 4: // apply, then refresh: what the servers have is recorded
			out, code := apply()
			if code == 0 && !strings.Contains(out, "Model disagreement") {
				var rout string
				rout, code = runCLI(t, vars, "refresh", "--dir", dir)
				out += "\n--- refresh\n" + rout
			}
			check("apply, refresh", out, code)
			return
		case 1: // a saved plan, applied
			file := filepath.Join(plans, fmt.Sprintf("step%d.plan", len(history)))
			out, code := runCLI(t, vars, "plan", "--dir", dir, "--out", file, "--allow-delete", "--no-cache")
			if code != 0 {
				t.Fatalf("seed %d, after %s: plan --out exits %d:\n%s", seed, strings.Join(history, "; "), code, tail(out, 60))
			}
			out, code = apply(file)
			check("apply "+filepath.Base(file), out, code)
			return
		case 2: // one server first (--target server/NAME), then the rest
			target := "server/" + pick(modes, c.fleet).name
			out, code := apply("--target", target)
			check("apply --target "+target, out, code, "--target", target)
		}
		out, code := apply()
		check("apply", out, code)
	}
	step("create")
	for i := 0; i < diffSteps; i++ {
		step(edit(r))
	}
	return dir
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// seedsFromEnv is the seed the environment variable name gives, else
// seeds.
func seedsFromEnv(name string, seeds []int64) []int64 {
	if s := os.Getenv(name); s != "" {
		var n int64
		fmt.Sscan(s, &n)
		return []int64{n}
	}
	return seeds
}
