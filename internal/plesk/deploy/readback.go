package deploy

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/importer"
	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
	"github.com/plansync/plansync/state"
)

// Expected is what plansync predicts a subscription has on the server:
// its effective values, less its own settings (which the server's
// values need not follow), compared on Paths only.
type Expected struct {
	Domain              string
	Predicted, Settings state.Values
	Paths               []string
}

// ReadBack reads the subscriptions listed back from the server, as
// apply's read-back does after its writes, and compares each with its
// prediction on its paths: what differs is a model disagreement (SPEC
// §6.5). refresh uses it for the subscriptions whose records an apply
// kept because the server disagreed.
func ReadBack(ctx context.Context, c *xmlapi.Client, list []Expected) ([]Disagreement, error) {
	return ReadBackOn(ctx, c, nil, list)
}

// ReadBackOn is ReadBack for a server whose PHP handlers are t (its
// last read's, nil when not read): php_handler_id is read by them.
func ReadBackOn(ctx context.Context, c *xmlapi.Client, t *mapping.PHPHandlers, list []Expected) ([]Disagreement, error) {
	if len(list) == 0 {
		return nil, nil
	}
	snap := state.New("")
	snap.PropertySets = map[string]state.Values{}
	only := map[string]func(string) bool{}
	for i, e := range list {
		eff, own := "e"+strconv.Itoa(i), ""
		snap.PropertySets[eff] = e.Predicted
		if len(e.Settings) > 0 {
			own = "s" + strconv.Itoa(i)
			snap.PropertySets[own] = e.Settings
		}
		domain := strings.ToLower(e.Domain)
		snap.Subscriptions = append(snap.Subscriptions, state.Subscription{Domain: domain, Effective: eff, Settings: own})
		paths := map[string]bool{}
		for _, p := range e.Paths {
			paths[p] = true
		}
		only[domain] = func(path string) bool { return paths[path] }
	}
	r := newRun(c, &plan.Plan{Result: snap}, nil, &importer.Snapshot{PHP: t}, Options{})
	subs := map[string]*state.Subscription{}
	names := make([]string, 0, len(r.res.Subscriptions))
	for i := range r.res.Subscriptions {
		s := &r.res.Subscriptions[i]
		subs[s.Domain] = s
		names = append(names, s.Domain)
	}
	sort.Strings(names)
	const chunk = 1000
	for start := 0; start < len(names); start += chunk {
		end := min(start+chunk, len(names))
		replies, err := r.c.Do(ctx, xmlapi.WebspaceGet{Filter: xmlapi.WebspaceFilter{Name: names[start:end]}, Dataset: xmlapi.FullDataset()})
		if err != nil {
			return nil, err
		}
		for _, rep := range replies {
			for _, res := range rep.Results {
				w, ok := res.(*xmlapi.WebspaceData)
				if ok && w.Status.Status != "ok" && w.Status.ErrCode != xmlapi.ErrNotFound {
					// Not read is not agreeing: say so (one gone from
					// the server is drift, not this).
					return nil, fmt.Errorf("webspace get failed: errcode %d, errtext %q", w.Status.ErrCode, w.Status.ErrText)
				}
				if !ok || w.Status.Status != "ok" || w.Data == nil || w.Data.GenInfo == nil {
					continue
				}
				domain := w.Data.GenInfo.Domain()
				if s := subs[domain]; s != nil {
					r.compare(s, w, only[domain])
				}
			}
		}
	}
	sort.Slice(r.disagree, func(i, j int) bool {
		a, b := r.disagree[i], r.disagree[j]
		if a.Subscription != b.Subscription {
			return a.Subscription < b.Subscription
		}
		return a.Property < b.Property
	})
	return r.disagree, nil
}
