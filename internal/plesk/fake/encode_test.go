package fake

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// An answer is encoded byte for byte as encoding/xml encodes it: every
// field of a webspace result empty, set, repeated, with text to escape;
// other results and error results among them; and the emulator's
// answers to a read of a large server.
func TestEncodeAnswerLikeEncodingXML(t *testing.T) {
	texts := []string{"", "plain", "a&b", "a<b", "a>b", `a"b`, "a'b", `a&b<c>d"e'f`, "tab\tnl\nnr\r", "\x00\x01\x7f", "é\u2028\U0001F600", "bad\xffutf8", "\uFFFD", "\uFFFE"}
	var results []any
	for i, s := range texts {
		for _, n := range []int{0, 1, 2} {
			results = append(results, filled(reflect.TypeFor[*xmlapi.WebspaceData](), s, i, n).Interface())
		}
	}
	results = append(results, &xmlapi.WebspaceData{}, (*xmlapi.WebspaceData)(nil), nil,
		&xmlapi.WebspaceData{Status: xmlapi.Status{Status: "error", ErrCode: 1013, ErrText: "gone & <lost>"}, FilterID: "x.example"},
		&xmlapi.WebspaceData{Data: &xmlapi.WebspaceBody{}},
		&xmlapi.Status{Status: "error", ErrCode: 1001, ErrText: "denied"},
		&xmlapi.FilterResult{Status: ok, FilterID: "f"},
		&xmlapi.PlanData{Status: ok, ID: 3, GUID: "g"},
		filled(reflect.TypeFor[*xmlapi.CustomerData](), "c&d", 2, 2).Interface())
	resps := []*packetResp{
		{Version: "1.6.9.1"},
		{Version: `v"<&`, Ops: []operatorResp{{XMLName: xml.Name{Local: "webspace"}}}},
		{Version: "1.6.9.1", Ops: []operatorResp{
			{XMLName: xml.Name{Local: "webspace"}, Ops: []operationResp{{XMLName: xml.Name{Local: "get"}, Results: results}, {XMLName: xml.Name{Local: "set"}}}},
			{XMLName: xml.Name{Local: "customer"}, Ops: []operationResp{{XMLName: xml.Name{Local: "get"}, Results: results[len(results)-5:]}}},
		}},
	}

	// The emulator's answer to a read of every subscription, and of
	// some datasets only.
	s := New(Big(300), Options{Key: "k"})
	for _, req := range []string{
		`<packet version="1.6.9.1"><webspace><get><filter/><dataset><gen_info/><hosting/><limits/><subscriptions/><permissions/><plan-items/><php-settings/><mail/></dataset></get></webspace></packet>`,
		`<packet version="1.6.9.1"><webspace><get><filter><name>nothing.example</name></filter><dataset><limits/></dataset></get></webspace><customer><get><filter/><dataset><gen_info/></dataset></get></customer></packet>`,
	} {
		resp, sysErr := s.handle(map[string][]string{"Key": {"k"}}, []byte(req))
		if sysErr != nil {
			t.Fatalf("%s", sysErr)
		}
		resps = append(resps, resp)
	}

	for i, resp := range resps {
		var want, got bytes.Buffer
		if err := xml.NewEncoder(&want).Encode(resp); err != nil {
			t.Fatal(err)
		}
		if err := encodeAnswer(&got, resp); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			g, w := got.String(), want.String()
			at := 0
			for at < len(g) && at < len(w) && g[at] == w[at] {
				at++
			}
			t.Errorf("answer %d differs at byte %d:\n got …%s\nwant …%s", i, at, clipAt(g, at), clipAt(w, at))
		}
		if i == len(resps)-2 && !strings.Contains(want.String(), "<php-settings>") {
			t.Errorf("the read of a large server holds no PHP settings: %.300s", want.String())
		}
	}
}

func clipAt(s string, at int) string {
	from, to := max(0, at-80), min(len(s), at+80)
	return s[from:to]
}

// filled is a value of t with every string s, every number i+1 (none
// when i is 0), every list n long and every pointer set.
func filled(t reflect.Type, s string, i, n int) reflect.Value {
	switch t.Kind() {
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		p.Elem().Set(filled(t.Elem(), s, i, n))
		return p
	case reflect.Struct:
		v := reflect.New(t).Elem()
		for f := range t.NumField() {
			if t.Field(f).IsExported() && t.Field(f).Type != reflect.TypeFor[xml.Name]() {
				v.Field(f).Set(filled(t.Field(f).Type, s, i, n))
			}
		}
		return v
	case reflect.Slice:
		v := reflect.MakeSlice(t, 0, n)
		for range n {
			v = reflect.Append(v, filled(t.Elem(), s, i, n))
		}
		return v
	case reflect.String:
		return reflect.ValueOf(s).Convert(t)
	case reflect.Int, reflect.Int64:
		return reflect.ValueOf(int64(i)).Convert(t)
	}
	panic("filled: " + t.String())
}
