package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plansync/plansync/state"
)

// History returns the recorded history entries, oldest first, as the
// retention keeps them (state.HistoryRetention); an empty slice when
// there are none.
func (b *Backend) History(ctx context.Context) ([]state.HistoryEntry, error) {
	var entries []state.HistoryEntry
	err := b.use(ctx, func(conn *pgx.Conn) (err error) {
		entries, err = b.history(ctx, conn)
		return err
	})
	if err != nil {
		return nil, err
	}
	return state.HistoryRetention.Keep(entries), nil
}

func (b *Backend) history(ctx context.Context, conn *pgx.Conn) ([]state.HistoryEntry, error) {
	rows, err := conn.Query(ctx, `SELECT serial, who, at, summary, changes FROM plansync_history WHERE state = $1 ORDER BY serial`, b.name)
	if err != nil {
		return nil, fmt.Errorf("reading the history of %s: %w", b.Describe(), err)
	}
	defer rows.Close()
	entries := []state.HistoryEntry{}
	for rows.Next() {
		var e state.HistoryEntry
		var serial int64
		var at time.Time
		var changes []byte
		if err := rows.Scan(&serial, &e.Who, &at, &e.Summary, &changes); err != nil {
			return nil, fmt.Errorf("reading the history of %s: %w", b.Describe(), err)
		}
		e.Serial, e.When = uint64(serial), at.UTC()
		if len(changes) > 0 {
			e.Changes = changes
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the history of %s: %w", b.Describe(), err)
	}
	return entries, nil
}
