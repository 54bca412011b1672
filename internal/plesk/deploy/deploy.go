// Package deploy makes a Plesk server match a plan's result: it reads the
// server, computes from that read every write that is still needed (only
// what differs), and sends the writes in dependency order (SPEC §6.5):
// services, reseller plans, resellers, the admin's service and add-on
// plans, the resellers' plans, customers, subscriptions, statuses, then
// deletes in reverse order. Independent writes (one per object) are
// batched in packets and several packets are in flight at once; the
// writes of one object follow each other.
//
// A subscription whose sync status is synced or unsynced never gets its
// values written on its own: Plesk propagates plan changes to it, and a
// per-subscription write of limits, permissions or hosting settings would
// lock it. After the writes, every subscription that a written plan
// reaches, or that was written, is read back and compared with the
// plan's prediction, and so are the accounts whose contact details or
// status were written (with a reseller's customers); what differs is a
// model disagreement.
//
// What to record is returned whatever happens: the plan's result for
// every object whose writes all succeeded (with the server's GUID and id),
// the prior record for every other one.
package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/importer"
	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
	"github.com/plansync/plansync/state"
)

// Options are the settings of one apply on a server.
type Options struct {
	// DefaultIP is the IP address new subscriptions get; DefaultIPAt
	// says where the config sets it, for the error without one (default
	// server.plesk.default_ip).
	DefaultIP, DefaultIPAt string
	// Secret returns the clear value of a secret the config sets
	// (kind "customer" or "reseller" with field "password", kind
	// "subscription" with field "ftp_password"), "" when none is set.
	Secret func(kind, key, field string) string
	// Progress is called after every packet with the writes done and
	// the writes planned.
	Progress func(done, total int)
	// Parallel is how many packets are in flight at once (default 4);
	// Batch how many independent writes one packet holds (default 100).
	Parallel int
	Batch    int
	// Billing reports whether a billing system owns an object
	// (managed_by: billing): its existence, status, plan, add-ons,
	// passwords and FTP credentials are never written.
	Billing func(kind, key string) bool
	// Reseller, when set, is the reseller whose credentials the client
	// uses (--as reseller:LOGIN): only its plans, customers and
	// subscriptions are read and written, as Plesk allows.
	Reseller string
	// Read, when set, is the whole server as this same run read it
	// (the refresh read plan made, under the state lock), at ReadAt: it
	// stands for deploy's own first read when it is at most MaxReadAge
	// old and Reseller is unset (a reseller reads a scoped view).
	Read   *importer.Snapshot
	ReadAt time.Time
	// OnlyChanges limits the writes to the objects the plan changes, as
	// for a plan limited by --target: a saved plan applies what was
	// reviewed, not also what the server has come to differ in since
	// (a panel edit of an object the plan does not change is left, and
	// the next plan shows it as drift).
	OnlyChanges bool
}

// MaxReadAge is how old a read passed in Options.Read may be to stand
// for a fresh one. Every write is computed from a read made after the
// state lock was taken; a read this recent, made by the same run, is as
// fresh as deploy's own would be for the first write (see docs/plesk.md,
// "Failure and recovery"). An older one (a plan confirmed by hand after a
// while, watch reusing its last read) is read again.
const MaxReadAge = 30 * time.Second

// Disagreement is a value the server reports after apply that differs
// from what plansync predicted.
type Disagreement struct {
	Subscription string `json:"subscription,omitempty"`
	// Account is a customer's or reseller's ("customer LOGIN"), for its
	// contact details.
	Account   string `json:"account,omitempty"`
	Property  string `json:"property"`
	Predicted Value  `json:"predicted"`
	Observed  Value  `json:"observed"`
}

// Value is a predicted or observed value of a model disagreement: its
// text for the text output (String), its JSON form (sizes in bytes,
// counts as integers, unlimited as -1, dates RFC 3339, null for none)
// for --format json.
type Value struct{ plan.Val }

// MarshalJSON writes the value's JSON form.
func (v Value) MarshalJSON() ([]byte, error) { return json.Marshal(v.JSON) }

func (v Value) String() string { return v.Text }

// word is a value shown as the same word in text and JSON (a status, a
// sync status).
func word(s string) Value { return Value{plan.Val{Set: true, JSON: s, Text: s}} }

// propValue is a property's value (ok false: the server holds none).
func propValue(v model.Value, ok bool) Value {
	if !ok {
		return Value{plan.Val{Text: "(not set)"}}
	}
	return Value{plan.ValueOf(v, true)}
}

// nameValue is a name (a plan's, an FTP login) as a model disagreement
// shows it: quoted, or none (JSON: the name, "none" for plan none, null
// for no name).
func nameValue(v string) Value {
	switch v {
	case "":
		return Value{plan.Val{Text: "none"}}
	case model.None:
		return Value{plan.Val{Set: true, JSON: v, Text: "none"}}
	}
	return Value{plan.Val{Set: true, JSON: v, Text: strconv.Quote(v)}}
}

// Problem is a problems text Plesk returned for an object (a plan value
// it could not apply: the subscription stays unsynchronized).
type Problem struct {
	Object string `json:"object"`
	Text   string `json:"text"`
}

// Outcome is what an apply on a server did.
type Outcome struct {
	// Record is the snapshot to record: the plan's result for what was
	// done, the prior records for the rest.
	Record *state.Snapshot
	// Writes counts the write operations sent; Planned those computed.
	Writes, Planned int
	// Succeeded counts the writes the server reported done: with none,
	// the server was not changed (every write sent failed).
	Succeeded int
	// Pending lists the objects not done (failed, not reached, or in
	// disagreement): their prior record is kept.
	Pending []string
	// Created are the pending objects this run created on the server
	// (a later write of theirs failed): the server has them, as their
	// add made them, while Record keeps their prior record (none).
	Created []state.Ref
	// Changed are the other pending objects this run changed on the
	// server: one of their writes succeeded before a later one failed
	// or was not reached, or their customer's move, rename or
	// conversion took them along. The server has them as those writes left them, while
	// Record keeps their prior record.
	Changed       []state.Ref
	Disagreements []Disagreement
	Problems      []Problem
	// Notes say what was left undone: what a billing system owns, what
	// plansync does not write yet.
	Notes []string
	// Leftovers say what stays on the server though it leaves the
	// records: a service the server cannot delete (protocol 1.6.9.0).
	Leftovers []string
	// Noted are the subscriptions in model disagreement on their sync
	// status alone after a write of their own (a server that locks a
	// subscription when its status is set): recorded as predicted, with
	// the server's sync status beside it (ServerSyncStatus).
	Noted []string
}

// Run applies p on the server c talks to. The returned outcome (nil
// only when nothing was written) holds what to record; the error is the
// first failed operation, or a read that failed.
func Run(ctx context.Context, c *xmlapi.Client, p *plan.Plan, prior *state.Snapshot, opts Options) (*Outcome, error) {
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	if opts.Batch <= 0 {
		opts.Batch = 100
	}
	if opts.Secret == nil {
		opts.Secret = func(string, string, string) string { return "" }
	}
	if opts.Billing == nil {
		opts.Billing = func(string, string) bool { return false }
	}
	srv := opts.Read
	if srv == nil || opts.Reseller != "" || time.Since(opts.ReadAt) > MaxReadAge || opts.ReadAt.After(time.Now()) {
		var err error
		if srv, err = read(ctx, c, opts.Reseller); err != nil {
			return nil, err
		}
	}
	r := newRun(c, p, prior, srv, opts)
	phases, err := r.build(ctx)
	if err != nil {
		return nil, err
	}
	for _, ph := range phases {
		r.planned += ph.writes()
	}
	r.progress()
	var failed error
	for i, ph := range phases {
		if err := r.exec(ctx, ph); err != nil {
			failed = err
			// What later phases would have written is pending; an
			// object they had nothing to write for is not (a synced
			// subscription that a plan write already reached: record
			// says when its record still waits for a pending plan).
			for _, later := range phases[i+1:] {
				for _, ch := range later.chains {
					if len(ch.steps) > 0 {
						r.pending[ch.ref] = true
					}
				}
			}
			break
		}
	}
	out := &Outcome{Writes: r.writes, Planned: r.planned, Succeeded: r.succeeded, Problems: r.problems, Notes: r.notes, Leftovers: r.leftovers}
	writeFailed := failed != nil
	if failed == nil {
		if err := r.verify(ctx); err != nil {
			failed = err
		}
	} else if ctx.Err() == nil {
		r.noteOwnWrites(ctx)
	}
	if !writeFailed || len(r.noted) > 0 {
		out.Disagreements = r.disagree
	}
	out.Record = r.record()
	for ref := range r.statusHeld {
		r.pending[ref] = true // its status is not done (keptStatuses)
	}
	for _, domain := range r.noted {
		// (One pending all the same keeps its previous record: record.)
		if !r.pending[state.Ref{Kind: "subscription", Key: domain}] {
			out.Noted = append(out.Noted, domain)
		}
	}
	slices.Sort(out.Noted)
	for ref := range r.pending {
		out.Pending = append(out.Pending, ref.Kind+" "+ref.Key)
		if r.added[ref] {
			out.Created = append(out.Created, ref)
		} else if writeFailed && r.changedOnServer(ref) {
			out.Changed = append(out.Changed, ref)
		}
	}
	sort.Strings(out.Pending)
	for _, refs := range [][]state.Ref{out.Created, out.Changed} {
		sort.Slice(refs, func(i, j int) bool {
			a, b := refs[i], refs[j]
			return a.Kind < b.Kind || a.Kind == b.Kind && a.Key < b.Key
		})
	}
	sort.Slice(out.Problems, func(i, j int) bool { return out.Problems[i].Object < out.Problems[j].Object })
	return out, failed
}

