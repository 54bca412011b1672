package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"

	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/importer"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
	"github.com/plansync/plansync/state"
)

// Observe reads the server and returns, for every object the plan
// changes, a digest of what the server has for it ("" when it has
// nothing), keyed "kind key". A saved plan keeps them; applying it
// compares them with a new read, so that a plan made before the server
// changed (drift) is refused rather than applied over the change.
// reseller, when set, is the reseller whose credentials c uses.
func Observe(ctx context.Context, c *xmlapi.Client, p *plan.Plan, prior *state.Snapshot, reseller string) (map[string]string, error) {
	srv, err := read(ctx, c, reseller)
	if err != nil {
		return nil, err
	}
	return ObserveRead(srv, p, prior), nil
}

// ObserveRead is Observe on a read of the server already made (Read,
// or the refresh read plan made in the same run).
func ObserveRead(srv *importer.Snapshot, p *plan.Plan, prior *state.Snapshot) map[string]string {
	r := newRun(nil, p, prior, srv, Options{})
	recs := state.Records(prior)
	out := map[string]string{}
	for _, ch := range p.Changes {
		key := ch.Key
		if ch.RenamedFrom != "" {
			key = ch.RenamedFrom
		}
		var guid string
		switch x := recs[state.Ref{Kind: string(ch.Kind), Key: key}].(type) {
		case state.Plan:
			if x.Plesk != nil {
				guid = x.Plesk.GUID
			}
		case state.Reseller:
			if x.Plesk != nil {
				guid = x.Plesk.GUID
			}
		case state.Customer:
			if x.Plesk != nil {
				guid = x.Plesk.GUID
			}
		case state.Subscription:
			if x.Plesk != nil {
				guid = x.Plesk.GUID
			}
		}
		out[string(ch.Kind)+" "+ch.Key] = digest(r.find(string(ch.Kind), key, guid))
	}
	return out
}

// Read reads the whole server as deploy does (a reseller's scoped view
// when reseller is set), for ObserveRead and Options.Read.
func Read(ctx context.Context, c *xmlapi.Client, reseller string) (*importer.Snapshot, error) {
	return read(ctx, c, reseller)
}

// Drifted compares the digests a saved plan kept with a new read and
// lists the objects that changed on the server since, sorted.
func Drifted(saved, now map[string]string) []string {
	var out []string
	for k, v := range saved {
		if now[k] != v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// find returns the server's object for a recorded one (by GUID, else by
// name), or nil.
func (r *run) find(kind, key, guid string) any {
	switch kind {
	case "service_plan", "addon_plan":
		if d := r.plansByGUID[guid]; d != nil && guid != "" {
			return d
		}
		if d := r.plans[kind+" "+key]; d != nil {
			return d
		}
	case "reseller_plan":
		if d := r.rplansByGUID[guid]; d != nil && guid != "" {
			return d
		}
		if d := r.rplans[key]; d != nil {
			return d
		}
	case "reseller":
		if d := r.resByGUID[guid]; d != nil && guid != "" {
			return d
		}
		if d := r.resellers[key]; d != nil {
			return d
		}
	case "customer":
		if d := r.custsByGUID[guid]; d != nil && guid != "" {
			return d
		}
		if d := r.custs[key]; d != nil {
			return d
		}
	case "subscription":
		d := r.websByGUID[guid]
		if d == nil || guid == "" {
			d = r.webs[key]
		}
		if d != nil {
			// Disk usage changes all the time: not a change of the object.
			c := *d
			if d.Data != nil {
				data := *d.Data
				if data.GenInfo != nil {
					gi := *data.GenInfo
					gi.RealSize = 0
					data.GenInfo = &gi
				}
				c.Data = &data
			}
			return &c
		}
	}
	return nil
}

func digest(x any) string {
	if x == nil {
		return ""
	}
	b, err := json.Marshal(x)
	if err != nil {
		return "?"
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}
