//go:build unix

package cli

import (
	"io/fs"
	"os"
	"syscall"
)

// fmtKeepOwner gives f, the replacement of the file fi describes, that
// file's owner and group, so that a file rewritten by another user (root,
// most often) stays its owner's. It does what it is allowed to: a user
// who may write the file but not give it away (not root) keeps its group
// when that is one of the user's, and otherwise the new file's own, as
// a file system without owners does.
func fmtKeepOwner(f *os.File, fi fs.FileInfo) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return
	}
	uid, gid := int(st.Uid), int(st.Gid)
	if uid == os.Geteuid() && gid == os.Getegid() {
		return
	}
	if f.Chown(uid, gid) != nil {
		_ = f.Chown(-1, gid)
	}
}
