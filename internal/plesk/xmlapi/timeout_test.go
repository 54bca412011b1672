package xmlapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// answerIn serves a customer get answer in parts, waiting gap before
// each part after the first.
func answerIn(parts []string, gap time.Duration) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		for i, p := range parts {
			if i > 0 {
				select {
				case <-time.After(gap):
				case <-r.Context().Done():
					return
				}
			}
			_, _ = w.Write([]byte(p))
			w.(http.Flusher).Flush()
		}
	}))
}

var answerParts = []string{
	`<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.9.1"><customer><get>`,
	`<result><status>ok</status><id>1</id><data><gen_info><login>a</login><pname>A</pname></gen_info></data></result>`,
	`<result><status>ok</status><id>2</id><data><gen_info><login>b</login><pname>B</pname></gen_info></data></result>`,
	`<result><status>ok</status><id>3</id><data><gen_info><login>c</login><pname>C</pname></gen_info></data></result>`,
	`</get></customer></packet>`,
}

// TestTimeoutIsEachWait: the timeout bounds each wait for the server,
// not the whole exchange: an answer that keeps coming is read however
// long it takes in all; one that stops coming ends the exchange with
// "no answer within".
func TestTimeoutIsEachWait(t *testing.T) {
	steady := answerIn(answerParts, 150*time.Millisecond) // 600ms in all
	defer steady.Close()
	c, err := New(Config{URL: steady.URL, Key: "k", Timeout: 400 * time.Millisecond, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Call[CustomerData](context.Background(), c, CustomerGet{Dataset: CustomerDataset{GenInfo: &Empty{}}})
	if err != nil || len(got) != 3 {
		t.Fatalf("a steady answer longer than the timeout: %d results, %v", len(got), err)
	}

	stalled := answerIn(answerParts, 3*time.Second)
	defer stalled.Close()
	c, err = New(Config{URL: stalled.URL, Key: "k", Timeout: 300 * time.Millisecond, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = Call[CustomerData](context.Background(), c, CustomerGet{Dataset: CustomerDataset{GenInfo: &Empty{}}})
	if err == nil || !strings.Contains(err.Error(), "no answer within 300ms") {
		t.Fatalf("an answer that stops: %v, want no answer within 300ms", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the stalled exchange took %s", d)
	}
}
