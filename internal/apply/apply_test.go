package apply

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/state"
)

// memBackend is a state backend in memory: compare-and-swap on the
// serial and lineage, a history, a lock of its own. It counts writes so
// a test can tell that nothing was written.
type memBackend struct {
	mu      sync.Mutex
	snap    *state.Snapshot
	hist    []state.HistoryEntry
	writes  int
	lockID  string
	failErr error // returned by the next Write, when set
}

func (m *memBackend) Read(context.Context) (*state.Snapshot, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.snap == nil {
		return nil, state.ErrNotFound
	}
	return copySnap(m.snap), nil
}

func (m *memBackend) Write(_ context.Context, s *state.Snapshot, expect uint64, e *state.HistoryEntry) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.failErr; err != nil {
		m.failErr = nil
		return 0, err
	}
	got, lineage := uint64(0), s.Lineage
	if m.snap != nil {
		got, lineage = m.snap.Serial, m.snap.Lineage
	}
	if got != expect || lineage != s.Lineage {
		return 0, &state.StaleError{WantSerial: expect, GotSerial: got, WantLineage: s.Lineage, GotLineage: lineage}
	}
	next := copySnap(s)
	next.Serial = expect + 1
	m.snap = next
	m.writes++
	if e != nil {
		entry := *e
		entry.Serial = next.Serial
		m.hist = append(m.hist, entry)
	}
	return next.Serial, nil
}

type memLock struct {
	m    *memBackend
	info state.LockInfo
}

func (l memLock) Info() state.LockInfo { return l.info }
func (l memLock) Unlock() error {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	if l.m.lockID == l.info.ID {
		l.m.lockID = ""
	}
	return nil
}

func (m *memBackend) TryLock(_ context.Context, info state.LockInfo) (state.Lock, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lockID != "" {
		return nil, &state.LockedError{Holder: state.LockInfo{ID: m.lockID}}
	}
	info.ID = "lock-1"
	m.lockID = info.ID
	return memLock{m, info}, nil
}

func (m *memBackend) ForceUnlock(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lockID != id {
		return errors.New("no such lock")
	}
	m.lockID = ""
	return nil
}

func (m *memBackend) History(context.Context) ([]state.HistoryEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]state.HistoryEntry(nil), m.hist...), nil
}

func (m *memBackend) Describe() string { return "state in memory" }
func (m *memBackend) Close() error     { return nil }

// copySnap copies a snapshot through its encoding, as a real backend
// stores it.
func copySnap(s *state.Snapshot) *state.Snapshot {
	data, err := state.Encode(s)
	if err != nil {
		panic(err)
	}
	out, err := state.Decode(data)
	if err != nil {
		panic(err)
	}
	return out
}

var _ state.Backend = (*memBackend)(nil)

var when = time.Date(2026, 11, 1, 9, 30, 0, 0, time.FixedZone("CET", 3600))

// snapWith is a snapshot of lineage L with the given service plans.
func snapWith(serial uint64, plans ...string) *state.Snapshot {
	s := state.New("L")
	s.Serial = serial
	for _, name := range plans {
		s.ServicePlans = append(s.ServicePlans, state.Plan{Key: name, Owner: "admin", Name: name})
	}
	return s
}

// planTo is a plan from prior (nil: none) to the result, with changes.
func planTo(prior *state.Snapshot, result *state.Snapshot, changes ...*plan.Change) *plan.Plan {
	p := &plan.Plan{Changes: changes, Result: result}
	if prior != nil {
		p.PriorLineage, p.PriorSerial = prior.Lineage, prior.Serial
	}
	for _, c := range changes {
		switch c.Action {
		case plan.Create:
			p.Summary.Create++
		case plan.Delete:
			p.Summary.Delete++
			p.Deletes = append(p.Deletes, c.Address())
		default:
			p.Summary.Update++
		}
	}
	return p
}

func planNames(s *state.Snapshot) []string {
	var out []string
	for _, p := range s.ServicePlans {
		out = append(out, p.Key)
	}
	return out
}

