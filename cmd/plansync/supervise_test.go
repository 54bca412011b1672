//go:build linux

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildCrashBinary builds plansync with the test-only hook that makes
// the working process die of a Go runtime fatal error on request.
func buildCrashBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	path := filepath.Join(t.TempDir(), "plansync")
	out, err := exec.Command("go", "build", "-tags", "plansync_crashtest", "-o", path, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return path
}

func runBin(t *testing.T, bin string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), append([]string{"NO_COLOR=1", "PLANSYNC_STATE=", "PLANSYNC_NOW="}, env...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// TestSupervisedExitCodes: a Go runtime fatal error (which exits 2, the
// code of "changes pending") ends plansync with exit 1 naming a bug,
// while the codes plansync chooses itself, 2 included, pass unchanged.
func TestSupervisedExitCodes(t *testing.T) {
	t.Parallel() // processes that mostly wait: overlap them with the scenarios
	bin := buildCrashBinary(t)
	dir := copyExample(t, "agency")

	code, _, stderr := runBin(t, bin, []string{"PLANSYNC_CRASHTEST=stack"}, "validate", "--dir", dir)
	if code != 1 || !strings.Contains(stderr, "fatal error: stack overflow") || !strings.Contains(stderr, "internal error: plansync stopped unexpectedly") {
		t.Errorf("runtime fatal error: exit %d, want 1 naming a bug; stderr:\n%.2000s", code, stderr)
	}

	// The same crash without the supervisor is the runtime's exit 2:
	// what the supervisor exists to turn into 1.
	code, _, stderr = runBin(t, bin, []string{"PLANSYNC_CRASHTEST=stack", "PLANSYNC_CRASHTEST_UNSUPERVISED=1", supervisedEnv + "=none"}, "validate", "--dir", dir)
	if code != 2 || !strings.Contains(stderr, "fatal error: stack overflow") {
		t.Errorf("unsupervised crash: exit %d, want the runtime's 2; stderr:\n%.500s", code, stderr)
	}

	code, stdout, stderr := runBin(t, bin, nil, "plan", "--dir", dir, "--detailed-exitcode")
	if code != 2 || !strings.Contains(stdout, "Plan: ") {
		t.Errorf("plan --detailed-exitcode with changes: exit %d, want 2\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = runBin(t, bin, nil, "plan", "--dir", filepath.Join(dir, "missing"))
	if code != 1 || strings.Contains(stderr, "internal error") {
		t.Errorf("plan of a missing directory: exit %d, want 1 without internal error\n%s", code, stderr)
	}
	code, _, _ = runBin(t, bin, nil, "validate", "--dir", dir)
	if code != 0 {
		t.Errorf("validate: exit %d, want 0", code)
	}
}

// TestClosedStdoutEndsQuietly: plansync plan | head -1 (stdout closed
// before plansync is done writing) ends as Unix tools do: quietly, with
// the status of a tool ended by SIGPIPE (141 in the shell), never with
// an error message or exit 1 — supervised (stdin not a terminal) or
// not.
func TestClosedStdoutEndsQuietly(t *testing.T) {
	t.Parallel()
	bin := buildCrashBinary(t)
	dir := copyExample(t, "agency")
	args := []string{"plan", "--dir", dir, "--no-cache"}
	run := func(env ...string) (*os.ProcessState, string) {
		t.Helper()
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		r.Close() // the reader is gone before anything is written
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), append([]string{"NO_COLOR=1", "PLANSYNC_STATE=", "PLANSYNC_NOW="}, env...)...)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = w, &stderr
		err = cmd.Run()
		w.Close()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState, stderr.String()
	}
	ps, stderr := run()
	if code := ps.ExitCode(); code != 141 || stderr != "" {
		t.Errorf("supervised, stdout closed: exit %d, want 141 (as a tool ended by SIGPIPE), quietly; stderr:\n%s", code, stderr)
	}
	ps, stderr = run(supervisedEnv + "=none")
	ws, _ := ps.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGPIPE || stderr != "" {
		t.Errorf("unsupervised, stdout closed: %v, want ended by SIGPIPE, quietly; stderr:\n%s", ps, stderr)
	}
	// A watch that does not apply only reads too (plansync watch | head).
	for _, a := range [][]string{{"watch", "--dir", dir}, {"watch", "--dir", dir, "--apply=false"}} {
		args = a
		ps, stderr = run()
		if code := ps.ExitCode(); code != 141 || stderr != "" {
			t.Errorf("supervised %s, stdout closed: exit %d, want 141, quietly; stderr:\n%s", strings.Join(a, " "), code, stderr)
		}
	}
	// A run that writes is not quiet: what it did depends on when its
	// output was closed.
	for _, a := range [][]string{
		{"apply", "--dir", dir, "--no-cache", "--auto-approve"},
		{"watch", "--dir", dir, "--apply"},
		{"watch", "-apply", "--dir", dir},
		{"watch", "--dir", dir, "--apply=true"},
	} {
		args = a
		ps, stderr = run()
		if code := ps.ExitCode(); code != 1 || !strings.Contains(stderr, "ended by SIGPIPE") {
			t.Errorf("supervised %s, stdout closed: exit %d, want 1 with an error saying so; stderr:\n%s", strings.Join(a, " "), code, stderr)
		}
	}
}

// TestSupervisedSignals: a signal sent to plansync's process reaches
// the run once (a watch stops gracefully with exit 0), and `kill -9` of
// plansync ends the run too.
func TestSupervisedSignals(t *testing.T) {
	t.Parallel() // processes that mostly wait: overlap them with the scenarios
	bin := buildCrashBinary(t)
	dir := copyExample(t, "agency")

	p := startWatch(t, bin, dir)
	p.waitFor("watch: planned in", 1)
	child := childOf(t, p.cmd.Process.Pid)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("watch did not stop after SIGTERM:\n%s", p.out)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("watch after SIGTERM: exit %d, want 0\n%s", code, p.out)
	}
	waitGone(t, child)

	p = startWatch(t, bin, dir)
	p.waitFor("watch: planned in", 1)
	child = childOf(t, p.cmd.Process.Pid)
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if !waitGone(t, child) {
		_ = syscall.Kill(child, syscall.SIGKILL)
	}
	<-p.done
}

