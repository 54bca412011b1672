package deploy

import (
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
