package deploy

import (
	"fmt"
	"testing"

	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/importer"
	"github.com/plansync/plansync/state"
)

// TestBillingSecretsKeptAtScale: the changed FTP passwords of a fleet of
// billing-managed subscriptions are kept back in their records each from
// its prior record (looked up through an index made once: a scan of
// every record per subscription made 30,000 take 15 s; timing belongs
// to benchmarks, so this checks the result at a size that still shows
// a regression's cost).
func TestBillingSecretsKeptAtScale(t *testing.T) {
	const n = 3000
	prior, result := state.New("l"), state.New("l")
	p := &plan.Plan{Result: result}
	for i := range n {
		domain := fmt.Sprintf("s%06d.example", i)
		prior.Subscriptions = append(prior.Subscriptions, state.Subscription{Domain: domain, FTPPassword: "old-" + domain})
		result.Subscriptions = append(result.Subscriptions, state.Subscription{Domain: domain, FTPPassword: "new-" + domain})
		p.Changes = append(p.Changes, &plan.Change{Kind: plan.KindSubscription, Key: domain, Action: plan.Update, SetsSecret: true})
	}
	r := newRun(nil, p, prior, &importer.Snapshot{}, Options{})
	for i := range n {
		r.secretLeftToBilling("subscription", fmt.Sprintf("s%06d.example", i), "ftp_password")
	}
	r.keepSecrets(r.res)
	if len(r.notes) != n {
		t.Errorf("%d notes, want %d", len(r.notes), n)
	}
	for _, s := range r.res.Subscriptions {
		if s.FTPPassword != "old-"+s.Domain {
			t.Fatalf("subscription %s records ftp password %q, want its prior one", s.Domain, s.FTPPassword)
		}
	}
}
