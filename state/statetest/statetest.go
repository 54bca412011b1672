package statetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/plansync/plansync/state"
)

// Harness connects the suite to a backend.
type Harness struct {
	// Fresh creates a new, empty store, used by one subtest only, and
	// returns access to it. It should register the store's removal with
	// t.Cleanup.
	Fresh func(t *testing.T) Store
}

// Store gives access to one store of the backend under test.
type Store struct {
	// Open returns a new handle on the store, as another process would
	// open it: two handles must not share a lock. The suite closes every
	// handle it opens.
	Open func(t *testing.T) state.Backend
	// WriteRaw replaces the stored snapshot with data, bypassing the
	// backend, to plant corrupt or newer-format state. It may call t.Skip
	// when the store cannot hold data (say, invalid JSON in a jsonb
	// column).
	WriteRaw func(t *testing.T, data []byte)
	// ReadRaw returns the stored snapshot's bytes as stored (nil when
	// there are none), to check that refused writes changed nothing.
	ReadRaw func(t *testing.T) []byte
}

// Run runs the conformance suite against the backend of h, one subtest
// per rule, each on a fresh store.
func Run(t *testing.T, h Harness) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"ReadEmpty", testReadEmpty},
		{"RoundTrip", testRoundTrip},
		{"ServerKeyed", testServerKeyed},
		{"SerialIncrements", testSerialIncrements},
		{"UnchangedContentKeepsSerial", testUnchanged},
		{"UnchangedContentAlwaysEntry", testUnchangedAlways},
		{"KeepSerialIntoEmpty", testKeepSerial},
		{"StaleSerial", testStaleSerial},
		{"LineageMismatch", testLineageMismatch},
		{"LockExclusion", testLockExclusion},
		{"WriteUnderLock", testWriteUnderLock},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ForceUnlock", testForceUnlock},
		{"ForceUnlockedHolderDoesNotWrite", testForceUnlockedWriter},
		{"History", testHistory},
		{"Corrupt", testCorrupt},
		{"NewerFormat", testNewerFormat},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, h) })
	}
}

const (
	lineage      = "0b7e5c1a-9d3f-4e2b-8a6c-1f4d7e9b2c50"
	otherLineage = "d2c4e6f8-1a3b-4c5d-9e7f-0a1b2c3d4e5f"
)

