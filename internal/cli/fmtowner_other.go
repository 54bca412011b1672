//go:build !unix

package cli

import (
	"io/fs"
	"os"
)

// fmtKeepOwner does nothing where files have no Unix owner.
func fmtKeepOwner(*os.File, fs.FileInfo) {}
