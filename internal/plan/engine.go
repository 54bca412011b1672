package plan

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// Secrets hashes and verifies secrets. The engine never sees a stored
// secret in clear: it asks whether a configured value matches a recorded
// hash, and for a hash of a new value.
type Secrets interface {
	Hash(plain string) (string, error)
	Verify(hash, plain string) bool
}

// Rerecorder is implemented by Secrets that record secrets in a newer
// form than some recorded values have (bcrypt hashes, once secrets are
// encrypted with a key): a recorded value it calls Outdated whose secret
// verifies is recorded anew (Hash) in the plan's result. That is not a
// change: it is written by an apply that records something anyway, and
// a plan notes how many are pending.
type Rerecorder interface {
	Outdated(recorded string) bool
}

// Input is everything the engine plans from.
type Input struct {
	Config *model.Config
	// Prior is the recorded state; nil when none was written yet.
	Prior *state.Snapshot
	// Lineage is used for the result when there is no prior state.
	Lineage string
	Now     time.Time
	Secrets Secrets
	// Scope, when set, limits planning to what one reseller owns: its
	// service and add-on plans, customers and subscriptions. Everything
	// else is carried over from the recorded state as it is.
	Scope *Scope
	// Reuse, when set, is an earlier plan of the same config directory
	// (a watcher's last one): the subscriptions none of whose inputs
	// changed since are carried over from it rather than planned again.
	// The plan is the same with or without it, provided nothing modified
	// the earlier plan's inputs (config, prior state) since: a plan holds
	// on to them, so each plan needs its own config (as each load of the
	// directory gives) and a prior state is never edited in place. A
	// carried subscription keeps the secret hashes the earlier plan made
	// (any hash of the same secret verifies alike).
	Reuse *Plan
	// ResultOnly says the caller uses only the plan's Result (the
	// records of a Plesk server's read, say): a subscription being
	// created gets no Change, which on a large fleet is most of what a
	// plan from nothing holds. Such a plan is not for display or apply.
	ResultOnly bool
	// Existing says the config is what a server already has (the
	// records of a Plesk server's read): a custom subscription that is
	// not recorded is not a new one, and its values are its
	// customisation (what the server reports) over what a plan leaves
	// out (Defaults), never the server's default plan, which only a
	// subscription plansync creates starts from (SPEC §1.3: a
	// subscription without a plan keeps every value it has).
	Existing bool
	// Held are, by domain, the resources the server holds for the
	// subscriptions on a plan it reports not synchronized with it
	// (synchronized=false), with Existing: what they have applied from
	// their reseller's allocation is what they hold, not what their
	// plans ask (a reseller's allocation that could not give it all).
	Held map[string]model.Props
	// ComponentsRead says the server's components are those a Plesk
	// server reported (SPEC §6.1), not the config's list: a missing one
	// is installed on the server, which the conflicts' fix says.
	ComponentsRead bool
	// UnrecordedServer says the config has no server block and its
	// Server only carries the components a Plesk server reported
	// (ServerComponents): they are recorded, as an observation, with no
	// change planned for the server.
	UnrecordedServer bool
	// slow, for tests, turns off the shortcuts of planning a
	// subscription like its record (setStore.internLike,
	// engine.customised), to show they give what planning without them
	// gives.
	slow bool
}

