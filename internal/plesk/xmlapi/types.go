package xmlapi

import (
	"encoding/xml"
	"strings"
)

// The types below are Plesk's XML API elements that plansync reads and
// writes. Struct fields are in the order of the schema's sequences:
// encoding/xml writes them in field order, and Plesk rejects packets whose
// elements are out of order.

// Empty is an element without content (<owner-all/>, <no-plan/>).
type Empty struct{}

// Limit is limits/limit.
type Limit struct {
	Name  string `xml:"name"`
	Value string `xml:"value"`
}

// Permission is permissions/permission.
type Permission struct {
	Name  string `xml:"name"`
	Value string `xml:"value"`
}

// Property is a hosting property.
type Property struct {
	Name  string `xml:"name"`
	Value string `xml:"value"`
}

// Setting is php-settings/setting.
type Setting struct {
	Name  string `xml:"name"`
	Value string `xml:"value"`
}

// Limits is a plan's or subscription's limits block (overuse is absent
// for add-on plans).
type Limits struct {
	Overuse string  `xml:"overuse,omitempty"`
	Limit   []Limit `xml:"limit"`
}

// ResourcePolicy is a reseller plan's or reseller's resource policy.
type ResourcePolicy struct {
	Oversell string `xml:"oversell,omitempty"`
	Overuse  string `xml:"overuse,omitempty"`
}

// ResellerLimits is a reseller plan's or reseller's limits block.
type ResellerLimits struct {
	ResourcePolicy *ResourcePolicy `xml:"resource-policy"`
	Limit          []Limit         `xml:"limit"`
}

// Permissions is a permissions block.
type Permissions struct {
	Permission []Permission `xml:"permission"`
}

// Properties is a list of hosting properties (service-plan add and add-on
// add/set take hosting/property*; vrt_hst wraps them elsewhere).
type Properties struct {
	Property []Property `xml:"property"`
}

// PlanHosting is service-plan set's and every get's hosting: vrt_hst or none.
type PlanHosting struct {
	VrtHst *Properties `xml:"vrt_hst"`
	None   *Empty      `xml:"none"`
}

// PHPSettings is a php-settings block.
type PHPSettings struct {
	Setting []Setting `xml:"setting"`
}

// PlanMail is a service plan's mail block.
type PlanMail struct {
	Webmail     string `xml:"webmail,omitempty"`
	MailService string `xml:"mailservice,omitempty"`
}

// PlanPreferences is a service plan's preferences block.
type PlanPreferences struct {
	// Stat (days of statistics kept) and MailLists are not modelled by
	// plansync: read, reported as such, never written.
	Stat        string `xml:"stat,omitempty"`
	MailLists   string `xml:"maillists,omitempty"`
	MailService string `xml:"mailservice,omitempty"`
	DNSZoneType string `xml:"dns_zone_type,omitempty"`
}

// PlanItems lists the additional services of a plan or subscription.
type PlanItems struct {
	Item []PlanItem `xml:"item"`
}

// PlanItem names one additional service.
type PlanItem struct {
	Name string `xml:"name"`
}

// PlanFilter selects service or add-on plans (one kind of key; none = all).
type PlanFilter struct {
	Name       []string `xml:"name"`
	ID         []int    `xml:"id"`
	GUID       []string `xml:"guid"`
	ExternalID []string `xml:"external-id"`
}

// ResellerPlanFilter selects reseller plans.
type ResellerPlanFilter struct {
	ID         []int    `xml:"id"`
	Name       []string `xml:"name"`
	All        *Empty   `xml:"all"`
	GUID       []string `xml:"guid"`
	ExternalID []string `xml:"external-id"`
}

// CustomerFilter selects customers.
type CustomerFilter struct {
	ID         []int    `xml:"id"`
	Login      []string `xml:"login"`
	OwnerID    []int    `xml:"owner-id"`
	OwnerLogin []string `xml:"owner-login"`
	GUID       []string `xml:"guid"`
	ExternalID []string `xml:"external-id"`
}

