package plan

import (
	"reflect"
	"time"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// Reuse: a long-running caller (watch) plans the same fleet again and
// again, each time after a small edit. Planning a subscription is pure:
// its outcome depends only on
//
//   - what every subscription shares: the server, services, plans,
//     resellers, retired services and the actor, in the config and as
//     recorded;
//   - its own config, its subscriber settings and its customer's config
//     (and whether billing holds its customer suspended: customerHeld);
//   - its recorded record (a create is always planned again: it records
//     the time it is made);
//   - which side of its expiry date the clock is on;
//   - for a reseller's subscription, its reseller's other subscriptions
//     (they share one allocation).
//
// So when what every subscription shares is unchanged, a subscription
// whose own inputs are unchanged and whose reseller has no changed
// subscription has exactly the outcome it had, and is carried over. Its
// outcome objects are never modified once made, so both plans can hold
// them. TestReuseMatchesFullPlan checks, on random edits, that a plan
// made with Reuse is identical to one made without.

// memo is what a plan keeps for the next one to reuse.
type memo struct {
	cfg   *model.Config
	prior *state.Snapshot // nil when there was none
	scope string
	// secrets is whether secrets were hashed and verified.
	secrets bool
	now     time.Time
	// result holds the property sets the subscriptions reference.
	result *state.Snapshot
	// subs are the subscriptions planned, in domain order.
	subs     []*sub
	renamed  map[string]string
	verified map[string]bool
	// overAlloc are the over-allocation warnings by reseller.
	overAlloc map[string][]diag.Diagnostic
	// componentsRead is the plan's Input.ComponentsRead (it words the
	// conflicts' fix).
	componentsRead bool
	// unrecordedServer is the plan's Input.UnrecordedServer.
	unrecordedServer bool
}

func scopeName(sc *Scope) string {
	if sc == nil {
		return ""
	}
	return "reseller:" + sc.Reseller
}

// remember attaches to p what the next plan may reuse. A plan with
// errors is not reused, nor one made for its Result only (its creates
// have no changes) or of what a server has (Existing: its custom
// subscriptions are planned otherwise), and such a plan reuses nothing
// either.
func (e *engine) remember(p *Plan, subs []*sub) {
	if p.Diagnostics.HasErrors() || e.in.ResultOnly || e.in.Existing {
		return
	}
	p.memo = &memo{cfg: e.cfg, prior: e.in.Prior, scope: scopeName(e.in.Scope), secrets: e.in.Secrets != nil, now: e.now,
		result: p.Result, subs: subs, renamed: e.renamed, verified: e.verified, overAlloc: e.overAlloc, componentsRead: e.in.ComponentsRead,
		unrecordedServer: e.in.UnrecordedServer}
}

// Forget drops what a later plan could reuse of p (Input.Reuse): a
// single plan or apply, which no plan follows, holds on a large fleet a
// quarter less once the plan is made.
func (p *Plan) Forget() { p.memo = nil }

// reusable returns the memo of in.Reuse when what every subscription
// shares is unchanged since it was made, nil otherwise.
func (e *engine) reusable() *memo {
	if e.in.Reuse == nil || e.in.Reuse.memo == nil || e.in.ResultOnly || e.in.Existing {
		return nil
	}
	m := e.in.Reuse.memo
	if m.scope != scopeName(e.in.Scope) || m.secrets != (e.in.Secrets != nil) || (m.prior == nil) != (e.in.Prior == nil) ||
		m.componentsRead != e.in.ComponentsRead || m.unrecordedServer != e.in.UnrecordedServer {
		return nil
	}
	a, b := m.cfg, e.cfg
	if !reflect.DeepEqual(a.Server, b.Server) || !reflect.DeepEqual(a.Servers, b.Servers) || !reflect.DeepEqual(a.Services, b.Services) ||
		!reflect.DeepEqual(a.ServicePlans, b.ServicePlans) || !reflect.DeepEqual(a.AddonPlans, b.AddonPlans) ||
		!reflect.DeepEqual(a.ResellerPlans, b.ResellerPlans) || !reflect.DeepEqual(a.Resellers, b.Resellers) ||
		!reflect.DeepEqual(a.Retired, b.Retired) || !reflect.DeepEqual(a.Lacking, b.Lacking) {
		return nil
	}
	if m.prior != e.in.Prior {
		p, q := m.prior, e.in.Prior
		if !reflect.DeepEqual(p.Server, q.Server) || !reflect.DeepEqual(p.Servers, q.Servers) || !reflect.DeepEqual(p.Services, q.Services) ||
			!reflect.DeepEqual(p.ServicePlans, q.ServicePlans) || !reflect.DeepEqual(p.AddonPlans, q.AddonPlans) ||
			!reflect.DeepEqual(p.ResellerPlans, q.ResellerPlans) || !reflect.DeepEqual(p.Resellers, q.Resellers) {
			return nil
		}
	}
	return m
}

// reuseSubs fills subs[i] with the earlier outcome of every subscription
// that can be carried over, its record copied to recs[i]; the others
// stay nil, to be planned.
func (e *engine) reuseSubs(m *memo, domains []string, subs []*sub, recs []state.Subscription) {
	// Pair each subscription with its earlier self (both lists are in
	// domain order); owners (resellers) with a subscription removed,
	// added or planned again get all their subscriptions planned again.
	olds := make([]*sub, len(domains))
	dirty := map[string]bool{}
	j := 0
	for i, d := range domains {
		for j < len(m.subs) && m.subs[j].cfg.Domain < d {
			dirty[m.subs[j].owner] = true // removed
			j++
		}
		if j < len(m.subs) && m.subs[j].cfg.Domain == d {
			olds[i] = m.subs[j]
			j++
		}
	}
	for ; j < len(m.subs); j++ {
		dirty[m.subs[j].owner] = true
	}
	parallel(len(domains), func(i int) {
		d := domains[i]
		old := olds[i]
		if old == nil || !e.unchanged(m, old, e.cfg.Subscriptions[d]) {
			return
		}
		subs[i] = old
	})
	for i, s := range subs {
		if s == nil {
			dirty[e.ownerOfSub(e.cfg.Subscriptions[domains[i]])] = true
			if olds[i] != nil {
				dirty[olds[i].owner] = true
			}
		}
	}
	delete(dirty, model.Admin) // the admin's subscriptions share nothing
	e.replanned = dirty
	kept := 0
	for i, s := range subs {
		if s != nil && dirty[s.owner] {
			subs[i] = nil
		} else if s != nil {
			kept++
		}
	}
	// The earlier plan's subscriptions stay as they were (a plan with
	// errors reuses them again): each carried one is a copy, whose record
	// is in this result and whose prior is in this recorded state (so
	// that older states are not kept alive).
	copies := make([]sub, 0, kept)
	for i, s := range subs {
		if s != nil {
			copies = append(copies, *s)
			subs[i] = &copies[len(copies)-1]
		}
	}
	parallel(len(subs), func(i int) {
		if c := subs[i]; c != nil {
			recs[i] = *c.rec
			c.rec = &recs[i]
			c.prior = e.priorSubs[domains[i]]
		}
	})
}

// unchanged reports whether old, planned from m, has every input of its
// own unchanged for cfg.
func (e *engine) unchanged(m *memo, old *sub, cfg *model.Subscription) bool {
	p := e.priorSubs[cfg.Domain]
	if p == nil || old.prior == nil {
		return false // a create records when it is made
	}
	if p != old.prior && !sameRecord(p, old.prior) {
		return false
	}
	if !sameSubscription(old.cfg, cfg) ||
		!sameSettings(old.inSettings, e.cfg.SubscriberSettings[cfg.Domain]) ||
		!sameCustomer(old.inCustomer, e.cfg.Customers[cfg.Customer]) {
		return false
	}
	if (len(m.renamed) > 0 || len(e.renamed) > 0) &&
		(m.renamed["customer "+p.Customer] != e.renamed["customer "+p.Customer] ||
			m.renamed["reseller "+p.Owner] != e.renamed["reseller "+p.Owner]) {
		return false
	}
	if c := e.cfg.Customers[cfg.Customer]; c != nil && (len(e.customerHeld(cfg.Customer, c)) > 0) != old.customerHeld {
		return false // billing suspended or activated its customer (cascade)
	}
	if exp := old.rec.Expires; exp != nil && m.now.Before(*exp) != e.now.Before(*exp) {
		return false // expires (or no longer) between the two plans
	}
	return true
}

// carry copies into the result the property sets a carried-over record
// references.
func (e *engine) carry(m *memo, rec *state.Subscription) {
	for _, id := range rec.SetIDs() {
		if id == "" {
			continue
		}
		if _, ok := e.result.PropertySets[id]; ok {
			continue
		}
		if e.result.PropertySets == nil {
			e.result.PropertySets = map[string]state.Values{}
		}
		e.result.PropertySets[id] = m.result.PropertySets[id]
	}
}

// The comparisons below cover every field but source positions, which
// only diagnostics carry (and a plan with errors is not reused);
// TestReuseComparesEveryField keeps them complete.

func sameSubscription(a, b *model.Subscription) bool {
	return a.Domain == b.Domain && a.RenamedFrom == b.RenamedFrom && a.Customer == b.Customer &&
		a.Owner == b.Owner && a.Plan == b.Plan && sameList(a.Addons, b.Addons) &&
		(a.Customize == nil) == (b.Customize == nil) && a.Customize.Equal(b.Customize) &&
		a.Status == b.Status && a.Src.Has("status") == b.Src.Has("status") && sameTime(a.Expires, b.Expires) && a.FTPLogin == b.FTPLogin &&
		sameSecret(a.FTPPassword, b.FTPPassword) && a.IPAddress == b.IPAddress && a.ManagedBy == b.ManagedBy && a.Server == b.Server
}

func sameSettings(a, b *model.SubscriberSettings) bool {
	if a == nil || b == nil || a == b {
		return a == b
	}
	return a.Domain == b.Domain && a.Props.Equal(b.Props)
}

func sameCustomer(a, b *model.Customer) bool {
	if a == nil || b == nil || a == b {
		return a == b
	}
	return a.Login == b.Login && a.RenamedFrom == b.RenamedFrom && sameSecret(a.Password, b.Password) &&
		a.Contact == b.Contact && a.Owner == b.Owner && a.Status == b.Status && a.Src.Has("status") == b.Src.Has("status") &&
		a.Description == b.Description && a.AdminDescription == b.AdminDescription && a.ManagedBy == b.ManagedBy &&
		sameList(a.Servers, b.Servers)
}

func sameSecret(a, b *model.Secret) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Env == b.Env && a.File == b.File && a.Literal == b.Literal && a.Value == b.Value
}

