package plan

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// planServer plans the server description.
func (e *engine) planServer() {
	if e.in.Scope != nil {
		return
	}
	var rec *state.Server
	if s := e.cfg.Server; s != nil {
		rec = &state.Server{Components: sortedCopy(s.Components), DefaultPlan: s.DefaultPlan, Extensions: RecordedExtensions(s)}
	}
	e.result.Server = rec
	before := e.prior.Server
	if before == nil && rec == nil || e.in.UnrecordedServer {
		// What a Plesk server reported for a config without a server
		// block is recorded, not planned.
		return
	}
	c := &Change{Kind: "server", Key: "server"}
	switch {
	case before == nil:
		c.Action, c.Reasons = Create, []string{"new in config"}
	case rec == nil:
		c.Action, c.Reasons = Delete, []string{"removed from config"}
	default:
		c.Action, c.Reasons = Update, []string{"changed in config"}
	}
	b, a := before, rec
	if b == nil {
		b = &state.Server{}
	}
	if a == nil {
		a = &state.Server{}
	}
	var fs fields
	fs.add(listField("components", b.Components, a.Components))
	fs.add(listField("extensions", ExtensionNames(b.Extensions), ExtensionNames(a.Extensions)))
	fs.add(strField("default_plan", b.DefaultPlan, a.DefaultPlan))
	if len(fs) == 0 && c.Action == Update {
		return
	}
	c.Fields = fs
	e.add(c)
}

