package cli

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/plansync/plansync/internal/watch"
	"github.com/spf13/cobra"
)

// parse runs a command built by one of the *Command constructors on args
// with a run that only keeps the options it is given: flag parsing
// tested without running anything.
func parse[O any](t *testing.T, build func(func(context.Context, O) error) *cobra.Command, args ...string) (O, error) {
	t.Helper()
	var got O
	ran := false
	cmd := build(func(_ context.Context, o O) error { got, ran = o, true; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	if err == nil && !ran {
		t.Fatalf("%q: no error, yet not run", args)
	}
	return got, err
}

type argsCase[O any] struct {
	args    []string
	want    O
	wantErr string
}

func checkArgs[O any](t *testing.T, build func(func(context.Context, O) error) *cobra.Command, cases []argsCase[O]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			got, err := parse(t, build, tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateArgs(t *testing.T) {
	checkArgs(t, validateCommand, []argsCase[validateOptions]{
		{args: nil, want: validateOptions{Dir: ".", Format: "text"}},
		{args: []string{"--dir", "cfg", "--format", "json", "--no-cache"}, want: validateOptions{Dir: "cfg", Format: "json", NoCache: true}},
		{args: []string{"cfg"}, wantErr: `unknown command "cfg"`},
		{args: []string{"--out", "x"}, wantErr: "unknown flag: --out"},
	})
}

func TestPlanArgs(t *testing.T) {
	checkArgs(t, planCommand, []argsCase[planOptions]{
		{args: nil, want: planOptions{Dir: ".", Format: "text"}},
		{args: []string{"--dir=cfg", "--out", "p.plan", "--format", "markdown", "--detailed-exitcode", "--now", "2027-01-31",
			"--target", "service_plan/Business", "--target", "subscription/doe.example", "--allow-delete", "--no-cache"},
			want: planOptions{Dir: "cfg", Out: "p.plan", Format: "markdown", DetailedExitCode: true, Now: "2027-01-31",
				Targets: []string{"service_plan/Business", "subscription/doe.example"}, AllowDelete: true, NoCache: true}},
		// --target keeps a comma: keys may hold one.
		{args: []string{"--target", "customer/a,b"}, want: planOptions{Dir: ".", Format: "text", Targets: []string{"customer/a,b"}}},
		{args: []string{"--refresh=false"}, want: planOptions{Dir: ".", Format: "text", NoRefresh: true}},
		{args: []string{"--refresh"}, want: planOptions{Dir: ".", Format: "text"}},
		{args: []string{"--refresh=maybe"}, wantErr: `invalid argument "maybe" for "--refresh"`},
		{args: []string{"--detailed-exitcode=maybe"}, wantErr: "invalid argument"},
		{args: []string{"extra"}, wantErr: `unknown command "extra"`},
		{args: []string{"--parallelism", "8"}, want: planOptions{Dir: ".", Format: "text", Parallelism: 8}},
	})
}

func TestApplyArgs(t *testing.T) {
	checkArgs(t, applyCommand, []argsCase[applyOptions]{
		{args: nil, want: applyOptions{Dir: ".", Format: "text"}},
		{args: []string{"p.plan", "--strict", "--dir", "cfg"}, want: applyOptions{Dir: "cfg", Format: "text", PlanFile: "p.plan"}}, // --strict: accepted, the default now
		{args: []string{"--auto-approve", "--accept-available", "--allow-delete", "--format", "json", "--now", "2027-01-31T10:00:00Z",
			"--target", "customer/jdoe", "--no-cache"},
			want: applyOptions{Dir: ".", Format: "json", AutoApprove: true, AcceptAvailable: true, AllowDelete: true,
				Now: "2027-01-31T10:00:00Z", Targets: []string{"customer/jdoe"}, NoCache: true}},
		{args: []string{"--refresh=false", "--auto-approve"}, want: applyOptions{Dir: ".", Format: "text", AutoApprove: true, NoRefresh: true}},
		{args: []string{"a.plan", "b.plan"}, wantErr: "accepts at most 1 arg(s), received 2"},
		// Flags that only shape a plan being made: the saved plan fixed them.
		{args: []string{"p.plan", "--target", "customer/jdoe"}, wantErr: "--target cannot be used with a saved plan"},
		{args: []string{"--now", "2027-01-31", "p.plan"}, wantErr: "--now cannot be used with a saved plan: its clock was fixed"},
		{args: []string{"p.plan", "--refresh=false"}, wantErr: "--refresh cannot be used with a saved plan"},
		{args: []string{"p.plan", "--now", "2027-01-31"}, wantErr: "--now cannot be used with a saved plan"},
		{args: []string{"--parallelism", "2", "--auto-approve"}, want: applyOptions{Dir: ".", Format: "text", AutoApprove: true, Parallelism: 2}},
	})
}

func TestShowArgs(t *testing.T) {
	checkArgs(t, showCommand, []argsCase[showOptions]{
		{args: nil, want: showOptions{Dir: ".", Format: "text"}},
		{args: []string{"subscription"}, want: showOptions{Dir: ".", Format: "text", Kind: "subscription"}},
		{args: []string{"subscription", "doe.example", "--format", "json"}, want: showOptions{Dir: ".", Format: "json", Kind: "subscription", Key: "doe.example"}},
		{args: []string{"a", "b", "c"}, wantErr: "accepts at most 2 arg(s), received 3"},
	})
}

func TestWatchArgs(t *testing.T) {
	def := watchOptions{Dir: ".", Debounce: watch.DefaultDebounce, Rescan: watch.DefaultRescan}
	full := watchOptions{Dir: "cfg", Apply: true, Debounce: 50 * time.Millisecond, MaxWait: 2 * time.Second, Rescan: 0, AuditLog: "audit.jsonl"}
	checkArgs(t, watchCommand, []argsCase[watchOptions]{
		{args: nil, want: def},
		{args: []string{"--dir", "cfg", "--apply", "--debounce", "50ms", "--max-wait", "2s", "--rescan", "0", "--audit-log", "audit.jsonl"}, want: full},
		{args: []string{"--refresh-every", "5m", "--apply", "--self-heal"}, want: watchOptions{Dir: ".", Debounce: watch.DefaultDebounce, Rescan: watch.DefaultRescan,
			Apply: true, RefreshEvery: 5 * time.Minute, SelfHeal: true}},
		{args: []string{"--debounce", "300"}, wantErr: `invalid argument "300" for "--debounce"`},
		{args: []string{"cfg"}, wantErr: `unknown command "cfg"`},
	})
}

func TestFmtArgs(t *testing.T) {
	checkArgs(t, fmtCommand, []argsCase[fmtOptions]{
		{args: nil, want: fmtOptions{Dir: "."}},
		{args: []string{"--check", "--dir", "cfg"}, want: fmtOptions{Dir: "cfg", Check: true}},
	})
}

// TestUsageFollowsSpec: every command's usage line (plansync help CMD,
// CMD --help) starts with its synopsis in SPEC §4 — the same flags, in
// the same order, the same required arguments — ("[--as ...]" and
// "[--format ...]" written out); flags SPEC does not list come after.
func TestUsageFollowsSpec(t *testing.T) {
	spec := map[string]string{
		"validate": "validate [--dir DIR]",
		"plan": "plan [--dir DIR] [--out FILE] [--format text|json|markdown] [--detailed-exitcode] [--now TIME] [--target KIND/KEY]... " +
			"[--allow-delete] [--as admin|reseller:LOGIN]",
		"apply": "apply [--dir DIR] [PLANFILE] [--auto-approve] [--accept-available] [--allow-delete] [--format text|json|markdown] [--now TIME] " +
			"[--as admin|reseller:LOGIN]",
		"show":         "show [--dir DIR] [KIND [KEY]] [--format text|json] [--as admin|reseller:LOGIN]",
		"watch":        "watch [--dir DIR] [--apply] [--debounce DUR] [--as admin|reseller:LOGIN]",
		"state":        "state pull | push FILE [--force] | list | history",
		"force-unlock": "force-unlock LOCK_ID",
		"fmt":          "fmt [--dir DIR] [--check]",
		"import":       "import --dir OUT [--format yaml|hcl] [--target KIND/KEY]... [--force]",
		"refresh":      "refresh [--dir DIR]",
		"version":      "version",
		"completion":   "completion", // cobra's, not in SPEC
	}
	root := newRoot(context.Background(), Env{Stdout: io.Discard, Stderr: io.Discard, Stdin: strings.NewReader("")})
	seen := 0
	for _, cmd := range root.Commands() {
		if cmd.Name() == "help" {
			continue
		}
		want, ok := spec[cmd.Name()]
		if !ok {
			t.Errorf("command %s: not in SPEC §4's synopsis", cmd.Name())
			continue
		}
		seen++
		if got := cmd.UseLine(); !strings.HasPrefix(got, "plansync "+want) {
			t.Errorf("usage of %s:\n got  %s\n want %s…", cmd.Name(), got, "plansync "+want)
		}
	}
	if seen != len(spec) {
		t.Errorf("%d commands, SPEC lists %d", seen, len(spec))
	}
}

func TestSameHost(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"plesk.example.com:8443", "plesk.example.com:8443", true},
		{"Plesk.Example.com:8443", "plesk.example.com:8443", true},
		{"plesk.example.com:443", "plesk.example.com", true},
		{"plesk.example.com", "plesk.example.com:8443", false},
		{"127.0.0.1:20001", "127.0.0.1:20002", false},
	} {
		if got := sameHost(c.a, c.b); got != c.want {
			t.Errorf("sameHost(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
