package cli

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/plansync/plansync/internal/fleet"
	"github.com/plansync/plansync/internal/model"
)

func benchEnv(out io.Writer) Env {
	env := OSEnv()
	env.Stdout, env.Stderr = out, out
	env.Stdin = bytes.NewReader(nil)
	return env
}

func mustRun(b *testing.B, args ...string) {
	b.Helper()
	var out bytes.Buffer
	if code := Main(context.Background(), args, benchEnv(&out)); code != 0 && code != ExitChanges {
		b.Fatalf("plansync %v: exit %d\n%s", args, code, out.String())
	}
}

// hotFleet is a generated fleet of n subscriptions in which `hot` of the
// admin's synced subscriptions are on one plan, so a change to that plan
// fans out to them.
func hotFleet(n, hot int) (*model.Config, string) {
	opt := fleet.DefaultOptions(n)
	opt.ConflictFraction = 0.05
	cfg := fleet.Generate(opt)
	var plan string
	for key, p := range cfg.ServicePlans {
		if p.Owner == model.Admin && p.Props["hosting.php_version"].S != fleet.ConflictPHP && (plan == "" || key < plan) {
			plan = key
		}
	}
	moved := 0
	for _, s := range cfg.Subscriptions {
		if moved == hot {
			break
		}
		if s.Owner == model.Admin && s.Plan != model.None && len(s.Addons) == 0 {
			s.Plan = plan
			moved++
		}
	}
	return cfg, plan
}

// BenchmarkPlan100k measures `plansync plan` end to end (load the config
// directory, read the state file, plan, render text) on a fleet of
// 100,000 subscriptions: with nothing to do, and with one plan change
// fanning out to 50,000 subscriptions.
func BenchmarkPlan100k(b *testing.B) {
	if testing.Short() {
		b.Skip("large fleet")
	}
	cfg, hot := hotFleet(100_000, 50_000)
	dir := b.TempDir()
	if err := fleet.WriteDir(dir, cfg, "yaml", 1000); err != nil {
		b.Fatal(err)
	}
	mustRun(b, "apply", "--dir", dir, "--auto-approve", "--accept-available")
	b.Run("noop", func(b *testing.B) {
		for b.Loop() {
			mustRun(b, "plan", "--dir", dir)
		}
	})
	cfg.ServicePlans[hot].Props["resources.disk_space"] = model.Size(999 << 30)
	if err := fleet.WriteDir(dir, cfg, "yaml", 1000); err != nil {
		b.Fatal(err)
	}
	b.Run("fanout50k", func(b *testing.B) {
		for b.Loop() {
			mustRun(b, "plan", "--dir", dir)
		}
	})
}
