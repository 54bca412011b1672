package state

import (
	"time"
)

// FormatVersion is the version of the snapshot format this build writes.
// A snapshot with a greater version is refused, never overwritten.
const FormatVersion = 1

// Values is a property set: JSON scalars keyed by property path. Sizes and
// counts are integers (-1 unlimited), durations strings, booleans and
// strings themselves; "services" holds a sorted list of service names.
type Values map[string]any

// Snapshot is the whole recorded state.
type Snapshot struct {
	// FormatVersion is written as a string, "1", as in every JSON
	// document plansync prints; an integer (as older versions wrote it)
	// is read too.
	FormatVersion int    `json:"format_version,string"`
	Lineage       string `json:"lineage"`
	Serial        uint64 `json:"serial"`

	Server *Server `json:"server,omitempty"`
	// Servers describes each named server of a multi-server config
	// (Server is then nil).
	Servers       []Server       `json:"servers,omitempty"`
	Services      []Service      `json:"services,omitempty"`
	ServicePlans  []Plan         `json:"service_plans,omitempty"`
	AddonPlans    []Plan         `json:"addon_plans,omitempty"`
	ResellerPlans []Plan         `json:"reseller_plans,omitempty"`
	Resellers     []Reseller     `json:"resellers,omitempty"`
	Customers     []Customer     `json:"customers,omitempty"`
	Subscriptions []Subscription `json:"subscriptions,omitempty"`
	// PropertySets holds every property set referenced by id above.
	PropertySets map[string]Values `json:"property_sets,omitempty"`
}

// Server is the recorded server description.
type Server struct {
	// Name is set in Snapshot.Servers (a multi-server config), "" for the
	// single server.
	Name        string      `json:"name,omitempty"`
	Components  []string    `json:"components,omitempty"`
	Extensions  []Extension `json:"extensions,omitempty"`
	DefaultPlan string      `json:"default_plan,omitempty"`
}

// Extension is a recorded extension and the names of its services.
type Extension struct {
	Name     string   `json:"name"`
	Services []string `json:"services,omitempty"`
}

// Button is a service's custom button.
type Button struct {
	URL             string `json:"url"`
	BackgroundImage string `json:"background_image,omitempty"`
	OpenInPanel     bool   `json:"open_in_panel"`
}

// Service is a recorded additional service.
type Service struct {
	// Server names the server the record is of in a multi-server config
	// ("" for the single server, named default).
	Server               string   `json:"server,omitempty"`
	Name                 string   `json:"name"`
	Description          string   `json:"description,omitempty"`
	Button               *Button  `json:"button,omitempty"`
	Send                 []string `json:"send,omitempty"`
	AvailableToResellers bool     `json:"available_to_resellers"`
	Extension            string   `json:"extension,omitempty"`
}

// Plan is a recorded service, add-on or reseller plan.
type Plan struct {
	Server      string   `json:"server,omitempty"`
	Key         string   `json:"key"`
	Owner       string   `json:"owner"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Props       string   `json:"props"` // property set id
	Services    []string `json:"services,omitempty"`
	Oversell    bool     `json:"oversell,omitempty"`
	Plesk       *PleskID `json:"plesk,omitempty"`
}

// PleskID is a Plesk server's identity for a recorded object: its GUID
// and numeric id, so that a rename updates the object in place. Objects
// recorded without a server connection have none.
type PleskID struct {
	GUID string `json:"guid,omitempty"`
	ID   int    `json:"id,omitempty"`
}

// Contact holds an account's contact details.
type Contact struct {
	Name    string `json:"name,omitempty"`
	Company string `json:"company,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Address string `json:"address,omitempty"`
}

// Reseller is a recorded reseller account.
type Reseller struct {
	Server       string   `json:"server,omitempty"`
	Login        string   `json:"login"`
	PasswordHash string   `json:"password_hash,omitempty"`
	Contact      Contact  `json:"contact"`
	Plan         string   `json:"plan"`
	SyncStatus   string   `json:"sync_status,omitempty"`
	Allocation   string   `json:"allocation,omitempty"` // property set id
	Services     []string `json:"services,omitempty"`
	Oversell     bool     `json:"oversell,omitempty"`
	Status       string   `json:"status"`
	Description  string   `json:"description,omitempty"`
	// ManagedBy is "billing" for an object a billing system owns: once
	// removed from the config it is forgotten, not deleted.
	ManagedBy string   `json:"managed_by,omitempty"`
	Plesk     *PleskID `json:"plesk,omitempty"`
}

