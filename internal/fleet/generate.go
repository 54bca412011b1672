package fleet

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/plansync/plansync/internal/model"
)

// Options say what fleet Generate builds.
type Options struct {
	// Subscriptions is the number of subscriptions, N. The fleet has N/5
	// customers and N/1000 resellers (at least 2).
	Subscriptions int
	// Seed chooses the fleet: equal options give equal fleets.
	Seed int64
	// CustomisedFraction of the subscriptions carry a customize block,
	// so they are locked.
	CustomisedFraction float64
	// ConflictFraction of the subscriptions are on a plan that asks for
	// PHP 8.9, which the server does not provide: each one plans with a
	// conflict. Zero gives a fleet that plans without conflicts.
	ConflictFraction float64
	// Passwords gives every reseller and customer a password read from
	// file("secrets/LOGIN.txt"), relative to the file that declares the
	// account. The generated Secret carries its value too, and WriteDir
	// writes the files.
	Passwords bool

	// The shape (zero values: the default one; see Shapes).
	//
	// Customers is the number of customers; 0: N/5 (at least 1). The
	// first Customers subscriptions go one to each customer, the others
	// to customers drawn at random.
	Customers int
	// Resellers is the number of resellers; 0: N/1000 (at least 2).
	Resellers int
	// ResellerShare is the fraction of the customers resellers own
	// (spread over all of them); 0: 30%, in groups of ten customers.
	ResellerShare float64
	// ServicePlans, when above the 20 admin service plans of the
	// families and tiers, adds admin service plans (variations of those)
	// up to that many; subscriptions are spread over all of them.
	ServicePlans int
}

// Shapes are the shapes of fleet ShapeOptions knows, the default first:
//
//   - default: N/5 customers (a few subscriptions each), N/1000
//     resellers owning 30% of the customers, about 100 service plans,
//     10% customised;
//   - one-each: N customers with one subscription each;
//   - few-customers: N/2000 customers (at least 1) with about 2,000
//     subscriptions each;
//   - resellers: every customer a reseller's, N/50 resellers (about 10
//     customers and 50 subscriptions each), each with its own plans;
//   - many-plans: 10,000 admin service plans (at least 20);
//   - customised: every subscription customised (locked).
var Shapes = []string{"default", "one-each", "few-customers", "resellers", "many-plans", "customised"}

// ShapeOptions returns the options of a fleet of n subscriptions in the
// named shape (see Shapes); the rest as DefaultOptions.
func ShapeOptions(shape string, n int) (Options, error) {
	o := DefaultOptions(n)
	switch shape {
	case "default":
	case "one-each":
		o.Customers = max(n, 1)
	case "few-customers":
		o.Customers = max(n/2000, 1)
	case "resellers":
		o.Resellers = max(n/50, 2)
		o.ResellerShare = 1
	case "many-plans":
		o.ServicePlans = 10_000
	case "customised":
		o.CustomisedFraction = 1
	default:
		return o, fmt.Errorf("unknown fleet shape %q: known shapes are %s", shape, strings.Join(Shapes, ", "))
	}
	return o, nil
}

// DefaultOptions returns the options of a typical fleet of n
// subscriptions: 10% customised, no conflicts, no passwords.
func DefaultOptions(n int) Options {
	return Options{Subscriptions: n, Seed: 1, CustomisedFraction: 0.10}
}

// ConflictPHP is the PHP version the conflicting plans ask for; the
// generated server does not provide it.
const ConflictPHP = "8.9"

// ConflictPlan is the name of the plans, one per owner that needs one,
// that ask for PHP ConflictPHP.
const ConflictPlan = "PHP Preview"

// components are the server components of a generated fleet: everything
// the generated plans need.
var components = []string{
	"php7.4", "php8.0", "php8.1", "php8.2", "php8.3", "php8.4",
	"php-fpm", "php-fastcgi", "php-cgi",
	"postfix", "roundcube", "horde", "spamassassin", "antivirus",
	"awstats", "webalizer", "bind",
}

