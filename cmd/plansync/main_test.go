package main

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"log"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/state"
	"github.com/plansync/plansync/state/file"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	// The tests that run plansync from $PATH (kill trials, PostgreSQL)
	// pass on this process's environment.
	os.Setenv("GORACE", goraceNoExitSleep(os.Getenv("GORACE")))
	testscript.Main(m, map[string]func(){
		"plansync": func() {
			// Every state write of the scenarios checks that what it
			// copied from the state read is what a full encoding writes.
			state.VerifyEncodeLike = true
			os.Exit(realMain(os.Args[1:]))
		},
	})
}

// TestScripts runs every CLI scenario in testdata/script: each runs the
// real binary in a fresh directory. PLANSYNC_UPDATE=1 rewrites the
// golden files a failing `cmp` names.
func TestScripts(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       os.Getenv("PLANSYNC_UPDATE") == "1",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"adopt":           adoptDrift,
			"damage":          damage,
			"exited":          exitedProc,
			"grepdir":         grepDir,
			"holdlock":        holdLock,
			"interrupt":       interrupt,
			"jqcount":         jqCount,
			"jqe":             jqExpect,
			"jsonnext":        jsonNext,
			"jsonsame":        jsonSame,
			"mkfifo":          mkfifo,
			"plansyncgen":     plansyncGen,
			"pleskfake":       pleskFake,
			"pleskcomponents": pleskComponents,
			"pleskextension":  pleskExtension,
			"pgexec":          pgExec,
			"pgstate":         pgStateCmd,
			"pleskpost":       pleskPost,
			"pleskdown":       pleskDown,
			"pleskhold":       pleskHold,
			"releaselock":     releaseLock,
			"replace":         replaceIn,
			"running":         runningProc,
			"setmtime":        setmtime,
			"signal":          signalProc,
			"silentserver":    silentServer,
			"sleep":           sleepFor,
			"spoil":           spoil,
			"start":           startProc,
			"subst":           subst,
			"waitfor":         waitFor,
		},
		Condition: func(cond string) (bool, error) {
			if cond == "postgres" {
				// PLANSYNC_TEST_POSTGRES names a database (pgstate).
				return os.Getenv("PLANSYNC_TEST_POSTGRES") != "", nil
			}
			if cond == "root" {
				// File permissions do not bind root.
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Setup: func(e *testscript.Env) error {
			e.Setenv("EXAMPLES", filepath.Join(root, "examples"))
			e.Setenv("NO_COLOR", "1")
			e.Setenv("USER", "tester")
			e.Setenv("GORACE", goraceNoExitSleep(os.Getenv("GORACE")))
			return nil
		},
	})
}

// goraceNoExitSleep adds atexit_sleep_ms=0 to the race detector's
// options unless they set it. Under -race, plansync in the scenarios is
// this test binary built with the race detector, whose runtime sleeps
// one second before every exit (atexit_sleep_ms, default 1000) to catch
// goroutines racing with the exit: with thousands of plansync runs that
// sleep was most of the suite's time. Races are still reported as they
// happen, and a process that had one still exits 66.
func goraceNoExitSleep(opts string) string {
	if strings.Contains(opts, "atexit_sleep_ms") {
		return opts
	}
	return strings.TrimSpace(opts + " atexit_sleep_ms=0")
}

// damage damages every file in a directory (a cache folder), as a
// crash, a full disk or a careless hand would: truncate cuts each in
// half, flip changes one byte in the middle, garbage replaces each with
// bytes that are no entry at all.
//
//	damage truncate|flip|garbage DIR
func damage(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: damage truncate|flip|garbage DIR")
	}
	dir := ts.MkAbs(args[1])
	entries, err := os.ReadDir(dir)
	ts.Check(err)
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(p)
		ts.Check(err)
		switch args[0] {
		case "truncate":
			data = data[:len(data)/2]
		case "flip":
			data[len(data)/2] ^= 0x20
		case "garbage":
			data = []byte("not a cache entry\n")
		default:
			ts.Fatalf("damage: unknown mode %q", args[0])
		}
		ts.Check(os.WriteFile(p, data, 0o600))
		n++
	}
	if n == 0 {
		ts.Fatalf("damage: no file in %s", dir)
	}
}

