package refresh

import (
	"slices"
	"strings"
	"time"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/state"
)

// The block that adopts a drift item starts from the config's own
// object (every field as written: descriptions, plansync-only
// properties, secret references) and takes the server's value of each
// field that drifted, so that a plan made after putting it in the config
// has nothing to change. An object the config does not declare is
// adopted as the server has it. An object created outside plansync has
// no recorded values to compare: it takes every value the server knows,
// keeping what only the config has (a password the config gives is then
// still set by the next apply: the server's cannot be read).

// adoption is the object adopting a drift item, in a config of its own,
// and whether a literal secret of the config's was left out (secrets are
// never printed).
type adoption struct {
	cfg     *model.Config
	literal bool
}

// adopt makes the adoption of a drift item whose server key is key; nil
// when the server does not have the object.
func (c *comparer) adopt(d *plan.Drift, key string) *adoption {
	sc := c.srv.Config
	one := model.NewConfig()
	a := &adoption{cfg: one}
	all := d.Cause == plan.DriftCreated
	switch d.Kind {
	case "service_plan", "addon_plan", "reseller_plan":
		var cm, sm map[string]*model.Plan
		var recs []state.Plan
		switch d.Kind {
		case "service_plan":
			cm, sm, recs, one.ServicePlans = c.cfg.ServicePlans, sc.ServicePlans, c.srv.Records.ServicePlans, nil
		case "addon_plan":
			cm, sm, recs, one.AddonPlans = c.cfg.AddonPlans, sc.AddonPlans, c.srv.Records.AddonPlans, nil
		default:
			cm, sm, recs, one.ResellerPlans = c.cfg.ResellerPlans, sc.ResellerPlans, c.srv.Records.ResellerPlans, nil
		}
		s := sm[key]
		if s == nil {
			return nil
		}
		out := s
		if p := cm[d.Key]; p != nil {
			q := *p
			q.Props = p.Props.Clone()
			q.Services = append([]string(nil), p.Services...)
			if p.Services == nil {
				q.Services = nil
			}
			srvProps := c.srvProps(planSet(recs, key))
			if all {
				q.Props = keepUnmapped(p.Props, s.Props)
				q.Services, q.Oversell = s.Services, s.Oversell
			}
			for _, f := range d.Fields {
				switch f.Path {
				case "name":
					q.Name = s.Name
				case "services":
					q.Services = append([]string(nil), s.Services...)
				case "oversell":
					q.Oversell = s.Oversell
				default:
					setProp(&q.Props, f.Path, srvProps)
				}
			}
			out = &q
		}
		m := map[string]*model.Plan{out.Key(): out}
		switch d.Kind {
		case "service_plan":
			one.ServicePlans = m
		case "addon_plan":
			one.AddonPlans = m
		default:
			one.ResellerPlans = m
		}
	case "reseller":
		s := sc.Resellers[key]
		if s == nil {
			return nil
		}
		out := s
		if r := c.cfg.Resellers[d.Key]; r != nil {
			q := *r
			if r.Props != nil {
				q.Props = r.Props.Clone()
			}
			q.Password = a.secret(r.Password)
			if all {
				q.Contact, q.Plan, q.Status, q.Description = s.Contact, s.Plan, s.Status, s.Description
				q.Props = keepUnmapped(r.Props, s.Props)
				q.Services, q.Oversell = s.Services, s.Oversell
			}
			var srvProps model.Props
			for i := range c.srv.Records.Resellers {
				if c.srv.Records.Resellers[i].Login == key {
					srvProps = c.srvProps(c.srv.Records.Resellers[i].Allocation)
				}
			}
			for _, f := range d.Fields {
				switch {
				case setAccount(f.Path, &q.Login, &q.Contact, &q.Status, s.Login, s.Contact, s.Status):
				case f.Path == "plan":
					q.Plan = s.Plan
				case f.Path == "description":
					q.Description = s.Description
				default:
					// Its own limits and permissions: drift names them
					// as its changes do (allocation.resources.…).
					setProp(&q.Props, strings.TrimPrefix(f.Path, "allocation."), srvProps)
				}
			}
			if rp, ok := c.customisedResellers[d.Key]; ok {
				// Customised in the panel on its plan: what it has is
				// its own allocation, which only plan none holds (with
				// its plan's services, which the server does not hold).
				q.Plan, q.Props, q.Oversell = model.None, s.Props.Clone(), s.Oversell
				if p := c.cfg.ResellerPlans[rp]; p != nil {
					q.Services = slices.Clone(p.Services)
				}
			}
			if q.Login != r.Login {
				// Renamed in the panel: the config renames it in place.
				q.RenamedFrom = r.Login
			}
			out = &q
		} else if c.billingManaged(d, true) {
			// Put back as it was managed: by billing.
			q := *s
			q.ManagedBy = plan.ManagedByBilling
			out = &q
		}
		one.Resellers[out.Login] = out
	case "customer":
		s := sc.Customers[key]
		if s == nil {
			return nil
		}
		out := s
		if r := c.cfg.Customers[d.Key]; r != nil {
			q := *r
			q.Password = a.secret(r.Password)
			if all {
				q.Contact, q.Owner, q.Status, q.Description = s.Contact, s.Owner, s.Status, s.Description
			}
			for _, f := range d.Fields {
				switch {
				case setAccount(f.Path, &q.Login, &q.Contact, &q.Status, s.Login, s.Contact, s.Status):
				case f.Path == "owner":
					q.Owner = s.Owner
				case f.Path == "description":
					q.Description = s.Description
				}
			}
			if q.Login != r.Login {
				// Renamed in the panel: the config renames it in place
				// (not a delete of the customer, with its
				// subscriptions, and a create).
				q.RenamedFrom = r.Login
			}
			out = &q
		} else if c.billingManaged(d, true) {
			q := *s
			q.ManagedBy = plan.ManagedByBilling
			out = &q
		}
		one.Customers[out.Login] = out
	case "subscription":
		s := sc.Subscriptions[key]
		if s == nil {
			return nil
		}
		out := s
		if c.cfg.Subscriptions[d.Key] == nil && s.IPAddress != "" {
			// Not in the config (removed from it): put back as the
			// server has it, but on the address it has only when the
			// state recorded one (one the config named); the others
			// are not managed, as import writes them.
			if i, ok := c.recorded("subscription", d.Key); ok && c.rec.Subscriptions[i].IPAddress == "" {
				q := *s
				q.IPAddress = ""
				out = &q
			}
		}
		if r := c.cfg.Subscriptions[d.Key]; r != nil {
			q := *r
			q.Customize = r.Customize.Clone()
			if r.Customize == nil {
				q.Customize = nil
			}
			q.Addons = append([]string(nil), r.Addons...)
			if r.Addons == nil {
				q.Addons = nil
			}
			q.FTPPassword = a.secret(r.FTPPassword)
			var rec *state.Subscription
			if i, ok := c.serverRecord("subscription", key); ok {
				rec = &c.srv.Records.Subscriptions[i]
			}
			if all {
				q.Customer, q.Owner, q.Status, q.Expires = s.Customer, s.Owner, s.Status, s.Expires
				q.Plan, q.Addons = s.Plan, s.Addons
				q.Customize = keepUnmapped(r.Customize, s.Customize)
				if s.FTPLogin != "" {
					q.FTPLogin = s.FTPLogin
				}
			}
			// The values that drifted are the subscription's own when the
			// server has it locked or custom; a synced one's follow its
			// plans.
			own := rec != nil && frozen(rec.SyncStatus)
			rebased := false
			for _, f := range d.Fields {
				switch f.Path {
				case "domain":
					// Renamed in the panel: the config renames it in
					// place (not a delete, with its websites, and a
					// create).
					q.Domain, q.RenamedFrom = s.Domain, r.Domain
				case "owner":
					q.Owner = s.Owner
				case "customer":
					q.Customer = s.Customer
				case "plan":
					q.Plan = c.planName("service_plan", s.Owner, s.Plan)
					c.pinExpires(&q, s)
					rebased = true
				case "addons":
					q.Addons = nil
					for _, x := range s.Addons {
						q.Addons = append(q.Addons, c.planName("addon_plan", s.Owner, x))
					}
					c.pinExpires(&q, s)
					rebased = true
				case "expires":
					q.Expires = s.Expires
				case "ip_address":
					q.IPAddress = s.IPAddress
				case "ftp_login":
					q.FTPLogin = s.FTPLogin
				case "status", "status_reasons":
					// status_reasons: suspended in the panel while
					// expired (the status reads the same).
					q.Status = s.Status
				case "sync_status":
					if rec != nil && rec.SyncStatus == "synced" {
						q.Customize = nil // unlocked in the panel
					} else {
						// Locked in the panel: its customisation is the
						// values that differ from its plans on the server.
						rebased = true
					}
				default:
					if own {
						// The server's customisation: the values that
						// differ from its plan and add-ons.
						setProp(&q.Customize, f.Path, s.Customize)
					}
				}
			}
			if rebased && own && s.Plan != model.None && rec.SyncStatus == "locked" {
				// Locked in the panel, or its plans changed while the
				// server holds it locked (its base is taken anew from
				// its new plans, SPEC 1.3): its customisation is the
				// server's, the values that differ from its plans on the
				// server (Plesk kept the values it had, an add-on's
				// removed included, a plan's later edits left out), with
				// what only the config has.
				q.Customize = keepUnmapped(r.Customize, s.Customize)
			}
			out = &q
		} else if c.billingManaged(d, true) {
			q := *out
			q.ManagedBy = plan.ManagedByBilling
			out = &q
		}
		one.Subscriptions[out.Domain] = out
	case "service":
		s := sc.Services[key]
		if s == nil {
			return nil
		}
		out := s
		if r := c.cfg.Services[d.Key]; r != nil {
			// The config's service, with the server's value of each
			// field that drifted; its background image stays.
			q := *r
			q.Send = slices.Clone(r.Send)
			for _, f := range d.Fields {
				switch f.Path {
				case "description":
					q.Description = s.Description
				case "available_to_resellers":
					q.AvailableToResellers = s.AvailableToResellers
				case "send":
					q.Send = slices.Clone(s.Send)
				case "button.url", "button.open_in_panel":
					if s.Button == nil {
						q.Button, q.Send = nil, nil
						continue
					}
					b := *s.Button
					if r.Button != nil {
						b.BackgroundImage = r.Button.BackgroundImage
					}
					q.Button = &b
				}
			}
			out = &q
		}
		one.Services = map[string]*model.Service{out.Name: out}
	default:
		return nil
	}
	return a
}

