package render

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"golang.org/x/text/width"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/plan"
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
	src := sourceCache{read: readFile, files: map[string]sourceFile{}}
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
//
// A secret's value may also go on over the lines below its field's (an
// HCL heredoc, a YAML block scalar, a quoted or plain scalar continued,
// a flow collection left open), and those lines are not shown either.
// Below a secret field given in clear, or whose value is on the lines
// below, are hidden: the lines of the heredoc it opens (<<EOT, <<-EOT),
// up to and with its marker's; otherwise the lines that are blank,
// indented more than the field's name, or an item of a YAML sequence at
// its column, and any line while a quote or a bracket opened since the
// field's line is open (YAML takes a quoted scalar's lines at any
// indentation). The first line that is none of these is shown again (a
// list item's sibling field: - password: x, then email: y), and so is,
// under a field whose value is on the lines below, a line that is only
// a reference (env: NAME, {file: path}). The rule errs on the side of
// hiding: a quote or bracket in a password in clear may hide the lines
// after it up to one that closes it.
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
	// A comment: # (YAML, HCL), // or /* (HCL) at the start of the line
	// or after a space. Quotes are not followed: a # in a quoted value
	// only makes the rule stricter.
	commentStart = regexp.MustCompile(`(?:^|\s)(?:#|//|/\*)`)
	// A URL with a password in its user information (user:PASSWORD@;
	// the password may hold / ? # and @).
	urlPassword = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:"']*:[^\s"']*@`)
	// An HCL heredoc opened at the end of a line: <<ID or <<-ID.
	heredocOpen = regexp.MustCompile(`<<-?([\pL_][\pL\pN_-]*)\s*$`)
	// A YAML block scalar's header: | or >, and its indicators.
	blockScalar = regexp.MustCompile(`^[|>][-+1-9]*\s*$`)
	// A line that is only a reference: a YAML mapping's env or file key
	// and its value, or one of the forms secretRef takes.
	refLine = regexp.MustCompile(`^\s*(?:(?i:["']?(?:env|file)["']?\s*:\s*(?:"[^"]*"|'[^']*'|[^\s"'{}\[\],#]+))|` + secretRef.String() + `)\s*$`)
)

// holdsSecret reports whether a source line may hold a secret in clear.
func holdsSecret(line string) bool {
	if urlPassword.MatchString(line) {
		return true
	}
	code, comment := splitComment(line)
	for _, w := range fieldName.FindAllString(comment, -1) {
		if secretName.MatchString(w) {
			return true
		}
	}
	for _, f := range secretFields(code) {
		if f.value != "" {
			return true
		}
	}
	return false
}

// splitComment cuts a line at the start of its comment, if any.
func splitComment(line string) (code, comment string) {
	if m := commentStart.FindStringIndex(line); m != nil {
		return line[:m[0]], line[m[0]:]
	}
	return line, ""
}

// secretField is a field of a line whose name says it holds a secret
// and whose value is not a reference: col is where its name starts (a
// byte offset in the line), value what follows its separator, references
// in it replaced by NULs ("" when the value is on the lines below).
type secretField struct {
	col   int
	value string
}

// secretFields lists, left to right, the secret fields of a line's code
// (the line without its comment, for holdsSecret).
func secretFields(code string) []secretField {
	// A reference is blanked out byte for byte, so columns stay.
	code = secretRef.ReplaceAllStringFunc(code, func(m string) string { return strings.Repeat("\x00", len(m)) })
	var fs []secretField
	for _, m := range fieldName.FindAllStringIndex(code, -1) {
		rest := code[m[1]:]
		sep := fieldSep.FindString(rest)
		if sep == "" || !secretName.MatchString(code[m[0]:m[1]]) {
			continue
		}
		value := strings.TrimLeft(rest[len(sep):], " \t\n\f\r")
		if strings.HasPrefix(value, "\x00") {
			continue
		}
		fs = append(fs, secretField{col: m[0], value: value})
	}
	return fs
}

