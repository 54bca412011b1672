package cli

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/state"
)

// crMutations break one reference or key of a config line.
var crMutations = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\b((?:plan|customer|owner|name|login|domain|default_plan)\s*:\s*)[^,}\]\n]+`), "${1}nope"},
	{regexp.MustCompile(`\b((?:plan|customer|owner|default_plan)\s*=\s*)"[^"]*"`), `${1}"nope"`},
	{regexp.MustCompile(`^(\w+) "[^"]*"`), `${1} "nope"`},
	{regexp.MustCompile(`\b((?:addons|services)\s*[:=]\s*\[)\s*"?[^,\]"]*"?`), `${1}"nope"`},
}

// TestCheckRestExamplesBroken: on every example, with one reference or
// key broken at a time, the engine's checks on what can still be
// checked (as engineChecks runs them) run without failing, against no
// recorded state and against the example applied, and find no error:
// the examples have none, and leaving out what has an error and what
// uses it makes none.
func TestCheckRestExamplesBroken(t *testing.T) {
	if testing.Short() {
		t.Skip("many loads")
	}
	examples, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*"))
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	opts := config.Options{
		Getenv:   func(string) (string, bool) { return "a-secret", true },
		ReadFile: os.ReadFile,
	}
	tried, checked := 0, 0
	for _, ex := range examples {
		cfg, ds := config.Load(ex, opts)
		if cfg == nil {
			t.Fatalf("%s: %v", ex, ds)
		}
		applied := plan.Make(plan.Input{Config: cfg, Lineage: "t", Now: now}).Result
		dir := t.TempDir()
		if err := os.CopyFS(dir, os.DirFS(ex)); err != nil {
			t.Fatal(err)
		}
		var files []string
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".hcl")) {
				files = append(files, p)
			}
			return nil
		})
		for _, f := range files {
			orig, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(orig), "\n")
			for i, line := range lines {
				for _, m := range crMutations {
					broken := m.re.ReplaceAllString(line, m.with)
					if broken == line {
						continue
					}
					lines[i] = broken
					if err := os.WriteFile(f, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
						t.Fatal(err)
					}
					lines[i] = line
					for _, prior := range []*state.Snapshot{nil, applied} {
						tried++
						if crCheck(t, dir, opts, prior, now, f, i+1, broken) {
							checked++
						}
					}
				}
			}
			if err := os.WriteFile(f, orig, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if tried < 100 || checked < tried/2 {
		t.Errorf("%d broken configs tried, the rest of %d checked", tried, checked)
	}
	t.Logf("%d broken configs tried, the rest of %d checked", tried, checked)
}

func crCheck(t *testing.T, dir string, opts config.Options, prior *state.Snapshot, now time.Time, file string, line int, broken string) (called bool) {
	t.Helper()
	opts.RecordedExtensionServices = plan.RecordedExtensionServices(prior)
	opts.CheckRest = func(rest *model.Config) diag.Diagnostics {
		called = true
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("%s:%d %q: the engine failed on the rest: %v", file, line, broken, r)
			}
		}()
		env := Env{Getenv: func(string) (string, bool) { return "", false }, Now: func() time.Time { return now }}
		ds := engineChecks(env, prior)(rest)
		if ds.HasErrors() {
			t.Errorf("%s:%d %q (recorded state: %v): errors on the rest: %v", file, line, broken, prior != nil, ds)
		}
		return ds
	}
	config.Load(dir, opts)
	return called
}
