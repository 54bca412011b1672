package plan

import "github.com/plansync/plansync/state"

// carryPleskIDs keeps, on every record of result, the Plesk server's
// identity (GUID and id) its prior record had: the engine builds records
// from the config, which does not know them. A renamed object keeps the
// identity of the record it replaces, which is what lets a rename update
// the server's object in place. Records without a prior one keep what
// they have (none, unless the caller set it).
func carryPleskIDs(result, prior *state.Snapshot, changes []*Change) {
	if prior == nil || !hasPleskIDs(prior) {
		return
	}
	renamed := map[string]string{} // "kind new-key" → recorded key
	for _, c := range changes {
		if c.RenamedFrom != "" {
			renamed[string(c.Kind)+" "+c.Key] = c.RenamedFrom
		}
	}
	from := func(kind, key string) string {
		if old, ok := renamed[kind+" "+key]; ok {
			return old
		}
		return key
	}
	carryPlans := func(kind string, out, in []state.Plan) {
		ids := map[string]*state.PleskID{}
		for i := range in {
			if in[i].Plesk != nil {
				ids[in[i].Key] = in[i].Plesk
			}
		}
		for i := range out {
			if out[i].Plesk == nil {
				out[i].Plesk = ids[from(kind, out[i].Key)]
			}
		}
	}
	carryPlans("service_plan", result.ServicePlans, prior.ServicePlans)
	carryPlans("addon_plan", result.AddonPlans, prior.AddonPlans)
	carryPlans("reseller_plan", result.ResellerPlans, prior.ResellerPlans)
	ids := map[string]*state.PleskID{}
	for i := range prior.Resellers {
		if r := &prior.Resellers[i]; r.Plesk != nil {
			ids[r.Login] = r.Plesk
		}
	}
	for i := range result.Resellers {
		if r := &result.Resellers[i]; r.Plesk == nil {
			r.Plesk = ids[from("reseller", r.Login)]
		}
	}
	clear(ids)
	for i := range prior.Customers {
		if c := &prior.Customers[i]; c.Plesk != nil {
			ids[c.Login] = c.Plesk
		}
	}
	for i := range result.Customers {
		if c := &result.Customers[i]; c.Plesk == nil {
			c.Plesk = ids[from("customer", c.Login)]
		}
	}
	clear(ids)
	for i := range prior.Subscriptions {
		if s := &prior.Subscriptions[i]; s.Plesk != nil {
			ids[s.Domain] = s.Plesk
		}
	}
	for i := range result.Subscriptions {
		if s := &result.Subscriptions[i]; s.Plesk == nil {
			s.Plesk = ids[from("subscription", s.Domain)]
		}
	}
}

func hasPleskIDs(s *state.Snapshot) bool {
	for _, l := range [][]state.Plan{s.ServicePlans, s.AddonPlans, s.ResellerPlans} {
		for i := range l {
			if l[i].Plesk != nil {
				return true
			}
		}
	}
	for i := range s.Resellers {
		if s.Resellers[i].Plesk != nil {
			return true
		}
	}
	for i := range s.Customers {
		if s.Customers[i].Plesk != nil {
			return true
		}
	}
	for i := range s.Subscriptions {
		if s.Subscriptions[i].Plesk != nil {
			return true
		}
	}
	return false
}
