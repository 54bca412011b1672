package fake

import (
	"strconv"
	"strings"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

func (s *Server) selectWebspaces(f *node) ([]*Webspace, []string, []any) {
	if f == nil || len(f.kids) == 0 {
		var out []*Webspace
		for _, w := range s.state.Webspaces {
			if s.admin() || s.state.vendor(w.OwnerID) == s.caller {
				out = append(out, w)
			}
		}
		return out, make([]string, len(out)), nil
	}
	var out []*Webspace
	var ids []string
	var errs []any
	// By name, through an index: a get of thousands of names must not
	// scan every subscription for each.
	var byName map[string]*Webspace
	for _, k := range f.kids {
		key := strings.TrimSpace(k.text)
		if k.name == "name" {
			if byName == nil {
				byName = make(map[string]*Webspace, len(s.state.Webspaces))
				for _, w := range s.state.Webspaces {
					byName[w.Name] = w
				}
			}
			a, _ := asciiDomain(key)
			if w := byName[a]; w != nil && (s.admin() || s.state.vendor(w.OwnerID) == s.caller) {
				out = append(out, w)
				ids = append(ids, key)
			} else {
				errs = append(errs, filterErr(key, xmlapi.ErrNotFound, "subscription with %s %s is not found", k.name, key))
			}
			continue
		}
		n := 0
		for _, w := range s.state.Webspaces {
			if !s.admin() && s.state.vendor(w.OwnerID) != s.caller {
				continue
			}
			var hit bool
			switch k.name {
			case "id":
				hit = strconv.Itoa(w.ID) == key
			case "name":
				a, _ := asciiDomain(key)
				hit = w.Name == a
			case "guid":
				hit = w.GUID == key
			case "external-id":
				hit = w.ExternalID != "" && w.ExternalID == key
			case "owner-id":
				hit = strconv.Itoa(w.OwnerID) == key
			case "owner-login":
				hit = s.state.ownerLogin(w.OwnerID) == key
			case "owner-guid":
				a := s.state.account(w.OwnerID)
				hit = a != nil && a.GUID == key
			case "owner-external-id":
				a := s.state.account(w.OwnerID)
				hit = a != nil && a.ExternalID != "" && a.ExternalID == key
			}
			if hit {
				out = append(out, w)
				ids = append(ids, key)
				n++
			}
		}
		if n == 0 && !strings.HasPrefix(k.name, "owner-") {
			errs = append(errs, filterErr(key, xmlapi.ErrNotFound, "subscription with %s %s is not found", k.name, key))
		}
	}
	return out, ids, errs
}

// webspaceOwner resolves gen_setup's owner (default: the administrator).
func (s *Server) webspaceOwner(gs *node) (int, *xmlapi.Status) {
	switch {
	case gs.has("owner-id"):
		n, _ := strconv.Atoi(gs.val("owner-id"))
		if n == AdminID || s.state.account(n) != nil {
			return n, nil
		}
		return 0, opErr(xmlapi.ErrOwner, "Owner with id %s is not found", gs.val("owner-id"))
	case gs.has("owner-login"):
		if id, ok := s.state.ownerID(gs.val("owner-login"), false); ok {
			return id, nil
		}
		return 0, opErr(xmlapi.ErrOwner, "Owner %s is not found", gs.val("owner-login"))
	case gs.has("owner-guid"):
		for _, a := range s.state.Accounts {
			if a.GUID == gs.val("owner-guid") {
				return a.ID, nil
			}
		}
		return 0, opErr(xmlapi.ErrOwner, "Owner with guid %s is not found", gs.val("owner-guid"))
	case gs.has("owner-external-id"):
		for _, a := range s.state.Accounts {
			if a.ExternalID != "" && a.ExternalID == gs.val("owner-external-id") {
				return a.ID, nil
			}
		}
		return 0, opErr(xmlapi.ErrOwner, "Owner with external id %s is not found", gs.val("owner-external-id"))
	}
	return s.caller, nil
}

func (s *Server) webspaceOp(o *node) ([]any, bool) {
	switch o.name {
	case "add":
		return s.webspaceAdd(o)
	case "get":
		ws, ids, errs := s.selectWebspaces(o.child("filter"))
		out := errs
		for i, w := range ws {
			out = append(out, s.webspaceData(w, ids[i], o.child("dataset")))
		}
		return out, false
	}
	ws, ids, errs := s.selectWebspaces(o.child("filter"))
	out := errs
	changed := false
	for i, w := range ws {
		res := &xmlapi.FilterResult{Status: ok, FilterID: ids[i], ID: w.ID}
		var st *xmlapi.Status
		switch o.name {
		case "set":
			st = s.webspaceSet(w, o.child("values"))
		case "del":
			var keep []*Webspace
			for _, x := range s.state.Webspaces {
				if x != w {
					keep = append(keep, x)
				}
			}
			s.state.Webspaces = keep
		case "switch-subscription":
			st = s.webspaceSwitch(w, o)
		case "sync-subscription":
			if w.PlanGUID == "" {
				st = opErr(xmlapi.ErrFailed, "subscription %s is not associated with a service plan", w.Name)
				break
			}
			w.Locked, w.ItemsKept, w.ItemsOff = false, nil, nil
			s.resync(w)
		case "add-subscription", "remove-subscription":
			st = s.webspaceAddon(w, o)
		case "add-plan-item", "remove-plan-item":
			st = s.webspaceItem(w, o)
		}
		if st != nil {
			res.Status = *st
		} else {
			changed = true
			if o.name != "set" && o.name != "del" && !strings.HasSuffix(o.name, "plan-item") {
				res.Problems = w.Problems
			}
		}
		if strings.HasSuffix(o.name, "plan-item") {
			r := &xmlapi.WebspaceItemResult{Status: res.Status, FilterID: res.FilterID, ID: res.ID}
			if st == nil {
				r.Item = o.child("plan-item").val("name")
			}
			out = append(out, r)
			continue
		}
		out = append(out, res)
	}
	return out, changed
}

func (s *Server) findServicePlan(o *node, vendor int) (*Plan, bool, *xmlapi.Status) {
	var p *Plan
	switch {
	case o.has("plan-guid"):
		p = s.state.planByGUID(o.val("plan-guid"))
	case o.has("plan-name"):
		p = s.state.planByName(o.val("plan-name"), vendor, false)
	case o.has("plan-id"):
		for _, x := range s.state.Plans {
			if strconv.Itoa(x.ID) == o.val("plan-id") {
				p = x
			}
		}
	case o.has("plan-external-id"):
		for _, x := range s.state.Plans {
			if x.ExternalID != "" && x.ExternalID == o.val("plan-external-id") {
				p = x
			}
		}
	default:
		return nil, false, nil
	}
	if p == nil || p.Addon || !s.visiblePlan(p) {
		return nil, true, opErr(xmlapi.ErrNotFound, "service plan is not found")
	}
	if p.OwnerID != vendor {
		return nil, true, opErr(xmlapi.ErrNotFound, "service plan %s does not belong to the subscription's owner %s", p.Name, s.state.ownerLogin(vendor))
	}
	return p, true, nil
}

func (s *Server) webspaceAdd(o *node) ([]any, bool) {
	fail := func(st *xmlapi.Status) ([]any, bool) { return []any{&xmlapi.AddResult{Status: *st}}, false }
	gs := o.child("gen_setup")
	name, good := asciiDomain(gs.val("name"))
	if name == "" {
		return fail(opErr(xmlapi.ErrInvalidValue, "The domain name is empty"))
	}
	if !good {
		return fail(opErr(xmlapi.ErrInvalidValue, "The domain name %s is not valid", strings.TrimSpace(gs.val("name"))))
	}
	if s.state.webspaceByName(name) != nil {
		return fail(opErr(xmlapi.ErrExists, "Domain %s already exists", name))
	}
	owner, st := s.webspaceOwner(gs)
	if st != nil {
		return fail(st)
	}
	if !s.admin() && s.state.vendor(owner) != s.caller {
		return fail(opErr(xmlapi.ErrOwner, "Owner %s is not found", s.state.ownerLogin(owner)))
	}
	htype := gs.val("htype")
	if htype == "" {
		htype = "vrt_hst"
	}
	var vrt *node
	if h := o.child("hosting"); h != nil {
		vrt = h.child("vrt_hst")
	}
	ip := gs.val("ip_address")
	if ip == "" {
		ip = vrt.val("ip_address")
	}
	if htype == "vrt_hst" && ip == "" {
		return fail(opErr(xmlapi.ErrInvalidValue, "An IP address is required for hosting"))
	}
	if ip != "" && !s.state.hasIP(ip) {
		return fail(opErr(xmlapi.ErrIP, "Unable to create hosting on ip %s. Ip address does not exist in client's pool", ip))
	}
	status := 0
	if x := gs.child("status"); x != nil {
		n, err := s.callerStatus(0, x.text, "subscription "+name)
		if err != nil {
			return fail(err)
		}
		status = n
	}
	vendor := s.state.vendor(owner)
	plan, named, st := s.findServicePlan(o, vendor)
	if st != nil {
		return fail(st)
	}
	_ = named
	if vendor != AdminID {
		r := s.state.account(vendor)
		if max := s.resellerLimit(r, "max_dom"); max >= 0 {
			n := int64(0)
			for _, w := range s.state.Webspaces {
				if s.state.vendor(w.OwnerID) == vendor {
					n++
				}
			}
			if n >= max {
				return fail(opErr(xmlapi.ErrLimit, "Reseller %s has reached its subscription limit (%d)", r.Login, max))
			}
		}
	}
	w := &Webspace{Name: name, OwnerID: owner, IP: ip, Status: status, ExternalID: gs.val("external-id"), Created: s.today()}
	w.Own.read(gs, o)
	for _, p := range propsOf(vrt) {
		switch p[0] {
		case "ftp_login":
			w.FTPLogin = p[1]
		case "ftp_password":
			w.FTPPassword = p[1]
		}
	}
	if plan != nil {
		w.PlanGUID, w.fresh = plan.GUID, true
		s.resync(w)
		w.fresh = false
	}
	custom := mapping.Values{}
	present, err := readBlocks(o, &custom, "webspace")
	if err != nil {
		return fail(blockErr(err))
	}
	delete(custom.Hosting, "ftp_login")
	delete(custom.Hosting, "ftp_password")
	if len(custom.Hosting) == 0 {
		delete(present, "hosting")
	}
	s.ownExpiration(w, &custom, present)
	if len(present) > 0 {
		w.Values = overlay(w.Values, custom)
		if present["limits"] {
			// New: its limits get what is left of its reseller's
			// allocation (resellerCap), as a new one's plan values do.
			w.fresh = true
			capped, _ := s.resellerCap(w, w.Values)
			w.Values.Limits, w.fresh = capped.Limits, false
		}
		if plan != nil {
			w.Locked = true
		}
	}
	w.ID = s.state.newID()
	w.GUID = guid(w.ID)
	s.state.Webspaces = append(s.state.Webspaces, w)
	return []any{&xmlapi.AddResult{Status: ok, ID: w.ID, GUID: w.GUID}}, true
}

func propsOf(vrt *node) [][2]string {
	if vrt == nil {
		return nil
	}
	p, _ := vrt.pairs("property")
	return p
}

func overlay(base, top mapping.Values) mapping.Values {
	out := base.Clone()
	if top.Overuse != "" {
		out.Overuse = top.Overuse
	}
	for k, v := range top.Limits {
		setv(&out.Limits, k, v)
	}
	for k, v := range top.Permissions {
		setv(&out.Permissions, k, v)
	}
	for k, v := range top.Hosting {
		setv(&out.Hosting, k, v)
	}
	for k, v := range top.PHP {
		setv(&out.PHP, k, v)
	}
	for k, v := range top.Mail {
		setv(&out.Mail, k, v)
	}
	return out
}

// webspaceSet applies values; limits, permissions, hosting settings, PHP
// settings and mail lock a subscription that has a plan (Plesk: "when you
// customize subscription settings, the subscription becomes locked").
func (s *Server) webspaceSet(w *Webspace, vals *node) *xmlapi.Status {
	locks := false
	own := w.Own
	own.read(vals.child("gen_setup"), vals)
	if gs := vals.child("gen_setup"); gs != nil {
		if x := gs.child("status"); x != nil {
			n, err := s.callerStatus(w.Status, x.text, "subscription "+w.Name)
			if err != nil {
				return err
			}
			w.Status = n
			locks = locks || s.opts.StatusLocks
		}
		if n, good := asciiDomain(gs.val("name")); n != "" && n != w.Name {
			if !good {
				return opErr(xmlapi.ErrInvalidValue, "The domain name %s is not valid", strings.TrimSpace(gs.val("name")))
			}
			if s.state.webspaceByName(n) != nil {
				return opErr(xmlapi.ErrExists, "Domain %s already exists", n)
			}
			w.Name = n
		}
		if x := gs.child("external-id"); x != nil {
			w.ExternalID = strings.TrimSpace(x.text)
		}
		if ip := gs.val("ip_address"); ip != "" {
			if !s.state.hasIP(ip) {
				return opErr(xmlapi.ErrIP, "IP address %s is not found", ip)
			}
			w.IP = ip
		}
		if gs.has("owner-id") || gs.has("owner-login") || gs.has("owner-guid") || gs.has("owner-external-id") {
			id, st := s.webspaceOwner(gs)
			if st != nil {
				return st
			}
			w.OwnerID = id
		}
	}
	if h := vals.child("hosting"); h != nil {
		// hosting/vrt_hst's ip_address moves the subscription too (an
		// IPv4 and an IPv6 address at most; the emulator keeps one); it
		// is not a plan value and does not lock.
		if vrt := h.child("vrt_hst"); vrt != nil {
			for _, ip := range vrt.vals("ip_address") {
				if !s.state.hasIP(ip) {
					return opErr(xmlapi.ErrIP, "IP address %s is not found", ip)
				}
				w.IP = ip
			}
		}
	}
	custom := mapping.Values{}
	present, err := readBlocks(vals, &custom, "webspace")
	if err != nil {
		return blockErr(err)
	}
	if ftp, found := custom.Hosting["ftp_login"]; found {
		w.FTPLogin = ftp
		delete(custom.Hosting, "ftp_login")
	}
	if ftp, found := custom.Hosting["ftp_password"]; found {
		w.FTPPassword = ftp
		delete(custom.Hosting, "ftp_password")
	}
	if len(custom.Hosting) == 0 {
		delete(present, "hosting")
	}
	s.ownExpiration(w, &custom, present)
	if len(present) > 0 {
		next := overlay(w.Values, custom)
		if present["limits"] {
			// The limits it changes are served from its reseller's
			// allocation, as a plan change is: what does not fit is
			// not given (resellerCap); what it has is never cut.
			capped, _ := s.resellerCap(w, next)
			for k, v := range custom.Limits {
				if had, ok := w.Values.Limits[k]; !ok || had != v {
					setv(&next.Limits, k, capped.Limits[k])
				}
			}
			w.MovedIn = false // its limits are now set on its new vendor's
		}
		w.Values = next
		locks = true
	}
	if locks && w.PlanGUID != "" {
		w.Locked = true
	}
	w.Own = own
	return nil
}

// read takes the descriptions of a webspace add's or set's gen_setup and
// the prefs and performance of its parent (the add, or the set's
// values): they are the subscription's own, and do not lock it.
func (own *WebspaceOwn) read(gs, parent *node) {
	for name, dst := range map[string]*string{"description": &own.Description, "admin-description": &own.AdminDescription,
		"reseller-description": &own.ResellerDescription} {
		if c := gs.child(name); c != nil {
			*dst = c.text
		}
	}
	for name, dst := range map[string]*string{"www": &own.WWW, "stat_ttl": &own.StatTTL, "outgoing-messages-domain-limit": &own.OutgoingLimit} {
		if c := parent.child("prefs").child(name); c != nil {
			*dst = strings.TrimSpace(c.text)
		}
	}
	for name, dst := range map[string]*string{"bandwidth": &own.Bandwidth, "max_connections": &own.MaxConnections} {
		if c := parent.child("performance").child(name); c != nil {
			*dst = strings.TrimSpace(c.text)
		}
	}
}

// orDefault is s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// ownExpiration takes the expiration limit out of a webspace add or set
// and sets it on the subscription without locking it (unless
// ExpirationLocks): the expiration date is the subscription's own.
func (s *Server) ownExpiration(w *Webspace, custom *mapping.Values, present map[string]bool) {
	exp, found := custom.Limits["expiration"]
	if !found || s.opts.ExpirationLocks {
		return
	}
	setv(&w.Values.Limits, "expiration", exp)
	delete(custom.Limits, "expiration")
	if len(custom.Limits) == 0 && custom.Overuse == "" {
		delete(present, "limits")
	}
}

func (s *Server) webspaceSwitch(w *Webspace, o *node) *xmlapi.Status {
	if o.has("no-plan") {
		s.keepItems(w)
		w.PlanGUID, w.Addons, w.Locked, w.Unsynced, w.Problems = "", nil, false, false, ""
		return nil
	}
	plan, _, st := s.findServicePlan(o, s.state.vendor(w.OwnerID))
	if st != nil {
		return st
	}
	w.PlanGUID, w.ItemsKept, w.ItemsOff = plan.GUID, nil, nil
	if w.Locked && s.opts.SwitchKeepsLock {
		return nil
	}
	w.Locked = false
	s.resync(w)
	return nil
}

// webspaceItems lists, sorted, the additional services a subscription
// has: its plan's (but those not available to it, and those a locked
// one does not get), those a locked one keeps, and its own.
func (s *Server) webspaceItems(w *Webspace) []string {
	var names []string
	if p := s.state.planByGUID(w.PlanGUID); p != nil {
		hidden := s.hiddenItems(w)
		for _, n := range p.Items {
			if !contains(hidden, n) && !contains(w.ItemsOff, n) {
				names = append(names, n)
			}
		}
		for _, n := range w.ItemsKept {
			if !contains(names, n) {
				names = append(names, n)
			}
		}
	}
	for _, n := range w.Items {
		if !contains(names, n) {
			names = append(names, n)
		}
	}
	return sortedStrings(names)
}

// keepItems makes the additional services a subscription has through
// its service plan its own, before it leaves the plan for none: a
// subscription detached from its plan keeps every value it has (SPEC
// 1.3), its services too.
func (s *Server) keepItems(w *Webspace) {
	w.Items = s.webspaceItems(w)
	w.ItemsKept, w.ItemsOff = nil, nil
}

// freezeItem keeps the additional services of plan p's locked
// subscriptions as they are when name is added to the plan (add) or
// taken off it: a plan change does not reach a locked subscription
// (SPEC 1.3).
func (s *Server) freezeItem(p *Plan, name string, add bool) {
	for _, w := range s.state.Webspaces {
		if w.PlanGUID != p.GUID || !w.Locked {
			continue
		}
		switch {
		case add && contains(w.ItemsKept, name):
			w.ItemsKept = remove(w.ItemsKept, name)
		case add:
			w.ItemsOff = sortedStrings(append(w.ItemsOff, name))
		case contains(w.ItemsOff, name):
			w.ItemsOff = remove(w.ItemsOff, name)
		case !contains(s.hiddenItems(w), name):
			w.ItemsKept = sortedStrings(append(w.ItemsKept, name))
		}
	}
}

func (s *Server) webspaceAddon(w *Webspace, o *node) *xmlapi.Status {
	var a *Plan
	if g := o.val("plan-guid"); g != "" {
		a = s.state.planByGUID(g)
	} else {
		for _, x := range s.state.Plans {
			if x.ExternalID != "" && x.ExternalID == o.val("plan-external-id") {
				a = x
			}
		}
	}
	if a == nil || !a.Addon || !s.visiblePlan(a) {
		return opErr(xmlapi.ErrNotFound, "add-on plan is not found")
	}
	if o.name == "add-subscription" {
		if w.PlanGUID == "" {
			return opErr(xmlapi.ErrFailed, "subscription %s has no service plan: add-ons need one", w.Name)
		}
		if a.OwnerID != s.state.vendor(w.OwnerID) {
			return opErr(xmlapi.ErrNotFound, "add-on plan %s does not belong to the subscription's owner", a.Name)
		}
		if contains(w.Addons, a.GUID) {
			return opErr(xmlapi.ErrExists, "add-on plan %s is already added to %s", a.Name, w.Name)
		}
		w.Addons = append(w.Addons, a.GUID)
	} else {
		if !contains(w.Addons, a.GUID) {
			return opErr(xmlapi.ErrNotFound, "add-on plan %s is not added to %s", a.Name, w.Name)
		}
		w.Addons = remove(w.Addons, a.GUID)
	}
	if !w.Locked {
		s.resync(w)
	}
	return nil
}

func (s *Server) webspaceData(w *Webspace, filterID string, ds *node) *xmlapi.WebspaceData {
	d := &xmlapi.WebspaceData{Status: ok, FilterID: filterID, ID: w.ID}
	d.Data = &xmlapi.WebspaceBody{}
	v := w.Values
	if ds.has("gen_info") {
		d.Data.GenInfo = &xmlapi.WebspaceGenInfo{Created: w.Created, Name: unicodeDomain(w.Name), ASCIIName: w.Name, Status: w.Status,
			OwnerID: w.OwnerID, OwnerLogin: s.state.ownerLogin(w.OwnerID), DNSIP: []string{w.IP}, HType: "vrt_hst",
			GUID: w.GUID, VendorGUID: s.vendorGUID(w), ExternalID: w.ExternalID,
			Description: w.Own.Description, AdminDescription: w.Own.AdminDescription, ResellerDescription: w.Own.ResellerDescription}
	}
	if ds.has("hosting") {
		props := mapping.HostingProperties(v)
		if w.FTPLogin != "" {
			props = append(props, xmlapi.Property{Name: "ftp_login", Value: w.FTPLogin})
		}
		if len(props) == 0 {
			props = append(props, xmlapi.Property{Name: "ssl", Value: "false"})
		}
		d.Data.Hosting = &xmlapi.WebspaceHosting{VrtHst: &xmlapi.VrtHst{Property: props, IPAddress: []string{w.IP}}}
	}
	if ds.has("limits") {
		d.Data.Limits = mapping.LimitsBlock(v, false)
		if d.Data.Limits == nil {
			d.Data.Limits = &xmlapi.Limits{}
		}
	}
	// The subscription's usage: the emulator's subscriptions have their
	// domain and site, and use nothing else.
	if ds.has("stat") {
		d.Data.Stat = &xmlapi.WebspaceStat{Domains: 1, Sites: 1}
	}
	if ds.has("prefs") {
		// Plesk's defaults: the www alias, statistics kept 3 months.
		d.Data.Prefs = &xmlapi.WebspacePrefs{WWW: orDefault(w.Own.WWW, "true"), StatTTL: orDefault(w.Own.StatTTL, "3"), OutgoingLimit: w.Own.OutgoingLimit}
	}
	if ds.has("disk_usage") {
		d.Data.DiskUsage = &xmlapi.DiskUsage{}
	}
	if ds.has("performance") {
		// -1: no limit, Plesk's default.
		d.Data.Performance = &xmlapi.Performance{Bandwidth: orDefault(w.Own.Bandwidth, "-1"), MaxConnections: orDefault(w.Own.MaxConnections, "-1")}
	}
	if ds.has("subscriptions") {
		d.Data.Subscriptions = &xmlapi.Subscriptions{}
		if w.PlanGUID != "" {
			sub := &xmlapi.SubscriptionInfo{Locked: strconv.FormatBool(w.Locked), Synchronized: strconv.FormatBool(!w.Unsynced)}
			sub.Plan = append(sub.Plan, xmlapi.PlanGUID{GUID: w.PlanGUID})
			for _, g := range w.Addons {
				sub.Plan = append(sub.Plan, xmlapi.PlanGUID{GUID: g})
			}
			d.Data.Subscriptions.Subscription = sub
		}
	}
	if ds.has("permissions") {
		d.Data.Permissions = mapping.PermissionsBlock(v)
		if d.Data.Permissions == nil {
			d.Data.Permissions = &xmlapi.Permissions{}
		}
	}
	if ds.has("plan-items") {
		d.Data.PlanItems = &xmlapi.PlanItems{}
		for _, n := range s.webspaceItems(w) {
			d.Data.PlanItems.Item = append(d.Data.PlanItems.Item, xmlapi.PlanItem{Name: n})
		}
	}
	if ds.has("php-settings") {
		d.Data.PHPSettings = mapping.PHPBlock(v)
		if d.Data.PHPSettings == nil {
			d.Data.PHPSettings = &xmlapi.PHPSettings{}
		}
	}
	if ds.has("resource-usage") {
		// What it uses of each resource, by limit name: its site, and
		// nothing else.
		d.Data.ResourceUsage = &xmlapi.ResourceUsage{}
		for _, name := range usedResources {
			n := "0"
			if name == "max_site" {
				n = "1"
			}
			d.Data.ResourceUsage.Resource = append(d.Data.ResourceUsage.Resource, xmlapi.Property{Name: name, Value: n})
		}
	}
	if ds.has("mail") {
		d.Data.Mail = mapping.WebspaceMailBlock(v)
		if d.Data.Mail == nil {
			d.Data.Mail = &xmlapi.WebspaceMail{}
		}
	}
	return d
}

// usedResources are the resources a webspace get's resource-usage
// reports: disk space and traffic (bytes), then the counted objects.
var usedResources = []string{"disk_space", "max_traffic", "max_site", "max_subdom", "max_dom_aliases", "max_box",
	"max_maillists", "max_db", "max_subftp_users", "max_wu"}

func (s *Server) vendorGUID(w *Webspace) string {
	v := s.state.vendor(w.OwnerID)
	if a := s.state.account(v); a != nil {
		return a.GUID
	}
	return guid(AdminID)
}

// ---- server, php-handler --------------------------------------------------

var shells = []xmlapi.Shell{{Name: "/bin/false", Path: "/bin/false"}, {Name: "/bin/bash", Path: "/bin/bash"},
	{Name: "/usr/local/psa/bin/chrootsh", Path: "/usr/local/psa/bin/chrootsh"}}

func (s *Server) serverGet(o *node) []any {
	d := &xmlapi.ServerData{Status: ok}
	if o.has("gen_info") {
		d.GenInfo = &xmlapi.ServerGenInfo{Name: "plesk-fake.localdomain", GUID: guid(0), Mode: "standard"}
	}
	if o.has("components") {
		d.Components = &struct {
			Component []xmlapi.Component `xml:"component"`
		}{}
		for _, c := range sortedStrings(s.state.Components) {
			d.Components.Component = append(d.Components.Component, xmlapi.Component{Name: c, Version: "1.0"})
		}
	}
	if o.has("shells") {
		d.Shells = &struct {
			Shell []xmlapi.Shell `xml:"shell"`
		}{Shell: shells}
	}
	return []any{d}
}

// ipResult is the result of an ip get: the server's addresses.
type ipResult struct {
	xmlapi.Status
	Addresses struct {
		IPInfo []ipInfo `xml:"ip_info"`
	} `xml:"addresses"`
}

type ipInfo struct {
	Address   string `xml:"ip_address"`
	Netmask   string `xml:"netmask"`
	Type      string `xml:"type"`
	Interface string `xml:"interface"`
}

// ipGet lists the server's addresses, shared, on one interface.
func (s *Server) ipGet() *ipResult {
	r := &ipResult{Status: ok}
	for _, ip := range s.state.IPs {
		mask := "255.255.255.0"
		if strings.Contains(ip, ":") {
			mask = "ffff:ffff:ffff:ffff::"
		}
		r.Addresses.IPInfo = append(r.Addresses.IPInfo, ipInfo{Address: ip, Netmask: mask, Type: "shared", Interface: "eth0"})
	}
	return r
}

// extensionGet lists the installed extensions (all, or the one the
// filter's id names): one result, a details element each.
func (s *Server) extensionGet(o *node) []any {
	id := o.child("filter").val("id")
	d := &xmlapi.ExtensionData{Status: ok}
	for _, x := range sortedStrings(s.state.Extensions) {
		if id == "" || id == x {
			d.Details = append(d.Details, xmlapi.ExtensionDetails{ID: x, Name: x, Version: "1.0.0", Release: "1", Active: "true"})
		}
	}
	if id != "" && len(d.Details) == 0 {
		return []any{opErr(xmlapi.ErrNotFound, "extension %s is not installed", id)}
	}
	return []any{d}
}

// handlers lists the PHP handlers the installed components make: one per
// PHP version and handler type. Their ids are Plesk's own PHP's
// (plesk-php83-fpm), or, for the version Options.VendorPHP names, the OS
// vendor's PHP's: the handler type alone (fpm, fastcgi, cgi).
func (s *Server) handlers() []*xmlapi.PHPHandler {
	var out []*xmlapi.PHPHandler
	for _, c := range sortedStrings(s.state.Components) {
		ver, found := strings.CutPrefix(c, "php")
		if !found || strings.HasPrefix(ver, "-") {
			continue
		}
		for _, h := range []string{"fpm", "fastcgi", "cgi"} {
			if !s.state.hasComponent("php-" + h) {
				continue
			}
			id := model.PHPHandlerID(ver, h)
			if ver == s.opts.VendorPHP {
				id = h
			}
			out = append(out, &xmlapi.PHPHandler{Status: ok, ID: id, DisplayName: ver + " " + strings.ToUpper(h),
				FullVersion: ver + ".0", Version: ver, Type: h, Custom: "false", HandlerStatus: "enabled"})
		}
	}
	return out
}

// phpTable is the emulator's PHP handlers as plansync maps them: its
// own values are read and written with the ids it lists.
func (s *Server) phpTable() *mapping.PHPHandlers {
	return mapping.NewPHPHandlers(s.handlers())
}

func (s *Server) phpHandlers(o *node) []any {
	ids := o.child("filter").vals("id")
	var out []any
	for _, h := range s.handlers() {
		if len(ids) == 0 || contains(ids, h.ID) {
			out = append(out, h)
		}
	}
	for _, id := range ids {
		found := false
		for _, h := range s.handlers() {
			found = found || h.ID == id
		}
		if !found {
			out = append(out, opErr(xmlapi.ErrNotFound, "PHP handler %s is not found", id))
		}
	}
	if len(out) == 0 {
		out = append(out, &xmlapi.PHPHandler{Status: ok})
	}
	return out
}

func (s *Server) webspaceItem(w *Webspace, o *node) *xmlapi.Status {
	name := o.child("plan-item").val("name")
	if !s.itemAvailable(name, o.name) {
		return opErr(xmlapi.ErrNotFound, "additional service %s is not found", name)
	}
	has := contains(w.Items, name)
	if o.name == "add-plan-item" {
		if has {
			return opErr(xmlapi.ErrExists, "%s already has %s", w.Name, name)
		}
		w.Items = sortedStrings(append(w.Items, name))
		return nil
	}
	if contains(w.ItemsKept, name) {
		// One a locked subscription kept from its plan.
		w.ItemsKept = remove(w.ItemsKept, name)
		return nil
	}
	if !has {
		return opErr(xmlapi.ErrNotFound, "%s does not have %s", w.Name, name)
	}
	w.Items = remove(w.Items, name)
	return nil
}

// planItemOp defines, lists, changes and removes additional services
// (protocol 1.6.9.0 and older). Plesk names a new one itself; the
// emulator names it after its label.
func (s *Server) planItemOp(o *node) ([]any, bool) {
	if !s.admin() {
		return []any{denied("plan-item " + o.name)}, false
	}
	switch o.name {
	case "add":
		label := o.val("label")
		name := label
		if label == "" {
			return []any{&xmlapi.PlanItemData{Status: *opErr(xmlapi.ErrInvalidValue, "The label is empty")}}, false
		}
		if s.state.planItem(name) != nil {
			return []any{&xmlapi.PlanItemData{Status: *opErr(xmlapi.ErrExists, "additional service %s already exists", label)}}, false
		}
		id := s.state.newID()
		it := &PlanItem{Name: name, UUID: guid(id), Label: label, Tooltip: o.val("tooltip"), URL: o.val("url"),
			Visible: o.val("visible") == "true", Internal: o.val("internal") == "true", Send: urlComponents(o.child("url-components"))}
		s.state.PlanItems = append(s.state.PlanItems, it)
		return []any{&xmlapi.PlanItemData{Status: ok, Name: it.Name}}, true
	case "get", "remove", "update":
		f := o.child("filter")
		var sel []*PlanItem
		var out []any
		if f.has("all") || len(f.kids) == 0 {
			sel = append(sel, s.state.PlanItems...)
		}
		for _, n := range f.vals("name") {
			if it := s.state.planItem(n); it != nil {
				sel = append(sel, it)
			} else {
				out = append(out, &xmlapi.PlanItemData{Status: *opErr(xmlapi.ErrNotFound, "additional service %s is not found", n), Name: n})
			}
		}
		if o.name == "update" && o.has("label") && o.val("label") == "" {
			return []any{&xmlapi.PlanItemData{Status: *opErr(xmlapi.ErrInvalidValue, "The label is empty")}}, false
		}
		for _, it := range sel {
			if o.name == "update" {
				s.updatePlanItem(it, o)
				out = append(out, &xmlapi.PlanItemData{Status: ok, Name: it.Name})
				continue
			}
			if o.name == "remove" {
				var keep []*PlanItem
				for _, x := range s.state.PlanItems {
					if x != it {
						keep = append(keep, x)
					}
				}
				s.state.PlanItems = keep
				for _, p := range s.state.Plans {
					p.Items = remove(p.Items, it.Name)
				}
				for _, w := range s.state.Webspaces {
					w.Items = remove(w.Items, it.Name)
					w.ItemsKept = remove(w.ItemsKept, it.Name)
					w.ItemsOff = remove(w.ItemsOff, it.Name)
				}
				out = append(out, &xmlapi.PlanItemData{Status: ok, Name: it.Name})
				continue
			}
			out = append(out, &xmlapi.PlanItemData{Status: ok, Name: it.Name, UUID: it.UUID, Visible: strconvBool(it.Visible),
				Label: it.Label, Tooltip: it.Tooltip, URL: it.URL, Internal: strconvBool(it.Internal), URLComponents: xmlapi.URLComponentsOf(it.Send)})
		}
		if len(out) == 0 && o.name == "get" {
			out = append(out, &xmlapi.PlanItemData{Status: ok})
		}
		return out, o.name != "get" && len(sel) > 0
	}
	return []any{opErr(xmlapi.ErrUnsupported, "not supported")}, false
}

// updatePlanItem changes the fields of a service's definition that an
// update carries (the label, not the name Plesk gave it). Made available
// or unavailable to resellers, the service reaches the subscriptions of
// the plans that include it as a plan change does (hiddenItems): a
// reseller's synced subscription loses it and is not synchronized, or
// gets it back. Plesk does not document this; it is what its "Make
// unavailable" says (resellers can no longer provide the service).
func (s *Server) updatePlanItem(it *PlanItem, o *node) {
	if o.has("label") {
		it.Label = o.val("label")
	}
	if o.has("tooltip") {
		it.Tooltip = o.val("tooltip")
	}
	if o.has("url") {
		it.URL = o.val("url")
	}
	if o.has("internal") {
		it.Internal = o.val("internal") == "true"
	}
	if o.has("url-components") {
		it.Send = urlComponents(o.child("url-components"))
	}
	if o.has("visible") {
		if v := o.val("visible") == "true"; v != it.Visible {
			it.Visible = v
			for _, p := range s.state.Plans {
				if contains(p.Items, it.Name) {
					s.propagate(p)
				}
			}
		}
	}
}

func strconvBool(b bool) string { return strconv.FormatBool(b) }

// urlComponents reads what a button sends from its url-components (nil
// node: nothing).
func urlComponents(n *node) []string {
	if n == nil {
		return nil
	}
	u := xmlapi.URLComponentsWith(n.has)
	return u.Fields()
}

// visiblePlan reports whether the caller may see a plan: the
// administrator sees every plan, a reseller only its own (another's,
// named by GUID, id or external id, is not found, as one that does not
// exist).
func (s *Server) visiblePlan(p *Plan) bool { return s.admin() || p.OwnerID == s.caller }

// itemAvailable reports whether an additional service may be named by
// the caller's add-plan-item or remove-plan-item: it must exist, and a
// reseller can add only those the admin made available to resellers
// (visible); another is not found for it.
func (s *Server) itemAvailable(name, op string) bool {
	it := s.state.planItem(name)
	return it != nil && (it.Visible || s.admin() || op != "add-plan-item")
}