// step is one write: op builds it when it is sent (it may name what an
// earlier phase created), then takes the reply of a success.
type step struct {
	op   func() xmlapi.Op
	then func(xmlapi.Reply)
}

// chain is the writes of one object, in order.
type chain struct {
	ref   state.Ref
	steps []step
}

func (ch *chain) add(op func() xmlapi.Op, then func(xmlapi.Reply)) {
	ch.steps = append(ch.steps, step{op: op, then: then})
}

// phase is a set of independent objects: their chains run side by side.
type phase struct {
	name   string
	chains []*chain
}

func (ph *phase) writes() int {
	n := 0
	for _, ch := range ph.chains {
		n += len(ch.steps)
	}
	return n
}

func (ph *phase) chain(kind, key string) *chain {
	ch := &chain{ref: state.Ref{Kind: kind, Key: key}}
	ph.chains = append(ph.chains, ch)
	return ch
}

type run struct {
	// wantCache holds wantOf's results by (effective, settings) set.
	wantCache map[[2]string]model.Props
	// priorSubs indexes the prior's subscriptions by domain (made when
	// first needed, by priorSub).
	priorSubs map[string]*state.Subscription
	// resSubs indexes the result's subscriptions by domain (made when
	// first needed, by resSub).
	resSubs map[string]*state.Subscription
	// priorCustomers indexes the prior's customers by login likewise
	// (priorCustomer).
	priorCustomers map[string]*state.Customer
	// unsettable lists, per object, the settings its config leaves out
	// that the server holds and cannot unset: apply refuses them.
	unsettable []string
	// noHandler lists the PHP versions and handlers to write that the
	// server has no PHP handler for: apply refuses them.
	noHandler []string
	// uncarried lists the add-on plans' values that Plesk's add-on plans
	// cannot hold (mail on): apply refuses them.
	uncarried []string
	// unlockable lists the subscriptions to lock whose customisation
	// holds nothing a Plesk subscription has a field for: apply refuses
	// them.
	unlockable []string
	// serviceDels are the additional services the plan deletes that the
	// server defines (plan-item get): deleted last (buildDeletes).
	serviceDels []string
	// planKeys maps plan GUIDs to their keys (planKeysByGUID).
	planKeys     map[string]string
	planKeysOnce sync.Once

	c     *xmlapi.Client
	p     *plan.Plan
	prior *state.Snapshot
	res   *state.Snapshot
	srv   *importer.Snapshot
	opts  Options

	plans, plansByGUID   map[string]*xmlapi.PlanData // "service_plan KEY" / GUID
	rplans, rplansByGUID map[string]*xmlapi.ResellerPlanData
	resellers, resByGUID map[string]*xmlapi.ResellerData
	custs, custsByGUID   map[string]*xmlapi.CustomerData
	webs, websByGUID     map[string]*xmlapi.WebspaceData
	changes              map[string]*plan.Change // "kind key"

	mu      sync.Mutex
	ids     map[state.Ref]state.PleskID
	pending map[state.Ref]bool
	written map[state.Ref]bool // plans whose values were written
	// valuesSet are the plans whose values a set of this run changes:
	// Plesk brings them to every subscription of the plan not locked.
	valuesSet map[state.Ref]bool
	// contacts are the accounts whose contact details were written;
	// statuses those whose status is written.
	contacts, statuses map[state.Ref]bool
	// statusRead are the accounts whose status verifyStatuses compared.
	statusRead map[state.Ref]bool
	// statusHeld are the accounts whose status the server reports
	// otherwise than planned (a model disagreement: a status billing
	// owns, say): record keeps their status as recorded, and records
	// what else this run did to them.
	statusHeld map[state.Ref]bool
	touched    map[string]bool // subscriptions written
	// short are the subscriptions, by domain, that may hold less of their
	// reseller's pooled allocation than predicted until this run's
	// deletes free it; see buildResyncs.
	short map[string]shortSub
	// givesBack are the resellers some of whose pooled allocation this
	// run gives back other than by a delete (a subscription moved to
	// another owner, or asking less than it holds); see buildResyncs.
	givesBack map[string]bool
	// addonGUIDs are the add-on plans' GUIDs (read and created).
	addonGUIDs map[string]bool
	// moved are the customers moved to another owner (change-owner).
	moved map[string]bool
	// convertMoved are the resellers (by login) converted from a
	// reseller's customer, moved to the administrator first
	// (change-owner).
	convertMoved map[string]bool
	// creating are the plans this run creates; added the objects it
	// created (their add succeeded).
	creating map[state.Ref]bool
	added    map[state.Ref]bool
	// wrote are the objects one of whose writes succeeded.
	wrote map[state.Ref]bool
	// noted are the subscriptions recorded as predicted with the sync
	// status the server reported beside it (compare).
	noted []string
	// keptSecrets are the objects a billing system owns whose changed
	// secret was not written: their records keep the previous one.
	keptSecrets map[state.Ref]bool
	// secretIndex indexes the secrets of r.prior and r.res (secretIn).
	secretIndex map[*state.Snapshot]map[string]string
	// subCustomers are the customers each subscription has, recorded
	// or planned (changedOnServer), subOwners its owners likewise.
	subCustomers map[string][]string
	subOwners    map[string][]string
	problems     []Problem
	notes        []string
	leftovers    []string
	disagree     []Disagreement
	writes       int
	planned      int
	// succeeded counts the writes the server reported done.
	succeeded int
}

func newRun(c *xmlapi.Client, p *plan.Plan, prior *state.Snapshot, srv *importer.Snapshot, opts Options) *run {
	r := &run{c: c, p: p, prior: prior, srv: srv, opts: opts, res: copySnapshot(p.Result),
		plans: map[string]*xmlapi.PlanData{}, plansByGUID: map[string]*xmlapi.PlanData{},
		rplans: map[string]*xmlapi.ResellerPlanData{}, rplansByGUID: map[string]*xmlapi.ResellerPlanData{},
		resellers: map[string]*xmlapi.ResellerData{}, resByGUID: map[string]*xmlapi.ResellerData{},
		custs: map[string]*xmlapi.CustomerData{}, custsByGUID: map[string]*xmlapi.CustomerData{},
		webs: map[string]*xmlapi.WebspaceData{}, websByGUID: map[string]*xmlapi.WebspaceData{},
		changes: map[string]*plan.Change{}, ids: map[state.Ref]state.PleskID{}, pending: map[state.Ref]bool{},
		written: map[state.Ref]bool{}, valuesSet: map[state.Ref]bool{}, contacts: map[state.Ref]bool{}, statuses: map[state.Ref]bool{}, statusRead: map[state.Ref]bool{}, statusHeld: map[state.Ref]bool{}, touched: map[string]bool{}, short: map[string]shortSub{}, givesBack: map[string]bool{}, addonGUIDs: map[string]bool{}, creating: map[state.Ref]bool{}, added: map[state.Ref]bool{}, wrote: map[state.Ref]bool{}, keptSecrets: map[state.Ref]bool{}}
	for _, group := range []struct {
		kind string
		list []*xmlapi.PlanData
	}{{"service_plan", srv.Plans}, {"addon_plan", srv.Addons}} {
		for _, d := range group.list {
			r.plans[group.kind+" "+model.PlanKey(d.OwnerLogin, d.Name)] = d
			r.plansByGUID[d.GUID] = d
			if group.kind == "addon_plan" {
				r.addonGUIDs[d.GUID] = true
			}
		}
	}
	for _, d := range srv.ResellerPlans {
		r.rplans[d.Name] = d
		r.rplansByGUID[d.GUID] = d
	}
	for _, d := range srv.Resellers {
		if d.Data != nil && d.Data.GenInfo != nil {
			r.resellers[d.Data.GenInfo.Login] = d
			r.resByGUID[d.Data.GenInfo.GUID] = d
		}
	}
	for _, d := range srv.Customers {
		if d.Data != nil && d.Data.GenInfo != nil {
			r.custs[d.Data.GenInfo.Login] = d
			r.custsByGUID[d.Data.GenInfo.GUID] = d
		}
	}
	for _, d := range srv.Webspaces {
		if d.Data != nil && d.Data.GenInfo != nil {
			r.webs[d.Data.GenInfo.Domain()] = d
			r.websByGUID[d.Data.GenInfo.GUID] = d
		}
	}
	for _, ch := range p.Changes {
		r.changes[string(ch.Kind)+" "+ch.Key] = ch
	}
	return r
}

