package postgres

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plansync/plansync/state"
	"github.com/plansync/plansync/state/statetest"
)

// urlEnv names the database the tests use (README, "State for teams").
const urlEnv = "PLANSYNC_TEST_POSTGRES"

const (
	// lockChildEnv makes the test binary a lock holder (see lockChild).
	lockChildEnv = "PLANSYNC_TEST_PG_LOCK_CHILD"
	// writeChildEnv makes the test binary a writer (see writeChild).
	writeChildEnv = "PLANSYNC_TEST_PG_WRITE_CHILD"
	// childStateEnv names the state the child uses.
	childStateEnv = "PLANSYNC_TEST_PG_STATE"
)

func TestMain(m *testing.M) {
	if os.Getenv(lockChildEnv) != "" {
		os.Exit(lockChild(os.Getenv(urlEnv), os.Getenv(childStateEnv)))
	}
	if os.Getenv(writeChildEnv) != "" {
		os.Exit(writeChild(os.Getenv(urlEnv), os.Getenv(childStateEnv)))
	}
	os.Exit(m.Run())
}

// testURL returns the test database's URL, or skips the test.
func testURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(urlEnv)
	if u == "" {
		t.Skipf("%s is not set: skipping the PostgreSQL tests (set it to a database they may use, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", urlEnv)
	}
	return u
}

// uniqueName returns a state name no other test uses, and removes the
// state's rows when the test ends.
func uniqueName(t testing.TB, dbURL string) string {
	t.Helper()
	name := fmt.Sprintf("test/%s/%s", t.Name(), state.NewLineage()[:8])
	t.Cleanup(func() { dropState(t, dbURL, name) })
	return name
}

