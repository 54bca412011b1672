package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// spoil damages every regular file under a directory (a cache folder,
// walked recursively) in one of the ways a crash, a full disk, another
// build of plansync or a careless hand would:
//
//	empty      each file emptied
//	random     each file replaced by as many pseudo-random bytes
//	zeros      each file's bytes all set to zero (same size)
//	header     each file's first 16 bytes replaced by another version's
//	tail       each file's last byte dropped
//	flipmid    one bit of each file's middle byte flipped
//	swap       each file given the content of the next one (sorted)
//	symlink    each file replaced by a symbolic link to TARGET
//	dir        each file replaced by an empty directory
//	fifo       each file replaced by a named pipe (never to be opened)
//
//	spoil MODE DIR [TARGET]
func spoil(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: spoil MODE DIR [TARGET]")
	}
	mode, root := args[0], ts.MkAbs(args[1])
	var files []string
	ts.Check(filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	}))
	if len(files) == 0 {
		ts.Fatalf("spoil: no file under %s", args[1])
	}
	sort.Strings(files)
	contents := make([][]byte, len(files))
	for i, p := range files {
		data, err := os.ReadFile(p)
		ts.Check(err)
		contents[i] = data
	}
	seed := uint32(2463534242)
	for i, p := range files {
		data := contents[i]
		switch mode {
		case "empty":
			data = nil
		case "random":
			data = make([]byte, len(contents[i]))
			for j := range data {
				seed ^= seed << 13
				seed ^= seed >> 17
				seed ^= seed << 5
				data[j] = byte(seed)
			}
		case "zeros":
			data = make([]byte, len(contents[i]))
		case "header":
			data = append([]byte(nil), data...)
			copy(data, []byte("plansync-cache-v999\x00\x00\x00\x00"))
		case "tail":
			if len(data) > 0 {
				data = data[:len(data)-1]
			}
		case "flipmid":
			data = append([]byte(nil), data...)
			if len(data) > 0 {
				data[len(data)/2] ^= 1
			}
		case "swap":
			data = contents[(i+1)%len(files)]
		case "symlink":
			if len(args) != 3 {
				ts.Fatalf("spoil symlink DIR TARGET")
			}
			ts.Check(os.Remove(p))
			ts.Check(os.Symlink(ts.MkAbs(args[2]), p))
			continue
		case "dir":
			ts.Check(os.Remove(p))
			ts.Check(os.Mkdir(p, 0o700))
			continue
		case "fifo":
			ts.Check(os.Remove(p))
			ts.Check(makeFIFO(p))
			continue
		default:
			ts.Fatalf("spoil: unknown mode %q", mode)
		}
		ts.Check(os.WriteFile(p, data, 0o600))
	}
}

// setmtime sets a file's modification time (a checkout or a copy that
// keeps times, a clock going backwards).
//
//	setmtime FILE RFC3339
func setmtime(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: setmtime FILE RFC3339")
	}
	t, err := time.Parse(time.RFC3339, args[1])
	ts.Check(err)
	ts.Check(os.Chtimes(ts.MkAbs(args[0]), t, t))
}

// plansyncGen runs the fleet generator (cmd/plansync-gen) with the
// arguments given, from the module's root, and fails when it fails.
//
//	plansyncgen ARGS...
func plansyncGen(ts *testscript.TestScript, neg bool, args []string) {
	root, err := filepath.Abs("../..")
	ts.Check(err)
	cmd := exec.Command("go", append([]string{"run", "./cmd/plansync-gen"}, args...)...)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	ts.Logf("%s", out.Bytes())
	if (err != nil) != neg {
		ts.Fatalf("plansync-gen: %v", err)
	}
}
