package xmlapi

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Plain http carries the key in clear: a client for an http:// url
// (localhost by name, which the hosts file or DNS could map anywhere)
// connects only to loopback addresses, whatever the name resolves to.
// Host names are case-insensitive: LOCALHOST is the name localhost.
func TestPlainHTTPDialsLoopbackOnly(t *testing.T) {
	for _, u := range []string{"http://localhost:8880", "http://LOCALHOST:8880", "http://LocalHost:8880"} {
		t.Run(u, func(t *testing.T) { dialsLoopbackOnly(t, u) })
	}
}

func dialsLoopbackOnly(t *testing.T, u string) {
	c, err := New(Config{URL: u, Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	dial := c.http.Transport.(*http.Transport).DialContext
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, addr := range []string{"192.0.2.1:8880", "[2001:db8::1]:8880"} {
		conn, err := dial(ctx, "tcp", addr)
		if err == nil {
			conn.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "plain http is accepted for loopback addresses only, and "+addr+" is not one") {
			t.Errorf("dial %s: %v, want it refused as not loopback", addr, err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conn, err := dial(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("dial %s (loopback): %v", ln.Addr(), err)
	}
	conn.Close()
}
