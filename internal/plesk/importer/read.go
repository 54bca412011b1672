// Package importer reads a Plesk server's business layer (plans, add-ons,
// reseller plans, resellers, customers, subscriptions) and turns it into
// a plansync config: model objects, written as YAML or HCL files laid out
// like the bundled examples, with a report of what could not be mapped.
package importer

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// Snapshot is what one read of a server returned.
type Snapshot struct {
	Server     string
	Components []string
	// Extensions are the installed extensions' ids; ExtensionsRead says
	// the server answered the extension get (a server that refuses it,
	// or a reseller's read, leaves the config's list to stand).
	Extensions     []string
	ExtensionsRead bool
	// PHP is the server's table of PHP handlers (php-handler get): the
	// php_handler_id of a PHP version and handler, and back. nil when not
	// read (a reseller's read, a server that refuses it): ids are then
	// taken in the default form (plesk-php83-fpm).
	PHP           *mapping.PHPHandlers
	Plans         []*xmlapi.PlanData
	Addons        []*xmlapi.PlanData
	ResellerPlans []*xmlapi.ResellerPlanData
	Resellers     []*xmlapi.ResellerData
	Customers     []*xmlapi.CustomerData
	Webspaces     []*xmlapi.WebspaceData
	// Items are the additional services' definitions (ReadServices);
	// ItemsRead says they were read (protocol 1.6.9.0 has them, 1.6.9.1
	// does not).
	Items     []*xmlapi.PlanItemData
	ItemsRead bool
	// DefaultIP is the connection's default_ip, when known: an imported
	// subscription on another address gets its ip_address (without it,
	// the address most subscriptions are on counts as the default).
	DefaultIP string
	// Now is when the server was read: a subscription the server holds
	// expired (status 256) before its expiration date has passed at Now
	// is suspended outside plansync, not expired. Zero: every expired
	// one counts as expired by its date.
	Now time.Time
}

// ReadServices reads the definitions of the additional services into s
// (description, button): they are in protocol 1.6.9.0's plan-item
// operator only, which a server may not take; then s.ItemsRead stays
// false and the import says so. Only a cancelled run is an error.
func ReadServices(ctx context.Context, c *xmlapi.Client, s *Snapshot) error {
	items, err := xmlapi.Call[xmlapi.PlanItemData](ctx, c, xmlapi.PlanItemGet{Filter: xmlapi.PlanItemFilter{All: &xmlapi.Empty{}}})
	if err != nil {
		return ctx.Err()
	}
	s.Items, s.ItemsRead = items, true
	return nil
}

// ReadDefinitions reads the definitions of the additional services into
// s, as ReadServices does, for a refresh: a server that does not take
// protocol 1.6.9.0's plan-item operator leaves s.ItemsRead false; a read
// that failed otherwise (an error result, no answer) is an error.
func ReadDefinitions(ctx context.Context, c *xmlapi.Client, s *Snapshot) error {
	items, err := xmlapi.Call[xmlapi.PlanItemData](ctx, c, xmlapi.PlanItemGet{Filter: xmlapi.PlanItemFilter{All: &xmlapi.Empty{}}})
	if err != nil {
		if ctx.Err() == nil && xmlapi.RefusesOperator(err) {
			return nil
		}
		return err
	}
	s.Items, s.ItemsRead = items, true
	return nil
}

