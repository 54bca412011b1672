package cli

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/plesk"
	"github.com/plansync/plansync/internal/plesk/fake"
)

// serveSeed serves an emulator seeded from a config text with key.
func serveSeed(t *testing.T, yamlText, key string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "seed.yaml"), []byte(yamlText), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := config.Load(dir, config.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	st, err := fake.Seed(cfg, "", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake.New(st, fake.Options{Key: key}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func envOf(vars map[string]string) Env {
	return Env{Getenv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
}

func TestServerEnv(t *testing.T) {
	for name, want := range map[string]string{"web1": "WEB1", "web-1.eu": "WEB_1_EU", "Web_2": "WEB_2"} {
		if got := plesk.ServerEnv(name); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
}

// Each server's credentials: its own variables first, the shared ones
// otherwise; the config names the variable that was used.
func TestImportServersCredentials(t *testing.T) {
	env := envOf(map[string]string{
		"PLANSYNC_PLESK_KEY_WEB1":      "k1",
		"PLANSYNC_PLESK_KEY":           "shared",
		"PLANSYNC_PLESK_LOGIN_WEB3":    "admin",
		"PLANSYNC_PLESK_PASSWORD":      "pw",
		"PLANSYNC_PLESK_URL_WEB3":      "https://web3.example.net:8443",
		"PLANSYNC_PLESK_PASSWORD_WEB4": "pw4",
		"PLANSYNC_PLESK_LOGIN_WEB4":    "root",
	})
	servers, err := importServers(env, importOptions{Parallelism: 4, Servers: []string{
		"web1=https://web1.example.net:8443", "web2=https://web2.example.net:8443", "web3", "web4=https://web4.example.net",
	}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range servers {
		got = append(got, strings.Join([]string{s.conn.Name, s.conn.URL, s.conn.KeyEnv, s.conn.Login, s.conn.PasswordEnv, s.api.Key, s.api.Login, s.api.Password}, " "))
	}
	want := []string{
		"web1 https://web1.example.net:8443 PLANSYNC_PLESK_KEY_WEB1   k1  ",
		"web2 https://web2.example.net:8443 PLANSYNC_PLESK_KEY   shared  ",
		"web3 https://web3.example.net:8443  admin PLANSYNC_PLESK_PASSWORD  admin pw",
		"web4 https://web4.example.net  root PLANSYNC_PLESK_PASSWORD_WEB4  root pw4",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("servers:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The write phase of an import of two servers: both read, merged,
// written, and the differences printed; a domain on both is recorded
// for the first server only.
func TestImportServersWrite(t *testing.T) {
	url1 := serveSeed(t, "service_plans:\n  - name: Business\n    resources: {disk_space: 10GiB}\nsubscriptions:\n  - domain: a.example\n    plan: Business\n  - domain: both.example\n    plan: Business\n", "k1")
	url2 := serveSeed(t, "service_plans:\n  - name: Business\n    resources: {disk_space: 20GiB}\n  - name: Other\n    resources: {disk_space: 1GiB}\nsubscriptions:\n  - domain: b.example\n    plan: Other\n  - domain: both.example\n    plan: Business\n", "k2")
	var out bytes.Buffer
	env := envOf(map[string]string{"PLANSYNC_PLESK_KEY_WEB1": "k1", "PLANSYNC_PLESK_KEY_WEB2": "k2"})
	env.Stdout = &out
	o := importOptions{Dir: t.TempDir(), Format: "yaml", Parallelism: 1, Servers: []string{"web1=" + url1, "web2=" + url2}}
	servers, err := importServers(env, o)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := importServersWrite(context.Background(), env, o, servers)
	if err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"Imported web1 (127.0.0.1:", "): 1 service plan, 0 add-on plans, 0 reseller plans, 0 resellers, 0 customers, 2 subscriptions.\n",
		"Merged into one catalogue: 2 service plans, 0 add-on plans, 0 reseller plans, 0 resellers, 0 customers, 3 subscriptions.\n",
		"1 object differs between servers",
		"service_plan Business differs between servers (imported as on web1):\n  resources.disk_space: web1 10 GiB, web2 20 GiB\n",
		"subscription both.example is on web1 and web2: imported from web1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("stdout does not say %q:\n%s", want, text)
		}
	}
	if sum.files != 3 || len(sum.ids) != 2 {
		t.Errorf("summary %+v", sum)
	}
	if sum.ids[0].server != "web1" || sum.ids[0].ids["subscription"]["both.example"] == nil {
		t.Errorf("web1 does not record both.example")
	}
	if sum.ids[1].ids["subscription"]["both.example"] != nil || sum.ids[1].ids["subscription"]["b.example"] == nil {
		t.Errorf("web2 records %v", sum.ids[1].ids["subscription"])
	}
	subs, err := os.ReadFile(filepath.Join(o.Dir, "subscriptions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(subs), "  - domain: b.example\n    server: web2\n    plan: Other\n") {
		t.Errorf("subscriptions.yaml:\n%s", subs)
	}
	servs, _ := os.ReadFile(filepath.Join(o.Dir, "servers.yaml"))
	if strings.Contains(string(servs), "k1") || !strings.Contains(string(servs), "key: {env: PLANSYNC_PLESK_KEY_WEB2}") {
		t.Errorf("servers.yaml:\n%s", servs)
	}
}
