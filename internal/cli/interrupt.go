package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Interrupts is how a run of plansync reacts to SIGINT and SIGTERM.
//
// The first signal stops the run at once, with exit code 128+signal (130
// for SIGINT, 143 for SIGTERM) and a line on stderr saying so: a plan, a
// validate or an apply still planning or waiting for the lock or for
// confirmation has changed nothing. Only a write in progress (see
// Critical) is finished first; the run then ends with the same code.
// `watch` asks for a graceful stop instead: the signal cancels the
// command's context and the watch ends once the plan in progress is done,
// exiting 0. After the first signal the signals' default action is back,
// so a second one ends the process at once (state writes are atomic, so
// that never leaves a half-written state).
type Interrupts struct {
	ctx    context.Context
	cancel context.CancelFunc
	ch     chan os.Signal
	stderr io.Writer
	exit   func(int)

	mu       sync.Mutex
	got      os.Signal // the first signal, once received
	graceful bool
	writing  int
}

// NewInterrupts catches SIGINT and SIGTERM for the process until Stop;
// exit ends the process (os.Exit).
func NewInterrupts(stderr io.Writer, exit func(int)) *Interrupts {
	ctx, cancel := context.WithCancel(context.Background())
	i := &Interrupts{ctx: ctx, cancel: cancel, ch: make(chan os.Signal, 1), stderr: stderr, exit: exit}
	signal.Notify(i.ch, os.Interrupt, syscall.SIGTERM)
	go i.loop()
	return i
}

// Context is cancelled by the first signal.
func (i *Interrupts) Context() context.Context { return i.ctx }

// Stop stops catching signals.
func (i *Interrupts) Stop() {
	signal.Stop(i.ch)
	i.cancel()
}

func (i *Interrupts) loop() {
	s, ok := <-i.ch
	if !ok {
		return
	}
	// From now on a signal has its default action: it ends the process.
	signal.Stop(i.ch)
	i.mu.Lock()
	i.got = s
	switch {
	case i.writing > 0:
		fmt.Fprintf(i.stderr, "Interrupted (%s): finishing the write in progress, then stopping (signal again to stop at once; the state is written atomically).\n", signalName(s))
	case i.graceful:
	default:
		fmt.Fprintf(i.stderr, "Interrupted (%s): stopped; nothing was written.\n", signalName(s))
		// Exit while holding mu: no write can begin in between. The
		// context is cancelled only after: cancelled first, the run
		// could report the cancellation (a JSON document on stdout)
		// before the exit.
		i.exit(signalCode(s))
	}
	i.cancel()
	i.mu.Unlock()
}

// Graceful asks that a signal only cancel the context (watch).
func (i *Interrupts) Graceful() {
	if i == nil {
		return
	}
	i.mu.Lock()
	i.graceful = true
	i.mu.Unlock()
}

// Critical runs write, which must not be cut short by the first signal:
// it gets a context the signal does not cancel. When a signal came
// before it could begin, write is not run and the result is an exit
// with the signal's code.
func (i *Interrupts) Critical(ctx context.Context, write func(context.Context) error) error {
	if i == nil {
		return write(ctx)
	}
	i.mu.Lock()
	if i.got != nil && !i.graceful {
		s := i.got
		i.mu.Unlock()
		return exitCode(signalCode(s))
	}
	i.writing++
	i.mu.Unlock()
	defer func() {
		i.mu.Lock()
		i.writing--
		i.mu.Unlock()
	}()
	return write(context.WithoutCancel(ctx))
}

// Code turns the exit code of a finished run into 128+signal when a
// signal interrupted it (after its write was finished), saying so.
func (i *Interrupts) Code(code int) int {
	if i == nil {
		return code
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.got == nil || i.graceful {
		return code
	}
	fmt.Fprintf(i.stderr, "Interrupted (%s): stopped after the write in progress was finished.\n", signalName(i.got))
	return signalCode(i.got)
}

func signalCode(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return ExitError
}

func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// Run is plansync's process: Main with the process's environment and
// its signals handled as Interrupts describes.
func Run(args []string) int {
	env := OSEnv()
	in := NewInterrupts(env.Stderr, os.Exit)
	defer in.Stop()
	env.Interrupts = in
	return in.Code(Main(in.Context(), args, env))
}
