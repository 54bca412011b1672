package fake

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// shapes lists, per operator and operation, the children an operation
// element may have, in the order of Plesk's schema sequences. Each entry
// is one position: alternatives (a choice) separated by "|", a trailing
// "!" when the position is required, a trailing "+" when its element may
// come several times (a position takes one element otherwise: a second
// one, or a second alternative of its choice, is refused) — the emulator
// rejects unknown elements, elements out of order, repeated ones and
// missing required ones with error 1014, as Plesk's schema check does.
var shapes = map[string]map[string][]string{
	"service-plan": {
		"add":                       {"name!", "owner-id|owner-login", "mail", "limits", "log-rotation", "preferences", "hosting", "hosting-type", "performance", "permissions", "external-id", "php-settings", "web-server-settings"},
		"get":                       {"filter!", "owner-id|owner-login|owner-all"},
		"set":                       {"filter!", "owner-id|owner-login", "mail", "limits", "log-rotation", "preferences", "hosting", "performance", "permissions", "external-id", "name", "php-settings", "web-server-settings"},
		"del":                       {"filter!", "owner-id|owner-login"},
		"add-plan-item":             {"filter!", "owner-id|owner-login", "plan-item!"},
		"remove-plan-item":          {"filter!", "owner-id|owner-login", "plan-item!"},
		"get-limit-descriptor":      {"filter!", "owner-id|owner-login|owner-all"},
		"get-permission-descriptor": {"filter!", "owner-id|owner-login|owner-all"},
	},
	"service-plan-addon": {
		"add":                       {"name!", "owner-id|owner-login", "limits", "hosting", "performance", "permissions", "external-id", "php-settings"},
		"get":                       {"filter!", "owner-id|owner-login|owner-all"},
		"set":                       {"filter!", "owner-id|owner-login", "limits", "hosting", "performance", "permissions", "external-id", "name", "php-settings"},
		"del":                       {"filter!", "owner-id|owner-login"},
		"get-limit-descriptor":      {"filter!", "owner-id|owner-login|owner-all"},
		"get-permission-descriptor": {"filter!", "owner-id|owner-login|owner-all"},
	},
	"reseller-plan": {
		"add":                       {"name!", "limits", "permissions", "ip-pool", "external-id"},
		"get":                       {"filter!", "limits", "permissions", "ip-pool", "packages"},
		"set":                       {"filter!", "limits", "permissions", "ip-pool", "external-id", "name"},
		"del":                       {"filter!"},
		"get-limit-descriptor":      {anyContent}, // untyped in Plesk's schema
		"get-permission-descriptor": {anyContent}, // untyped in Plesk's schema
	},
	"customer": {
		"add":                 {"gen_info!"},
		"get":                 {"filter!", "dataset!"},
		"set":                 {"filter!", "values!"},
		"del":                 {"filter!"},
		"change-owner":        {"filter!", "new-owner-login!", "ipV4-address+", "ipV6-address+", "plan-name"},
		"convert-to-reseller": {"filter!", "reseller-plan-name"},
	},
	"reseller": {
		"add":                       {"gen-info!", "limits", "permissions", "plan-id|plan-name|plan-guid|plan-external-id"},
		"get":                       {"filter!", "dataset!"},
		"set":                       {"filter!", "values!"},
		"del":                       {"filter!"},
		"switch-subscription":       {"filter!", "plan-guid|plan-external-id|no-plan!"},
		"sync-subscription":         {"filter!"},
		"get-limit-descriptor":      {"filter!"},
		"get-permission-descriptor": {"filter!"},
	},
	"webspace": {
		"add":                       {"gen_setup!", "hosting", "limits", "prefs", "performance", "permissions", "php-settings", "plan-id|plan-name|plan-guid|plan-external-id", "mail"},
		"get":                       {"filter!", "dataset!"},
		"set":                       {"filter!", "values!"},
		"del":                       {"filter!"},
		"switch-subscription":       {"filter!", "plan-guid|plan-external-id|no-plan!"},
		"sync-subscription":         {"filter!"},
		"add-subscription":          {"filter!", "plan-guid|plan-external-id!"},
		"remove-subscription":       {"filter!", "plan-guid|plan-external-id!"},
		"add-plan-item":             {"filter!", "plan-item!"},
		"remove-plan-item":          {"filter!", "plan-item!"},
		"get-limit-descriptor":      {"filter!"},
		"get-permission-descriptor": {"filter!"},
	},
	// Up to protocol 1.6.9.0 only (see Handle).
	"plan-item": {
		"add":    {"visible!", "label!", "tooltip", "url", "internal", "noframe", "url-components", "image-file"},
		"get":    {"filter!"},
		"remove": {"filter!"},
		// Protocol 1.6.9.0's schema is not at hand: update takes the
		// filter, then add's fields in add's order, each optional.
		"update": {"filter!", "visible", "label", "tooltip", "url", "internal", "noframe", "url-components", "image-file"},
	},
	"server": {
		"get_protos": {},
		"get":        {"key", "gen_info", "components", "stat", "admin", "interfaces", "services_state", "prefs", "shells", "session_setup", "site-isolation-config", "updates", "admin-domain-list", "certificates"},
	},
	"php-handler": {
		"get": {"filter!"},
	},
	"ip": {
		"get": {},
	},
	// From protocol 1.6.8.0 (see Handle).
	"extension": {
		"get": {"filter"},
	},
}

