package graphtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// AnswerFault is a way the Server misbehaves in a successful answer: the request is carried
// out as usual (a removal does remove), then its answer is replaced by a 200 that a client
// cannot rely on. Graph itself should never answer like this, but a proxy, a captive portal,
// a dropped connection or a service bug can, and a client must refuse such an answer with an
// error instead of crashing or planning on it. Turn faults on per route with WithAnswerFault
// or Server.SetAnswerFault.
type AnswerFault int

const (
	// AnswerNormal is no fault: the route answers as Graph does. Setting it clears a route.
	AnswerNormal AnswerFault = iota
	// AnswerEmpty answers 200 with Content-Type application/json and no body at all.
	AnswerEmpty
	// AnswerNull answers 200 with the JSON literal null.
	AnswerNull
	// AnswerHTML answers 200 with an HTML page and Content-Type text/html, as a proxy's or
	// captive portal's sign-in page comes.
	AnswerHTML
	// AnswerTruncated answers 200 with the first half of the real answer's JSON.
	AnswerTruncated
	// AnswerHuge answers 200 with a well-formed JSON page of HugeAnswerBytes, streamed
	// without Content-Length (so only reading it tells its size), and stops writing as soon
	// as the client stops reading.
	AnswerHuge
	// AnswerEndlessPages answers 200 with the real answer's value and an @odata.nextLink to
	// a new page every time ($skiptoken counting up), so a listing never ends.
	AnswerEndlessPages
	// AnswerPagesLoop answers 200 with the real answer's value and an @odata.nextLink that
	// points back at the request itself.
	AnswerPagesLoop
	// AnswerNextLinkElsewhere answers 200 with the real answer's value and an
	// @odata.nextLink on another host (NextLinkElsewhereHost), which a client must not follow.
	AnswerNextLinkElsewhere
	// AnswerEmptyObject answers 200 with {}: a page without value, a user without id, a
	// $batch without responses.
	AnswerEmptyObject
	// AnswerBlankItems answers 200 with the real answer in which every object inside an
	// array, at any depth, keeps only its id (if it had one): users without
	// userPrincipalName, products without skuId, roles without roleTemplateId, assignment
	// states without skuId, $batch responses without status, headers or body.
	AnswerBlankItems
	// AnswerNullItems answers 200 with the real answer in which every object inside an
	// array, at any depth, is null: "value": [null, …], "responses": [null, …].
	AnswerNullItems
)

// AnswerFaults lists every fault but AnswerNormal, for table tests.
func AnswerFaults() []AnswerFault {
	return []AnswerFault{
		AnswerEmpty, AnswerNull, AnswerHTML, AnswerTruncated, AnswerHuge, AnswerEndlessPages,
		AnswerPagesLoop, AnswerNextLinkElsewhere, AnswerEmptyObject, AnswerBlankItems, AnswerNullItems,
	}
}

func (f AnswerFault) String() string {
	switch f {
	case AnswerNormal:
		return "AnswerNormal"
	case AnswerEmpty:
		return "AnswerEmpty"
	case AnswerNull:
		return "AnswerNull"
	case AnswerHTML:
		return "AnswerHTML"
	case AnswerTruncated:
		return "AnswerTruncated"
	case AnswerHuge:
		return "AnswerHuge"
	case AnswerEndlessPages:
		return "AnswerEndlessPages"
	case AnswerPagesLoop:
		return "AnswerPagesLoop"
	case AnswerNextLinkElsewhere:
		return "AnswerNextLinkElsewhere"
	case AnswerEmptyObject:
		return "AnswerEmptyObject"
	case AnswerBlankItems:
		return "AnswerBlankItems"
	case AnswerNullItems:
		return "AnswerNullItems"
	}
	return "AnswerFault(" + strconv.Itoa(int(f)) + ")"
}

// HugeAnswerBytes is the size of an AnswerHuge body: the 25 MB answer of issue 12 that took a
// client from 23 MB to 655 MB.
const HugeAnswerBytes = 25 << 20

// NextLinkElsewhereHost is the host AnswerNextLinkElsewhere's links point at: a reserved name
// that never resolves (RFC 2606 ".invalid"), so a client that follows one fails instead of
// reaching anybody.
const NextLinkElsewhereHost = "graph.elsewhere.invalid"

// answerRoute is one route a fault applies to: "GET users/*" as a method and a pattern of
// the routes table's syntax (routes.go).
type answerRoute struct {
	route   string
	method  string
	pattern string
	fault   AnswerFault
}