// engine holds one planning run.
type engine struct {
	// mu guards what the subscription workers share: diags and the memo
	// tables (bases, compMemo, adjMemo).
	mu     sync.Mutex
	in     Input
	cfg    *model.Config
	prior  *state.Snapshot
	result *state.Snapshot
	sets   *setStore
	now    time.Time
	diags  diag.Diagnostics
	// domains and logins are the config's subscriptions and customers
	// in order, sorted while the engine does other work (subDomains,
	// customerLogins).
	domains, logins sortedKeys

	changes   []*Change
	conflicts []Conflict
	statuses  []SubStatus
	notes     []string

	// plan bases by plan key + add-ons
	bases map[string]*baseEntry
	// uses are the plans subscriptions use, by owner, plan and add-ons
	// (plansUsed).
	uses map[string][]string
	// customisedSets are the transient sets of a base with a
	// customisation on top (customised).
	customisedSets map[[2]*pset]*pset
	// plan records by kind and key, and which changed
	planChanged map[string]*Change // "service_plan Business" -> change
	priorPlans  map[string]*state.Plan
	// compMemo memoises missing components per shared property set.
	compMemo map[string][]componentConflict
	adjMemo  map[string]*pset
	// grantMemo memoises reseller grant checks per owner and shared set.
	grantMemo map[string]*pset
	services  map[string]*model.Service
	allocs    map[string]allocation
	// overAlloc holds, by reseller, the warnings that what its
	// subscriptions have applied is over its allocation (overAllocated);
	// allocated says allocate ran for a reseller in this plan.
	overAlloc map[string][]diag.Diagnostic
	allocated map[string]bool
	// replanned are the resellers whose subscriptions are all planned
	// again, not carried over from the plan reused (reuseSubs): one
	// whose last subscription went has no allocation run, and none of
	// that plan's warnings either.
	replanned map[string]bool
	// secret verification results: hash+"\x00"+plain -> ok
	verified map[string]bool
	// rerecorded counts the outdated secrets recorded anew (Rerecorder).
	rerecorded atomic.Int64

	// renamed maps "kind oldkey" to the new key of renamed objects.
	renamed        map[string]string
	priorSubs      map[string]*state.Subscription
	priorCustomers map[string]*state.Customer
	// suspendedSubs are the result's suspended subscriptions by
	// customer (staySuspended).
	suspendedSubs  map[string][]string
	priorResellers map[string]*state.Reseller

	// reuse is the earlier plan's memo when it may be reused.
	reuse *memo
}

// Make plans the desired state against the recorded state. A config
// with several servers (Config.Servers) is planned server by server and
// the plans merged (MakeFleet).
func Make(in Input) *Plan {
	if len(in.Config.Servers) > 0 {
		parts, diags := Partition(in.Config)
		if diags.HasErrors() {
			p := &Plan{Diagnostics: diags}
			if in.Prior != nil {
				p.PriorLineage, p.PriorSerial = in.Prior.Lineage, in.Prior.Serial
			}
			return p
		}
		p := MakeFleet(FleetInput{Input: in, Parts: parts})
		p.Diagnostics = append(p.Diagnostics, diags...)
		p.Diagnostics.Sort()
		return p
	}
	return makeOne(in)
}

