//go:build !unix

package config

import (
	"io"
	"os"
	"syscall"
)

// readRegular reads the regular file at path, at most max bytes, by the
// os package alone.
func readRegular(path string, max int64, what string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := regularFile(fi.Mode()); err != nil {
		return nil, err
	}
	if fi.Size() > max {
		return nil, errTooLarge{max, what}
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, errTooLarge{max, what}
	}
	return b, nil
}
