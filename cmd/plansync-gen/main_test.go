package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plansync/plansync/internal/config"
)

func TestParse(t *testing.T) {
	tests := []struct {
		args    []string
		want    options
		wantErr string
	}{
		{args: []string{"-out", "d"}, want: options{N: 1000, Shape: "default", Format: "yaml", Out: "d", Seed: 1, Customised: 0.10, PerFile: 1000}},
		{args: []string{"-n", "100000", "-format", "hcl", "-out", "/tmp/f", "-seed", "7", "-conflicts", "0.05", "-customised", "0.2", "-per-file", "500", "-passwords"},
			want: options{N: 100000, Shape: "default", Format: "hcl", Out: "/tmp/f", Seed: 7, Conflicts: 0.05, Customised: 0.2, PerFile: 500, Passwords: true}},
		{args: []string{"-out", "d", "-shape", "customised"}, want: options{N: 1000, Shape: "customised", Format: "yaml", Out: "d", Seed: 1, Customised: 1, PerFile: 1000}},
		{args: []string{"-out", "d", "-shape", "customised", "-customised", "0.5"}, want: options{N: 1000, Shape: "customised", Format: "yaml", Out: "d", Seed: 1, Customised: 0.5, PerFile: 1000}},
		{args: []string{"-out", "d", "-shape", "one-each"}, want: options{N: 1000, Shape: "one-each", Format: "yaml", Out: "d", Seed: 1, Customised: 0.10, PerFile: 1000}},
		{args: []string{"-out", "d", "-shape", "round"}, wantErr: `unknown fleet shape "round": known shapes are default, one-each, few-customers, resellers, many-plans, customised`},
		{args: []string{"-n", "10"}, wantErr: "-out DIR is required"},
		{args: []string{"-out", "d", "-format", "json"}, wantErr: `-format "json": want yaml or hcl`},
		{args: []string{"-out", "d", "-n", "-1"}, wantErr: "-n must not be negative"},
		{args: []string{"-out", "d", "-conflicts", "0.6", "-customised", "0.6"}, wantErr: "fractions"},
		{args: []string{"-out", "d", "extra"}, wantErr: `unexpected argument "extra"`},
		{args: []string{"-bogus"}, wantErr: "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := parse(tt.args, &bytes.Buffer{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "fleet")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-n", "250", "-format", "hcl", "-out", out, "-per-file", "100", "-passwords", "-conflicts", "0.1"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"wrote " + out, "250 subscriptions", "50 customers", "2 resellers", "accounts/0001.hcl", "plans.hcl"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	cfg, ds := config.Load(out, config.Options{ReadFile: os.ReadFile})
	if len(ds) > 0 {
		t.Fatalf("written fleet: %s", ds.Error())
	}
	if len(cfg.Subscriptions) != 250 {
		t.Errorf("loaded %d subscriptions, want 250", len(cfg.Subscriptions))
	}
	// A second run replaces the first.
	stdout.Reset()
	if code := run([]string{"-n", "20", "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("second run: exit %d: %s", code, stderr.String())
	}
	if cfg, ds := config.Load(out, config.Options{}); len(ds) > 0 || len(cfg.Subscriptions) != 20 {
		t.Fatalf("after the second run: %d diagnostics, want a fleet of 20", len(ds))
	}
	if code := run([]string{"-out", out, "-format", "xml"}, &stdout, &stderr); code != 2 {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
}
