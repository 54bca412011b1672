package cli

import (
	"os"
	"syscall"
)

// sameChange reports whether two stats of one file show the same status
// change time (ctime), which every write of the file moves and which,
// unlike the modification time, cannot be set back (touch -d).
func sameChange(a, b os.FileInfo) bool {
	sa, oka := a.Sys().(*syscall.Stat_t)
	sb, okb := b.Sys().(*syscall.Stat_t)
	return !oka || !okb || sa.Ctim == sb.Ctim
}
