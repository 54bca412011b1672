package state

import (
	"strings"
	"testing"
	"time"
)

// TestLockedErrorNamesWhatItKnows: the error of a held lock names its
// holder and the way out that fits what is known of it.
func TestLockedErrorNamesWhatItKnows(t *testing.T) {
	since := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		holder    LockInfo
		want, not []string
	}{
		{"plansync holder", LockInfo{ID: "abc", Who: "alice", Host: "ci1", PID: 42, Operation: "apply", Since: since},
			[]string{"locked by alice (pid 42 on ci1, apply since 2026-01-02T03:04:05Z)", "plansync force-unlock abc"}, nil},
		{"session without a lock ID", LockInfo{Who: "postgres", Host: "10.0.0.7", Operation: "write state (session 77)"},
			[]string{"locked by postgres from 10.0.0.7 (write state (session 77))", "wait for it to finish"},
			[]string{"names no holder", "force-unlock ", "fuser"}},
		{"no holder named", LockInfo{}, []string{"names no holder", "wait for it to finish"}, []string{"force-unlock "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := (&LockedError{Holder: tc.holder}).Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(msg, n) {
					t.Errorf("error %q has %q", msg, n)
				}
			}
		})
	}
}
