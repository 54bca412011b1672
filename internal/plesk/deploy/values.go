package deploy

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/state"
)

// props returns a recorded property set as plansync values, limited to
// what has a counterpart on the server and normalised the way the server
// gives it back (so that comparing with a read is exact). without lists
// paths to leave out (a subscriber's own settings).
func (r *run) props(v state.Values, without map[string]bool) model.Props {
	return props(v, without, r.srv.PHP)
}

// props is run.props for a server whose PHP handlers are t (nil: not
// read).
func props(v state.Values, without map[string]bool, t *mapping.PHPHandlers) model.Props {
	p, _ := plan.PropsFromValues(v)
	for path := range without {
		delete(p, path)
	}
	pv, _, err := mapping.FromPropsOn(p, t)
	if err != nil {
		return model.Props{}
	}
	out, _, err := mapping.ToPropsOn(pv, t)
	if err != nil {
		return model.Props{}
	}
	return out
}

// observed converts what the server reports to plansync values (what
// plansync does not model is dropped: it is never written, never reset);
// a php_handler_id is read by the server's table of PHP handlers. A value
// plansync has no counterpart for (web statistics "smarterstats") does
// not hide the others: they are compared, written and reset as refresh
// read and the plan showed them, and an enumerated setting's word is
// kept as the server has it, so that the config's value is written over
// it.
func (r *run) observed(v mapping.Values) model.Props {
	out, _, _ := mapping.ToPropsOn(v, r.srv.PHP)
	if out == nil {
		return model.Props{}
	}
	return out
}

// diff returns the values of want that the server does not have, the
// paths the server has that want leaves out and whose value is not the
// default, and the paths want leaves out that the server holds and
// cannot unset. A parameter left out is not set (SPEC 2.2): a resource
// left out is unlimited, a permission left out is not granted, an on/off
// setting left out is off, an enumeration left out is its "none" or "off"
// choice (model.Prop.Neutral); those are reset. A setting with no such
// value (the PHP version and handler, the DNS zone type, a php.ini
// setting, the overuse policy) cannot be taken back on the server: it is returned in unset,
// for apply to refuse. own lists the paths that are not plansync's to
// write (a subscriber's own settings): never reset. The PHP version and
// handler are one value on the server: when one differs both are written.
func diff(want, have model.Props, own map[string]bool) (model.Props, []string, []string) {
	out := model.Props{}
	for path, v := range want {
		hv, ok := have[path]
		if ok && hv == v || !ok && isDefault(path, v) {
			continue
		}
		out[path] = v
	}
	var reset, unset []string
	for path, hv := range have {
		if _, ok := want[path]; ok || own[path] || own[model.PHPOtherHalf(path)] {
			// An own PHP version (or handler) is one value on the
			// server with the handler (version) beside it: that half
			// is part of the subscriber's value, not a setting the
			// config leaves out.
			continue
		}
		p := model.Lookup(path)
		if p == nil {
			continue
		}
		switch p.Plesk.Group {
		case model.PleskUnmapped:
		case model.PleskOveruse:
			// A plan or subscription always holds an overuse policy
			// on the server, and none of them is "not set".
			unset = append(unset, path)
		case model.PleskLimit:
			if !hv.IsUnlimited() {
				reset = append(reset, path)
			}
		case model.PleskPermission:
			if hv.Truth() {
				reset = append(reset, path)
			}
		case model.PleskHosting, model.PleskMail, model.PleskPreference, model.PleskPHPSetting:
			if n, ok := p.Neutral(); !ok {
				unset = append(unset, path)
			} else if hv != n {
				reset = append(reset, path)
			}
		}
	}
	_, a := out["hosting.php_version"]
	_, b := out["hosting.php_handler"]
	if a || b {
		for _, path := range []string{"hosting.php_version", "hosting.php_handler"} {
			if v, ok := want[path]; ok {
				out[path] = v
			}
		}
	}
	sort.Strings(reset)
	model.SortPaths(unset)
	return out, reset, unset
}

// addonDiff is diff for an add-on plan, whose limits add to the
// plan's: one left out adds nothing, which an unlimited one does not. So
// every limit the config gives is written where the server has another
// value (unlimited too), and a limit the config leaves out that the
// server has other than 0 is written as 0 (addonNone); its permissions
// are as a plan's (left out: not granted, which OR-ing leaves alone), and
// so are its on/off settings (left out: off). What an add-on cannot carry
// (an enumerated setting, SPEC 1.2) is not plansync's there: never reset,
// never refused.
func addonDiff(want, have model.Props) (model.Props, []string, []string) {
	write, reset, unset := diff(want, have, nil)
	carried := func(path string) bool {
		q := model.Lookup(path)
		return q != nil && q.Where&model.InAddonPlan != 0
	}
	reset = slices.DeleteFunc(reset, func(path string) bool { return !carried(path) })
	unset = slices.DeleteFunc(unset, func(path string) bool { return !carried(path) })
	for path, v := range want {
		if q := model.Lookup(path); q != nil && q.Plesk.Group == model.PleskLimit {
			if hv, ok := have[path]; !ok || hv != v {
				write[path] = v
			}
		}
	}
	reset = slices.DeleteFunc(reset, func(path string) bool {
		q := model.Lookup(path)
		return q != nil && q.Plesk.Group == model.PleskLimit
	})
	for path, hv := range have {
		if _, ok := want[path]; ok {
			continue
		}
		if q := model.Lookup(path); q != nil && q.Plesk.Group == model.PleskLimit && (hv.K == model.KindSize || hv.K == model.KindCount) && hv.N != 0 {
			write[path] = model.Value{K: hv.K, N: addonNone}
		}
	}
	return write, reset, unset
}

