package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/plan"
)

// TestCheckAdoptedOnlyNamesAFew: an adoption refused for the pending
// changes of the config names the first of them and counts the rest: a
// plan change reaching 100,000 subscriptions is not one error line of
// every subscription.
func TestCheckAdoptedOnlyNamesAFew(t *testing.T) {
	p := &plan.Plan{Changes: []*plan.Change{{Kind: plan.KindServicePlan, Key: "Basic", Action: plan.Update}}}
	for i := range 1000 {
		p.Changes = append(p.Changes, &plan.Change{Kind: plan.KindSubscription, Key: fmt.Sprintf("s%04d.example", i), Action: plan.Update})
	}
	p.Changes = append(p.Changes, &plan.Change{Kind: plan.KindSubscription, Key: "hand.example", Action: plan.Create})
	err := checkAdoptedOnly(p, []string{"subscription hand.example"}, "")
	if err == nil {
		t.Fatal("adoption with pending changes accepted")
	}
	msg := err.Error()
	for _, want := range []string{"needs 1001 changes", "service_plan Basic (update)", "subscription s0000.example (update)", "and 991 more", "plansync apply"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %.400s", want, msg)
		}
	}
	if strings.Contains(msg, "s0999.example") || len(msg) > 2000 {
		t.Errorf("error lists every change (%d bytes): %.400s", len(msg), msg)
	}
}