// makeOne plans a config of a single server.
func makeOne(in Input) *Plan {
	prior := in.Prior
	lineage := in.Lineage
	var serial uint64
	if prior != nil {
		lineage = prior.Lineage
		serial = prior.Serial
	}
	result := state.New(lineage)
	result.Serial = serial
	e := &engine{
		in: in, cfg: in.Config, prior: prior, result: result, now: in.Now.UTC(),
		bases: map[string]*baseEntry{}, uses: map[string][]string{}, customisedSets: map[[2]*pset]*pset{}, compMemo: map[string][]componentConflict{}, adjMemo: map[string]*pset{}, grantMemo: map[string]*pset{}, allocs: map[string]allocation{}, overAlloc: map[string][]diag.Diagnostic{}, allocated: map[string]bool{}, planChanged: map[string]*Change{}, priorPlans: map[string]*state.Plan{},
		priorSubs: map[string]*state.Subscription{}, priorCustomers: map[string]*state.Customer{}, priorResellers: map[string]*state.Reseller{},
	}
	e.sets = newSetStore(prior, result)
	e.sets.slow = in.slow
	e.startSorting()
	if prior == nil {
		e.prior = &state.Snapshot{}
	}
	e.index()
	e.reuse = e.reusable()
	e.verifySecrets()

	e.planServer()
	e.planServices()
	e.planPlans(model.ServicePlanKind, e.prior.ServicePlans, e.cfg.ServicePlans, func(s *state.Snapshot, p state.Plan) {
		s.ServicePlans = append(s.ServicePlans, p)
	})
	e.planPlans(model.AddonPlanKind, e.prior.AddonPlans, e.cfg.AddonPlans, func(s *state.Snapshot, p state.Plan) {
		s.AddonPlans = append(s.AddonPlans, p)
	})
	e.planPlans(model.ResellerPlanKind, e.prior.ResellerPlans, e.cfg.ResellerPlans, func(s *state.Snapshot, p state.Plan) {
		s.ResellerPlans = append(s.ResellerPlans, p)
	})
	subs := e.planSubscriptions()
	e.checkCounts(subs)
	e.planResellers()
	e.oversellWarnings()
	e.planCustomers()
	e.warnBillingRenames()
	e.checkBillingCarried()
	result = e.carryUnscoped(result)
	carryPleskIDs(result, in.Prior, e.changes)

	p := &Plan{
		Scope:         in.Scope,
		Conflicts:     e.conflicts,
		Subscriptions: e.statuses,
		Notes:         e.notes,
		Diagnostics:   e.diags,
		PriorSerial:   serial,
		Result:        result,
	}
	if in.Prior != nil {
		p.PriorLineage = in.Prior.Lineage
	}
	sortChanges(e.changes)
	p.Diagnostics.Sort() // the subscription workers report in any order
	p.Changes = e.changes
	p.summarize()
	if n := e.rerecorded.Load(); n > 0 {
		what, them := fmt.Sprintf("%d recorded secrets are", n), "them"
		if n == 1 {
			what, them = "1 recorded secret is", "it"
		}
		when := "the next apply that changes something records " + them + " anew with the current key"
		if !p.Empty() {
			// A saved plan's apply writes only the objects it changes.
			when = "applying this plan records " + them + " anew with the current key (applying it saved, only in the objects it changes)"
		}
		p.Notes = append(p.Notes, what+" in an older form (a bcrypt hash, or encrypted with an earlier key): "+when+".")
	}
	e.remember(p, subs)
	return p
}

// kindOrder sorts changes by kind, then key.
func sortChanges(cs []*Change) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Kind != cs[j].Kind {
			return cs[i].Kind < cs[j].Kind
		}
		return cs[i].Key < cs[j].Key
	})
}

func (e *engine) index() {
	// Made at their size: a fleet records 100,000 subscriptions.
	e.priorSubs = make(map[string]*state.Subscription, len(e.prior.Subscriptions))
	e.priorCustomers = make(map[string]*state.Customer, len(e.prior.Customers))
	for i := range e.prior.Subscriptions {
		s := &e.prior.Subscriptions[i]
		e.priorSubs[s.Domain] = s
	}
	for i := range e.prior.Customers {
		c := &e.prior.Customers[i]
		e.priorCustomers[c.Login] = c
	}
	for i := range e.prior.Resellers {
		r := &e.prior.Resellers[i]
		e.priorResellers[r.Login] = r
	}
	e.indexRenames()
}

// verifySecrets checks every configured secret against its recorded hash
// in parallel (password hashing is slow by design).
func (e *engine) verifySecrets() {
	type job struct{ hash, plain string }
	var jobs []job
	add := func(hash string, s *model.Secret) {
		if hash != "" && s != nil {
			jobs = append(jobs, job{hash, s.Value})
		}
	}
	for login, c := range e.cfg.Customers {
		if c.Password == nil {
			continue
		}
		if p := e.priorCustomers[login]; p != nil {
			add(p.PasswordHash, c.Password)
		}
	}
	for login, r := range e.cfg.Resellers {
		if r.Password == nil {
			continue
		}
		if p := e.priorResellers[login]; p != nil {
			add(p.PasswordHash, r.Password)
		} else if p := e.priorCustomers[login]; p != nil {
			add(p.PasswordHash, r.Password)
		}
	}
	for d, s := range e.cfg.Subscriptions {
		if s.FTPPassword == nil {
			continue
		}
		if p := e.priorSubs[d]; p != nil {
			add(p.FTPPassword, s.FTPPassword)
		}
	}
	e.verified = make(map[string]bool, len(jobs))
	if e.reuse != nil {
		// Verified before: the answer is the same.
		todo := jobs[:0]
		for _, j := range jobs {
			if ok, done := e.reuse.verified[j.hash+"\x00"+j.plain]; done {
				e.verified[j.hash+"\x00"+j.plain] = ok
			} else {
				todo = append(todo, j)
			}
		}
		jobs = todo
	}
	if len(jobs) == 0 || e.in.Secrets == nil {
		return
	}
	results := make([]bool, len(jobs))
	parallel(len(jobs), func(i int) {
		results[i] = e.in.Secrets.Verify(jobs[i].hash, jobs[i].plain)
	})
	for i, j := range jobs {
		e.verified[j.hash+"\x00"+j.plain] = results[i]
	}
}

