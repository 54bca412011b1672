package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/deploy"
)

// TestProgressLine checks the apply progress on a terminal: one line
// rewritten in place ("Applying on HOST: 37/120 operations"), ended when
// the apply ends; nothing at all when off (output piped).
func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	l := newProgressLine(&b, true, "plesk.example.com:8443")
	l.update(0, 120)
	l.update(37, 120)
	l.last = l.last.Add(-time.Second)
	l.update(38, 120)
	l.done(nil)
	out := b.String()
	if !strings.Contains(out, "\rApplying on plesk.example.com:8443: 0/120 operations") {
		t.Errorf("no first progress line in %q", out)
	}
	if !strings.HasSuffix(out, "\rApplying on plesk.example.com:8443: 38/120 operations done\n") {
		t.Errorf("last line of %q", out)
	}
	b.Reset()
	l = newProgressLine(&b, true, "h")
	l.update(3, 9)
	l.done(errors.New("boom"))
	if !strings.HasSuffix(b.String(), "\rApplying on h: stopped after 3/9 operations\n") {
		t.Errorf("failed apply: %q", b.String())
	}
	b.Reset()
	l = newProgressLine(&b, false, "h")
	l.update(1, 2)
	l.done(nil)
	if b.Len() != 0 {
		t.Errorf("progress off wrote %q", b.String())
	}
}

// TestPrintOutcomeProblemLines: a problems text of several lines is
// printed a line each, indented under its object (not joined into one);
// a one-line text stays on the object's line.
func TestPrintOutcomeProblemLines(t *testing.T) {
	var b bytes.Buffer
	printOutcome(&b, &deploy.Outcome{Problems: []deploy.Problem{
		{Object: "service plan Starter", Text: "Unable to apply php_handler_id: the handler is not installed.\n  Subscription a.example:   not synchronized.\n\nSubscription b.example: not synchronized.\n"},
		{Object: "service plan Basic", Text: "  one   line  "},
	}})
	want := "\nPlesk reported problems (the subscriptions stay unsynchronized on the server):\n" +
		"  service plan Starter:\n" +
		"    Unable to apply php_handler_id: the handler is not installed.\n" +
		"    Subscription a.example: not synchronized.\n" +
		"    Subscription b.example: not synchronized.\n" +
		"  service plan Basic: one line\n"
	if got := b.String(); got != want {
		t.Errorf("printed\n%s\nwant\n%s", got, want)
	}
}

// TestPrintOutcomesFleet: with several servers, each section gathers
// every server's lines, each naming its server.
func TestPrintOutcomesFleet(t *testing.T) {
	var b bytes.Buffer
	printOutcomes(&b, []serverOutcome{
		{Name: "web1", out: &deploy.Outcome{Notes: []string{"customer jdoe: billing fields"}, Problems: []deploy.Problem{
			{Object: "service plan Starter", Text: "line one\nline two"},
		}}},
		{Name: "web2"},
		{Name: "web3", out: &deploy.Outcome{Problems: []deploy.Problem{{Object: "service plan Basic", Text: "one"}},
			Disagreements: []deploy.Disagreement{{Subscription: "b.example", Property: "resources.disk_space", Predicted: deploy.Value{Val: plan.Val{Set: true, JSON: int64(2 << 30), Text: "2 GiB"}},
				Observed: deploy.Value{Val: plan.Val{Set: true, JSON: int64(1 << 30), Text: "1 GiB"}}}}}},
	})
	want := "\nLeft undone on the servers (kept on their previous record):\n" +
		"  web1: customer jdoe: billing fields\n" +
		"\nPlesk reported problems (the subscriptions stay unsynchronized on the servers):\n" +
		"  web1: service plan Starter:\n" +
		"    line one\n" +
		"    line two\n" +
		"  web3: service plan Basic: one\n" +
		"\nModel disagreements (the servers report other values than plansync predicted; not recorded):\n" +
		"  web3: subscription b.example: resources.disk_space: predicted 2 GiB, server has 1 GiB\n\n"
	if got := b.String(); got != want {
		t.Errorf("printed\n%s\nwant\n%s", got, want)
	}
}
