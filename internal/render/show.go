package render

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/state"
)

// Object is one recorded object as `show` presents it.
type Object map[string]any

// KindSubscriberSettings is the kind show gives a subscription's
// subscriber settings (SPEC §2.1, §2.9): recorded with the subscription,
// shown as an object of their own too.
const KindSubscriberSettings plan.Kind = "subscriber_settings"

// Objects builds the shown objects of a snapshot, filtered by kind and
// key ("" for all), in kind then key order. Domains and logins match
// whatever their case (SPEC §2.1: they are stored lower-case); names of
// plans and services match exactly, as "Basic" and "basic" are two plans.
func Objects(s *state.Snapshot, kind, key string) []Object {
	var out []Object
	want := func(k, id string) bool {
		if kind != "" && kind != k {
			return false
		}
		if key == "" || key == id {
			return true
		}
		switch plan.Kind(k) {
		case plan.KindSubscription, plan.KindCustomer, plan.KindReseller, KindSubscriberSettings:
			return strings.EqualFold(key, id)
		}
		return false
	}
	if s.Server != nil && want("server", "server") {
		out = append(out, Object{"kind": "server", "key": "server", "owner": model.Admin,
			"components": nonNil(s.Server.Components), "extensions": nonNil(s.Server.Extensions), "default_plan": s.Server.DefaultPlan})
	}
	services := map[string]state.Service{}
	for _, sv := range s.Services {
		services[sv.Name] = sv
		if want("service", sv.Name) {
			o := Object{"kind": "service", "key": sv.Name, "owner": model.Admin, "name": sv.Name, "description": sv.Description,
				"send": nonNil(sv.Send), "available_to_resellers": sv.AvailableToResellers}
			if sv.Button != nil {
				o["button"] = buttonOf(sv.Button)
			}
			if sv.Extension != "" {
				o["extension"] = sv.Extension
			}
			out = append(out, o)
		}
	}
	for _, g := range []struct {
		kind  model.PlanKind
		plans []state.Plan
	}{{model.ServicePlanKind, s.ServicePlans}, {model.AddonPlanKind, s.AddonPlans}, {model.ResellerPlanKind, s.ResellerPlans}} {
		for _, p := range g.plans {
			if !want(string(g.kind), p.Key) {
				continue
			}
			o := Object{"kind": string(g.kind), "key": p.Key, "owner": p.Owner, "name": p.Name, "description": p.Description}
			// The plan's values, with those it gets by default where it
			// leaves them out (SPEC §2.2), as plan showed them.
			for k, v := range grouped(withPlanDefaults(s.PropertySets[p.Props], g.kind)) {
				o[k] = v
			}
			if g.kind == model.ResellerPlanKind {
				o["oversell"] = p.Oversell
			}
			recorded(o, "", p.Plesk)
			out = append(out, o)
		}
	}
	for _, r := range s.Resellers {
		if want("reseller", r.Login) {
			out = append(out, Object{"kind": "reseller", "key": r.Login, "owner": model.Admin, "login": r.Login,
				"name": r.Contact.Name, "company": r.Contact.Company, "email": r.Contact.Email, "phone": r.Contact.Phone,
				"address": r.Contact.Address, "plan": r.Plan, "sync_status": r.SyncStatus, "status": r.Status,
				"description": r.Description, "allocation": grouped(s.PropertySets[r.Allocation]), "oversell": r.Oversell,
				"password": sensitiveShown(r.PasswordHash)})
			recorded(out[len(out)-1], r.ManagedBy, r.Plesk)
		}
	}
	subsOf := map[string][]string{}
	for _, sub := range s.Subscriptions {
		if sub.Customer != "" {
			subsOf[sub.Customer] = append(subsOf[sub.Customer], sub.Domain)
		}
	}
	customers := map[string]state.Customer{}
	for _, c := range s.Customers {
		customers[c.Login] = c
		if want("customer", c.Login) {
			subs := nonNil(subsOf[c.Login])
			out = append(out, Object{"kind": "customer", "key": c.Login, "owner": c.Owner, "login": c.Login,
				"name": c.Contact.Name, "company": c.Contact.Company, "email": c.Contact.Email, "phone": c.Contact.Phone,
				"address": c.Contact.Address, "status": c.Status, "description": c.Description,
				"admin_description": c.AdminDescription, "can_login": plan.CanLogin(c, len(subs)),
				"subscriptions": subs, "password": sensitiveShown(c.PasswordHash)})
			if len(c.StatusReasons) > 0 {
				// Why it is suspended: by config, or with its reseller.
				out[len(out)-1]["status_reasons"] = c.StatusReasons
			}
			recorded(out[len(out)-1], c.ManagedBy, c.Plesk)
		}
	}
	for _, sub := range s.Subscriptions {
		settings := nonEmptySections(grouped(s.PropertySets[sub.Settings]))
		if sub.Settings == "" {
			settings = nil
		}
		if len(settings) > 0 && want(string(KindSubscriberSettings), sub.Domain) {
			// The values the subscriber chose (SPEC §2.9), kept in
			// effective and ignored by synchronisation: an object of
			// their own, keyed by domain, as in the config.
			o := Object{"kind": string(KindSubscriberSettings), "key": sub.Domain, "owner": sub.Owner, "domain": sub.Domain}
			for k, v := range settings {
				o[k] = v
			}
			out = append(out, o)
		}
		if !want("subscription", sub.Domain) {
			continue
		}
		eff := grouped(s.PropertySets[sub.Effective])
		display := sub.Domain + " (" + sub.Plan + ")"
		if sub.Plan == model.None {
			display = sub.Domain + " (Custom)"
		}
		conflicts := make([]Object, 0, len(sub.Conflicts))
		for _, c := range sub.Conflicts {
			conflicts = append(conflicts, Object{"property": c.Property, "plan_value": c.PlanValue, "available_value": c.AvailableValue, "reason": c.Reason})
		}
		o := Object{"kind": "subscription", "key": sub.Domain, "owner": sub.Owner, "domain": sub.Domain,
			"customer": sub.Customer, "plan": sub.Plan, "addons": nonNil(sub.Addons), "display_name": display,
			"sync_status": sub.SyncStatus, "status": sub.Status, "status_reasons": nonNil(sub.StatusReasons),
			"effective": eff, "conflicts": conflicts, "customized": nonNil(sub.Customized),
			"buttons": buttons(sub, eff, services, customers), "created_at": sub.CreatedAt, "ftp_login": sub.FTPLogin}
		if sub.Expires != nil {
			o["expires"] = sub.Expires
		}
		if sub.ServerSyncStatus != "" {
			// The sync status the server reported beside the one
			// predicted (a model disagreement an apply noted).
			o["server_sync_status"] = sub.ServerSyncStatus
		}
		if sub.IPAddress != "" {
			o["ip_address"] = sub.IPAddress
		}
		if sub.FTPPassword != "" {
			// Only its hash is recorded; even that is never shown.
			o["ftp_password"] = sensitiveShown(sub.FTPPassword)
		}
		if len(settings) > 0 {
			// The values the subscriber chose (subscriber_settings),
			// kept in effective and ignored by synchronisation.
			o["subscriber_settings"] = settings
		}
		recorded(o, sub.ManagedBy, sub.Plesk)
		out = append(out, o)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i]["kind"] != out[j]["kind"] {
			return out[i]["kind"].(string) < out[j]["kind"].(string)
		}
		return out[i]["key"].(string) < out[j]["key"].(string)
	})
	return out
}

