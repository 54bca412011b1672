package config

import (
	"fmt"
	"sort"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// PleskText reports the text values of cfg that Plesk's XML API cannot
// carry: a control character other than tab, line feed and carriage
// return (an escape sequence pasted with a name, say), or U+FFFE/U+FFFF,
// which XML 1.0 has no way to write. Sent anyway, such a character
// would arrive replaced (a name that never matches the config again, a
// password that is not the one configured), so with a Plesk server they
// are errors before anything is read or written. Without a server the
// recorded state holds any text, and output shows it escaped.
func PleskText(cfg *model.Config) diag.Diagnostics {
	var ds diag.Diagnostics
	check := func(obj string, src model.Src, field, s string) {
		r, bad := xmlUnsafe(s)
		if !bad {
			return
		}
		at, ok := src.Field(field)
		if !ok {
			at = src.Decl
		}
		ds = append(ds, diag.Diagnostic{
			Severity: diag.Error,
			Summary:  fmt.Sprintf("the value holds the control character U+%04X, which Plesk's XML API cannot carry: remove it", r),
			Subject:  at, Object: obj, Path: field,
		})
	}
	secret := func(obj string, src model.Src, field string, s *model.Secret) {
		if s == nil {
			return
		}
		if r, bad := xmlUnsafe(s.Value); bad {
			// The value itself is never shown, not even the character's
			// place in it.
			ds = append(ds, diag.Diagnostic{
				Severity: diag.Error,
				Summary:  fmt.Sprintf("the secret holds a control character (U+%04X), which Plesk's XML API cannot carry: remove it", r),
				Subject:  s.Range, Object: obj, Path: field,
			})
		}
	}
	props := func(obj string, src model.Src, prefix string, p model.Props) {
		for _, path := range p.Paths() {
			if v := p[path]; v.K == model.KindString || v.K == model.KindEnum {
				check(obj, src, prefix+path, v.S)
			}
		}
	}
	contact := func(obj string, src model.Src, c model.Contact) {
		check(obj, src, "name", c.Name)
		check(obj, src, "company", c.Company)
		check(obj, src, "email", c.Email)
		check(obj, src, "phone", c.Phone)
		check(obj, src, "address", c.Address)
	}
	service := func(s *model.Service) {
		obj := "service " + s.Name
		check(obj, s.Src, "name", s.Name)
		check(obj, s.Src, "description", s.Description)
		if s.Button != nil {
			check(obj, s.Src, "button.url", s.Button.URL)
			check(obj, s.Src, "button.background_image", s.Button.BackgroundImage)
		}
	}
	for _, k := range sortedKeys(cfg.Services) {
		service(cfg.Services[k])
	}
	for _, srv := range everyServer(cfg) {
		for _, e := range srv.Extensions {
			for _, s := range e.Services {
				service(s)
			}
		}
	}
	for _, plans := range []map[string]*model.Plan{cfg.ServicePlans, cfg.AddonPlans, cfg.ResellerPlans} {
		for _, k := range sortedKeys(plans) {
			p := plans[k]
			obj := string(p.Kind) + " " + p.Key()
			check(obj, p.Src, "name", p.Name)
			check(obj, p.Src, "description", p.Description)
			props(obj, p.Src, "", p.Props)
		}
	}
	for _, k := range sortedKeys(cfg.Resellers) {
		r := cfg.Resellers[k]
		obj := "reseller " + r.Login
		secret(obj, r.Src, "password", r.Password)
		contact(obj, r.Src, r.Contact)
		check(obj, r.Src, "description", r.Description)
		props(obj, r.Src, "", r.Props)
	}
	for _, k := range sortedKeys(cfg.Customers) {
		c := cfg.Customers[k]
		obj := "customer " + c.Login
		secret(obj, c.Src, "password", c.Password)
		contact(obj, c.Src, c.Contact)
		check(obj, c.Src, "description", c.Description)
		check(obj, c.Src, "admin_description", c.AdminDescription)
	}
	for _, k := range sortedKeys(cfg.Subscriptions) {
		s := cfg.Subscriptions[k]
		obj := "subscription " + s.Domain
		check(obj, s.Src, "ftp_login", s.FTPLogin)
		secret(obj, s.Src, "ftp_password", s.FTPPassword)
		props(obj, s.Src, "customize.", s.Customize)
	}
	for _, k := range sortedKeys(cfg.SubscriberSettings) {
		s := cfg.SubscriberSettings[k]
		props("subscriber_settings "+s.Domain, s.Src, "", s.Props)
	}
	ds.Sort()
	return ds
}

// xmlUnsafe returns the first character of s that XML 1.0 cannot hold.
func xmlUnsafe(s string) (rune, bool) {
	for _, r := range s {
		switch {
		case r == '\t', r == '\n', r == '\r':
		case r < 0x20, r == 0xFFFE, r == 0xFFFF:
			return r, true
		}
	}
	return 0, false
}

// everyServer is the config's server block, if any, then its servers
// list.
func everyServer(cfg *model.Config) []*model.Server {
	if cfg.Server == nil {
		return cfg.Servers
	}
	return append([]*model.Server{cfg.Server}, cfg.Servers...)
}

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
