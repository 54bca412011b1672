package config

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/plansync/plansync/internal/configfile"
	"github.com/plansync/plansync/internal/diag"
)

// IgnoreFile is the name of the file, at the top of a config directory,
// whose patterns leave files and directories out of the config (a
// docker-compose.yml, CI files, a folder of notes).
const IgnoreFile = configfile.IgnoreFile

// Ignore holds the patterns of a .plansyncignore file, in the manner of
// .gitignore: one pattern per line; blank lines and lines starting with #
// are skipped; * matches within a name, ? one character, [abc] a class,
// ** any number of directories; a pattern with a slash (other than at the
// end) is relative to the config directory, one without matches a name at
// any depth; a trailing / matches directories only; a leading ! takes a
// path back in (the last matching pattern wins). What a directory pattern
// leaves out, no pattern takes back.
type Ignore struct {
	rules []ignoreRule
}

type ignoreRule struct {
	re      *regexp.Regexp
	dirOnly bool
	negate  bool
}

// LoadIgnore reads dir's .plansyncignore; no file means no patterns. A
// pattern that cannot be read is an error naming its line.
func LoadIgnore(dir string) (*Ignore, diag.Diagnostics) {
	path := filepath.Join(dir, IgnoreFile)
	src, err := readBounded(path, MaxTextLen, "an ignore file")
	if errors.Is(err, fs.ErrNotExist) {
		return &Ignore{}, nil
	}
	if err != nil {
		return &Ignore{}, diag.Diagnostics{FileError(path, err)}
	}
	return ParseIgnore(path, src)
}

// ParseIgnore reads ignore patterns from src; path names it in errors.
func ParseIgnore(path string, src []byte) (*Ignore, diag.Diagnostics) {
	ig := &Ignore{}
	var ds diag.Diagnostics
	sc := bufio.NewScanner(bytes.NewReader(src))
	for line := 1; sc.Scan(); line++ {
		p := strings.TrimRight(sc.Text(), " \t\r")
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		var r ignoreRule
		if rest, ok := strings.CutPrefix(p, "!"); ok {
			r.negate, p = true, rest
		}
		if rest, ok := strings.CutSuffix(p, "/"); ok {
			r.dirOnly, p = true, rest
		}
		anchored := strings.Contains(p, "/")
		p = strings.TrimPrefix(p, "/")
		re, err := ignoreRegexp(p, anchored)
		if p == "" || err != nil {
			at := diag.Pos{Line: line, Column: 1}
			ds.Errorf(diag.Range{File: path, Start: at, End: at}, "invalid ignore pattern %q", sc.Text())
			continue
		}
		r.re = re
		ig.rules = append(ig.rules, r)
	}
	return ig, ds
}

// ignoreRegexp translates a pattern into a regular expression over
// slash-separated paths relative to the config directory.
func ignoreRegexp(p string, anchored bool) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	if !anchored {
		b.WriteString("(?:.*/)?")
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '*' && strings.HasPrefix(p[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case c == '*' && strings.HasPrefix(p[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			j := strings.IndexByte(p[i+1:], ']')
			if j < 0 {
				return nil, errors.New("unclosed [")
			}
			class := p[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		case c == '\\' && i+1 < len(p):
			i++
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// match applies the rules to one path: excluded or not, by the last rule
// that matches.
func (ig *Ignore) match(rel string, isDir bool) bool {
	out := false
	for _, r := range ig.rules {
		if r.dirOnly && !isDir {
			continue
		}
		if r.re.MatchString(rel) {
			out = !r.negate
		}
	}
	return out
}

// Excludes reports whether the file at rel (slash-separated, relative to
// the config directory) is left out: it, or a directory above it,
// matches.
func (ig *Ignore) Excludes(rel string) bool {
	if ig == nil || len(ig.rules) == 0 {
		return false
	}
	for i := 0; i < len(rel); i++ {
		if rel[i] == '/' && ig.match(rel[:i], true) {
			return true
		}
	}
	return ig.match(rel, false)
}

// excludesDir reports whether the directory at rel is left out.
func (ig *Ignore) excludesDir(rel string) bool {
	return ig != nil && len(ig.rules) > 0 && ig.match(rel, true)
}
