// Package cli is plansync's command line: the subcommands, their
// argument structs, the wiring of config loading, state backends, the
// planning engine, apply and renderers, and the one place where errors
// become exit codes. It is the only package that sees everything; each
// command parses its flags into an options struct and hands it to a
// function that runs it, so both halves can be tested on their own.
package cli
