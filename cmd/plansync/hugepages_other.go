//go:build !linux

package main

// hugeHeap asks huge pages for the heap on Linux only (hugepages_linux.go).
func hugeHeap() {}
