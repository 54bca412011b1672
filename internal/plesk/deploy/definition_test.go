package deploy

import (
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/plesk/xmlapi"
	"github.com/plansync/plansync/state"
)

// TestSameDefinitionButtonBlank: a button URL the panel holds with a
// blank is the one the config writes percent-encoded (as import writes
// it): the same definition, so apply has nothing to say about it; a
// different URL still differs.
func TestSameDefinitionButtonBlank(t *testing.T) {
	sv := state.Service{Name: "support", Description: "Help desk", AvailableToResellers: true,
		Button: &state.Button{URL: "https://support.example/open%20ticket?x=a%20b"}}
	it := &xmlapi.PlanItemData{Name: "support", Tooltip: "Help desk", Visible: "true", Internal: "false",
		URL: "https://support.example/open ticket?x=a b"}
	if !sameDefinition(sv, it) {
		t.Errorf("a URL with blanks differs from the one with them percent-encoded")
	}
	it.URL = "https://support.example/open ticket?x=a"
	if sameDefinition(sv, it) {
		t.Errorf("another URL is the same definition")
	}
}

// TestDefinitionUpdateSendsOnlyWhatDiffers: the plan-item update holds
// the fields that differ from the server's definition, and nothing for a
// URL the panel holds with a blank that the config percent-encodes.
func TestDefinitionUpdateSendsOnlyWhatDiffers(t *testing.T) {
	sv := state.Service{Name: "support", Description: "Help desk", AvailableToResellers: false,
		Button: &state.Button{URL: "https://support.example/open%20ticket", OpenInPanel: true}, Send: []string{"customer_email", "primary_domain"}}
	it := &xmlapi.PlanItemData{Name: "support", Tooltip: "Help desk", Visible: "true", Internal: "true",
		URL: "https://support.example/open ticket", URLComponents: xmlapi.URLComponentsOf([]string{"primary_domain"})}
	op := definitionUpdate(sv, it)
	if op.Visible != "false" || op.Tooltip != nil || op.URL != nil || op.Internal != "" ||
		strings.Join(op.URLComponents.Fields(), ",") != "primary_domain,customer_email" || op.Filter.Name[0] != "support" {
		t.Errorf("update %+v", op)
	}
	// The button taken away: its URL cleared, nothing else of it sent.
	sv = state.Service{Name: "support", AvailableToResellers: true}
	op = definitionUpdate(sv, it)
	if op.Visible != "" || op.Tooltip == nil || *op.Tooltip != "" || op.URL == nil || *op.URL != "" || op.Internal != "" || op.URLComponents != nil {
		t.Errorf("update without a button %+v", op)
	}
}
