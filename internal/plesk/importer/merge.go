package importer

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
)

// Source is one server's read, named as the config names the server.
type Source struct {
	Name string
	Snap *Snapshot
}

// Merged is several servers merged into one catalogue.
type Merged struct {
	// Config is the one catalogue: every object once.
	Config *model.Config
	// Servers are the servers' names in the order given; Components
	// what each has installed.
	Servers    []string
	Components map[string][]string
	// Counts says what each server has, for the report.
	Counts map[string]*model.Config
	// On lists, by kind and key, the servers where a catalogue object
	// (service, service_plan, addon_plan, reseller_plan) or an account
	// (customer, reseller) exists, in the order given.
	On map[string]map[string][]string
	// Subscription is the server each subscription is on.
	Subscription map[string]string
	// Differences are the objects that differ between servers; Duplicates
	// the subscriptions found on several servers.
	Differences []Difference
	Duplicates  []Duplicate
	// Notes are the servers' notes (what was not mapped), each prefixed
	// with the servers it concerns unless it concerns them all.
	Notes []string

	// implied: by "kind login", the servers where an account has
	// subscriptions (computed by Placed).
	implied map[string]map[string]bool
}

// Difference is an object that exists on several servers with different
// values: it is imported as on Chosen, the first server given that has
// it.
type Difference struct {
	Kind, Key string
	Chosen    string
	Fields    []FieldDiff
}

// FieldDiff is one field of a Difference with each server's value, in
// the order the servers were given ("(not set)" where a server has none).
type FieldDiff struct {
	Path   string
	Values []ServerValue
}

// ServerValue is a server's value of a field.
type ServerValue struct {
	Server, Value string
}

// Duplicate is a subscription (domain) found on several servers: it is
// imported from Kept, the first given; the copies on Left are not imported.
type Duplicate struct {
	Domain string
	Kept   string
	Left   []string
}

// NotSet stands for a field a server does not have.
const NotSet = "(not set)"

// String renders a difference on one line per field:
//
//	service_plan Business differs between servers (imported as on web1):
//	  resources.disk_space: web1 10 GiB, web2 20 GiB
func (d Difference) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s differs between servers (imported as on %s):", d.Kind, d.Key, d.Chosen)
	for _, f := range d.Fields {
		b.WriteString("\n  " + f.Path + ":")
		for i, v := range f.Values {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(" " + v.Server + " " + v.Value)
		}
	}
	return b.String()
}

// String renders a duplicate subscription on one line.
func (d Duplicate) String() string {
	copies := "the copy on " + and(d.Left) + " is not imported, and plansync leaves it alone"
	if len(d.Left) > 1 {
		copies = "the copies on " + and(d.Left) + " are not imported, and plansync leaves them alone"
	}
	return fmt.Sprintf("subscription %s is on %s: imported from %s (the first given); %s",
		d.Domain, and(append([]string{d.Kept}, d.Left...)), d.Kept, copies)
}

