package model

import (
	"slices"
	"testing"
)

// A button's send fields compare and are written in SendFields order,
// each once, whatever order the config or the server gives them in.
func TestInSendOrder(t *testing.T) {
	got := InSendOrder([]string{"customer_email", "primary_domain", "customer_email", "subscription_id"})
	want := []string{"subscription_id", "primary_domain", "customer_email"}
	if !slices.Equal(got, want) {
		t.Errorf("InSendOrder = %q, want %q", got, want)
	}
	if got := InSendOrder(nil); got != nil {
		t.Errorf("InSendOrder(nil) = %q, want nil", got)
	}
}
