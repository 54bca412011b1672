package postgres

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"runtime"
	"slices"
	"sync"

	"github.com/plansync/plansync/state"
)

// The kinds of object rows. Their order as strings is the order in which
// rows are read and diffed.
const (
	kindAddonPlan    = "addon_plan"
	kindCustomer     = "customer"
	kindReseller     = "reseller"
	kindResellerPlan = "reseller_plan"
	kindServer       = "server"
	kindServers      = "servers" // a named server of a multi-server config
	kindService      = "service"
	kindServicePlan  = "service_plan"
	kindSubscription = "subscription"
)

// field returns the snapshot document's field that holds rows of kind,
// and whether kind is known.
func field(kind string) (string, bool) {
	switch kind {
	case kindAddonPlan:
		return "addon_plans", true
	case kindCustomer:
		return "customers", true
	case kindReseller:
		return "resellers", true
	case kindResellerPlan:
		return "reseller_plans", true
	case kindServer:
		return "server", true
	case kindServers:
		return "servers", true
	case kindService:
		return "services", true
	case kindServicePlan:
		return "service_plans", true
	case kindSubscription:
		return "subscriptions", true
	}
	return "", false
}

// digest identifies a row's document by content: two independent 64-bit
// hashes, seeded per Backend.
type digest [2]uint64

func (b *Backend) digest(doc []byte) digest {
	return digest{maphash.Bytes(b.seeds[0], doc), maphash.Bytes(b.seeds[1], doc)}
}

// row is an object (or a property set: kind "", key its id) with its
// document.
type row struct {
	kind, key string
	doc       []byte
	sum       digest
}

// ref is a stored row known by its kind, key and content digest.
type ref struct {
	kind, key string
	sum       digest
}

// stored describes the rows of a state at one serial, in key order.
type stored struct {
	lineage string
	serial  uint64
	objects []ref
	sets    []ref
}

func compareRef(a, b ref) int {
	if c := cmp.Compare(a.kind, b.kind); c != 0 {
		return c
	}
	return cmp.Compare(a.key, b.key)
}

func refsOf(rows []row) []ref {
	out := make([]ref, len(rows))
	for i, r := range rows {
		out[i] = ref{r.kind, r.key, r.sum}
	}
	return out
}

// item is a record to store as an object row.
type item struct {
	kind, key string
	rec       any
}

// rows returns the object rows and property set rows that store s, each
// sorted by kind and key, with their documents: the record as
// encoding/json writes it, compact, without HTML escaping (as
// state.Encode writes it). Only the property sets some record references
// are stored. It refuses what state.Encode refuses: no lineage, a newer
// format, two records with one key, a reference to a property set s does
// not hold, a value JSON cannot represent.
func (b *Backend) rows(s *state.Snapshot) (objs, sets []row, err error) {
	switch {
	case s == nil:
		return nil, nil, errors.New("no snapshot")
	case s.Lineage == "":
		return nil, nil, errors.New("snapshot has no lineage")
	case s.FormatVersion > state.FormatVersion:
		return nil, nil, fmt.Errorf("snapshot has format version %d; this plansync writes %d", s.FormatVersion, state.FormatVersion)
	}
	n := len(s.Services) + len(s.ServicePlans) + len(s.AddonPlans) + len(s.ResellerPlans) +
		len(s.Resellers) + len(s.Customers) + len(s.Subscriptions) + 1
	items := make([]item, 0, n)
	// In the order of the kinds' names, so that usually no sort is needed.
	for i := range s.AddonPlans {
		items = append(items, item{kindAddonPlan, state.ServerKey(s.AddonPlans[i].Server, s.AddonPlans[i].Key), &s.AddonPlans[i]})
	}
	for i := range s.Customers {
		items = append(items, item{kindCustomer, state.ServerKey(s.Customers[i].Server, s.Customers[i].Login), &s.Customers[i]})
	}
	for i := range s.Resellers {
		items = append(items, item{kindReseller, state.ServerKey(s.Resellers[i].Server, s.Resellers[i].Login), &s.Resellers[i]})
	}
	for i := range s.ResellerPlans {
		items = append(items, item{kindResellerPlan, state.ServerKey(s.ResellerPlans[i].Server, s.ResellerPlans[i].Key), &s.ResellerPlans[i]})
	}
	if s.Server != nil {
		items = append(items, item{kindServer, "", s.Server})
	}
	for i := range s.Servers {
		items = append(items, item{kindServers, s.Servers[i].Name, &s.Servers[i]})
	}
	for i := range s.Services {
		items = append(items, item{kindService, state.ServerKey(s.Services[i].Server, s.Services[i].Name), &s.Services[i]})
	}
	for i := range s.ServicePlans {
		items = append(items, item{kindServicePlan, state.ServerKey(s.ServicePlans[i].Server, s.ServicePlans[i].Key), &s.ServicePlans[i]})
	}
	for i := range s.Subscriptions {
		items = append(items, item{kindSubscription, state.ServerKey(s.Subscriptions[i].Server, s.Subscriptions[i].Domain), &s.Subscriptions[i]})
	}
	byKey := func(a, b item) int { return compareRef(ref{kind: a.kind, key: a.key}, ref{kind: b.kind, key: b.key}) }
	if !slices.IsSortedFunc(items, byKey) {
		slices.SortStableFunc(items, byKey)
	}
	for i := 1; i < len(items); i++ {
		if items[i].kind == items[i-1].kind && items[i].key == items[i-1].key {
			return nil, nil, fmt.Errorf("two records for %s %q", items[i].kind, items[i].key)
		}
	}

	used, err := state.ReferencedSets(s)
	if err != nil {
		return nil, nil, err
	}
	setItems := make([]item, 0, len(used))
	for _, id := range slices.Sorted(maps.Keys(used)) {
		setItems = append(setItems, item{"", id, used[id]})
	}

	if objs, err = b.encodeItems(items); err != nil {
		return nil, nil, err
	}
	if sets, err = b.encodeItems(setItems); err != nil {
		return nil, nil, err
	}
	return objs, sets, nil
}

// encodeItems encodes items into rows, in parallel for many.
func (b *Backend) encodeItems(items []item) ([]row, error) {
	out := make([]row, len(items))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(items)/512))
	chunk := (len(items) + workers - 1) / max(workers, 1)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, len(items))
		if lo >= hi {
			continue
		}
		wg.Go(func() { errs[w] = b.encodeRange(items[lo:hi], out[lo:hi]) })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

func (b *Backend) encodeRange(items []item, out []row) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	ends := make([]int, len(items))
	for i, it := range items {
		if err := enc.Encode(it.rec); err != nil {
			what := it.kind
			if what == "" {
				what = "property set"
			}
			return fmt.Errorf("encoding %s %q: %w", what, it.key, err)
		}
		ends[i] = buf.Len() - 1 // without the encoder's newline
	}
	data := buf.Bytes()
	start := 0
	for i, it := range items {
		doc := data[start:ends[i]:ends[i]]
		out[i] = row{kind: it.kind, key: it.key, doc: doc, sum: b.digest(doc)}
		start = ends[i] + 1
	}
	return nil
}
