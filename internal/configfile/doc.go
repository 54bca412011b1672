// Package configfile owns the one rule of which directory entries make
// up a config directory: the names the config loader skips (hidden
// names, editors' backup, swap and temporary files) and the extensions of
// the files it reads. The loader (internal/config) and the watcher
// (internal/watch) both ask it, so what one reads the other watches. It
// imports nothing: the patterns of .plansyncignore, which need a file
// read and diagnostics, are config's.
package configfile
