package config

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// memCache is a Cache in memory that can damage its entries.
type memCache struct {
	mu      sync.Mutex
	entries map[[32]byte][]byte
}

func newMemCache() *memCache { return &memCache{entries: map[[32]byte][]byte{}} }

func (m *memCache) Get(k [32]byte) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.entries[k]
}

func (m *memCache) Put(k [32]byte, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries[k] = bytes.Clone(data)
}

// fakeSeal stands for the CLI's encryption: reversible, and never the
// plain text.
func fakeSeal(s string) (string, bool) {
	b := []byte(s)
	for i := range b {
		b[i] ^= 0x5a
	}
	return "sealed:" + string(b), true
}

func fakeUnseal(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "sealed:")
	if !ok {
		return "", false
	}
	b := []byte(rest)
	for i := range b {
		b[i] ^= 0x5a
	}
	return string(b), true
}

func cacheOpts(store Cache) CacheOptions {
	return CacheOptions{Store: store, Version: "test", Seal: fakeSeal, Unseal: fakeUnseal}
}

// checkSame fails unless LoadCached gives what Load gives.
func checkSame(t *testing.T, what, dir string, opts Options, c CacheOptions) CacheStats {
	t.Helper()
	want, wantDs := Load(dir, opts)
	got, gotDs, st := LoadCached(dir, opts, c)
	if !reflect.DeepEqual(wantDs, gotDs) {
		t.Fatalf("%s: diagnostics differ:\nLoad:       %v\nLoadCached: %v", what, wantDs, gotDs)
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("%s: configs differ", what)
	}
	return st
}

func exampleDirs(t *testing.T) []string {
	dirs := []string{"testdata/decode"}
	entries, err := os.ReadDir("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join("../../examples", e.Name()))
		}
	}
	return dirs
}

// TestLoadCachedMatchesLoad: cold, warm and after damage, LoadCached
// gives Load's config and diagnostics, on the examples (all syntaxes,
// every kind of object, secrets from files and the environment).
func TestLoadCachedMatchesLoad(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) (string, bool) {
		if v, ok := env[k]; ok {
			return v, true
		}
		return "env-" + k, true
	}
	opts := Options{Getenv: getenv, ReadFile: ReadSecretFile}
	for _, dir := range exampleDirs(t) {
		store := newMemCache()
		c := cacheOpts(store)
		st := checkSame(t, dir+" cold", dir, opts, c)
		if st.Hits != 0 || st.Decoded == 0 {
			t.Fatalf("%s cold: %+v", dir, st)
		}
		st = checkSame(t, dir+" warm", dir, opts, c)
		if st.Hits == 0 || st.Decoded != 0 {
			t.Fatalf("%s warm: %+v", dir, st)
		}
		// Another build reads none of it.
		other := c
		other.Version = "other"
		if st := checkSame(t, dir+" other build", dir, opts, other); st.Hits != 0 {
			t.Fatalf("%s: another build read %d entries", dir, st.Hits)
		}
		// Secrets are resolved anew: a changed variable is seen.
		env["PLESK_KEY"], env["DB_PASSWORD"] = "changed", "changed"
		checkSame(t, dir+" env changed", dir, opts, c)
		clear(env)
	}
}

// TestLoadCachedDamage: every truncation and random byte flips of every
// entry are either rejected or (the codec having no checksum of its
// own: that is the store's) read as something; either way nothing
// panics. Entries the store hands back intact give Load's result.
func TestLoadCachedDamage(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	opts := Options{Getenv: func(k string) (string, bool) { return "v-" + k, true }, ReadFile: ReadSecretFile}
	for _, dir := range exampleDirs(t) {
		store := newMemCache()
		checkSame(t, dir, dir, opts, cacheOpts(store))
		for k, data := range store.entries {
			for n := range len(data) {
				if _, _, err := decodeCached(data[:n], fakeUnseal, func(*model.Secret) bool { return true }); err == nil {
					t.Fatalf("%s: entry truncated to %d of %d bytes read without error", dir, n, len(data))
				}
			}
			for range 200 {
				bad := bytes.Clone(data)
				bad[r.IntN(len(bad))] ^= byte(1 + r.IntN(255))
				_, _, _ = decodeCached(bad, fakeUnseal, func(*model.Secret) bool { return true })
			}
			_ = k
		}
	}
}

