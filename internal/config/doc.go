// Package config reads a config directory into the desired state
// (model.Config). It walks the directory (hidden entries skipped), parses
// every *.yaml, *.yml and *.hcl file into one syntax-neutral tree (tree.go)
// that keeps a source range on every node, then decodes all trees with
// one schema-driven decoder, so YAML and HCL mean exactly the same thing
// and report the same diagnostics. Cross-object checks (references,
// duplicate keys across files, add-on rules) run on the merged result.
//
// Load reads a directory once. Two loaders keep decoded files between
// loads and give Load's result: LoadCached across processes (a Cache of
// encoded files, cachecodec.go), and Reloader within one process, fed
// by a watcher with the hash of every file (plansync watch).
//
// It knows nothing of planning or recorded state. Secrets are resolved
// through the Getenv and ReadFile functions of Options, so tests and the CLI
// decide where they come from.
package config
