package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/plansync/plansync/internal/cli"
)

// supervisedEnv marks the child process that does the work. Its value
// is the file descriptor on which the child reports the exit code it
// chose.
const supervisedEnv = "PLANSYNC_SUPERVISED"

// process is the process. When stdin is not a terminal (CI, scripts), the
// work runs in a child process this one watches, so that a failure of
// the Go runtime itself ("fatal error: …", which exits 2 without any
// chance to recover) is reported as the bug it is with exit 1 instead of
// passing for "changes pending" (`plan --detailed-exitcode`). The child
// reports the code it chose on a pipe; an exit 2 it did not report is a
// crash. Exit codes 0 and 2 therefore always come from plansync's own
// decision. On a terminal, plansync runs in this process: job control
// (Ctrl-Z) and the terminal's signals stay as simple as they are, and a
// person sees any crash on the screen.
func process(args []string) int {
	if fd, ok := os.LookupEnv(supervisedEnv); ok {
		code := realMain(args)
		report(fd, code)
		return code
	}
	if term.IsTerminal(int(os.Stdin.Fd())) {
		return realMain(args)
	}
	code, err := supervise(args)
	if err != nil {
		// No child could be started: do the work here.
		return realMain(args)
	}
	return code
}

// report tells the supervising process the code the run chose.
func report(fd string, code int) {
	var n int
	if _, err := fmt.Sscan(fd, &n); err != nil || n < 3 {
		return
	}
	f := os.NewFile(uintptr(n), "supervisor")
	_, _ = f.Write([]byte{byte(code)})
	_ = f.Close()
}

// supervise runs plansync in a child process and returns the exit code
// to end with. The child is in its own process group, so a signal sent
// to this process's group (a CI runner cancelling the job) reaches it
// exactly once: forwarded from here. It dies with this process
// (PR_SET_PDEATHSIG), so `kill -9` of plansync ends the run.
func supervise(args []string) (int, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	defer r.Close()
	cmd := exec.Command(self, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{w}
	cmd.Env = append(os.Environ(), supervisedEnv+"=3")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}

	// The parent-death signal fires when the thread that started the
	// child ends: keep this goroutine on its thread until the process
	// exits.
	runtime.LockOSThread()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		w.Close()
		return 0, err
	}
	w.Close()
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	reported := make(chan int, 1)
	go func() {
		b, _ := io.ReadAll(r)
		if len(b) == 1 {
			reported <- int(b[0])
		}
		close(reported)
	}()
	werr := cmd.Wait()
	chose, hasReport := <-reported
	return verdict(cmd.ProcessState, werr, chose, hasReport), nil
}

// verdict turns how the child ended into this process's exit code.
func verdict(ps *os.ProcessState, werr error, chose int, hasReport bool) int {
	var exitErr *exec.ExitError
	if werr != nil && !errors.As(werr, &exitErr) {
		fmt.Fprintf(os.Stderr, "Error: internal error: waiting for plansync's run: %v\n", werr)
		return cli.ExitError
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		switch sig := ws.Signal(); sig {
		case syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP:
			return 128 + int(sig)
		case syscall.SIGPIPE:
			// Its output was closed early (plansync plan | head -1): a run
			// that only reads ends quietly, as Unix tools do (the shell's
			// 141 for a tool ended by SIGPIPE), not as an error. One that
			// writes (apply) is an error, said: what it did depends on when
			// its output was closed.
			if readOnlyRun(os.Args[1:]) {
				return 128 + int(sig)
			}
			fmt.Fprintf(os.Stderr, "Error: plansync's run was ended by SIGPIPE (its output was closed before it was done); nothing after that point was done: plansync plan shows what is recorded.\n")
			return cli.ExitError
		default:
			fmt.Fprintf(os.Stderr, "Error: plansync's run was ended by %s (%s); nothing after that point was done.\n", signame(sig), describeKill(sig))
			return cli.ExitError
		}
	}
	code := ps.ExitCode()
	if hasReport && chose == code {
		return code
	}
	if code == 0 || code == 2 {
		fmt.Fprintf(os.Stderr, "Error: internal error: plansync stopped unexpectedly (the Go runtime's exit status %d, see the message above).\n\nThis is a bug in plansync %s, not a problem with your input.\nPlease report it with the message above.\n", code, cli.Version)
		return cli.ExitError
	}
	return code
}

func signame(sig syscall.Signal) string {
	if sig == syscall.SIGKILL {
		return "SIGKILL"
	}
	return sig.String()
}

func describeKill(sig syscall.Signal) string {
	if sig == syscall.SIGKILL {
		return "killed from outside, often by the system for lack of memory"
	}
	return "a signal plansync does not handle"
}

// readOnlyRun reports whether the command of args only reads: plan,
// show, validate, version, help, state pull, list and history, and a
// watch without --apply.
func readOnlyRun(args []string) bool {
	for i, a := range args {
		switch a {
		case "plan", "show", "validate", "version", "help":
			return true
		case "state":
			for _, b := range args[i+1:] {
				switch b {
				case "pull", "list", "history":
					return true
				case "push":
					return false
				}
			}
			return false
		case "watch":
			return !watchApplies(args[i+1:])
		case "apply", "import", "refresh", "fmt", "force-unlock":
			return false
		}
	}
	return false
}

// watchApplies reports whether the flags of a watch ask it to apply
// (--apply, -apply, --apply=true, …): without, a watch only plans.
func watchApplies(args []string) bool {
	applies := false
	for _, a := range args {
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "apply" {
			continue
		}
		applies = true
		if hasVal {
			b, err := strconv.ParseBool(val)
			applies = err != nil || b
		}
	}
	return applies
}