// childOf is the pid of the process doing the work under pid.
func childOf(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/children")
	if err != nil {
		t.Skipf("cannot list child processes here: %v", err)
	}
	f := strings.Fields(string(b))
	if len(f) != 1 {
		// The parent's children live in the thread that started them.
		out, _ := exec.Command("pgrep", "-P", strconv.Itoa(pid)).Output()
		f = strings.Fields(string(out))
	}
	if len(f) != 1 {
		t.Fatalf("plansync %d has children %q, want exactly one", pid, f)
	}
	n, _ := strconv.Atoi(f[0])
	return n
}

func waitGone(t *testing.T, pid int) bool {
	t.Helper()
	for range 200 {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		if f := strings.Fields(string(b)); len(f) > 2 && f[2] == "Z" {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("the run (pid %d) outlived plansync", pid)
	return false
}

// proc is a watch the supervisor tests run (the watch scenarios are
// scripts: watch_*.txtar).
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	out  *outBuffer
	done chan struct{}
	err  error
}

func startWatch(t *testing.T, bin, dir string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"watch", "--dir", dir}, args...)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "USER=tester", "PLANSYNC_STATE=", "PLANSYNC_NOW=")
	p := &proc{t: t, cmd: cmd, out: &outBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *proc) waitFor(text string, n int) {
	p.t.Helper()
	end := time.Now().Add(waitLimit)
	for strings.Count(p.out.String(), text) < n {
		select {
		case <-p.done:
			if strings.Count(p.out.String(), text) >= n {
				return
			}
			p.t.Fatalf("plansync exited (%v) before %d× %q; output:\n%s", p.err, n, text, p.out)
		default:
		}
		if time.Now().After(end) {
			p.t.Fatalf("no %d× %q within %s; output:\n%s", n, text, waitLimit, p.out)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
