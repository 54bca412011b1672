package config

import (
	"maps"
	"strconv"
	"strings"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// restRounds bounds how many times the objects that use an object left
// out are left out in turn (a reseller plan, its reseller, the
// reseller's customers, their subscriptions, their settings...).
const restRounds = 8

// withoutErrors gives what of cfg can still be checked beyond the
// cross-object checks when some objects have errors (ds): cfg without
// those objects and, round after round, without what uses them, once
// what is left passes the cross-object checks. Nil when an error is
// not about an object that can be left out (the server, a file, an
// object not in the config) or what is left does not settle: then
// nothing more is checked. cfg's maps are not changed.
func withoutErrors(cfg *model.Config, ds diag.Diagnostics) *model.Config {
	rest := *cfg
	rest.Services = maps.Clone(cfg.Services)
	rest.ServicePlans = maps.Clone(cfg.ServicePlans)
	rest.AddonPlans = maps.Clone(cfg.AddonPlans)
	rest.ResellerPlans = maps.Clone(cfg.ResellerPlans)
	rest.Resellers = maps.Clone(cfg.Resellers)
	rest.Customers = maps.Clone(cfg.Customers)
	rest.Subscriptions = maps.Clone(cfg.Subscriptions)
	rest.SubscriberSettings = maps.Clone(cfg.SubscriberSettings)
	left := map[string]bool{}
	// An undeclared service's error is its first user's, and names
	// every plan and reseller using it: they are left out together.
	for _, us := range undeclaredServiceUses(&rest) {
		for _, u := range us {
			if !left[u.obj] && leaveOut(&rest, u.obj) {
				left[u.obj] = true
			}
		}
	}
	for range restRounds {
		for _, d := range ds {
			if d.Severity != diag.Error || left[d.Object] {
				continue
			}
			if !leaveOut(&rest, d.Object) {
				return nil
			}
			left[d.Object] = true
		}
		if ds = Validate(&rest); !ds.HasErrors() {
			return &rest
		}
	}
	return nil
}

// undeclaredServiceUses gives, by service name, the plans and resellers
// of cfg listing a service cfg neither declares nor retired (an
// extension removed: a conflict, planned), each with the place of its
// use: what Validate's undeclared-service errors name
// (validator.services).
func undeclaredServiceUses(cfg *model.Config) map[string][]valUse {
	uses := map[string][]valUse{}
	note := func(list []string, src *model.Src, obj string) {
		for i, name := range list {
			_, declared := cfg.Services[name]
			_, retired := cfg.Retired[name]
			if !declared && !retired {
				uses[name] = append(uses[name], valUse{obj: obj, at: src.At("services[" + strconv.Itoa(i) + "]")})
			}
		}
	}
	for _, plans := range []map[string]*model.Plan{cfg.ServicePlans, cfg.AddonPlans, cfg.ResellerPlans} {
		for _, p := range plans {
			note(p.Services, &p.Src, string(p.Kind)+" "+p.Key())
		}
	}
	for _, r := range cfg.Resellers {
		note(r.Services, &r.Src, "reseller "+r.Login)
	}
	return uses
}

// leaveOut takes the object a diagnostic names ("KIND KEY") out of cfg,
// reporting whether it was there.
func leaveOut(cfg *model.Config, object string) bool { return findObject(cfg, object, true) }

// hasObject reports whether the object a diagnostic names is in cfg.
func hasObject(cfg *model.Config, object string) bool { return findObject(cfg, object, false) }

// findObject reports whether the object a diagnostic names ("KIND KEY")
// is in cfg, and takes it out when remove is set.
func findObject(cfg *model.Config, object string, remove bool) bool {
	kind, key, ok := strings.Cut(object, " ")
	if !ok || key == "" {
		return false
	}
	switch kind {
	case "service":
		return findIn(cfg.Services, key, remove)
	case string(model.ServicePlanKind):
		return findIn(cfg.ServicePlans, key, remove)
	case string(model.AddonPlanKind):
		return findIn(cfg.AddonPlans, key, remove)
	case string(model.ResellerPlanKind):
		return findIn(cfg.ResellerPlans, key, remove)
	case "reseller":
		return findIn(cfg.Resellers, key, remove)
	case "customer":
		return findIn(cfg.Customers, key, remove)
	case "subscription":
		return findIn(cfg.Subscriptions, key, remove)
	case "subscriber_settings":
		return findIn(cfg.SubscriberSettings, key, remove)
	}
	return false
}

func findIn[V any](m map[string]V, key string, remove bool) bool {
	_, ok := m[key]
	if ok && remove {
		delete(m, key)
	}
	return ok
}

// checkRest runs opts.CheckRest on what of cfg can still be checked
// (withoutErrors) and gives the errors it finds in it.
func checkRest(cfg *model.Config, ds diag.Diagnostics, opts Options) diag.Diagnostics {
	rest := withoutErrors(cfg, ds)
	if rest == nil {
		return nil
	}
	var out diag.Diagnostics
	for _, d := range opts.CheckRest(rest) {
		if d.Severity == diag.Error && hasObject(rest, d.Object) {
			out = append(out, d)
		}
	}
	return out
}