// nonEmptySections is g (grouped) without its empty sections.
func nonEmptySections(g Object) Object {
	out := Object{}
	for k, v := range g {
		switch x := v.(type) {
		case Object:
			if len(x) == 0 {
				continue
			}
		case []any:
			if len(x) == 0 {
				continue
			}
		}
		out[k] = v
	}
	return out
}

// recorded adds to o the recorded fields an object has only sometimes:
// "managed_by" (billing) and "plesk", the server's identity for it
// ({"guid", "id"}), recorded once it was applied to or read from a
// Plesk server.
func recorded(o Object, managedBy string, id *state.PleskID) {
	if managedBy != "" {
		o["managed_by"] = managedBy
	}
	if id != nil && (id.GUID != "" || id.ID != 0) {
		p := Object{}
		if id.GUID != "" {
			p["guid"] = id.GUID
		}
		if id.ID != 0 {
			p["id"] = id.ID
		}
		o["plesk"] = p
	}
}

// withPlanDefaults is a plan's recorded values v with the values a plan
// of kind gets where it leaves them out (plan.KindDefaults); v itself
// is left as it is.
func withPlanDefaults(v state.Values, kind model.PlanKind) state.Values {
	defs := plan.KindDefaults(kind)
	out := make(state.Values, len(v)+len(defs))
	for k, d := range defs {
		out[k] = d.JSON()
	}
	for k, x := range v {
		out[k] = x
	}
	return out
}

