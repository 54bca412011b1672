//go:build !linux

package cli

// HugeHeap asks huge pages for the heap on Linux only (hugepages_linux.go).
func HugeHeap() {}