// open opens a handle on st and closes it when the test ends.
func open(t *testing.T, st Store) state.Backend {
	t.Helper()
	b := st.Open(t)
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

// sample returns a snapshot using every kind of record, property values
// of every kind and times in a non-UTC zone with nanoseconds.
func sample() *state.Snapshot {
	s := state.New(lineage)
	gold := s.PutValues(state.Values{
		"disk_space":  int64(50 << 30),
		"max_traffic": int64(-1),
		"max_domains": int64(10),
		"php_version": "8.3",
		"ssl":         true,
		"cpu_ratio":   0.75,
		"services":    []any{"backup", "dns"},
	})
	alloc := s.PutValues(state.Values{"max_subscriptions": int64(200)})
	custom := s.PutValues(state.Values{"php_version": "8.2"})
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	created := time.Date(2024, 5, 17, 9, 30, 15, 123456789, zone)
	expires := time.Date(2031, 12, 31, 23, 59, 59, 0, time.UTC)
	s.Server = &state.Server{
		Components:  []string{"nginx", "php"},
		Extensions:  []state.Extension{{Name: "backup-pro", Services: []string{"backup"}}},
		DefaultPlan: "admin/Gold",
	}
	s.Services = []state.Service{
		{Name: "backup", Description: "nightly", Button: &state.Button{URL: "https://example.com/b?x=1&y=2", OpenInPanel: true}, Send: []string{"domain"}, AvailableToResellers: true, Extension: "backup-pro"},
		{Name: "dns"},
	}
	s.ServicePlans = []state.Plan{{Key: "admin/Gold", Owner: "admin", Name: "Gold", Description: "the <best> & most", Props: gold, Services: []string{"backup", "dns"}}}
	s.AddonPlans = []state.Plan{{Key: "admin/PHP82", Owner: "admin", Name: "PHP82", Props: custom}}
	s.ResellerPlans = []state.Plan{{Key: "admin/Partner", Owner: "admin", Name: "Partner", Props: alloc, Oversell: true}}
	s.Resellers = []state.Reseller{{
		Login: "acme", PasswordHash: "$2a$10$0123456789012345678901", Contact: state.Contact{Name: "Acme", Email: "ops@acme.example"},
		Plan: "admin/Partner", SyncStatus: "synced", Allocation: alloc, Status: "active",
	}}
	s.Customers = []state.Customer{{Login: "bob", Contact: state.Contact{Name: "Bob Ünïcødé"}, Owner: "acme", Status: "active"}}
	s.Subscriptions = []state.Subscription{
		{
			Domain: "bob.example", Owner: "acme", Customer: "bob", Plan: "admin/Gold", Addons: []string{"admin/PHP82"},
			SyncStatus: "custom", ServerSyncStatus: "locked", LockedInPanel: true, Effective: gold, Base: gold, Customize: custom, Customized: []string{"php_version"},
			Conflicts:    []state.Conflict{{Property: "disk_space", PlanValue: int64(50 << 30), AvailableValue: int64(20 << 30), Reason: "reseller allocation"}},
			ConfigStatus: "ok", Status: "active", StatusReasons: []string{"paid"},
			CreatedAt: created, Expires: &expires, FTPLogin: "bob_ftp", IPAddress: "192.0.2.20",
		},
		{Domain: "zed.example", Owner: "admin", Plan: "admin/Gold", SyncStatus: "synced", Effective: gold, Status: "active", CreatedAt: created.UTC()},
	}
	return s
}

// withSubscription returns a copy of s with one more subscription, a
// change of content.
func withSubscription(s *state.Snapshot, domain string) *state.Snapshot {
	c := *s
	c.Subscriptions = append(append([]state.Subscription(nil), s.Subscriptions...), state.Subscription{
		Domain: domain, Owner: "admin", Plan: "admin/Gold", SyncStatus: "synced",
		Effective: s.ServicePlans[0].Props, Status: "active", CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
	})
	return &c
}

// diff compares snapshots: times by instant, empty and nil lists alike.
func diff(want, got *state.Snapshot) string {
	return cmp.Diff(want, got, cmpopts.EquateEmpty())
}

func mustWrite(t *testing.T, b state.Backend, s *state.Snapshot, expect uint64, entry *state.HistoryEntry) uint64 {
	t.Helper()
	n, err := b.Write(t.Context(), s, expect, entry)
	if err != nil {
		t.Fatalf("Write(expect %d): %v", expect, err)
	}
	return n
}

func mustRead(t *testing.T, b state.Backend) *state.Snapshot {
	t.Helper()
	s, err := b.Read(t.Context())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return s
}

func wantStale(t *testing.T, err error, want state.StaleError) {
	t.Helper()
	var se *state.StaleError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v, want a *state.StaleError", err)
	}
	if *se != want {
		t.Errorf("StaleError = %+v, want %+v", *se, want)
	}
}

func testReadEmpty(t *testing.T, h Harness) {
	st := h.Fresh(t)
	b := open(t, st)
	if s, err := b.Read(t.Context()); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("Read of an empty store = %v, %v; want an error wrapping ErrNotFound", s, err)
	}
	hist, err := b.History(t.Context())
	if err != nil || len(hist) != 0 {
		t.Errorf("History of an empty store = %v, %v; want none", hist, err)
	}
	if b.Describe() == "" {
		t.Errorf("Describe is empty")
	}
}

func testRoundTrip(t *testing.T, h Harness) {
	st := h.Fresh(t)
	b := open(t, st)
	if n := mustWrite(t, b, sample(), 0, nil); n != 1 {
		t.Errorf("first Write returned serial %d, want 1", n)
	}
	want := sample()
	want.Serial = 1
	if d := diff(want, mustRead(t, b)); d != "" {
		t.Errorf("Read after Write (-want +got):\n%s", d)
	}
	if d := diff(want, mustRead(t, open(t, st))); d != "" {
		t.Errorf("Read by another handle (-want +got):\n%s", d)
	}
}