// copySnapshot copies the record lists (the records get their Plesk
// identity; the plan's result stays as planned).
func copySnapshot(s *state.Snapshot) *state.Snapshot {
	if s == nil {
		return state.New("")
	}
	c := *s
	c.ServicePlans = append([]state.Plan(nil), s.ServicePlans...)
	c.AddonPlans = append([]state.Plan(nil), s.AddonPlans...)
	c.ResellerPlans = append([]state.Plan(nil), s.ResellerPlans...)
	c.Resellers = append([]state.Reseller(nil), s.Resellers...)
	c.Customers = append([]state.Customer(nil), s.Customers...)
	c.Subscriptions = append([]state.Subscription(nil), s.Subscriptions...)
	return &c
}

// subscriptionStatusChanges reports whether the plan changes the status
// of subscription now (its record in the result) or why it has it (a
// suspension of its own added or lifted while its account's holds).
func (r *run) subscriptionStatusChanges(now *state.Subscription) bool {
	return r.statusChanges("subscription", now.Domain, []plan.Action{plan.Create, plan.Suspend, plan.Activate}, func(key string) bool {
		was := r.priorSub(key)
		return was == nil || was.Status != now.Status || was.ConfigStatus != now.ConfigStatus || !slices.Equal(was.StatusReasons, now.StatusReasons)
	})
}

// customerStatusChanges reports whether the plan changes the status of
// customer now (its record in the result) or why it has it.
func (r *run) customerStatusChanges(now *state.Customer) bool {
	return r.statusChanges("customer", now.Login, []plan.Action{plan.Create, plan.Suspend, plan.Activate, plan.Convert, plan.Move}, func(key string) bool {
		was := r.priorCustomer(key)
		return was == nil || was.Status != now.Status || !slices.Equal(was.StatusReasons, now.StatusReasons)
	})
}

// statusChanges reports whether the plan's change of the object of kind
// and key changes its status or why it has it: one of actions does; else
// its change's fields say so, or, for a saved plan's change (which lists
// no fields), differs does, given the key the object had in the prior.
func (r *run) statusChanges(kind, key string, actions []plan.Action, differs func(priorKey string) bool) bool {
	ch := r.changes[kind+" "+key]
	if ch == nil {
		return false
	}
	if slices.Contains(actions, ch.Action) {
		return true
	}
	if len(ch.Fields) > 0 {
		return slices.ContainsFunc(ch.Fields, func(f *plan.FieldChange) bool { return f.Path == "status" || f.Path == "status_reasons" })
	}
	if old := ch.RenamedFrom; old != "" {
		key = old
	}
	return differs(key)
}

// priorCustomer returns the prior's customer of login (nil: none),
// through an index made the first time (a reseller's suspension may
// leave 20,000 customers to ask about).
func (r *run) priorCustomer(login string) *state.Customer {
	if r.priorCustomers == nil && r.prior != nil {
		r.priorCustomers = indexBy(r.prior.Customers, func(c *state.Customer) string { return c.Login })
	}
	return r.priorCustomers[login]
}

// priorSub returns the prior's subscription of domain (nil: none),
// through an index made the first time.
func (r *run) priorSub(domain string) *state.Subscription {
	if r.priorSubs == nil && r.prior != nil {
		r.priorSubs = indexBy(r.prior.Subscriptions, func(s *state.Subscription) string { return s.Domain })
	}
	return r.priorSubs[domain]
}

// resSub returns the result's subscription that has domain on the
// server before the run (its recorded domain when it is renamed; nil:
// none), through an index made the first time.
func (r *run) resSub(domain string) *state.Subscription {
	if r.resSubs == nil {
		r.resSubs = indexBy(r.res.Subscriptions, func(s *state.Subscription) string {
			return strings.ToLower(r.keyOnServer("subscription", s.Domain))
		})
	}
	return r.resSubs[strings.ToLower(domain)]
}

// indexBy indexes the records of list by key, pointing into list.
func indexBy[T any](list []T, key func(*T) string) map[string]*T {
	m := make(map[string]*T, len(list))
	for i := range list {
		m[key(&list[i])] = &list[i]
	}
	return m
}

// setsSecret reports whether the plan creates an object or sets its
// secret (a password, an FTP password: they cannot be read back, so
// the configured one is sent).
func (r *run) setsSecret(kind, key string) bool {
	ch := r.changes[kind+" "+key]
	return ch != nil && (ch.Action == plan.Create || ch.SetsSecret)
}

func (r *run) setID(ref state.Ref, guid string, id int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur := r.ids[ref]
	if guid != "" {
		cur.GUID = guid
	}
	if id != 0 {
		cur.ID = id
	}
	r.ids[ref] = cur
}

// add records the identity of an object the run created.
func (r *run) add(ref state.Ref, guid string, id int) {
	r.setID(ref, guid, id)
	r.mu.Lock()
	r.added[ref] = true
	r.mu.Unlock()
}

func (r *run) guid(ref state.Ref) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ids[ref].GUID
}

func (r *run) problem(object, text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, Problem{Object: object, Text: strings.TrimSpace(text)})
}

// reproblem replaces what Plesk reported of object so far with what its
// last write reports (texts, none when it reported nothing): a later
// write of the same values supersedes the earlier one's problems.
func (r *run) reproblem(object string, texts []string) {
	r.mu.Lock()
	r.problems = slices.DeleteFunc(r.problems, func(p Problem) bool { return p.Object == object })
	r.mu.Unlock()
	for _, t := range texts {
		r.problem(object, t)
	}
}

// secretLeftToBilling notes that the changed secret (field) of an
// object a billing system owns, which is on the server, is not written
// (SPEC §6.5), and keeps the previous one in its record: the record then
// says what the server has, and the plan shows the change again.
func (r *run) secretLeftToBilling(kind, key, field string) {
	if !r.setsSecret(kind, key) {
		return
	}
	now, before := r.secretIn(r.res, kind, key), r.priorSecret(kind, key)
	if now == "" || now == before {
		return
	}
	r.keptSecrets[state.Ref{Kind: kind, Key: key}] = true
	r.notes = append(r.notes, fmt.Sprintf("%s %s: %s not written (managed by billing): its record keeps the previous one", kind, key, field))
}

// priorSecret is the secret the prior record of an object holds: under
// the name it is renamed from, or, for a customer converted into a
// reseller, the customer's.
func (r *run) priorSecret(kind, key string) string {
	if old := r.renamed(kind, key); old != "" {
		key = old
	}
	if s := r.secretIn(r.prior, kind, key); s != "" || kind != "reseller" {
		return s
	}
	return r.secretIn(r.prior, "customer", key)
}

// secretIn is the recorded secret (hash or ciphertext) of an account or
// subscription in s ("" when s or the object has none), through an index
// of s's secrets made once per snapshot: a fleet may have 100,000 subscriptions whose
// secret billing keeps, and a scan of every record for each is
// quadratic. It is used while the run builds its writes, before any
// secret of r.res is put back (keepSecrets).
func (r *run) secretIn(s *state.Snapshot, kind, key string) string {
	if s == nil {
		return ""
	}
	idx := r.secretIndex[s]
	if idx == nil {
		idx = map[string]string{}
		put := func(k, v string) {
			if _, ok := idx[k]; !ok {
				idx[k] = v // the first record of a key, as a scan finds it
			}
		}
		for _, c := range s.Customers {
			put("customer "+c.Login, c.PasswordHash)
		}
		for _, rs := range s.Resellers {
			put("reseller "+rs.Login, rs.PasswordHash)
		}
		for _, sub := range s.Subscriptions {
			put("subscription "+sub.Domain, sub.FTPPassword)
		}
		if r.secretIndex == nil {
			r.secretIndex = map[*state.Snapshot]map[string]string{}
		}
		r.secretIndex[s] = idx
	}
	return idx[kind+" "+key]
}

