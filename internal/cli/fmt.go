package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/diag"
)

// fmtOptions are the arguments of `plansync fmt`.
type fmtOptions struct {
	Dir   string
	Check bool
}

func newFmtCmd(env Env, c *common) *cobra.Command {
	return fmtCommand(func(_ context.Context, o fmtOptions) error {
		return runFmt(env, o)
	})
}

// fmtCommand parses fmt's flags into fmtOptions for run.
func fmtCommand(run func(context.Context, fmtOptions) error) *cobra.Command {
	var o fmtOptions
	cmd := &cobra.Command{
		Use:   "fmt [--dir DIR] [--check]",
		Short: "Rewrite HCL config files in canonical format",
		Long: `Rewrite the HCL config files of a directory in canonical format (the
layout of hclwrite, as terraform fmt and hclfmt give), and print the name
of every file rewritten.

The files are those the loader reads: every *.hcl file under DIR and its
subdirectories, hidden entries and editor backup files excepted. YAML
files are left alone: plansync fmt never rewrites them.

A file that does not parse is never rewritten: its errors are printed with
file:line:column, nothing is changed (no other file either) and the exit
code is 1. A file is replaced atomically (written beside it, then renamed
over it) and keeps its permissions.

With --check nothing is written: the files that are not formatted are
listed, and the exit code is 1 when there is any, 0 when all are.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dir, "dir", ".", "config directory")
	f.BoolVar(&o.Check, "check", false, "change nothing; list the HCL files that are not formatted and exit 1 if there is any")
	return cmd
}

// fmtFile is one HCL file whose canonical form differs from its content.
type fmtFile struct {
	path string
	out  []byte
}

func runFmt(env Env, o fmtOptions) error {
	refs, ds := config.ListFiles(o.Dir)
	if ds.HasErrors() {
		return ds
	}
	// Read and check every file first: one that does not parse stops
	// the run before anything is written.
	var todo []fmtFile
	for _, r := range refs {
		if r.Syntax != "hcl" {
			continue
		}
		src, err := config.ReadSource(r.Path)
		if err != nil {
			ds = append(ds, fmtFileError(r.Path, "cannot read config file", err))
			continue
		}
		if sd := config.HCLSyntax(r.Path, src); sd.HasErrors() {
			ds = append(ds, sd...)
			continue
		}
		if out := hclwrite.Format(src); !bytes.Equal(out, src) {
			todo = append(todo, fmtFile{path: r.Path, out: out})
		}
	}
	// A secret file named like an HCL file does not parse: its errors
	// would show the secret.
	ds = config.HideSecretFiles(o.Dir, ds)
	if o.Check {
		for _, f := range todo {
			fmt.Fprintln(env.Stdout, f.path)
		}
		if ds.HasErrors() {
			ds.Sort()
			return ds
		}
		if len(todo) > 0 {
			return exitCode(ExitError)
		}
		return nil
	}
	if ds.HasErrors() {
		ds.Sort()
		return ds
	}
	for _, f := range todo {
		if err := fmtWrite(f.path, f.out); err != nil {
			return diag.Diagnostics{fmtFileError(f.path, "cannot rewrite config file", err)}
		}
		fmt.Fprintln(env.Stdout, f.path)
	}
	return nil
}

// fmtWrite replaces the file at path (the file a symbolic link points to,
// when path is one) with data atomically: it writes a hidden temporary
// file in the same directory, which the loader and watch skip, syncs it,
// gives it the file's permissions (and owner, where it can) and renames
// it over the file.
func fmtWrite(path string, data []byte) (err error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(real), "."+filepath.Base(real)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(fi.Mode().Perm()); err != nil {
		return err
	}
	fmtKeepOwner(tmp, fi)
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), real)
}

// fmtFileError reports a file that cannot be read or written, at its
// start.
func fmtFileError(path, summary string, err error) diag.Diagnostic {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	at := diag.Pos{Line: 1, Column: 1}
	return diag.Diagnostic{Severity: diag.Error, Summary: summary, Detail: err.Error(),
		Subject: diag.Range{File: path, Start: at, End: at}}
}
