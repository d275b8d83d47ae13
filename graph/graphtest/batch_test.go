package graphtest

import (
	"fmt"
	"testing"
	"time"
)

func batchOf(n int, user string) map[string]any {
	var reqs []any
	for i := 1; i <= n; i++ {
		reqs = append(reqs, map[string]any{
			"id": fmt.Sprint(i), "method": "GET", "url": "/users/" + user + "?$select=id",
		})
	}
	return map[string]any{"requests": reqs}
}

func responsesByID(t *testing.T, r reply) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, v := range r.body["responses"].([]any) {
		m := v.(map[string]any)
		out[m["id"].(string)] = m
	}
	return out
}

func TestBatchAllowsAtMostTwentyRequests(t *testing.T) {
	s := startSample(t)
	r := call(t, s, "POST", "/$batch", batchOf(20, "alice@contoso.example"))
	if r.status != 200 || len(responsesByID(t, r)) != 20 {
		t.Fatalf("20 requests: %d %s", r.status, r.raw)
	}
	r = call(t, s, "POST", "/$batch", batchOf(21, "alice@contoso.example"))
	if code, _ := r.errorCode(); r.status != 400 || code != "BadRequest" {
		t.Fatalf("21 requests: %d %s", r.status, r.raw)
	}
}

func TestBatchSubRequestsAreAnsweredByID(t *testing.T) {
	s := startSample(t)
	r := call(t, s, "POST", "/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "a", "method": "POST", "url": "/users/bob@contoso.example/assignLicense",
			"headers": map[string]string{"Content-Type": "application/json"}, "body": remove(skuPBI)},
		map[string]any{"id": "b", "method": "POST", "url": "users/alex@contoso.example/assignLicense",
			"headers": map[string]string{"Content-Type": "application/json"}, "body": remove(skuO365E3)},
		map[string]any{"id": "c", "method": "GET", "url": "/users/ghost@contoso.example"},
	}})
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	byID := responsesByID(t, r)
	want := map[string]float64{"a": 200, "b": 400, "c": 404}
	for id, status := range want {
		got := byID[id]
		if got["status"] != status {
			t.Errorf("%s: status %v, want %v", id, got["status"], status)
		}
		if got["headers"].(map[string]any)["Content-Type"] != "application/json" {
			t.Errorf("%s: headers %v", id, got["headers"])
		}
	}
	body := byID["b"]["body"].(map[string]any)["error"].(map[string]any)
	if body["message"] != msgInherited {
		t.Errorf("b: %v", body)
	}
	if s.Removals("bob@contoso.example", skuPBI) != 1 || s.Calls("POST", "/users/") != 2 || s.Calls("POST", "/$batch") != 1 {
		t.Errorf("removals %d, sub-request calls %d, batch calls %d",
			s.Removals("bob@contoso.example", skuPBI), s.Calls("POST", "/users/"), s.Calls("POST", "/$batch"))
	}
}

func TestBatchThrottlesEachSubRequest(t *testing.T) {
	clock := newFakeClock()
	s := startSample(t, WithThrottle(1, 5*time.Second), WithClock(clock.Now))
	var reqs []any
	for i, u := range []string{"bob", "sean", "joni"} {
		reqs = append(reqs, map[string]any{"id": fmt.Sprint(i + 1), "method": "POST", "url": "/users/" + u + "@contoso.example/assignLicense",
			"headers": map[string]string{"Content-Type": "application/json"}, "body": remove(skuPBI)})
	}
	r := call(t, s, "POST", "/$batch", map[string]any{"requests": reqs})
	if r.status != 200 {
		t.Fatalf("the batch itself is not throttled: %d", r.status)
	}
	byID := responsesByID(t, r)
	if byID["1"]["status"] != 200.0 {
		t.Errorf("1: %v", byID["1"]["status"])
	}
	for _, id := range []string{"2", "3"} {
		if byID[id]["status"] != 429.0 || byID[id]["headers"].(map[string]any)["Retry-After"] != "5" {
			t.Errorf("%s: %v", id, byID[id])
		}
	}
}

func TestBatchRefusesMalformedPayloads(t *testing.T) {
	s := startSample(t)
	tests := map[string]any{
		"not JSON":      "{",
		"no requests":   map[string]any{},
		"duplicate ids": map[string]any{"requests": []any{map[string]any{"id": "1", "method": "GET", "url": "/users"}, map[string]any{"id": "1", "method": "GET", "url": "/users"}}},
		"missing url":   map[string]any{"requests": []any{map[string]any{"id": "1", "method": "GET"}}},
		"body without content type": map[string]any{"requests": []any{map[string]any{"id": "1", "method": "POST",
			"url": "/users/bob@contoso.example/assignLicense", "body": remove(skuPBI)}}},
		"depends on a later request": map[string]any{"requests": []any{map[string]any{"id": "1", "method": "GET", "url": "/users", "dependsOn": []string{"2"}},
			map[string]any{"id": "2", "method": "GET", "url": "/users"}}},
	}
	for name, body := range tests {
		if r := call(t, s, "POST", "/$batch", body); r.status != 400 {
			t.Errorf("%s: %d", name, r.status)
		}
	}
}

func TestBatchFailedDependencyIs424(t *testing.T) {
	s := startSample(t)
	r := call(t, s, "POST", "/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "GET", "url": "/users/ghost@contoso.example"},
		map[string]any{"id": "2", "method": "GET", "url": "/users/alice@contoso.example", "dependsOn": []string{"1"}},
	}})
	if got := responsesByID(t, r)["2"]["status"]; got != 424.0 {
		t.Fatalf("status %v", got)
	}
}

func TestBatchFailureRateFailsTheWholeBatch(t *testing.T) {
	s := startSample(t, WithBatchFailureRate(1))
	r := call(t, s, "POST", "/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "POST", "url": "/users/bob@contoso.example/assignLicense",
			"headers": map[string]string{"Content-Type": "application/json"}, "body": remove(skuPBI)},
	}})
	if code, _ := r.errorCode(); r.status != 503 || code != "serviceNotAvailable" {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	if s.Removals("bob@contoso.example", skuPBI) != 0 || s.Calls("POST", "/users/") != 0 {
		t.Error("a failed batch ran its sub-requests")
	}
	if r := call(t, s, "POST", "/users/bob@contoso.example/assignLicense", remove(skuPBI)); r.status != 200 {
		t.Errorf("single calls are not affected: %d", r.status)
	}
}

func TestBatchRestoreIsCountedPerStep(t *testing.T) {
	s := startSample(t)
	r := call(t, s, "POST", "/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "POST", "url": "/users/pradeep@contoso.example/assignLicense",
			"headers": map[string]string{"Content-Type": "application/json"}, "body": add(skuPBI)},
		map[string]any{"id": "2", "method": "POST", "url": "/users/christie@contoso.example/assignLicense",
			"headers": map[string]string{"Content-Type": "application/json"}, "body": add(skuPBI)},
	}})
	byID := responsesByID(t, r)
	if byID["1"]["status"] != 200.0 || byID["2"]["status"] != 400.0 {
		t.Fatalf("%s", r.raw)
	}
	if s.Restores("pradeep@contoso.example", skuPBI) != 1 || s.Restores("christie@contoso.example", skuPBI) != 0 {
		t.Error("Restores does not match the statuses")
	}
}
