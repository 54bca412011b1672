package config

import (
	"bytes"
	"fmt"
	"io/fs"
	"time"
	"unicode/utf8"

	"github.com/plansync/plansync/internal/diag"
)

// Bounds on what a config file may hold. None comes near a real config
// (its deepest value is about six levels down); they keep a hostile or
// broken file from exhausting the stack or the memory of the process.
const (
	// MaxFileSize is the largest config file read: 64 MiB, about 250,000
	// subscriptions in one file.
	MaxFileSize = 64 << 20
	// MaxDepth is the deepest nesting of maps, lists and blocks.
	MaxDepth = 64
	// MaxTextLen is the longest text value or key, in bytes: 64 KiB.
	MaxTextLen = 64 << 10
	// MaxSecretSize is the largest secret file read: 64 KiB (a password,
	// a key or a certificate chain fits).
	MaxSecretSize = 64 << 10
	// SecretTimeout bounds the reading of a secret file (a hung network
	// file system).
	SecretTimeout = 10 * time.Second
)

// errTooLarge is the error of a file larger than its limit.
type errTooLarge struct {
	max  int64
	what string
}

func (e errTooLarge) Error() string {
	if e.max >= 1<<20 {
		return fmt.Sprintf("larger than %d MiB, the limit for %s", e.max>>20, e.what)
	}
	return fmt.Sprintf("larger than %d KiB, the limit for %s", e.max>>10, e.what)
}

// ReadSecretFile reads a secret file ({file: path}, file("path")): a
// regular file (or a link to one) of at most MaxSecretSize bytes, read
// within SecretTimeout. A FIFO, a device such as /dev/zero or a directory
// is an error, and is never read.
func ReadSecretFile(path string) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := readBounded(path, MaxSecretSize, "a secret file")
		done <- result{b, err}
	}()
	t := time.NewTimer(SecretTimeout)
	defer t.Stop()
	select {
	case r := <-done:
		return r.b, r.err
	case <-t.C:
		// The reading goroutine stays blocked; the run ends with this error.
		return nil, fmt.Errorf("not read within %s", SecretTimeout)
	}
}

// ReadSource reads a config file: a regular file (or a link to one) of at
// most MaxFileSize bytes. A larger file, a FIFO or a device is an error;
// it is never read whole.
func ReadSource(path string) ([]byte, error) {
	return readBounded(path, MaxFileSize, "a config file")
}

// readBounded reads the regular file at path, refusing it beyond max
// bytes: readRegular, opened without blocking (a FIFO cannot hang the
// open) and checked before anything is read.
func readBounded(path string, max int64, what string) ([]byte, error) {
	return readRegular(path, max, what)
}

// regularFile refuses anything but a regular file.
func regularFile(m fs.FileMode) error {
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return fmt.Errorf("is a directory, not a file")
	case m&fs.ModeNamedPipe != 0:
		return fmt.Errorf("is a named pipe (FIFO), not a regular file")
	case m&fs.ModeSocket != 0:
		return fmt.Errorf("is a socket, not a regular file")
	case m&fs.ModeDevice != 0:
		return fmt.Errorf("is a device, not a regular file")
	}
	return fmt.Errorf("is not a regular file")
}

// limitsCheck reports text values and keys longer than MaxTextLen and
// nesting deeper than MaxDepth in a parsed tree, once each kind per file.
func limitsCheck(file string, root *Node) diag.Diagnostics {
	var ds diag.Diagnostics
	deep, long := false, false
	text := func(s string, at diag.Range) {
		if !long && len(s) > MaxTextLen {
			long = true
			ds.Errorf(at, "a text of %d KiB is too long (at most %d KiB)", len(s)>>10, MaxTextLen>>10)
		}
	}
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		if n == nil {
			return
		}
		if depth > MaxDepth {
			if !deep {
				deep = true
				ds.Errorf(n.Range, "values are nested more than %d levels deep", MaxDepth)
			}
			return
		}
		switch n.Kind {
		case MapNode:
			for i := range n.Entries {
				text(n.Entries[i].Key, n.Entries[i].KeyRange)
				walk(n.Entries[i].Value, depth+1)
			}
		case ListNode:
			for _, it := range n.Items {
				walk(it, depth+1)
			}
		case ScalarNode:
			text(n.Text, n.Range)
		}
	}
	walk(root, 0)
	return ds
}

