package state

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
)

// Ref addresses one recorded object.
type Ref struct {
	Kind string `json:"kind"`
	Key  string `json:"key"`
	// Server names the server of a multi-server config ("" for the
	// single server): identity is (server, kind, key).
	Server string `json:"server,omitempty"`
}

// Records indexes every record of a snapshot by kind and key.
func Records(s *Snapshot) map[Ref]any {
	out := map[Ref]any{}
	if s == nil {
		return out
	}
	if s.Server != nil {
		out[Ref{"server", "server", ""}] = *s.Server
	}
	for _, r := range s.Servers {
		out[Ref{"server", "server", r.Name}] = r
	}
	for _, r := range s.Services {
		out[Ref{"service", r.Name, r.Server}] = r
	}
	for _, r := range s.ServicePlans {
		out[Ref{"service_plan", r.Key, r.Server}] = r
	}
	for _, r := range s.AddonPlans {
		out[Ref{"addon_plan", r.Key, r.Server}] = r
	}
	for _, r := range s.ResellerPlans {
		out[Ref{"reseller_plan", r.Key, r.Server}] = r
	}
	for _, r := range s.Resellers {
		out[Ref{"reseller", r.Login, r.Server}] = r
	}
	for _, r := range s.Customers {
		out[Ref{"customer", r.Login, r.Server}] = r
	}
	for _, r := range s.Subscriptions {
		out[Ref{"subscription", r.Domain, r.Server}] = r
	}
	return out
}

// setIDs lists the property sets a record references.
func setIDs(rec any) []string {
	switch r := rec.(type) {
	case Plan:
		return []string{r.Props}
	case Reseller:
		return []string{r.Allocation}
	case Subscription:
		ids := r.SetIDs()
		return ids[:]
	}
	return nil
}

// Version is the version of one recorded object: a digest of its record
// and the property sets it references, or "" when it does not exist.
func Version(s *Snapshot, ref Ref) string {
	rec, ok := Records(s)[ref]
	if !ok {
		return ""
	}
	return version(s, rec)
}

func version(s *Snapshot, rec any) string {
	h := sha256.New()
	b, _ := json.Marshal(rec)
	h.Write(b)
	for _, id := range setIDs(rec) {
		if id == "" {
			continue
		}
		v, _ := json.Marshal(s.PropertySets[id])
		h.Write(v)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Versions returns the version of every given object in s.
func Versions(s *Snapshot, refs []Ref) map[Ref]string {
	all := Records(s)
	out := make(map[Ref]string, len(refs))
	for _, r := range refs {
		if rec, ok := all[r]; ok {
			out[r] = version(s, rec)
		} else {
			out[r] = ""
		}
	}
	return out
}

// Merge returns base with the given objects taken from planned (added,
// replaced, or removed when planned does not hold them). Every other
// object stays as base has it. Lineage and serial are base's.
func Merge(base, planned *Snapshot, refs []Ref) *Snapshot {
	want := map[Ref]bool{}
	for _, r := range refs {
		want[r] = true
	}
	from := Records(planned)
	cur := Records(base)
	out := &Snapshot{FormatVersion: FormatVersion}
	if base != nil {
		out.Lineage, out.Serial = base.Lineage, base.Serial
	} else if planned != nil {
		out.Lineage = planned.Lineage
	}
	pick := map[Ref]any{}
	for r, rec := range cur {
		if !want[r] {
			pick[r] = rec
		}
	}
	for r := range want {
		if rec, ok := from[r]; ok {
			pick[r] = rec
		}
	}
	refsSorted := make([]Ref, 0, len(pick))
	for r := range pick {
		refsSorted = append(refsSorted, r)
	}
	sort.Slice(refsSorted, func(i, j int) bool {
		if refsSorted[i].Kind != refsSorted[j].Kind {
			return refsSorted[i].Kind < refsSorted[j].Kind
		}
		if refsSorted[i].Server != refsSorted[j].Server {
			return refsSorted[i].Server < refsSorted[j].Server
		}
		return refsSorted[i].Key < refsSorted[j].Key
	})
	copySets := func(src *Snapshot, rec any) {
		for _, id := range setIDs(rec) {
			if id == "" || src == nil {
				continue
			}
			if v, ok := src.PropertySets[id]; ok {
				if out.PropertySets == nil {
					out.PropertySets = map[string]Values{}
				}
				out.PropertySets[id] = v
			}
		}
	}
	for _, r := range refsSorted {
		rec := pick[r]
		src := base
		if want[r] {
			src = planned
		}
		copySets(src, rec)
		switch x := rec.(type) {
		case Server:
			if r.Server != "" {
				out.Servers = append(out.Servers, x)
			} else {
				out.Server = &x
			}
		case Service:
			out.Services = append(out.Services, x)
		case Plan:
			switch r.Kind {
			case "service_plan":
				out.ServicePlans = append(out.ServicePlans, x)
			case "addon_plan":
				out.AddonPlans = append(out.AddonPlans, x)
			default:
				out.ResellerPlans = append(out.ResellerPlans, x)
			}
		case Reseller:
			out.Resellers = append(out.Resellers, x)
		case Customer:
			out.Customers = append(out.Customers, x)
		case Subscription:
			out.Subscriptions = append(out.Subscriptions, x)
		}
	}
	return out
}
