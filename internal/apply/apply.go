package apply

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/state"
)

// Options are the user's explicit choices for one apply.
type Options struct {
	AcceptAvailable bool
	AllowDelete     bool
	Who             string
	Now             time.Time
}

// PolicyError is a refusal to apply: nothing was changed.
type PolicyError struct {
	Reason string
	Items  []string
}

func (e *PolicyError) Error() string {
	if len(e.Items) == 0 {
		return e.Reason
	}
	return e.Reason + ":\n  " + strings.Join(e.Items, "\n  ")
}

// Check returns a *PolicyError when the plan may not be applied with
// the given options.
func Check(p *plan.Plan, opt Options) error {
	var pending []string
	for _, c := range p.Conflicts {
		if !c.Accepted {
			pending = append(pending, conflictLine(c))
		}
	}
	return policy(pending, p.Deletes, opt.AcceptAvailable, opt.AllowDelete)
}

// policy refuses pending conflicts without --accept-available and deletes
// without --allow-delete: the one place the apply policies are decided.
// Both refused are named in one error, so that one run says all that
// stands in the way.
func policy(conflicts, deletes []string, acceptAvailable, allowDelete bool) error {
	nConflicts, nDeletes := len(conflicts), len(deletes)
	conflicts, deletes = firstItems(conflicts), firstItems(deletes)
	refuseConflicts := nConflicts > 0 && !acceptAvailable
	refuseDeletes := nDeletes > 0 && !allowDelete
	switch {
	case refuseConflicts && refuseDeletes:
		items := append([]string{"conflicts:"}, indent(conflicts)...)
		items = append(items, "deletes:")
		return &PolicyError{Reason: fmt.Sprintf("the plan has %d conflict(s) and deletes %d object(s); nothing was applied. Adapt the plan or the system, or accept the available values with --accept-available; and re-run with --allow-delete to delete them", nConflicts, nDeletes),
			Items: append(items, indent(deletes)...)}
	case refuseConflicts:
		return &PolicyError{Reason: fmt.Sprintf("the plan has %d conflict(s); nothing was applied. Adapt the plan or the system, or accept the available values with --accept-available", nConflicts), Items: conflicts}
	case refuseDeletes:
		return &PolicyError{Reason: fmt.Sprintf("the plan deletes %d object(s); nothing was applied. Re-run with --allow-delete to delete them", nDeletes), Items: deletes}
	}
	return nil
}

// policyItemsShown is how many conflicts, and how many deletes, a
// refusal names; the rest are counted. A plan change that reaches a
// whole fleet would otherwise print one line per subscription, where
// the plan itself summarises them.
const policyItemsShown = 20

// firstItems keeps the first policyItemsShown of items and a line
// counting the others.
func firstItems(items []string) []string {
	return FirstItems(items, policyItemsShown, "plansync plan --format json")
}

// FirstItems keeps the first n of items and a line counting the others,
// which the command all names lists.
func FirstItems(items []string, n int, all string) []string {
	if len(items) <= n {
		return items
	}
	out := append([]string(nil), items[:n]...)
	return append(out, fmt.Sprintf("and %d more (%s lists them all)", len(items)-n, all))
}

func indent(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "  " + l
	}
	return out
}

// Run checks the policies and records the plan's result. It returns the
// serial recorded.
func Run(ctx context.Context, b state.Backend, p *plan.Plan, opt Options) (uint64, error) {
	if err := Check(p, opt); err != nil {
		return p.PriorSerial, err
	}
	return b.Write(ctx, p.Result, p.PriorSerial, Entry(p, opt))
}

// Entry is the history entry recording an applied plan.
func Entry(p *plan.Plan, opt Options) *state.HistoryEntry {
	entry := &state.HistoryEntry{Who: opt.Who, When: opt.Now.UTC(), Summary: Summary(p)}
	if data, err := json.Marshal(changeList(p)); err == nil {
		entry.Changes = data
	}
	return entry
}

// RunSaved checks and records a saved plan against the current state
// (read under the lock the caller holds). It returns the serial recorded.
func RunSaved(ctx context.Context, b state.Backend, s *Saved, cur *state.Snapshot, configDigest string, opt Options) (uint64, error) {
	result, err := s.Prepare(cur, configDigest)
	if err != nil {
		return 0, err
	}
	if err := s.Check(opt); err != nil {
		return 0, err
	}
	var expect uint64
	if cur != nil {
		expect = cur.Serial
	}
	changes := make([]histChange, 0, len(s.Objects))
	for _, o := range s.Objects {
		changes = append(changes, histChange{Kind: o.Kind, Key: o.Key, Action: o.Action})
	}
	entry := &state.HistoryEntry{Who: opt.Who, When: opt.Now.UTC(),
		Summary: fmt.Sprintf("%d added, %d changed, %d deleted (saved plan)", s.Summary.Create, s.Summary.Update, s.Summary.Delete)}
	if data, err := json.Marshal(changes); err == nil {
		entry.Changes = data
	}
	return b.Write(ctx, result, expect, entry)
}

// EntryExcept is entry, the history entry of p, for an apply that did
// not do the changes skip reports (an apply stopped by a failure, or
// with objects pending): its summary counts, and its changes list, only
// what was done.
func EntryExcept(p *plan.Plan, entry *state.HistoryEntry, skip func(server, kind, key string) bool) *state.HistoryEntry {
	e := *entry
	var kept []histChange
	var added, changed, deleted int
	for _, c := range p.Changes {
		if skip(c.Server, string(c.Kind), c.Key) {
			continue
		}
		kept = append(kept, histChange{c.Server, c.Kind, c.Key, c.Action})
		switch c.Action {
		case plan.Create:
			added++
		case plan.Delete:
			deleted++
		default:
			changed++
		}
	}
	accepted := 0
	for _, c := range p.Conflicts {
		if !skip(c.Server, "subscription", c.Subscription) {
			accepted++
		}
	}
	e.Summary = summaryLine(added, changed, deleted, accepted)
	e.Changes = nil
	if data, err := json.Marshal(append([]histChange{}, kept...)); err == nil {
		e.Changes = data
	}
	return &e
}

// Summary is the one-line summary of a plan.
func Summary(p *plan.Plan) string {
	return summaryLine(p.Summary.Create, p.Summary.Update, p.Summary.Delete, p.Summary.Conflicts+p.Summary.Accepted)
}

func summaryLine(added, changed, deleted, accepted int) string {
	what := "conflicts"
	if accepted == 1 {
		what = "conflict"
	}
	return fmt.Sprintf("%d added, %d changed, %d deleted, %d %s accepted", added, changed, deleted, accepted, what)
}

type histChange struct {
	// Server names the server of a multi-server plan.
	Server string      `json:"server,omitempty"`
	Kind   plan.Kind   `json:"kind"`
	Key    string      `json:"key"`
	Action plan.Action `json:"action"`
}

func changeList(p *plan.Plan) []histChange {
	out := make([]histChange, 0, len(p.Changes))
	for _, c := range p.Changes {
		out = append(out, histChange{c.Server, c.Kind, c.Key, c.Action})
	}
	return out
}
