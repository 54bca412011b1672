package plan

import (
	"testing"

	"github.com/plansync/plansync/state"
)

func TestButtonRequest(t *testing.T) {
	sv := state.Service{Button: &state.Button{URL: "https://x.example/go?a=1"},
		Send: []string{"primary_domain", "ftp_credentials", "customer_id", "customer_email", "customer_company"}}
	sub := state.Subscription{Domain: "doe.example", Customer: "jdoe", FTPLogin: "doe", FTPPassword: "secret"}
	cu := state.Customer{Login: "jdoe", Contact: state.Contact{Email: "j@doe.example"}}
	// The company is empty: left out, not sent empty; the password masked.
	want := "GET https://x.example/go?a=1&customer_email=j%40doe.example&customer_id=jdoe&ftp_login=doe&ftp_password=(sensitive)&primary_domain=doe.example"
	if got := ButtonRequest(sv, sub, cu); got != want {
		t.Errorf("request\n got %s\nwant %s", got, want)
	}
	if got := ButtonImage(sv.Button); got != DefaultButtonImage {
		t.Errorf("image %q", got)
	}
}

func TestCanLogin(t *testing.T) {
	for _, c := range []struct {
		status string
		subs   int
		want   bool
	}{{Active, 1, true}, {Active, 0, false}, {Suspended, 2, false}} {
		if got := CanLogin(state.Customer{Status: c.status}, c.subs); got != c.want {
			t.Errorf("%s with %d subscriptions: can log in = %v", c.status, c.subs, got)
		}
	}
}
