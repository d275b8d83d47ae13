package graphtest

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestThrottleLimitsWritesAndSaysWhenToRetry(t *testing.T) {
	clock := newFakeClock()
	s := startSample(t, WithThrottle(1, 7*time.Second), WithClock(clock.Now))
	post := func(user string) reply {
		return call(t, s, "POST", "/users/"+user+"/assignLicense", remove(skuPBI))
	}
	if r := post("bob@contoso.example"); r.status != 200 {
		t.Fatalf("first write: %d", r.status)
	}
	r := post("joni@contoso.example")
	if code, _ := r.errorCode(); r.status != 429 || code != "TooManyRequests" || r.header.Get("Retry-After") != "7" {
		t.Fatalf("second write: %d %s Retry-After %q", r.status, code, r.header.Get("Retry-After"))
	}
	if s.Removals("joni@contoso.example", skuPBI) != 0 {
		t.Error("a throttled write changed the tenant")
	}
	if r := call(t, s, "GET", "/users/bob@contoso.example", nil); r.status != 200 {
		t.Errorf("reads are not throttled, got %d", r.status)
	}
	clock.Advance(time.Second)
	if r := post("joni@contoso.example"); r.status != 200 {
		t.Errorf("after a second: %d", r.status)
	}
}

func TestDocumentedThrottleComputesRetryAfterFromTheBucket(t *testing.T) {
	clock := newFakeClock()
	s, err := newServer(SampleTenant(), WithDocumentedThrottle(), WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	req := &request{method: "POST"}
	for i := 0; i < IdentityWriteQuota; i++ {
		if _, throttled := s.throttle(req); throttled {
			t.Fatalf("write %d throttled within the documented quota", i+1)
		}
	}
	resp, throttled := s.throttle(req)
	if !throttled || resp.status != 429 || resp.header.Get("Retry-After") != "1" {
		t.Fatalf("write %d: throttled %v, %d, Retry-After %q", IdentityWriteQuota+1, throttled, resp.status, resp.header.Get("Retry-After"))
	}
	clock.Advance(50 * time.Millisecond) // 20 writes per second refill
	if _, throttled := s.throttle(req); throttled {
		t.Error("a token should be back after 50ms")
	}
}

func TestFailureRateAnswersWithGraphErrors(t *testing.T) {
	s := startSample(t, WithFailureRate(1, 42))
	seen := map[int]bool{}
	for i := 0; i < 40; i++ {
		r := call(t, s, "GET", "/subscribedSkus", nil)
		code, _ := r.errorCode()
		switch {
		case r.status == 503 && code == "serviceNotAvailable", r.status == 500 && code == "generalException":
			seen[r.status] = true
		default:
			t.Fatalf("got %d %s", r.status, code)
		}
	}
	if !seen[503] || !seen[500] {
		t.Errorf("statuses seen: %v", seen)
	}
}

func TestFailureRateIsRepeatableWithASeed(t *testing.T) {
	run := func() string {
		s := startSample(t, WithFailureRate(0.5, 7))
		out := ""
		for i := 0; i < 20; i++ {
			out += fmt.Sprint(call(t, s, "GET", "/subscribedSkus", nil).status, " ")
		}
		return out
	}
	if a, b := run(), run(); a != b {
		t.Fatalf("same seed, different failures:\n%s\n%s", a, b)
	}
}

func TestTokenIsRequiredWhenSet(t *testing.T) {
	s := startSample(t, WithToken("secret"))
	tests := []struct {
		name, auth string
		want       int
		wantMsg    string
	}{
		{"no header", "", 401, "Access token is empty."},
		{"wrong token", "Bearer other", 401, "Access token validation failure. Invalid audience."},
		{"right token", "Bearer secret", 200, ""},
		{"scheme is case-insensitive", "bearer secret", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h []string
			if tt.auth != "" {
				h = []string{"Authorization", tt.auth}
			}
			r := call(t, s, "GET", "/subscribedSkus", nil, h...)
			code, msg := r.errorCode()
			if r.status != tt.want || (tt.want == 401 && (code != "InvalidAuthenticationToken" || msg != tt.wantMsg)) {
				t.Fatalf("got %d %s %q", r.status, code, msg)
			}
		})
	}
}

func TestLatencyDelaysResponses(t *testing.T) {
	s := startSample(t, WithLatency(30*time.Millisecond))
	start := time.Now()
	call(t, s, "GET", "/subscribedSkus", nil)
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("answered after %s", d)
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	s := startSample(t)
	tests := []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/users/alice@contoso.example/drive", 404, "itemNotFound"},
		{"GET", "/nothing", 404, "itemNotFound"},
		{"DELETE", "/users/alice@contoso.example", 405, "Request_BadRequest"},
		{"GET", "/users/alice@contoso.example/assignLicense", 405, "Request_BadRequest"},
		{"GET", "/$batch", 405, "Request_BadRequest"},
	}
	for _, tt := range tests {
		r := call(t, s, tt.method, tt.path, nil)
		if code, _ := r.errorCode(); r.status != tt.status || code != tt.code {
			t.Errorf("%s %s: %d %s, want %d %s", tt.method, tt.path, r.status, code, tt.status, tt.code)
		}
		if r.header.Get("request-id") == "" {
			t.Errorf("%s %s: no request-id header", tt.method, tt.path)
		}
	}
	// Outside the service root.
	resp, err := http.Get(s.URL[:len(s.URL)-len(serviceRoot)] + "/beta/users")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("/beta: %d", resp.StatusCode)
	}
}

func TestCallsCountsRequestsByMethodAndPrefix(t *testing.T) {
	s := startSample(t)
	call(t, s, "GET", "/users/alice@contoso.example", nil)
	call(t, s, "GET", "/users/alice@contoso.example/licenseDetails", nil)
	call(t, s, "POST", "/users/bob@contoso.example/assignLicense", remove(skuPBI))
	if got := s.Calls("GET", "/users/"); got != 2 {
		t.Errorf(`Calls("GET", "/users/") = %d`, got)
	}
	if got := s.Calls("POST", "/users/"); got != 1 {
		t.Errorf(`Calls("POST", "/users/") = %d`, got)
	}
	if got := s.Calls("GET", "/subscribedSkus"); got != 0 {
		t.Errorf(`Calls("GET", "/subscribedSkus") = %d`, got)
	}
}

func TestConcurrentRemovalsRemoveOnce(t *testing.T) {
	s := startSample(t)
	var wg sync.WaitGroup
	statuses := make(chan int, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- call(t, s, "POST", "/users/bob@contoso.example/assignLicense", remove(skuPBI)).status
		}()
	}
	wg.Wait()
	close(statuses)
	okCount := 0
	for st := range statuses {
		if st == 200 {
			okCount++
		}
	}
	if okCount != 1 || s.Removals("bob@contoso.example", skuPBI) != 1 {
		t.Fatalf("%d successes, %d removals; want exactly one", okCount, s.Removals("bob@contoso.example", skuPBI))
	}
}

func TestOptionsAreValidated(t *testing.T) {
	for name, opt := range map[string]Option{
		"failure rate above 1": WithFailureRate(1.5, 1),
		"zero throttle rate":   WithThrottle(0, time.Second),
		"zero page size":       WithPageSize(0),
	} {
		if _, err := NewServer(SampleTenant(), opt); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