// keepSecrets puts back, in res, the previous secrets of keptSecrets.
func (r *run) keepSecrets(res *state.Snapshot) {
	for i := range res.Customers {
		if c := &res.Customers[i]; r.keptSecrets[state.Ref{Kind: "customer", Key: c.Login}] {
			c.PasswordHash = r.priorSecret("customer", c.Login)
		}
	}
	for i := range res.Resellers {
		if rs := &res.Resellers[i]; r.keptSecrets[state.Ref{Kind: "reseller", Key: rs.Login}] {
			rs.PasswordHash = r.priorSecret("reseller", rs.Login)
		}
	}
	for i := range res.Subscriptions {
		if sub := &res.Subscriptions[i]; r.keptSecrets[state.Ref{Kind: "subscription", Key: sub.Domain}] {
			sub.FTPPassword = r.priorSecret("subscription", sub.Domain)
		}
	}
}

// leftToBilling notes that an object a billing system owns is missing
// and keeps it pending (its prior record stays).
func (r *run) leftToBilling(kind, key string) {
	r.notes = append(r.notes, fmt.Sprintf("%s %s is managed by billing and is not on the server yet: not created (its record waits for it)", strings.ReplaceAll(kind, "_", " "), key))
	r.pending[state.Ref{Kind: kind, Key: key}] = true
}

func (r *run) progress() {
	if r.opts.Progress != nil {
		r.opts.Progress(r.writes, r.planned)
	}
}

// exec runs a phase: round k sends the k-th write of every chain that
// has one (they are independent), in packets of Batch, Parallel at a
// time. A chain whose write fails stops; the phase's first failure (in
// chain order) is returned once the round is over.
func (r *run) exec(ctx context.Context, ph *phase) error {
	failed := make([]error, len(ph.chains))
	for round := 0; ; round++ {
		var todo []int
		for i, ch := range ph.chains {
			if failed[i] == nil && round < len(ch.steps) {
				todo = append(todo, i)
			}
		}
		if len(todo) == 0 {
			break
		}
		type packet struct {
			chains []int
			ops    []xmlapi.Op
		}
		var packets []packet
		for start := 0; start < len(todo); start += r.opts.Batch {
			end := min(start+r.opts.Batch, len(todo))
			pk := packet{chains: todo[start:end]}
			for _, i := range pk.chains {
				pk.ops = append(pk.ops, ph.chains[i].steps[round].op())
			}
			packets = append(packets, pk)
		}
		work := make(chan packet)
		var wg sync.WaitGroup
		for w := 0; w < r.opts.Parallel; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for pk := range work {
					replies, err := r.c.Do(ctx, pk.ops...)
					if err != nil && ctx.Err() == nil {
						// No answer to read (transport, a packet refused
						// whole): name what the packet asked for, as
						// plansync names it.
						ref := ph.chains[pk.chains[0]].ref
						what := fmt.Sprintf("%s %s of %s %s", pk.ops[0].Operator(), pk.ops[0].Operation(), ref.Kind, ref.Key)
						if more := len(pk.ops) - 1; more == 1 {
							what += " (and 1 more operation in its packet)"
						} else if more > 1 {
							what += fmt.Sprintf(" (and %d more operations in its packet)", more)
						}
						var te *xmlapi.TransportError
						if errors.As(err, &te) {
							what += ", which may have been carried out"
						}
						err = fmt.Errorf("%s: %w", what, err)
					}
					r.mu.Lock()
					r.writes += len(pk.ops)
					r.progress()
					r.mu.Unlock()
					for n, i := range pk.chains {
						if err != nil {
							failed[i] = err
							continue
						}
						if e := replies[n].Err(); e != nil {
							failed[i] = e
							var oe *xmlapi.OpError
							if errors.As(e, &oe) {
								// Named as plansync names it, not by
								// the GUID or id the packet uses.
								named := *oe
								named.Object = ph.chains[i].ref.Kind + " " + ph.chains[i].ref.Key
								failed[i] = &named
							}
							continue
						}
						r.mu.Lock()
						r.succeeded++
						r.wrote[ph.chains[i].ref] = true
						r.mu.Unlock()
						if then := ph.chains[i].steps[round].then; then != nil {
							then(replies[n])
						}
					}
				}
			}()
		}
		for _, pk := range packets {
			work <- pk
		}
		close(work)
		wg.Wait()
	}
	var first error
	for i, err := range failed {
		if err != nil {
			r.pending[ph.chains[i].ref] = true
			if first == nil {
				first = err
			}
		}
	}
	if first != nil {
		return &Failure{Err: first, Phase: ph.name}
	}
	return nil
}

// Failure is an apply stopped by a failed operation.
type Failure struct {
	Phase string
	Err   error
}

func (f *Failure) Error() string { return f.Err.Error() }
func (f *Failure) Unwrap() error { return f.Err }

// OpError returns the Plesk operation error behind err, if any.
func OpError(err error) *xmlapi.OpError {
	var oe *xmlapi.OpError
	if errors.As(err, &oe) {
		return oe
	}
	return nil
}

// changedOnServer reports whether this run changed a pending object on
// the server: one of its writes succeeded, or, for a subscription, its
// customer's move (change-owner) or conversion into a reseller took it
// to another owner, or its customer's rename (renamed_from) to another
// customer login, or its customer's or owner reseller's status write
// suspended or activated it along with them.
func (r *run) changedOnServer(ref state.Ref) bool {
	if r.wrote[ref] {
		return true
	}
	if ref.Kind != "subscription" {
		return false
	}
	if r.subCustomers == nil {
		// Made once: a failed run may leave 100,000 subscriptions pending.
		r.subCustomers, r.subOwners = map[string][]string{}, map[string][]string{}
		for _, snap := range []*state.Snapshot{r.prior, r.res} {
			if snap == nil {
				continue
			}
			for _, s := range snap.Subscriptions {
				if s.Customer != "" {
					r.subCustomers[s.Domain] = append(r.subCustomers[s.Domain], s.Customer)
				}
				if s.Owner != "" && s.Owner != "admin" {
					r.subOwners[s.Domain] = append(r.subOwners[s.Domain], s.Owner)
				}
			}
		}
	}
	for _, c := range r.subCustomers[ref.Key] {
		cust := state.Ref{Kind: "customer", Key: c}
		if (r.moved[c] || r.renamed("customer", c) != "" || r.statuses[cust]) && r.wrote[cust] || r.added[state.Ref{Kind: "reseller", Key: c}] {
			return true
		}
	}
	for _, o := range r.subOwners[ref.Key] {
		if res := (state.Ref{Kind: "reseller", Key: o}); r.statuses[res] && r.wrote[res] {
			return true
		}
	}
	// On a plan this run wrote (its service plan or one of its add-ons,
	// as recorded): Plesk gave the plan's change to it when it was
	// synced, and its prior record no longer says what it has.
	if p := r.priorSub(ref.Key); p != nil && p.Plan != "" && p.Plan != model.None {
		if r.wrote[state.Ref{Kind: "service_plan", Key: model.PlanKey(p.Owner, p.Plan)}] {
			return true
		}
		for _, a := range p.Addons {
			if r.wrote[state.Ref{Kind: "addon_plan", Key: model.PlanKey(p.Owner, a)}] {
				return true
			}
		}
	}
	return false
}

