package plan

import (
	"fmt"
	"maps"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// Sync statuses.
const (
	Synced   = "synced"
	Locked   = "locked"
	Unsynced = "unsynced"
	Custom   = "custom"
)

// sub is one subscription being planned.
type sub struct {
	cfg       *model.Subscription
	prior     *state.Subscription
	owner     string
	base      *pset
	customize *pset
	settings  model.Props
	// settingsWas are the values the subscriber's settings replaced (a
	// path missing here was not set), restored when the permission is
	// not available after all (dropUnheldSettings).
	settingsWas model.Props
	// eff is the subscription's own effective values; while it is nil
	// the subscription shares effSet (a synced subscription shares its
	// plan's set: nothing is copied for it).
	eff       model.Props
	effSet    *pset
	services  []string
	conflicts []Conflict
	dropped   []string // reasons shown in the plan
	// gone are the reasons for services it lost because they were
	// deleted (checkDeleted).
	gone []string
	// dropped values are recorded: values left out for want of permission.
	droppedVals model.Props
	sync        string
	// rec is its record, in the plan's result.
	rec    *state.Subscription
	status SubStatus
	change *Change
	// usesPlans are the plan addresses the subscription is based on.
	usesPlans []string
	// frozen: locked on the plans it was on, it keeps its recorded base
	// (their edits skip it).
	frozen bool
	// inCustomer and inSettings are the customer and subscriber
	// settings it was planned with (for reuse).
	inCustomer *model.Customer
	// customerHeld is whether its customer's status is billing's and
	// suspended (billingHeld): its suspension cascades to it.
	customerHeld bool
	inSettings   *model.SubscriberSettings
}

// planSubscriptions plans every subscription: bases, customisation,
// subscriber settings, availability, statuses, and the changes.
func (e *engine) planSubscriptions() []*sub {
	domains := e.subDomains()
	subs := make([]*sub, len(domains))
	e.allServices() // built once, read by the workers
	// Each subscription is planned on its own; the shared set store and
	// memo tables are locked. Results land at their index, so the order
	// (and the output) does not depend on scheduling.
	// Each subscription's record is written in place in the result: a
	// fleet's 100,000 records are not copied there once planned.
	var recs []state.Subscription
	if len(domains) > 0 {
		recs = make([]state.Subscription, len(domains))
		e.result.Subscriptions = recs
	}
	if e.reuse != nil {
		e.reuseSubs(e.reuse, domains, subs, recs)
	}
	todo := make([]int, 0, len(domains))
	for i, s := range subs {
		if s == nil {
			todo = append(todo, i)
		}
	}
	fresh := make([]*sub, len(todo))
	parallel(len(todo), func(j int) {
		i := todo[j]
		subs[i] = e.prepare(e.cfg.Subscriptions[domains[i]])
		subs[i].rec = &recs[i]
		e.checkComponents(subs[i])
		fresh[j] = subs[i]
	})
	e.convertedTotals(subs)
	e.checkAvailability(fresh)
	e.overAllocationWarnings()
	parallel(len(fresh), func(i int) { e.finish(fresh[i]) })
	if len(subs) > 0 {
		e.statuses = make([]SubStatus, len(subs))
		inChunks(len(subs), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				e.statuses[i] = subs[i].status
			}
		})
	}
	planned := 0
	for _, s := range subs {
		if planned < len(fresh) && fresh[planned] == s {
			planned++
		} else {
			e.carry(e.reuse, s.rec)
		}
		e.conflicts = append(e.conflicts, s.conflicts...)
		if s.change != nil {
			e.add(s.change)
		}
	}
	e.fanout(subs)
	// Deletes.
	for i := range e.prior.Subscriptions {
		p := &e.prior.Subscriptions[i]
		if e.cfg.Subscriptions[p.Domain] != nil || !e.inScope("subscription", p.Owner) {
			continue
		}
		if _, gone := e.renamedTo("subscription", p.Domain); gone {
			continue
		}
		if p.ManagedBy == ManagedByBilling {
			e.add(forget("subscription", p.Domain))
			continue
		}
		c := &Change{Kind: "subscription", Key: p.Domain, Action: Delete, Reasons: removedSubscription()}
		if pc := e.priorCustomers[p.Customer]; p.Customer != "" && e.cfg.Customers[p.Customer] == nil && (pc == nil || pc.ManagedBy != ManagedByBilling) {
			_, conv := e.cfg.Resellers[p.Customer]
			if _, renamed := e.renamedTo("customer", p.Customer); !conv && !renamed {
				c.Cascade = "customer " + p.Customer
				c.Reasons = []string{"customer " + p.Customer + " is deleted", "its websites are deleted with it"}
			}
		}
		e.add(c)
	}
	return subs
}

