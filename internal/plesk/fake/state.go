package fake

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/mapping"
)

// AdminID is the administrator's client id (owner of admin's objects).
const AdminID = 1

// State is everything the emulated server holds. It is saved as JSON.
type State struct {
	NextID     int      `json:"next_id"`
	Components []string `json:"components"`
	// Extensions are the installed extensions' ids (extension get).
	Extensions    []string        `json:"extensions,omitempty"`
	IPs           []string        `json:"ips"`
	Plans         []*Plan         `json:"plans,omitempty"`
	ResellerPlans []*ResellerPlan `json:"reseller_plans,omitempty"`
	Accounts      []*Account      `json:"accounts,omitempty"`
	Webspaces     []*Webspace     `json:"webspaces,omitempty"`
	PlanItems     []*PlanItem     `json:"plan_items,omitempty"`
	// SubscriberValues are the values subscribers chose themselves in
	// their panels (SPEC 1.3, 2.9), by subscription name: a setting the
	// subscription's permissions let its subscriber change takes the
	// subscriber's value instead of its plan's, and synchronisation
	// ignores it (the plan value it replaces is not asked of the server).
	// Nothing in the XML API writes them; tests set them as a
	// subscriber would.
	SubscriberValues map[string]model.Props `json:"subscriber_values,omitempty"`
}

// PlanItem is an additional service's definition.
type PlanItem struct {
	Name     string `json:"name"`
	UUID     string `json:"uuid"`
	Label    string `json:"label"`
	Tooltip  string `json:"tooltip,omitempty"`
	URL      string `json:"url,omitempty"`
	Visible  bool   `json:"visible"`
	Internal bool   `json:"internal,omitempty"`
	// Send is what the button sends (url-components), as plansync names
	// it.
	Send []string `json:"send,omitempty"`
}

func (s *State) planItem(name string) *PlanItem {
	for _, it := range s.PlanItems {
		if it.Name == name {
			return it
		}
	}
	return nil
}

// Plan is a service plan or an add-on plan.
type Plan struct {
	ID         int            `json:"id"`
	GUID       string         `json:"guid"`
	Name       string         `json:"name"`
	Addon      bool           `json:"addon,omitempty"`
	OwnerID    int            `json:"owner_id"`
	ExternalID string         `json:"external_id,omitempty"`
	Values     mapping.Values `json:"values"`
	Items      []string       `json:"items,omitempty"`
}

// ResellerPlan is a reseller plan.
type ResellerPlan struct {
	ID         int            `json:"id"`
	GUID       string         `json:"guid"`
	Name       string         `json:"name"`
	ExternalID string         `json:"external_id,omitempty"`
	Values     mapping.Values `json:"values"`
	// IPPool is what its add or set said of the IP addresses its
	// resellers get (none: nothing said).
	IPPool *IPPool `json:"ip_pool,omitempty"`
}

// IPPool is a reseller plan's ip-pool.
type IPPool struct {
	Addresses    []string `json:"addresses,omitempty"`
	AllocateIP   string   `json:"allocate_ip,omitempty"`
	AllocateIPv6 string   `json:"allocate_ipv6,omitempty"`
}

// Account is a customer or a reseller.
type Account struct {
	ID          int    `json:"id"`
	GUID        string `json:"guid"`
	Login       string `json:"login"`
	Reseller    bool   `json:"reseller,omitempty"`
	OwnerID     int    `json:"owner_id"`
	Name        string `json:"name"`
	Company     string `json:"company,omitempty"`
	Email       string `json:"email,omitempty"`
	Phone       string `json:"phone,omitempty"`
	Address     string `json:"address,omitempty"`
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	PostCode    string `json:"pcode,omitempty"`
	Fax         string `json:"fax,omitempty"`
	Country     string `json:"country,omitempty"`
	Password    string `json:"password,omitempty"`
	Status      int    `json:"status"`
	ExternalID  string `json:"external_id,omitempty"`
	Description string `json:"description,omitempty"`
	Created     string `json:"created"`
	// Reseller subscription: plan, own values, lock and sync flags.
	PlanGUID string         `json:"plan_guid,omitempty"`
	Values   mapping.Values `json:"values"`
	Locked   bool           `json:"locked,omitempty"`
}

// Webspace is a subscription.
type Webspace struct {
	ID       int      `json:"id"`
	GUID     string   `json:"guid"`
	Name     string   `json:"name"`
	OwnerID  int      `json:"owner_id"`
	IP       string   `json:"ip"`
	Status   int      `json:"status"`
	PlanGUID string   `json:"plan_guid,omitempty"`
	Addons   []string `json:"addons,omitempty"`
	Locked   bool     `json:"locked,omitempty"`
	Unsynced bool     `json:"unsynced,omitempty"`
	// MovedIn: its owner was changed to another vendor's customer and it
	// was not synced since, so its values were not served from the new
	// vendor's allocation. It counts in that allocation all the same,
	// except for another subscription moved in before it in key order
	// (what comes new with a move is served in key order).
	MovedIn     bool           `json:"moved_in,omitempty"`
	Problems    string         `json:"problems,omitempty"`
	Values      mapping.Values `json:"values"`
	FTPLogin    string         `json:"ftp_login,omitempty"`
	FTPPassword string         `json:"ftp_password,omitempty"`
	ExternalID  string         `json:"external_id,omitempty"`
	Created     string         `json:"created"`
	// Own holds what is the subscription's own and no plan value: its
	// descriptions, preferences and performance settings.
	Own WebspaceOwn `json:"own,omitzero"`
	// Items are additional services added to the subscription itself.
	Items []string `json:"items,omitempty"`
	// ItemsKept and ItemsOff freeze a locked subscription's services
	// from its plan: those its plan no longer includes that it keeps,
	// and those its plan includes since that it does not get (a plan
	// change does not reach a locked subscription). Its sync or switch
	// clears them.
	ItemsKept []string `json:"items_kept,omitempty"`
	ItemsOff  []string `json:"items_off,omitempty"`
	// fresh: being created, nothing was served to it yet.
	fresh bool
}

