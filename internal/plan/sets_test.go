package plan

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// TestInternLikeMatchesIntern: internLike's shortcut (values equal to a
// recorded set's) gives what intern gives, and leaves the result
// snapshot as intern leaves it, whatever the recorded set is.
func TestInternLikeMatchesIntern(t *testing.T) {
	props := model.Props{
		"resources.disk_space":       model.Size(10 << 30),
		"resources.expiration":       model.Value{K: model.KindDuration, N: model.Unlimited, S: "unlimited"},
		"hosting.php_handler":        model.Enum("fpm"),
		"permissions.manage_hosting": model.Bool(true),
		"hosting.unknown_path":       model.String("kept"),
	}
	services := []string{"mail", "web"}
	other := props.Clone()
	other["resources.disk_space"] = model.Size(20 << 30)

	prior := state.New("l")
	same := prior.PutValues(toValues(props, services))
	diff := prior.PutValues(toValues(other, services))
	noServices := prior.PutValues(toValues(props, nil))
	// A recorded set under an id that is not its values' (written by
	// another build, say): the shortcut must still give intern's id.
	prior.PropertySets["0123456789abcdef"] = prior.PropertySets[same]

	for _, id := range []string{"", same, diff, noServices, "0123456789abcdef", "missing"} {
		for round := 0; round < 2; round++ { // the second call takes the memo
			want := newSetStore(prior, state.New("r"))
			got := newSetStore(prior, state.New("r"))
			w := want.intern(props.Clone(), services)
			g := got.internLike(props.Clone(), services, id)
			if round == 1 {
				w = want.intern(props.Clone(), services)
				g = got.internLike(props.Clone(), services, id)
			}
			if g.id != w.id || !g.props.Equal(w.props) || !reflect.DeepEqual(g.services, w.services) {
				t.Fatalf("recorded %q: internLike gives %s %v %v, intern %s %v %v", id, g.id, g.props, g.services, w.id, w.props, w.services)
			}
			if !reflect.DeepEqual(got.result.PropertySets, want.result.PropertySets) {
				t.Fatalf("recorded %q: result sets differ:\n%v\n%v", id, got.result.PropertySets, want.result.PropertySets)
			}
		}
	}
}

// TestInternLikeSequence: internLike gives what intern gives over a run
// of calls naming the same recorded set with values equal to it or not,
// in any order (its memo is made by the first call whose values intern
// to the recorded id, and taken only by equal values).
func TestInternLikeSequence(t *testing.T) {
	base := model.Props{
		"resources.disk_space": model.Size(10 << 30),
		"hosting.php_handler":  model.Enum("fpm"),
	}
	variants := []model.Props{base, base.Clone(), base.Clone(), base.Clone()}
	variants[2]["resources.disk_space"] = model.Size(20 << 30)
	variants[3]["permissions.manage_dns"] = model.Bool(true)
	servicesOf := [][]string{{"mail"}, nil, {"mail"}, {"mail"}}
	prior := state.New("l")
	id := prior.PutValues(toValues(base, []string{"mail"}))
	r := rand.New(rand.NewPCG(3, 5))
	for run := range 50 {
		want := newSetStore(prior, state.New("r"))
		got := newSetStore(prior, state.New("r"))
		for call := range 8 {
			i := r.IntN(len(variants))
			w := want.intern(variants[i].Clone(), servicesOf[i])
			g := got.internLike(variants[i].Clone(), servicesOf[i], id)
			if g.id != w.id || !g.props.Equal(w.props) || !reflect.DeepEqual(g.services, w.services) {
				t.Fatalf("run %d call %d (variant %d): internLike gives %s %v %v, intern %s %v %v", run, call, i, g.id, g.props, g.services, w.id, w.props, w.services)
			}
		}
		if !reflect.DeepEqual(got.result.PropertySets, want.result.PropertySets) {
			t.Fatalf("run %d: result sets differ:\n%v\n%v", run, got.result.PropertySets, want.result.PropertySets)
		}
	}
}

// TestShortcutsMatchSlowPlan: the shortcuts of planning subscriptions
// like their records (internLike, customised) give the plan, result
// included, that planning without them gives, on random fleets edited
// and applied step by step (as TestReuseMatchesFullPlan edits them).
func TestShortcutsMatchSlowPlan(t *testing.T) {
	seeds := 20
	if testing.Short() {
		seeds = 6
	}
	shortcuts := 0
	for seed := range seeds {
		r := rand.New(rand.NewPCG(uint64(seed), 11))
		cfg := reuseFleet(r)
		for i := range 80 { // more subscriptions share a base and customisation
			addReuseSub(r, cfg, fmt.Sprintf("t%02d.example", i))
		}
		var prior *state.Snapshot
		at := now
		var log []string
		for step := range 10 {
			if step > 0 {
				cfg, at = reuseStep(r, cfg, step, at, 40, 8, &log)
			}
			in := Input{Config: cfg, Prior: prior, Lineage: "lin", Now: at, Secrets: &fakeSecrets{}}
			fixErrors(r, in)
			fast := Make(in)
			in.slow = true
			slow := Make(in)
			if diff := planDiff(slow, fast); diff != "" {
				t.Fatalf("seed %d step %d (%v): the plan with shortcuts differs (-slow +fast):\n%s", seed, step, log, diff)
			}
			for _, s := range fast.Subscriptions {
				if s.SyncStatus == Locked {
					shortcuts++
				}
			}
			if !fast.Diagnostics.HasErrors() && r.IntN(2) == 0 {
				prior = applied(t, fast)
				log = append(log, "applied")
			}
		}
	}
	if shortcuts == 0 {
		t.Error("no locked subscription planned: the shortcuts are not exercised")
	}
}
