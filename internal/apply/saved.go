package apply

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/state"
)

// SavedFormat names a saved plan file.
const SavedFormat = "plansync-plan"

// Saved is a plan saved by `plan --out`: what it changes, the versions
// of the objects it touches in the state it was made from, a digest of
// the config it was made from, and the resulting records. It holds no
// secret in clear (only the hashes the state records).
type Saved struct {
	Format        string        `json:"format"`
	FormatVersion Version       `json:"format_version"`
	Lineage       string        `json:"lineage"`
	Serial        uint64        `json:"serial"`
	ConfigDigest  string        `json:"config_digest"`
	AllowDelete   bool          `json:"allow_delete"`
	Partial       bool          `json:"partial,omitempty"`
	Targets       []string      `json:"targets,omitempty"`
	Objects       []SavedObject `json:"objects"`
	Summary       plan.Summary  `json:"summary"`
	Deletes       []string      `json:"deletes,omitempty"`
	Conflicts     []string      `json:"conflicts,omitempty"`
	Text          string        `json:"text"`
	// Markdown is the plan as plan --format markdown prints it, for
	// apply --format markdown of the saved plan (absent from plans
	// saved before it was kept: MarkdownText falls back to Text).
	Markdown string `json:"markdown,omitempty"`
	// Doc is the plan's JSON document (as plan --format json prints
	// it, compact), gzipped: apply --format json prints it with the
	// apply's outcome. (Gzipped, as it lists every field change of
	// every subscription a plan change reaches.)
	Doc    []byte          `json:"doc_gz,omitempty"`
	Result json.RawMessage `json:"result"`
	// Observed holds, when the plan was made with a Plesk server, a
	// digest of what the server had for each object the plan changes
	// ("kind key" → digest, "" absent): applying it on a server that
	// changed them since is refused.
	Observed map[string]string `json:"observed,omitempty"`
	// ObservedServers is Observed for a multi-server config: per server
	// (by name), the digests of what that server had for each object
	// the plan changes on it.
	ObservedServers map[string]map[string]string `json:"observed_servers,omitempty"`
	// Unrefreshed is whether the plan was made from the recorded state
	// alone (--refresh=false): it showed nothing of what the servers
	// have, so applying it is refused, as apply --refresh=false is, when
	// an object it changes changed on a server since that state.
	Unrefreshed bool `json:"unrefreshed,omitempty"`
	// Plesk is, when the plan was made with a Plesk server (a single
	// server), that server (host:port): the plan is applied there, not
	// only recorded, nor sent to another server.
	Plesk string `json:"plesk,omitempty"`
	// As is the reseller the plan was made as (--as reseller:LOGIN), ""
	// for the admin: it is applied as the same one.
	As string `json:"as,omitempty"`
	// Checksum is the SHA-256 of the saved plan's JSON encoding without
	// it (MarshalJSON sets it): a file changed after plan --out wrote
	// it is refused (ReadSaved).
	Checksum string `json:"checksum,omitempty"`
}

// MarkdownText is the saved plan as a pull-request comment: the
// markdown plan --out kept, or, in a plan saved without it, its text
// in a diff block.
func (s *Saved) MarkdownText() string {
	if s.Markdown != "" {
		return s.Markdown
	}
	return "### plansync plan\n\n```diff\n" + s.Text + "```\n"
}

// savedFields is Saved without its methods, to encode its fields.
type savedFields Saved

