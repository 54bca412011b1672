package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/plansync/plansync/state"
)

// defaultConnectTimeout bounds connecting when the URL does not say.
const defaultConnectTimeout = 15 * time.Second

// Backend is one named state in a PostgreSQL database. It implements
// state.Backend. A Backend value is safe for concurrent use (its
// operations take turns on its connection); its lock is the lock of the
// value.
type Backend struct {
	name  string
	shown string // the connection URL without password, for messages
	cfg   *pgx.ConnConfig
	seeds [2]maphash.Seed // for the content hashes of rows
	// lockWait is how long a Write waits for the state's lock when the
	// Backend does not hold it.
	lockWait time.Duration

	connMu sync.Mutex // held while an operation uses conn
	conn   *pgx.Conn  // nil until first used, or after it broke
	schema string     // the schema the tables are in
	dbOID  uint32     // the database, as pg_locks names it
	key    int64      // the advisory lock key of this state

	mu     sync.Mutex
	held   *pgLock   // the lock taken by TryLock, while held
	spare  *pgx.Conn // a connection kept for the next TryLock
	known  *stored   // the rows as last read or written, or nil
	closed bool
	// afterBusy, when set, is called when the lock is found held,
	// before its holder is read (a test releases the lock there, as a
	// holder that is done would).
	afterBusy func()
}

var _ state.Backend = (*Backend)(nil)

// New returns the backend for the state called name in the database at
// connString (a postgres:// URL, or anything pgx accepts; parameters such
// as sslmode and search_path are honoured). Nothing is touched until it
// is used: the first use connects and creates or migrates the schema.
func New(connString, name string) (*Backend, error) {
	if name == "" {
		return nil, errors.New("the state name is empty")
	}
	if atInUserInfo(connString) {
		return nil, errors.New("the PostgreSQL state URL holds an @ in its user information: write an @ in the user name or password as %40 (the URL is not shown: it holds a password)")
	}
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL state: %s", parseErrorText(err))
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "plansync"
	}
	if cfg.ConnectTimeout == 0 { // connect_timeout in the URL sets it
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	return &Backend{
		name:     name,
		shown:    redact(connString),
		cfg:      cfg,
		seeds:    [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		lockWait: defaultLockWait,
	}, nil
}

// atInUserInfo reports whether a postgres:// URL has more than one @
// before its path or query: one of them belongs to the user name or
// password, unescaped, and the parsers disagree on where the host
// starts, so that part of the password would be taken for the host and
// shown with it.
func atInUserInfo(connString string) bool {
	_, rest, ok := strings.Cut(connString, "://")
	if !ok {
		return false
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	return strings.Count(rest, "@") > 1
}

// parseErrorText is why pgx cannot parse a connection string, without
// the string: pgx shows it with the password masked as best it can,
// which a malformed string can defeat.
func parseErrorText(err error) string {
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	text := pe.Error()
	if _, after, ok := strings.Cut(text, "`: "); ok && strings.HasPrefix(text, "cannot parse `") {
		text = after
	}
	return "cannot parse the connection URL (not shown: it may hold a password): " + text
}

// redact returns the connection URL without its password and query.
func redact(connString string) string {
	u, err := url.Parse(connString)
	if err != nil || u.Scheme == "" {
		return "(connection string)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}

// Describe names the backend for messages.
func (b *Backend) Describe() string {
	return fmt.Sprintf("PostgreSQL state %q at %s", b.name, b.shown)
}

// use runs fn with the Backend's connection, connecting (and creating or
// migrating the schema) first when there is none. Operations take turns.
func (b *Backend) use(ctx context.Context, fn func(conn *pgx.Conn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.connMu.Lock()
	defer b.connMu.Unlock()
	if b.conn == nil || b.conn.IsClosed() {
		b.mu.Lock()
		closed := b.closed
		b.mu.Unlock()
		if closed {
			return errors.New("the PostgreSQL state backend is closed")
		}
		conn, err := b.connect(ctx)
		if err != nil {
			return fmt.Errorf("connecting to %s: %w", b.Describe(), err)
		}
		b.conn = conn
	}
	return fn(b.conn)
}

// Connect connects to the database (the first time, creating or
// migrating the schema), as the first operation that needs it would:
// a run that may be stopped while the database does not answer
// connects with a context it can cancel, and then takes the lock with
// one it does not, so that a lock taken is never cut short half-way.
func (b *Backend) Connect(ctx context.Context) error {
	return b.use(ctx, func(*pgx.Conn) error { return nil })
}

// Provisioned reports whether the database holds plansync's tables,
// without creating them: reading commands (plan, validate, show, state
// pull) ask it first, so that they see an empty state in an empty
// database and leave it as it was; the first write creates the schema.
func (b *Backend) Provisioned(ctx context.Context) (bool, error) {
	b.connMu.Lock()
	known := b.schema != ""
	b.connMu.Unlock()
	if known {
		return true, nil
	}
	conn, err := pgx.ConnectConfig(ctx, b.cfg.Copy())
	if err != nil {
		return false, fmt.Errorf("connecting to %s: %w", b.Describe(), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('plansync_schema_migrations') IS NOT NULL`).Scan(&ok); err != nil {
		return false, fmt.Errorf("checking for the schema: %w", err)
	}
	return ok, nil
}

// connect opens the Backend's connection; the first time, it finds the
// schema, and creates or migrates it.
func (b *Backend) connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, b.cfg.Copy())
	if err != nil {
		return nil, err
	}
	if b.schema != "" {
		return conn, nil
	}
	var schema *string
	var dbOID uint32
	err = conn.QueryRow(ctx, `SELECT current_schema(), (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&schema, &dbOID)
	if err == nil && schema == nil {
		err = errors.New("no schema to keep the state in: the search_path names no existing schema")
	}
	if err == nil {
		err = migrate(ctx, conn, *schema)
	}
	if err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	b.schema, b.dbOID, b.key = *schema, dbOID, stateLockKey(*schema, b.name)
	return conn, nil
}

// Close releases the lock this Backend holds, if any, and closes its
// connections.
func (b *Backend) Close() error {
	b.mu.Lock()
	held, spare := b.held, b.spare
	b.spare = nil
	b.closed = true
	b.mu.Unlock()
	var err error
	if held != nil {
		err = held.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if spare != nil {
		spare.Close(ctx)
	}
	b.connMu.Lock()
	if b.conn != nil {
		b.conn.Close(ctx)
		b.conn = nil
	}
	b.connMu.Unlock()
	return err
}

// remember records the rows of the state as just read or written.
func (b *Backend) remember(st *stored) {
	b.mu.Lock()
	b.known = st
	b.mu.Unlock()
}

// knownAt returns the rows remembered for lineage and serial, or nil.
func (b *Backend) knownAt(lineage string, serial uint64) *stored {
	b.mu.Lock()
	defer b.mu.Unlock()
	if k := b.known; k != nil && k.lineage == lineage && k.serial == serial {
		return k
	}
	return nil
}
