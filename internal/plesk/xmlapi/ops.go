package xmlapi

import "encoding/xml"

// Op is one operation of a request packet: the operator it belongs to
// ("service-plan"), its own element ("add") and what it names for error
// messages.
type Op interface {
	Operator() string
	Operation() string
	// Object names what the operation is about ("service plan Basic").
	Object() string
	// Read reports whether the operation changes nothing (it may be
	// retried and batched freely).
	Read() bool
}

// Owner is the owner choice of plan operations: by id, by login, or (get
// only) every owner.
type Owner struct {
	OwnerID    int    `xml:"owner-id,omitempty"`
	OwnerLogin string `xml:"owner-login,omitempty"`
}

func ownerText(o Owner) string {
	if o.OwnerLogin != "" {
		return " of " + o.OwnerLogin
	}
	return ""
}

func planText(kind string, f PlanFilter, o Owner) string {
	return kind + " " + filterText(f.Name, f.ID, f.GUID, f.ExternalID) + ownerText(o)
}

// ---- service-plan ---------------------------------------------------------

// ServicePlanAdd creates a service plan (hosting is hosting/property*).
type ServicePlanAdd struct {
	XMLName xml.Name `xml:"add"`
	Name    string   `xml:"name"`
	Owner
	Mail        *PlanMail        `xml:"mail"`
	Limits      *Limits          `xml:"limits"`
	Preferences *PlanPreferences `xml:"preferences"`
	Hosting     *Properties      `xml:"hosting"`
	Permissions *Permissions     `xml:"permissions"`
	ExternalID  string           `xml:"external-id,omitempty"`
	PHPSettings *PHPSettings     `xml:"php-settings"`
}

// ServicePlanGet reads service plans; OwnerAll reads every owner's.
type ServicePlanGet struct {
	XMLName xml.Name   `xml:"get"`
	Filter  PlanFilter `xml:"filter"`
	Owner
	OwnerAll *Empty `xml:"owner-all"`
}

// ServicePlanSet changes service plans (hosting is hosting/vrt_hst).
type ServicePlanSet struct {
	XMLName xml.Name   `xml:"set"`
	Filter  PlanFilter `xml:"filter"`
	Owner
	Mail        *PlanMail        `xml:"mail"`
	Limits      *Limits          `xml:"limits"`
	Preferences *PlanPreferences `xml:"preferences"`
	Hosting     *PlanHosting     `xml:"hosting"`
	Permissions *Permissions     `xml:"permissions"`
	ExternalID  string           `xml:"external-id,omitempty"`
	NewName     string           `xml:"name,omitempty"`
	PHPSettings *PHPSettings     `xml:"php-settings"`
}

// ServicePlanDel deletes service plans.
type ServicePlanDel struct {
	XMLName xml.Name   `xml:"del"`
	Filter  PlanFilter `xml:"filter"`
	Owner
}

func (ServicePlanAdd) Operator() string   { return "service-plan" }
func (ServicePlanGet) Operator() string   { return "service-plan" }
func (ServicePlanSet) Operator() string   { return "service-plan" }
func (ServicePlanDel) Operator() string   { return "service-plan" }
func (ServicePlanAdd) Operation() string  { return "add" }
func (ServicePlanGet) Operation() string  { return "get" }
func (ServicePlanSet) Operation() string  { return "set" }
func (ServicePlanDel) Operation() string  { return "del" }
func (o ServicePlanAdd) Object() string   { return "service plan " + o.Name + ownerText(o.Owner) }
func (o ServicePlanGet) Object() string   { return planText("service plans", o.Filter, o.Owner) }
func (o ServicePlanSet) Object() string   { return planText("service plan", o.Filter, o.Owner) }
func (o ServicePlanDel) Object() string   { return planText("service plan", o.Filter, o.Owner) }
func (ServicePlanAdd) Read() bool         { return false }
func (ServicePlanGet) Read() bool         { return true }
func (ServicePlanSet) Read() bool         { return false }
func (ServicePlanDel) Read() bool         { return false }
func (ServicePlanAdd) resultOf() any      { return new(AddResult) }
func (ServicePlanGet) resultOf() any      { return new(PlanData) }
func (ServicePlanSet) resultOf() any      { return new(PlanResult) }
func (ServicePlanDel) resultOf() any      { return new(PlanResult) }
func (o ServicePlanGet) allowEmpty() bool { return true }

