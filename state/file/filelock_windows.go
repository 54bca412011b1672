//go:build windows

package file

import (
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// errWouldBlock is what lockFile returns when another holder has the lock.
var errWouldBlock = windows.ERROR_LOCK_VIOLATION

// The lock is LockFileEx on one byte far past the end of the lock file
// (Windows allows locking beyond the end): Windows locks are mandatory,
// so locking the content would keep others from reading the holder's
// LockInfo, which they show in "locked by" errors.
const (
	lockOffsetLow  = 0xfffffffe
	lockOffsetHigh = 0x7fffffff
)

// lockFile takes an exclusive lock on f without waiting.
func lockFile(f *os.File) error {
	ol := windows.Overlapped{Offset: lockOffsetLow, OffsetHigh: lockOffsetHigh}
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if err == windows.ERROR_IO_PENDING {
		return errWouldBlock
	}
	return err
}

// unlockFile drops the lock on f.
func unlockFile(f *os.File) error {
	ol := windows.Overlapped{Offset: lockOffsetLow, OffsetHigh: lockOffsetHigh}
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol)
}

// syncDir does nothing on Windows, where a directory cannot be flushed:
// the renamed file itself was flushed before the rename.
func syncDir(string) error { return nil }

// fileID is the file index of the file at path (Windows' inode), read
// from a handle since fi does not carry it.
func fileID(path string, _ fs.FileInfo) (uint64, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return 0, err
	}
	h, err := windows.CreateFile(p, 0, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return 0, err
	}
	defer windows.CloseHandle(h)
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &info); err != nil {
		return 0, err
	}
	return uint64(info.FileIndexHigh)<<32 | uint64(info.FileIndexLow), nil
}

// errReadOnlyFS is the error of a write on a read-only medium.
var errReadOnlyFS = windows.ERROR_WRITE_PROTECT
