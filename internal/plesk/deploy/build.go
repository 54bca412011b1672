package deploy

import (
	"context"
	"crypto/rand"
	"fmt"
	applyrules "github.com/plansync/plansync/internal/apply"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
	"github.com/plansync/plansync/state"
)

// build computes every write from the server's read, phase by phase in
// the order of SPEC §6.5. What it cannot do at all (a subscription to
// create without an IP address, a service the server cannot define) is
// an error before any write.
func (r *run) build(ctx context.Context) ([]*phase, error) {
	if err := r.serverDefaultIP(ctx); err != nil {
		return nil, err
	}
	services, err := r.buildServices(ctx)
	if err != nil {
		return nil, err
	}
	rplans := r.buildResellerPlans()
	res, conversions := r.buildResellers()
	phases := []*phase{services, rplans, res}
	admin, resellers := r.buildPlans()
	// Customers are converted after the administrator's plans are
	// written (SPEC §6.5: plans, then customers, conversions first), so
	// that a plan change reaches the subscriptions of a customer
	// converted in the same run as plansync planned it, while they are
	// still on the plan, and the server's totals are taken from them as
	// they then are; and before the resellers' plans, which a converted
	// reseller may own. (Converted first, an apply that stopped after
	// the conversion left a reseller and subscriptions that the next
	// run kept as the server had them, short of the plan change.)
	phases = append(phases, admin, conversions, resellers)
	phases = append(phases, r.buildCustomers()...)
	subs, err := r.buildSubscriptions()
	if err != nil {
		return nil, err
	}
	phases = append(phases, subs...)
	phases = append(phases, r.buildStatuses())
	if err := r.checkCascades(); err != nil {
		return nil, err
	}
	if err := r.checkLoginReuse(); err != nil {
		return nil, err
	}
	if err := r.checkCountPeaks(); err != nil {
		return nil, err
	}
	if len(r.unsettable) > 0 {
		sort.Strings(r.unsettable)
		return nil, errorf("plesk %s: nothing was changed: %s: Plesk cannot unset these settings; give each a value in the config",
			r.c.Server(), strings.Join(r.unsettable, "; "))
	}
	if len(r.uncarried) > 0 {
		sort.Strings(r.uncarried)
		return nil, errorf("plesk %s: nothing was changed: %s: Plesk's add-on plans have no mail settings (service-plan-addon has no mail element), so the subscriptions would not get them; set them in the service plan or in the subscription's customize block",
			r.c.Server(), strings.Join(r.uncarried, "; "))
	}
	if len(r.unlockable) > 0 {
		sort.Strings(r.unlockable)
		return nil, errorf("plesk %s: nothing was changed: %s: a Plesk subscription has no field for these, so no write locks it and it would stay synced with its plan on the server; customise a value the server holds as well, or set these in the plan",
			r.c.Server(), strings.Join(r.unlockable, "; "))
	}
	if len(r.noHandler) > 0 {
		sort.Strings(r.noHandler)
		return nil, errorf("plesk %s: nothing was changed: %s: the server has no PHP handler for these (php-handler get); install or enable one, or choose a PHP version and handler it has",
			r.c.Server(), strings.Join(r.noHandler, "; "))
	}
	phases = append(phases, r.buildDeletes()...)
	return phases, nil
}

// cannotUnset notes the settings an object's config leaves out that the
// server holds and cannot unset (diff's third result): apply refuses them
// before any write (build).
func (r *run) cannotUnset(what string, paths []string, have model.Props) {
	if len(paths) == 0 {
		return
	}
	held := make([]string, len(paths))
	for i, path := range paths {
		held[i] = fmt.Sprintf("%s (%s on the server)", path, have[path].Text())
	}
	r.mu.Lock()
	r.unsettable = append(r.unsettable, fmt.Sprintf("%s leaves out %s", what, strings.Join(held, ", ")))
	r.mu.Unlock()
}

// addonCarries notes the values of add-on plan key that Plesk's add-on
// plans cannot hold (a mail setting switched on: service-plan-addon has
// no mail block): written nowhere, the subscriptions would not get what
// plansync predicts, and every apply would end in a model disagreement.
// Apply refuses them before any write (build). A value that switches
// nothing on adds nothing (SPEC 1.2) and is left alone.
func (r *run) addonCarries(key string, want model.Props) {
	for _, path := range want.Paths() {
		p := model.Lookup(path)
		if p == nil || p.Plesk.Group != model.PleskMail || model.IsNeutral(path, want[path]) {
			continue
		}
		r.mu.Lock()
		r.uncarried = append(r.uncarried, fmt.Sprintf("add-on plan %s sets %s %s", key, path, want[path].Text()))
		r.mu.Unlock()
	}
}

// lockable notes a subscription to lock on the server whose
// customisation (customized, written as v) holds nothing a webspace set
// carries (plansync-only values such as mail.spamfilter, and
// dns.zone_type, which only a service plan's preferences hold): the
// write of the customisation is what locks it (SPEC §6.6), and there is
// none. Apply refuses it before any write (build); before, plansync
// recorded it locked while Plesk kept it synced, a model disagreement on
// every apply.
func (r *run) lockable(domain string, customized []string, v mapping.Values) {
	v.Prefs = nil // a webspace has no preferences block
	if !empty(v) || len(customized) == 0 {
		return
	}
	paths := append([]string(nil), customized...)
	model.SortPaths(paths)
	r.mu.Lock()
	r.unlockable = append(r.unlockable, fmt.Sprintf("subscription %s customises only %s", domain, strings.Join(paths, ", ")))
	r.mu.Unlock()
}

