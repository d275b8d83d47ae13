package graphtest

import (
	"fmt"
	"math"
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

func TestDocumentedThrottleHasTheDocumentedQuotas(t *testing.T) {
	var c config
	WithDocumentedThrottle()(&c)
	// "Identity and access service limits", https://learn.microsoft.com/graph/throttling-limits.
	want := []struct {
		scope  string
		quota  float64
		window time.Duration
	}{
		{"Tenant_Application", 3000, 150 * time.Second},
		{"Application", 35000, 5 * time.Minute},
		{"Tenant", 18000, 5 * time.Minute},
	}
	if len(c.throttle.buckets) != len(want) {
		t.Fatalf("%d buckets, want %d", len(c.throttle.buckets), len(want))
	}
	for i, w := range want {
		b := c.throttle.buckets[i]
		if b.scope != w.scope || b.burst != w.quota || math.Abs(b.perSecond-w.quota/w.window.Seconds()) > 1e-9 {
			t.Errorf("bucket %d: %+v, want %s %v per %s", i, b, w.scope, w.quota, w.window)
		}
	}
	if c.throttle.retryAfter != 10*time.Second {
		t.Errorf("Retry-After %s, want Microsoft's sample 10s", c.throttle.retryAfter)
	}
}

func TestDocumentedThrottleAnswersAsGraphDocuments(t *testing.T) {
	clock := newFakeClock()
	s := startSample(t, WithDocumentedThrottle(), WithClock(clock.Now))
	// Spend the application+tenant write quota without 3,000 HTTP calls.
	s.mu.Lock()
	for i := 0; i < IdentityWriteQuota; i++ {
		if _, throttled := s.throttle(&request{method: "POST"}); throttled {
			s.mu.Unlock()
			t.Fatalf("write %d throttled within the documented quota", i+1)
		}
	}
	s.mu.Unlock()

	wantHeaders := map[string]string{
		"Retry-After":               "10",
		"X-Ms-Throttle-Scope":       "Tenant_Application/Write/" + sampleAppID + "/" + tenantID,
		"X-Ms-Throttle-Information": "WriteLimitExceeded",
	}
	r := call(t, s, "POST", "/users/bob@contoso.example/assignLicense", remove(skuPBI))
	if code, _ := r.errorCode(); r.status != 429 || code != "TooManyRequests" {
		t.Fatalf("write %d: %d %s", IdentityWriteQuota+1, r.status, code)
	}
	for k, v := range wantHeaders {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	// Inside a $batch the sub-response carries the same headers.
	r = call(t, s, "POST", "/$batch", map[string]any{"requests": []any{map[string]any{
		"id": "1", "method": "POST", "url": "/users/bob@contoso.example/assignLicense",
		"headers": map[string]string{"Content-Type": "application/json"}, "body": remove(skuPBI)}}})
	sub := responsesByID(t, r)["1"]
	if r.status != 200 || sub["status"] != 429.0 {
		t.Fatalf("batch %d, sub-request %v", r.status, sub["status"])
	}
	for k, v := range wantHeaders {
		if got := sub["headers"].(map[string]any)[k]; got != v {
			t.Errorf("batch %s: %v, want %q", k, got, v)
		}
	}
	if s.Removals("bob@contoso.example", skuPBI) != 0 {
		t.Error("a throttled write changed the tenant")
	}
	clock.Advance(50 * time.Millisecond) // 3,000 per 150 s refill 20 a second
	if r := call(t, s, "POST", "/users/bob@contoso.example/assignLicense", remove(skuPBI)); r.status != 200 {
		t.Errorf("a token should be back after 50ms: %d", r.status)
	}
}

func TestTheFirstExhaustedBucketThrottles(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	// A small fast bucket and a large slow one, as the application+tenant quota and the
	// application-wide one are shaped.
	newBuckets := func() []*tokenBucket {
		return []*tokenBucket{
			newTokenBucket(bucketConfig{perSecond: 10, burst: 3, scope: "Tenant_Application"}, now),
			newTokenBucket(bucketConfig{perSecond: 0.5, burst: 10, scope: "Application"}, now),
		}
	}
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	sustained := []time.Duration{}
	for i := 0; i < 10; i++ {
		sustained = append(sustained, ms(100*i))
	}
	tests := []struct {
		name      string
		takes     []time.Duration // when each write comes; all but the last must be admitted
		wantScope string          // which bucket refuses the last; "" = admitted
		wantWait  time.Duration
	}{
		{"within both", []time.Duration{0}, "", 0},
		{"a burst empties the small bucket", []time.Duration{0, 0, 0, 0}, "Tenant_Application", ms(100)},
		{"which refills fast", []time.Duration{0, 0, 0, ms(100)}, "", 0},
		{"sustained writes empty the slow bucket", append(sustained, ms(900)), "Application", ms(1100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := newBuckets()
			last := len(tt.takes) - 1
			for i, at := range tt.takes[:last] {
				if refused, _ := takeAll(bs, now.Add(at)); refused != nil {
					t.Fatalf("write %d refused by %s", i+1, refused.cfg.scope)
				}
			}
			before := []float64{bs[0].tokens, bs[1].tokens}
			refused, wait := takeAll(bs, now.Add(tt.takes[last]))
			if tt.wantScope == "" {
				if refused != nil {
					t.Fatalf("refused by %s", refused.cfg.scope)
				}
				return
			}
			if refused == nil || refused.cfg.scope != tt.wantScope || (wait-tt.wantWait).Abs() > time.Millisecond {
				t.Fatalf("refused by %+v, wait %s; want %s, %s", refused, wait, tt.wantScope, tt.wantWait)
			}
			if tt.takes[last] == tt.takes[last-1] && (bs[0].tokens != before[0] || bs[1].tokens != before[1]) {
				t.Errorf("a refused write spent tokens: %v → %v, %v", before, bs[0].tokens, bs[1].tokens)
			}
		})
	}
}

func TestThrottleWithoutRetryAfterComputesItFromTheBucket(t *testing.T) {
	clock := newFakeClock()
	s := startSample(t, WithThrottle(0.25, 0), WithClock(clock.Now))
	call(t, s, "POST", "/users/bob@contoso.example/assignLicense", remove(skuPBI))
	r := call(t, s, "POST", "/users/joni@contoso.example/assignLicense", remove(skuPBI))
	if r.status != 429 || r.header.Get("Retry-After") != "4" || r.header.Get("x-ms-throttle-scope") != "" {
		t.Fatalf("%d Retry-After %q scope %q; want 429 after 4 s (one token per 4 s), no scope", r.status, r.header.Get("Retry-After"), r.header.Get("x-ms-throttle-scope"))
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