// setGenInfo is the sequence of a customer's or reseller's gen_info in a
// set (clientSetGenInfo, ResellerSetGenInfo).
var setGenInfo = []string{"cname", "pname", "login", "passwd", "status", "phone", "fax", "email", "address", "city", "state", "pcode", "country", "locale", "guid", "external-id", "description"}

// nestedShapes lists, per operator, operation and path below the
// operation element, the children of the containers inside operations
// whose order Plesk's schema fixes too (as shapes does).
var nestedShapes = map[string]map[string]map[string][]string{
	"service-plan": {
		"add":              {"limits": planLimits, "permissions": permissions, "preferences": planPreferences, "mail": planMail, "performance": performance},
		"set":              {"limits": planLimits, "permissions": permissions, "preferences": planPreferences, "mail": planMail, "performance": performance},
		"add-plan-item":    {"plan-item": {"name!"}},
		"remove-plan-item": {"plan-item": {"name!"}},
	},
	"service-plan-addon": {
		"add": {"limits": {"limit+"}, "permissions": permissions, "performance": performance},
		"set": {"limits": {"limit+"}, "permissions": permissions, "performance": performance},
	},
	"reseller-plan": {
		"add": {"limits": resellerLimits, "limits/resource-policy": resourcePolicy, "permissions": permissions, "ip-pool": ipPool},
		"set": {"limits": resellerLimits, "limits/resource-policy": resourcePolicy, "permissions": permissions, "ip-pool": ipPool},
	},
	"webspace": {
		"add": {"limits": planLimits, "permissions": permissions, "hosting/vrt_hst": vrtHst, "gen_setup": addGenSetup,
			"prefs": webspacePrefs, "performance": performance},
		"set": {"values": {"gen_setup", "limits", "prefs", "hosting", "disk_usage", "performance", "permissions", "php-settings", "mail"}, "values/limits": planLimits, "values/permissions": permissions,
			"values/hosting/vrt_hst": vrtHst, "values/gen_setup": setGenSetup, "values/prefs": webspacePrefs, "values/performance": performance},
		"add-plan-item":    {"plan-item": {"name!"}},
		"remove-plan-item": {"plan-item": {"name!"}},
		"get":              {"dataset": {anyOrder, "gen_info", "hosting", "hosting-basic", "limits", "stat", "prefs", "disk_usage", "performance", "subscriptions", "permissions", "plan-items", "php-settings", "resource-usage", "mail", "aps-filter", "packages"}},
	},
	"customer": {
		"add": {"gen_info": addGenInfo},
		"get": {"dataset": {"gen_info", "stat"}},
		"set": {"values": {"gen_info"}, "values/gen_info": setGenInfo},
	},
	"reseller": {
		"add": {"gen-info": append(slices.Clip(addGenInfo[:len(addGenInfo)-3]), "external-id", "description", "power-user"),
			"limits": resellerLimits, "limits/resource-policy": resourcePolicy, "permissions": permissions},
		"get": {"dataset": {"gen-info", "stat", "permissions", "limits", "ippool", "subscriptions"}},
		"set": {"values": {"gen-info", "limits", "permissions"}, "values/gen-info": append(slices.Clip(setGenInfo), "power-user"),
			"values/limits": resellerLimits, "values/limits/resource-policy": resourcePolicy, "values/permissions": permissions},
	},
}

