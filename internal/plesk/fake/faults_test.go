package fake_test

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/plesk/fake"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

func oneLine(t *testing.T, err error, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got none")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans lines: %q", msg)
	}
	for _, w := range words {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not mention %q", msg, w)
		}
	}
}

func TestFaults(t *testing.T) {
	read := xmlapi.ServicePlanGet{OwnerAll: e}
	for _, c := range []struct {
		name  string
		opts  fake.Options
		words []string
	}{
		{"html", fake.Options{Answer: "html"}, []string{"HTML page", ":8443"}},
		{"garbage", fake.Options{Answer: "garbage"}, []string{"not an XML API packet"}},
		{"truncated", fake.Options{Answer: "truncated"}, []string{"not an XML API packet"}},
		{"http500", fake.Options{Answer: "http500"}, []string{"HTTP 500", "XML API endpoint"}},
		{"slow", fake.Options{Delay: 2 * time.Second}, []string{"no answer within", "slow or unreachable"}},
		{"failed operation", fake.Options{FailOp: 1}, []string{"service-plan get", "error 1023", "injected"}},
		{"failed with a code", fake.Options{FailOp: 1, FailCode: 1013}, []string{"error 1013"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Key = testKey
			srv := httptest.NewServer(fake.New(nil, c.opts))
			defer srv.Close()
			cl, err := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: testKey, Timeout: 300 * time.Millisecond, Retries: -1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = xmlapi.Call[xmlapi.PlanData](context.Background(), cl, read)
			oneLine(t, err, append(c.words, "plesk "+strings.TrimPrefix(srv.URL, "http://"))...)
		})
	}
}

func TestWrongKeyAndVersion(t *testing.T) {
	srv := httptest.NewServer(fake.New(nil, fake.Options{Key: testKey}))
	defer srv.Close()
	cl, _ := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: "wrong-key"})
	_, err := xmlapi.Call[xmlapi.PlanData](context.Background(), cl, xmlapi.ServicePlanGet{OwnerAll: e})
	oneLine(t, err, "error 1001", "check the key")
	var se *xmlapi.SystemError
	if !errors.As(err, &se) {
		t.Errorf("wrong key: %T, want *SystemError", err)
	}
	cl, _ = xmlapi.New(xmlapi.Config{URL: srv.URL, Key: testKey, Version: "1.7.0.0"})
	_, err = xmlapi.Call[xmlapi.PlanData](context.Background(), cl, xmlapi.ServicePlanGet{OwnerAll: e})
	oneLine(t, err, "error 1005", "1.7.0.0")
}

func TestReadsAreRetriedWritesAreNot(t *testing.T) {
	f := fake.New(nil, fake.Options{Key: testKey, Answer: "http500", AnswerAt: 1})
	srv := httptest.NewServer(f)
	defer srv.Close()
	cl, _ := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: testKey, Backoff: time.Millisecond})
	if _, err := xmlapi.Call[xmlapi.PlanData](context.Background(), cl, xmlapi.ServicePlanGet{OwnerAll: e}); err != nil {
		t.Fatalf("read after one failed answer: %v", err)
	}
	f2 := fake.New(nil, fake.Options{Key: testKey, Answer: "http500", AnswerAt: 1})
	srv2 := httptest.NewServer(f2)
	defer srv2.Close()
	cl2, _ := xmlapi.New(xmlapi.Config{URL: srv2.URL, Key: testKey, Backoff: time.Millisecond})
	_, err := xmlapi.Call[xmlapi.AddResult](context.Background(), cl2, xmlapi.ServicePlanAdd{Name: "Once"})
	oneLine(t, err, "HTTP 500")
	if n := len(f2.State().Plans); n != 0 {
		t.Fatalf("a failed write was sent again: %d plans", n)
	}
}

