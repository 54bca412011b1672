//go:build unix

package file

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A state path that is a named pipe is an error, not a read that waits
// for a writer for ever.
func TestStateFileNotRegular(t *testing.T) {
	path := statePath(t)
	os.MkdirAll(filepath.Dir(path), 0o700)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := New(path).Read(t.Context())
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "named pipe (FIFO), not a regular file") {
			t.Fatalf("Read of a named pipe = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read of a named pipe blocks")
	}
}