// Read reads the whole business layer in one packet, with the server's
// components, extensions and PHP handlers (last, php-handler get: a
// server that does not take it leaves Snapshot.PHP nil; one that failed
// it, or the extension get, fails the read).
func Read(ctx context.Context, c *xmlapi.Client) (*Snapshot, error) {
	e := &xmlapi.Empty{}
	replies, err := c.Do(ctx,
		xmlapi.ServerGet{Components: e},
		xmlapi.ServicePlanGet{OwnerAll: e},
		xmlapi.AddonPlanGet{OwnerAll: e},
		xmlapi.ResellerPlanGet{Filter: xmlapi.ResellerPlanFilter{All: e}, Limits: e, Permissions: e},
		xmlapi.ResellerGet{Filter: xmlapi.ResellerFilter{All: e}, Dataset: xmlapi.ResellerDataset{GenInfo: e, Permissions: e, Limits: e, Subscriptions: e}},
		xmlapi.CustomerGet{Dataset: xmlapi.CustomerDataset{GenInfo: e}},
		xmlapi.WebspaceGet{Dataset: xmlapi.FullDataset()},
		xmlapi.ExtensionGet{},
		xmlapi.PHPHandlerGet{},
	)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Server: c.Server()}
	// A server that does not take the extension or php-handler operator
	// leaves them unread (the config's extensions, PHP handler ids in
	// the default form). One that failed them is a failed read: planning
	// without them would read and write PHP handler ids the server does
	// not have, and take extensions the server may lack for installed.
	if exts, err := xmlapi.Results[xmlapi.ExtensionData](replies[7]); err == nil {
		s.Extensions, s.ExtensionsRead = installedExtensions(exts), true
	} else if !xmlapi.RefusesOperator(err) {
		return nil, fmt.Errorf("%w (the installed extensions are needed to plan the services extensions define)", err)
	}
	if handlers, err := xmlapi.Results[xmlapi.PHPHandler](replies[8]); err == nil {
		s.PHP = mapping.NewPHPHandlers(handlers)
	} else if !xmlapi.RefusesOperator(err) {
		return nil, fmt.Errorf("%w (the PHP handlers are needed to read and write php_handler_id)", err)
	}
	srv, err := xmlapi.Results[xmlapi.ServerData](replies[0])
	if err != nil {
		return nil, err
	}
	if len(srv) > 0 && srv[0].Components != nil {
		for _, comp := range srv[0].Components.Component {
			s.Components = append(s.Components, comp.Name)
		}
	}
	if s.Plans, err = xmlapi.Results[xmlapi.PlanData](replies[1]); err != nil {
		return nil, err
	}
	if s.Addons, err = xmlapi.Results[xmlapi.PlanData](replies[2]); err != nil {
		return nil, err
	}
	if s.ResellerPlans, err = xmlapi.Results[xmlapi.ResellerPlanData](replies[3]); err != nil {
		return nil, err
	}
	if s.Resellers, err = xmlapi.Results[xmlapi.ResellerData](replies[4]); err != nil {
		return nil, err
	}
	if s.Customers, err = xmlapi.Results[xmlapi.CustomerData](replies[5]); err != nil {
		return nil, err
	}
	if s.Webspaces, err = xmlapi.Results[xmlapi.WebspaceData](replies[6]); err != nil {
		return nil, err
	}
	return s, nil
}

// installedExtensions are the ids of the extensions an extension get
// lists, sorted; a disabled one (active false) provides nothing.
func installedExtensions(exts []*xmlapi.ExtensionData) []string {
	var out []string
	for _, x := range exts {
		for _, d := range x.Details {
			if d.ID != "" && d.Active != "false" {
				out = append(out, d.ID)
			}
		}
	}
	sort.Strings(out)
	return out
}

// ReadAs reads the server: the whole business layer, or, with a reseller's
// credentials, what the reseller may see (its plans, customers and
// subscriptions).
func ReadAs(ctx context.Context, c *xmlapi.Client, reseller string) (*Snapshot, error) {
	if reseller == "" {
		return Read(ctx, c)
	}
	e := &xmlapi.Empty{}
	replies, err := c.Do(ctx,
		xmlapi.ServicePlanGet{},
		xmlapi.AddonPlanGet{},
		xmlapi.CustomerGet{Dataset: xmlapi.CustomerDataset{GenInfo: e}},
		xmlapi.WebspaceGet{Dataset: xmlapi.FullDataset()},
	)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Server: c.Server()}
	if s.Plans, err = xmlapi.Results[xmlapi.PlanData](replies[0]); err != nil {
		return nil, err
	}
	if s.Addons, err = xmlapi.Results[xmlapi.PlanData](replies[1]); err != nil {
		return nil, err
	}
	for _, l := range [][]*xmlapi.PlanData{s.Plans, s.Addons} {
		for _, d := range l {
			if d.OwnerLogin == "" {
				d.OwnerLogin = reseller // the caller's own plans
			}
		}
	}
	if s.Customers, err = xmlapi.Results[xmlapi.CustomerData](replies[2]); err != nil {
		return nil, err
	}
	if s.Webspaces, err = xmlapi.Results[xmlapi.WebspaceData](replies[3]); err != nil {
		return nil, err
	}
	return s, nil
}

