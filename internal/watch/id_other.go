//go:build !unix

package watch

import "io/fs"

// identity is what tells a file's content apart from an earlier content
// without reading it.
type identity struct {
	size  int64
	mtime int64
}

func identityOf(fi fs.FileInfo) identity {
	return identity{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
}

// dirKey identifies a directory; without inodes, by its resolved path.
type dirKey struct {
	dev, ino uint64
	real     string
}

func dirKeyOf(fi fs.FileInfo, real string) dirKey {
	return dirKey{real: real}
}
