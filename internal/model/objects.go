package model

import (
	"time"

	"github.com/plansync/plansync/internal/diag"
)

// Admin is the owner name of the administrator.
const Admin = "admin"

// None is the plan name of a custom subscription or a custom reseller.
const None = "none"

// Src records where an object and its fields were declared.
type Src struct {
	Decl diag.Range
	// Fields are the ranges of the fields given, each once, in the
	// order first recorded: a list, since most objects have a few (a
	// map for each of 100,000 subscriptions costs tens of MiB more).
	Fields []FieldRange
}

// FieldRange is the range of one field of an object.
type FieldRange struct {
	Field string
	Range diag.Range
}

// Field returns the range of a field and whether it was recorded.
func (s Src) Field(field string) (diag.Range, bool) {
	for i := range s.Fields {
		if s.Fields[i].Field == field {
			return s.Fields[i].Range, true
		}
	}
	return diag.Range{}, false
}

// Has reports whether the range of a field was recorded (the field is
// given).
func (s Src) Has(field string) bool {
	_, ok := s.Field(field)
	return ok
}

// At returns the range of a field (a path such as "addons[1]" or
// "resources.disk_space"), falling back to the declaration.
func (s Src) At(field string) diag.Range {
	if r, ok := s.Field(field); ok {
		return r
	}
	return s.Decl
}

// SetField records the range of a field (replacing the one recorded).
func (s *Src) SetField(field string, r diag.Range) {
	for i := range s.Fields {
		if s.Fields[i].Field == field {
			s.Fields[i].Range = r
			return
		}
	}
	s.Fields = append(s.Fields, FieldRange{Field: field, Range: r})
}

// Secret is a reference to a secret (environment variable or file) or a
// literal, together with its resolved value, which lives in memory only.
type Secret struct {
	Env     string
	File    string
	Literal bool
	Value   string
	Range   diag.Range
}

// Config is the desired state: everything read from a config directory.
type Config struct {
	// Server is the single server (a server block), nil when the config
	// has none or names several (Servers).
	Server *Server
	// Servers are the named servers of a multi-server config (a servers
	// list / server "NAME" blocks), in declaration order; nil otherwise.
	Servers            []*Server
	Services           map[string]*Service
	ServicePlans       map[string]*Plan // by PlanKey
	AddonPlans         map[string]*Plan // by PlanKey
	ResellerPlans      map[string]*Plan // by name
	Resellers          map[string]*Reseller
	Customers          map[string]*Customer
	Subscriptions      map[string]*Subscription // by lower-case domain
	SubscriberSettings map[string]*SubscriberSettings
	// Files lists every file read, relative to the config directory.
	Files []string
	// Retired names services an extension recorded in the state
	// provided, whose extension is gone from the config (service →
	// extension): plans that still list one get a conflict.
	Retired map[string]string
	// Lacking names the services of extensions the server does not have
	// (service → its extension): in one server's part of a fleet, those
	// of extensions other servers list; with a Plesk server, those of
	// declared extensions it has not installed. Plans that list one get a
	// conflict.
	Lacking map[string]Lack
}

// Lack is a service's extension that a server lacks; Declared says the
// config lists the extension for that server (the server has not
// installed it), otherwise other servers list it.
type Lack struct {
	Extension string
	Declared  bool
}

// NewConfig returns an empty desired state.
func NewConfig() *Config {
	return &Config{
		Services:           map[string]*Service{},
		ServicePlans:       map[string]*Plan{},
		AddonPlans:         map[string]*Plan{},
		ResellerPlans:      map[string]*Plan{},
		Resellers:          map[string]*Reseller{},
		Customers:          map[string]*Customer{},
		Subscriptions:      map[string]*Subscription{},
		SubscriberSettings: map[string]*SubscriberSettings{},
	}
}

// PlanKey is the key of a service or add-on plan: its name when the admin
// owns it, "OWNER/NAME" when a reseller does.
func PlanKey(owner, name string) string {
	if owner == "" || owner == Admin {
		return name
	}
	return owner + "/" + name
}

// DefaultServer is the name of the single server of a config with a
// server block (or none).
const DefaultServer = "default"

// Placement says on which servers of a multi-server config a catalogue
// object exists: the listed servers, or those whose labels match the
// selector, or (neither set) every server.
type Placement struct {
	Servers  []string
	Selector map[string]string
}

// Set reports whether the placement names servers or a selector.
func (p Placement) Set() bool { return len(p.Servers) > 0 || len(p.Selector) > 0 }

// Select returns the servers the placement names: the listed ones, or
// those whose labels have every value of the selector, or (neither set)
// all, in the order of servers.
func (p Placement) Select(servers []*Server) []*Server {
	if !p.Set() {
		return servers
	}
	var out []*Server
	for _, s := range servers {
		if p.Has(s) {
			out = append(out, s)
		}
	}
	return out
}