// ---- service-plan-addon ---------------------------------------------------

// AddonPlanAdd creates an add-on plan (hosting is hosting/property*).
type AddonPlanAdd struct {
	XMLName xml.Name `xml:"add"`
	Name    string   `xml:"name"`
	Owner
	Limits      *Limits      `xml:"limits"`
	Hosting     *Properties  `xml:"hosting"`
	Permissions *Permissions `xml:"permissions"`
	ExternalID  string       `xml:"external-id,omitempty"`
	PHPSettings *PHPSettings `xml:"php-settings"`
}

// AddonPlanGet reads add-on plans.
type AddonPlanGet struct {
	XMLName xml.Name   `xml:"get"`
	Filter  PlanFilter `xml:"filter"`
	Owner
	OwnerAll *Empty `xml:"owner-all"`
}

// AddonPlanSet changes add-on plans (hosting is hosting/property*, as at add).
type AddonPlanSet struct {
	XMLName xml.Name   `xml:"set"`
	Filter  PlanFilter `xml:"filter"`
	Owner
	Limits      *Limits      `xml:"limits"`
	Hosting     *Properties  `xml:"hosting"`
	Permissions *Permissions `xml:"permissions"`
	ExternalID  string       `xml:"external-id,omitempty"`
	NewName     string       `xml:"name,omitempty"`
	PHPSettings *PHPSettings `xml:"php-settings"`
}

// AddonPlanDel deletes add-on plans.
type AddonPlanDel struct {
	XMLName xml.Name   `xml:"del"`
	Filter  PlanFilter `xml:"filter"`
	Owner
}

func (AddonPlanAdd) Operator() string   { return "service-plan-addon" }
func (AddonPlanGet) Operator() string   { return "service-plan-addon" }
func (AddonPlanSet) Operator() string   { return "service-plan-addon" }
func (AddonPlanDel) Operator() string   { return "service-plan-addon" }
func (AddonPlanAdd) Operation() string  { return "add" }
func (AddonPlanGet) Operation() string  { return "get" }
func (AddonPlanSet) Operation() string  { return "set" }
func (AddonPlanDel) Operation() string  { return "del" }
func (o AddonPlanAdd) Object() string   { return "add-on plan " + o.Name + ownerText(o.Owner) }
func (o AddonPlanGet) Object() string   { return planText("add-on plans", o.Filter, o.Owner) }
func (o AddonPlanSet) Object() string   { return planText("add-on plan", o.Filter, o.Owner) }
func (o AddonPlanDel) Object() string   { return planText("add-on plan", o.Filter, o.Owner) }
func (AddonPlanAdd) Read() bool         { return false }
func (AddonPlanGet) Read() bool         { return true }
func (AddonPlanSet) Read() bool         { return false }
func (AddonPlanDel) Read() bool         { return false }
func (AddonPlanAdd) resultOf() any      { return new(AddResult) }
func (AddonPlanGet) resultOf() any      { return new(PlanData) }
func (AddonPlanSet) resultOf() any      { return new(PlanResult) }
func (AddonPlanDel) resultOf() any      { return new(PlanResult) }
func (o AddonPlanGet) allowEmpty() bool { return true }

// ---- reseller-plan --------------------------------------------------------

// ResellerPlanAdd creates a reseller plan.
type ResellerPlanAdd struct {
	XMLName     xml.Name        `xml:"add"`
	Name        string          `xml:"name"`
	Limits      *ResellerLimits `xml:"limits"`
	Permissions *Permissions    `xml:"permissions"`
	ExternalID  string          `xml:"external-id,omitempty"`
}

