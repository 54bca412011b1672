package plan

// Base ⊕ add-ons: the effective values a subscription starts from (SPEC
// §1.2, §1.3, §2.2). A plan's defaults are every limit unlimited and every
// permission not granted; the service plan's values go over them, then each
// add-on in the order listed: limits add (unlimited absorbs), booleans OR,
// services unite; enumerated settings and the overuse policy come from the
// service plan only. A custom subscription (plan none) starts from the
// server's default plan when new (from nothing when it is what a server
// already has: Input.Existing), keeps every value it had when detached
// from its plan, and keeps its recorded base once custom. A locked
// subscription may keep a frozen base instead (lock.go).

import (
	"slices"
	"strings"
	"sync"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// defaultProps are the values a service plan leaves out: every limit
// unlimited, every permission not granted. Each call returns a new map
// (callers modify it), sized for a plan's values on top.
func defaultProps() model.Props {
	d := serviceDefaults()
	p := make(model.Props, len(d)+16)
	for k, v := range d {
		p[k] = v
	}
	return p
}

// DefaultProps is a copy of the values a subscription's base starts
// from, before its service plan and add-ons: what a plan leaves out.
func DefaultProps() model.Props { return defaultProps() }

// serviceDefaults is planDefaults(model.InServicePlan, true), made once
// (read only).
var serviceDefaults = sync.OnceValue(func() model.Props { return planDefaults(model.InServicePlan, true) })

// planDefaults are the values a plan of a kind (where) leaves out: every
// size and count unlimited, and every duration with durations, every
// permission not granted.
func planDefaults(where model.Where, durations bool) model.Props {
	p := model.Props{}
	for _, c := range model.Catalog() {
		if c.Where&where == 0 {
			continue
		}
		switch {
		case c.Kind == model.KindSize || c.Kind == model.KindCount:
			p[c.Path] = model.Value{K: c.Kind, N: model.Unlimited}
		case c.Kind == model.KindDuration && durations:
			p[c.Path] = model.Value{K: c.Kind, N: model.Unlimited, S: "unlimited"}
		case strings.HasPrefix(c.Path, "permissions."):
			p[c.Path] = model.Bool(false)
		}
	}
	return p
}

// builtinDefaultPlan is the conservative plan custom subscriptions start
// from when the server names no default plan.
func builtinDefaultPlan() model.Props {
	p := defaultProps()
	gib := int64(1 << 30)
	p["resources.disk_space"] = model.Size(gib)
	p["resources.traffic"] = model.Size(10 * gib)
	p["resources.websites"] = model.Count(1)
	p["resources.subdomains"] = model.Count(5)
	p["resources.domain_aliases"] = model.Count(5)
	p["resources.mailboxes"] = model.Count(10)
	p["resources.mailbox_quota"] = model.Size(gib)
	p["resources.mailing_lists"] = model.Count(0)
	p["resources.databases"] = model.Count(1)
	p["resources.ftp_accounts"] = model.Count(1)
	p["resources.web_users"] = model.Count(0)
	p["resources.overuse"] = model.Enum("block")
	p["permissions.manage_hosting"] = model.Bool(true)
	p["hosting.ssl"] = model.Bool(true)
	return p
}

// Defaults are the values a service plan leaves out: every limit
// unlimited, every permission not granted. A server that does not report
// a value of a plan or subscription has it so.
func Defaults() model.Props { return defaultProps() }

// BuiltinDefault is the plan a new custom subscription starts from when
// the config's server names no default_plan.
func BuiltinDefault() model.Props { return builtinDefaultPlan() }

// planBase returns service plan ⊕ add-ons for an owner, cached. like is
// the id of the set it most likely equals (the base a subscription on
// these plans recorded; "" for none): the first caller's is passed on
// (internLike gives the same set whatever it is). Distinct bases are
// made in parallel: only the table of them is locked.
func (e *engine) planBase(owner, plan string, addons []string, like string) *pset {
	key := model.PlanKey(owner, plan) + "\x00" + strings.Join(addons, "\x00")
	return e.base(key, func() *pset {
		props := defaultProps()
		var services []string
		if p := e.cfg.ServicePlans[model.PlanKey(owner, plan)]; p != nil {
			props.Overlay(p.Props)
			services = sortedCopy(p.Services)
		}
		for _, a := range addons {
			if ap := e.cfg.AddonPlans[model.PlanKey(owner, a)]; ap != nil {
				props.AddAddon(ap.Props)
				services = model.Union(services, ap.Services)
			}
		}
		return e.sets.internLike(props, services, like)
	})
}

// baseEntry is a base being made or made (engine.base).
type baseEntry struct {
	once sync.Once
	set  *pset
}

// base returns the base under key, made by build the first time.
func (e *engine) base(key string, build func() *pset) *pset {
	e.mu.Lock()
	b := e.bases[key]
	if b == nil {
		b = &baseEntry{}
		e.bases[key] = b
	}
	e.mu.Unlock()
	b.once.Do(func() { b.set = build() })
	return b.set
}

func (e *engine) defaultBase() *pset {
	if s := e.cfg.Server; s != nil && s.DefaultPlan != "" {
		return e.planBase(model.Admin, s.DefaultPlan, nil, "")
	}
	return e.fixedBase("\x00builtin", builtinDefaultPlan)
}

// nothing is what a plan leaves out (defaultProps): the base of a custom
// subscription a server already has (Input.Existing).
func (e *engine) nothing() *pset { return e.fixedBase("\x00nothing", defaultProps) }

// fixedBase is a base that depends on no plan, made once per run.
func (e *engine) fixedBase(key string, props func() model.Props) *pset {
	return e.base(key, func() *pset { return e.sets.intern(props(), nil) })
}

// plansUsed is usedPlans, made once per owner, plan and add-ons and
// shared by the subscriptions on them (they only read it).
func (e *engine) plansUsed(owner string, cfg *model.Subscription) []string {
	if cfg.Plan == model.None {
		return nil
	}
	var buf [256]byte
	key := append(append(append(buf[:0], owner...), 0), cfg.Plan...)
	for _, a := range cfg.Addons {
		key = append(append(key, 0), a...)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if uses, ok := e.uses[string(key)]; ok {
		return uses
	}
	uses := usedPlans(owner, cfg)
	e.uses[string(key)] = uses
	return uses
}

// usedPlans are the addresses of the plans a subscription is based on:
// its service plan and its add-ons, of its owner.
func usedPlans(owner string, cfg *model.Subscription) []string {
	if cfg.Plan == model.None {
		return nil
	}
	uses := []string{"service_plan " + model.PlanKey(owner, cfg.Plan)}
	for _, a := range cfg.Addons {
		uses = append(uses, "addon_plan "+model.PlanKey(owner, a))
	}
	return uses
}

// chooseBase sets the base a subscription's effective values start from.
func (e *engine) chooseBase(s *sub) {
	cfg, p := s.cfg, s.prior
	switch {
	case cfg.Plan == model.None && p == nil && e.in.Existing:
		// What a server has: its values over nothing (Input.Existing).
		s.base = e.nothing()
	case cfg.Plan == model.None && p == nil:
		s.base = e.defaultBase()
	case cfg.Plan == model.None && p.Plan == model.None:
		s.base = e.sets.recorded(p.Base)
	case cfg.Plan == model.None:
		// Detached from its plan: it keeps every value it has.
		s.base = e.detachedBase(p)
	case e.keepsFrozenBase(s):
		s.base = e.sets.recorded(p.Base)
		s.frozen = true
	default:
		var like string
		if p != nil {
			like = p.Base
		}
		s.base = e.planBase(s.owner, cfg.Plan, cfg.Addons, like)
	}
	if cfg.Customize != nil {
		var was string
		if p != nil {
			was = p.Customize
		}
		s.customize = e.sets.internLike(cfg.Customize, nil, was)
	}
	s.services = s.base.services
}

// detachedBase is the base of a subscription detached from its plan now
// (plan none): every value it has when apply detaches it. Apply writes the
// plans first (SPEC §6.5), so a change of the plans it was synced with
// reaches it before: it keeps their new values. So does an unsynced one,
// which plan changes reach as they reach a synced one (its conflicts
// resolved as then: what the server cannot provide it does not get). A
// locked one, which plan changes skip, keeps its recorded values.
func (e *engine) detachedBase(p *state.Subscription) *pset {
	if p.SyncStatus != Synced && p.SyncStatus != Unsynced {
		return e.sets.recorded(p.Effective)
	}
	was := &model.Subscription{Plan: p.Plan, Addons: p.Addons}
	changed := false
	for _, addr := range e.plansUsed(p.Owner, was) {
		changed = changed || e.planChanged[addr] != nil
	}
	if !changed || e.cfg.ServicePlans[model.PlanKey(p.Owner, p.Plan)] == nil {
		return e.sets.recorded(p.Effective)
	}
	for _, a := range p.Addons {
		if e.cfg.AddonPlans[model.PlanKey(p.Owner, a)] == nil {
			return e.sets.recorded(p.Effective)
		}
	}
	b := e.planBase(p.Owner, p.Plan, p.Addons, p.Base)
	missing := e.missingComponents(b.props, "")
	// A service whose extension the server lacks (or the config
	// removed) it never had: the server's copy of the plan goes without
	// it (checkRetired).
	services := slices.DeleteFunc(slices.Clone(b.services), func(name string) bool {
		_, retired := e.cfg.Retired[name]
		_, lacks := e.cfg.Lacking[name]
		return retired || lacks
	})
	if len(missing) == 0 && len(services) == len(b.services) {
		return b
	}
	// What the server cannot provide it got as the available value, as
	// a synced subscription does (conflicts.go): it keeps that.
	props := b.props
	if len(missing) > 0 {
		props = props.Clone()
	}
	for _, c := range missing {
		if c.ok {
			props[c.path] = c.avail
		} else {
			delete(props, c.path)
		}
	}
	return e.sets.intern(props, services)
}
