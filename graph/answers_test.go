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
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/licensing"
)

// clientCall is one Client method the bot uses, and the route whose answer a fault spoils.
type clientCall struct {
	name  string
	route string
	run   func(ctx context.Context, c *Client, srv *graphtest.Server) error
}

// batchRemovals are the users clientCalls' RemoveLicensesBatch removes a product from.
var batchRemovals = []struct{ upn, sku string }{
	{"bob@contoso.example", skuPBI},
	{"patti@contoso.example", skuEXO1},
}

func clientCalls(t *testing.T) []clientCall {
	id := func(srv *graphtest.Server, upn string) string { return userID(t, srv, upn) }
	// batch succeeds when every removal does; otherwise it returns each removal's error.
	batch := func(ctx context.Context, c *Client, srv *graphtest.Server) error {
		var removals []Removal
		for _, r := range batchRemovals {
			removals = append(removals, Removal{UserID: id(srv, r.upn), SKUIDs: []string{r.sku}})
		}
		var errs perUser
		for _, r := range c.RemoveLicensesBatch(ctx, removals) {
			errs = append(errs, r.Err)
		}
		if slices.ContainsFunc(errs, func(err error) bool { return err != nil }) {
			return errs
		}
		return nil
	}
	return []clientCall{
		{"FindUser by UPN", "GET users", func(ctx context.Context, c *Client, _ *graphtest.Server) error {
			_, err := c.FindUser(ctx, "alice@contoso.example")
			return err
		}},
		{"FindUser by id", "GET users/*", func(ctx context.Context, c *Client, srv *graphtest.Server) error {
			_, err := c.FindUser(ctx, id(srv, "alice@contoso.example"))
			return err
		}},
		{"FindUser's group read", "GET groups/*", func(ctx context.Context, c *Client, _ *graphtest.Server) error {
			_, err := c.FindUser(ctx, "alice@contoso.example") // EMS E3 inherited from a group
			return err
		}},
		{"FindPerson", "GET users", func(ctx context.Context, c *Client, _ *graphtest.Server) error {
			_, err := c.FindPerson(ctx, "adele@contoso.example")
			return err
		}},
		{"ActiveRoles", "GET users/*/transitiveMemberOf/*", func(ctx context.Context, c *Client, srv *graphtest.Server) error {
			_, err := c.ActiveRoles(ctx, id(srv, "adele@contoso.example"))
			return err
		}},
		{"Manager", "GET users/*/manager", func(ctx context.Context, c *Client, srv *graphtest.Server) error {
			_, err := c.Manager(ctx, id(srv, "alice@contoso.example"))
			return err
		}},
		{"Products", "GET subscribedSkus", func(ctx context.Context, c *Client, _ *graphtest.Server) error {
			_, err := c.Products(ctx)
			return err
		}},
		{"Subscriptions", "GET directory/subscriptions", func(ctx context.Context, c *Client, _ *graphtest.Server) error {
			_, err := c.Subscriptions(ctx)
			return err
		}},
		{"RemoveLicenses", "POST users/*/assignLicense", func(ctx context.Context, c *Client, srv *graphtest.Server) error {
			_, err := c.RemoveLicenses(ctx, id(srv, "bob@contoso.example"), []string{skuPBI})
			return err
		}},
		{"RemoveLicensesBatch", "POST $batch", batch},
		{"RemoveLicensesBatch's steps", "POST users/*/assignLicense", batch},
		{"RestoreLicenses", "POST users/*/assignLicense", func(ctx context.Context, c *Client, srv *graphtest.Server) error {
			_, err := c.RestoreLicenses(ctx, id(srv, "bob@contoso.example"), []Restore{{SKUID: skuPBI}})
			return err
		}},
		{"Ping", "GET subscribedSkus", func(ctx context.Context, c *Client, _ *graphtest.Server) error {
			return c.Ping(ctx)
		}},
	}
}

