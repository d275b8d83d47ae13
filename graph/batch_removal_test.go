package graph

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/licensing"
)

// withBulkUsers returns the sample tenant plus n users each holding Power BI Pro directly,
// with seats for all of them, and their object ids.
func withBulkUsers(n int) (graphtest.Tenant, []string) {
	t := graphtest.SampleTenant()
	var ids []string
	for i := range n {
		id := fmt.Sprintf("b0000000-0000-4000-8000-%012d", i)
		ids = append(ids, id)
		t.Users = append(t.Users, graphtest.User{
			ID: id, DisplayName: fmt.Sprintf("Bulk %d", i), UserPrincipalName: fmt.Sprintf("bulk%04d@contoso.example", i),
			AccountEnabled: true, UsageLocation: "US",
			Licenses: []graphtest.License{{SKUID: skuPBI, DisabledPlans: []string{}}},
		})
	}
	for i := range t.SKUs {
		if t.SKUs[i].SKUID == skuPBI {
			t.SKUs[i].PrepaidUnits += n
		}
	}
	return t, ids
}

func pbiRemovals(ids []string) []Removal {
	out := make([]Removal, len(ids))
	for i, id := range ids {
		out[i] = Removal{UserID: id, SKUIDs: []string{skuPBI}}
	}
	return out
}

func TestBatchRemovesFortyFiveUsersInThreeBatches(t *testing.T) {
	tenant, ids := withBulkUsers(45)
	c, srv := newTenant(t, tenant)
	results := c.RemoveLicensesBatch(context.Background(), pbiRemovals(ids))
	if len(results) != 45 {
		t.Fatalf("%d results", len(results))
	}
	for i, r := range results {
		if r.UserID != ids[i] || r.Err != nil || r.RequestID == "" {
			t.Errorf("result %d: %+v", i, r)
		}
		if n := srv.Removals(ids[i], skuPBI); n != 1 {
			t.Errorf("%s: Removals = %d", ids[i], n)
		}
	}
	if got := srv.Calls("POST", "/$batch"); got != 3 {
		t.Errorf("%d $batch calls, want 3 (20+20+5)", got)
	}
	if got := srv.Calls("POST", "/users/"); got != 45 {
		t.Errorf("%d assignLicense steps, want 45", got)
	}
	body := string(srv.LastBody("POST", "/users/"+ids[44]+"/assignLicense"))
	if body != `{"addLicenses":[],"removeLicenses":["`+skuPBI+`"]}` {
		t.Errorf("step body %s", body)
	}
}

func TestBatchThrottledStepsCarryTheirRetryAfterAndAreNotResent(t *testing.T) {
	tenant, ids := withBulkUsers(45)
	frozen := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	// 10 writes per second with a burst of 10 and a clock that never moves: the first ten
	// steps go through, every later one is 429 with "Retry-After: 7".
	c, srv := newTenant(t, tenant, graphtest.WithThrottle(10, 7*time.Second), graphtest.WithClock(func() time.Time { return frozen }))
	results := c.RemoveLicensesBatch(context.Background(), pbiRemovals(ids))
	succeeded := 0
	for i, r := range results {
		var throttled *licensing.ThrottledError
		switch {
		case r.Err == nil:
			succeeded++
			if n := srv.Removals(ids[i], skuPBI); n != 1 {
				t.Errorf("%d succeeded but Removals = %d", i, n)
			}
		case errors.As(r.Err, &throttled):
			if throttled.RetryAfter != 7*time.Second {
				t.Errorf("%d: RetryAfter %v, want the step's 7s", i, throttled.RetryAfter)
			}
			if ge := asGraphError(t, r.Err); ge.Status != 429 || ge.Code != "TooManyRequests" || ge.RequestID == "" || r.RequestID != ge.RequestID {
				t.Errorf("%d: %+v, result request-id %q", i, ge, r.RequestID)
			}
			if n := srv.Removals(ids[i], skuPBI); n != 0 {
				t.Errorf("%d throttled but Removals = %d", i, n)
			}
		default:
			t.Errorf("%d: %v", i, r.Err)
		}
	}
	if succeeded != 10 {
		t.Errorf("%d succeeded, want 10", succeeded)
	}
	if got := srv.Calls("POST", "/users/"); got != 45 {
		t.Errorf("%d steps sent, want each of the 45 once", got)
	}
}