// sameRecord compares two recorded subscriptions (property sets by id:
// ids are content hashes).
func sameRecord(a, b *state.Subscription) bool {
	return a.Server == b.Server && a.Domain == b.Domain && a.Owner == b.Owner && a.Customer == b.Customer && a.Plan == b.Plan &&
		sameList(a.Addons, b.Addons) && a.SyncStatus == b.SyncStatus && a.ServerSyncStatus == b.ServerSyncStatus && a.LockedInPanel == b.LockedInPanel && a.Effective == b.Effective &&
		a.Base == b.Base && a.Customize == b.Customize && sameList(a.Customized, b.Customized) &&
		a.Settings == b.Settings && a.DroppedSettings == b.DroppedSettings && sameConflicts(a.Conflicts, b.Conflicts) &&
		a.ConfigStatus == b.ConfigStatus && a.Status == b.Status && sameList(a.StatusReasons, b.StatusReasons) &&
		a.CreatedAt.Equal(b.CreatedAt) && sameTime(a.Expires, b.Expires) && a.FTPLogin == b.FTPLogin &&
		a.FTPPassword == b.FTPPassword && a.IPAddress == b.IPAddress && a.ManagedBy == b.ManagedBy && samePleskID(a.Plesk, b.Plesk)
}

func samePleskID(a, b *state.PleskID) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