// adoptConversion is the adoption of a customer (login) converted to
// the server's reseller to in the panel: the reseller as the server has
// it, with what only the config's customer has (password reference,
// description, billing mark, placement), and the customer's
// subscriptions as the server has them (owned by the reseller). With
// customer, the config's subscriptions of the customer; otherwise the
// recorded ones.
func (c *comparer) adoptConversion(login string, to *state.Reseller, customer bool) *adoption {
	s := c.srv.Config.Resellers[to.Login]
	if s == nil {
		return nil
	}
	one := model.NewConfig()
	a := &adoption{cfg: one}
	q := *s
	if cu := c.cfg.Customers[login]; cu != nil {
		q.Password = a.secret(cu.Password)
		q.Description, q.ManagedBy, q.Servers = cu.Description, cu.ManagedBy, cu.Servers
	}
	one.Resellers[q.Login] = &q
	var domains []string
	if customer && !c.noConfig {
		for d, sub := range c.cfg.Subscriptions {
			if sub.Customer == login {
				domains = append(domains, d)
			}
		}
	} else {
		for i := range c.rec.Subscriptions {
			if c.rec.Subscriptions[i].Customer == login {
				domains = append(domains, c.rec.Subscriptions[i].Domain)
			}
		}
	}
	slices.Sort(domains)
	for _, domain := range domains {
		i, ok := c.serverRecord("subscription", domain)
		if !ok || c.srv.Records.Subscriptions[i].Owner != to.Login {
			continue
		}
		srv := &c.srv.Records.Subscriptions[i]
		d := &plan.Drift{Kind: plan.KindSubscription, Key: domain, Fields: []plan.DriftField{
			{Path: "owner"}, {Path: "customer"}, {Path: "plan"}, {Path: "addons"},
		}}
		if srv.SyncStatus == "custom" {
			d.Fields = append(d.Fields, plan.DriftField{Path: "sync_status"})
		}
		sa := c.adopt(d, domain)
		if sa == nil {
			continue
		}
		a.literal = a.literal || sa.literal
		for k, v := range sa.cfg.Subscriptions {
			one.Subscriptions[k] = v
		}
	}
	return a
}

