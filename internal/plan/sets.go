package plan

import (
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/state"
)

// ServicesKey is the Values key that holds a set's services.
const ServicesKey = "services"

// pset is a property set: values and services, interned in the result
// snapshot under id.
type pset struct {
	props    model.Props
	services []string
	id       string
	// transient marks a set shared by subscriptions before
	// availability (engine.customised) that is not interned: its id is
	// the engine's own, never recorded; finish interns it (setStore.final).
	transient bool
}

// toValues converts a property set to its recorded form.
func toValues(props model.Props, services []string) state.Values {
	v := make(state.Values, len(props)+1)
	for k, x := range props {
		v[k] = x.JSON()
	}
	if len(services) > 0 {
		v[ServicesKey] = ServicesValue(services)
	}
	return v
}

// ServicesValue is a set's additional services as a recorded set holds
// them (under ServicesKey).
func ServicesValue(services []string) []any {
	list := make([]any, len(services))
	for i, s := range services {
		list[i] = s
	}
	return list
}

// ServicesOf lists the services a recorded property set holds, in its
// order (nil: none).
func ServicesOf(v state.Values) []string {
	list, _ := v[ServicesKey].([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// fromValues converts a recorded property set back; unknown paths (from
// a newer catalogue) are kept as strings so nothing is lost silently.
func fromValues(v state.Values) (model.Props, []string) {
	props := make(model.Props, len(v))
	services := ServicesOf(v)
	for k, x := range v {
		if k == ServicesKey {
			continue
		}
		p := model.Lookup(k)
		kind := model.KindString
		if p != nil {
			kind = p.Kind
		}
		props[k] = valueFromJSON(kind, x)
	}
	sort.Strings(services)
	return props, services
}

func valueFromJSON(kind model.Kind, x any) model.Value {
	num := func() (int64, bool) {
		switch n := x.(type) {
		case int64:
			return n, true
		case int:
			return int64(n), true
		case float64:
			return int64(n), true
		}
		return 0, false
	}
	switch kind {
	case model.KindSize, model.KindCount:
		n, _ := num()
		return model.Value{K: kind, N: n}
	case model.KindBool:
		b, _ := x.(bool)
		return model.Bool(b)
	case model.KindDuration:
		if n, ok := num(); ok && n == model.Unlimited {
			return model.Value{K: model.KindDuration, N: model.Unlimited, S: "unlimited"}
		}
		s, _ := x.(string)
		v, err := model.ParseDuration(s)
		if err != nil {
			return model.Value{K: model.KindDuration, S: s}
		}
		return v
	case model.KindEnum:
		s, _ := x.(string)
		return model.Enum(s)
	}
	switch t := x.(type) {
	case string:
		return model.String(t)
	case bool:
		return model.String(boolText(t))
	}
	if n, ok := num(); ok {
		return model.String(itoa(n))
	}
	return model.String("")
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// setStore interns property sets into the result snapshot and caches the
// conversion of recorded sets.
type setStore struct {
	mu      sync.Mutex // the subscription workers share the store
	result  *state.Snapshot
	prior   *state.Snapshot
	decoded map[string]*pset // recorded id -> set
	diffs   map[[2]string][]*FieldChange
	// likes are the values internLike interned to a recorded set's id,
	// by id.
	likes map[string]*likeSet
	// finals are the interned sets of transient ones (final).
	finals map[*pset]*pset
	// slow turns internLike into intern (Input.slow).
	slow bool
}

// likeSet is what internLike interned to a recorded set's id: the values
// it was given (which the caller no longer modifies), and the set intern
// returned.
type likeSet struct {
	props    model.Props
	services []string
	interned *pset
}

func newSetStore(prior, result *state.Snapshot) *setStore {
	return &setStore{result: result, prior: prior, decoded: map[string]*pset{}, diffs: map[[2]string][]*FieldChange{},
		likes: map[string]*likeSet{}, finals: map[*pset]*pset{}}
}

// inPrior reports whether the prior state holds the set with id (a
// damaged state may name one it lacks).
func (st *setStore) inPrior(id string) bool {
	if st.prior == nil || id == "" {
		return false
	}
	_, ok := st.prior.PropertySets[id]
	return ok
}

// recorded returns the recorded set with id (nil for "").
func (st *setStore) recorded(id string) *pset {
	if id == "" {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if s, ok := st.decoded[id]; ok {
		return s
	}
	var v state.Values
	if st.prior != nil {
		v = st.prior.PropertySets[id]
	}
	props, services := fromValues(v)
	s := &pset{props: props, services: services, id: id}
	st.decoded[id] = s
	return s
}

// use makes sure a set referenced by a result record is held by the
// result snapshot (a set read from the prior state, such as a locked
// subscription's frozen base, is copied over as it is) and returns its id.
func (st *setStore) use(p *pset) string {
	if p == nil || p.id == "" {
		return ""
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.result.PropertySets[p.id]; !ok {
		var v state.Values
		ok := false
		if st.prior != nil {
			v, ok = st.prior.PropertySets[p.id]
		}
		if ok {
			if st.result.PropertySets == nil {
				st.result.PropertySets = map[string]state.Values{}
			}
			st.result.PropertySets[p.id] = v
		} else {
			st.result.PutValues(toValues(p.props, p.services))
		}
	}
	return p.id
}

// intern stores a set in the result and returns it with its id. Sets
// built by the engine are interned once each (callers cache them). A
// set the prior state records is shared with it, not copied.
func (st *setStore) intern(props model.Props, services []string) *pset {
	entry := state.NewValuesEntry(toValues(props, services), st.prior)
	st.mu.Lock()
	defer st.mu.Unlock()
	id := st.result.PutEntry(entry)
	if s, ok := st.decoded[id]; ok {
		return s
	}
	s := &pset{props: props, services: services, id: id}
	st.decoded[id] = s
	return s
}

// internLike is intern(props, services) for a set that is likely the
// recorded set with id (a subscription's own values, most often as the
// last plan recorded them). The first call whose values intern to id
// keeps them (likes); a later call with equal values returns what that
// call did without converting and hashing them again: equal values
// give the same id, and intern gives one set per id, so the outcome is
// the same either way.
//
// The recorded set itself is never read: values equal to it but under
// another id (a set recorded by another build, say) intern as intern
// interns them.
func (st *setStore) internLike(props model.Props, services []string, id string) *pset {
	if id == "" || st.slow {
		return st.intern(props, services)
	}
	st.mu.Lock()
	l := st.likes[id]
	st.mu.Unlock()
	if l != nil && l.props.Equal(props) && slices.Equal(l.services, services) {
		return l.interned
	}
	s := st.intern(props, services)
	if l == nil && s.id == id {
		l = &likeSet{props: props, services: services, interned: s}
		if s.props.Equal(props) && slices.Equal(s.services, services) {
			// Most often the very values given: nothing more is held.
			l.props, l.services = s.props, s.services
		}
		st.mu.Lock()
		if st.likes[id] == nil {
			st.likes[id] = l
		}
		st.mu.Unlock()
	}
	return s
}

// final interns a transient set t as internLike(t.props, t.services, id)
// would, once per set: interning equal values gives the same id and an
// equal set whatever recorded set the shortcut compares them with.
func (st *setStore) final(t *pset, id string) *pset {
	st.mu.Lock()
	s, ok := st.finals[t]
	st.mu.Unlock()
	if ok {
		return s
	}
	s = st.internLike(t.props, t.services, id)
	st.mu.Lock()
	st.finals[t] = s
	st.mu.Unlock()
	return s
}

// diff returns the field changes from set a to set b (either may be nil),
// cached by id pair: a plan change reaching 50,000 subscriptions computes
// its diff once.
func (st *setStore) diff(a, b *pset, prefix string) []*FieldChange {
	ka, kb := "", ""
	if a != nil {
		ka = a.id
	}
	if b != nil {
		kb = b.id
	}
	if ka == kb {
		return nil
	}
	key := [2]string{prefix + ka, kb}
	st.mu.Lock()
	d, ok := st.diffs[key]
	st.mu.Unlock()
	if ok {
		return d
	}
	d = diffSets(a, b, prefix)
	st.mu.Lock()
	st.diffs[key] = d
	st.mu.Unlock()
	return d
}

func diffSets(a, b *pset, prefix string) []*FieldChange {
	var ap, bp model.Props
	var as, bs []string
	if a != nil {
		ap, as = a.props, a.services
	}
	if b != nil {
		bp, bs = b.props, b.services
	}
	paths := map[string]bool{}
	for k := range ap {
		paths[k] = true
	}
	for k := range bp {
		paths[k] = true
	}
	list := make([]string, 0, len(paths))
	for k := range paths {
		x, okx := ap[k]
		y, oky := bp[k]
		if okx == oky && x == y {
			continue
		}
		list = append(list, k)
	}
	model.SortPaths(list)
	var out []*FieldChange
	for _, k := range list {
		x, okx := ap[k]
		y, oky := bp[k]
		out = append(out, &FieldChange{Path: prefix + k, Before: propVal(x, okx), After: propVal(y, oky)})
	}
	if strings.Join(as, "\x00") != strings.Join(bs, "\x00") {
		out = append(out, &FieldChange{Path: prefix + ServicesKey, Before: listVal(as, a != nil), After: listVal(bs, b != nil)})
	}
	// Shared by every object the change reaches: no spare capacity, so
	// an append to it can never write into another object's list.
	return slices.Clip(out)
}

func propVal(v model.Value, ok bool) Val {
	if !ok {
		return Val{}
	}
	return Val{Set: true, JSON: v.JSON(), Text: v.Text()}
}

func listVal(list []string, ok bool) Val {
	if !ok && len(list) == 0 {
		return Val{}
	}
	j := make([]any, len(list))
	for i, s := range list {
		j[i] = s
	}
	return Val{Set: true, JSON: j, Text: "[" + strings.Join(quoteAll(list), ", ") + "]"}
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = `"` + s + `"`
	}
	return out
}

func strVal(s string) Val {
	if s == "" {
		return Val{}
	}
	return Val{Set: true, JSON: s, Text: `"` + s + `"`}
}

// PropsFromValues converts a recorded property set to model values and
// its services.
func PropsFromValues(v state.Values) (model.Props, []string) { return fromValues(v) }

// ValuesFromProps converts model values and services to a recorded
// property set (PropsFromValues's inverse).
func ValuesFromProps(props model.Props, services []string) state.Values {
	return toValues(props, services)
}
