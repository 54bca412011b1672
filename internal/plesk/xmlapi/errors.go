package xmlapi

import (
	"fmt"
	"strconv"
	"strings"
)

// Plesk's error codes that plansync tells apart.
const (
	ErrAuth         = 1001
	ErrUserExists   = 1002
	ErrPermission   = 1006
	ErrVersion      = 1005
	ErrExists       = 1007
	ErrNotFound     = 1013
	ErrParse        = 1014
	ErrOwner        = 1015
	ErrUnsupported  = 1017
	ErrIP           = 1018
	ErrInvalidValue = 1019
	ErrFailed       = 1023
	ErrLimit        = 1024
)

// SystemError is a <system> answer: the whole packet was refused.
type SystemError struct {
	Server  string
	Code    int
	Text    string
	Version string
}

func (e *SystemError) Error() string {
	hint := ""
	switch e.Code {
	case ErrAuth:
		hint = ": check the key (or login and password) and that the account may use the XML API"
	case ErrVersion:
		hint = ": the server does not speak protocol " + e.Version + " (Plesk Obsidian or later is needed)"
	case ErrParse:
		hint = ": the server could not read the request packet"
	case ErrPermission:
		hint = ": the account lacks the permission for this request"
	}
	return fmt.Sprintf("plesk %s refused the request (error %d: %s)%s", e.Server, e.Code, oneLine(e.Text), hint)
}

// OpError is an error result of one operation.
type OpError struct {
	Server    string
	Operator  string
	Operation string
	Object    string
	Code      int
	Text      string
}

func (e *OpError) Error() string {
	return fmt.Sprintf("plesk %s: %s %s of %s failed (error %d: %s)", e.Server, e.Operator, e.Operation, e.Object, e.Code, oneLine(e.Text))
}

// TransportError is a failure to get a packet back from the server.
type TransportError struct {
	Server string
	What   string
	Hint   string
	Err    error
}

func (e *TransportError) Error() string {
	s := "plesk " + e.Server + ": " + e.What
	if e.Err != nil {
		s += ": " + oneLine(e.Err.Error())
	}
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func (e *TransportError) Unwrap() error { return e.Err }

// IsCode reports whether err is a system or operation error with code.
func IsCode(err error, code int) bool {
	switch e := err.(type) {
	case *SystemError:
		return e.Code == code
	case *OpError:
		return e.Code == code
	}
	return false
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func filterText(first []string, ids []int, more ...[]string) string {
	var parts []string
	parts = append(parts, first...)
	for _, id := range ids {
		parts = append(parts, "#"+strconv.Itoa(id))
	}
	for _, m := range more {
		parts = append(parts, m...)
	}
	if len(parts) == 0 {
		return "(all)"
	}
	return strings.Join(parts, ", ")
}