// Build turns a snapshot into a config. Notes list what was not mapped
// (one line each, for IMPORT.md).
func Build(s *Snapshot) (*model.Config, []string) {
	cfg, notes, _ := build(s, true)
	return cfg, notes
}

// BuildToWrite is Build for a config to write: the subscriptions on the
// default IP address (s.DefaultIP, else the one most are on) have no
// ip_address (see ownIPs).
func BuildToWrite(s *Snapshot) (*model.Config, []string) {
	cfg, notes := Build(s)
	if n := ownIPs(cfg, s.DefaultIP); n != "" {
		notes = append(notes, n)
		sort.Strings(notes)
	}
	return cfg, notes
}

// BuildConfig is Build without the notes (a refresh compares the config
// alone): the values of a subscription synced with its plan, which the
// config does not hold, are then not worked out at all.
func BuildConfig(s *Snapshot) *model.Config {
	cfg, _, _ := build(s, false)
	return cfg
}

// build is Build, also returning the values of each subscription locked
// on a plan (by domain): its customisation is what differs from its plan
// and add-ons, and a merge of servers computes it again against the
// merged plans. Without withNotes, what only the notes need is skipped.
func build(s *Snapshot, withNotes bool) (*model.Config, []string, map[string]model.Props) {
	cfg := model.NewConfig()
	lockedValues := map[string]model.Props{}
	var notes []string
	note := func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }
	var installed *model.Server
	if len(s.Components) > 0 {
		cfg.Server = &model.Server{Components: append([]string(nil), s.Components...)}
		installed = cfg.Server
	}
	props := func(what string, v mapping.Values) model.Props {
		p, unmodelled, err := mapping.ToPropsOn(v, s.PHP)
		if err != nil {
			// That setting is left out; the others are read.
			note("%s: %v (left out)", what, err)
		}
		if len(unmodelled) > 0 {
			note("%s: Plesk settings plansync does not model, left as they are: %s", what, strings.Join(unmodelled, ", "))
		}
		return p
	}
	// Plans: key owner/name; GUID → plan for subscriptions.
	planByGUID := map[string]*model.Plan{}
	for _, group := range []struct {
		list []*xmlapi.PlanData
		kind model.PlanKind
	}{{s.Plans, model.ServicePlanKind}, {s.Addons, model.AddonPlanKind}} {
		for _, d := range group.list {
			owner := d.OwnerLogin
			if owner == "" {
				owner = model.Admin
			}
			v := mapping.FromPlan(d)
			p := &model.Plan{Kind: group.kind, Owner: owner, Name: d.Name}
			p.Props = props(fmt.Sprintf("%s %s", strings.ReplaceAll(string(group.kind), "_", " "), p.Key()), v)
			if group.kind == model.AddonPlanKind {
				if dropped := keepAddonProps(p.Props); len(dropped) > 0 {
					note("addon plan %s: settings a plansync add-on plan cannot hold (an add-on has no enumerated settings), kept on the server and not managed: %s", p.Key(), strings.Join(dropped, ", "))
				}
			}
			if d.PlanItems != nil {
				for _, it := range d.PlanItems.Item {
					p.Services = append(p.Services, it.Name)
					if cfg.Services[it.Name] == nil {
						cfg.Services[it.Name] = &model.Service{Name: it.Name, AvailableToResellers: true}
					}
				}
			}
			if group.kind == model.ServicePlanKind {
				cfg.ServicePlans[p.Key()] = p
			} else {
				cfg.AddonPlans[p.Key()] = p
			}
			planByGUID[d.GUID] = p
		}
	}
	defineServices(cfg, s, note)
	rplanByGUID := map[string]string{}
	locked := LockedResellers(s)
	for _, d := range s.ResellerPlans {
		var v mapping.Values
		if d.Limits != nil {
			if d.Limits.ResourcePolicy != nil {
				v.Overuse = d.Limits.ResourcePolicy.Overuse
				v.Oversell = d.Limits.ResourcePolicy.Oversell
			}
			for _, l := range d.Limits.Limit {
				setv(&v.Limits, l.Name, l.Value)
			}
		}
		if d.Permissions != nil {
			for _, p := range d.Permissions.Permission {
				setv(&v.Permissions, p.Name, p.Value)
			}
		}
		p := &model.Plan{Kind: model.ResellerPlanKind, Owner: model.Admin, Name: d.Name, Oversell: v.Oversell == "true"}
		p.Props = props("reseller plan "+d.Name, v)
		cfg.ResellerPlans[p.Name] = p
		rplanByGUID[d.GUID] = p.Name
	}
	for _, d := range s.Resellers {
		if d.Data == nil || d.Data.GenInfo == nil {
			continue
		}
		gi := d.Data.GenInfo
		r := &model.Reseller{Login: gi.Login, Plan: model.None, Status: status(gi.Status),
			Contact: model.Contact{Name: gi.Name, Company: gi.Company, Email: gi.Email, Phone: gi.Phone, Address: gi.Address}, Description: gi.Description}
		if sub := d.Data.Subscriptions; sub != nil && sub.Subscription != nil && len(sub.Subscription.Plan) > 0 {
			if name, ok := rplanByGUID[sub.Subscription.Plan[0].GUID]; ok {
				r.Plan = name
				if _, customised := locked[gi.Login]; customised {
					// The plan's changes no longer reach it: what it has
					// is its own allocation, which only plan none holds.
					r.Plan = model.None
					note("reseller %s: its subscription to reseller plan %s is customised in the panel, so the plan's changes no longer reach it: imported with its own allocation (plan none); give it plan %s to sync it with the plan again", r.Login, name, name)
				}
			}
		}
		if r.Plan == model.None {
			var v mapping.Values
			if d.Data.Limits != nil {
				if rp := d.Data.Limits.ResourcePolicy; rp != nil {
					v.Overuse, v.Oversell = rp.Overuse, rp.Oversell
				}
				for _, l := range d.Data.Limits.Limit {
					setv(&v.Limits, l.Name, l.Value)
				}
			}
			if d.Data.Permissions != nil {
				for _, p := range d.Data.Permissions.Permission {
					setv(&v.Permissions, p.Name, p.Value)
				}
			}
			r.Props = props("reseller "+r.Login, v)
			r.Oversell = v.Oversell == "true"
		}
		if f := unmodelledContact(gi.Fax, gi.City, gi.State, gi.PostCode, gi.Country); f != "" {
			note("reseller %s: contact fields plansync does not model, kept on the server and not managed: %s", r.Login, f)
		}
		note("reseller %s: its password cannot be read and is not managed until the config sets one", r.Login)
		cfg.Resellers[r.Login] = r
	}
	for _, d := range s.Customers {
		if d.Data == nil || d.Data.GenInfo == nil {
			continue
		}
		gi := d.Data.GenInfo
		c := &model.Customer{Login: gi.Login, Status: status(gi.Status), Owner: gi.OwnerLogin,
			Contact: model.Contact{Name: gi.Name, Company: gi.Company, Email: gi.Email, Phone: gi.Phone, Address: gi.Address}, Description: gi.Description}
		if c.Owner == "" {
			c.Owner = model.Admin
		}
		if f := unmodelledContact(gi.Fax, gi.City, gi.State, gi.PostCode, gi.Country); f != "" {
			note("customer %s: contact fields plansync does not model, kept on the server and not managed: %s", c.Login, f)
		}
		if gi.ExternalID != "" {
			note("customer %s: external id %s (a billing system's) is kept on the server and not managed", c.Login, gi.ExternalID)
		}
		cfg.Customers[c.Login] = c
	}
	for _, w := range s.Webspaces {
		if w.Data == nil || w.Data.GenInfo == nil {
			continue
		}
		gi := w.Data.GenInfo
		// Expired (256) is no status of the config's: its expires date
		// suspends it (SPEC §1.3). Held expired before that date has
		// passed (set by hand, by billing, or renewed without being
		// activated), it is suspended.
		bits := gi.Status
		if bits&xmlapi.StatusExpired != 0 && (s.Now.IsZero() || expiredBy(w, s.Now)) {
			bits &^= xmlapi.StatusExpired
		}
		sub := &model.Subscription{Domain: gi.Domain(), Plan: model.None, Status: status(bits)}
		owner := gi.OwnerLogin
		if c := cfg.Customers[owner]; c != nil {
			sub.Customer = owner
			sub.Owner = c.Owner
		} else {
			sub.Owner = owner
		}
		if sub.Owner == "" {
			sub.Owner = model.Admin
		}
		if x, ok := expirationLimit(w); ok {
			if n, err := strconv.ParseInt(x, 10, 64); err == nil && n > 0 {
				t := time.Unix(n, 0).UTC()
				sub.Expires = &t
			}
		}
		info := w.Data.Subscriptions
		var base model.Props
		locked := false
		if info != nil && info.Subscription != nil {
			locked = info.Subscription.Locked == "true"
			// The plan-guids list the service plan and the add-ons
			// together, in no documented order: told apart by looking
			// them up (SPEC §6.2). The add-ons keep their order.
			var addons []*model.Plan
			for _, pg := range info.Subscription.Plan {
				p := planByGUID[pg.GUID]
				if p == nil {
					note("subscription %s: plan GUID %s is not a plan of this server; left out", sub.Domain, pg.GUID)
					continue
				}
				if !strings.EqualFold(p.Owner, sub.Owner) {
					// A subscription names its owner's plans only (a
					// reseller's own subscription on an admin's plan, a
					// customer's converted into a reseller): it is
					// custom, with the values the server reports.
					note("subscription %s: on %s %s of %s, which a subscription of %s cannot name (a subscription's plans are its owner's): taken as custom (plan: none) with its values; the next apply detaches it from that plan", sub.Domain, strings.ReplaceAll(string(p.Kind), "_", " "), p.Name, p.Owner, sub.Owner)
					continue
				}
				if p.Kind == model.ServicePlanKind && sub.Plan == model.None {
					sub.Plan = p.Name
					if locked || withNotes {
						base = p.Props.Clone()
					}
				} else if p.Kind == model.AddonPlanKind {
					sub.Addons = append(sub.Addons, p.Name)
					addons = append(addons, p)
				}
			}
			if base != nil {
				for _, a := range addons {
					base.AddAddon(a.Props)
				}
			}
			if info.Subscription.Synchronized == "false" {
				note("subscription %s: not synchronized with its plan on the server (synchronized=false): recorded as unsynced; the next plan shows what keeps it so (its conflicts) or, when nothing does, plans the sync", sub.Domain)
			}
		}
		if withNotes {
			// Services added to the subscription itself (webspace
			// add-plan-item), not by its plans: a config has no field
			// for them.
			fromPlans := map[string]bool{}
			if info != nil && info.Subscription != nil {
				for _, pg := range info.Subscription.Plan {
					if p := planByGUID[pg.GUID]; p != nil {
						for _, svc := range p.Services {
							fromPlans[svc] = true
						}
					}
				}
			}
			var own []string
			if w.Data.PlanItems != nil {
				for _, it := range w.Data.PlanItems.Item {
					if !fromPlans[it.Name] && !slices.Contains(own, it.Name) {
						own = append(own, it.Name)
					}
				}
			}
			if len(own) > 0 {
				sort.Strings(own)
				note("subscription %s: additional services added to the subscription itself (not by its plans), which a config cannot hold, are kept on the server and not managed: %s", sub.Domain, strings.Join(own, ", "))
			}
			if gi.ExternalID != "" {
				note("subscription %s: external id %s (a billing system's) is kept on the server and not managed", sub.Domain, gi.ExternalID)
			}
		}
		var values model.Props
		if withNotes || sub.Plan == model.None || locked {
			effective := mapping.FromWebspace(w)
			delete(effective.Limits, "expiration")
			values = props("subscription "+sub.Domain, effective)
		}
		switch {
		case sub.Plan == model.None:
			sub.Addons = nil
			sub.Customize = customOf(values)
		case locked:
			sub.Customize = customizeOf(values, base, installed)
			lockedValues[sub.Domain] = values
		case withNotes && base != nil && !(info != nil && info.Subscription != nil && info.Subscription.Synchronized == "false"):
			// Synced, yet with values its plans do not give: most often
			// a subscriber's own settings (SPEC 2.9), which the import
			// cannot tell apart and does not write.
			if differ := customizeOf(values, base, installed); len(differ) > 0 {
				var fs []string
				for _, path := range differ.Paths() {
					was := NotSet
					if b, ok := base[path]; ok {
						was = b.Text()
					}
					fs = append(fs, fmt.Sprintf("%s %s (its plans: %s)", path, differ[path].Text(), was))
				}
				note("subscription %s: synced with its plans, but its values on the server differ from theirs (a subscriber's own settings?), not written (subscriber_settings can hold those its permissions let the subscriber change): %s", sub.Domain, strings.Join(fs, ", "))
			}
		}
		if sub.Customize != nil {
			for path := range sub.Customize {
				if p := model.Lookup(path); p == nil || p.Where&model.InCustomize == 0 {
					delete(sub.Customize, path)
				}
			}
		}
		if w.Data.Hosting != nil && w.Data.Hosting.VrtHst != nil {
			for _, p := range w.Data.Hosting.VrtHst.Property {
				if p.Name == "ftp_login" {
					sub.FTPLogin = p.Value
				}
			}
		}
		if ips := mapping.WebspaceIPs(w); len(ips) > 0 {
			sub.IPAddress = ips[0]
		}
		cfg.Subscriptions[sub.Domain] = sub
	}

	sort.Strings(notes)
	return cfg, notes, lockedValues
}