// removedSubscription is why a subscription removed from the config
// (and not with its customer) is deleted.
func removedSubscription() []string {
	return []string{"removed from config", "its websites are deleted with it"}
}

// subDomains returns the config's subscription domains in order, sorted
// once per plan (sorting 100,000 of them is not free). The list is
// shared: callers only read it.
func (e *engine) subDomains() []string {
	e.startSorting()
	return e.domains.get()
}

// customerLogins returns the config's customer logins in order (shared,
// read only).
func (e *engine) customerLogins() []string {
	e.startSorting()
	return e.logins.get()
}

// startSorting starts sorting the config's subscription domains and
// customer logins, once; Make starts it first thing.
func (e *engine) startSorting() {
	if e.domains.done == nil {
		e.domains.start(slices.Collect(maps.Keys(e.cfg.Subscriptions)))
		e.logins.start(slices.Collect(maps.Keys(e.cfg.Customers)))
	}
}

// sortedKeys is a list of keys sorted on another core while the engine
// does what comes before its first use (index, the catalogue), which is
// on one core.
type sortedKeys struct {
	done chan struct{}
	keys []string
}

// start sorts keys (which it then owns) in the background.
func (k *sortedKeys) start(keys []string) {
	k.done = make(chan struct{})
	go func() {
		defer close(k.done)
		slices.Sort(keys)
		k.keys = keys
	}()
}

// get waits for the sorted keys.
func (k *sortedKeys) get() []string {
	<-k.done
	return k.keys
}

// prepare computes a subscription's effective values before
// availability: its base (base.go, lock.go), the customisation on top
// (lock.go) and the subscriber's settings (settings.go).
func (e *engine) prepare(cfg *model.Subscription) *sub {
	// The customer is looked up once: a map of every customer is
	// costly to probe, and its owner and status are both read.
	s := &sub{cfg: cfg, prior: e.priorSubs[cfg.Domain],
		inCustomer: e.cfg.Customers[cfg.Customer], inSettings: e.cfg.SubscriberSettings[cfg.Domain]}
	s.owner = ownerWith(cfg, s.inCustomer)
	s.usesPlans = e.plansUsed(s.owner, cfg)
	e.chooseBase(s)
	switch {
	case cfg.Customize == nil && s.inSettings == nil:
		// Nothing of its own: it shares its base's set.
		s.effSet = s.base
	case s.inSettings == nil && !e.in.slow:
		// Its base and customisation only: it shares the values of
		// the subscriptions with the same ones.
		s.effSet = e.customised(s)
	default:
		eff := s.base.props.Clone()
		customise(s, eff)
		e.applySettings(s, eff)
		s.eff = eff
	}
	s.sync = configSync(cfg)
	return s
}

// customised is the set of a subscription's base with its customisation
// on top (no subscriber settings), made once per base and customisation
// and shared like a plan's set until availability changes it (own). It
// is transient: finish interns it.
func (e *engine) customised(s *sub) *pset {
	key := [2]*pset{s.base, s.customize}
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.customisedSets[key]; ok {
		return c
	}
	eff := s.base.props.Clone()
	customise(s, eff)
	c := &pset{props: eff, services: s.base.services, transient: true,
		id: "~customised " + strconv.Itoa(len(e.customisedSets))}
	e.customisedSets[key] = c
	return c
}

