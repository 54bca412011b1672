package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Commands that run plansync as a real process in the background, for
// the scenarios of long-running commands (watch) and signals:
//
//	start NAME [-out FILE] COMMAND ARGS...
//	                                start it; its output is collected
//	                                (and, with -out, also written to
//	                                FILE, as COMMAND >FILE 2>&1 would)
//	waitfor NAME [-count N] REGEXP  wait (20s at most) until its output
//	                                (stdout and stderr) matches N times
//	signal NAME INT|TERM|KILL       send it a real signal
//	[!] running NAME                it is still running (or, with !, not)
//	exited NAME CODE|nonzero [DUR]  wait (20s, or DUR) for its exit and
//	                                check the code; its stdout and stderr
//	                                are then those of the assertions
//	                                that follow
//	releaselock                     release the lock holdlock took
//	replace FILE OLD NEW            edit a file as an editor saves it
//	sleep DURATION                  wait

// waitLimit bounds each wait of a scenario for a background process.
const waitLimit = 20 * time.Second

// bgProc is a process a script started.
type bgProc struct {
	cmd            *exec.Cmd
	stdout, stderr lockedBuffer
	// both holds stdout and stderr as they came, for waitfor.
	both lockedBuffer
	done chan struct{}
	err  error
}

// teeBuffer writes to a stream's buffer and to the combined one.
type teeBuffer struct{ one, both *lockedBuffer }

func (t teeBuffer) Write(p []byte) (int, error) {
	t.both.Write(p)
	return t.one.Write(p)
}

var bgProcs sync.Map // downKey(ts, name) -> *bgProc

func bgProcOf(ts *testscript.TestScript, name string) *bgProc {
	v, ok := bgProcs.Load(downKey(ts, name))
	if !ok {
		ts.Fatalf("no process named %s (start it with start %s COMMAND...)", name, name)
	}
	return v.(*bgProc)
}

func startProc(ts *testscript.TestScript, neg bool, args []string) {
	var out *os.File
	if len(args) >= 3 && args[1] == "-out" {
		f, err := os.Create(ts.MkAbs(args[2]))
		ts.Check(err)
		out = f
		args = append(args[:1:1], args[3:]...)
	}
	if neg || len(args) < 2 {
		ts.Fatalf("usage: start NAME [-out FILE] COMMAND ARGS...")
	}
	path, err := exec.LookPath(args[1])
	if err != nil {
		ts.Fatalf("%v", err)
	}
	p := &bgProc{done: make(chan struct{})}
	p.cmd = exec.Command(path, args[2:]...)
	p.cmd.Dir = ts.MkAbs(".")
	p.cmd.Env = scriptEnv(ts)
	p.cmd.Stdout, p.cmd.Stderr = teeBuffer{&p.stdout, &p.both}, teeBuffer{&p.stderr, &p.both}
	if out != nil {
		// One file for both streams, as a shell's redirection.
		p.cmd.Stdout, p.cmd.Stderr = io.MultiWriter(p.cmd.Stdout, out), io.MultiWriter(p.cmd.Stderr, out)
	}
	ts.Check(p.cmd.Start())
	go func() {
		p.err = p.cmd.Wait()
		if out != nil {
			_ = out.Close()
		}
		close(p.done)
	}()
	key := downKey(ts, args[0])
	if _, loaded := bgProcs.LoadOrStore(key, p); loaded {
		_ = p.cmd.Process.Kill()
		ts.Fatalf("start: a process named %s is already started", args[0])
	}
	ts.Defer(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		bgProcs.Delete(key)
	})
}

func waitFor(ts *testscript.TestScript, neg bool, args []string) {
	count := 1
	if len(args) == 4 && args[1] == "-count" {
		n, err := strconv.Atoi(args[2])
		ts.Check(err)
		count, args = n, []string{args[0], args[3]}
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfor NAME [-count N] REGEXP")
	}
	p := bgProcOf(ts, args[0])
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	deadline := time.Now().Add(waitLimit)
	for {
		if len(re.FindAllStringIndex(p.both.String(), -1)) >= count {
			return
		}
		select {
		case <-p.done:
			if len(re.FindAllStringIndex(p.both.String(), -1)) >= count {
				return
			}
			ts.Fatalf("%s exited (%v) before its output matched %q %d times:\n%s", args[0], p.err, args[1], count, p.both.String())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s: output did not match %q %d times within %s:\n%s", args[0], args[1], count, waitLimit, p.both.String())
		}
	}
}

