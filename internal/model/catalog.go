package model

import (
	"sort"
	"strings"
)

// Where says which objects may set a property.
type Where uint8

const (
	InServicePlan Where = 1 << iota
	InAddonPlan
	InResellerPlan
	InCustomize
)

// Prop describes one property path of the catalogue.
type Prop struct {
	Path string
	Kind Kind
	// Enum is the allowed words for KindEnum, in order of preference:
	// when a word's server component is missing, the engine offers the
	// first word whose component is installed, else one that needs none.
	Enum  []string
	Where Where
	// Component returns the server component a value needs ("" none).
	Component func(v Value) string
	// Permission is the permission that lets the subscriber change the
	// setting (and so makes synchronisation ignore it), "" if none.
	Permission string
	// Help is a one-line description, used by the JSON Schema.
	Help string
	// Plesk is the property's name and encoding in Plesk's XML API.
	Plesk PleskName
}

const (
	plans      = InServicePlan | InAddonPlan | InResellerPlan | InCustomize
	subProps   = InServicePlan | InAddonPlan | InCustomize
	enumerated = InServicePlan | InCustomize
)

func sameName(v Value) string {
	if v.S == "none" || v.S == "" {
		return ""
	}
	return v.S
}

// PHPSettingsPrefix starts every php.ini setting path.
const PHPSettingsPrefix = "hosting.php_settings."