// and joins names as "a, b and c".
func and(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// Merge merges servers read one by one into one catalogue. Objects are
// matched by kind, owner and name (login for accounts): one that is the
// same everywhere is imported once; one that differs is imported as on
// the first server given that has it, and the fields that differ are
// listed in Differences. A subscription is on one server: a domain found
// on several is imported from the first given (Duplicates). It fails when
// an account is not the same kind of account, or not of the same owner,
// everywhere: a login is one account across servers.
func Merge(sources []Source) (*Merged, error) {
	m := &Merged{
		Config:       model.NewConfig(),
		Components:   map[string][]string{},
		Counts:       map[string]*model.Config{},
		On:           map[string]map[string][]string{},
		Subscription: map[string]string{},
	}
	type built struct {
		name   string
		cfg    *model.Config
		locked map[string]model.Props
		// itemsRead: the additional services' definitions were read
		// (the server takes protocol 1.6.9.0's plan-item operator).
		itemsRead bool
	}
	var servers []built
	notes := map[string][]string{}
	var noteOrder []string
	for _, src := range sources {
		cfg, ns, locked := build(src.Snap, true)
		if n := ownIPs(cfg, src.Snap.DefaultIP); n != "" {
			ns = append(ns, n)
		}
		servers = append(servers, built{src.Name, cfg, locked, src.Snap.ItemsRead})
		m.Servers = append(m.Servers, src.Name)
		m.Counts[src.Name] = cfg
		if cfg.Server != nil {
			m.Components[src.Name] = cfg.Server.Components
		}
		for _, n := range ns {
			if _, ok := notes[n]; !ok {
				noteOrder = append(noteOrder, n)
			}
			notes[n] = append(notes[n], src.Name)
		}
	}
	for _, n := range noteOrder {
		if len(notes[n]) == len(sources) {
			m.Notes = append(m.Notes, n)
		} else {
			m.Notes = append(m.Notes, strings.Join(notes[n], ", ")+": "+n)
		}
	}
	sort.Strings(m.Notes)

	// unknown reports an object whose values a server could not read:
	// an additional service defined in the panel (not an extension's) on
	// a server that refuses plan-item. It is no variant, and it is
	// imported as on such a server only when no other has it.
	unknown := func(s built, o any) bool {
		sv, ok := o.(*model.Service)
		return ok && !s.itemsRead && sv.Extension == ""
	}
	// mergeKind merges one kind: each key's variants in server order.
	var errs []string
	mergeKind := func(kind string, keysOf func(c *model.Config) []string, get func(c *model.Config, key string) any,
		flat func(o any) []kv, put func(key string, o any), check func(key string, first any, chosen string, o any, server string) string) {
		seen := map[string]bool{}
		var order []string
		for _, s := range servers {
			for _, k := range keysOf(s.cfg) {
				if !seen[k] {
					seen[k] = true
					order = append(order, k)
				}
			}
		}
		sort.Strings(order)
		for _, key := range order {
			var first any
			var chosen string
			for _, s := range servers {
				if o := get(s.cfg, key); o != nil && !unknown(s, o) {
					first, chosen = o, s.name
					break
				}
			}
			var variants []variant
			for _, s := range servers {
				o := get(s.cfg, key)
				if o == nil {
					continue
				}
				m.on(kind, key, s.name)
				if unknown(s, o) {
					if first == nil {
						first, chosen = o, s.name
					}
					continue
				}
				if s.name != chosen && check != nil {
					if e := check(key, first, chosen, o, s.name); e != "" {
						errs = append(errs, e)
					}
				}
				variants = append(variants, variant{s.name, flat(o), defaultsOf(o)})
			}
			put(key, first)
			if fields := diffFields(variants); len(fields) > 0 {
				m.Differences = append(m.Differences, Difference{Kind: kind, Key: key, Chosen: chosen, Fields: fields})
			}
		}
	}
	mergeKind("service", func(c *model.Config) []string { return keys(c.Services) },
		func(c *model.Config, k string) any { return nilIf(c.Services[k]) },
		func(o any) []kv { return flatService(o.(*model.Service)) },
		func(k string, o any) { m.Config.Services[k] = o.(*model.Service) }, nil)
	plans := func(kind string, of func(c *model.Config) map[string]*model.Plan) {
		mergeKind(kind, func(c *model.Config) []string { return keys(of(c)) },
			func(c *model.Config, k string) any { return nilIf(of(c)[k]) },
			func(o any) []kv { return flatPlan(o.(*model.Plan)) },
			func(k string, o any) { of(m.Config)[k] = o.(*model.Plan) }, nil)
	}
	plans("reseller_plan", func(c *model.Config) map[string]*model.Plan { return c.ResellerPlans })
	plans("service_plan", func(c *model.Config) map[string]*model.Plan { return c.ServicePlans })
	plans("addon_plan", func(c *model.Config) map[string]*model.Plan { return c.AddonPlans })
	// A login is one account: a reseller on one server and a customer on
	// another, or a customer of two owners, cannot be merged.
	resellerOn := map[string]string{}
	for _, s := range servers {
		for login := range s.cfg.Resellers {
			if _, ok := resellerOn[login]; !ok {
				resellerOn[login] = s.name
			}
		}
	}
	for _, s := range servers {
		for _, login := range keys(s.cfg.Customers) {
			if on, ok := resellerOn[login]; ok {
				errs = append(errs, fmt.Sprintf("%s is a reseller on %s and a customer on %s", login, on, s.name))
			}
		}
	}
	mergeKind("reseller", func(c *model.Config) []string { return keys(c.Resellers) },
		func(c *model.Config, k string) any { return nilIf(c.Resellers[k]) },
		func(o any) []kv { return flatReseller(o.(*model.Reseller)) },
		func(k string, o any) { m.Config.Resellers[k] = o.(*model.Reseller) }, nil)
	mergeKind("customer", func(c *model.Config) []string { return keys(c.Customers) },
		func(c *model.Config, k string) any { return nilIf(c.Customers[k]) },
		func(o any) []kv { return flatCustomer(o.(*model.Customer)) },
		func(k string, o any) { m.Config.Customers[k] = o.(*model.Customer) },
		func(key string, first any, chosen string, o any, server string) string {
			a, b := first.(*model.Customer), o.(*model.Customer)
			if a.Owner != b.Owner {
				return fmt.Sprintf("customer %s belongs to %s on %s and to %s on %s", key, a.Owner, chosen, b.Owner, server)
			}
			return ""
		})
	m.placeResellerPlans()
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, fmt.Errorf("the servers cannot be merged into one catalogue: a login is one account on every server:\n  %s\n(make the accounts agree on the servers, or import those servers separately)",
			strings.Join(errs, "\n  "))
	}

	// Subscriptions: each on one server; a locked one's customisation is
	// what differs from the merged plans, so that its values stay as the
	// server has them.
	dups := map[string]*Duplicate{}
	for _, s := range servers {
		for _, domain := range keys(s.cfg.Subscriptions) {
			sub := s.cfg.Subscriptions[domain]
			if kept, ok := m.Subscription[domain]; ok {
				d := dups[domain]
				if d == nil {
					d = &Duplicate{Domain: domain, Kept: kept}
					dups[domain] = d
				}
				d.Left = append(d.Left, s.name)
				continue
			}
			m.Subscription[domain] = s.name
			if values, ok := s.locked[domain]; ok {
				base := m.Config.ServicePlans[model.PlanKey(sub.Owner, sub.Plan)].Props.Clone()
				for _, a := range sub.Addons {
					if p := m.Config.AddonPlans[model.PlanKey(sub.Owner, a)]; p != nil {
						base.AddAddon(p.Props)
					}
				}
				sub.Customize = customizeOf(values, base, s.cfg.Server)
			}
			m.Config.Subscriptions[domain] = sub
		}
	}
	for _, domain := range keys(dups) {
		m.Duplicates = append(m.Duplicates, *dups[domain])
	}
	return m, nil
}

