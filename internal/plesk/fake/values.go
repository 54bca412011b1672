package fake

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

var overuses = map[string]bool{"block": true, "notify": true, "normal": true, "not_suspend": true, "not_suspend_notify": true}

// boolHosting names the on/off hosting properties: plansync's (ssl) and
// php, which Plesk sets along with php_handler_id.
var boolHosting = func() map[string]bool {
	m := map[string]bool{"php": true}
	for _, p := range model.Catalog() {
		if p.Plesk.Group == model.PleskHosting && p.Plesk.Enc == model.PleskBool {
			m[p.Plesk.Name] = true
		}
	}
	return m
}()

// valueError is a bad value in a request: error 1019.
type valueError string

func (e valueError) Error() string { return string(e) }

// readBlocks merges the value blocks of an operation element (limits,
// permissions, hosting, php-settings, mail, preferences) into v. hosting
// says which hosting shape the operation takes: "property" (plan add,
// add-on add/set), "vrt_hst" (plan set), "webspace" (vrt_hst with IPs).
// It returns which blocks were present.
func readBlocks(o *node, v *mapping.Values, hosting string) (map[string]bool, error) {
	present := map[string]bool{}
	if l := o.child("limits"); l != nil {
		present["limits"] = true
		if rp := l.child("resource-policy"); rp != nil {
			if ov := rp.val("overuse"); ov != "" {
				if !overuses[ov] {
					return nil, valueError("overuse " + ov + " is not one of block, notify, normal, not_suspend, not_suspend_notify")
				}
				v.Overuse = ov
			}
			if os := rp.val("oversell"); os != "" {
				if _, err := strconv.ParseBool(os); err != nil {
					return nil, valueError("oversell " + os + " is not true or false")
				}
				v.Oversell = os
			}
		}
		if ov := l.val("overuse"); ov != "" {
			if !overuses[ov] {
				return nil, valueError("overuse " + ov + " is not one of block, notify, normal, not_suspend, not_suspend_notify")
			}
			v.Overuse = ov
		}
		pairs, ok := l.pairs("limit")
		if !ok {
			return nil, valueError("a limit needs a name and a value")
		}
		for _, p := range pairs {
			n, err := strconv.ParseInt(p[1], 10, 64)
			if err != nil || n < -1 {
				return nil, valueError(fmt.Sprintf("limit %s: %q is not a number or -1", p[0], p[1]))
			}
			setv(&v.Limits, p[0], strconv.FormatInt(n, 10))
		}
	}
	if p := o.child("permissions"); p != nil {
		present["permissions"] = true
		pairs, ok := p.pairs("permission")
		if !ok {
			return nil, valueError("a permission needs a name and a value")
		}
		for _, x := range pairs {
			b, err := strconv.ParseBool(x[1])
			if err != nil {
				return nil, valueError(fmt.Sprintf("permission %s: %q is not true or false", x[0], x[1]))
			}
			setv(&v.Permissions, x[0], strconv.FormatBool(b))
		}
	}
	if h := o.child("hosting"); h != nil {
		var props *node
		switch hosting {
		case "property":
			if h.has("vrt_hst") || h.has("none") {
				return nil, errString("hosting takes property elements here, not vrt_hst")
			}
			props = h
		default:
			if h.has("property") {
				return nil, errString("hosting takes vrt_hst (or none) here, not property elements")
			}
			props = h.child("vrt_hst")
		}
		if props != nil {
			pairs, ok := props.pairs("property")
			if !ok {
				return nil, valueError("a hosting property needs a name and a value")
			}
			for _, x := range pairs {
				if boolHosting[x[0]] {
					b, err := strconv.ParseBool(x[1])
					if err != nil {
						return nil, valueError(fmt.Sprintf("hosting property %s: %q is not true or false", x[0], x[1]))
					}
					x[1] = strconv.FormatBool(b)
				}
				setv(&v.Hosting, x[0], x[1])
				present["hosting"] = true
			}
		}
	}
	if p := o.child("php-settings"); p != nil {
		present["php-settings"] = true
		pairs, _ := p.pairs("setting")
		for _, x := range pairs {
			setv(&v.PHP, x[0], x[1])
		}
	}
	if m := o.child("mail"); m != nil {
		present["mail"] = true
		if w := m.val("webmail"); w != "" {
			setv(&v.Mail, "webmail", w)
		}
		if ms := m.val("mailservice"); ms != "" {
			if _, err := strconv.ParseBool(ms); err != nil {
				return nil, valueError("mailservice " + ms + " is not true or false")
			}
			setv(&v.Mail, "mailservice", ms)
		}
	}
	if p := o.child("preferences"); p != nil {
		present["preferences"] = true
		if z := p.val("dns_zone_type"); z != "" {
			if z != "master" && z != "slave" {
				return nil, valueError("dns_zone_type " + z + " is not master or slave")
			}
			setv(&v.Prefs, "dns_zone_type", z)
		}
		// Settings plansync does not model, kept as Plesk keeps them.
		if st := p.val("stat"); st != "" {
			if _, err := strconv.Atoi(st); err != nil {
				return nil, valueError("stat " + st + " is not a number")
			}
			setv(&v.Prefs, "stat", st)
		}
		if ml := p.val("maillists"); ml != "" {
			b, err := strconv.ParseBool(ml)
			if err != nil {
				return nil, valueError("maillists " + ml + " is not true or false")
			}
			setv(&v.Prefs, "maillists", strconv.FormatBool(b))
		}
		if ms := p.val("mailservice"); ms != "" {
			b, err := strconv.ParseBool(ms)
			if err != nil {
				return nil, valueError("mailservice " + ms + " is not true or false")
			}
			setv(&v.Prefs, "mailservice", strconv.FormatBool(b))
		}
	}
	return present, nil
}

