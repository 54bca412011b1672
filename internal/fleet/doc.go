// Package fleet writes a desired state (model.Config) back to the config
// language and generates large, realistic fleets for tests and benchmarks.
//
// WriteYAML and WriteHCL serialise a config, or any subset of one, so
// that loading the output (config.Load) gives an equal config, source
// ranges aside: sizes in binary units when exact, counts as integers,
// durations as written, secrets as references (never a resolved value),
// objects sorted by key and fields in schema order. Both syntaxes are
// rendered from one intermediate document (document.go), so they cannot
// disagree on what they write. WriteDir spreads a config over many files,
// the way a big catalogue is kept in a repository.
//
// Generate builds a deterministic fleet of any size from a seed: admin
// and reseller plans, resellers, customers and subscriptions, with
// customised subscriptions, add-ons and, on request, subscriptions whose
// plan asks for something the server cannot provide.
//
// The package depends on model only; it neither reads config files nor
// plans (its tests do both).
package fleet
