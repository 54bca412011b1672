package main

import (
	"encoding/json"
	"os"

	"github.com/rogpeppe/go-internal/testscript"
)

// jsonField reads the top-level field of a JSON document (a state pull).
func jsonField(ts *testscript.TestScript, file, key string) json.RawMessage {
	data, err := os.ReadFile(ts.MkAbs(file))
	ts.Check(err)
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		ts.Fatalf("%s: %v", file, err)
	}
	v, ok := doc[key]
	if !ok {
		ts.Fatalf("%s has no top-level %q", file, key)
	}
	return v
}

// jsonSame compares one top-level field of two JSON documents: with !,
// they must differ.
//
//	[!] jsonsame A.json B.json KEY
func jsonSame(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: [!] jsonsame A.json B.json KEY")
	}
	a, b := jsonField(ts, args[0], args[2]), jsonField(ts, args[1], args[2])
	same := string(a) == string(b)
	switch {
	case neg && same:
		ts.Fatalf("%s: both %s", args[2], a)
	case !neg && !same:
		ts.Fatalf("%s: %s in %s, %s in %s", args[2], a, args[0], b, args[1])
	}
}

// jsonNext checks that a top-level integer field of B is that of A
// plus one (a serial incremented by one write).
//
//	jsonnext A.json B.json KEY
func jsonNext(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: jsonnext A.json B.json KEY")
	}
	var a, b int64
	if err := json.Unmarshal(jsonField(ts, args[0], args[2]), &a); err != nil {
		ts.Fatalf("%s: %v", args[0], err)
	}
	if err := json.Unmarshal(jsonField(ts, args[1], args[2]), &b); err != nil {
		ts.Fatalf("%s: %v", args[1], err)
	}
	if b != a+1 {
		ts.Fatalf("%s: %d then %d, want %d", args[2], a, b, a+1)
	}
}