func setv(m *map[string]string, k, v string) {
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[k] = v
}

// combine computes plan ⊕ add-ons.
func (s *Server) combine(plan mapping.Values, addons []mapping.Values) mapping.Values {
	out := plan.Clone()
	for _, a := range addons {
		for k, v := range a.Limits {
			cur, ok := out.Limits[k]
			if !ok || s.opts.AddonReplaces {
				if !ok && !s.opts.AddonReplaces {
					continue // absent is unlimited already
				}
				setv(&out.Limits, k, v)
				continue
			}
			x, _ := strconv.ParseInt(cur, 10, 64)
			y, _ := strconv.ParseInt(v, 10, 64)
			if x == -1 || y == -1 {
				setv(&out.Limits, k, "-1")
			} else {
				setv(&out.Limits, k, strconv.FormatInt(x+y, 10))
			}
		}
		for k, v := range a.Permissions {
			if !s.opts.AddonReplaces && out.Permissions[k] == "true" {
				continue
			}
			setv(&out.Permissions, k, v)
		}
		// On/off settings are OR-ed, as permissions: an add-on switches
		// something on, never off.
		for k, v := range a.Hosting {
			if !s.opts.AddonReplaces && v == "false" && out.Hosting[k] == "true" {
				continue
			}
			setv(&out.Hosting, k, v)
		}
		for k, v := range a.PHP {
			setv(&out.PHP, k, v)
		}
		for k, v := range a.Mail {
			if !s.opts.AddonReplaces && v == "false" && out.Mail[k] == "true" {
				continue
			}
			setv(&out.Mail, k, v)
		}
	}
	return out
}

// missing lists the problems of values that need components the server
// lacks, using each property's component rule from the catalogue.
func (s *Server) missing(v mapping.Values) string {
	props, _, err := mapping.ToPropsOn(v, s.phpTable())
	if err != nil {
		return err.Error()
	}
	var problems []string
	for _, path := range props.Paths() {
		p := model.Lookup(path)
		if p == nil || p.Component == nil {
			continue
		}
		if c := p.Component(props[path]); c != "" && !s.state.hasComponent(c) {
			problems = append(problems, fmt.Sprintf("%s %s needs component %s, which is not installed", path, props[path].Text(), c))
		}
	}
	return strings.Join(problems, "; ")
}