// expirationLimit is the expiration limit of a subscription as read
// (the last one, as mapping.FromWebspace keeps it).
func expirationLimit(w *xmlapi.WebspaceData) (string, bool) {
	value, ok := "", false
	if l := w.Data.Limits; l != nil {
		for _, x := range l.Limit {
			if x.Name == "expiration" {
				value, ok = x.Value, true
			}
		}
	}
	return value, ok
}

// unmodelledContact names the contact fields an account has on the
// server that a config cannot hold (Plesk's fax, city, state, pcode and
// country): plansync never sends them, so they stay as they are.
func unmodelledContact(fax, city, state, pcode, country string) string {
	var names []string
	for _, f := range [][2]string{{"fax", fax}, {"city", city}, {"state", state}, {"pcode", pcode}, {"country", country}} {
		if strings.TrimSpace(f[1]) != "" {
			names = append(names, f[0])
		}
	}
	return strings.Join(names, ", ")
}

// expiredBy says whether a subscription's expiration date, as the server
// has it, has passed at now (never, without one).
func expiredBy(w *xmlapi.WebspaceData, now time.Time) bool {
	x, ok := expirationLimit(w)
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(x, 10, 64)
	return err == nil && n > 0 && !now.Before(time.Unix(n, 0))
}

// defineServices gives the services the plans use their definitions as
// the server has them: description, whether resellers may use them, and
// the button's URL, where it opens and what it sends.
func defineServices(cfg *model.Config, s *Snapshot, note func(string, ...any)) {
	if !s.ItemsRead {
		if len(cfg.Services) > 0 {
			// Named, so that the operator knows which to complete
			// (SPEC 6.3: everything not mapped is listed).
			var names []string
			for name, sv := range cfg.Services {
				if sv.Extension == "" && !strings.HasPrefix(name, "urn:ext:") {
					names = append(names, name)
				}
			}
			sort.Strings(names)
			which := ""
			if len(names) > 0 {
				which = ": " + strings.Join(names, ", ")
			}
			note("additional services: their descriptions and buttons were not read (the server does not take protocol %s's plan-item operator); add them to the config by hand%s", xmlapi.PlanItemProtocol, which)
		}
		return
	}
	for _, it := range s.Items {
		sv := cfg.Services[it.Name]
		if sv == nil {
			if it.Name == "" || strings.HasPrefix(it.Name, "urn:ext:") {
				continue // an extension's: the extension defines it
			}
			// A service no plan includes is the server's too: it is
			// imported, to be managed as any other (SPEC 6.3).
			sv = &model.Service{Name: it.Name}
			cfg.Services[it.Name] = sv
		}
		sv.Description = it.Tooltip
		sv.AvailableToResellers = it.Visible != "false"
		if it.URL != "" {
			// A config writes a blank in a URL percent-encoded: the
			// button makes the same request.
			url := model.ButtonURL(it.URL)
			if url != it.URL {
				note("service %s: its button's URL %q is written %q, with its blanks percent-encoded (the request the button makes is the same)", it.Name, it.URL, url)
			}
			sv.Button = &model.Button{URL: url, OpenInPanel: it.Internal == "true"}
			sv.Send = it.URLComponents.Fields()
			note("service %s: its button's background image is not read (Plesk holds an uploaded file, not a URL); set button.background_image in the config if it has one", it.Name)
		}
	}
}

