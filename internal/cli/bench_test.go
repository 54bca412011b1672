package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"os/exec"
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

// BenchmarkPlanPasswords measures `plansync plan` end to end, each in a
// fresh run as CI makes them, on a fleet of 1,000 subscriptions (202
// accounts) with nothing to do: without passwords; with a password on
// every account recorded as bcrypt hashes, with the secret cache (filled
// by the apply that recorded them): cached (a warm run), and with the
// cache off, where every password costs a bcrypt comparison: nocache (a
// cold run, as on a fresh CI clone); and recorded encrypted with
// PLANSYNC_SECRETS_KEY, cache off: key (a cold run with the key). The
// goal: cached and key within 1.2× of without.
func BenchmarkPlanPasswords(b *testing.B) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	b.Setenv("XDG_CACHE_HOME", b.TempDir())
	b.Setenv("PLANSYNC_SECRET_CACHE", "")
	b.Setenv(envSecretsKey, "")
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		b.Fatal(err)
	}
	key := base64.StdEncoding.EncodeToString(raw)
	// One fleet, written three times: with every password taken out, as
	// generated (bcrypt), and as generated applied with a key.
	opt := fleet.DefaultOptions(n)
	opt.Passwords = true
	write := func(pw bool) string {
		cfg := fleet.Generate(opt)
		if !pw {
			for _, c := range cfg.Customers {
				c.Password = nil
			}
			for _, r := range cfg.Resellers {
				r.Password = nil
			}
		}
		dir := b.TempDir()
		if err := fleet.WriteDir(dir, cfg, "yaml", 100); err != nil {
			b.Fatal(err)
		}
		return dir
	}
	without, hashed, keyed := write(false), write(true), write(true)
	mustRun(b, "apply", "--dir", without, "--auto-approve", "--accept-available")
	mustRun(b, "apply", "--dir", hashed, "--auto-approve", "--accept-available")
	b.Setenv(envSecretsKey, key)
	mustRun(b, "apply", "--dir", keyed, "--auto-approve", "--accept-available")
	b.Setenv(envSecretsKey, "")
	mustRun(b, "plan", "--dir", without) // warm up: the first run pays for the process's first allocations

	b.Run("without", func(b *testing.B) {
		for b.Loop() {
			mustRun(b, "plan", "--dir", without)
		}
	})
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			mustRun(b, "plan", "--dir", hashed)
		}
	})
	b.Run("nocache", func(b *testing.B) {
		b.Setenv("PLANSYNC_SECRET_CACHE", "off")
		for b.Loop() {
			mustRun(b, "plan", "--dir", hashed)
		}
	})
	b.Run("key", func(b *testing.B) {
		b.Setenv("PLANSYNC_SECRET_CACHE", "off")
		b.Setenv(envSecretsKey, key)
		for b.Loop() {
			mustNoChanges(b, "plan", "--dir", keyed, "--detailed-exitcode")
		}
	})
}

// mustNoChanges runs plansync and fails unless it exits 0.
func mustNoChanges(b *testing.B, args ...string) {
	b.Helper()
	var out bytes.Buffer
	if code := Main(context.Background(), args, benchEnv(&out)); code != 0 {
		b.Fatalf("plansync %v: exit %d\n%s", args, code, out.String())
	}
}

// BenchmarkPlanShapes measures a no-op `plansync plan` end to end (YAML,
// without the cache, --no-cache) on fleets of 100,000 subscriptions (the
// fleet of issue 15's goal; 2,000 with -short; PLANSYNC_BENCH_SUBS sets
// another size) in each shape of fleet.Shapes (many customers with one
// subscription each, few with many, every customer a reseller's, 10,000
// plans, everything customised), reporting the time
// per subscription and its ratio to the default shape's (issue 15's goal:
// none above 2). Beside each, the shape's floor (parsing its files with
// yaml.v3 on one core: testdata/floor, as BenchmarkPlanFloor) and the
// plan's ratio to it: how much of a shape's cost is only the size of its
// config. As in BenchmarkPlanFloor, the plansync binary and the floor run
// as fresh processes, and each shape reports the plan's peak-MiB.
func BenchmarkPlanShapes(b *testing.B) {
	def := 100_000
	if testing.Short() {
		def = 2000
	}
	n := benchEnvInt(b, "PLANSYNC_BENCH_SUBS", def)
	bin := buildPlansync(b, "github.com/plansync/plansync/cmd/plansync")
	floorBin := buildPlansync(b, "./testdata/floor")
	var base float64 // the default shape's ns per subscription
	for _, shape := range fleet.Shapes {
		opt, err := fleet.ShapeOptions(shape, n)
		if err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		if err := fleet.WriteDir(dir, fleet.Generate(opt), "yaml", 0); err != nil {
			b.Fatal(err)
		}
		runBinary(b, bin, 0, "", "apply", "--dir", dir, "--auto-approve", "--accept-available")
		files := configFiles(b, dir, ".yaml")
		var floor float64
		b.Run(shape+"/floor", func(b *testing.B) {
			for b.Loop() {
				out, err := exec.Command(floorBin, append([]string{"yaml"}, files...)...).CombinedOutput()
				if err != nil {
					b.Fatalf("floor: %v\n%s", err, out)
				}
			}
			floor = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
		b.Run(shape+"/noop", func(b *testing.B) {
			// Without the cache: a second plan of the same tree
			// would only be printed from it (plancache.go).
			args := []string{"plan", "--dir", dir, "--detailed-exitcode", "--no-cache"}
			for b.Loop() {
				runBinary(b, bin, 0, "", args...)
			}
			op := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			per := op / float64(n)
			b.ReportMetric(per, "ns/sub")
			if shape == "default" {
				base = per
			} else if base > 0 {
				b.ReportMetric(per/base, "x-default")
			}
			if floor > 0 {
				b.ReportMetric(op/floor, "x-floor")
			}
			reportPeak(b, bin, 0, args...)
		})
	}
}
