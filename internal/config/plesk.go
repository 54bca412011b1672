package config

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

var decPleskFields = []string{"url", "key", "login", "password", "ca_file", "default_ip"}

// plesk decodes server.plesk, the connection to a Plesk server's XML API.
// obj is the server's address (its name in a servers list).
func (d *decoder) plesk(n *Node, at diag.Range, obj decAddr) *model.PleskConnection {
	if n.Kind != MapNode {
		d.errorf(n.Range, obj, "plesk", "plesk must be a map (url, key or login and password, ca_file, default_ip), got %s", decDescribe(n))
		return nil
	}
	c := &model.PleskConnection{Src: decNewSrc(n)}
	c.Src.Decl = at
	d.fields(n, obj, "plesk.", &c.Src, decPleskFields, func(e *Entry) bool {
		path := "plesk." + e.Key
		switch e.Key {
		case "url":
			s, ok := d.str(e.Value, obj, path)
			if !ok {
				break
			}
			if msg := PleskURLProblem(s); msg != "" {
				d.errorf(e.Value.Range, obj, path, "%s", msg)
				break
			}
			c.URL = s
		case "key":
			c.Key = d.pleskSecret(e.Value, obj, path, EnvPleskKey, EnvPleskLogin)
		case "login":
			s, ok := d.str(e.Value, obj, path)
			if ok && s == "" {
				d.errorf(e.Value.Range, obj, path, "plesk login must not be empty; leave it out to use a key")
				break
			}
			c.Login = s
		case "password":
			c.Password = d.pleskSecret(e.Value, obj, path, EnvPleskPassword, EnvPleskKey)
		case "ca_file":
			s, ok := d.str(e.Value, obj, path)
			if !ok {
				break
			}
			if s == "" {
				d.errorf(e.Value.Range, obj, path, "plesk ca_file must not be empty; leave it out to verify with the system's certificate authorities")
				break
			}
			c.CAFile = s
			p := filepath.FromSlash(s)
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(d.file.Path), p)
			}
			c.CAPath = p
		case "default_ip":
			s, ok := d.str(e.Value, obj, path)
			if !ok {
				break
			}
			if net.ParseIP(s) == nil {
				d.errorf(e.Value.Range, obj, path, "default_ip %q is not an IP address", s)
				break
			}
			c.DefaultIP = s
		default:
			return false
		}
		return true
	})
	switch {
	case c.Src.Has("plesk.url"):
	case d.file.refused(n, "url"):
		// The reader said what is wrong with it: not missing.
		c.Src.SetField("plesk.url", n.Range)
	case obj.key == "":
		// The single server's url may come from the environment
		// (PLANSYNC_PLESK_URL): whether it does is checked when the
		// config is loaded (PleskURLMissing), not with the file, whose
		// decoding is cached.
	default:
		d.errorf(n.Range, obj, "plesk.url", "missing required field %q", "url")
	}
	// A login without a password (or the reverse) is completed from the
	// environment when connecting (PLANSYNC_PLESK_PASSWORD); a key and a
	// login together are contradictory.
	if c.Key != nil && c.Login != "" {
		d.errorf(c.Src.At("plesk.login"), obj, "plesk.login", "plesk takes a key or a login and password, not both")
	}
	return c
}

// The environment variables that name the Plesk server of a
// single-server config and its credentials, over server.plesk (for CI).
const (
	EnvPleskURL      = "PLANSYNC_PLESK_URL"
	EnvPleskKey      = "PLANSYNC_PLESK_KEY"
	EnvPleskLogin    = "PLANSYNC_PLESK_LOGIN"
	EnvPleskPassword = "PLANSYNC_PLESK_PASSWORD"
)

// pleskSecret decodes the single server's plesk key or password, which
// the environment variables overrides replace when one is set: the
// reference is then kept unresolved (the connection never reads it, see
// plesk.Connect), so that a variable or file the config names for
// another environment (the operator's machine, say) need not exist in
// CI. A server of a servers list takes no overrides.
func (d *decoder) pleskSecret(n *Node, obj decAddr, path string, overrides ...string) *model.Secret {
	if obj.key == "" && d.opts.Getenv != nil {
		for _, k := range overrides {
			if v, _ := d.opts.Getenv(k); strings.TrimSpace(v) != "" {
				saved := d.opts
				d.opts.Getenv, d.opts.ReadFile = nil, nil
				defer func() { d.opts = saved }()
				break
			}
		}
	}
	return d.secret(n, obj, path)
}