func sensitiveShown(hash string) any {
	if hash == "" {
		return nil
	}
	return "(sensitive)"
}

func buttonOf(b *state.Button) Object {
	return Object{"url": b.URL, "background_image": plan.ButtonImage(b), "open_in_panel": b.OpenInPanel}
}

// grouped turns a flat property set into sections:
// {"resources": {...}, "permissions": {...}, "hosting": {..., "php_settings": {...}}, "services": [...]}.
func grouped(v state.Values) Object {
	out := Object{}
	for _, sec := range model.Sections {
		out[sec] = Object{}
	}
	out["services"] = []any{}
	for k, x := range v {
		if k == "services" {
			out["services"] = x
			continue
		}
		sec, rest, ok := strings.Cut(k, ".")
		if !ok {
			continue
		}
		m, _ := out[sec].(Object)
		if m == nil {
			m = Object{}
			out[sec] = m
		}
		if name, ok := strings.CutPrefix(rest, "php_settings."); ok {
			ps, _ := m["php_settings"].(Object)
			if ps == nil {
				ps = Object{}
				m["php_settings"] = ps
			}
			ps[name] = x
			continue
		}
		m[rest] = x
	}
	return out
}

// buttons lists the custom buttons a subscription gets and the request
// each would send (plan.ButtonRequest).
func buttons(sub state.Subscription, eff Object, services map[string]state.Service, customers map[string]state.Customer) []Object {
	out := []Object{}
	list, _ := eff["services"].([]any)
	for _, x := range list {
		name, _ := x.(string)
		sv, ok := services[name]
		if !ok || sv.Button == nil {
			continue
		}
		b := buttonOf(sv.Button)
		b["service"] = name
		b["request"] = plan.ButtonRequest(sv, sub, customers[sub.Customer])
		out = append(out, b)
	}
	return out
}

// ShowJSON writes objects as {"format_version": "1", "objects": [...]}.
func ShowJSON(w io.Writer, objs []Object) error {
	if objs == nil {
		objs = []Object{}
	}
	return writeJSON(w, map[string]any{"format_version": FormatVersion, "objects": objs})
}