// ResellerPlanGet reads reseller plans with the blocks asked for.
type ResellerPlanGet struct {
	XMLName     xml.Name           `xml:"get"`
	Filter      ResellerPlanFilter `xml:"filter"`
	Limits      *Empty             `xml:"limits"`
	Permissions *Empty             `xml:"permissions"`
	IPPool      *Empty             `xml:"ip-pool"`
}

// ResellerPlanSet changes reseller plans.
type ResellerPlanSet struct {
	XMLName     xml.Name           `xml:"set"`
	Filter      ResellerPlanFilter `xml:"filter"`
	Limits      *ResellerLimits    `xml:"limits"`
	Permissions *Permissions       `xml:"permissions"`
	ExternalID  string             `xml:"external-id,omitempty"`
	NewName     string             `xml:"name,omitempty"`
}

// ResellerPlanDel deletes reseller plans.
type ResellerPlanDel struct {
	XMLName xml.Name           `xml:"del"`
	Filter  ResellerPlanFilter `xml:"filter"`
}

func rpText(f ResellerPlanFilter) string {
	if f.All != nil {
		return "reseller plans (all)"
	}
	return "reseller plan " + filterText(f.Name, f.ID, f.GUID, f.ExternalID)
}

func (ResellerPlanAdd) Operator() string   { return "reseller-plan" }
func (ResellerPlanGet) Operator() string   { return "reseller-plan" }
func (ResellerPlanSet) Operator() string   { return "reseller-plan" }
func (ResellerPlanDel) Operator() string   { return "reseller-plan" }
func (ResellerPlanAdd) Operation() string  { return "add" }
func (ResellerPlanGet) Operation() string  { return "get" }
func (ResellerPlanSet) Operation() string  { return "set" }
func (ResellerPlanDel) Operation() string  { return "del" }
func (o ResellerPlanAdd) Object() string   { return "reseller plan " + o.Name }
func (o ResellerPlanGet) Object() string   { return rpText(o.Filter) }
func (o ResellerPlanSet) Object() string   { return rpText(o.Filter) }
func (o ResellerPlanDel) Object() string   { return rpText(o.Filter) }
func (ResellerPlanAdd) Read() bool         { return false }
func (ResellerPlanGet) Read() bool         { return true }
func (ResellerPlanSet) Read() bool         { return false }
func (ResellerPlanDel) Read() bool         { return false }
func (ResellerPlanAdd) resultOf() any      { return new(ResellerPlanData) }
func (ResellerPlanGet) resultOf() any      { return new(ResellerPlanData) }
func (ResellerPlanSet) resultOf() any      { return new(ResellerPlanData) }
func (ResellerPlanDel) resultOf() any      { return new(ResellerPlanData) }
func (ResellerPlanGet) allowEmpty() bool   { return true }
func (o ResellerPlanDel) allowEmpty() bool { return false }

// ---- customer -------------------------------------------------------------

// CustomerAdd creates a customer.
type CustomerAdd struct {
	XMLName xml.Name     `xml:"add"`
	GenInfo CustomerInfo `xml:"gen_info"`
}

// CustomerDataset names what a customer get returns.
type CustomerDataset struct {
	GenInfo *Empty `xml:"gen_info"`
}

// CustomerGet reads customers.
type CustomerGet struct {
	XMLName xml.Name        `xml:"get"`
	Filter  CustomerFilter  `xml:"filter"`
	Dataset CustomerDataset `xml:"dataset"`
}

// CustomerSet changes customers.
type CustomerSet struct {
	XMLName xml.Name       `xml:"set"`
	Filter  CustomerFilter `xml:"filter"`
	Values  struct {
		GenInfo *CustomerSetInfo `xml:"gen_info"`
	} `xml:"values"`
}