var catalog = []Prop{
	{Path: "resources.disk_space", Kind: KindSize, Where: plans, Help: "Disk space (size or unlimited).", Plesk: lim("disk_space")},
	{Path: "resources.traffic", Kind: KindSize, Where: plans, Help: "Traffic per month (size or unlimited).", Plesk: lim("max_traffic")},
	{Path: "resources.websites", Kind: KindCount, Where: plans, Help: "Websites (count or unlimited).", Plesk: lim("max_site")},
	{Path: "resources.subdomains", Kind: KindCount, Where: plans, Help: "Subdomains (count or unlimited).", Plesk: lim("max_subdom")},
	{Path: "resources.domain_aliases", Kind: KindCount, Where: plans, Help: "Domain aliases (count or unlimited).", Plesk: lim("max_dom_aliases")},
	{Path: "resources.mailboxes", Kind: KindCount, Where: plans, Help: "Mailboxes (count or unlimited).", Plesk: lim("max_box")},
	{Path: "resources.mailbox_quota", Kind: KindSize, Where: plans, Help: "Size of one mailbox (size or unlimited).", Plesk: lim("mbox_quota")},
	{Path: "resources.mailing_lists", Kind: KindCount, Where: plans, Help: "Mailing lists (count or unlimited).", Plesk: lim("max_maillists")},
	{Path: "resources.databases", Kind: KindCount, Where: plans, Help: "Databases (count or unlimited).", Plesk: lim("max_db")},
	{Path: "resources.ftp_accounts", Kind: KindCount, Where: plans, Help: "Additional FTP accounts (count or unlimited).", Plesk: lim("max_subftp_users")},
	{Path: "resources.web_users", Kind: KindCount, Where: plans, Help: "Web users (count or unlimited).", Plesk: lim("max_wu")},
	{Path: "resources.expiration", Kind: KindDuration, Where: plans, Help: "Validity period: 30d, 6mo, 1y or unlimited.", Plesk: PleskName{Why: "the plan-level format of Plesk's expiration limit is not documented; a subscription's expires is written as the expiration limit in Unix seconds"}},
	{Path: "resources.overuse", Kind: KindEnum, Enum: []string{"block", "notify", "normal", "not_suspend", "not_suspend_notify"}, Where: InServicePlan | InResellerPlan | InCustomize, Help: "Overuse policy.", Plesk: PleskName{Group: PleskOveruse, Name: "overuse", Enc: PleskWord}},
	{Path: "resources.customers", Kind: KindCount, Where: InResellerPlan, Help: "Customers a reseller may have (count or unlimited).", Plesk: lim("max_cl")},
	{Path: "resources.subscriptions", Kind: KindCount, Where: InResellerPlan, Help: "Subscriptions a reseller may have (count or unlimited).", Plesk: lim("max_dom")},

	{Path: "permissions.manage_hosting", Kind: KindBool, Where: plans, Help: "Hosting settings management.", Plesk: perm("manage_phosting")},
	{Path: "permissions.manage_php_settings", Kind: KindBool, Where: plans, Help: "PHP settings management.", Plesk: perm("manage_php_settings")},
	{Path: "permissions.manage_php_version", Kind: KindBool, Where: plans, Help: "PHP version and handler management.", Plesk: perm("manage_php_version")},
	{Path: "permissions.manage_dns", Kind: KindBool, Where: plans, Help: "DNS zone management.", Plesk: perm("manage_dns")},
	{Path: "permissions.manage_subdomains", Kind: KindBool, Where: plans, Help: "Subdomain management.", Plesk: perm("manage_subdomains")},
	{Path: "permissions.manage_domain_aliases", Kind: KindBool, Where: plans, Help: "Domain alias management.", Plesk: perm("manage_domain_aliases")},
	{Path: "permissions.manage_ssh", Kind: KindBool, Where: plans, Help: "SSH access management.", Plesk: perm("manage_sh_access")},
	{Path: "permissions.manage_crontab", Kind: KindBool, Where: plans, Help: "Scheduled tasks management.", Plesk: perm("manage_crontab")},
	{Path: "permissions.manage_spamfilter", Kind: KindBool, Where: plans, Help: "Spam filter management.", Plesk: perm("manage_spamfilter")},
	{Path: "permissions.manage_antivirus", Kind: KindBool, Where: plans, Help: "Antivirus management.", Plesk: perm("manage_virusfilter")},
	{Path: "permissions.manage_webstats", Kind: KindBool, Where: plans, Help: "Web statistics management.", Plesk: perm("manage_webstat")},
	{Path: "permissions.manage_logs", Kind: KindBool, Where: plans, Help: "Log management.", Plesk: perm("manage_log")},
	{Path: "permissions.manage_backups", Kind: KindBool, Where: plans, Help: "Backup management.", Plesk: perm("allow_local_backups", "allow_ftp_backups")},
	{Path: "permissions.manage_webapps", Kind: KindBool, Where: plans, Help: "Web applications management.", Plesk: perm("manage_webapps")},
	{Path: "permissions.create_websites", Kind: KindBool, Where: plans, Help: "Creation of websites.", Plesk: perm("create_domains")},
	{Path: "permissions.create_customers", Kind: KindBool, Where: InResellerPlan, Help: "Creation of customers (reseller plans).", Plesk: perm("create_clients")},
	{Path: "permissions.allow_oversell", Kind: KindBool, Where: InResellerPlan, Help: "Plesk's Allow overselling privilege: the reseller may choose its own oversell policy in the panel (reseller plans; not the policy, which is oversell).", Plesk: perm("allow_oversell")},

	{Path: "hosting.php_version", Kind: KindString, Where: enumerated, Permission: "manage_php_version",
		Component: func(v Value) string { return "php" + v.S }, Help: "PHP version, e.g. \"8.3\" (needs component phpX.Y).", Plesk: PleskName{Group: PleskHosting, Name: "php_handler_id", Enc: PleskPHPHandler}},
	{Path: "hosting.php_handler", Kind: KindEnum, Enum: []string{"fpm", "fastcgi", "cgi"}, Where: enumerated, Permission: "manage_php_version",
		Component: func(v Value) string { return "php-" + v.S }, Help: "PHP handler (needs php-fpm, php-fastcgi or php-cgi).", Plesk: PleskName{Group: PleskHosting, Name: "php_handler_id", Enc: PleskPHPHandler}},
	{Path: "hosting.ssl", Kind: KindBool, Where: subProps, Permission: "manage_hosting", Help: "SSL/TLS support.", Plesk: PleskName{Group: PleskHosting, Name: "ssl", Enc: PleskBool}},
	{Path: "hosting.ssh", Kind: KindEnum, Enum: []string{"none", "chrooted", "bash"}, Where: enumerated, Permission: "manage_ssh", Help: "SSH access.", Plesk: PleskName{Group: PleskHosting, Name: "shell", Enc: PleskShell}},
	{Path: "hosting.webstats", Kind: KindEnum, Enum: []string{"none", "awstats", "webalizer"}, Where: enumerated, Permission: "manage_webstats",
		Component: sameName, Help: "Web statistics (needs the component of the same name).", Plesk: PleskName{Group: PleskHosting, Name: "webstat", Enc: PleskWord}},
	{Path: "mail.enabled", Kind: KindBool, Where: subProps,
		Component: func(v Value) string {
			if v.Truth() {
				return "postfix"
			}
			return ""
		}, Help: "Mail service (needs postfix).", Plesk: PleskName{Group: PleskMail, Name: "mailservice", Enc: PleskBool}},
	{Path: "mail.webmail", Kind: KindEnum, Enum: []string{"none", "roundcube", "horde"}, Where: enumerated, Component: sameName, Help: "Webmail (needs the component of the same name).", Plesk: PleskName{Group: PleskMail, Name: "webmail", Enc: PleskWord}},
	{Path: "mail.spamfilter", Kind: KindBool, Where: subProps, Permission: "manage_spamfilter",
		Component: func(v Value) string {
			if v.Truth() {
				return "spamassassin"
			}
			return ""
		}, Help: "Spam filter (needs spamassassin).", Plesk: PleskName{Why: "Plesk sets the spam filter per mailbox or server-wide; plans and subscriptions have no such element"}},
	{Path: "mail.antivirus", Kind: KindEnum, Enum: []string{"off", "inbound", "outbound", "both"}, Where: enumerated, Permission: "manage_antivirus",
		Component: func(v Value) string {
			if v.S == "off" {
				return ""
			}
			return "antivirus"
		}, Help: "Antivirus (needs antivirus unless off).", Plesk: PleskName{Why: "Plesk sets antivirus per mailbox (antivir); plans and subscriptions have no such element"}},
	{Path: "dns.zone_type", Kind: KindEnum, Enum: []string{"master", "slave"}, Where: enumerated, Permission: "manage_dns",
		Component: func(v Value) string { return "bind" }, Help: "DNS zone type (needs bind).", Plesk: PleskName{Group: PleskPreference, Name: "dns_zone_type", Enc: PleskWord}},
}

