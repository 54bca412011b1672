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
	Path  string
	Kind  Kind
	Enum  []string // allowed words for KindEnum
	Where Where
	// Component returns the server component a value needs ("" none).
	Component func(v Value) string
	// Permission is the permission that lets the subscriber change the
	// setting (and so makes synchronisation ignore it), "" if none.
	Permission string
	// Help is a one-line description, used by the JSON Schema.
	Help string
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
	{Path: "resources.disk_space", Kind: KindSize, Where: plans, Help: "Disk space (size or unlimited)."},
	{Path: "resources.traffic", Kind: KindSize, Where: plans, Help: "Traffic per month (size or unlimited)."},
	{Path: "resources.websites", Kind: KindCount, Where: plans, Help: "Websites (count or unlimited)."},
	{Path: "resources.subdomains", Kind: KindCount, Where: plans, Help: "Subdomains (count or unlimited)."},
	{Path: "resources.domain_aliases", Kind: KindCount, Where: plans, Help: "Domain aliases (count or unlimited)."},
	{Path: "resources.mailboxes", Kind: KindCount, Where: plans, Help: "Mailboxes (count or unlimited)."},
	{Path: "resources.mailbox_quota", Kind: KindSize, Where: plans, Help: "Size of one mailbox (size or unlimited)."},
	{Path: "resources.mailing_lists", Kind: KindCount, Where: plans, Help: "Mailing lists (count or unlimited)."},
	{Path: "resources.databases", Kind: KindCount, Where: plans, Help: "Databases (count or unlimited)."},
	{Path: "resources.ftp_accounts", Kind: KindCount, Where: plans, Help: "Additional FTP accounts (count or unlimited)."},
	{Path: "resources.web_users", Kind: KindCount, Where: plans, Help: "Web users (count or unlimited)."},
	{Path: "resources.expiration", Kind: KindDuration, Where: plans, Help: "Validity period: 30d, 6mo, 1y or unlimited."},
	{Path: "resources.overuse", Kind: KindEnum, Enum: []string{"block", "notify", "normal", "not_suspend", "not_suspend_notify"}, Where: InServicePlan | InResellerPlan | InCustomize, Help: "Overuse policy."},
	{Path: "resources.customers", Kind: KindCount, Where: InResellerPlan, Help: "Customers a reseller may have (count or unlimited)."},
	{Path: "resources.subscriptions", Kind: KindCount, Where: InResellerPlan, Help: "Subscriptions a reseller may have (count or unlimited)."},

	{Path: "permissions.manage_hosting", Kind: KindBool, Where: plans, Help: "Hosting settings management."},
	{Path: "permissions.manage_php_settings", Kind: KindBool, Where: plans, Help: "PHP settings management."},
	{Path: "permissions.manage_php_version", Kind: KindBool, Where: plans, Help: "PHP version and handler management."},
	{Path: "permissions.manage_dns", Kind: KindBool, Where: plans, Help: "DNS zone management."},
	{Path: "permissions.manage_subdomains", Kind: KindBool, Where: plans, Help: "Subdomain management."},
	{Path: "permissions.manage_domain_aliases", Kind: KindBool, Where: plans, Help: "Domain alias management."},
	{Path: "permissions.manage_ssh", Kind: KindBool, Where: plans, Help: "SSH access management."},
	{Path: "permissions.manage_crontab", Kind: KindBool, Where: plans, Help: "Scheduled tasks management."},
	{Path: "permissions.manage_spamfilter", Kind: KindBool, Where: plans, Help: "Spam filter management."},
	{Path: "permissions.manage_antivirus", Kind: KindBool, Where: plans, Help: "Antivirus management."},
	{Path: "permissions.manage_webstats", Kind: KindBool, Where: plans, Help: "Web statistics management."},
	{Path: "permissions.manage_logs", Kind: KindBool, Where: plans, Help: "Log management."},
	{Path: "permissions.manage_backups", Kind: KindBool, Where: plans, Help: "Backup management."},
	{Path: "permissions.manage_webapps", Kind: KindBool, Where: plans, Help: "Web applications management."},
	{Path: "permissions.create_websites", Kind: KindBool, Where: plans, Help: "Creation of websites."},
	{Path: "permissions.create_customers", Kind: KindBool, Where: InResellerPlan, Help: "Creation of customers (reseller plans)."},
	{Path: "permissions.allow_oversell", Kind: KindBool, Where: InResellerPlan, Help: "Overselling (reseller plans)."},

	{Path: "hosting.php_version", Kind: KindString, Where: enumerated, Permission: "manage_php_version",
		Component: func(v Value) string { return "php" + v.S }, Help: "PHP version, e.g. \"8.3\" (needs component phpX.Y)."},
	{Path: "hosting.php_handler", Kind: KindEnum, Enum: []string{"fpm", "fastcgi", "cgi"}, Where: enumerated, Permission: "manage_php_version",
		Component: func(v Value) string { return "php-" + v.S }, Help: "PHP handler (needs php-fpm, php-fastcgi or php-cgi)."},
	{Path: "hosting.ssl", Kind: KindBool, Where: subProps, Permission: "manage_hosting", Help: "SSL/TLS support."},
	{Path: "hosting.ssh", Kind: KindEnum, Enum: []string{"none", "chrooted", "bash"}, Where: enumerated, Permission: "manage_ssh", Help: "SSH access."},
	{Path: "hosting.webstats", Kind: KindEnum, Enum: []string{"none", "awstats", "webalizer"}, Where: enumerated, Permission: "manage_webstats",
		Component: sameName, Help: "Web statistics (needs the component of the same name)."},
	{Path: "mail.enabled", Kind: KindBool, Where: subProps,
		Component: func(v Value) string {
			if v.Truth() {
				return "postfix"
			}
			return ""
		}, Help: "Mail service (needs postfix)."},
	{Path: "mail.webmail", Kind: KindEnum, Enum: []string{"none", "roundcube", "horde"}, Where: enumerated, Component: sameName, Help: "Webmail (needs the component of the same name)."},
	{Path: "mail.spamfilter", Kind: KindBool, Where: subProps, Permission: "manage_spamfilter",
		Component: func(v Value) string {
			if v.Truth() {
				return "spamassassin"
			}
			return ""
		}, Help: "Spam filter (needs spamassassin)."},
	{Path: "mail.antivirus", Kind: KindEnum, Enum: []string{"off", "inbound", "outbound", "both"}, Where: enumerated, Permission: "manage_antivirus",
		Component: func(v Value) string {
			if v.S == "off" {
				return ""
			}
			return "antivirus"
		}, Help: "Antivirus (needs antivirus unless off)."},
	{Path: "dns.zone_type", Kind: KindEnum, Enum: []string{"master", "slave"}, Where: enumerated, Permission: "manage_dns",
		Component: func(v Value) string { return "bind" }, Help: "DNS zone type (needs bind)."},
}

var phpSetting = Prop{Kind: KindString, Where: enumerated, Permission: "manage_php_settings", Help: "A php.ini setting."}

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