// Placed reports the servers to write on a catalogue object or an
// account: nil when the config need not say (a catalogue object on every
// server, an account exactly where it has subscriptions).
func (m *Merged) Placed(kind, key string) []string {
	on := m.On[kind][key]
	switch kind {
	case "customer", "reseller":
		if m.implied == nil {
			m.implied = map[string]map[string]bool{}
			add := func(account, server string) {
				if m.implied[account] == nil {
					m.implied[account] = map[string]bool{}
				}
				m.implied[account][server] = true
			}
			for domain, server := range m.Subscription {
				s := m.Config.Subscriptions[domain]
				if s.Customer != "" {
					add("customer "+s.Customer, server)
				}
				add("reseller "+s.Owner, server)
			}
		}
		// An account exists where it has subscriptions, so those servers
		// are among the ones it is on.
		if len(m.implied[kind+" "+key]) == len(on) {
			return nil
		}
	default:
		if len(on) == len(m.Servers) {
			return nil
		}
	}
	return on
}

// placeResellerPlans places each reseller's (merged) reseller plan, and
// the services it names, on every server the reseller is on, and the
// services a service plan names on every server the plan is on. A reseller
// whose plan differs between servers is imported with the first server's
// plan, which another server may not have: the written config places it
// there too (plan then creates it and switches the reseller, as the
// difference reported says), rather than leave it on the first server
// only while the reseller refers to it everywhere.
func (m *Merged) placeResellerPlans() {
	order := map[string]int{}
	for i, name := range m.Servers {
		order[name] = i
	}
	extend := func(kind, key string, servers []string, why string) {
		var added []string
		for _, srv := range servers {
			if !slices.Contains(m.On[kind][key], srv) {
				m.on(kind, key, srv)
				added = append(added, srv)
			}
		}
		if len(added) == 0 {
			return
		}
		slices.SortFunc(m.On[kind][key], func(a, b string) int { return order[a] - order[b] })
		m.Notes = append(m.Notes, fmt.Sprintf("%s %s is placed on %s too, where it is not yet: %s", kind, key, strings.Join(added, ", "), why))
	}
	// A service plan imported as on one server may name services
	// another server it is on lacks: the service goes there too (plan
	// then creates it and adds it to the plan there), rather than leave
	// the plan naming a service that is not on its servers.
	for _, key := range keys(m.Config.ServicePlans) {
		for _, svc := range m.Config.ServicePlans[key].Services {
			if m.Config.Services[svc] != nil && m.Config.Services[svc].Extension == "" {
				extend("service", svc, m.On["service_plan"][key], fmt.Sprintf("service_plan %s names it", key))
			}
		}
	}
	for _, login := range keys(m.Config.Resellers) {
		r := m.Config.Resellers[login]
		p := m.Config.ResellerPlans[r.Plan]
		if r.Plan == "" || r.Plan == model.None || p == nil {
			continue
		}
		on := m.On["reseller"][login]
		extend("reseller_plan", r.Plan, on, fmt.Sprintf("reseller %s is on its servers and is imported with this reseller plan (plan creates it there)", login))
		for _, svc := range p.Services {
			if m.Config.Services[svc] != nil && m.Config.Services[svc].Extension == "" {
				extend("service", svc, m.On["reseller_plan"][r.Plan], fmt.Sprintf("reseller plan %s names it", r.Plan))
			}
		}
	}
	sort.Strings(m.Notes)
}

