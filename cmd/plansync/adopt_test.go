package main

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// adoptDrift follows a drift item's "Adopt it" advice literally: it
// takes the item's adopt block from the JSON plan the last command
// printed (plan --format json) and puts it in FILE in place of the
// object's block (a YAML list item or an HCL block, found by the drift's
// key), as an operator would with an editor.
//
//	adopt KIND KEY FILE
func adoptDrift(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: adopt KIND KEY FILE")
	}
	kind, key, file := args[0], args[1], args[2]
	var doc struct {
		Drift []struct {
			Kind, Key, Adopt string
			AdoptNote        string `json:"adopt_note"`
		}
	}
	ts.Check(json.Unmarshal([]byte(ts.ReadFile("stdout")), &doc))
	block := ""
	for _, d := range doc.Drift {
		if d.Kind == kind && d.Key == key && d.Adopt != "" {
			block = d.Adopt
			if !strings.HasPrefix(d.AdoptNote, "replace ") {
				ts.Fatalf("adopt: %s %s: the advice is %q, not a replacement", kind, key, d.AdoptNote)
			}
		}
	}
	if block == "" {
		ts.Fatalf("adopt: the plan has no block adopting %s %s", kind, key)
	}
	lines := strings.Split(strings.TrimRight(ts.ReadFile(file), "\n"), "\n")
	var out []string
	if strings.HasSuffix(file, ".hcl") {
		out = spliceHCL(ts, lines, kind, key, block)
	} else {
		out = spliceYAML(ts, lines, kind, key, block)
	}
	ts.Check(os.WriteFile(ts.MkAbs(file), []byte(strings.Join(out, "\n")+"\n"), 0o644))
}

func spliceHCL(ts *testscript.TestScript, lines []string, kind, key, block string) []string {
	start := regexp.MustCompile(`^\s*` + regexp.QuoteMeta(kind) + `\s+"` + regexp.QuoteMeta(key) + `"\s*\{\s*$`)
	for i, l := range lines {
		if !start.MatchString(l) {
			continue
		}
		depth := 0
		for j := i; j < len(lines); j++ {
			depth += strings.Count(lines[j], "{") - strings.Count(lines[j], "}")
			if depth == 0 {
				repl := strings.Split(strings.TrimRight(block, "\n"), "\n")
				return append(append(append([]string(nil), lines[:i]...), repl...), lines[j+1:]...)
			}
		}
		ts.Fatalf("adopt: %s %q: unbalanced block", kind, key)
	}
	ts.Fatalf("adopt: no block %s %q", kind, key)
	return nil
}

func spliceYAML(ts *testscript.TestScript, lines []string, kind, key, block string) []string {
	label := map[string]string{"reseller": "login", "customer": "login", "subscription": "domain"}[kind]
	if label == "" {
		label = "name"
	}
	start := regexp.MustCompile(`^(\s*)- ` + label + `: "?` + regexp.QuoteMeta(key) + `"?\s*$`)
	// The block is "LIST:" then the object as a list item.
	repl := strings.Split(strings.TrimRight(block, "\n"), "\n")[1:]
	indent := func(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
	for i, l := range lines {
		m := start.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		at := len(m[1])
		end := i + 1
		for end < len(lines) && (strings.TrimSpace(lines[end]) == "" || indent(lines[end]) > at) {
			end++
		}
		for end > i+1 && strings.TrimSpace(lines[end-1]) == "" {
			end-- // blank lines between items stay
		}
		shift := at - indent(repl[0])
		for k, r := range repl {
			if shift > 0 {
				repl[k] = strings.Repeat(" ", shift) + r
			} else if shift < 0 {
				repl[k] = r[-shift:]
			}
		}
		return append(append(append([]string(nil), lines[:i]...), repl...), lines[end:]...)
	}
	ts.Fatalf("adopt: no list item %s: %s", label, key)
	return nil
}
