package refresh

import (
	"encoding/xml"
	"reflect"
	"testing"

	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// TestAccountStatuses: an account's status bits make it suspended, and a
// customer whose reseller is suspended is suspended with it, as a
// refresh records them; a customer whose owner was not read counts its
// own bits only.
func TestAccountStatuses(t *testing.T) {
	var acme xmlapi.ResellerData
	decode := func(text string, v any) {
		if err := xml.Unmarshal([]byte(text), v); err != nil {
			t.Fatal(err)
		}
	}
	decode(`<result><status>ok</status><data><gen-info><login>acme</login><status>16</status></gen-info></data></result>`, &acme)
	var wile, jdoe, road xmlapi.CustomerData
	decode(`<result><status>ok</status><data><gen_info><login>wile</login><status>0</status><owner-login>acme</owner-login></gen_info></data></result>`, &wile)
	decode(`<result><status>ok</status><data><gen_info><login>jdoe</login><status>0</status></gen_info></data></result>`, &jdoe)
	decode(`<result><status>ok</status><data><gen_info><login>road</login><status>64</status><owner-login>gone</owner-login></gen_info></data></result>`, &road)
	custs := []*xmlapi.CustomerData{&wile, &jdoe, &road}
	got := AccountStatuses([]*xmlapi.ResellerData{&acme}, custs)
	want := map[string]string{"reseller acme": "suspended", "customer wile": "suspended", "customer jdoe": "active", "customer road": "suspended"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	got = AccountStatuses(nil, custs)
	want = map[string]string{"customer wile": "active", "customer jdoe": "active", "customer road": "suspended"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("without the resellers: got %v, want %v", got, want)
	}
}
