//go:build darwin || freebsd || netbsd

package watch

import "syscall"

// ctimeOf is the inode change time in nanoseconds (BSD's Ctimespec).
func ctimeOf(st *syscall.Stat_t) int64 {
	return int64(st.Ctimespec.Sec)*1e9 + int64(st.Ctimespec.Nsec)
}
