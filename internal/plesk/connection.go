// Package plesk connects plansync to Plesk servers. Its subpackages hold
// the XML API client (xmlapi), the mapping of properties to Plesk's
// names (mapping) and the emulator (fake).
package plesk

import (
	"fmt"
	"strings"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// Environment variables that override server.plesk, for CI.
const (
	EnvURL      = config.EnvPleskURL
	EnvKey      = config.EnvPleskKey
	EnvLogin    = config.EnvPleskLogin
	EnvPassword = config.EnvPleskPassword
)

// Connection is how to reach a config's Plesk server.
type Connection struct {
	API       xmlapi.Config
	DefaultIP string
}

// Connect returns the connection a config names in server.plesk, with the
// PLANSYNC_PLESK_* environment variables taking precedence; setting them
// is enough for a config without a plesk block. ok is false when neither
// names a server: plansync then works from the recorded state alone.
func Connect(cfg *model.Config, getenv func(string) (string, bool)) (c Connection, ok bool, err error) {
	env := func(k string) string {
		if getenv == nil {
			return ""
		}
		v, _ := getenv(k)
		return strings.TrimSpace(v)
	}
	var block *model.PleskConnection
	if cfg != nil && cfg.Server != nil {
		block = cfg.Server.Plesk
	}
	url, key, login, password := env(EnvURL), env(EnvKey), env(EnvLogin), env(EnvPassword)
	if block == nil && url == "" {
		for _, k := range []string{EnvKey, EnvLogin, EnvPassword} {
			if env(k) != "" {
				return c, false, fmt.Errorf("%s is set but no Plesk server is named: set %s or server.plesk.url", k, EnvURL)
			}
		}
		return c, false, nil
	}
	if key != "" && login != "" {
		return c, false, fmt.Errorf("both %s and %s are set: use a key or a login and password", EnvKey, EnvLogin)
	}
	fromEnv := url != ""
	if block != nil {
		if url == "" {
			if ds := config.PleskURLMissing(cfg, getenv); ds != nil {
				return c, false, ds
			}
			url = block.URL
		}
		c.API.CAFile = block.CAPath
		c.DefaultIP = block.DefaultIP
		if key == "" && login == "" {
			var err error
			if key, err = secretValue(block.Key, "key"); err != nil {
				return c, false, err
			}
			login = block.Login
		}
		if password == "" && key == "" {
			var err error
			if password, err = secretValue(block.Password, "password"); err != nil {
				return c, false, err
			}
		}
	}
	if msg := config.PleskURLProblem(url); msg != "" {
		if fromEnv {
			return c, false, fmt.Errorf("%s: %s", EnvURL, msg)
		}
		return c, false, fmt.Errorf("%s", msg)
	}
	switch {
	case key != "":
		c.API.Key = key
	case login != "" && password != "":
		c.API.Login, c.API.Password = login, password
	case login != "":
		return c, false, fmt.Errorf("plesk %s: login %s has no password: %s", url, login, credentialsHelp(cfg, "password"))
	default:
		return c, false, fmt.Errorf("plesk %s: no credentials: %s", url, credentialsHelp(cfg, "key"))
	}
	c.API.URL = url
	return c, true, nil
}

// credentialsHelp says where the missing credentials (field: "key" for
// none at all, "password" for a login without one) may be given: for a
// server of a servers list, its own plesk block (the environment's
// connection is for a single server, see Connect's callers); without a
// config (import), the environment; otherwise either.
func credentialsHelp(cfg *model.Config, field string) string {
	switch {
	case cfg != nil && cfg.Server != nil && cfg.Server.Name != "":
		name := cfg.Server.Name
		own := func(k string) string { return k + "_" + ServerEnv(name) }
		if field == "password" {
			return fmt.Sprintf("set password in the plesk block of server %s, such as password: {env: %s} in YAML, password = env(%q) in HCL", name, own(EnvPassword), own(EnvPassword))
		}
		return fmt.Sprintf("set key (or login and password) in the plesk block of server %s, such as key: {env: %s} in YAML, key = env(%q) in HCL", name, own(EnvKey), own(EnvKey))
	case cfg == nil:
		if field == "password" {
			return "set " + EnvPassword
		}
		return fmt.Sprintf("set %s (or %s and %s)", EnvKey, EnvLogin, EnvPassword)
	case field == "password":
		return "set server.plesk.password or " + EnvPassword
	}
	return fmt.Sprintf("set server.plesk.key (or server.plesk.login and server.plesk.password), or %s (or %s and %s)", EnvKey, EnvLogin, EnvPassword)
}

// ServerEnv is the suffix of the environment variables of server name of
// a servers list (PLANSYNC_PLESK_KEY_<suffix>): the name upper-cased,
// every character other than a letter or a digit as _.
func ServerEnv(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, name)
}

func secretValue(s *model.Secret, field string) (string, error) {
	if s == nil {
		return "", nil
	}
	if s.Value == "" && s.Env != "" {
		return "", fmt.Errorf("server.plesk.%s: environment variable %s is not set", field, s.Env)
	}
	if s.Value == "" && s.File != "" {
		return "", fmt.Errorf("server.plesk.%s: secret file %s was not read", field, s.File)
	}
	return s.Value, nil
}