// usableDespite lists the faults a call may rightly succeed through, because it never relies
// on what the fault spoils.
func usableDespite(call string, f graphtest.AnswerFault) bool {
	paging := f == graphtest.AnswerEndlessPages || f == graphtest.AnswerPagesLoop || f == graphtest.AnswerNextLinkElsewhere
	items := f == graphtest.AnswerBlankItems || f == graphtest.AnswerNullItems
	switch call {
	case "FindUser by UPN", "FindPerson":
		// A $filter on a unique UPN or mail fits in the first page: nextLink is not followed.
		return paging
	case "FindUser's group read", "Manager", "RemoveLicenses", "RestoreLicenses":
		// A group, a manager and assignLicense's user carry no array the bot reads (the
		// user's id survives AnswerBlankItems).
		return items
	case "RemoveLicensesBatch's steps":
		// Inside a $batch these faults leave a step as it was (graphtest.AnswerFault), and
		// the user a step answers with keeps its id under AnswerBlankItems and AnswerNullItems.
		return paging || items || f == graphtest.AnswerHuge
	case "Ping":
		// Ping proves Graph answers a page; the page's products are Products' business.
		return paging || f == graphtest.AnswerBlankItems
	}
	return false
}

// TestEveryCallRefusesEveryBadAnswer runs each Client method the bot uses against every way
// graphtest can spoil a 200 (issue 12): no panic, an error that names what was wrong, within
// a bounded time, and a huge answer read only up to MaxResponseBytes.
func TestEveryCallRefusesEveryBadAnswer(t *testing.T) {
	for _, call := range clientCalls(t) {
		for _, f := range graphtest.AnswerFaults() {
			t.Run(call.name+"/"+f.String(), func(t *testing.T) {
				c, srv := newSample(t, graphtest.WithAnswerFault(call.route, f))
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				start := time.Now()
				err := runGuarded(t, call, c, srv)
				took := time.Since(start)
				runtime.ReadMemStats(&after)

				if took > 10*time.Second {
					t.Errorf("took %s", took)
				}
				if usableDespite(call.name, f) {
					if err != nil {
						t.Fatalf("%s relies on nothing %s spoils, yet: %v", call.name, f, err)
					}
					return
				}
				var want error
				switch {
				case f == graphtest.AnswerHuge:
					want = ErrResponseTooLarge
				case !slices.Contains([]string{"ActiveRoles", "Products", "Subscriptions"}, call.name):
					// Not a listing: the page a paging fault answers is not the object asked for.
				case f == graphtest.AnswerEndlessPages:
					want = ErrTooManyPages
				case f == graphtest.AnswerPagesLoop, f == graphtest.AnswerNextLinkElsewhere:
					want = ErrBadNextLink
				}
				checkUnusable(t, err, want)
				if f == graphtest.AnswerHuge {
					// Reading stops at MaxResponseBytes (8 MiB), allocating about that much:
					// everything allocated during the call, garbage included, stays well
					// under the 25 MB answer.
					if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
						t.Errorf("the call allocated %d MB for a %d MB answer", grew>>20, graphtest.HugeAnswerBytes>>20)
					}
				}
			})
		}
	}
}

// perUser is the results of a RemoveLicensesBatch, one error (or nil) per removal.
type perUser []error

func (p perUser) Error() string   { return fmt.Sprint([]error(p)) }
func (p perUser) Unwrap() []error { return p }

// runGuarded runs the call, turning a panic into a test failure.
func runGuarded(t *testing.T, call clientCall, c *Client, srv *graphtest.Server) (err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("panic: %v", p)
		}
	}()
	return call.run(context.Background(), c, srv)
}

