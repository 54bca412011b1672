package main

import (
	"io"
	"net"
	"strings"
	"testing"
)

func TestFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--listen", "127.0.0.1:0"}, "set --key"},
		{[]string{"--listen", "0.0.0.0:8880", "--key", "k"}, "loopback addresses only"},
		{[]string{"--listen", "nonsense", "--key", "k"}, "--listen nonsense"},
		{[]string{"--key", "k", "--answer", "silence"}, "--answer silence"},
		{[]string{"--key", "k", "--seed-config", "testdata/nope"}, "--seed-config testdata/nope"},
		{[]string{"--key", "k", "extra"}, "unexpected argument"},
		{[]string{"--key", "k", "--ip", "192.0.2.10,nope"}, `--ip 192.0.2.10,nope: "nope" is not`},
	} {
		err := run(c.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
}

// TestAnswersAccepted: every fault --answer that -h documents is
// accepted; run gets as far as listening (on an address already taken,
// so that it returns instead of serving).
func TestAnswersAccepted(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, a := range []string{"html", "garbage", "truncated", "http500", "slow"} {
		err := run([]string{"--listen", taken.Addr().String(), "--key", "k", "--answer", a}, io.Discard, io.Discard)
		if err == nil || strings.Contains(err.Error(), "--answer") {
			t.Errorf("--answer %s: error %v, want only the listen error", a, err)
		}
	}
}