// customizeOf is the customisation of a locked subscription: its values
// that may be customised and differ from base (plan ⊕ add-ons). A value
// base leaves out is one when it is not what the server reports for a
// value never set (a setting off, a limit unlimited), as refresh compares.
//
// A value that differs from the plan's only because the server lacks the
// plan value's component, and is what the server provides instead (the
// available value, model.Server.Fallback), is not a customisation: it is
// the plan's conflict, as on a synced subscription. installed is nil when
// the server did not report its components.
func customizeOf(values, base model.Props, installed *model.Server) model.Props {
	c := model.Props{}
	for path, v := range values {
		p := model.Lookup(path)
		if p.Where&model.InCustomize == 0 {
			continue
		}
		b, ok := base[path]
		if ok && b == v {
			continue
		}
		if !ok && (p.Kind == model.KindBool && !v.Truth() || v.IsUnlimited() || model.IsNeutral(path, v)) {
			// A value the plans leave out (not set, SPEC 2.2) that the
			// server reports as its default: a setting off (or none), a
			// limit unlimited. It is not something the subscription
			// changed.
			continue
		}
		if ok && installed != nil && p.Component != nil {
			if comp := p.Component(b); comp != "" && !installed.HasComponent(comp) {
				if fv, has := installed.Fallback(path, b); has && fv == v {
					continue
				}
			}
		}
		c[path] = v
	}
	// A value base gives that the server does not report: the server's
	// silence (a permission not granted, a setting off or none, a limit
	// unlimited) is the subscription's value, a customisation where base
	// says otherwise (an add-on attached to a subscription locked before,
	// whose frozen values lack what the add-on grants).
	for path, b := range base {
		if _, ok := values[path]; ok || path == "resources.expiration" {
			continue
		}
		p := model.Lookup(path)
		if p == nil || p.Where&model.InCustomize == 0 {
			continue
		}
		silent, ok := p.Neutral()
		if !ok && (b.K == model.KindSize || b.K == model.KindCount) && p.Plesk.Group == model.PleskLimit {
			silent, ok = model.Value{K: b.K, N: model.Unlimited}, true
		}
		if !ok || silent == b {
			continue
		}
		if installed != nil && p.Component != nil {
			if comp := p.Component(b); comp != "" && !installed.HasComponent(comp) {
				if fv, has := installed.Fallback(path, b); has && fv == silent {
					continue // the plan's conflict, as above
				}
			}
		}
		c[path] = silent
	}
	return c
}