// checkUnusable asserts err refuses a spoilt answer (for want, when not nil), says so in
// words, and carries what support needs.
func checkUnusable(t *testing.T, err error, want error) {
	t.Helper()
	if each, ok := err.(perUser); ok {
		// Every user of a spoilt $batch answer gets the error, never a success.
		for _, err := range each {
			checkUnusable(t, err, want)
		}
		return
	}
	if err == nil {
		t.Fatal("no error: the spoilt answer was used")
	}
	if !errors.Is(err, ErrUnusableAnswer) || !errors.Is(err, licensing.ErrUnavailable) {
		t.Fatalf("%v: want ErrUnusableAnswer and licensing.ErrUnavailable", err)
	}
	var ae *AnswerError
	if !errors.As(err, &ae) || ae.Problem == "" || ae.Op == "" {
		t.Fatalf("%v: no *AnswerError with a problem and an operation (%+v)", err, ae)
	}
	if ge := asGraphError(t, err); ge.RequestID == "" || ge.Status != http.StatusOK {
		t.Errorf("GraphError %+v: want status 200 and the request-id", ge)
	}
	msg := err.Error()
	for _, raw := range []string{"<html", "{\"", "@odata.context", "xxxxxxxx"} {
		if strings.Contains(msg, raw) {
			t.Errorf("the error quotes the answer (%q): %s", raw, msg)
		}
	}
	if len(msg) > 400 {
		t.Errorf("a %d-byte error: %s", len(msg), msg)
	}
	if want != nil && !errors.Is(err, want) {
		t.Errorf("%v: want %v", err, want)
	}
	t.Log(msg)
}

func TestSpoiltBatchStepsFailEachUserNeverSucceed(t *testing.T) {
	for _, f := range []graphtest.AnswerFault{graphtest.AnswerEmpty, graphtest.AnswerNull, graphtest.AnswerHTML,
		graphtest.AnswerTruncated, graphtest.AnswerEmptyObject} {
		t.Run(f.String(), func(t *testing.T) {
			c, srv := newSample(t, graphtest.WithAnswerFault("POST users/*/assignLicense", f))
			var removals []Removal
			for _, r := range batchRemovals {
				removals = append(removals, Removal{UserID: userID(t, srv, r.upn), SKUIDs: []string{r.sku}})
			}
			for _, r := range c.RemoveLicensesBatch(context.Background(), removals) {
				checkUnusable(t, r.Err, nil)
				if r.RequestID == "" {
					t.Errorf("%s: no request-id", r.UserID)
				}
			}
		})
	}
}

// TestMalformedBatchAnswers answers a $batch with steps missing, repeated or malformed: each
// such user gets an error, the well-answered ones their outcome.
func TestMalformedBatchAnswers(t *testing.T) {
	tests := []struct {
		name  string
		steps func(ids []string) []any // the answer's responses for the request's step ids
		ok    []bool                   // which removals succeed
	}{
		{"a step unanswered", func(ids []string) []any {
			return []any{step(ids[0], 200, `{"id":"u"}`)}
		}, []bool{true, false}},
		{"a step answered twice", func(ids []string) []any {
			return []any{step(ids[0], 200, `{"id":"u"}`), step(ids[1], 200, `{"id":"u"}`), step(ids[1], 400, `{}`)}
		}, []bool{true, false}},
		{"a status that is not a number", func(ids []string) []any {
			return []any{step(ids[0], 200, `{"id":"u"}`), map[string]any{"id": ids[1], "status": "OK", "body": map[string]any{"id": "u"}}}
		}, []bool{true, false}},
		{"a status out of range", func(ids []string) []any {
			return []any{step(ids[0], 0, `{"id":"u"}`), step(ids[1], 200, `{"id":"u"}`)}
		}, []bool{false, true}},
		{"a step without id, one null", func(ids []string) []any {
			return []any{map[string]any{"status": 200}, nil, step(ids[1], 200, `{"id":"u"}`)}
		}, []bool{false, true}},
		{"a body that is an array", func(ids []string) []any {
			return []any{step(ids[0], 200, `[1]`), step(ids[1], 200, `{"id":"u"}`)}
		}, []bool{false, true}},
		{"ids in another case", func(ids []string) []any {
			return []any{step(strings.ToUpper(ids[0]), 200, `{"id":"u"}`), step(ids[1], 200, `{"id":"u"}`)}
		}, []bool{true, true}},
		{"responses is not an array", func([]string) []any { return nil }, []bool{false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := batchServer(t, func(ids []string) any {
				if steps := tt.steps(ids); steps != nil {
					return map[string]any{"responses": steps}
				}
				return map[string]any{"responses": "none"}
			})
			results := c.RemoveLicensesBatch(context.Background(), []Removal{
				{UserID: "a@contoso.example", SKUIDs: []string{skuPBI}},
				{UserID: "b@contoso.example", SKUIDs: []string{skuPBI}},
			})
			for i, r := range results {
				if tt.ok[i] {
					if r.Err != nil {
						t.Errorf("%d: %v", i, r.Err)
					}
					continue
				}
				if !errors.Is(r.Err, ErrUnusableAnswer) || r.RequestID != "batch-request-id" {
					t.Errorf("%d: %v (request-id %q), want ErrUnusableAnswer with the batch's request-id", i, r.Err, r.RequestID)
				}
			}
		})
	}
}

