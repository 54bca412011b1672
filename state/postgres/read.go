package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/plansync/plansync/state"
)

// Read returns the recorded state: an error wrapping state.ErrNotFound
// when none was written yet, state.ErrCorrupt or state.ErrNewerFormat
// when it cannot be read. It reads in one read-only transaction, so it
// sees one serial's rows even while a writer commits.
func (b *Backend) Read(ctx context.Context) (*state.Snapshot, error) {
	var s *state.Snapshot
	err := b.use(ctx, func(conn *pgx.Conn) error {
		tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return fmt.Errorf("reading %s: %w", b.Describe(), err)
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		h, err := b.head(ctx, tx, false)
		if err != nil {
			return err
		}
		if h == nil {
			return fmt.Errorf("%s: %w", b.Describe(), state.ErrNotFound)
		}
		var st *stored
		if s, st, err = b.load(ctx, tx, h); err != nil {
			return err
		}
		b.remember(st)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// head is a state's row of plansync_states.
type head struct {
	lineage       string
	serial        uint64
	formatVersion int
}

// head reads the state's row (locking it for update when forUpdate);
// nil when there is none. A row that cannot be a state's is an error
// wrapping state.ErrCorrupt, one of a newer format state.ErrNewerFormat.
func (b *Backend) head(ctx context.Context, tx pgx.Tx, forUpdate bool) (*head, error) {
	q := `SELECT lineage, serial, format_version FROM plansync_states WHERE name = $1`
	if forUpdate {
		q += ` FOR UPDATE`
	}
	var h head
	var serial int64
	err := tx.QueryRow(ctx, q, b.name).Scan(&h.lineage, &serial, &h.formatVersion)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", b.Describe(), err)
	}
	switch {
	case h.formatVersion > state.FormatVersion:
		return nil, b.unreadable(fmt.Errorf("%w (format version %d; this plansync reads up to %d): upgrade plansync", state.ErrNewerFormat, h.formatVersion, state.FormatVersion))
	case h.formatVersion <= 0:
		return nil, b.unreadable(fmt.Errorf("%w: format_version %d in plansync_states is not positive", state.ErrCorrupt, h.formatVersion))
	case h.lineage == "":
		return nil, b.unreadable(fmt.Errorf("%w: the lineage in plansync_states is empty", state.ErrCorrupt))
	case serial < 0:
		return nil, b.unreadable(fmt.Errorf("%w: serial %d in plansync_states is negative", state.ErrCorrupt, serial))
	}
	h.serial = uint64(serial)
	return &h, nil
}

// load reads the rows of the state whose row is h and decodes them. It
// assembles the canonical snapshot document, each row's document on a
// line of its own, and has state.Decode parse it; then checks that every
// row holds the record its kind and key say.
func (b *Backend) load(ctx context.Context, tx pgx.Tx, h *head) (*state.Snapshot, *stored, error) {
	st := &stored{lineage: h.lineage, serial: h.serial}
	doc := make([]byte, 0, 1<<20)
	doc = fmt.Appendf(doc, `{"format_version":%d,"lineage":`, h.formatVersion)
	doc = appendJSONString(doc, h.lineage)
	doc = fmt.Appendf(doc, `,"serial":%d`, h.serial)
	var starts []int // where each row's document begins in doc
	var locate []ref // and whose it is

	// The primary key's index yields the rows in order; without this,
	// statistics not yet updated after a large write can make the
	// planner sort 100,000 documents on disk instead.
	if _, err := tx.Exec(ctx, `SET LOCAL enable_sort = off`); err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", b.Describe(), err)
	}
	if k := b.knownAt(h.lineage, h.serial); k != nil {
		st.objects = make([]ref, 0, len(k.objects))
	}
	rows, err := tx.Query(ctx, `SELECT kind, key, doc FROM plansync_objects WHERE state = $1 ORDER BY kind, key`, b.name)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", b.Describe(), err)
	}
	kind, list := "", false
	for rows.Next() {
		raw := rows.RawValues()
		if string(raw[0]) != kind {
			if list {
				doc = append(doc, ']')
			}
			kind = string(raw[0])
			f, ok := field(kind)
			if !ok {
				rows.Close()
				return nil, nil, b.unreadable(fmt.Errorf("%w: plansync_objects holds a row of unknown kind %q (key %q)", state.ErrCorrupt, kind, raw[1]))
			}
			doc = append(doc, ',', '"')
			doc = append(doc, f...)
			doc = append(doc, '"', ':')
			if list = kind != kindServer; list {
				doc = append(doc, '[')
			}
		} else if !list {
			rows.Close()
			return nil, nil, b.unreadable(fmt.Errorf("%w: plansync_objects holds more than one server row", state.ErrCorrupt))
		} else {
			doc = append(doc, ',')
		}
		r := ref{kind: kind, key: string(raw[1]), sum: b.digest(raw[2])}
		doc = append(doc, '\n')
		starts = append(starts, len(doc))
		doc = append(doc, raw[2]...)
		st.objects = append(st.objects, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", b.Describe(), err)
	}
	if list {
		doc = append(doc, ']')
	}
	locate = st.objects

	rows, err = tx.Query(ctx, `SELECT id, doc FROM plansync_property_sets WHERE state = $1 ORDER BY id`, b.name)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", b.Describe(), err)
	}
	doc = append(doc, `,"property_sets":{`...)
	for i := 0; rows.Next(); i++ {
		raw := rows.RawValues()
		if i > 0 {
			doc = append(doc, ',')
		}
		r := ref{key: string(raw[0]), sum: b.digest(raw[1])}
		doc = append(doc, '\n')
		doc = appendJSONString(doc, r.key)
		doc = append(doc, ':')
		starts = append(starts, len(doc))
		doc = append(doc, raw[1]...)
		st.sets = append(st.sets, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", b.Describe(), err)
	}
	doc = append(doc, "}}"...)
	locate = append(slices.Clip(locate), st.sets...)

	s, err := state.Decode(doc)
	if err != nil {
		var se *state.SyntaxError
		if errors.Is(err, state.ErrCorrupt) && !errors.As(err, &se) {
			// The rows parse, but the records fail a check of the whole
			// (a record without its key, two records with one key): a
			// row holding what its kind and key do not name is the one
			// to name.
			if records, derr := state.DecodeRecords(doc); derr == nil {
				if kerr := checkKeys(records, st.objects); kerr != nil {
					return nil, nil, b.unreadable(kerr)
				}
			}
		}
		return nil, nil, b.unreadable(whereCorrupt(err, doc, starts, locate))
	}
	if err := checkKeys(s, st.objects); err != nil {
		return nil, nil, b.unreadable(err)
	}
	// The rows come in the order of the "C" collation, which is Go's; if
	// a database somehow orders them otherwise, diffs need them sorted.
	if !slices.IsSortedFunc(st.objects, compareRef) {
		slices.SortFunc(st.objects, compareRef)
	}
	if !slices.IsSortedFunc(st.sets, compareRef) {
		slices.SortFunc(st.sets, compareRef)
	}
	return s, st, nil
}

// unreadable names the state in err, an error of a state that cannot be
// read (corrupt, or of a newer format), as every other error of the
// backend does: one database may hold several states.
func (b *Backend) unreadable(err error) error {
	return fmt.Errorf("%s: %w", b.Describe(), err)
}

// checkKeys checks that each object row holds the record its kind and key
// name: the records decoded from the rows of each kind, in order, have the
// rows' keys.
func checkKeys(s *state.Snapshot, objects []ref) error {
	next := map[string]int{}
	for _, r := range objects {
		i := next[r.kind]
		next[r.kind] = i + 1
		var got string
		switch r.kind {
		case kindAddonPlan:
			got = state.ServerKey(s.AddonPlans[i].Server, s.AddonPlans[i].Key)
		case kindCustomer:
			got = state.ServerKey(s.Customers[i].Server, s.Customers[i].Login)
		case kindReseller:
			got = state.ServerKey(s.Resellers[i].Server, s.Resellers[i].Login)
		case kindResellerPlan:
			got = state.ServerKey(s.ResellerPlans[i].Server, s.ResellerPlans[i].Key)
		case kindServer:
			got = ""
		case kindServers:
			got = s.Servers[i].Name
		case kindService:
			got = state.ServerKey(s.Services[i].Server, s.Services[i].Name)
		case kindServicePlan:
			got = state.ServerKey(s.ServicePlans[i].Server, s.ServicePlans[i].Key)
		case kindSubscription:
			got = state.ServerKey(s.Subscriptions[i].Server, s.Subscriptions[i].Domain)
		}
		if got == "" && r.kind != kindServer {
			return fmt.Errorf("%w: the plansync_objects row for %s %q holds a %s record without its key", state.ErrCorrupt, r.kind, r.key, r.kind)
		}
		if got != r.key {
			return fmt.Errorf("%w: the plansync_objects row for %s %q holds the record of %s %q", state.ErrCorrupt, r.kind, r.key, r.kind, got)
		}
	}
	return nil
}

// whereCorrupt rewrites an error of state.Decode on the assembled
// document doc to name the row it comes from.
func whereCorrupt(err error, doc []byte, starts []int, rows []ref) error {
	msg := err.Error()
	prefix := state.ErrCorrupt.Error() + ": "
	decodePosition := regexp.MustCompile(`^line (\d+), column (\d+): (.*)$`)
	m := decodePosition.FindStringSubmatch(msg[min(len(prefix), len(msg)):])
	if !errors.Is(err, state.ErrCorrupt) || len(m) == 0 {
		return err
	}
	line, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(doc[off:], '\n')
		if i < 0 {
			return err
		}
		off += i + 1
	}
	off += col - 1
	i := sort.SearchInts(starts, off+1) - 1
	if i < 0 || i >= len(rows) {
		return err
	}
	r := rows[i]
	if r.kind == "" {
		return fmt.Errorf("%w: property set %q in plansync_property_sets, at byte %d of its document: %s", state.ErrCorrupt, r.key, off-starts[i]+1, m[3])
	}
	return fmt.Errorf("%w: %s %q in plansync_objects, at byte %d of its document: %s", state.ErrCorrupt, r.kind, r.key, off-starts[i]+1, m[3])
}

// appendJSONString appends s as a JSON string.
func appendJSONString(dst []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always encodes
	return append(dst, b...)
}