// fleet returns a snapshot of a multi-server config: the same plan,
// customer and subscription keys recorded once per server, each with
// its own Plesk identity, and the servers' descriptions.
func fleet() *state.Snapshot {
	s := state.New(lineage)
	gold := s.PutValues(state.Values{"disk_space": int64(10 << 30)})
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, srv := range []string{"web1", "web1-eu", "web2"} {
		id := &state.PleskID{GUID: "00000000-0000-4000-8000-00000000000" + string(rune('1'+i)), ID: i + 1}
		s.Servers = append(s.Servers, state.Server{Name: srv, Components: []string{"php8.3"}})
		s.Services = append(s.Services, state.Service{Server: srv, Name: "backup"})
		s.ServicePlans = append(s.ServicePlans, state.Plan{Server: srv, Key: "Gold", Owner: "admin", Name: "Gold", Props: gold, Plesk: id})
		s.AddonPlans = append(s.AddonPlans, state.Plan{Server: srv, Key: "Extra", Owner: "admin", Name: "Extra", Props: gold})
		s.ResellerPlans = append(s.ResellerPlans, state.Plan{Server: srv, Key: "Partner", Owner: "admin", Name: "Partner", Props: gold})
		s.Resellers = append(s.Resellers, state.Reseller{Server: srv, Login: "acme", Plan: "Partner", Status: "active"})
		s.Customers = append(s.Customers, state.Customer{Server: srv, Login: "bob", Owner: "admin", Status: "active", Plesk: id})
		s.Subscriptions = append(s.Subscriptions, state.Subscription{Server: srv, Domain: srv + ".example", Owner: "admin", Customer: "bob",
			Plan: "Gold", SyncStatus: "synced", Effective: gold, Status: "active", CreatedAt: created, Plesk: id})
	}
	return s
}

// testServerKeyed: records of several servers with the same keys are
// distinct objects ((server, kind, key)); a change on one server's
// record leaves the others as they are.
func testServerKeyed(t *testing.T, h Harness) {
	st := h.Fresh(t)
	b := open(t, st)
	mustWrite(t, b, fleet(), 0, nil)
	want := fleet()
	want.Serial = 1
	if d := diff(want, mustRead(t, b)); d != "" {
		t.Fatalf("Read after Write (-want +got):\n%s", d)
	}
	next := fleet()
	next.ServicePlans[1].Description = "edited on web1-eu"
	next.Customers = next.Customers[:2] // bob deleted on web2
	if n := mustWrite(t, b, next, 1, nil); n != 2 {
		t.Fatalf("second Write returned serial %d, want 2", n)
	}
	next.Serial = 2
	if d := diff(next, mustRead(t, open(t, st))); d != "" {
		t.Errorf("Read after the second Write (-want +got):\n%s", d)
	}
}

func testSerialIncrements(t *testing.T, h Harness) {
	st := h.Fresh(t)
	b := open(t, st)
	s := sample()
	for want := uint64(1); want <= 4; want++ {
		if want > 1 {
			s = withSubscription(s, fmt.Sprintf("s%d.example", want))
		}
		if n := mustWrite(t, b, s, want-1, nil); n != want {
			t.Fatalf("Write %d returned serial %d", want, n)
		}
		if got := mustRead(t, b).Serial; got != want {
			t.Fatalf("after Write %d, Read serial %d", want, got)
		}
	}
}