// Has reports whether the placement puts an object on server s.
func (p Placement) Has(s *Server) bool {
	if len(p.Servers) > 0 {
		for _, n := range p.Servers {
			if n == s.Name {
				return true
			}
		}
		return false
	}
	for k, want := range p.Selector {
		if got, ok := s.Labels[k]; !ok || got != want {
			return false
		}
	}
	return true
}

// Server describes what the hosting server provides.
type Server struct {
	// Name is the server's name in a multi-server config ("" for the
	// single server block).
	Name        string
	Labels      map[string]string
	Components  []string
	Extensions  []Extension
	DefaultPlan string
	// Plesk is the server's XML API connection (nil: none in config).
	Plesk *PleskConnection
	Src   Src
}

// HasComponent reports whether the server lists a component.
func (s *Server) HasComponent(name string) bool {
	if s == nil {
		return false
	}
	for _, c := range s.Components {
		if c == name {
			return true
		}
	}
	return false
}

// Extension is an installed extension and the services it provides.
type Extension struct {
	Name     string
	Services []*Service
	Src      Src
}

// Button is a service's custom button in the panel.
type Button struct {
	URL             string
	BackgroundImage string
	OpenInPanel     bool
}

// SendFields lists what a button's request may carry, in order.
var SendFields = []string{"subscription_id", "primary_domain", "ftp_credentials", "customer_id", "customer_name", "customer_email", "customer_company"}

// Service is an additional service: a custom plan option declared in
// config, or one provided by an extension (Extension set).
type Service struct {
	Name                 string
	Description          string
	Button               *Button
	Send                 []string
	AvailableToResellers bool
	Extension            string
	Placement            Placement
	Src                  Src
}

// PlanKind names the three kinds of plan.
type PlanKind string

const (
	ServicePlanKind  PlanKind = "service_plan"
	AddonPlanKind    PlanKind = "addon_plan"
	ResellerPlanKind PlanKind = "reseller_plan"
)

// Plan is a service, add-on or reseller plan: a template of properties.
type Plan struct {
	Kind        PlanKind
	Owner       string
	Name        string
	Description string
	Props       Props
	Services    []string
	// Oversell is the reseller plan policy.
	Oversell  bool
	Placement Placement
	Src       Src
}

// Key returns the plan's key.
func (p *Plan) Key() string {
	if p.Kind == ResellerPlanKind {
		return p.Name
	}
	return PlanKey(p.Owner, p.Name)
}

// Contact holds an account's contact details.
type Contact struct {
	Name    string
	Company string
	Email   string
	Phone   string
	Address string
}

// Reseller is a reseller account.
type Reseller struct {
	Login       string
	RenamedFrom string
	Password    *Secret
	Contact     Contact
	// Plan is a reseller plan name, or None with an explicit allocation
	// in Props/Services (or, for a converted customer, the totals of its
	// subscriptions when both are empty).
	Plan        string
	Props       Props
	Services    []string
	Oversell    bool
	Status      string // active | suspended
	Description string
	// ManagedBy is "billing" when a billing system owns the reseller's
	// existence, status and password (apply never writes them).
	ManagedBy string
	// Servers places the reseller explicitly (multi-server configs); it
	// is also on every server where it or its customers have a
	// subscription.
	Servers []string
	Src     Src
}

// Customer is a customer account.
type Customer struct {
	Login            string
	RenamedFrom      string
	Password         *Secret
	Contact          Contact
	Owner            string
	Status           string
	Description      string
	AdminDescription string
	// ManagedBy is "billing" when a billing system owns the account's
	// existence, status and password (apply never writes them); "" when
	// plansync manages it all.
	ManagedBy string
	// Servers places the customer explicitly (multi-server configs); it
	// is also on every server where it has a subscription.
	Servers []string
	Src     Src
}

// Subscription is a subscription, identified by its primary domain.
type Subscription struct {
	Domain      string // lower-case
	RenamedFrom string
	Customer    string // "" for an own subscription of Owner
	Owner       string
	Plan        string // a service plan name of Owner, or None
	Addons      []string
	// Customize is nil when the subscription is not customised.
	Customize   Props
	Status      string
	Expires     *time.Time
	FTPLogin    string
	FTPPassword *Secret
	// IPAddress is the IP address the subscription is hosted on ("":
	// the connection's default_ip when it is created). Canonical form
	// (net.ParseIP(...).String()).
	IPAddress string
	// ManagedBy is "billing" when a billing system owns the
	// subscription's existence, status, plan, add-ons and FTP
	// credentials (apply never writes them).
	ManagedBy string
	// Server names the server the subscription is on (multi-server
	// configs; required when there are several).
	Server string
	Src    Src
}

// SubscriberSettings are the values a subscriber chose for settings its
// permissions let it change.
type SubscriberSettings struct {
	Domain string
	Props  Props
	Src    Src
}
