package render

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"golang.org/x/text/width"

	"github.com/plansync/plansync/internal/diag"
)

// The diagnostics view: every diagnostic plansync shows, in text or JSON,
// goes through here.

// DiagnosticsText writes diagnostics as text, one line each
// (file:line:column: severity: object path: summary: detail); under an
// error whose place can be read, the source line with a caret under the
// range, as Terraform shows them. Warnings stay on one line. readFile
// reads a diagnostic's file (nil: no source lines); each file is read
// once.
func DiagnosticsText(w io.Writer, ds diag.Diagnostics, readFile func(string) ([]byte, error)) error {
	src := sourceCache{read: readFile, files: map[string][]string{}}
	var b strings.Builder
	for _, d := range ds {
		line := d.Error()
		if d.Subject.IsZero() && d.Severity == diag.Error {
			// Without a place, as every other error of a run is said.
			line = "Error: " + strings.TrimPrefix(line, d.Severity.String()+": ")
		}
		b.WriteString(EscapeLines(line))
		b.WriteByte('\n')
		if d.Severity == diag.Error {
			b.WriteString(src.snippet(d.Subject))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// A source line that may hold a secret (a password or key) in clear is
// never shown. A secret stands on a line as the value of a field whose
// name says it is one (password, ftp_password, key, and, as an unknown
// field is shown too, api_key, secret_token and the like), as the
// password of a url (user:PASSWORD@), or in a comment that speaks of one.
// A line is shown when every such field's value is a reference to where
// the secret is kept ({env: NAME}, {file: path}, env("NAME"),
// file("path")) or is on the lines below, so an error about a reference
// (a variable not set, a file not read) has its line as every other
// error does. A word that only names or describes something (a service
// secret-backup, a plan "Secret Plan", a description about a key) is not
// a secret: plan prints those values anyway.
var (
	// A name that may be a secret's: one word of it (words split at _
	// and -) is key, or it holds passw or secret.
	secretName = regexp.MustCompile(`(?i)passw|secret|(?:^|[_-])key(?:$|[_-])`)
	// A name as YAML, HCL and JSON write a field's: letters, digits, _
	// and -, then the separator (a closing quote before it in JSON).
	fieldName = regexp.MustCompile(`[\w-]+`)
	fieldSep  = regexp.MustCompile(`^["']?\s*[:=]`)
	// A reference is one key and its value: {env: NAME, value: x} may
	// hold a secret in clear after the reference.
	secretRef = regexp.MustCompile(`(?i)\{\s*["']?(?:env|file)["']?\s*[:=]\s*(?:"[^"]*"|'[^']*'|[^,{}\s"']+)\s*\}|\b(?:env|file)\s*\(\s*"[^"]*"\s*\)`)
	// What follows a secret field's separator when the line holds no
	// secret: a reference (replaced by \x00), or nothing.
	byRef = regexp.MustCompile(`^["']?\s*[:=]\s*(?:\x00|$)`)
	// A comment: # (YAML, HCL), // or /* (HCL) at the start of the line
	// or after a space. Quotes are not followed: a # in a quoted value
	// only makes the rule stricter.
	commentStart = regexp.MustCompile(`(?:^|\s)(?:#|//|/\*)`)
	// A URL with a password in its user information (user:PASSWORD@;
	// the password may hold / ? # and @).
	urlPassword = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:"']*:[^\s"']*@`)
)

// holdsSecret reports whether a source line may hold a secret in clear.
func holdsSecret(line string) bool {
	if urlPassword.MatchString(line) {
		return true
	}
	code, comment := line, ""
	if m := commentStart.FindStringIndex(line); m != nil {
		code, comment = line[:m[0]], line[m[0]:]
	}
	for _, w := range fieldName.FindAllString(comment, -1) {
		if secretName.MatchString(w) {
			return true
		}
	}
	code = secretRef.ReplaceAllLiteralString(code, "\x00")
	for _, m := range fieldName.FindAllStringIndex(code, -1) {
		rest := code[m[1]:]
		if secretName.MatchString(code[m[0]:m[1]]) && fieldSep.MatchString(rest) && !byRef.MatchString(rest) {
			return true
		}
	}
	return false
}

type sourceCache struct {
	read  func(string) ([]byte, error)
	files map[string][]string // nil: unreadable
}

func (c sourceCache) lines(file string) []string {
	if ls, ok := c.files[file]; ok {
		return ls
	}
	var ls []string
	if c.read != nil {
		if data, err := c.read(file); err == nil {
			ls = strings.Split(string(data), "\n")
		}
	}
	c.files[file] = ls
	return ls
}

// snippet is the source line of r, numbered, with a caret line under
// the range: one ^ at the start, or ^^^ under the whole range when it
// stays on the line. Empty when the line cannot be read.
func (c sourceCache) snippet(r diag.Range) string {
	if r.File == "" || r.Start.Line < 1 {
		return ""
	}
	ls := c.lines(r.File)
	if r.Start.Line > len(ls) {
		return ""
	}
	raw := strings.TrimRight(ls[r.Start.Line-1], "\r")
	if holdsSecret(raw) {
		// A password may stand on this line in clear: secrets are
		// never printed, so the line is not shown.
		return ""
	}
	num := fmt.Sprint(r.Start.Line)
	line := []rune(raw)
	start := min(max(r.Start.Column, 1), len(line)+1)
	end := start + 1
	if r.End.Line == r.Start.Line && r.End.Column > start {
		end = min(r.End.Column, len(line)+1)
		if end <= start {
			end = start + 1
		}
	}
	// A long line (a generated or minified file, a huge value) is shown
	// as the part around the range, marked … where it is cut.
	cutLeft, cutRight := "", ""
	if len(line) > snippetWidth {
		from := max(0, min(start-1-snippetWidth/3, len(line)-snippetWidth))
		if from > 0 {
			cutLeft = "…"
		}
		if from+snippetWidth < len(line) {
			cutRight = "…"
		}
		line = line[from : from+snippetWidth]
		start -= from
		end = min(end-from, len(line)+1)
		if end <= start {
			end = start + 1
		}
	}
	if esc := Escape(string(line)); esc != string(line) {
		// Control characters are shown escaped, which moves the
		// columns: the line without a caret under it.
		return fmt.Sprintf("  %s | %s%s%s\n", num, cutLeft, esc, cutRight)
	}
	// Tabs before the range stay tabs, so the caret lines up with the
	// source however wide the terminal draws a tab; a wide character
	// (CJK, fullwidth) takes two columns, as terminals draw it.
	var under strings.Builder
	if cutLeft != "" {
		under.WriteByte(' ')
	}
	for i := 0; i < start-1; i++ {
		if line[i] == '\t' {
			under.WriteByte('\t')
		} else {
			under.WriteString(strings.Repeat(" ", runeColumns(line[i])))
		}
	}
	carets := 0
	for i := start - 1; i < min(end-1, len(line)); i++ {
		carets += runeColumns(line[i])
	}
	under.WriteString(strings.Repeat("^", max(carets, end-start)))
	return fmt.Sprintf("  %s | %s%s%s\n  %s | %s\n", num, cutLeft, string(line), cutRight, strings.Repeat(" ", len(num)), under.String())
}

// snippetWidth is how many characters of a source line a snippet shows
// at most.
const snippetWidth = 120

// runeColumns is how many columns a terminal draws r in: two for an
// East Asian wide or fullwidth character, one otherwise.
func runeColumns(r rune) int {
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// jsonDiagnostic is a diagnostic in JSON documents (SPEC §4).
type jsonDiagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Object   string `json:"object"`
	Path     string `json:"path,omitempty"`
}

func diagnosticsJSON(ds diag.Diagnostics) []jsonDiagnostic {
	out := make([]jsonDiagnostic, len(ds))
	for i, d := range ds {
		out[i] = jsonDiagnostic{
			Severity: d.Severity.String(), Summary: d.Summary, Detail: d.Detail,
			File: d.Subject.File, Line: d.Subject.Start.Line, Column: d.Subject.Start.Column,
			Object: d.Object, Path: d.Path,
		}
	}
	return out
}

type jsonDiagnostics struct {
	FormatVersion string           `json:"format_version"`
	Diagnostics   []jsonDiagnostic `json:"diagnostics"`
}

// DiagnosticsJSON writes diagnostics as one JSON document:
// {"format_version": "1", "diagnostics": [{"severity", "summary",
// "detail", "file", "line", "column", "object"}]} ("path", the path into
// the object's data, when there is one).
func DiagnosticsJSON(w io.Writer, ds diag.Diagnostics) error {
	return writeJSON(w, jsonDiagnostics{FormatVersion: FormatVersion, Diagnostics: diagnosticsJSON(ds)})
}
