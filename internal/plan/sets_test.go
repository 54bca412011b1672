package plan

import (
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
