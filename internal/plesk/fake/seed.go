package fake

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/mapping"
)

// Seed builds a server that looks like a plansync config: its components,
// reseller plans, resellers, service and add-on plans, customers and
// subscriptions, each subscription on its plan and add-ons, customised
// (locked) where the config customises it, with the config's status.
// Passwords are taken when the config's secrets were resolved. ip is the
// address given to every subscription that names none (one that names its
// ip_address is on it, and the address is in the server's pool); opts are the emulator's
// assumptions (add-on arithmetic). The result is what "make this
// server look like this config" means for demos and tests.
func Seed(cfg *model.Config, ip string, now time.Time, opts Options) (*State, error) {
	s := NewState()
	if ip != "" {
		s.IPs = []string{ip}
	}
	if cfg.Server != nil && len(cfg.Server.Components) > 0 {
		s.Components = append([]string(nil), cfg.Server.Components...)
	}
	if cfg.Server != nil {
		for _, x := range cfg.Server.Extensions {
			s.Extensions = append(s.Extensions, x.Name)
		}
	}
	today := now.UTC().Format("2006-01-02")
	for _, name := range sortedKeysOf(cfg.Services) {
		sv := cfg.Services[name]
		it := &PlanItem{Name: name, UUID: guid(s.newID()), Label: name, Tooltip: sv.Description, Visible: sv.AvailableToResellers}
		if sv.Button != nil {
			it.URL, it.Internal, it.Send = sv.Button.URL, sv.Button.OpenInPanel, append([]string(nil), sv.Send...)
		}
		s.PlanItems = append(s.PlanItems, it)
	}
	srv := &Server{opts: opts, state: s, now: func() time.Time { return now }}
	values := func(what string, p model.Props) (mapping.Values, error) {
		v, _, err := mapping.FromPropsOn(p, srv.phpTable())
		if err != nil {
			return v, fmt.Errorf("%s: %v", what, err)
		}
		return v, nil
	}
	rplans := map[string]*ResellerPlan{}
	for _, name := range sortedKeysOf(cfg.ResellerPlans) {
		p := cfg.ResellerPlans[name]
		v, err := values("reseller plan "+name, p.Props)
		if err != nil {
			return nil, err
		}
		v.Oversell = strconv.FormatBool(p.Oversell)
		rp := &ResellerPlan{ID: s.newID(), Name: name, Values: v}
		rp.GUID = guid(rp.ID)
		s.ResellerPlans = append(s.ResellerPlans, rp)
		rplans[name] = rp
	}
	owners := map[string]int{model.Admin: AdminID}
	for _, login := range sortedKeysOf(cfg.Resellers) {
		r := cfg.Resellers[login]
		a := &Account{ID: s.newID(), Login: login, Reseller: true, OwnerID: AdminID, Created: today,
			Name: r.Contact.Name, Company: r.Contact.Company, Email: r.Contact.Email, Phone: r.Contact.Phone,
			Address: r.Contact.Address, Description: r.Description, Status: statusBits(r.Status), Password: secret(r.Password)}
		a.GUID = guid(a.ID)
		if rp := rplans[r.Plan]; rp != nil {
			a.PlanGUID, a.Values = rp.GUID, rp.Values.Clone()
		} else {
			v, err := values("reseller "+login, r.Props)
			if err != nil {
				return nil, err
			}
			v.Oversell = strconv.FormatBool(r.Oversell)
			a.Values = v
		}
		s.Accounts = append(s.Accounts, a)
		owners[login] = a.ID
	}
	plans := map[string]*Plan{}
	for _, set := range []struct {
		m     map[string]*model.Plan
		addon bool
	}{{cfg.ServicePlans, false}, {cfg.AddonPlans, true}} {
		for _, key := range sortedKeysOf(set.m) {
			p := set.m[key]
			owner, ok := owners[ownerOr(p.Owner)]
			if !ok {
				return nil, fmt.Errorf("plan %s: owner %s is not a reseller", key, p.Owner)
			}
			v, err := values(string(p.Kind)+" "+key, p.Props)
			if err != nil {
				return nil, err
			}
			pl := &Plan{ID: s.newID(), Name: p.Name, Addon: set.addon, OwnerID: owner, Values: v, Items: sortedStrings(p.Services)}
			if set.addon {
				pl.Items = nil
			}
			pl.GUID = guid(pl.ID)
			s.Plans = append(s.Plans, pl)
			plans[kindKey(set.addon, key)] = pl
		}
	}
	for _, login := range sortedKeysOf(cfg.Customers) {
		c := cfg.Customers[login]
		owner, ok := owners[ownerOr(c.Owner)]
		if !ok {
			return nil, fmt.Errorf("customer %s: owner %s is not a reseller", login, c.Owner)
		}
		a := &Account{ID: s.newID(), Login: login, OwnerID: owner, Created: today,
			Name: c.Contact.Name, Company: c.Contact.Company, Email: c.Contact.Email, Phone: c.Contact.Phone,
			Address: c.Contact.Address, Description: c.Description, Status: statusBits(c.Status), Password: secret(c.Password)}
		a.GUID = guid(a.ID)
		s.Accounts = append(s.Accounts, a)
		owners[login] = a.ID
	}
	for _, domain := range sortedKeysOf(cfg.Subscriptions) {
		sub := cfg.Subscriptions[domain]
		holder := sub.Customer
		if holder == "" {
			holder = ownerOr(sub.Owner)
		}
		owner, ok := owners[holder]
		if !ok {
			return nil, fmt.Errorf("subscription %s: owner %s is not known", domain, holder)
		}
		ip := s.IPs[0]
		if sub.IPAddress != "" {
			// Its own address, in the server's pool.
			ip = sub.IPAddress
			if !s.hasIP(ip) {
				s.IPs = append(s.IPs, ip)
			}
		}
		w := &Webspace{ID: s.newID(), Name: domain, OwnerID: owner, IP: ip, Status: statusBits(sub.Status),
			FTPLogin: sub.FTPLogin, FTPPassword: secret(sub.FTPPassword), Created: today}
		w.GUID = guid(w.ID)
		vendor := ownerOr(sub.Owner)
		if sub.Plan != model.None {
			p := plans[kindKey(false, model.PlanKey(vendor, sub.Plan))]
			if p == nil {
				return nil, fmt.Errorf("subscription %s: service plan %s of %s is not known", domain, sub.Plan, vendor)
			}
			w.PlanGUID = p.GUID
			for _, a := range sub.Addons {
				ap := plans[kindKey(true, model.PlanKey(vendor, a))]
				if ap == nil {
					return nil, fmt.Errorf("subscription %s: add-on plan %s of %s is not known", domain, a, vendor)
				}
				w.Addons = append(w.Addons, ap.GUID)
			}
			w.fresh = true
			srv.resync(w)
			w.fresh = false
		}
		if sub.Customize != nil {
			v, err := values("subscription "+domain, sub.Customize)
			if err != nil {
				return nil, err
			}
			w.Values = overlay(w.Values, v)
			w.Locked = w.PlanGUID != ""
		}
		if sub.Expires != nil {
			// A date at or before the epoch is second 1, as apply writes it.
			setv(&w.Values.Limits, "expiration", strconv.FormatInt(max(sub.Expires.Unix(), 1), 10))
		}
		s.Webspaces = append(s.Webspaces, w)
	}
	return s, nil
}

func ownerOr(o string) string {
	if o == "" {
		return model.Admin
	}
	return o
}

func kindKey(addon bool, key string) string {
	if addon {
		return "addon:" + key
	}
	return "plan:" + key
}

func statusBits(s string) int {
	if strings.EqualFold(s, "suspended") {
		return 16
	}
	return 0
}

func secret(s *model.Secret) string {
	if s == nil {
		return ""
	}
	return s.Value
}

func sortedKeysOf[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
