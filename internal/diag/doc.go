// Package diag defines the diagnostics plansync reports to its users: a
// severity, a one-line summary, an optional detail, the source ranges that
// contributed (the primary one first) and the address of the object or the
// path into the data concerned. It imports nothing of plansync; every
// other package reports user-fixable problems through it.
package diag