// CustomerDel deletes customers.
type CustomerDel struct {
	XMLName xml.Name       `xml:"del"`
	Filter  CustomerFilter `xml:"filter"`
}

// CustomerChangeOwner moves customers to another owner.
type CustomerChangeOwner struct {
	XMLName       xml.Name       `xml:"change-owner"`
	Filter        CustomerFilter `xml:"filter"`
	NewOwnerLogin string         `xml:"new-owner-login"`
	IPv4          []string       `xml:"ipV4-address"`
	IPv6          []string       `xml:"ipV6-address"`
	PlanName      string         `xml:"plan-name,omitempty"`
}

// CustomerConvertToReseller makes customers resellers.
type CustomerConvertToReseller struct {
	XMLName          xml.Name       `xml:"convert-to-reseller"`
	Filter           CustomerFilter `xml:"filter"`
	ResellerPlanName string         `xml:"reseller-plan-name,omitempty"`
}

func customerText(f CustomerFilter) string {
	return "customer " + filterText(f.Login, f.ID, f.GUID, f.ExternalID, f.OwnerLogin)
}

func (CustomerAdd) Operator() string                 { return "customer" }
func (CustomerGet) Operator() string                 { return "customer" }
func (CustomerSet) Operator() string                 { return "customer" }
func (CustomerDel) Operator() string                 { return "customer" }
func (CustomerChangeOwner) Operator() string         { return "customer" }
func (CustomerConvertToReseller) Operator() string   { return "customer" }
func (CustomerAdd) Operation() string                { return "add" }
func (CustomerGet) Operation() string                { return "get" }
func (CustomerSet) Operation() string                { return "set" }
func (CustomerDel) Operation() string                { return "del" }
func (CustomerChangeOwner) Operation() string        { return "change-owner" }
func (CustomerConvertToReseller) Operation() string  { return "convert-to-reseller" }
func (o CustomerAdd) Object() string                 { return "customer " + o.GenInfo.Login }
func (o CustomerGet) Object() string                 { return customerText(o.Filter) }
func (o CustomerSet) Object() string                 { return customerText(o.Filter) }
func (o CustomerDel) Object() string                 { return customerText(o.Filter) }
func (o CustomerChangeOwner) Object() string         { return customerText(o.Filter) }
func (o CustomerConvertToReseller) Object() string   { return customerText(o.Filter) }
func (CustomerAdd) Read() bool                       { return false }
func (CustomerGet) Read() bool                       { return true }
func (CustomerSet) Read() bool                       { return false }
func (CustomerDel) Read() bool                       { return false }
func (CustomerChangeOwner) Read() bool               { return false }
func (CustomerConvertToReseller) Read() bool         { return false }
func (CustomerAdd) resultOf() any                    { return new(AddResult) }
func (CustomerGet) resultOf() any                    { return new(CustomerData) }
func (CustomerSet) resultOf() any                    { return new(FilterResult) }
func (CustomerDel) resultOf() any                    { return new(FilterResult) }
func (CustomerChangeOwner) resultOf() any            { return new(FilterResult) }
func (CustomerConvertToReseller) resultOf() any      { return new(FilterResult) }
func (CustomerGet) allowEmpty() bool                 { return true }
func (o CustomerConvertToReseller) allowEmpty() bool { return false }

// ---- reseller -------------------------------------------------------------

// ResellerAdd creates a reseller, on a reseller plan or with its own
// limits and permissions.
type ResellerAdd struct {
	XMLName     xml.Name        `xml:"add"`
	GenInfo     ResellerInfo    `xml:"gen-info"`
	Limits      *ResellerLimits `xml:"limits"`
	Permissions *Permissions    `xml:"permissions"`
	PlanName    string          `xml:"plan-name,omitempty"`
	PlanGUID    string          `xml:"plan-guid,omitempty"`
}

