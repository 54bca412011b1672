package cli

import (
	"io"
	"os"
	"time"
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
}

// OSEnv is the environment of the real process.
func OSEnv() Env {
	user := os.Getenv("USER")
	if user == "" {
		user = "unknown"
	}
	return Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Getenv:     os.LookupEnv,
		IsTerminal: isTerminal,
		Now:        time.Now,
		Hostname:   os.Hostname,
		PID:        os.Getpid(),
		User:       user,
	}
}

func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	fi, err := file.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (e Env) env(name string) string {
	if e.Getenv == nil {
		return ""
	}
	v, _ := e.Getenv(name)
	return v
}