// Generate builds a fleet. It is deterministic: the same options give
// the same config. Objects carry no source ranges.
//
// The fleet: a server with every component the plans need, four
// additional services and one extension; 20 admin service plans (five
// families by four tiers) and a few plans of each reseller (about 100
// service plans in all for N = 100,000); about 10 add-on plans; four
// reseller plans (S, M, L, and XL, which oversells); N/1000 resellers
// (at least 2); N/5 customers, 30% of them resellers' customers; N
// subscriptions over those customers, a few own subscriptions and custom
// (plan none) ones, some with add-ons, CustomisedFraction customised,
// ConflictFraction on a PHP 8.9 plan, about 1% suspended, and a few
// subscriber settings.
func Generate(opt Options) *model.Config {
	n := max(opt.Subscriptions, 0)
	g := &gen{
		opt: opt,
		rnd: rand.New(rand.NewPCG(uint64(opt.Seed), 0x9e3779b97f4a7c15)),
		cfg: model.NewConfig(),
	}
	g.server()
	g.services()
	g.adminPlans()
	g.resellerPlans()
	g.morePlans(opt.ServicePlans)
	resellers, customers := max(2, n/1000), max(1, n/5)
	if opt.Resellers > 0 {
		resellers = opt.Resellers
	}
	if opt.Customers > 0 {
		customers = opt.Customers
	}
	g.resellers(resellers)
	g.customers(customers)
	g.subscriptions(n)
	return g.cfg
}

type gen struct {
	opt Options
	rnd *rand.Rand
	cfg *model.Config

	resellerLogins []string
	// plans and add-ons of each owner ("admin" or a reseller login)
	plans  map[string][]*model.Plan
	addons map[string][]*model.Plan
	// customerLogins in creation order, with their owners
	customerLogins []string
}

const (
	kib = int64(1) << 10
	mib = kib << 10
	gib = mib << 10
	tib = gib << 10
)

func (g *gen) server() {
	g.cfg.Server = &model.Server{
		Components:  append([]string(nil), components...),
		DefaultPlan: "Web Starter",
		Extensions: []model.Extension{{
			Name: "wp-toolkit",
			Services: []*model.Service{{
				Name: "wordpress", Description: "WordPress Toolkit", Extension: "wp-toolkit", AvailableToResellers: true,
				Button: &model.Button{URL: "https://wp-toolkit.example/launch", OpenInPanel: true},
				Send:   []string{"subscription_id", "primary_domain"},
			}},
		}},
	}
	for _, s := range g.cfg.Server.Extensions[0].Services {
		g.cfg.Services[s.Name] = s
	}
}

func (g *gen) services() {
	for _, s := range []*model.Service{
		{Name: "premium-support", Description: "Premium support desk, answered within the hour",
			Button: &model.Button{URL: "https://support.example/ticket", BackgroundImage: "https://support.example/button.png"},
			Send:   []string{"subscription_id", "primary_domain", "customer_id", "customer_name", "customer_email"}},
		{Name: "backup-plus", Description: "Daily off-site backups kept 90 days",
			Button: &model.Button{URL: "https://backup.example/restore", OpenInPanel: true},
			Send:   []string{"subscription_id", "primary_domain", "ftp_credentials"}},
		{Name: "seo-toolkit", Description: "Search ranking reports",
			Button: &model.Button{URL: "https://seo.example/report"},
			Send:   []string{"primary_domain", "customer_email", "customer_company"}},
		{Name: "site-builder", Description: "Drag-and-drop site builder (admin customers only)"},
	} {
		s.AvailableToResellers = s.Name != "site-builder"
		g.cfg.Services[s.Name] = s
	}
}

// tier is a level of service plan.
type tier struct {
	name                    string
	disk                    int64
	traffic                 int64 // -1 unlimited
	websites, mailboxes, db int64
	memory                  string
	perms                   []string
}

var tiers = []tier{
	{"Starter", 2 * gib, 50 * gib, 1, 5, 1, "128M",
		[]string{"manage_subdomains", "manage_domain_aliases", "manage_spamfilter"}},
	{"Business", 10 * gib, 200 * gib, 5, 50, 10, "256M",
		[]string{"manage_hosting", "manage_php_settings", "manage_dns", "manage_subdomains", "manage_domain_aliases",
			"manage_crontab", "manage_spamfilter", "manage_webstats", "manage_logs", "manage_backups", "manage_webapps", "create_websites"}},
	{"Premium", 50 * gib, tib, 20, 200, 50, "512M",
		[]string{"manage_hosting", "manage_php_settings", "manage_php_version", "manage_dns", "manage_subdomains", "manage_domain_aliases",
			"manage_ssh", "manage_crontab", "manage_spamfilter", "manage_antivirus", "manage_webstats", "manage_logs", "manage_backups",
			"manage_webapps", "create_websites"}},
	{"Ultimate", 200 * gib, model.Unlimited, model.Unlimited, model.Unlimited, model.Unlimited, "1G", nil}, // every permission
}

