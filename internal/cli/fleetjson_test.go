package cli

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/deploy"
)

// A multi-server apply's JSON has what the servers reported after the
// writes, as one server's has, each item naming its server.
func TestApplyFleetJSONNamesServers(t *testing.T) {
	var out bytes.Buffer
	env := Env{Stdout: &out}
	outcomes := []serverOutcome{
		{Name: "web1", Status: "done", Writes: 2, Pending: []string{}, out: &deploy.Outcome{
			Disagreements: []deploy.Disagreement{{Subscription: "a.example", Property: "resources.disk_space", Predicted: deploy.Value{Val: plan.Val{Set: true, JSON: int64(37 << 30), Text: "37 GiB"}},
				Observed: deploy.Value{Val: plan.Val{Set: true, JSON: int64(7 << 30), Text: "7 GiB"}}}},
			Problems: []deploy.Problem{{Object: "service plan Basic", Text: "a.example: PHP 8.4 is not installed"}},
			Notes:    []string{"customer bob: its status is the billing system's"},
		}},
		{Name: "web2", Status: "failed", Error: "boom", Pending: []string{"subscription b.example"}},
	}
	if err := applyFleetJSON(env, &plan.Plan{}, outcomes, true, 3); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Dis []struct {
			Server, Subscription, Property string
			Predicted, Observed            int64
		} `json:"model_disagreements"`
		Probs   []struct{ Server, Object, Text string } `json:"plesk_problems"`
		Pending []struct{ Server, Object string }       `json:"pending"`
		Notes   []struct{ Server, Text string }         `json:"left_undone"`
		Servers []struct{ Name, Status string }         `json:"server_outcomes"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(doc.Dis) != 1 || doc.Dis[0].Server != "web1" || doc.Dis[0].Subscription != "a.example" || doc.Dis[0].Predicted != 37<<30 || doc.Dis[0].Observed != 7<<30 {
		t.Errorf("model_disagreements: %+v", doc.Dis)
	}
	if len(doc.Probs) != 1 || doc.Probs[0].Server != "web1" || doc.Probs[0].Object != "service plan Basic" {
		t.Errorf("plesk_problems: %+v", doc.Probs)
	}
	if len(doc.Pending) != 1 || doc.Pending[0] != (struct{ Server, Object string }{"web2", "subscription b.example"}) {
		t.Errorf("pending: %+v", doc.Pending)
	}
	if len(doc.Notes) != 1 || doc.Notes[0].Server != "web1" {
		t.Errorf("left_undone: %+v", doc.Notes)
	}
	if len(doc.Servers) != 2 || doc.Servers[1].Status != "failed" {
		t.Errorf("server_outcomes: %+v", doc.Servers)
	}
}
