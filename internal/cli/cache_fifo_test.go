//go:build unix

package cli

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A named pipe in place of a cache file (an entry of every cache, the
// secret cache) is not opened, which would block for ever, but ignored
// and replaced: the plan is the one without the cache.
func TestCacheFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	cfg := smallConfig + `customers:
  - login: jdoe
    name: John Doe
    email: john@doe.example
    password: {env: JDOE_PASSWORD}
`
	if err := os.WriteFile(filepath.Join(dir, "main.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"XDG_CACHE_HOME": t.TempDir(), "JDOE_PASSWORD": "correct-horse-battery"}
	run := func(args ...string) (int, string, string) {
		env, out, errb := termEnv(t, "", vars)
		env.IsTerminal = func(any) bool { return false }
		code := Main(context.Background(), args, env)
		return code, out.String(), errb.String()
	}
	if code, out, errb := run("apply", "--dir", dir, "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errb)
	}
	if code, out, errb := run("plan", "--dir", dir, "--detailed-exitcode"); code != 0 {
		t.Fatalf("plan: exit %d\n%s%s", code, out, errb)
	}
	_, want, _ := run("plan", "--dir", dir, "--detailed-exitcode", "--no-cache")
	cache := filepath.Join(dir, ".plansync", "cache")
	var pipes []string
	filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			pipes = append(pipes, p)
		}
		return err
	})
	for _, sub := range []string{"decoded", "state", "plans", "secrets"} {
		if !strings.Contains(strings.Join(pipes, "\n"), string(filepath.Separator)+sub) {
			t.Fatalf("no %s in the cache: %q", sub, pipes)
		}
	}
	for _, p := range pipes {
		os.Remove(p)
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errb := run("plan", "--dir", dir, "--detailed-exitcode")
		done <- result{code, out, errb}
	}()
	select {
	case r := <-done:
		if r.code != 0 || r.out != want {
			t.Fatalf("plan with pipes in the cache: exit %d\n%s%s\nwant\n%s", r.code, r.out, r.err, want)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("plan with pipes in the cache: still running after 20 s")
	}
	for _, p := range pipes {
		if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s not written anew: %v", p, err)
		}
	}
}