// family is a line of admin plans.
type family struct {
	name, php, handler, webstats, webmail string
	services                              []string
}

var families = []family{
	{"Web", "8.3", "fpm", "awstats", "roundcube", nil},
	{"WordPress", "8.2", "fpm", "awstats", "roundcube", []string{"wordpress"}},
	{"Shop", "8.3", "fpm", "webalizer", "roundcube", []string{"premium-support", "backup-plus"}},
	{"Agency", "8.4", "fpm", "awstats", "horde", []string{"premium-support", "seo-toolkit", "site-builder"}},
	{"Legacy", "7.4", "fastcgi", "webalizer", "horde", nil},
}

// planProps are the properties of a plan of tier t in family f.
func planProps(t tier, f family) model.Props {
	p := model.Props{
		"resources.disk_space":                         model.Size(t.disk),
		"resources.traffic":                            model.Size(t.traffic),
		"resources.websites":                           model.Count(t.websites),
		"resources.mailboxes":                          model.Count(t.mailboxes),
		"resources.mailbox_quota":                      model.Size(gib),
		"resources.databases":                          model.Count(t.db),
		"resources.overuse":                            model.Enum("block"),
		"hosting.php_version":                          model.String(f.php),
		"hosting.php_handler":                          model.Enum(f.handler),
		"hosting.ssl":                                  model.Bool(t.name != "Starter"),
		"hosting.webstats":                             model.Enum(f.webstats),
		"mail.enabled":                                 model.Bool(true),
		"mail.webmail":                                 model.Enum(f.webmail),
		"mail.spamfilter":                              model.Bool(t.name != "Starter"),
		"dns.zone_type":                                model.Enum("master"),
		model.PHPSettingsPrefix + "memory_limit":       model.String(t.memory),
		model.PHPSettingsPrefix + "max_execution_time": model.String("60"),
	}
	switch t.name {
	case "Starter":
		p["resources.expiration"] = mustDuration("1y")
		p["mail.antivirus"] = model.Enum("off")
		p["hosting.ssh"] = model.Enum("none")
	case "Business":
		p["resources.overuse"] = model.Enum("notify")
		p["mail.antivirus"] = model.Enum("inbound")
		p["hosting.ssh"] = model.Enum("none")
	case "Premium":
		p["resources.overuse"] = model.Enum("not_suspend_notify")
		p["mail.antivirus"] = model.Enum("both")
		p["hosting.ssh"] = model.Enum("chrooted")
		p[model.PHPSettingsPrefix+"opcache.enable"] = model.String("1")
	default:
		p["resources.overuse"] = model.Enum("normal")
		p["mail.antivirus"] = model.Enum("both")
		p["hosting.ssh"] = model.Enum("bash")
		p[model.PHPSettingsPrefix+"opcache.enable"] = model.String("1")
	}
	perms := t.perms
	if perms == nil {
		perms = subscriptionPermissions()
	}
	for _, name := range perms {
		p["permissions."+name] = model.Bool(true)
	}
	return p
}

// subscriptionPermissions lists the permissions a service plan may grant.
func subscriptionPermissions() []string {
	var out []string
	for _, name := range model.Permissions() {
		if model.Lookup("permissions."+name).Where&model.InServicePlan != 0 {
			out = append(out, name)
		}
	}
	return out
}

func mustDuration(s string) model.Value {
	v, err := model.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return v
}

func (g *gen) addPlan(kind model.PlanKind, owner, name, desc string, props model.Props, services []string) *model.Plan {
	p := &model.Plan{Kind: kind, Owner: owner, Name: name, Description: desc, Props: props, Services: services}
	switch kind {
	case model.ServicePlanKind:
		g.cfg.ServicePlans[p.Key()] = p
		g.plans[owner] = append(g.plans[owner], p)
	case model.AddonPlanKind:
		g.cfg.AddonPlans[p.Key()] = p
		g.addons[owner] = append(g.addons[owner], p)
	case model.ResellerPlanKind:
		g.cfg.ResellerPlans[p.Key()] = p
	}
	return p
}

