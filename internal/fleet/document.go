package fleet

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plansync/plansync/internal/model"
)

// The intermediate document: every object is turned into an ordered tree
// of fields once, and the YAML and HCL renderers draw from that tree.

// nkind is the shape of a document node.
type nkind uint8

const (
	nStr    nkind = iota + 1 // a string
	nNum                     // a number, text as written
	nBool                    // true or false
	nList                    // a list of scalars
	nMap                     // a nested map: an HCL block
	nObj                     // a map written as an HCL object attribute (php_settings)
	nBlocks                  // a list of labeled maps: HCL blocks named by the singular of the key
	nEnv                     // a secret from an environment variable
	nFile                    // a secret from a file
)

// node is one value of the document.
type node struct {
	kind   nkind
	text   string  // scalars, nEnv, nFile
	items  []node  // nList (scalars), nBlocks (nMap items with a label)
	fields []field // nMap, nObj
	label  string  // nBlocks items: the name
}

// field is one key of a map.
type field struct {
	key string
	val node
}

// object is one top-level object: an item of a YAML list, an HCL block.
type object struct {
	block      string // HCL block type (service_plan)
	listKey    string // YAML list (service_plans)
	labelField string // name, login or domain
	label      string
	fields     []field
}

func str(s string) node   { return node{kind: nStr, text: s} }
func num(n int64) node    { return node{kind: nNum, text: strconv.FormatInt(n, 10)} }
func boolean(b bool) node { return node{kind: nBool, text: strconv.FormatBool(b)} }
func list(xs []string) node {
	items := make([]node, len(xs))
	for i, x := range xs {
		items[i] = str(x)
	}
	return node{kind: nList, items: items}
}

// fieldList builds fields, skipping what is not set.
type fieldList []field

func (fs *fieldList) add(key string, v node) { *fs = append(*fs, field{key, v}) }

func (fs *fieldList) str(key, s string) {
	if s != "" {
		fs.add(key, str(s))
	}
}

func (fs *fieldList) secret(key string, s *model.Secret) {
	switch {
	case s == nil:
	case s.Env != "":
		fs.add(key, node{kind: nEnv, text: s.Env})
	case s.File != "":
		fs.add(key, node{kind: nFile, text: s.File})
	case s.Literal:
		fs.add(key, str(s.Value))
	}
}

// owner writes an owner unless it is the admin (the default).
func (fs *fieldList) owner(o string) {
	if o != "" && o != model.Admin {
		fs.add("owner", str(o))
	}
}

func (fs *fieldList) status(s string) {
	if s != "" && s != "active" {
		fs.add("status", str(s))
	}
}

// ---------------------------------------------------------------------
// Values.

// value renders a property value as written in config.
func value(v model.Value) node {
	switch v.K {
	case model.KindSize:
		if v.N == model.Unlimited {
			return str("unlimited")
		}
		if s := sizeText(v.N); s != "" {
			return str(s)
		}
		return num(v.N)
	case model.KindCount:
		if v.N == model.Unlimited {
			return str("unlimited")
		}
		return num(v.N)
	case model.KindBool:
		return boolean(v.Truth())
	case model.KindDuration:
		if v.N == model.Unlimited {
			return str("unlimited")
		}
		if v.S != "" {
			return str(v.S)
		}
		months, days := v.DurationParts()
		return str(model.MakeDuration(months, days).S)
	}
	return str(v.S)
}

