package main

import (
	"context"
	"errors"
	"net/url"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/plansync/plansync/state"
	"github.com/plansync/plansync/state/postgres"
)

// The scenarios that keep their state in PostgreSQL need the database
// named by PLANSYNC_TEST_POSTGRES (as the PostgreSQL CLI tests in
// postgres_test.go do). Each begins with
//
//	[!postgres] skip 'PLANSYNC_TEST_POSTGRES is not set: ...'
//	pgstate [-schema]
//
// [postgres] holds when the variable is set.

const pgSkipHint = "PLANSYNC_TEST_POSTGRES is not set: skipping the PostgreSQL scenarios (set it to e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)"

// pgStateCmd points the script at a PostgreSQL state of its own: a state
// name no other script or test uses (in $PLANSYNC_STATE_NAME, also
// $PGNAME) in the database of PLANSYNC_TEST_POSTGRES (in
// $PLANSYNC_STATE, also $PGSTATE). With -schema, the state's tables are
// in a schema of the script's own (search_path in the URL), created
// empty, so the script sees a database that never held plansync's
// tables. The rows (or the schema) are removed when the script ends.
//
//	pgstate [-schema]
func pgStateCmd(ts *testscript.TestScript, neg bool, args []string) {
	schema := false
	if len(args) == 1 && args[0] == "-schema" {
		schema, args = true, nil
	}
	if neg || len(args) != 0 {
		ts.Fatalf("usage: pgstate [-schema]")
	}
	u := os.Getenv("PLANSYNC_TEST_POSTGRES")
	if u == "" {
		ts.Fatalf("pgstate: %s (guard the script with [!postgres] skip)", pgSkipHint)
	}
	suffix := state.NewLineage()[:8]
	name := "script/" + ts.Name() + "/" + suffix
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		ts.Fatalf("pgstate: %v", err)
	}
	defer conn.Close(ctx)
	if schema {
		sch := "plansync_script_" + strings.ReplaceAll(suffix, "-", "")
		if _, err := conn.Exec(ctx, `CREATE SCHEMA `+sch); err != nil {
			ts.Fatalf("pgstate: %v", err)
		}
		pu, err := url.Parse(u)
		ts.Check(err)
		q := pu.Query()
		q.Set("search_path", sch)
		pu.RawQuery = q.Encode()
		u = pu.String()
		ts.Defer(func() { pgCleanup(ts, os.Getenv("PLANSYNC_TEST_POSTGRES"), `DROP SCHEMA `+sch+` CASCADE`) })
	} else {
		ts.Defer(func() {
			for _, tb := range []string{"plansync_states WHERE name", "plansync_objects WHERE state", "plansync_property_sets WHERE state",
				"plansync_history WHERE state", "plansync_locks WHERE state"} {
				if !pgCleanup(ts, u, `DELETE FROM `+tb+` = $1`, name) {
					return
				}
			}
		})
	}
	ts.Setenv("PLANSYNC_STATE", u)
	ts.Setenv("PGSTATE", u)
	ts.Setenv("PLANSYNC_STATE_NAME", name)
	ts.Setenv("PGNAME", name)
}

// pgCleanup runs one statement; it reports false when the tables do
// not exist (nothing was ever written there).
func pgCleanup(ts *testscript.TestScript, u, sql string, args ...any) bool {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		ts.Logf("cleaning up: %v", err)
		return false
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		var pgErr interface{ SQLState() string }
		if errors.As(err, &pgErr) && pgErr.SQLState() == "42P01" {
			return false
		}
		ts.Logf("cleaning up: %v", err)
		return false
	}
	return true
}

// pgBackend is the script's PostgreSQL state (pgstate), opened from
// the test process (another process than the plansync under test) for
// holdlock postgres.
func pgBackend(ts *testscript.TestScript) state.Backend {
	u, name := ts.Getenv("PLANSYNC_STATE"), ts.Getenv("PLANSYNC_STATE_NAME")
	if !strings.HasPrefix(u, "postgres") {
		ts.Fatalf("holdlock postgres: no PostgreSQL state (run pgstate first)")
	}
	b, err := postgres.New(u, name)
	ts.Check(err)
	return b
}

// pgExec runs one SQL statement on the script's PostgreSQL state (as
// pgstate set it up: in its own schema with -schema), as a database
// administrator would; it fails when the statement does.
//
//	pgexec SQL
func pgExec(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: pgexec SQL")
	}
	u := ts.Getenv("PGSTATE")
	if u == "" {
		ts.Fatalf("pgexec: no PostgreSQL state (run pgstate first)")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	ts.Check(err)
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, args[0]); err != nil {
		ts.Fatalf("pgexec: %v", err)
	}
}