// open returns a Backend on the state name, closed when the test ends.
func open(t testing.TB, dbURL, name string) *Backend {
	t.Helper()
	b, err := New(dbURL, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// admin returns a plain connection to the test database, with the schema
// created, closed when the test ends.
func admin(t testing.TB, dbURL string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	b, err := New(dbURL, "schema check")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.use(ctx, func(*pgx.Conn) error { return nil }); err != nil {
		t.Fatal(err)
	}
	b.Close()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

var tables = []struct{ name, column string }{
	{"plansync_states", "name"},
	{"plansync_objects", "state"},
	{"plansync_property_sets", "state"},
	{"plansync_history", "state"},
	{"plansync_locks", "state"},
}

func dropState(t testing.TB, dbURL, name string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Errorf("cleaning up state %q: %v", name, err)
		return
	}
	defer conn.Close(ctx)
	for _, tb := range tables {
		if _, err := conn.Exec(ctx, `DELETE FROM `+tb.name+` WHERE `+tb.column+` = $1`, name); err != nil {
			var pgErr interface{ SQLState() string }
			if errors.As(err, &pgErr) && pgErr.SQLState() == "42P01" {
				return // no schema yet
			}
			t.Errorf("cleaning up state %q: %v", name, err)
		}
	}
}

// kindOf maps the snapshot document's lists to row kinds.
var kindOf = map[string]string{
	"services": kindService, "service_plans": kindServicePlan, "addon_plans": kindAddonPlan,
	"reseller_plans": kindResellerPlan, "resellers": kindReseller, "customers": kindCustomer,
	"subscriptions": kindSubscription,
}

// plantRaw replaces the stored state name with the rows data maps to,
// bypassing the backend: the top-level format_version, lineage and serial
// go to plansync_states (0 or empty when they are missing or of the wrong
// type), each element of a known list to a plansync_objects row of its
// kind, keyed by its key field (or its position), the server and any
// other field to a row of that name, and property sets to their table.
// Data that is not a JSON object leaves only a plansync_states row with
// no format version: the rows of a state that cannot be read.
func plantRaw(t *testing.T, dbURL, name string, data []byte) {
	t.Helper()
	dropState(t, dbURL, name)
	conn := admin(t, dbURL)
	ctx := t.Context()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		top = nil
	}
	var version int
	var lineage string
	var serial int64
	if json.Unmarshal(top["format_version"], &version) != nil {
		// Written as a string ("1") since the format version is one
		// everywhere; older files hold an integer.
		var text string
		_ = json.Unmarshal(top["format_version"], &text)
		version, _ = strconv.Atoi(text)
	}
	_ = json.Unmarshal(top["lineage"], &lineage)
	_ = json.Unmarshal(top["serial"], &serial)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO plansync_states (name, lineage, serial, format_version) VALUES ($1, $2, $3, $4)`, name, lineage, serial, version)
	for f, raw := range top {
		switch f {
		case "format_version", "lineage", "serial":
			continue
		case "property_sets":
			var sets map[string]json.RawMessage
			if json.Unmarshal(raw, &sets) == nil {
				for id, doc := range sets {
					exec(`INSERT INTO plansync_property_sets (state, id, doc) VALUES ($1, $2, $3)`, name, id, []byte(doc))
				}
				continue
			}
		}
		var list []json.RawMessage
		kind, ok := kindOf[f]
		if !ok || json.Unmarshal(raw, &list) != nil {
			exec(`INSERT INTO plansync_objects (state, kind, key, doc) VALUES ($1, $2, '', $3)`, name, strings.TrimSuffix(f, "s"), []byte(raw))
			continue
		}
		for i, doc := range list {
			var keys struct{ Key, Name, Login, Domain string }
			_ = json.Unmarshal(doc, &keys)
			key := keys.Key + keys.Name + keys.Login + keys.Domain
			if key == "" {
				key = fmt.Sprintf("#%d", i)
			}
			exec(`INSERT INTO plansync_objects (state, kind, key, doc) VALUES ($1, $2, $3, $4)`, name, kind, key, []byte(doc))
		}
	}
}

// dumpRaw returns every row of the state name as text (nil when it has
// no plansync_states row).
func dumpRaw(t *testing.T, dbURL, name string) []byte {
	t.Helper()
	conn := admin(t, dbURL)
	var out bytes.Buffer
	for _, q := range []string{
		`SELECT lineage, serial::text, format_version::text, '' FROM plansync_states WHERE name = $1`,
		`SELECT kind, key, doc::text, '' FROM plansync_objects WHERE state = $1 ORDER BY kind, key`,
		`SELECT id, doc::text, '', '' FROM plansync_property_sets WHERE state = $1 ORDER BY id`,
		`SELECT serial::text, who, summary, coalesce(changes::text, '') FROM plansync_history WHERE state = $1 ORDER BY serial`,
	} {
		rows, err := conn.Query(t.Context(), q, name)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, b, c, d string
			if err := rows.Scan(&a, &b, &c, &d); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "%q %q %q %q\n", a, b, c, d)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		out.WriteString("--\n")
	}
	if bytes.HasPrefix(out.Bytes(), []byte("--\n")) {
		return nil
	}
	return out.Bytes()
}

func harness(dbURL string) statetest.Harness {
	return statetest.Harness{Fresh: func(t *testing.T) statetest.Store {
		name := uniqueName(t, dbURL)
		return statetest.Store{
			Open: func(t *testing.T) state.Backend {
				b, err := New(dbURL, name)
				if err != nil {
					t.Fatal(err)
				}
				return b
			},
			WriteRaw: func(t *testing.T, data []byte) { plantRaw(t, dbURL, name, data) },
			ReadRaw:  func(t *testing.T) []byte { return dumpRaw(t, dbURL, name) },
		}
	}}
}

func TestConformance(t *testing.T) {
	statetest.Run(t, harness(testURL(t)))
}

// manySubscriptions returns a snapshot of count subscriptions whose
// content changes with n: the first changed of them are on property set
// n, the others on set 0.
func manySubscriptions(n, count, changed int) *state.Snapshot {
	s := state.New("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
	base := s.PutValues(state.Values{"disk_space": int64(0)})
	props := s.PutValues(state.Values{"disk_space": int64(n)})
	s.ServicePlans = []state.Plan{{Key: "admin/p", Owner: "admin", Name: "p", Props: base}}
	s.Subscriptions = make([]state.Subscription, count)
	for i := range s.Subscriptions {
		p := base
		if i < changed {
			p = props
		}
		s.Subscriptions[i] = state.Subscription{
			Domain: fmt.Sprintf("site%05d.example", i), Owner: "admin", Plan: "admin/p", SyncStatus: "synced",
			Effective: p, Status: "active", CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		}
	}
	return s
}

// rowVersions returns the xmin (the writing transaction) of every row of
// the state, by table and key.
func rowVersions(t *testing.T, conn *pgx.Conn, name string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, q := range []string{
		`SELECT 'o:' || kind || '/' || key, xmin::text FROM plansync_objects WHERE state = $1`,
		`SELECT 's:' || id, xmin::text FROM plansync_property_sets WHERE state = $1`,
	} {
		rows, err := conn.Query(t.Context(), q, name)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k, x string
			if err := rows.Scan(&k, &x); err != nil {
				t.Fatal(err)
			}
			out[k] = x
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestSmallChangeWritesFewRows checks that a write stores the rows that
// changed, and no others: with the rows known from the last write, and
// read in the transaction by a new handle.
func TestSmallChangeWritesFewRows(t *testing.T) {
	dbURL := testURL(t)
	conn := admin(t, dbURL)
	for _, fresh := range []bool{false, true} {
		t.Run(fmt.Sprintf("fresh=%v", fresh), func(t *testing.T) {
			name := uniqueName(t, dbURL)
			b := open(t, dbURL, name)
			const count = 5000
			serial, err := b.Write(t.Context(), manySubscriptions(0, count, 0), 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			before := rowVersions(t, conn, name)
			if len(before) != count+2 {
				t.Fatalf("%d rows after the first write, want %d", len(before), count+2)
			}
			if fresh {
				b = open(t, dbURL, name)
			}
			if _, err := b.Write(t.Context(), manySubscriptions(7, count, count/100), serial, &state.HistoryEntry{Summary: "1%"}); err != nil {
				t.Fatal(err)
			}
			after := rowVersions(t, conn, name)
			written := 0
			for k, x := range after {
				if before[k] != x {
					written++
				}
			}
			// 1% of the subscriptions and the new property set.
			if want := count/100 + 1; written != want || len(after) != count+3 {
				t.Errorf("a change to %d subscriptions wrote %d rows (of %d), want %d", count/100, written, len(after), want)
			}
			got, err := open(t, dbURL, name).Read(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			want := manySubscriptions(7, count, count/100)
			want.Serial = serial + 1
			if !state.ContentEqual(got, want) || got.Serial != want.Serial {
				t.Errorf("Read after a small change: serial %d, content equal %v", got.Serial, state.ContentEqual(got, want))
			}
		})
	}
}

// TestCorruptRows damages a written state's rows by hand: each damage is
// reported as corrupt (or newer), naming the row, by Read and by Write,
// which changes nothing.
func TestCorruptRows(t *testing.T) {
	dbURL := testURL(t)
	conn := admin(t, dbURL)
	for _, c := range []struct {
		name, sql string
		want      error
		msg       string
	}{
		{"UnknownField", `UPDATE plansync_objects SET doc = '{"domain": "site00001.example", "bogus": 1}' WHERE state = $1 AND key = 'site00001.example'`,
			state.ErrCorrupt, `subscription "site00001.example" in plansync_objects, at byte 33 of its document: unknown field "bogus" in a subscription`},
		{"WrongType", `UPDATE plansync_objects SET doc = '{"domain": 5}' WHERE state = $1 AND key = 'site00002.example'`,
			state.ErrCorrupt, `subscription "site00002.example" in plansync_objects`},
		{"NotAnObject", `UPDATE plansync_property_sets SET doc = '[1]' WHERE state = $1`,
			state.ErrCorrupt, `in plansync_property_sets, at byte 1 of its document: expected property set`},
		{"KeyMismatch", `UPDATE plansync_objects SET key = 'site00003.examplf' WHERE state = $1 AND key = 'site00003.example'`,
			state.ErrCorrupt, `row for subscription "site00003.examplf" holds the record of subscription "site00003.example"`},
		// A row edited into another row's record, or into no record at
		// all, is named too, not only the record it duplicates.
		{"RecordOfAnotherRow", `UPDATE plansync_objects SET doc = (SELECT doc FROM plansync_objects WHERE state = $1 AND key = 'site00005.example') WHERE state = $1 AND key = 'site00004.example'`,
			state.ErrCorrupt, `row for subscription "site00004.example" holds the record of subscription "site00005.example"`},
		{"NullRecord", `UPDATE plansync_objects SET doc = 'null' WHERE state = $1 AND key = 'site00006.example'`,
			state.ErrCorrupt, `row for subscription "site00006.example" holds a subscription record without its key`},
		{"UnknownKind", `INSERT INTO plansync_objects (state, kind, key, doc) VALUES ($1, 'gadget', 'g', '{}')`,
			state.ErrCorrupt, `unknown kind "gadget"`},
		{"TwoServers", `INSERT INTO plansync_objects (state, kind, key, doc) SELECT $1, 'server', k, '{}' FROM unnest(ARRAY['', 'x']) AS k`,
			state.ErrCorrupt, `more than one server row`},
		{"MissingPropertySet", `DELETE FROM plansync_property_sets WHERE state = $1`,
			state.ErrCorrupt, `references property set`},
		{"NoLineage", `UPDATE plansync_states SET lineage = '' WHERE name = $1`,
			state.ErrCorrupt, `lineage`},
		{"NewerFormat", `UPDATE plansync_states SET format_version = format_version + 1 WHERE name = $1`,
			state.ErrNewerFormat, `upgrade plansync`},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := uniqueName(t, dbURL)
			ctx := t.Context()
			if _, err := open(t, dbURL, name).Write(ctx, manySubscriptions(1, 10, 5), 0, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, c.sql, name); err != nil {
				t.Fatal(err)
			}
			before := dumpRaw(t, dbURL, name)
			b := open(t, dbURL, name)
			_, err := b.Read(ctx)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), b.Describe()) {
				t.Errorf("Read = %v\nwant an error wrapping %v containing %q and naming %s", err, c.want, c.msg, b.Describe())
			}
			if _, err := b.Write(ctx, manySubscriptions(2, 10, 5), 1, nil); !errors.Is(err, c.want) || !strings.Contains(err.Error(), b.Describe()) {
				t.Errorf("Write = %v, want an error wrapping %v naming %s", err, c.want, b.Describe())
			}
			if after := dumpRaw(t, dbURL, name); !bytes.Equal(before, after) {
				t.Errorf("a refused write changed the rows:\n%s\nnow:\n%s", before, after)
			}
		})
	}
}

// TestStatesDoNotCollide keeps two states in one database: their rows,
// locks and history are their own.
func TestStatesDoNotCollide(t *testing.T) {
	dbURL := testURL(t)
	ctx := t.Context()
	a, b := open(t, dbURL, uniqueName(t, dbURL)), open(t, dbURL, uniqueName(t, dbURL))
	if _, err := a.Write(ctx, manySubscriptions(1, 3, 3), 0, &state.HistoryEntry{Summary: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Read(ctx); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("the other state: Read = %v, want not found", err)
	}
	la, err := a.TryLock(ctx, state.LockInfo{Who: "a"})
	if err != nil {
		t.Fatal(err)
	}
	defer la.Unlock()
	lb, err := b.TryLock(ctx, state.LockInfo{Who: "b"})
	if err != nil {
		t.Fatalf("locking the other state while one is locked: %v", err)
	}
	if _, err := b.Write(ctx, manySubscriptions(2, 5, 5), 0, &state.HistoryEntry{Summary: "b"}); err != nil {
		t.Fatal(err)
	}
	lb.Unlock()
	sa, err := a.Read(ctx)
	if err != nil || len(sa.Subscriptions) != 3 || sa.Serial != 1 {
		t.Fatalf("state a: %v subscriptions, %v", sa, err)
	}
	ha, _ := a.History(ctx)
	hb, _ := b.History(ctx)
	if len(ha) != 1 || ha[0].Summary != "a" || len(hb) != 1 || hb[0].Summary != "b" {
		t.Errorf("histories: %v and %v", ha, hb)
	}
}

// withQuery returns dbURL with the query parameter key set to value.
func withQuery(t *testing.T, dbURL, key, value string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestForceUnlockCreatesNothing: force-unlock against a database without
// plansync's tables (a new one, or the wrong one) says the state is not
// locked and creates nothing: only a write creates the schema.
func TestForceUnlockCreatesNothing(t *testing.T) {
	dbURL := testURL(t)
	ctx := t.Context()
	conn := admin(t, dbURL)
	schema := "plansync_test_" + strings.ReplaceAll(state.NewLineage()[:13], "-", "")
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := conn.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Error(err)
		}
	})
	b := open(t, withQuery(t, dbURL, "search_path", schema), "s")
	if err := b.ForceUnlock(ctx, "abc"); err == nil || !strings.Contains(err.Error(), "it is not locked") {
		t.Errorf("ForceUnlock in an empty schema = %v, want an error saying it is not locked", err)
	}
	var tables int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = $1`, schema).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("ForceUnlock created %d tables in an empty schema", tables)
	}
}