// checksum is the SHA-256 of the JSON encoding of s without its
// checksum.
func (s *Saved) checksum() (string, error) {
	f := savedFields(*s)
	f.Checksum = ""
	data, err := json.Marshal(&f)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// MarshalJSON encodes s with its checksum: the encoding without it (what
// checksum hashes; the field is left out when empty), with the checksum
// added as its last field, so that a large plan is encoded once.
func (s Saved) MarshalJSON() ([]byte, error) {
	f := savedFields(s)
	f.Checksum = ""
	data, err := json.Marshal(&f)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	if len(data) < 2 || data[len(data)-1] != '}' {
		return nil, errors.New("saved plan: unexpected encoding")
	}
	return slices.Concat(data[:len(data)-1], []byte(`,"checksum":"`+hex.EncodeToString(sum[:])+`"}`)), nil
}

// SavedObject is one object a saved plan touches, with its version in the
// state the plan was made from ("" when it did not exist).
type SavedObject struct {
	// Server is the server the object is on, for a multi-server config
	// ("" for a single server).
	Server  string      `json:"server,omitempty"`
	Kind    plan.Kind   `json:"kind"`
	Key     string      `json:"key"`
	Action  plan.Action `json:"action"`
	Version string      `json:"version"`
	// RenamedFrom is the key of the record a rename replaces, with its
	// version.
	RenamedFrom        string `json:"renamed_from,omitempty"`
	RenamedFromVersion string `json:"renamed_from_version,omitempty"`
}

// refs lists the records applying a saved object replaces: its own, the
// one it renames, and the customer's record a conversion replaces (never
// a customer and a reseller of the same login in the state).
func (o SavedObject) refs() []state.Ref {
	refs := []state.Ref{{Kind: string(o.Kind), Key: o.Key, Server: o.Server}}
	if o.RenamedFrom != "" {
		refs = append(refs, state.Ref{Kind: string(o.Kind), Key: o.RenamedFrom, Server: o.Server})
	}
	if o.Action == plan.Convert {
		refs = append(refs, state.Ref{Kind: string(plan.KindCustomer), Key: o.Key, Server: o.Server})
	}
	return refs
}

// Save builds the saved form of a plan.
func Save(p *plan.Plan, prior *state.Snapshot, configDigest string, allowDelete bool, text string) (*Saved, error) {
	res, err := state.Encode(p.Result)
	if err != nil {
		return nil, err
	}
	s := &Saved{Format: SavedFormat, FormatVersion: 1, Lineage: p.Result.Lineage, Serial: p.PriorSerial,
		ConfigDigest: configDigest, AllowDelete: allowDelete, Partial: p.Partial, Targets: p.Targets,
		Summary: p.Summary, Deletes: p.Deletes, Text: text, Result: res}
	refs := make([]state.Ref, 0, len(p.Changes))
	for _, c := range p.Changes {
		refs = append(refs, c.Ref())
		if c.RenamedFrom != "" {
			refs = append(refs, state.Ref{Kind: string(c.Kind), Key: c.RenamedFrom, Server: c.Server})
		}
	}
	versions := state.Versions(prior, refs)
	for _, c := range p.Changes {
		o := SavedObject{Server: c.Server, Kind: c.Kind, Key: c.Key, Action: c.Action, Version: versions[c.Ref()]}
		if c.RenamedFrom != "" {
			o.RenamedFrom, o.RenamedFromVersion = c.RenamedFrom, versions[state.Ref{Kind: string(c.Kind), Key: c.RenamedFrom, Server: c.Server}]
		}
		s.Objects = append(s.Objects, o)
	}
	for _, c := range p.Conflicts {
		if !c.Accepted {
			s.Conflicts = append(s.Conflicts, conflictLine(c))
		}
	}
	return s, nil
}

func conflictLine(c plan.Conflict) string {
	if c.Server != "" {
		return fmt.Sprintf("%s: %s %s: plan value %s, available %s (%s)", c.Server, c.Subscription, c.Property, c.PlanValue.Text, c.AvailableValue.Text, c.Reason)
	}
	return fmt.Sprintf("%s %s: plan value %s, available %s (%s)", c.Subscription, c.Property, c.PlanValue.Text, c.AvailableValue.Text, c.Reason)
}

// Version is a format version, written as a string ("1") as in every
// JSON document plansync prints; an integer (as older versions wrote
// it) is read too.
type Version int

// MarshalJSON writes v as a string.
func (v Version) MarshalJSON() ([]byte, error) {
	return json.Marshal(strconv.Itoa(int(v)))
}

// UnmarshalJSON reads a string of digits or an integer.
func (v *Version) UnmarshalJSON(data []byte) error {
	var text string
	if json.Unmarshal(data, &text) == nil {
		n, err := strconv.Atoi(text)
		if err != nil {
			return fmt.Errorf("format_version %q is not a version number", text)
		}
		*v = Version(n)
		return nil
	}
	var n int
	if err := json.Unmarshal(data, &n); err != nil {
		return err
	}
	*v = Version(n)
	return nil
}

// ReadSaved decodes a saved plan file.
func ReadSaved(data []byte) (*Saved, error) {
	var s Saved
	if err := json.Unmarshal(data, &s); err != nil || s.Format != SavedFormat {
		return nil, errors.New("not a plansync saved plan (made with plansync plan --out)")
	}
	if s.FormatVersion != 1 {
		return nil, fmt.Errorf("saved plan format version %d is not supported by this plansync", s.FormatVersion)
	}
	if s.Checksum == "" {
		// Older plansync wrote none: it cannot be told from an edit.
		return nil, errors.New("the saved plan has no checksum (made by an older plansync, or edited); nothing was applied. Run plansync plan --out again")
	}
	if sum, err := s.checksum(); err != nil || sum != s.Checksum {
		return nil, errors.New("the saved plan was changed after plansync plan --out wrote it (its checksum does not match); nothing was applied. Run plansync plan --out again")
	}
	return &s, nil
}

// staleNamesShown is how many objects an error about a stale plan
// names; the rest are counted, so that a plan of a whole fleet gives one
// line.
const staleNamesShown = 10

// FirstNames lists the first ten of names and counts the others
// ("a, b, …, j, and 5 more"), for an error that names the objects of a
// plan that stand in its way, which may be every object of a fleet.
func FirstNames(names []string) string {
	if len(names) <= staleNamesShown {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:staleNamesShown], ", ") + fmt.Sprintf(", and %d more", len(names)-staleNamesShown)
}

