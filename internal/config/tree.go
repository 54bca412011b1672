package config

import (
	"slices"

	"github.com/plansync/plansync/internal/diag"
)

// NodeKind is the shape of a tree node.
type NodeKind uint8

const (
	MapNode NodeKind = iota + 1
	ListNode
	ScalarNode
)

// ScalarType is the literal type of a scalar as written.
type ScalarType uint8

const (
	StringScalar ScalarType = iota + 1
	IntScalar
	FloatScalar
	BoolScalar
	NullScalar
)

// Node is one value of a config file, YAML or HCL alike.
//
// Mapping rules, so both syntaxes give the same tree:
//   - a YAML mapping, an HCL object expression `{ a = 1 }` and an HCL
//     block body are MapNodes; Entries keep source order;
//   - a YAML sequence and an HCL tuple `[..]` are ListNodes;
//   - a top-level HCL block `service_plan "Business" { ... }` becomes an
//     item of the list under the YAML key for that kind (service_plans),
//     with the label as the key field (name, login or domain) whose range
//     is the label's; `server { }` becomes the "server" map;
//   - a nested block without labels (`resources { }`) is a map entry named
//     by the block type; a nested block with one label
//     (`extension "x" { }`) is an item of the list under the plural of the
//     block type (extensions), with "name" set to the label;
//   - HCL `env("NAME")` and `file("path")` become the map {env: NAME} or
//     {file: path}, exactly as YAML writes a secret reference;
//   - scalars keep the literal text: for strings the unquoted value, for
//     numbers their digits as written ("8.3"), bools "true"/"false".
type Node struct {
	Kind    NodeKind
	Range   diag.Range
	Entries []Entry // MapNode
	Items   []*Node // ListNode
	Type    ScalarType
	Text    string
}

// Entry is one key of a MapNode.
type Entry struct {
	Key      string
	KeyRange diag.Range
	Value    *Node
}

// Get returns the value of a map entry, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != MapNode {
		return nil
	}
	for i := range n.Entries {
		if n.Entries[i].Key == key {
			return n.Entries[i].Value
		}
	}
	return nil
}

// File is one parsed config file.
type File struct {
	// Path is the file's path as shown in diagnostics: the config
	// directory as the user gave it joined with the relative path.
	Path string
	// Rel is the path relative to the config directory, with slashes.
	Rel  string
	Root *Node // a MapNode
	// Syntax is "yaml" or "hcl".
	Syntax string
	// Refused holds, for a map, the keys whose value the reader refused
	// (an HCL expression, an unsupported YAML tag): they are left out of
	// its entries and reported, and do not count as missing. Nil when
	// there are none.
	Refused map[*Node][]string
	// Blocks maps the list HCL nested blocks with a label made to the
	// block type written: extension "x" { } is an item of the list
	// "extensions". Messages about the entry name the block as written.
	Blocks map[*Node]string
}

// refused reports whether the map n of f was given a value for key that
// the reader refused.
func (f *File) refused(n *Node, key string) bool {
	return f != nil && slices.Contains(f.Refused[n], key)
}

// block returns the HCL block type that made the entry value v, if a
// block did.
func (f *File) block(v *Node) (string, bool) {
	if f == nil {
		return "", false
	}
	typ, ok := f.Blocks[v]
	return typ, ok
}

// walkRefused collects a reader's refused keys (File.Refused).
type walkRefused map[*Node][]string

func (r *walkRefused) add(n *Node, key string) {
	if *r == nil {
		*r = walkRefused{}
	}
	(*r)[n] = append((*r)[n], key)
}

// KindKeys maps each top-level HCL block type to its YAML list key and
// the field its label sets.
var KindKeys = map[string]struct{ ListKey, LabelField string }{
	"service":             {"services", "name"},
	"service_plan":        {"service_plans", "name"},
	"addon_plan":          {"addon_plans", "name"},
	"reseller_plan":       {"reseller_plans", "name"},
	"reseller":            {"resellers", "login"},
	"customer":            {"customers", "login"},
	"subscription":        {"subscriptions", "domain"},
	"subscriber_settings": {"subscriber_settings", "domain"},
}
