//go:build unix

package main

import (
	"runtime"
	"syscall"
)

// peakResident is the largest resident set this process has had, in
// bytes; false where the system does not tell.
func peakResident() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss), true // bytes there
	}
	return int64(ru.Maxrss) << 10, true // kilobytes elsewhere
}
