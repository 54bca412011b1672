//go:build unix

package file

import (
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// errWouldBlock is what lockFile returns when another holder has the lock.
var errWouldBlock = unix.EWOULDBLOCK

// lockFile takes an exclusive flock(2) on f without waiting.
func lockFile(f *os.File) error { return flock(f, unix.LOCK_EX|unix.LOCK_NB) }

// unlockFile drops the flock on f.
func unlockFile(f *os.File) error { return flock(f, unix.LOCK_UN) }

// flock applies flock(2) to f, retrying when interrupted.
func flock(f *os.File, how int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			if ferr = unix.Flock(int(fd), how); ferr != unix.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return ferr
}

// syncDir makes a rename or a new file in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// fileID is the inode of the file at path, as fi (its Stat) gives it.
func fileID(_ string, fi fs.FileInfo) (uint64, error) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino), nil
	}
	return 0, nil
}

// errReadOnlyFS is the error of a write on a read-only file system.
var errReadOnlyFS = unix.EROFS