// ResellerDataset names what a reseller get returns.
type ResellerDataset struct {
	GenInfo       *Empty `xml:"gen-info"`
	Permissions   *Empty `xml:"permissions"`
	Limits        *Empty `xml:"limits"`
	Subscriptions *Empty `xml:"subscriptions"`
}

// ResellerGet reads resellers.
type ResellerGet struct {
	XMLName xml.Name        `xml:"get"`
	Filter  ResellerFilter  `xml:"filter"`
	Dataset ResellerDataset `xml:"dataset"`
}

// ResellerSet changes resellers.
type ResellerSet struct {
	XMLName xml.Name       `xml:"set"`
	Filter  ResellerFilter `xml:"filter"`
	Values  struct {
		GenInfo     *ResellerSetInfo `xml:"gen-info"`
		Limits      *ResellerLimits  `xml:"limits"`
		Permissions *Permissions     `xml:"permissions"`
	} `xml:"values"`
}

// ResellerDel deletes resellers.
type ResellerDel struct {
	XMLName xml.Name       `xml:"del"`
	Filter  ResellerFilter `xml:"filter"`
}

// ResellerSwitch moves resellers to another reseller plan (by GUID) or
// to their own allocation (NoPlan).
type ResellerSwitch struct {
	XMLName  xml.Name       `xml:"switch-subscription"`
	Filter   ResellerFilter `xml:"filter"`
	PlanGUID string         `xml:"plan-guid,omitempty"`
	NoPlan   *Empty         `xml:"no-plan"`
}

// ResellerSync unlocks resellers and copies their reseller plan again.
type ResellerSync struct {
	XMLName xml.Name       `xml:"sync-subscription"`
	Filter  ResellerFilter `xml:"filter"`
}

func (ResellerSwitch) Operator() string   { return "reseller" }
func (ResellerSync) Operator() string     { return "reseller" }
func (ResellerSwitch) Operation() string  { return "switch-subscription" }
func (ResellerSync) Operation() string    { return "sync-subscription" }
func (o ResellerSwitch) Object() string   { return resellerText(o.Filter) }
func (o ResellerSync) Object() string     { return resellerText(o.Filter) }
func (ResellerSwitch) Read() bool         { return false }
func (ResellerSync) Read() bool           { return false }
func (ResellerSwitch) resultOf() any      { return new(FilterResult) }
func (ResellerSync) resultOf() any        { return new(FilterResult) }
func (o ResellerSwitch) allowEmpty() bool { return false }
func (o ResellerSync) allowEmpty() bool   { return false }

func resellerText(f ResellerFilter) string {
	if f.All != nil {
		return "resellers (all)"
	}
	return "reseller " + filterText(f.Login, f.ID, f.GUID, f.ExternalID)
}

func (ResellerAdd) Operator() string  { return "reseller" }
func (ResellerGet) Operator() string  { return "reseller" }
func (ResellerSet) Operator() string  { return "reseller" }
func (ResellerDel) Operator() string  { return "reseller" }
func (ResellerAdd) Operation() string { return "add" }
func (ResellerGet) Operation() string { return "get" }
func (ResellerSet) Operation() string { return "set" }
func (ResellerDel) Operation() string { return "del" }
func (o ResellerAdd) Object() string  { return "reseller " + o.GenInfo.Login }
func (o ResellerGet) Object() string  { return resellerText(o.Filter) }
func (o ResellerSet) Object() string  { return resellerText(o.Filter) }
func (o ResellerDel) Object() string  { return resellerText(o.Filter) }
func (ResellerAdd) Read() bool        { return false }
func (ResellerGet) Read() bool        { return true }
func (ResellerSet) Read() bool        { return false }
func (ResellerDel) Read() bool        { return false }
func (ResellerAdd) resultOf() any     { return new(AddResult) }
func (ResellerGet) resultOf() any     { return new(ResellerData) }
func (ResellerSet) resultOf() any     { return new(FilterResult) }
func (ResellerDel) resultOf() any     { return new(FilterResult) }
func (ResellerGet) allowEmpty() bool  { return true }