var (
	binaryUnits  = []unit{{"PiB", 1 << 50}, {"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}}
	decimalUnits = []unit{{"PB", 1e15}, {"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}}
)

type unit struct {
	name string
	n    int64
}

// sizeText writes a size exactly with the largest binary unit that
// divides it (10GiB), or a decimal one when that is shorter (1TB rather
// than 976562500KiB); "" when no unit divides it (a byte count).
func sizeText(n int64) string {
	if n <= 0 {
		return ""
	}
	best := func(units []unit) string {
		for _, u := range units {
			if n%u.n == 0 {
				return strconv.FormatInt(n/u.n, 10) + u.name
			}
		}
		return ""
	}
	b, d := best(binaryUnits), best(decimalUnits)
	if b == "" || d != "" && len(d) < len(b) {
		return d
	}
	return b
}

// sections groups a property set into its sections, in display order;
// php settings become one object under hosting.
func sections(p model.Props, only ...string) []field {
	if len(p) == 0 {
		return nil
	}
	var out []field
	var cur *field
	var php *field
	for _, path := range p.Paths() {
		sec, key, _ := strings.Cut(path, ".")
		if len(only) > 0 && !slices.Contains(only, sec) {
			continue
		}
		if cur == nil || cur.key != sec {
			out = append(out, field{key: sec, val: node{kind: nMap}})
			cur = &out[len(out)-1]
			php = nil
		}
		if name, ok := strings.CutPrefix(path, model.PHPSettingsPrefix); ok {
			if php == nil {
				cur.val.fields = append(cur.val.fields, field{key: "php_settings", val: node{kind: nObj}})
				php = &cur.val.fields[len(cur.val.fields)-1]
			}
			php.val.fields = append(php.val.fields, field{key: name, val: str(p[path].S)})
			continue
		}
		cur.val.fields = append(cur.val.fields, field{key: key, val: value(p[path])})
	}
	return out
}

// ---------------------------------------------------------------------
// Objects.

func serverObject(s *model.Server) []field {
	var fs fieldList
	if len(s.Components) > 0 {
		fs.add("components", list(s.Components))
	}
	if len(s.Extensions) > 0 {
		exts := node{kind: nBlocks}
		for _, x := range s.Extensions {
			item := node{kind: nMap, label: x.Name}
			if len(x.Services) > 0 {
				svcs := node{kind: nBlocks}
				for _, svc := range x.Services {
					svcs.items = append(svcs.items, node{kind: nMap, label: svc.Name, fields: serviceFields(svc)})
				}
				item.fields = append(item.fields, field{"services", svcs})
			}
			exts.items = append(exts.items, item)
		}
		fs.add("extensions", exts)
	}
	fs.str("default_plan", s.DefaultPlan)
	return fs
}

// labelsNode writes labels or a selector as a map of strings.
func labelsNode(m map[string]string) node {
	n := node{kind: nObj}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		n.fields = append(n.fields, field{k, str(m[k])})
	}
	return n
}

// placement writes where a catalogue object is (multi-server configs).
func (fs *fieldList) placement(p model.Placement) {
	if len(p.Servers) > 0 {
		fs.add("servers", list(p.Servers))
	}
	if len(p.Selector) > 0 {
		fs.add("server_selector", labelsNode(p.Selector))
	}
}

// namedServerObject is one server of a servers list.
func namedServerObject(s *model.Server) object {
	var fs fieldList
	if len(s.Labels) > 0 {
		fs.add("labels", labelsNode(s.Labels))
	}
	fs = append(fs, serverObject(s)...)
	return object{block: "server", listKey: "servers", labelField: "name", label: s.Name, fields: fs}
}

// serviceFields are a service's fields but its name.
func serviceFields(s *model.Service) []field {
	var fs fieldList
	fs.str("description", s.Description)
	if b := s.Button; b != nil {
		var bf fieldList
		bf.str("url", b.URL)
		bf.str("background_image", b.BackgroundImage)
		if b.OpenInPanel {
			bf.add("open_in_panel", boolean(true))
		}
		fs.add("button", node{kind: nMap, fields: bf})
	}
	if len(s.Send) > 0 {
		fs.add("send", list(s.Send))
	}
	if !s.AvailableToResellers {
		fs.add("available_to_resellers", boolean(false))
	}
	fs.placement(s.Placement)
	return fs
}

func serviceObject(s *model.Service) object {
	return object{block: "service", listKey: "services", labelField: "name", label: s.Name, fields: serviceFields(s)}
}

var planBlocks = map[model.PlanKind][2]string{
	model.ServicePlanKind:  {"service_plan", "service_plans"},
	model.AddonPlanKind:    {"addon_plan", "addon_plans"},
	model.ResellerPlanKind: {"reseller_plan", "reseller_plans"},
}

func planObject(p *model.Plan) object {
	var fs fieldList
	if p.Kind != model.ResellerPlanKind {
		fs.owner(p.Owner)
	}
	fs.str("description", p.Description)
	fs = append(fs, sections(p.Props)...)
	if p.Services != nil {
		fs.add("services", list(p.Services))
	}
	if p.Kind == model.ResellerPlanKind && p.Oversell {
		fs.add("oversell", boolean(true))
	}
	fs.placement(p.Placement)
	b := planBlocks[p.Kind]
	return object{block: b[0], listKey: b[1], labelField: "name", label: p.Name, fields: fs}
}

func contactFields(fs *fieldList, c model.Contact) {
	fs.str("name", c.Name)
	fs.str("company", c.Company)
	fs.str("email", c.Email)
	fs.str("phone", c.Phone)
	fs.str("address", c.Address)
}

func resellerObject(r *model.Reseller) object {
	var fs fieldList
	fs.str("renamed_from", r.RenamedFrom)
	fs.secret("password", r.Password)
	contactFields(&fs, r.Contact)
	fs.str("plan", r.Plan)
	if r.Props != nil {
		secs := sections(r.Props, "resources", "permissions")
		if len(secs) == 0 {
			secs = []field{{key: "resources", val: node{kind: nMap}}}
		}
		fs = append(fs, secs...)
	}
	if r.Services != nil {
		fs.add("services", list(r.Services))
	}
	if r.Oversell {
		fs.add("oversell", boolean(true))
	}
	fs.status(r.Status)
	fs.str("description", r.Description)
	fs.str("managed_by", r.ManagedBy)
	if len(r.Servers) > 0 {
		fs.add("servers", list(r.Servers))
	}
	return object{block: "reseller", listKey: "resellers", labelField: "login", label: r.Login, fields: fs}
}

func customerObject(c *model.Customer) object {
	var fs fieldList
	fs.str("renamed_from", c.RenamedFrom)
	fs.secret("password", c.Password)
	contactFields(&fs, c.Contact)
	fs.owner(c.Owner)
	fs.status(c.Status)
	fs.str("description", c.Description)
	fs.str("admin_description", c.AdminDescription)
	fs.str("managed_by", c.ManagedBy)
	if len(c.Servers) > 0 {
		fs.add("servers", list(c.Servers))
	}
	return object{block: "customer", listKey: "customers", labelField: "login", label: c.Login, fields: fs}
}

func subscriptionObject(s *model.Subscription) object {
	var fs fieldList
	fs.str("renamed_from", s.RenamedFrom)
	fs.str("customer", s.Customer)
	if s.Customer == "" {
		// With a customer, the owner is the customer's.
		fs.owner(s.Owner)
	}
	fs.str("plan", s.Plan)
	if s.Addons != nil {
		fs.add("addons", list(s.Addons))
	}
	if s.Customize != nil {
		fs.add("customize", node{kind: nMap, fields: sections(s.Customize)})
	}
	fs.status(s.Status)
	if s.Expires != nil {
		fs.add("expires", str(dateText(*s.Expires)))
	}
	fs.str("ftp_login", s.FTPLogin)
	fs.secret("ftp_password", s.FTPPassword)
	fs.str("ip_address", s.IPAddress)
	fs.str("managed_by", s.ManagedBy)
	fs.str("server", s.Server)
	return object{block: "subscription", listKey: "subscriptions", labelField: "domain", label: s.Domain, fields: fs}
}

// dateText writes a date as a day when it is UTC midnight, else RFC 3339.
func dateText(t time.Time) string {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format(time.RFC3339Nano)
}

func settingsObject(s *model.SubscriberSettings) object {
	return object{block: "subscriber_settings", listKey: "subscriber_settings", labelField: "domain", label: s.Domain,
		fields: sections(s.Props, "hosting", "mail", "dns")}
}

// ---------------------------------------------------------------------
// A whole config, in order.

// part is one top-level section of a file: the server map, or the
// objects of one kind, sorted by key. Objects are built one at a time as
// they are written, so a big config is never held twice in memory.
type part struct {
	server  []field // set for the server part
	listKey string
	n       int
	object  func(i int) object
}

// parts returns the config's top-level sections in documentation order.
func parts(cfg *model.Config) []part {
	var out []part
	if cfg.Server != nil {
		out = append(out, part{server: serverObject(cfg.Server)})
	}
	if len(cfg.Servers) > 0 {
		srvs := cfg.Servers
		out = append(out, part{listKey: "servers", n: len(srvs), object: func(i int) object { return namedServerObject(srvs[i]) }})
	}
	var svcs []*model.Service
	for _, k := range slices.Sorted(maps.Keys(cfg.Services)) {
		if s := cfg.Services[k]; s.Extension == "" {
			svcs = append(svcs, s)
		}
	}
	if len(svcs) > 0 {
		out = append(out, part{listKey: "services", n: len(svcs), object: func(i int) object { return serviceObject(svcs[i]) }})
	}
	for _, kind := range []model.PlanKind{model.ServicePlanKind, model.AddonPlanKind, model.ResellerPlanKind} {
		plans := map[model.PlanKind]map[string]*model.Plan{
			model.ServicePlanKind: cfg.ServicePlans, model.AddonPlanKind: cfg.AddonPlans, model.ResellerPlanKind: cfg.ResellerPlans,
		}[kind]
		if len(plans) == 0 {
			continue
		}
		ps := make([]*model.Plan, 0, len(plans))
		for _, p := range plans {
			ps = append(ps, p)
		}
		// Admin plans first, then each reseller's, by name.
		slices.SortFunc(ps, func(a, b *model.Plan) int {
			ra, rb := a.Owner != "" && a.Owner != model.Admin, b.Owner != "" && b.Owner != model.Admin
			switch {
			case ra != rb && !ra:
				return -1
			case ra != rb:
				return 1
			}
			return cmp.Or(cmp.Compare(a.Owner, b.Owner), cmp.Compare(a.Name, b.Name))
		})
		out = append(out, part{listKey: planBlocks[kind][1], n: len(ps), object: func(i int) object { return planObject(ps[i]) }})
	}
	out = appendPart(out, "resellers", cfg.Resellers, resellerObject)
	out = appendPart(out, "customers", cfg.Customers, customerObject)
	out = appendPart(out, "subscriptions", cfg.Subscriptions, subscriptionObject)
	out = appendPart(out, "subscriber_settings", cfg.SubscriberSettings, settingsObject)
	return out
}

func appendPart[T any](out []part, listKey string, m map[string]*T, fn func(*T) object) []part {
	if len(m) == 0 {
		return out
	}
	keys := slices.Sorted(maps.Keys(m))
	return append(out, part{listKey: listKey, n: len(keys), object: func(i int) object { return fn(m[keys[i]]) }})
}
