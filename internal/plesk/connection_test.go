package plesk

import (
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/model"
)

func TestConnect(t *testing.T) {
	withBlock := func(p *model.PleskConnection) *model.Config {
		cfg := model.NewConfig()
		cfg.Server = &model.Server{Plesk: p}
		return cfg
	}
	withServer := func(name string, p *model.PleskConnection) *model.Config {
		cfg := model.NewConfig()
		cfg.Server = &model.Server{Name: name, Plesk: p}
		return cfg
	}
	keyBlock := withBlock(&model.PleskConnection{URL: "https://plesk.example.com:8443", Key: &model.Secret{Env: "K", Value: "cfg-key"}, CAPath: "/etc/ca.pem", DefaultIP: "192.0.2.10"})
	loginBlock := withBlock(&model.PleskConnection{URL: "https://plesk.example.com:8443", Login: "admin"})
	for _, c := range []struct {
		name string
		cfg  *model.Config
		env  map[string]string
		want string // "" = no connection; "error: …" = an error containing …
	}{
		{"nothing", model.NewConfig(), nil, ""},
		{"block", keyBlock, nil, "https://plesk.example.com:8443 key=cfg-key ca=/etc/ca.pem ip=192.0.2.10"},
		{"env overrides url and key", keyBlock, map[string]string{EnvURL: "https://other:8443", EnvKey: "env-key"}, "https://other:8443 key=env-key ca=/etc/ca.pem ip=192.0.2.10"},
		{"env login replaces the key", keyBlock, map[string]string{EnvLogin: "admin", EnvPassword: "pw"}, "https://plesk.example.com:8443 login=admin/pw ca=/etc/ca.pem ip=192.0.2.10"},
		{"env alone", model.NewConfig(), map[string]string{EnvURL: "http://127.0.0.1:8880", EnvKey: "k"}, "http://127.0.0.1:8880 key=k ca= ip="},
		{"password from env", loginBlock, map[string]string{EnvPassword: "pw"}, "https://plesk.example.com:8443 login=admin/pw ca= ip="},
		{"login without password", loginBlock, nil, "error: login admin has no password"},
		{"key without url", model.NewConfig(), map[string]string{EnvKey: "k"}, "error: PLANSYNC_PLESK_KEY is set but no Plesk server is named"},
		{"key and login", keyBlock, map[string]string{EnvKey: "k", EnvLogin: "admin"}, "error: use a key or a login"},
		{"no credentials", model.NewConfig(), map[string]string{EnvURL: "https://x"}, "error: no credentials: set server.plesk.key (or server.plesk.login and server.plesk.password), or PLANSYNC_PLESK_KEY (or PLANSYNC_PLESK_LOGIN and PLANSYNC_PLESK_PASSWORD)"},
		{"no credentials without a config", nil, map[string]string{EnvURL: "https://x"}, "error: no credentials: set PLANSYNC_PLESK_KEY (or PLANSYNC_PLESK_LOGIN and PLANSYNC_PLESK_PASSWORD)"},
		{"no credentials for a server of a list", withServer("web-3", &model.PleskConnection{URL: "https://x"}), nil, "error: no credentials: set key (or login and password) in the plesk block of server web-3, such as key: {env: PLANSYNC_PLESK_KEY_WEB_3} in YAML, key = env(\"PLANSYNC_PLESK_KEY_WEB_3\") in HCL"},
		{"login without password for a server of a list", withServer("web-3", &model.PleskConnection{URL: "https://x", Login: "admin"}), nil, "error: login admin has no password: set password in the plesk block of server web-3, such as password: {env: PLANSYNC_PLESK_PASSWORD_WEB_3} in YAML, password = env(\"PLANSYNC_PLESK_PASSWORD_WEB_3\") in HCL"},
		{"http elsewhere", model.NewConfig(), map[string]string{EnvURL: "http://plesk.example.com", EnvKey: "k"}, "error: PLANSYNC_PLESK_URL: plesk url http://plesk.example.com: plain http is accepted for loopback addresses only"},
		{"url from env completes the block", withBlock(&model.PleskConnection{Key: &model.Secret{Env: "K", Value: "cfg-key"}}), map[string]string{EnvURL: "https://other:8443"}, "https://other:8443 key=cfg-key ca= ip="},
		{"block without url", withBlock(&model.PleskConnection{Key: &model.Secret{Env: "K", Value: "cfg-key"}}), nil, `error: missing required field "url": set server.plesk.url, or PLANSYNC_PLESK_URL in the environment`},
		{"unset secret", withBlock(&model.PleskConnection{URL: "https://x", Key: &model.Secret{Env: "NOPE"}}), nil, "error: environment variable NOPE is not set"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, ok, err := Connect(c.cfg, func(k string) (string, bool) { v, ok := c.env[k]; return v, ok })
			var got string
			switch {
			case err != nil:
				got = "error: " + err.Error()
				if !strings.HasPrefix(c.want, "error: ") || !strings.Contains(got, strings.TrimPrefix(c.want, "error: ")) {
					t.Fatalf("got %q, want %q", got, c.want)
				}
				return
			case ok:
				auth := "key=" + conn.API.Key
				if conn.API.Login != "" {
					auth = "login=" + conn.API.Login + "/" + conn.API.Password
				}
				got = conn.API.URL + " " + auth + " ca=" + conn.API.CAFile + " ip=" + conn.DefaultIP
			}
			if got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}
