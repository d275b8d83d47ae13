package graphtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawReply is an answer as it came, body unparsed.
type rawReply struct {
	status int
	header http.Header
	body   []byte
}

func rawCall(t *testing.T, s *Server, method, path string, body any) rawReply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawReply{resp.StatusCode, resp.Header, b}
}

func TestAnswerFaultsReplaceTheAnswer(t *testing.T) {
	const skus = "/subscribedSkus"
	tests := []struct {
		fault AnswerFault
		check func(t *testing.T, r rawReply)
	}{
		{AnswerEmpty, func(t *testing.T, r rawReply) {
			if len(r.body) != 0 || r.header.Get("Content-Type") != "application/json" {
				t.Errorf("%s %q", r.header.Get("Content-Type"), r.body)
			}
		}},
		{AnswerNull, func(t *testing.T, r rawReply) {
			if string(r.body) != "null" {
				t.Errorf("%q", r.body)
			}
		}},
		{AnswerHTML, func(t *testing.T, r rawReply) {
			if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !bytes.Contains(r.body, []byte("<html>")) {
				t.Errorf("%s %q", r.header.Get("Content-Type"), r.body)
			}
		}},
		{AnswerTruncated, func(t *testing.T, r rawReply) {
			if json.Valid(r.body) || !bytes.HasPrefix(r.body, []byte(`{`)) || len(r.body) < 100 {
				t.Errorf("not cut-short JSON: %q", r.body)
			}
		}},
		{AnswerEmptyObject, func(t *testing.T, r rawReply) {
			if string(r.body) != "{}" {
				t.Errorf("%q", r.body)
			}
		}},
		{AnswerBlankItems, func(t *testing.T, r rawReply) {
			var page struct{ Value []map[string]any }
			if err := json.Unmarshal(r.body, &page); err != nil || len(page.Value) == 0 {
				t.Fatalf("%v %q", err, r.body)
			}
			for _, v := range page.Value {
				if len(v) != 1 || v["id"] == nil {
					t.Errorf("item %v: want only its id", v)
				}
			}
		}},
		{AnswerNullItems, func(t *testing.T, r rawReply) {
			var page struct{ Value []any }
			if err := json.Unmarshal(r.body, &page); err != nil || len(page.Value) == 0 {
				t.Fatalf("%v %q", err, r.body)
			}
			for _, v := range page.Value {
				if v != nil {
					t.Errorf("item %v: want null", v)
				}
			}
		}},
		{AnswerEndlessPages, func(t *testing.T, r rawReply) {
			if link := nextLinkOf(t, r); !strings.Contains(link, "/v1.0/subscribedSkus?") || !strings.Contains(link, "endless-1") {
				t.Errorf("nextLink %q", link)
			}
		}},
		{AnswerPagesLoop, func(t *testing.T, r rawReply) {
			if link := nextLinkOf(t, r); !strings.HasSuffix(link, "/v1.0/subscribedSkus") {
				t.Errorf("nextLink %q, want the request itself", link)
			}
		}},
		{AnswerNextLinkElsewhere, func(t *testing.T, r rawReply) {
			if u, err := url.Parse(nextLinkOf(t, r)); err != nil || u.Host != NextLinkElsewhereHost {
				t.Errorf("nextLink %v %v", u, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			s := startSample(t, WithAnswerFault("GET subscribedSkus", tt.fault))
			r := rawCall(t, s, "GET", skus, nil)
			if r.status != http.StatusOK || r.header.Get("request-id") == "" {
				t.Fatalf("status %d request-id %q", r.status, r.header.Get("request-id"))
			}
			tt.check(t, r)
			// Other routes answer normally.
			if r := call(t, s, "GET", "/users/alice@contoso.example", nil); r.body["id"] == nil {
				t.Errorf("another route was spoilt: %s", r.raw)
			}
		})
	}
}

func nextLinkOf(t *testing.T, r rawReply) string {
	t.Helper()
	var page map[string]any
	if err := json.Unmarshal(r.body, &page); err != nil {
		t.Fatalf("%v %q", err, r.body)
	}
	if _, ok := page["value"].([]any); !ok {
		t.Errorf("a paging fault's page has no value: %q", r.body)
	}
	link, _ := page["@odata.nextLink"].(string)
	return link
}

func TestEndlessPagesNeverEnd(t *testing.T) {
	s := startSample(t, WithAnswerFault("GET users/*/transitiveMemberOf/*", AnswerEndlessPages))
	path := "/users/admin@contoso.example/transitiveMemberOf/microsoft.graph.directoryRole"
	seen := map[string]bool{}
	for i := 0; i < 5; i++ {
		r := rawCall(t, s, "GET", path, nil)
		link := nextLinkOf(t, r)
		if link == "" || seen[link] {
			t.Fatalf("page %d: nextLink %q (seen: %v)", i+1, link, seen[link])
		}
		seen[link] = true
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		path = strings.TrimPrefix(u.RequestURI(), serviceRoot)
	}
}

func TestHugeAnswerIsStreamedAndWellFormed(t *testing.T) {
	s := startSample(t, WithAnswerFault("GET subscribedSkus", AnswerHuge))
	resp, err := http.Get(s.URL + "/subscribedSkus")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != -1 {
		t.Fatalf("status %d, Content-Length %d: want 200 without a length", resp.StatusCode, resp.ContentLength)
	}
	// Decode it as a stream: well-formed, and at least HugeAnswerBytes.
	counted := &countingReader{r: resp.Body}
	var page struct{ Value []json.RawMessage }
	if err := json.NewDecoder(counted).Decode(&page); err != nil {
		t.Fatal(err)
	}
	if counted.n < HugeAnswerBytes || len(page.Value) < 1000 {
		t.Fatalf("%d bytes, %d items", counted.n, len(page.Value))
	}
}

func TestHugeAnswerStopsWhenTheClientGoesAway(t *testing.T) {
	s := startSample(t, WithAnswerFault("GET subscribedSkus", AnswerHuge))
	resp, err := http.Get(s.URL + "/subscribedSkus")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(io.Discard, resp.Body, 1<<20); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The handler notices and returns; the server still answers.
	done := make(chan struct{})
	go func() {
		defer close(done)
		call(t, s, "GET", "/users/alice@contoso.example", nil)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the server hangs after a client left a huge answer")
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestAnswerFaultsStillCarryOutTheRequest(t *testing.T) {
	s := startSample(t, WithAnswerFault("POST users/*/assignLicense", AnswerNull))
	r := rawCall(t, s, "POST", "/users/bob@contoso.example/assignLicense", remove(skuPBI))
	if r.status != 200 || string(r.body) != "null" {
		t.Fatalf("%d %q", r.status, r.body)
	}
	if s.Removals("bob@contoso.example", skuPBI) != 1 {
		t.Error("the removal was not carried out")
	}
}

func TestAnswerFaultsInsideABatch(t *testing.T) {
	step := func(id, user string) map[string]any {
		return map[string]any{"id": id, "method": "POST", "url": "/users/" + user + "/assignLicense",
			"headers": map[string]string{"Content-Type": "application/json"}, "body": remove(skuPBI)}
	}
	tests := []struct {
		fault AnswerFault
		check func(t *testing.T, sub map[string]any)
	}{
		{AnswerEmpty, func(t *testing.T, sub map[string]any) {
			if _, ok := sub["body"]; ok {
				t.Errorf("body %v, want none", sub["body"])
			}
		}},
		{AnswerNull, func(t *testing.T, sub map[string]any) {
			if b, ok := sub["body"]; !ok || b != nil {
				t.Errorf("body %v, want null", b)
			}
		}},
		{AnswerHTML, func(t *testing.T, sub map[string]any) {
			h, _ := sub["headers"].(map[string]any)
			if s, _ := sub["body"].(string); !strings.Contains(s, "<html>") || !strings.HasPrefix(h["Content-Type"].(string), "text/html") {
				t.Errorf("body %v headers %v", sub["body"], h)
			}
		}},
		{AnswerTruncated, func(t *testing.T, sub map[string]any) {
			if s, _ := sub["body"].(string); s == "" || json.Valid([]byte(s)) {
				t.Errorf("body %v, want a string of cut-short JSON", sub["body"])
			}
		}},
		{AnswerEmptyObject, func(t *testing.T, sub map[string]any) {
			if b, _ := sub["body"].(map[string]any); b == nil || len(b) != 0 {
				t.Errorf("body %v, want {}", sub["body"])
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			s := startSample(t, WithAnswerFault("POST users/*/assignLicense", tt.fault))
			r := call(t, s, "POST", "/$batch", map[string]any{"requests": []any{step("1", "bob@contoso.example"), step("2", "ghost@contoso.example")}})
			subs := responsesByID(t, r)
			for _, id := range []string{"1", "2"} {
				if subs[id]["status"] != 200.0 {
					t.Errorf("step %s: status %v, want 200", id, subs[id]["status"])
				}
				tt.check(t, subs[id])
			}
			if s.Removals("bob@contoso.example", skuPBI) != 1 {
				t.Error("the removal was not carried out")
			}
		})
	}
}

func TestAnswerFaultsOnTheBatchItself(t *testing.T) {
	body := map[string]any{"requests": []any{map[string]any{
		"id": "1", "method": "POST", "url": "/users/bob@contoso.example/assignLicense",
		"headers": map[string]string{"Content-Type": "application/json"}, "body": remove(skuPBI)}}}
	s := startSample(t, WithAnswerFault("POST $batch", AnswerBlankItems))
	r := call(t, s, "POST", "/$batch", body)
	if sub := responsesByID(t, r)["1"]; len(sub) != 1 {
		t.Errorf("step %v, want only its id", sub)
	}
	s.SetAnswerFault("POST $batch", AnswerNullItems)
	r = call(t, s, "POST", "/$batch", body)
	if vs, _ := r.body["responses"].([]any); len(vs) != 1 || vs[0] != nil {
		t.Errorf("responses %v, want [null]", r.body["responses"])
	}
}

func TestSetAnswerFaultWhileServing(t *testing.T) {
	s := startSample(t)
	get := func() string { return string(rawCall(t, s, "GET", "/users/alice@contoso.example/manager", nil).body) }
	if strings.TrimSpace(get()) == "null" {
		t.Fatal("a fault before any was set")
	}
	s.SetAnswerFault("GET users/*/manager", AnswerNull)
	if get() != "null" {
		t.Fatal("SetAnswerFault did not take")
	}
	s.SetAnswerFault("GET users/*/manager", AnswerEmptyObject)
	if get() != "{}" {
		t.Fatal("a second SetAnswerFault did not replace the first")
	}
	s.SetAnswerFault("GET users/*/manager", AnswerNormal)
	if get() == "{}" {
		t.Fatal("AnswerNormal did not clear the route")
	}
	s.SetAnswerFault("GET users/*", AnswerNull)
	s.SetAnswerFault("GET subscribedSkus", AnswerNull)
	s.ClearAnswerFaults()
	if get() == "null" || string(rawCall(t, s, "GET", "/subscribedSkus", nil).body) == "null" {
		t.Fatal("ClearAnswerFaults left a fault")
	}

	// Safe for concurrent use (run with -race).
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				if i%2 == 0 {
					s.SetAnswerFault("GET users/*/manager", AnswerFaults()[j%len(AnswerFaults())])
					s.ClearAnswerFaults()
				} else if j%5 == 0 {
					resp, err := http.Get(s.URL + "/users/alice@contoso.example/manager")
					if err == nil {
						_, _ = io.CopyN(io.Discard, resp.Body, 1<<16)
						resp.Body.Close()
					}
				}
			}
		}(i)
	}
	wg.Wait()
}

func TestAnswerFaultRoutesAreChecked(t *testing.T) {
	for _, route := range []string{"", "users", "get users", "GET ", "GET users//x", "GET users?x=1"} {
		if _, err := NewServer(SampleTenant(), WithAnswerFault(route, AnswerNull)); err == nil {
			t.Errorf("route %q accepted", route)
		}
	}
	if _, err := NewServer(SampleTenant(), WithAnswerFault("GET users", AnswerFault(99))); err == nil {
		t.Error("an unknown fault accepted")
	}
	s := startSample(t)
	defer func() {
		if recover() == nil {
			t.Error("SetAnswerFault accepted a malformed route")
		}
	}()
	s.SetAnswerFault("users/*", AnswerNull)
}