// planLimits is the sequence of a plan's or subscription's limits
// (domainLimits; an add-on's, DomainAddonTemplateLimits, has limit*
// only), permissions that of their permissions (domainPerms),
// resellerLimits and resourcePolicy those of a reseller plan's or
// reseller's limits (ResellerLimits), planPreferences that of a service
// plan's preferences.
var (
	planLimits      = []string{"overuse", "limit+", "all-to-zero"}
	permissions     = []string{"permission+", "revoke-all"}
	resellerLimits  = []string{"resource-policy", "limit+"}
	resourcePolicy  = []string{"oversell", "overuse"}
	planPreferences = []string{"stat", "maillists", "mailservice", "dns_zone_type"}
	// vrtHst is a subscription's hosting/vrt_hst in an add or set: its
	// properties, then its IP addresses.
	vrtHst = []string{"property+", "ip_address+"}
	// planMail is a service plan's mail (DomainTemplateMailPreferences),
	// performance a plan's or subscription's (DomainPerformanceType),
	// ipPool a reseller plan's, webspacePrefs a subscription's prefs
	// (domainPrefs, an xs:all).
	planMail = []string{"nonexistent-user", "webmail", "maillists", "mailservice", "outgoing-messages-mbox-limit",
		"outgoing-messages-domain-limit", "outgoing-messages-subscription-limit", "outgoing-messages-enable-sendmail",
		"outgoing-messages-overlimit-percent"}
	performance   = []string{"bandwidth", "max_connections"}
	ipPool        = []string{"ip-address+", "allocate-ip", "allocate-ipv6"}
	webspacePrefs = []string{anyOrder, "www", "stat_ttl", "outgoing-messages-domain-limit", "icp-status", "icp-permit"}
	// addGenSetup and setGenSetup are a subscription's gen_setup in an
	// add and a set: a choice repeated (each element in any order, an
	// IPv4 and an IPv6 address both).
	addGenSetup = []string{anyOrderRepeated, "name", "owner-id", "owner-login", "owner-guid", "owner-external-id", "htype",
		"ip_address", "status", "external-id", "description", "admin-description", "reseller-description"}
	setGenSetup = []string{anyOrderRepeated, "status", "name", "owner-id", "owner-login", "owner-guid", "owner-external-id",
		"ip_address", "guid", "external-id", "admin-as-vendor", "description", "admin-description", "reseller-description"}
)

// addGenInfo is the sequence of a customer's gen_info in an add
// (clientAddGenInfo; a reseller's, ResellerAddGenInfo, is the same
// without the owner, and with power-user at the end). It requires the
// password; what else it requires (pname, login) the emulator answers per
// operation, with 1019.
var addGenInfo = []string{"cname", "pname", "login", "passwd!", "status", "phone", "fax", "email", "address", "city", "state", "pcode", "country", "locale", "owner-id|owner-login|owner-external-id", "external-id", "description"}

// anyOrder, first in a nested shape, makes it a set rather than a
// sequence (the schema's xs:all, as a webspace dataset): its elements
// come in any order, and an element it does not name is refused.
const anyOrder = "(any order)"

// anyOrderRepeated, first in a nested shape, makes it a repeated choice
// (the schema's xs:choice maxOccurs="10", as a webspace's gen_setup):
// its elements come in any order, any of them again, and an element it
// does not name is refused.
const anyOrderRepeated = "(any order, repeated)"

// anyContent, as a shape's only entry, says that the operation element is
// untyped in Plesk's schema (xs:anyType): whatever it holds is valid.
const anyContent = "(any content)"

// checkShape reports the first way n's children break its shape.
func checkShape(operator string, n *node) error {
	ops, ok := shapes[operator]
	if !ok {
		return fmt.Errorf("operator %q is not supported", operator)
	}
	shape, ok := ops[n.name]
	if !ok {
		return fmt.Errorf("operation %s/%s is not supported", operator, n.name)
	}
	if len(shape) == 1 && shape[0] == anyContent {
		return nil
	}
	if err := checkSequence(operator+"/"+n.name, shape, n); err != nil {
		return err
	}
	for path, shape := range nestedShapes[operator][n.name] {
		c := n
		for _, name := range strings.Split(path, "/") {
			c = c.child(name)
		}
		if c == nil {
			continue
		}
		if err := checkSequence(operator+"/"+n.name+"/"+path, shape, c); err != nil {
			return err
		}
	}
	if err := checkFilter(operator, operator+"/"+n.name, n.child("filter")); err != nil {
		return err
	}
	if err := checkHosting(operator, n); err != nil {
		return err
	}
	return checkTypes(operator+"/"+n.name, n)
}

