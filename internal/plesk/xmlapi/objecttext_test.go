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
