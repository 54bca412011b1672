package cli

import (
	"bytes"
	"context"
	"testing"
	"time"
	"os"
	"path/filepath"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/fleet"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/state"
)

func TestZZTiming(t *testing.T) {
	cfg := fleet.Generate(fleet.DefaultOptions(100_000))
	dir := t.TempDir()
	if err := fleet.WriteDir(dir, cfg, "yaml", 0); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	env := benchEnv(&out)
	if code := Main(context.Background(), []string{"apply", "--dir", dir, "--auto-approve", "--accept-available"}, env); code != 0 {
		t.Fatal(out.String())
	}
	var n int; var sz int64
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error { if !fi.IsDir() { n++; sz += fi.Size() }; return nil })
	t.Logf("files %d bytes %d", n, sz)
	for i := 0; i < 3; i++ {
	s := time.Now()
	files, ds := config.ParseDir(dir)
	t1 := time.Since(s)
	s = time.Now()
	c, ds2 := config.Decode(files, config.OSOptions())
	t2 := time.Since(s)
	s = time.Now()
	ds3 := config.Validate(c)
	t3 := time.Since(s)
	s = time.Now()
	run, err := planConfig(context.Background(), env, &common{}, dir, "watch", time.Now(), c)
	if err != nil { t.Fatal(err) }
	t4 := time.Since(s)
	run.close()
	b, _ := openBackend(env, &common{}, dir)
	s = time.Now()
	prior, _ := readPrior(context.Background(), b)
	t5 := time.Since(s)
	s = time.Now()
	p := plan.Make(plan.Input{Config: c, Prior: prior, Lineage: state.NewLineage(), Now: time.Now(), Secrets: secrets()})
	t6 := time.Since(s)
	t.Logf("read %v make %v %d", t5, t6, len(p.Changes))
	t.Logf("parse %v decode %v validate %v plan %v (%d %d %d) changes %d", t1, t2, t3, t4, len(ds), len(ds2), len(ds3), len(run.plan.Changes))
	}
}
