// Package refresh compares a Plesk server with the recorded state: it
// finds drift (what was changed outside plansync) and makes the observed
// state, the recorded state with what the server really has, for the
// engine to plan the config against.
//
// The server's view of each object is made the way import makes it: the
// server's business layer is built into a config (importer.Build) and
// planned from an empty state, which gives the records plansync would
// keep for that server. Each recorded object is matched to the server's
// by Plesk GUID first, then by key, and compared on the fields the server
// knows (mapped properties, lock and synchronized status, status,
// plan and add-on membership, owner, contact details, the descriptions
// of accounts plansync manages, existence). What the server does not
// have (plan descriptions, plansync-only properties,
// password hashes, subscriber settings) keeps its recorded value; so do
// a subscription's conflicts (those an apply with --accept-available
// accepted: the server's own are accepted by no one).
package refresh

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/fleet"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/importer"
	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
	"github.com/plansync/plansync/state"
)

// Server is what one read of a Plesk server gave: its objects as a config
// (for the blocks that adopt drift) and as the records plansync would
// keep for them, with their Plesk identities.
type Server struct {
	Name    string
	Config  *model.Config
	Records *state.Snapshot
	// Status holds the status bits of the accounts and subscriptions
	// that are not active, by "kind key".
	Status map[string]int
	// Read is what the server answered, and ReadAt when: apply passes it
	// on to deploy while it is fresh, instead of reading the server again.
	Read   *importer.Snapshot
	ReadAt time.Time
	// MoreIPs holds, by domain, the addresses of the subscriptions on
	// more than one (an IPv4 and an IPv6 one); the one address of the
	// others is their ip_address in Config.
	MoreIPs map[string][]string
	// Unsynced holds the domains of the subscriptions the server reports
	// not synchronized with their plans (synchronized=false); nil when
	// not known (kept when Read is dropped).
	Unsynced map[string]bool
	// UnsyncedItems holds, by domain, the additional services (plan-items)
	// the server reports each of those subscriptions gets (kept when Read
	// is dropped): a reseller, who cannot read the services' definitions,
	// sees by them a service its plan includes that it does not get.
	UnsyncedItems map[string][]string
	// OwnItems holds, by domain, the additional services (plan-items)
	// the server reports each locked or custom subscription has (kept
	// when Read is dropped): what such a subscription has is its own,
	// not its plans' (servicesTakenOff).
	OwnItems map[string][]string
	// Extensions are the installed extensions' ids, when ExtensionsRead
	// (importer.Snapshot's, kept when Read is dropped).
	Extensions     []string
	ExtensionsRead bool
	// PHP is the server's table of PHP handlers (importer.Snapshot's,
	// kept when Read is dropped): a read-back reads php_handler_id by it.
	PHP *mapping.PHPHandlers
	// ServicesRead says the additional services' definitions were read
	// (Read with services, from a server that takes protocol 1.6.9.0):
	// Records' services hold them (kept when Read is dropped).
	ServicesRead bool
	// Defined are the names of the services the server defines, when
	// ServicesRead.
	Defined []string
	// LockedResellers holds, by login, the resellers the server reports
	// customised in the panel on a reseller plan, and that plan
	// (importer.LockedResellers); Config and Records give them their own
	// allocation. Nil when none.
	LockedResellers map[string]string
}

// Read reads the server's whole business layer (one packet) and makes
// its records as of now. With services, it reads the definitions of the
// additional services too (a second packet, protocol 1.6.9.0; see
// WantsServices), which Compare then compares.
func Read(ctx context.Context, c *xmlapi.Client, now time.Time, services bool) (*Server, error) {
	at := time.Now()
	snap, err := importer.Read(ctx, c)
	if err != nil {
		return nil, err
	}
	if services {
		if err := importer.ReadDefinitions(ctx, c, snap); err != nil {
			return nil, err
		}
	}
	srv := FromSnapshot(snap, now)
	srv.ReadAt = at
	return srv, nil
}

// FromSnapshot makes the server's records from what a read returned.
func FromSnapshot(snap *importer.Snapshot, now time.Time) *Server {
	// The read as of now: a subscription expired before its date is
	// suspended outside plansync.
	at := *snap
	at.Now = now
	cfg := importer.BuildConfig(&at)
	held := Held(snap)
	// Existing: a custom subscription's values are what the server
	// reports, over nothing; not a new one's, from a default plan.
	p := plan.Make(plan.Input{Config: cfg, Lineage: "server", Now: now, ResultOnly: true, Existing: true, Held: held})
	for i := range p.Result.Subscriptions {
		// Records hold only the addresses configs name (ip_address); the
		// server's are in the read, which Compare looks at.
		p.Result.Subscriptions[i].IPAddress = ""
	}
	var more map[string][]string
	for _, w := range snap.Webspaces {
		if ips := mapping.WebspaceIPs(w); len(ips) > 1 && w.Data.GenInfo != nil {
			if more == nil {
				more = map[string][]string{}
			}
			more[w.Data.GenInfo.Domain()] = ips
		}
	}
	ids := IDs(snap)
	ids.Attach(p.Result)
	unsynced := Unsynchronized(snap)
	MarkUnsynced(p.Result, "", unsynced)
	items := unsyncedItems(snap)
	own := ownItems(snap)
	MarkOnPlan(p.Result, "", OnPlan(snap))
	TakeHeld(p.Result, "", held)
	TakeLocked(p.Result, "", Locked(snap))
	return &Server{Name: snap.Server, Config: cfg, Records: p.Result, Status: statusBits(snap), Read: snap, MoreIPs: more, Unsynced: unsynced, UnsyncedItems: items, OwnItems: own,
		Extensions: snap.Extensions, ExtensionsRead: snap.ExtensionsRead, PHP: snap.PHP, ServicesRead: snap.ItemsRead, Defined: itemNames(snap.Items),
		LockedResellers: importer.LockedResellers(snap)}
}

// itemNames are the names of the additional services items defines.
func itemNames(items []*xmlapi.PlanItemData) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Name)
	}
	return out
}

// OnPlan lists the domains of the subscriptions a read holds on one of
// its service plans. One that the read config gives no plan (a plan of
// another owner, which its config cannot name: a customer's subscription
// that the customer's conversion into a reseller took along, say) is
// custom in the config's terms, with the values the server reports, yet
// still linked to a plan that changes them: MarkOnPlan records it so.
func OnPlan(snap *importer.Snapshot) map[string]bool {
	plans := map[string]bool{}
	for _, d := range snap.Plans {
		plans[d.GUID] = true
	}
	on := map[string]bool{}
	for _, w := range snap.Webspaces {
		if w.Data == nil || w.Data.GenInfo == nil || w.Data.Subscriptions == nil || w.Data.Subscriptions.Subscription == nil {
			continue
		}
		for _, pg := range w.Data.Subscriptions.Subscription.Plan {
			if plans[pg.GUID] {
				on[w.Data.GenInfo.Domain()] = true
			}
		}
	}
	return on
}

// MarkOnPlan records the custom subscriptions of rec whose domains are in
// on (OnPlan) as synced, as the server has them: a config's plan: none
// then plans their detachment. On server only, unless server is "".
func MarkOnPlan(rec *state.Snapshot, server string, on map[string]bool) {
	for i := range rec.Subscriptions {
		if s := &rec.Subscriptions[i]; on[s.Domain] && s.SyncStatus == "custom" && (server == "" || s.Server == server) {
			s.SyncStatus = "synced"
		}
	}
}

// Held gives, by domain, the mapped values a read holds for the
// subscriptions on a plan that the server reports not synchronized with
// it and not locked (plan.Input.Held): a reseller's allocation could
// not give them all their plans ask, and what they have applied is what
// they hold.
func Held(snap *importer.Snapshot) map[string]model.Props {
	return readOf(snap, func(info *xmlapi.SubscriptionInfo) bool {
		return info.Synchronized == "false" && info.Locked != "true" && len(info.Plan) > 0
	})
}

// readOf gives, by domain, the mapped values a read holds (the
// expiration limit left out) for the subscriptions whose information
// want accepts.
func readOf(snap *importer.Snapshot, want func(*xmlapi.SubscriptionInfo) bool) map[string]model.Props {
	var out map[string]model.Props
	for _, w := range snap.Webspaces {
		if w.Data == nil || w.Data.GenInfo == nil || w.Data.Subscriptions == nil || w.Data.Subscriptions.Subscription == nil ||
			!want(w.Data.Subscriptions.Subscription) {
			continue
		}
		props, _, err := mapping.ToPropsOn(mapping.FromWebspace(w), snap.PHP)
		if err != nil {
			continue // the config's read reports it
		}
		vals := model.Props{}
		for path, v := range props {
			if path != "resources.expiration" && mapped(path) {
				vals[path] = v
			}
		}
		if out == nil {
			out = map[string]model.Props{}
		}
		out[w.Data.GenInfo.Domain()] = vals
	}
	return out
}

// TakeHeld records the subscriptions of rec in held (Held) with the
// values the server holds for them: an import records what the server
// has (SPEC §6.3), and a subscription the server has not synchronized
// may hold less than what its plans ask even where nothing keeps it
// from more now (an allocation raised since, a component installed):
// the next plan then plans its sync, with the values it gains. On
// server only, unless server is "".
func TakeHeld(rec *state.Snapshot, server string, held map[string]model.Props) {
	if len(held) == 0 {
		return
	}
	for i := range rec.Subscriptions {
		s := &rec.Subscriptions[i]
		h, ok := held[s.Domain]
		if !ok || s.Plan == model.None || (server != "" && s.Server != server) {
			continue
		}
		eff := rec.PropertySets[s.Effective]
		var out state.Values
		for _, path := range h.Paths() {
			v := h[path].JSON()
			if cur, has := eff[path]; has && sameJSON(cur, v) {
				continue
			} else if !has && leftOut(path, v, nil) {
				continue // left out: not set, off, unlimited (SPEC §2.2)
			}
			if out == nil {
				out = make(state.Values, len(eff))
				for k, x := range eff {
					out[k] = x
				}
			}
			out[path] = v
		}
		if out != nil {
			s.Effective = rec.PutValues(out)
		}
	}
}

// Locked gives, by domain, the mapped values a read holds for the
// subscriptions it reports locked on a plan (TakeLocked).
func Locked(snap *importer.Snapshot) map[string]model.Props {
	return readOf(snap, func(info *xmlapi.SubscriptionInfo) bool { return info.Locked == "true" && len(info.Plan) > 0 })
}

// TakeLocked records the locked subscriptions of rec in read (Locked)
// without the values the server does not hold: a locked subscription's
// record is its plans' values under its customisation (the import's
// customize block), and a value its plans gained after it was locked
// never reached it (SPEC §1.3), yet a customisation cannot say "not
// set" for every setting (a PHP setting). A value the server leaves out
// is left out of the record too, as the server has it; what a
// subscription's read does not report at all (preferences, the
// expiration limit) stays. On server only, unless server is "".
func TakeLocked(rec *state.Snapshot, server string, read map[string]model.Props) {
	if len(read) == 0 {
		return
	}
	for i := range rec.Subscriptions {
		s := &rec.Subscriptions[i]
		h, ok := read[s.Domain]
		if !ok || s.Plan == model.None || (server != "" && s.Server != server) {
			continue
		}
		eff := rec.PropertySets[s.Effective]
		var gone []string
		for path, v := range eff {
			p := model.Lookup(path)
			if p == nil || p.Plesk.Group == model.PleskUnmapped || p.Plesk.Group == model.PleskPreference || strings.HasSuffix(path, ".expiration") {
				continue
			}
			if _, held := h[path]; !held && !leftOut(path, v, nil) {
				gone = append(gone, path)
			}
		}
		if len(gone) == 0 {
			continue
		}
		// Its base too: the values frozen when it was locked, which the
		// planner keeps under its customisation, did not hold them.
		s.Effective = without(rec, s.Effective, gone)
		if s.Base != "" {
			s.Base = without(rec, s.Base, gone)
		}
	}
}

