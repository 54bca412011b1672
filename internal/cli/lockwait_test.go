package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plansync/plansync/state"
	"github.com/plansync/plansync/state/file"
)

// busyOnce is a backend whose lock is held, once, by a session that
// holds no plansync lock of its own (PostgreSQL: another run's write
// taking the lock for its transaction): its holder has a user, an
// address and an operation, but no lock ID, pid or start time.
type busyOnce struct {
	state.Backend
	tries int
}

func (b *busyOnce) TryLock(ctx context.Context, info state.LockInfo) (state.Lock, error) {
	b.tries++
	if b.tries == 1 {
		return nil, &state.LockedError{Holder: state.LockInfo{Who: "postgres", Host: "10.0.0.7", Operation: "write state (session 77)"}}
	}
	return b.Backend.TryLock(ctx, info)
}

// TestLockWaitNamesSessionHolder: waiting (--lock-timeout) for a lock
// held by a session without a plansync lock names it as the error
// would, not with a pid 0 and a start in year 1 it does not have.
func TestLockWaitNamesSessionHolder(t *testing.T) {
	env, _, errb := termEnv(t, "", nil)
	b := &busyOnce{Backend: file.New(filepath.Join(t.TempDir(), "state.json"))}
	c := &common{LockTimeout: time.Minute}
	l, err := lock(context.Background(), env, c, b, ".", "plan")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	msg := errb.String()
	if !strings.Contains(msg, "Waiting up to 1m0s for the state lock held by postgres from 10.0.0.7 (write state (session 77))") {
		t.Errorf("wait message %q does not name the session holding the lock", msg)
	}
	for _, bad := range []string{"pid 0", "0001-01-01"} {
		if strings.Contains(msg, bad) {
			t.Errorf("wait message %q has %q", msg, bad)
		}
	}
}