// resync copies plan ⊕ add-ons into a subscription and sets its sync
// flag (false when a value needs a missing component).
func (s *Server) resync(w *Webspace) {
	if w.PlanGUID == "" {
		w.Unsynced, w.Problems = false, ""
		return
	}
	plan := s.state.planByGUID(w.PlanGUID)
	if plan == nil {
		return
	}
	var addons []mapping.Values
	for _, g := range w.Addons {
		if a := s.state.planByGUID(g); a != nil {
			addons = append(addons, a.Values)
		}
	}
	want := s.withOwn(w, s.combine(plan.Values, addons))
	if p := s.missing(want); p != "" {
		w.Unsynced, w.Problems = true, p
		// What can be applied is applied: values whose component is
		// there; the others get what the server can provide instead
		// (the available value of plansync's conflict, the same rule),
		// else keep the subscription's current ones.
		want = s.applicable(w.Values, want)
	} else {
		w.Unsynced, w.Problems = false, ""
	}
	// A reseller's subscription gets at most what the reseller holds:
	// what does not fit is not provided, and the subscription is not
	// synchronized (as for a missing component).
	if capped, p := s.resellerCap(w, want); p != "" {
		want = capped
		if w.Problems != "" {
			p = w.Problems + "; " + p
		}
		w.Unsynced, w.Problems = true, p
	}
	// A reseller's plan does not provide the additional services the
	// admin made unavailable to resellers: the subscription does not get
	// them and is not synchronized (as for a missing component).
	if hidden := s.hiddenItems(w); len(hidden) > 0 {
		p := "additional service " + strings.Join(hidden, ", ") + " is not available to resellers"
		if w.Problems != "" {
			p = w.Problems + "; " + p
		}
		w.Unsynced, w.Problems = true, p
	}
	// The expiration date is the subscription's own: a sync keeps it.
	if exp, had := w.Values.Limits["expiration"]; had {
		want = want.Clone()
		setv(&want.Limits, "expiration", exp)
	}
	w.Values, w.MovedIn = want, false
}

// withOwn puts the subscriber's own values (State.SubscriberValues) in
// place of plan ⊕ add-ons (want) for the settings want's permissions let
// the subscriber change (SPEC 1.3): the subscription keeps them, and the
// plan values they replace are not asked of the server. An own value
// whose permission is not granted is not the subscriber's to keep.
func (s *Server) withOwn(w *Webspace, want mapping.Values) mapping.Values {
	own := s.state.SubscriberValues[w.Name]
	if len(own) == 0 {
		return want
	}
	t := s.phpTable()
	props, _, err := mapping.ToPropsOn(want, t)
	if err != nil {
		return want
	}
	// Those the effective permissions grant (after the reseller's: a
	// permission it does not hold is not granted) and that the installed
	// components can provide; the others are not kept: the plan's value
	// stays, checked as any other.
	_, alloc, capped := s.allocation(w)
	kept := model.Props{}
	for _, path := range own.Paths() {
		perm := model.PermissionFor(path)
		if perm == "" || !props["permissions."+perm].Truth() {
			continue
		}
		if pp := model.Lookup("permissions." + perm); capped && pp != nil && alloc.Permissions[pp.Plesk.Name] != "true" {
			continue
		}
		if p := model.Lookup(path); p != nil && p.Component != nil {
			if c := p.Component(own[path]); c != "" && !s.state.hasComponent(c) {
				continue
			}
		}
		kept[path] = own[path]
	}
	if len(kept) == 0 {
		return want
	}
	// The PHP version and handler are one value on the server.
	for _, pair := range [][2]string{{"hosting.php_version", "hosting.php_handler"}, {"hosting.php_handler", "hosting.php_version"}} {
		if _, ok := kept[pair[0]]; ok {
			if _, ok := kept[pair[1]]; !ok {
				if v, ok := props[pair[1]]; ok {
					kept[pair[1]] = v
				}
			}
		}
	}
	top, _, err := mapping.FromPropsOn(kept, t)
	if err != nil {
		return want
	}
	out := overlay(want, top)
	for k, v := range top.Prefs {
		setv(&out.Prefs, k, v)
	}
	return out
}

func (s *Server) applicable(cur, want mapping.Values) mapping.Values {
	installed := &model.Server{Components: s.state.Components}
	t := s.phpTable()
	props, _, err := mapping.ToPropsOn(want, t)
	if err != nil {
		return cur
	}
	old, _, _ := mapping.ToPropsOn(cur, t)
	for _, path := range props.Paths() {
		p := model.Lookup(path)
		if p == nil || p.Component == nil {
			continue
		}
		if c := p.Component(props[path]); c != "" && !s.state.hasComponent(c) {
			if fv, ok := installed.Fallback(path, props[path]); ok {
				props[path] = fv
			} else if ov, ok := old[path]; ok {
				props[path] = ov
			} else {
				delete(props, path)
			}
		}
	}
	out, _, err := mapping.FromPropsOn(props, t)
	if err != nil {
		return cur
	}
	return keepUnmodelled(out, want)
}

// keepUnmodelled adds to out, made from plansync's values, what want has
// that plansync does not model, as want has it.
func keepUnmodelled(out, want mapping.Values) mapping.Values {
	for k, v := range want.Limits {
		if _, ok := out.Limits[k]; !ok {
			setv(&out.Limits, k, v)
		}
	}
	for k, v := range want.Permissions {
		if _, ok := out.Permissions[k]; !ok {
			setv(&out.Permissions, k, v)
		}
	}
	for k, v := range want.Hosting {
		if _, ok := out.Hosting[k]; !ok && k != "php_handler_id" && k != "php" {
			setv(&out.Hosting, k, v)
		}
	}
	return out
}

