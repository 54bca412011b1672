package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/plan"
)

// bigPlan is a plan change fanning out to n subscriptions, with n/10
// distinct conflicts and n/10 customers created one by one.
func bigPlan(n int) *plan.Plan {
	p := &plan.Plan{}
	pc := &plan.Change{Kind: "service_plan", Key: "Business", Action: plan.Update, Reasons: []string{"changed in config"},
		Fields: []*plan.FieldChange{{Path: "resources.disk_space", Before: plan.Val{Set: true, JSON: int64(1), Text: "10 GiB"}, After: plan.Val{Set: true, JSON: int64(2), Text: "20 GiB"}}},
		Fanout: &plan.Fanout{}}
	p.Changes = append(p.Changes, pc)
	for i := 0; i < n; i++ {
		d := fmt.Sprintf("site%06d.example", i)
		pc.Fanout.Reaches = append(pc.Fanout.Reaches, d)
		p.Changes = append(p.Changes, &plan.Change{Kind: "subscription", Key: d, Action: plan.Update, Cause: "service_plan Business"})
	}
	for i := 0; i < n/10; i++ {
		p.Changes = append(p.Changes, &plan.Change{Kind: "customer", Key: fmt.Sprintf("c%06d", i), Action: plan.Update,
			Reasons: []string{"changed in config"}, Fields: []*plan.FieldChange{{Path: "name", Before: plan.Val{Set: true, Text: `"a"`}, After: plan.Val{Set: true, Text: `"b"`}}}})
		p.Conflicts = append(p.Conflicts, plan.Conflict{Subscription: fmt.Sprintf("site%06d.example", i), Property: "resources.disk_space",
			PlanValue: plan.Val{Set: true, Text: fmt.Sprintf("%d GiB", i)}, AvailableValue: plan.Val{Set: true, Text: "1 GiB"}, Reason: "reseller allocation exhausted"})
	}
	p.Summary = plan.Summary{Update: len(p.Changes), Conflicts: len(p.Conflicts)}
	return p
}

func TestMarkdownStaysUnderCommentLimit(t *testing.T) {
	var b strings.Builder
	if err := PlanMarkdown(&b, bigPlan(50_000)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if len(out) >= 65536 {
		t.Fatalf("markdown is %d characters, over GitHub's 65,536 limit", len(out))
	}
	for _, want := range []string{
		"### plansync plan: 0 to add, 55001 to change",
		"| conflicts | 5,000 |",
		"reaches 50,000",
		"Cut to fit a pull-request comment",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

func TestMarkdownSmallPlanUncut(t *testing.T) {
	var b strings.Builder
	if err := PlanMarkdown(&b, bigPlan(20)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "Cut to fit") {
		t.Errorf("small plan was cut:\n%s", b.String())
	}
	if got := strings.Count(b.String(), "<details>"); got != 3 {
		t.Errorf("details sections = %d, want 3 (plan change + 2 customers)", got)
	}
}

// The cut note counts the sections left out, not the changes in them: a
// bulk create of many subscriptions is one section.
func TestMarkdownCutCountsSections(t *testing.T) {
	p := bigPlan(50_000)
	for i := 0; i < 1000; i++ {
		p.Changes = append(p.Changes, &plan.Change{Kind: "subscription", Key: fmt.Sprintf("new%06d.example", i), Action: plan.Create, Plan: "Business"})
	}
	var b strings.Builder
	if err := PlanMarkdown(&b, p); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	shown := strings.Count(out, "<details>")
	want := 1 + 5_000 + 1 // the plan change, the customers, one bulk create
	note := fmt.Sprintf("%s more change section(s)", Thousands(want-shown))
	if !strings.Contains(out, note) {
		t.Errorf("cut note lacks %q (%d sections shown):\n%s", note, shown, out[strings.LastIndex(out, "\n>"):])
	}
}

// A code span in a table cell is fenced by more backticks than any run
// of them in its text, so a name with two backticks in a row cannot
// close it early.
func TestMarkdownCodeSpanFence(t *testing.T) {
	for in, want := range map[string]string{
		"hosting.php_version": "`hosting.php_version`",
		"services.a`b":        "`` services.a`b ``",
		"services.a``b|c":     "``` services.a``b\\|c ```",
	} {
		if got := mdCode(in); got != want {
			t.Errorf("mdCode(%q) = %q, want %q", in, got, want)
		}
	}
}