// finish records the subscription in the result and diffs it: its sync
// status once availability is known (lock.go), its record, expiration and
// status (status.go), and its change.
func (e *engine) finish(s *sub) {
	cfg, p := s.cfg, s.prior
	s.sync = withConflicts(s.sync, s.conflicts)
	effSet := s.effSet
	if effSet == nil || effSet.transient {
		var was string
		if p != nil {
			was = p.Effective
		}
		switch {
		case effSet == nil:
			effSet = e.sets.internLike(s.eff, s.services, was)
		case slices.Equal(effSet.services, s.services):
			effSet = e.sets.final(effSet, was)
		default:
			effSet = e.sets.internLike(effSet.props, s.services, was)
		}
		// Nothing reads the subscription's own copy from here on: the
		// interned set replaces it, so the copy is not held to the end
		// of the plan.
		s.eff, s.effSet = nil, effSet
	}
	rec := e.record(s, effSet)
	rec.Expires = e.expires(cfg, rec.CreatedAt, effSet.props)
	var ftpChanged bool
	var priorFTP string
	if p != nil {
		priorFTP = p.FTPPassword
	}
	rec.FTPPassword, ftpChanged = e.secret(priorFTP, cfg.FTPPassword, "subscription "+cfg.Domain)
	var held bool
	rec.StatusReasons, held = e.subscriptionSuspensions(s, rec.Expires)
	if held {
		// Suspended on its own by billing, which owns its status: its
		// own status on the server (what apply reads back) is suspended.
		rec.ConfigStatus = Suspended
	}
	rec.Status = statusFrom(rec.StatusReasons)
	*s.rec = rec
	s.status = SubStatus{Key: cfg.Domain, DisplayName: displayName(cfg.Domain, cfg.Plan),
		SyncStatus: rec.SyncStatus, Status: rec.Status, StatusReasons: rec.StatusReasons}
	if p == nil {
		if !e.in.ResultOnly {
			s.change = e.createChange(s, effSet)
		}
	} else {
		s.change = e.updateChange(s, effSet, ftpChanged)
	}
	if s.change != nil {
		subscriptionLinks(s.change, s.rec)
		if cfg.Plan == "" || cfg.Plan == model.None {
			// No plan brings a custom subscription its additional
			// services: it stands on them itself.
			for _, sv := range effSet.services {
				s.change.DependsOn = append(s.change.DependsOn, address(KindService, sv))
			}
		}
	}
}

// record is what the result records of a planned subscription (its
// expiration, secret and status are set by finish).
func (e *engine) record(s *sub, effSet *pset) state.Subscription {
	cfg, p := s.cfg, s.prior
	rec := state.Subscription{
		Domain: cfg.Domain, Owner: s.owner, Customer: cfg.Customer, Plan: cfg.Plan, Addons: cfg.Addons,
		SyncStatus: s.sync, Effective: e.sets.use(effSet), Base: e.sets.use(s.base), ConfigStatus: cfg.Status,
		FTPLogin: cfg.FTPLogin, ManagedBy: billingMark(cfg.ManagedBy),
	}
	if s.customize != nil {
		rec.Customize = s.customize.id
		rec.Customized = s.customize.props.Paths()
	}
	var wasDropped, wasSettings string
	if p != nil {
		wasDropped, wasSettings = p.DroppedSettings, p.Settings
	}
	if s.droppedVals != nil {
		rec.DroppedSettings = e.sets.internLike(s.droppedVals, nil, wasDropped).id
	}
	if s.settings != nil {
		rec.Settings = e.sets.internLike(s.settings, nil, wasSettings).id
	}
	for _, c := range s.conflicts {
		rec.Conflicts = append(rec.Conflicts, state.Conflict{Property: c.Property, PlanValue: c.PlanValue.JSON,
			AvailableValue: c.AvailableValue.JSON, Reason: c.Reason})
	}
	// The IP address the config names, if any: left out, it is not
	// managed (a new subscription gets the connection's default_ip, an
	// existing one stays where it is).
	rec.IPAddress = cfg.IPAddress
	if p != nil {
		rec.CreatedAt = p.CreatedAt
	} else {
		rec.CreatedAt = e.now.Truncate(time.Second)
	}
	if p != nil && p.ServerSyncStatus != "" && p.SyncStatus == rec.SyncStatus {
		// The sync status an apply noted beside the record (the server
		// changed it on a write of plansync's own) stays while the
		// prediction does: an apply that writes the subscription reads
		// it back, and notes it again or drops it.
		rec.ServerSyncStatus = p.ServerSyncStatus
	}
	return rec
}