// ResellerFilter selects resellers.
type ResellerFilter struct {
	ID         []int    `xml:"id"`
	Login      []string `xml:"login"`
	GUID       []string `xml:"guid"`
	All        *Empty   `xml:"all"`
	ExternalID []string `xml:"external-id"`
}

// WebspaceFilter selects subscriptions.
type WebspaceFilter struct {
	ID              []int    `xml:"id"`
	OwnerID         []int    `xml:"owner-id"`
	Name            []string `xml:"name"`
	OwnerLogin      []string `xml:"owner-login"`
	GUID            []string `xml:"guid"`
	OwnerGUID       []string `xml:"owner-guid"`
	ExternalID      []string `xml:"external-id"`
	OwnerExternalID []string `xml:"owner-external-id"`
}

// Status is the head of every result: status, errcode, errtext.
type Status struct {
	Status  string `xml:"status"`
	ErrCode int    `xml:"errcode,omitempty"`
	ErrText string `xml:"errtext,omitempty"`
}

// Head returns the status itself (every result embeds one).
func (s *Status) Head() *Status { return s }

// FilterResult is Plesk's resultFilterType with an optional problems text.
type FilterResult struct {
	Status
	FilterID string `xml:"filter-id,omitempty"`
	ID       int    `xml:"id,omitempty"`
	Problems string `xml:"problems,omitempty"`
}

// AddResult is the result of an add: the new object's id and GUID.
type AddResult struct {
	Status
	ID   int    `xml:"id,omitempty"`
	GUID string `xml:"guid,omitempty"`
}

// PlanResult is the result of a plan set or del.
type PlanResult struct {
	Status
	ID       int    `xml:"id,omitempty"`
	Problems string `xml:"problems,omitempty"`
}

// PlanData is one service or add-on plan from a get.
type PlanData struct {
	Status
	ID          int              `xml:"id,omitempty"`
	Name        string           `xml:"name,omitempty"`
	GUID        string           `xml:"guid,omitempty"`
	ExternalID  string           `xml:"external-id,omitempty"`
	OwnerID     int              `xml:"owner-id,omitempty"`
	OwnerLogin  string           `xml:"owner-login,omitempty"`
	Mail        *PlanMail        `xml:"mail"`
	Limits      *Limits          `xml:"limits"`
	Preferences *PlanPreferences `xml:"preferences"`
	Hosting     *PlanHosting     `xml:"hosting"`
	Permissions *Permissions     `xml:"permissions"`
	PlanItems   *PlanItems       `xml:"plan-items"`
	PHPSettings *PHPSettings     `xml:"php-settings"`
}

// IPPool is a reseller plan's IP pool.
type IPPool struct {
	IPAddress    []string `xml:"ip-address"`
	AllocateIP   string   `xml:"allocate-ip,omitempty"`
	AllocateIPv6 string   `xml:"allocate-ipv6,omitempty"`
}

// ResellerPlanData is a reseller plan result (add, set, del carry the
// head only; get carries the blocks asked for).
type ResellerPlanData struct {
	Status
	ID          int             `xml:"id,omitempty"`
	Name        string          `xml:"name,omitempty"`
	GUID        string          `xml:"guid,omitempty"`
	ExternalID  string          `xml:"external-id,omitempty"`
	Problems    string          `xml:"problems,omitempty"`
	Limits      *ResellerLimits `xml:"limits"`
	Permissions *Permissions    `xml:"permissions"`
	IPPool      *IPPool         `xml:"ip-pool"`
}

// Status bits of a customer, reseller or subscription (gen_info's
// status): suspended by the administrator, by a reseller, by the
// customer; expired.
const (
	StatusByAdmin    = 16
	StatusByReseller = 32
	StatusByCustomer = 64
	StatusExpired    = 256
	// StatusSuspendedInPanel are the bits a suspension in the panel
	// sets: the administrator's, a reseller's, the customer's.
	StatusSuspendedInPanel = StatusByAdmin | StatusByReseller | StatusByCustomer
)