// secret keeps a reference to a secret as written; a literal is left
// out (secrets are never printed) and noted.
func (a *adoption) secret(s *model.Secret) *model.Secret {
	if s != nil && s.Literal {
		a.literal = true
		return nil
	}
	return s
}

// srvProps are the values of one of the server's property sets.
func (c *comparer) srvProps(id string) model.Props {
	if id == "" {
		return nil
	}
	p, _ := plan.PropsFromValues(c.srv.Records.PropertySets[id])
	return p
}

func planSet(recs []state.Plan, key string) string {
	for i := range recs {
		if recs[i].Key == key {
			return recs[i].Props
		}
	}
	return ""
}

// setProp takes the server's value of a property (none: left out).
func setProp(dst *model.Props, path string, srv model.Props) {
	v, ok := srv[path]
	if !ok {
		if *dst != nil {
			delete(*dst, path)
		}
		return
	}
	if *dst == nil {
		*dst = model.Props{}
	}
	(*dst)[path] = v
}

// keepUnmapped is the server's properties with the config's that the
// server does not know.
func keepUnmapped(cfg, srv model.Props) model.Props {
	if cfg == nil && srv == nil {
		return nil
	}
	out := srv.Clone()
	if out == nil {
		out = model.Props{}
	}
	for path, v := range cfg {
		if !mapped(path) {
			out[path] = v
		}
	}
	if len(out) == 0 && srv == nil {
		return nil
	}
	return out
}

