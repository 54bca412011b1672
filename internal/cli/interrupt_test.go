//go:build !windows

package cli

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"
)

// newTestInterrupts catches signals with an exit that records its code.
func newTestInterrupts(t *testing.T) (*Interrupts, *syncBuffer, chan int) {
	var stderr syncBuffer
	exited := make(chan int, 1)
	in := NewInterrupts(&stderr, func(code int) { exited <- code })
	t.Cleanup(in.Stop)
	return in, &stderr, exited
}

func waitDone(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the signal did not cancel the context")
	}
}

// A signal with no write in progress ends the run at once with 128+signal.
func TestInterruptStopsAtOnce(t *testing.T) {
	in, stderr, exited := newTestInterrupts(t)
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exited:
		if code != 143 {
			t.Errorf("exit %d, want 143", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	if got := stderr.String(); got != "Interrupted (SIGTERM): stopped; nothing was written.\n" {
		t.Errorf("stderr %q", got)
	}
	// A write that would begin after it is refused (the process has
	// gone by then; here the fake exit returned).
	err := in.Critical(context.Background(), func(context.Context) error {
		t.Error("write ran after the signal")
		return nil
	})
	if code, ok := err.(exitCode); !ok || code != 143 {
		t.Errorf("Critical after the signal: %v, want exit 143", err)
	}
}

// A write in progress is finished, with a context the signal does not
// cancel; the run then ends with 130 and says so.
func TestInterruptFinishesWrite(t *testing.T) {
	in, stderr, exited := newTestInterrupts(t)
	started, release := make(chan struct{}), make(chan struct{})
	result := make(chan error, 1)
	var writeCtx context.Context
	go func() {
		result <- in.Critical(in.Context(), func(ctx context.Context) error {
			writeCtx = ctx
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitDone(t, in.Context())
	select {
	case code := <-exited:
		t.Fatalf("exited %d during the write", code)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-result; err != nil {
		t.Fatalf("write: %v", err)
	}
	if writeCtx.Err() != nil {
		t.Error("the write's context was cancelled by the signal")
	}
	if code := in.Code(0); code != 130 {
		t.Errorf("exit %d, want 130", code)
	}
	want := "Interrupted (SIGINT): finishing the write in progress, then stopping (signal again to stop at once; the state is written atomically).\n" +
		"Interrupted (SIGINT): stopped after the write in progress was finished.\n"
	if got := stderr.String(); got != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
	}
}

// Graceful (watch): the signal only cancels the context; the exit code
// is the command's.
func TestInterruptGraceful(t *testing.T) {
	in, stderr, exited := newTestInterrupts(t)
	in.Graceful()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitDone(t, in.Context())
	select {
	case code := <-exited:
		t.Fatalf("exited %d", code)
	case <-time.After(100 * time.Millisecond):
	}
	if code := in.Code(0); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if s := stderr.String(); strings.Contains(s, "Interrupted") {
		t.Errorf("stderr %q", s)
	}
}