func testUnchanged(t *testing.T, h Harness) {
	st := h.Fresh(t)
	b := open(t, st)
	mustWrite(t, b, sample(), 0, &state.HistoryEntry{Who: "alice", Summary: "first"})
	for _, serial := range []uint64{0, 1, 42} {
		s := sample()
		s.Serial = serial // the serial field is not content
		if n := mustWrite(t, b, s, 1, &state.HistoryEntry{Who: "alice", Summary: "nothing"}); n != 1 {
			t.Errorf("Write of unchanged content returned serial %d, want 1", n)
		}
	}
	if got := mustRead(t, b).Serial; got != 1 {
		t.Errorf("serial after unchanged writes = %d, want 1", got)
	}
	hist, err := b.History(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 1 {
		t.Errorf("history has %d entries, want 1 (unchanged writes record nothing)", len(hist))
	}
}

// testUnchangedAlways: an entry marked Always is recorded with a new
// serial although the content is unchanged; the content stays.
func testUnchangedAlways(t *testing.T, h Harness) {
	st := h.Fresh(t)
	b := open(t, st)
	mustWrite(t, b, sample(), 0, &state.HistoryEntry{Who: "alice", Summary: "first"})
	if n := mustWrite(t, b, sample(), 1, &state.HistoryEntry{Who: "alice", Summary: "set back", Always: true}); n != 2 {
		t.Errorf("Write of unchanged content with an Always entry returned serial %d, want 2", n)
	}
	got := mustRead(t, b)
	if got.Serial != 2 {
		t.Errorf("serial after the Always write = %d, want 2", got.Serial)
	}
	if !state.ContentEqual(got, sample()) {
		t.Errorf("content changed by a write of the same content")
	}
	hist, err := b.History(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[1].Serial != 2 || hist[1].Summary != "set back" {
		t.Errorf("history = %+v, want the first entry and \"set back\" at serial 2", hist)
	}
	// Without Always, unchanged content is still not written.
	if n := mustWrite(t, b, sample(), 2, &state.HistoryEntry{Who: "alice", Summary: "nothing"}); n != 2 {
		t.Errorf("Write of unchanged content returned serial %d, want 2", n)
	}
}

// testKeepSerial: a KeepSerial write into an empty backend (a state
// pushed there) stores the snapshot's own serial, and its history entry
// with it; later writes go on from there. Into a backend that has a
// state, the serial is the stored one plus 1, or the snapshot's own
// when higher (a newer state pushed into a backend that is behind).
func testKeepSerial(t *testing.T, h Harness) {
	st := h.Fresh(t)
	b := open(t, st)
	s := sample()
	s.Serial = 57
	if n := mustWrite(t, b, s, 0, &state.HistoryEntry{Who: "alice", Summary: "pushed", KeepSerial: true}); n != 57 {
		t.Errorf("KeepSerial write into an empty backend returned serial %d, want 57", n)
	}
	if got := mustRead(t, b); got.Serial != 57 || !state.ContentEqual(got, sample()) {
		t.Errorf("after the KeepSerial write: serial %d, want 57 (content equal: %v)", got.Serial, state.ContentEqual(got, sample()))
	}
	if _, err := b.Write(t.Context(), s, 1, nil); !isStale(err) {
		t.Errorf("Write expecting serial 1 after the KeepSerial write: err = %v, want a StaleError", err)
	}
	changed := sample()
	changed.Serial = 3
	changed.Customers[0].Contact.Name = "Bob Two"
	if n := mustWrite(t, b, changed, 57, &state.HistoryEntry{Who: "bob", Summary: "applied", KeepSerial: true}); n != 58 {
		t.Errorf("KeepSerial write into a backend at serial 57 returned serial %d, want 58", n)
	}
	newer := sample()
	newer.Serial = 5000
	newer.Customers[0].Contact.Name = "Carol Three"
	if n := mustWrite(t, b, newer, 58, &state.HistoryEntry{Who: "carol", Summary: "pushed newer", KeepSerial: true}); n != 5000 {
		t.Errorf("KeepSerial write of serial 5000 into a backend at serial 58 returned serial %d, want 5000", n)
	}
	if got := mustRead(t, b); got.Serial != 5000 {
		t.Errorf("after the KeepSerial write of serial 5000: serial %d", got.Serial)
	}
	if _, err := b.Write(t.Context(), s, 59, nil); !isStale(err) {
		t.Errorf("Write expecting serial 59 after the KeepSerial write of 5000: err = %v, want a StaleError", err)
	}
	hist, err := b.History(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || hist[0].Serial != 57 || hist[0].Summary != "pushed" || hist[1].Serial != 58 || hist[2].Serial != 5000 {
		t.Errorf("history = %+v, want \"pushed\" at serial 57, then serial 58, then 5000 (the retention counts entries, not serials)", hist)
	}
}

func isStale(err error) bool {
	var se *state.StaleError
	return errors.As(err, &se)
}

func testStaleSerial(t *testing.T, h Harness) {
	st := h.Fresh(t)
	b := open(t, st)
	if _, err := b.Write(t.Context(), sample(), 1, nil); err == nil {
		t.Fatalf("Write expecting serial 1 to an empty store succeeded")
	} else {
		wantStale(t, err, state.StaleError{WantSerial: 1, GotSerial: 0, WantLineage: lineage, GotLineage: lineage})
	}
	if _, err := b.Read(t.Context()); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("after a refused write, Read = %v, want ErrNotFound", err)
	}

	mustWrite(t, b, sample(), 0, nil)
	mustWrite(t, b, withSubscription(sample(), "two.example"), 1, nil)
	want := mustRead(t, b)
	for _, expect := range []uint64{0, 1, 3} {
		_, err := open(t, st).Write(t.Context(), withSubscription(sample(), "lost.example"), expect, &state.HistoryEntry{Summary: "lost"})
		wantStale(t, err, state.StaleError{WantSerial: expect, GotSerial: 2, WantLineage: lineage, GotLineage: lineage})
	}
	if d := diff(want, mustRead(t, b)); d != "" {
		t.Errorf("a stale write changed the state (-want +got):\n%s", d)
	}
	if hist, err := b.History(t.Context()); err != nil || len(hist) != 0 {
		t.Errorf("stale writes recorded history: %v, %v", hist, err)
	}
}

func testLineageMismatch(t *testing.T, h Harness) {
	st := h.Fresh(t)
	b := open(t, st)
	mustWrite(t, b, sample(), 0, nil)
	other := sample()
	other.Lineage = otherLineage
	for _, expect := range []uint64{0, 1} {
		_, err := b.Write(t.Context(), other, expect, nil)
		wantStale(t, err, state.StaleError{WantSerial: expect, GotSerial: 1, WantLineage: otherLineage, GotLineage: lineage})
	}
	if got := mustRead(t, b); got.Lineage != lineage || got.Serial != 1 {
		t.Errorf("after lineage mismatch, state has lineage %s serial %d", got.Lineage, got.Serial)
	}
}

// lockInfo returns lock info with every field but the ID set, its time
// whole seconds so every backend can store it exactly.
func lockInfo(who string) state.LockInfo {
	return state.LockInfo{
		Who: who, Host: who + "-host", PID: 4000 + len(who), Operation: "apply",
		Since: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC),
	}
}

func tryLock(t *testing.T, b state.Backend, info state.LockInfo) state.Lock {
	t.Helper()
	l, err := b.TryLock(t.Context(), info)
	if err != nil {
		t.Fatalf("TryLock: %v", err)
	}
	return l
}

// wantLocked checks that err is a *LockedError naming holder.
func wantLocked(t *testing.T, err error, holder state.LockInfo) {
	t.Helper()
	var le *state.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("error = %v, want a *state.LockedError", err)
	}
	if !state.IsLocked(err) {
		t.Errorf("IsLocked(%v) = false", err)
	}
	if d := cmp.Diff(holder, le.Holder); d != "" {
		t.Errorf("LockedError.Holder (-want +got):\n%s", d)
	}
}