// record builds the snapshot to record: the result, with the server's
// identities, for what was done; the prior records for what is pending.
func (r *run) record() *state.Snapshot {
	res := r.res
	r.keepSecrets(res)
	id := func(ref state.Ref) *state.PleskID {
		if x, ok := r.ids[ref]; ok && (x.GUID != "" || x.ID != 0) {
			return &x
		}
		return nil
	}
	for i := range res.ServicePlans {
		if x := id(state.Ref{Kind: "service_plan", Key: res.ServicePlans[i].Key}); x != nil {
			res.ServicePlans[i].Plesk = x
		}
	}
	for i := range res.AddonPlans {
		if x := id(state.Ref{Kind: "addon_plan", Key: res.AddonPlans[i].Key}); x != nil {
			res.AddonPlans[i].Plesk = x
		}
	}
	for i := range res.ResellerPlans {
		if x := id(state.Ref{Kind: "reseller_plan", Key: res.ResellerPlans[i].Key}); x != nil {
			res.ResellerPlans[i].Plesk = x
		}
	}
	for i := range res.Resellers {
		if x := id(state.Ref{Kind: "reseller", Key: res.Resellers[i].Login}); x != nil {
			res.Resellers[i].Plesk = x
		}
	}
	for i := range res.Customers {
		if x := id(state.Ref{Kind: "customer", Key: res.Customers[i].Login}); x != nil {
			res.Customers[i].Plesk = x
		}
	}
	for i := range res.Subscriptions {
		if x := id(state.Ref{Kind: "subscription", Key: res.Subscriptions[i].Domain}); x != nil {
			res.Subscriptions[i].Plesk = x
		}
	}
	kept := r.keptStatuses(res)
	if len(r.pending) == 0 {
		kept.restore(res)
		return res
	}
	// A customer or plan that follows its reseller by id to a new login
	// (the reseller renamed) keeps its record while the reseller's is
	// pending: the state never names an owner the server lacks.
	// (A plan's key names its owner: both its keys stay as recorded.)
	ownerPending := func(owner string) bool {
		return owner != "" && owner != model.Admin && r.pending[state.Ref{Kind: "reseller", Key: owner}]
	}
	priorOwner := map[string]string{}
	if r.prior != nil {
		for _, c := range r.prior.Customers {
			priorOwner[c.Login] = c.Owner
		}
	}
	for _, c := range res.Customers {
		if was, ok := priorOwner[c.Login]; ok && was != c.Owner && ownerPending(c.Owner) {
			r.pending[state.Ref{Kind: "customer", Key: c.Login}] = true
		}
	}
	// A customer converted into a reseller stays a customer while its
	// conversion is not done: its record is not dropped for a reseller
	// the server does not have. (Converted, and a later write of the
	// reseller failed, the reseller is recorded as the server has it:
	// Outcome.Created.)
	for _, rs := range res.Resellers {
		if _, was := priorOwner[rs.Login]; was && ownerPending(rs.Login) && !r.added[state.Ref{Kind: "reseller", Key: rs.Login}] {
			r.pending[state.Ref{Kind: "customer", Key: rs.Login}] = true
		}
	}
	for kind, plans := range map[string][]state.Plan{"service_plan": res.ServicePlans, "addon_plan": res.AddonPlans} {
		for _, p := range plans {
			if old := r.renamed(kind, p.Key); old != "" && ownerPending(p.Owner) {
				r.pending[state.Ref{Kind: kind, Key: p.Key}] = true
				r.pending[state.Ref{Kind: kind, Key: old}] = true
			}
		}
	}
	// A subscription's record follows from its plans' and its
	// account's: while one of them is pending (a rename it follows by
	// id, a move), so is the subscription.
	for i := range res.Subscriptions {
		s := &res.Subscriptions[i]
		if s.Customer != "" && r.pending[state.Ref{Kind: "customer", Key: s.Customer}] ||
			s.Owner != "" && s.Owner != model.Admin && r.pending[state.Ref{Kind: "reseller", Key: s.Owner}] {
			r.pending[state.Ref{Kind: "subscription", Key: s.Domain}] = true
		}
		if s.Plan != "" && s.Plan != model.None && r.pending[state.Ref{Kind: "service_plan", Key: model.PlanKey(s.Owner, s.Plan)}] {
			r.pending[state.Ref{Kind: "subscription", Key: s.Domain}] = true
		}
		for _, a := range s.Addons {
			if r.pending[state.Ref{Kind: "addon_plan", Key: model.PlanKey(s.Owner, a)}] {
				r.pending[state.Ref{Kind: "subscription", Key: s.Domain}] = true
			}
		}
	}
	// A pending object renamed in this run (renamed_from) that no write
	// of this run reached keeps its record under the key it had: the
	// rename is not done, and the next plan renames it again rather than
	// creating the new key beside the old one on the server. (Renamed,
	// and a later write of its failed, it is recorded as the server has
	// it: Outcome.Changed.)
	var renamedPending []state.Ref
	for ref := range r.pending {
		if old := r.renamed(ref.Kind, ref.Key); old != "" && old != ref.Key && !r.wrote[ref] {
			renamedPending = append(renamedPending, state.Ref{Kind: ref.Kind, Key: old})
		}
	}
	for _, ref := range renamedPending {
		r.pending[ref] = true
	}
	base := r.renamedBase()
	refs := map[state.Ref]bool{}
	for ref := range state.Records(res) {
		refs[ref] = true
	}
	for ref := range state.Records(base) {
		refs[ref] = true
	}
	var done []state.Ref
	for ref := range refs {
		if !r.pending[ref] {
			done = append(done, ref)
		}
	}
	out := state.Merge(base, res, done)
	r.notePending(out)
	kept.restore(out)
	return out
}

// keptStatus holds, for the accounts whose status alone is in model
// disagreement (statusHeld) and the subscriptions whose status follows
// from theirs, the statuses their previous records hold.
type keptStatus struct {
	resellers, customers map[string]string
	customerReasons      map[string][]string
	subs                 map[string]*state.Subscription
}

// keptStatuses sorts the accounts whose status the server holds
// otherwise than planned (statusHeld) that nothing else keeps pending:
// each is recorded with what this run did to it (contact details, a
// rename, a description: written and read back as planned, SPEC §6.5
// "what succeeded is recorded"), its status as recorded before, so that
// the next plan shows the status again and nothing this run wrote as
// changed outside plansync. The subscriptions of such a customer whose
// own status this run leaves as it was keep their recorded status the
// same way, and are recorded with the rest of what this run did to
// them (a customisation, say). What has no previous record, a
// reseller's customers and subscriptions (whose statuses follow from
// the reseller's), and a customer's subscriptions whose own status this
// run changes, keep their previous records whole (pending), as before.
// Every such account is pending all the same once recorded (Run): the
// run's outcome lists it as not done.
func (r *run) keptStatuses(res *state.Snapshot) *keptStatus {
	k := &keptStatus{resellers: map[string]string{}, customers: map[string]string{}, customerReasons: map[string][]string{}, subs: map[string]*state.Subscription{}}
	if len(r.statusHeld) == 0 {
		return k
	}
	var held []state.Ref
	for ref := range r.statusHeld {
		held = append(held, ref)
	}
	priorKey := func(ref state.Ref) string {
		if old := r.renamed(ref.Kind, ref.Key); old != "" {
			return old
		}
		return ref.Key
	}
	if r.prior == nil {
		for _, ref := range held {
			r.pending[ref] = true
		}
		return k
	}
	for _, ref := range held {
		if r.pending[ref] {
			continue
		}
		switch ref.Kind {
		case "reseller":
			found := false
			for _, rs := range r.prior.Resellers {
				if rs.Login == priorKey(ref) {
					k.resellers[ref.Key], found = rs.Status, true
				}
			}
			if !found {
				r.pending[ref] = true
				continue
			}
			for _, c := range res.Customers {
				if c.Owner == ref.Key {
					r.pending[state.Ref{Kind: "customer", Key: c.Login}] = true
				}
			}
			for _, s := range res.Subscriptions {
				if s.Owner == ref.Key {
					r.pending[state.Ref{Kind: "subscription", Key: s.Domain}] = true
				}
			}
		case "customer":
			c := r.priorCustomer(priorKey(ref))
			if c == nil {
				r.pending[ref] = true
				continue
			}
			k.customers[ref.Key], k.customerReasons[ref.Key] = c.Status, c.StatusReasons
			for _, s := range res.Subscriptions {
				if s.Customer != ref.Key {
					continue
				}
				sub := state.Ref{Kind: "subscription", Key: s.Domain}
				was := r.priorSub(s.Domain)
				if old := r.renamed("subscription", s.Domain); old != "" {
					was = r.priorSub(old)
				}
				if was == nil || was.ConfigStatus != s.ConfigStatus || r.pending[sub] {
					r.pending[sub] = true
					continue
				}
				k.subs[s.Domain] = was
			}
		}
	}
	return k
}

// restore gives the records in out the statuses k keeps.
func (k *keptStatus) restore(out *state.Snapshot) {
	for i := range out.Resellers {
		if st, ok := k.resellers[out.Resellers[i].Login]; ok {
			out.Resellers[i].Status = st
		}
	}
	for i := range out.Customers {
		c := &out.Customers[i]
		if st, ok := k.customers[c.Login]; ok {
			c.Status, c.StatusReasons = st, slices.Clone(k.customerReasons[c.Login])
		}
	}
	for i := range out.Subscriptions {
		s := &out.Subscriptions[i]
		if was := k.subs[s.Domain]; was != nil {
			s.Status, s.StatusReasons = was.Status, slices.Clone(was.StatusReasons)
		}
	}
}

// notePending gives the subscriptions compare noted that are pending all
// the same (their account in model disagreement, say), whose previous
// records out keeps, the sync status the server reported beside them
// when those records say otherwise: the server changed it on this run's
// own write, which the next plan must not call a change outside
// plansync.
func (r *run) notePending(out *state.Snapshot) {
	if len(r.noted) == 0 {
		return
	}
	noted := make(map[string]bool, len(r.noted))
	for _, d := range r.noted {
		noted[d] = true
	}
	server := map[string]string{}
	for i := range r.res.Subscriptions {
		s := &r.res.Subscriptions[i]
		if s.ServerSyncStatus != "" && noted[s.Domain] && r.pending[state.Ref{Kind: "subscription", Key: s.Domain}] {
			server[s.Domain] = s.ServerSyncStatus
		}
	}
	for i := range out.Subscriptions {
		s := &out.Subscriptions[i]
		if st, ok := server[s.Domain]; ok {
			s.ServerSyncStatus = ""
			if s.SyncStatus != st {
				s.ServerSyncStatus = st
			}
		}
	}
}