// TestMigrateConcurrently starts many backends at once against a new,
// empty schema: all succeed, and the schema is created once.
func TestMigrateConcurrently(t *testing.T) {
	dbURL := testURL(t)
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	schema := "plansync_test_" + strings.ReplaceAll(state.NewLineage()[:13], "-", "")
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := conn.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Error(err)
		}
		conn.Close(context.Background())
	})
	inSchema := withQuery(t, dbURL, "search_path", schema)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			b, err := New(inSchema, fmt.Sprintf("s%d", i))
			if err != nil {
				errs[i] = err
				return
			}
			defer b.Close()
			<-start
			if _, err := b.Write(ctx, manySubscriptions(i, 2, 1), 0, nil); err != nil {
				errs[i] = err
			}
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("backend %d: %v", i, err)
		}
	}
	var versions, states int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+schema+`.plansync_schema_migrations`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+schema+`.plansync_states`).Scan(&states); err != nil {
		t.Fatal(err)
	}
	if versions != len(migrations()) || states != n {
		t.Errorf("%d schema versions and %d states recorded, want %d and %d", versions, states, len(migrations()), n)
	}

	// A schema newer than this build is refused.
	if _, err := conn.Exec(ctx, `INSERT INTO `+schema+`.plansync_schema_migrations (version, description) VALUES ($1, 'from the future')`, len(migrations())+1); err != nil {
		t.Fatal(err)
	}
	b, err := New(inSchema, "s0")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Read(ctx); !errors.Is(err, state.ErrNewerFormat) || !strings.Contains(err.Error(), b.Describe()) {
		t.Errorf("Read with a newer schema = %v, want ErrNewerFormat naming %s", err, b.Describe())
	}
}

