// Package mapping converts plansync property sets to Plesk's XML API
// blocks and back. Every name and encoding comes from the property
// catalogue (model.Prop.Plesk); this package only places values in the
// right block of a packet.
package mapping

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// Values is a property set as Plesk holds it: by block, by Plesk name,
// in Plesk's encoding.
type Values struct {
	Overuse     string            `json:"overuse,omitempty"`
	Oversell    string            `json:"oversell,omitempty"`
	Limits      map[string]string `json:"limits,omitempty"`
	Permissions map[string]string `json:"permissions,omitempty"`
	Hosting     map[string]string `json:"hosting,omitempty"`
	PHP         map[string]string `json:"php,omitempty"`
	Mail        map[string]string `json:"mail,omitempty"`
	Prefs       map[string]string `json:"prefs,omitempty"`
}

// Clone returns a deep copy.
func (v Values) Clone() Values {
	c := v
	c.Limits = cloneMap(v.Limits)
	c.Permissions = cloneMap(v.Permissions)
	c.Hosting = cloneMap(v.Hosting)
	c.PHP = cloneMap(v.PHP)
	c.Mail = cloneMap(v.Mail)
	c.Prefs = cloneMap(v.Prefs)
	return c
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func set(m *map[string]string, k, v string) {
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[k] = v
}

// FromProps converts plansync values to Plesk's. It returns the paths
// that have no counterpart on the server (they are not sent). The PHP
// version and handler are written as the default form's php_handler_id
// (FromPropsOn with no table).
func FromProps(props model.Props) (Values, []string, error) {
	return FromPropsOn(props, nil)
}

// FromPropsOn is FromProps for a server whose PHP handlers are t: the
// php_handler_id is the server's (PHPHandlers.ID; one the server does
// not have is written in the default form: MissingPHPHandler tells).
func FromPropsOn(props model.Props, t *PHPHandlers) (Values, []string, error) {
	var v Values
	var unmapped []string
	for _, path := range props.Paths() {
		p := model.Lookup(path)
		if p == nil {
			return v, nil, fmt.Errorf("unknown property %s", path)
		}
		val := props[path]
		switch p.Plesk.Group {
		case model.PleskUnmapped:
			unmapped = append(unmapped, path)
		case model.PleskHosting:
			if p.Plesk.Enc == model.PleskPHPHandler {
				continue // below, from both PHP properties
			}
			s, err := model.PleskEncode(p, val)
			if err != nil {
				return v, nil, err
			}
			set(&v.Hosting, p.Plesk.Name, s)
		default:
			s, err := model.PleskEncode(p, val)
			if err != nil {
				return v, nil, err
			}
			for _, name := range append([]string{p.Plesk.Name}, p.Plesk.Also...) {
				switch p.Plesk.Group {
				case model.PleskLimit:
					set(&v.Limits, name, s)
				case model.PleskOveruse:
					v.Overuse = s
				case model.PleskPermission:
					set(&v.Permissions, name, s)
				case model.PleskPHPSetting:
					set(&v.PHP, strings.TrimPrefix(path, model.PHPSettingsPrefix), s)
				case model.PleskMail:
					set(&v.Mail, name, s)
				case model.PleskPreference:
					set(&v.Prefs, name, s)
				}
			}
		}
	}
	ver, hasVer := props["hosting.php_version"]
	h, hasH := props["hosting.php_handler"]
	switch {
	case hasVer && hasH:
		id, _ := t.ID(ver.S, h.S)
		set(&v.Hosting, "php_handler_id", id)
		set(&v.Hosting, "php", "true")
	case hasVer || hasH:
		// One half alone cannot be written: Plesk takes both as one id.
		if hasVer {
			unmapped = append(unmapped, "hosting.php_version")
		} else {
			unmapped = append(unmapped, "hosting.php_handler")
		}
	}
	return v, unmapped, nil
}

// ToProps converts Plesk's values to plansync's. It returns the Plesk
// names it does not model (never written, never reset). A php_handler_id
// is read in the default form (ToPropsOn with no table).
func ToProps(v Values) (model.Props, []string, error) {
	return ToPropsOn(v, nil)
}

// MissingPHPHandler reports whether props name a PHP version and
// handler that the server's table t has no enabled handler for (never,
// with no table).
func MissingPHPHandler(props model.Props, t *PHPHandlers) (version, handler string, missing bool) {
	ver, hasVer := props["hosting.php_version"]
	h, hasH := props["hosting.php_handler"]
	if t == nil || !hasVer || !hasH {
		return "", "", false
	}
	_, found := t.ID(ver.S, h.S)
	return ver.S, h.S, !found
}

// ToPropsOn is ToProps for a server whose PHP handlers are t: a
// php_handler_id is split by the server's table, one not in it by the
// default form. A value plansync has no counterpart for (web statistics
// "smarterstats", a limit that is no number) is an error, the first
// one; the props then still hold every other value, and an enumerated
// setting's word as the server has it, for a reader that keeps what it
// can (import, refresh: it shows as what it is) rather than reading the
// object as having no values at all.
func ToPropsOn(v Values, t *PHPHandlers) (model.Props, []string, error) {
	props := model.Props{}
	known := pleskNames()
	var unmodelled []string
	var bad error
	read := func(group string, m map[string]string) error {
		for _, name := range sortedKeys(m) {
			if group == "hosting" && (name == "php_handler_id" || name == "php") {
				continue
			}
			p := known[[2]string{group, name}]
			if p == nil {
				unmodelled = append(unmodelled, group+"/"+name)
				continue
			}
			val, err := model.PleskDecode(p, m[name])
			if err != nil {
				if bad == nil {
					bad = err
				}
				if raw := strings.TrimSpace(m[name]); p.Kind == model.KindEnum && p.Plesk.Enc == model.PleskWord && raw != "" {
					// Kept as the server has it, so that it differs
					// from any value a config gives.
					props[p.Path] = model.Enum(raw)
				}
				continue
			}
			if old, ok := props[p.Path]; ok && old != val {
				// One plansync value written as two Plesk values that
				// now disagree: keep the first, report the other.
				unmodelled = append(unmodelled, group+"/"+name)
				continue
			}
			props[p.Path] = val
		}
		return nil
	}
	for _, g := range []struct {
		name string
		m    map[string]string
	}{{"limits", v.Limits}, {"permissions", v.Permissions}, {"hosting", v.Hosting}, {"mail", v.Mail}, {"prefs", v.Prefs}} {
		if err := read(g.name, g.m); err != nil {
			return nil, nil, err
		}
	}
	if v.Overuse != "" {
		p := model.Lookup("resources.overuse")
		if val, err := model.PleskDecode(p, v.Overuse); err != nil {
			if bad == nil {
				bad = err
			}
			props[p.Path] = model.Enum(strings.TrimSpace(v.Overuse))
		} else {
			props[p.Path] = val
		}
	}
	for _, name := range sortedKeys(v.PHP) {
		path := model.PHPSettingsPrefix + name
		if model.Lookup(path) == nil {
			unmodelled = append(unmodelled, "php-settings/"+name)
			continue
		}
		props[path] = model.String(v.PHP[name])
	}
	if id := v.Hosting["php_handler_id"]; id != "" {
		ver, h, ok := t.Split(id)
		if ok && model.Lookup("hosting.php_handler") != nil && validHandler(h) {
			props["hosting.php_version"] = model.String(ver)
			props["hosting.php_handler"] = model.Enum(h)
		} else {
			unmodelled = append(unmodelled, "hosting/php_handler_id")
		}
	}
	return props, unmodelled, bad
}

func validHandler(h string) bool {
	for _, w := range model.Lookup("hosting.php_handler").Enum {
		if w == h {
			return true
		}
	}
	return false
}

// pleskNames maps a Plesk group and name to the catalogue's property,
// made once (the catalogue does not change).
var pleskNames = sync.OnceValue(func() map[[2]string]*model.Prop {
	known := map[[2]string]*model.Prop{}
	for i, p := range model.Catalog() {
		if p.Plesk.Group == model.PleskUnmapped {
			continue
		}
		for _, name := range append([]string{p.Plesk.Name}, p.Plesk.Also...) {
			known[[2]string{groupKey(p.Plesk.Group), name}] = &model.Catalog()[i]
		}
	}
	return known
})

func groupKey(g model.PleskGroup) string {
	switch g {
	case model.PleskLimit:
		return "limits"
	case model.PleskPermission:
		return "permissions"
	case model.PleskHosting:
		return "hosting"
	case model.PleskMail:
		return "mail"
	case model.PleskPreference:
		return "prefs"
	}
	return ""
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ---- packet blocks --------------------------------------------------------

// LimitsBlock renders limits (with overuse unless addon).
func LimitsBlock(v Values, addon bool) *xmlapi.Limits {
	if len(v.Limits) == 0 && (addon || v.Overuse == "") {
		return nil
	}
	l := &xmlapi.Limits{}
	if !addon {
		l.Overuse = v.Overuse
	}
	for _, k := range sortedKeys(v.Limits) {
		l.Limit = append(l.Limit, xmlapi.Limit{Name: k, Value: v.Limits[k]})
	}
	return l
}

// ResellerLimitsBlock renders a reseller plan's or reseller's limits.
func ResellerLimitsBlock(v Values) *xmlapi.ResellerLimits {
	if len(v.Limits) == 0 && v.Overuse == "" && v.Oversell == "" {
		return nil
	}
	l := &xmlapi.ResellerLimits{}
	if v.Overuse != "" || v.Oversell != "" {
		l.ResourcePolicy = &xmlapi.ResourcePolicy{Oversell: v.Oversell, Overuse: v.Overuse}
	}
	for _, k := range sortedKeys(v.Limits) {
		l.Limit = append(l.Limit, xmlapi.Limit{Name: k, Value: v.Limits[k]})
	}
	return l
}

// PermissionsBlock renders permissions.
func PermissionsBlock(v Values) *xmlapi.Permissions {
	if len(v.Permissions) == 0 {
		return nil
	}
	p := &xmlapi.Permissions{}
	for _, k := range sortedKeys(v.Permissions) {
		p.Permission = append(p.Permission, xmlapi.Permission{Name: k, Value: v.Permissions[k]})
	}
	return p
}

// HostingProperties renders hosting properties.
func HostingProperties(v Values) []xmlapi.Property {
	var out []xmlapi.Property
	for _, k := range sortedKeys(v.Hosting) {
		out = append(out, xmlapi.Property{Name: k, Value: v.Hosting[k]})
	}
	return out
}

// PHPBlock renders php-settings.
func PHPBlock(v Values) *xmlapi.PHPSettings {
	if len(v.PHP) == 0 {
		return nil
	}
	p := &xmlapi.PHPSettings{}
	for _, k := range sortedKeys(v.PHP) {
		p.Setting = append(p.Setting, xmlapi.Setting{Name: k, Value: v.PHP[k]})
	}
	return p
}

// PlanMailBlock renders a service plan's mail block.
func PlanMailBlock(v Values) *xmlapi.PlanMail {
	if len(v.Mail) == 0 {
		return nil
	}
	return &xmlapi.PlanMail{Webmail: v.Mail["webmail"], MailService: v.Mail["mailservice"]}
}

// WebspaceMailBlock renders a subscription's mail block.
func WebspaceMailBlock(v Values) *xmlapi.WebspaceMail {
	if len(v.Mail) == 0 {
		return nil
	}
	return &xmlapi.WebspaceMail{Webmail: v.Mail["webmail"], MailService: v.Mail["mailservice"]}
}

// PrefsBlock renders a service plan's preferences.
func PrefsBlock(v Values) *xmlapi.PlanPreferences {
	if len(v.Prefs) == 0 {
		return nil
	}
	return &xmlapi.PlanPreferences{Stat: v.Prefs["stat"], MailLists: v.Prefs["maillists"],
		MailService: v.Prefs["mailservice"], DNSZoneType: v.Prefs["dns_zone_type"]}
}

// FromPlan reads a plan get result into Values.
func FromPlan(d *xmlapi.PlanData) Values {
	var v Values
	readLimits(&v, d.Limits)
	readPerms(&v, d.Permissions)
	if d.Hosting != nil && d.Hosting.VrtHst != nil {
		for _, p := range d.Hosting.VrtHst.Property {
			set(&v.Hosting, p.Name, p.Value)
		}
	}
	readPHP(&v, d.PHPSettings)
	if d.Mail != nil {
		readMail(&v, d.Mail.Webmail, d.Mail.MailService)
	}
	if d.Preferences != nil {
		for _, kv := range [][2]string{{"stat", d.Preferences.Stat}, {"maillists", d.Preferences.MailLists}, {"dns_zone_type", d.Preferences.DNSZoneType}} {
			if kv[1] != "" {
				set(&v.Prefs, kv[0], kv[1])
			}
		}
	}
	return v
}

// FromWebspace reads a webspace get result into Values (hosting without
// the FTP credentials, which are the subscription's own fields).
func FromWebspace(d *xmlapi.WebspaceData) Values {
	var v Values
	if d.Data == nil {
		return v
	}
	readLimits(&v, d.Data.Limits)
	readPerms(&v, d.Data.Permissions)
	if d.Data.Hosting != nil && d.Data.Hosting.VrtHst != nil {
		for _, p := range d.Data.Hosting.VrtHst.Property {
			if p.Name == "ftp_login" || p.Name == "ftp_password" {
				continue
			}
			set(&v.Hosting, p.Name, p.Value)
		}
	}
	readPHP(&v, d.Data.PHPSettings)
	if d.Data.Mail != nil {
		readMail(&v, d.Data.Mail.Webmail, d.Data.Mail.MailService)
	}
	return v
}

func readLimits(v *Values, l *xmlapi.Limits) {
	if l == nil {
		return
	}
	v.Overuse = l.Overuse
	for _, x := range l.Limit {
		set(&v.Limits, x.Name, x.Value)
	}
}

func readPerms(v *Values, p *xmlapi.Permissions) {
	if p == nil {
		return
	}
	for _, x := range p.Permission {
		set(&v.Permissions, x.Name, x.Value)
	}
}

func readPHP(v *Values, p *xmlapi.PHPSettings) {
	if p == nil {
		return
	}
	for _, x := range p.Setting {
		set(&v.PHP, x.Name, x.Value)
	}
}

func readMail(v *Values, webmail, service string) {
	if webmail != "" {
		set(&v.Mail, "webmail", webmail)
	}
	if service != "" {
		set(&v.Mail, "mailservice", service)
	}
}

// WebspaceIPs returns the IP addresses a subscription is on, in
// canonical form, as a webspace get reports them: hosting/vrt_hst's
// ip_address (dataset hosting), else gen_info's dns_ip_address (an IPv4
// and an IPv6 address at most). A value that is not an address is left
// out.
func WebspaceIPs(d *xmlapi.WebspaceData) []string {
	if d == nil || d.Data == nil {
		return nil
	}
	var raw []string
	if h := d.Data.Hosting; h != nil && h.VrtHst != nil {
		raw = h.VrtHst.IPAddress
	}
	if len(raw) == 0 && d.Data.GenInfo != nil {
		raw = d.Data.GenInfo.DNSIP
	}
	var out []string
	for _, s := range raw {
		if a, err := netip.ParseAddr(strings.TrimSpace(s)); err == nil {
			if c := a.Unmap().String(); c != s {
				s = c
			}
			out = append(out, s) // the read's string when canonical (shared)
		}
	}
	return out
}