// RecordedExtensions is how a server's extensions are recorded: by name,
// each with its services' names, sorted.
func RecordedExtensions(s *model.Server) []state.Extension {
	var out []state.Extension
	for _, x := range s.Extensions {
		ext := state.Extension{Name: x.Name}
		for _, svc := range x.Services {
			ext.Services = append(ext.Services, svc.Name)
		}
		sort.Strings(ext.Services)
		out = append(out, ext)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ExtensionNames are the names of recorded extensions.
func ExtensionNames(xs []state.Extension) []string {
	var out []string
	for _, x := range xs {
		out = append(out, x.Name)
	}
	return out
}

func sortedCopy(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return out
}

// allServices returns every service of the desired state: declared ones
// and those extensions provide.
func (e *engine) allServices() map[string]*model.Service {
	if e.services != nil {
		return e.services
	}
	out := make(map[string]*model.Service, len(e.cfg.Services))
	for k, v := range e.cfg.Services {
		out[k] = v
	}
	if e.cfg.Server != nil {
		for _, x := range e.cfg.Server.Extensions {
			for _, s := range x.Services {
				cp := *s
				cp.Extension = x.Name
				out[s.Name] = &cp
			}
		}
	}
	e.services = out
	return out
}

func (e *engine) planServices() {
	if e.in.Scope != nil {
		return
	}
	desired := e.allServices()
	prior := map[string]*state.Service{}
	for i := range e.prior.Services {
		prior[e.prior.Services[i].Name] = &e.prior.Services[i]
	}
	for _, name := range slices.Sorted(maps.Keys(desired)) {
		s := desired[name]
		rec := state.Service{Name: s.Name, Description: s.Description, Send: s.Send,
			AvailableToResellers: s.AvailableToResellers, Extension: s.Extension}
		if s.Button != nil {
			rec.Button = &state.Button{URL: s.Button.URL, BackgroundImage: s.Button.BackgroundImage, OpenInPanel: s.Button.OpenInPanel}
		}
		e.result.Services = append(e.result.Services, rec)
		b := prior[name]
		c := &Change{Kind: "service", Key: name}
		if b == nil {
			c.Action, c.Reasons = Create, []string{"new in config"}
			b = &state.Service{}
		} else {
			c.Action, c.Reasons = Update, []string{"changed in config"}
		}
		var fs fields
		fs.add(longField("description", b.Description, rec.Description))
		bb, ab := b.Button, rec.Button
		if bb == nil {
			bb = &state.Button{}
		}
		if ab == nil {
			ab = &state.Button{}
		}
		fs.add(strField("button.url", bb.URL, ab.URL))
		fs.add(strField("button.background_image", bb.BackgroundImage, ab.BackgroundImage))
		if b.Button != nil || rec.Button != nil {
			// Where a button opens is shown only for a service that has
			// or had one.
			fs.add(boolField("button.open_in_panel", bb.OpenInPanel, ab.OpenInPanel, b.Button != nil))
		}
		fs.add(listField("send", b.Send, rec.Send))
		fs.add(boolField("available_to_resellers", b.AvailableToResellers, rec.AvailableToResellers, c.Action == Update))
		fs.add(strField("extension", b.Extension, rec.Extension))
		if len(fs) == 0 && c.Action == Update {
			continue
		}
		c.Fields = fs
		e.add(c)
	}
	kept := false
	for _, s := range e.prior.Services {
		if desired[s.Name] == nil && e.retiredInUse(s.Name) {
			// Its extension is gone but plans still list it: it stays
			// recorded, so that they keep their conflict (checkRetired)
			// until the extension is back or no plan lists it, rather
			// than the next plan refusing a service it no longer knows.
			e.result.Services = append(e.result.Services, s)
			kept = true
			continue
		}
		if desired[s.Name] == nil {
			reason := "removed from config"
			if lack, lacks := e.cfg.Lacking[s.Name]; lacks && lack.Declared {
				// Still declared: the server has not installed its
				// extension (ServerExtensions).
				reason = "extension " + lack.Extension + " not installed on " + e.serverWord()
			}
			e.add(&Change{Kind: "service", Key: s.Name, Action: Delete, Reasons: []string{reason}})
		}
	}
	if kept {
		sort.SliceStable(e.result.Services, func(i, j int) bool { return e.result.Services[i].Name < e.result.Services[j].Name })
	}
}

// retiredInUse reports whether name is a service of a removed extension
// (model.Config.Retired) that a plan or a reseller of the config still
// lists.
func (e *engine) retiredInUse(name string) bool {
	if _, retired := e.cfg.Retired[name]; !retired {
		return false
	}
	for _, plans := range []map[string]*model.Plan{e.cfg.ServicePlans, e.cfg.AddonPlans, e.cfg.ResellerPlans} {
		for _, p := range plans {
			if slices.Contains(p.Services, name) {
				return true
			}
		}
	}
	for _, r := range e.cfg.Resellers {
		if slices.Contains(r.Services, name) {
			return true
		}
	}
	return false
}

// planPlans plans one kind of plan and records which plans changed, so
// the subscriptions they reach can name their cause.
func (e *engine) planPlans(kind model.PlanKind, priorList []state.Plan, desired map[string]*model.Plan, put func(*state.Snapshot, state.Plan)) {
	prior := map[string]*state.Plan{}
	for i := range priorList {
		p := &priorList[i]
		prior[p.Key] = p
		e.priorPlans[string(kind)+" "+p.Key] = p
	}
	for _, key := range slices.Sorted(maps.Keys(desired)) {
		p := desired[key]
		if !e.inScope(string(kind), p.Owner) {
			continue
		}
		var was string // most often the plan's values are those recorded
		if b := prior[key]; b != nil {
			was = b.Props
		}
		services := sortedCopy(p.Services)
		if len(e.cfg.Lacking) > 0 {
			// The server lacks their extension: its copy of the plan
			// cannot hold them (its subscriptions get a conflict).
			services = slices.DeleteFunc(services, func(name string) bool { _, lacks := e.cfg.Lacking[name]; return lacks })
		}
		var set *pset
		if old := e.sets.recorded(was); old != nil && e.sets.inPrior(was) && slices.Equal(old.services, services) &&
			sameWithDefaults(old.props, p.Props, planKindDefaults(kind)) {
			// The recorded values, but for some the plan has anyway
			// written out or left out (disk_space: unlimited, a
			// permission false): the same plan, kept as recorded.
			set = old
			e.sets.use(set)
		} else {
			set = e.sets.internLike(p.Props, services, was)
		}
		rec := state.Plan{Key: key, Owner: ownerOf(p.Owner), Name: p.Name, Description: p.Description,
			Props: set.id, Services: set.services, Oversell: p.Oversell}
		put(e.result, rec)
		b := prior[key]
		renamedFrom := ""
		if b == nil {
			if old := e.priorPlanKey(key); old != key && prior[old] != nil && desired[old] == nil {
				b, renamedFrom = prior[old], old
				e.renamed[string(kind)+" "+old] = key
			}
		}
		c := &Change{Kind: Kind(kind), Key: key}
		var before *pset
		if renamedFrom != "" {
			c.Reasons = append(c.Reasons, "owner reseller renamed: was "+renamedFrom)
			c.RenamedFrom = renamedFrom
		}
		if b == nil {
			c.Action, c.Reasons = Create, []string{"new in config"}
			b = &state.Plan{}
		} else {
			c.Action = Update
			if renamedFrom == "" {
				c.Reasons = []string{"changed in config"}
			}
			before = e.sets.recorded(b.Props)
		}
		var fs fields
		if renamedFrom != "" {
			fs.add(strField("owner", b.Owner, rec.Owner))
		}
		fs.add(longField("description", b.Description, rec.Description))
		if before == nil {
			// A new plan shows every value it will have, also those it
			// gets by default (SPEC §2.2: a limit left out unlimited, a
			// permission not granted), so that reviewers see what is
			// created, not only what the config wrote.
			fs = append(fs, diffSets(nil, withDefaults(set, planKindDefaults(kind)), "")...)
		} else if before.id != set.id {
			fs = append(fs, diffPlanSets(before, set, planKindDefaults(kind))...)
		}
		if kind == model.ResellerPlanKind {
			fs.add(boolField("oversell", b.Oversell, rec.Oversell, c.Action == Update))
		}
		if len(fs) == 0 && c.Action == Update {
			continue
		}
		c.Fields = fs
		planLinks(c, &rec)
		e.add(c)
		if c.Action == Update {
			e.planChanged[c.Address()] = c
		}
	}
	for _, b := range priorList {
		if _, gone := e.renamedTo(string(kind), b.Key); desired[b.Key] == nil && !gone && e.inScope(string(kind), b.Owner) {
			e.add(&Change{Kind: Kind(kind), Key: b.Key, Action: Delete, Reasons: []string{"removed from config"}})
		}
	}
}

// planKindDefaults are the values a plan of kind has where it leaves
// them out (SPEC §2.2): a service or reseller plan's limits unlimited
// and its permissions not granted; an add-on's permissions not granted
// (its limits add to the plan's, so one left out adds nothing, which an
// unlimited one does not). Read only.
func planKindDefaults(kind model.PlanKind) model.Props {
	switch kind {
	case model.ServicePlanKind:
		return serviceDefaults()
	case model.ResellerPlanKind:
		return resellerDefaults()
	}
	return addonDefaults()
}

// KindDefaults are the values a plan of kind has where it leaves them
// out (planKindDefaults); a reseller's own allocation (plan none) leaves
// out what a reseller plan does. Read only.
func KindDefaults(kind model.PlanKind) model.Props { return planKindDefaults(kind) }

var (
	resellerDefaults = sync.OnceValue(defaultResellerProps)
	addonDefaults    = sync.OnceValue(func() model.Props {
		p := model.Props{}
		for k, v := range planDefaults(model.InAddonPlan, false) {
			if strings.HasPrefix(k, "permissions.") {
				p[k] = v
			}
		}
		return p
	})
)

// sameWithDefaults reports whether two plans' values are the same once
// what each leaves out is given its default (defs).
func sameWithDefaults(a, b, defs model.Props) bool {
	at := func(p model.Props, k string) (model.Value, bool) {
		if v, ok := p[k]; ok {
			return v, true
		}
		v, ok := defs[k]
		return v, ok
	}
	for k := range a {
		x, _ := at(a, k)
		if y, ok := at(b, k); !ok || x != y {
			return false
		}
	}
	for k := range b {
		if _, ok := a[k]; ok {
			continue
		}
		y, _ := at(b, k)
		if x, ok := at(a, k); !ok || x != y {
			return false
		}
	}
	return true
}

// withDefaults is s with defs where s leaves them out (a copy; s is
// shared and left as it is).
func withDefaults(s *pset, defs model.Props) *pset {
	p := make(model.Props, len(s.props)+len(defs))
	for k, v := range defs {
		p[k] = v
	}
	for k, v := range s.props {
		p[k] = v
	}
	return &pset{props: p, services: s.services}
}

// diffPlanSets is the change between a plan's recorded values and its
// new ones, each value it leaves out shown as the default it has
// (unlimited, not granted) rather than as absent.
func diffPlanSets(a, b *pset, defs model.Props) []*FieldChange {
	fill := func(s *pset, other model.Props) *pset {
		p := make(model.Props, len(s.props)+len(other))
		for k, v := range s.props {
			p[k] = v
		}
		for k := range other {
			if _, ok := p[k]; !ok {
				if d, ok := defs[k]; ok {
					p[k] = d
				}
			}
		}
		return &pset{props: p, services: s.services}
	}
	return diffSets(fill(a, b.props), fill(b, a.props), "")
}