func TestBatchMapsEachStepToItsReason(t *testing.T) {
	c, srv := newSample(t)
	bob := userID(t, srv, "bob@contoso.example")
	removals := []Removal{
		{UserID: bob, SKUIDs: []string{skuPBI}},
		{UserID: userID(t, srv, "alex@contoso.example"), SKUIDs: []string{skuO365E3}},
		{UserID: userID(t, srv, "carol@contoso.example"), SKUIDs: []string{skuPBI}},
		{UserID: "00000000-0000-4000-8000-000000000000", SKUIDs: []string{skuPBI}},
		{UserID: bob, SKUIDs: []string{"c7df2760-2c81-4ef7-b578-5b5392b571df"}},
		{UserID: bob, SKUIDs: []string{"ENTERPRISEPACK"}}, // refused before sending
		{UserID: " ", SKUIDs: []string{skuPBI}},           // refused before sending
	}
	want := []error{nil, licensing.ErrInherited, licensing.ErrNotAssigned, licensing.ErrUserNotFound,
		licensing.ErrUnknownSKU, licensing.ErrUnknownSKU, ErrBadUserQuery}
	results := c.RemoveLicensesBatch(context.Background(), removals)
	for i, r := range results {
		if r.UserID != removals[i].UserID {
			t.Errorf("%d: result for %q, want %q", i, r.UserID, removals[i].UserID)
		}
		if want[i] == nil {
			if r.Err != nil {
				t.Errorf("%d: %v", i, r.Err)
			}
			continue
		}
		if !errors.Is(r.Err, want[i]) {
			t.Errorf("%d: %v, want %v", i, r.Err, want[i])
		}
		if i < 5 {
			ge := asGraphError(t, r.Err)
			if ge.RequestID == "" || ge.Message == "" || r.RequestID != ge.RequestID {
				t.Errorf("%d: %+v", i, ge)
			}
		}
	}
	if srv.Calls("POST", "/$batch") != 1 || srv.Calls("POST", "/users/") != 5 {
		t.Errorf("%d batches, %d steps; want 1 and 5", srv.Calls("POST", "/$batch"), srv.Calls("POST", "/users/"))
	}
	if srv.Removals(bob, skuPBI) != 1 {
		t.Error("bob's Power BI Pro was not removed")
	}
}

func TestBatchFailingAsAWholeFailsEveryRemovalOfIt(t *testing.T) {
	tenant, ids := withBulkUsers(25)
	c, srv := newTenant(t, tenant, graphtest.WithBatchFailureRate(1))
	results := c.RemoveLicensesBatch(context.Background(), pbiRemovals(ids))
	for i, r := range results {
		if !errors.Is(r.Err, licensing.ErrUnavailable) {
			t.Fatalf("%d: %v", i, r.Err)
		}
		ge := asGraphError(t, r.Err)
		if ge.Status != 503 || ge.Code != "serviceNotAvailable" || ge.RequestID == "" {
			t.Errorf("%d: %+v", i, ge)
		}
		if srv.Removals(ids[i], skuPBI) != 0 {
			t.Errorf("%d removed", i)
		}
	}
	if srv.Calls("POST", "/$batch") != 2 {
		t.Errorf("%d $batch calls: the second chunk is sent even though the first failed", srv.Calls("POST", "/$batch"))
	}
}

func TestBatchWithoutAnAnswerIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c, err := New(Config{BaseURL: srv.URL + "/v1.0", AccessToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range c.RemoveLicensesBatch(context.Background(), []Removal{{UserID: "bob@contoso.example", SKUIDs: []string{skuPBI}}}) {
		if !errors.Is(r.Err, licensing.ErrUnavailable) {
			t.Errorf("%v", r.Err)
		}
	}
}

func TestBatchAfterTheCallerGaveUpSendsNothing(t *testing.T) {
	tenant, ids := withBulkUsers(3)
	c, srv := newTenant(t, tenant)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, r := range c.RemoveLicensesBatch(ctx, pbiRemovals(ids)) {
		if !errors.Is(r.Err, context.Canceled) {
			t.Errorf("%v", r.Err)
		}
	}
	if srv.Calls("POST", "/$batch") != 0 {
		t.Error("a batch was sent")
	}
}

// TestBatchReadsEachStepsOwnRetryAfter answers a $batch the way Graph documents it: in another
// order than asked, two steps throttled with different Retry-After headers (one of them
// lower-case and fractional) and the documented 429 body (testdata/error-throttled.json), one
// step done with no request-id of its own.
func TestBatchReadsEachStepsOwnRetryAfter(t *testing.T) {
	throttledBody, err := os.ReadFile(filepath.Join("testdata", "error-throttled.json"))
	if err != nil {
		t.Fatal(err)
	}
	const batchRequestID = "5e1c1c7e-9c1b-4d5e-8f3a-0a0b0c0d0e0f"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			body = zr
		}
		var req struct {
			Requests []struct{ ID string } `json:"requests"`
		}
		if err := json.NewDecoder(body).Decode(&req); err != nil || len(req.Requests) != 3 {
			http.Error(w, "bad batch", 400)
			return
		}
		headers := []map[string]string{
			{"Content-Type": "application/json", "Cache-Control": "no-cache"},
			{"Content-Type": "application/json", "Retry-After": "2"},
			{"Content-Type": "application/json", "retry-after": "5.5"},
		}
		var responses []map[string]any
		for i := len(req.Requests) - 1; i >= 0; i-- {
			status, b := 200, json.RawMessage(`{"id":"x"}`)
			if i > 0 {
				status, b = 429, json.RawMessage(throttledBody)
			}
			responses = append(responses, map[string]any{"id": req.Requests[i].ID, "status": status, "headers": headers[i], "body": b})
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("request-id", batchRequestID)
		_ = json.NewEncoder(w).Encode(map[string]any{"responses": responses})
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL + "/v1.0", AccessToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	results := c.RemoveLicensesBatch(context.Background(), []Removal{
		{UserID: "a@contoso.example", SKUIDs: []string{skuPBI}},
		{UserID: "b@contoso.example", SKUIDs: []string{skuPBI}},
		{UserID: "c@contoso.example", SKUIDs: []string{skuPBI}},
	})
	if results[0].Err != nil || results[0].RequestID != batchRequestID {
		t.Errorf("done step: %+v", results[0])
	}
	for i, want := range map[int]time.Duration{1: 2 * time.Second, 2: 5500 * time.Millisecond} {
		var throttled *licensing.ThrottledError
		if !errors.As(results[i].Err, &throttled) || throttled.RetryAfter != want {
			t.Errorf("step %d: %v, want retry in %v", i, results[i].Err, want)
			continue
		}
		if results[i].RequestID != "94fb3b52-452a-4535-a601-69e0a90e3aa2" {
			t.Errorf("step %d: request-id %q, want the error body's", i, results[i].RequestID)
		}
	}
}

func TestBatchCallsRunInParallel(t *testing.T) {
	tenant, ids := withBulkUsers(60)
	c, srv := newTenant(t, tenant)
	removals := pbiRemovals(ids)
	results := make([][]BatchResult, 3)
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() { results[w] = c.RemoveLicensesBatch(context.Background(), removals[w*20:(w+1)*20]) })
	}
	wg.Wait()
	for w, rs := range results {
		for i, r := range rs {
			if r.Err != nil || r.UserID != ids[w*20+i] {
				t.Errorf("%d/%d: %+v", w, i, r)
			}
		}
	}
	for _, id := range ids {
		if srv.Removals(id, skuPBI) != 1 {
			t.Errorf("%s: Removals = %d", id, srv.Removals(id, skuPBI))
		}
	}
}