func (g *gen) adminPlans() {
	g.plans = map[string][]*model.Plan{}
	g.addons = map[string][]*model.Plan{}
	for _, f := range families {
		for _, t := range tiers {
			g.addPlan(model.ServicePlanKind, model.Admin, f.name+" "+t.name,
				fmt.Sprintf("%s hosting, %s level", f.name, strings.ToLower(t.name)), planProps(t, f), f.services)
		}
	}
	for _, a := range []struct {
		name     string
		props    model.Props
		services []string
	}{
		{"Extra Storage", model.Props{"resources.disk_space": model.Size(10 * gib)}, nil},
		{"Mail Pack", model.Props{"resources.mailboxes": model.Count(50), "resources.mailbox_quota": model.Size(gib), "mail.spamfilter": model.Bool(true)}, nil},
		{"Extra Databases", model.Props{"resources.databases": model.Count(10)}, nil},
		{"SSL Pack", model.Props{"hosting.ssl": model.Bool(true), "permissions.manage_hosting": model.Bool(true)}, nil},
		{"Backup Pack", model.Props{"permissions.manage_backups": model.Bool(true)}, []string{"backup-plus"}},
		{"Traffic Boost", model.Props{"resources.traffic": model.Size(tib)}, nil},
	} {
		g.addPlan(model.AddonPlanKind, model.Admin, a.name, "", a.props, a.services)
	}
}

// morePlans adds admin service plans up to total: each a variation of
// a family's tier, with its own disk space and mailboxes.
func (g *gen) morePlans(total int) {
	for k := 0; len(g.plans[model.Admin]) < total; k++ {
		f, t := families[k%len(families)], tiers[(k/len(families))%len(tiers)]
		props := planProps(t, f)
		if t.disk != model.Unlimited {
			props["resources.disk_space"] = model.Size(t.disk + int64(k%97)*gib)
		}
		if t.mailboxes != model.Unlimited {
			props["resources.mailboxes"] = model.Count(t.mailboxes + int64(k%13))
		}
		g.addPlan(model.ServicePlanKind, model.Admin, fmt.Sprintf("%s %s %d", f.name, t.name, k+1),
			fmt.Sprintf("%s hosting, %s level, variant %d", f.name, strings.ToLower(t.name), k+1), props, f.services)
	}
}

// resellerPlanNames are the reseller plans, smallest first; the last one
// oversells.
var resellerPlanNames = []string{"Reseller S", "Reseller M", "Reseller L", "Reseller XL"}

func (g *gen) resellerPlans() {
	// Limits fit any generated reseller: about 300 subscriptions of at
	// most 110GiB each without overselling; each at most 1TiB with.
	disks := []int64{100 * tib, 250 * tib, 500 * tib, tib}
	customers := []int64{500, 1000, 2000, model.Unlimited}
	for i, name := range resellerPlanNames {
		p := model.Props{
			"resources.disk_space":    model.Size(disks[i]),
			"resources.customers":     model.Count(customers[i]),
			"resources.subscriptions": model.Count(model.Unlimited),
			"resources.overuse":       model.Enum("notify"),
		}
		for _, perm := range subscriptionPermissions() {
			p["permissions."+perm] = model.Bool(true)
		}
		p["permissions.create_customers"] = model.Bool(true)
		oversell := i == len(resellerPlanNames)-1
		if oversell {
			p["permissions.allow_oversell"] = model.Bool(true)
		}
		pl := g.addPlan(model.ResellerPlanKind, model.Admin, name, "", p, []string{"premium-support", "backup-plus", "seo-toolkit", "wordpress"})
		pl.Oversell = oversell
	}
}

var companies = []string{"acme", "globex", "initech", "umbrella", "hooli", "vandelay", "stark", "wayne",
	"wonka", "tyrell", "cyberdyne", "soylent", "oscorp", "aperture", "virtucon", "gringotts"}

// resellerTiers are the tiers resellers' plans are made of: finite disk
// space, so that reseller allocations can hold them.
var resellerTiers = tiers[:3]