func testLockExclusion(t *testing.T, h Harness) {
	st := h.Fresh(t)
	b1, b2 := open(t, st), open(t, st)
	l1 := tryLock(t, b1, lockInfo("alice"))
	got := l1.Info()
	if got.ID == "" {
		t.Fatalf("lock without an ID given got none: %+v", got)
	}
	want := lockInfo("alice")
	want.ID = got.ID
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Lock.Info (-want +got):\n%s", d)
	}

	_, err := b2.TryLock(t.Context(), lockInfo("bob"))
	wantLocked(t, err, want)
	_, err = open(t, st).TryLock(t.Context(), lockInfo("carol"))
	wantLocked(t, err, want)

	if err := l1.Unlock(); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	bob := lockInfo("bob")
	bob.ID = "bob-lock-id"
	l2 := tryLock(t, b2, bob)
	if id := l2.Info().ID; id != "bob-lock-id" {
		t.Errorf("lock taken with ID %q has ID %q", "bob-lock-id", id)
	}
	_, err = b1.TryLock(t.Context(), lockInfo("alice"))
	wantLocked(t, err, bob)
	if err := l2.Unlock(); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	l1 = tryLock(t, b1, lockInfo("alice"))
	if err := l1.Unlock(); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
}

func testWriteUnderLock(t *testing.T, h Harness) {
	st := h.Fresh(t)
	b1, b2 := open(t, st), open(t, st)
	l := tryLock(t, b1, lockInfo("alice"))
	mustWrite(t, b1, sample(), 0, nil)
	mustWrite(t, b1, withSubscription(sample(), "two.example"), 1, nil)
	_, err := b2.TryLock(t.Context(), lockInfo("bob"))
	wantLocked(t, err, l.Info())
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, b2).Serial; got != 2 {
		t.Errorf("serial = %d, want 2", got)
	}
}