// checkFilter checks that a filter selects by one kind of key: the
// schema's filters are a choice of one element, repeated (login*, id*,
// guid*, …), never a mix. A reseller plan's filter must hold a key (its
// choice is required: all selects every plan); the others may be empty.
func checkFilter(operator, where string, f *node) error {
	if f != nil && len(f.kids) == 0 && operator == "reseller-plan" {
		return fmt.Errorf("%s/filter: an element is missing (expected: id, name, all, guid, external-id)", where)
	}
	if f == nil || len(f.kids) == 0 {
		return nil
	}
	if keys, found := filterKeys[operator]; found {
		for _, k := range f.kids {
			if !slices.Contains(keys, k.name) {
				return fmt.Errorf("%s/filter: element %q is not expected (expected: %s)", where, k.name, strings.Join(keys, ", "))
			}
			v := strings.TrimSpace(k.text)
			switch {
			case k.name == "id" && operator != "php-handler" && operator != "extension":
				// id_type: a positive integer (a PHP handler's or an
				// extension's id is a name).
				if n, err := strconv.ParseUint(v, 10, 64); err != nil || n == 0 {
					return fmt.Errorf("%s/filter: id %q is not a valid value of the type positiveInteger", where, v)
				}
			case k.name == "owner-id":
				if _, err := strconv.ParseInt(v, 10, 32); err != nil {
					return fmt.Errorf("%s/filter: owner-id %q is not a valid value of the type int", where, v)
				}
			}
		}
	}
	kind := f.kids[0].name
	for _, k := range f.kids[1:] {
		if k.name != kind || kind == "all" {
			return fmt.Errorf("%s/filter: element %q is not expected (a filter selects by one kind of key: %s)", where, k.name, kind)
		}
	}
	return nil
}

// filterKeys lists, per operator, the keys its filters select by (the
// same in each of its operations).
var filterKeys = map[string][]string{
	"service-plan":       {"id", "name", "guid", "external-id"},
	"service-plan-addon": {"id", "name", "guid", "external-id"},
	"reseller-plan":      {"id", "name", "guid", "external-id", "all"},
	"reseller":           {"id", "login", "guid", "external-id", "all"},
	"customer":           {"id", "login", "guid", "external-id", "owner-id", "owner-login"},
	"webspace":           {"id", "name", "guid", "external-id", "owner-id", "owner-login", "owner-guid", "owner-external-id"},
	"php-handler":        {"id"},
	"extension":          {"id"},
}

// checkTypes checks the simple types the schema gives limit and
// permission values (long, boolean) and the overuse words.
func checkTypes(where string, n *node) error {
	for _, k := range n.kids {
		switch k.name {
		case "limit", "permission", "property", "setting":
			// PleskLimitType, PleskPermissionType,
			// PleskPhysHostingPropertyType, a php setting: a name, then a
			// value.
			if len(k.kids) != 2 || k.kids[0].name != "name" || k.kids[1].name != "value" {
				return fmt.Errorf("%s: %s: want a name, then a value", where, k.name)
			}
		}
		switch k.name {
		case "limit":
			v := strings.TrimSpace(k.val("value"))
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return fmt.Errorf("%s: limit %s: %q is not a valid value of the type long", where, k.val("name"), v)
			}
		case "permission":
			switch strings.TrimSpace(k.val("value")) {
			case "true", "false", "1", "0":
			default:
				return fmt.Errorf("%s: permission %s: %q is not a valid value of the type boolean", where, k.val("name"), k.val("value"))
			}
		case "www":
			// A subscription's prefs (boolean).
			switch strings.TrimSpace(k.text) {
			case "true", "false", "1", "0":
			default:
				return fmt.Errorf("%s: www %q is not a valid value of the type boolean", where, strings.TrimSpace(k.text))
			}
		case "stat_ttl":
			// statTtl: a non-negative integer, or empty.
			if v := strings.TrimSpace(k.text); v != "" {
				if _, err := strconv.ParseUint(v, 10, 64); err != nil {
					return fmt.Errorf("%s: stat_ttl %q is not a valid value of the type statTtl", where, v)
				}
			}
		case "allocate-ip", "allocate-ipv6":
			// A reseller plan's ip-pool (int).
			if _, err := strconv.ParseInt(strings.TrimSpace(k.text), 10, 32); err != nil {
				return fmt.Errorf("%s: %s %q is not a valid value of the type int", where, k.name, strings.TrimSpace(k.text))
			}
		case "bandwidth", "max_connections":
			// DomainPerformanceType: a double, an int.
			v := strings.TrimSpace(k.text)
			_, err := strconv.ParseFloat(v, 64)
			if k.name == "max_connections" {
				_, err = strconv.ParseInt(v, 10, 32)
			}
			if err != nil {
				return fmt.Errorf("%s: %s %q is not a number of the schema's type", where, k.name, v)
			}
		case "overuse":
			if !overuses[strings.TrimSpace(k.text)] {
				return fmt.Errorf("%s: overuse %q is not one of block, notify, normal, not_suspend, not_suspend_notify", where, strings.TrimSpace(k.text))
			}
		}
		if err := checkTypes(where, k); err != nil {
			return err
		}
	}
	return nil
}

