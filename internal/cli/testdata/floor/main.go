// Command floor is BenchmarkPlanFloor's floor: the minimal program that
// reads and parses a plansync config's files, one after the other on one
// core, and nothing else: yaml.v3 into yaml.Node, or hcl/v2's
// hclsyntax.ParseConfig.
//
//	floor yaml|hcl FILE...
package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"gopkg.in/yaml.v3"
)

func main() {
	runtime.GOMAXPROCS(1)
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: floor yaml|hcl FILE...")
		os.Exit(2)
	}
	syntax := os.Args[1]
	for _, f := range os.Args[2:] {
		data, err := os.ReadFile(f)
		if err != nil {
			fail(err)
		}
		if syntax == "yaml" {
			var n yaml.Node
			if err := yaml.Unmarshal(data, &n); err != nil {
				fail(err)
			}
			continue
		}
		if _, ds := hclsyntax.ParseConfig(data, f, hcl.Pos{Line: 1, Column: 1}); ds.HasErrors() {
			fail(ds)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