// grepDir looks for a regular expression in every file under a
// directory; with !, it fails when any holds it; with -count N, exactly
// N files must hold it.
//
//	[!] grepdir [-count N] PATTERN DIR
func grepDir(ts *testscript.TestScript, neg bool, args []string) {
	want := -1
	if len(args) > 2 && args[0] == "-count" {
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		want, args = n, args[2:]
	}
	if len(args) != 2 || (neg && want >= 0) {
		ts.Fatalf("usage: [!] grepdir [-count N] PATTERN DIR")
	}
	re, err := regexp.Compile(args[0])
	ts.Check(err)
	var found []string
	files := 0
	ts.Check(filepath.WalkDir(ts.MkAbs(args[1]), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if re.Match(data) {
			found = append(found, p)
		}
		return nil
	}))
	if files == 0 {
		ts.Fatalf("grepdir: no file under %s", args[1])
	}
	switch {
	case want >= 0 && len(found) != want:
		ts.Fatalf("%s found in %d files, want %d: %v", args[0], len(found), want, found)
	case neg && len(found) > 0:
		ts.Fatalf("%s found in %v", args[0], found)
	case !neg && len(found) == 0:
		ts.Fatalf("%s not found under %s", args[0], args[1])
	}
}

// holdLock takes the lock of a state file from the test process (another
// process than the plansync under test) and keeps it until the script
// ends; the lock ID is put in $LOCKID. "holdlock postgres" holds the lock of
// the script's PostgreSQL state (pgstate).
//
//	holdlock PATH|postgres
func holdLock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: holdlock STATEPATH|postgres")
	}
	var b state.Backend
	if args[0] == "postgres" {
		b = pgBackend(ts)
	} else {
		b = file.New(ts.MkAbs(args[0]))
	}
	l, err := b.TryLock(context.Background(), state.LockInfo{Who: "alice", Host: "ci-runner-7", PID: 4242,
		Operation: "apply", Since: time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)})
	if err != nil {
		ts.Fatalf("holdlock: %v", err)
	}
	ts.Setenv("LOCKID", l.Info().ID)
	var once sync.Once
	release := func() { once.Do(func() { _ = l.Unlock(); _ = b.Close() }) }
	heldLocks.Store(downKey(ts, "lock"), release)
	ts.Defer(release)
}

var heldLocks sync.Map // downKey(ts, "lock") -> func() releasing it

// releaseLock releases the lock holdlock took, before the script ends.
//
//	releaselock
func releaseLock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: releaselock")
	}
	v, ok := heldLocks.LoadAndDelete(downKey(ts, "lock"))
	if !ok {
		ts.Fatalf("releaselock: no lock held (holdlock takes one)")
	}
	v.(func())()
}