// checkHosting enforces the hosting shape of each operation: service-plan
// add and add-on add/set take hosting/property*, service-plan set takes
// hosting/vrt_hst|none, webspace add and set take hosting/vrt_hst.
func checkHosting(operator string, n *node) error {
	h := n.child("hosting")
	if n.name == "set" && operator == "webspace" {
		h = n.child("values").child("hosting")
	}
	if h == nil {
		return nil
	}
	where := operator + "/" + n.name + "/hosting"
	props := operator == "service-plan-addon" || operator == "service-plan" && n.name == "add"
	if !props && len(h.kids) != 1 {
		// The schema's hosting is a choice of one: vrt_hst, none, …
		return fmt.Errorf("%s: want one element of vrt_hst, none", where)
	}
	for _, k := range h.kids {
		switch {
		case props && k.name != "property":
			return fmt.Errorf("%s: element %q is not expected (expected: property)", where, k.name)
		case !props && k.name != "vrt_hst" && k.name != "none" && k.name != "std_fwd" && k.name != "frm_fwd":
			return fmt.Errorf("%s: element %q is not expected (expected: vrt_hst, none)", where, k.name)
		}
	}
	return nil
}

func checkSequence(where string, shape []string, n *node) error {
	if len(shape) > 0 && shape[0] == anyOrderRepeated {
		for _, k := range n.kids {
			if !slices.Contains(shape[1:], k.name) {
				return fmt.Errorf("%s: element %q is not expected (expected: %s)", where, k.name, strings.Join(shape[1:], ", "))
			}
		}
		return nil
	}
	if len(shape) > 0 && shape[0] == anyOrder {
		seen := map[string]bool{}
		for _, k := range n.kids {
			if !slices.Contains(shape[1:], k.name) {
				return fmt.Errorf("%s: element %q is not expected (expected: %s)", where, k.name, strings.Join(shape[1:], ", "))
			}
			if seen[k.name] {
				return fmt.Errorf("%s: element %q is not expected (it comes once)", where, k.name)
			}
			seen[k.name] = true
		}
		return nil
	}
	pos := 0
	seen := make([]bool, len(shape))
	for _, k := range n.kids {
		found := -1
		for i := pos; i < len(shape); i++ {
			for _, alt := range strings.Split(strings.TrimRight(shape[i], "!+"), "|") {
				if alt == k.name {
					found = i
				}
			}
			if found >= 0 {
				break
			}
		}
		if found < 0 {
			for i := 0; i < pos; i++ {
				for _, alt := range strings.Split(strings.TrimRight(shape[i], "!+"), "|") {
					if alt == k.name {
						return fmt.Errorf("%s: element %q is out of order (Plesk's schema wants %s)", where, k.name, order(shape))
					}
				}
			}
			return fmt.Errorf("%s: element %q is not expected (expected: %s)", where, k.name, order(shape))
		}
		if seen[found] && found == pos && !strings.HasSuffix(shape[found], "+") {
			return fmt.Errorf("%s: element %q is not expected (%s takes one element)", where, k.name, strings.Trim(shape[found], "!+"))
		}
		pos = found
		seen[found] = true
	}
	for i, s := range shape {
		if strings.HasSuffix(s, "!") && !seen[i] {
			return fmt.Errorf("%s: element %q is missing", where, strings.TrimSuffix(s, "!"))
		}
	}
	return nil
}

func order(shape []string) string {
	out := make([]string, len(shape))
	for i, s := range shape {
		out[i] = strings.TrimRight(s, "!+")
	}
	return strings.Join(out, ", ")
}
