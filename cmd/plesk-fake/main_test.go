package main

import (
	"io"
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
	} {
		err := run(c.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
}