// parseAnswerRoute reads "METHOD pattern", e.g. "GET users/*/manager" or "POST $batch".
func parseAnswerRoute(route string) (answerRoute, error) {
	method, pattern, ok := strings.Cut(strings.TrimSpace(route), " ")
	pattern = strings.Trim(strings.TrimSpace(pattern), "/")
	if !ok || method == "" || pattern == "" || strings.ToUpper(method) != method || strings.Contains(pattern, "//") || strings.ContainsAny(pattern, " ?") {
		return answerRoute{}, fmt.Errorf("graphtest: answer fault route %q is not \"METHOD path\" like \"GET users/*\"", route)
	}
	return answerRoute{route: route, method: method, pattern: pattern}, nil
}

func (f AnswerFault) valid() bool { return f >= AnswerNormal && f <= AnswerNullItems }

// WithAnswerFault makes every request matching route answer with fault f from the start (see
// AnswerFault). route is a method and a path after the service root in the routes table's
// syntax: "*" is any one segment and "a|b" either name, e.g. "GET users" (the $filter
// search), "GET users/*", "GET users/*/manager", "GET users/*/transitiveMemberOf/*",
// "GET groups/*", "GET subscribedSkus", "GET directory/subscriptions",
// "POST users/*/assignLicense", "POST $batch". NewServer refuses a malformed route.
func WithAnswerFault(route string, f AnswerFault) Option {
	return func(c *config) { c.answerFaults = append(c.answerFaults, answerRoute{route: route, fault: f}) }
}

// SetAnswerFault turns fault f on for route (WithAnswerFault's syntax) on a running Server,
// replacing the route's earlier fault; AnswerNormal turns it off. Safe for concurrent use;
// requests already being answered are not affected. It panics on a malformed route or an
// unknown fault, as a test's mistake must not pass silently.
func (s *Server) SetAnswerFault(route string, f AnswerFault) {
	r, err := parseAnswerRoute(route)
	if err == nil && !f.valid() {
		err = fmt.Errorf("graphtest: unknown answer fault %d", int(f))
	}
	if err != nil {
		panic(err)
	}
	r.fault = f
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setAnswerFault(r)
}

// ClearAnswerFaults turns every answer fault off. Safe for concurrent use.
func (s *Server) ClearAnswerFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answerFaults = nil
}

// setAnswerFault replaces the route's entry, keeping the order in which routes were first
// set. Called with s.mu held (or before serving).
func (s *Server) setAnswerFault(r answerRoute) {
	for i, e := range s.answerFaults {
		if e.route == r.route {
			if r.fault == AnswerNormal {
				s.answerFaults = append(s.answerFaults[:i:i], s.answerFaults[i+1:]...)
			} else {
				s.answerFaults[i] = r
			}
			return
		}
	}
	if r.fault != AnswerNormal {
		s.answerFaults = append(s.answerFaults, r)
	}
}

// answerFault is the fault of the first route, in the order they were set, that matches
// the request.
func (s *Server) answerFault(req *request) AnswerFault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.answerFaults {
		if !strings.EqualFold(e.method, req.method) {
			continue
		}
		if _, ok := match(e.pattern, req.segments); ok {
			return e.fault
		}
	}
	return AnswerNormal
}