// CustomerInfo is a customer's gen_info (add and set; empty fields are
// left out).
type CustomerInfo struct {
	Company         string `xml:"cname,omitempty"`
	Name            string `xml:"pname,omitempty"`
	Login           string `xml:"login,omitempty"`
	Password        string `xml:"passwd,omitempty"`
	Status          *int   `xml:"status"`
	Phone           string `xml:"phone,omitempty"`
	Fax             string `xml:"fax,omitempty"`
	Email           string `xml:"email,omitempty"`
	Address         string `xml:"address,omitempty"`
	City            string `xml:"city,omitempty"`
	State           string `xml:"state,omitempty"`
	PostCode        string `xml:"pcode,omitempty"`
	Country         string `xml:"country,omitempty"`
	Locale          string `xml:"locale,omitempty"`
	OwnerID         int    `xml:"owner-id,omitempty"`
	OwnerLogin      string `xml:"owner-login,omitempty"`
	OwnerExternalID string `xml:"owner-external-id,omitempty"`
	ExternalID      string `xml:"external-id,omitempty"`
	Description     string `xml:"description,omitempty"`
}

// CustomerSetInfo is a customer's gen_info in a set (Plesk's
// clientSetGenInfo): a nil field is left out and kept; a contact field
// set to "" is sent as an empty element, which clears it.
type CustomerSetInfo struct {
	Company     *string `xml:"cname"`
	Name        *string `xml:"pname"`
	Login       string  `xml:"login,omitempty"`
	Password    string  `xml:"passwd,omitempty"`
	Status      *int    `xml:"status"`
	Phone       *string `xml:"phone"`
	Email       *string `xml:"email"`
	Address     *string `xml:"address"`
	Description *string `xml:"description"`
}

// CustomerGenInfo is a customer's gen_info as get returns it.
type CustomerGenInfo struct {
	Created     string `xml:"cr_date"`
	Company     string `xml:"cname"`
	Name        string `xml:"pname"`
	Login       string `xml:"login"`
	Status      int    `xml:"status"`
	Phone       string `xml:"phone"`
	Fax         string `xml:"fax"`
	Email       string `xml:"email"`
	Address     string `xml:"address"`
	City        string `xml:"city"`
	State       string `xml:"state"`
	PostCode    string `xml:"pcode"`
	Country     string `xml:"country"`
	Locale      string `xml:"locale"`
	GUID        string `xml:"guid,omitempty"`
	OwnerID     int    `xml:"owner-id,omitempty"`
	OwnerLogin  string `xml:"owner-login,omitempty"`
	ExternalID  string `xml:"external-id,omitempty"`
	Description string `xml:"description,omitempty"`
}

// CustomerData is one customer from a get.
type CustomerData struct {
	Status
	FilterID string `xml:"filter-id,omitempty"`
	ID       int    `xml:"id,omitempty"`
	Data     *struct {
		GenInfo *CustomerGenInfo `xml:"gen_info"`
		Stat    *CustomerStat    `xml:"stat"`
	} `xml:"data"`
}

// ResellerInfo is a reseller's gen-info (add and set).
type ResellerInfo struct {
	Company     string `xml:"cname,omitempty"`
	Name        string `xml:"pname,omitempty"`
	Login       string `xml:"login,omitempty"`
	Password    string `xml:"passwd,omitempty"`
	Status      *int   `xml:"status"`
	Phone       string `xml:"phone,omitempty"`
	Fax         string `xml:"fax,omitempty"`
	Email       string `xml:"email,omitempty"`
	Address     string `xml:"address,omitempty"`
	City        string `xml:"city,omitempty"`
	State       string `xml:"state,omitempty"`
	PostCode    string `xml:"pcode,omitempty"`
	Country     string `xml:"country,omitempty"`
	Locale      string `xml:"locale,omitempty"`
	ExternalID  string `xml:"external-id,omitempty"`
	Description string `xml:"description,omitempty"`
}

// ResellerSetInfo is a reseller's gen-info in a set (Plesk's
// ResellerSetGenInfo): the same elements, in the same order, as a
// customer's.
type ResellerSetInfo = CustomerSetInfo

