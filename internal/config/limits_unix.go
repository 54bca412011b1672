//go:build unix

package config

import (
	"errors"
	"io/fs"

	"golang.org/x/sys/unix"
)

// readRegular reads a regular file of at most max bytes with plain
// system calls (open, fstat, read, close): the os package would register
// a file opened without blocking with its poller, which costs more than
// the read of a small secret file does.
func readRegular(path string, limit int64, what string) ([]byte, error) {
	var fd int
	var err error
	for {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if err := regularFile(statMode(uint32(st.Mode))); err != nil {
		return nil, err
	}
	if st.Size > limit {
		return nil, errTooLarge{limit, what}
	}
	buf := make([]byte, max(st.Size, 512)+1)
	n := 0
	for {
		m, err := unix.Read(fd, buf[n:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		n += m
		if m == 0 || st.Size > 0 && int64(n) == st.Size {
			break // the end, or all fstat said there is
		}
		if int64(n) > limit {
			return nil, errTooLarge{limit, what}
		}
		if n == len(buf) {
			buf = append(buf, make([]byte, len(buf))...)
		}
	}
	return buf[:n], nil
}

// statMode gives the file type of a stat mode as an fs.FileMode.
func statMode(m uint32) fs.FileMode {
	switch m & unix.S_IFMT {
	case unix.S_IFREG:
		return 0
	case unix.S_IFDIR:
		return fs.ModeDir
	case unix.S_IFIFO:
		return fs.ModeNamedPipe
	case unix.S_IFSOCK:
		return fs.ModeSocket
	case unix.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		return fs.ModeDevice
	}
	return fs.ModeIrregular
}