// createChange is the change creating a new subscription.
func (e *engine) createChange(s *sub, effSet *pset) *Change {
	rec := s.rec
	c := &Change{Kind: "subscription", Key: s.cfg.Domain, Action: Create, Reasons: []string{"new in config"}}
	if s.sync == Locked {
		c.Reasons = append(c.Reasons, "created customised (locked)")
	}
	c.Reasons = append(c.Reasons, s.dropped...)
	var fs fields
	fs.add(strField("owner", "", rec.Owner))
	fs.add(strField("customer", "", rec.Customer))
	fs.add(strField("plan", "", rec.Plan))
	fs.add(listField("addons", nil, rec.Addons))
	fs.add(strField("sync_status", "", rec.SyncStatus))
	fs.add(strField("status", "", rec.Status))
	fs.add(listField("status_reasons", nil, rec.StatusReasons))
	fs = append(fs, e.sets.diff(nil, effSet, "")...)
	if rec.Expires != nil {
		fs.add(strField("expires", "", fmtTime(rec.Expires)))
	}
	fs.add(strField("ftp_login", "", rec.FTPLogin))
	fs.add(strField("ip_address", "", rec.IPAddress))
	fs.add(strField("managed_by", "", rec.ManagedBy))
	if rec.FTPPassword != "" {
		fs = append(fs, sensitiveField("ftp_password", false, true))
		c.SetsSecret = true
	}
	c.Fields = fs
	return c
}

