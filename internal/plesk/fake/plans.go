package fake

import (
	"errors"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

func kindName(addon bool) string {
	if addon {
		return "add-on plan"
	}
	return "service plan"
}

// blockErr turns a readBlocks error into a result.
func blockErr(err error) *xmlapi.Status {
	var ve valueError
	if errors.As(err, &ve) {
		return opErr(xmlapi.ErrInvalidValue, "Invalid value: %s", err)
	}
	return opErr(xmlapi.ErrParse, "%s", err)
}

// planOwner resolves the owner-id / owner-login of a plan operation
// (default: the administrator). all is set for owner-all.
func (s *Server) planOwner(o *node) (owner int, all bool, err *xmlapi.Status) {
	if o.has("owner-all") {
		if !s.admin() {
			return s.caller, false, nil
		}
		return 0, true, nil
	}
	if id := o.val("owner-id"); id != "" {
		n, e := strconv.Atoi(id)
		if e != nil {
			return 0, false, opErr(xmlapi.ErrInvalidValue, "owner-id %q is not a number", id)
		}
		if !s.admin() && n != s.caller {
			return 0, false, opErr(xmlapi.ErrOwner, "Owner with id %d is not found", n)
		}
		if n == AdminID {
			return AdminID, false, nil
		}
		if a := s.state.account(n); a != nil && a.Reseller {
			return n, false, nil
		}
		return 0, false, opErr(xmlapi.ErrOwner, "Owner with id %d is not found", n)
	}
	if login := o.val("owner-login"); login != "" {
		id, found := s.state.ownerID(login, true)
		if !found || !s.admin() && id != s.caller {
			return 0, false, opErr(xmlapi.ErrOwner, "Owner %s is not found", login)
		}
		return id, false, nil
	}
	return s.caller, false, nil
}

// selectPlans returns the plans a filter names, or one error per name
// that matches nothing.
func (s *Server) selectPlans(f *node, owner int, all, addon bool) ([]*Plan, []any) {
	match := func(p *Plan) bool { return p.Addon == addon && (all || p.OwnerID == owner) }
	var out []*Plan
	var errs []any
	if f == nil || len(f.kids) == 0 {
		for _, p := range s.state.Plans {
			if match(p) {
				out = append(out, p)
			}
		}
		return out, nil
	}
	for _, k := range f.kids {
		key := strings.TrimSpace(k.text)
		var found *Plan
		for _, p := range s.state.Plans {
			if !match(p) {
				continue
			}
			switch k.name {
			case "name":
				if p.Name == key {
					found = p
				}
			case "id":
				if strconv.Itoa(p.ID) == key {
					found = p
				}
			case "guid":
				if p.GUID == key {
					found = p
				}
			case "external-id":
				if p.ExternalID != "" && p.ExternalID == key {
					found = p
				}
			}
		}
		if found == nil {
			errs = append(errs, &xmlapi.PlanResult{Status: *opErr(xmlapi.ErrNotFound, "%s with %s %s is not found", kindName(addon), k.name, key)})
			continue
		}
		out = append(out, found)
	}
	return out, errs
}

func (s *Server) planOp(o *node, addon bool) ([]any, bool) {
	owner, all, oerr := s.planOwner(o)
	if oerr != nil {
		if o.name == "add" {
			return []any{&xmlapi.AddResult{Status: *oerr}}, false
		}
		return []any{&xmlapi.PlanResult{Status: *oerr}}, false
	}
	switch o.name {
	case "add":
		name := o.val("name")
		if name == "" {
			return []any{&xmlapi.AddResult{Status: *opErr(xmlapi.ErrInvalidValue, "The plan name is empty")}}, false
		}
		if s.state.planByName(name, owner, addon) != nil {
			return []any{&xmlapi.AddResult{Status: *opErr(xmlapi.ErrExists, "%s %s already exists", kindName(addon), name)}}, false
		}
		p := &Plan{Name: name, Addon: addon, OwnerID: owner, ExternalID: o.val("external-id")}
		if _, err := readBlocks(o, &p.Values, "property"); err != nil {
			return []any{&xmlapi.AddResult{Status: *blockErr(err)}}, false
		}
		p.ID = s.state.newID()
		p.GUID = guid(p.ID)
		s.state.Plans = append(s.state.Plans, p)
		return []any{&xmlapi.AddResult{Status: ok, ID: p.ID, GUID: p.GUID}}, true
	case "get":
		plans, errs := s.selectPlans(o.child("filter"), owner, all, addon)
		out := errs
		for _, p := range plans {
			out = append(out, s.planData(p))
		}
		if len(out) == 0 {
			out = append(out, &xmlapi.PlanData{Status: ok})
		}
		return out, false
	case "set":
		plans, errs := s.selectPlans(o.child("filter"), owner, false, addon)
		out := errs
		changed := false
		shape := "vrt_hst"
		if addon {
			shape = "property"
		}
		for _, p := range plans {
			next := p.Values.Clone()
			if _, err := readBlocks(o, &next, shape); err != nil {
				out = append(out, &xmlapi.PlanResult{Status: *blockErr(err), ID: p.ID})
				continue
			}
			if n := o.val("name"); n != "" && n != p.Name {
				if s.state.planByName(n, p.OwnerID, addon) != nil {
					out = append(out, &xmlapi.PlanResult{Status: *opErr(xmlapi.ErrExists, "%s %s already exists", kindName(addon), n), ID: p.ID})
					continue
				}
				p.Name = n
			}
			if x := o.val("external-id"); x != "" {
				p.ExternalID = x
			}
			if h := o.child("hosting"); h != nil && h.has("none") {
				next.Hosting = nil
			}
			p.Values = next
			changed = true
			res := &xmlapi.PlanResult{Status: ok, ID: p.ID, Problems: s.propagate(p)}
			if addon {
				// Plesk's answer to service-plan-addon set has no
				// problems element (DomainAddonTemplateResultType):
				// the subscriptions it left unsynchronized say so.
				res.Problems = ""
			}
			out = append(out, res)
		}
		return out, changed
	case "add-plan-item", "remove-plan-item":
		plans, errs := s.selectPlans(o.child("filter"), owner, false, addon)
		out := errs
		name := o.child("plan-item").val("name")
		if !s.itemAvailable(name, o.name) {
			for _, p := range plans {
				out = append(out, &xmlapi.PlanItemResult{Status: *opErr(xmlapi.ErrNotFound, "additional service %s is not found", name), ID: p.ID})
			}
			return out, false
		}
		changed := false
		for _, p := range plans {
			has := contains(p.Items, name)
			switch {
			case o.name == "add-plan-item" && has:
				out = append(out, &xmlapi.PlanItemResult{Status: *opErr(xmlapi.ErrExists, "%s already has %s", p.Name, name), ID: p.ID})
				continue
			case o.name == "remove-plan-item" && !has:
				out = append(out, &xmlapi.PlanItemResult{Status: *opErr(xmlapi.ErrNotFound, "%s does not have %s", p.Name, name), ID: p.ID})
				continue
			case o.name == "add-plan-item":
				s.freezeItem(p, name, true)
				p.Items = sortedStrings(append(p.Items, name))
			default:
				s.freezeItem(p, name, false)
				p.Items = remove(p.Items, name)
			}
			changed = true
			// A plan change reaches the plan's synced subscriptions: one
			// of a reseller's that the service is not available to is
			// left unsynchronized (hiddenItems).
			s.propagate(p)
			out = append(out, &xmlapi.PlanItemResult{Status: ok, ID: p.ID, Item: name})
		}
		return out, changed
	case "del":
		plans, errs := s.selectPlans(o.child("filter"), owner, false, addon)
		out := errs
		changed := false
		for _, p := range plans {
			var users []*Webspace
			for _, w := range s.state.Webspaces {
				if w.PlanGUID == p.GUID || contains(w.Addons, p.GUID) {
					users = append(users, w)
				}
			}
			if len(users) > 0 && !s.opts.DeleteUsedPlans {
				out = append(out, &xmlapi.PlanResult{Status: *opErr(xmlapi.ErrFailed, "%s %s is used by %d subscription(s) (first: %s)", kindName(addon), p.Name, len(users), users[0].Name), ID: p.ID})
				continue
			}
			for _, w := range users {
				if w.PlanGUID == p.GUID {
					s.keepItems(w)
					w.PlanGUID = ""
				}
				w.Addons = remove(w.Addons, p.GUID)
			}
			s.state.Plans = removePlan(s.state.Plans, p)
			changed = true
			out = append(out, &xmlapi.PlanResult{Status: ok, ID: p.ID})
		}
		return out, changed
	}
	return []any{opErr(xmlapi.ErrUnsupported, "not supported")}, false
}

// propagate brings a changed plan to its synced (unlocked) subscriptions
// and returns the problems of those that could not be synced.
func (s *Server) propagate(p *Plan) string {
	var problems []string
	for _, w := range s.state.Webspaces {
		if w.PlanGUID != p.GUID && !contains(w.Addons, p.GUID) {
			continue
		}
		if w.Locked {
			keepUnset(w, p)
			continue
		}
		s.resync(w)
		if w.Unsynced {
			problems = append(problems, w.Name+": "+w.Problems)
		}
	}
	return strings.Join(problems, "\n")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func remove(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

func removePlan(list []*Plan, p *Plan) []*Plan {
	var out []*Plan
	for _, x := range list {
		if x != p {
			out = append(out, x)
		}
	}
	return out
}

// ---- reseller plans -------------------------------------------------------

func (s *Server) selectResellerPlans(f *node) ([]*ResellerPlan, []any) {
	if f == nil || f.has("all") || len(f.kids) == 0 {
		return append([]*ResellerPlan(nil), s.state.ResellerPlans...), nil
	}
	var out []*ResellerPlan
	var errs []any
	for _, k := range f.kids {
		key := strings.TrimSpace(k.text)
		var found *ResellerPlan
		for _, p := range s.state.ResellerPlans {
			switch {
			case k.name == "name" && p.Name == key, k.name == "id" && strconv.Itoa(p.ID) == key,
				k.name == "guid" && p.GUID == key, k.name == "external-id" && p.ExternalID != "" && p.ExternalID == key:
				found = p
			}
		}
		if found == nil {
			errs = append(errs, &xmlapi.ResellerPlanData{Status: *opErr(xmlapi.ErrNotFound, "reseller plan with %s %s is not found", k.name, key)})
			continue
		}
		out = append(out, found)
	}
	return out, errs
}

// readIPPool reads a reseller plan's ip-pool over cur: the addresses it
// names (each must be the server's: 1018 otherwise) replace cur's, the
// numbers to allocate replace cur's.
func (s *Server) readIPPool(n *node, cur *IPPool) (*IPPool, *xmlapi.Status) {
	if n == nil {
		return cur, nil
	}
	out := &IPPool{}
	if cur != nil {
		*out = *cur
	}
	if ips := n.vals("ip-address"); len(ips) > 0 {
		for _, ip := range ips {
			if !s.state.hasIP(ip) {
				return nil, opErr(xmlapi.ErrIP, "IP address %s is not found", ip)
			}
		}
		out.Addresses = ips
	}
	if n.has("allocate-ip") {
		out.AllocateIP = n.val("allocate-ip")
	}
	if n.has("allocate-ipv6") {
		out.AllocateIPv6 = n.val("allocate-ipv6")
	}
	return out, nil
}

func (s *Server) resellerPlanOp(o *node) ([]any, bool) {
	switch o.name {
	case "add":
		name := o.val("name")
		for _, p := range s.state.ResellerPlans {
			if p.Name == name {
				return []any{&xmlapi.ResellerPlanData{Status: *opErr(xmlapi.ErrExists, "reseller plan %s already exists", name)}}, false
			}
		}
		p := &ResellerPlan{Name: name, ExternalID: o.val("external-id")}
		if _, err := readBlocks(o, &p.Values, "property"); err != nil {
			return []any{&xmlapi.ResellerPlanData{Status: *blockErr(err)}}, false
		}
		pool, st := s.readIPPool(o.child("ip-pool"), nil)
		if st != nil {
			return []any{&xmlapi.ResellerPlanData{Status: *st}}, false
		}
		p.IPPool = pool
		p.ID = s.state.newID()
		p.GUID = guid(p.ID)
		s.state.ResellerPlans = append(s.state.ResellerPlans, p)
		return []any{&xmlapi.ResellerPlanData{Status: ok, ID: p.ID, GUID: p.GUID}}, true
	case "get":
		plans, errs := s.selectResellerPlans(o.child("filter"))
		out := errs
		for _, p := range plans {
			d := &xmlapi.ResellerPlanData{Status: ok, ID: p.ID, Name: p.Name, GUID: p.GUID, ExternalID: p.ExternalID}
			if o.has("limits") {
				d.Limits = mapping.ResellerLimitsBlock(p.Values)
				if d.Limits == nil {
					d.Limits = &xmlapi.ResellerLimits{}
				}
			}
			if o.has("permissions") {
				d.Permissions = mapping.PermissionsBlock(p.Values)
			}
			if o.has("ip-pool") {
				d.IPPool = &xmlapi.IPPool{}
				if x := p.IPPool; x != nil {
					d.IPPool = &xmlapi.IPPool{IPAddress: x.Addresses, AllocateIP: x.AllocateIP, AllocateIPv6: x.AllocateIPv6}
				}
			}
			out = append(out, d)
		}
		if len(out) == 0 {
			out = append(out, &xmlapi.ResellerPlanData{Status: ok})
		}
		return out, false
	case "set":
		plans, errs := s.selectResellerPlans(o.child("filter"))
		out := errs
		changed := false
		for _, p := range plans {
			next := p.Values.Clone()
			if _, err := readBlocks(o, &next, "property"); err != nil {
				out = append(out, &xmlapi.ResellerPlanData{Status: *blockErr(err), ID: p.ID})
				continue
			}
			pool, st := s.readIPPool(o.child("ip-pool"), p.IPPool)
			if st != nil {
				out = append(out, &xmlapi.ResellerPlanData{Status: *st, ID: p.ID})
				continue
			}
			p.IPPool = pool
			if x := o.child("external-id"); x != nil {
				p.ExternalID = strings.TrimSpace(x.text)
			}
			if n := o.val("name"); n != "" {
				p.Name = n
			}
			allocChanged := !reflect.DeepEqual(p.Values, next)
			p.Values = next
			recap := map[int]bool{}
			for _, a := range s.state.Accounts {
				if a.Reseller && a.PlanGUID == p.GUID && !a.Locked {
					a.Values = p.Values.Clone()
					recap[a.ID] = allocChanged
				}
			}
			s.recap(recap)
			changed = true
			out = append(out, &xmlapi.ResellerPlanData{Status: ok, ID: p.ID, GUID: p.GUID})
		}
		return out, changed
	case "del":
		plans, errs := s.selectResellerPlans(o.child("filter"))
		out := errs
		changed := false
		for _, p := range plans {
			used := false
			for _, a := range s.state.Accounts {
				used = used || a.PlanGUID == p.GUID
			}
			if used && !s.opts.DeleteUsedPlans {
				out = append(out, &xmlapi.ResellerPlanData{Status: *opErr(xmlapi.ErrFailed, "reseller plan %s is used by resellers", p.Name), ID: p.ID})
				continue
			}
			var keep []*ResellerPlan
			for _, x := range s.state.ResellerPlans {
				if x != p {
					keep = append(keep, x)
				}
			}
			for _, a := range s.state.Accounts {
				if a.PlanGUID == p.GUID {
					a.PlanGUID = ""
				}
			}
			s.state.ResellerPlans = keep
			changed = true
			out = append(out, &xmlapi.ResellerPlanData{Status: ok, ID: p.ID})
		}
		return out, changed
	}
	return []any{opErr(xmlapi.ErrUnsupported, "not supported")}, false
}

// keepUnset: a locked subscription keeps what it has when its plan
// changes, and what it has of a limit or permission the plan left out is
// unlimited, not granted, of an on/off or none-able hosting or mail
// setting off or none. Plesk holds every such value of a subscription;
// the emulator stores only those set, so it stores these values when the
// plan sets them, lest the subscription read as having the plan's new
// value. (PHP settings and handler have no such value: Plesk's would be
// the server's defaults.)
func keepUnset(w *Webspace, p *Plan) {
	for _, c := range model.Catalog() {
		var from, to *map[string]string
		switch c.Plesk.Group {
		case model.PleskHosting:
			from, to = &p.Values.Hosting, &w.Values.Hosting
		case model.PleskMail:
			from, to = &p.Values.Mail, &w.Values.Mail
		default:
			continue
		}
		if c.Plesk.Name == "" || c.Plesk.Enc == model.PleskPHPHandler {
			continue
		}
		if _, set := (*from)[c.Plesk.Name]; !set {
			continue
		}
		if _, has := (*to)[c.Plesk.Name]; has {
			continue
		}
		if n, ok := c.Neutral(); ok {
			if x, err := model.PleskEncode(&c, n); err == nil {
				setv(to, c.Plesk.Name, x)
			}
		}
	}
	for k := range p.Values.Limits {
		if _, ok := w.Values.Limits[k]; !ok && k != "expiration" {
			setv(&w.Values.Limits, k, "-1")
		}
	}
	for k := range p.Values.Permissions {
		if _, ok := w.Values.Permissions[k]; !ok {
			setv(&w.Values.Permissions, k, "false")
		}
	}
}

// recap applies a change of resellers' allocations (the resellers whose
// ids map to true) to their synced subscriptions, as a plan change
// reaches them: each is synced again, in name order, and gets at most
// what its reseller now holds (resellerCap: a permission taken away is
// no longer granted, what was applied is never cut, what is left serves
// the subscriptions that asked for more). Locked subscriptions keep what
// they have; a subscription moved in has nothing served yet.
func (s *Server) recap(resellers map[int]bool) {
	owners := map[int]bool{}
	for id, changed := range resellers {
		if changed {
			owners[id] = true
		}
	}
	if len(owners) == 0 {
		return
	}
	for _, a := range s.state.Accounts {
		if !a.Reseller && owners[a.OwnerID] {
			owners[a.ID] = true
		}
	}
	var subs []*Webspace
	for _, w := range s.state.Webspaces {
		if owners[w.OwnerID] && w.PlanGUID != "" && !w.Locked && !w.MovedIn {
			subs = append(subs, w)
		}
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].Name < subs[j].Name })
	for _, w := range subs {
		s.resync(w)
	}
}
