package diag

import (
	"fmt"
	"sort"
	"strings"
)

// Severity says whether a diagnostic stops the run.
type Severity int

const (
	// Error stops the run: nothing is written.
	Error Severity = iota
	// Warning is shown but does not stop the run.
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Pos is a position in a source file; Line and Column start at 1.
type Pos struct {
	Line   int
	Column int
}

// Range is a span of source text in one file.
type Range struct {
	File  string
	Start Pos
	End   Pos
}

// IsZero reports whether the range names no place at all.
func (r Range) IsZero() bool { return r.File == "" && r.Start.Line == 0 }

// String renders file:line:column.
func (r Range) String() string {
	if r.IsZero() {
		return ""
	}
	return fmt.Sprintf("%s:%d:%d", r.File, r.Start.Line, r.Start.Column)
}

// Diagnostic is one problem found in the user's input or environment.
type Diagnostic struct {
	Severity Severity
	Summary  string
	Detail   string
	// Subject is the primary place; Related are the other contributing
	// places (a duplicate key names both files).
	Subject Range
	Related []Range
	// Object is the address of the object concerned, e.g.
	// "subscription doe.example"; Path is a path into its data, e.g.
	// "hosting.php_version".
	Object string
	Path   string
}

// Error renders the diagnostic on one line (plus related places).
func (d Diagnostic) Error() string {
	var b strings.Builder
	if !d.Subject.IsZero() {
		b.WriteString(d.Subject.String())
		b.WriteString(": ")
	}
	b.WriteString(d.Severity.String())
	b.WriteString(": ")
	if d.Object != "" {
		b.WriteString(d.Object)
		if d.Path != "" {
			b.WriteString(" ")
			b.WriteString(d.Path)
		}
		b.WriteString(": ")
	} else if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Summary)
	if d.Detail != "" {
		b.WriteString(": ")
		b.WriteString(d.Detail)
	}
	for _, r := range d.Related {
		if !r.IsZero() && !strings.Contains(b.String(), r.String()) {
			b.WriteString(" (see also ")
			b.WriteString(r.String())
			b.WriteString(")")
		}
	}
	return b.String()
}

// Diagnostics is a collection of diagnostics, reported together.
type Diagnostics []Diagnostic

// Errorf appends an error at the given range.
func (ds *Diagnostics) Errorf(at Range, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Severity: Error, Summary: fmt.Sprintf(format, args...), Subject: at})
}

// Warnf appends a warning at the given range.
func (ds *Diagnostics) Warnf(at Range, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Severity: Warning, Summary: fmt.Sprintf(format, args...), Subject: at})
}

// Add appends diagnostics.
func (ds *Diagnostics) Add(more ...Diagnostic) { *ds = append(*ds, more...) }

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Err returns the diagnostics as an error when any is an error, else nil.
func (ds Diagnostics) Err() error {
	if !ds.HasErrors() {
		return nil
	}
	return ds
}

// Error renders all diagnostics, one per line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.Error()
	}
	return strings.Join(lines, "\n")
}

// Sort orders diagnostics by file, line, column, then summary, so output
// is stable whatever order files were read in.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Subject, ds[j].Subject
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Start.Line != b.Start.Line {
			return a.Start.Line < b.Start.Line
		}
		if a.Start.Column != b.Start.Column {
			return a.Start.Column < b.Start.Column
		}
		return ds[i].Summary < ds[j].Summary
	})
}
