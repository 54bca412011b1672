//go:build !linux || race

package cli

// HugeHeap does nothing: transparent huge pages are Linux's, and a
// race-detector build is not run for speed (hugeheap_linux.go).
func HugeHeap(func(string) (string, bool)) {}