func TestRunRecordsResultAndHistory(t *testing.T) {
	ctx := context.Background()
	b := &memBackend{}
	p := planTo(nil, snapWith(0, "Business"), &plan.Change{Kind: "service_plan", Key: "Business", Action: plan.Create})
	serial, err := Run(ctx, b, p, Options{Who: "alice", Now: when})
	if err != nil {
		t.Fatal(err)
	}
	if serial != 1 {
		t.Errorf("serial %d, want 1", serial)
	}
	got, _ := b.Read(ctx)
	if diff := cmp.Diff([]string{"Business"}, planNames(got)); diff != "" {
		t.Errorf("recorded plans (-want +got):\n%s", diff)
	}
	hist, _ := b.History(ctx)
	if len(hist) != 1 {
		t.Fatalf("%d history entries, want 1", len(hist))
	}
	h := hist[0]
	if h.Serial != 1 || h.Who != "alice" || !h.When.Equal(when) || h.When.Location() != time.UTC {
		t.Errorf("history entry %+v: want serial 1, alice, %s in UTC", h, when.UTC())
	}
	if h.Summary != "1 added, 0 changed, 0 deleted, 0 conflicts accepted" {
		t.Errorf("summary %q", h.Summary)
	}
	var changes []map[string]string
	if err := json.Unmarshal(h.Changes, &changes); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]map[string]string{{"kind": "service_plan", "key": "Business", "action": "create"}}, changes); diff != "" {
		t.Errorf("history changes (-want +got):\n%s", diff)
	}
}

func TestRunPolicies(t *testing.T) {
	conflict := plan.Conflict{Subscription: "a.example", Property: "hosting.php_version",
		PlanValue: plan.Val{Set: true, Text: `"8.4"`}, AvailableValue: plan.Val{Set: true, Text: `"8.3"`}, Reason: "component php8.4 not installed"}
	accepted := conflict
	accepted.Accepted = true
	del := &plan.Change{Kind: "customer", Key: "jdoe", Action: plan.Delete}
	for _, tc := range []struct {
		name      string
		conflicts []plan.Conflict
		changes   []*plan.Change
		opt       Options
		wantErr   string // "" : applied
	}{
		{"conflict refused", []plan.Conflict{conflict}, nil, Options{}, "the plan has 1 conflict(s); nothing was applied"},
		{"conflict accepted by flag", []plan.Conflict{conflict}, nil, Options{AcceptAvailable: true}, ""},
		{"conflict accepted earlier", []plan.Conflict{accepted}, nil, Options{}, ""},
		{"delete refused", nil, []*plan.Change{del}, Options{AcceptAvailable: true}, "the plan deletes 1 object(s); nothing was applied"},
		{"delete allowed", nil, []*plan.Change{del}, Options{AllowDelete: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			prior := snapWith(3, "Business")
			b := &memBackend{snap: copySnap(prior)}
			b.snap.Serial = 3
			p := planTo(prior, snapWith(3, "Business", "Starter"), tc.changes...)
			p.Conflicts = tc.conflicts
			serial, err := Run(ctx, b, p, tc.opt)
			if tc.wantErr == "" {
				if err != nil || serial != 4 || b.writes != 1 {
					t.Fatalf("Run: serial %d, %d writes, %v; want serial 4, one write", serial, b.writes, err)
				}
				return
			}
			var pe *PolicyError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Run: %v; want a PolicyError %q", err, tc.wantErr)
			}
			if b.writes != 0 || serial != 3 {
				t.Errorf("refused, yet %d writes (serial %d)", b.writes, serial)
			}
			if len(pe.Items) != 1 || (tc.conflicts != nil && pe.Items[0] != `a.example hosting.php_version: plan value "8.4", available "8.3" (component php8.4 not installed)`) ||
				(tc.changes != nil && pe.Items[0] != "customer jdoe") {
				t.Errorf("items %q", pe.Items)
			}
		})
	}
}

// TestRunStale: a state written since the plan was made is not
// overwritten.
func TestRunStale(t *testing.T) {
	ctx := context.Background()
	prior := snapWith(1, "Business")
	b := &memBackend{snap: snapWith(2, "Business", "Other")}
	p := planTo(prior, snapWith(1, "Business", "Starter"), &plan.Change{Kind: "service_plan", Key: "Starter", Action: plan.Create})
	_, err := Run(ctx, b, p, Options{})
	var se *state.StaleError
	if !errors.As(err, &se) || se.WantSerial != 1 || se.GotSerial != 2 {
		t.Fatalf("Run: %v, want a StaleError (want serial 1, got 2)", err)
	}
	got, _ := b.Read(ctx)
	if diff := cmp.Diff([]string{"Business", "Other"}, planNames(got)); diff != "" {
		t.Errorf("the state changed (-want +got):\n%s", diff)
	}
}

