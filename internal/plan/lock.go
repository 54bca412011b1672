package plan

// Lock: a locked subscription keeps its frozen values (SPEC §1.3, §2.8).
// A subscription with a customisation is locked. What freezes is the
// plans' edits, not the subscription's own choice of plans: on the same
// plans as recorded (same service plan of the same owner, same add-ons in
// any order) it keeps its recorded base, so plan and add-on edits skip it
// (and the plan's change lists it as skipped, fanout in subscription.go);
// one that locks now freezes the base it had. Switched to another plan,
// given or relieved of an add-on, or moved onto a new owner's plan, it
// takes its base anew (base.go) and stays locked. The customisation goes
// on top of the base. Removing it unlocks: synced again, with the current
// plan values.
//
// Sync status, exactly one of: custom (no plan), locked (customised),
// unsynced (a conflict, conflicts.go), synced.

import (
	"slices"
	"strings"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// keepsFrozenBase reports whether a subscription keeps its recorded base:
// locked already, and still on the plans it had. One that locks now is
// synced until then: apply writes the plans before it customises the
// subscription (SPEC §6.5), so a plan change made in the same run reaches
// it first, and it freezes the plans' current values.
func (e *engine) keepsFrozenBase(s *sub) bool {
	p := s.prior
	return s.cfg.Customize != nil && p != nil && p.SyncStatus == Locked && p.Base != "" && e.samePlans(p, s.owner, s.cfg)
}

// customise puts the customisation on top of the base values eff.
func customise(s *sub, eff model.Props) {
	if s.cfg.Customize != nil {
		eff.Overlay(s.cfg.Customize)
	}
}

// configSync is the sync status the config gives: custom without a plan,
// locked with a customisation, else synced (until a conflict unsyncs it).
func configSync(cfg *model.Subscription) string {
	switch {
	case cfg.Plan == model.None:
		return Custom
	case cfg.Customize != nil:
		return Locked
	}
	return Synced
}

// sameSet reports whether a and b hold the same names, in any order
// (add-on lists hold each name once).
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// samePlans reports whether the recorded subscription p was on the plans
// cfg puts it on: the same service plan of the same owner (or of that
// owner under its former name) with the same add-ons. Add-ons listed in
// another order are the same add-ons: none was attached or removed (and
// their sum does not depend on the order).
func (e *engine) samePlans(p *state.Subscription, owner string, cfg *model.Subscription) bool {
	if p.Plan == model.None || p.Plan != cfg.Plan || !sameSet(p.Addons, cfg.Addons) {
		return false
	}
	if p.Owner == owner {
		return true
	}
	n, ok := e.renamedTo("reseller", p.Owner)
	return ok && n == owner
}

// withConflicts is the sync status once availability is known: a synced
// subscription with a conflict is unsynced.
func withConflicts(sync string, conflicts []Conflict) string {
	if len(conflicts) > 0 && sync == Synced {
		return Unsynced
	}
	return sync
}

// lockAction is the action and reason of a subscription locked
// (customised) or unlocked (customisation removed, on a plan again).
func lockAction(before, after, plan string) (Action, string, bool) {
	switch {
	case before != Locked && after == Locked:
		return Lock, "customised", true
	case before == Locked && after == Unsynced:
		// Back on the plan's values, but some of them cannot be provided
		// (the conflicts say which): not synced.
		return Unlock, "customisation removed: takes plan " + plan + "'s values again, unsynced (some cannot be provided)", true
	case before == Locked && after != Locked && after != Custom:
		return Unlock, "customisation removed: synced with plan " + plan + " again", true
	}
	return "", "", false
}

// panelSyncReasons are the reasons of a subscription locked in the panel
// (a refresh recorded the lock: state.Subscription.LockedInPanel) that
// the config keeps synced: not the removal of a customisation the config
// never had, but a sync with its plan, naming the panel values it
// discards (SPEC §6.4), as the plan says before the refresh recorded it
// (refresh.Annotate).
func panelSyncReasons(p, rec *state.Subscription, reasons []string, fs fields) []string {
	var discarded []string
	for _, f := range fs {
		if slices.Contains(p.Customized, f.Path) {
			discarded = append(discarded, f.Path+" "+f.Before.Text)
		}
	}
	return PanelSyncReasons(reasons, rec.Plan, discarded)
}

// PanelSyncReasons turns the reasons of an unlock of a subscription
// locked in the panel, which the config keeps synced, into those of its
// sync with plan planName: the sync first, naming the panel values it
// discards ("PATH VALUE" each), then the change's other reasons (a plan
// switch in the config, …) but the customisation's removal; "again"
// only on the plan it was synced with.
func PanelSyncReasons(reasons []string, planName string, discarded []string) []string {
	again := " again"
	for _, r := range reasons {
		if strings.HasPrefix(r, "plan switched from ") {
			again = ""
		}
	}
	reason := "locked in the panel, synced in the config: sync with plan " + planName + again
	if len(discarded) > 0 {
		reason += ", discarding the panel values " + strings.Join(discarded, ", ")
	}
	out := []string{reason}
	for _, r := range reasons {
		if !strings.HasPrefix(r, "customisation removed") {
			out = append(out, r)
		}
	}
	return out
}

// planSwitchReasons explain a subscription's own choice of plans changing
// (which takes its base anew, locked or not): its plan switched or
// detached, add-ons attached or removed.
func planSwitchReasons(p, rec *state.Subscription) []string {
	var reasons []string
	if p.Plan != rec.Plan {
		if rec.Plan == model.None {
			reasons = append(reasons, "detached from plan "+p.Plan+": keeps every value (custom)")
		} else {
			reasons = append(reasons, "plan switched from "+p.Plan+" to "+rec.Plan)
		}
	}
	added, removed := listDelta(p.Addons, rec.Addons)
	for _, a := range added {
		reasons = append(reasons, "add-on "+a+" attached")
	}
	for _, a := range removed {
		reasons = append(reasons, "add-on "+a+" removed")
	}
	return reasons
}
