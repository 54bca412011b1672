//go:build unix

package watch

import (
	"io/fs"
	"syscall"
)

// identity is what tells a file or directory apart from another one, and
// a file's content apart from an earlier content (a quick check before
// hashing: any write changes the modification or change time, a rename
// over the file changes the inode).
type identity struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64
}

func identityOf(fi fs.FileInfo) identity {
	id := identity{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.dev, id.ino = uint64(st.Dev), uint64(st.Ino)
		id.ctime = ctimeOf(st)
	}
	return id
}

// dirKey identifies a directory: its device and inode, or its resolved
// path where the system has no inodes.
type dirKey struct {
	dev, ino uint64
	real     string
}

func dirKeyOf(fi fs.FileInfo, real string) dirKey {
	id := identityOf(fi)
	if id.ino == 0 {
		return dirKey{real: real}
	}
	return dirKey{dev: id.dev, ino: id.ino}
}
