package configfile

import "strings"

// IgnoreFile is the name of the file, at the top of a config directory,
// whose patterns leave files and directories out of the config. It is
// the one hidden name that is not skipped: a change to it changes which
// files make the config.
const IgnoreFile = ".plansyncignore"

// Skipped reports whether a directory entry of this name is left out of
// a config directory's tree, wherever it is: a hidden name (starting
// with ".", such as .git and .plansync; Emacs's ".#name" lock links are
// hidden names) other than IgnoreFile, or an editor's backup, swap or
// temporary file (ending in "~", ".swp", ".swx" or ".tmp").
func Skipped(name string) bool {
	return strings.HasPrefix(name, ".") && name != IgnoreFile ||
		strings.HasSuffix(name, "~") ||
		strings.HasSuffix(name, ".swp") ||
		strings.HasSuffix(name, ".swx") ||
		strings.HasSuffix(name, ".tmp")
}

// Syntax gives the syntax of a config file by its name (or path):
// "yaml" for .yaml and .yml, "hcl" for .hcl, in any case; "" for a file
// that is not a config file.
func Syntax(name string) string {
	name = strings.ToLower(name) // a.YAML is a YAML file too
	switch {
	case strings.HasSuffix(name, ".yaml"), strings.HasSuffix(name, ".yml"):
		return "yaml"
	case strings.HasSuffix(name, ".hcl"):
		return "hcl"
	}
	return ""
}

// IsConfig reports whether a file of this name is a config file.
func IsConfig(name string) bool { return Syntax(name) != "" }