// ShowText writes objects for people.
func ShowText(w io.Writer, objs []Object, detail bool) error {
	var b strings.Builder
	if len(objs) == 0 {
		b.WriteString("No objects recorded.\n")
	}
	for _, o := range objs {
		kind, key := o["kind"].(string), o["key"].(string)
		if !detail {
			line := address(plan.Kind(kind), key)
			switch kind {
			case "subscription":
				line = fmt.Sprintf("%s %s  %s, %s", kind, o["display_name"], o["sync_status"], o["status"])
			case "customer":
				line += fmt.Sprintf("  %s", o["status"])
				// A customer without any subscription cannot log in
				// (SPEC §1.4); a suspended one is blocked anyway.
				if o["status"] == "active" && o["can_login"] == false {
					line += ", cannot log in (no subscription)"
				}
			case "reseller":
				line += fmt.Sprintf("  %s", o["status"])
			}
			if server, ok := o["server"].(string); ok {
				line = server + ": " + line
			}
			b.WriteString(Escape(line) + "\n")
			continue
		}
		if server, ok := o["server"].(string); ok {
			fmt.Fprintf(&b, "%s: ", Escape(server))
		}
		fmt.Fprintf(&b, "%s\n", address(plan.Kind(kind), key))
		writeObject(&b, o, "  ")
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeObject(b *strings.Builder, o Object, indent string) {
	keys := make([]string, 0, len(o))
	for k := range o {
		if k == "kind" || k == "key" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := o[k]
		switch x := v.(type) {
		case Object:
			if len(x) == 0 {
				continue
			}
			fmt.Fprintf(b, "%s%s:\n", indent, Escape(k))
			writeObject(b, x, indent+"  ")
		case []Object:
			if len(x) == 0 {
				continue
			}
			fmt.Fprintf(b, "%s%s:\n", indent, Escape(k))
			for _, item := range x {
				fmt.Fprintf(b, "%s  -\n", indent)
				writeObject(b, conflictShown(item), indent+"    ")
			}
		case []state.Extension:
			// Shown whether or not there are any, as in JSON: [] is
			// "none installed", not "unknown".
			names := make([]string, 0, len(x))
			for _, e := range x {
				if len(e.Services) > 0 {
					names = append(names, e.Name+" (services: "+strings.Join(e.Services, ", ")+")")
				} else {
					names = append(names, e.Name)
				}
			}
			fmt.Fprintf(b, "%s%s: [%s]\n", indent, Escape(k), Escape(strings.Join(names, ", ")))
		case []string:
			// Items separated as the config writes them: names hold
			// spaces ("Extra Storage"), so a space alone would not
			// tell where one ends.
			fmt.Fprintf(b, "%s%s: [%s]\n", indent, Escape(k), Escape(strings.Join(x, ", ")))
		case []any:
			items := make([]string, len(x))
			for i, item := range x {
				items[i] = fmt.Sprint(item)
			}
			fmt.Fprintf(b, "%s%s: [%s]\n", indent, Escape(k), Escape(strings.Join(items, ", ")))
		case nil:
		case string:
			if x == "" {
				continue
			}
			fmt.Fprintf(b, "%s%s: %s\n", indent, Escape(k), Escape(x))
		default:
			text := fmt.Sprint(showValue(k, x))
			if text == "" {
				continue // a time not set
			}
			fmt.Fprintf(b, "%s%s: %s\n", indent, Escape(k), Escape(text))
		}
	}
}

// conflictShown is a conflict o ({"property", "plan_value",
// "available_value", "reason"}) with its values as people read them, in
// the property's unit ("190 GiB", "unlimited"), as plan shows them; JSON
// keeps them in bytes. An available value that nothing can provide (null
// in JSON) reads "(not available)", as in plan, rather than being left
// out (SPEC §1.5: a conflict reports its available value). Any other
// object is returned as it is.
func conflictShown(o Object) Object {
	prop, ok := o["property"].(string)
	if !ok {
		return o
	}
	out := make(Object, len(o))
	for k, v := range o {
		if k == "plan_value" || k == "available_value" {
			v = propertyValue(prop, v)
			if v == nil {
				v = "(not available)"
			}
		}
		out[k] = v
	}
	return out
}

// propertyValue is the recorded value v of the property at path as
// people read it: a size in its unit, -1 of a size or count as
// "unlimited"; any other value as it is.
func propertyValue(path string, v any) any {
	n, ok := v.(int64)
	if !ok {
		if f, isFloat := v.(float64); isFloat && f == float64(int64(f)) {
			n, ok = int64(f), true
		}
	}
	p := model.Lookup(path)
	if !ok || p == nil {
		return v
	}
	switch {
	case n == -1 && (p.Kind == model.KindSize || p.Kind == model.KindCount || p.Kind == model.KindDuration):
		return "unlimited"
	case p.Kind == model.KindSize:
		return model.FormatSize(n)
	}
	return v
}

func showValue(key string, v any) any {
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano)
	case *time.Time:
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	if n, ok := v.(int64); ok {
		if n == -1 {
			return "unlimited"
		}
		if p := model.Lookup("resources." + key); p != nil && p.Kind == model.KindSize {
			return model.FormatSize(n)
		}
	}
	return v
}
