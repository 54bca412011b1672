package watch

import "strings"

// Ignored reports whether a directory entry is left out of the tree: a
// hidden name (starting with ".", such as .git and .plansync) or an
// editor's backup, swap or temporary file (ending in "~", ".swp", ".swx"
// or ".tmp"; Emacs's ".#name" lock links are hidden names). These are
// the config loader's rules. The config's ignore file, .plansyncignore,
// is watched: a change to it changes which files make the config.
func Ignored(name string) bool {
	return strings.HasPrefix(name, ".") && name != ".plansyncignore" ||
		strings.HasSuffix(name, "~") ||
		strings.HasSuffix(name, ".swp") ||
		strings.HasSuffix(name, ".swx") ||
		strings.HasSuffix(name, ".tmp")
}