// lockedBuffer is a buffer a process writes to while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// interrupt runs a command as a real process, sends it a real signal
// once its stderr matches READY, and checks that it then exits with
// CODE within 5 seconds; its stdout and stderr are those of the command
// for the assertions that follow.
//
//	interrupt INT|TERM CODE READY COMMAND ARGS...
func interrupt(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 4 {
		ts.Fatalf("usage: interrupt INT|TERM CODE READY COMMAND ARGS...")
	}
	sig := map[string]syscall.Signal{"INT": syscall.SIGINT, "TERM": syscall.SIGTERM}[args[0]]
	want, err := strconv.Atoi(args[1])
	if sig == 0 || err != nil {
		ts.Fatalf("usage: interrupt INT|TERM CODE READY COMMAND ARGS...")
	}
	ready := regexp.MustCompile(args[2])
	path, err := exec.LookPath(args[3])
	if err != nil {
		ts.Fatalf("%v", err)
	}
	cmd := exec.Command(path, args[4:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = scriptEnv(ts, "PLANSYNC_PROFILE")
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	ts.Check(cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for !ready.MatchString(stderr.String()) {
		select {
		case err := <-done:
			ts.Fatalf("exited (%v) before its stderr matched %q:\n%s%s", err, args[2], stdout.String(), stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			ts.Fatalf("stderr never matched %q:\n%s", args[2], stderr.String())
		}
	}
	ts.Check(cmd.Process.Signal(sig))
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		ts.Fatalf("still running 5s after SIG%s:\n%s", args[0], stderr.String())
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		ts.Fatalf("%v", err)
	}
	ts.Stdout().Write([]byte(stdout.String()))
	ts.Stderr().Write([]byte(stderr.String()))
	if got := cmd.ProcessState.ExitCode(); got != want {
		ts.Fatalf("exit code %d (%s), want %d:\n%s", got, strings.TrimSpace(cmd.ProcessState.String()), want, stderr.String())
	}
}

// silentServer listens on a loopback port and accepts connections but
// never answers on them, as a database behind a firewall that drops
// packets, or a machine that hangs, would; HOST:PORT is put in $NAME.
// It stops when the script ends.
//
//	silentserver NAME
func silentServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: silentserver NAME")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	ts.Defer(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	ts.Setenv(args[0], l.Addr().String())
}

// mkfifo makes a named pipe.
//
//	mkfifo PATH
func mkfifo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mkfifo PATH")
	}
	if err := makeFIFO(ts.MkAbs(args[0])); err != nil {
		ts.Fatalf("mkfifo: %v", err)
	}
}

// TestTuneGC: the collector is tuned unless the user set GOGC or
// GOMEMLIMIT, whose settings then stay.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	for _, tc := range []struct {
		name      string
		env       map[string]string
		wantGC    int
		wantLimit int64
	}{
		{"defaults", nil, 400, 800 << 20},
		{"user GOGC", map[string]string{"GOGC": "50"}, 100, 800 << 20},
		{"user GOMEMLIMIT", map[string]string{"GOMEMLIMIT": "2GiB"}, 400, math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			defer tuneGC(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })()
			if got := debug.SetGCPercent(100); got != tc.wantGC {
				t.Errorf("GC percent %d, want %d", got, tc.wantGC)
			}
			if got := debug.SetMemoryLimit(-1); got != tc.wantLimit {
				t.Errorf("memory limit %d, want %d", got, tc.wantLimit)
			}
		})
	}
}

