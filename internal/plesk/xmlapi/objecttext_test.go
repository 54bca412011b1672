package xmlapi

import (
	"fmt"
	"strings"
	"testing"
)

// TestObjectTextCapped: a batched get names the first few of the objects
// it reads and counts the rest, so that an error about a read of 1000
// subscriptions is one readable line, not a wall of domains.
func TestObjectTextCapped(t *testing.T) {
	var names []string
	for i := range 1000 {
		names = append(names, fmt.Sprintf("d%d.example", i))
	}
	got := WebspaceGet{Filter: WebspaceFilter{Name: names}}.Object()
	want := "subscription d0.example, d1.example, d2.example, d3.example, d4.example and 995 more"
	if got != want {
		t.Errorf("Object() = %.300q, want %q", got, want)
	}
	if got := (WebspaceGet{Filter: WebspaceFilter{Name: names[:5]}}).Object(); strings.Contains(got, "more") {
		t.Errorf("Object() of five = %q, want all five named", got)
	}
	if got := (WebspaceGet{Filter: WebspaceFilter{Name: names[:2], ID: []int{7}}}).Object(); got != "subscription d0.example, d1.example, #7" {
		t.Errorf("Object() = %q", got)
	}
}

// TestResultErrorNamesFailed: the error of one failed result of a
// batched get names the object the result answers (its filter-id), not
// the first few of the get's thousand; one of a single object, or a
// result without filter-id, names the operation's objects.
func TestResultErrorNamesFailed(t *testing.T) {
	var names []string
	for i := range 1000 {
		names = append(names, fmt.Sprintf("d%d.example", i))
	}
	get := WebspaceGet{Filter: WebspaceFilter{Name: names}}
	res := &WebspaceData{Status: Status{Status: "error", ErrCode: ErrFailed, ErrText: "boom"}, FilterID: "d700.example"}
	err := (Reply{Op: get, Results: []Result{res}, server: "web1"}).Err()
	if got, want := err.Error(), "plesk web1: webspace get of subscription d700.example failed (error 1023: boom)"; !strings.HasPrefix(got, want) {
		t.Errorf("Err() = %q, want it to start with %q", got, want)
	}
	if got := ResultError("web1", CustomerGet{Filter: CustomerFilter{Login: []string{"a", "b"}}}, &CustomerData{Status: res.Status, FilterID: "b"}).Object; got != "customer b" {
		t.Errorf("customer get of two: object %q, want customer b", got)
	}
	if got := ResultError("web1", WebspaceGet{Filter: WebspaceFilter{Name: names[:1]}}, res).Object; got != "subscription d0.example" {
		t.Errorf("get of one: object %q, want the operation's", got)
	}
	res.FilterID = ""
	if got := ResultError("web1", get, res).Object; !strings.HasSuffix(got, "and 995 more") {
		t.Errorf("no filter-id: object %q, want the operation's", got)
	}
}