// setAccount takes the server's value of a field every account has (its
// login, contact and status); false when path names another field.
func setAccount(path string, login *string, contact *model.Contact, status *string, srvLogin string, srvContact model.Contact, srvStatus string) bool {
	switch path {
	case "login":
		*login = srvLogin
	case "status":
		*status = srvStatus
	case "name", "company", "email", "phone", "address":
		setContact(contact, srvContact, path)
	default:
		return false
	}
	return true
}

func setContact(dst *model.Contact, srv model.Contact, path string) {
	switch path {
	case "name":
		dst.Name = srv.Name
	case "company":
		dst.Company = srv.Company
	case "email":
		dst.Email = srv.Email
	case "phone":
		dst.Phone = srv.Phone
	case "address":
		dst.Address = srv.Address
	}
}

// pinExpires keeps the server's expiration date of a subscription
// switched to other plans in the panel (Plesk keeps the date) when the
// expiration of the plans it is now on would give another: the block
// says expires.
func (c *comparer) pinExpires(q, s *model.Subscription) {
	if q.Expires != nil {
		return
	}
	for i := range c.obs.Subscriptions {
		o := &c.obs.Subscriptions[i]
		if o.Domain != q.Domain && o.Domain != s.Domain {
			continue
		}
		var would *time.Time
		props, _ := plan.PropsFromValues(c.obs.PropertySets[o.Effective])
		if exp, ok := props["resources.expiration"]; ok && !exp.IsUnlimited() && exp.N > 0 && !o.CreatedAt.IsZero() {
			t := exp.AddTo(o.CreatedAt).UTC()
			would = &t
		}
		if !sameSecond(would, s.Expires) && s.Expires != nil {
			t := *s.Expires
			q.Expires = &t
		}
		return
	}
}