// depthScan finds where brackets ([ { and ( ) first nest deeper than max
// in src, outside quoted strings, comments and HCL heredocs, without
// parsing: the parsers recurse once per level, so a file nested 100,000
// deep must be stopped before them. It returns the 1-based line and
// column (in characters) of the bracket that goes too deep, or ok false.
// hcl selects HCL's comments (#, //, /* */) and heredocs; otherwise YAML's
// (# after a space) and single-quoted strings.
func depthScan(src []byte, max int, hcl bool) (line, col int, found bool) {
	if hcl {
		// Interpolations (${…}, %{…}) in strings and heredocs nest
		// templates in templates; a config has none (nothing is
		// evaluated), so more than max of them anywhere is too deep.
		n := 0
		for i := 1; i < len(src); i++ {
			if src[i] == '{' && (src[i-1] == '$' || src[i-1] == '%') && (i < 2 || src[i-2] != src[i-1]) {
				if n++; n > max {
					l := bytes.Count(src[:i], []byte("\n")) + 1
					start := bytes.LastIndexByte(src[:i], '\n') + 1
					return l, utf8.RuneCount(src[start:i-1]) + 1, true
				}
			}
		}
	}
	depth := 0
	// The HCL parser also recurses once per prefix operator (- - - 1,
	// !!!true) and per conditional (a ? b ? …): they count as levels.
	unary, conds := 0, 0
	lineStart := 0
	line = 1
	at := func(i int) (int, int, bool) {
		return line, utf8.RuneCount(src[lineStart:i]) + 1, true
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\n':
			line++
			lineStart = i + 1
		case c == '"' || (c == '\'' && !hcl):
			// A quoted string: skip to its end (escapes in "…", '' in
			// '…'), counting lines.
			for i++; i < len(src) && src[i] != c; i++ {
				if src[i] == '\\' && c == '"' {
					i++
				} else if src[i] == '\n' {
					line++
					lineStart = i + 1
				}
			}
		case c == '#' && (hcl || i == 0 || src[i-1] == ' ' || src[i-1] == '\t' || src[i-1] == '\n'),
			hcl && c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i-- // the newline is counted by the loop
		case hcl && c == '/' && i+1 < len(src) && src[i+1] == '*':
			for i += 2; i < len(src) && !(src[i] == '*' && i+1 < len(src) && src[i+1] == '/'); i++ {
				if src[i] == '\n' {
					line++
					lineStart = i + 1
				}
			}
			i++
		case hcl && c == '<' && bytes.HasPrefix(src[i:], []byte("<<")):
			// A heredoc: <<ID or <<-ID, up to a line that is ID.
			j := i + 2
			if j < len(src) && src[j] == '-' {
				j++
			}
			k := j
			for k < len(src) && (src[k] == '_' || src[k] == '-' || src[k] >= 'a' && src[k] <= 'z' || src[k] >= 'A' && src[k] <= 'Z' || src[k] >= '0' && src[k] <= '9') {
				k++
			}
			if k == j {
				continue
			}
			id := src[j:k]
			i = k
			for i < len(src) {
				nl := bytes.IndexByte(src[i:], '\n')
				if nl < 0 {
					i = len(src)
					break
				}
				i += nl
				line++
				lineStart = i + 1
				end := bytes.IndexByte(src[i+1:], '\n')
				next := src[i+1:]
				if end >= 0 {
					next = next[:end]
				}
				if bytes.Equal(bytes.TrimSpace(next), id) {
					i += len(next)
					break
				}
				i++
			}
		case hcl && (c == '-' || c == '!'):
			unary++
			if unary > max {
				return at(i)
			}
			continue
		case hcl && c == '?':
			conds++
			if conds > max {
				return at(i)
			}
		case c == ' ' || c == '\t' || c == '\r':
			continue
		case c == '[' || c == '{' || c == '(':
			depth++
			if depth > max {
				return at(i)
			}
		case c == ']' || c == '}' || c == ')':
			if depth > 0 {
				depth--
			}
		}
		unary = 0
	}
	return 0, 0, false
}
