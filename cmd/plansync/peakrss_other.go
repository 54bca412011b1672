//go:build !unix

package main

// peakResident is unknown: the system does not tell a process's peak
// resident set the way unix systems do.
func peakResident() (int64, bool) { return 0, false }