// renamedBase is the prior state a record keeps its pending objects
// from, with the customers and subscriptions this run renamed
// (renamed_from) and wrote, though they are pending (in model
// disagreement, say), under their new keys: the server has them under
// that name, and the rest of their previous record is kept. (The
// subscriptions a renamed customer holds name its new login.)
func (r *run) renamedBase() *state.Snapshot {
	if r.prior == nil {
		return nil
	}
	newKey := map[state.Ref]string{}
	for ref := range r.pending {
		if old := r.renamed(ref.Kind, ref.Key); old != "" && old != ref.Key && r.wrote[ref] && (ref.Kind == "customer" || ref.Kind == "subscription") {
			newKey[state.Ref{Kind: ref.Kind, Key: old}] = ref.Key
		}
	}
	if len(newKey) == 0 {
		return r.prior
	}
	base := *r.prior
	base.Customers = slices.Clone(base.Customers)
	for i := range base.Customers {
		if k, ok := newKey[state.Ref{Kind: "customer", Key: base.Customers[i].Login}]; ok {
			base.Customers[i].Login = k
		}
	}
	base.Subscriptions = slices.Clone(base.Subscriptions)
	for i := range base.Subscriptions {
		s := &base.Subscriptions[i]
		if k, ok := newKey[state.Ref{Kind: "subscription", Key: s.Domain}]; ok {
			s.Domain = k
		}
		if k, ok := newKey[state.Ref{Kind: "customer", Key: s.Customer}]; ok && s.Customer != "" {
			s.Customer = k
		}
	}
	return &base
}

// ---- reading back ---------------------------------------------------------

// verify reads back, in batches, every subscription a written plan
// reaches and every subscription written, and compares it with the
// prediction; and every other subscription whose record the plan
// changes, whether or not a write was sent for it, compared on what the
// plan changes of it (changedPaths): when nothing needed writing (an
// earlier apply wrote the plan and found the server disagreeing), the
// prediction is still not recorded unless the server agrees (SPEC
// §6.5). A subscription in disagreement keeps its prior record.
func (r *run) verify(ctx context.Context) error {
	names := map[string]bool{}
	for ref := range r.written {
		ch := r.changes[ref.Kind+" "+ref.Key]
		if ch != nil && ch.Fanout != nil {
			for _, k := range ch.Fanout.Reaches {
				names[k] = true
			}
		}
	}
	for k := range r.touched {
		names[k] = true
	}
	// Every subscription on a written plan or add-on (a saved plan has no
	// fan-out to say which).
	for i := range r.res.Subscriptions {
		if s := &r.res.Subscriptions[i]; onPlan(s, func(ref state.Ref) bool { return r.written[ref] }) {
			names[s.Domain] = true
		}
	}
	// The other subscriptions the plan changes: no write reached them,
	// yet the record takes the prediction of what the plan changes.
	changed := map[string]*plan.Change{}
	for _, ch := range r.p.Changes {
		if ch.Kind == plan.KindSubscription && ch.Action != plan.Delete && !names[ch.Key] {
			changed[ch.Key] = ch
		}
	}
	subs := map[string]*state.Subscription{}
	for i := range r.res.Subscriptions {
		s := &r.res.Subscriptions[i]
		if (names[s.Domain] || changed[s.Domain] != nil) && !r.pending[state.Ref{Kind: "subscription", Key: s.Domain}] {
			subs[s.Domain] = s
		}
	}
	list := make([]string, 0, len(subs))
	for k := range subs {
		list = append(list, k)
	}
	sort.Strings(list)
	var readErr error
	read := map[string]bool{}
	err := r.readPackets(ctx, chunked(list, webspaceGet), func(rep xmlapi.Reply) {
		for _, res := range rep.Results {
			w, ok := res.(*xmlapi.WebspaceData)
			if ok && w.Status.Status != "ok" && w.Status.ErrCode != xmlapi.ErrNotFound && readErr == nil {
				// Not read back is not agreeing: the prediction is
				// not recorded (one gone from the server is drift,
				// not this).
				readErr = xmlapi.ResultError(r.c.Server(), rep.Op, w)
			}
			if !ok || w.Status.Status != "ok" || w.Data == nil || w.Data.GenInfo == nil {
				continue
			}
			s := subs[w.Data.GenInfo.Domain()]
			if s == nil {
				continue
			}
			read[s.Domain] = true
			var only func(string) bool
			if !r.subscriptionStatusChanges(s) {
				// Its status is not the plan's to change, and this run
				// did not write it (buildStatuses): what differs there
				// (suspended on its own in the panel while its customer
				// is suspended, which no drift shows) is no disagreement
				// with this run's writes.
				only = func(path string) bool { return path != "status" }
			}
			if ch := changed[s.Domain]; ch != nil {
				only = r.changedPaths(ch, s)
				if r.wrote[state.Ref{Kind: "subscription", Key: s.Domain}] {
					// A write of its own (its status, its
					// expiration, its address) may lock it on
					// the server: its sync status is compared too.
					paths := only
					only = func(path string) bool { return path == "sync_status" || paths(path) }
				}
			}
			r.compare(s, w, only)
		}
	})
	if err != nil {
		return err
	}
	if readErr != nil {
		// The subscriptions not read back that a written plan reaches,
		// and no write of their own, keep their prior record (their
		// values are a prediction): the next apply reads them back. The
		// others' writes succeeded: they are recorded, as after a
		// read-back not answered.
		for domain := range subs {
			ref := state.Ref{Kind: "subscription", Key: domain}
			if !read[domain] && !r.wrote[ref] && changed[domain] == nil {
				r.pending[ref] = true
			}
		}
		return readErr
	}
	if err := r.verifyAccounts(ctx); err != nil {
		return err
	}
	r.compareBillingStatuses()
	sort.Slice(r.disagree, func(i, j int) bool {
		a, b := r.disagree[i], r.disagree[j]
		if a.Account != b.Account {
			return a.Account < b.Account
		}
		if a.Subscription != b.Subscription {
			return a.Subscription < b.Subscription
		}
		return a.Property < b.Property
	})
	return nil
}

// noteOwnWrites reads back, after a write failed, the subscriptions
// whose own writes (their status, their expiration date) all succeeded,
// and compares their sync status alone: a server that locks a
// subscription on such a write has locked it, and compare notes that
// beside the record, as verify does after a run that succeeded (else the
// next plan would call the lock a change outside plansync). The rest of
// a failed run is not read back; a read that fails leaves them recorded
// as predicted.
func (r *run) noteOwnWrites(ctx context.Context) {
	subs := map[string]*state.Subscription{}
	for i := range r.res.Subscriptions {
		s := &r.res.Subscriptions[i]
		ref := state.Ref{Kind: "subscription", Key: s.Domain}
		if r.wrote[ref] && !r.added[ref] && !r.pending[ref] {
			subs[s.Domain] = s
		}
	}
	if len(subs) == 0 {
		return
	}
	list := slices.Sorted(maps.Keys(subs))
	syncOnly := func(path string) bool { return path == "sync_status" }
	_ = r.readPackets(ctx, chunked(list, webspaceGet), func(rep xmlapi.Reply) {
		for _, res := range rep.Results {
			w, ok := res.(*xmlapi.WebspaceData)
			if !ok || w.Status.Status != "ok" || w.Data == nil || w.Data.GenInfo == nil {
				continue
			}
			if s := subs[w.Data.GenInfo.Domain()]; s != nil {
				r.compare(s, w, syncOnly)
			}
		}
	})
	sort.Slice(r.disagree, func(i, j int) bool { return r.disagree[i].Subscription < r.disagree[j].Subscription })
}

// contactsToVerify lists the accounts verifyContacts compares: those
// whose contact details were written, none pending.
func (r *run) contactsToVerify() map[state.Ref]bool {
	out := map[state.Ref]bool{}
	for ref := range r.contacts {
		if !r.pending[ref] {
			out[ref] = true
		}
	}
	return out
}