// ResellerGenInfo is a reseller's gen-info as get returns it.
type ResellerGenInfo struct {
	Created     string `xml:"cr-date"`
	Company     string `xml:"cname"`
	Name        string `xml:"pname"`
	Login       string `xml:"login"`
	Status      int    `xml:"status"`
	Phone       string `xml:"phone"`
	Fax         string `xml:"fax"`
	Email       string `xml:"email"`
	Address     string `xml:"address"`
	City        string `xml:"city"`
	State       string `xml:"state"`
	PostCode    string `xml:"pcode"`
	Country     string `xml:"country"`
	Locale      string `xml:"locale"`
	GUID        string `xml:"guid,omitempty"`
	ExternalID  string `xml:"external-id,omitempty"`
	Description string `xml:"description,omitempty"`
}

// Subscriptions is the subscriptions dataset of a webspace or reseller:
// lock and sync flags ("true"/"false") and the GUIDs of the service plan
// and the add-ons, mixed.
type Subscriptions struct {
	Subscription *SubscriptionInfo `xml:"subscription"`
}

// SubscriptionInfo is subscriptions/subscription.
type SubscriptionInfo struct {
	Locked       string     `xml:"locked"`
	Synchronized string     `xml:"synchronized"`
	Plan         []PlanGUID `xml:"plan"`
}

// PlanGUID is subscription/plan.
type PlanGUID struct {
	GUID string `xml:"plan-guid"`
}

// ResellerData is one reseller from a get.
type ResellerData struct {
	Status
	FilterID string `xml:"filter-id,omitempty"`
	ID       int    `xml:"id,omitempty"`
	Data     *struct {
		GenInfo       *ResellerGenInfo `xml:"gen-info"`
		Stat          *ResellerStat    `xml:"stat"`
		Permissions   *Permissions     `xml:"permissions"`
		Limits        *ResellerLimits  `xml:"limits"`
		IPPool        *ResellerIPPool  `xml:"ippool"`
		Subscriptions *Subscriptions   `xml:"subscriptions"`
	} `xml:"data"`
}

// WebspaceHosting is a subscription's hosting for add and set.
type WebspaceHosting struct {
	VrtHst *VrtHst `xml:"vrt_hst"`
}

// VrtHst is physical hosting: properties then up to two IP addresses.
type VrtHst struct {
	Property  []Property `xml:"property"`
	IPAddress []string   `xml:"ip_address"`
}

// WebspaceMail is a subscription's mail block.
type WebspaceMail struct {
	Webmail     string `xml:"webmail,omitempty"`
	MailService string `xml:"mailservice,omitempty"`
}

// WebspaceGenInfo is a subscription's gen_info as get returns it.
type WebspaceGenInfo struct {
	Created    string   `xml:"cr_date"`
	Name       string   `xml:"name"`
	ASCIIName  string   `xml:"ascii-name"`
	Status     int      `xml:"status"`
	RealSize   int64    `xml:"real_size"`
	OwnerID    int      `xml:"owner-id,omitempty"`
	OwnerLogin string   `xml:"owner-login,omitempty"`
	DNSIP      []string `xml:"dns_ip_address"`
	HType      string   `xml:"htype"`
	GUID       string   `xml:"guid"`
	VendorGUID string   `xml:"vendor-guid"`
	ExternalID string   `xml:"external-id"`
	// The descriptions (the emulator answers them; plansync does not
	// read them).
	Description         string `xml:"description,omitempty"`
	AdminDescription    string `xml:"admin-description,omitempty"`
	ResellerDescription string `xml:"reseller-description,omitempty"`
}

// Domain is the subscription's domain as plansync keys it (SPEC §2.1):
// lower case and ASCII. For an internationalised domain Plesk reports
// name in Unicode and ascii-name in punycode (xn--…), the only form a
// config may write; an answer without ascii-name gives name.
func (g *WebspaceGenInfo) Domain() string {
	if g.ASCIIName != "" {
		return strings.ToLower(g.ASCIIName)
	}
	return strings.ToLower(g.Name)
}

// WebspaceData is one subscription from a get.
type WebspaceData struct {
	Status
	FilterID string        `xml:"filter-id,omitempty"`
	ID       int           `xml:"id,omitempty"`
	Data     *WebspaceBody `xml:"data"`
}

