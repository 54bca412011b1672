// Package archtest holds no code: its test keeps plansync's package graph
// one-way (STYLE.md) by checking every package's imports with go list.
package archtest
