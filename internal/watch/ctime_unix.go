//go:build unix && !(darwin || freebsd || netbsd)

package watch

import "syscall"

// ctimeOf is the inode change time in nanoseconds (Linux's Ctim, as on
// the other Unix systems without BSD's Ctimespec).
func ctimeOf(st *syscall.Stat_t) int64 {
	return int64(st.Ctim.Sec)*1e9 + int64(st.Ctim.Nsec)
}
