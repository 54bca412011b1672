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
	msg := fmt.Sprintf("plesk %s: %s %s of %s failed (error %d: %s)", e.Server, e.Operator, e.Operation, e.Object, e.Code, oneLine(e.Text))
	if h := opHints[e.Code]; h != "" {
		msg += ": " + h
	}
	return msg
}

// opHints say what an operation's error code means for the operator.
var opHints = map[int]string{
	ErrUserExists:   "the login is taken on the server",
	ErrExists:       "it exists on the server already",
	ErrPermission:   "the account plansync uses lacks the permission",
	ErrNotFound:     "it is not on the server (deleted or renamed outside plansync?); run plan again",
	ErrOwner:        "its owner is not on the server",
	ErrIP:           "the IP address is not on the server or not in the owner's pool; check default_ip",
	ErrInvalidValue: "the server refused a value",
	ErrFailed:       "the server could not complete it; see the panel's log, then run again",
	ErrLimit:        "a limit of the owner (or of the licence) is reached",
}

// TransportError is a failure to get a packet back from the server.
type TransportError struct {
	Server string
	What   string
	Hint   string
	Err    error
	// Untrusted is set when the server's TLS certificate was not
	// trusted: Hint then says how to give the CA (ca_file).
	Untrusted bool
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
	// A batched get reads up to a thousand objects: its messages name
	// the first few and count the rest.
	if len(parts) > filterShown+1 {
		return strings.Join(parts[:filterShown], ", ") + fmt.Sprintf(" and %d more", len(parts)-filterShown)
	}
	return strings.Join(parts, ", ")
}

// filterShown is how many of a filter's objects messages name.
const filterShown = 5

// ResultError is the error of res, a failed result of op on server. Its
// object is the one the result names (its filter-id) when op names
// several: a batched get's text names only the first few of its
// thousand objects, and not necessarily the one that failed.
func ResultError(server string, op Op, res Result) *OpError {
	h := res.Head()
	obj := op.Object()
	if f, ok := res.(filtered); ok && f.filterID() != "" {
		if k, ok := op.(batched); ok && strings.Contains(obj, ", ") {
			obj = k.objectKind() + " " + f.filterID()
		}
	}
	return &OpError{Server: server, Operator: op.Operator(), Operation: op.Operation(), Object: obj, Code: h.ErrCode, Text: h.ErrText}
}

// filtered is a result that names the filter value it answers.
type filtered interface{ filterID() string }

func (r *CustomerData) filterID() string { return r.FilterID }
func (r *ResellerData) filterID() string { return r.FilterID }
func (r *WebspaceData) filterID() string { return r.FilterID }

// batched is a get that reads many objects of one kind at once.
type batched interface{ objectKind() string }

func (CustomerGet) objectKind() string { return "customer" }
func (ResellerGet) objectKind() string { return "reseller" }
func (WebspaceGet) objectKind() string { return "subscription" }
