package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plansync/plansync/state"
)

// Lock timing.
const (
	// defaultLockWait is how long a Write waits for the state's lock
	// when the Backend does not hold it.
	defaultLockWait = 5 * time.Second
	// releaseWait bounds how long ForceUnlock waits for the server to
	// end the holding session.
	releaseWait = 15 * time.Second
)

// lockedBy selects (FROM … WHERE) the pg_locks row of the session
// holding the advisory lock whose 64-bit key is ($1, $2) as pg_locks
// splits it, in database $3.
const lockedBy = ` FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2
	AND objsubid = 1 AND database = $3 AND granted`

// keyParts returns the arguments of lockedBy for b's lock.
func (b *Backend) keyParts() []any {
	return []any{uint32(uint64(b.key) >> 32), uint32(uint64(b.key)), b.dbOID}
}

// TryLock takes the state's lock without waiting: a session-level
// advisory lock held by a connection of its own for as long as the lock
// is held. When another holder has it, it returns a *state.LockedError
// naming the holder (from plansync_locks). Empty fields of info are
// filled: ID with a random id, PID, Host, Who (the user) and Since (now,
// to the microsecond).
//
// The lock becomes this Backend's lock: its writes check it until it is
// released by Unlock or Close.
func (b *Backend) TryLock(ctx context.Context, info state.LockInfo) (state.Lock, error) {
	if err := b.use(ctx, func(*pgx.Conn) error { return nil }); err != nil {
		return nil, err
	}
	info = info.WithDefaults()
	info.Since = info.Since.Round(0).Truncate(time.Microsecond) // as PostgreSQL stores it
	var conn *pgx.Conn
	// A holder may release the lock between the lock found held and its
	// holder read: the lock is free then, and is tried again.
	for released := 0; ; released++ {
		var got bool
		var err error
		if conn, got, err = b.tryAdvisoryLock(ctx); err != nil {
			return nil, err
		}
		if got {
			break
		}
		b.putSpare(conn)
		if b.afterBusy != nil {
			b.afterBusy()
		}
		var holder state.LockInfo
		var held bool
		err = b.use(ctx, func(conn *pgx.Conn) (err error) {
			holder, held, err = b.holder(ctx, conn)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("locking %s: %w", b.Describe(), err)
		}
		if !held && released < 2 && ctx.Err() == nil {
			continue
		}
		return nil, &state.LockedError{Holder: holder}
	}
	// Whatever row is there is a crashed or broken holder's: replace it.
	var pid uint32
	err := conn.QueryRow(ctx, `INSERT INTO plansync_locks (state, id, who, host, pid, operation, since, backend_pid)
		VALUES ($1, $2, $3, $4, $5, $6, $7, pg_backend_pid())
		ON CONFLICT (state) DO UPDATE SET id = excluded.id, who = excluded.who, host = excluded.host, pid = excluded.pid,
			operation = excluded.operation, since = excluded.since, backend_pid = excluded.backend_pid
		RETURNING backend_pid`,
		b.name, info.ID, info.Who, info.Host, info.PID, info.Operation, info.Since).Scan(&pid)
	if err != nil {
		conn.Close(context.WithoutCancel(ctx)) // ends the session, and with it the lock
		return nil, fmt.Errorf("locking %s: recording the holder: %w", b.Describe(), err)
	}
	l := &pgLock{b: b, info: info, conn: conn, pid: pid}
	b.mu.Lock()
	b.held = l
	b.mu.Unlock()
	return l, nil
}

// tryAdvisoryLock tries the state's advisory lock on a lock connection
// (lockConn), which it returns with whether it got the lock.
func (b *Backend) tryAdvisoryLock(ctx context.Context) (conn *pgx.Conn, got bool, err error) {
	for fresh := false; ; fresh = true {
		if conn, err = b.lockConn(ctx, fresh); err != nil {
			return nil, false, fmt.Errorf("locking %s: %w", b.Describe(), err)
		}
		err = conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, b.key).Scan(&got)
		if err == nil {
			return conn, got, nil
		}
		conn.Close(context.WithoutCancel(ctx))
		if fresh || ctx.Err() != nil {
			return nil, false, fmt.Errorf("locking %s: %w", b.Describe(), err)
		}
		// The spare connection kept from an earlier try may have died.
	}
}