// updateChange is the change of a recorded subscription, or nil when
// nothing a person could see changed (a synced subscription's base
// follows its plan even where a subscriber value overrides it).
func (e *engine) updateChange(s *sub, effSet *pset, ftpChanged bool) *Change {
	p, rec := s.prior, s.rec
	var fs fields
	fs.add(strField("domain", p.Domain, rec.Domain))
	fs.add(strField("owner", p.Owner, rec.Owner))
	fs.add(strField("customer", p.Customer, rec.Customer))
	fs.add(strField("plan", p.Plan, rec.Plan))
	fs.add(listField("addons", p.Addons, rec.Addons))
	fs.add(strField("sync_status", p.SyncStatus, rec.SyncStatus))
	fs.add(strField("status", p.Status, rec.Status))
	effChanged := p.Effective != effSet.id
	if effChanged {
		fs = append(fs, e.sets.diff(e.sets.recorded(p.Effective), effSet, "")...)
	}
	if !sameTime(p.Expires, rec.Expires) {
		fs.add(strField("expires", fmtTime(p.Expires), fmtTime(rec.Expires)))
	}
	fs.add(strField("ftp_login", p.FTPLogin, rec.FTPLogin))
	fs.add(strField("ip_address", p.IPAddress, rec.IPAddress))
	fs.add(strField("managed_by", p.ManagedBy, rec.ManagedBy))
	setsSecret := ftpChanged || (p.FTPPassword != "" && rec.FTPPassword == "")
	if setsSecret {
		fs = append(fs, sensitiveField("ftp_password", p.FTPPassword != "", rec.FTPPassword != ""))
	}
	customChanged := p.Customize != rec.Customize
	conflictsChanged := !sameConflicts(p.Conflicts, rec.Conflicts)
	fs.add(listField("status_reasons", p.StatusReasons, rec.StatusReasons))
	fs.add(listField("customized", p.Customized, rec.Customized))
	if conflictsChanged {
		fs.add(conflictsField(p.Conflicts, rec.Conflicts))
	}
	if len(fs) == 0 {
		return nil
	}
	// Reasons and action.
	c := &Change{Kind: "subscription", Key: s.cfg.Domain, SetsSecret: setsSecret}
	reasons, ownerRenamed := e.subscriptionRenames(c, p, rec)
	action, why := subscriptionAction(p, rec, ownerRenamed)
	reasons = append(reasons, why...)
	reasons = append(reasons, planSwitchReasons(p, rec)...)
	if action == Move {
		reasons = append(reasons, movedPlanReasons(p, rec)...)
	}
	if customChanged && p.Customize != "" && rec.Customize != "" {
		reasons = append(reasons, "customisation changed")
	}
	reasons = append(reasons, statusChangeReasons(p.StatusReasons, rec.StatusReasons)...)
	reasons = append(reasons, s.dropped...)
	reasons = append(reasons, s.gone...)
	if p.Settings != rec.Settings && len(s.dropped) == 0 {
		reasons = append(reasons, "subscriber settings changed")
	}
	// The reasons that only say what its conflicts became (Change.Via).
	conflictReasons := 0
	if action == Sync {
		conflictReasons++ // conflicts resolved: synced with its plan
	}
	if conflictsChanged {
		resolved, onlyResolved := resolvedConflicts(p.Conflicts, rec.Conflicts)
		if len(resolved) > 0 && action != Sync {
			// What the server can provide now (a component installed, an
			// allocation raised) the subscription gets, locked or not:
			// not a change of its config.
			reasons = append(reasons, "conflicts resolved: "+strings.Join(resolved, ", "))
			conflictReasons++
		}
		if len(rec.Conflicts) > 0 && !onlyResolved {
			reasons = append(reasons, "conflicts: some properties cannot be provided")
			conflictReasons++
		}
	}
	switch {
	case p.IPAddress != rec.IPAddress && rec.IPAddress == "":
		reasons = append(reasons, "IP address no longer managed: the subscription stays on it")
	case p.IPAddress != rec.IPAddress:
		reasons = append(reasons, "IP address changed")
	}
	reasons = append(reasons, e.ownEdits(s, effSet, setsSecret)...)
	// A change that only follows changed plans is fan-out: it is
	// summarised under the plan change (Cause) unless it has reasons of
	// its own, which people must see.
	// One that locks now on the same plans is reached by their change
	// before its customisation freezes them (lock.go).
	// One whose add-ons or service plan change stays on its other plans,
	// whose changes reach it too (a locked one takes its base anew from
	// them, whatever becomes of its customisation): its switch and
	// add-on change are its own, and the plans it stays on are named.
	// One that unlocks now takes its plans' current values: reached too.
	lockingNow := s.sync == Locked && p.SyncStatus != Locked && !s.frozen
	unlockingNow := p.SyncStatus == Locked && s.cfg.Customize == nil && s.sync != Locked
	samePlans := sameList(p.Addons, rec.Addons) && p.Plan == rec.Plan
	rebased := !samePlans && !s.frozen && p.Owner == rec.Owner
	if (effChanged || conflictsChanged) && (s.sync != Locked || lockingNow || rebased) && s.sync != Custom &&
		(p.Plan == rec.Plan || rebased) && (!customChanged || lockingNow || unlockingNow || rebased) {
		own := len(reasons) > 0 || action != Update
		ownBesidesConflicts := len(reasons) > conflictReasons || (action != Update && action != Sync)
		for _, addr := range s.usesPlans {
			if !samePlans && !wasOnPlan(p, addr) {
				continue // switched onto or attached in this run: its own change says so
			}
			if e.planChanged[addr] != nil {
				if c.Cause == "" && !own {
					c.Cause = addr
				}
				if c.Cause == "" && c.Via == "" && !ownBesidesConflicts {
					c.Via = addr
				}
				reasons = append(reasons, planWord(addr)+" changed")
			}
		}
	}
	if len(reasons) == 0 {
		reasons = append(reasons, "changed in config")
	}
	if action == Unlock && p.LockedInPanel {
		action, reasons = Sync, panelSyncReasons(p, rec, reasons, fs)
	}
	c.Action, c.Reasons, c.Fields = action, reasons, fs
	return c
}