// secretLines marks the lines of a file that go on with a secret's value
// from a line above (the rule above holdsSecret).
func secretLines(ls []string) []bool {
	hide := make([]bool, len(ls))
	line := func(i int) string { return strings.TrimRight(ls[i], "\r") }
	// heredoc hides the lines after i up to its marker and gives the
	// marker's line (the last line when there is none).
	heredoc := func(i int, marker string) int {
		for i++; i < len(ls); i++ {
			hide[i] = true
			if strings.TrimSpace(line(i)) == marker {
				return i
			}
		}
		return len(ls) - 1
	}
	for i := 0; i < len(ls); i++ {
		// The whole line is searched: a # in a quoted value is taken
		// for a comment's start by splitComment.
		fs := secretFields(line(i))
		if len(fs) == 0 {
			continue
		}
		below := true
		for _, f := range fs {
			below = below && f.value == ""
		}
		if m := heredocOpen.FindStringSubmatch(line(i)); m != nil && !below {
			i = heredoc(i, m[1])
			continue
		}
		col := fs[0].col
		// A YAML block scalar's lines are text: its quotes and brackets
		// open nothing, and indentation alone ends it.
		block := blockScalar.MatchString(fs[len(fs)-1].value)
		var st scanState
		if !block {
			st = st.scan(line(i))
		}
		j := i + 1
		for ; j < len(ls); j++ {
			l := line(j)
			rest := strings.TrimLeft(l, " \t")
			ind := len(l) - len(rest)
			if !st.open() && rest != "" && ind < col {
				break
			}
			if !st.open() && rest != "" && ind == col && rest != "-" && !strings.HasPrefix(rest, "- ") {
				break
			}
			hide[j] = !below || !refLine.MatchString(l)
			if block {
				continue
			}
			st = st.scan(l)
			if m := heredocOpen.FindStringSubmatch(l); m != nil && st.quote == 0 {
				j = heredoc(j, m[1])
			}
		}
		i = j - 1
	}
	return hide
}

// scanState is where a scan of source lines stands: in a quoted string
// (its quote), and how many brackets are open.
type scanState struct {
	quote byte
	depth int
}

func (s scanState) open() bool { return s.quote != 0 || s.depth > 0 }

// scan follows line's quotes and brackets from s. A quote opens a string
// only where a token starts (YAML's it's holds none); # or // after a
// space or at the start, outside a string, begins a comment.
func (s scanState) scan(line string) scanState {
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case s.quote == '"':
			if ch == '\\' {
				i++
			} else if ch == '"' {
				s.quote = 0
			}
		case s.quote == '\'':
			if ch == '\'' && i+1 < len(line) && line[i+1] == '\'' {
				i++
			} else if ch == '\'' {
				s.quote = 0
			}
		case ch == '"' || ch == '\'':
			if i == 0 || strings.IndexByte(" \t[{(,:=", line[i-1]) >= 0 {
				s.quote = ch
			}
		case ch == '{' || ch == '[' || ch == '(':
			s.depth++
		case ch == '}' || ch == ']' || ch == ')':
			s.depth = max(s.depth-1, 0)
		case ch == '#' || ch == '/' && i+1 < len(line) && line[i+1] == '/':
			if i == 0 || line[i-1] == ' ' || line[i-1] == '\t' {
				return s
			}
		}
	}
	return s
}

type sourceCache struct {
	read  func(string) ([]byte, error)
	files map[string]sourceFile
}

// sourceFile is a file's lines (nil: unreadable), and which of them go
// on with a secret's value from a line above (secretLines).
type sourceFile struct {
	lines  []string
	secret []bool
}

func (c sourceCache) file(name string) sourceFile {
	if f, ok := c.files[name]; ok {
		return f
	}
	var f sourceFile
	if c.read != nil {
		if data, err := c.read(name); err == nil {
			f.lines = strings.Split(string(data), "\n")
			f.secret = secretLines(f.lines)
		}
	}
	c.files[name] = f
	return f
}

// snippet is the source line of r, numbered, with a caret line under
// the range: one ^ at the start, or ^^^ under the whole range when it
// stays on the line. Empty when the line cannot be read.
func (c sourceCache) snippet(r diag.Range) string {
	if r.File == "" || r.Start.Line < 1 {
		return ""
	}
	f := c.file(r.File)
	if r.Start.Line > len(f.lines) {
		return ""
	}
	raw := strings.TrimRight(f.lines[r.Start.Line-1], "\r")
	if holdsSecret(raw) || f.secret[r.Start.Line-1] {
		// A password may stand on this line in clear, or go on over
		// it from a line above: secrets are never printed, so the line
		// is not shown.
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
	Drift         *[]jsonDrift     `json:"drift,omitempty"`
	Diagnostics   []jsonDiagnostic `json:"diagnostics"`
}

// DiagnosticsJSON writes diagnostics as one JSON document:
// {"format_version": "1", "diagnostics": [{"severity", "summary",
// "detail", "file", "line", "column", "object"}]} ("path", the path into
// the object's data, when there is one).
func DiagnosticsJSON(w io.Writer, ds diag.Diagnostics) error {
	return writeJSON(w, jsonDiagnostics{FormatVersion: FormatVersion, Diagnostics: diagnosticsJSON(ds)})
}

// RefusedPlanJSON writes the document of a refreshed plan that the
// engine refused (errors in ds): the diagnostics, and the drift read
// before them ("drift", as in the plan document), which an error may
// follow from and whose adopt blocks resolve it.
func RefusedPlanJSON(w io.Writer, ds diag.Diagnostics, p *plan.Plan) error {
	return writeJSON(w, jsonDiagnostics{FormatVersion: FormatVersion, Drift: driftJSON(p), Diagnostics: diagnosticsJSON(ds)})
}
