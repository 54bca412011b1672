package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/plansync/plansync/state"
)

// Write stores s if the stored serial is still expectSerial and the
// stored lineage s's, as the state.Backend contract says, in one
// transaction: after a crash, or a kill, at any point the state is the
// old or the new one. s itself is not modified: the new serial is
// returned.
//
// Writers exclude each other by locking the state's row; the state's
// lock is not needed for that. But a Write respects the lock: when this
// Backend holds it, Write checks that it still does (that no
// force-unlock broke it) in the transaction; when it does not, Write
// takes it for the transaction, waiting a few seconds for another holder.
//
// Only rows whose documents changed are written: rows of objects that
// changed or went are deleted, rows of objects that changed or came are
// copied in. When nothing changed, nothing is written, no history is
// recorded, and the stored serial is returned (unless entry is Always:
// then the serial is incremented and entry recorded). When entry is not nil it
// is inserted, with the new serial, in the same transaction; its Changes
// must be JSON (or empty) and its time is kept to the microsecond.
func (b *Backend) Write(ctx context.Context, s *state.Snapshot, expectSerial uint64, entry *state.HistoryEntry) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	objs, sets, err := b.rows(s)
	if err != nil {
		return 0, fmt.Errorf("writing state: %w", err)
	}
	if entry != nil && len(entry.Changes) > 0 && !json.Valid(entry.Changes) {
		return 0, errors.New("writing state: the history entry's changes are not JSON")
	}
	var serial uint64
	err = b.use(ctx, func(conn *pgx.Conn) (err error) {
		serial, err = b.write(ctx, conn, s, expectSerial, entry, objs, sets)
		return err
	})
	return serial, err
}