// WebspaceBody is the data of a WebspaceData (an alias: the field's
// type is the struct itself).
type WebspaceBody = struct {
	GenInfo       *WebspaceGenInfo `xml:"gen_info"`
	Hosting       *WebspaceHosting `xml:"hosting"`
	Limits        *Limits          `xml:"limits"`
	Stat          *WebspaceStat    `xml:"stat"`
	Prefs         *WebspacePrefs   `xml:"prefs"`
	DiskUsage     *DiskUsage       `xml:"disk_usage"`
	Performance   *Performance     `xml:"performance"`
	Subscriptions *Subscriptions   `xml:"subscriptions"`
	Permissions   *Permissions     `xml:"permissions"`
	PlanItems     *PlanItems       `xml:"plan-items"`
	PHPSettings   *PHPSettings     `xml:"php-settings"`
	ResourceUsage *ResourceUsage   `xml:"resource-usage"`
	Mail          *WebspaceMail    `xml:"mail"`
}

// ResourceUsage is the resource-usage dataset of a webspace get: what
// the subscription uses of each resource, by limit name (the emulator
// answers it; plansync does not read it).
type ResourceUsage struct {
	Resource []Property `xml:"resource"`
}

// WebspaceStat, WebspacePrefs, DiskUsage and Performance are the
// datasets stat, prefs, disk_usage and performance of a webspace get:
// usage counters, the preferences and the performance settings a
// billing system reads (plansync does not: the emulator answers them).
type WebspaceStat struct {
	Traffic        int64 `xml:"traffic"`
	Subdomains     int64 `xml:"subdom"`
	WebUsers       int64 `xml:"wu"`
	Mailboxes      int64 `xml:"box"`
	Redirects      int64 `xml:"redir"`
	MailGroups     int64 `xml:"mg"`
	Responders     int64 `xml:"resp"`
	MailLists      int64 `xml:"maillists"`
	Databases      int64 `xml:"db"`
	MSSQLDatabases int64 `xml:"mssql_db"`
	TrafficPrevDay int64 `xml:"traffic_prevday"`
	Domains        int64 `xml:"domains"`
	Sites          int64 `xml:"sites"`
}

// WebspacePrefs: see WebspaceStat.
type WebspacePrefs struct {
	WWW           string `xml:"www,omitempty"`
	StatTTL       string `xml:"stat_ttl,omitempty"`
	OutgoingLimit string `xml:"outgoing-messages-domain-limit,omitempty"`
}

// DiskUsage: see WebspaceStat (sizes in bytes, Unix Plesk's shape).
type DiskUsage struct {
	HTTPDocs    int64 `xml:"httpdocs"`
	HTTPSDocs   int64 `xml:"httpsdocs"`
	Subdomains  int64 `xml:"subdomains"`
	WebUsers    int64 `xml:"web_users"`
	AnonFTP     int64 `xml:"anonftp"`
	Logs        int64 `xml:"logs"`
	Databases   int64 `xml:"dbases"`
	Mailboxes   int64 `xml:"mailboxes"`
	MailLists   int64 `xml:"maillists"`
	DomainDumps int64 `xml:"domaindumps"`
	Configs     int64 `xml:"configs"`
	Chroot      int64 `xml:"chroot"`
}

// Performance: see WebspaceStat (-1: no limit).
type Performance struct {
	Bandwidth      string `xml:"bandwidth,omitempty"`
	MaxConnections string `xml:"max_connections,omitempty"`
}

// CustomerStat is the stat dataset of a customer get, ResellerStat that
// of a reseller get (usage counters; the emulator answers them, plansync
// does not read them).
type CustomerStat struct {
	ActiveDomains  int64 `xml:"active_domains"`
	Subdomains     int64 `xml:"subdomains"`
	DiskSpace      int64 `xml:"disk_space"`
	Mailboxes      int64 `xml:"postboxs"`
	Redirects      int64 `xml:"redirects"`
	MailGroups     int64 `xml:"mail_groups"`
	Responders     int64 `xml:"mail_resps"`
	MailLists      int64 `xml:"mail_lists"`
	WebUsers       int64 `xml:"web_users"`
	Databases      int64 `xml:"data_bases"`
	Traffic        int64 `xml:"traffic"`
	TrafficPrevDay int64 `xml:"traffic_prevday"`
}