// addonNone is the value of an add-on's limit that adds nothing.
const addonNone = 0

// values is the package's values with the server's php_handler_id for
// the PHP version and handler. A version and handler the server has no
// PHP handler for (it has the components, SPEC §1.5, but php-handler get
// lists no enabled handler of that type for that version) is noted for
// what: apply refuses it before any write (build).
func (r *run) values(what string, write model.Props, reset []string) mapping.Values {
	if ver, h, missing := mapping.MissingPHPHandler(write, r.srv.PHP); missing && r.installed(write) {
		avail := "none"
		if a := r.srv.PHP.Available(ver); len(a) > 0 {
			avail = strings.Join(a, ", ")
		}
		r.mu.Lock()
		r.noHandler = append(r.noHandler, fmt.Sprintf("%s: PHP %s with handler %s (the server's PHP %s handlers: %s)", what, ver, h, ver, avail))
		r.mu.Unlock()
	}
	return values(write, reset, r.srv.PHP)
}

// installed reports whether the server's read lists the components the
// PHP version and handler of write need (SPEC §1.5): one it lacks is the
// plan's conflict, and a plan's value is written as it is (its
// subscriptions stay unsynced), as without a table of PHP handlers.
func (r *run) installed(write model.Props) bool {
	if len(r.srv.Components) == 0 {
		return false
	}
	for _, path := range []string{"hosting.php_version", "hosting.php_handler"} {
		p := model.Lookup(path)
		if p == nil || p.Component == nil {
			continue
		}
		if c := p.Component(write[path]); c != "" && !slices.Contains(r.srv.Components, c) {
			return false
		}
	}
	return true
}

// values converts the values to write (and the paths to reset to their
// default: unlimited, not granted, the neutral value) to Plesk's blocks;
// t is the server's table of PHP handlers (nil: not read).
func values(write model.Props, reset []string, t *mapping.PHPHandlers) mapping.Values {
	var neutral model.Props
	for _, path := range reset {
		p := model.Lookup(path)
		if g := p.Plesk.Group; g == model.PleskLimit || g == model.PleskPermission {
			continue
		}
		if n, ok := p.Neutral(); ok {
			if neutral == nil {
				neutral = write.Clone()
			}
			neutral[path] = n
		}
	}
	if neutral != nil {
		write = neutral
	}
	v, _, err := mapping.FromPropsOn(write, t)
	if err != nil {
		return mapping.Values{}
	}
	for _, path := range reset {
		p := model.Lookup(path)
		for _, name := range append([]string{p.Plesk.Name}, p.Plesk.Also...) {
			switch p.Plesk.Group {
			case model.PleskLimit:
				setv(&v.Limits, name, "-1")
			case model.PleskPermission:
				setv(&v.Permissions, name, "false")
			}
		}
	}
	return v
}

func setv(m *map[string]string, k, v string) {
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[k] = v
}

// only keeps the given paths of p (the PHP version and handler go
// together: Plesk takes them as one value).
func only(p model.Props, paths []string) model.Props {
	out := model.Props{}
	for _, path := range paths {
		if v, ok := p[path]; ok {
			out[path] = v
		}
		if path == "hosting.php_version" || path == "hosting.php_handler" {
			for _, pair := range []string{"hosting.php_version", "hosting.php_handler"} {
				if v, ok := p[pair]; ok {
					out[pair] = v
				}
			}
		}
	}
	return out
}

// empty reports whether a Values holds nothing to write.
func empty(v mapping.Values) bool {
	return v.Overuse == "" && v.Oversell == "" && len(v.Limits) == 0 && len(v.Permissions) == 0 &&
		len(v.Hosting) == 0 && len(v.PHP) == 0 && len(v.Mail) == 0 && len(v.Prefs) == 0
}

// isDefault reports whether a value is what the server assumes when it
// holds none: unlimited for a resource, not granted for a permission.
func isDefault(path string, v model.Value) bool {
	p := model.Lookup(path)
	if p == nil {
		return false
	}
	switch p.Plesk.Group {
	case model.PleskLimit:
		return v.IsUnlimited()
	case model.PleskPermission:
		return !v.Truth()
	}
	return false
}

// subscriptionProps drops what a subscription has no element for on the
// server (preferences such as the DNS zone type come from the plan).
func subscriptionProps(p model.Props) model.Props {
	for path := range p {
		if q := model.Lookup(path); q != nil && q.Plesk.Group == model.PleskPreference {
			delete(p, path)
		}
	}
	return p
}

// lockingWrite is the smallest write that locks a subscription without
// changing it: the first of its limits (not its expiration date, which
// is its own and does not lock), else its first permission, as it has
// them.
func lockingWrite(want model.Props) model.Props {
	for _, group := range []model.PleskGroup{model.PleskLimit, model.PleskPermission} {
		for _, path := range want.Paths() {
			if p := model.Lookup(path); p != nil && p.Plesk.Group == group && p.Plesk.Name != "" && path != "resources.expiration" {
				return model.Props{path: want[path]}
			}
		}
	}
	return nil
}