// without is the set id of rec with paths left out (id when it holds
// none of them).
func without(rec *state.Snapshot, id string, paths []string) string {
	set := rec.PropertySets[id]
	var out state.Values
	for _, path := range paths {
		if _, ok := set[path]; !ok {
			continue
		}
		if out == nil {
			out = maps.Clone(set)
		}
		delete(out, path)
	}
	if out == nil {
		return id
	}
	return rec.PutValues(out)
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// Unsynchronized lists the domains of the subscriptions a read holds
// unsynchronised (synchronized=false).
func Unsynchronized(snap *importer.Snapshot) map[string]bool {
	off := map[string]bool{}
	for _, w := range snap.Webspaces {
		if w.Data != nil && w.Data.GenInfo != nil && w.Data.Subscriptions != nil && w.Data.Subscriptions.Subscription != nil &&
			w.Data.Subscriptions.Subscription.Synchronized == "false" {
			off[w.Data.GenInfo.Domain()] = true
		}
	}
	return off
}

// unsyncedItems lists, by domain, the additional services (plan-items)
// of the subscriptions a read holds unsynchronised, as the server
// reports them (none when the read has no plan-items dataset).
func unsyncedItems(snap *importer.Snapshot) map[string][]string {
	return itemsOf(snap, func(info *xmlapi.SubscriptionInfo) bool { return info != nil && info.Synchronized == "false" })
}

// ownItems lists, by domain, the additional services (plan-items) of
// the subscriptions a read holds locked or on no plan (custom), as the
// server reports them (none when the read has no plan-items dataset).
func ownItems(snap *importer.Snapshot) map[string][]string {
	return itemsOf(snap, func(info *xmlapi.SubscriptionInfo) bool {
		return info == nil || info.Locked == "true" || len(info.Plan) == 0
	})
}

// itemsOf lists, by domain, the plan-items of the subscriptions of a
// read whose subscription information (nil: on no plan) keep takes.
func itemsOf(snap *importer.Snapshot, keep func(*xmlapi.SubscriptionInfo) bool) map[string][]string {
	var out map[string][]string
	for _, w := range snap.Webspaces {
		if w.Data == nil || w.Data.GenInfo == nil || w.Data.PlanItems == nil || w.Data.Subscriptions == nil || !keep(w.Data.Subscriptions.Subscription) {
			continue
		}
		if out == nil {
			out = map[string][]string{}
		}
		names := []string{}
		for _, it := range w.Data.PlanItems.Item {
			names = append(names, it.Name)
		}
		out[w.Data.GenInfo.Domain()] = names
	}
	return out
}

// MarkUnsynced records the synced subscriptions of rec whose domains are
// in off as unsynced: on server only, unless server is "".
func MarkUnsynced(rec *state.Snapshot, server string, off map[string]bool) {
	if len(off) == 0 {
		return
	}
	for i := range rec.Subscriptions {
		if s := &rec.Subscriptions[i]; off[s.Domain] && s.SyncStatus == "synced" && (server == "" || s.Server == server) {
			s.SyncStatus = "unsynced"
		}
	}
}

// Slim returns the read without its config and records: the name, the
// server block of the config (its components), the status bits and the
// raw answer are kept.
func (srv *Server) Slim() *Server {
	out := &Server{Name: srv.Name, Status: srv.Status, Read: srv.Read, ReadAt: srv.ReadAt, Extensions: srv.Extensions, ExtensionsRead: srv.ExtensionsRead, PHP: srv.PHP, Unsynced: srv.Unsynced, UnsyncedItems: srv.UnsyncedItems, OwnItems: srv.OwnItems,
		ServicesRead: srv.ServicesRead, Defined: srv.Defined}
	if srv.Config != nil {
		out.Config = &model.Config{Server: srv.Config.Server}
	}
	return out
}

// AccountStatuses is what the statuses of accounts read from a server
// mean, as a refresh records them (FromSnapshot): each reseller's and
// customer's status ("active" or "suspended") by "kind login", from its
// status bits and, for a customer, its owner reseller's (a customer
// suspended with its reseller is suspended). A customer's owner counts
// only when resellers holds it.
func AccountStatuses(resellers []*xmlapi.ResellerData, customers []*xmlapi.CustomerData) map[string]string {
	srv := FromSnapshot(&importer.Snapshot{Resellers: resellers, Customers: customers}, time.Time{})
	out := make(map[string]string, len(srv.Records.Resellers)+len(srv.Records.Customers))
	for _, r := range srv.Records.Resellers {
		out["reseller "+r.Login] = r.Status
	}
	for _, c := range srv.Records.Customers {
		out["customer "+c.Login] = c.Status
	}
	return out
}

func statusBits(snap *importer.Snapshot) map[string]int {
	out := map[string]int{}
	for _, d := range snap.Resellers {
		if d.Data != nil && d.Data.GenInfo != nil && d.Data.GenInfo.Status != 0 {
			out["reseller "+d.Data.GenInfo.Login] = d.Data.GenInfo.Status
		}
	}
	for _, d := range snap.Customers {
		if d.Data != nil && d.Data.GenInfo != nil && d.Data.GenInfo.Status != 0 {
			out["customer "+d.Data.GenInfo.Login] = d.Data.GenInfo.Status
		}
	}
	for _, w := range snap.Webspaces {
		if w.Data != nil && w.Data.GenInfo != nil && w.Data.GenInfo.Status != 0 {
			out["subscription "+w.Data.GenInfo.Domain()] = w.Data.GenInfo.Status
		}
	}
	return out
}

// suspendedWhy says why the server has an object suspended, from its
// status bits (Plesk: 16 by the administrator, 32 by a reseller, 64 by
// the customer, 256 expired).
func (srv *Server) suspendedWhy(addr string) string {
	if by := srv.statusDetail(addr); by != "" {
		return "suspended outside plansync (" + by + ")"
	}
	return "suspended outside plansync"
}

// statusDetail names the status bits of a suspended object ("" when
// active).
func (srv *Server) statusDetail(addr string) string {
	bits := srv.Status[addr]
	if bits == 0 {
		return ""
	}
	var by []string
	for _, b := range []struct {
		bit  int
		text string
	}{{16, "by the administrator"}, {32, "by a reseller"}, {64, "by the customer"}, {256, "expired"}} {
		if bits&b.bit != 0 {
			by = append(by, b.text)
		}
	}
	if len(by) == 0 {
		return fmt.Sprintf("status %d", bits)
	}
	return fmt.Sprintf("%s, status %d", strings.Join(by, ", "), bits)
}

// Identities holds the Plesk identities of a server's objects by kind
// and key.
type Identities map[string]map[string]*state.PleskID

// IDs indexes the identities of what a read returned.
func IDs(snap *importer.Snapshot) Identities {
	ids := Identities{}
	put := func(kind, key, guid string, id int) {
		if ids[kind] == nil {
			ids[kind] = map[string]*state.PleskID{}
		}
		ids[kind][key] = &state.PleskID{GUID: guid, ID: id}
	}
	for _, d := range snap.Plans {
		put("service_plan", model.PlanKey(d.OwnerLogin, d.Name), d.GUID, d.ID)
	}
	for _, d := range snap.Addons {
		put("addon_plan", model.PlanKey(d.OwnerLogin, d.Name), d.GUID, d.ID)
	}
	for _, d := range snap.ResellerPlans {
		put("reseller_plan", d.Name, d.GUID, d.ID)
	}
	for _, d := range snap.Resellers {
		if d.Data != nil && d.Data.GenInfo != nil {
			put("reseller", d.Data.GenInfo.Login, d.Data.GenInfo.GUID, d.ID)
		}
	}
	for _, d := range snap.Customers {
		if d.Data != nil && d.Data.GenInfo != nil {
			put("customer", d.Data.GenInfo.Login, d.Data.GenInfo.GUID, d.ID)
		}
	}
	for _, w := range snap.Webspaces {
		if w.Data != nil && w.Data.GenInfo != nil {
			put("subscription", w.Data.GenInfo.Domain(), w.Data.GenInfo.GUID, w.ID)
		}
	}
	return ids
}

// Only keeps the identities of the objects named "kind key".
func (ids Identities) Only(addrs []string) Identities {
	out := Identities{}
	for _, a := range addrs {
		kind, key, _ := strings.Cut(a, " ")
		if id := ids[kind][key]; id != nil {
			if out[kind] == nil {
				out[kind] = map[string]*state.PleskID{}
			}
			out[kind][key] = id
		}
	}
	return out
}

// Attach sets the identity of every record of s that has none and whose
// key the server has. It reports how many it set.
func (ids Identities) Attach(s *state.Snapshot) int {
	return ids.attach(s, func(string) bool { return true })
}

// AttachOn is Attach for the records of one server of several (the
// records whose Server is server): each server has its own identities
// for the same plan or account.
func (ids Identities) AttachOn(s *state.Snapshot, server string) int {
	return ids.attach(s, func(on string) bool { return on == server })
}

func (ids Identities) attach(s *state.Snapshot, on func(server string) bool) int {
	n := 0
	set := func(server, kind, key string, dst **state.PleskID) {
		if *dst != nil || !on(server) {
			return
		}
		if id := ids[kind][key]; id != nil {
			c := *id
			*dst = &c
			n++
		}
	}
	for i := range s.ServicePlans {
		set(s.ServicePlans[i].Server, "service_plan", s.ServicePlans[i].Key, &s.ServicePlans[i].Plesk)
	}
	for i := range s.AddonPlans {
		set(s.AddonPlans[i].Server, "addon_plan", s.AddonPlans[i].Key, &s.AddonPlans[i].Plesk)
	}
	for i := range s.ResellerPlans {
		set(s.ResellerPlans[i].Server, "reseller_plan", s.ResellerPlans[i].Key, &s.ResellerPlans[i].Plesk)
	}
	for i := range s.Resellers {
		set(s.Resellers[i].Server, "reseller", s.Resellers[i].Login, &s.Resellers[i].Plesk)
	}
	for i := range s.Customers {
		set(s.Customers[i].Server, "customer", s.Customers[i].Login, &s.Customers[i].Plesk)
	}
	for i := range s.Subscriptions {
		set(s.Subscriptions[i].Server, "subscription", s.Subscriptions[i].Domain, &s.Subscriptions[i].Plesk)
	}
	return n
}

// Result is a comparison of the recorded state with a server.
type Result struct {
	// Observed is the recorded state with what the server has: the
	// engine plans the config against it. Same lineage and serial as the
	// recorded state.
	Observed *state.Snapshot
	Drift    []plan.Drift
	// Server is the read compared (its raw answer in Server.Read).
	Server *Server
	// IDs counts the recorded objects whose Plesk identity was filled or
	// updated.
	IDs int
	// Disagreements are the synced subscriptions whose records differ
	// from the values their plans on the server give while neither they
	// nor their plans drifted: an apply found the server computing them
	// otherwise than plansync (a model disagreement, SPEC §6.5) and kept
	// their records. They are not drift, and their records stay; read
	// back, they are reported, never recorded either way.
	Disagreements []Disagreement
	// Unavailable are, for a read with a reseller's credentials
	// (Options.Reseller), the services the server shows made unavailable
	// to resellers (unavailableToResellers): the reseller's plan takes
	// them as such, since its recorded services may still say available.
	Unavailable []string
	// kept holds, by "kind key", the recorded statuses of the accounts
	// in model disagreement and of their subscriptions (ToRecord).
	kept map[string]keptStatus
	// keptSubs holds, by domain, the records of the subscriptions whose
	// noted sync status the server still reports (ToRecord).
	keptSubs map[string]state.Subscription
	// Agreed counts the subscriptions whose noted sync status the server
	// no longer reports, nothing of theirs drifting: it now agrees with
	// their records, whose notes are dropped.
	Agreed int
	// panelLocked holds the domains of the subscriptions customised in
	// the panel (locked there) that the config keeps synced: a refresh
	// records them so (state.Subscription.LockedInPanel, ToRecord).
	panelLocked map[string]bool
}

// Disagreement is a subscription whose record differs from what its
// plans on the server give (Fields: recorded, and plansync's prediction
// as observed), with that prediction: its values (Predicted) and its
// own settings (Settings, which the server's values do not follow).
//
// Or it is a customer (Account: "customer LOGIN") whose status an apply
// predicted as recorded while the server took its reseller's activation
// to it (Fields: its status, recorded and the server's): the apply kept
// its record, and the status is the server's to plan from, not drift.
//
// Or it is a subscription whose sync status an apply found the server
// changing on a write of its own (Noted: its record has the sync status
// predicted, Fields the server's beside it, as that apply noted it and
// this refresh read it again): not drift either.
type Disagreement struct {
	Key                 string
	Account             string
	Noted               bool
	Fields              []plan.DriftField
	Predicted, Settings state.Values
}

// Changed reports whether the observed state differs from the recorded
// one (drift, identities filled, or notes dropped).
func (r *Result) Changed() bool { return len(r.Drift) > 0 || r.IDs > 0 || r.Agreed > 0 }

// Options say how drift is described.
type Options struct {
	// Format is the config directory's format for adopting blocks: yaml
	// (default) or hcl.
	Format string
	// Reseller, when set, limits the comparison to what that reseller
	// owns (its service and add-on plans, customers and subscriptions,
	// as a reseller's credentials see the server); every other record
	// is kept as it is.
	Reseller string
}

// Compare compares the recorded state (nil: none yet) with the server,
// for the objects the recorded state or the config (nil: none) names.
func Compare(recorded *state.Snapshot, cfg *model.Config, srv *Server, opt Options) *Result {
	read := srv
	srvRecords := srv.Records
	if recorded == nil {
		recorded = state.New("")
	}
	noConfig := cfg == nil
	if cfg == nil {
		cfg = model.NewConfig()
	}
	var kept *state.Snapshot
	if opt.Reseller != "" {
		recorded, kept = scoped(recorded, opt.Reseller)
		srv = &Server{Name: srv.Name, Config: srv.Config, Status: srv.Status}
		srv.Records, _ = scoped(srvRecords, opt.Reseller)
	}
	c := &comparer{rec: recorded, cfg: cfg, srv: srv, opt: opt, noConfig: noConfig}
	c.read = read
	obs := *recorded
	obs.PropertySets = make(map[string]state.Values, len(recorded.PropertySets))
	for id, v := range recorded.PropertySets {
		obs.PropertySets[id] = v
	}
	c.obs = &obs
	obs.ServicePlans = c.plans("service_plan", recorded.ServicePlans, srv.Records.ServicePlans, inConfig(cfg.ServicePlans))
	obs.AddonPlans = c.plans("addon_plan", recorded.AddonPlans, srv.Records.AddonPlans, inConfig(cfg.AddonPlans))
	obs.ResellerPlans = c.plans("reseller_plan", recorded.ResellerPlans, srv.Records.ResellerPlans, inConfig(cfg.ResellerPlans))
	obs.Services = c.services()
	obs.Resellers = c.resellers()
	obs.Customers = c.customers()
	obs.Subscriptions = c.subscriptions()
	if kept != nil {
		obs.ServicePlans = append(obs.ServicePlans, kept.ServicePlans...)
		obs.AddonPlans = append(obs.AddonPlans, kept.AddonPlans...)
		obs.ResellerPlans = append(obs.ResellerPlans, kept.ResellerPlans...)
		obs.Resellers = append(obs.Resellers, kept.Resellers...)
		obs.Customers = append(obs.Customers, kept.Customers...)
		obs.Subscriptions = append(obs.Subscriptions, kept.Subscriptions...)
	}
	c.prune()
	sort.SliceStable(c.drift, func(i, j int) bool {
		a, b := c.drift[i], c.drift[j]
		if a.Kind != b.Kind {
			return a.Kind.Order() < b.Kind.Order()
		}
		return a.Key < b.Key
	})
	// Each object's drift, by "kind key", found once: describe gathers
	// it for each item (a scan of all drift per item is quadratic on a
	// fleet whose 100,000 subscriptions drifted).
	c.driftOf = map[string][]int{}
	for i := range c.drift {
		k := string(c.drift[i].Kind) + " " + c.drift[i].Key
		c.driftOf[k] = append(c.driftOf[k], i)
	}
	for i := range c.drift {
		c.describe(&c.drift[i])
	}
	res := &Result{Observed: &obs, Drift: c.drift, IDs: c.ids, Server: read, Disagreements: c.disagree, kept: c.kept, keptSubs: c.keptSubs, Agreed: c.agreed, panelLocked: c.panelLocked}
	if opt.Reseller != "" {
		res.Unavailable = c.unavailableToResellers()
	}
	return res
}

// ToRecord is the observed state as a refresh records it: the accounts
// in model disagreement (and the statuses of their subscriptions, which
// follow them) keep their records, as the subscriptions in disagreement
// do; the observed state has the server's statuses, which a plan plans
// from.
func (r *Result) ToRecord() *state.Snapshot {
	if len(r.kept) == 0 && len(r.keptSubs) == 0 && len(r.panelLocked) == 0 {
		return r.Observed
	}
	out := *r.Observed
	out.Customers = slices.Clone(out.Customers)
	for i := range out.Customers {
		if k, ok := r.kept["customer "+out.Customers[i].Login]; ok {
			out.Customers[i].Status, out.Customers[i].StatusReasons = k.status, k.reasons
		}
	}
	out.Subscriptions = slices.Clone(out.Subscriptions)
	for i := range out.Subscriptions {
		if k, ok := r.keptSubs[out.Subscriptions[i].Domain]; ok {
			out.Subscriptions[i] = k
		}
		if k, ok := r.kept["subscription "+out.Subscriptions[i].Domain]; ok {
			out.Subscriptions[i].Status, out.Subscriptions[i].StatusReasons = k.status, k.reasons
		}
	}
	r.MarkLockedInPanel(out.Subscriptions)
	return &out
}

// MarkLockedInPanel marks, among subs, those observed locked in the
// panel while the config keeps them synced
// (state.Subscription.LockedInPanel): recorded so, the next plan still
// syncs them back, naming the panel values it discards, as this one
// does (Annotate). ToRecord marks its records; an apply that records
// what it observed marks those.
func (r *Result) MarkLockedInPanel(subs []state.Subscription) {
	for i := range subs {
		if r.panelLocked[subs[i].Domain] && subs[i].SyncStatus == "locked" {
			subs[i].LockedInPanel = true
		}
	}
}

// keptStatus is a recorded status a refresh keeps (Result.ToRecord).
type keptStatus struct {
	status  string
	reasons []string
}

func inConfig[T any](m map[string]T) func(string) bool {
	return func(k string) bool { _, ok := m[k]; return ok }
}

type comparer struct {
	rec, obs *state.Snapshot
	// planProps is obsPlanProps's index, made when the observed state
	// held planPropsOf plans.
	planProps   map[string][]string
	planPropsOf int
	// addonServices lists the services of the recorded add-on plans by
	// key (addonService), made on first use.
	addonServices map[string][][]string
	cfg           *model.Config
	srv           *Server
	opt           Options
	drift         []plan.Drift
	disagree      []Disagreement
	// kept: see Result.kept; recResellers the recorded resellers'
	// statuses by login (made on first use).
	kept         map[string]keptStatus
	keptSubs     map[string]state.Subscription
	panelLocked  map[string]bool
	recResellers map[string]string
	ids          int
	agreed       int
	// noConfig: Compare was given no config, so whether the config
	// declares an object is not known (the advice assumes it does).
	noConfig bool
	// driftOf holds the indexes in drift of each object's items, by
	// "kind key" (made before describe).
	driftOf map[string][]int
	// recIndex and srvIndex index the records of rec and of the
	// server's read by "kind key" (recorded and serverRecord), made on
	// first use: describe looks records up once per drift item.
	recIndex, srvIndex map[string]int
	// serverKey maps "kind key" of a drifted object to its key on the
	// server, where it differs (a rename in the panel); recordedKey the
	// other way.
	serverKey, recordedKey map[string]string
	// adoptedFrom maps "kind key" of a plan renamed in the panel whose
	// rename the config adopted to its recorded key: its subscriptions
	// are on the same plan, under its new name.
	adoptedFrom map[string]string
	// planDrifted holds the "kind key" of the plans edited in the panel;
	// statusOf the status of accounts ("kind login") suspended or
	// activated outside plansync.
	planDrifted map[string]bool
	// planPaths holds, by "kind key", the property paths those plans'
	// drift names.
	planPaths map[string]map[string]bool
	statusOf  map[string]string
	// withReseller names, per customer ("customer LOGIN") suspended
	// with its recorded reseller (suspendedWithReseller), that reseller
	// ("reseller LOGIN").
	withReseller map[string]string
	// lostServices holds, by domain, the services that reseller's
	// subscriptions no longer get, made unavailable to resellers in the
	// panel (unavailable).
	lostServices map[string][]string
	// regainedServices holds, by domain, the services that reseller's
	// subscriptions recorded unsynced without get again, made available
	// to resellers again in the panel (regained).
	regainedServices map[string][]string
	// takenOff holds, by domain, the services a custom or locked
	// subscription's record lists that were taken off it in the panel
	// (servicesTakenOff).
	takenOff map[string][]string
	// resynced holds the domains of the subscriptions recorded unsynced
	// (with conflicts) that the server reports synchronized again.
	resynced map[string]bool
	// customisedResellers maps the login of each reseller customised in
	// the panel on its reseller plan (drift of its own) to that plan.
	customisedResellers map[string]string
	// converted maps the login of each recorded customer converted to a
	// reseller in the panel to the server's reseller (conversions).
	converted map[string]*state.Reseller
	// read is the server as read (before a reseller's scope): its
	// config and MoreIPs give the subscriptions' IP addresses.
	read *Server
	// subValues memoises the comparison of a subscription's values
	// (subValues): the subscriptions synced with one plan share their
	// recorded and their read sets, and a fleet has 100,000 of them.
	subValues map[subValuesKey]subValuesOut
}

// subValuesKey is what the comparison of a subscription's values
// depends on: its recorded and read sets (by id: the sets are interned,
// equal ids are equal values), its own values (subscriber settings) and
// whether the server reports it locked.
type subValuesKey struct {
	recorded, read, settings string
	locked                   bool
}

// subValuesOut is what subValues returns: the server's values with what
// it leaves out as unset (withUnset) and the values that differ.
type subValuesOut struct {
	srvVals state.Values
	values  []plan.DriftField
}

// ips returns every IP address the server reports for a subscription
// (an IPv4 and an IPv6 one at most).
func (c *comparer) ips(domain string) []string {
	if more := c.read.MoreIPs[domain]; more != nil {
		return more
	}
	if c.read.Config != nil {
		if s := c.read.Config.Subscriptions[domain]; s != nil && s.IPAddress != "" {
			return []string{s.IPAddress}
		}
	}
	return nil
}

// sameIP says whether the server has the subscription on the recorded
// IP address. Only an address the config names is recorded: nothing
// recorded (not managed), or nothing reported, is not a change.
func (c *comparer) sameIP(r, s *state.Subscription) bool {
	have := c.ips(s.Domain)
	return r.IPAddress == "" || len(have) == 0 || slices.Contains(have, r.IPAddress)
}

// serverIP is the (first) IP address the server reports for a
// subscription, "" when the raw read is not at hand.
func (c *comparer) serverIP(domain string) string {
	if have := c.ips(domain); len(have) > 0 {
		return have[0]
	}
	return ""
}

// accountStatus notes an account suspended or activated outside
// plansync: what it owns that follows it is its drift.
func (c *comparer) accountStatus(addr, status string) {
	if c.statusOf == nil {
		c.statusOf = map[string]string{}
	}
	c.statusOf[addr] = status
}

func (c *comparer) add(kind, key string, cause plan.DriftCause, fields ...plan.DriftField) {
	c.drift = append(c.drift, plan.Drift{Kind: plan.Kind(kind), Key: key, Cause: cause, Fields: fields})
}

// matcher pairs recorded objects with the server's: by GUID first, then
// by key among the server objects not claimed by a GUID.
type matcher struct {
	byGUID  map[string]int
	byKey   map[string]int
	claimed map[int]bool
}

func newMatcher(n int, key func(int) string, id func(int) *state.PleskID) *matcher {
	m := &matcher{byGUID: make(map[string]int, n), byKey: make(map[string]int, n), claimed: map[int]bool{}}
	for i := 0; i < n; i++ {
		m.byKey[key(i)] = i
		if p := id(i); p != nil && p.GUID != "" {
			m.byGUID[p.GUID] = i
		}
	}
	return m
}

// match returns the server object for a recorded one (-1: none). GUID
// matches are claimed first by claimGUIDs.
func (m *matcher) claimGUIDs(n int, id func(int) *state.PleskID) []int {
	out := make([]int, n)
	for i := 0; i < n; i++ {
		out[i] = -1
		if p := id(i); p != nil && p.GUID != "" {
			if j, ok := m.byGUID[p.GUID]; ok && !m.claimed[j] {
				out[i] = j
				m.claimed[j] = true
			}
		}
	}
	return out
}

func (m *matcher) byName(key string) int {
	if j, ok := m.byKey[key]; ok && !m.claimed[j] {
		m.claimed[j] = true
		return j
	}
	return -1
}

func (m *matcher) pair(n int, key func(int) string, id func(int) *state.PleskID) []int {
	out := m.claimGUIDs(n, id)
	for i := range out {
		if out[i] < 0 {
			out[i] = m.byName(key(i))
		}
	}
	return out
}

// fillID records the server's identity on a record when it differs.
func (c *comparer) fillID(dst **state.PleskID, srv *state.PleskID) {
	if srv == nil {
		return
	}
	if *dst == nil || **dst != *srv {
		id := *srv
		*dst = &id
		c.ids++
	}
}

// mapped reports whether the server knows a property.
func mapped(path string) bool {
	p := model.Lookup(path)
	return p != nil && p.Plesk.Group != model.PleskUnmapped
}

// propDiff lists the mapped properties whose values differ between the
// recorded and the server's set.
func (c *comparer) propDiff(prefix string, recID string, srvVals state.Values, only func(string) bool) []plan.DriftField {
	return c.propDiffDefaults(prefix, recID, srvVals, only, nil)
}

// propDiffDefaults is propDiff for a recorded set that leaves out what
// defs gives (a plan's limits unlimited, its permissions not granted,
// SPEC §2.2): a value it leaves out is shown as recorded with its
// default, as the change that sets it back shows it.
func (c *comparer) propDiffDefaults(prefix string, recID string, srvVals state.Values, only func(string) bool, defs model.Props) []plan.DriftField {
	rp, _ := plan.PropsFromValues(c.rec.PropertySets[recID])
	sp, _ := plan.PropsFromValues(srvVals)
	var paths []string
	for path, sv := range sp {
		if !mapped(path) || (only != nil && !only(path)) {
			continue
		}
		rv, ok := rp[path]
		if !ok && (sv.K == model.KindBool && !sv.Truth() || model.IsNeutral(path, sv)) {
			continue // a setting the server reports off (none) that was never set
		}
		if !ok && addsNothing(path, defs) {
			// An add-on's limit left out adds nothing: 0 is that,
			// unlimited is not (it absorbs the plan's).
			if sv.N == 0 {
				continue
			}
		} else if !ok && sv.IsUnlimited() {
			continue // a limit never set is unlimited
		}
		if !ok || rv != sv {
			paths = append(paths, path)
		}
	}
	sort.Strings(paths)
	out := make([]plan.DriftField, 0, len(paths))
	for _, path := range paths {
		rv, ok := rp[path]
		if !ok {
			rv, ok = defs[path]
		}
		out = append(out, plan.DriftField{Path: prefix + path, Recorded: plan.ValueOf(rv, ok), Observed: plan.ValueOf(sp[path], true)})
	}
	return out
}

// merged is the id of the recorded set with the server's values of the
// mapped properties put in.
func (c *comparer) merged(recID string, srvVals state.Values) string {
	return c.mergedDefaults(recID, srvVals, nil)
}

// mergedDefaults is merged for a plan's set, whose kind leaves out what
// defs gives (plan.KindDefaults).
func (c *comparer) mergedDefaults(recID string, srvVals state.Values, defs model.Props) string {
	return c.obs.PutValues(c.mergedValues(recID, srvVals, nil, defs))
}

// mergedServices is merged with the set's services replaced by services
// (a plan whose services were changed on the server).
func (c *comparer) mergedServices(recID string, srvVals state.Values, services []string, defs model.Props) string {
	out := c.mergedValues(recID, srvVals, nil, defs)
	delete(out, plan.ServicesKey)
	if len(services) > 0 {
		out[plan.ServicesKey] = plan.ServicesValue(services)
	}
	return c.obs.PutValues(out)
}

// mergedOnly is merged for the properties only selects.
func (c *comparer) mergedOnly(recID string, srvVals state.Values, only func(string) bool) string {
	return c.obs.PutValues(c.mergedValues(recID, srvVals, only, nil))
}

// mergedValues is a copy of the recorded set with the server's values of
// the mapped properties (those only selects, when only is set) put in.
// A property the recorded set leaves out stays out when the server's
// value is what leaving it out means (off, "none", unlimited: SPEC
// §2.2), as propDiffDefaults counts it no drift: a "none" that apply
// wrote to set back a panel edit (Plesk has no unset) is not planned as
// a value to take out when another property of the set drifts later.
func (c *comparer) mergedValues(recID string, srvVals state.Values, only func(string) bool, defs model.Props) state.Values {
	rec := c.rec.PropertySets[recID]
	out := state.Values{}
	for k, v := range rec {
		out[k] = v
	}
	for k, v := range srvVals {
		if !mapped(k) || (only != nil && !only(k)) {
			continue
		}
		if _, set := rec[k]; !set && leftOut(k, v, defs) {
			continue
		}
		out[k] = v
	}
	return out
}

// leftOut reports whether the server's value v of path is what a set
// that leaves path out means: off, the neutral choice, or unlimited (for
// an add-on's limit, 0: it adds nothing). defs are the set's kind's
// defaults (plan.KindDefaults), nil for a set that is no plan.
func leftOut(path string, v any, defs model.Props) bool {
	props, _ := plan.PropsFromValues(state.Values{path: v})
	sv, ok := props[path]
	if !ok {
		return false
	}
	if sv.K == model.KindBool && !sv.Truth() || model.IsNeutral(path, sv) {
		return true
	}
	if addsNothing(path, defs) {
		return sv.N == 0
	}
	return sv.IsUnlimited()
}

// addsNothing reports whether path is a limit that a plan of defs's kind
// leaving it out does not give at all (an add-on's: it adds nothing),
// rather than gives unlimited (a service or reseller plan's).
func addsNothing(path string, defs model.Props) bool {
	if defs == nil {
		return false
	}
	if _, ok := defs[path]; ok {
		return false
	}
	p := model.Lookup(path)
	return p != nil && p.Plesk.Group == model.PleskLimit && (p.Kind == model.KindSize || p.Kind == model.KindCount)
}

// unmappedFromPlans is the observed set id with the values the server
// does not have taken from the recorded plans a subscription is now on
// (its service plan ⊕ add-ons, over the defaults a plan leaves out, as
// the engine makes a subscription's base), not from those it left: a
// subscription switched to another plan in the panel has that plan's
// expiration and additional services.
func (c *comparer) unmappedFromPlans(id, owner, planName string, addons []string, read state.Values) string {
	var base model.Props
	var services []string
	for i := range c.rec.ServicePlans {
		if p := &c.rec.ServicePlans[i]; p.Key == model.PlanKey(owner, planName) {
			pp, _ := plan.PropsFromValues(c.rec.PropertySets[p.Props])
			base = plan.DefaultProps()
			base.Overlay(pp)
			services = slices.Sorted(slices.Values(p.Services))
		}
	}
	if base == nil {
		return id // not a recorded plan (none, or made outside)
	}
	for _, a := range addons {
		for i := range c.rec.AddonPlans {
			if p := &c.rec.AddonPlans[i]; p.Key == model.PlanKey(owner, a) {
				ap, _ := plan.PropsFromValues(c.rec.PropertySets[p.Props])
				base.AddAddon(ap)
				services = model.Union(services, p.Services)
			}
		}
	}
	out := state.Values{}
	for k, v := range c.obs.PropertySets[id] {
		if k == plan.ServicesKey || !(mapped(k) || model.Lookup(k) == nil) {
			continue
		}
		if _, reported := read[k]; !reported && mapped(k) {
			if !c.plansSet(owner, planName, addons, k) {
				// Neither the server reports it nor its new plans set
				// it: a value of its former plans, which it no longer
				// has (left out: not set).
				continue
			}
		}
		out[k] = v
	}
	for k, v := range base {
		if !mapped(k) && model.Lookup(k) != nil {
			out[k] = v.JSON()
		}
	}
	if len(services) > 0 {
		out[plan.ServicesKey] = plan.ServicesValue(services)
	}
	return c.obs.PutValues(out)
}

// withoutUnset is the observed set id without the mapped properties of
// rec whose recorded value drifted, that the server does not report (read)
// and that the observed plans do not set.
func (c *comparer) withoutUnset(id, owner, planName string, addons []string, read, rec state.Values) string {
	var out state.Values
	for k, v := range c.obs.PropertySets[id] {
		if !mapped(k) || k == plan.ServicesKey {
			continue
		}
		if _, reported := read[k]; reported || c.plansSet(owner, planName, addons, k) {
			continue
		}
		if was, ok := rec[k]; ok && reflect.DeepEqual(was, v) {
			continue
		}
		if out == nil {
			out = maps.Clone(c.obs.PropertySets[id])
		}
		delete(out, k)
	}
	if out == nil {
		return id
	}
	return c.obs.PutValues(out)
}

// plansSet reports whether the observed plans (as the server has them
// now) a subscription is on set path: its service plan, over the
// defaults a plan leaves out, or one of its add-ons.
func (c *comparer) plansSet(owner, planName string, addons []string, path string) bool {
	props := c.obsPlanProps()
	for _, id := range props["service_plan "+model.PlanKey(owner, planName)] {
		if _, set := planDefaults()[path]; set {
			return true
		}
		if _, set := c.obs.PropertySets[id][path]; set {
			return true
		}
	}
	for _, a := range addons {
		for _, id := range props["addon_plan "+model.PlanKey(owner, a)] {
			if _, set := c.obs.PropertySets[id][path]; set {
				return true
			}
		}
	}
	return false
}

// planDefaults are the values a service plan leaves out (read only).
var planDefaults = sync.OnceValue(plan.DefaultProps)

// obsPlanProps indexes the property sets of the observed service and
// add-on plans by "kind key", made again when plans were observed since: plansSet asks
// it once per value of each subscription its plans' drift reaches.
func (c *comparer) obsPlanProps() map[string][]string {
	n := len(c.obs.ServicePlans) + len(c.obs.AddonPlans)
	if c.planProps != nil && c.planPropsOf == n {
		return c.planProps
	}
	m := make(map[string][]string, n)
	for kind, plans := range map[string][]state.Plan{"service_plan": c.obs.ServicePlans, "addon_plan": c.obs.AddonPlans} {
		for i := range plans {
			m[kind+" "+plans[i].Key] = append(m[kind+" "+plans[i].Key], plans[i].Props)
		}
	}
	c.planProps, c.planPropsOf = m, n
	return m
}

// copySet copies a set of the server's records into the observed state.
func (c *comparer) copySet(id string) string {
	if id == "" {
		return ""
	}
	return c.obs.PutValues(c.srv.Records.PropertySets[id])
}

func (c *comparer) plans(kind string, rec, srv []state.Plan, declared func(string) bool) []state.Plan {
	m := newMatcher(len(srv), func(i int) string { return srv[i].Key }, func(i int) *state.PleskID { return srv[i].Plesk })
	pairs := m.pair(len(rec), func(i int) string { return rec[i].Key }, func(i int) *state.PleskID { return rec[i].Plesk })
	out := make([]state.Plan, 0, len(rec))
	for i, j := range pairs {
		r := rec[i]
		if j < 0 {
			c.add(kind, r.Key, gone(r.Plesk))
			continue
		}
		s := &srv[j]
		c.fillID(&r.Plesk, s.Plesk)
		var fields []plan.DriftField
		if s.Key != r.Key {
			if s.Name != r.Name {
				// (Its name is the same when only its owner, a reseller,
				// was renamed in the panel: that is the reseller's drift.)
				fields = append(fields, plan.DriftField{Path: "name", Recorded: plan.StringOf(r.Name), Observed: plan.StringOf(s.Name)})
			}
			if declared(s.Key) && !declared(r.Key) {
				// The config adopted the panel's rename: the plan is
				// observed under its new name (and its subscriptions
				// on it), so nothing is renamed back, deleted or made.
				if c.adoptedFrom == nil {
					c.adoptedFrom = map[string]string{}
				}
				c.adoptedFrom[kind+" "+s.Key] = r.Key
				r.Key, r.Name = s.Key, s.Name
			} else {
				c.renamed(kind, r.Key, s.Key)
			}
		}
		srvVals := withUnreported(kind, c.rec.PropertySets[r.Props], c.srv.Records.PropertySets[s.Props])
		defs := plan.KindDefaults(model.PlanKind(kind))
		props := c.propDiffDefaults("", r.Props, srvVals, nil, defs)
		servicesDrifted := false
		if kind == "service_plan" && strings.Join(r.Services, "\x00") != strings.Join(s.Services, "\x00") {
			props = append(props, plan.DriftField{Path: "services", Recorded: plan.ListOf(r.Services, true), Observed: plan.ListOf(s.Services, true)})
			r.Services = append([]string(nil), s.Services...)
			servicesDrifted = true
		}
		if kind == "reseller_plan" && r.Oversell != s.Oversell {
			props = append(props, plan.DriftField{Path: "oversell", Recorded: boolVal(r.Oversell), Observed: boolVal(s.Oversell)})
			r.Oversell = s.Oversell
		}
		if len(props) > 0 {
			if servicesDrifted {
				// The set holds the plan's services too: the ones the
				// server has, so that plan sets the config's back.
				r.Props = c.mergedServices(r.Props, srvVals, r.Services, defs)
			} else {
				r.Props = c.mergedDefaults(r.Props, srvVals, defs)
			}
			if kind == "addon_plan" {
				r.Props = c.withoutNothing(r.Props, props)
			}
		}
		if len(fields)+len(props) > 0 {
			c.add(kind, r.Key, plan.DriftPlanEdited, append(fields, props...)...)
			if c.planDrifted == nil {
				c.planDrifted = map[string]bool{}
			}
			c.planDrifted[kind+" "+r.Key] = true
			if c.planPaths == nil {
				c.planPaths = map[string]map[string]bool{}
			}
			paths := map[string]bool{}
			for _, f := range props {
				paths[f.Path] = true
			}
			c.planPaths[kind+" "+r.Key] = paths
		}
		out = append(out, r)
	}
	for j := range srv {
		if m.claimed[j] || !declared(srv[j].Key) {
			continue
		}
		s := srv[j]
		s.Props = c.copySet(s.Props)
		c.configOnly(kind, &s)
		out = append(out, s)
		c.add(kind, s.Key, plan.DriftCreated)
	}
	return out
}

// configOnly gives s, a plan of kind created outside plansync that the
// config declares, the config's description: the server has none to
// observe, and the adopt block keeps the config's. (Its plansync-only
// properties are not taken: an expiration would give the subscriptions
// made by hand on it a date the server does not have.)
func (c *comparer) configOnly(kind string, s *state.Plan) {
	var cp *model.Plan
	switch kind {
	case "service_plan":
		cp = c.cfg.ServicePlans[s.Key]
	case "addon_plan":
		cp = c.cfg.AddonPlans[s.Key]
	case "reseller_plan":
		cp = c.cfg.ResellerPlans[s.Key]
	}
	if cp != nil && s.Description == "" {
		s.Description = cp.Description
	}
}

// withUnreported is the server's values of a plan of kind with, for
// each limit and permission the state records that the server does not
// report, the value a plan has where it leaves it out (plan.KindDefaults:
// unlimited, not granted): Plesk reports a plan's limits and permissions,
// so one it does not is at its default, not unknown, and a recorded value
// other than that is drift. An add-on's read leaves out the limits of 0
// and the on/off settings that are off (they add nothing, as one left out
// does): one the state records is at 0 or off on the server.
func withUnreported(kind string, rec, srv state.Values) state.Values {
	defs := plan.KindDefaults(model.PlanKind(kind))
	return withMissing(rec, srv, func(k string) (model.Value, bool) {
		d, ok := defs[k]
		if !ok && model.PlanKind(kind) == model.AddonPlanKind {
			d, ok = addonNothing(k)
		}
		return d, ok
	})
}

// withUnset is the server's values of a subscription with, for each
// mapped value the state records that the server's set leaves out, what
// leaving it out means (SPEC §2.2): a limit unlimited, a permission or an
// on/off setting off, an enumerated setting its "none" choice. The
// server's read of a locked or custom subscription keeps of its values
// those that differ from what its plans leave out, so one it leaves out
// is at that value, not unknown: a recorded value other than that (a
// customised ssl switched off in the panel) is drift.
func withUnset(rec, srv state.Values) state.Values {
	return withMissing(rec, srv, func(k string) (model.Value, bool) {
		p := model.Lookup(k)
		switch {
		case p.Plesk.Group == model.PleskPreference:
			return model.Value{}, false // a webspace has no preferences: not reported at all
		case p.Plesk.Group == model.PleskLimit && (p.Kind == model.KindSize || p.Kind == model.KindCount):
			return model.Value{K: p.Kind, N: model.Unlimited}, true
		}
		return p.Neutral()
	})
}

// withMissing is srv with, for each mapped path rec holds and srv does
// not, the value missing gives it (none when ok is false); srv itself
// when there is none to add.
func withMissing(rec, srv state.Values, missing func(path string) (v model.Value, ok bool)) state.Values {
	var out state.Values
	for k := range rec {
		if _, ok := srv[k]; ok || !mapped(k) {
			continue
		}
		d, ok := missing(k)
		if !ok {
			continue
		}
		if out == nil {
			out = maps.Clone(srv)
			if out == nil {
				out = state.Values{}
			}
		}
		out[k] = d.JSON()
	}
	if out == nil {
		return srv
	}
	return out
}

// withoutNothing is an add-on's observed set id without the properties
// that drifted to what adds nothing (a setting switched off, a limit
// set to 0 in the panel): the server's read leaves them out, as a
// config does (an add-on switches on, never off), so that adopting the
// drift (its block leaves them out) leaves nothing to change.
func (c *comparer) withoutNothing(id string, drifted []plan.DriftField) string {
	var out state.Values
	for _, f := range drifted {
		nothing, ok := addonNothing(f.Path)
		v, set := c.obs.PropertySets[id][f.Path]
		if !ok || !set {
			continue
		}
		props, _ := plan.PropsFromValues(state.Values{f.Path: v})
		if sv, ok := props[f.Path]; !ok || sv.K != nothing.K || sv.N != nothing.N || sv.Truth() != nothing.Truth() {
			continue
		}
		if out == nil {
			out = maps.Clone(c.obs.PropertySets[id])
		}
		delete(out, f.Path)
	}
	if out == nil {
		return id
	}
	return c.obs.PutValues(out)
}

// addonNothing is the value of an add-on's property that adds nothing
// (a limit of 0, an on/off setting off), which the server's read of an
// add-on leaves out; ok is false for what has none.
func addonNothing(path string) (model.Value, bool) {
	p := model.Lookup(path)
	if p == nil || p.Where&model.InAddonPlan == 0 {
		return model.Value{}, false
	}
	switch {
	case p.Plesk.Group == model.PleskLimit && (p.Kind == model.KindSize || p.Kind == model.KindCount):
		return model.Value{K: p.Kind, N: 0}, true
	case p.Kind == model.KindBool:
		return model.Bool(false), true
	}
	return model.Value{}, false
}

// gone is the cause of a recorded object the server lacks.
func gone(id *state.PleskID) plan.DriftCause {
	if id == nil {
		return plan.DriftMissing
	}
	return plan.DriftDeleted
}

func boolVal(b bool) plan.Val { return plan.ValueOf(model.Bool(b), true) }

func (c *comparer) renamed(kind, key, serverKey string) {
	if c.serverKey == nil {
		c.serverKey = map[string]string{}
		c.recordedKey = map[string]string{}
	}
	c.serverKey[kind+" "+key] = serverKey
	c.recordedKey[kind+" "+serverKey] = key
}

// recordedLogin is the recorded login of the account of kind (customer,
// reseller) that has login on the server (login when it was not renamed
// in the panel).
func (c *comparer) recordedLogin(kind, login string) string {
	if login == "" || login == model.Admin {
		return login
	}
	if key, ok := c.recordedKey[kind+" "+login]; ok {
		return key
	}
	return login
}

// planName is the recorded name of the plan of kind an owner's
// subscription names on the server (a plan renamed in the panel keeps
// its recorded name: the rename is the plan's drift).
func (c *comparer) planName(kind, owner, name string) string {
	if name == "" || name == model.None {
		return name
	}
	return nameIn(c.recordedKey, kind, owner, name)
}

// nameIn is the name of the plan keyed in m by the key of an owner's
// plan of kind named name (name when m has none).
func nameIn(m map[string]string, kind, owner, name string) string {
	if key, ok := m[kind+" "+model.PlanKey(owner, name)]; ok {
		if _, n, found := strings.Cut(key, "/"); found {
			return n
		}
		return key
	}
	return name
}

// wasNamed is the recorded name of an owner's plan of kind now named
// name, when the config adopted its rename in the panel; name otherwise.
func (c *comparer) wasNamed(kind, owner, name string) string {
	return nameIn(c.adoptedFrom, kind, owner, name)
}

func (c *comparer) wereNamed(kind, owner string, names []string) []string {
	if len(c.adoptedFrom) == 0 {
		return names
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = c.wasNamed(kind, owner, n)
	}
	return out
}

func contactFields(r, s state.Contact) []plan.DriftField {
	var out []plan.DriftField
	for _, f := range []struct{ path, a, b string }{
		{"name", r.Name, s.Name}, {"company", r.Company, s.Company}, {"email", r.Email, s.Email},
		{"phone", r.Phone, s.Phone}, {"address", r.Address, s.Address},
	} {
		if f.a != f.b {
			out = append(out, plan.DriftField{Path: f.path, Recorded: plan.StringOf(f.a), Observed: plan.StringOf(f.b)})
		}
	}
	return out
}

// account compares what resellers and customers share: a login renamed
// in the panel (matched by its Plesk identity) and the contact, which
// the observed record takes from the server.
func (c *comparer) account(kind, recLogin, srvLogin string, rec *state.Contact, srv state.Contact) []plan.DriftField {
	var edited []plan.DriftField
	if srvLogin != recLogin {
		edited = append(edited, plan.DriftField{Path: "login", Recorded: plan.StringOf(recLogin), Observed: plan.StringOf(srvLogin)})
		c.renamed(kind, recLogin, srvLogin)
	}
	if rec.Name == "" && srv.Name == srvLogin {
		// No name in the config: plansync gives Plesk, which requires
		// one, the login.
		srv.Name = ""
	}
	edited = append(edited, contactFields(*rec, srv)...)
	*rec = srv
	return edited
}

// description compares an account's description, which plansync writes
// to the server (gen_info/description), once plansync manages it (it
// recorded one): changed in the panel, it is drift, and the observed
// record takes the server's (SPEC §6.4: the plan sets it back). A
// description plansync never managed (recorded empty) is the panel's,
// left alone as apply leaves it.
func description(rec *string, srv string) []plan.DriftField {
	if *rec == "" || *rec == srv {
		return nil
	}
	f := plan.DriftField{Path: "description", Recorded: plan.StringOf(*rec), Observed: plan.StringOf(srv)}
	*rec = srv
	return []plan.DriftField{f}
}

func statusField(r, s string) plan.DriftField {
	return plan.DriftField{Path: "status", Recorded: plan.StringOf(r), Observed: plan.StringOf(s)}
}

func (c *comparer) resellers() []state.Reseller {
	rec, srv := c.rec.Resellers, c.srv.Records.Resellers
	m := newMatcher(len(srv), func(i int) string { return srv[i].Login }, func(i int) *state.PleskID { return srv[i].Plesk })
	pairs := m.pair(len(rec), func(i int) string { return rec[i].Login }, func(i int) *state.PleskID { return rec[i].Plesk })
	out := make([]state.Reseller, 0, len(rec))
	for i, j := range pairs {
		r := rec[i]
		if j < 0 {
			c.add("reseller", r.Login, gone(r.Plesk))
			continue
		}
		s := &srv[j]
		c.fillID(&r.Plesk, s.Plesk)
		edited := c.account("reseller", r.Login, s.Login, &r.Contact, s.Contact)
		edited = append(edited, description(&r.Description, s.Description)...)
		if s.Plan != r.Plan && s.Plan != model.None {
			edited = append(edited, plan.DriftField{Path: "plan", Recorded: plan.StringOf(r.Plan), Observed: plan.StringOf(s.Plan)})
			r.Plan = s.Plan
		}
		if r.Plan != model.None && s.Plan == r.Plan && r.Allocation != "" && s.Allocation != "" {
			// On its plan: Plesk gives it the plan's values, so a plan
			// edited in the panel reached it (the plan's drift says so).
			// It has what its plan has on the server.
			srvVals := c.srv.Records.PropertySets[s.Allocation]
			if diff := c.propDiff("", r.Allocation, srvVals, nil); len(diff) > 0 {
				r.Allocation = c.merged(r.Allocation, srvVals)
			}
			// Its oversell policy too (the plan's drift names it).
			r.Oversell = s.Oversell
		}
		customised := false
		if rp, ok := c.srv.LockedResellers[s.Login]; ok && r.Plan != model.None && s.Plan == model.None && r.Allocation != "" && s.Allocation != "" {
			// Customised in the panel: still on its plan (switched to
			// another one first, maybe), whose changes no longer reach
			// it; the allocation it has is its own.
			if rp != r.Plan {
				edited = append(edited, plan.DriftField{Path: "plan", Recorded: plan.StringOf(r.Plan), Observed: plan.StringOf(rp)})
				r.Plan = rp
				customised = true
			}
			srvVals := c.srv.Records.PropertySets[s.Allocation]
			if diff := c.propDiff("allocation.", r.Allocation, srvVals, nil); len(diff) > 0 {
				edited = append(edited, diff...)
				customised = true
				r.Allocation = c.merged(r.Allocation, srvVals)
			}
		}
		if r.Plan == model.None && s.Plan == model.None && r.Allocation != "" {
			// A custom reseller's own limits and permissions, under the
			// paths the plan's changes of them have.
			srvVals := c.srv.Records.PropertySets[s.Allocation]
			if diff := c.propDiff("allocation.", r.Allocation, srvVals, nil); len(diff) > 0 {
				edited = append(edited, diff...)
				r.Allocation = c.merged(r.Allocation, srvVals)
			}
		}
		if len(edited) > 0 {
			c.add("reseller", r.Login, plan.DriftEdited, edited...)
			if customised {
				c.drift[len(c.drift)-1].Detail = fmt.Sprintf("customised in the panel: changes of its reseller plan %s no longer reach it", r.Plan)
				if c.customisedResellers == nil {
					c.customisedResellers = map[string]string{}
				}
				c.customisedResellers[r.Login] = r.Plan
			}
		}
		if s.Status != r.Status {
			c.add("reseller", r.Login, plan.DriftStatus, statusField(r.Status, s.Status))
			c.accountStatus("reseller "+r.Login, s.Status)
			r.Status = s.Status
		}
		out = append(out, r)
	}
	out = append(out, c.conversions(m)...)
	for j := range srv {
		if m.claimed[j] || c.cfg.Resellers[srv[j].Login] == nil {
			continue
		}
		s := srv[j]
		s.Allocation = c.copySet(s.Allocation)
		out = append(out, s)
		c.add("reseller", s.Login, plan.DriftCreated)
	}
	return out
}

// conversions finds the recorded customers that the server has as
// resellers: converted in the panel (Plesk keeps the account, its
// identity and its login, SPEC §1.4). Each is matched among the
// server's resellers that no recorded reseller claimed (m), by GUID,
// then by login, once the server has no customer for it; it is recorded
// as the server has it, keeping what only plansync knows of the
// customer (its description, password hash, billing mark). The
// customer's drift says so (customers).
func (c *comparer) conversions(m *matcher) []state.Reseller {
	if len(m.claimed) == len(c.srv.Records.Resellers) {
		return nil // every reseller of the server is a recorded one
	}
	rec, cust := c.rec.Customers, c.srv.Records.Customers
	cm := newMatcher(len(cust), func(i int) string { return cust[i].Login }, func(i int) *state.PleskID { return cust[i].Plesk })
	pairs := cm.pair(len(rec), func(i int) string { return rec[i].Login }, func(i int) *state.PleskID { return rec[i].Plesk })
	var gone []int
	for i, j := range pairs {
		if j < 0 {
			gone = append(gone, i)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	srv := c.srv.Records.Resellers
	to := m.pair(len(gone), func(k int) string { return rec[gone[k]].Login }, func(k int) *state.PleskID { return rec[gone[k]].Plesk })
	var out []state.Reseller
	for k, j := range to {
		if j < 0 {
			continue
		}
		r := rec[gone[k]]
		s := srv[j]
		s.Allocation = c.copySet(s.Allocation)
		s.Description, s.PasswordHash, s.ManagedBy = r.Description, r.PasswordHash, r.ManagedBy
		if c.converted == nil {
			c.converted = map[string]*state.Reseller{}
		}
		c.converted[r.Login] = &srv[j]
		out = append(out, s)
	}
	return out
}

func (c *comparer) customers() []state.Customer {
	rec, srv := c.rec.Customers, c.srv.Records.Customers
	m := newMatcher(len(srv), func(i int) string { return srv[i].Login }, func(i int) *state.PleskID { return srv[i].Plesk })
	pairs := m.pair(len(rec), func(i int) string { return rec[i].Login }, func(i int) *state.PleskID { return rec[i].Plesk })
	out := make([]state.Customer, 0, len(rec))
	for i, j := range pairs {
		r := rec[i]
		if to := c.converted[r.Login]; j < 0 && to != nil {
			// Converted to a reseller in the panel: recorded as the
			// reseller it is (conversions).
			c.add("customer", r.Login, plan.DriftConverted, conversionFields(r.Login, to)...)
			continue
		}
		if j < 0 {
			c.add("customer", r.Login, gone(r.Plesk))
			continue
		}
		s := &srv[j]
		c.fillID(&r.Plesk, s.Plesk)
		edited := c.account("customer", r.Login, s.Login, &r.Contact, s.Contact)
		edited = append(edited, description(&r.Description, s.Description)...)
		if owner := c.recordedLogin("reseller", s.Owner); owner != r.Owner {
			// (A reseller renamed in the panel is its own drift: its
			// customers keep naming it as recorded.)
			edited = append(edited, plan.DriftField{Path: "owner", Recorded: plan.StringOf(r.Owner), Observed: plan.StringOf(s.Owner)})
			r.Owner = s.Owner
		}
		if len(edited) > 0 {
			c.add("customer", r.Login, plan.DriftEdited, edited...)
		}
		if s.Status != r.Status && c.activatedWithReseller(r, s) {
			// The model disagreement an apply reported and kept: not
			// drift. Its record stays (ToRecord); the observed state has
			// the server's status, which the plan sets back.
			c.disagree = append(c.disagree, Disagreement{Key: r.Login, Account: "customer " + r.Login, Fields: []plan.DriftField{statusField(r.Status, s.Status)}})
			c.keep("customer "+r.Login, r.Status, r.StatusReasons)
			c.accountStatus("customer "+r.Login, s.Status)
			r.Status, r.StatusReasons = s.Status, nil
		} else if c.suspendedWithReseller(r, s) {
			// Suspended with its recorded reseller: its record follows
			// the reseller's, as an apply records it; not drift. Its
			// subscriptions follow it (withReseller).
			c.accountStatus("customer "+r.Login, s.Status)
			if c.withReseller == nil {
				c.withReseller = map[string]string{}
			}
			c.withReseller["customer "+r.Login] = "reseller " + s.Owner
			r.Status, r.StatusReasons = s.Status, []string{"reseller " + s.Owner + " suspended"}
		} else if s.Status != r.Status {
			// A customer suspended with its reseller is the reseller's drift.
			if c.statusOf["reseller "+r.Owner] != s.Status {
				c.add("customer", r.Login, plan.DriftStatus, statusField(r.Status, s.Status))
			}
			c.accountStatus("customer "+r.Login, s.Status)
			r.Status, r.StatusReasons = s.Status, nil
			if cc := c.cfg.Customers[r.Login]; s.Status == "suspended" && cc != nil && cc.Status == "suspended" {
				// The config adopted the suspension: it is its reason.
				r.StatusReasons = c.configSuspensions("", r.Owner)
			} else if s.Status == "suspended" && c.srv.Status["customer "+s.Login] == 0 && c.statusOf["reseller "+r.Owner] == "suspended" {
				// Suspended with its reseller.
				r.StatusReasons = []string{"reseller " + r.Owner + " suspended outside plansync"}
			} else if s.Status == "suspended" {
				r.StatusReasons = []string{c.srv.suspendedWhy("customer " + s.Login)}
			}
		} else if why := "reseller " + r.Owner + " suspended"; r.Status == "suspended" && c.statusOf["reseller "+r.Owner] == "active" && slices.Contains(r.StatusReasons, why) {
			// Still suspended, on its own, while its reseller was
			// activated outside plansync: its record no longer names the
			// reseller's suspension (activatedWithReseller would take
			// that for an apply's model disagreement).
			r.StatusReasons = slices.DeleteFunc(slices.Clone(r.StatusReasons), func(x string) bool { return x == why })
			if len(r.StatusReasons) == 0 {
				r.StatusReasons = []string{c.srv.suspendedWhy("customer " + s.Login)}
			}
		} else if r.Status == "suspended" && s.Status == "suspended" && c.srv.Status["customer "+s.Login] == 0 && slices.Contains(r.StatusReasons, "suspended in config") {
			// Suspended, but only with its reseller: the server does not
			// have it suspended on its own. Its record says so (the
			// reasons name the reseller, not the config), so that a plan
			// activating the reseller shows the customer's own
			// suspension sent again (an import records a server that
			// differs from the config so).
			why := "reseller " + s.Owner + " suspended"
			if c.statusOf["reseller "+s.Owner] == "suspended" {
				why += " outside plansync"
			}
			r.StatusReasons = []string{why}
		}
		out = append(out, r)
	}
	for j := range srv {
		if m.claimed[j] || c.cfg.Customers[srv[j].Login] == nil {
			continue
		}
		out = append(out, srv[j])
		c.add("customer", srv[j].Login, plan.DriftCreated)
	}
	return out
}

// conversionFields are the fields of a customer's conversion to the
// reseller to: what it is now, its login (when the panel changed it
// too) and the reseller plan it has (none when its allocation is its
// own: the totals of its subscriptions, which the adopt block holds).
func conversionFields(login string, to *state.Reseller) []plan.DriftField {
	out := []plan.DriftField{{Path: "kind", Recorded: plan.StringOf("customer"), Observed: plan.StringOf("reseller")}}
	if to.Login != login {
		out = append(out, plan.DriftField{Path: "login", Recorded: plan.StringOf(login), Observed: plan.StringOf(to.Login)})
	}
	if to.Plan != model.None {
		out = append(out, plan.DriftField{Path: "plan", Recorded: plan.StringOf(""), Observed: plan.StringOf(to.Plan)})
	}
	return out
}

// activatedWithReseller reports whether a customer recorded suspended
// that the server has active is one an apply left in model disagreement
// (SPEC §6.5): its record, kept, still names its reseller's suspension
// as a reason while the reseller is recorded active and the server did
// not change the reseller's status since. The apply that activated the
// reseller predicted the customer suspended, and the server activated
// it with its reseller; nothing outside plansync changed it.
func (c *comparer) activatedWithReseller(r state.Customer, s *state.Customer) bool {
	if r.Status != "suspended" || s.Status != "active" || r.Owner == "" || r.Owner == model.Admin || s.Owner != r.Owner {
		return false
	}
	if !slices.Contains(r.StatusReasons, "reseller "+r.Owner+" suspended") {
		return false
	}
	_, drifted := c.statusOf["reseller "+r.Owner]
	return c.recordedResellerStatus(r.Owner) == "active" && !drifted
}

// recordedResellerStatus is the status the record has for a reseller
// ("" when none).
func (c *comparer) recordedResellerStatus(login string) string {
	if c.recResellers == nil {
		c.recResellers = make(map[string]string, len(c.rec.Resellers))
		for _, rs := range c.rec.Resellers {
			if _, ok := c.recResellers[rs.Login]; !ok {
				c.recResellers[rs.Login] = rs.Status
			}
		}
	}
	return c.recResellers[login]
}

// suspendedWithReseller reports whether a customer recorded active that
// the server has suspended is suspended only by its reseller's
// suspension as recorded: the customer's own status is active on the
// server, and its reseller is recorded suspended and did not change on
// the server. An apply that moved the customer under that reseller and
// stopped before the reseller's activation leaves it so: the customer
// is suspended with its reseller, nothing outside plansync suspended it.
func (c *comparer) suspendedWithReseller(r state.Customer, s *state.Customer) bool {
	if r.Status != "active" || s.Status != "suspended" || s.Owner == "" || s.Owner == model.Admin || c.srv.Status["customer "+s.Login] != 0 {
		return false
	}
	if _, drifted := c.statusOf["reseller "+s.Owner]; drifted {
		return false
	}
	return c.recordedResellerStatus(s.Owner) == "suspended"
}

// keep notes a recorded status a refresh keeps (Result.ToRecord).
func (c *comparer) keep(addr, status string, reasons []string) {
	if c.kept == nil {
		c.kept = map[string]keptStatus{}
	}
	c.kept[addr] = keptStatus{status: status, reasons: reasons}
}

// configSuspensions are the reasons the engine gives an object the
// config suspends: its own status, then its customer's and its owner
// reseller's when the config suspends them too.
func (c *comparer) configSuspensions(customer, owner string) []string {
	return append([]string{"suspended in config"}, c.accountSuspensions(customer, owner)...)
}

// accountSuspensions lists the suspensions of a subscription's accounts
// the config holds, in the engine's words.
func (c *comparer) accountSuspensions(customer, owner string) []string {
	var reasons []string
	if cc := c.cfg.Customers[customer]; customer != "" && cc != nil && cc.Status == "suspended" {
		reasons = append(reasons, "customer "+customer+" suspended")
	}
	if rr := c.cfg.Resellers[owner]; owner != "" && owner != model.Admin && rr != nil && rr.Status == "suspended" {
		reasons = append(reasons, "reseller "+owner+" suspended")
	}
	return reasons
}

// frozen reports whether a sync status keeps a subscription off its
// plan's changes (locked in the panel, or custom).
func frozen(sync string) bool { return sync == "locked" || sync == "custom" }

func (c *comparer) subscriptions() []state.Subscription {
	rec, srv := c.rec.Subscriptions, c.srv.Records.Subscriptions
	m := newMatcher(len(srv), func(i int) string { return srv[i].Domain }, func(i int) *state.PleskID { return srv[i].Plesk })
	pairs := m.pair(len(rec), func(i int) string { return rec[i].Domain }, func(i int) *state.PleskID { return rec[i].Plesk })
	out := make([]state.Subscription, 0, len(rec))
	for i, j := range pairs {
		r := rec[i]
		if j < 0 {
			c.add("subscription", r.Domain, gone(r.Plesk))
			continue
		}
		s := &srv[j]
		c.fillID(&r.Plesk, s.Plesk)
		out = append(out, c.subscription(r, s))
	}
	for j := range srv {
		if m.claimed[j] || c.cfg.Subscriptions[srv[j].Domain] == nil {
			continue
		}
		s := srv[j]
		if s.SyncStatus == "custom" {
			// A custom subscription keeps every value it has (SPEC 1.3):
			// its base is what the server has, not the default plan the
			// server's read was planned from (that plan's values are not
			// the server's: they would be recorded and differ next time).
			s.Base = s.Effective
		}
		for _, p := range []*string{&s.Effective, &s.Base, &s.Customize, &s.Settings, &s.DroppedSettings} {
			*p = c.copySet(*p)
		}
		// Its conflicts are what plansync would say of the server's
		// values, not conflicts anyone accepted: only an apply with
		// --accept-available records those (SPEC §1.5, §4).
		s.Conflicts = nil
		// Its address is recorded only as the config names it (and then
		// as the server has it, which a plan moves when it differs).
		want := ""
		if cs := c.cfg.Subscriptions[s.Domain]; cs != nil {
			want = cs.IPAddress
		}
		if want != "" && !slices.Contains(c.ips(s.Domain), want) {
			s.IPAddress = c.serverIP(s.Domain)
		} else {
			s.IPAddress = want
		}
		out = append(out, s)
		c.add("subscription", s.Domain, plan.DriftCreated)
	}
	return out
}

// subValuesOf compares the values of the recorded subscription r with
// those of the server's s (own: its subscriber settings; notHeld: the
// paths the server holds none of for it): the server's values with what
// it leaves out as unset, and the values that differ, each computed once
// per subValuesKey. The values returned are shared: not to be modified.
func (c *comparer) subValuesOf(r state.Subscription, s *state.Subscription, own state.Values, notHeld func(string) bool) (state.Values, []plan.DriftField) {
	key := subValuesKey{recorded: r.Effective, read: s.Effective, settings: r.Settings, locked: s.SyncStatus == "locked"}
	if out, ok := c.subValues[key]; ok {
		return out.srvVals, slices.Clip(out.values)
	}
	srvVals := withUnset(c.rec.PropertySets[r.Effective], c.srv.Records.PropertySets[s.Effective])
	values := c.propDiff("", r.Effective, srvVals, func(path string) bool {
		_, set := own[path]
		return path != "limits.expiration" && !set && !notHeld(path)
	})
	if c.subValues == nil {
		c.subValues = map[subValuesKey]subValuesOut{}
	}
	c.subValues[key] = subValuesOut{srvVals: srvVals, values: values}
	return srvVals, slices.Clip(values)
}

// subscription compares one recorded subscription with the server's and
// returns its observed record.
func (c *comparer) subscription(r state.Subscription, s *state.Subscription) state.Subscription {
	key := r.Domain
	// A sync status an apply noted beside the record (the server changed
	// it on the apply's own write) that the server still reports is
	// that model disagreement, not drift: the record is compared as the
	// server has it, and kept, unless something else drifted. Otherwise
	// the note is stale and dropped.
	noted, predicted := r, ""
	if r.ServerSyncStatus != "" && r.ServerSyncStatus == s.SyncStatus && r.SyncStatus != s.SyncStatus {
		predicted = r.SyncStatus
		r.SyncStatus = s.SyncStatus
	}
	stale := r.ServerSyncStatus != "" && predicted == ""
	r.ServerSyncStatus = ""
	drifts := len(c.drift)
	o := c.subscriptionAgainst(r, s, predicted != "")
	if predicted == "" {
		if stale && len(c.drift) == drifts {
			// The server agrees now (synced again in the panel): the
			// record changes, losing its note.
			c.agreed++
		}
		return o
	}
	if len(c.drift) > drifts {
		// Drifted besides: recorded as the server has it.
		return o
	}
	c.disagree = append(c.disagree, Disagreement{Key: key, Noted: true,
		Fields: []plan.DriftField{{Path: "sync_status", Recorded: plan.StringOf(predicted), Observed: plan.StringOf(s.SyncStatus)}}})
	if o.Status != noted.Status && !expiredSince(&noted, s) && !unexpiredSince(&noted, s) {
		// Its status changed with its account's (that account's drift):
		// recorded as the server has it, as for any subscription (an
		// account in model disagreement keeps it: ToRecord).
		noted.Status, noted.StatusReasons = o.Status, o.StatusReasons
	}
	if c.keptSubs == nil {
		c.keptSubs = map[string]state.Subscription{}
	}
	c.keptSubs[key] = noted
	return o
}

// subscriptionAgainst compares a subscription's record with the server's
// (see subscription); with server, the record's sync status is the
// server's noted one, and the observed record is the server's even when
// nothing else differs.
func (c *comparer) subscriptionAgainst(r state.Subscription, s *state.Subscription, server bool) state.Subscription {
	key := r.Domain
	if len(c.recordedKey) > 0 {
		// Names of plans renamed in the panel, as recorded.
		t := *s
		t.Plan = c.planName("service_plan", s.Owner, s.Plan)
		t.Addons = make([]string, len(s.Addons))
		for i, a := range s.Addons {
			t.Addons[i] = c.planName("addon_plan", s.Owner, a)
		}
		// And the logins of its customer and owner renamed in the
		// panel: the rename is the account's drift, and the
		// subscription keeps naming the account as recorded.
		t.Customer = c.recordedLogin("customer", s.Customer)
		t.Owner = c.recordedLogin("reseller", s.Owner)
		s = &t
	}
	if len(c.adoptedFrom) > 0 {
		// A plan whose rename in the panel the config adopted: the
		// record follows it (its subscriptions are on the same plan).
		if s.Plan != r.Plan && c.wasNamed("service_plan", s.Owner, s.Plan) == r.Plan {
			r.Plan = s.Plan
		}
		addons := append([]string(nil), r.Addons...)
		for i, a := range addons {
			for _, sa := range s.Addons {
				if sa != a && c.wasNamed("addon_plan", s.Owner, sa) == a {
					addons[i] = sa
				}
			}
		}
		r.Addons = addons
	}
	var edited []plan.DriftField
	if s.Domain != r.Domain {
		edited = append(edited, plan.DriftField{Path: "domain", Recorded: plan.StringOf(r.Domain), Observed: plan.StringOf(s.Domain)})
		c.renamed("subscription", r.Domain, s.Domain)
	}
	if s.Owner != r.Owner {
		edited = append(edited, plan.DriftField{Path: "owner", Recorded: plan.StringOf(r.Owner), Observed: plan.StringOf(s.Owner)})
	}
	if s.Customer != r.Customer {
		edited = append(edited, plan.DriftField{Path: "customer", Recorded: plan.StringOf(r.Customer), Observed: plan.StringOf(s.Customer)})
	}
	if s.Plan != r.Plan {
		edited = append(edited, plan.DriftField{Path: "plan", Recorded: plan.StringOf(r.Plan), Observed: plan.StringOf(s.Plan)})
	}
	if strings.Join(s.Addons, "\x00") != strings.Join(r.Addons, "\x00") {
		edited = append(edited, plan.DriftField{Path: "addons", Recorded: plan.ListOf(r.Addons, true), Observed: plan.ListOf(s.Addons, true)})
	}
	ipSame := c.sameIP(&r, s)
	if cs := c.cfg.Subscriptions[r.Domain]; !ipSame && (cs == nil || cs.IPAddress == "") {
		// Moved to another address, but the config no longer manages it
		// (no ip_address): no drift.
		r.IPAddress, ipSame = "", true
	}
	if !ipSame {
		// Moved to another IP address in the panel.
		edited = append(edited, plan.DriftField{Path: "ip_address", Recorded: plan.StringOf(r.IPAddress), Observed: plan.StringOf(c.serverIP(s.Domain))})
	}
	if !sameSecond(r.Expires, s.Expires) {
		// The subscription's own date (the expiration limit).
		edited = append(edited, plan.DriftField{Path: "expires", Recorded: plan.StringOf(rfc3339(r.Expires)), Observed: plan.StringOf(rfc3339(s.Expires))})
	}
	if c.configFTPLogin(r.Domain) != "" && r.FTPLogin != "" && s.FTPLogin != "" && s.FTPLogin != r.FTPLogin {
		// The FTP login plansync wrote, changed in the panel (one the
		// config never gave is the server's, left alone).
		edited = append(edited, plan.DriftField{Path: "ftp_login", Recorded: plan.StringOf(r.FTPLogin), Observed: plan.StringOf(s.FTPLogin)})
	}
	// The subscriber's own values (subscriber settings) are not the
	// subscription's values on the server: they keep their recorded value.
	own := c.rec.PropertySets[r.Settings]
	// A locked subscription's preferences (dns.zone_type) are no values of
	// the server's either: a Plesk subscription has no such field, so its
	// read gives its plan's, which never reach a locked subscription
	// (SPEC §1.3), and a customised one is plansync-only (§6.2).
	notHeld := func(path string) bool {
		p := model.Lookup(path)
		return s.SyncStatus == "locked" && p != nil && p.Plesk.Group == model.PleskPreference
	}
	srvVals, values := c.subValuesOf(r, s, own, notHeld)
	drifted := values // the values that differ, kept for a locked one's record
	syncChanged := r.SyncStatus != s.SyncStatus && !(r.SyncStatus == "custom" && s.SyncStatus == "custom") &&
		!(s.SyncStatus == "synced" && plan.ServicesOnly(&r, plan.PlansValues(&r, c.rec.PropertySets))) &&
		!(r.SyncStatus == "synced" && s.SyncStatus == "unsynced" && !c.reportsUnsynced(r.Domain) && (onlyAllocation(s) || onlyOwn(s, own)))
	// (A synced subscription that the server still reports synchronized
	// but whose values plansync computes as more than its reseller's
	// allocation holds — an allocation the server does not apply to it —
	// lost no synchronization outside plansync: its record stays, as for
	// any other difference in how the values are computed.)
	// A synced subscription's values follow its plans: when they differ
	// and it is still synced, they are its plan's drift when the plan was
	// edited in the panel (the plan's drift item says so, and the
	// subscription takes the server's values); otherwise they are a
	// difference between how plansync and the server compute the values
	// (subscriber settings, say), not something changed outside, and the
	// recorded values stay.
	valuesDrift := len(values) > 0 && (frozen(s.SyncStatus) || frozen(r.SyncStatus) || len(edited) > 0)
	if len(values) > 0 && !valuesDrift && !syncChanged && !c.plansDrifted(r) {
		c.disagree = append(c.disagree, Disagreement{Key: key, Fields: values, Predicted: srvVals, Settings: own})
		values = nil
	}
	// Services the admin made unavailable to resellers in the panel (the
	// service's drift): the server does not provide them to a reseller's
	// subscription, which is left unsynchronized without them.
	recServices, lost := c.unavailable(r, s)
	var lostField []plan.DriftField
	var keptServices []string // what it still gets of them
	if len(lost) > 0 {
		keptServices = slices.DeleteFunc(slices.Clone(recServices), func(n string) bool { return slices.Contains(lost, n) })
		lostField = []plan.DriftField{{Path: "services", Recorded: plan.ListOf(recServices, true), Observed: plan.ListOf(keptServices, true)}}
		if c.lostServices == nil {
			c.lostServices = map[string][]string{}
		}
		c.lostServices[key] = lost
	}
	// Services the admin made available to resellers again: the server
	// gives them back to a reseller's subscription recorded unsynced
	// without them (a conflict accepted), and synchronizes it again.
	regained := c.regained(r, s)
	var gotServices []string // what it gets now
	if len(regained) > 0 {
		had := plan.ServicesOf(c.rec.PropertySets[r.Effective])
		gotServices = append(slices.Clone(had), regained...)
		slices.Sort(gotServices)
		lostField = []plan.DriftField{{Path: "services", Recorded: plan.ListOf(had, true), Observed: plan.ListOf(gotServices, true)}}
		if c.regainedServices == nil {
			c.regainedServices = map[string][]string{}
		}
		c.regainedServices[key] = regained
	}
	// Additional services its record lists that the server's
	// subscription no longer has: taken off it in the panel (SPEC §6.4).
	var hasServices []string // what it still has of them
	if len(lost) == 0 && len(regained) == 0 {
		if had, off := c.servicesTakenOff(r, s); len(off) > 0 {
			hasServices = slices.DeleteFunc(slices.Clone(had), func(n string) bool { return slices.Contains(off, n) })
			edited = append(edited, plan.DriftField{Path: plan.ServicesKey, Recorded: plan.ListOf(had, true), Observed: plan.ListOf(hasServices, true)})
			if c.takenOff == nil {
				c.takenOff = map[string][]string{}
			}
			c.takenOff[key] = off
			if hasServices == nil {
				hasServices = []string{}
			}
		}
	}
	switch {
	case syncChanged && s.SyncStatus == "locked":
		fields := append([]plan.DriftField{{Path: "sync_status", Recorded: plan.StringOf(r.SyncStatus), Observed: plan.StringOf(s.SyncStatus)}}, values...)
		c.add("subscription", key, plan.DriftLocked, fields...)
		values = nil
		if !c.customisedInConfig(key) {
			if c.panelLocked == nil {
				c.panelLocked = map[string]bool{}
			}
			c.panelLocked[key] = true
		}
	case syncChanged && s.SyncStatus == "unsynced":
		// The values it holds now (what the server could provide instead
		// of what the plan asks) are named with it, as a lock's are.
		fields := append([]plan.DriftField{{Path: "sync_status", Recorded: plan.StringOf(r.SyncStatus), Observed: plan.StringOf(s.SyncStatus)}}, values...)
		fields = append(fields, lostField...)
		lostField = nil
		c.add("subscription", key, plan.DriftUnsynced, fields...)
		values = nil
	case syncChanged:
		edited = append(edited, plan.DriftField{Path: "sync_status", Recorded: plan.StringOf(r.SyncStatus), Observed: plan.StringOf(s.SyncStatus)})
		if r.SyncStatus == "unsynced" && s.SyncStatus == "synced" && len(r.Conflicts) > 0 {
			// Synchronized again outside plansync (an allocation raised,
			// a component installed, a service made available again):
			// it has what its plans ask for now, which it could not get
			// (its conflicts), and the values it got are named with it.
			if !valuesDrift {
				edited = append(edited, values...)
			}
			if c.resynced == nil {
				c.resynced = map[string]bool{}
			}
			// Its plans edited in the panel (their drift) synchronized
			// it: apply sets them back, and it with them, as any edit.
			c.resynced[key] = !c.plansDrifted(r)
		}
	}
	edited = append(edited, lostField...)
	if valuesDrift && values != nil {
		edited = append(edited, values...)
	}
	converted := false
	if to := c.converted[r.Customer]; to != nil && r.Customer != "" && s.Customer == "" && s.Owner == to.Login {
		// Its customer was converted to a reseller in the panel, whose
		// own subscription it is now (SPEC §1.4), detached from the
		// admin's plans: that is the customer's drift, whose adopt
		// block holds the subscription as the server has it.
		converted = true
		edited = slices.DeleteFunc(edited, func(f plan.DriftField) bool {
			switch f.Path {
			case "owner", "customer":
				return true
			case "plan", "addons":
				return s.Plan == model.None
			case "sync_status":
				return s.Plan == model.None && s.SyncStatus == "custom"
			}
			return false
		})
	}
	if len(edited) > 0 {
		c.add("subscription", key, plan.DriftEdited, edited...)
	}
	statusChanged := s.Status != r.Status && !expiredSince(&r, s) && !unexpiredSince(&r, s)
	// Recorded suspended only as expired (plansync writes no status for
	// an expiry), and suspended on its own in the panel since: the status
	// reads the same, but that suspension was set outside plansync.
	suspendedOver := !statusChanged && r.Status == "suspended" && s.Status == "suspended" &&
		onlyExpired(r.StatusReasons) && c.srv.Status["subscription "+s.Domain]&xmlapi.StatusSuspendedInPanel != 0
	// A subscription suspended with its customer (or its reseller, for
	// the reseller's own) is the account's drift.
	account := "customer " + r.Customer
	if r.Customer == "" {
		account = "reseller " + r.Owner
	}
	if statusChanged && c.statusOf[account] != s.Status {
		c.add("subscription", key, plan.DriftStatus, statusField(r.Status, s.Status))
	}
	if suspendedOver {
		c.add("subscription", key, plan.DriftStatus, plan.DriftField{Path: "status_reasons",
			Recorded: plan.ListOf(r.StatusReasons, true), Observed: plan.ListOf([]string{c.srv.suspendedWhy("subscription " + s.Domain)}, true)})
		statusChanged = true
	}
	if _, ok := c.kept[account]; statusChanged && ok {
		// Its customer's status is in model disagreement: its record
		// keeps the status it had too.
		c.keep("subscription "+key, r.Status, r.StatusReasons)
	}
	if !syncChanged && len(edited) == 0 && !statusChanged && len(values) == 0 && !server && !converted {
		if r.LockedInPanel && c.customisedInConfig(key) {
			// The config adopted the panel's customisation: the lock
			// is the config's now.
			r.LockedInPanel = false
		}
		return r // nothing differs: the record stays as it is
	}
	// The server's record, with what the server does not have kept.
	o := *s
	o.Domain = r.Domain
	o.Plesk = r.Plesk
	o.ManagedBy = r.ManagedBy
	o.Effective = c.mergedOnly(r.Effective, srvVals, func(path string) bool { _, set := own[path]; return !set && !notHeld(path) })
	if !syncChanged && len(edited) == 0 && !statusChanged && !valuesDrift && !converted {
		// Only its plans' drift reaches it: it takes the server's
		// values of what they changed; what else differs is a
		// difference in how the values are computed (subscriber
		// settings), as when nothing drifted.
		o.Effective = c.mergedOnly(r.Effective, srvVals, func(path string) bool {
			if c.planPaths["service_plan "+model.PlanKey(r.Owner, r.Plan)][path] {
				return true
			}
			for _, a := range r.Addons {
				if c.planPaths["addon_plan "+model.PlanKey(r.Owner, a)][path] {
					return true
				}
			}
			return false
		})
		if !frozen(s.SyncStatus) {
			// What its plans no longer set (an add-on's setting switched
			// off in the panel) and the server does not report, it no
			// longer has: left out, as its plans leave it.
			o.Effective = c.withoutUnset(o.Effective, s.Owner, s.Plan, s.Addons, c.srv.Records.PropertySets[s.Effective], c.rec.PropertySets[r.Effective])
		}
	}
	plansChanged := c.wasNamed("service_plan", s.Owner, s.Plan) != r.Plan || !slices.Equal(c.wereNamed("addon_plan", s.Owner, s.Addons), r.Addons)
	if plansChanged {
		o.Effective = c.unmappedFromPlans(o.Effective, s.Owner, s.Plan, s.Addons, c.srv.Records.PropertySets[s.Effective])
	}
	switch {
	case s.Plan == model.None && r.Plan == model.None:
		// Custom as recorded: the server holds its values, not its base
		// or customisation (SPEC 1.3: it keeps every value it has). Its
		// recorded base stays, so what was edited in the panel is set
		// back unless the config adopts it.
		o.Base, o.Customize, o.Customized = r.Base, r.Customize, r.Customized
	case s.Plan == model.None:
		// Detached from its plan outside plansync (or by an apply that
		// did not get to record it): it keeps every value it has, and
		// nothing of it is a customisation.
		o.Base, o.Customize, o.Customized = o.Effective, "", nil
	case r.SyncStatus == "locked" && s.SyncStatus == "locked" && r.Base != "" && !plansChanged:
		// Locked as recorded, on the same plans: its base stays the one
		// frozen when it was locked, which later plan edits did not
		// reach (SPEC 1.3), and what was edited in the panel joins its
		// customisation, as the drift's adopt block writes it. (The
		// server's own customisation is measured from its plans' current
		// values, which would make the frozen values customised ones.)
		o.Base = r.Base
		o.Customize, o.Customized = c.lockedCustomisation(r, srvVals, drifted)
	default:
		o.Base = c.copySet(s.Base)
		if r.Base != "" && s.Base != "" && !plansChanged {
			// Same plans: what the server does not have of the base (the
			// plans' plansync-only values) stays as recorded.
			o.Base = c.merged(r.Base, c.srv.Records.PropertySets[s.Base])
		}
		if plansChanged && o.Base != "" {
			// Other plans: what the server does not have of the base is
			// theirs, as for its values.
			o.Base = c.unmappedFromPlans(o.Base, s.Owner, s.Plan, s.Addons, c.srv.Records.PropertySets[s.Base])
		}
		o.Customize = c.copySet(s.Customize)
	}
	if len(lost) > 0 {
		// Without the services it no longer gets.
		vals := maps.Clone(c.obs.PropertySets[o.Effective])
		delete(vals, plan.ServicesKey)
		if len(keptServices) > 0 {
			vals[plan.ServicesKey] = plan.ServicesValue(keptServices)
		}
		o.Effective = c.obs.PutValues(vals)
	}
	if hasServices != nil {
		// Without the services taken off it in the panel.
		vals := maps.Clone(c.obs.PropertySets[o.Effective])
		delete(vals, plan.ServicesKey)
		if len(hasServices) > 0 {
			vals[plan.ServicesKey] = plan.ServicesValue(hasServices)
		}
		o.Effective = c.obs.PutValues(vals)
	}
	if len(regained) > 0 {
		// With the services it gets again.
		vals := maps.Clone(c.obs.PropertySets[o.Effective])
		vals[plan.ServicesKey] = plan.ServicesValue(gotServices)
		o.Effective = c.obs.PutValues(vals)
	}
	o.Settings, o.DroppedSettings = r.Settings, r.DroppedSettings
	// The conflicts stay as recorded: the server's read computes the
	// conflicts of what it has (a component uninstalled, say), which no
	// one accepted; a recorded conflict is one an apply with
	// --accept-available accepted (SPEC §1.5, §4), so the plan shows the
	// others as pending.
	o.Conflicts = r.Conflicts
	o.CreatedAt, o.FTPPassword = r.CreatedAt, r.FTPPassword
	if o.FTPLogin == "" || c.configFTPLogin(r.Domain) == "" {
		// An FTP login the config does not give is the server's: not
		// recorded, as apply records none (else the next plan would
		// take it out, and its next change in the panel would read
		// as drift).
		o.FTPLogin = r.FTPLogin
	}
	o.IPAddress = r.IPAddress
	if !ipSame {
		o.IPAddress = c.serverIP(s.Domain)
	}
	o.ConfigStatus = r.ConfigStatus
	// Locked in the panel as recorded and still locked there, the
	// config still keeping it synced: it stays so recorded, whatever its
	// plans became (an add-on attached or removed keeps the lock, SPEC
	// §1.3), and the next plan still syncs it (SPEC §6.4).
	o.LockedInPanel = r.LockedInPanel && r.SyncStatus == "locked" && o.SyncStatus == "locked" && !c.customisedInConfig(key)
	cs := c.cfg.Subscriptions[r.Domain]
	var configured []string // the config's suspensions of its accounts
	if cs != nil {
		configured = c.accountSuspensions(cs.Customer, r.Owner)
	}
	byAccount := c.srv.Status["subscription "+s.Domain] == 0 && c.statusOf[account] == "suspended"
	switch {
	case !statusChanged:
		o.Status, o.StatusReasons = r.Status, r.StatusReasons
	case o.Status == "suspended" && cs != nil && cs.Status == "suspended":
		// The config adopted the suspension: it is its reason, with the
		// expiry the server's record has (suspended in the panel while
		// expired), as the engine gives them.
		o.StatusReasons = append(c.configSuspensions(cs.Customer, r.Owner), expiries(s.StatusReasons)...)
	case o.Status == "suspended" && byAccount && len(configured) > 0:
		// Suspended because its account is, and the config adopted that
		// suspension (or an account's above it): the config's reasons.
		o.StatusReasons = configured
	case o.Status == "suspended" && byAccount && c.withReseller[account] != "":
		// Suspended with its customer, whose recorded reseller is
		// (suspendedWithReseller): the record's reason.
		o.StatusReasons = []string{c.withReseller[account] + " suspended"}
	case o.Status == "suspended" && byAccount:
		// Suspended because its account is (its customer's, because
		// the customer's reseller is).
		if r.Customer != "" && c.srv.Status[account] == 0 && c.statusOf["reseller "+r.Owner] == "suspended" {
			account = "reseller " + r.Owner
		}
		o.StatusReasons = []string{account + " suspended outside plansync"}
	case o.Status == "suspended":
		o.StatusReasons = []string{c.srv.suspendedWhy("subscription " + s.Domain)}
	default:
		o.StatusReasons = nil
	}
	return o
}

// servicesTakenOff gives the additional services the record of a
// custom or locked subscription lists (had) and, of those, the ones the
// server's subscription does not have (off): taken off it in the panel
// (webspace remove-plan-item). Such a subscription's services are its
// own on the server (a custom one's, attached by plansync) or those it
// kept from its plans when locked (SPEC 1.3), which plansync records
// and writes; a synced one's are its plans'. An add-on's services are
// plansync-only (SPEC §6.2), never on the server; a service added to
// the subscription in the panel, which no record lists, is left alone,
// as import and apply leave it. Nothing is off when the read holds no
// plan-items of the subscription, or when it is on other plans than
// recorded (switched in the panel: that is the drift); nor, for a
// reseller's subscription, a service the administrator made unavailable
// to resellers (the service's drift), nor anything when the services'
// definitions were not read (as the reseller), which would tell.
func (c *comparer) servicesTakenOff(r state.Subscription, s *state.Subscription) (had, off []string) {
	if r.SyncStatus != s.SyncStatus || (r.SyncStatus != "custom" && r.SyncStatus != "locked") ||
		r.Plan != s.Plan || !slices.Equal(r.Addons, s.Addons) || r.Domain != s.Domain {
		return nil, nil
	}
	items, ok := c.read.OwnItems[r.Domain]
	if !ok {
		return nil, nil
	}
	reseller := r.Owner != "" && r.Owner != model.Admin
	if reseller && (!c.read.ServicesRead || c.opt.Reseller != "") {
		// A reseller's subscription lacks a service the administrator
		// made unavailable to resellers (that service's drift), which
		// only the services' definitions tell apart.
		return nil, nil
	}
	had = plan.ServicesOf(c.rec.PropertySets[r.Effective])
	for _, n := range had {
		if slices.Contains(items, n) || c.addonService(r, n) || (reseller && !c.availableToResellers(n)) {
			continue
		}
		off = append(off, n)
	}
	return had, off
}

// availableToResellers reports whether the observed definition of
// service name lets resellers' subscriptions have it (one not observed
// does not tell otherwise).
func (c *comparer) availableToResellers(name string) bool {
	sv, ok := c.observedService(name)
	return !ok || sv.AvailableToResellers
}

// observedService is the observed definition of service name.
func (c *comparer) observedService(name string) (state.Service, bool) {
	i := slices.IndexFunc(c.obs.Services, func(sv state.Service) bool { return sv.Name == name })
	if i < 0 {
		return state.Service{}, false
	}
	return c.obs.Services[i], true
}

// addonService reports whether one of the recorded add-ons of
// subscription r includes service name (plansync-only, SPEC §6.2).
func (c *comparer) addonService(r state.Subscription, name string) bool {
	if c.addonServices == nil {
		// Indexed once: a refresh asks it for every custom or locked
		// subscription with an add-on's service (never on the server).
		c.addonServices = map[string][][]string{}
		for i := range c.rec.AddonPlans {
			p := &c.rec.AddonPlans[i]
			c.addonServices[p.Key] = append(c.addonServices[p.Key], p.Services)
		}
	}
	for _, a := range r.Addons {
		for _, services := range c.addonServices[model.PlanKey(r.Owner, a)] {
			if slices.Contains(services, name) {
				return true
			}
		}
	}
	return false
}

// unavailable gives the services a reseller's subscription's record
// lists (all of them) and, of those, the ones the server no longer
// provides it because the admin made them unavailable to resellers
// (lost): the server reports it not synchronized, the observed service
// says so, and the server's record, planned from the server's
// definitions, lacks them with a conflict naming them. Read with a
// reseller's credentials, which do not read the services' definitions
// (unavailableToReseller), the server's record has them.
func (c *comparer) unavailable(r state.Subscription, s *state.Subscription) (all, lost []string) {
	if c.opt.Reseller != "" {
		return c.unavailableToReseller(r, s)
	}
	if len(s.Conflicts) == 0 || s.SyncStatus != "unsynced" || r.Owner == "" || r.Owner == model.Admin {
		return nil, nil
	}
	all = plan.ServicesOf(c.rec.PropertySets[r.Effective])
	has := plan.ServicesOf(c.srv.Records.PropertySets[s.Effective])
	for _, cf := range s.Conflicts {
		name, ok := strings.CutPrefix(cf.Property, plan.ServicesKey+".")
		if !ok || !slices.Contains(all, name) || slices.Contains(has, name) || slices.Contains(lost, name) {
			continue
		}
		if sv, ok := c.observedService(name); ok && !sv.AvailableToResellers {
			lost = append(lost, name)
		}
	}
	return all, lost
}

// regained gives the services of a reseller's subscription recorded
// unsynced without them (its recorded conflicts: unavailable to
// resellers) that the server gives it again: it reports the subscription
// synchronized, and (read by the admin, who reads the services'
// definitions) the service available to resellers. The admin made them
// available to resellers again.
func (c *comparer) regained(r state.Subscription, s *state.Subscription) []string {
	if r.SyncStatus != "unsynced" || s.SyncStatus != "synced" || r.Owner == "" || r.Owner == model.Admin || len(r.Conflicts) == 0 {
		return nil
	}
	has := plan.ServicesOf(c.rec.PropertySets[r.Effective])
	// What its plans include on the server: synchronized again because
	// the administrator took the service out of its plan in the panel
	// (the plan's drift), it does not get the service.
	planned := plan.ServicesOf(c.srv.Records.PropertySets[s.Effective])
	var out []string
	for _, cf := range r.Conflicts {
		name, ok := strings.CutPrefix(cf.Property, plan.ServicesKey+".")
		if !ok || cf.Reason != "service "+name+" unavailable to resellers" || slices.Contains(has, name) || slices.Contains(out, name) || !slices.Contains(planned, name) {
			continue
		}
		if sv, ok := c.observedService(name); c.opt.Reseller == "" && !(ok && sv.AvailableToResellers) {
			continue
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// resyncOnly reports whether a subscription's drift is only its
// synchronization regained and what gave it: its services and, with
// values, the property values it got; nothing edited besides (its plans,
// owner, customer, date, address).
func resyncOnly(fields []plan.DriftField, values bool) bool {
	for _, f := range fields {
		if f.Path != "sync_status" && f.Path != plan.ServicesKey && (!values || model.Lookup(f.Path) == nil) {
			return false
		}
	}
	return true
}

// itOrThem is the pronoun for n services.
func itOrThem(n int) string {
	if n > 1 {
		return "them"
	}
	return "it"
}

// unavailableToReseller is unavailable for a read with a reseller's
// credentials, which cannot read the services' definitions: a service of
// the subscription's record that the server withholds from it (withheld)
// is one the admin made unavailable to resellers.
func (c *comparer) unavailableToReseller(r state.Subscription, s *state.Subscription) (all, lost []string) {
	if s.SyncStatus != "unsynced" || r.Owner == "" || r.Owner == model.Admin {
		return nil, nil
	}
	withheld, ok := c.withheld(r.Domain, s)
	if !ok {
		return nil, nil
	}
	all = plan.ServicesOf(c.rec.PropertySets[r.Effective])
	for _, name := range all {
		if slices.Contains(withheld, name) {
			lost = append(lost, name)
		}
	}
	return all, lost
}

// withheld lists, for a read with a reseller's credentials, the services
// (ones plansync defines, not an extension's) that the plans of the
// subscription domain include on the server (s, the server's record),
// but that the server reports the unsynchronised subscription does not
// get (its plan-items): the admin made them unavailable to resellers
// (SPEC §1.5: the one thing that keeps a reseller's plan from providing
// a service it includes). ok is false when the server reports no
// plan-items for it (it is synchronised).
func (c *comparer) withheld(domain string, s *state.Subscription) (names []string, ok bool) {
	got, ok := c.read.UnsyncedItems[domain]
	if !ok {
		return nil, false
	}
	for _, name := range plan.ServicesOf(c.srv.Records.PropertySets[s.Effective]) {
		if slices.Contains(got, name) {
			continue
		}
		for _, sv := range c.rec.Services {
			if sv.Name == name && sv.Extension == "" {
				names = append(names, name)
			}
		}
	}
	return names, true
}

// unavailableToResellers lists, for a read with a reseller's
// credentials, the services the read shows the admin made unavailable
// to resellers: those the server withholds from any of the reseller's
// subscriptions (withheld), sorted. The reseller cannot read the
// services' definitions, so its recorded ones may still say available.
func (c *comparer) unavailableToResellers() []string {
	var out []string
	for i := range c.srv.Records.Subscriptions {
		s := &c.srv.Records.Subscriptions[i]
		if s.SyncStatus != "unsynced" {
			continue
		}
		names, _ := c.withheld(s.Domain, s)
		for _, name := range names {
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return out
}

// lockedCustomisation is the customisation of a subscription recorded
// locked that the server holds locked on the same plans: the recorded
// one with the server's values of the paths that drifted, and its
// customised paths.
func (c *comparer) lockedCustomisation(r state.Subscription, srvVals state.Values, drifted []plan.DriftField) (string, []string) {
	if len(drifted) == 0 {
		return r.Customize, r.Customized // the observed state starts with the recorded sets
	}
	out := state.Values{}
	for k, v := range c.rec.PropertySets[r.Customize] {
		out[k] = v
	}
	for _, f := range drifted {
		if v, ok := srvVals[f.Path]; ok {
			out[f.Path] = v
		}
	}
	props, _ := plan.PropsFromValues(out)
	return c.obs.PutValues(out), props.Paths()
}

// expiredSince reports whether the server's record s of a subscription
// is suspended only because its expiration date, the recorded one, has
// passed since r was recorded active: the clock's doing, which the plan
// shows as the expiry it is (SPEC §1.3), not drift.
func expiredSince(r, s *state.Subscription) bool {
	return r.Status == "active" && s.Status == "suspended" && onlyExpired(s.StatusReasons) && sameSecond(r.Expires, s.Expires)
}

// unexpiredSince reports whether the server's record s of a
// subscription is active while r was recorded suspended only because
// its expiration date, the same on the server, had passed: the plan's
// clock (--now, PLANSYNC_NOW) is now before that date. plansync wrote
// nothing for the expiry (Plesk marks it itself), so the server has it
// as plansync left it: the plan activates it, and it is not drift.
func unexpiredSince(r, s *state.Subscription) bool {
	return r.Status == "suspended" && s.Status == "active" && onlyExpired(r.StatusReasons) && sameSecond(r.Expires, s.Expires)
}

// onlyExpired reports whether reasons, a suspended subscription's, are
// its expiry alone ("expired DATE").
func onlyExpired(reasons []string) bool {
	if len(reasons) == 0 {
		return false
	}
	for _, why := range reasons {
		if !strings.HasPrefix(why, "expired ") {
			return false
		}
	}
	return true
}

// expiries are the expiry reasons ("expired DATE") of reasons.
func expiries(reasons []string) []string {
	var out []string
	for _, why := range reasons {
		if strings.HasPrefix(why, "expired ") {
			out = append(out, why)
		}
	}
	return out
}

// sameSecond compares two expiration dates as the server keeps them (Unix
// seconds; a date at or before 1970-01-01T00:00:00Z is second 1).
func sameSecond(a, b *time.Time) bool {
	unix := func(t *time.Time) int64 {
		if t == nil {
			return 0
		}
		// A date at or before the epoch is written as 1 (deploy's
		// expiration), the earliest the server's limit holds.
		return max(t.Unix(), 1)
	}
	return unix(a) == unix(b)
}

func rfc3339(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// plansDrifted reports whether a recorded subscription's service plan
// or one of its add-ons was edited in the panel.
func (c *comparer) plansDrifted(r state.Subscription) bool {
	if c.planDrifted["service_plan "+model.PlanKey(r.Owner, r.Plan)] {
		return true
	}
	for _, a := range r.Addons {
		if c.planDrifted["addon_plan "+model.PlanKey(r.Owner, a)] {
			return true
		}
	}
	return false
}

// prune drops property sets no observed record references.
func (c *comparer) prune() {
	used := map[string]bool{}
	for _, l := range [][]state.Plan{c.obs.ServicePlans, c.obs.AddonPlans, c.obs.ResellerPlans} {
		for i := range l {
			used[l[i].Props] = true
		}
	}
	for i := range c.obs.Resellers {
		used[c.obs.Resellers[i].Allocation] = true
	}
	for i := range c.obs.Subscriptions {
		for _, id := range c.obs.Subscriptions[i].SetIDs() {
			used[id] = true
		}
	}
	for _, s := range c.keptSubs {
		for _, id := range s.SetIDs() {
			used[id] = true
		}
	}
	for id := range c.obs.PropertySets {
		if !used[id] {
			delete(c.obs.PropertySets, id)
		}
	}
}

// describe adds the two resolutions to a drift item: the config block
// that adopts what the server has, or what apply does to revert it.
func (c *comparer) describe(d *plan.Drift) {
	if d.Cause == plan.DriftStatus {
		key := d.Key
		if k, ok := c.serverKey[d.Address()]; ok {
			key = k
		}
		d.Detail = c.srv.statusDetail(string(d.Kind) + " " + key)
	}
	if d.Cause == plan.DriftConverted {
		c.describeConversion(d)
		return
	}
	gone := !c.declared(d)
	billing := c.billingManaged(d, gone)
	if billing && !gone && d.Cause == plan.DriftStatus && c.statusLeftOut(d) {
		// Its status is billing's and the config gives none: the plan
		// takes the server's, so there is nothing to adopt (writing the
		// status into the config would make it the config's again).
		d.AdoptNote = "nothing to change: its status is billing's (managed_by: billing, and the config gives none), so the plan follows the server and the next apply (or plansync refresh) records it"
		if r, only := billingRevert(d.Fields); r != "" {
			d.Revert, d.NoRevert = r, only
		}
		return
	}
	switch {
	case gone && (d.Cause == plan.DriftDeleted || d.Cause == plan.DriftMissing):
		// Removed from the config too: nothing to adopt or revert.
		d.AdoptNote = fmt.Sprintf("nothing to change: the config no longer has %s %s, and its recorded state goes with the next apply", strings.ReplaceAll(string(d.Kind), "_", " "), d.Key)
		return
	case gone:
		// Removed from the config: apply deletes it. Keeping it is
		// putting it back, as the server has it.
		d.Gone = true
		d.Revert = "apply will delete it"
		switch {
		case billing:
			// A billing-managed object left out of the config is
			// forgotten, not deleted (SPEC §6.5).
			d.Revert = "apply will drop it from the state and leave it on the server, as billing owns its existence (managed_by: billing)"
		case d.Kind == plan.KindSubscription || d.Kind == "customer" || d.Kind == "reseller":
			d.Revert += " (with --allow-delete)"
		}
	}
	switch d.Cause {
	case plan.DriftDeleted, plan.DriftMissing:
		d.AdoptNote = fmt.Sprintf("remove %s %s from the config (and its recorded state goes with the next apply)", strings.ReplaceAll(string(d.Kind), "_", " "), d.Key)
		d.Revert = "apply will create it again"
		if c.opt.Reseller != "" && d.Cause == plan.DriftDeleted && (d.Kind == "customer" || d.Kind == plan.KindSubscription) {
			// Gone from the reseller's view: the administrator may have
			// moved it to another owner, which the reseller cannot read.
			d.Detail = "or moved to another owner by the administrator: a reseller's credentials read only its own accounts and subscriptions"
			d.Revert += " (Plesk refuses it if it was moved: its login or domain is taken)"
		}
		if billing {
			d.Revert = "in the billing system, which owns its existence (managed_by: billing); apply does not create it"
			// Its create in the plan is left undone: it reverts
			// nothing (watch --apply applies the plan without
			// --self-heal).
			d.NoRevert = true
		} else if cust := c.billingCustomerGone(d, gone); cust != "" {
			// Its customer is billing's and not on the server (deleted
			// with it, say): apply does not create the customer, and
			// the subscription waits for it (deploy), so this create
			// too is left undone.
			d.Revert = fmt.Sprintf("in the billing system, which owns the existence of its customer %s (managed_by: billing); apply creates it once the customer is back on the server", cust)
			d.NoRevert = true
		}
		return
	case plan.DriftCreated:
		d.Revert = "apply will record it and set it to the config's values"
		if billing {
			d.Revert += ", except what billing owns (managed_by: billing): its status, plan, add-ons and credentials"
		}
	case plan.DriftUnsynced:
		if gone {
			break
		}
		if lost := c.lostServices[d.Key]; len(lost) > 0 {
			// Its plan did not change: the services did (their drift).
			what := "service " + strings.Join(lost, ", ")
			d.Detail = what + " made unavailable to resellers"
			if c.opt.Reseller != "" {
				// The services are the administrator's: a reseller sees
				// no drift of theirs and cannot set them back.
				d.Detail += " by the administrator"
				it := itOrThem(len(lost))
				d.AdoptNote = fmt.Sprintf("take %s out of its plan in the config: the administrator made %s unavailable to resellers, and a reseller's plan cannot provide %s", what, it, it)
				d.Revert = fmt.Sprintf("not possible as reseller %s: only the administrator can make %s available to resellers again, which synchronizes it again", c.opt.Reseller, what)
				d.NoRevert = true
				return
			}
			d.AdoptNote = fmt.Sprintf("adopt what caused it (see %s's drift: available_to_resellers false), then take it out of its plan or keep what the server can provide with apply --accept-available", what)
			d.Revert = fmt.Sprintf("apply will make %s available to resellers again, which synchronizes it again", what)
			return
		}
		d.AdoptNote = "adopt the plan's values that caused it (see its plan's drift) and keep what the server can provide with apply --accept-available"
		d.Revert = "apply will set its plan back, which synchronizes it again"
		return
	case plan.DriftEdited:
		if rp, ok := c.customisedResellers[d.Key]; ok && d.Kind == "reseller" && !gone {
			// Adopted, it has its own allocation (plan none), as the
			// server's config gives it.
			switch want := c.cfg.Resellers[d.Key]; {
			case want != nil && want.Plan == rp:
				d.Revert = fmt.Sprintf("apply will sync it with reseller plan %s again (reseller sync-subscription)", rp)
			case want != nil && want.Plan != model.None && want.Plan != "":
				d.Revert = fmt.Sprintf("apply will switch it back to reseller plan %s (reseller switch-subscription), which gives it that plan's values", want.Plan)
				if r, only := billingRevert(d.Fields); billing && r != "" {
					// The switch is billing's (SPEC §6.5).
					d.Revert, d.NoRevert = r, only
				}
			default:
				d.Revert = "apply will set it back to the config's values"
			}
			break
		}
		if c.resynced[d.Key] && len(c.regainedServices[d.Key]) == 0 && d.Kind == plan.KindSubscription && !gone {
			d.Detail = "synchronized again: the server gives it what its plan asks for"
			if resyncOnly(d.Fields, true) {
				// Nothing the config does not ask for, and nothing apply
				// sets back: what gave it (an allocation raised, a
				// component installed) is the administrator's.
				d.AdoptNote = "nothing to change in the config, which asks for it; the next apply records it"
				if c.opt.Reseller != "" {
					d.Revert = fmt.Sprintf("not possible as reseller %s: what the administrator gives its subscriptions (allocation, components, services) is the administrator's", c.opt.Reseller)
				}
				d.NoRevert = true
				return
			}
		}
		if got := c.regainedServices[d.Key]; len(got) > 0 && d.Kind == plan.KindSubscription && !gone {
			// Its plan asks for them, and the server gives them again:
			// the services' doing (their drift), not the subscription's.
			what := "service " + strings.Join(got, ", ")
			it := itOrThem(len(got))
			d.Detail = what + " made available to resellers again"
			if c.opt.Reseller != "" {
				d.Detail += " by the administrator"
			}
			switch {
			case !resyncOnly(d.Fields, false):
				// Edited besides: resolved as any edit is.
			case c.opt.Reseller != "":
				// The services are the administrator's: a reseller sees
				// no drift of theirs, and has nothing to adopt.
				d.AdoptNote = fmt.Sprintf("nothing to change in the config: its plan includes %s, which the server gives %s again; the next apply records it", what, it)
				d.Revert = fmt.Sprintf("not possible as reseller %s: only the administrator can make %s unavailable to resellers again", c.opt.Reseller, what)
				d.NoRevert = true
				return
			default:
				d.AdoptNote = fmt.Sprintf("adopt what caused it (see %s's drift: available_to_resellers true): its plan includes %s, and the server gives %s again", what, it, it)
				d.Revert = fmt.Sprintf("apply will make %s unavailable to resellers again, which leaves it unsynchronized again", what)
				return
			}
		}
		fallthrough // set back as any edit
	default:
		if !gone {
			d.Revert = "apply will set it back to the config's values"
			if billing {
				if r, only := billingRevert(d.Fields); r != "" {
					// Only billing's fields drifted: apply sets
					// nothing back (watch --apply applies its plans
					// without --self-heal).
					d.Revert, d.NoRevert = r, only
				}
			}
		}
	}
	key := d.Key
	if k, ok := c.serverKey[d.Address()]; ok {
		key = k
	}
	// One block adopts every drift of the object (its status changed and
	// its contact edited are two items, one object of the config): each
	// item's block takes the server's value of every field that drifted.
	all := *d
	all.Fields = nil
	for _, i := range c.driftOf[string(d.Kind)+" "+d.Key] {
		o := &c.drift[i]
		switch o.Cause {
		case plan.DriftDeleted, plan.DriftMissing, plan.DriftUnsynced:
			continue
		}
		all.Fields = append(all.Fields, o.Fields...)
	}
	if off := c.takenOff[d.Key]; len(off) > 0 && d.Kind == plan.KindSubscription && !gone && len(all.Fields) == 1 {
		// Its services are its plans' (frozen when locked) or the
		// default plan's it started from: a config gives none to one
		// subscription, nor takes one off it.
		what := "service " + strings.Join(off, ", ")
		d.AdoptNote = fmt.Sprintf("nothing to adopt: a config cannot take an additional service off one subscription (its services come from its plans); to stop providing %s, take it out of the config", what)
		d.Revert = fmt.Sprintf("apply will attach %s to it again", what)
		return
	}
	if bad := unadoptable(all.Fields); len(bad) > 0 {
		// A block holding it would be a config the loader refuses.
		d.AdoptNote = "a config cannot hold " + strings.Join(bad, ", ") + ": set it in the panel to a value it can hold, then plan again"
		return
	}
	a := c.adopt(&all, key)
	if a == nil {
		return
	}
	one := a.cfg
	var b bytes.Buffer
	var err error
	if c.opt.Format == "hcl" {
		err = fleet.WriteHCL(&b, one)
	} else {
		err = fleet.WriteYAML(&b, one)
	}
	if err != nil || b.Len() == 0 {
		return
	}
	d.Adopt = b.String()
	if gone {
		d.AdoptNote = fmt.Sprintf("to keep it, put %s %s back in the config, as the server has it", strings.ReplaceAll(string(d.Kind), "_", " "), d.Key)
		return
	}
	d.AdoptNote = fmt.Sprintf("replace %s %s in the config with", strings.ReplaceAll(string(d.Kind), "_", " "), d.Key)
	if a.literal {
		d.AdoptNote = fmt.Sprintf("replace %s %s in the config with this block, keeping its password as written (a literal is not printed)", strings.ReplaceAll(string(d.Kind), "_", " "), d.Key)
	}
	if d.Kind == "service_plan" || d.Kind == "addon_plan" {
		for _, f := range d.Fields {
			if f.Path == "name" {
				// A rename: what names the plan must follow it.
				d.AdoptNote = strings.Replace(d.AdoptNote, " in the config with", fmt.Sprintf(" in the config (and %s by %s where subscriptions name it) with", f.Recorded.Text, f.Observed.Text), 1)
			}
		}
	}
}

// describeConversion adds the resolutions to a customer's conversion to
// a reseller in the panel. Adopting it is declaring the reseller (and
// its subscriptions, its own now, as the server has them) in place of
// the customer. Reverting it is not possible: Plesk has no operation
// that converts a reseller back into a customer, and the login is the
// reseller's, so a plan that keeps the customer stops before any write
// (the plan engine's error says how to resolve it).
func (c *comparer) describeConversion(d *plan.Drift) {
	to := c.converted[d.Key]
	if to == nil {
		return
	}
	customer := c.noConfig || c.cfg.Customers[d.Key] != nil
	if _, ok := c.cfg.Resellers[to.Login]; ok && !customer {
		d.AdoptNote = fmt.Sprintf("nothing to change: the config declares reseller %s, and the conversion is recorded with the next apply (or plansync refresh)", to.Login)
		return
	}
	if a := c.adoptConversion(d.Key, to, customer); a != nil {
		var b bytes.Buffer
		var err error
		if c.opt.Format == "hcl" {
			err = fleet.WriteHCL(&b, a.cfg)
		} else {
			err = fleet.WriteYAML(&b, a.cfg)
		}
		if err == nil && b.Len() > 0 {
			d.Adopt = b.String()
		}
		if a.literal {
			defer func() { d.AdoptNote += ", keeping the customer's password as written (a literal is not printed)" }()
		}
	}
	if !customer {
		// Removed from the config: the plan deletes the reseller.
		d.Gone = true
		d.AdoptNote = fmt.Sprintf("to keep it, put reseller %s in the config, as the server has it", to.Login)
		d.Revert = fmt.Sprintf("apply will delete reseller %s (with --allow-delete)", to.Login)
		return
	}
	d.AdoptNote = fmt.Sprintf("replace customer %s in the config with reseller %s, and its subscriptions with what the server has (the reseller's own now)", d.Key, to.Login)
	d.Revert = fmt.Sprintf("not possible: Plesk cannot convert a reseller back into a customer, so plan and apply stop before any write while the config declares customer %s; to keep it a customer, rename reseller %s on the server, or delete it with its subscriptions, then plan again", d.Key, to.Login)
	d.NoRevert = true
}

// unadoptable names the drifted fields whose server value a config
// cannot hold: an enumerated setting the panel set to a word plansync has
// no counterpart for (web statistics "smarterstats"), which refresh
// keeps as the server has it (mapping.ToPropsOn).
func unadoptable(fields []plan.DriftField) []string {
	var bad []string
	for _, f := range fields {
		p := model.Lookup(f.Path)
		w, ok := f.Observed.JSON.(string)
		if p == nil || p.Kind != model.KindEnum || !f.Observed.Set || !ok || slices.Contains(p.Enum, w) {
			continue
		}
		bad = append(bad, fmt.Sprintf("%s %q (valid: %s)", f.Path, w, strings.Join(p.Enum, ", ")))
	}
	return bad
}

// backReason is the reason of a change that sets back what changed
// outside plansync.
const backReason = "changed outside plansync: set back to the config's values"

// revertsField reports whether the change sets the field at path back to
// the value recorded before it drifted.
func revertsField(c *plan.Change, drift []*plan.Drift, path string) bool {
	for _, d := range drift {
		for _, df := range d.Fields {
			if df.Path != path {
				continue
			}
			for _, f := range c.Fields {
				if f.Path == path && df.Recorded.Set == f.After.Set && df.Recorded.Text == f.After.Text {
					return true
				}
			}
		}
	}
	return false
}

// revertSplit counts the values a change sets back to what was recorded
// before the server drifted from it (reverts), and the others, which the
// config changed. drift is the drift of the change's object.
func revertSplit(c *plan.Change, drift []*plan.Drift) (reverts, others int) {
	recorded := map[string]plan.Val{}
	for _, d := range drift {
		for _, f := range d.Fields {
			recorded[f.Path] = f.Recorded
		}
	}
	for _, f := range c.Fields {
		if f.Path == "customized" {
			continue
		}
		if r, ok := recorded[f.Path]; ok && r.Set == f.After.Set && r.Text == f.After.Text {
			reverts++
		} else {
			others++
		}
	}
	return reverts, others
}

// billingOwned names, by drift path, the fields a billing system owns on
// the objects it manages (SPEC §6.5): apply never writes them.
var billingOwned = []struct{ path, name string }{
	{"plan", "plan"},
	{"addons", "add-ons"},
	{"status", "status"},
	// Suspended in the panel while expired: its status reads the same,
	// its reasons differ (suspendedOver).
	{"status_reasons", "status"},
	{"password", "password"},
	{"ftp_login", "FTP login"},
	{"ftp_password", "FTP password"},
}

// billingCustomerGone gives, for a subscription the config declares
// whose customer is marked managed_by: billing and is not on the server,
// that customer's login ("" otherwise).
func (c *comparer) billingCustomerGone(d *plan.Drift, gone bool) string {
	if gone || c.noConfig || c.cfg == nil || c.srv == nil || c.srv.Config == nil || d.Kind != plan.KindSubscription {
		return ""
	}
	s := c.cfg.Subscriptions[d.Key]
	if s == nil || s.Customer == "" {
		return ""
	}
	if cu := c.cfg.Customers[s.Customer]; cu == nil || cu.ManagedBy != plan.ManagedByBilling {
		return ""
	}
	if c.srv.Config.Customers[s.Customer] != nil {
		return ""
	}
	return s.Customer
}

// billingManaged reports whether apply leaves the drifted object's
// billing-owned fields to a billing system: as the config marks it, or,
// for an object the config no longer declares (gone), as it was
// recorded.
func (c *comparer) billingManaged(d *plan.Drift, gone bool) bool {
	keys := []string{d.Key}
	if k, ok := c.serverKey[d.Address()]; ok {
		keys = append(keys, k)
	}
	for _, k := range keys {
		if !gone && !c.noConfig && c.cfg != nil {
			if a, ok := c.configAccount(d.Kind, k); ok {
				return a.managedBy == plan.ManagedByBilling
			}
			continue
		}
		if c.rec == nil {
			continue
		}
		i, ok := c.recorded(string(d.Kind), k)
		if !ok {
			continue
		}
		switch d.Kind {
		case "customer":
			return c.rec.Customers[i].ManagedBy == plan.ManagedByBilling
		case "reseller":
			return c.rec.Resellers[i].ManagedBy == plan.ManagedByBilling
		case plan.KindSubscription:
			return c.rec.Subscriptions[i].ManagedBy == plan.ManagedByBilling
		}
	}
	return false
}

// recorded is the index of the first record of rec of kind (customer,
// reseller or subscription) with key, and whether there is one.
func (c *comparer) recorded(kind, key string) (int, bool) {
	if c.recIndex == nil {
		c.recIndex = accountIndex(c.rec, true)
	}
	i, ok := c.recIndex[kind+" "+key]
	return i, ok
}

// serverRecord is the index of the last record of the server's read of
// kind with key, and whether there is one.
func (c *comparer) serverRecord(kind, key string) (int, bool) {
	if c.srvIndex == nil {
		c.srvIndex = accountIndex(c.srv.Records, false)
	}
	i, ok := c.srvIndex[kind+" "+key]
	return i, ok
}

// accountIndex indexes the customers, resellers and subscriptions of s
// by "kind key": the first of a key when first, else the last.
func accountIndex(s *state.Snapshot, first bool) map[string]int {
	idx := map[string]int{}
	if s == nil {
		return idx
	}
	put := func(k string, i int) {
		if _, ok := idx[k]; !ok || !first {
			idx[k] = i
		}
	}
	for i := range s.Customers {
		put("customer "+s.Customers[i].Login, i)
	}
	for i := range s.Resellers {
		put("reseller "+s.Resellers[i].Login, i)
	}
	for i := range s.Subscriptions {
		put("subscription "+s.Subscriptions[i].Domain, i)
	}
	return idx
}

// statusLeftOut reports whether the config declares the drifted
// account or subscription without a status of its own (a status left out
// reads as active).
func (c *comparer) statusLeftOut(d *plan.Drift) bool {
	if c.noConfig || c.cfg == nil {
		return false
	}
	keys := []string{d.Key}
	if k, ok := c.serverKey[d.Address()]; ok {
		keys = append(keys, k)
	}
	for _, k := range keys {
		if a, ok := c.configAccount(d.Kind, k); ok {
			return a.status != plan.Suspended && !a.src.Has("status")
		}
	}
	return false
}

// account is what the config says of a customer, reseller or
// subscription that billing may manage.
type account struct {
	managedBy, status string
	src               model.Src
}

// configAccount is the config's customer, reseller or subscription of
// kind with key, and whether the config declares one.
func (c *comparer) configAccount(kind plan.Kind, key string) (account, bool) {
	switch kind {
	case "customer":
		if o := c.cfg.Customers[key]; o != nil {
			return account{o.ManagedBy, o.Status, o.Src}, true
		}
	case "reseller":
		if o := c.cfg.Resellers[key]; o != nil {
			return account{o.ManagedBy, o.Status, o.Src}, true
		}
	case plan.KindSubscription:
		if o := c.cfg.Subscriptions[key]; o != nil {
			return account{o.ManagedBy, o.Status, o.Src}, true
		}
	}
	return account{}, false
}

// billingRevert says how drift in a billing-managed object's fields is
// reverted when some of them are billing's: in the billing system, since
// apply does not write them (and, with its plan or add-ons, the values
// that come with them). "" when billing owns none of them; only, when
// billing owns them all: apply then sets none of them back.
func billingRevert(fields []plan.DriftField) (r string, only bool) {
	var owned []string
	switched, others := false, false
	for _, b := range billingOwned {
		for _, f := range fields {
			if f.Path == b.path {
				owned = append(owned, b.name)
				switched = switched || b.path == "plan" || b.path == "addons"
			}
		}
	}
	if len(owned) == 0 {
		return "", false
	}
	for _, f := range fields {
		own := f.Path == "sync_status"
		for _, b := range billingOwned {
			own = own || f.Path == b.path
		}
		if switched {
			// The plan's values come with the plan and add-ons.
			for _, prefix := range []string{"resources.", "permissions.", "hosting.", "mail.", "dns.", "services", "allocation."} {
				own = own || strings.HasPrefix(f.Path, prefix)
			}
		}
		others = others || !own
	}
	what := "it"
	if len(owned) > 1 {
		what = "them"
	}
	r = fmt.Sprintf("in the billing system, which owns its %s (managed_by: billing); apply does not write %s", strings.Join(owned, " and "), what)
	if others {
		r += ", and sets the other values back to the config's"
	}
	return r, !others
}

// declared reports whether the config declares the drifted object, under
// its recorded key or its key on the server (a rename in the panel).
// Without a config, every object is taken as declared.
func (c *comparer) declared(d *plan.Drift) bool {
	if c.noConfig {
		return true
	}
	keys := []string{d.Key}
	if k, ok := c.serverKey[d.Address()]; ok {
		keys = append(keys, k)
	}
	for _, k := range keys {
		var ok bool
		switch d.Kind {
		case "service_plan":
			_, ok = c.cfg.ServicePlans[k]
		case "addon_plan":
			_, ok = c.cfg.AddonPlans[k]
		case "reseller_plan":
			_, ok = c.cfg.ResellerPlans[k]
		case "reseller":
			_, ok = c.cfg.Resellers[k]
		case "customer":
			_, ok = c.cfg.Customers[k]
		case plan.KindSubscription:
			_, ok = c.cfg.Subscriptions[k]
		default:
			return true
		}
		if ok {
			return true
		}
	}
	return false
}

// Annotate makes the changes of a plan made against the observed state
// say what they do to drift: a subscription customised in the panel that
// the config keeps synced is planned as a sync (Plesk's
// sync-subscription), naming the panel values it discards.
func Annotate(p *plan.Plan) {
	if len(p.Drift) == 0 {
		return
	}
	locked := map[string]*plan.Drift{}
	// drifted holds each drifted object's drift, by address.
	drifted := map[string][]*plan.Drift{}
	status := map[string]*plan.Drift{}
	// existence holds the cause of drift of objects created or deleted
	// outside plansync.
	existence := map[string]plan.DriftCause{}
	for i := range p.Drift {
		d := &p.Drift[i]
		switch d.Cause {
		case plan.DriftLocked:
			locked[d.Key] = d
		case plan.DriftDeleted, plan.DriftMissing, plan.DriftCreated:
			existence[d.Address()] = d.Cause
		case plan.DriftStatus:
			status[d.Address()] = d
		}
		drifted[d.Address()] = append(drifted[d.Address()], d)
	}
	// The changes it rewrites are copies: a watcher's next plan reuses
	// the changes of the subscriptions that did not change
	// (plan.Input.Reuse), which must stay as planned, lest they are
	// annotated again.
	// A subscription's lock drift is under its recorded domain: that of
	// a change renaming it (renamed_from) is its old one.
	lockedOf := func(c *plan.Change) *plan.Drift {
		if c.RenamedFrom != "" {
			return locked[c.RenamedFrom]
		}
		return locked[c.Key]
	}
	for i, c := range p.Changes {
		if len(drifted[c.Address()]) > 0 || lockedOf(c) != nil {
			cp := *c
			cp.Reasons, cp.Fields = slices.Clip(cp.Reasons), slices.Clip(cp.Fields)
			p.Changes[i] = &cp
		}
	}
	renameBack(p)
	for _, c := range p.Changes {
		if drift := drifted[c.Address()]; len(drift) > 0 {
			var reasons []string
			for _, r := range c.Reasons {
				switch {
				case r == "changed in config" || r == "customisation changed":
					// Said of what the change sets back to the recorded
					// value the server drifted from, and of what the
					// config changed (a customisation changed only in
					// the panel is the config's, unchanged).
					reverts, others := revertSplit(c, drift)
					switch {
					case existence[c.Address()] == plan.DriftCreated:
						// Never recorded: nothing is set back.
						reasons = append(reasons, "created outside plansync: set to the config's values")
					case others == 0:
						reasons = append(reasons, backReason)
					case reverts > 0:
						reasons = append(reasons, r, backReason)
					default:
						reasons = append(reasons, r)
					}
					continue
				case strings.HasPrefix(r, "expiration date ") && strings.HasSuffix(r, "config") && revertsField(c, drift, "expires"):
					// The date the server drifted to is set back: the
					// config did not change it.
					if !slices.Contains(reasons, backReason) {
						reasons = append(reasons, backReason)
					}
					continue
				case r == "FTP login changed" && revertsField(c, drift, "ftp_login"),
					r == "IP address changed" && revertsField(c, drift, "ip_address"),
					r == "customer changed" && revertsField(c, drift, "customer"):
					// The login, address or customer the panel changed
					// is set back: the config did not change it.
					if !slices.Contains(reasons, backReason) {
						reasons = append(reasons, backReason)
					}
					continue
				case strings.HasPrefix(r, "activated in config:") && c.Action == plan.Activate && status[c.Address()] != nil:
					// A reseller suspended outside plansync: the config
					// did not change its status.
					why := "suspended outside plansync"
					if d := status[c.Address()]; d.Detail != "" {
						why += " (" + d.Detail + ")"
					}
					r = "no longer suspended (" + why + ")" + strings.TrimPrefix(r, "activated in config")
				case r == "new in config" && c.Action == plan.Create:
					// The config declared it all along: the server lost it.
					switch existence[c.Address()] {
					case plan.DriftDeleted:
						r = "deleted outside plansync: created again"
					case plan.DriftMissing:
						r = "recorded, but not on the server: created there"
					}
				}
				reasons = append(reasons, r)
			}
			c.Reasons = reasons
		}
		d := lockedOf(c)
		if c.Kind != "subscription" || d == nil || c.Action != plan.Unlock {
			continue
		}
		var discarded []string
		for _, f := range d.Fields {
			if f.Path != "sync_status" {
				discarded = append(discarded, f.Path+" "+f.Observed.Text)
			}
		}
		c.Action = plan.Sync
		c.Reasons = plan.PanelSyncReasons(c.Reasons, planOf(p, c.Key), discarded)
	}
}

// configFTPLogin returns the FTP login the config gives the
// subscription of domain ("" for none).
func (c *comparer) configFTPLogin(domain string) string {
	if c.cfg == nil {
		return ""
	}
	if cs := c.cfg.Subscriptions[domain]; cs != nil {
		return cs.FTPLogin
	}
	return ""
}

// customisedInConfig reports whether the config customises the
// subscription (its customize block: a lock of the config's own).
func (c *comparer) customisedInConfig(domain string) bool {
	if c.cfg == nil {
		return false
	}
	cs := c.cfg.Subscriptions[domain]
	return cs != nil && cs.Customize != nil
}

func planOf(p *plan.Plan, domain string) string {
	if p.Result != nil {
		for i := range p.Result.Subscriptions {
			if s := &p.Result.Subscriptions[i]; s.Domain == domain {
				return s.Plan
			}
		}
	}
	return "its plan"
}

// scoped splits a snapshot into what a reseller owns (in, sharing the
// property sets) and the rest (out).
func scoped(s *state.Snapshot, reseller string) (in, out *state.Snapshot) {
	a, b := *s, state.Snapshot{}
	a.ServicePlans, b.ServicePlans = split(s.ServicePlans, func(p *state.Plan) bool { return p.Owner == reseller })
	a.AddonPlans, b.AddonPlans = split(s.AddonPlans, func(p *state.Plan) bool { return p.Owner == reseller })
	a.ResellerPlans, b.ResellerPlans = nil, s.ResellerPlans
	a.Resellers, b.Resellers = nil, s.Resellers
	a.Customers, b.Customers = split(s.Customers, func(c *state.Customer) bool { return c.Owner == reseller })
	a.Subscriptions, b.Subscriptions = split(s.Subscriptions, func(x *state.Subscription) bool { return x.Owner == reseller })
	return &a, &b
}

func split[T any](list []T, in func(*T) bool) (yes, no []T) {
	for i := range list {
		if in(&list[i]) {
			yes = append(yes, list[i])
		} else {
			no = append(no, list[i])
		}
	}
	return yes, no
}

// renameBack adds to the plan the renames back of objects renamed in the
// panel (matched by GUID, recorded under their config key): the engine
// plans from keys and does not see them.
// adoptedRename reports whether a rename drift is one the config has
// adopted: the object is observed under the name the server gave it, so
// there is nothing to set back.
func adoptedRename(d *plan.Drift, f plan.DriftField) bool {
	name := d.Key
	if _, n, ok := strings.Cut(d.Key, "/"); ok && d.Kind != "subscription" {
		name = n
	}
	return f.Observed.Text == name || fmt.Sprint(f.Observed.JSON) == name
}

func renameBack(p *plan.Plan) {
	byAddr := map[string]*plan.Change{}
	// renamedTo holds, by their old address, the objects the config
	// renames (renamed_from): to the name the server has, that adopts
	// the rename made in the panel; there is nothing to set back.
	renamedTo := map[string]string{}
	for _, c := range p.Changes {
		byAddr[c.Address()] = c
		if c.RenamedFrom != "" {
			renamedTo[c.OldAddress()] = c.Key
		}
	}
	for i := range p.Drift {
		d := &p.Drift[i]
		for _, f := range d.Fields {
			if f.Path != "name" && f.Path != "login" && f.Path != "domain" {
				continue
			}
			if f.Path == "name" && (d.Kind == "customer" || d.Kind == "reseller") {
				continue // an account's contact name, not its identity: planned as any field
			}
			if adoptedRename(d, f) {
				continue
			}
			if to, ok := renamedTo[d.Address()]; ok && (f.Observed.Text == to || fmt.Sprint(f.Observed.JSON) == to) {
				continue
			}
			field := &plan.FieldChange{Path: f.Path, Before: f.Observed, After: f.Recorded}
			if f.Path == "name" {
				billingRename(p, string(d.Kind), d.Key, fmt.Sprint(f.Observed.JSON))
			}
			const why = "renamed outside plansync: set back to the config's name"
			if c := byAddr[d.Address()]; c != nil {
				c.Fields = append([]*plan.FieldChange{field}, c.Fields...)
				c.Reasons = append(c.Reasons, why)
				continue
			}
			c := &plan.Change{Kind: d.Kind, Key: d.Key, Action: plan.Update, Reasons: []string{why}, Fields: []*plan.FieldChange{field}}
			at := sort.Search(len(p.Changes), func(j int) bool {
				o := p.Changes[j]
				return o.Kind > c.Kind || (o.Kind == c.Kind && o.Key > c.Key)
			})
			p.Changes = append(p.Changes[:at], append([]*plan.Change{c}, p.Changes[at:]...)...)
			byAddr[c.Address()] = c
			p.Summary.Update++
		}
	}
}

// billingRename warns when a plan renamed back on the server is used by
// billing-managed subscriptions: billing refers to plans by name.
func billingRename(p *plan.Plan, kind, key, from string) {
	if kind != "service_plan" && kind != "addon_plan" || p.Result == nil {
		return
	}
	var subs []string
	for _, s := range p.Result.Subscriptions {
		if s.ManagedBy != plan.ManagedByBilling {
			continue
		}
		uses := kind == "service_plan" && model.PlanKey(s.Owner, s.Plan) == key
		for _, a := range s.Addons {
			uses = uses || kind == "addon_plan" && model.PlanKey(s.Owner, a) == key
		}
		if uses {
			subs = append(subs, s.Domain)
		}
	}
	if len(subs) == 0 {
		return
	}
	sort.Strings(subs)
	p.Diagnostics = append(p.Diagnostics, diag.Diagnostic{Severity: diag.Warning, Object: kind + " " + key,
		Summary: fmt.Sprintf("renamed from %s; billing-managed subscriptions use this %s (%s) and billing refers to plans by name: rename it in the billing system too",
			from, strings.ReplaceAll(kind, "_", " "), strings.Join(subs, ", "))})
}

// reportsUnsynced reports whether the server's read holds a subscription
// not synchronized with its plans (synchronized=false); without a read,
// whether it does is not known and it is taken to.
func (c *comparer) reportsUnsynced(domain string) bool {
	if c.read == nil || c.read.Unsynced == nil {
		return true
	}
	return c.read.Unsynced[domain]
}

// onlyOwn reports whether every conflict of a subscription is on a
// setting its subscriber chose a value of its own for (own, the recorded
// subscriber settings), and it has some. The server's values are read
// without the subscribers' (they are not the subscription's), so a plan
// value that needs what the server lacks is a conflict there; but the
// subscriber's own value replaces it and is ignored by synchronisation
// (SPEC 1.3): a server that reports the subscription synchronized is
// right.
func onlyOwn(s *state.Subscription, own state.Values) bool {
	for _, c := range s.Conflicts {
		if _, set := own[c.Property]; !set {
			return false
		}
	}
	return len(s.Conflicts) > 0
}

// onlyAllocation reports whether every conflict of a reseller's
// subscription is one of its reseller's allocation (a permission not
// held, a limit that does not fit), and it has some.
func onlyAllocation(s *state.Subscription) bool {
	for _, c := range s.Conflicts {
		if !strings.Contains(c.Reason, "reseller "+s.Owner) {
			return false
		}
	}
	return len(s.Conflicts) > 0 && s.Owner != model.Admin
}

// AnnotateNoted words the changes of p that sync again the subscriptions
// whose sync status an apply noted (Disagreement.Noted) and the server
// still reports: the server locked them on plansync's own write, not in
// the panel, so no customisation is removed. Like Annotate, it rewrites
// copies (a watcher's next plan reuses the changes).
func (r *Result) AnnotateNoted(p *plan.Plan) {
	noted := map[string]bool{}
	for _, d := range r.Disagreements {
		if d.Noted {
			noted[d.Key] = true
		}
	}
	if len(noted) == 0 {
		return
	}
	for i, c := range p.Changes {
		if c.Kind != plan.KindSubscription || !noted[c.Key] || c.Action != plan.Unlock {
			continue
		}
		cp := *c
		cp.Action = plan.Sync
		cp.Reasons = nil
		for _, why := range c.Reasons {
			if strings.HasPrefix(why, "customisation removed: ") {
				why = "the server locked it on a write of plansync's own (a model disagreement), synced in the config: " + strings.TrimPrefix(why, "customisation removed: ")
			}
			cp.Reasons = append(cp.Reasons, why)
		}
		p.Changes[i] = &cp
	}
}
