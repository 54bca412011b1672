package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func loadOne(t *testing.T, name, src string, env map[string]string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	// The CA file the blocks below name: a ca_file that cannot be read
	// is an error of the config.
	if err := os.MkdirAll(filepath.Join(dir, "certs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "certs", "plesk-ca.pem"), testCAPEM(t), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, ReadFile: os.ReadFile}
	cfg, diags := Load(dir, opts)
	if diags.HasErrors() {
		return dir, diags.Err()
	}
	p := cfg.Server.Plesk
	if p == nil {
		t.Fatal("no plesk connection decoded")
	}
	var parts []string
	parts = append(parts, "url="+p.URL, "login="+p.Login, "ca="+p.CAFile, "ip="+p.DefaultIP)
	if p.Key != nil {
		parts = append(parts, "key="+p.Key.Value)
	}
	if p.Password != nil {
		parts = append(parts, "password="+p.Password.Value)
	}
	if p.CAPath != "" && p.CAPath != filepath.Join(dir, p.CAFile) {
		t.Errorf("ca path %s, want it next to the config file", p.CAPath)
	}
	return strings.Join(parts, " "), nil
}

// testCAPEM is a self-signed CA certificate, PEM-encoded.
func testCAPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<33, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestPleskBlock(t *testing.T) {
	env := map[string]string{"PLESK_API_KEY": "k-123", "PLESK_PASSWORD": "pw"}
	yaml := `server:
  plesk:
    url: https://plesk.example.com:8443
    key: {env: PLESK_API_KEY}
    ca_file: certs/plesk-ca.pem
    default_ip: 192.0.2.10
`
	hcl := `server {
  plesk {
    url        = "https://plesk.example.com:8443"
    key        = env("PLESK_API_KEY")
    ca_file    = "certs/plesk-ca.pem"
    default_ip = "192.0.2.10"
  }
}
`
	want := "url=https://plesk.example.com:8443 login= ca=certs/plesk-ca.pem ip=192.0.2.10 key=k-123"
	for name, src := range map[string]string{"server.yaml": yaml, "server.hcl": hcl} {
		got, err := loadOne(t, name, src, env)
		if err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", name, got, err, want)
		}
	}
	got, err := loadOne(t, "s.yaml", "server:\n  plesk:\n    url: http://127.0.0.1:8880\n    login: admin\n    password: {env: PLESK_PASSWORD}\n", env)
	if err != nil || got != "url=http://127.0.0.1:8880 login=admin ca= ip= password=pw" {
		t.Errorf("login: %q, %v", got, err)
	}
	for _, c := range []struct{ src, want string }{
		{"server:\n  plesk:\n    url: http://plesk.example.com\n    key: {env: PLESK_API_KEY}\n", "s.yaml:3:10: error: server plesk.url: plesk url http://plesk.example.com: plain http is accepted for loopback addresses only"},
		{"server:\n  plesk:\n    url: ftp://x\n", "the scheme must be https"},
		{"server:\n  plesk:\n    key: {env: PLESK_API_KEY}\n", `missing required field "url"`},
		{"server:\n  plesk:\n    url: https://x\n    key: {env: PLESK_API_KEY}\n    login: admin\n", "a key or a login and password, not both"},
		{"server:\n  plesk:\n    url: https://x\n    default_ip: here\n", `default_ip "here" is not an IP address`},
		{"server:\n  plesk:\n    url: https://x\n    keys: x\n", `unknown field "keys" in plesk`},
		{"server:\n  plesk: yes\n", "plesk must be a map"},
		// A port with no host name: Go would dial the local machine.
		{"server:\n  plesk:\n    url: \"https://:8443\"\n    key: {env: PLESK_API_KEY}\n", `plesk url "https://:8443" is not an address like https://plesk.example.com:8443`},
		{"server:\n  plesk:\n    url: \"https://[]:8443/\"\n    key: {env: PLESK_API_KEY}\n", `is not an address like`},
	} {
		_, err := loadOne(t, "s.yaml", c.src, env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
}

// The single server's url may come from the environment (SPEC 6.1);
// without it from either, the error names the plesk block. One of
// several servers needs its own url: the environment names one server.
func TestPleskURLFromEnv(t *testing.T) {
	env := map[string]string{"PLESK_API_KEY": "k-123", "PLANSYNC_PLESK_URL": "https://plesk.example.com:8443"}
	for name, src := range map[string]string{
		"s.yaml": "server:\n  plesk:\n    key: {env: PLESK_API_KEY}\n",
		"s.hcl":  "server {\n  plesk {\n    key = env(\"PLESK_API_KEY\")\n  }\n}\n",
	} {
		got, err := loadOne(t, name, src, env)
		if err != nil || got != "url= login= ca= ip= key=k-123" {
			t.Errorf("%s with PLANSYNC_PLESK_URL set: %q, %v", name, got, err)
		}
		delete(env, "PLANSYNC_PLESK_URL")
		_, err = loadOne(t, name, src, env)
		want := name + `:2:3: error: server plesk.url: missing required field "url": set server.plesk.url, or PLANSYNC_PLESK_URL in the environment`
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s without PLANSYNC_PLESK_URL: %v, want %q", name, err, want)
		}
		env["PLANSYNC_PLESK_URL"] = "https://plesk.example.com:8443"
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "s.yaml"), []byte("servers:\n  - name: web1\n    plesk:\n      key: {env: PLESK_API_KEY}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, diags := Load(dir, Options{Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if want := `s.yaml:4:7: error: server web1 plesk.url: missing required field "url"`; !strings.Contains(diags.Error(), want) {
		t.Errorf("servers: %v, want %q", diags.Error(), want)
	}
}

// Plain http is accepted for loopback addresses only: 127.0.0.0/8, ::1
// and the name localhost, which is case-insensitive as every host name is.
func TestPleskURLProblemLoopback(t *testing.T) {
	for url, ok := range map[string]bool{
		"http://127.0.0.1:8880":        true,
		"http://127.0.0.2:8880":        true,
		"http://[::1]:8880":            true,
		"http://localhost:8880":        true,
		"http://LOCALHOST:8880":        true,
		"http://LocalHost:8880/":       true,
		"HTTP://LOCALHOST:8880":        true,
		"http://plesk.example.com":     false,
		"http://localhost.example.com": false,
		"http://192.0.2.1:8880":        false,
	} {
		msg := PleskURLProblem(url)
		if ok && msg != "" || !ok && !strings.Contains(msg, "plain http is accepted for loopback addresses only") {
			t.Errorf("PleskURLProblem(%q) = %q, want accepted %v", url, msg, ok)
		}
	}
}

// A Plesk address is a URL as a button's is: no blank in it (a space is
// written %20), and a port from 1 to 65535.
func TestPleskURLProblemBlanksAndPorts(t *testing.T) {
	for url, want := range map[string]string{
		"https://plesk.example.com:8443":       "",
		"https://plesk.example.com:65535/":     "",
		"https://plesk.example.com:08443":      "",
		"https://plesk.example.com:8443/a%20b": "",
		"https://plesk.example.com:8443/a b":   "contains a blank",
		"https://plesk.example.com/?a=b c":     "contains a blank",
		"https://plesk.example.com:0":          "port must be a number from 1 to 65535",
		"https://plesk.example.com:65536":      "port must be a number from 1 to 65535",
		"http://127.0.0.1:99999":               "port must be a number from 1 to 65535",
	} {
		msg := PleskURLProblem(url)
		if want == "" && msg != "" || want != "" && !strings.Contains(msg, want) {
			t.Errorf("PleskURLProblem(%q) = %q, want %q", url, msg, want)
		}
	}
}