func step(id string, status int, body string) map[string]any {
	return map[string]any{"id": id, "status": status, "headers": map[string]string{"Content-Type": "application/json"}, "body": json.RawMessage(body)}
}

// batchServer answers every $batch with answer(the request's step ids, in order).
func batchServer(t *testing.T, answer func(ids []string) any) *Client {
	t.Helper()
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
		if err := json.NewDecoder(body).Decode(&req); err != nil {
			http.Error(w, "bad batch", 400)
			return
		}
		var ids []string
		for _, s := range req.Requests {
			ids = append(ids, s.ID)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("request-id", "batch-request-id")
		_ = json.NewEncoder(w).Encode(answer(ids))
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL + "/v1.0", AccessToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAnswersTheSDKCannotRead: a JSON object with a field of the wrong type arrives whole but
// can't be read as the resource; an error answer that isn't Graph's JSON still counts by its
// status.
func TestAnswersTheSDKCannotRead(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header map[string]string
		body   string
		check  func(t *testing.T, err error)
	}{
		{"value of the wrong type", 200, nil, `{"value":"many"}`, func(t *testing.T, err error) {
			if !errors.Is(err, ErrUnusableAnswer) {
				t.Errorf("%v", err)
			}
		}},
		{"a proxy's 502 page", 502, map[string]string{"Content-Type": "text/html"}, `<html>Bad gateway</html>`, func(t *testing.T, err error) {
			if ge := asGraphError(t, err); !errors.Is(err, licensing.ErrUnavailable) || errors.Is(err, ErrUnusableAnswer) || ge.Status != 502 {
				t.Errorf("%v (%+v)", err, ge)
			}
		}},
		{"a 429 page with Retry-After", 429, map[string]string{"Content-Type": "text/html", "Retry-After": "7"}, `<html>Slow down</html>`, func(t *testing.T, err error) {
			var throttled *licensing.ThrottledError
			if !errors.As(err, &throttled) || throttled.RetryAfter != 7*time.Second {
				t.Errorf("%v", err)
			}
		}},
		{"a 429 too large to read keeps its Retry-After", 429, map[string]string{"Retry-After": "9"}, `{"error":{"code":"TooManyRequests","message":"` + strings.Repeat("x", 9<<20) + `"}}`, func(t *testing.T, err error) {
			var throttled *licensing.ThrottledError
			if !errors.As(err, &throttled) || throttled.RetryAfter != 9*time.Second || len(err.Error()) > 300 {
				t.Errorf("%.300v", err)
			}
		}},
		{"a 200 array", 200, nil, `[{"skuId":"x"}]`, func(t *testing.T, err error) {
			if !errors.Is(err, ErrUnusableAnswer) || !strings.Contains(err.Error(), "array") {
				t.Errorf("%v", err)
			}
		}},
		{"a 200 without Content-Type", 200, map[string]string{"Content-Type": ""}, `{"value":[]}`, func(t *testing.T, err error) {
			if !errors.Is(err, ErrUnusableAnswer) || !strings.Contains(err.Error(), "Content-Type") {
				t.Errorf("%v", err)
			}
		}},
		{"a vendor JSON type is JSON", 200, map[string]string{"Content-Type": "application/json; odata.metadata=minimal; charset=utf-8"}, `{"value":[]}`, func(t *testing.T, err error) {
			if err != nil {
				t.Errorf("%v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				for k, v := range tt.header {
					w.Header()[k] = []string{v}
					if v == "" {
						w.Header()[k] = nil // no Content-Type, not even a sniffed one
					}
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c, err := New(Config{BaseURL: srv.URL + "/v1.0", AccessToken: testToken})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Products(context.Background())
			tt.check(t, err)
		})
	}
}

func TestMaxPagesBoundsAListing(t *testing.T) {
	tenant := graphtest.SampleTenant()
	for i, u := range tenant.Users {
		if u.UserPrincipalName == "hal@contoso.example" {
			tenant.Users[i].Roles = []string{roleGlobalAdmin, roleLicenseAdmin}
		}
	}
	srv, err := graphtest.NewServer(tenant, graphtest.WithPageSize(1)) // hal's 3 roles on 3 pages
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hal := userID(t, srv, "hal@contoso.example")
	for _, tt := range []struct {
		maxPages int
		wantErr  bool
	}{{1, true}, {2, true}, {3, false}, {0, false}} {
		c, err := New(Config{BaseURL: srv.URL, AccessToken: testToken, MaxPages: tt.maxPages})
		if err != nil {
			t.Fatal(err)
		}
		before := srv.Calls("GET", "/users/")
		roles, err := c.ActiveRoles(context.Background(), hal)
		sent := srv.Calls("GET", "/users/") - before
		switch {
		case tt.wantErr && !errors.Is(err, ErrTooManyPages):
			t.Errorf("MaxPages %d: %v %v, want ErrTooManyPages", tt.maxPages, roles, err)
		case tt.wantErr && (sent != tt.maxPages || !strings.Contains(err.Error(), fmt.Sprintf("past %d pages (MaxPages)", tt.maxPages))):
			t.Errorf("MaxPages %d: %d pages read: %v", tt.maxPages, sent, err)
		case !tt.wantErr && (err != nil || len(roles) != 3):
			t.Errorf("MaxPages %d: %v %v", tt.maxPages, roles, err)
		}
	}
}

func TestEndlessPagesStopAtTheDefaultBound(t *testing.T) {
	c, srv := newSample(t, graphtest.WithAnswerFault("GET directory/subscriptions", graphtest.AnswerEndlessPages))
	_, err := c.Subscriptions(context.Background())
	if !errors.Is(err, ErrTooManyPages) {
		t.Fatalf("%v", err)
	}
	if n := srv.Calls("GET", "/directory/subscriptions"); n != DefaultMaxPages {
		t.Errorf("%d pages requested, want %d", n, DefaultMaxPages)
	}
}

func TestNextLinkMustStayOnTheBaseURL(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:8080/v1.0", AccessToken: "x"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		link string
		ok   bool
	}{
		{"http://127.0.0.1:8080/v1.0/directory/subscriptions?$skiptoken=2", true},
		{"http://127.0.0.1:8080/V1.0/directory/subscriptions?$skiptoken=3", false},
		{"https://127.0.0.1:8080/v1.0/directory/subscriptions?$skiptoken=4", false},
		{"http://127.0.0.1:8081/v1.0/directory/subscriptions?$skiptoken=5", false},
		{"http://graph.microsoft.com/v1.0/directory/subscriptions", false},
		{"http://127.0.0.1:8080/beta/directory/subscriptions", false},
		{"http://127.0.0.1:8080/v1.0evil/x", false},
		{"/v1.0/directory/subscriptions", false},
		{"::not a url", false},
	}
	for _, tt := range tests {
		err := c.pager().follow(nil, tt.link)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrBadNextLink)) {
			t.Errorf("%s: %v", tt.link, err)
		}
	}
	p := c.pager()
	link := "http://127.0.0.1:8080/v1.0/directory/subscriptions?$skiptoken=2"
	if err := p.follow(nil, link); err != nil {
		t.Fatal(err)
	}
	if err := p.follow(nil, link); !errors.Is(err, ErrBadNextLink) || !strings.Contains(err.Error(), "already read") {
		t.Errorf("a link followed twice: %v", err)
	}
}

