package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const smallConfig = `service_plans:
  - name: Basic
    resources: {disk_space: 1GiB}
`

// termEnv is an environment whose streams claim to be a terminal.
func termEnv(t *testing.T, stdin string, vars map[string]string) (Env, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) (string, bool) {
			v, ok := vars[k]
			return v, ok
		},
		IsTerminal: func(any) bool { return true },
		Now:        func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) },
		Hostname:   func() (string, error) { return "testhost", nil },
		PID:        1234,
		User:       "tester",
	}
	return env, &out, &errb
}

func configDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.yaml"), []byte(smallConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestApplyAsksOnTerminal(t *testing.T) {
	for _, tc := range []struct {
		answer  string
		code    int
		applied bool
	}{
		{"yes\n", ExitOK, true},
		{"no\n", ExitError, false},
		{"y\n", ExitError, false},
		{"", ExitError, false},
	} {
		dir := configDir(t)
		env, out, _ := termEnv(t, tc.answer, nil)
		code := Main(context.Background(), []string{"apply", "--dir", dir}, env)
		if code != tc.code {
			t.Errorf("answer %q: exit %d, want %d\n%s", tc.answer, code, tc.code, out)
		}
		if !strings.Contains(out.String(), "Only 'yes' will be accepted") {
			t.Errorf("answer %q: no prompt:\n%s", tc.answer, out)
		}
		_, err := os.Stat(filepath.Join(dir, ".plansync", "state.json"))
		if applied := err == nil; applied != tc.applied {
			t.Errorf("answer %q: state written = %v, want %v", tc.answer, applied, tc.applied)
		}
	}
}

// TestApplyJSONNeverAsks: apply --format json cannot ask on a terminal
// (stdout is one JSON document): without --auto-approve it is refused
// with a JSON error document, exit 1, and nothing is applied.
func TestApplyJSONNeverAsks(t *testing.T) {
	dir := configDir(t)
	env, out, errb := termEnv(t, "yes\n", nil)
	code := Main(context.Background(), []string{"apply", "--dir", dir, "--format", "json"}, env)
	if code != ExitError {
		t.Errorf("exit %d, want %d", code, ExitError)
	}
	if strings.Contains(out.String(), "Only 'yes' will be accepted") {
		t.Errorf("asked:\n%s", out)
	}
	var doc struct {
		Diagnostics []struct{ Severity, Summary string }
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, out)
	}
	if len(doc.Diagnostics) != 1 || doc.Diagnostics[0].Severity != "error" || !strings.Contains(doc.Diagnostics[0].Summary, "pass --auto-approve") {
		t.Errorf("diagnostics %+v", doc.Diagnostics)
	}
	if errb.Len() != 0 {
		t.Errorf("stderr: %s", errb)
	}
	if _, err := os.Stat(filepath.Join(dir, ".plansync", "state.json")); err == nil {
		t.Error("state written")
	}
}

func TestColourOnlyOnTerminalWithoutNoColorOrDumbTerm(t *testing.T) {
	dir := configDir(t)
	env, out, _ := termEnv(t, "", nil)
	if code := Main(context.Background(), []string{"plan", "--dir", dir}, env); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out.String(), "\x1b[32m+\x1b[0m") {
		t.Errorf("no colour on a terminal:\n%q", out)
	}
	env, out, _ = termEnv(t, "", map[string]string{"NO_COLOR": "1"})
	if code := Main(context.Background(), []string{"plan", "--dir", dir}, env); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Errorf("colour despite NO_COLOR:\n%q", out)
	}
	env, out, _ = termEnv(t, "", map[string]string{"TERM": "dumb"})
	if code := Main(context.Background(), []string{"plan", "--dir", dir}, env); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Errorf("colour with TERM=dumb:\n%q", out)
	}
	env, out, _ = termEnv(t, "", nil)
	env.IsTerminal = func(any) bool { return false }
	if code := Main(context.Background(), []string{"plan", "--dir", dir}, env); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Errorf("colour when not a terminal:\n%q", out)
	}
}

func TestExitCodes(t *testing.T) {
	dir := configDir(t)
	env, _, _ := termEnv(t, "", nil)
	env.IsTerminal = func(any) bool { return false }
	if code := Main(context.Background(), []string{"plan", "--dir", dir, "--detailed-exitcode"}, env); code != ExitChanges {
		t.Errorf("pending changes: exit %d, want 2", code)
	}
	if code := Main(context.Background(), []string{"plan", "--dir", dir}, env); code != ExitOK {
		t.Errorf("plain plan: exit %d, want 0", code)
	}
	if code := Main(context.Background(), []string{"plan", "--dir", dir, "--format", "yaml"}, env); code != ExitError {
		t.Errorf("bad format: exit %d, want 1", code)
	}
	if code := Main(context.Background(), []string{"plan", "--bogus"}, env); code != ExitError {
		t.Errorf("bad flag: exit %d, want 1", code)
	}
	if code := Main(context.Background(), []string{"apply", "--dir", dir, "--auto-approve"}, env); code != ExitOK {
		t.Errorf("apply: exit %d", code)
	}
	if code := Main(context.Background(), []string{"plan", "--dir", dir, "--detailed-exitcode"}, env); code != ExitOK {
		t.Errorf("nothing to do: exit %d, want 0", code)
	}
}

// On a terminal, apply says what it records and where, then that it was
// recorded: the write is one, so there is no count of objects to show.
func TestApplyProgressOnTerminal(t *testing.T) {
	dir := configDir(t)
	env, _, errb := termEnv(t, "", nil)
	if code := Main(context.Background(), []string{"apply", "--dir", dir, "--auto-approve"}, env); code != 0 {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	got := errb.String()
	for _, want := range []string{
		"\rApplying: recording 1 change in state file " + filepath.Join(dir, ".plansync", "state.json") + " (one atomic write)…",
		"\rApplying: 1 change recorded in state file ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("stderr lacks %q:\n%q", want, got)
		}
	}
	// A count "0/N" (not the "…0/" of a temporary directory's name).
	if regexp.MustCompile(`\s0/\d`).MatchString(got) {
		t.Errorf("a count that jumps from 0 to done:\n%q", got)
	}
}

// TestPanicIsABug: a panic anywhere in a command exits 1 (never 0, nor
// 2, the code of pending changes) and says it is a bug.
func TestPanicIsABug(t *testing.T) {
	dir := configDir(t)
	env, _, errb := termEnv(t, "", nil)
	env.IsTerminal = func(any) bool { return false }
	env.Now = func() time.Time { panic("clock on fire") }
	code := Main(context.Background(), []string{"plan", "--dir", dir, "--detailed-exitcode"}, env)
	if code != ExitError {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"Error: internal error: clock on fire", "This is a bug in plansync", "goroutine"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
}