// ResellerStat: see CustomerStat.
type ResellerStat struct {
	ActiveClients  int64 `xml:"active-clients"`
	ActiveDomains  int64 `xml:"active-domains"`
	Clients        int64 `xml:"clients"`
	Domains        int64 `xml:"domains"`
	Subdomains     int64 `xml:"subdomains"`
	DomainAliases  int64 `xml:"domain-aliases"`
	DiskSpace      int64 `xml:"disk-space"`
	WebUsers       int64 `xml:"web-users"`
	Databases      int64 `xml:"data-bases"`
	Mailboxes      int64 `xml:"postboxs"`
	MailboxQuota   int64 `xml:"mbox-quota"`
	Redirects      int64 `xml:"redirects"`
	MailGroups     int64 `xml:"mail-groups"`
	Responders     int64 `xml:"mail-resps"`
	MailLists      int64 `xml:"mail-lists"`
	MSSQLDatabases int64 `xml:"mssql-data-bases"`
	Traffic        int64 `xml:"traffic"`
	TrafficPrevDay int64 `xml:"traffic-prevday"`
}

// ResellerIPPool is the ippool dataset of a reseller get: the addresses
// the reseller may give its subscriptions (the emulator answers it,
// plansync does not read it).
type ResellerIPPool struct {
	IP []ResellerIP `xml:"ip"`
}

// ResellerIP is an address of a ResellerIPPool: shared or exclusive.
type ResellerIP struct {
	Address string `xml:"ip-address"`
	Type    string `xml:"ip-type"`
}

// Component is an installed server component.
type Component struct {
	Name    string `xml:"name"`
	Version string `xml:"version"`
}

// Shell is a login shell the server offers.
type Shell struct {
	Name string `xml:"name"`
	Path string `xml:"path"`
}

// ServerGenInfo is the gen_info of a server get (the emulator answers
// it; plansync does not read it).
type ServerGenInfo struct {
	Name string `xml:"server_name"`
	GUID string `xml:"server_guid"`
	Mode string `xml:"mode,omitempty"`
}

// ServerData is the result of server get.
type ServerData struct {
	Status
	GenInfo    *ServerGenInfo `xml:"gen_info"`
	Components *struct {
		Component []Component `xml:"component"`
	} `xml:"components"`
	Shells *struct {
		Shell []Shell `xml:"shell"`
	} `xml:"shells"`
}

// ExtensionData is the result of an extension get: the installed
// extensions.
type ExtensionData struct {
	Status
	Details []ExtensionDetails `xml:"details"`
}

// IPData is the result of an ip get: the server's addresses.
type IPData struct {
	Status
	Addresses struct {
		IPInfo []IPInfo `xml:"ip_info"`
	} `xml:"addresses"`
}

// IPInfo is one of the server's IP addresses; Type is "shared" or
// "exclusive".
type IPInfo struct {
	Address string `xml:"ip_address"`
	Type    string `xml:"type"`
}

// ExtensionDetails is one installed extension.
type ExtensionDetails struct {
	ID      string `xml:"id,omitempty"`
	Name    string `xml:"name,omitempty"`
	Version string `xml:"version,omitempty"`
	Release string `xml:"release,omitempty"`
	Active  string `xml:"active,omitempty"`
}

// PHPHandler is one PHP handler of the server.
type PHPHandler struct {
	Status
	ID            string `xml:"id,omitempty"`
	DisplayName   string `xml:"display-name,omitempty"`
	FullVersion   string `xml:"full-version,omitempty"`
	Version       string `xml:"version,omitempty"`
	Type          string `xml:"type,omitempty"`
	Custom        string `xml:"custom,omitempty"`
	HandlerStatus string `xml:"handler-status,omitempty"`
}

// packetOut is a request packet.
type packetOut struct {
	XMLName xml.Name `xml:"packet"`
	Version string   `xml:"version,attr"`
	Ops     []operatorOut
}

type operatorOut struct {
	XMLName xml.Name
	Op      any
}
