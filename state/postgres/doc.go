// Package postgres is plansync's state backend for teams: the recorded
// state kept in a PostgreSQL database, shared by people and CI jobs on
// several machines. It implements state.Backend and passes the
// conformance suite in state/statetest.
//
// Layout. Several independent states live in one database (and schema),
// each named (PLANSYNC_STATE_NAME, default "default"); every row carries
// its state's name, so states share no rows and no locks:
//
//	plansync_states         one row per state: lineage, serial, format_version
//	plansync_objects        one row per recorded object (the server, each
//	                        service, plan, reseller, customer, subscription),
//	                        its record as a JSON document
//	plansync_property_sets  the interned property sets, by content id
//	plansync_history        one row per applied change set
//	plansync_locks          the holder of each state's lock (who, host, pid,
//	                        operation, since)
//
// The tables are created, and later changed, by numbered migrations
// recorded in plansync_schema_migrations and applied on first use inside
// one transaction under a transaction-scoped advisory lock, so processes
// starting at once against a new database do not race.
//
// Reading loads a state's rows in key order and assembles them into the
// canonical snapshot document that state.Decode parses, so a PostgreSQL
// state is decoded by the same strict decoder as a state file: a row that
// does not hold what its kind and key say, or a record that does not
// decode, is reported as state.ErrCorrupt; a state written by a newer
// format as state.ErrNewerFormat; neither is ever overwritten.
//
// Writing is one transaction: the state's row is locked (SELECT … FOR
// UPDATE), the serial compared and swapped, and only the rows whose
// documents differ from the stored ones are deleted and copied in again,
// so a change to 1% of the objects writes about 1% of the rows. The
// stored rows are known from this Backend's last read or write of that
// serial (kept in memory as content hashes), or else read and decoded in
// the transaction. The history entry is inserted in the same transaction,
// which also deletes the entries older than the retention keeps
// (state.HistoryRetention: the last 1000) and the change documents
// beyond its size budget, so the history is bounded in bytes too.
// A killed writer's transaction is rolled back by the server: the state
// stays what it was.
//
// Locking is a session-level advisory lock (pg_try_advisory_lock) on a key
// derived from the schema and the state's name, held by a connection
// dedicated to the lock for as long as it is held. When the holder exits
// or crashes its session ends and the server releases the lock; the lock
// connection asks the server to probe the client with TCP keepalives so a
// holder whose machine vanished loses the lock within about a minute. The
// holder's description is written to plansync_locks for LockedError
// messages; a locker that gets the advisory lock replaces whatever row a
// crashed holder left. ForceUnlock ends the holding session
// (pg_terminate_backend, which needs the same role, pg_signal_backend or
// a superuser) and deletes the row. Because the lock is bound to a
// session, plansync must reach PostgreSQL directly or through a
// session-pooling proxy, not through transaction pooling.
package postgres