// StaleError: a saved plan no longer fits the state or the config.
type StaleError struct{ Reason string }

func (e *StaleError) Error() string {
	return "the saved plan is stale: " + e.Reason + "; nothing was applied. Run plansync plan again"
}

// Fresh returns a *StaleError when the plan may not be applied to cur
// with the config of configDigest: the config changed, or the recorded
// state (its lineage or serial) did since the plan was made. It is the
// first check of Prepare, cheap enough to make before the plan is shown.
func (s *Saved) Fresh(cur *state.Snapshot, configDigest string) error {
	if configDigest != s.ConfigDigest {
		return &StaleError{"the config changed since the plan was made"}
	}
	var curSerial uint64
	if cur != nil {
		curSerial = cur.Serial
		if s.Serial > 0 && cur.Lineage != s.Lineage {
			return &StaleError{fmt.Sprintf("the recorded state has lineage %s, the plan was made for lineage %s", cur.Lineage, s.Lineage)}
		}
	} else if s.Serial > 0 {
		return &StaleError{"the recorded state it was made from no longer exists"}
	}
	if curSerial != s.Serial {
		reason := fmt.Sprintf("the recorded state changed since the plan was made (serial %d, now %d)", s.Serial, curSerial)
		if changed := s.changedSince(cur); len(changed) > 0 {
			reason += "; objects it touches changed: " + FirstNames(changed)
		}
		return &StaleError{reason}
	}
	return nil
}

// Prepare checks a saved plan against the current state and config and
// returns the snapshot applying it records. A saved plan is stale (SPEC
// §4) when the config changed since it was made, or when the state did:
// another lineage, or any write since (another serial), whatever objects
// that write touched; the error then names the objects of the plan it
// changed, if any.
func (s *Saved) Prepare(cur *state.Snapshot, configDigest string) (*state.Snapshot, error) {
	if err := s.Fresh(cur, configDigest); err != nil {
		return nil, err
	}
	planned, err := state.Decode(s.Result)
	if err != nil {
		return nil, fmt.Errorf("saved plan: %w", err)
	}
	var refs []state.Ref
	for _, o := range s.Objects {
		refs = append(refs, o.refs()...)
	}
	// The records the plan adds without a change of its own: objects
	// the server has that the state did not record (a new or lost
	// state), adopted as they are. An apply without a plan file records
	// them; so does this one, and its deploy needs them (a subscription
	// it creates may name an adopted plan).
	had := state.Records(cur)
	for r := range state.Records(planned) {
		if _, ok := had[r]; !ok {
			refs = append(refs, r)
		}
	}
	// A reseller's suspension or activation changes why its customers
	// are suspended, also where their status stays (one suspended on its
	// own) and no change lists them: their records come with it, as they
	// do in an apply without a plan file (and in a targeted plan).
	statusOf := map[state.Ref]bool{}
	for _, o := range s.Objects {
		if o.Kind == plan.KindReseller && (o.Action == plan.Suspend || o.Action == plan.Activate) {
			statusOf[state.Ref{Kind: string(plan.KindReseller), Key: o.Key, Server: o.Server}] = true
		}
	}
	if len(statusOf) > 0 {
		for _, cu := range planned.Customers {
			if statusOf[state.Ref{Kind: string(plan.KindReseller), Key: cu.Owner, Server: cu.Server}] {
				refs = append(refs, state.Ref{Kind: string(plan.KindCustomer), Key: cu.Login, Server: cu.Server})
			}
		}
	}
	out := state.Merge(cur, planned, refs)
	if cur == nil {
		out.Lineage = planned.Lineage
	}
	if s.As != "" {
		restoreAdminOnly(out, cur)
	}
	return out, nil
}