// customOf is the customisation of a subscription without a plan: every
// value it has, and what the server's silence means (a permission not
// granted, a limit unlimited, a setting off) where the plan a new custom
// subscription of the imported config starts from — the built-in default
// plan, as the config names no default_plan — has something else. A
// custom subscription keeps every value it has (SPEC 1.3), and the
// config says exactly those: planned from nothing, as import and the
// server's side of a refresh do, it has them, never the default plan's
// (which grants manage_hosting).
func customOf(values model.Props) model.Props {
	c := values.Clone()
	none := plan.Defaults()
	for path, v := range plan.BuiltinDefault() {
		if _, ok := c[path]; ok {
			continue
		}
		d, ok := none[path]
		if !ok && v.K == model.KindBool {
			d, ok = model.Bool(false), true
		}
		if ok && d != v {
			c[path] = d
		}
	}
	return c
}

// keepAddonProps drops what add-on plans cannot carry (overuse and the
// enumerated settings), the limits of 0, which add nothing, as a limit
// left out does (apply writes 0 for a limit the config leaves out), and
// the values false, which switch nothing off (a config that writes them
// is warned so). It returns the paths of the values it drops that an
// add-on plan cannot carry, sorted: import lists them as not mapped.
func keepAddonProps(p model.Props) []string {
	var dropped []string
	for path, v := range p {
		if q := model.Lookup(path); q == nil || q.Where&model.InAddonPlan == 0 {
			delete(p, path)
			dropped = append(dropped, path)
		} else if q.Plesk.Group == model.PleskLimit && (v.K == model.KindSize || v.K == model.KindCount) && v.N == 0 {
			delete(p, path)
		} else if v.K == model.KindBool && v.N == 0 {
			delete(p, path) // switches nothing off (add-ons OR their on/off values)
		}
	}
	sort.Strings(dropped)
	return dropped
}