// ---- webspace -------------------------------------------------------------

// GenSetup is webspace add's gen_setup (Plesk accepts its elements in any
// order; plansync writes them in this one).
type GenSetup struct {
	Name       string `xml:"name"`
	OwnerID    int    `xml:"owner-id,omitempty"`
	OwnerLogin string `xml:"owner-login,omitempty"`
	OwnerGUID  string `xml:"owner-guid,omitempty"`
	HType      string `xml:"htype,omitempty"`
	IPAddress  string `xml:"ip_address,omitempty"`
	Status     string `xml:"status,omitempty"`
}

// WebspaceAdd creates a subscription, on a plan (by GUID or name) or
// custom.
type WebspaceAdd struct {
	XMLName     xml.Name         `xml:"add"`
	GenSetup    GenSetup         `xml:"gen_setup"`
	Hosting     *WebspaceHosting `xml:"hosting"`
	Limits      *Limits          `xml:"limits"`
	Permissions *Permissions     `xml:"permissions"`
	PHPSettings *PHPSettings     `xml:"php-settings"`
	PlanName    string           `xml:"plan-name,omitempty"`
	PlanGUID    string           `xml:"plan-guid,omitempty"`
	Mail        *WebspaceMail    `xml:"mail"`
}

// WebspaceDataset names what a webspace get returns.
type WebspaceDataset struct {
	GenInfo       *Empty `xml:"gen_info"`
	Hosting       *Empty `xml:"hosting"`
	Limits        *Empty `xml:"limits"`
	Subscriptions *Empty `xml:"subscriptions"`
	Permissions   *Empty `xml:"permissions"`
	PlanItems     *Empty `xml:"plan-items"`
	PHPSettings   *Empty `xml:"php-settings"`
	Mail          *Empty `xml:"mail"`
}

// FullDataset asks for everything plansync reads of a subscription.
func FullDataset() WebspaceDataset {
	e := &Empty{}
	return WebspaceDataset{GenInfo: e, Hosting: e, Limits: e, Subscriptions: e, Permissions: e, PlanItems: e, PHPSettings: e, Mail: e}
}

// WebspaceGet reads subscriptions.
type WebspaceGet struct {
	XMLName xml.Name        `xml:"get"`
	Filter  WebspaceFilter  `xml:"filter"`
	Dataset WebspaceDataset `xml:"dataset"`
}

// SetGenSetup is webspace set's gen_setup.
type SetGenSetup struct {
	Status     *int   `xml:"status"`
	Name       string `xml:"name,omitempty"`
	OwnerLogin string `xml:"owner-login,omitempty"`
	IPAddress  string `xml:"ip_address,omitempty"`
}

// WebspaceValues is what webspace set changes; limits, permissions,
// hosting and PHP settings lock the subscription.
type WebspaceValues struct {
	GenSetup    *SetGenSetup     `xml:"gen_setup"`
	Limits      *Limits          `xml:"limits"`
	Hosting     *WebspaceHosting `xml:"hosting"`
	Permissions *Permissions     `xml:"permissions"`
	PHPSettings *PHPSettings     `xml:"php-settings"`
	Mail        *WebspaceMail    `xml:"mail"`
}

// WebspaceSet changes subscriptions.
type WebspaceSet struct {
	XMLName xml.Name       `xml:"set"`
	Filter  WebspaceFilter `xml:"filter"`
	Values  WebspaceValues `xml:"values"`
}

// WebspaceDel deletes subscriptions.
type WebspaceDel struct {
	XMLName xml.Name       `xml:"del"`
	Filter  WebspaceFilter `xml:"filter"`
}

// WebspaceSwitch moves subscriptions to another service plan (by GUID)
// or makes them custom (NoPlan).
type WebspaceSwitch struct {
	XMLName  xml.Name       `xml:"switch-subscription"`
	Filter   WebspaceFilter `xml:"filter"`
	PlanGUID string         `xml:"plan-guid,omitempty"`
	NoPlan   *Empty         `xml:"no-plan"`
}