// ScopeTo keeps, in the result of a plan made as reseller (--as
// reseller:LOGIN), only the records that reseller manages and those the
// plan changes, without the admin's fields (SPEC §1.4: a reseller sees
// only its own objects): its saved plan holds nothing of the admin's or
// another reseller's objects. Prepare takes every other record, and the
// admin's fields, from the recorded state, which is the one the plan was
// made from.
func (s *Saved) ScopeTo(reseller string) error {
	planned, err := state.Decode(s.Result)
	if err != nil {
		return fmt.Errorf("saved plan: %w", err)
	}
	sc := &plan.Scope{Reseller: reseller}
	var keep []state.Ref
	for _, o := range s.Objects {
		keep = append(keep, o.refs()...)
	}
	for r, rec := range state.Records(planned) {
		if r.Kind == "server" || sc.Manages(r.Kind, plan.RecordOwner(rec)) {
			keep = append(keep, r)
		}
	}
	out := state.Merge(nil, planned, keep)
	out.Serial = planned.Serial
	for i := range out.Customers {
		// plan.AdminOnly("customer")
		out.Customers[i].AdminDescription = ""
	}
	res, err := state.Encode(out)
	if err != nil {
		return err
	}
	s.Result = res
	return nil
}

// restoreAdminOnly sets, in the result of a reseller's saved plan, the
// admin's fields of its customers as cur records them (ScopeTo left them
// out of the plan file; a reseller never changes them).
func restoreAdminOnly(out, cur *state.Snapshot) {
	if cur == nil {
		return
	}
	recorded := map[state.Ref]string{}
	for _, c := range cur.Customers {
		recorded[state.Ref{Kind: "customer", Key: c.Login, Server: c.Server}] = c.AdminDescription
	}
	for i, c := range out.Customers {
		out.Customers[i].AdminDescription = recorded[state.Ref{Kind: "customer", Key: c.Login, Server: c.Server}]
	}
}

// changedSince lists the objects of the plan whose records in cur are
// not the versions the plan was made from.
func (s *Saved) changedSince(cur *state.Snapshot) []string {
	var refs []state.Ref
	for _, o := range s.Objects {
		refs = append(refs, o.refs()...)
	}
	now := state.Versions(cur, refs)
	var changed []string
	for _, o := range s.Objects {
		on := ""
		if o.Server != "" {
			on = o.Server + ": "
		}
		if now[state.Ref{Kind: string(o.Kind), Key: o.Key, Server: o.Server}] != o.Version {
			changed = append(changed, on+string(o.Kind)+" "+o.Key)
		}
		if o.RenamedFrom != "" && now[state.Ref{Kind: string(o.Kind), Key: o.RenamedFrom, Server: o.Server}] != o.RenamedFromVersion {
			changed = append(changed, on+string(o.Kind)+" "+o.RenamedFrom)
		}
	}
	return changed
}

// Check applies the apply policies to a saved plan.
func (s *Saved) Check(opt Options) error {
	return policy(s.Conflicts, s.Deletes, opt.AcceptAvailable, opt.AllowDelete || s.AllowDelete)
}
