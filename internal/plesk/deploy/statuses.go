package deploy

import (
	"sort"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/refresh"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
	"github.com/plansync/plansync/state"
)

// verifyStatuses compares the statuses of the customers and resellers
// whose status this run wrote or whose recorded status the plan changes
// (a write may not have been needed), and of the customers of such
// resellers (a reseller's suspension or activation carries to its
// customers), as read back after the writes (verifyAccounts) and as a
// refresh reads them (refresh.AccountStatuses), with the prediction
// (SPEC §6.5). An account in disagreement keeps its prior record.
// check is statusesToVerify's list, made before the contacts were
// compared: the accounts a contact disagreement made pending since are
// left out.
func (r *run) verifyStatuses(read *accountsRead, check map[state.Ref]bool) error {
	for ref := range check {
		if r.pending[ref] {
			delete(check, ref)
		}
	}
	if len(check) == 0 {
		return nil
	}
	custs, ress := r.statusLogins(check)
	// Not read back is not agreeing: the accounts no write of this run
	// reached keep their prior record (their status is a prediction);
	// the others' writes succeeded, and they are recorded.
	unread := func() {
		for ref := range check {
			if !r.wrote[ref] {
				r.pending[ref] = true
			}
		}
	}
	if read.err != nil {
		unread()
		return read.err
	}
	need := map[state.Ref]bool{}
	for _, login := range custs {
		need[state.Ref{Kind: "customer", Key: login}] = true
	}
	for _, login := range ress {
		need[state.Ref{Kind: "reseller", Key: login}] = true
	}
	if f := read.failure(need); f != nil {
		unread()
		return f.err
	}
	// What this read holds of those accounts (verifyAccounts may have
	// read others).
	readCusts := readOf(read.custs, func(d *xmlapi.CustomerData) string { return d.Data.GenInfo.Login }, custs)
	readRess := readOf(read.ress, func(d *xmlapi.ResellerData) string { return d.Data.GenInfo.Login }, ress)
	have := refresh.AccountStatuses(readRess, readCusts)
	compare := func(kind, login, want string) {
		ref := state.Ref{Kind: kind, Key: login}
		if !check[ref] {
			return
		}
		r.statusRead[ref] = true
		got, ok := have[kind+" "+login]
		if !ok || got == want {
			return // gone from the server: the next plan says so
		}
		r.disagree = append(r.disagree, Disagreement{Account: kind + " " + login, Property: "status", Predicted: word(want), Observed: word(got)})
		r.statusHeld[ref] = true
	}
	for _, rs := range r.res.Resellers {
		compare("reseller", rs.Login, rs.Status)
	}
	for _, c := range r.res.Customers {
		compare("customer", c.Login, c.Status)
	}
	return nil
}

// statusLogins lists, sorted, the customers and resellers verifyStatuses
// reads for the accounts check lists: those, and the resellers of the
// customers (a customer's status is its reseller's too); none read as a
// reseller.
func (r *run) statusLogins(check map[state.Ref]bool) (custs, ress []string) {
	owners := map[string]bool{}
	for ref := range check {
		if ref.Kind == "customer" {
			custs = append(custs, ref.Key)
		} else {
			owners[ref.Key] = true
		}
	}
	if r.opts.Reseller == "" {
		// A customer's status is its reseller's too: read its owner.
		for i := range r.res.Customers {
			if c := &r.res.Customers[i]; check[state.Ref{Kind: "customer", Key: c.Login}] && c.Owner != "" && c.Owner != model.Admin {
				owners[c.Owner] = true
			}
		}
		for login := range owners {
			ress = append(ress, login)
		}
	}
	sort.Strings(custs)
	sort.Strings(ress)
	return custs, ress
}

// statusesToVerify lists the accounts verifyStatuses reads back: those
// whose status this run wrote, those whose status the plan changes,
// each one this run's to write (inPlan, mine), and the customers of the
// resellers among them, whether or not the plan lists them; none
// pending.
func (r *run) statusesToVerify() map[state.Ref]bool {
	out := map[state.Ref]bool{}
	ress := map[string]bool{}
	add := func(ref state.Ref) {
		if ref.Kind == "reseller" && r.opts.Reseller != "" {
			return // a reseller neither writes nor reads resellers
		}
		out[ref] = true
		if ref.Kind == "reseller" {
			ress[ref.Key] = true
		}
	}
	for ref := range r.statuses {
		add(ref)
	}
	var before, now map[string]string
	for _, ch := range r.p.Changes {
		if (ch.Kind != plan.KindCustomer && ch.Kind != plan.KindReseller) || ch.Action == plan.Delete {
			continue
		}
		if now == nil {
			// Indexed once, when the plan changes an account.
			before, now = accountStatuses(r.prior), accountStatuses(r.res)
		}
		if r.changesStatus(ch, before, now) {
			add(state.Ref{Kind: string(ch.Kind), Key: ch.Key})
		}
	}
	if len(out) == 0 {
		return nil
	}
	if now == nil {
		now = accountStatuses(r.res)
	}
	owner := map[string]string{}
	for _, c := range r.res.Customers {
		owner[c.Login] = c.Owner
	}
	for ref := range out {
		_, ok := now[ref.Kind+" "+ref.Key]
		if !ok || r.pending[ref] || !r.inPlan(ref.Kind, ref.Key) || ref.Kind == "customer" && !r.mine(owner[ref.Key]) {
			delete(out, ref)
		}
	}
	// The customers of those resellers are read back whether or not
	// the plan lists them (an apply that writes only what its plan
	// changes, --target): the reseller's write reaches them, as a plan's
	// write reaches its subscriptions.
	for _, c := range r.res.Customers {
		ref := state.Ref{Kind: "customer", Key: c.Login}
		if ress[c.Owner] && !r.pending[ref] && r.mine(c.Owner) {
			out[ref] = true
		}
	}
	return out
}

// accountStatuses indexes the statuses of a snapshot's accounts by
// "kind login" (the first record of a login, as a scan finds it).
func accountStatuses(s *state.Snapshot) map[string]string {
	out := map[string]string{}
	if s == nil {
		return out
	}
	put := func(k, v string) {
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	for _, rs := range s.Resellers {
		put("reseller "+rs.Login, rs.Status)
	}
	for _, c := range s.Customers {
		put("customer "+c.Login, c.Status)
	}
	return out
}

// changesStatus reports whether a change of an existing account
// changes its recorded status: its status field, or, for a saved plan's
// change (which lists no fields), its result (now) against its prior
// record (before, by "kind login"), under the name it had: a reseller
// converted in this run was a customer.
func (r *run) changesStatus(ch *plan.Change, before, now map[string]string) bool {
	if ch.Action == plan.Create {
		return false // a status to write is written (r.statuses)
	}
	listed := false
	for _, f := range ch.Fields {
		if f.Path == "status" {
			return true
		}
		listed = listed || !f.Sensitive
	}
	if listed {
		return false
	}
	kind, key := string(ch.Kind), ch.Key
	if old := r.renamed(kind, key); old != "" {
		key = old
	}
	was, ok := before[kind+" "+key]
	if !ok && kind == "reseller" {
		was = before["customer "+key]
	}
	return was != now[kind+" "+ch.Key]
}