// lockConn returns a connection for a lock: the spare one unless fresh
// or there is none, else a new one.
func (b *Backend) lockConn(ctx context.Context, fresh bool) (*pgx.Conn, error) {
	b.mu.Lock()
	conn := b.spare
	b.spare = nil
	b.mu.Unlock()
	if conn != nil && (fresh || conn.IsClosed()) {
		conn.Close(context.WithoutCancel(ctx))
		conn = nil
	}
	if conn != nil {
		return conn, nil
	}
	conn, err := pgx.ConnectConfig(ctx, b.cfg.Copy())
	if err != nil {
		return nil, err
	}
	// The server probes the client of a lock connection with TCP
	// keepalives (seconds; milliseconds for tcp_user_timeout), so that
	// the lock of a holder whose machine vanished is released within
	// about a minute instead of the operating system's two hours.
	// Servers before PostgreSQL 12 lack tcp_user_timeout, some platforms
	// the keepalive settings, and Unix sockets ignore them: those are only
	// left out.
	for _, s := range [][2]string{
		{"tcp_keepalives_idle", "20"},
		{"tcp_keepalives_interval", "10"},
		{"tcp_keepalives_count", "3"},
		{"tcp_user_timeout", "60000"},
	} {
		_, _ = conn.Exec(ctx, `SELECT set_config($1, $2, false)`, s[0], s[1])
	}
	return conn, nil
}

// putSpare keeps conn for the next TryLock, or closes it.
func (b *Backend) putSpare(conn *pgx.Conn) {
	b.mu.Lock()
	if b.spare == nil && !b.closed {
		b.spare, conn = conn, nil
	}
	b.mu.Unlock()
	if conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn.Close(ctx)
	}
}

