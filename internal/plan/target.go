package plan

import (
	"fmt"
	"strings"

	"github.com/plansync/plansync/state"
)

// Kinds are the object kinds a plan addresses.
var Kinds = []string{"server", "service", "service_plan", "addon_plan", "reseller_plan", "reseller", "customer", "subscription"}

// ParseTarget reads KIND/KEY ("subscription/doe.example",
// "service_plan/acme/Web").
func ParseTarget(t string) (state.Ref, error) {
	kind, key, ok := strings.Cut(t, "/")
	if kind == "server" && !ok {
		return state.Ref{Kind: "server", Key: "server"}, nil
	}
	valid := false
	for _, k := range Kinds {
		valid = valid || k == kind
	}
	if !ok || key == "" || !valid {
		return state.Ref{}, fmt.Errorf("--target %q: want KIND/KEY with KIND one of %s", t, strings.Join(Kinds, ", "))
	}
	if kind == "subscription" {
		key = strings.ToLower(key)
	}
	return state.Ref{Kind: kind, Key: key}, nil
}

// Target limits a full plan to the targeted objects and what they force:
// the subscriptions and resellers a targeted plan change reaches, the
// subscriptions a targeted customer's deletion deletes, and the plans,
// add-ons and customer a targeted subscription needs created. The result
// snapshot changes only those objects; everything else stays as recorded.
func Target(p *Plan, prior *state.Snapshot, targets []string) (*Plan, error) {
	want := map[string]bool{}
	var addrs []string
	for _, t := range targets {
		ref, err := ParseTarget(t)
		if err != nil {
			return nil, err
		}
		addr := ref.Kind + " " + ref.Key
		if !want[addr] {
			want[addr] = true
			addrs = append(addrs, ref.Kind+"/"+ref.Key)
		}
	}
	exists := map[string]bool{}
	for _, c := range p.Changes {
		exists[c.Address()] = true
	}
	for r := range state.Records(p.Result) {
		exists[r.Kind+" "+r.Key] = true
	}
	for r := range state.Records(prior) {
		exists[r.Kind+" "+r.Key] = true
	}
	for addr := range want {
		if !exists[addr] {
			return nil, fmt.Errorf("--target: no %s in the config or the recorded state", addr)
		}
	}
	included := map[string]bool{}
	for addr := range want {
		included[addr] = true
	}
	byAddr := map[string]*Change{}
	for _, c := range p.Changes {
		byAddr[c.Address()] = c
	}
	for _, c := range p.Changes {
		if want[c.Cause] || (c.Cascade != "" && want[c.Cascade]) {
			included[c.Address()] = true
		}
	}
	// What a targeted subscription needs created first.
	for _, c := range p.Changes {
		if c.Kind != "subscription" || !included[c.Address()] {
			continue
		}
		for _, f := range c.Fields {
			var deps []string
			owner := ownerField(c)
			switch f.Path {
			case "plan":
				if s, ok := f.After.JSON.(string); ok && s != "none" {
					deps = append(deps, "service_plan "+planKeyOf(owner, s))
				}
			case "addons":
				if list, ok := f.After.JSON.([]any); ok {
					for _, a := range list {
						if s, ok := a.(string); ok {
							deps = append(deps, "addon_plan "+planKeyOf(owner, s))
						}
					}
				}
			case "customer":
				if s, ok := f.After.JSON.(string); ok {
					deps = append(deps, "customer "+s)
				}
			}
			for _, d := range deps {
				if dc := byAddr[d]; dc != nil && dc.Action == Create {
					included[d] = true
				}
			}
		}
	}
	out := *p
	out.Partial, out.Targets = true, addrs
	out.Changes, out.Deletes, out.Conflicts, out.Subscriptions = nil, nil, nil, nil
	out.Summary = Summary{}
	var refs []state.Ref
	for _, c := range p.Changes {
		if !included[c.Address()] {
			continue
		}
		cp := *c
		if cp.Fanout != nil && !want[c.Address()] {
			cp.Fanout = nil
		}
		out.Changes = append(out.Changes, &cp)
		refs = append(refs, state.Ref{Kind: c.Kind, Key: c.Key})
		switch c.Action {
		case Create:
			out.Summary.Create++
		case Delete:
			out.Summary.Delete++
			out.Deletes = append(out.Deletes, c.Address())
		default:
			out.Summary.Update++
		}
		if cp.Fanout != nil {
			out.Summary.Skipped += len(cp.Fanout.SkippedLocked)
		}
	}
	for _, c := range p.Conflicts {
		if included["subscription "+c.Subscription] {
			out.Conflicts = append(out.Conflicts, c)
			if c.Accepted {
				out.Summary.Accepted++
			} else {
				out.Summary.Conflicts++
			}
		}
	}
	for _, s := range p.Subscriptions {
		if included["subscription "+s.Key] {
			out.Subscriptions = append(out.Subscriptions, s)
		}
	}
	out.Result = state.Merge(prior, p.Result, refs)
	if prior == nil {
		out.Result.Lineage = p.Result.Lineage
	}
	return &out, nil
}

func ownerField(c *Change) string {
	for _, f := range c.Fields {
		if f.Path == "owner" {
			if s, ok := f.After.JSON.(string); ok {
				return s
			}
		}
	}
	return "admin"
}

func planKeyOf(owner, name string) string {
	if owner == "" || owner == "admin" {
		return name
	}
	return owner + "/" + name
}