func (g *gen) resellers(count int) {
	perReseller := min(max(80/count, 1), len(resellerTiers))
	for i := range count {
		co := companies[i%len(companies)]
		login := co
		if i >= len(companies) {
			login = co + strconv.Itoa(i/len(companies)+1)
		}
		brand := title(co)
		r := &model.Reseller{
			Login:    login,
			Contact:  model.Contact{Name: brand + " Hosting", Company: brand + " Ltd", Email: "ops@" + login + ".example"},
			Plan:     resellerPlanNames[i%len(resellerPlanNames)],
			Status:   "active",
			Password: g.password(login),
		}
		if i%3 == 0 {
			r.Contact.Phone = fmt.Sprintf("+1 555 01%02d", i%100)
		}
		g.cfg.Resellers[login] = r
		g.resellerLogins = append(g.resellerLogins, login)
		for j := range perReseller {
			t := resellerTiers[(i+j)%len(resellerTiers)]
			f := families[(i+j)%len(families)]
			props := planProps(t, f)
			g.addPlan(model.ServicePlanKind, login, t.name, brand+" "+strings.ToLower(t.name)+" hosting", props, nil)
		}
		if i < 4 {
			g.addPlan(model.AddonPlanKind, login, "Extra Storage", "", model.Props{"resources.disk_space": model.Size(5 * gib)}, nil)
		}
	}
}

func (g *gen) password(login string) *model.Secret {
	if !g.opt.Passwords {
		return nil
	}
	return &model.Secret{File: "secrets/" + login + ".txt", Value: fmt.Sprintf("demo-%016x", g.rnd.Uint64())}
}

var (
	firstNames = []string{"anna", "ben", "chloe", "david", "emma", "felix", "grace", "hugo", "iris", "jack",
		"kate", "leo", "mia", "noah", "olga", "paul", "quinn", "rosa", "sam", "tara", "umar", "vera", "will", "yuki"}
	lastNames = []string{"schmidt", "martin", "rossi", "garcia", "smith", "dubois", "novak", "tanaka", "silva", "jansen",
		"kowalski", "berg", "murphy", "costa", "weber", "moreau", "lopez", "nagy", "olsen", "popescu", "ivanova", "kim", "lee", "brown"}
	streets = []string{"Main St", "Station Rd", "Rue de la Paix", "Hauptstrasse", "Via Roma", "Harbour Lane"}
)

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

func (g *gen) customers(count int) {
	r := g.rnd
	g.customerLogins = make([]string, 0, count)
	for j := range count {
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		login := first + "." + last + strconv.Itoa(j)
		c := &model.Customer{
			Login:    login,
			Contact:  model.Contact{Name: title(first) + " " + title(last), Email: login + "@mail.example"},
			Owner:    model.Admin,
			Status:   "active",
			Password: g.password(login),
		}
		switch share := g.opt.ResellerShare; {
		case share == 0 && j%10 < 3:
			c.Owner = g.resellerLogins[(j/10)%len(g.resellerLogins)]
		case share > 0 && float64(j%1000) < share*1000:
			c.Owner = g.resellerLogins[j%len(g.resellerLogins)]
		}
		if r.IntN(10) < 4 {
			c.Contact.Company = title(last) + " & Co"
		}
		if r.IntN(10) < 3 {
			c.Contact.Phone = fmt.Sprintf("+1 555 %04d", r.IntN(10000))
		}
		if r.IntN(10) < 2 {
			c.Contact.Address = fmt.Sprintf("%d %s", 1+r.IntN(200), streets[r.IntN(len(streets))])
		}
		if r.IntN(200) == 0 {
			c.Status = "suspended"
		}
		if r.IntN(50) == 0 {
			c.Description = "Key account"
			if c.Owner != model.Admin {
				c.AdminDescription = "Watch reseller billing"
			}
		}
		g.cfg.Customers[login] = c
		g.customerLogins = append(g.customerLogins, login)
	}
}

var (
	adjectives = []string{"blue", "green", "bright", "quiet", "rapid", "happy", "silver", "golden", "urban", "coastal",
		"alpine", "northern", "royal", "little", "modern", "classic", "wild", "sunny", "clever", "brave"}
	nouns = []string{"bakery", "studio", "garage", "garden", "clinic", "bistro", "library", "gallery", "market", "atelier",
		"workshop", "pharmacy", "dental", "florist", "cycles", "books", "coffee", "travel", "yoga", "law"}
	tlds = []string{"example", "example.com", "example.net", "example.org"}
)