// testConcurrentWriters runs read-modify-write cycles under the lock from
// many goroutines, each with its own handle: no update may be lost.
func testConcurrentWriters(t *testing.T, h Harness) {
	st := h.Fresh(t)
	const n = 8
	handles := make([]state.Backend, n)
	for i := range handles {
		handles[i] = open(t, st)
	}
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, b := range handles {
		wg.Go(func() {
			l, err := state.AcquireLock(ctx, b, lockInfo(fmt.Sprintf("writer%d", i)), time.Minute)
			if err != nil {
				errs[i] = fmt.Errorf("AcquireLock: %w", err)
				return
			}
			errs[i] = addSubscription(ctx, b, fmt.Sprintf("w%d.example", i))
			if err := l.Unlock(); err != nil && errs[i] == nil {
				errs[i] = fmt.Errorf("unlocking: %w", err)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	got := mustRead(t, open(t, st))
	if got.Serial != n || len(got.Subscriptions) != n {
		t.Errorf("after %d writers: serial %d with %d subscriptions, want %d and %d", n, got.Serial, len(got.Subscriptions), n, n)
	}
	hist, err := handles[0].History(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != n {
		t.Fatalf("history has %d entries, want %d", len(hist), n)
	}
	for i, e := range hist {
		if e.Serial != uint64(i+1) {
			t.Errorf("history entry %d has serial %d", i, e.Serial)
		}
	}
}

// addSubscription reads the state, adds a subscription and writes it.
func addSubscription(ctx context.Context, b state.Backend, domain string) error {
	cur, err := b.Read(ctx)
	if errors.Is(err, state.ErrNotFound) {
		cur, err = sample(), nil
		cur.Subscriptions = nil
	}
	if err != nil {
		return fmt.Errorf("reading: %w", err)
	}
	next := withSubscription(cur, domain)
	if _, err := b.Write(ctx, next, cur.Serial, &state.HistoryEntry{Who: "writer", Summary: "add " + domain}); err != nil {
		return fmt.Errorf("writing: %w", err)
	}
	return nil
}

func testForceUnlock(t *testing.T, h Harness) {
	st := h.Fresh(t)
	b1, b2 := open(t, st), open(t, st)
	ctx := t.Context()
	if err := b2.ForceUnlock(ctx, "no-such-lock"); err == nil {
		t.Errorf("ForceUnlock of an unlocked store succeeded")
	}
	l1 := tryLock(t, b1, lockInfo("alice"))
	id := l1.Info().ID
	err := b2.ForceUnlock(ctx, "wrong-"+id)
	if err == nil {
		t.Fatalf("ForceUnlock with a wrong ID succeeded")
	}
	if !strings.Contains(err.Error(), "wrong-"+id) {
		t.Errorf("ForceUnlock error %q does not name the ID asked for", err)
	}
	_, err = b2.TryLock(ctx, lockInfo("bob"))
	wantLocked(t, err, l1.Info())

	if err := b2.ForceUnlock(ctx, id); err != nil {
		t.Fatalf("ForceUnlock(%s): %v", id, err)
	}
	l2 := tryLock(t, b2, lockInfo("bob"))
	if err := b2.ForceUnlock(ctx, id); err == nil {
		t.Errorf("ForceUnlock of a broken lock's ID succeeded again")
	}
	b3 := open(t, st)
	_, err = b3.TryLock(ctx, lockInfo("carol"))
	wantLocked(t, err, l2.Info())

	// The broken holder unlocking (it may report an error) must not
	// release the new holder's lock.
	_ = l1.Unlock()
	_, err = b3.TryLock(ctx, lockInfo("carol"))
	wantLocked(t, err, l2.Info())
	if err := l2.Unlock(); err != nil {
		t.Fatal(err)
	}
	l3 := tryLock(t, b3, lockInfo("carol"))
	if err := l3.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// testForceUnlockedWriter: a holder whose lock was broken by
// ForceUnlock does not write: its Write fails, and neither the state nor
// the history changes.
func testForceUnlockedWriter(t *testing.T, h Harness) {
	st := h.Fresh(t)
	b1, b2 := open(t, st), open(t, st)
	ctx := t.Context()
	mustWrite(t, b1, sample(), 0, &state.HistoryEntry{Summary: "first"})
	before := st.ReadRaw(t)
	l1 := tryLock(t, b1, lockInfo("alice"))
	if err := b2.ForceUnlock(ctx, l1.Info().ID); err != nil {
		t.Fatalf("ForceUnlock: %v", err)
	}
	if _, err := b1.Write(ctx, withSubscription(sample(), "late.example"), 1, &state.HistoryEntry{Summary: "late"}); err == nil {
		t.Fatal("a force-unlocked holder wrote")
	}
	_ = l1.Unlock()
	if after := st.ReadRaw(t); !bytes.Equal(before, after) {
		t.Errorf("the state changed after the holder's lock was broken")
	}
	if got := mustRead(t, open(t, st)); got.Serial != 1 {
		t.Errorf("serial %d, want 1", got.Serial)
	}
	hist, err := open(t, st).History(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 1 || hist[0].Serial != 1 {
		t.Errorf("history after the refused write: %+v", hist)
	}
}

func testHistory(t *testing.T, h Harness) {
	st := h.Fresh(t)
	b := open(t, st)
	when := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	var want []state.HistoryEntry
	s := sample()
	for i := 1; i <= 3; i++ {
		if i > 1 {
			s = withSubscription(s, fmt.Sprintf("h%d.example", i))
		}
		e := state.HistoryEntry{
			Serial:  999, // filled by Write
			Who:     "alice",
			When:    when.Add(time.Duration(i) * time.Hour),
			Summary: fmt.Sprintf("change %d", i),
			Changes: fmt.Appendf(nil, `{"change": %d}`, i),
		}
		mustWrite(t, b, s, uint64(i-1), &e)
		e.Serial = uint64(i)
		want = append(want, e)
	}
	s = withSubscription(s, "no-entry.example")
	mustWrite(t, b, s, 3, nil)
	got, err := open(t, st).History(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("History (-want +got):\n%s", d)
	}
}

func testCorrupt(t *testing.T, h Harness) {
	for _, c := range []struct{ name, data string }{
		{"Truncated", `{"format_version": 1, "lineage": "` + lineage + `", "serial": 3, "subscriptions": [{"domain": "a.exa`},
		{"NotJSON", "this is not a state file\n"},
		{"WrongTypes", `{"format_version": 1, "lineage": 7, "serial": "three"}`},
		{"NoFormatVersion", `{"lineage": "` + lineage + `", "serial": 3}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			refusesToOverwrite(t, h.Fresh(t), []byte(c.data), state.ErrCorrupt)
		})
	}
}

func testNewerFormat(t *testing.T, h Harness) {
	st := h.Fresh(t)
	newer := fmt.Sprintf(`{
  "format_version": %d,
  "lineage": %q,
  "serial": 5,
  "subscriptions": {"by_domain": {"a.example": {"plan": ["x"]}}},
  "something_new": true
}
`, state.FormatVersion+1, lineage)
	refusesToOverwrite(t, st, []byte(newer), state.ErrNewerFormat)
}

// refusesToOverwrite plants data and checks that Read reports want and
// that Write refuses, leaving the stored bytes as they were.
func refusesToOverwrite(t *testing.T, st Store, data []byte, want error) {
	t.Helper()
	st.WriteRaw(t, data)
	before := st.ReadRaw(t)
	b := open(t, st)
	ctx := t.Context()
	// The error says which state it is about, as every other error of
	// the backend does: a database may hold several states.
	names := func(what string, err error) {
		t.Helper()
		if err != nil && !strings.Contains(err.Error(), b.Describe()) {
			t.Errorf("%s = %v, want an error naming %s", what, err, b.Describe())
		}
	}
	_, err := b.Read(ctx)
	if !errors.Is(err, want) {
		t.Errorf("Read = %v, want an error wrapping %v", err, want)
	}
	names("Read", err)
	for _, expect := range []uint64{0, 3, 5} {
		_, err := b.Write(ctx, sample(), expect, &state.HistoryEntry{Summary: "must not happen"})
		if !errors.Is(err, want) {
			t.Errorf("Write(expect %d) = %v, want an error wrapping %v", expect, err, want)
		}
		names(fmt.Sprintf("Write(expect %d)", expect), err)
	}
	l := tryLock(t, b, lockInfo("alice"))
	_, err = b.Write(ctx, sample(), 5, nil)
	if !errors.Is(err, want) {
		t.Errorf("Write under lock = %v, want an error wrapping %v", err, want)
	}
	names("Write under lock", err)
	if err := l.Unlock(); err != nil {
		t.Error(err)
	}
	if after := st.ReadRaw(t); !bytes.Equal(before, after) {
		t.Errorf("stored data changed by refused writes:\nbefore: %q\nafter:  %q", before, after)
	}
	if h, err := b.History(ctx); err != nil || len(h) != 0 {
		t.Errorf("refused writes recorded history: %v, %v", h, err)
	}
}