// TestRunSaved: a saved plan applies what it changes onto the current
// state, and is refused when the state (any write since, or its
// lineage) or the config changed.
func TestRunSaved(t *testing.T) {
	ctx := context.Background()
	prior := snapWith(1, "Business")
	p := planTo(prior, snapWith(1, "Business", "Starter"), &plan.Change{Kind: "service_plan", Key: "Starter", Action: plan.Create})
	s, err := Save(p, prior, "digest-1", false, "plan text")
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	load := func(t *testing.T) *Saved {
		s, err := ReadSaved(data)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	run := func(t *testing.T, b *memBackend, digest string) (uint64, error) {
		cur, err := b.Read(ctx)
		if errors.Is(err, state.ErrNotFound) {
			cur = nil
		}
		return RunSaved(ctx, b, load(t), cur, digest, Options{Who: "bob", Now: when})
	}
	stale := func(t *testing.T, err error, want string) {
		t.Helper()
		var se *StaleError
		if !errors.As(err, &se) || !strings.Contains(se.Reason, want) {
			t.Fatalf("RunSaved: %v; want stale: %s", err, want)
		}
	}

	t.Run("unchanged state", func(t *testing.T) {
		b := &memBackend{snap: copySnap(prior)}
		serial, err := run(t, b, "digest-1")
		if err != nil || serial != 2 {
			t.Fatalf("RunSaved: %d, %v", serial, err)
		}
		got, _ := b.Read(ctx)
		if diff := cmp.Diff([]string{"Business", "Starter"}, planNames(got)); diff != "" {
			t.Errorf("recorded (-want +got):\n%s", diff)
		}
		hist, _ := b.History(ctx)
		if len(hist) != 1 || hist[0].Summary != "1 added, 0 changed, 0 deleted (saved plan)" {
			t.Errorf("history %+v", hist)
		}
	})
	t.Run("unrelated write", func(t *testing.T) {
		// Any write since the plan was made makes it stale (SPEC §4),
		// even one that touched none of its objects.
		b := &memBackend{snap: snapWith(2, "Business", "Other")}
		_, err := run(t, b, "digest-1")
		stale(t, err, "the recorded state changed since the plan was made (serial 1, now 2)")
		if b.writes != 0 {
			t.Error("written")
		}
	})
	t.Run("its object written since", func(t *testing.T) {
		b := &memBackend{snap: snapWith(2, "Business", "Starter")}
		b.snap.ServicePlans[1].Description = "made by someone else"
		_, err := run(t, b, "digest-1")
		stale(t, err, "(serial 1, now 2); objects it touches changed: service_plan Starter")
	})
	t.Run("config changed", func(t *testing.T) {
		b := &memBackend{snap: copySnap(prior)}
		_, err := run(t, b, "digest-2")
		stale(t, err, "the config changed")
	})
	t.Run("other lineage", func(t *testing.T) {
		other := copySnap(prior)
		other.Lineage = "M"
		b := &memBackend{snap: other}
		_, err := run(t, b, "digest-1")
		stale(t, err, "lineage M")
	})
	t.Run("state gone", func(t *testing.T) {
		_, err := run(t, &memBackend{}, "digest-1")
		stale(t, err, "no longer exists")
	})
	t.Run("backend failure", func(t *testing.T) {
		b := &memBackend{snap: copySnap(prior), failErr: errors.New("disk full")}
		if _, err := run(t, b, "digest-1"); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("RunSaved: %v, want the backend's error", err)
		}
	})
}

// TestSavedDeletePolicy: a saved plan's deletes need --allow-delete,
// given to plan --out (recorded in it) or to apply.
func TestSavedDeletePolicy(t *testing.T) {
	prior := snapWith(1, "Business", "Old")
	p := planTo(prior, snapWith(1, "Business"), &plan.Change{Kind: "service_plan", Key: "Old", Action: plan.Delete})
	for _, tc := range []struct {
		recorded, flag bool
		ok             bool
	}{{false, false, false}, {true, false, true}, {false, true, true}} {
		s, err := Save(p, prior, "d", tc.recorded, "")
		if err != nil {
			t.Fatal(err)
		}
		err = s.Check(Options{AllowDelete: tc.flag})
		if (err == nil) != tc.ok {
			t.Errorf("recorded %v, flag %v: %v", tc.recorded, tc.flag, err)
		}
	}
}

func TestReadSavedRefusesOthers(t *testing.T) {
	for _, data := range []string{`{}`, `not json`, `{"format":"terraform-plan","format_version":1}`} {
		if _, err := ReadSaved([]byte(data)); err == nil || !strings.Contains(err.Error(), "not a plansync saved plan") {
			t.Errorf("%s: %v", data, err)
		}
	}
	if _, err := ReadSaved([]byte(`{"format":"plansync-plan","format_version":2}`)); err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("newer format: %v", err)
	}
	// One written by a plansync that recorded no checksum is not called
	// changed: it says why it is refused.
	if _, err := ReadSaved([]byte(`{"format":"plansync-plan","format_version":1,"lineage":"l","serial":1}`)); err == nil || !strings.Contains(err.Error(), "no checksum (made by an older plansync") {
		t.Errorf("no checksum: %v", err)
	}
}
