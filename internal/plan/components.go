package plan

// Components: what the server cannot provide (SPEC §1.5, §2.4, §2.5).
// Each hosting and mail value that needs a server component (the property
// catalogue, model.Catalog, says which) is available only if the server
// lists that component; otherwise the subscription gets the best value the
// server can provide instead, with a conflict: for a PHP version the
// highest installed version below the one asked (else the highest
// installed), for an enumerated setting the first value of the
// catalogue's list whose component is installed (else one that needs no
// component, such as none or off), for an on/off feature off. A service
// from an extension the server no longer has is a conflict too
// (RecordedExtensionServices). With a Plesk server, the components it
// reports decide, not the config's list (ServerComponents).

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// componentConflict is a value whose server component is missing.
type componentConflict struct {
	path, comp string
	plan       model.Value
	avail      model.Value
	ok         bool
}

// missingComponents lists the values of a set whose component is not
// installed, memoised per shared set (a plan's synced subscriptions share
// one set, so it is checked once).
func (e *engine) missingComponents(props model.Props, memoID string) []componentConflict {
	if memoID != "" {
		e.mu.Lock()
		cs, ok := e.compMemo[memoID]
		e.mu.Unlock()
		if ok {
			return cs
		}
	}
	srv := e.cfg.Server
	var out []componentConflict
	for path, v := range props {
		p := model.Lookup(path)
		if p == nil || p.Component == nil {
			continue
		}
		comp := p.Component(v)
		if comp == "" || srv.HasComponent(comp) {
			continue
		}
		avail, ok := e.fallback(path, v)
		out = append(out, componentConflict{path: path, comp: comp, plan: v, avail: avail, ok: ok})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	if memoID != "" {
		e.mu.Lock()
		e.compMemo[memoID] = out
		e.mu.Unlock()
	}
	return out
}

// checkComponents turns values whose server component is missing into
// conflicts with the best available value.
func (e *engine) checkComponents(s *sub) {
	if s.settings != nil {
		e.dropUnavailableSettings(s)
	}
	memo := ""
	if s.eff == nil {
		memo = s.effSet.id
	}
	cs := e.missingComponents(s.props(), memo)
	e.componentConflicts(s, cs)
	if memo != "" && len(cs) > 0 {
		// Share the adjusted set among the plan's subscriptions too.
		e.mu.Lock()
		adj, ok := e.adjMemo[memo]
		if !ok {
			adj = e.sets.intern(s.eff, s.services)
			e.adjMemo[memo] = adj
		}
		e.mu.Unlock()
		s.eff, s.effSet = nil, adj
	}
}

// componentConflicts makes s's conflicts of the values cs whose server
// component is missing.
func (e *engine) componentConflicts(s *sub, cs []componentConflict) {
	for _, c := range cs {
		fix := "install component " + c.comp + " (add it to server.components)"
		if e.in.ComponentsRead {
			fix = "install component " + c.comp + " on the server"
		}
		e.conflict(s, c.path, c.plan, c.avail, c.ok, "component "+c.comp+" not installed", fix)
	}
}

// fallback returns the value the server can provide instead of v, which
// needs a component the server lacks (model.Server.Fallback); false when
// there is none.
func (e *engine) fallback(path string, v model.Value) (model.Value, bool) {
	return e.cfg.Server.Fallback(path, v)
}

// checkRetired turns services whose extension was removed, or (on one
// server of several) is not installed, into conflicts: the plan still
// lists them, the server cannot provide them.
func (e *engine) checkRetired(s *sub) {
	if len(e.cfg.Retired) == 0 && len(e.cfg.Lacking) == 0 {
		return
	}
	var kept []string
	for _, name := range s.services {
		reason, fix := "", ""
		if ext, gone := e.cfg.Retired[name]; gone {
			reason, fix = "extension "+ext+" removed", "install extension "+ext+" (add it to server.extensions)"
		} else if lack, lacks := e.cfg.Lacking[name]; lacks {
			ext, on, where := lack.Extension, "", e.serverWord()
			if where != "the server" {
				on = " on " + where
			}
			reason, fix = "extension "+ext+" not installed"+on, "install extension "+ext+" on "+where
			if !lack.Declared {
				fix += " (add it to the extensions of server " + where + ")"
			}
		} else {
			kept = append(kept, name)
			continue
		}
		s.conflicts = append(s.conflicts, Conflict{Subscription: s.cfg.Domain, Property: "services." + name,
			PlanValue: Val{Set: true, JSON: true, Text: "true"}, AvailableValue: Val{Set: true, JSON: false, Text: "false"},
			Reason: "service " + name + " unavailable: " + reason, Fix: fix})
	}
	if len(kept) != len(s.services) {
		s.own()
		s.services = kept
	}
}

// checkDeleted drops the services that no longer exist from a
// subscription that still carries them: a locked subscription's frozen
// values, or a custom one's kept values, may list a service the config
// has since deleted (a plan that still lists one is an error, SPEC §1.6).
// No subscription gets a service that does not exist; the plan says so.
// A service of a removed extension is a conflict instead (checkRetired).
// What a server reports (Input.Existing) is taken as it is.
func (e *engine) checkDeleted(s *sub) {
	if e.in.Scope != nil || e.in.Existing || len(s.services) == 0 {
		return
	}
	all := e.allServices()
	var kept, gone []string
	for _, name := range s.services {
		_, retired := e.cfg.Retired[name]
		_, lacks := e.cfg.Lacking[name]
		if all[name] != nil || retired || lacks {
			kept = append(kept, name)
			continue
		}
		gone = append(gone, name)
	}
	if len(gone) == 0 {
		return
	}
	s.own()
	s.services = kept
	var had []string
	if s.prior != nil {
		if set := e.sets.recorded(s.prior.Effective); set != nil {
			had = set.services
		}
	}
	for _, name := range gone {
		if slices.Contains(had, name) {
			s.gone = append(s.gone, "service "+name+" deleted: the subscription no longer gets it")
		}
	}
}

// serverWord names the server planned for people: its name in a list of
// several, "the server" for the single one.
func (e *engine) serverWord() string {
	if e.cfg.Server != nil && e.cfg.Server.Name != "" {
		return e.cfg.Server.Name
	}
	return "the server"
}

// RecordedExtensionServices lists the services extensions provided in a
// recorded state (service → extension): what the loader needs so that a
// plan still listing a service of a removed extension is planned as a
// conflict (checkRetired) rather than refused (config.Options).
func RecordedExtensionServices(prior *state.Snapshot) map[string]string {
	if prior == nil {
		return nil
	}
	out := map[string]string{}
	for _, s := range prior.Services {
		if s.Extension != "" {
			out[s.Name] = s.Extension
		}
	}
	return out
}

// ServerExtensions is cfg planned with the extensions a Plesk server
// reported installed, installed (SPEC §6.1): a declared extension the
// server has not installed provides nothing there, and its services are
// Lacking (a plan that lists one gets a conflict). missing and extra are
// the declared extensions the server lacks and, when the config declares
// some, the installed ones it does not declare, sorted; the caller warns
// of them. cfg itself is not changed.
func ServerExtensions(cfg *model.Config, installed []string) (out *model.Config, missing, extra []string) {
	if cfg == nil || cfg.Server == nil || len(cfg.Server.Extensions) == 0 {
		return cfg, nil, nil
	}
	declared := make([]string, len(cfg.Server.Extensions))
	for i, x := range cfg.Server.Extensions {
		declared[i] = x.Name
	}
	missing, extra = listDiff(declared, installed)
	if len(missing) == 0 {
		return cfg, nil, extra
	}
	c, s := *cfg, *cfg.Server
	s.Extensions = nil
	c.Services = maps.Clone(cfg.Services)
	c.Lacking = maps.Clone(cfg.Lacking)
	if c.Lacking == nil {
		c.Lacking = map[string]model.Lack{}
	}
	for _, x := range cfg.Server.Extensions {
		if !slices.Contains(missing, x.Name) {
			s.Extensions = append(s.Extensions, x)
			continue
		}
		for _, svc := range x.Services {
			delete(c.Services, svc.Name)
			c.Lacking[svc.Name] = model.Lack{Extension: x.Name, Declared: true}
		}
	}
	c.Server = &s
	return &c, missing, extra
}

// ServerComponents is cfg planned with the components a Plesk server
// reported, have (SPEC §6.1: with a server, its components are read from
// it): what it can provide decides the conflicts, not what the config
// declares. missing and extra are what a config that declares
// components declares that the server lacks and what the server has that
// it does not declare, sorted; the caller warns of them. A config that
// declares none is planned with the server's without a warning: they are
// read from it. A config without a server block (connected through the
// environment alone) gets a server with them, which the engine records
// without planning a change for it (Input.UnrecordedServer), so that a
// plan from the recorded state alone has them too. cfg itself is not changed
// (it may be a watch's cached decode). A server that reported none
// leaves cfg as it is.
func ServerComponents(cfg *model.Config, have []string) (out *model.Config, missing, extra []string) {
	if cfg == nil || len(have) == 0 {
		return cfg, nil, nil
	}
	var s model.Server
	if cfg.Server != nil {
		s = *cfg.Server
		if len(s.Components) > 0 {
			missing, extra = listDiff(s.Components, have)
		}
	}
	c := *cfg
	s.Components = slices.Clone(have)
	c.Server = &s
	return &c, missing, extra
}

// listDiff returns what is in a but not in b, and what is in b but not
// in a, sorted.
func listDiff(a, b []string) (onlyA, onlyB []string) {
	inA, inB := map[string]bool{}, map[string]bool{}
	for _, x := range a {
		inA[x] = true
	}
	for _, x := range b {
		inB[x] = true
	}
	for x := range inA {
		if !inB[x] {
			onlyA = append(onlyA, x)
		}
	}
	for x := range inB {
		if !inA[x] {
			onlyB = append(onlyB, x)
		}
	}
	slices.Sort(onlyA)
	slices.Sort(onlyB)
	return onlyA, onlyB
}

// ServicesOnly reports whether an unsynced subscription's conflicts are
// all ones Plesk cannot see, so that it reports such a subscription
// synchronized: services its server cannot provide for want of an
// extension (removed, or not installed), since Plesk's copy of the plan
// never holds a service it does not have; and settings Plesk's plans and
// subscriptions have no element for (mail.spamfilter, mail.antivirus),
// which it is never sent; and a PHP version or handler alone, without
// the other half in the values its plans give, eff (Plesk takes both as
// one php_handler_id: one half alone is never sent; a subscriber's own
// value of the other half is no plan's, which Plesk's sync compares).
// Other conflicts on services (one a reseller may not offer) are Plesk's
// to see. eff nil: the PHP halves count as seen. PlansValues gives eff.
func ServicesOnly(s *state.Subscription, eff state.Values) bool {
	if s.SyncStatus != Unsynced || len(s.Conflicts) == 0 {
		return false
	}
	for _, c := range s.Conflicts {
		if strings.HasPrefix(c.Property, "services.") && strings.Contains(c.Reason, " unavailable: extension ") {
			continue
		}
		if p := model.Lookup(c.Property); p != nil && p.Plesk.Name == "" && p.Plesk.Why != "" {
			continue
		}
		if other := model.PHPOtherHalf(c.Property); other != "" && eff != nil {
			if _, has := eff[other]; !has {
				continue
			}
		}
		return false
	}
	return true
}

// PlansValues are the values a recorded subscription's plans give it
// (service plan ⊕ add-ons: its base) as ServicesOnly takes them, from
// the property sets of its snapshot; without a recorded base, its
// effective values less the subscriber's own.
func PlansValues(s *state.Subscription, sets map[string]state.Values) state.Values {
	if s.Base != "" {
		return sets[s.Base]
	}
	eff, own := sets[s.Effective], sets[s.Settings]
	if eff == nil || len(own) == 0 {
		return eff
	}
	out := make(state.Values, len(eff))
	for k, v := range eff {
		if _, mine := own[k]; !mine {
			out[k] = v
		}
	}
	return out
}