func (m *Merged) on(kind, key, server string) {
	if m.On[kind] == nil {
		m.On[kind] = map[string][]string{}
	}
	m.On[kind][key] = append(m.On[kind][key], server)
}

// nilIf turns a typed nil pointer into a nil interface.
func nilIf[T any](p *T) any {
	if p == nil {
		return nil
	}
	return p
}

// kv is one field of an object flattened for comparison.
type kv struct{ path, value string }

type variant struct {
	server string
	fields []kv
	// defaults are the values the object has where it leaves a
	// property out (nil: none).
	defaults model.Props
}

// defaultsOf gives the values an object has where it leaves a property
// out, as the plan engine gives them: a plan's by its kind, a reseller's
// own allocation (plan none) a reseller plan's.
func defaultsOf(o any) model.Props {
	switch o := o.(type) {
	case *model.Plan:
		return plan.KindDefaults(o.Kind)
	case *model.Reseller:
		if o.Plan == model.None && len(o.Props) > 0 {
			return plan.KindDefaults(model.ResellerPlanKind)
		}
	}
	return nil
}

// fieldOrder ranks the fields of an object that are not properties (a
// service's button fields among them):
// those before the properties, then (after) those that come after them.
var fieldOrder = map[string]int{
	"name": -8, "company": -7, "email": -6, "phone": -5, "address": -4, "plan": -3, "status": -2, "description": -1,
	"services": 1, "oversell": 2,
	"button.url": 3, "button.background_image": 4, "button.open_in_panel": 5, "send": 6, "available_to_resellers": 7,
}

// sortFields puts the fields of a difference in the usual order: the
// fields before the properties, the properties in path order
// (model.SortPaths), the fields after them.
func sortFields(paths []string) {
	var props, other []string
	for _, p := range paths {
		if _, named := fieldOrder[p]; !named && strings.Contains(p, ".") {
			props = append(props, p)
		} else {
			other = append(other, p)
		}
	}
	model.SortPaths(props)
	sort.SliceStable(other, func(i, j int) bool { return fieldOrder[other[i]] < fieldOrder[other[j]] })
	n := 0
	for _, p := range other {
		if fieldOrder[p] < 0 {
			paths[n] = p
			n++
		}
	}
	n += copy(paths[n:], props)
	for _, p := range other {
		if fieldOrder[p] >= 0 {
			paths[n] = p
			n++
		}
	}
}