// pleskFake starts a Plesk emulator for the rest of the script, seeded
// from a plansync config directory (or empty with "-"), and points
// PLANSYNC_PLESK_URL, PLANSYNC_PLESK_KEY and PLANSYNC_PLESK_DEFAULT_IP at
// it.
//
// With a second argument, the server has only the components listed
// (comma-separated): subscriptions whose plans need others are left
// unsynchronised. Flags before the directory: -empty (the server has the
// config's components and extensions, with the extensions' services,
// but none of its objects), -fail-op N (the Nth
// operation fails, with -fail-code, default 1023), -delay DUR (every
// answer is held back this long), -addon-replaces (add-on values replace
// the plan's instead of adding to them, the emulator's option),
// -vendor-php VERSION (that PHP version is the OS vendor's: its handlers'
// ids are fpm, fastcgi, cgi, the emulator's option).
//
// Options inject faults: -answer=html|garbage|http500 (the emulator's
// own), -answer=version (every packet refused with Plesk's system error
// 1005), -tls (served over HTTPS with a certificate no one trusts; the
// certificate is in $PLESK_CA, a file for ca_file or --ca-file).
// -ip LIST (comma-separated) adds IP addresses to the server's pool, for
// subscriptions that name their own ip_address (PLANSYNC_PLESK_DEFAULT_IP
// stays the first, 192.0.2.10).
// Options take their value after "=" or as the next argument.
//
//	pleskfake [-empty] [-addon-replaces] [-no-reseller-cap] [-reseller-status-cascades] [-status-locks] [-expiration-locks] [-no-plan-items] [-ip LIST] [-vendor-php VERSION] [-delay DUR] [-fail-op N] [-fail-code N] [-answer=WHAT] [-tls] [-name NAME] [-key KEY] [-admin-password PW] CONFIGDIR|- [COMPONENTS]
//
// With -name NAME the emulator is one of several servers: its URL is put
// in $NAME_URL (NAME upper-cased, - and . as _) and in $PLESK_URL_NAME
// (NAME as given), and its key in $PLESK_KEY, rather than in
// PLANSYNC_PLESK_URL and PLANSYNC_PLESK_KEY; pleskdown NAME takes it
// down and !pleskdown NAME up again. -key KEY makes it accept KEY
// instead of the scripts' key; -admin-password PW accepts login admin
// with PW too. pleskhold [NAME] holds every answer of a running emulator
// back until !pleskhold [NAME].
func pleskFake(ts *testscript.TestScript, neg bool, args []string) {
	var opts fake.Options
	emptyServer, useTLS, version := false, false, false
	serverName, key := "", "script-key-0001" // -name NAME: one of several servers (see below)
	var moreIPs []string                     // -ip LIST: more addresses in the server's pool
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		name, val, hasVal := strings.Cut(strings.TrimPrefix(args[0], "-"), "=")
		args = args[1:]
		switch name {
		case "empty":
			emptyServer = true
			continue
		case "name":
			if len(args) == 0 {
				ts.Fatalf("pleskfake: -name needs a value")
			}
			serverName, args = args[0], args[1:]
			continue
		case "tls":
			useTLS = true
			continue
		case "addon-replaces":
			opts.AddonReplaces = true
			continue
		case "no-reseller-cap":
			opts.NoResellerCap = true
			continue
		case "reseller-status-cascades":
			opts.ResellerStatusCascades = true
			continue
		case "status-locks":
			opts.StatusLocks = true
			continue
		case "expiration-locks":
			opts.ExpirationLocks = true
			continue
		case "no-plan-items":
			opts.NoPlanItems = true
			continue
		case "answer", "answer-at", "delay", "fail-op", "fail-code", "key", "admin-password", "ip", "vendor-php":
		default:
			ts.Fatalf("pleskfake: unknown option -%s", name)
		}
		if !hasVal {
			if len(args) == 0 {
				ts.Fatalf("pleskfake: -%s needs a value", name)
			}
			val, args = args[0], args[1:]
		}
		switch name {
		case "name":
			serverName = val
		case "key":
			key = val
		case "admin-password":
			opts.AdminPassword = val
		case "ip":
			moreIPs = strings.Split(val, ",")
		case "vendor-php":
			opts.VendorPHP = val
		case "answer":
			if val == "version" {
				version = true
			} else {
				opts.Answer = val
			}
		case "delay":
			d, err := time.ParseDuration(val)
			if err != nil {
				ts.Fatalf("pleskfake: -delay %s: %v", val, err)
			}
			opts.Delay = d
		case "answer-at":
			n, err := strconv.Atoi(val)
			if err != nil {
				ts.Fatalf("pleskfake: -answer-at %s: %v", val, err)
			}
			opts.AnswerAt = n
		case "fail-op", "fail-code":
			n, err := strconv.Atoi(val)
			if err != nil {
				ts.Fatalf("pleskfake: -%s %s: %v", name, val, err)
			}
			if name == "fail-op" {
				opts.FailOp = n
			} else {
				opts.FailCode = n
			}
		}
	}
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: pleskfake [-empty] [-addon-replaces] [-vendor-php VERSION] [-delay DUR] [-fail-op N] [-fail-code N] [-answer=WHAT] [-answer-at N] [-tls] CONFIGDIR|- [COMPONENTS]")
	}
	st := fake.NewState()
	if args[0] != "-" {
		cfg, diags := config.Load(ts.MkAbs(args[0]), config.Options{})
		if diags.HasErrors() {
			ts.Fatalf("pleskfake: %v", diags.Error())
		}
		if len(args) == 2 {
			if cfg.Server == nil {
				cfg.Server = &model.Server{}
			}
			cfg.Server.Components = strings.Split(args[1], ",")
		}
		if emptyServer {
			// The server block alone: its components, and its
			// extensions installed with their services.
			only := model.NewConfig()
			only.Server = cfg.Server
			for name, sv := range cfg.Services {
				if sv.Extension != "" {
					only.Services[name] = sv
				}
			}
			var err error
			if st, err = fake.Seed(only, "", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), fake.Options{VendorPHP: opts.VendorPHP}); err != nil {
				ts.Fatalf("pleskfake: %v", err)
			}
		} else {
			var err error
			// The emulator's assumptions (add-on arithmetic, reseller
			// caps) shape the seeded subscriptions as they shape later ones.
			seedOpts := fake.Options{VendorPHP: opts.VendorPHP, AddonReplaces: opts.AddonReplaces, NoResellerCap: opts.NoResellerCap}
			if st, err = fake.Seed(cfg, "", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), seedOpts); err != nil {
				ts.Fatalf("pleskfake: %v", err)
			}
		}
	} else if len(args) == 2 {
		st.Components = strings.Split(args[1], ",")
	}
	for _, ip := range moreIPs {
		if !slices.Contains(st.IPs, ip) {
			st.IPs = append(st.IPs, ip)
		}
	}
	opts.Key = key
	emu := fake.New(st, opts)
	emulators.Store(downKey(ts, serverName), emu)
	ts.Defer(func() { emulators.Delete(downKey(ts, serverName)) })
	var h http.Handler = emu
	if version {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/xml")
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.3.0"><system><status>error</status><errcode>1005</errcode><errtext>Protocol version 1.6.9.1 is not supported</errtext></system></packet>`)
		})
	}
	if dir := os.Getenv("PLANSYNC_PLESK_XSD"); dir != "" {
		if _, err := exec.LookPath("xmllint"); err == nil {
			h = xsdChecked(ts, dir, h)
		}
	}
	h = holdable(ts, serverName, h)
	if serverName != "" {
		h = downable(ts, serverName, h)
	}
	var srv *httptest.Server
	if useTLS {
		srv = httptest.NewUnstartedServer(h)
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
		srv.StartTLS()
		// Its certificate, as a CA file a config or --ca-file may name.
		ca := filepath.Join(ts.Getenv("WORK"), "plesk-ca.pem")
		if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
			ts.Fatalf("pleskfake: %v", err)
		}
		ts.Setenv("PLESK_CA", ca)
	} else {
		srv = httptest.NewServer(h)
	}
	ts.Defer(srv.Close)
	if serverName != "" {
		// One of several servers: its URL in $NAME_URL (upper case, - as
		// _), for subst to write into a servers list.
		ts.Setenv(envName(serverName)+"_URL", srv.URL)
		ts.Setenv("PLESK_URL_"+serverName, srv.URL)
		ts.Setenv("PLESK_KEY", key)
		ts.Setenv("PLANSYNC_PLESK_DEFAULT_IP", st.IPs[0])
		return
	}
	ts.Setenv("PLANSYNC_PLESK_URL", srv.URL)
	ts.Setenv("PLANSYNC_PLESK_KEY", key)
	ts.Setenv("PLANSYNC_PLESK_DEFAULT_IP", st.IPs[0])
}