// ownEdits explains the changes of a recorded subscription's own fields
// that its config made, which no plan change can make: its customer (not
// renamed), FTP credentials, managed_by and an explicit expiration date
// set, changed or removed. A subscription with any of them is its own
// change, never fan-out of a plan change reached in the same run.
func (e *engine) ownEdits(s *sub, effSet *pset, setsSecret bool) []string {
	p, rec := s.prior, s.rec
	var reasons []string
	if p.Customer != rec.Customer && p.Owner == rec.Owner {
		if n, ok := e.renamedTo("customer", p.Customer); !ok || n != rec.Customer {
			reasons = append(reasons, "customer changed")
		}
	}
	if p.FTPLogin != rec.FTPLogin {
		reasons = append(reasons, "FTP login changed")
	}
	switch {
	case setsSecret && p.FTPPassword != "" && rec.FTPPassword == "":
		reasons = append(reasons, "FTP password removed from config")
	case setsSecret:
		reasons = append(reasons, "FTP password changed")
	}
	if p.ManagedBy != rec.ManagedBy {
		reasons = append(reasons, "managed_by changed")
	}
	if !sameTime(p.Expires, rec.Expires) {
		// The recorded date was the config's own when it is not what the
		// recorded values' expiration gives.
		var was *time.Time
		if set := e.sets.recorded(p.Effective); set != nil {
			was = planExpiry(p.CreatedAt, set.props)
		}
		explicitBefore := !sameTime(p.Expires, was)
		switch {
		case s.cfg.Expires != nil && explicitBefore:
			reasons = append(reasons, "expiration date changed in config")
		case s.cfg.Expires != nil:
			reasons = append(reasons, "expiration date set in config")
		case explicitBefore:
			reasons = append(reasons, "expiration date removed from config")
		}
	}
	return reasons
}

// subscriptionAction is the action of a recorded subscription's change,
// the most specific first: a move (tenancy), a lock or unlock (lock.go),
// conflicts resolved (conflicts.go), a suspension or activation
// (status.go); else an update. why is the reason the action gives.
func subscriptionAction(p, rec *state.Subscription, ownerRenamed bool) (action Action, why []string) {
	if p.Owner != rec.Owner && !ownerRenamed {
		return Move, []string{"moved from " + p.Owner + " to " + rec.Owner}
	}
	if a, reason, ok := lockAction(p.SyncStatus, rec.SyncStatus, rec.Plan); ok {
		return a, []string{reason}
	}
	if a, reason, ok := resolvedAction(p.SyncStatus, rec.SyncStatus, rec.Plan); ok {
		return a, []string{reason}
	}
	if a, ok := statusAction(p.Status, rec.Status); ok {
		return a, nil
	}
	return Update, nil
}

// movedPlanReasons say which plans a moved subscription is now on when
// they have the names of those it was on: a plan is its owner's (owner +
// name), so it now takes its values from the new owner's plan and add-ons
// of those names, which its plan and addons fields do not show.
func movedPlanReasons(p, rec *state.Subscription) []string {
	of := "reseller " + rec.Owner
	if rec.Owner == model.Admin {
		of = "the admin"
	}
	var reasons []string
	if p.Plan == rec.Plan && rec.Plan != "" && rec.Plan != model.None {
		reasons = append(reasons, "now on plan "+rec.Plan+" of "+of)
	}
	for _, a := range rec.Addons {
		if slices.Contains(p.Addons, a) {
			reasons = append(reasons, "add-on "+a+" now of "+of)
		}
	}
	return reasons
}

// wasOnPlan reports whether a recorded subscription was on the plan at
// address addr (its service plan or one of its add-ons, of its owner).
func wasOnPlan(p *state.Subscription, addr string) bool {
	if p.Plan == "" || p.Plan == model.None {
		return false
	}
	if addr == "service_plan "+model.PlanKey(p.Owner, p.Plan) {
		return true
	}
	for _, a := range p.Addons {
		if addr == "addon_plan "+model.PlanKey(p.Owner, a) {
			return true
		}
	}
	return false
}

