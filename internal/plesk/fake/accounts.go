package fake

import (
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// selectAccounts returns the customers (or resellers) a filter names, in
// filter order, with a 1013 result per key that matches nothing.
func (s *Server) selectAccounts(f *node, reseller bool) ([]*Account, []string, []any) {
	kind := "customer"
	if reseller {
		kind = "reseller"
	}
	if f == nil || len(f.kids) == 0 || f.has("all") {
		var out []*Account
		var ids []string
		for _, a := range s.state.Accounts {
			if a.Reseller == reseller && (s.admin() || a.OwnerID == s.caller) {
				out = append(out, a)
				ids = append(ids, "")
			}
		}
		return out, ids, nil
	}
	var out []*Account
	var ids []string
	var errs []any
	visible := func(a *Account) bool { return s.admin() || a.OwnerID == s.caller }
	for _, k := range f.kids {
		key := strings.TrimSpace(k.text)
		n := 0
		for _, a := range s.state.Accounts {
			if a.Reseller != reseller || !visible(a) {
				continue
			}
			var hit bool
			switch k.name {
			case "id":
				hit = strconv.Itoa(a.ID) == key
			case "login":
				hit = a.Login == key
			case "guid":
				hit = a.GUID == key
			case "external-id":
				hit = a.ExternalID != "" && a.ExternalID == key
			case "owner-id":
				hit = strconv.Itoa(a.OwnerID) == key
			case "owner-login":
				hit = s.state.ownerLogin(a.OwnerID) == key
			}
			if hit {
				out = append(out, a)
				ids = append(ids, key)
				n++
			}
		}
		if n == 0 && k.name != "owner-id" && k.name != "owner-login" {
			errs = append(errs, filterErr(key, xmlapi.ErrNotFound, "%s with %s %s is not found", kind, k.name, key))
		}
	}
	return out, ids, errs
}

// activeWebspaces counts the subscriptions that are active (status 0)
// among those in.
func (s *Server) activeWebspaces(in func(*Webspace) bool) int64 {
	var n int64
	for _, w := range s.state.Webspaces {
		if in(w) && w.Status == 0 {
			n++
		}
	}
	return n
}

// resellerStat is a reseller's stat dataset: its customers (active and
// all) and the subscriptions of it and its customers (active and all);
// the emulator's subscriptions use nothing (no subdomains, mailboxes,
// disk space or traffic).
func (s *Server) resellerStat(r *Account) *xmlapi.ResellerStat {
	st := &xmlapi.ResellerStat{}
	for _, a := range s.state.Accounts {
		if !a.Reseller && a.OwnerID == r.ID {
			st.Clients++
			if a.Status == 0 {
				st.ActiveClients++
			}
		}
	}
	for _, w := range s.state.Webspaces {
		if s.state.vendor(w.OwnerID) == r.ID {
			st.Domains++
		}
	}
	st.ActiveDomains = s.activeWebspaces(func(w *Webspace) bool { return s.state.vendor(w.OwnerID) == r.ID })
	return st
}

// applyInfo copies gen_info / gen-info elements into an account.
func (s *Server) applyInfo(a *Account, gi *node) *xmlapi.Status {
	if gi == nil {
		return nil
	}
	// An empty element clears a field (Plesk's set gen_info), except the
	// contact name, which an account must have.
	if c := gi.child("pname"); c != nil && strings.TrimSpace(c.text) == "" {
		return opErr(xmlapi.ErrInvalidValue, "The contact name (pname) cannot be empty")
	}
	status := a.Status
	if st := gi.child("status"); st != nil {
		what := "customer " + a.Login
		if a.Reseller {
			what = "reseller " + a.Login
		}
		n, err := s.callerStatus(a.Status, st.text, what)
		if err != nil {
			return err
		}
		status = n
	}
	if login := gi.val("login"); login != "" && login != a.Login {
		if why := loginRefused(login); why != "" {
			return opErr(xmlapi.ErrInvalidValue, "Invalid login %q: %s", login, why)
		}
		if login == "admin" || s.state.accountByLogin(login) != nil {
			return opErr(xmlapi.ErrUserExists, "User %s already exists", login)
		}
		a.Login = login
	}
	a.Status = status
	fields := map[string]*string{"pname": &a.Name, "cname": &a.Company, "email": &a.Email, "phone": &a.Phone,
		"address": &a.Address, "city": &a.City, "state": &a.State, "pcode": &a.PostCode, "fax": &a.Fax, "country": &a.Country, "passwd": &a.Password,
		"external-id": &a.ExternalID, "description": &a.Description}
	// The text is kept as sent, as an XML reader gives it: a multi-line
	// address or description ends as the client wrote it (a YAML block
	// scalar's final newline included), and so does a password.
	for name, dst := range fields {
		if c := gi.child(name); c != nil {
			if strings.TrimSpace(c.text) != "" || !s.opts.EmptyKeepsContact {
				*dst = c.text
			}
		}
	}
	return nil
}

// loginRefused says why Plesk refuses a customer's or reseller's login
// ("" when it takes it): the login starts with a letter or a digit and
// holds no space.
func loginRefused(login string) string {
	if r, _ := utf8.DecodeRuneInString(login); !unicode.IsLetter(r) && !unicode.IsDigit(r) {
		return "it must start with a letter or a digit"
	}
	if strings.ContainsFunc(login, unicode.IsSpace) {
		return "it must not hold a space"
	}
	return ""
}

// resellerLimit reads a reseller's limit (its plan's or its own), -1 when
// absent.
func (s *Server) resellerLimit(r *Account, name string) int64 {
	v := r.Values
	if r.PlanGUID != "" && !r.Locked {
		if p := s.state.resellerPlanByGUID(r.PlanGUID); p != nil {
			v = p.Values
		}
	}
	if x, ok := v.Limits[name]; ok {
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return -1
}

func (s *Server) customerOp(o *node) ([]any, bool) {
	switch o.name {
	case "add":
		gi := o.child("gen_info")
		login := gi.val("login")
		if login == "" || gi.val("pname") == "" {
			return []any{&xmlapi.AddResult{Status: *opErr(xmlapi.ErrInvalidValue, "login and pname are required")}}, false
		}
		if why := loginRefused(login); why != "" {
			return []any{&xmlapi.AddResult{Status: *opErr(xmlapi.ErrInvalidValue, "Invalid login %q: %s", login, why)}}, false
		}
		if login == "admin" || s.state.accountByLogin(login) != nil {
			return []any{&xmlapi.AddResult{Status: *opErr(xmlapi.ErrUserExists, "User %s already exists", login)}}, false
		}
		owner := s.caller
		switch {
		case gi.has("owner-id"):
			n, _ := strconv.Atoi(gi.val("owner-id"))
			if a := s.state.account(n); n != AdminID && (a == nil || !a.Reseller) {
				return []any{&xmlapi.AddResult{Status: *opErr(xmlapi.ErrOwner, "Owner with id %s is not found", gi.val("owner-id"))}}, false
			}
			owner = n
		case gi.has("owner-login"):
			id, found := s.state.ownerID(gi.val("owner-login"), true)
			if !found {
				return []any{&xmlapi.AddResult{Status: *opErr(xmlapi.ErrOwner, "Owner %s is not found", gi.val("owner-login"))}}, false
			}
			owner = id
		case gi.has("owner-external-id"):
			found := false
			for _, a := range s.state.Accounts {
				if a.Reseller && a.ExternalID == gi.val("owner-external-id") {
					owner, found = a.ID, true
				}
			}
			if !found {
				return []any{&xmlapi.AddResult{Status: *opErr(xmlapi.ErrOwner, "Owner with external id %s is not found", gi.val("owner-external-id"))}}, false
			}
		}
		if !s.admin() && owner != s.caller {
			return []any{&xmlapi.AddResult{Status: *opErr(xmlapi.ErrOwner, "Owner %s is not found", s.state.ownerLogin(owner))}}, false
		}
		if owner != AdminID {
			r := s.state.account(owner)
			if max := s.resellerLimit(r, "max_cl"); max >= 0 {
				n := int64(0)
				for _, a := range s.state.Accounts {
					if !a.Reseller && a.OwnerID == owner {
						n++
					}
				}
				if n >= max {
					return []any{&xmlapi.AddResult{Status: *opErr(xmlapi.ErrLimit, "Reseller %s has reached its customer limit (%d)", r.Login, max)}}, false
				}
			}
		}
		a := &Account{Login: login, OwnerID: owner, Created: s.today()}
		if st := s.applyInfo(a, gi); st != nil {
			return []any{&xmlapi.AddResult{Status: *st}}, false
		}
		a.ID = s.state.newID()
		a.GUID = guid(a.ID)
		s.state.Accounts = append(s.state.Accounts, a)
		return []any{&xmlapi.AddResult{Status: ok, ID: a.ID, GUID: a.GUID}}, true
	case "get":
		accts, ids, errs := s.selectAccounts(o.child("filter"), false)
		out := errs
		for i, a := range accts {
			d := &xmlapi.CustomerData{Status: ok, FilterID: ids[i], ID: a.ID}
			d.Data = &struct {
				GenInfo *xmlapi.CustomerGenInfo `xml:"gen_info"`
				Stat    *xmlapi.CustomerStat    `xml:"stat"`
			}{}
			if o.child("dataset").has("gen_info") {
				d.Data.GenInfo = &xmlapi.CustomerGenInfo{Created: a.Created, Company: a.Company, Name: a.Name, Login: a.Login,
					Status: a.Status, Phone: a.Phone, Email: a.Email, Address: a.Address, City: a.City, State: a.State, PostCode: a.PostCode, Fax: a.Fax, Country: a.Country,
					Locale: "en-US", GUID: a.GUID, OwnerID: a.OwnerID, OwnerLogin: s.state.ownerLogin(a.OwnerID),
					ExternalID: a.ExternalID, Description: a.Description}
			}
			if o.child("dataset").has("stat") {
				d.Data.Stat = &xmlapi.CustomerStat{ActiveDomains: s.activeWebspaces(func(w *Webspace) bool { return w.OwnerID == a.ID })}
			}
			out = append(out, d)
		}
		if len(out) == 0 {
			out = append(out, &xmlapi.CustomerData{Status: ok})
		}
		return out, false
	case "set":
		accts, ids, errs := s.selectAccounts(o.child("filter"), false)
		out := errs
		changed := false
		for i, a := range accts {
			if st := s.applyInfo(a, o.child("values").child("gen_info")); st != nil {
				out = append(out, &xmlapi.FilterResult{Status: *st, FilterID: ids[i], ID: a.ID})
				continue
			}
			changed = true
			out = append(out, &xmlapi.FilterResult{Status: ok, FilterID: ids[i], ID: a.ID})
		}
		return out, changed
	case "del":
		accts, ids, errs := s.selectAccounts(o.child("filter"), false)
		out := errs
		for i, a := range accts {
			s.deleteAccount(a)
			out = append(out, &xmlapi.FilterResult{Status: ok, FilterID: ids[i], ID: a.ID})
		}
		return out, len(accts) > 0
	case "change-owner":
		return s.changeOwner(o)
	case "convert-to-reseller":
		accts, ids, errs := s.selectAccounts(o.child("filter"), false)
		out := errs
		changed := false
		for i, a := range accts {
			var plan *ResellerPlan
			if name := o.val("reseller-plan-name"); name != "" {
				for _, p := range s.state.ResellerPlans {
					if p.Name == name {
						plan = p
					}
				}
				if plan == nil {
					out = append(out, filterErr(ids[i], xmlapi.ErrNotFound, "reseller plan %s is not found", name))
					continue
				}
			}
			if a.OwnerID != AdminID {
				out = append(out, filterErr(ids[i], xmlapi.ErrFailed, "only customers of the administrator can be converted to resellers"))
				continue
			}
			a.Reseller = true
			if plan != nil {
				a.PlanGUID, a.Values = plan.GUID, plan.Values.Clone()
			} else {
				a.Values = s.totals(a.ID)
			}
			changed = true
			out = append(out, &xmlapi.FilterResult{Status: ok, FilterID: ids[i], ID: a.ID})
		}
		return out, changed
	}
	return []any{opErr(xmlapi.ErrUnsupported, "not supported")}, false
}

// totals sums the limits and ORs the permissions of an account's
// subscriptions: what a converted customer gets without a plan.
func (s *Server) totals(owner int) mapping.Values {
	var out mapping.Values
	for _, w := range s.state.Webspaces {
		if w.OwnerID != owner {
			continue
		}
		for k, v := range w.Values.Limits {
			cur, ok := out.Limits[k]
			if !ok {
				setv(&out.Limits, k, v)
				continue
			}
			x, _ := strconv.ParseInt(cur, 10, 64)
			y, _ := strconv.ParseInt(v, 10, 64)
			if x == -1 || y == -1 {
				setv(&out.Limits, k, "-1")
			} else {
				setv(&out.Limits, k, strconv.FormatInt(x+y, 10))
			}
		}
		for k, v := range w.Values.Permissions {
			if out.Permissions[k] != "true" {
				setv(&out.Permissions, k, v)
			}
		}
	}
	return out
}

func (s *Server) changeOwner(o *node) ([]any, bool) {
	accts, ids, errs := s.selectAccounts(o.child("filter"), false)
	out := errs
	newLogin := o.val("new-owner-login")
	newOwner, found := s.state.ownerID(newLogin, true)
	if !found {
		for i := range accts {
			out = append(out, filterErr(ids[i], xmlapi.ErrOwner, "New owner %s is not found", newLogin))
		}
		return out, false
	}
	ips := append(o.vals("ipV4-address"), o.vals("ipV6-address")...)
	if len(ips) == 0 {
		for i := range accts {
			out = append(out, filterErr(ids[i], xmlapi.ErrIP, "At least one IP address of the new owner is required"))
		}
		return out, false
	}
	for _, ip := range ips {
		if !s.state.hasIP(ip) {
			for i := range accts {
				out = append(out, filterErr(ids[i], xmlapi.ErrIP, "IP address %s is not found in the new owner's pool", ip))
			}
			return out, false
		}
	}
	var plan *Plan
	if name := o.val("plan-name"); name != "" {
		if plan = s.state.planByName(name, newOwner, false); plan == nil {
			for i := range accts {
				out = append(out, filterErr(ids[i], xmlapi.ErrNotFound, "service plan %s of %s is not found", name, newLogin))
			}
			return out, false
		}
	}
	changed := false
	for i, a := range accts {
		moved := s.state.vendor(newOwner) != a.OwnerID
		a.OwnerID = newOwner
		for _, w := range s.state.Webspaces {
			if w.OwnerID != a.ID {
				continue
			}
			w.MovedIn = w.MovedIn || moved
			w.IP = ips[0]
			w.Addons = nil
			if plan != nil {
				w.PlanGUID, w.Locked, w.ItemsKept, w.ItemsOff = plan.GUID, false, nil, nil
				s.resync(w)
			} else {
				s.keepItems(w)
				w.PlanGUID, w.Locked, w.Unsynced, w.Problems = "", false, false, ""
			}
		}
		changed = true
		out = append(out, &xmlapi.FilterResult{Status: ok, FilterID: ids[i], ID: a.ID})
	}
	return out, changed
}

// deleteAccount removes an account with everything it owns.
func (s *Server) deleteAccount(a *Account) {
	var ws []*Webspace
	for _, w := range s.state.Webspaces {
		if w.OwnerID != a.ID {
			ws = append(ws, w)
		}
	}
	s.state.Webspaces = ws
	if a.Reseller {
		var plans []*Plan
		for _, p := range s.state.Plans {
			if p.OwnerID != a.ID {
				plans = append(plans, p)
			}
		}
		s.state.Plans = plans
		for _, c := range append([]*Account(nil), s.state.Accounts...) {
			if c.OwnerID == a.ID {
				s.deleteAccount(c)
			}
		}
	}
	var keep []*Account
	for _, x := range s.state.Accounts {
		if x != a {
			keep = append(keep, x)
		}
	}
	s.state.Accounts = keep
}

func (s *Server) resellerOp(o *node) ([]any, bool) {
	switch o.name {
	case "add":
		gi := o.child("gen-info")
		login := gi.val("login")
		if login == "" || gi.val("pname") == "" {
			return []any{&xmlapi.AddResult{Status: *opErr(xmlapi.ErrInvalidValue, "login and pname are required")}}, false
		}
		if why := loginRefused(login); why != "" {
			return []any{&xmlapi.AddResult{Status: *opErr(xmlapi.ErrInvalidValue, "Invalid login %q: %s", login, why)}}, false
		}
		if login == "admin" || s.state.accountByLogin(login) != nil {
			return []any{&xmlapi.AddResult{Status: *opErr(xmlapi.ErrUserExists, "User %s already exists", login)}}, false
		}
		a := &Account{Login: login, Reseller: true, OwnerID: AdminID, Created: s.today()}
		if st := s.applyInfo(a, gi); st != nil {
			return []any{&xmlapi.AddResult{Status: *st}}, false
		}
		var plan *ResellerPlan
		for _, p := range s.state.ResellerPlans {
			switch {
			case o.val("plan-name") != "" && p.Name == o.val("plan-name"),
				o.val("plan-guid") != "" && p.GUID == o.val("plan-guid"),
				o.val("plan-id") != "" && strconv.Itoa(p.ID) == o.val("plan-id"),
				o.val("plan-external-id") != "" && p.ExternalID == o.val("plan-external-id"):
				plan = p
			}
		}
		if plan == nil && (o.has("plan-name") || o.has("plan-guid") || o.has("plan-id") || o.has("plan-external-id")) {
			return []any{&xmlapi.AddResult{Status: *opErr(xmlapi.ErrNotFound, "reseller plan is not found")}}, false
		}
		if plan != nil {
			a.PlanGUID, a.Values = plan.GUID, plan.Values.Clone()
		}
		present, err := readBlocks(o, &a.Values, "property")
		if err != nil {
			return []any{&xmlapi.AddResult{Status: *blockErr(err)}}, false
		}
		if plan != nil && (present["limits"] || present["permissions"]) {
			a.Locked = true
		}
		a.ID = s.state.newID()
		a.GUID = guid(a.ID)
		s.state.Accounts = append(s.state.Accounts, a)
		return []any{&xmlapi.AddResult{Status: ok, ID: a.ID, GUID: a.GUID}}, true
	case "get":
		accts, ids, errs := s.selectAccounts(o.child("filter"), true)
		out := errs
		ds := o.child("dataset")
		for i, a := range accts {
			d := &xmlapi.ResellerData{Status: ok, FilterID: ids[i], ID: a.ID}
			d.Data = &struct {
				GenInfo       *xmlapi.ResellerGenInfo `xml:"gen-info"`
				Stat          *xmlapi.ResellerStat    `xml:"stat"`
				Permissions   *xmlapi.Permissions     `xml:"permissions"`
				Limits        *xmlapi.ResellerLimits  `xml:"limits"`
				IPPool        *xmlapi.ResellerIPPool  `xml:"ippool"`
				Subscriptions *xmlapi.Subscriptions   `xml:"subscriptions"`
			}{}
			if ds.has("gen-info") {
				d.Data.GenInfo = &xmlapi.ResellerGenInfo{Created: a.Created, Company: a.Company, Name: a.Name, Login: a.Login,
					Status: a.Status, Phone: a.Phone, Email: a.Email, Address: a.Address, City: a.City, State: a.State, PostCode: a.PostCode, Fax: a.Fax, Country: a.Country,
					Locale: "en-US", GUID: a.GUID, ExternalID: a.ExternalID, Description: a.Description}
			}
			if ds.has("stat") {
				d.Data.Stat = s.resellerStat(a)
			}
			if ds.has("permissions") {
				d.Data.Permissions = mapping.PermissionsBlock(a.Values)
				if d.Data.Permissions == nil {
					d.Data.Permissions = &xmlapi.Permissions{Permission: []xmlapi.Permission{{Name: "create_clients", Value: "false"}}}
				}
			}
			if ds.has("limits") {
				d.Data.Limits = mapping.ResellerLimitsBlock(a.Values)
				if d.Data.Limits == nil {
					d.Data.Limits = &xmlapi.ResellerLimits{}
				}
			}
			if ds.has("ippool") {
				// The server's addresses, shared: a reseller's customers'
				// subscriptions may use any of them.
				d.Data.IPPool = &xmlapi.ResellerIPPool{}
				for _, ip := range s.state.IPs {
					d.Data.IPPool.IP = append(d.Data.IPPool.IP, xmlapi.ResellerIP{Address: ip, Type: "shared"})
				}
			}
			if ds.has("subscriptions") {
				sub := &xmlapi.SubscriptionInfo{Locked: strconv.FormatBool(a.Locked), Synchronized: "true"}
				if a.PlanGUID != "" {
					sub.Plan = []xmlapi.PlanGUID{{GUID: a.PlanGUID}}
					d.Data.Subscriptions = &xmlapi.Subscriptions{Subscription: sub}
				} else {
					d.Data.Subscriptions = &xmlapi.Subscriptions{}
				}
			}
			out = append(out, d)
		}
		if len(out) == 0 {
			out = append(out, &xmlapi.ResellerData{Status: ok})
		}
		return out, false
	case "set":
		accts, ids, errs := s.selectAccounts(o.child("filter"), true)
		out := errs
		changed := false
		vals := o.child("values")
		for i, a := range accts {
			was := a.Status
			if st := s.applyInfo(a, vals.child("gen-info")); st != nil {
				out = append(out, &xmlapi.FilterResult{Status: *st, FilterID: ids[i], ID: a.ID})
				continue
			}
			if s.opts.ResellerStatusCascades && a.Status != was {
				for _, c := range s.state.Accounts {
					if !c.Reseller && c.OwnerID == a.ID {
						c.Status = a.Status
					}
				}
			}
			next := a.Values.Clone()
			present, err := readBlocks(vals, &next, "property")
			if err != nil {
				out = append(out, &xmlapi.FilterResult{Status: *blockErr(err), FilterID: ids[i], ID: a.ID})
				continue
			}
			allocChanged := a.Reseller && !reflect.DeepEqual(a.Values, next)
			a.Values = next
			if a.PlanGUID != "" && (present["limits"] || present["permissions"]) {
				a.Locked = true
			}
			s.recap(map[int]bool{a.ID: allocChanged})
			changed = true
			out = append(out, &xmlapi.FilterResult{Status: ok, FilterID: ids[i], ID: a.ID})
		}
		return out, changed
	case "switch-subscription", "sync-subscription":
		// A reseller's subscription to a reseller plan: switch (or no
		// plan: keep the values as its own allocation), sync (unlock and
		// copy the plan again).
		accts, ids, errs := s.selectAccounts(o.child("filter"), true)
		out := errs
		var plan *ResellerPlan
		if o.name == "switch-subscription" && !o.has("no-plan") {
			for _, p := range s.state.ResellerPlans {
				if (o.val("plan-guid") != "" && p.GUID == o.val("plan-guid")) || (o.val("plan-external-id") != "" && p.ExternalID == o.val("plan-external-id")) {
					plan = p
				}
			}
			if plan == nil {
				for i := range accts {
					out = append(out, filterErr(ids[i], xmlapi.ErrNotFound, "reseller plan is not found"))
				}
				return out, false
			}
		}
		changed := false
		recap := map[int]bool{}
		defer func() { s.recap(recap) }()
		for i, a := range accts {
			before := a.Values.Clone()
			switch {
			case o.name == "sync-subscription" && a.PlanGUID == "":
				out = append(out, filterErr(ids[i], xmlapi.ErrFailed, "reseller %s is not associated with a reseller plan", a.Login))
				continue
			case o.name == "sync-subscription":
				for _, p := range s.state.ResellerPlans {
					if p.GUID == a.PlanGUID {
						a.Values = p.Values.Clone()
					}
				}
			case plan == nil:
				a.PlanGUID = ""
			default:
				a.PlanGUID, a.Values = plan.GUID, plan.Values.Clone()
			}
			a.Locked = false
			recap[a.ID] = !reflect.DeepEqual(before, a.Values)
			changed = true
			out = append(out, &xmlapi.FilterResult{Status: ok, FilterID: ids[i], ID: a.ID})
		}
		return out, changed
	case "del":
		accts, ids, errs := s.selectAccounts(o.child("filter"), true)
		out := errs
		for i, a := range accts {
			s.deleteAccount(a)
			out = append(out, &xmlapi.FilterResult{Status: ok, FilterID: ids[i], ID: a.ID})
		}
		return out, len(accts) > 0
	}
	return []any{opErr(xmlapi.ErrUnsupported, "not supported")}, false
}