// holder describes the current holder of the state's lock. The holder's
// row may lag its taking the advisory lock by a moment, or be a crashed
// holder's: holder waits a little for a row that belongs to the session
// holding the advisory lock before settling for what there is. held is
// false when no session holds the lock any more (released meanwhile).
func (b *Backend) holder(ctx context.Context, q querier) (info state.LockInfo, held bool, err error) {
	args := append(b.keyParts(), b.name)
	for try := 0; ; try++ {
		var holderPID, rowPID *uint32
		var id, who, host, op *string
		var pid *int32
		var since *time.Time
		var user, addr *string
		err := q.QueryRow(ctx, `SELECT h.pid, l.backend_pid, l.id, l.who, l.host, l.pid, l.operation, l.since, a.usename, host(a.client_addr)
			FROM (SELECT (SELECT pid`+lockedBy+` LIMIT 1) AS pid) h
			LEFT JOIN plansync_locks l ON l.state = $4
			LEFT JOIN pg_stat_activity a ON a.pid = h.pid`, args...).
			Scan(&holderPID, &rowPID, &id, &who, &host, &pid, &op, &since, &user, &addr)
		if err != nil {
			return state.LockInfo{}, false, err
		}
		if id != nil {
			info = state.LockInfo{ID: *id, Who: *who, Host: *host, PID: int(*pid), Operation: *op, Since: since.UTC()}
		}
		if holderPID == nil || (rowPID != nil && *rowPID == *holderPID) {
			return info, holderPID != nil, nil // released meanwhile, or the row is the holder's
		}
		if try == 20 {
			// A Write that takes the lock for its transaction
			// records no row.
			info = state.LockInfo{Who: deref(user), Host: deref(addr), Operation: fmt.Sprintf("write state (session %d)", *holderPID)}
			return info, true, nil
		}
		select {
		case <-ctx.Done():
			return info, true, nil
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// querier is a connection or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// pgLock is a held lock: a connection holding the advisory lock.
type pgLock struct {
	b    *Backend
	info state.LockInfo
	pid  uint32 // the server process of conn

	mu   sync.Mutex
	conn *pgx.Conn // nil once released
}

func (l *pgLock) Info() state.LockInfo { return l.info }

// Unlock releases the lock: it deletes the holder's row and releases
// the advisory lock. Should the connection fail, it is closed, which ends
// the session and so releases the lock as well; a lock broken by
// force-unlock is thus released without error. Unlocking again does
// nothing.
func (l *pgLock) Unlock() error {
	l.b.mu.Lock()
	if l.b.held == l {
		l.b.held = nil
	}
	l.b.mu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	conn := l.conn
	if conn == nil {
		return nil
	}
	l.conn = nil
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := conn.Exec(ctx, `DELETE FROM plansync_locks WHERE state = $1 AND id = $2 AND backend_pid = pg_backend_pid()`, l.b.name, l.info.ID)
	if err == nil {
		_, err = conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, l.b.key)
	}
	if err != nil {
		conn.Close(ctx)
		return nil
	}
	l.b.putSpare(conn)
	return nil
}

// check verifies, in the write transaction tx, that the lock is still
// held: that its row is still there and its session still holds the
// advisory lock. The row is locked until tx ends, so a force-unlock
// waits for the write.
func (l *pgLock) check(ctx context.Context, tx pgx.Tx) error {
	l.mu.Lock()
	released := l.conn == nil
	l.mu.Unlock()
	if !released {
		var alive bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1`+lockedBy+` AND pid = $6)
			FROM plansync_locks WHERE state = $4 AND id = $5 AND backend_pid = $6 FOR SHARE`,
			append(l.b.keyParts(), l.b.name, l.info.ID, l.pid)...).Scan(&alive)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("writing %s: checking the lock: %w", l.b.Describe(), err)
		}
		if alive {
			return nil
		}
	}
	return fmt.Errorf("writing %s: the lock (ID %s) was released or broken by force-unlock; not writing", l.b.Describe(), l.info.ID)
}

// writeLock makes sure the state's lock is held for a write in tx: the
// Backend's lock, checked, or else the advisory lock taken for the
// transaction, waiting up to lockWait for another holder.
func (b *Backend) writeLock(ctx context.Context, tx pgx.Tx) error {
	b.mu.Lock()
	l := b.held
	b.mu.Unlock()
	if l != nil {
		return l.check(ctx, tx)
	}
	deadline := time.Now().Add(b.lockWait)
	wait := 10 * time.Millisecond
	for {
		var got bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, b.key).Scan(&got); err != nil {
			return b.writeErr(err)
		}
		if got {
			return nil
		}
		if time.Now().After(deadline) {
			holder, _, err := b.holder(ctx, tx)
			if err != nil {
				return b.writeErr(err)
			}
			return fmt.Errorf("writing %s: %w", b.Describe(), &state.LockedError{Holder: holder})
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// ForceUnlock breaks the lock with the given ID: it ends the server
// session holding it (pg_terminate_backend: the same role, a member of
// pg_signal_backend or a superuser may), waits for the server to release
// it, and deletes the holder's row. It fails, changing nothing, when the
// state's lock row does not have that ID. When this Backend holds that
// lock, it is simply released.
func (b *Backend) ForceUnlock(ctx context.Context, id string) error {
	b.mu.Lock()
	h := b.held
	b.mu.Unlock()
	if h != nil && h.info.ID == id {
		return h.Unlock()
	}
	// Without plansync's tables nothing is locked; they are not created
	// for this (only a write creates them).
	if ok, err := b.Provisioned(ctx); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("no lock with ID %s is held on %s: it is not locked", id, b.Describe())
	}
	return b.use(ctx, func(conn *pgx.Conn) error { return b.forceUnlock(ctx, conn, id) })
}

func (b *Backend) forceUnlock(ctx context.Context, conn *pgx.Conn, id string) error {
	var holder state.LockInfo
	var rowPID uint32
	var holderPID *uint32
	err := conn.QueryRow(ctx, `SELECT l.id, l.who, l.host, l.pid, l.operation, l.since, l.backend_pid, (SELECT pid`+lockedBy+` LIMIT 1)
		FROM plansync_locks l WHERE l.state = $4`, append(b.keyParts(), b.name)...).
		Scan(&holder.ID, &holder.Who, &holder.Host, &holder.PID, &holder.Operation, &holder.Since, &rowPID, &holderPID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("no lock with ID %s is held on %s: it is not locked", id, b.Describe())
	case err != nil:
		return fmt.Errorf("reading the lock of %s: %w", b.Describe(), err)
	case holder.ID != id && holderPID == nil:
		// The row is a crashed holder's: nobody holds the lock.
		return fmt.Errorf("no lock with ID %s is held on %s: it is not locked", id, b.Describe())
	case holder.ID != id:
		if *holderPID != rowPID {
			// The session holding the lock is not the row's (a crashed
			// holder's): describe the one that holds it.
			if current, _, err := b.holder(ctx, conn); err == nil {
				holder = current
			}
		}
		return fmt.Errorf("no lock with ID %s is held on %s; current holder: %s", id, b.Describe(), describeHolder(holder))
	}
	if holderPID != nil && *holderPID == rowPID {
		var ended bool
		if err := conn.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, int32(rowPID)).Scan(&ended); err != nil {
			return fmt.Errorf("breaking the lock of %s: ending the holder's session (server pid %d): %w", b.Describe(), rowPID, err)
		}
		if err := b.waitReleased(ctx, conn, rowPID); err != nil {
			return err
		}
	}
	// Else the row is a crashed holder's, whose session is gone already.
	if _, err := conn.Exec(ctx, `DELETE FROM plansync_locks WHERE state = $1 AND id = $2`, b.name, id); err != nil {
		return fmt.Errorf("breaking the lock of %s: %w", b.Describe(), err)
	}
	return nil
}

// waitReleased waits until the session pid no longer holds the lock.
func (b *Backend) waitReleased(ctx context.Context, q querier, pid uint32) error {
	deadline := time.Now().Add(releaseWait)
	for {
		var held bool
		err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1`+lockedBy+` AND pid = $4)`, append(b.keyParts(), pid)...).Scan(&held)
		if err != nil {
			return fmt.Errorf("breaking the lock of %s: %w", b.Describe(), err)
		}
		if !held {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("breaking the lock of %s: the holder's session (server pid %d) did not end within %s", b.Describe(), pid, releaseWait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func describeHolder(h state.LockInfo) string {
	return fmt.Sprintf("%s (pid %d on %s, %s since %s), lock ID %s",
		h.Who, h.PID, h.Host, h.Operation, h.Since.UTC().Format(time.RFC3339), h.ID)
}