func TestDescribeHidesPassword(t *testing.T) {
	b, err := New("postgres://alice:s3cret@db.example:5432/plansync?sslmode=require&password=x", "prod")
	if err != nil {
		t.Fatal(err)
	}
	got := b.Describe()
	if want := `PostgreSQL state "prod" at postgres://alice@db.example:5432/plansync`; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if _, err := New("postgres://x@y/z", ""); err == nil {
		t.Errorf("New accepted an empty state name")
	}
}

func TestWriteAfterForceUnlockFails(t *testing.T) {
	dbURL := testURL(t)
	name := uniqueName(t, dbURL)
	ctx := t.Context()
	b1, b2 := open(t, dbURL, name), open(t, dbURL, name)
	if _, err := b1.Write(ctx, manySubscriptions(1, 3, 3), 0, nil); err != nil {
		t.Fatal(err)
	}
	l, err := b1.TryLock(ctx, state.LockInfo{Who: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b2.ForceUnlock(ctx, l.Info().ID); err != nil {
		t.Fatal(err)
	}
	_, err = b1.Write(ctx, manySubscriptions(2, 3, 3), 1, nil)
	if err == nil || !strings.Contains(err.Error(), "broken by force-unlock") {
		t.Errorf("Write after the lock was broken = %v, want a refusal", err)
	}
	if s, err := b2.Read(ctx); err != nil || s.Serial != 1 {
		t.Errorf("after the refused write: %v, %v", s, err)
	}
	if err := l.Unlock(); err != nil {
		t.Errorf("Unlock of a broken lock: %v", err)
	}
}

// TestWriteWaitsForAnotherHolder: a Write by a Backend that does not hold
// the lock waits for it, and when the holder keeps it, fails naming the
// holder.
func TestWriteWaitsForAnotherHolder(t *testing.T) {
	dbURL := testURL(t)
	name := uniqueName(t, dbURL)
	ctx := t.Context()
	b1, b2 := open(t, dbURL, name), open(t, dbURL, name)
	l, err := b1.TryLock(ctx, state.LockInfo{Who: "alice", Host: "h", PID: 7, Operation: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	b2.lockWait = 100 * time.Millisecond
	_, err = b2.Write(ctx, manySubscriptions(1, 3, 3), 0, nil)
	var le *state.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("a Write while another Backend holds the lock = %v, want a LockedError", err)
	}
	if h, want := le.Holder, l.Info(); h.ID != want.ID || h.Who != want.Who || !h.Since.Equal(want.Since) {
		t.Fatalf("a Write while another Backend holds the lock = %v, want a LockedError naming %+v", err, l.Info())
	}
	b2.lockWait = time.Minute
	done := make(chan error, 1)
	go func() {
		_, err := b2.Write(ctx, manySubscriptions(1, 3, 3), 0, nil)
		done <- err
	}()
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("a Write waiting for the lock: %v", err)
	}
}

// TestLargeSnapshotRoundTrip writes and reads a snapshot with many
// records and strings that need escaping.
func TestLargeSnapshotRoundTrip(t *testing.T) {
	dbURL := testURL(t)
	name := uniqueName(t, dbURL)
	ctx := t.Context()
	s := manySubscriptions(3, 2000, 100)
	s.Customers = []state.Customer{{Login: "zoë", Contact: state.Contact{Name: "Zoë \"Z\" <z@example>\n\t\\ é 日本"}, Owner: "admin", Status: "active", Description: "line 1\nline 2\u2028"}}
	s.Server = &state.Server{Components: []string{"php8.3"}}
	b := open(t, dbURL, name)
	if _, err := b.Write(ctx, s, 0, nil); err != nil {
		t.Fatal(err)
	}
	got, err := open(t, dbURL, name).Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !state.ContentEqual(got, s) {
		t.Errorf("round trip changed the content")
	}
	if got.Customers[0].Contact.Name != s.Customers[0].Contact.Name {
		t.Errorf("name %q, want %q", got.Customers[0].Contact.Name, s.Customers[0].Contact.Name)
	}
	// Removing records deletes their rows.
	s.Subscriptions = s.Subscriptions[:10]
	s.Server = nil
	if _, err := b.Write(ctx, s, 1, nil); err != nil {
		t.Fatal(err)
	}
	got, err = open(t, dbURL, name).Read(ctx)
	if err != nil || !state.ContentEqual(got, s) || got.Serial != 2 {
		t.Errorf("after removing records: serial %v, %v", got, err)
	}
}

// lockChild takes the lock of the state, prints "locked ID" and holds
// the lock until its standard input is closed or it is killed.
func lockChild(dbURL, name string) int {
	b, err := New(dbURL, name)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	l, err := b.TryLock(context.Background(), state.LockInfo{Who: "child", Operation: "holding"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("locked %s\n", l.Info().ID)
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// writeChild writes ever new states of 5,000 subscriptions, each a full
// rewrite, printing "wrote SERIAL" after each, until it is killed.
func writeChild(dbURL, name string) int {
	b, err := New(dbURL, name)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx := context.Background()
	if _, err := b.TryLock(ctx, state.LockInfo{Who: "writer", Operation: "apply"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for {
		cur, err := b.Read(ctx)
		if errors.Is(err, state.ErrNotFound) {
			cur, err = &state.Snapshot{}, nil
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		n, err := b.Write(ctx, manySubscriptions(int(cur.Serial)+1, 5000, 5000), cur.Serial, &state.HistoryEntry{Who: "child", Summary: "next"})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Printf("wrote %d\n", n)
	}
}

// startChild runs the test binary as a child of kind (an env variable),
// for the state name, and returns it with its output's lines.
func startChild(t *testing.T, dbURL, name, kind string) (*exec.Cmd, *bufio.Scanner, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), kind+"=1", childStateEnv+"="+name, urlEnv+"="+dbURL)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, bufio.NewScanner(stdout), stdin
}

// startLockedChild starts a child process that takes the lock of state
// name and holds it, and returns it with its lock ID.
func startLockedChild(t *testing.T, dbURL, name string) (*exec.Cmd, string) {
	t.Helper()
	cmd, out, _ := startChild(t, dbURL, name, lockChildEnv)
	if !out.Scan() {
		t.Fatalf("lock child said nothing")
	}
	id, ok := strings.CutPrefix(out.Text(), "locked ")
	if !ok {
		t.Fatalf("lock child: %q", out.Text())
	}
	return cmd, id
}

// TestKilledLockHolder: the lock of a holder killed with SIGKILL does not
// stay: the server ends its session, and the next locker gets the lock
// and replaces the holder's row.
func TestKilledLockHolder(t *testing.T) {
	dbURL := testURL(t)
	name := uniqueName(t, dbURL)
	ctx := t.Context()
	cmd, id := startLockedChild(t, dbURL, name)
	b := open(t, dbURL, name)
	_, err := b.TryLock(ctx, state.LockInfo{Who: "parent"})
	var le *state.LockedError
	if !errors.As(err, &le) || le.Holder.ID != id || le.Holder.Who != "child" || le.Holder.PID != cmd.Process.Pid || le.Holder.Operation != "holding" {
		t.Fatalf("TryLock while the child holds the lock = %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	l, err := state.AcquireLock(ctx, b, state.LockInfo{Who: "parent"}, time.Minute)
	if err != nil {
		t.Fatalf("the killed holder's lock was not released: %v", err)
	}
	if err := b.ForceUnlock(ctx, id); err == nil {
		t.Errorf("ForceUnlock of the killed holder's lock ID succeeded after another took the lock")
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// TestForceUnlockKilledHolder: a holder killed outright leaves its row
// in plansync_locks but not its lock; force-unlock with another ID says
// the state is not locked, naming no holder that is gone.
func TestForceUnlockKilledHolder(t *testing.T) {
	dbURL := testURL(t)
	name := uniqueName(t, dbURL)
	ctx := t.Context()
	cmd, id := startLockedChild(t, dbURL, name)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	b := open(t, dbURL, name)
	// The server notices the session's end at once, or nearly.
	l, err := state.AcquireLock(ctx, b, state.LockInfo{Who: "parent"}, time.Minute)
	if err != nil {
		t.Fatalf("the killed holder's lock was not released: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := admin(t, dbURL).Exec(ctx, `INSERT INTO plansync_locks (state, id, who, host, pid, operation, since, backend_pid)
		VALUES ($1, $2, 'child', 'gone', 1, 'holding', now(), 2147483647)`, name, id); err != nil {
		t.Fatal(err)
	}
	err = b.ForceUnlock(ctx, "not-"+id)
	if err == nil || !strings.Contains(err.Error(), "it is not locked") || strings.Contains(err.Error(), "current holder") {
		t.Errorf("ForceUnlock with a wrong ID after the holder was killed = %v, want an error saying it is not locked", err)
	}
	if err := b.ForceUnlock(ctx, id); err != nil {
		t.Errorf("ForceUnlock of the killed holder's ID = %v", err)
	}
}

// TestForceUnlockLiveHolder breaks the lock of a live process: its
// session is ended, and the lock is free at once.
func TestForceUnlockLiveHolder(t *testing.T) {
	dbURL := testURL(t)
	name := uniqueName(t, dbURL)
	ctx := t.Context()
	_, out, _ := startChild(t, dbURL, name, lockChildEnv)
	if !out.Scan() {
		t.Fatalf("lock child said nothing")
	}
	id, _ := strings.CutPrefix(out.Text(), "locked ")
	b := open(t, dbURL, name)
	if err := b.ForceUnlock(ctx, "not-"+id); err == nil || !strings.Contains(err.Error(), "current holder: child") {
		t.Errorf("ForceUnlock with a wrong ID = %v", err)
	}
	if err := b.ForceUnlock(ctx, id); err != nil {
		t.Fatal(err)
	}
	l, err := b.TryLock(ctx, state.LockInfo{Who: "parent"})
	if err != nil {
		t.Fatalf("TryLock right after ForceUnlock: %v", err)
	}
	l.Unlock()
}

// TestKilledWriter kills a process that keeps rewriting the state while
// it writes: the state read afterwards is one whole snapshot, the last
// committed, the killed holder's lock is free, and the state can be
// written.
func TestKilledWriter(t *testing.T) {
	dbURL := testURL(t)
	name := uniqueName(t, dbURL)
	ctx := t.Context()
	cmd, out, _ := startChild(t, dbURL, name, writeChildEnv)
	last := 0
	for last < 3 && out.Scan() {
		n, err := strconv.Atoi(strings.TrimPrefix(out.Text(), "wrote "))
		if err != nil {
			t.Fatalf("writer: %q", out.Text())
		}
		last = n
	}
	if last < 3 {
		t.Fatalf("the writer stopped after serial %d", last)
	}
	// The writer is in its next write now (or between two).
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	b := open(t, dbURL, name)
	s, err := b.Read(ctx)
	if err != nil {
		t.Fatalf("Read after the writer was killed: %v", err)
	}
	if s.Serial < uint64(last) || s.Serial > uint64(last)+1 {
		t.Errorf("serial %d after the writer reported %d", s.Serial, last)
	}
	if want := manySubscriptions(int(s.Serial), 5000, 5000); !state.ContentEqual(s, want) {
		t.Errorf("the state at serial %d is not the snapshot written with it", s.Serial)
	}
	l, err := state.AcquireLock(ctx, b, state.LockInfo{Who: "parent"}, time.Minute)
	if err != nil {
		t.Fatalf("the killed writer's lock was not released: %v", err)
	}
	defer l.Unlock()
	if _, err := b.Write(ctx, manySubscriptions(0, 1, 1), s.Serial, nil); err != nil {
		t.Errorf("Write after the writer was killed: %v", err)
	}
	hist, err := b.History(ctx)
	if err != nil || len(hist) != int(s.Serial) {
		t.Errorf("history has %d entries at serial %d: %v", len(hist), s.Serial, err)
	}
}

// TestErrorsNameTheRow is a check of whereCorrupt on a multi-line
// document.
func TestErrorsNameTheRow(t *testing.T) {
	dbURL := testURL(t)
	conn := admin(t, dbURL)
	name := uniqueName(t, dbURL)
	ctx := t.Context()
	if _, err := open(t, dbURL, name).Write(ctx, manySubscriptions(1, 3, 1), 0, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `UPDATE plansync_objects SET doc = E'{\n  "domain": "site00002.example",\n  "plan": 7\n}' WHERE state = $1 AND key = 'site00002.example'`, name); err != nil {
		t.Fatal(err)
	}
	_, err := open(t, dbURL, name).Read(ctx)
	if want := regexp.MustCompile(`subscription "site00002.example" in plansync_objects, at byte 46 of its document: expected '"' to begin a string`); err == nil || !want.MatchString(err.Error()) {
		t.Errorf("Read = %v, want it to match %s", err, want)
	}
}

// BenchmarkPostgres100k measures the backend alone on a state of 100,000
// subscriptions: the first write, a read by a new handle, and a write
// changing 1% of them (with the rows known from the last write, and by a
// new handle that reads them in the transaction).
func BenchmarkPostgres100k(b *testing.B) {
	dbURL := testURL(b)
	ctx := context.Background()
	const count = 100_000
	b.Run("first_write", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			name := uniqueName(b, dbURL)
			be := open(b, dbURL, name)
			s := manySubscriptions(0, count, 0)
			b.StartTimer()
			if _, err := be.Write(ctx, s, 0, &state.HistoryEntry{Summary: "first"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	name := uniqueName(b, dbURL)
	if _, err := open(b, dbURL, name).Write(ctx, manySubscriptions(0, count, 0), 0, nil); err != nil {
		b.Fatal(err)
	}
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			if _, err := open(b, dbURL, name).Read(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, fresh := range []bool{false, true} {
		b.Run(fmt.Sprintf("write_1pct/fresh=%v", fresh), func(b *testing.B) {
			be := open(b, dbURL, name)
			cur, err := be.Read(ctx)
			if err != nil {
				b.Fatal(err)
			}
			serial := cur.Serial
			for b.Loop() {
				if fresh {
					b.StopTimer()
					be = open(b, dbURL, name)
					b.StartTimer()
				}
				s := manySubscriptions(int(serial)+1, count, count/100)
				if serial, err = be.Write(ctx, s, serial, &state.HistoryEntry{Summary: "1%"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestHistoryRetentionCountsEntries: the history keeps the last
// state.HistoryRetention.Entries entries, counted as entries: a serial
// gap (a state pushed with its own serial) does not drop the entries
// before it, and past the retention the oldest go.
func TestHistoryRetentionCountsEntries(t *testing.T) {
	dbURL := testURL(t)
	saved := state.HistoryRetention
	state.HistoryRetention.Entries = 3
	t.Cleanup(func() { state.HistoryRetention = saved })
	b := open(t, dbURL, uniqueName(t, dbURL))
	s := manySubscriptions(0, 1, 0)
	serial, err := b.Write(t.Context(), s, 0, &state.HistoryEntry{Summary: "first"})
	if err != nil {
		t.Fatal(err)
	}
	s = manySubscriptions(1, 1, 1)
	s.Serial = 100
	if serial, err = b.Write(t.Context(), s, serial, &state.HistoryEntry{Summary: "pushed", KeepSerial: true}); err != nil || serial != 100 {
		t.Fatalf("KeepSerial write: serial %d, %v; want 100", serial, err)
	}
	summaries := func() []string {
		hist, err := b.History(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hist {
			out = append(out, fmt.Sprintf("%d %s", h.Serial, h.Summary))
		}
		return out
	}
	if got := strings.Join(summaries(), ", "); got != "1 first, 100 pushed" {
		t.Errorf("history after a serial gap: %s; want 1 first, 100 pushed", got)
	}
	for i := 2; i <= 3; i++ {
		if serial, err = b.Write(t.Context(), manySubscriptions(i, 1, 1), serial, &state.HistoryEntry{Summary: fmt.Sprint("w", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(summaries(), ", "); got != "100 pushed, 101 w2, 102 w3" {
		t.Errorf("history past the retention: %s; want 100 pushed, 101 w2, 102 w3", got)
	}
}

// TestHistoryRetentionDropsChanges: the change documents the history
// leaves out past its size budget are dropped from the table too, so it
// stays bounded in bytes, not only in entries; the newest entry keeps
// its document whatever its size, and History is what it was.
func TestHistoryRetentionDropsChanges(t *testing.T) {
	dbURL := testURL(t)
	saved := state.HistoryRetention
	state.HistoryRetention.Changes = 100
	t.Cleanup(func() { state.HistoryRetention = saved })
	name := uniqueName(t, dbURL)
	b := open(t, dbURL, name)
	conn := admin(t, dbURL)
	doc := func(n int) []byte { return []byte(`{"x":"` + strings.Repeat("a", n-8) + `"}`) }
	stored := func() string {
		rows, err := conn.Query(t.Context(), `SELECT serial FROM plansync_history WHERE state = $1 AND changes IS NOT NULL ORDER BY serial`, name)
		if err != nil {
			t.Fatal(err)
		}
		serials, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(serials)
	}
	shown := func() string {
		hist, err := b.History(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var serials []uint64
		for _, h := range hist {
			if h.Changes != nil {
				serials = append(serials, h.Serial)
			}
		}
		return fmt.Sprint(serials)
	}
	var serial uint64
	write := func(i, size int) {
		t.Helper()
		var err error
		if serial, err = b.Write(t.Context(), manySubscriptions(i, 1, 1), serial, &state.HistoryEntry{Summary: fmt.Sprint("w", i), Changes: doc(size)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 3; i++ {
		write(i, 50)
	}
	if got, show := stored(), shown(); got != "[2 3]" || show != got {
		t.Errorf("documents stored %s, shown %s; want [2 3] both (three of 50 bytes, a budget of 100)", got, show)
	}
	write(4, 150)
	if got, show := stored(), shown(); got != "[4]" || show != got {
		t.Errorf("documents stored %s, shown %s; want [4] both (the newest is kept past the budget)", got, show)
	}
}

// TestLockReleasedWhileReadingHolder: a holder that releases the lock
// between the lock found held and its holder read leaves the lock free,
// and TryLock takes it rather than report a holder that is gone.
func TestLockReleasedWhileReadingHolder(t *testing.T) {
	dbURL := testURL(t)
	name := uniqueName(t, dbURL)
	ctx := t.Context()
	b1, b2 := open(t, dbURL, name), open(t, dbURL, name)
	if _, err := b1.Write(ctx, manySubscriptions(1, 3, 3), 0, nil); err != nil {
		t.Fatal(err)
	}
	l1, err := b1.TryLock(ctx, state.LockInfo{Who: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	released := false
	b2.afterBusy = func() {
		if !released {
			released = true
			if err := l1.Unlock(); err != nil {
				t.Error(err)
			}
		}
	}
	l2, err := b2.TryLock(ctx, state.LockInfo{Who: "bob"})
	if err != nil {
		t.Fatalf("TryLock after the holder released the lock = %v, want the lock", err)
	}
	if !released {
		t.Fatal("the lock was never found held")
	}
	if err := l2.Unlock(); err != nil {
		t.Fatal(err)
	}
}