// diffFields lists the fields whose value is not the same on every
// server of variants, in the usual order (sortFields). A property a
// server leaves out has its default there (variant.defaults), as the
// model gives it; a field without one is NotSet.
func diffFields(variants []variant) []FieldDiff {
	if len(variants) < 2 {
		return nil
	}
	var order []string
	vals := make([]map[string]string, len(variants))
	seen := map[string]bool{}
	for i, v := range variants {
		vals[i] = map[string]string{}
		for _, f := range v.fields {
			vals[i][f.path] = f.value
			if !seen[f.path] {
				seen[f.path] = true
				order = append(order, f.path)
			}
		}
	}
	sortFields(order)
	var out []FieldDiff
	for _, path := range order {
		same := true
		get := func(i int) string {
			if v, ok := vals[i][path]; ok {
				return v
			}
			if d, ok := variants[i].defaults[path]; ok {
				return d.Text()
			}
			return NotSet
		}
		for i := 1; i < len(variants); i++ {
			if get(i) != get(0) {
				same = false
				break
			}
		}
		if same {
			continue
		}
		fd := FieldDiff{Path: path}
		for i, v := range variants {
			fd.Values = append(fd.Values, ServerValue{v.server, get(i)})
		}
		out = append(out, fd)
	}
	return out
}

func flatProps(fs []kv, p model.Props) []kv {
	for _, path := range p.Paths() {
		fs = append(fs, kv{path, p[path].Text()})
	}
	return fs
}

func flatList(xs []string) string {
	if xs == nil {
		return NotSet
	}
	return "[" + strings.Join(xs, ", ") + "]"
}

func flatString(fs []kv, path, s string) []kv {
	if s == "" {
		return fs
	}
	return append(fs, kv{path, strconv.Quote(s)})
}

// flatService flattens a service's whole definition: its button (where
// it has one), what the button sends (in the model's order, as plan
// compares it) and its availability to resellers.
func flatService(s *model.Service) []kv {
	fs := flatString(nil, "description", s.Description)
	if b := s.Button; b != nil {
		fs = flatString(fs, "button.url", b.URL)
		fs = flatString(fs, "button.background_image", b.BackgroundImage)
		fs = append(fs, kv{"button.open_in_panel", strconv.FormatBool(b.OpenInPanel)})
	}
	if len(s.Send) > 0 {
		fs = append(fs, kv{"send", flatList(model.InSendOrder(s.Send))})
	}
	return append(fs, kv{"available_to_resellers", strconv.FormatBool(s.AvailableToResellers)})
}

func flatPlan(p *model.Plan) []kv {
	fs := flatString(nil, "description", p.Description)
	fs = flatProps(fs, p.Props)
	if p.Services != nil {
		s := slices.Clone(p.Services)
		sort.Strings(s)
		fs = append(fs, kv{"services", flatList(s)})
	}
	if p.Kind == model.ResellerPlanKind {
		fs = append(fs, kv{"oversell", strconv.FormatBool(p.Oversell)})
	}
	return fs
}

func flatContact(fs []kv, c model.Contact) []kv {
	fs = flatString(fs, "name", c.Name)
	fs = flatString(fs, "company", c.Company)
	fs = flatString(fs, "email", c.Email)
	fs = flatString(fs, "phone", c.Phone)
	return flatString(fs, "address", c.Address)
}

func flatReseller(r *model.Reseller) []kv {
	fs := flatContact(nil, r.Contact)
	fs = append(fs, kv{"plan", r.Plan}, kv{"status", r.Status})
	fs = flatString(fs, "description", r.Description)
	fs = flatProps(fs, r.Props)
	if r.Plan == model.None {
		fs = append(fs, kv{"oversell", strconv.FormatBool(r.Oversell)})
	}
	return fs
}

func flatCustomer(c *model.Customer) []kv {
	fs := flatContact(nil, c.Contact)
	fs = append(fs, kv{"status", c.Status})
	return flatString(fs, "description", c.Description)
}
