package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strconv"

	"github.com/itchyny/gojq"
	"github.com/rogpeppe/go-internal/testscript"
)

// jqExpect checks a jq expression against a JSON file (each document in
// it in turn, as jq -e reads a file): its last result must be true, or
// anything but false and null (with !, false or null). The expression is
// run by gojq, jq in Go: no jq program is needed. An expression that
// fails, or yields nothing, fails the script either way.
//
//	[!] jqe FILE EXPR
func jqExpect(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: [!] jqe FILE EXPR")
	}
	query, err := gojq.Parse(args[1])
	if err != nil {
		ts.Fatalf("jq %s: %v", args[1], err)
	}
	code, err := gojq.Compile(query)
	if err != nil {
		ts.Fatalf("jq %s: %v", args[1], err)
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	dec := json.NewDecoder(bytes.NewReader(data))
	var last any
	results := 0
	for {
		var doc any
		if err := dec.Decode(&doc); err == io.EOF {
			break
		} else if err != nil {
			ts.Fatalf("%s: %v", args[0], err)
		}
		iter := code.Run(doc)
		for {
			v, ok := iter.Next()
			if !ok {
				break
			}
			if err, isErr := v.(error); isErr {
				ts.Fatalf("jq %s: %v", args[1], err)
			}
			last, results = v, results+1
		}
	}
	if results == 0 {
		ts.Fatalf("jq %s: no result", args[1])
	}
	truthy := last != nil && last != false
	switch {
	case truthy && neg:
		ts.Fatalf("jq %s: true, want false", args[1])
	case !truthy && !neg:
		ts.Fatalf("jq %s: %v, want true", args[1], last)
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