// WebspaceOwn is what a webspace add or set gives a subscription that no
// plan holds: gen_setup's descriptions, prefs and performance (empty:
// Plesk's default).
type WebspaceOwn struct {
	Description         string `json:"description,omitempty"`
	AdminDescription    string `json:"admin_description,omitempty"`
	ResellerDescription string `json:"reseller_description,omitempty"`
	WWW                 string `json:"www,omitempty"`
	StatTTL             string `json:"stat_ttl,omitempty"`
	OutgoingLimit       string `json:"outgoing_limit,omitempty"`
	Bandwidth           string `json:"bandwidth,omitempty"`
	MaxConnections      string `json:"max_connections,omitempty"`
}

// DefaultComponents are installed unless the emulator is told otherwise.
var DefaultComponents = []string{"php8.1", "php8.2", "php8.3", "php-fpm", "php-fastcgi", "php-cgi",
	"postfix", "roundcube", "awstats", "webalizer", "bind", "spamassassin", "antivirus"}

// NewState returns an empty server with the default components and one IP.
func NewState() *State {
	return &State{NextID: AdminID + 1, Components: append([]string(nil), DefaultComponents...), IPs: []string{"192.0.2.10"}}
}

// InstallExtension installs extension ext on the server, which registers
// the additional services it provides (name: description), as installing
// an extension does in Plesk (tests install one on a running server).
func (s *State) InstallExtension(ext string, services map[string]string) {
	if !slices.Contains(s.Extensions, ext) {
		s.Extensions = append(s.Extensions, ext)
	}
	for _, name := range sortedKeysOf(services) {
		if s.planItem(name) == nil {
			s.PlanItems = append(s.PlanItems, &PlanItem{Name: name, UUID: guid(s.newID()), Label: name, Tooltip: services[name], Visible: true})
		}
	}
}

func (s *State) newID() int {
	id := s.NextID
	s.NextID++
	return id
}

// guid makes the GUID of an object from its id: stable across runs so
// that tests and demos can name them.
func guid(id int) string {
	return fmt.Sprintf("f4ce0000-0000-4000-8000-%012d", id)
}

func (s *State) hasComponent(name string) bool {
	for _, c := range s.Components {
		if c == name {
			return true
		}
	}
	return false
}

func (s *State) hasIP(ip string) bool {
	for _, x := range s.IPs {
		if x == ip {
			return true
		}
	}
	return false
}

func (s *State) account(id int) *Account {
	for _, a := range s.Accounts {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (s *State) accountByLogin(login string) *Account {
	for _, a := range s.Accounts {
		if a.Login == login {
			return a
		}
	}
	return nil
}

// ownerLogin names an owner id: "admin" or an account's login.
func (s *State) ownerLogin(id int) string {
	if id == AdminID {
		return "admin"
	}
	if a := s.account(id); a != nil {
		return a.Login
	}
	return ""
}

// ownerID resolves an owner login ("admin" or a reseller's login) to an
// id; resellerOnly refuses customers.
func (s *State) ownerID(login string, resellerOnly bool) (int, bool) {
	if login == "admin" {
		return AdminID, true
	}
	a := s.accountByLogin(login)
	if a == nil || (resellerOnly && !a.Reseller) {
		return 0, false
	}
	return a.ID, true
}

// vendor is the account whose plans a subscription of owner uses: the
// owner itself when it is a reseller or the admin, else the customer's
// owner.
func (s *State) vendor(ownerID int) int {
	if ownerID == AdminID {
		return AdminID
	}
	a := s.account(ownerID)
	if a == nil || a.Reseller {
		return ownerID
	}
	return a.OwnerID
}

func (s *State) planByGUID(g string) *Plan {
	for _, p := range s.Plans {
		if p.GUID == g {
			return p
		}
	}
	return nil
}

func (s *State) planByName(name string, owner int, addon bool) *Plan {
	for _, p := range s.Plans {
		if p.Name == name && p.OwnerID == owner && p.Addon == addon {
			return p
		}
	}
	return nil
}

func (s *State) resellerPlanByGUID(g string) *ResellerPlan {
	for _, p := range s.ResellerPlans {
		if p.GUID == g {
			return p
		}
	}
	return nil
}

func (s *State) webspaceByName(name string) *Webspace {
	for _, w := range s.Webspaces {
		if w.Name == name {
			return w
		}
	}
	return nil
}

// Load reads a state file; a missing file is an empty server.
func Load(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return NewState(), nil
	}
	if err != nil {
		return nil, err
	}
	s := &State{}
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("%s: not an emulator data file: %v", path, err)
	}
	if s.NextID <= AdminID {
		s.NextID = AdminID + 1
	}
	return s, nil
}

// Save writes the state atomically (temporary file, then rename).
func (s *State) Save(path string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

func sortedStrings(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}
