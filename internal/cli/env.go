package cli

import (
	"io"
	"os"
	"os/user"
	"time"

	"golang.org/x/term"
)

// Env is what a run of plansync gets from its process: streams,
// environment, terminal detection and the clock.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) (string, bool)
	// IsTerminal reports whether a stream is an interactive terminal.
	IsTerminal func(any) bool
	Now        func() time.Time
	Hostname   func() (string, error)
	PID        int
	User       string
	// Interrupts, when set, is how the process handles its signals:
	// commands mark their writes with it. Nil: no signal handling.
	Interrupts *Interrupts

	// view is where diagnostics go (set by Main; nil prints text).
	view *diagView
	// useCache: the command keeps decoded config files in the cache
	// under <dir>/.plansync/cache (plan, apply, validate without
	// --no-cache; cache.go).
	useCache bool
	// noCache: --no-cache, which also turns the secret cache off.
	noCache bool
	// writesState: the command writes the state it reads (apply): the
	// state cache hands the file backend the bytes it read, so that the
	// write copies what did not change (state.EncodeLike); a command
	// that only reads does not hold them.
	writesState bool
	// inputs, when set, records what a plan reads, for the plan cache
	// (plancache.go).
	inputs *inputLog
	// stateHashed, when set, is the state file's SHA-256 as the plan
	// cache hashed it: the state cache's read takes it instead of
	// hashing the file again while the file is still the one hashed.
	stateHashed *hashedFile
}

// OSEnv is the environment of the real process.
func OSEnv() Env {
	who := os.Getenv("USER")
	if who == "" {
		if u, err := user.Current(); err == nil {
			who = u.Username
		} else {
			who = "unknown"
		}
	}
	return Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Getenv:     os.LookupEnv,
		IsTerminal: isTerminal,
		Now:        time.Now,
		Hostname:   os.Hostname,
		PID:        os.Getpid(),
		User:       who,
	}
}

// isTerminal reports whether f is an interactive terminal (a tty or a
// console, not merely a character device such as /dev/null), on every
// OS.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	return term.IsTerminal(int(file.Fd()))
}

func (e Env) env(name string) string {
	if e.Getenv == nil {
		return ""
	}
	v, _ := e.Getenv(name)
	return v
}