// conflictPlan returns the owner's plan that asks for PHP 8.9, made on
// first use.
func (g *gen) conflictPlan(owner string) *model.Plan {
	key := model.PlanKey(owner, ConflictPlan)
	if p := g.cfg.ServicePlans[key]; p != nil {
		return p
	}
	props := planProps(tiers[1], families[0])
	props["hosting.php_version"] = model.String(ConflictPHP)
	p := &model.Plan{Kind: model.ServicePlanKind, Owner: owner, Name: ConflictPlan,
		Description: "Early access to PHP " + ConflictPHP, Props: props}
	g.cfg.ServicePlans[key] = p
	return p
}

func (g *gen) subscriptions(count int) {
	r := g.rnd
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range count {
		domain := fmt.Sprintf("%s-%s-%d.%s", adjectives[r.IntN(len(adjectives))], nouns[r.IntN(len(nouns))], i, tlds[r.IntN(len(tlds))])
		ci := i
		if i >= len(g.customerLogins) {
			ci = r.IntN(len(g.customerLogins))
		}
		cust := g.cfg.Customers[g.customerLogins[ci]]
		s := &model.Subscription{Domain: domain, Customer: cust.Login, Owner: cust.Owner, Status: "active"}
		if r.IntN(200) == 0 {
			s.Customer = "" // an own subscription of the owner
		}
		u := r.Float64()
		conflict := u < g.opt.ConflictFraction
		customised := !conflict && u < g.opt.ConflictFraction+g.opt.CustomisedFraction
		var plan *model.Plan
		switch {
		case conflict:
			plan = g.conflictPlan(s.Owner)
		case s.Owner == model.Admin && r.IntN(100) == 0:
			s.Plan = model.None
		default:
			plans := g.plans[s.Owner]
			plan = plans[r.IntN(len(plans))]
		}
		if plan != nil {
			s.Plan = plan.Name
			if addons := g.addons[s.Owner]; len(addons) > 0 && r.IntN(5) == 0 {
				a := addons[r.IntN(len(addons))]
				s.Addons = []string{a.Name}
				if b := addons[r.IntN(len(addons))]; b != a && r.IntN(4) == 0 {
					s.Addons = append(s.Addons, b.Name)
				}
			}
		}
		if customised {
			s.Customize = g.customize(plan)
		}
		if r.IntN(100) == 0 {
			s.Status = "suspended"
		}
		if r.IntN(50) == 0 {
			t := base.AddDate(0, 0, r.IntN(3650))
			s.Expires = &t
		}
		if r.IntN(20) == 0 {
			s.FTPLogin = "ftp" + strconv.Itoa(i)
		}
		g.cfg.Subscriptions[domain] = s
		if plan != nil && !conflict && !customised && plan.Props["permissions.manage_php_settings"].Truth() && r.IntN(100) == 0 {
			g.cfg.SubscriberSettings[domain] = &model.SubscriberSettings{Domain: domain, Props: model.Props{
				model.PHPSettingsPrefix + "memory_limit": model.String("1G"),
			}}
		}
	}
}

// customize returns a customisation of one to three properties: more
// disk space, another installed PHP version, a php.ini setting, a
// permission, more mailboxes.
func (g *gen) customize(plan *model.Plan) model.Props {
	r := g.rnd
	p := model.Props{}
	for range 1 + r.IntN(3) {
		switch r.IntN(5) {
		case 0:
			disk := 5 * gib
			if plan != nil {
				if v, ok := plan.Props["resources.disk_space"]; ok && !v.IsUnlimited() {
					disk = 2 * v.N
				}
			}
			p["resources.disk_space"] = model.Size(min(disk, 100*gib))
		case 1:
			p["hosting.php_version"] = model.String([]string{"8.1", "8.2", "8.3", "8.4"}[r.IntN(4)])
		case 2:
			p[model.PHPSettingsPrefix+"memory_limit"] = model.String("768M")
		case 3:
			p["permissions.manage_dns"] = model.Bool(true)
		default:
			p["resources.mailboxes"] = model.Count(int64(10 * (1 + r.IntN(20))))
		}
	}
	return p
}