func signalProc(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: signal NAME INT|TERM|KILL")
	}
	sig, ok := map[string]os.Signal{"INT": os.Interrupt, "TERM": syscall.SIGTERM, "KILL": os.Kill}[args[1]]
	if !ok {
		ts.Fatalf("usage: signal NAME INT|TERM|KILL")
	}
	ts.Check(bgProcOf(ts, args[0]).cmd.Process.Signal(sig))
}

func runningProc(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: [!] running NAME")
	}
	p := bgProcOf(ts, args[0])
	select {
	case <-p.done:
		if !neg {
			ts.Fatalf("%s exited (%v):\n%s", args[0], p.err, p.both.String())
		}
	default:
		if neg {
			ts.Fatalf("%s is still running:\n%s", args[0], p.both.String())
		}
	}
}

func exitedProc(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: exited NAME CODE|nonzero [DURATION]")
	}
	p := bgProcOf(ts, args[0])
	limit := waitLimit
	if len(args) == 3 {
		d, err := time.ParseDuration(args[2])
		ts.Check(err)
		limit = d
	}
	select {
	case <-p.done:
	case <-time.After(limit):
		ts.Fatalf("%s still running after %s:\n%s", args[0], limit, p.both.String())
	}
	var ee *exec.ExitError
	if p.err != nil && !errors.As(p.err, &ee) {
		ts.Fatalf("%v", p.err)
	}
	ts.Stdout().Write([]byte(p.stdout.String()))
	ts.Stderr().Write([]byte(p.stderr.String()))
	got := p.cmd.ProcessState.ExitCode()
	if args[1] == "nonzero" {
		if got == 0 {
			ts.Fatalf("%s exited 0, want non-zero:\n%s", args[0], p.both.String())
		}
		return
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	if got != want {
		ts.Fatalf("%s exit code %d (%s), want %d:\n%s", args[0], got, p.cmd.ProcessState.String(), want, p.both.String())
	}
}

// replaceIn replaces the first OLD by NEW in a file the way an editor
// saves it: a temporary file in the same directory renamed over it.
// In OLD and NEW, \n stands for a newline.
//
//	replace FILE OLD NEW
func replaceIn(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: replace FILE OLD NEW")
	}
	args = []string{args[0], strings.ReplaceAll(args[1], `\n`, "\n"), strings.ReplaceAll(args[2], `\n`, "\n")}
	path := ts.MkAbs(args[0])
	data, err := os.ReadFile(path)
	ts.Check(err)
	if !bytes.Contains(data, []byte(args[1])) {
		ts.Fatalf("replace: %s has no %q", args[0], args[1])
	}
	tmp := filepath.Join(filepath.Dir(path), "sedAb12Cd")
	ts.Check(os.WriteFile(tmp, bytes.Replace(data, []byte(args[1]), []byte(args[2]), 1), 0o644))
	ts.Check(os.Rename(tmp, path))
}

// sleepFor waits a while (to let two edits be separate changes, or a
// process show it keeps running).
//
//	sleep DURATION
func sleepFor(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}

// scriptEnvKeys are the variables of a script that a process it runs in
// the background (start, interrupt) gets as the script has them.
var scriptEnvKeys = []string{"HOME", "TMPDIR", "NO_COLOR", "USER", "PLANSYNC_STATE", "PLANSYNC_STATE_NAME", "PLANSYNC_NOW"}

// scriptPleskKeys are those that point plansync at the emulator
// (pleskfake) and the account it uses there (a reseller's login and
// password, for --as reseller:LOGIN; PLESK_KEY, the key of the servers
// pleskfake -name starts), passed on only when set: a process in the
// background talks to the same servers as one exec runs.
var scriptPleskKeys = []string{"PLANSYNC_PLESK_URL", "PLANSYNC_PLESK_KEY", "PLANSYNC_PLESK_LOGIN", "PLANSYNC_PLESK_PASSWORD", "PLANSYNC_PLESK_DEFAULT_IP", "PLESK_KEY"}

// scriptEnv is the environment of a process a script runs in the
// background.
func scriptEnv(ts *testscript.TestScript, extra ...string) []string {
	env := os.Environ()
	for _, k := range append(scriptEnvKeys, extra...) {
		env = append(env, k+"="+ts.Getenv(k))
	}
	for _, k := range scriptPleskKeys {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}
