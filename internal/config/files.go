package config

import (
	"slices"
	"strings"

	"github.com/plansync/plansync/internal/configfile"
	"github.com/plansync/plansync/internal/diag"
)

// FileRef names one config file of a directory, unread.
type FileRef struct {
	// Path is the file's path as shown in diagnostics: the directory as
	// given joined with Rel.
	Path string
	// Rel is the path relative to the directory, with slashes.
	Rel string
	// Syntax is "yaml" or "hcl".
	Syntax string
}

// ListFiles lists the config files ParseDir would read under dir, by the
// same walk (hidden entries and editor leftovers skipped, symbolic links
// followed, a file reached along several paths listed once), sorted by
// Rel, without reading them. Tools that work on files rather than on the
// desired state (plansync fmt) use it so that they see exactly the files
// the loader sees.
func ListFiles(dir string) ([]FileRef, diag.Diagnostics) {
	w := walker{seen: make(map[string]struct{})}
	w.walkRoot(dir)
	slices.SortFunc(w.jobs, func(a, b walkJob) int { return strings.Compare(a.rel, b.rel) })
	out := make([]FileRef, len(w.jobs))
	for i, j := range w.jobs {
		out[i] = FileRef{Path: j.path, Rel: j.rel, Syntax: configfile.Syntax(j.rel)}
	}
	return out, w.diags
}

// HCLSyntax reports the syntax errors of an HCL file as the loader does
// (file:line:column), without decoding it: nil when src parses. path
// names the file in the diagnostics.
func HCLSyntax(path string, src []byte) diag.Diagnostics {
	c := hclConv{file: path, src: src}
	c.parsed(hclParseConfig(src, path))
	return c.diags
}