// secret returns the hash to record for a configured secret given the
// recorded hash, and whether it changed.
func (e *engine) secret(recorded string, s *model.Secret, at string) (string, bool) {
	if s == nil {
		return "", recorded != ""
	}
	if recorded != "" && e.verified[recorded+"\x00"+s.Value] {
		if r, ok := e.in.Secrets.(Rerecorder); ok && r.Outdated(recorded) {
			if h, err := e.in.Secrets.Hash(s.Value); err == nil {
				e.rerecorded.Add(1)
				return h, false
			}
		}
		return recorded, false
	}
	if e.in.Secrets == nil {
		return recorded, false
	}
	h, err := e.in.Secrets.Hash(s.Value)
	if err != nil {
		e.diag(diag.Diagnostic{Severity: diag.Error, Summary: "cannot hash secret: " + err.Error(), Object: at, Subject: s.Range})
		return recorded, false
	}
	return h, true
}

func (e *engine) add(c *Change) { e.changes = append(e.changes, c) }

// diag records a diagnostic; safe from the subscription workers.
func (e *engine) diag(d diag.Diagnostic) {
	e.mu.Lock()
	e.diags = append(e.diags, d)
	e.mu.Unlock()
}

// fieldsEqual helpers.
func strField(path, before, after string) (FieldChange, bool) {
	if before == after {
		return FieldChange{}, false
	}
	return FieldChange{Path: path, Before: strVal(before), After: strVal(after)}, true
}

func longField(path, before, after string) (FieldChange, bool) {
	f, ok := strField(path, before, after)
	f.Long = ok && (strings.Contains(before, "\n") || strings.Contains(after, "\n") || len(before) > 60 || len(after) > 60)
	return f, ok
}

func sameList(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func listField(path string, before, after []string) (FieldChange, bool) {
	if sameList(before, after) {
		return FieldChange{}, false
	}
	return FieldChange{Path: path, Before: listVal(before, len(before) > 0), After: listVal(after, len(after) > 0)}, true
}

func boolField(path string, before, after bool, beforeSet bool) (FieldChange, bool) {
	if before == after && beforeSet {
		return FieldChange{}, false
	}
	b := Val{}
	if beforeSet {
		b = Val{Set: true, JSON: before, Text: fmt.Sprint(before)}
	}
	return FieldChange{Path: path, Before: b, After: Val{Set: true, JSON: after, Text: fmt.Sprint(after)}}, true
}

func sensitiveField(path string, beforeSet, afterSet bool) *FieldChange {
	f := &FieldChange{Path: path, Sensitive: true}
	if beforeSet {
		f.Before = Val{Set: true, JSON: "(sensitive)", Text: "(sensitive)"}
	}
	if afterSet {
		f.After = Val{Set: true, JSON: "(sensitive)", Text: "(sensitive)"}
	}
	return f
}

// fields are an object's changed fields. The elements are pointers: the
// fields a plan or property-set change brings are computed once per
// pair of sets and shared by every object they reach (a create of
// 100,000 subscriptions on a few plans holds a few hundred lists, not
// 100,000 copies). Nothing changes a FieldChange once it is in a plan.
type fields []*FieldChange

// add appends f when ok. Only then is it copied to the heap: f itself
// does not escape, so a field that did not change costs nothing (a
// no-op plan tries a dozen per object).
func (fs *fields) add(f FieldChange, ok bool) {
	if ok {
		c := new(FieldChange)
		*c = f
		*fs = append(*fs, c)
	}
}
