package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/plansync/plansync/state"
)

// migration is one step of the schema. Steps are applied in order, each
// once, and never changed once released: a new step is appended instead.
type migration struct {
	description string
	sql         string
}

// migrations returns the schema, step by step; version N is
// migrations()[N-1]. Text columns compared as keys use the "C" collation,
// so that the primary key indexes order rows bytewise, as Go compares
// strings and as the canonical encoding sorts records.
func migrations() []migration {
	return []migration{
		{"tables for states, objects, property sets, history and locks", `
CREATE TABLE plansync_states (
	name           text COLLATE "C" PRIMARY KEY,
	lineage        text NOT NULL,
	serial         bigint NOT NULL,
	format_version integer NOT NULL,
	updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE plansync_objects (
	state text COLLATE "C" NOT NULL,
	kind  text COLLATE "C" NOT NULL,
	key   text COLLATE "C" NOT NULL,
	doc   json NOT NULL,
	PRIMARY KEY (state, kind, key)
);
CREATE TABLE plansync_property_sets (
	state text COLLATE "C" NOT NULL,
	id    text COLLATE "C" NOT NULL,
	doc   json NOT NULL,
	PRIMARY KEY (state, id)
);
CREATE TABLE plansync_history (
	state   text COLLATE "C" NOT NULL,
	serial  bigint NOT NULL,
	who     text NOT NULL,
	at      timestamptz NOT NULL,
	summary text NOT NULL,
	changes json,
	PRIMARY KEY (state, serial)
);
CREATE TABLE plansync_locks (
	state       text COLLATE "C" PRIMARY KEY,
	id          text NOT NULL,
	who         text NOT NULL,
	host        text NOT NULL,
	pid         integer NOT NULL,
	operation   text NOT NULL,
	since       timestamptz NOT NULL,
	backend_pid integer NOT NULL
);
`},
	}
}

// migrate brings the schema up to date. The check is one query when it
// is; otherwise the pending steps are applied in one transaction under a
// transaction-scoped advisory lock, so that processes starting at once
// against a new database wait for each other instead of racing, and a
// failed step leaves the schema as it was.
func migrate(ctx context.Context, conn *pgx.Conn, schema string) error {
	steps := migrations()
	var current int
	err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM plansync_schema_migrations`).Scan(&current)
	var pgErr *pgconn.PgError
	switch {
	case err == nil && current == len(steps):
		return nil
	case err == nil && current > len(steps):
		return newerSchema(current)
	case err != nil && !(errors.As(err, &pgErr) && pgErr.Code == "42P01"): // undefined_table
		return fmt.Errorf("checking the schema version: %w", err)
	}

	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationKey(schema)); err != nil {
		return fmt.Errorf("waiting for the schema migration lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS plansync_schema_migrations (
	version     integer PRIMARY KEY,
	description text NOT NULL,
	applied_at  timestamptz NOT NULL DEFAULT now()
)`); err != nil {
		return fmt.Errorf("creating plansync_schema_migrations: %w", err)
	}
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM plansync_schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("checking the schema version: %w", err)
	}
	if current > len(steps) {
		return newerSchema(current)
	}
	for v := current + 1; v <= len(steps); v++ {
		m := steps[v-1]
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("migrating the schema to version %d (%s): %w", v, m.description, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO plansync_schema_migrations (version, description) VALUES ($1, $2)`, v, m.description); err != nil {
			return fmt.Errorf("recording schema version %d: %w", v, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("committing the schema migration: %w", err)
	}
	return nil
}

func newerSchema(v int) error {
	return fmt.Errorf("%w: the database schema is at version %d, this plansync knows up to %d: upgrade plansync", state.ErrNewerFormat, v, len(migrations()))
}

// migrationKey is the advisory lock key under which schema is migrated.
func migrationKey(schema string) int64 {
	return hashKey("plansync schema migrations", schema)
}

// stateLockKey is the advisory lock key of the state name in schema.
func stateLockKey(schema, name string) int64 {
	return hashKey("plansync state lock", schema, name)
}

// hashKey derives a 64-bit advisory lock key from parts: FNV-1a of the
// parts, each followed by a NUL (which text never holds).
func hashKey(parts ...string) int64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return int64(h.Sum64())
}