// planWord turns "service_plan Business" into "plan Business" and
// "addon_plan X" into "add-on plan X".
func planWord(addr string) string {
	kind, key, _ := strings.Cut(addr, " ")
	switch kind {
	case string(model.ServicePlanKind):
		return "plan " + key
	case string(model.AddonPlanKind):
		return "add-on plan " + key
	}
	return "reseller plan " + key
}

// fanout attaches to every changed plan the subscriptions it reaches and
// the locked ones it skips.
func (e *engine) fanout(subs []*sub) {
	if len(e.planChanged) == 0 {
		return
	}
	byKey := map[string]*Change{}
	for _, c := range e.changes {
		if c.Kind == "subscription" {
			byKey[c.Key] = c
		}
	}
	for _, s := range subs {
		if s.prior == nil {
			continue
		}
		for _, addr := range s.usesPlans {
			pc := e.planChanged[addr]
			if pc == nil {
				continue
			}
			if pc.Fanout == nil {
				pc.Fanout = &Fanout{}
			}
			if s.sync == Locked && s.frozen {
				if reachesValues(pc) {
					pc.Fanout.SkippedLocked = append(pc.Fanout.SkippedLocked, s.cfg.Domain)
				}
				continue
			}
			// One switched onto the plan takes its current values: the
			// change does not skip it (its own change says why); one that
			// locks now is reached (its change names the plan).
			if c := byKey[s.cfg.Domain]; c != nil && slices.Contains(c.Reasons, planWord(addr)+" changed") {
				pc.Fanout.Reaches = append(pc.Fanout.Reaches, s.cfg.Domain)
			}
		}
	}
}

// reachesValues reports whether a plan change alters what the plan's
// subscriptions get: its description alone (text for people) reaches
// none, nor does its owner alone (the rename of its owner reseller,
// which its subscriptions, locked ones too, follow by their own
// change), so such a change skips no locked subscription either.
func reachesValues(c *Change) bool {
	for _, f := range c.Fields {
		switch f.Path {
		case "description", "owner":
		default:
			return true
		}
	}
	return false
}

func displayName(domain, plan string) string {
	if plan == model.None || plan == "" {
		return domain + " (Custom)"
	}
	return domain + " (" + plan + ")"
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func listDelta(before, after []string) (added, removed []string) {
	b := map[string]bool{}
	for _, x := range before {
		b[x] = true
	}
	a := map[string]bool{}
	for _, x := range after {
		a[x] = true
		if !b[x] {
			added = append(added, x)
		}
	}
	for _, x := range before {
		if !a[x] {
			removed = append(removed, x)
		}
	}
	return
}

// parallel runs f(0..n-1) on every core, each index exactly once.
func parallel(n int, f func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var crash workerPanic
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer crash.catch()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
	crash.rethrow()
}

// inChunks runs f on contiguous ranges covering 0..n-1, one per core:
// for work per index too small to hand out one index at a time.
func inChunks(n int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), 1+n/4096)
	parallel(workers, func(w int) {
		f(n*w/workers, n*(w+1)/workers)
	})
}

// workerPanic carries the first panic of worker goroutines to the
// goroutine that waits for them, where it is raised again: a panic in a
// goroutine of its own would end the process before the CLI can report
// it as a bug.
type workerPanic struct {
	mu  sync.Mutex
	msg string
}

// catch recovers a worker's panic; call it deferred in the worker.
func (p *workerPanic) catch() {
	if r := recover(); r != nil {
		p.mu.Lock()
		if p.msg == "" {
			p.msg = fmt.Sprintf("%v\n\nin a worker goroutine:\n%s", r, debug.Stack())
		}
		p.mu.Unlock()
	}
}

// rethrow raises the caught panic, if any, after the workers are done.
func (p *workerPanic) rethrow() {
	if p.msg != "" {
		panic(p.msg)
	}
}