// checkCascades refuses, before any write, the delete of an account
// that owns on the server a subscription or a customer the plan does
// not delete (one made in the panel since, or by billing): Plesk deletes
// them with the account, and the plan never said so.
func (r *run) checkCascades() error {
	deleting := r.deleting()
	// The kind of each account deleted that the server has, by login.
	gone := map[string]string{}
	for _, ch := range r.p.Changes {
		if ch.Action != plan.Delete || (ch.Kind != plan.KindCustomer && ch.Kind != plan.KindReseller) || r.opts.Billing(string(ch.Kind), ch.Key) {
			continue
		}
		if ch.Kind == plan.KindReseller && r.resellers[ch.Key] != nil || ch.Kind == plan.KindCustomer && r.custs[ch.Key] != nil {
			gone[ch.Key] = string(ch.Kind)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	// What the plan keeps under another owner is moved away before the
	// deletes (SPEC §6.5): by server login or domain, its owner after
	// the run ("customer LOGIN" or "reseller LOGIN", by server login).
	keptCust := map[string]string{}
	for _, c := range r.res.Customers {
		keptCust[r.keyOnServer("customer", c.Login)] = c.Owner
	}
	keptSub := map[string]string{}
	for _, sub := range r.res.Subscriptions {
		if sub.Customer != "" {
			keptSub[r.keyOnServer("subscription", sub.Domain)] = "customer " + r.keyOnServer("customer", sub.Customer)
		} else {
			keptSub[r.keyOnServer("subscription", sub.Domain)] = "reseller " + sub.Owner
		}
	}
	// A billing-managed subscription the plan forgets (removed from the
	// config) is left on the server for billing (SPEC §6.5: its
	// existence is billing's): not one made outside plansync.
	forgotten := map[string]bool{}
	for _, ch := range r.p.Changes {
		if ch.Action == plan.Forget && ch.Kind == plan.KindSubscription {
			forgotten[r.keyOnServer("subscription", ch.Key)] = true
		}
	}
	var lost []string
	billed := 0
	for name, w := range r.webs {
		o := w.Data.GenInfo.OwnerLogin
		if gone[o] == "" || deleting["subscription "+name] {
			continue
		}
		if to, kept := keptSub[name]; kept && to != gone[o]+" "+o {
			continue // moved away first
		}
		if forgotten[name] {
			lost = append(lost, fmt.Sprintf("%s %s owns subscription %s (managed by billing, which owns its existence: the plan forgets it)", gone[o], o, name))
			billed++
			continue
		}
		lost = append(lost, fmt.Sprintf("%s %s owns subscription %s", gone[o], o, name))
	}
	for login, c := range r.custs {
		o := c.Data.GenInfo.OwnerLogin
		if gone[o] != "reseller" || deleting["customer "+strings.ToLower(login)] {
			continue
		}
		if to, kept := keptCust[login]; kept && to != o {
			continue // moved away first
		}
		lost = append(lost, fmt.Sprintf("reseller %s owns customer %s", o, login))
	}
	if len(lost) == 0 {
		return nil
	}
	sort.Strings(lost)
	if billed == len(lost) {
		return fmt.Errorf("apply would delete what the plan does not: on the server, %s, and Plesk deletes it with its owner; nothing was written. Keep it in the config (managed_by: billing), or have the billing system delete it or move it to another customer first, then plan again", applyrules.FirstNames(lost))
	}
	return fmt.Errorf("apply would delete what the plan does not: on the server, %s, which the plan does not delete (made outside plansync), and Plesk deletes it with its owner; nothing was written. Adopt it (plansync import --target KIND/KEY) or delete it on the server first, then plan again", applyrules.FirstNames(lost))
}

// deleting is the set of what the plan deletes, "kind key" (the key in
// lower case).
func (r *run) deleting() map[string]bool {
	out := map[string]bool{}
	for _, ch := range r.p.Changes {
		if ch.Action == plan.Delete {
			out[string(ch.Kind)+" "+strings.ToLower(ch.Key)] = true
		}
	}
	return out
}

// checkLoginReuse refuses, before any write, an account created under
// the login of an account of the other kind that the plan deletes and
// the server still has (a reseller replaced by a customer of the same
// login): Plesk logins are unique and deletes come last (SPEC §6.5), so
// the create would fail on this run and every run after it.
func (r *run) checkLoginReuse() error {
	deleting := r.deleting()
	var clash []string
	for _, ch := range r.p.Changes {
		if ch.Action != plan.Create {
			continue
		}
		var other plan.Kind
		var held bool
		switch ch.Kind {
		case plan.KindCustomer:
			other, held = plan.KindReseller, r.resellers[ch.Key] != nil
		case plan.KindReseller:
			other, held = plan.KindCustomer, r.custs[ch.Key] != nil
		default:
			continue
		}
		if held && deleting[string(other)+" "+strings.ToLower(ch.Key)] {
			clash = append(clash, fmt.Sprintf("%s %s replaces %s %s", ch.Kind, ch.Key, other, ch.Key))
		}
	}
	if len(clash) == 0 {
		return nil
	}
	sort.Strings(clash)
	return fmt.Errorf("plesk %s: nothing was changed: %s under the same login: Plesk logins are unique and apply deletes last, so the new account cannot be created while the old one exists. Apply the delete first (leave the new account out of the config), then add it",
		r.c.Server(), strings.Join(clash, ", "))
}

// checkCountPeaks refuses, before any write, an apply during which a
// reseller would hold more customers or subscriptions than its
// allocation allows, though not at its end: what is created or moved to
// it comes before what is deleted (SPEC §6.5), and Plesk refuses the
// create (1024) on this run and every run after it (a customer replaced
// by another of a reseller at its limit).
func (r *run) checkCountPeaks() error {
	deleting := r.deleting()
	// The reseller (vendor) a server's subscription counts against.
	vendor := func(owner string) string {
		if c := r.custs[owner]; c != nil && c.Data != nil && c.Data.GenInfo != nil {
			return c.Data.GenInfo.OwnerLogin
		}
		return owner
	}
	var over []string
	for _, rs := range r.res.Resellers {
		if rs.Allocation == "" {
			continue
		}
		alloc, _ := plan.PropsFromValues(r.res.PropertySets[rs.Allocation])
		limit := func(path string) (int64, bool) {
			v, ok := alloc[path]
			if !ok || v.IsUnlimited() {
				return 0, false
			}
			return v.N, true
		}
		if max, ok := limit("resources.customers"); ok {
			// Held now, less those moved away (moves come first), plus
			// those created or moved in; those deleted go last.
			held, gone := 0, 0
			for login, c := range r.custs {
				if c.Data == nil || c.Data.GenInfo == nil || c.Data.GenInfo.OwnerLogin != rs.Login {
					continue
				}
				held++
				if deleting["customer "+strings.ToLower(login)] {
					gone++
				}
			}
			peak := held
			for _, c := range r.res.Customers {
				if c.Owner != rs.Login {
					continue
				}
				old := r.custs[r.keyOnServer("customer", c.Login)]
				switch {
				case old == nil && !r.opts.Billing("customer", c.Login):
					peak++
				case old != nil && old.Data != nil && old.Data.GenInfo != nil && old.Data.GenInfo.OwnerLogin != rs.Login:
					peak++
				}
			}
			for _, c := range r.res.Customers {
				if old := r.custs[r.keyOnServer("customer", c.Login)]; c.Owner != rs.Login && old != nil && old.Data != nil && old.Data.GenInfo != nil && old.Data.GenInfo.OwnerLogin == rs.Login {
					peak--
				}
			}
			if int64(peak) > max && int64(peak-gone) <= max {
				over = append(over, fmt.Sprintf("reseller %s would hold %d customers (at most %d) before deleting %d", rs.Login, peak, max, gone))
			}
		}
		if max, ok := limit("resources.subscriptions"); ok {
			held, gone := 0, 0
			for name, w := range r.webs {
				if w.Data == nil || w.Data.GenInfo == nil || vendor(w.Data.GenInfo.OwnerLogin) != rs.Login {
					continue
				}
				held++
				if deleting["subscription "+name] {
					gone++
				}
			}
			peak := held
			for _, sub := range r.res.Subscriptions {
				if sub.Owner != rs.Login {
					continue
				}
				old := r.webs[r.keyOnServer("subscription", sub.Domain)]
				switch {
				case old == nil && !r.opts.Billing("subscription", sub.Domain):
					peak++
				case old != nil && old.Data != nil && old.Data.GenInfo != nil && vendor(old.Data.GenInfo.OwnerLogin) != rs.Login:
					peak++
				}
			}
			for _, sub := range r.res.Subscriptions {
				// Moved away with its customer (change-owner, before
				// the subscriptions are written).
				old := r.webs[r.keyOnServer("subscription", sub.Domain)]
				if sub.Owner != rs.Login && sub.Customer != "" && old != nil && old.Data != nil && old.Data.GenInfo != nil &&
					vendor(old.Data.GenInfo.OwnerLogin) == rs.Login && old.Data.GenInfo.OwnerLogin == r.keyOnServer("customer", sub.Customer) {
					peak--
				}
			}
			if int64(peak) > max && int64(peak-gone) <= max {
				over = append(over, fmt.Sprintf("reseller %s would hold %d subscriptions (at most %d) before deleting %d", rs.Login, peak, max, gone))
			}
		}
	}
	if len(over) == 0 {
		return nil
	}
	sort.Strings(over)
	return fmt.Errorf("plesk %s: nothing was changed: %s: apply creates and moves before it deletes (deletes come last), and Plesk refuses what goes beyond a reseller's allocation. Apply the deletes first (leave the new ones out of the config), then add them",
		r.c.Server(), strings.Join(over, "; "))
}

func (r *run) serverRef(kind, key, renamedFrom string) string {
	if renamedFrom != "" {
		return renamedFrom
	}
	return key
}

// keyOnServer is the key an object has on the server before the run:
// its recorded key when it is renamed, else its key.
func (r *run) keyOnServer(kind, key string) string {
	return r.serverRef(kind, key, r.renamed(kind, key))
}

// renamed returns the recorded key an object had before a rename, "".
func (r *run) renamed(kind, key string) string {
	if ch := r.changes[kind+" "+key]; ch != nil {
		return ch.RenamedFrom
	}
	return ""
}

func ownerOf(login string) xmlapi.Owner {
	if login == "" || login == model.Admin {
		return xmlapi.Owner{}
	}
	return xmlapi.Owner{OwnerLogin: login}
}

// ownedBy reports whether the server's subscription gi is owned by the
// account holder (a customer, else a reseller or the administrator): by
// its login, or by the id of the account the server has for holder
// under another login, which a login renamed in this run (renamed_from,
// or set back from the panel's) is about to become: the subscription
// follows its owner, nothing is written for it.
func (r *run) ownedBy(gi *xmlapi.WebspaceGenInfo, holder string, customer bool) bool {
	if sameOwner(gi.OwnerLogin, holder) {
		return true
	}
	kind := "reseller"
	if customer {
		kind = "customer"
	}
	r.mu.Lock()
	id := r.ids[state.Ref{Kind: kind, Key: holder}].ID
	r.mu.Unlock()
	return id != 0 && gi.OwnerID == id
}

// carried reports whether the server's subscription gi belongs to a
// customer this run moves to another owner, whose change-owner carries
// it along: a customer moved, or a reseller's customer converted into a
// reseller (moved to the administrator first).
func (r *run) carried(gi *xmlapi.WebspaceGenInfo) bool {
	for login := range r.moved {
		if r.ownedBy(gi, login, true) {
			return true
		}
	}
	for login := range r.convertMoved {
		if r.ownedBy(gi, login, false) {
			return true
		}
	}
	return false
}

// ownerRenamed reports whether the reseller owner is the one the server
// knows as was, renamed (renamed_from) by this apply: the same account,
// whose customers follow it by id, not a move.
func (r *run) ownerRenamed(was, owner string) bool {
	return was != "" && owner != "" && owner != model.Admin && r.renamed("reseller", owner) == was
}

func sameOwner(a, b string) bool {
	norm := func(s string) string {
		if s == "" {
			return model.Admin
		}
		return s
	}
	return norm(a) == norm(b)
}

// ---- services -------------------------------------------------------------

func (r *run) buildServices(ctx context.Context) (*phase, error) {
	ph := &phase{name: "services"}
	// The services the plan deletes that plansync defined (an
	// extension's are the extension's).
	var dels []string
	if r.opts.Reseller == "" && r.prior != nil {
		for _, sv := range r.prior.Services {
			if ch := r.changes["service "+sv.Name]; ch != nil && ch.Action == plan.Delete && sv.Extension == "" {
				dels = append(dels, sv.Name)
			}
		}
	}
	if len(r.res.Services)+len(dels) == 0 || r.opts.Reseller != "" {
		return ph, nil
	}
	have := map[string]bool{}
	definable := true
	// The definitions come with the server's read when it has them (a
	// refresh's, fresh as the rest of it); else they are read now.
	var items []*xmlapi.PlanItemData
	var err error
	if r.srv != nil && r.srv.ItemsRead {
		items = r.srv.Items
	} else {
		items, err = xmlapi.Call[xmlapi.PlanItemData](ctx, r.c, xmlapi.PlanItemGet{Filter: xmlapi.PlanItemFilter{All: &xmlapi.Empty{}}})
	}
	if err != nil && !xmlapi.RefusesOperator(err) {
		// The server took the packet and failed the read (or did not
		// answer): that says nothing of what it accepts.
		return nil, err
	}
	if err != nil {
		// The server does not take protocol 1.6.9.0: it can attach the
		// services it has, not define new ones.
		definable = false
		for _, d := range append(append([]*xmlapi.PlanData(nil), r.srv.Plans...), r.srv.Addons...) {
			if d.PlanItems != nil {
				for _, it := range d.PlanItems.Item {
					have[it.Name] = true
				}
			}
		}
	}
	defined := map[string]*xmlapi.PlanItemData{}
	for _, it := range items {
		have[it.Name] = true
		defined[it.Name] = it
	}
	for _, name := range dels {
		if defined[name] != nil {
			r.serviceDels = append(r.serviceDels, name)
		} else if !definable {
			// The server cannot list nor delete it: it leaves the
			// records (nothing would ever tell plansync it is gone),
			// and the operator is told.
			r.leftovers = append(r.leftovers, fmt.Sprintf("service %s: not deleted: the server does not accept deleting additional services (protocol %s); delete it in the panel (Service Plans > Additional Services) if it is no longer wanted", name, xmlapi.PlanItemProtocol))
		}
	}
	if err := r.checkServiceUsers(); err != nil {
		return nil, err
	}
	var missing, missingExt, misnamed, misnamedExt []string
	for _, sv := range r.res.Services {
		if !r.inPlan("service", sv.Name) {
			continue
		}
		if have[sv.Name] {
			if it := defined[sv.Name]; it != nil && sv.Extension == "" && !sameDefinition(sv, it) {
				// Changed with plan-item update (protocol 1.6.9.0),
				// sending only what differs from the fresh read.
				op := definitionUpdate(sv, it)
				ph.chain("service", sv.Name).add(func() xmlapi.Op { return op }, nil)
			} else if !definable && sv.Extension == "" && r.definitionChanged(sv.Name) {
				// The server cannot tell its definition nor change it:
				// say so, and keep the record.
				r.notes = append(r.notes, fmt.Sprintf("service %s: its definition (description, who may use it, button) was not changed on the server: the server does not accept changing additional services (protocol %s); change it in the panel (Service Plans > Additional Services)", sv.Name, xmlapi.PlanItemProtocol))
				r.pending[state.Ref{Kind: "service", Key: sv.Name}] = true
			}
			continue
		}
		if sv.Extension != "" {
			if r.srv != nil && r.srv.ExtensionsRead && slices.Contains(r.srv.Extensions, sv.Extension) {
				if !definable {
					// The server cannot list its services: the
					// installed extension provides it, attached by
					// name (SPEC 6.5).
					continue
				}
				// Installed, yet it defines no service of that name:
				// installing it again would not help.
				misnamed = append(misnamed, sv.Name)
				misnamedExt = append(misnamedExt, sv.Extension)
				continue
			}
			missingExt = append(missingExt, sv.Name+" (extension "+sv.Extension+")")
			continue
		}
		if !definable {
			missing = append(missing, sv.Name)
			continue
		}
		sv := sv
		ch := ph.chain("service", sv.Name)
		ch.add(func() xmlapi.Op {
			op := xmlapi.PlanItemAdd{Visible: strconv.FormatBool(sv.AvailableToResellers), Label: sv.Name, Tooltip: sv.Description}
			if sv.Button != nil {
				op.URL, op.Internal = sv.Button.URL, strconv.FormatBool(sv.Button.OpenInPanel)
				op.URLComponents = xmlapi.URLComponentsOf(sv.Send)
			}
			return op
		}, nil)
	}
	if len(misnamed) > 0 {
		slices.Sort(misnamedExt)
		exts := slices.Compact(misnamedExt)
		what := "extension " + exts[0] + " is"
		if len(exts) > 1 {
			what = "extensions " + strings.Join(exts, ", ") + " are"
		}
		return nil, errorf("plesk %s: nothing was changed: the additional services %s are not on the server, though %s installed: name each as the extension does (Service Plans > Additional Services lists them), then apply again",
			r.c.Server(), strings.Join(misnamed, ", "), what)
	}
	if len(missingExt) > 0 {
		return nil, errorf("plesk %s: nothing was changed: the additional services %s are not on the server: install their extensions, then apply again",
			r.c.Server(), strings.Join(missingExt, ", "))
	}
	if len(missing) > 0 {
		// Without plan-item get, the server lists a service only through
		// the plans that include it: one created in the panel and in no
		// plan yet is not seen, so the remedy says to include it in one.
		return nil, errorf("plesk %s: nothing was changed: the additional services %s are in none of the server's plans, and the server does not accept defining or listing them (protocol %s), so plansync cannot tell whether it has them: create each in the panel (Service Plans > Additional Services) if it is missing and include it in one of the server's service plans there, then apply again",
			r.c.Server(), strings.Join(missing, ", "), xmlapi.PlanItemProtocol)
	}
	return ph, nil
}

// checkServiceUsers refuses, before any write, the delete of an
// additional service that a service plan on the server still includes
// after the run (SPEC 1.6: deleting a service still used by a plan is an
// error that names the plans): a plan made in the panel, or one the run
// does not write (--target). Plesk would take the service off those plans
// and their subscriptions, which the plan never said.
func (r *run) checkServiceUsers() error {
	if len(r.serviceDels) == 0 || r.srv == nil {
		return nil
	}
	// The server's plans the run takes the services off: those it writes
	// (their config no longer lists a deleted service) and those it
	// deletes.
	released := map[string]bool{}
	for _, pl := range r.res.ServicePlans {
		if r.mine(pl.Owner) && r.inPlan("service_plan", pl.Key) {
			if d := r.findPlan("service_plan", pl); d != nil {
				released[d.GUID] = true
			}
		}
	}
	if r.prior != nil {
		for _, pl := range r.prior.ServicePlans {
			if ch := r.changes["service_plan "+pl.Key]; ch != nil && ch.Action == plan.Delete {
				if d := r.findPlan("service_plan", pl); d != nil {
					released[d.GUID] = true
				}
			}
		}
	}
	deleting := r.deleting()
	var used []string
	// note adds what still uses service name (sorted: a plan, plans).
	note := func(name string, users []string, one, many, how string) {
		if len(users) == 0 {
			return
		}
		sort.Strings(users)
		what := one
		if len(users) > 1 {
			what = many
		}
		used = append(used, fmt.Sprintf("service %s is still %s %s (%s)", name, what, strings.Join(users, ", "), how))
	}
	byPlans, bySubs := false, false
	for _, name := range r.serviceDels {
		var users []string
		for _, d := range r.srv.Plans {
			if released[d.GUID] || !hasItem(d.PlanItems, name) {
				continue
			}
			who := d.Name
			if d.OwnerLogin != "" && d.OwnerLogin != model.Admin {
				who = d.OwnerLogin + "/" + d.Name
			}
			users = append(users, who)
		}
		note(name, users, "included in the server's service plan", "included in the server's service plans", "made outside plansync")
		byPlans = byPlans || len(users) > 0
		// A subscription that has it on its own (added in the panel),
		// not through its service plan, and that the run keeps.
		var subs []string
		for domain, w := range r.webs {
			if w.Data == nil || !hasItem(w.Data.PlanItems, name) || deleting["subscription "+strings.ToLower(domain)] || r.viaPlan(w, name) || r.dropsItem(domain, name, w) {
				continue
			}
			subs = append(subs, domain)
		}
		note(name, subs, "on subscription", "on subscriptions", "added to it outside plansync")
		bySubs = bySubs || len(subs) > 0
	}
	if len(used) == 0 {
		return nil
	}
	// The users named: plans, subscriptions (on their own), or both.
	users := "plans"
	switch {
	case byPlans && bySubs:
		users = "plans and subscriptions"
	case bySubs:
		users = "subscriptions"
	}
	return errorf("plesk %s: apply would delete additional services that %s still use: %s; nothing was written. Take each service out of those %s in the panel, or keep it in the config, then plan again",
		r.c.Server(), users, strings.Join(used, "; "), users)
}

// viaPlan reports whether subscription w has service name through its
// service plan on the server.
func (r *run) viaPlan(w *xmlapi.WebspaceData, name string) bool {
	sub := w.Data.Subscriptions
	if sub == nil || sub.Subscription == nil {
		return false
	}
	for _, g := range sub.Subscription.Plan {
		if d := r.plansByGUID[g.GUID]; d != nil && hasItem(d.PlanItems, name) {
			return true
		}
	}
	return false
}

// customItems gives the additional services a custom subscription (plan
// none) is to get on the server and to lose: no plan brings them, so
// they are its own (webspace add-plan-item / remove-plan-item). As the
// plan says: it gets what its record gains that the server's
// subscription lacks (d nil: a new one, all of them; one taken off it
// in the panel when the plan changes its services: drift it sets
// back), and loses what
// plansync gave it (its prior record lists it) and no longer gives. A
// service added to it in the panel, which no record lists, is left as
// it is; so is everything when the server did not say which services it
// has.
func (r *run) customItems(s *state.Subscription, d *xmlapi.WebspaceData) (add, drop []string) {
	want := plan.ServicesOf(r.res.PropertySets[s.Effective])
	if d == nil {
		return want, nil
	}
	if d.Data == nil || d.Data.PlanItems == nil {
		return nil, nil
	}
	var had []string
	var wasPlan state.Ref
	if was := r.priorSub(r.keyOnServer("subscription", s.Domain)); was != nil {
		had = plan.ServicesOf(r.prior.PropertySets[was.Effective])
		wasPlan = state.Ref{Kind: "service_plan", Key: model.PlanKey(was.Owner, was.Plan)}
	}
	// Detached from its plan by this run: the switch keeps what it has
	// then, after the plan writes that reach it, as its own (SPEC 1.3);
	// what its plan gives it on the server now that plan's write may
	// take away before. It gets what it had only through plansync (an
	// add-on's service, plansync-only: SPEC 6.2) too.
	detaching := (s.Plan == "" || s.Plan == model.None) && r.subInfo(d).plan != ""
	for _, n := range want {
		switch {
		case hasItem(d.Data.PlanItems, n):
		case detaching && !r.viaPlan(d, n) && !r.planGives(wasPlan, n):
			add = append(add, n)
		case !detaching && !slices.Contains(had, n):
			add = append(add, n)
		case !detaching && r.servicesPlanned(s.Domain):
			// One it had that was taken off it in the panel: drift the
			// plan sets back.
			add = append(add, n)
		}
	}
	for _, n := range had {
		if !slices.Contains(want, n) && hasItem(d.Data.PlanItems, n) && !(detaching && r.viaPlan(d, n)) {
			drop = append(drop, n)
		}
	}
	return add, drop
}

// frozenDrops gives the additional services a locked subscription is to
// lose on the server: those its frozen values held (its prior record)
// that it no longer gets (a service deleted), which it keeps on the
// server although its plan no longer includes them.
func (r *run) frozenDrops(s *state.Subscription, d *xmlapi.WebspaceData) (drop []string) {
	was := r.priorSub(r.keyOnServer("subscription", s.Domain))
	if was == nil || d == nil || d.Data == nil || d.Data.PlanItems == nil {
		return nil
	}
	want := plan.ServicesOf(r.res.PropertySets[s.Effective])
	for _, n := range plan.ServicesOf(r.prior.PropertySets[was.Effective]) {
		if !slices.Contains(want, n) && hasItem(d.Data.PlanItems, n) && !r.viaPlan(d, n) {
			drop = append(drop, n)
		}
	}
	return drop
}

// planGives reports whether the result's service plan ref includes
// service name.
func (r *run) planGives(ref state.Ref, name string) bool {
	for i := range r.res.ServicePlans {
		if pl := &r.res.ServicePlans[i]; pl.Key == ref.Key {
			return slices.Contains(pl.Services, name)
		}
	}
	return false
}

// servicesPlanned reports whether the plan changes the additional
// services of subscription domain (a saved plan's change, which lists
// no fields, may).
func (r *run) servicesPlanned(domain string) bool {
	ch := r.changes["subscription "+domain]
	if ch == nil || ch.Action == plan.Delete {
		return false
	}
	listed := false
	for _, f := range ch.Fields {
		if f.Path == plan.ServicesKey {
			return true
		}
		listed = listed || !f.Sensitive
	}
	return !listed
}

// addonGives reports whether one of the result's add-on plans that
// subscription s has includes service name.
func (r *run) addonGives(s *state.Subscription, name string) bool {
	for _, a := range s.Addons {
		for i := range r.res.AddonPlans {
			if pl := &r.res.AddonPlans[i]; pl.Key == model.PlanKey(s.Owner, a) && slices.Contains(pl.Services, name) {
				return true
			}
		}
	}
	return false
}

// dropsItem reports whether the run takes service name off subscription
// domain (w, as the server has it), a custom one that plansync gave it
// to (customItems) or a locked one that kept it (frozenDrops).
func (r *run) dropsItem(domain, name string, w *xmlapi.WebspaceData) bool {
	s := r.resSub(domain)
	if s == nil || !r.mine(s.Owner) || !r.inPlan("subscription", s.Domain) {
		return false
	}
	var drop []string
	switch s.SyncStatus {
	case "custom":
		_, drop = r.customItems(s, w)
	case "locked":
		drop = r.frozenDrops(s, w)
	}
	return slices.Contains(drop, name)
}

// hasItem reports whether a plan's or subscription's additional
// services include name.
func hasItem(items *xmlapi.PlanItems, name string) bool {
	return items != nil && slices.ContainsFunc(items.Item, func(it xmlapi.PlanItem) bool { return it.Name == name })
}

// sameDefinition reports whether the server defines a service as the
// config does: description, who may use it, and its button (URL, where
// it opens, what it sends). The server's URL is compared as a config
// writes it (model.ButtonURL): a blank in it percent-encoded.
func sameDefinition(sv state.Service, it *xmlapi.PlanItemData) bool {
	url, internal, send := "", false, []string(nil)
	if sv.Button != nil {
		url, internal, send = sv.Button.URL, sv.Button.OpenInPanel, sv.Send
	}
	return it.Tooltip == sv.Description && (it.Visible != "false") == sv.AvailableToResellers &&
		model.ButtonURL(it.URL) == url && (url == "" || (it.Internal == "true") == internal && slices.Equal(it.URLComponents.Fields(), model.InSendOrder(send)))
}

// definitionUpdate is the plan-item update that gives the server's
// definition of a service (it, freshly read) the config's (sv): only the
// fields that differ. A service without a button has its URL cleared;
// where it opens and what it sends are sent only with a button.
func definitionUpdate(sv state.Service, it *xmlapi.PlanItemData) xmlapi.PlanItemUpdate {
	op := xmlapi.PlanItemUpdate{Filter: xmlapi.PlanItemFilter{Name: []string{it.Name}}}
	if (it.Visible != "false") != sv.AvailableToResellers {
		op.Visible = strconv.FormatBool(sv.AvailableToResellers)
	}
	if it.Tooltip != sv.Description {
		op.Tooltip = &sv.Description
	}
	url, internal, send := "", false, []string(nil)
	if sv.Button != nil {
		url, internal, send = sv.Button.URL, sv.Button.OpenInPanel, model.InSendOrder(sv.Send)
	}
	if model.ButtonURL(it.URL) != url {
		op.URL = &url
	}
	if url != "" {
		if (it.Internal == "true") != internal {
			op.Internal = strconv.FormatBool(internal)
		}
		if !slices.Equal(it.URLComponents.Fields(), send) {
			op.URLComponents = xmlapi.URLComponentsOf(send)
			if op.URLComponents == nil {
				op.URLComponents = &xmlapi.URLComponents{}
			}
		}
	}
	return op
}

// definitionChanged reports whether the plan changes a service's
// definition as the server holds it (its description, who may use it,
// its button's URL, where it opens, what it sends); a background image
// is plansync's only.
func (r *run) definitionChanged(name string) bool {
	ch := r.changes["service "+name]
	if ch == nil || ch.Action != plan.Update {
		return false
	}
	for _, f := range ch.Fields {
		switch f.Path {
		case "description", "available_to_resellers", "button.url", "button.open_in_panel", "send":
			return true
		}
	}
	return false
}

// ---- reseller plans -------------------------------------------------------

func rplanValues(d *xmlapi.ResellerPlanData) (mapping.Values, string) {
	var v mapping.Values
	oversell := ""
	if d.Limits != nil {
		if rp := d.Limits.ResourcePolicy; rp != nil {
			v.Overuse, oversell = rp.Overuse, rp.Oversell
		}
		for _, l := range d.Limits.Limit {
			setv(&v.Limits, l.Name, l.Value)
		}
	}
	if d.Permissions != nil {
		for _, p := range d.Permissions.Permission {
			setv(&v.Permissions, p.Name, p.Value)
		}
	}
	return v, oversell
}

func (r *run) buildResellerPlans() *phase {
	ph := &phase{name: "reseller plans"}
	if r.opts.Reseller != "" {
		return ph // the admin's
	}
	for _, rp := range r.res.ResellerPlans {
		rp := rp
		ref := state.Ref{Kind: "reseller_plan", Key: rp.Key}
		var d *xmlapi.ResellerPlanData
		if rp.Plesk != nil {
			d = r.rplansByGUID[rp.Plesk.GUID]
		}
		if d == nil {
			d = r.rplans[r.serverRef("reseller_plan", rp.Name, r.renamed("reseller_plan", rp.Key))]
		}
		if !r.inPlan("reseller_plan", rp.Key) {
			// Not written, but its resellers name it by GUID (a
			// reseller's switch-subscription, and the check that a
			// reseller is on it).
			if d != nil {
				r.setID(ref, d.GUID, d.ID)
			}
			continue
		}
		want := r.props(r.res.PropertySets[rp.Props], nil)
		oversell := strconv.FormatBool(rp.Oversell)
		ch := ph.chain(ref.Kind, ref.Key)
		if d == nil {
			v := r.values("reseller plan "+rp.Name, want, nil)
			v.Oversell = oversell
			ch.add(func() xmlapi.Op {
				return xmlapi.ResellerPlanAdd{Name: rp.Name, Limits: mapping.ResellerLimitsBlock(v), Permissions: mapping.PermissionsBlock(v)}
			}, func(rep xmlapi.Reply) {
				if res, ok := rep.Results[0].(*xmlapi.ResellerPlanData); ok {
					r.add(ref, res.GUID, res.ID)
				}
			})
			continue
		}
		r.setID(ref, d.GUID, d.ID)
		hv, hoversell := rplanValues(d)
		hvp := r.observed(hv)
		write, reset, unset := diff(want, hvp, nil) // limits and permissions: always reset
		r.cannotUnset("reseller plan "+rp.Name, unset, hvp)
		v := r.values("reseller plan "+rp.Name, write, reset)
		if hoversell != oversell {
			v.Oversell = oversell
		}
		newName := ""
		if d.Name != rp.Name {
			newName = rp.Name
		}
		if empty(v) && newName == "" {
			continue
		}
		guid := d.GUID
		r.written[ref] = true
		ch.add(func() xmlapi.Op {
			return xmlapi.ResellerPlanSet{Filter: xmlapi.ResellerPlanFilter{GUID: []string{guid}}, Limits: mapping.ResellerLimitsBlock(v),
				Permissions: mapping.PermissionsBlock(v), NewName: newName}
		}, nil)
	}
	return ph
}

// ---- resellers ------------------------------------------------------------

func (r *run) buildResellers() (*phase, *phase) {
	ph, conv := &phase{name: "resellers"}, &phase{name: "conversions"}
	if r.opts.Reseller != "" {
		return ph, conv // the admin's
	}
	for _, rs := range r.res.Resellers {
		rs := rs
		if !r.inPlan("reseller", rs.Login) {
			continue
		}
		ref := state.Ref{Kind: "reseller", Key: rs.Login}
		var d *xmlapi.ResellerData
		if rs.Plesk != nil {
			d = r.resByGUID[rs.Plesk.GUID]
		}
		if d == nil {
			d = r.resellers[r.serverRef("reseller", rs.Login, r.renamed("reseller", rs.Login))]
		}
		ch := ph.chain(ref.Kind, ref.Key)
		billing := r.opts.Billing("reseller", rs.Login)
		pw := ""
		if r.setsSecret("reseller", rs.Login) && !billing {
			pw = r.opts.Secret("reseller", rs.Login, "password")
		}
		var alloc mapping.Values
		if rs.Plan == model.None || rs.Plan == "" {
			alloc = r.values("reseller "+rs.Login, r.props(r.res.PropertySets[rs.Allocation], nil), nil)
			alloc.Oversell = strconv.FormatBool(rs.Oversell)
		}
		if d == nil && billing && r.custs[rs.Login] == nil {
			r.leftToBilling("reseller", rs.Login)
			continue
		}
		if billing {
			r.secretLeftToBilling("reseller", rs.Login, "password")
		}
		if d == nil {
			if cu := r.custs[rs.Login]; cu != nil {
				// A customer turned reseller: converted, not re-created,
				// in a phase of its own (build).
				ph.chains = slices.DeleteFunc(ph.chains, func(c *chain) bool { return c == ch })
				ch = conv.chain(ref.Kind, ref.Key)
				planName := ""
				if rs.Plan != model.None {
					planName = rs.Plan
				}
				r.setID(ref, cu.Data.GenInfo.GUID, cu.ID)
				guid, id := cu.Data.GenInfo.GUID, cu.ID
				if !sameOwner(cu.Data.GenInfo.OwnerLogin, model.Admin) {
					// Plesk converts only the administrator's customers:
					// a reseller's customer is moved to the administrator
					// first (its subscriptions keep their values).
					ip := r.opts.DefaultIP
					ch.add(func() xmlapi.Op {
						return xmlapi.CustomerChangeOwner{Filter: xmlapi.CustomerFilter{ID: []int{id}}, NewOwnerLogin: model.Admin, IPv4: []string{ip}}
					}, nil)
					if r.convertMoved == nil {
						r.convertMoved = map[string]bool{}
					}
					r.convertMoved[rs.Login] = true
				}
				ch.add(func() xmlapi.Op {
					return xmlapi.CustomerConvertToReseller{Filter: xmlapi.CustomerFilter{Login: []string{rs.Login}}, ResellerPlanName: planName}
				}, func(xmlapi.Reply) {
					// The server has the reseller now, whatever
					// becomes of the writes that follow.
					r.add(ref, guid, id)
				})
				gi := cu.Data.GenInfo
				info, changed := r.resellerInfoDiff(rs, gi.Name, gi.Company, gi.Email, gi.Phone, gi.Address, gi.Description, pw)
				// Without a reseller plan, Plesk gives the converted
				// reseller its own totals; plansync's allocation is written
				// over them (what it predicted).
				var limits *xmlapi.ResellerLimits
				var perms *xmlapi.Permissions
				if planName == "" {
					limits, perms = mapping.ResellerLimitsBlock(alloc), mapping.PermissionsBlock(alloc)
				}
				if changed || limits != nil || perms != nil {
					ch.add(func() xmlapi.Op {
						op := xmlapi.ResellerSet{Filter: xmlapi.ResellerFilter{Login: []string{rs.Login}}}
						if changed {
							op.Values.GenInfo = &info
						}
						op.Values.Limits, op.Values.Permissions = limits, perms
						return op
					}, r.contactWritten(ref, changed))
				}
				continue
			}
			ch.add(func() xmlapi.Op {
				op := xmlapi.ResellerAdd{GenInfo: xmlapi.ResellerInfo{Login: rs.Login, Password: orRandom(pw), Name: orLogin(rs.Contact.Name, rs.Login),
					Company: rs.Contact.Company, Email: rs.Contact.Email, Phone: rs.Contact.Phone, Address: rs.Contact.Address, Description: rs.Description}}
				if rs.Plan != model.None && rs.Plan != "" {
					op.PlanName = rs.Plan
				} else {
					op.Limits, op.Permissions = mapping.ResellerLimitsBlock(alloc), mapping.PermissionsBlock(alloc)
				}
				return op
			}, func(rep xmlapi.Reply) {
				if res, ok := rep.Results[0].(*xmlapi.AddResult); ok {
					r.add(ref, res.GUID, res.ID)
				}
			})
			continue
		}
		gi := d.Data.GenInfo
		r.setID(ref, gi.GUID, d.ID)
		// A switch to another reseller plan has no write here yet: say
		// so, and keep the reseller's prior record.
		haveGUID, wantGUID := r.resellerPlanGUIDs(rs, d)
		rid := d.ID
		byID := xmlapi.ResellerFilter{ID: []int{rid}}
		rpRef := state.Ref{Kind: "reseller_plan", Key: rs.Plan}
		switched := false
		switch {
		case billing && (wantGUID == "" || haveGUID != wantGUID):
			// Its plan switch is billing's; a sync with the plan it is
			// on (below) is not.
		case rs.Plan == model.None || rs.Plan == "":
			if haveGUID != "" {
				// To its own allocation: the values stay, then the
				// allocation below is written over them.
				ch.add(func() xmlapi.Op { return xmlapi.ResellerSwitch{Filter: byID, NoPlan: &xmlapi.Empty{}} }, nil)
				switched = true
			}
		case haveGUID == "" || haveGUID != wantGUID:
			ch.add(func() xmlapi.Op { return xmlapi.ResellerSwitch{Filter: byID, PlanGUID: r.guid(rpRef)} }, nil)
			switched = true
		default:
			if sub := d.Data.Subscriptions; sub != nil && sub.Subscription != nil && sub.Subscription.Locked == "true" {
				// Customised in the panel: plansync's reseller is on its
				// plan, synced.
				ch.add(func() xmlapi.Op { return xmlapi.ResellerSync{Filter: byID} }, nil)
			}
		}
		info, changed := r.resellerInfoDiff(rs, gi.Name, gi.Company, gi.Email, gi.Phone, gi.Address, gi.Description, pw)
		if gi.Login != rs.Login {
			info.Login, changed = rs.Login, true
		}
		var limits *xmlapi.ResellerLimits
		var perms *xmlapi.Permissions
		if rs.Plan == model.None || rs.Plan == "" {
			var hv mapping.Values
			hoversell := ""
			if d.Data.Limits != nil {
				if rp := d.Data.Limits.ResourcePolicy; rp != nil {
					hv.Overuse, hoversell = rp.Overuse, rp.Oversell
				}
				for _, l := range d.Data.Limits.Limit {
					setv(&hv.Limits, l.Name, l.Value)
				}
			}
			if d.Data.Permissions != nil {
				for _, p := range d.Data.Permissions.Permission {
					setv(&hv.Permissions, p.Name, p.Value)
				}
			}
			hvp := r.observed(hv)
			write, reset, unset := diff(r.props(r.res.PropertySets[rs.Allocation], nil), hvp, nil) // limits and permissions
			r.cannotUnset("reseller "+rs.Login, unset, hvp)
			v := r.values("reseller "+rs.Login, write, reset)
			if hoversell != alloc.Oversell {
				v.Oversell = alloc.Oversell
			}
			if switched {
				v = alloc
			}
			limits, perms = mapping.ResellerLimitsBlock(v), mapping.PermissionsBlock(v)
		}
		if !changed && limits == nil && perms == nil {
			continue
		}
		id := d.ID
		ch.add(func() xmlapi.Op {
			op := xmlapi.ResellerSet{Filter: xmlapi.ResellerFilter{ID: []int{id}}}
			if changed {
				op.Values.GenInfo = &info
			}
			op.Values.Limits, op.Values.Permissions = limits, perms
			return op
		}, r.contactWritten(ref, changed))
	}
	return ph, conv
}

// orRandom returns pw, or a random password when the config sets none:
// Plesk needs one to create an account. It is neither printed nor
// recorded; the account cannot log in until the config (or the panel)
// sets a password.
func orRandom(pw string) string {
	if pw != "" {
		return pw
	}
	const letters = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return "Ps-" + string(b) + "-9z"
}

func orLogin(name, login string) string {
	if name == "" {
		return login
	}
	return name
}

// contactSet is what a set sends of an account's contact details and
// description (nil: left out, kept).
type contactSet struct {
	Company, Name, Phone, Email, Address, Description *string
}

// contactDiff returns the contact fields of an account that differ from
// what the server has (gi: name, company, email, phone, address,
// description as the server gives them). A field the config leaves
// empty is sent empty, which clears it on the server (Plesk's set
// gen_info takes an empty element for that); the name, which Plesk
// requires, is the login when the config gives none, as when the
// account is created (a server that has none, or the login, is left
// so). The description is cleared only when the config
// removed it (recorded before, priorDesc): a description written in the
// panel that plansync never managed is not compared as drift, and is
// left alone.
func contactDiff(login string, want state.Contact, wantDesc, priorDesc string, name, company, email, phone, address, desc string) (contactSet, bool) {
	var cs contactSet
	changed := false
	pick := func(dst **string, want, have string) {
		if want != have {
			v := want
			*dst, changed = &v, true
		}
	}
	if want.Name != "" || name != "" && name != login {
		pick(&cs.Name, orLogin(want.Name, login), name)
	}
	pick(&cs.Company, want.Company, company)
	pick(&cs.Email, want.Email, email)
	pick(&cs.Phone, want.Phone, phone)
	pick(&cs.Address, want.Address, address)
	if wantDesc != "" || priorDesc != "" {
		pick(&cs.Description, wantDesc, desc)
	}
	return cs, changed
}

// resellerInfoDiff returns the gen-info fields that differ (contactDiff).
func (r *run) resellerInfoDiff(rs state.Reseller, name, company, email, phone, address, desc, pw string) (xmlapi.ResellerSetInfo, bool) {
	cs, changed := contactDiff(rs.Login, rs.Contact, rs.Description, r.priorDescription("reseller", rs.Login), name, company, email, phone, address, desc)
	info := xmlapi.ResellerSetInfo{Company: cs.Company, Name: cs.Name, Phone: cs.Phone, Email: cs.Email, Address: cs.Address, Description: cs.Description}
	if pw != "" {
		info.Password, changed = pw, true
	}
	return info, changed
}

// contactWritten is what follows a successful set of an account that
// carried its contact details (when contact): the account is read back
// after apply (verifyContacts).
func (r *run) contactWritten(ref state.Ref, contact bool) func(xmlapi.Reply) {
	if !contact {
		return nil
	}
	return func(xmlapi.Reply) {
		r.mu.Lock()
		r.contacts[ref] = true
		r.mu.Unlock()
	}
}

// priorDescription is the description recorded for an account (a
// customer or reseller, by login) before this apply: under its old login
// when this apply renames it (renamed_from), where it was recorded.
func (r *run) priorDescription(kind, login string) string {
	if r.prior == nil {
		return ""
	}
	login = r.keyOnServer(kind, login)
	if kind == "reseller" {
		for i := range r.prior.Resellers {
			if r.prior.Resellers[i].Login == login {
				return r.prior.Resellers[i].Description
			}
		}
		// Not recorded as a reseller: a customer turned reseller, whose
		// description is recorded as the customer's.
	}
	for i := range r.prior.Customers {
		if r.prior.Customers[i].Login == login {
			return r.prior.Customers[i].Description
		}
	}
	return ""
}

// ---- service and add-on plans ---------------------------------------------

func (r *run) buildPlans() (admin, resellers *phase) {
	admin, resellers = &phase{name: "admin's plans"}, &phase{name: "resellers' plans"}
	for _, group := range []struct {
		kind  string
		list  []state.Plan
		addon bool
	}{{"service_plan", r.res.ServicePlans, false}, {"addon_plan", r.res.AddonPlans, true}} {
		for _, pl := range group.list {
			if !r.mine(pl.Owner) || !r.inPlan(group.kind, pl.Key) {
				// Not written, but subscriptions may name it by GUID.
				if d := r.findPlan(group.kind, pl); d != nil {
					r.setID(state.Ref{Kind: group.kind, Key: pl.Key}, d.GUID, d.ID)
				}
				continue
			}
			ph := admin
			if pl.Owner != "" && pl.Owner != model.Admin {
				ph = resellers
			}
			r.buildPlan(ph, group.kind, pl, group.addon)
		}
	}
	return admin, resellers
}

// findPlan returns the server's plan for a recorded one: by the GUID
// recorded, else by owner and name.
func (r *run) findPlan(kind string, pl state.Plan) *xmlapi.PlanData {
	if pl.Plesk != nil {
		if d := r.plansByGUID[pl.Plesk.GUID]; d != nil {
			return d
		}
	}
	return r.plans[kind+" "+r.serverRef(kind, pl.Key, r.renamed(kind, pl.Key))]
}

func (r *run) buildPlan(ph *phase, kind string, pl state.Plan, addon bool) {
	ref := state.Ref{Kind: kind, Key: pl.Key}
	d := r.findPlan(kind, pl)
	want := r.props(r.res.PropertySets[pl.Props], nil)
	owner := ownerOf(pl.Owner)
	ch := ph.chain(ref.Kind, ref.Key)
	if addon {
		r.addonCarries(pl.Key, want)
	}
	var services []string
	if !addon {
		services = append(services, pl.Services...)
	}
	if d == nil {
		r.creating[ref] = true
		v := r.values(strings.ReplaceAll(kind, "_", " ")+" "+pl.Key, want, nil)
		ch.add(func() xmlapi.Op {
			var hosting *xmlapi.Properties
			if hp := mapping.HostingProperties(v); len(hp) > 0 {
				hosting = &xmlapi.Properties{Property: hp}
			}
			if addon {
				return xmlapi.AddonPlanAdd{Name: pl.Name, Owner: owner, Limits: mapping.LimitsBlock(v, true), Hosting: hosting,
					Permissions: mapping.PermissionsBlock(v), PHPSettings: mapping.PHPBlock(v)}
			}
			return xmlapi.ServicePlanAdd{Name: pl.Name, Owner: owner, Mail: mapping.PlanMailBlock(v), Limits: mapping.LimitsBlock(v, false),
				Preferences: mapping.PrefsBlock(v), Hosting: hosting, Permissions: mapping.PermissionsBlock(v), PHPSettings: mapping.PHPBlock(v)}
		}, func(rep xmlapi.Reply) {
			if res, ok := rep.Results[0].(*xmlapi.AddResult); ok {
				r.add(ref, res.GUID, res.ID)
				if addon {
					r.mu.Lock()
					r.addonGUIDs[res.GUID] = true
					r.mu.Unlock()
				}
			}
		})
		for _, name := range services {
			name := name
			ch.add(func() xmlapi.Op {
				return xmlapi.ServicePlanAddItem{Filter: xmlapi.PlanFilter{GUID: []string{r.guid(ref)}}, Owner: owner, PlanItem: xmlapi.ItemName{Name: name}}
			}, nil)
		}
		return
	}
	r.setID(ref, d.GUID, d.ID)
	var write model.Props
	var reset, unset []string
	hv := r.observed(mapping.FromPlan(d))
	if addon {
		write, reset, unset = addonDiff(want, hv)
	} else {
		write, reset, unset = diff(want, hv, nil)
	}
	r.cannotUnset(strings.ReplaceAll(kind, "_", " ")+" "+pl.Key, unset, hv)
	v := r.values(strings.ReplaceAll(kind, "_", " ")+" "+pl.Key, write, reset)
	newName := ""
	if d.Name != pl.Name {
		newName = pl.Name
	}
	guid := d.GUID
	problems := func(rep xmlapi.Reply) {
		if res, ok := rep.Results[0].(*xmlapi.PlanResult); ok {
			r.problem(strings.ReplaceAll(kind, "_", " ")+" "+pl.Key, res.Problems)
		}
	}
	if !empty(v) {
		r.valuesSet[ref] = true
	}
	if !empty(v) || newName != "" {
		r.written[ref] = true
		ch.add(func() xmlapi.Op {
			hosting := mapping.HostingProperties(v)
			if addon {
				var h *xmlapi.Properties
				if len(hosting) > 0 {
					h = &xmlapi.Properties{Property: hosting}
				}
				return xmlapi.AddonPlanSet{Filter: xmlapi.PlanFilter{GUID: []string{guid}}, Owner: owner, Limits: mapping.LimitsBlock(v, true), Hosting: h,
					Permissions: mapping.PermissionsBlock(v), NewName: newName, PHPSettings: mapping.PHPBlock(v)}
			}
			var h *xmlapi.PlanHosting
			if len(hosting) > 0 {
				h = &xmlapi.PlanHosting{VrtHst: &xmlapi.Properties{Property: hosting}}
			}
			return xmlapi.ServicePlanSet{Filter: xmlapi.PlanFilter{GUID: []string{guid}}, Owner: owner, Mail: mapping.PlanMailBlock(v), Limits: mapping.LimitsBlock(v, false),
				Preferences: mapping.PrefsBlock(v), Hosting: h, Permissions: mapping.PermissionsBlock(v), NewName: newName, PHPSettings: mapping.PHPBlock(v)}
		}, problems)
	}
	if addon {
		return
	}
	have := map[string]bool{}
	if d.PlanItems != nil {
		for _, it := range d.PlanItems.Item {
			have[it.Name] = true
		}
	}
	want2 := map[string]bool{}
	for _, name := range services {
		want2[name] = true
		if !have[name] {
			name := name
			r.written[ref] = true
			ch.add(func() xmlapi.Op {
				return xmlapi.ServicePlanAddItem{Filter: xmlapi.PlanFilter{GUID: []string{guid}}, Owner: owner, PlanItem: xmlapi.ItemName{Name: name}}
			}, nil)
		}
	}
	var extra []string
	for name := range have {
		if !want2[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		name := name
		r.written[ref] = true
		ch.add(func() xmlapi.Op {
			return xmlapi.ServicePlanRemoveItem{Filter: xmlapi.PlanFilter{GUID: []string{guid}}, Owner: owner, PlanItem: xmlapi.ItemName{Name: name}}
		}, nil)
	}
}

// ---- customers ------------------------------------------------------------

// buildCustomers returns the customers' moves, then their other writes
// (creations, contact details): a customer moved away from a reseller
// frees its place in the reseller's customer limit before a new customer
// of that reseller is created.
func (r *run) buildCustomers() []*phase {
	moves, ph := &phase{name: "customers' moves"}, &phase{name: "customers"}
	r.moved = map[string]bool{}
	for _, c := range r.res.Customers {
		c := c
		if !r.mine(c.Owner) || !r.inPlan("customer", c.Login) {
			continue
		}
		ref := state.Ref{Kind: "customer", Key: c.Login}
		var d *xmlapi.CustomerData
		if c.Plesk != nil {
			d = r.custsByGUID[c.Plesk.GUID]
		}
		if d == nil {
			d = r.custs[r.serverRef("customer", c.Login, r.renamed("customer", c.Login))]
		}
		ch := ph.chain(ref.Kind, ref.Key)
		billing := r.opts.Billing("customer", c.Login)
		pw := ""
		if r.setsSecret("customer", c.Login) && !billing {
			pw = r.opts.Secret("customer", c.Login, "password")
		}
		if d == nil && billing {
			r.leftToBilling("customer", c.Login)
			continue
		}
		if billing {
			r.secretLeftToBilling("customer", c.Login, "password")
		}
		if d == nil {
			ch.add(func() xmlapi.Op {
				info := xmlapi.CustomerInfo{Login: c.Login, Password: orRandom(pw), Name: orLogin(c.Contact.Name, c.Login), Company: c.Contact.Company,
					Email: c.Contact.Email, Phone: c.Contact.Phone, Address: c.Contact.Address, Description: c.Description}
				if c.Owner != model.Admin {
					info.OwnerLogin = c.Owner
				}
				return xmlapi.CustomerAdd{GenInfo: info}
			}, func(rep xmlapi.Reply) {
				if res, ok := rep.Results[0].(*xmlapi.AddResult); ok {
					r.add(ref, res.GUID, res.ID)
				}
			})
			continue
		}
		gi := d.Data.GenInfo
		r.setID(ref, gi.GUID, d.ID)
		id := d.ID
		if !sameOwner(gi.OwnerLogin, c.Owner) && !r.ownerRenamed(gi.OwnerLogin, c.Owner) {
			// A move: change-owner first; each subscription is then
			// switched to its plan of the new owner.
			r.moved[c.Login] = true
			ip := r.opts.DefaultIP
			owner := c.Owner
			moves.chain(ref.Kind, ref.Key).add(func() xmlapi.Op {
				return xmlapi.CustomerChangeOwner{Filter: xmlapi.CustomerFilter{ID: []int{id}}, NewOwnerLogin: owner, IPv4: []string{ip}}
			}, nil)
		}
		cs, changed := contactDiff(c.Login, c.Contact, c.Description, r.priorDescription("customer", c.Login),
			gi.Name, gi.Company, gi.Email, gi.Phone, gi.Address, gi.Description)
		info := xmlapi.CustomerSetInfo{Company: cs.Company, Name: cs.Name, Phone: cs.Phone, Email: cs.Email, Address: cs.Address, Description: cs.Description}
		if c.Login != gi.Login {
			info.Login, changed = c.Login, true
		}
		if pw != "" {
			info.Password, changed = pw, true
		}
		if changed {
			ch.add(func() xmlapi.Op {
				op := xmlapi.CustomerSet{Filter: xmlapi.CustomerFilter{ID: []int{id}}}
				op.Values.GenInfo = &info
				return op
			}, r.contactWritten(ref, true))
		}
	}
	return []*phase{moves, ph}
}

// ---- subscriptions --------------------------------------------------------

// webspaceOf returns what the server has for subscription s (by its
// GUID, else by its domain, or its name before a rename), nil when the
// server has none.
func (r *run) webspaceOf(s *state.Subscription) *xmlapi.WebspaceData {
	if s.Plesk != nil {
		if d := r.websByGUID[s.Plesk.GUID]; d != nil {
			return d
		}
	}
	return r.webs[r.serverRef("subscription", s.Domain, r.renamed("subscription", s.Domain))]
}

// serverDefaultIP gives a run without a default IP address (no
// default_ip, no PLANSYNC_PLESK_DEFAULT_IP) the server's own when it
// needs one and the server has exactly one shared address (ip get), as
// Plesk's panel offers that address for a new subscription: it needs
// one to create a subscription that names none (ip_address) and to
// move or convert a customer. With several shared addresses it stays
// unset: which one is the operator's choice, and the run says so
// (buildSubscriptions).
func (r *run) serverDefaultIP(ctx context.Context) error {
	if r.opts.DefaultIP != "" || !r.needsIP() {
		return nil
	}
	ips, err := xmlapi.Call[xmlapi.IPData](ctx, r.c, xmlapi.IPGet{})
	if err != nil {
		// A lookup, not a step of the apply: a server that does not
		// answer it (a reseller's credentials, say) leaves the address
		// unset, and the run asks for default_ip.
		return ctx.Err()
	}
	var shared []string
	for _, d := range ips {
		for _, ip := range d.Addresses.IPInfo {
			if ip.Type == "shared" {
				shared = append(shared, ip.Address)
			}
		}
	}
	if len(shared) == 1 {
		r.opts.DefaultIP = shared[0]
	}
	return nil
}

// needsIP reports whether the run writes something that takes the
// default IP address: a subscription to create without its own, a
// customer to move or convert.
func (r *run) needsIP() bool {
	for _, c := range r.changes {
		if c.Action == plan.Move || c.Action == plan.Convert {
			return true
		}
	}
	for i := range r.res.Subscriptions {
		s := &r.res.Subscriptions[i]
		if s.IPAddress == "" && r.mine(s.Owner) && r.inPlan("subscription", s.Domain) && r.webspaceOf(s) == nil {
			return true
		}
	}
	return false
}

func (r *run) buildSubscriptions() ([]*phase, error) {
	ph := &phase{name: "subscriptions"}
	var noIP, noPlan []string
	// competing are the chains that ask more of a reseller's pooled
	// allocation than the subscription has (allocationPhases).
	competing := map[*chain]string{}
	pools := map[string]bool{}
	// grown are the subscriptions a plan write of this run grows (see
	// givesBack below), by domain, with what they are to get.
	type grownSub struct {
		owner string
		want  model.Props
	}
	grown := map[string]grownSub{}
	for i := range r.res.Subscriptions {
		s := r.res.Subscriptions[i]
		if !r.mine(s.Owner) || !r.inPlan("subscription", s.Domain) {
			continue
		}
		ref := state.Ref{Kind: "subscription", Key: s.Domain}
		d := r.webspaceOf(&s)
		ch := ph.chain(ref.Kind, ref.Key)
		holder := s.Customer
		if holder == "" {
			holder = s.Owner
		}
		custom := s.Plan == "" || s.Plan == model.None
		planRef := state.Ref{Kind: "service_plan", Key: model.PlanKey(s.Owner, s.Plan)}
		var addonRefs []state.Ref
		for _, a := range s.Addons {
			addonRefs = append(addonRefs, state.Ref{Kind: "addon_plan", Key: model.PlanKey(s.Owner, a)})
		}
		want := r.wantOf(&s)
		byName := xmlapi.WebspaceFilter{Name: []string{s.Domain}}
		if r.pooledAllocation(s.Owner, pools) && (d == nil || r.moved[s.Customer] || !r.ownedBy(d.Data.GenInfo, holder, s.Customer != "") ||
			growsPool(r.observed(mapping.FromWebspace(d)), want)) {
			competing[ch] = s.Owner
		}
		// Every plan it names must be on the server or created in this run.
		planRefs := addonRefs
		if !custom {
			planRefs = append([]state.Ref{planRef}, addonRefs...)
		}
		for _, pr := range planRefs {
			if r.guid(pr) == "" && !r.creating[pr] {
				noPlan = append(noPlan, fmt.Sprintf("%s (%s %s)", s.Domain, strings.ReplaceAll(pr.Kind, "_", " "), pr.Key))
			}
		}
		problems := func(rep xmlapi.Reply) {
			for _, text := range filterProblems(rep) {
				r.problem("subscription "+s.Domain, text)
			}
		}
		set := func(v mapping.Values) {
			ch.add(func() xmlapi.Op {
				return xmlapi.WebspaceSet{Filter: byName, Values: webspaceValues(v)}
			}, problems)
		}
		addAddons := func(from int) {
			for _, ar := range addonRefs[from:] {
				ar := ar
				ch.add(func() xmlapi.Op {
					return xmlapi.WebspaceAddAddon{Filter: byName, PlanGUID: r.guid(ar)}
				}, problems)
			}
		}
		// items attaches the additional services add to it and detaches
		// those of drop.
		items := func(add, drop []string) {
			for _, name := range add {
				item := xmlapi.ItemName{Name: name}
				ch.add(func() xmlapi.Op { return xmlapi.WebspaceAddItem{Filter: byName, PlanItem: item} }, problems)
			}
			for _, name := range drop {
				item := xmlapi.ItemName{Name: name}
				ch.add(func() xmlapi.Op { return xmlapi.WebspaceRemoveItem{Filter: byName, PlanItem: item} }, problems)
			}
		}
		billing := r.opts.Billing("subscription", s.Domain)
		if d == nil && billing {
			r.leftToBilling("subscription", s.Domain)
			continue
		}
		if billing {
			r.secretLeftToBilling("subscription", s.Domain, "ftp_password")
		}
		if d == nil && s.Customer != "" && r.pending[state.Ref{Kind: "customer", Key: s.Customer}] {
			r.notes = append(r.notes, fmt.Sprintf("subscription %s waits for its customer %s (managed by billing): not created", s.Domain, s.Customer))
			r.pending[ref] = true
			continue
		}
		if d == nil {
			// Its own IP address, else the connection's default.
			ip := s.IPAddress
			if ip == "" {
				ip = r.opts.DefaultIP
			}
			if ip == "" {
				noIP = append(noIP, s.Domain)
				continue
			}
			ftp := r.ftp(s, true)
			exp := expiration(s.Expires)
			var customValues mapping.Values
			if custom {
				customValues = r.values("subscription "+s.Domain, want, nil)
			}
			ch.add(func() xmlapi.Op {
				op := xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: s.Domain, HType: "vrt_hst", IPAddress: ip}}
				if holder != model.Admin {
					op.GenSetup.OwnerLogin = holder
				}
				var hosting []xmlapi.Property
				if custom {
					v := customValues.Clone()
					if exp != unlimited {
						setv(&v.Limits, "expiration", exp)
					}
					hosting = mapping.HostingProperties(v)
					op.Limits, op.Permissions, op.PHPSettings, op.Mail = mapping.LimitsBlock(v, false), mapping.PermissionsBlock(v), mapping.PHPBlock(v), mapping.WebspaceMailBlock(v)
				} else {
					op.PlanGUID = r.guid(planRef)
					if exp != unlimited {
						op.Limits = &xmlapi.Limits{Limit: []xmlapi.Limit{{Name: "expiration", Value: exp}}}
					}
				}
				hosting = append(hosting, ftp...)
				if len(hosting) > 0 {
					op.Hosting = &xmlapi.WebspaceHosting{VrtHst: &xmlapi.VrtHst{Property: hosting}}
				}
				return op
			}, func(rep xmlapi.Reply) {
				if res, ok := rep.Results[0].(*xmlapi.AddResult); ok {
					r.add(ref, res.GUID, res.ID)
				}
			})
			if custom {
				// No plan brings it its additional services (those of
				// the default plan it starts from): they are attached
				// to it (SPEC 6.5: create, add-ons, services).
				add, _ := r.customItems(&s, nil)
				items(add, nil)
			}
			if !custom {
				addAddons(0)
				if s.SyncStatus == "locked" {
					v := r.values("subscription "+s.Domain, only(want, s.Customized), nil)
					if empty(v) {
						// Customised in nothing the server holds:
						// locked all the same (see lockingWrite).
						v = r.values("subscription "+s.Domain, lockingWrite(want), nil)
						r.lockable(s.Domain, s.Customized, v)
					}
					if !empty(v) {
						set(v)
					}
				}
			}
			if competing[ch] != "" {
				r.noteShort(s.Domain, s.Owner, want, custom || s.SyncStatus == "locked")
			}
			r.touched[s.Domain] = len(ch.steps) > 0
			continue
		}
		gi := d.Data.GenInfo
		r.setID(ref, gi.GUID, d.ID)
		info := r.subInfo(d)
		// ownerOK: the server has it under its holder, or under the
		// account that is about to become its holder (a customer
		// renamed, or moved: change-owner carries the customer's
		// subscriptions along). One given to a moved customer by
		// another account is not carried: its owner is set, then it
		// is switched to its plan of the new owner.
		ownerOK := r.ownedBy(gi, holder, s.Customer != "")
		if r.carried(gi) {
			// change-owner leaves the subscriptions custom, without
			// add-ons: every subscription the moved customer has on
			// the server, the ones it keeps and the ones the config
			// gives to another account (whose owner is then set).
			info = webInfo{synced: true}
		}
		if !strings.EqualFold(gi.Domain(), s.Domain) || !ownerOK {
			gs := &xmlapi.SetGenSetup{}
			if !strings.EqualFold(gi.Domain(), s.Domain) {
				gs.Name = s.Domain
				byOld := xmlapi.WebspaceFilter{Name: []string{gi.Domain()}}
				ch.add(func() xmlapi.Op {
					return xmlapi.WebspaceSet{Filter: byOld, Values: xmlapi.WebspaceValues{GenSetup: gs}}
				}, nil)
			}
			if !ownerOK {
				gso := &xmlapi.SetGenSetup{OwnerLogin: holder}
				ch.add(func() xmlapi.Op {
					return xmlapi.WebspaceSet{Filter: byName, Values: xmlapi.WebspaceValues{GenSetup: gso}}
				}, nil)
			}
		}
		// membership: its plan or add-ons change; switched: its plan
		// (a switch takes its new plan's services, add-ons bring none).
		membership, switched := false, false
		// served: a sync of this run has Plesk serve it what its plans
		// ask anew (as a switch or a change of its add-ons does).
		served := false
		if billing {
			// The plan and add-ons are billing's: what the server has
			// stays; a difference shows as a model disagreement.
		} else if custom {
			if info.plan != "" {
				ch.add(func() xmlapi.Op { return xmlapi.WebspaceSwitch{Filter: byName, NoPlan: &xmlapi.Empty{}} }, problems)
				membership = true
			}
		} else {
			cur := info.addons
			if info.plan == "" || info.plan != r.guid(planRef) {
				ch.add(func() xmlapi.Op { return xmlapi.WebspaceSwitch{Filter: byName, PlanGUID: r.guid(planRef)} }, problems)
				membership, switched = true, true
			}
			keep := 0
			for keep < len(cur) && keep < len(addonRefs) && cur[keep] != "" && cur[keep] == r.guid(addonRefs[keep]) {
				keep++
			}
			for j := len(cur) - 1; j >= keep; j-- {
				g := cur[j]
				ch.add(func() xmlapi.Op { return xmlapi.WebspaceRemoveAddon{Filter: byName, PlanGUID: g} }, problems)
				membership = true
			}
			if keep < len(addonRefs) {
				addAddons(keep)
				membership = true
			}
		}
		switch s.SyncStatus {
		case "locked":
			var v mapping.Values
			if membership {
				// Its base is taken anew from its new plans (SPEC 1.3)
				// and its values are written, which locks it again, as
				// Plesk does not re-sync a locked subscription whose
				// add-ons change: what it has that they no longer set
				// is reset too (a value only a removed add-on gave),
				// and when a value no write can unset is among it, it
				// is synced to its plans first. (Only then: a sync
				// serves its limits anew from its reseller's
				// allocation, where what it has is kept.)
				have := r.observed(mapping.FromWebspace(d))
				_, reset, unset := diff(want, have, r.settings(&s))
				if len(unset) > 0 {
					ch.add(func() xmlapi.Op { return xmlapi.WebspaceSync{Filter: byName} }, problems)
					switched = true
				}
				v = r.values("subscription "+s.Domain, want, reset)
				if empty(v) {
					v = r.values("subscription "+s.Domain, lockingWrite(want), nil)
					r.lockable(s.Domain, s.Customized, v)
				}
			} else {
				have := r.observed(mapping.FromWebspace(d))
				write, reset, unset := diff(want, have, r.settings(&s))
				r.cannotUnset("subscription "+s.Domain, unset, have)
				if !info.locked {
					for path, x := range only(want, s.Customized) {
						write[path] = x
					}
				}
				v = r.values("subscription "+s.Domain, write, reset)
				if empty(v) && !info.locked {
					// Nothing the server holds differs (the customised
					// values are plansync-only, the subscriber's own, or
					// what the plans give already), yet the subscription
					// is customised, so locked (SPEC 1.3): Plesk locks it
					// on a write of its values, so one value it has is
					// written back as it is.
					v = r.values("subscription "+s.Domain, lockingWrite(want), nil)
					r.lockable(s.Domain, s.Customized, v)
				}
			}
			if !empty(v) {
				set(v)
			}
			switch {
			case switched:
				// (A switch or sync takes its plan's services.)
			case membership:
				// Its add-ons change, which does not re-sync it: its
				// base is taken anew (SPEC 1.3), its services too:
				// those of its service plan it did not get (an
				// add-on's are plansync-only, SPEC 6.2).
				add, _ := r.customItems(&s, d)
				add = slices.DeleteFunc(add, func(n string) bool { return !r.planGives(planRef, n) })
				items(add, r.frozenDrops(&s, d))
			default:
				// Its frozen values gain a service of its plan that it
				// could not have when it was locked (a conflict now
				// resolved: an extension installed, a service made
				// available again): no plan write reaches a subscription
				// the server holds locked, so it is attached to it (one
				// the server holds synced gets it from its plan's write).
				// So is one of its frozen values taken off it in the
				// panel (drift the plan sets back), but an add-on's,
				// which is plansync-only (SPEC 6.2).
				var add []string
				if info.locked {
					add, _ = r.customItems(&s, d)
					add = slices.DeleteFunc(add, func(n string) bool { return !r.planGives(planRef, n) && r.addonGives(&s, n) })
				}
				items(add, r.frozenDrops(&s, d))
			}
		case "custom":
			have := r.observed(mapping.FromWebspace(d))
			write, reset, unset := diff(want, have, r.settings(&s))
			r.cannotUnset("subscription "+s.Domain, unset, have)
			if v := r.values("subscription "+s.Domain, write, reset); !empty(v) {
				set(v)
			}
			items(r.customItems(&s, d))
		default:
			// Synced or unsynced: never a per-subscription write of
			// values (it would lock); a lock found on the server is
			// lifted with sync-subscription.
			// One the server holds unsynchronized gets what its plans
			// ask again only when synced: when it is to get more of its
			// reseller's allocation than it holds (freed by another
			// subscription) and no plan write of this run reaches it.
			// One to be synced that a plan write of this run reaches is
			// synced by that write, as Plesk brings a plan's change to
			// every subscription of it that is not locked (SPEC §6.5);
			// the read-back checks it.
			regain := !info.synced && !membership && !r.plansChange(&s) && r.pooledAllocation(s.Owner, pools) &&
				growsPool(r.observed(mapping.FromWebspace(d)), want)
			resync := s.SyncStatus == "synced" && !info.synced && !membership && !r.planWritten(&s)
			if info.locked || resync || regain {
				ch.add(func() xmlapi.Op { return xmlapi.WebspaceSync{Filter: byName} }, problems)
				served = true
			}
		}
		if (served || membership) && competing[ch] == "" && r.pooledAllocation(s.Owner, pools) && allocationShort(&s) {
			// Switched, its add-ons changed or synced: Plesk serves it
			// what its plans ask, more than it is predicted to get (an
			// allocation conflict), from what is left when the write
			// comes. Its growth competes with what is new, in key order
			// (SPEC §1.5): written among them, it keeps what it had
			// when what is left before it does not hold its growth.
			competing[ch] = s.Owner
		}
		if competing[ch] != "" {
			r.noteShort(s.Domain, s.Owner, want, custom || s.SyncStatus == "locked")
		}
		// What a subscription gives back of its reseller's pooled
		// allocation in this run (moved to another owner, or asking
		// less than it holds: switched, its add-on or customisation
		// lowered) is freed after the plans are written (SPEC §6.5);
		// one that a plan write grows got only what was left then.
		// (Only a reseller's pooled allocation is given back: the
		// others' subscriptions are not read again here.)
		if p := r.priorSub(s.Domain); p != nil && p.Owner != s.Owner && p.Owner != "" && p.Owner != model.Admin {
			r.givesBack[p.Owner] = true
		} else if r.pooledAllocation(s.Owner, pools) {
			have := r.observed(mapping.FromWebspace(d))
			if growsPool(want, have) {
				r.givesBack[s.Owner] = true
			}
			if !custom && s.SyncStatus != "locked" && !membership && r.planWritten(&s) && growsPool(have, want) {
				grown[s.Domain] = grownSub{s.Owner, want}
			}
		}
		if ip := s.IPAddress; ip != "" && !slices.Contains(mapping.WebspaceIPs(d), ip) {
			// Moved to another IP address: gen_setup's ip_address, which
			// is not a plan value (it does not lock the subscription).
			ch.add(func() xmlapi.Op {
				return xmlapi.WebspaceSet{Filter: byName, Values: xmlapi.WebspaceValues{GenSetup: &xmlapi.SetGenSetup{IPAddress: ip}}}
			}, nil)
		}
		if exp := expiration(s.Expires); exp != serverExpiration(d) {
			// The subscription's own date: written alone, it does not
			// lock (nor does a plan change reach it).
			ch.add(func() xmlapi.Op {
				return xmlapi.WebspaceSet{Filter: byName, Values: xmlapi.WebspaceValues{Limits: &xmlapi.Limits{Limit: []xmlapi.Limit{{Name: "expiration", Value: exp}}}}}
			}, nil)
		}
		if ftp := r.ftpChanges(s, d); len(ftp) > 0 && !billing {
			ch.add(func() xmlapi.Op {
				return xmlapi.WebspaceSet{Filter: byName, Values: xmlapi.WebspaceValues{Hosting: &xmlapi.WebspaceHosting{VrtHst: &xmlapi.VrtHst{Property: ftp}}}}
			}, nil)
		}
		r.touched[s.Domain] = len(ch.steps) > 0
	}
	for k, v := range r.touched {
		if !v {
			delete(r.touched, k)
		}
	}
	if len(noPlan) > 0 {
		sort.Strings(noPlan)
		more := ""
		if len(noPlan) > 3 {
			more, noPlan = " and "+strconv.Itoa(len(noPlan)-3)+" more", noPlan[:3]
		}
		return nil, errorf("plesk %s: nothing was changed: subscriptions name plans the server does not have: %s%s (create them in the panel, or apply as the admin)",
			r.c.Server(), strings.Join(noPlan, ", "), more)
	}
	if len(noIP) > 0 {
		sort.Strings(noIP)
		more := ""
		if len(noIP) > 3 {
			more, noIP = " and "+strconv.Itoa(len(noIP)-3)+" more", noIP[:3]
		}
		at := r.opts.DefaultIPAt
		if at == "" {
			at = "server.plesk.default_ip"
		}
		return nil, errorf("plesk %s: nothing was changed: subscriptions %s%s need an IP address: set %s (or PLANSYNC_PLESK_DEFAULT_IP)",
			r.c.Server(), strings.Join(noIP, ", "), more, at)
	}
	// One a plan write grew while another subscription of its reseller
	// still held what this run gives back is synced again after the
	// other writes (buildResyncs), and gets what its plans ask as far as
	// the allocation then allows, as predicted.
	for _, domain := range slices.Sorted(maps.Keys(grown)) {
		if g := grown[domain]; r.givesBack[g.owner] {
			r.noteShort(domain, g.owner, g.want, false)
		}
	}
	return allocationPhases(ph, competing), nil
}

// allocationPhases takes out of ph the chains that compete for a
// reseller's pooled allocation (competing: chain → reseller) and returns
// ph followed by the phases that write them. Without oversell, what is
// new competes for what is left of the allocation, served in sorted key
// order (SPEC §1.5), and Plesk serves each write as it comes: a
// subscription is created from its plan alone, its add-ons and its
// customisation follow. So the competing subscriptions of one reseller
// are written one after another, each whole, in key order, after every
// other write of the phase (what shrinks frees its part first); those of
// different resellers go side by side. Phase k holds the k-th competing
// subscription of every reseller.
func allocationPhases(ph *phase, competing map[*chain]string) []*phase {
	if len(competing) == 0 {
		return []*phase{ph}
	}
	byPool := map[string][]*chain{}
	kept := ph.chains[:0]
	for _, ch := range ph.chains {
		if login, ok := competing[ch]; ok && len(ch.steps) > 0 {
			byPool[login] = append(byPool[login], ch)
			continue
		}
		kept = append(kept, ch)
	}
	ph.chains = kept
	out := []*phase{ph}
	for _, login := range slices.Sorted(maps.Keys(byPool)) {
		chains := byPool[login]
		sort.Slice(chains, func(i, j int) bool { return chains[i].ref.Key < chains[j].ref.Key })
		for k, ch := range chains {
			if k+1 == len(out) {
				out = append(out, &phase{name: ph.name})
			}
			out[k+1].chains = append(out[k+1].chains, ch)
		}
	}
	return out
}

// plansChange reports whether this run changes the service plan or an
// add-on plan a subscription is on: Plesk brings the change to it.
func (r *run) plansChange(s *state.Subscription) bool {
	return onPlan(s, func(ref state.Ref) bool { return r.changes[ref.Kind+" "+ref.Key] != nil })
}

// planWritten reports whether a set of this run changes the values of
// the service plan or of an add-on plan a subscription is on, which
// Plesk brings to the subscription unless it is locked (verify reads
// such subscriptions back).
func (r *run) planWritten(s *state.Subscription) bool {
	return onPlan(s, func(ref state.Ref) bool { return r.valuesSet[ref] })
}

// onPlan reports whether in holds the service plan or one of the add-on
// plans subscription s is on.
func onPlan(s *state.Subscription, in func(state.Ref) bool) bool {
	if s.Plan != "" && s.Plan != model.None && in(state.Ref{Kind: "service_plan", Key: model.PlanKey(s.Owner, s.Plan)}) {
		return true
	}
	for _, a := range s.Addons {
		if in(state.Ref{Kind: "addon_plan", Key: model.PlanKey(s.Owner, a)}) {
			return true
		}
	}
	return false
}

// pooledAllocation reports whether reseller login's allocation is shared
// out among its subscriptions: without oversell, with a limit on a
// pooled resource (as the planner's allocate counts them). memo holds
// the answers by login.
func (r *run) pooledAllocation(login string, memo map[string]bool) bool {
	if login == "" || login == model.Admin {
		return false
	}
	if v, ok := memo[login]; ok {
		return v
	}
	pooled := false
	for _, rs := range r.res.Resellers {
		if rs.Login != login || rs.Oversell || rs.Allocation == "" {
			continue
		}
		alloc, _ := plan.PropsFromValues(r.res.PropertySets[rs.Allocation])
		for path, v := range alloc {
			if poolPath(path) && !v.IsUnlimited() {
				pooled = true
			}
		}
	}
	memo[login] = pooled
	return pooled
}

// poolPath reports whether path is a resource a reseller's subscriptions
// share out without oversell: disk space, traffic and the counts a
// service plan sets (not mailbox_quota, the size of one mailbox).
func poolPath(path string) bool {
	c := model.Lookup(path)
	return c != nil && strings.HasPrefix(path, "resources.") && path != "resources.mailbox_quota" &&
		(c.Kind == model.KindSize || c.Kind == model.KindCount) && c.Where&model.InServicePlan != 0
}

// allocationShort reports whether a subscription is predicted to get less of a
// pooled resource of its reseller's allocation than its plans ask (an
// allocation conflict).
func allocationShort(s *state.Subscription) bool {
	for _, c := range s.Conflicts {
		if poolPath(c.Property) {
			return true
		}
	}
	return false
}

// growsPool reports whether want asks more of a pooled resource than
// have (the server's values) holds; a limit left out is unlimited.
func growsPool(have, want model.Props) bool {
	unlimited := func(p model.Props, path string) model.Value {
		if v, ok := p[path]; ok {
			return v
		}
		return model.Value{K: model.KindCount, N: model.Unlimited}
	}
	for path, w := range want {
		if poolPath(path) && model.Less(unlimited(have, path), w) {
			return true
		}
	}
	for path, h := range have {
		if _, ok := want[path]; !ok && poolPath(path) && !h.IsUnlimited() {
			return true
		}
	}
	return false
}

// ftp returns the FTP credentials to send for a new subscription.
func (r *run) ftp(s state.Subscription, create bool) []xmlapi.Property {
	var out []xmlapi.Property
	if s.FTPLogin != "" {
		out = append(out, xmlapi.Property{Name: "ftp_login", Value: s.FTPLogin})
	}
	if create || r.setsSecret("subscription", s.Domain) {
		if pw := r.opts.Secret("subscription", s.Domain, "ftp_password"); pw != "" {
			out = append(out, xmlapi.Property{Name: "ftp_password", Value: pw})
		}
	}
	return out
}

// ftpChanges returns the FTP credentials that differ on an existing
// subscription (a password only when the plan changes it).
func (r *run) ftpChanges(s state.Subscription, d *xmlapi.WebspaceData) []xmlapi.Property {
	var out []xmlapi.Property
	if s.FTPLogin != "" && webspaceFTPLogin(d) != s.FTPLogin {
		out = append(out, xmlapi.Property{Name: "ftp_login", Value: s.FTPLogin})
	}
	if r.changes["subscription "+s.Domain] != nil && r.setsSecret("subscription", s.Domain) {
		if pw := r.opts.Secret("subscription", s.Domain, "ftp_password"); pw != "" {
			out = append(out, xmlapi.Property{Name: "ftp_password", Value: pw})
		}
	}
	return out
}

const unlimited = "-1"

// expiration is a subscription's expiration limit as Plesk takes it: Unix
// seconds, -1 when it never expires. A date at or before the epoch (a
// config may name one from year 1) has no such number, and -1 or 0 would
// read as never: it is 1, the earliest moment the limit holds, so the
// server has the subscription expired too (refresh.sameSecond reads it
// the same way).
func expiration(t *time.Time) string {
	if t == nil {
		return unlimited
	}
	return strconv.FormatInt(max(t.Unix(), 1), 10)
}

// serverExpiration is the expiration limit the server has for a
// subscription (-1 when none).
func serverExpiration(d *xmlapi.WebspaceData) string {
	if d == nil || d.Data == nil || d.Data.Limits == nil {
		return unlimited
	}
	for _, l := range d.Data.Limits.Limit {
		if l.Name == "expiration" {
			if n, err := strconv.ParseInt(strings.TrimSpace(l.Value), 10, 64); err == nil && n > 0 {
				return strconv.FormatInt(n, 10)
			}
		}
	}
	return unlimited
}

// webspaceValues renders values for webspace set (no preferences: a
// subscription has no such block).
func webspaceValues(v mapping.Values) xmlapi.WebspaceValues {
	out := xmlapi.WebspaceValues{Limits: mapping.LimitsBlock(v, false), Permissions: mapping.PermissionsBlock(v),
		PHPSettings: mapping.PHPBlock(v), Mail: mapping.WebspaceMailBlock(v)}
	if hp := mapping.HostingProperties(v); len(hp) > 0 {
		out.Hosting = &xmlapi.WebspaceHosting{VrtHst: &xmlapi.VrtHst{Property: hp}}
	}
	return out
}

// ---- statuses -------------------------------------------------------------

// heldSuspended reports whether a subscription the server holds with
// status bits is suspended as apply takes it: suspended in the panel,
// or held expired (256) while plansync has it active (its date has not
// passed: renewed, or expired outside plansync).
func heldSuspended(bits int, s *state.Subscription) bool {
	return bits&xmlapi.StatusSuspendedInPanel != 0 || bits&xmlapi.StatusExpired != 0 && s.Status == "active"
}

func (r *run) buildStatuses() *phase {
	ph := &phase{name: "statuses"}
	// status adds the write of an object's status when the server's
	// differs from the config's (16 suspended by the administrator, 0
	// active; held is whether the server's status counts as suspended).
	status := func(kind, key string, mine, suspended, held bool, op func(status *int) xmlapi.Op) {
		if !mine || r.opts.Billing(kind, key) || !r.inPlan(kind, key) || suspended == held {
			return
		}
		n := 0
		if suspended {
			n = xmlapi.StatusByAdmin
		}
		ph.chain(kind, key).add(func() xmlapi.Op { return op(&n) }, nil)
		if kind != "subscription" {
			r.statuses[state.Ref{Kind: kind, Key: key}] = true
		}
	}
	// What the server had before the run is found under the name the
	// account had then: its recorded name when it is renamed, and a
	// reseller converted in this run is the customer it was.
	for _, rs := range r.res.Resellers {
		have := 0
		if d := r.resellers[r.keyOnServer("reseller", rs.Login)]; d != nil {
			have = d.Data.GenInfo.Status
		} else if d := r.custs[r.keyOnServer("reseller", rs.Login)]; d != nil {
			have = d.Data.GenInfo.Status
		}
		login := rs.Login
		status("reseller", login, r.opts.Reseller == "", rs.Status == "suspended", have != 0, func(st *int) xmlapi.Op {
			op := xmlapi.ResellerSet{Filter: xmlapi.ResellerFilter{Login: []string{login}}}
			op.Values.GenInfo = &xmlapi.ResellerSetInfo{Status: st}
			return op
		})
	}
	for _, c := range r.res.Customers {
		have := 0
		if d := r.custs[r.keyOnServer("customer", c.Login)]; d != nil {
			have = d.Data.GenInfo.Status
		}
		login := c.Login
		if (c.Status == "suspended") != (have != 0) && !r.customerStatusChanges(&c) {
			// Its status differs while the plan changes neither its
			// status nor why it has it: active on the server while its
			// reseller is suspended (the plan records it suspended with
			// its reseller). Writing it would suspend it on its own, a
			// change the plan does not show; it is left as it is.
			continue
		}
		if c.Status == "suspended" && have == 0 && suspendedByReseller(c.StatusReasons, c.Owner) && r.opts.Billing("reseller", c.Owner) {
			// Suspended only with its reseller, whose status billing
			// owns (managed_by: billing) and apply does not write:
			// suspending it on its own account would enact a
			// suspension the reseller does not have (SPEC §1.4, §6.5).
			continue
		}
		status("customer", login, r.mine(c.Owner), c.Status == "suspended", have != 0, func(st *int) xmlapi.Op {
			op := xmlapi.CustomerSet{Filter: xmlapi.CustomerFilter{Login: []string{login}}}
			op.Values.GenInfo = &xmlapi.CustomerSetInfo{Status: st}
			return op
		})
	}
	for _, s := range r.res.Subscriptions {
		have := 0
		if d := r.webs[r.keyOnServer("subscription", s.Domain)]; d != nil {
			have = d.Data.GenInfo.Status
		}
		// The subscription's own status (its owner's suspension is the
		// owner's). Held expired (256) while plansync has it active (its
		// date has not passed: renewed, or expired outside plansync), it
		// is activated: Plesk keeps an expired subscription suspended.
		filter := xmlapi.WebspaceFilter{Name: []string{s.Domain}}
		// Suspended in the panel by its reseller (32) or its customer
		// (64) is suspended as by the administrator (16): refresh shows
		// it as such, and activating it is writing 0.
		held := heldSuspended(have, &s)
		if held != (s.ConfigStatus == "suspended") && !r.subscriptionStatusChanges(&s) {
			// Its own status differs while the plan changes neither its
			// status nor why it has it: suspended (or activated) in the
			// panel while its customer or reseller is suspended, which
			// keeps it suspended either way, so no drift shows it.
			// Writing it would set back a panel edit the plan does not
			// show (and watch --apply would send it without
			// --self-heal); it is left as the server has it.
			continue
		}
		status("subscription", s.Domain, r.mine(s.Owner), s.ConfigStatus == "suspended", held, func(st *int) xmlapi.Op {
			return xmlapi.WebspaceSet{Filter: filter, Values: xmlapi.WebspaceValues{GenSetup: &xmlapi.SetGenSetup{Status: st}}}
		})
	}
	return ph
}

// suspendedByReseller reports whether a customer's suspension reasons
// are its reseller owner's suspension alone.
func suspendedByReseller(reasons []string, owner string) bool {
	if len(reasons) == 0 || owner == "" || owner == model.Admin {
		return false
	}
	for _, why := range reasons {
		if why != "reseller "+owner+" suspended" {
			return false
		}
	}
	return true
}

// ---- deletes --------------------------------------------------------------

// buildDeletes deletes, in reverse order, what the plan deletes and the
// server still has.
func (r *run) buildDeletes() []*phase {
	recs := state.Records(r.prior)
	pleskOf := func(kind, key string) *state.PleskID {
		switch x := recs[state.Ref{Kind: kind, Key: key}].(type) {
		case state.Plan:
			return x.Plesk
		case state.Reseller:
			return x.Plesk
		case state.Customer:
			return x.Plesk
		case state.Subscription:
			return x.Plesk
		}
		return nil
	}
	var dels []*plan.Change
	for _, ch := range r.p.Changes {
		if ch.Action == plan.Delete {
			dels = append(dels, ch)
		}
	}
	// The reverse of creation: a reseller's plans go before the reseller
	// (Plesk deletes an account with what it owns, so deleting the
	// reseller first would leave its plans' deletes failing).
	order := []string{"subscription", "customer", "addon_plan", "service_plan", "reseller", "reseller_plan", "service"}
	var out []*phase
	// freed are the resellers a subscription's delete frees allocation
	// of, or this run gives back some of it otherwise (givesBack).
	freed := maps.Clone(r.givesBack)
	for _, kind := range order {
		ph := &phase{name: "deletes of " + strings.ReplaceAll(kind, "_", " ") + "s"}
		// Resellers' plans go before the admin's, the reverse of creation.
		sort.SliceStable(dels, func(i, j int) bool {
			return strings.Contains(dels[i].Key, "/") && !strings.Contains(dels[j].Key, "/")
		})
		for _, ch := range dels {
			if string(ch.Kind) != kind {
				continue
			}
			id := pleskOf(string(ch.Kind), ch.Key)
			key := ch.Key
			if r.opts.Billing(kind, key) {
				continue // billing deletes it
			}
			if r.opts.Reseller != "" && !r.mine(ownerOfRecord(recs[state.Ref{Kind: kind, Key: key}])) {
				continue // not the reseller's
			}
			switch kind {
			case "subscription":
				d := r.webs[key]
				if id != nil && r.websByGUID[id.GUID] != nil {
					d = r.websByGUID[id.GUID]
				}
				if d == nil {
					continue
				}
				wid := d.ID
				ph.chain(kind, key).add(func() xmlapi.Op { return xmlapi.WebspaceDel{Filter: xmlapi.WebspaceFilter{ID: []int{wid}}} }, nil)
				freed[ownerOfRecord(recs[state.Ref{Kind: kind, Key: key}])] = true
			case "customer":
				d := r.custs[key]
				if d == nil {
					continue
				}
				cid := d.ID
				ph.chain(kind, key).add(func() xmlapi.Op { return xmlapi.CustomerDel{Filter: xmlapi.CustomerFilter{ID: []int{cid}}} }, nil)
			case "reseller":
				d := r.resellers[key]
				if d == nil {
					continue
				}
				rid := d.ID
				ph.chain(kind, key).add(func() xmlapi.Op { return xmlapi.ResellerDel{Filter: xmlapi.ResellerFilter{ID: []int{rid}}} }, nil)
			case "addon_plan", "service_plan":
				d := r.plans[kind+" "+key]
				if id != nil && r.plansByGUID[id.GUID] != nil {
					d = r.plansByGUID[id.GUID]
				}
				if d == nil {
					continue
				}
				g := d.GUID
				owner := ownerOf(d.OwnerLogin)
				if kind == "addon_plan" {
					ph.chain(kind, key).add(func() xmlapi.Op {
						return xmlapi.AddonPlanDel{Filter: xmlapi.PlanFilter{GUID: []string{g}}, Owner: owner}
					}, nil)
				} else {
					ph.chain(kind, key).add(func() xmlapi.Op {
						return xmlapi.ServicePlanDel{Filter: xmlapi.PlanFilter{GUID: []string{g}}, Owner: owner}
					}, nil)
				}
			case "reseller_plan":
				d := r.rplans[key]
				if d == nil {
					continue
				}
				g := d.GUID
				ph.chain(kind, key).add(func() xmlapi.Op {
					return xmlapi.ResellerPlanDel{Filter: xmlapi.ResellerPlanFilter{GUID: []string{g}}}
				}, nil)
			case "service":
				if !slices.Contains(r.serviceDels, key) {
					continue
				}
				ph.chain(kind, key).add(func() xmlapi.Op {
					return xmlapi.PlanItemRemove{Filter: xmlapi.PlanItemFilter{Name: []string{key}}}
				}, nil)
			}
		}
		out = append(out, ph)
	}
	return append(out, r.buildResyncs(freed)...)
}

// buildResyncs syncs again, after the deletes, the subscriptions that may
// hold less of a reseller's pooled allocation than predicted (r.short)
// when a delete of this run frees some of it (freed: by reseller). The
// plan predicts the end state, in which what a deleted subscription held
// is its reseller's to share out (SPEC §1.5), but the deletes come last
// (§6.5): a subscription created, switched or grown before them, or one
// the server holds unsynchronized, got only what was left and stays
// unsynchronized. sync-subscription (which does not lock it) gives it
// what its plans ask as far as the allocation now allows; a locked or
// custom one, whose limits are its own, has them written again. Like
// the subscriptions phase's competing writes, one subscription per
// reseller at a time, in key order; different resellers go side by
// side. What Plesk reports of that write supersedes what it reported of
// the earlier ones.
func (r *run) buildResyncs(freed map[string]bool) []*phase {
	ph := &phase{name: "syncs after deletes"}
	competing := map[*chain]string{}
	for _, domain := range slices.Sorted(maps.Keys(r.short)) {
		sh := r.short[domain]
		if !freed[sh.owner] {
			continue
		}
		byName := xmlapi.WebspaceFilter{Name: []string{domain}}
		object := "subscription " + domain
		ch := ph.chain("subscription", domain)
		op := xmlapi.Op(xmlapi.WebspaceSync{Filter: byName})
		if sh.limits != nil {
			op = xmlapi.WebspaceSet{Filter: byName, Values: webspaceValues(mapping.Values{Limits: sh.limits})}
		}
		ch.add(func() xmlapi.Op { return op }, func(rep xmlapi.Reply) { r.reproblem(object, filterProblems(rep)) })
		competing[ch] = sh.owner
		r.touched[domain] = true
	}
	return allocationPhases(ph, competing)[1:]
}

// filterProblems are the problems Plesk reports in a reply's per-filter
// results (sync, switch, set of a subscription).
func filterProblems(rep xmlapi.Reply) []string {
	var texts []string
	for _, res := range rep.Results {
		if fr, ok := res.(*xmlapi.FilterResult); ok {
			texts = append(texts, fr.Problems)
		}
	}
	return texts
}

// shortSub is a subscription that may hold less of its reseller's
// pooled allocation than predicted until this run's deletes free it
// (see buildResyncs).
type shortSub struct {
	owner string // the reseller
	// limits are what a locked or custom subscription asks of its own
	// (written again, as a customisation is); nil for one its plans
	// give them, which is synced again.
	limits map[string]string
}

// noteShort notes a subscription that competes for its reseller's
// pooled allocation (see buildResyncs); own is whether its limits are
// its own (locked or custom) rather than its plans'.
func (r *run) noteShort(domain, owner string, want model.Props, own bool) {
	sh := shortSub{owner: owner}
	if own {
		lim := model.Props{}
		for path, x := range want {
			if poolPath(path) {
				lim[path] = x
			}
		}
		v := r.values("subscription "+domain, lim, nil)
		if len(v.Limits) == 0 {
			return
		}
		sh.limits = v.Limits
	}
	r.mu.Lock()
	r.short[domain] = sh
	r.mu.Unlock()
}

// ownerOfRecord is the owner of a recorded object ("" unknown).
func ownerOfRecord(rec any) string {
	switch x := rec.(type) {
	case state.Plan:
		return x.Owner
	case state.Customer:
		return x.Owner
	case state.Subscription:
		return x.Owner
	}
	return ""
}