// write is Write on conn, with the rows of s.
func (b *Backend) write(ctx context.Context, conn *pgx.Conn, s *state.Snapshot, expectSerial uint64, entry *state.HistoryEntry, objs, sets []row) (uint64, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("writing %s: %w", b.Describe(), err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := b.writeLock(ctx, tx); err != nil {
		return 0, err
	}
	h, err := b.head(ctx, tx, true)
	if err != nil {
		return 0, err
	}
	gotSerial, gotLineage := uint64(0), s.Lineage
	if h != nil {
		gotSerial, gotLineage = h.serial, h.lineage
	}
	if gotSerial != expectSerial || gotLineage != s.Lineage {
		return 0, &state.StaleError{WantSerial: expectSerial, GotSerial: gotSerial, WantLineage: s.Lineage, GotLineage: gotLineage}
	}
	var old stored
	if h != nil {
		known := b.knownAt(h.lineage, h.serial)
		if known == nil {
			// Never overwrite what cannot be read.
			if _, known, err = b.load(ctx, tx, h); err != nil {
				return 0, err
			}
		}
		old = *known
	}
	delObjs, putObjs := diff(old.objects, objs)
	delSets, putSets := diff(old.sets, sets)
	if h != nil && len(delObjs)+len(putObjs)+len(delSets)+len(putSets) == 0 && (entry == nil || !entry.Always) {
		return h.serial, nil
	}

	next := state.NextSerial(expectSerial, s, entry)
	if h == nil {
		// A new state: clear rows that a state of this name, whose row
		// was deleted by hand, left behind.
		for _, table := range []string{"plansync_objects", "plansync_property_sets", "plansync_history"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE state = $1`, b.name); err != nil {
				return 0, b.writeErr(err)
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO plansync_states (name, lineage, serial, format_version) VALUES ($1, $2, $3, $4)`,
			b.name, s.Lineage, int64(next), state.FormatVersion)
	} else {
		_, err = tx.Exec(ctx, `UPDATE plansync_states SET serial = $2, format_version = $3, updated_at = now() WHERE name = $1`,
			b.name, int64(next), state.FormatVersion)
	}
	if err != nil {
		return 0, b.writeErr(err)
	}
	if err := b.store(ctx, tx, delObjs, putObjs, delSets, putSets); err != nil {
		return 0, b.writeErr(err)
	}
	if entry != nil {
		var changes any
		if len(entry.Changes) > 0 {
			changes = entry.Changes
		}
		if _, err := tx.Exec(ctx, `INSERT INTO plansync_history (state, serial, who, at, summary, changes) VALUES ($1, $2, $3, $4, $5, $6)`,
			b.name, int64(next), entry.Who, entry.When, entry.Summary, changes); err != nil {
			return 0, b.writeErr(fmt.Errorf("recording the history entry: %w", err))
		}
		// Retention: entries older than the last state.HistoryRetention
		// ones go, in the same transaction. Counted as entries, not as
		// serials: a pushed state that keeps its serial (KeepSerial)
		// leaves a gap in them, and the entries before it stay.
		if keep := int64(state.HistoryRetention.Entries); int64(next) > keep {
			if _, err := tx.Exec(ctx, `DELETE FROM plansync_history WHERE state = $1 AND serial <= (
				SELECT serial FROM plansync_history WHERE state = $1 ORDER BY serial DESC OFFSET $2 LIMIT 1)`, b.name, keep); err != nil {
				return 0, b.writeErr(fmt.Errorf("trimming the history: %w", err))
			}
		}
		// The change documents History leaves out (past the size
		// budget, state.Retention.Keep) go too, so the table stays
		// bounded in bytes: newest first, the first entry (not the
		// newest) that takes the running total past the budget, and
		// every older one, lose their documents.
		if _, err := tx.Exec(ctx, `UPDATE plansync_history SET changes = NULL
			WHERE state = $1 AND changes IS NOT NULL AND serial <= (
				SELECT max(serial) FROM (
					SELECT serial, sum(coalesce(octet_length(changes::text), 0)) OVER (ORDER BY serial DESC) AS total,
						row_number() OVER (ORDER BY serial DESC) AS n
					FROM plansync_history WHERE state = $1) AS running
				WHERE total > $2 AND n > 1)`, b.name, state.HistoryRetention.Changes); err != nil {
			return 0, b.writeErr(fmt.Errorf("trimming the history's details: %w", err))
		}
	}
	if err := tx.Commit(ctx); err != nil {
		// The connection may have failed after the server committed.
		return 0, fmt.Errorf("writing %s: committing serial %d: %w (if the connection failed, the write may have been recorded: read the state to know)", b.Describe(), next, err)
	}
	b.remember(&stored{lineage: s.Lineage, serial: next, objects: refsOf(objs), sets: refsOf(sets)})
	return next, nil
}

func (b *Backend) writeErr(err error) error {
	return fmt.Errorf("writing %s (nothing was written): %w", b.Describe(), err)
}

// diff compares the stored rows old with the rows new, both sorted by
// kind and key: it returns the rows to delete (changed or gone) and the
// rows to insert (changed or new).
func diff(old []ref, new []row) (del []ref, put []row) {
	i, j := 0, 0
	for i < len(old) || j < len(new) {
		var c int
		switch {
		case i == len(old):
			c = 1
		case j == len(new):
			c = -1
		default:
			c = compareRef(old[i], ref{kind: new[j].kind, key: new[j].key})
		}
		switch {
		case c < 0:
			del = append(del, old[i])
			i++
		case c > 0:
			put = append(put, new[j])
			j++
		default:
			if old[i].sum != new[j].sum {
				del = append(del, old[i])
				put = append(put, new[j])
			}
			i++
			j++
		}
	}
	return del, put
}

// store deletes and inserts rows in the transaction tx: deletes by key
// in one statement per table, inserts with COPY.
func (b *Backend) store(ctx context.Context, tx pgx.Tx, delObjs []ref, putObjs []row, delSets []ref, putSets []row) error {
	if len(delObjs) > 0 {
		kinds, keys := make([]string, len(delObjs)), make([]string, len(delObjs))
		for i, r := range delObjs {
			kinds[i], keys[i] = r.kind, r.key
		}
		if _, err := tx.Exec(ctx, `DELETE FROM plansync_objects o USING unnest($2::text[], $3::text[]) AS d(kind, key)
			WHERE o.state = $1 AND o.kind = d.kind AND o.key = d.key`, b.name, kinds, keys); err != nil {
			return err
		}
	}
	if len(delSets) > 0 {
		ids := make([]string, len(delSets))
		for i, r := range delSets {
			ids[i] = r.key
		}
		if _, err := tx.Exec(ctx, `DELETE FROM plansync_property_sets WHERE state = $1 AND id = ANY($2::text[])`, b.name, ids); err != nil {
			return err
		}
	}
	if len(putObjs) > 0 {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"plansync_objects"}, []string{"state", "kind", "key", "doc"},
			pgx.CopyFromSlice(len(putObjs), func(i int) ([]any, error) {
				r := &putObjs[i]
				return []any{b.name, r.kind, r.key, r.doc}, nil
			}))
		if err != nil {
			return err
		}
	}
	if len(putSets) > 0 {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"plansync_property_sets"}, []string{"state", "id", "doc"},
			pgx.CopyFromSlice(len(putSets), func(i int) ([]any, error) {
				r := &putSets[i]
				return []any{b.name, r.key, r.doc}, nil
			}))
		if err != nil {
			return err
		}
	}
	return nil
}
