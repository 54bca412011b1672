package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
)

// jqExpect checks a jq expression against a JSON file: it must yield
// true (with !, it must not). It runs the jq program from PATH.
//
//	[!] jqe FILE EXPR
func jqExpect(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: [!] jqe FILE EXPR")
	}
	jq, err := exec.LookPath("jq")
	if err != nil {
		ts.Fatalf("jqe needs the jq program on PATH: %v", err)
	}
	cmd := exec.Command(jq, "-e", args[1], ts.MkAbs(args[0]))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		if neg {
			ts.Fatalf("jq %s: true, want false", args[1])
		}
	case errors.As(err, &exitErr) && exitErr.ExitCode() == 1:
		if !neg {
			ts.Fatalf("jq %s: %s, want true", args[1], bytes.TrimSpace(out.Bytes()))
		}
	default:
		ts.Fatalf("jq %s: %v: %s", args[1], err, errb.Bytes())
	}
}

// jqCount checks how many JSON documents a file holds (one document on
// stdout, nothing else).
//
//	jqcount FILE N
func jqCount(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: jqcount FILE N")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	dec := json.NewDecoder(bytes.NewReader(data))
	n := 0
	for {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			break
		}
		if err != nil {
			ts.Fatalf("%s: document %d: %v", args[0], n+1, err)
		}
		n++
	}
	if n != want {
		ts.Fatalf("%s holds %d JSON documents, want %d", args[0], n, want)
	}
}
