package config

import (
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plansync/plansync/internal/configfile"
)

// rlTree hashes every file under dir as a watcher does (no links in
// these tests).
func rlTree(t *testing.T, dir string) Tree {
	t.Helper()
	var tr Tree
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if configfile.Skipped(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		f := TreeFile{Rel: filepath.ToSlash(rel), Path: p}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Err = err
		} else {
			f.Sum = sha256.Sum256(b)
		}
		tr.Files = append(tr.Files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestReloaderMatchesLoad: every reload, from the cache or not, gives
// what Load gives, through edits of config, secret and ignore files.
func TestReloaderMatchesLoad(t *testing.T) {
	opts := Options{Getenv: func(k string) (string, bool) { return "env-secret", k == "RESELLER_ACME_PASSWORD" }, ReadFile: ReadSecretFile}
	retired := map[string]string{"backup-pro": "acronis"}
	check := func(t *testing.T, l *Reloader, dir string) {
		t.Helper()
		got, gotDs := l.Load(rlTree(t, dir), retired)
		o := opts
		o.RecordedExtensionServices = retired
		want, wantDs := Load(dir, o)
		if diff := cmp.Diff(wantDs.Error(), gotDs.Error()); diff != "" {
			t.Errorf("diagnostics (-Load +reload):\n%s", diff)
		}
		if diff := cmp.Diff(want, got, cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
			t.Errorf("config (-Load +reload):\n%s", diff)
		}
	}
	t.Run("examples", func(t *testing.T) {
		examples := filepath.Join("..", "..", "examples")
		entries, err := os.ReadDir(examples)
		if err != nil || len(entries) == 0 {
			t.Fatalf("no examples: %v", err)
		}
		for _, e := range entries {
			dir := filepath.Join(examples, e.Name())
			l := NewReloader(dir, opts)
			check(t, l, dir)
			check(t, l, dir) // from the cache
		}
	})
	t.Run("edits", func(t *testing.T) {
		dir := t.TempDir()
		wtWrite(t, dir, map[string]string{
			"main.yaml":        "customers:\n  - login: jdoe\n    name: John Doe\n    email: john@doe.example\n    password: {file: secrets/jdoe.txt}\n",
			"secrets/jdoe.txt": "first\n",
			"notes.md":         "not config\n",
		})
		l := NewReloader(dir, opts)
		check(t, l, dir)
		for _, step := range []map[string]string{
			{"secrets/jdoe.txt": "second\n"},
			{"bad.yaml": "customers: [\n"},
			{"bad.yaml": "customers: []\n"},
			{".plansyncignore": "bad.yaml\n"},
			{"main.yaml": "customers:\n  - login: jdoe\n    name: J\n    email: john@doe.example\n    password: {file: secrets/none.txt}\n"},
		} {
			wtWrite(t, dir, step)
			check(t, l, dir)
		}
		if err := os.Remove(filepath.Join(dir, "bad.yaml")); err != nil {
			t.Fatal(err)
		}
		check(t, l, dir)
	})
	t.Run("unreadable tree", func(t *testing.T) {
		dir := t.TempDir()
		wtWrite(t, dir, map[string]string{"main.yaml": "customers: []\n"})
		l := NewReloader(dir, opts)
		tr := rlTree(t, dir)
		tr.Err = errors.New("a directory could not be read")
		got, ds := l.Load(tr, nil)
		want, wantDs := Load(dir, opts)
		if diff := cmp.Diff(wantDs.Error(), ds.Error()); diff != "" || (got == nil) != (want == nil) {
			t.Errorf("fallback is not Load: %s", diff)
		}
		if !l.Relevant([]string{"notes.md"}, nil) {
			t.Error("after a fallback every change counts")
		}
	})
}

// TestReloaderRelevant: a change counts when it is to a config file the
// ignore file leaves in, to the ignore file, or to a secret file the
// config read.
func TestReloaderRelevant(t *testing.T) {
	dir := t.TempDir()
	wtWrite(t, dir, map[string]string{
		"main.yaml":        "customers:\n  - login: jdoe\n    name: John Doe\n    email: john@doe.example\n    password: {file: secrets/jdoe.txt}\n",
		"secrets/jdoe.txt": "pw\n",
		".plansyncignore":  "docker-compose.yml\n",
	})
	l := NewReloader(dir, Options{ReadFile: ReadSecretFile})
	if _, ds := l.Load(rlTree(t, dir), nil); ds.HasErrors() {
		t.Fatal(ds)
	}
	for rel, want := range map[string]bool{
		"main.yaml": true, "sub/new.hcl": true, ".plansyncignore": true, "secrets/jdoe.txt": true,
		"docker-compose.yml": false, "notes.md": false, "secrets/other.txt": false,
	} {
		if got := l.Relevant([]string{rel}, nil); got != want {
			t.Errorf("Relevant(%s) = %v, want %v", rel, got, want)
		}
	}
	if !l.Relevant([]string{"notes.md"}, errors.New("unreadable")) {
		t.Error("a change while the tree is unreadable counts")
	}
}