var phpSetting = Prop{Kind: KindString, Where: enumerated, Permission: "manage_php_settings", Help: "A php.ini setting.",
	Plesk: PleskName{Group: PleskPHPSetting, Enc: PleskWord}}

var byPath = func() map[string]*Prop {
	m := make(map[string]*Prop, len(catalog))
	for i := range catalog {
		m[catalog[i].Path] = &catalog[i]
	}
	return m
}()

var catalogIndex = func() map[string]int {
	m := make(map[string]int, len(catalog))
	for i := range catalog {
		m[catalog[i].Path] = i
	}
	return m
}()

// Catalog returns every fixed property path, in catalogue order.
func Catalog() []Prop { return catalog }

// Lookup returns the description of a property path, including any
// hosting.php_settings.NAME path, or nil when the path is unknown.
func Lookup(path string) *Prop {
	if p := byPath[path]; p != nil {
		return p
	}
	if name, ok := strings.CutPrefix(path, PHPSettingsPrefix); ok && ValidPHPSetting(name) {
		p := phpSetting
		p.Path = path
		return &p
	}
	return nil
}

// ValidPHPSetting reports whether name is a plausible php.ini directive.
func ValidPHPSetting(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// Sections are the blocks of a property set, in display order.
var Sections = []string{"resources", "permissions", "hosting", "mail", "dns"}

// Permissions lists every permission name (without the section).
func Permissions() []string {
	var out []string
	for _, p := range catalog {
		if name, ok := strings.CutPrefix(p.Path, "permissions."); ok {
			out = append(out, name)
		}
	}
	return out
}

// PermissionFor returns the permission that lets the subscriber change a
// property ("" when none does).
func PermissionFor(path string) string {
	if p := Lookup(path); p != nil {
		return p.Permission
	}
	return ""
}

// Neutral returns the value of p that switches nothing on: off for an
// on/off setting, the "none" or "off" choice of an enumeration. What a
// config leaves out is not set (SPEC 2.2); on a server that holds every
// setting, this is how it is not set. ok is false when p has no such
// value (a PHP version, a DNS zone type, a php.ini setting).
func (p *Prop) Neutral() (Value, bool) {
	switch p.Kind {
	case KindBool:
		return Bool(false), true
	case KindEnum:
		for _, w := range p.Enum {
			if w == "none" || w == "off" {
				return Enum(w), true
			}
		}
	}
	return Value{}, false
}

// IsNeutral reports whether v is the neutral value of the property at
// path (Prop.Neutral).
func IsNeutral(path string, v Value) bool {
	p := Lookup(path)
	if p == nil {
		return false
	}
	n, ok := p.Neutral()
	return ok && n == v
}

// pathRank orders a path: by section (Sections order), then catalogue
// position; php settings and unknown paths come after their section's
// catalogue entries.
func pathRank(p string) int {
	if i, ok := catalogIndex[p]; ok {
		return sectionOf(p)*1000 + i
	}
	return sectionOf(p)*1000 + 999
}

func sectionOf(p string) int {
	for i, s := range Sections {
		if len(p) > len(s) && p[len(s)] == '.' && p[:len(s)] == s {
			return i
		}
	}
	return len(Sections)
}

// SortPaths orders property paths by section (Sections order), then by
// catalogue order, then alphabetically (php settings).
func SortPaths(paths []string) {
	if len(paths) < 2 {
		return
	}
	ranks := make([]int, len(paths))
	for i, p := range paths {
		ranks[i] = pathRank(p)
	}
	sort.Sort(byRank{paths, ranks})
}

type byRank struct {
	paths []string
	ranks []int
}

func (b byRank) Len() int { return len(b.paths) }
func (b byRank) Less(i, j int) bool {
	if b.ranks[i] != b.ranks[j] {
		return b.ranks[i] < b.ranks[j]
	}
	return b.paths[i] < b.paths[j]
}
func (b byRank) Swap(i, j int) {
	b.paths[i], b.paths[j] = b.paths[j], b.paths[i]
	b.ranks[i], b.ranks[j] = b.ranks[j], b.ranks[i]
}