// PleskURLMissing is the error for the single server's plesk block when
// it names no url and getenv gives no EnvPleskURL either (nil when one
// of them names it, or without such a block).
func PleskURLMissing(cfg *model.Config, getenv func(string) (string, bool)) diag.Diagnostics {
	if cfg == nil || cfg.Server == nil || cfg.Server.Plesk == nil || cfg.Server.Plesk.URL != "" || cfg.Server.Plesk.Src.Has("plesk.url") {
		return nil
	}
	if getenv != nil {
		if v, _ := getenv(EnvPleskURL); strings.TrimSpace(v) != "" {
			return nil
		}
	}
	return diag.Diagnostics{{Severity: diag.Error,
		Summary: fmt.Sprintf("missing required field %q", "url"),
		Detail:  "set server.plesk.url, or " + EnvPleskURL + " in the environment",
		Subject: cfg.Server.Plesk.Src.Decl, Object: "server", Path: "plesk.url"}}
}

// MaxCAFileSize is the largest ca_file read: 1 MiB, several times a
// system's whole bundle of certificate authorities.
const MaxCAFileSize = 1 << 20

// PleskCAFileProblems are the errors of the ca_files the config's plesk
// blocks name that cannot be read or hold no PEM certificate, at the
// ca_file's place. Like PleskURLMissing, it is checked when the config
// is loaded, not with the file, whose decoding is cached.
func PleskCAFileProblems(cfg *model.Config) diag.Diagnostics {
	if cfg == nil {
		return nil
	}
	servers := cfg.Servers
	if cfg.Server != nil {
		servers = append([]*model.Server{cfg.Server}, servers...)
	}
	var ds diag.Diagnostics
	for _, sv := range servers {
		c := sv.Plesk
		if c == nil || c.CAPath == "" {
			continue
		}
		obj := "server"
		if sv.Name != "" {
			obj = "server " + sv.Name
		}
		msg := ""
		b, err := readBounded(c.CAPath, MaxCAFileSize, "a CA file")
		switch {
		case err != nil:
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			msg = fmt.Sprintf("ca_file %s cannot be read: %v", c.CAFile, err)
		case !x509.NewCertPool().AppendCertsFromPEM(b):
			msg = fmt.Sprintf("ca_file %s holds no PEM certificate", c.CAFile)
		default:
			continue
		}
		ds = append(ds, diag.Diagnostic{Severity: diag.Error, Summary: msg,
			Subject: c.Src.At("plesk.ca_file"), Object: obj, Path: "plesk.ca_file"})
	}
	return ds
}

// PleskURLProblem says what is wrong with a Plesk server address ("" when
// nothing): it must be https://HOST[:PORT], or http:// on loopback.
func PleskURLProblem(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" || u.User != nil {
		return "plesk url " + quote(RedactURL(s)) + " is not an address like https://plesk.example.com:8443"
	}
	// As a button's URL (decCheckURL): a port that can be connected to,
	// and no blank, which url.Parse lets through in a path or query.
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "plesk url " + quote(RedactURL(s)) + ": its port must be a number from 1 to 65535"
		}
	}
	if strings.ContainsFunc(s, unicode.IsSpace) {
		return "plesk url " + quote(RedactURL(s)) + " contains a blank; write a space as %20"
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		// Host names are case-insensitive: LOCALHOST is localhost.
		h := u.Hostname()
		if ip := net.ParseIP(h); strings.EqualFold(h, "localhost") || ip != nil && ip.IsLoopback() {
			return ""
		}
		return "plesk url " + s + ": plain http is accepted for loopback addresses only; use https"
	}
	return "plesk url " + s + ": the scheme must be https"
}

func quote(s string) string { return "\"" + s + "\"" }

// urlPassword matches the password of a URL's user information
// (scheme://user:PASSWORD@host), to the last @: a password may hold any
// character, / ? # and @ included (such a url does not parse, and is
// the one an error prints).
var urlPassword = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*://[^/?#@:]*:).*@`)

// RedactURL returns s with the password of its user information, if it
// has one, replaced by (sensitive): a secret is never printed.
func RedactURL(s string) string {
	return urlPassword.ReplaceAllString(s, "${1}(sensitive)@")
}
