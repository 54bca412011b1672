package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestProfileFiles: the profiles are gzip-compressed pprof files (what
// `go tool pprof` reads), and without the variable nothing is profiled.
func TestProfileFiles(t *testing.T) {
	if p, err := startProfile(func(string) (string, bool) { return "", false }); p != nil || err != nil {
		t.Fatalf("unset: %v %v", p, err)
	}
	dir := filepath.Join(t.TempDir(), "new")
	p, err := startProfile(func(k string) (string, bool) { return dir, k == profileEnv })
	if err != nil {
		t.Fatal(err)
	}
	sink := 0
	for i := range 1_000_000 {
		sink += i % 7
	}
	_ = sink
	if err := p.stop(3); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"cpu.pprof", "heap.pprof"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
			t.Errorf("%s is not a gzip-compressed profile", name)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "stats.txt"))
	if err != nil || !bytes.Contains(b, []byte("exit code: 3\n")) {
		t.Errorf("stats.txt: %v\n%s", err, b)
	}
	if _, ok := peakResident(); ok && !regexp.MustCompile(`(?m)^peak resident memory: [1-9][0-9]* MiB$`).Match(b) {
		t.Errorf("stats.txt has no peak resident memory:\n%s", b)
	}
}
