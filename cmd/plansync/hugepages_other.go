//go:build !linux || race

package main

// hugePages does nothing: transparent huge pages are Linux's, and a
// race-detector build is not run for speed (hugepages_linux.go).
func hugePages(func(string) (string, bool)) {}