// WebspaceSync unlocks subscriptions and copies plan ⊕ add-ons again.
type WebspaceSync struct {
	XMLName xml.Name       `xml:"sync-subscription"`
	Filter  WebspaceFilter `xml:"filter"`
}

// WebspaceAddAddon attaches an add-on plan.
type WebspaceAddAddon struct {
	XMLName  xml.Name       `xml:"add-subscription"`
	Filter   WebspaceFilter `xml:"filter"`
	PlanGUID string         `xml:"plan-guid"`
}

// WebspaceRemoveAddon detaches an add-on plan.
type WebspaceRemoveAddon struct {
	XMLName  xml.Name       `xml:"remove-subscription"`
	Filter   WebspaceFilter `xml:"filter"`
	PlanGUID string         `xml:"plan-guid"`
}

func webspaceText(f WebspaceFilter) string {
	return "subscription " + filterText(f.Name, f.ID, f.GUID, f.ExternalID, f.OwnerLogin)
}

func (WebspaceAdd) Operator() string           { return "webspace" }
func (WebspaceGet) Operator() string           { return "webspace" }
func (WebspaceSet) Operator() string           { return "webspace" }
func (WebspaceDel) Operator() string           { return "webspace" }
func (WebspaceSwitch) Operator() string        { return "webspace" }
func (WebspaceSync) Operator() string          { return "webspace" }
func (WebspaceAddAddon) Operator() string      { return "webspace" }
func (WebspaceRemoveAddon) Operator() string   { return "webspace" }
func (WebspaceAdd) Operation() string          { return "add" }
func (WebspaceGet) Operation() string          { return "get" }
func (WebspaceSet) Operation() string          { return "set" }
func (WebspaceDel) Operation() string          { return "del" }
func (WebspaceSwitch) Operation() string       { return "switch-subscription" }
func (WebspaceSync) Operation() string         { return "sync-subscription" }
func (WebspaceAddAddon) Operation() string     { return "add-subscription" }
func (WebspaceRemoveAddon) Operation() string  { return "remove-subscription" }
func (o WebspaceAdd) Object() string           { return "subscription " + o.GenSetup.Name }
func (o WebspaceGet) Object() string           { return webspaceText(o.Filter) }
func (o WebspaceSet) Object() string           { return webspaceText(o.Filter) }
func (o WebspaceDel) Object() string           { return webspaceText(o.Filter) }
func (o WebspaceSwitch) Object() string        { return webspaceText(o.Filter) }
func (o WebspaceSync) Object() string          { return webspaceText(o.Filter) }
func (o WebspaceAddAddon) Object() string      { return webspaceText(o.Filter) }
func (o WebspaceRemoveAddon) Object() string   { return webspaceText(o.Filter) }
func (WebspaceAdd) Read() bool                 { return false }
func (WebspaceGet) Read() bool                 { return true }
func (WebspaceSet) Read() bool                 { return false }
func (WebspaceDel) Read() bool                 { return false }
func (WebspaceSwitch) Read() bool              { return false }
func (WebspaceSync) Read() bool                { return false }
func (WebspaceAddAddon) Read() bool            { return false }
func (WebspaceRemoveAddon) Read() bool         { return false }
func (WebspaceAdd) resultOf() any              { return new(AddResult) }
func (WebspaceGet) resultOf() any              { return new(WebspaceData) }
func (WebspaceSet) resultOf() any              { return new(FilterResult) }
func (WebspaceDel) resultOf() any              { return new(FilterResult) }
func (WebspaceSwitch) resultOf() any           { return new(FilterResult) }
func (WebspaceSync) resultOf() any             { return new(FilterResult) }
func (WebspaceAddAddon) resultOf() any         { return new(FilterResult) }
func (WebspaceRemoveAddon) resultOf() any      { return new(FilterResult) }
func (WebspaceGet) allowEmpty() bool           { return true }
func (o WebspaceRemoveAddon) allowEmpty() bool { return false }
func (o WebspaceAddAddon) allowEmpty() bool    { return false }
func (o WebspaceSwitch) allowEmpty() bool      { return false }
func (o WebspaceSync) allowEmpty() bool        { return false }
func (o WebspaceDel) allowEmpty() bool         { return false }
func (o WebspaceSet) allowEmpty() bool         { return false }
func (o ResellerDel) allowEmpty() bool         { return false }
func (o ResellerSet) allowEmpty() bool         { return false }
func (o CustomerDel) allowEmpty() bool         { return false }
func (o CustomerSet) allowEmpty() bool         { return false }
func (o CustomerChangeOwner) allowEmpty() bool { return false }
func (o ResellerPlanSet) allowEmpty() bool     { return false }
func (o ServicePlanSet) allowEmpty() bool      { return false }
func (o ServicePlanDel) allowEmpty() bool      { return false }
func (o AddonPlanSet) allowEmpty() bool        { return false }
func (o AddonPlanDel) allowEmpty() bool        { return false }
func (o ServicePlanAdd) allowEmpty() bool      { return false }
func (o AddonPlanAdd) allowEmpty() bool        { return false }
func (o ResellerPlanAdd) allowEmpty() bool     { return false }
func (o CustomerAdd) allowEmpty() bool         { return false }
func (o ResellerAdd) allowEmpty() bool         { return false }
func (o WebspaceAdd) allowEmpty() bool         { return false }