func TestUnreachableAndTLS(t *testing.T) {
	// Nothing listens on this port once the server is closed.
	srv := httptest.NewServer(fake.New(nil, fake.Options{Key: testKey}))
	url := srv.URL
	srv.Close()
	cl, _ := xmlapi.New(xmlapi.Config{URL: url, Key: testKey, Retries: -1})
	_, err := xmlapi.Call[xmlapi.PlanData](context.Background(), cl, xmlapi.ServicePlanGet{OwnerAll: e})
	oneLine(t, err, "cannot reach the server", "check the url")

	tls := httptest.NewTLSServer(fake.New(nil, fake.Options{Key: testKey}))
	defer tls.Close()
	cl, _ = xmlapi.New(xmlapi.Config{URL: tls.URL, Key: testKey, Retries: -1})
	_, err = xmlapi.Call[xmlapi.PlanData](context.Background(), cl, xmlapi.ServicePlanGet{OwnerAll: e})
	oneLine(t, err, "TLS certificate not trusted", "ca_file")

	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemData := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tls.Certificate().Raw})
	if err := os.WriteFile(ca, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	cl, err = xmlapi.New(xmlapi.Config{URL: tls.URL, Key: testKey, CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := xmlapi.Call[xmlapi.PlanData](context.Background(), cl, xmlapi.ServicePlanGet{OwnerAll: e}); err != nil {
		t.Fatalf("with ca_file: %v", err)
	}
}

func TestConnectionSettings(t *testing.T) {
	for _, c := range []struct {
		cfg  xmlapi.Config
		want string
	}{
		{xmlapi.Config{URL: "http://plesk.example.com:8443", Key: "k"}, "loopback addresses only"},
		{xmlapi.Config{URL: "ftp://plesk.example.com", Key: "k"}, "scheme must be https"},
		{xmlapi.Config{URL: "https://plesk.example.com:8443"}, "no credentials"},
		{xmlapi.Config{URL: "https://plesk.example.com:8443", Login: "admin"}, "no credentials"},
		{xmlapi.Config{URL: "https://plesk.example.com:8443", Key: "k", CAFile: "/nonexistent/ca.pem"}, "ca_file"},
	} {
		if _, err := xmlapi.New(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.cfg, err, c.want)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8880", "http://localhost:8880", "http://[::1]:8880", "https://plesk.example.com"} {
		if _, err := xmlapi.New(xmlapi.Config{URL: u, Key: "k"}); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}

func TestTraceMasksSecrets(t *testing.T) {
	srv := httptest.NewServer(fake.New(nil, fake.Options{Key: testKey}))
	defer srv.Close()
	dir := t.TempDir()
	t.Setenv("PLANSYNC_PLESK_TRACE", dir)
	cl, _ := xmlapi.New(xmlapi.Config{URL: srv.URL, Key: testKey})
	ctx := context.Background()
	if _, err := xmlapi.Call[xmlapi.AddResult](ctx, cl, xmlapi.CustomerAdd{GenInfo: xmlapi.CustomerInfo{Name: "T", Login: "t", Password: "Very-secret-1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := xmlapi.Call[xmlapi.AddResult](ctx, cl, xmlapi.WebspaceAdd{GenSetup: xmlapi.GenSetup{Name: "t.example", OwnerLogin: "t", IPAddress: "192.0.2.10"},
		Hosting: &xmlapi.WebspaceHosting{VrtHst: &xmlapi.VrtHst{Property: []xmlapi.Property{{Name: "ftp_login", Value: "tftp"}, {Name: "ftp_password", Value: "Ftp-secret-2"}}, IPAddress: []string{"192.0.2.10"}}}}); err != nil {
		t.Fatal(err)
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		names = append(names, en.Name())
		data, _ := os.ReadFile(filepath.Join(dir, en.Name()))
		for _, secret := range []string{"Very-secret-1", "Ftp-secret-2", testKey} {
			if strings.Contains(string(data), secret) {
				t.Errorf("%s holds a secret", en.Name())
			}
		}
	}
	want := "0001-request.xml 0001-response.xml 0002-request.xml 0002-response.xml"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("trace files %s, want %s", got, want)
	}
	req, _ := os.ReadFile(filepath.Join(dir, "0002-request.xml"))
	if !strings.Contains(string(req), "<value>(sensitive)</value>") || !strings.Contains(string(req), "tftp") {
		t.Errorf("request trace:\n%s", req)
	}
}