// Customer is a recorded customer account.
type Customer struct {
	Server       string  `json:"server,omitempty"`
	Login        string  `json:"login"`
	PasswordHash string  `json:"password_hash,omitempty"`
	Contact      Contact `json:"contact"`
	Owner        string  `json:"owner"`
	Status       string  `json:"status"`
	// StatusReasons say why a customer is suspended: by config, or
	// because its reseller is.
	StatusReasons    []string `json:"status_reasons,omitempty"`
	Description      string   `json:"description,omitempty"`
	AdminDescription string   `json:"admin_description,omitempty"`
	ManagedBy        string   `json:"managed_by,omitempty"`
	Plesk            *PleskID `json:"plesk,omitempty"`
}

// Conflict is a property a subscription's plans ask for that cannot be
// provided.
type Conflict struct {
	Property       string `json:"property"`
	PlanValue      any    `json:"plan_value"`
	AvailableValue any    `json:"available_value"`
	Reason         string `json:"reason"`
}

// Subscription is a recorded subscription with everything applied to it.
type Subscription struct {
	Server   string   `json:"server,omitempty"`
	Domain   string   `json:"domain"`
	Owner    string   `json:"owner"`
	Customer string   `json:"customer,omitempty"`
	Plan     string   `json:"plan"`
	Addons   []string `json:"addons,omitempty"`
	// SyncStatus is synced, locked, unsynced or custom.
	SyncStatus string `json:"sync_status"`
	// ServerSyncStatus is the sync status the server reported when an
	// apply read the subscription back after a write of its own (its
	// status, its expiration date) and found it other than SyncStatus, as
	// predicted: a server that locks a subscription on such a write (a
	// model disagreement, SPEC §6.5). The record is the prediction; a
	// refresh that finds the server still so reports the disagreement
	// again, not drift. "" when the server agreed.
	ServerSyncStatus string `json:"server_sync_status,omitempty"`
	// LockedInPanel is set when the lock was made outside plansync (a
	// customisation in the panel that a refresh recorded), not by the
	// config: while the config keeps the subscription synced, the plan
	// syncs it back, naming the panel values it discards (SPEC §6.4), as
	// it does before the refresh.
	LockedInPanel bool `json:"locked_in_panel,omitempty"`
	// Effective is the id of the full effective property set.
	Effective string `json:"effective"`
	// Base is the id of the set a locked or custom subscription is frozen
	// at (the lock snapshot), before its customisation.
	Base string `json:"base,omitempty"`
	// Customize is the id of the customisation set; Customized its keys.
	Customize  string   `json:"customize,omitempty"`
	Customized []string `json:"customized,omitempty"`
	// Settings is the id of the subscriber's own values kept.
	Settings string `json:"settings,omitempty"`
	// DroppedSettings is the id of the subscriber values not applied
	// because the owning reseller does not hold their permission or the
	// server lacks their component. Informational: each plan works them
	// out again.
	DroppedSettings string     `json:"dropped_settings,omitempty"`
	Conflicts       []Conflict `json:"conflicts,omitempty"`
	ConfigStatus    string     `json:"config_status,omitempty"`
	Status          string     `json:"status"`
	StatusReasons   []string   `json:"status_reasons,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	Expires         *time.Time `json:"expires,omitempty"`
	FTPLogin        string     `json:"ftp_login,omitempty"`
	FTPPassword     string     `json:"ftp_password_hash,omitempty"`
	// IPAddress is the IP address the config names for the subscription
	// (its ip_address), which apply keeps it on; "" when the config names
	// none: the address is then not managed (nor recorded).
	IPAddress string   `json:"ip_address,omitempty"`
	ManagedBy string   `json:"managed_by,omitempty"`
	Plesk     *PleskID `json:"plesk,omitempty"`
}

// SetIDs lists the property sets the subscription references ("" where
// it references none).
func (s *Subscription) SetIDs() [5]string {
	return [5]string{s.Effective, s.Base, s.Customize, s.Settings, s.DroppedSettings}
}

// New returns an empty snapshot with the given lineage.
func New(lineage string) *Snapshot {
	return &Snapshot{FormatVersion: FormatVersion, Lineage: lineage}
}

// LockInfo describes who holds a state lock.
type LockInfo struct {
	ID        string    `json:"id"`
	Who       string    `json:"who"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	Operation string    `json:"operation"`
	Since     time.Time `json:"since"`
}