// ---- server, php-handler --------------------------------------------------

// ServerGet reads the server's components and shells.
type ServerGet struct {
	XMLName    xml.Name `xml:"get"`
	Components *Empty   `xml:"components"`
	Shells     *Empty   `xml:"shells"`
}

// PHPHandlerGet lists the server's PHP handlers.
type PHPHandlerGet struct {
	XMLName xml.Name `xml:"get"`
	Filter  struct {
		ID []string `xml:"id"`
	} `xml:"filter"`
}

func (ServerGet) Operator() string      { return "server" }
func (PHPHandlerGet) Operator() string  { return "php-handler" }
func (ServerGet) Operation() string     { return "get" }
func (PHPHandlerGet) Operation() string { return "get" }
func (ServerGet) Object() string        { return "server" }
func (PHPHandlerGet) Object() string    { return "PHP handlers" }
func (ServerGet) Read() bool            { return true }
func (PHPHandlerGet) Read() bool        { return true }
func (ServerGet) resultOf() any         { return new(ServerData) }
func (PHPHandlerGet) resultOf() any     { return new(PHPHandler) }
func (ServerGet) allowEmpty() bool      { return false }
func (PHPHandlerGet) allowEmpty() bool  { return true }

// IPGet lists the server's IP addresses.
type IPGet struct {
	XMLName xml.Name `xml:"get"`
}

func (IPGet) Operator() string  { return "ip" }
func (IPGet) Operation() string { return "get" }
func (IPGet) Object() string    { return "IP addresses" }
func (IPGet) Read() bool        { return true }
func (IPGet) resultOf() any     { return new(IPData) }
func (IPGet) allowEmpty() bool  { return false }

// ExtensionGet lists the server's installed extensions (operator
// extension, protocol 1.6.8.0 and later): one result, a details element
// per extension.
type ExtensionGet struct {
	XMLName xml.Name `xml:"get"`
}

func (ExtensionGet) Operator() string  { return "extension" }
func (ExtensionGet) Operation() string { return "get" }
func (ExtensionGet) Object() string    { return "extensions" }
func (ExtensionGet) Read() bool        { return true }
func (ExtensionGet) resultOf() any     { return new(ExtensionData) }
func (ExtensionGet) allowEmpty() bool  { return false }