func status(bits int) string {
	if bits != 0 {
		return "suspended"
	}
	return "active"
}

func setv(m *map[string]string, k, v string) {
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[k] = v
}

// LockedResellers gives, by login, the reseller plan (its name) of each
// reseller of a read that is customised in the panel on it (locked: the
// plan's changes no longer reach it, and what it has is its own
// allocation); nil when none is.
func LockedResellers(s *Snapshot) map[string]string {
	var out map[string]string
	for _, d := range s.Resellers {
		if d.Data == nil || d.Data.GenInfo == nil || d.Data.Subscriptions == nil {
			continue
		}
		sub := d.Data.Subscriptions.Subscription
		if sub == nil || sub.Locked != "true" || len(sub.Plan) == 0 {
			continue
		}
		for _, p := range s.ResellerPlans {
			if p.GUID == sub.Plan[0].GUID {
				if out == nil {
					out = map[string]string{}
				}
				out[d.Data.GenInfo.Login] = p.Name
				break
			}
		}
	}
	return out
}

// OmitDefaultIPs is ownIPs, for a config built with BuildConfig: it
// returns the note listing the subscriptions that keep their address.
func OmitDefaultIPs(cfg *model.Config, def string) string { return ownIPs(cfg, def) }

// ownIPs leaves the IP address of an imported subscription out of the
// config when it is the default one (def, else the address most
// subscriptions are on): the config then names only the exceptions, and
// a recorded subscription without one takes the server's address. Build
// and BuildConfig keep every address (a refresh compares them).
func ownIPs(cfg *model.Config, def string) string {
	if def == "" {
		count := map[string]int{}
		for _, s := range cfg.Subscriptions {
			if s.IPAddress != "" {
				count[s.IPAddress]++
			}
		}
		for ip, n := range count {
			if n > count[def] || (n == count[def] && ip < def) {
				def = ip
			}
		}
	}
	var own []string
	for _, s := range cfg.Subscriptions {
		if s.IPAddress == def {
			s.IPAddress = ""
		} else if s.IPAddress != "" {
			own = append(own, s.Domain+" ("+s.IPAddress+")")
		}
	}
	if len(own) == 0 {
		return ""
	}
	sort.Strings(own)
	return fmt.Sprintf("subscriptions on another IP address than the default %s, written with their ip_address: %s", def, strings.Join(own, ", "))
}