// verifyContacts compares the accounts listed (contactsToVerify), as
// read back after the writes (verifyAccounts), with the prediction. An
// account in disagreement keeps its prior record.
func (r *run) verifyContacts(read *accountsRead, check map[state.Ref]bool) error {
	if len(check) == 0 {
		return nil
	}
	if read.err != nil {
		return read.err
	}
	if f := read.failure(check); f != nil {
		// Not read back is not agreeing: these accounts keep their
		// prior record.
		for ref := range r.contacts {
			if ref.Kind == f.kind {
				r.pending[ref] = true
			}
		}
		return f.err
	}
	customers := map[string]*state.Customer{}
	for i := range r.res.Customers {
		customers[r.res.Customers[i].Login] = &r.res.Customers[i]
	}
	resellers := map[string]*state.Reseller{}
	for i := range r.res.Resellers {
		resellers[r.res.Resellers[i].Login] = &r.res.Resellers[i]
	}
	for _, d := range read.custs {
		gi := d.Data.GenInfo
		if c := customers[gi.Login]; c != nil && check[state.Ref{Kind: "customer", Key: gi.Login}] {
			r.compareContact("customer", c.Login, c.Contact, c.Description, gi.Name, gi.Company, gi.Email, gi.Phone, gi.Address, gi.Description)
		}
	}
	for _, d := range read.ress {
		gi := d.Data.GenInfo
		if rs := resellers[gi.Login]; rs != nil && check[state.Ref{Kind: "reseller", Key: gi.Login}] {
			r.compareContact("reseller", rs.Login, rs.Contact, rs.Description, gi.Name, gi.Company, gi.Email, gi.Phone, gi.Address, gi.Description)
		}
	}
	return nil
}

// compareBilling adds the differences in what apply does not write of a
// subscription a billing system owns: its plan, add-ons and FTP login.
func (r *run) compareBilling(s *state.Subscription, w *xmlapi.WebspaceData, info webInfo, add func(property string, predicted, observed Value)) {
	keys := r.planKeysByGUID()
	name := func(guid string) string {
		key, ok := keys[guid]
		if !ok {
			return guid
		}
		if s.Owner != "" && s.Owner != model.Admin {
			return strings.TrimPrefix(key, s.Owner+"/")
		}
		return key
	}
	if want, have := s.Plan, name(info.plan); info.plan == "" && want != model.None && want != "" || info.plan != "" && want != have {
		add("plan", nameValue(want), nameValue(have))
	}
	have := make([]string, len(info.addons))
	for i, g := range info.addons {
		have[i] = name(g)
	}
	if !slices.Equal(s.Addons, have) {
		add("addons", Value{plan.ListOf(s.Addons, true)}, Value{plan.ListOf(have, true)})
	}
	if s.FTPLogin != "" {
		if login := webspaceFTPLogin(w); login != s.FTPLogin {
			add("ftp_login", nameValue(s.FTPLogin), nameValue(login))
		}
	}
}

// ownersPlans keeps of a subscription's plans those of its owner, for
// the names compareBilling compares: a subscription names its owner's
// plans only, and one the server has on another owner's plan (a
// reseller's own subscription left on the admin's plan by a conversion
// billing made) is read by refresh as plan none, still linked to that
// plan (refresh.OnPlan); apply's read-back names it so too, so that the
// two reads of the same server agree (SPEC §6.4, §6.5). Its sync status
// is still the server's (compare).
func (r *run) ownersPlans(s *state.Subscription, info webInfo) webInfo {
	keys := r.planKeysByGUID()
	owns := func(guid string) bool {
		key, ok := keys[guid]
		if !ok {
			return true // not a plan apply knows: left as it is
		}
		owner, _, found := strings.Cut(key, "/")
		if !found {
			owner = model.Admin // the admin's plans' keys name no owner
		}
		return sameOwner(owner, s.Owner)
	}
	if info.plan != "" && !owns(info.plan) {
		info.plan = ""
	}
	var addons []string
	for _, g := range info.addons {
		if owns(g) {
			addons = append(addons, g)
		}
	}
	info.addons = addons
	return info
}

// planKeysByGUID maps the GUIDs of the service and add-on plans apply
// knows to their keys, made once (after the writes: verify).
func (r *run) planKeysByGUID() map[string]string {
	r.planKeysOnce.Do(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.planKeys = map[string]string{}
		for ref, id := range r.ids {
			if (ref.Kind == "service_plan" || ref.Kind == "addon_plan") && id.GUID != "" {
				r.planKeys[id.GUID] = ref.Key
			}
		}
	})
	return r.planKeys
}

// webspaceFTPLogin is the FTP login the server reports for a
// subscription ("" for none).
func webspaceFTPLogin(d *xmlapi.WebspaceData) string {
	login := ""
	if d.Data.Hosting != nil && d.Data.Hosting.VrtHst != nil {
		for _, p := range d.Data.Hosting.VrtHst.Property {
			if p.Name == "ftp_login" {
				login = p.Value
			}
		}
	}
	return login
}

// compareBillingStatuses records the customers and resellers a billing
// system owns whose status (and, for a reseller, reseller plan) on the
// server is not the one planned: apply
// does not write their status, so the server's (as read before the
// writes, which never touch it) is what they have; those verifyStatuses
// read back after the writes (their status, or their reseller's,
// changed in this run) were compared there. Each is a model
// disagreement and keeps its prior record.
func (r *run) compareBillingStatuses() {
	check := func(kind, login, want string, have int) {
		ref := state.Ref{Kind: kind, Key: login}
		if r.pending[ref] || r.statusHeld[ref] || r.statusRead[ref] || !r.opts.Billing(kind, login) || !r.inPlan(kind, login) {
			return
		}
		suspended := want == "suspended"
		if held := have != 0; held == suspended {
			return
		}
		r.disagree = append(r.disagree, Disagreement{Account: kind + " " + login, Property: "status",
			Predicted: word(statusText(suspended)), Observed: word(statusText(!suspended))})
		r.statusHeld[ref] = true
	}
	for _, rs := range r.res.Resellers {
		if d := r.resellers[rs.Login]; d != nil && d.Data != nil && d.Data.GenInfo != nil {
			check("reseller", rs.Login, rs.Status, d.Data.GenInfo.Status)
		}
	}
	for _, c := range r.res.Customers {
		if d := r.custs[c.Login]; d != nil && d.Data != nil && d.Data.GenInfo != nil {
			check("customer", c.Login, c.Status, d.Data.GenInfo.Status)
		}
	}
	// Their reseller plan too: apply does not switch it, so the server
	// keeps the one it had (as read before the writes).
	for _, rs := range r.res.Resellers {
		d := r.resellers[rs.Login]
		if d == nil || d.Data == nil || d.Data.GenInfo == nil || !r.opts.Billing("reseller", rs.Login) || !r.inPlan("reseller", rs.Login) {
			continue
		}
		have, want := r.resellerPlanGUIDs(rs, d)
		if sub := d.Data.Subscriptions; want == "" && sub != nil && sub.Subscription != nil && sub.Subscription.Locked == "true" {
			// Customised in the panel on its plan, whose changes no
			// longer reach it: it has its own allocation, which is
			// plan none (as import and refresh take it).
			have = ""
		}
		if have == want {
			continue
		}
		r.disagree = append(r.disagree, Disagreement{Account: "reseller " + rs.Login, Property: "plan",
			Predicted: nameValue(rs.Plan), Observed: nameValue(r.resellerPlanName(have))})
		r.pending[state.Ref{Kind: "reseller", Key: rs.Login}] = true
	}
}

// resellerPlanGUIDs gives the GUID of the reseller plan reseller d is
// on on the server (have) and of the one rs, its result record, is on
// (want); "" for none.
func (r *run) resellerPlanGUIDs(rs state.Reseller, d *xmlapi.ResellerData) (have, want string) {
	if sub := d.Data.Subscriptions; sub != nil && sub.Subscription != nil && len(sub.Subscription.Plan) > 0 {
		have = sub.Subscription.Plan[0].GUID
	}
	if rs.Plan != model.None && rs.Plan != "" {
		want = r.guid(state.Ref{Kind: "reseller_plan", Key: rs.Plan})
	}
	return have, want
}