// validStatus accepts the status bits that may be set: 0, 16 (by admin),
// 32 (by reseller), 64 (by customer), 256 (expired) and their sums.
func validStatus(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n&^(16|32|64|256) != 0 {
		return 0, false
	}
	return n, true
}

// callerStatus is the status an object holding cur gets when the
// packet's caller sets it to text. The administrator's value is taken as
// it is (activating clears every bit). A reseller's suspension is its own
// bit (32), added to what the object has; an object the administrator
// suspended (16) stays suspended, the reseller's activation refused with
// 1006, as Plesk lets only the administrator lift the administrator's
// suspension. What a reseller's activation does to the customer's bit
// (64) or an expired one (256) Plesk does not say here: it clears them,
// as it always did in the emulator.
func (s *Server) callerStatus(cur int, text, what string) (int, *xmlapi.Status) {
	n, good := validStatus(text)
	if !good {
		return 0, opErr(xmlapi.ErrInvalidValue, "Invalid status value %q", strings.TrimSpace(text))
	}
	if s.admin() {
		return n, nil
	}
	if n != 0 {
		return cur | xmlapi.StatusByReseller, nil
	}
	if cur&xmlapi.StatusByAdmin != 0 {
		return 0, opErr(xmlapi.ErrPermission, "Permission denied: %s was suspended by the administrator; only the administrator may activate it", what)
	}
	return 0, nil
}

// planData renders a plan for get.
func (s *Server) planData(p *Plan) *xmlapi.PlanData {
	v := p.Values
	d := &xmlapi.PlanData{Status: ok, ID: p.ID, Name: p.Name, GUID: p.GUID, ExternalID: p.ExternalID,
		OwnerID: p.OwnerID, OwnerLogin: s.state.ownerLogin(p.OwnerID)}
	if !p.Addon {
		d.Mail = mapping.PlanMailBlock(v)
		d.Preferences = mapping.PrefsBlock(v)
		d.PlanItems = &xmlapi.PlanItems{}
		for _, it := range p.Items {
			d.PlanItems.Item = append(d.PlanItems.Item, xmlapi.PlanItem{Name: it})
		}
	}
	d.Limits = mapping.LimitsBlock(v, p.Addon)
	if props := mapping.HostingProperties(v); len(props) > 0 {
		d.Hosting = &xmlapi.PlanHosting{VrtHst: &xmlapi.Properties{Property: props}}
	} else {
		d.Hosting = &xmlapi.PlanHosting{None: &xmlapi.Empty{}}
	}
	d.Permissions = mapping.PermissionsBlock(v)
	d.PHPSettings = mapping.PHPBlock(v)
	return d
}

// allocation returns the reseller whose allocation a subscription is
// served from and that allocation (its reseller plan's values, or its
// own); capped is false for the admin's subscriptions, or with
// NoResellerCap.
func (s *Server) allocation(w *Webspace) (*Account, mapping.Values, bool) {
	vendor := s.state.vendor(w.OwnerID)
	if vendor == AdminID || s.opts.NoResellerCap {
		return nil, mapping.Values{}, false
	}
	r := s.state.account(vendor)
	if r == nil {
		return nil, mapping.Values{}, false
	}
	alloc := r.Values
	if r.PlanGUID != "" && !r.Locked {
		if p := s.state.resellerPlanByGUID(r.PlanGUID); p != nil {
			alloc = p.Values
		}
	}
	return r, alloc, true
}

// hiddenItems lists the additional services of a reseller's
// subscription's service plan that the admin made unavailable to
// resellers (visible false): Plesk's "Make unavailable" keeps resellers
// from providing them to their customers, so the subscription does not
// get them (SPEC 1.5). The admin's subscriptions get every service.
func (s *Server) hiddenItems(w *Webspace) []string {
	if w.PlanGUID == "" || s.state.vendor(w.OwnerID) == AdminID {
		return nil
	}
	p := s.state.planByGUID(w.PlanGUID)
	if p == nil {
		return nil
	}
	var out []string
	for _, n := range p.Items {
		if it := s.state.planItem(n); it != nil && !it.Visible {
			out = append(out, n)
		}
	}
	return out
}