// endless is a body that never ends, counting what was read of it.
type endless struct{ read int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	e.read += int64(len(p))
	return len(p), nil
}
func (e *endless) Close() error { return nil }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestAnswerGuardStopsReading shows the limiting reader at work: an endless body is read only
// up to the limit (plus one chunk), a declared length over the limit is not read at all, and
// error answers are bounded too.
func TestAnswerGuardStopsReading(t *testing.T) {
	const limit = 1 << 20
	tests := []struct {
		name     string
		status   int
		length   int64
		maxRead  int64
		sdkReads bool // the error surfaces when the SDK reads the body, not in RoundTrip
	}{
		{"endless 200", 200, -1, limit + readChunk, false},
		{"declared too long", 200, limit + 1, 0, false},
		{"endless 503", 503, -1, limit + 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &endless{}
			g := answerGuard{maxBytes: limit, next: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: tt.status, ContentLength: tt.length, Body: body,
					Header: http.Header{"Content-Type": {"application/json"}, "Request-Id": {"r1"}}, Request: r}, nil
			})}
			ctx, x := request(context.Background())
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://127.0.0.1/v1.0/subscribedSkus", nil)
			resp, err := g.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.sdkReads && body.read > tt.maxRead {
				t.Errorf("RoundTrip read %d bytes, at most %d expected", body.read, tt.maxRead)
			}
			_, err = io.ReadAll(resp.Body)
			var ae *AnswerError
			if !errors.As(err, &ae) || !errors.Is(err, ErrResponseTooLarge) || ae.RequestID != "r1" || ae.Op != "GET /subscribedSkus" ||
				!strings.Contains(ae.Problem, fmt.Sprint(limit)) || !strings.Contains(ae.Problem, "MaxResponseBytes") {
				t.Fatalf("%v (%+v)", err, ae)
			}
			if body.read > max(tt.maxRead, limit+1) {
				t.Errorf("read %d bytes of an endless body with a limit of %d", body.read, limit)
			}
			if _, status, _, _ := x.answered(); status != tt.status {
				t.Errorf("exchange saw %d", status)
			}
		})
	}
}

// TestGraphTimeoutBoundsEveryCall: a caller with a deadline of its own (a chat command's two
// minutes) still gets its answer within GRAPH_TIMEOUT when Graph hangs.
func TestGraphTimeoutBoundsEveryCall(t *testing.T) {
	srv, err := graphtest.NewServer(graphtest.SampleTenant(), graphtest.WithLatency(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, AccessToken: testToken, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, call := range clientCalls(t) {
		if slices.Contains([]string{"FindUser's group read", "RemoveLicensesBatch's steps"}, call.name) {
			continue // the same requests as another row
		}
		t.Run(call.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			start := time.Now()
			err := call.run(ctx, c, srv)
			if took := time.Since(start); !errors.Is(err, licensing.ErrUnavailable) || took > 2*time.Second {
				t.Errorf("after %s: %v, want ErrUnavailable after about 200ms", took, err)
			}
		})
	}
	t.Run("the caller's earlier deadline still wins", func(t *testing.T) {
		slow, err := New(Config{BaseURL: srv.URL, AccessToken: testToken, Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		if err := slow.Ping(ctx); !errors.Is(err, licensing.ErrUnavailable) || time.Since(start) > 2*time.Second {
			t.Errorf("after %s: %v", time.Since(start), err)
		}
	})
}