// TestLoadCachedNoSecretInClear: entries hold no resolved secret and no
// literal in clear; without a seal a file with a literal is not cached;
// an unset variable or a missing secret file makes the file decode
// again, with its error.
func TestLoadCachedNoSecretInClear(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("a.yaml", `customers:
  - login: lit
    password: Literal-Pass-1
  - login: fromenv
    password: {env: CUST_PW}
  - login: fromfile
    password: {file: pw.txt}
`)
	write("pw.txt", "File-Pass-2\n")
	env := map[string]string{"CUST_PW": "Env-Pass-3"}
	opts := Options{Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, ReadFile: ReadSecretFile}
	store := newMemCache()
	checkSame(t, "cold", dir, opts, cacheOpts(store))
	if len(store.entries) != 1 {
		t.Fatalf("%d entries", len(store.entries))
	}
	for _, data := range store.entries {
		for _, pw := range []string{"Literal-Pass-1", "File-Pass-2", "Env-Pass-3"} {
			if bytes.Contains(data, []byte(pw)) {
				t.Errorf("the entry holds %s in clear", pw)
			}
		}
	}
	if st := checkSame(t, "warm", dir, opts, cacheOpts(store)); st.Hits != 1 {
		t.Fatalf("warm: %+v", st)
	}
	// Changed secrets are read anew.
	env["CUST_PW"] = "Env-Pass-4"
	write("pw.txt", "File-Pass-5\n")
	cfg, _, st := LoadCached(dir, opts, cacheOpts(store))
	if st.Hits != 1 || cfg.Customers["fromenv"].Password.Value != "Env-Pass-4" || cfg.Customers["fromfile"].Password.Value != "File-Pass-5" {
		t.Fatalf("secrets not read anew: %+v", st)
	}
	// Gone: the file is decoded again and says why.
	delete(env, "CUST_PW")
	if st := checkSame(t, "env unset", dir, opts, cacheOpts(store)); st.Hits != 0 {
		t.Fatalf("env unset: %+v", st)
	}
	env["CUST_PW"] = "x"
	os.Remove(filepath.Join(dir, "pw.txt"))
	if st := checkSame(t, "file gone", dir, opts, cacheOpts(store)); st.Hits != 0 {
		t.Fatalf("file gone: %+v", st)
	}
	write("pw.txt", "File-Pass-2\n")
	// No seal: not cached.
	none := newMemCache()
	c := CacheOptions{Store: none, Version: "test"}
	if st := checkSame(t, "no seal", dir, opts, c); st.Stored != 0 || len(none.entries) != 0 {
		t.Fatalf("cached without a seal: %+v", st)
	}
	// A seal the reader cannot open: decoded again.
	c = cacheOpts(store)
	c.Unseal = func(string) (string, bool) { return "", false }
	if st := checkSame(t, "unseal fails", dir, opts, c); st.Hits != 0 {
		t.Fatalf("unseal fails: %+v", st)
	}
}

// TestLoadCachedErrorsNotCached: a file with errors is decoded every
// time (its diagnostics are Load's).
func TestLoadCachedErrorsNotCached(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("customers:\n  - login: a\n    bogus: 1\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("customers: [\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "c.yaml"), []byte("customers:\n  - login: c\n    password: plain\n"), 0o600) // a warning
	store := newMemCache()
	for range 2 {
		st := checkSame(t, "errors", dir, Options{}, cacheOpts(store))
		if len(store.entries) != 1 || st.Decoded < 2 {
			t.Fatalf("%+v, %d entries", st, len(store.entries))
		}
	}
}

// TestCacheCodecCoversEveryField fails when a field is added to a type
// the cache codec writes, until the codec (cachecodec.go, both ways)
// and this list cover it.
func TestCacheCodecCoversEveryField(t *testing.T) {
	for _, c := range []struct {
		v      any
		fields string
	}{
		{model.Server{}, "Name Labels Components Extensions DefaultPlan Plesk Src"},
		{model.Placement{}, "Servers Selector"},
		{model.Extension{}, "Name Services Src"},
		{model.PleskConnection{}, "URL Key Login Password CAFile CAPath DefaultIP Src"},
		{model.Service{}, "Name Description Button Send AvailableToResellers Extension Placement Src"},
		{model.Button{}, "URL BackgroundImage OpenInPanel"},
		{model.Plan{}, "Kind Owner Name Description Props Services Oversell Placement Src"},
		{model.Reseller{}, "Login RenamedFrom Password Contact Plan Props Services Oversell Status Description ManagedBy Servers Src"},
		{model.Customer{}, "Login RenamedFrom Password Contact Owner Status Description AdminDescription ManagedBy Servers Src"},
		{model.Contact{}, "Name Company Email Phone Address"},
		{model.Subscription{}, "Domain RenamedFrom Customer Owner Plan Addons Customize Status Expires FTPLogin FTPPassword IPAddress ManagedBy Server Src"},
		{model.SubscriberSettings{}, "Domain Props Src"},
		{model.Secret{}, "Env File Literal Value Range"},
		{model.Src{}, "Decl Fields"},
		{model.Value{}, "K N S"},
		{diag.Diagnostic{}, "Severity Summary Detail Subject Related Object Path"},
		{diag.Range{}, "File Start End"},
		{diag.Pos{}, "Line Column"},
		{decResult{}, "servers namedServers services servicePlans addonPlans resellerPlans resellers customers subscriptions settings diags"},
	} {
		typ := reflect.TypeOf(c.v)
		var names []string
		for i := range typ.NumField() {
			names = append(names, typ.Field(i).Name)
		}
		if got := fmt.Sprint(names); got != fmt.Sprint(strings.Fields(c.fields)) {
			t.Errorf("%s has fields %s; the cache codec covers %s: update it (cachecodec.go) and this list", typ, got, c.fields)
		}
	}
}

// FuzzCacheCodec: no input makes the reader panic or allocate beyond
// its size; what it accepts it writes back the same.
func FuzzCacheCodec(f *testing.F) {
	for _, dir := range []string{"testdata/decode", "../../examples/agency"} {
		store := newMemCache()
		LoadCached(dir, Options{Getenv: func(k string) (string, bool) { return "v", true }, ReadFile: ReadSecretFile}, cacheOpts(store))
		for _, data := range store.entries {
			f.Add(data)
		}
	}
	f.Add([]byte{})
	f.Add([]byte{1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		resolve := func(*model.Secret) bool { return true }
		parse, dec, err := decodeCached(data, fakeUnseal, resolve)
		if err != nil {
			return
		}
		again, ok := encodeCached(parse, dec, fakeSeal)
		if !ok {
			return
		}
		parse2, dec2, err := decodeCached(again, fakeUnseal, resolve)
		if err != nil {
			t.Fatalf("an accepted entry, written back, does not read: %v", err)
		}
		if !reflect.DeepEqual(parse, parse2) || !reflect.DeepEqual(dec, dec2) {
			t.Fatal("an accepted entry, written back, reads differently")
		}
	})
}