// resellerCap limits plan ⊕ add-ons (want) of a reseller's subscription
// to the reseller's allocation (its reseller plan's values, or its own):
// a permission the reseller does not hold is not granted; a limit must
// fit the reseller's, each single value with oversell, the sum of the
// reseller's subscriptions without it (mailbox_quota, the size of one
// mailbox, is never summed). What the other subscriptions have is never
// cut: a new subscription gets what is left, one that grows beyond what
// is left keeps what it had; a single value that does not fit the
// reseller's gets the reseller's, or keeps what it had beyond it (the
// rule plansync predicts, SPEC 1.5). want is plan ⊕ add-ons on a sync,
// or a subscription's own values on a webspace set of its limits. It
// returns the values and the problems ("" none).
func (s *Server) resellerCap(w *Webspace, want mapping.Values) (mapping.Values, string) {
	r, alloc, capped := s.allocation(w)
	if !capped {
		return want, ""
	}
	vendor := r.ID
	var problems []string
	out := want
	cloned := false
	set := func(m func(*mapping.Values) *map[string]string, k, v string) {
		if !cloned {
			out, cloned = want.Clone(), true
		}
		setv(m(&out), k, v)
	}
	for _, k := range sortedKeysOf(want.Permissions) {
		if want.Permissions[k] == "true" && alloc.Permissions[k] != "true" {
			set(func(v *mapping.Values) *map[string]string { return &v.Permissions }, k, "false")
			problems = append(problems, "permission "+k+" is not granted to reseller "+r.Login)
		}
	}
	oversell := alloc.Oversell == "true"
	// The reseller's other subscriptions (found once: a reseller's fleet
	// is synced one subscription at a time).
	var others []*Webspace
	if !oversell {
		owners := map[int]bool{vendor: true}
		for _, a := range s.state.Accounts {
			if !a.Reseller && a.OwnerID == vendor {
				owners[a.ID] = true
			}
		}
		for _, o := range s.state.Webspaces {
			if o == w || !owners[o.OwnerID] {
				continue
			}
			if o.MovedIn && w.MovedIn && o.Name > w.Name {
				// Both came with a move and are served in key order:
				// o, after w, has nothing served yet (its values are its
				// former owner's). Otherwise every subscription of the
				// reseller counts, however it arrived: one moved in
				// that stays custom is never synced, and holds what it
				// has.
				continue
			}
			others = append(others, o)
		}
	}
	for _, k := range sortedKeysOf(alloc.Limits) {
		if k == "max_dom" || k == "max_cl" || k == "expiration" {
			continue
		}
		limit, err := strconv.ParseInt(alloc.Limits[k], 10, 64)
		if err != nil || limit < 0 {
			continue
		}
		asked := int64(-1)
		if x, ok := want.Limits[k]; ok {
			asked, _ = strconv.ParseInt(x, 10, 64)
		}
		avail := limit
		if !oversell && k != "mbox_quota" {
			for _, o := range others {
				n := int64(-1)
				if x, ok := o.Values.Limits[k]; ok {
					n, _ = strconv.ParseInt(x, 10, 64)
				}
				if n < 0 {
					avail = 0
					break
				}
				avail -= n
			}
			if avail < 0 {
				avail = 0
			}
		}
		if asked >= 0 && asked <= avail {
			continue
		}
		// What does not fit: a new subscription gets what is left; one
		// that grows keeps what it had (never cut). A single value (with
		// oversell, or a mailbox's quota) gets the reseller's limit, or
		// what it had beyond it.
		give := avail
		if !w.MovedIn && !w.fresh {
			// A limit the subscription has no value for is unlimited
			// (its plans left it out).
			had := int64(-1)
			if x, ok := w.Values.Limits[k]; ok {
				had, _ = strconv.ParseInt(x, 10, 64)
			}
			if had == -1 && asked == -1 {
				continue // unlimited as it was: never cut
			}
			if (oversell || k == "mbox_quota") && had >= 0 && had <= limit {
				set(func(v *mapping.Values) *map[string]string { return &v.Limits }, k, strconv.FormatInt(limit, 10))
				problems = append(problems, fmt.Sprintf("limit %s %d does not fit reseller %s's allocation", k, asked, r.Login))
				continue
			}
			give = had
			if had == -1 || (asked >= 0 && asked < had) {
				give = asked
			}
			if give == asked {
				// It has what it asks already: the allocation no
				// longer holds it, but what was applied is never cut
				// and nothing more is asked for.
				continue
			}
		}
		set(func(v *mapping.Values) *map[string]string { return &v.Limits }, k, strconv.FormatInt(give, 10))
		problems = append(problems, fmt.Sprintf("limit %s %d does not fit reseller %s's allocation", k, asked, r.Login))
	}
	return out, strings.Join(problems, "; ")
}