// resellerPlanName is the name of the reseller plan with GUID guid ("" for
// none, the GUID when it is not one plansync knows).
func (r *run) resellerPlanName(guid string) string {
	if guid == "" {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for ref, id := range r.ids {
		if ref.Kind == "reseller_plan" && id.GUID == guid {
			return ref.Key
		}
	}
	return guid
}

// compareContact records the contact fields of an account the server
// reports otherwise than predicted (contactDiff: what a set would still
// send).
func (r *run) compareContact(kind, login string, want state.Contact, wantDesc string, name, company, email, phone, address, desc string) {
	cs, changed := contactDiff(login, want, wantDesc, r.priorDescription(kind, login), name, company, email, phone, address, desc)
	if !changed {
		return
	}
	quote := func(v string) Value {
		if v == "" {
			return Value{plan.Val{Text: "(none)"}}
		}
		return Value{plan.StringOf(v)}
	}
	for _, f := range []struct {
		path string
		want *string
		have string
	}{{"name", cs.Name, name}, {"company", cs.Company, company}, {"email", cs.Email, email},
		{"phone", cs.Phone, phone}, {"address", cs.Address, address}, {"description", cs.Description, desc}} {
		if f.want != nil {
			r.disagree = append(r.disagree, Disagreement{Account: kind + " " + login, Property: f.path, Predicted: quote(*f.want), Observed: quote(f.have)})
		}
	}
	r.pending[state.Ref{Kind: kind, Key: login}] = true
}

// changedPaths says which of a subscription's properties (value paths,
// sync_status, status, expires) the plan changes in its record: those
// its change lists, as planned from what the server was read to have.
// The others keep what the record already holds, and the server's
// difference there is not this apply's prediction (a value the refresh
// recorded as the server's, an unavailable one the server still
// reports). A saved plan's changes list no fields (but the secrets they
// set): what differs from the prior record is what the plan changes.
func (r *run) changedPaths(ch *plan.Change, s *state.Subscription) func(string) bool {
	paths := map[string]bool{}
	for _, f := range ch.Fields {
		if !f.Sensitive {
			paths[f.Path] = true
		}
	}
	if paths["status_reasons"] {
		// Why it is suspended changes while its status reads the same
		// (suspended in the panel while expired, set back): its own
		// status on the server is this apply's prediction too.
		paths["status"] = true
	}
	if len(paths) > 0 {
		return func(path string) bool { return paths[path] }
	}
	p := r.priorSub(s.Domain)
	if p == nil {
		return nil
	}
	before := subscriptionProps(r.props(r.prior.PropertySets[p.Effective], r.settingsIn(r.prior, p)))
	after := r.wantOf(s)
	for path, v := range after {
		if bv, ok := before[path]; !ok || bv != v {
			paths[path] = true
		}
	}
	for path := range before {
		if _, ok := after[path]; !ok {
			paths[path] = true
		}
	}
	paths["sync_status"] = p.SyncStatus != s.SyncStatus
	paths["status"] = p.ConfigStatus != s.ConfigStatus
	paths["expires"] = expiration(p.Expires) != expiration(s.Expires)
	return func(path string) bool { return paths[path] }
}

// compare records the differences between a subscription's prediction
// and what the server reports, on the properties only accepts (nil:
// all).
func (r *run) compare(s *state.Subscription, w *xmlapi.WebspaceData, only func(string) bool) {
	if only == nil || only("sync_status") {
		// A sync status noted before is noted again below, or the
		// server agrees now.
		s.ServerSyncStatus = ""
	}
	want := r.wantOf(s)
	have := r.observed(mapping.FromWebspace(w))
	add := func(property string, predicted, observed Value) {
		if only != nil && !only(property) {
			return
		}
		r.disagree = append(r.disagree, Disagreement{Subscription: s.Domain, Property: property, Predicted: predicted, Observed: observed})
	}
	write, reset, _ := diff(want, have, r.settings(s))
	for _, path := range write.Paths() {
		hv, ok := have[path]
		if ok && hv == want[path] {
			continue // written with its pair (PHP version and handler)
		}
		add(path, propValue(want[path], true), propValue(hv, ok))
	}
	for _, path := range reset {
		add(path, Value{plan.Val{Text: "(default)"}}, propValue(have[path], true))
	}
	info := r.subInfo(w)
	status := "custom"
	if info.plan != "" {
		switch {
		case info.locked:
			status = "locked"
		case !info.synced:
			status = "unsynced"
		default:
			status = "synced"
		}
	}
	if status != s.SyncStatus && !(status == "synced" && plan.ServicesOnly(s, plan.PlansValues(s, r.res.PropertySets))) {
		add("sync_status", word(s.SyncStatus), word(status))
	}
	if w.Data.GenInfo != nil {
		// The subscription's own status (its owner's suspension is the
		// owner's): suspended in the panel by the administrator, its
		// reseller or its customer. Held expired (256) while the
		// prediction has it active (its date not passed: renewed, or
		// expired outside plansync), it is suspended as statuses takes
		// it: a status apply did not write (a billing system's) leaves
		// it so, which is not the prediction.
		want, have := s.ConfigStatus == "suspended", heldSuspended(w.Data.GenInfo.Status, s)
		if want != have {
			add("status", word(statusText(want)), word(statusText(have)))
		}
	}
	if want, have := expiration(s.Expires), serverExpiration(w); want != have {
		add("expires", expiresValue(want), expiresValue(have))
	}
	if r.opts.Billing != nil && r.opts.Billing("subscription", s.Domain) {
		r.compareBilling(s, w, r.ownersPlans(s, info), add)
	}
	first := len(r.disagree)
	for first > 0 && r.disagree[first-1].Subscription == s.Domain {
		first--
	}
	if first == len(r.disagree) {
		return
	}
	ref := state.Ref{Kind: "subscription", Key: s.Domain}
	if ds := r.disagree[first:]; len(ds) == 1 && ds[0].Property == "sync_status" && r.wrote[ref] && !r.added[ref] {
		// Its own write (its status, its expiration date) succeeded and
		// the server changed its sync status on it (a server that locks
		// a subscription so): the record is the prediction, which the
		// server has but for that, with the server's sync status beside
		// it, so that the next refresh tells this disagreement from a
		// lock in the panel. Keeping the prior record would make the
		// write itself look like an edit outside plansync.
		s.ServerSyncStatus = status
		r.noted = append(r.noted, s.Domain)
		return
	}
	r.pending[ref] = true
}

// settings lists the paths of a subscription's own settings (kept by its
// permissions; plansync does not write them).
// wantOf returns the values a subscription should have on the server
// (its effective values less its own settings, without preferences).
// Subscriptions that share their effective set and settings (all the
// synced subscriptions of a plan) share the result: it is computed once
// per pair and must not be changed by the caller.
func (r *run) wantOf(s *state.Subscription) model.Props {
	k := [2]string{s.Effective, s.Settings}
	if p, ok := r.wantCache[k]; ok {
		return p
	}
	if r.wantCache == nil {
		r.wantCache = map[[2]string]model.Props{}
	}
	p := subscriptionProps(r.props(r.res.PropertySets[s.Effective], r.settings(s)))
	r.wantCache[k] = p
	return p
}

func (r *run) settings(s *state.Subscription) map[string]bool {
	return r.settingsIn(r.res, s)
}

// settingsIn lists the paths of a subscription's own settings in snap.
func (r *run) settingsIn(snap *state.Snapshot, s *state.Subscription) map[string]bool {
	if s.Settings == "" {
		return nil
	}
	out := map[string]bool{}
	for path := range snap.PropertySets[s.Settings] {
		out[path] = true
	}
	return out
}

// webInfo is a subscription's plan, add-ons and flags as the server has
// them.
type webInfo struct {
	plan           string
	addons         []string
	locked, synced bool
}

// subInfo reads a subscription's plans: its plan-guids list the service
// plan and the add-ons together, told apart by looking them up.
func (r *run) subInfo(w *xmlapi.WebspaceData) webInfo {
	info := webInfo{synced: true}
	if w == nil || w.Data == nil || w.Data.Subscriptions == nil || w.Data.Subscriptions.Subscription == nil {
		return info
	}
	sub := w.Data.Subscriptions.Subscription
	info.locked = sub.Locked == "true"
	info.synced = sub.Synchronized != "false"
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, g := range sub.Plan {
		if r.addonGUIDs[g.GUID] {
			info.addons = append(info.addons, g.GUID)
		} else if info.plan == "" {
			info.plan = g.GUID
		}
	}
	return info
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// expiresValue is a subscription's expiration limit (Unix seconds) as a
// model disagreement shows it: its date, or never (JSON null).
func expiresValue(limit string) Value {
	n, err := strconv.ParseInt(limit, 10, 64)
	if err != nil || n <= 0 {
		return Value{plan.Val{Text: "never"}}
	}
	return word(time.Unix(n, 0).UTC().Format(time.RFC3339))
}

func statusText(suspended bool) string {
	if suspended {
		return "suspended"
	}
	return "active"
}

// read reads the server: the whole business layer, or, with a reseller's
// credentials, what the reseller may see.
func read(ctx context.Context, c *xmlapi.Client, reseller string) (*importer.Snapshot, error) {
	return importer.ReadAs(ctx, c, reseller)
}

// inPlan reports whether an object is this run's to write: every object
// of the result, or, for a plan limited by --target or a saved plan
// (Options.OnlyChanges), only those it changes (what Plesk propagates
// from them follows by itself).
func (r *run) inPlan(kind, key string) bool {
	if !r.p.Partial && !r.opts.OnlyChanges {
		return true
	}
	return r.changes[kind+" "+key] != nil
}

// mine reports whether an object owned by owner is this run's to write:
// every one for the admin, only its own for a reseller.
func (r *run) mine(owner string) bool {
	return r.opts.Reseller == "" || owner == r.opts.Reseller
}