// writeFaulty writes a top-level answer replaced as fault f says.
func writeFaulty(w http.ResponseWriter, req *request, resp response, f AnswerFault) {
	h := w.Header()
	if id := resp.header.Get("request-id"); id != "" {
		h.Set("request-id", id)
	} else {
		h.Set("request-id", newGUID())
	}
	h.Set("client-request-id", req.clientRequestID)
	h.Set("Content-Type", "application/json")
	switch f {
	case AnswerHuge:
		writeHuge(w)
		return
	case AnswerHTML:
		h.Set("Content-Type", "text/html; charset=utf-8")
	}
	b, err := faultyBody(req, resp, f)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// htmlPage is what a proxy or captive portal answers instead of Graph.
const htmlPage = `<!DOCTYPE html>
<html><head><title>Sign in to continue</title></head>
<body><h1>Your session has expired</h1><p>Sign in to the network to continue.</p></body></html>
`

// faultyBody is the body fault f gives in place of resp (every fault but AnswerHuge).
func faultyBody(req *request, resp response, f AnswerFault) ([]byte, error) {
	switch f {
	case AnswerEmpty:
		return nil, nil
	case AnswerNull:
		return []byte("null"), nil
	case AnswerHTML:
		return []byte(htmlPage), nil
	case AnswerEmptyObject:
		return []byte("{}"), nil
	}
	orig, err := json.Marshal(resp.body)
	if err != nil {
		return nil, err
	}
	switch f {
	case AnswerTruncated:
		return orig[:len(orig)/2], nil
	case AnswerBlankItems, AnswerNullItems:
		var v any
		if err := json.Unmarshal(orig, &v); err != nil {
			return nil, err
		}
		return json.Marshal(blankItems(v, f == AnswerNullItems, false))
	case AnswerEndlessPages, AnswerPagesLoop, AnswerNextLinkElsewhere:
		page := map[string]any{"value": []any{}}
		var v map[string]any
		if resp.status < 300 && json.Unmarshal(orig, &v) == nil {
			if ctx, ok := v["@odata.context"]; ok {
				page["@odata.context"] = ctx
			}
			if value, ok := v["value"].([]any); ok {
				page["value"] = value
			}
		}
		page["@odata.nextLink"] = nextLink(req, f)
		return json.Marshal(page)
	}
	return orig, nil
}

// nextLink is the @odata.nextLink a paging fault writes on a page answered to req.
func nextLink(req *request, f AnswerFault) string {
	switch f {
	case AnswerPagesLoop:
		link := req.base + escapedPath(req.segments)
		if len(req.query) > 0 {
			link += "?" + req.query.Encode()
		}
		return link
	case AnswerNextLinkElsewhere:
		return "https://" + NextLinkElsewhereHost + serviceRoot + escapedPath(req.segments) + "?$skiptoken=elsewhere"
	}
	// Ever new pages: the request's own $skiptoken plus one.
	n, _ := strconv.Atoi(strings.TrimPrefix(req.query.Get("$skiptoken"), "endless-"))
	q := url.Values{"$skiptoken": {"endless-" + strconv.Itoa(n+1)}}
	return req.base + escapedPath(req.segments) + "?" + q.Encode()
}

func escapedPath(segments []string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteString("/")
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// blankItems replaces every object inside an array of v, at any depth: by null (null true) or
// by an object holding only its "id". inArray says v is an element of an array.
func blankItems(v any, null, inArray bool) any {
	switch t := v.(type) {
	case map[string]any:
		if inArray {
			if null {
				return nil
			}
			out := map[string]any{}
			if id, ok := t["id"]; ok {
				out["id"] = id
			}
			return out
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = blankItems(e, null, false)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = blankItems(e, null, true)
		}
		return out
	}
	return v
}

// writeHuge streams a well-formed page of HugeAnswerBytes, item by item from one buffer (the
// server itself stays small), and stops when a write fails: the client went away.
func writeHuge(w http.ResponseWriter) {
	item := []byte(`{"id":"00000000-0000-4000-8000-000000000000","displayName":"` + strings.Repeat("x", 960) + `"},`)
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte(`{"value":[`)); err != nil {
		return
	}
	written := 0
	for written < HugeAnswerBytes {
		n, err := w.Write(item)
		if err != nil {
			return
		}
		written += n
	}
	_, _ = w.Write([]byte(`{"id":"00000000-0000-4000-8000-000000000001"}]}`))
}

// faultyStep is a $batch sub-response replaced as fault f says: status 200 and a body a
// client cannot use. AnswerHuge and the paging faults leave a step as it was (turn them on
// for "POST $batch" to spoil the whole batch answer).
func faultyStep(req *request, resp response, f AnswerFault) (response, bool) {
	out := response{status: http.StatusOK, header: http.Header{}}
	if id := resp.header.Get("request-id"); id != "" {
		out.header.Set("request-id", id)
	}
	switch f {
	case AnswerEmpty:
		out.body = nil
	case AnswerHTML:
		out.header.Set("Content-Type", "text/html; charset=utf-8")
		out.body = htmlPage
	case AnswerNull, AnswerEmptyObject, AnswerBlankItems, AnswerNullItems, AnswerTruncated:
		b, err := faultyBody(req, resp, f)
		if err != nil {
			return resp, false
		}
		if f == AnswerTruncated {
			out.body = string(b) // cut-short JSON can only travel inside JSON as a string
		} else {
			out.body = json.RawMessage(b)
		}
	default:
		return resp, false
	}
	return out, true
}