func envName(server string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(server))
}

// answerGate holds an emulator's answers back while it is closed: a
// request waits until pleskhold opens it again (or its client gives up).
type answerGate struct {
	mu   sync.Mutex
	open chan struct{} // nil while the gate is open
}

// heldServers holds, per script and server name, the emulator's gate.
var heldServers sync.Map // string -> *answerGate

// holdable wraps an emulator's handler so that pleskhold can hold its
// answers back: a run talking to it waits at its first request, for as
// long as a scenario needs (a real run holding the state lock while
// another waits for it), without racing a timer.
func holdable(ts *testscript.TestScript, name string, h http.Handler) http.Handler {
	g := new(answerGate)
	key := downKey(ts, name)
	heldServers.Store(key, g)
	ts.Defer(func() {
		heldServers.Delete(key)
		g.set(false)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		wait := g.open
		g.mu.Unlock()
		if wait != nil {
			select {
			case <-wait:
			case <-r.Context().Done():
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

func (g *answerGate) set(held bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case held && g.open == nil:
		g.open = make(chan struct{})
	case !held && g.open != nil:
		close(g.open)
		g.open = nil
	}
}

// pleskHold holds back every answer of the emulator (the one started
// without -name, or -name NAME's) until !pleskhold lets them go:
//
//	[!] pleskhold [NAME]
func pleskHold(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) > 1 {
		ts.Fatalf("usage: [!] pleskhold [NAME]")
	}
	name := ""
	if len(args) == 1 {
		name = args[0]
	}
	v, ok := heldServers.Load(downKey(ts, name))
	if !ok {
		ts.Fatalf("pleskhold: no emulator %q running (start it with pleskfake)", name)
	}
	v.(*answerGate).set(!neg)
}

// downServers holds, per script and server name, whether the emulator
// started with pleskfake -name is down.
var downServers sync.Map // string -> *atomic.Bool

func downKey(ts *testscript.TestScript, name string) string {
	return ts.Getenv("WORK") + "\x00" + name
}

// downable wraps an emulator's handler so that pleskdown can take it
// down: while down, every connection is closed without an answer, as an
// unreachable server's would be.
func downable(ts *testscript.TestScript, name string, h http.Handler) http.Handler {
	flag := new(atomic.Bool)
	key := downKey(ts, name)
	downServers.Store(key, flag)
	ts.Defer(func() { downServers.Delete(key) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if flag.Load() {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// pleskDown takes the emulator started with pleskfake -name NAME down
// (!pleskdown brings it back up).
//
//	pleskdown NAME
func pleskDown(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: [!] pleskdown NAME")
	}
	v, ok := downServers.Load(downKey(ts, args[0]))
	if !ok {
		ts.Fatalf("pleskdown: no emulator named %s (start it with pleskfake -name %s)", args[0], args[0])
	}
	v.(*atomic.Bool).Store(!neg)
}

// emulators holds, per script and server name ("" for the one started
// without -name), the running emulator, for pleskcomponents.
var emulators sync.Map // string -> *fake.Server

// pleskComponents changes the components installed on a running
// emulator, as an administrator installing or removing them would:
//
//	pleskcomponents [-name NAME] COMPONENT,...
func pleskComponents(ts *testscript.TestScript, neg bool, args []string) {
	name := ""
	if len(args) == 3 && args[0] == "-name" {
		name, args = args[1], args[2:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf("usage: pleskcomponents [-name NAME] COMPONENT,...")
	}
	v, ok := emulators.Load(downKey(ts, name))
	if !ok {
		ts.Fatalf("pleskcomponents: no emulator %q running (start it with pleskfake)", name)
	}
	v.(*fake.Server).Do(func(st *fake.State) { st.Components = strings.Split(args[0], ",") })
}

// pleskExtension installs an extension on the running emulator, with the
// additional services it provides, as an operator would in the panel.
//
//	pleskextension [-name NAME] EXTENSION SERVICE=DESCRIPTION...
func pleskExtension(ts *testscript.TestScript, neg bool, args []string) {
	name := ""
	if len(args) >= 2 && args[0] == "-name" {
		name, args = args[1], args[2:]
	}
	if neg || len(args) < 1 {
		ts.Fatalf("usage: pleskextension [-name NAME] EXTENSION SERVICE=DESCRIPTION...")
	}
	services := map[string]string{}
	for _, a := range args[1:] {
		sv, desc, _ := strings.Cut(a, "=")
		services[sv] = desc
	}
	v, ok := emulators.Load(downKey(ts, name))
	if !ok {
		ts.Fatalf("pleskextension: no emulator %q running (start it with pleskfake)", name)
	}
	v.(*fake.Server).Do(func(st *fake.State) { st.InstallExtension(args[0], services) })
}

// subst replaces $NAME and ${NAME} in files with the script's
// environment (the URLs pleskfake -name sets).
//
//	subst FILE...
func subst(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: subst FILE...")
	}
	for _, f := range args {
		data := ts.ReadFile(f)
		ts.Check(os.WriteFile(ts.MkAbs(f), []byte(os.Expand(data, ts.Getenv)), 0o644))
	}
}

// pleskPost sends a request packet to the running emulator, as an
// operator in the panel or a billing system would change the server, and
// prints its answer. It fails when the answer holds an error (unless
// negated). With PLANSYNC_PLESK_XSD set, the packet and the answer are
// checked against Plesk's schema.
//
//	pleskpost FILE.xml
func pleskPost(ts *testscript.TestScript, neg bool, args []string) {
	server := "" // -server NAME: the emulator started with pleskfake -name NAME
	if len(args) == 3 && args[0] == "-server" {
		server, args = args[1], args[2:]
	}
	if len(args) != 1 {
		ts.Fatalf("usage: pleskpost [-server NAME] FILE.xml")
	}
	packet := []byte(ts.ReadFile(args[0]))
	validatePacket(ts, false, args[0], packet)
	url, key := ts.Getenv("PLANSYNC_PLESK_URL"), ts.Getenv("PLANSYNC_PLESK_KEY")
	if server != "" {
		url, key = ts.Getenv(envName(server)+"_URL"), ts.Getenv("PLESK_KEY")
	}
	req, err := http.NewRequest(http.MethodPost, url+"/enterprise/control/agent.php", bytes.NewReader(packet))
	ts.Check(err)
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("KEY", key)
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	ts.Check(err)
	validatePacket(ts, true, args[0]+" (answer)", out)
	ts.Stdout().Write(out)
	failed := bytes.Contains(out, []byte("<status>error</status>"))
	if failed && !neg {
		ts.Fatalf("pleskpost %s: the server answered an error:\n%s", args[0], out)
	}
	if !failed && neg {
		ts.Fatalf("pleskpost %s: the server answered no error", args[0])
	}
}

// validatePacket checks a packet against Plesk's schema when
// PLANSYNC_PLESK_XSD names it and xmllint is installed. A request of
// another protocol than 1.6.9.1 (a 1.6.9.0 plan-item packet), which that
// schema does not describe, and its answer are not checked.
func validatePacket(ts *testscript.TestScript, output bool, name string, packet []byte) {
	dir := os.Getenv("PLANSYNC_PLESK_XSD")
	if dir == "" {
		return
	}
	if !output && !bytes.Contains(packet, []byte(`version="1.6.9.1"`)) {
		return
	}
	if output && bytes.Contains(packet, []byte("<plan-item>")) {
		return
	}
	if _, err := exec.LookPath("xmllint"); err != nil {
		return
	}
	schema := "agent_input.xsd"
	if output {
		schema = "agent_output.xsd"
	}
	f := filepath.Join(ts.Getenv("WORK"), ".packet.xml")
	ts.Check(os.WriteFile(f, packet, 0o600))
	defer os.Remove(f)
	if out, err := exec.Command("xmllint", "--noout", "--schema", filepath.Join(dir, schema), f).CombinedOutput(); err != nil {
		ts.Fatalf("%s does not validate against %s:\n%s", name, schema, strings.TrimSpace(string(out)))
	}
}

// xsdChecked checks every request packet of protocol 1.6.9.1 against
// Plesk's schema (agent_input.xsd in dir) before the emulator sees it: a
// packet that does not validate is answered with a system error 1014
// naming the problem, so the plansync under test fails loudly.
// (plan-item packets are protocol 1.6.9.0, which that schema does not
// describe.)
func xsdChecked(ts *testscript.TestScript, dir string, next http.Handler) http.Handler {
	tmp := ts.MkAbs("xsd-packets")
	_ = os.MkdirAll(tmp, 0o755)
	var n int64
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte(`version="1.6.9.1"`)) {
			// Several emulators may share the script's directory: each
			// packet gets a file of its own.
			mu.Lock()
			n++
			pf, err := os.CreateTemp(tmp, fmt.Sprintf("%04d-*.xml", n))
			mu.Unlock()
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			f := pf.Name()
			_, _ = pf.Write(body)
			_ = pf.Close()
			out, err := exec.Command("xmllint", "--noout", "--schema", filepath.Join(dir, "agent_input.xsd"), f).CombinedOutput()
			if err != nil {
				w.Header().Set("Content-Type", "text/xml")
				fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.9.1"><system><status>error</status><errcode>1014</errcode><errtext>XSD: %s</errtext></system></packet>`,
					html.EscapeString(strings.Join(strings.Fields(string(out)), " ")))
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}
