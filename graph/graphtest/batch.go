package graphtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// maxBatchRequests is Graph's limit: "JSON batch requests are currently limited to 20
// individual requests" (Combine multiple HTTP requests using JSON batching).
const maxBatchRequests = 20

type batchRequest struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

type batchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    any               `json:"body,omitempty"`
}

// batch answers POST /$batch: each sub-request is run as if sent alone (faults included, so
// one can be throttled with its own Retry-After while the others succeed); a request whose
// dependency failed gets 424. Responses come in reverse order, as Graph may answer "in a
// different order than the requests": clients must match them by id.
func (s *Server) batch(req *request) response {
	var payload struct {
		Requests []batchRequest `json:"requests"`
	}
	if err := json.Unmarshal(req.body, &payload); err != nil || payload.Requests == nil {
		return s.errorResponse(req, http.StatusBadRequest, "BadRequest", "Invalid batch payload format.")
	}
	if n := len(payload.Requests); n > maxBatchRequests {
		// Graph refuses the whole batch; the exact wording is not documented.
		return s.errorResponse(req, http.StatusBadRequest, "BadRequest",
			fmt.Sprintf("Invalid batch payload format. The batch has %d requests; the limit is %d.", n, maxBatchRequests))
	}
	seen := map[string]bool{}
	for _, br := range payload.Requests {
		id := strings.ToLower(br.ID)
		switch {
		case br.ID == "" || br.Method == "" || br.URL == "":
			return s.errorResponse(req, http.StatusBadRequest, "BadRequest", "Invalid batch payload format. Each request needs an id, a method and a url.")
		case seen[id]:
			// Ids are "not case-sensitive" and "must be unique in the batch".
			return s.errorResponse(req, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Batch request id '%s' is duplicated.", br.ID))
		case len(br.Body) > 0 && string(br.Body) != "null" && headerValue(br.Headers, "Content-Type") == "":
			return s.errorResponse(req, http.StatusBadRequest, "BadRequest",
				fmt.Sprintf("Write request id : %s does not contain Content-Type header or body.", br.ID))
		}
		for _, dep := range br.DependsOn {
			if !seen[strings.ToLower(dep)] {
				return s.errorResponse(req, http.StatusBadRequest, "BadRequest",
					fmt.Sprintf("Request id '%s' depends on '%s', which is not an earlier request of the batch.", br.ID, dep))
			}
		}
		seen[id] = true
	}

	status := map[string]int{}
	var out []batchResponse
	for _, br := range payload.Requests {
		var resp response
		sub, err := s.subRequest(req, br)
		failedDep := slices.ContainsFunc(br.DependsOn, func(dep string) bool { return status[strings.ToLower(dep)] >= 400 })
		switch {
		case err != nil:
			resp = s.errorResponse(req, http.StatusBadRequest, "BadRequest", err.Error())
		case failedDep:
			s.record(sub)
			resp = s.errorResponse(sub, http.StatusFailedDependency, "FailedDependency", "A request this request depends on failed.")
		default:
			s.record(sub)
			resp = s.serve(sub)
			if f := s.answerFault(sub); f != AnswerNormal {
				resp, _ = faultyStep(sub, resp, f)
			}
		}
		status[strings.ToLower(br.ID)] = resp.status
		headers := map[string]string{"Content-Type": "application/json", "Cache-Control": "no-cache"}
		for k := range resp.header {
			headers[http.CanonicalHeaderKey(k)] = resp.header.Get(k)
		}
		out = append(out, batchResponse{ID: br.ID, Status: resp.status, Headers: headers, Body: resp.body})
	}
	slices.Reverse(out)
	return ok(map[string]any{"responses": out})
}

// subRequest turns a batch entry into a request. Its url is relative to the service root
// ("/users/…" or "users/…"); an absolute Graph URL is accepted too.
func (s *Server) subRequest(outer *request, br batchRequest) (*request, error) {
	u, err := url.Parse(br.URL)
	if err != nil {
		return nil, fmt.Errorf("Request id '%s' has an invalid url.", br.ID)
	}
	p := u.EscapedPath()
	if u.IsAbs() {
		p = strings.TrimPrefix(p, serviceRoot)
	}
	p = strings.TrimPrefix(p, serviceRoot+"/")
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	u.RawPath, u.Path = "", ""
	if err := setEscapedPath(u, serviceRoot+p); err != nil {
		return nil, fmt.Errorf("Request id '%s' has an invalid url.", br.ID)
	}
	path, segments, ok := splitPath(u)
	if !ok {
		return nil, fmt.Errorf("Request id '%s' has an invalid url.", br.ID)
	}
	header := http.Header{}
	for k, v := range br.Headers {
		header.Set(k, v)
	}
	body := []byte(br.Body)
	if string(body) == "null" {
		body = nil
	}
	var encoded string
	if len(body) > 0 && json.Unmarshal(body, &encoded) == nil {
		// A body may be given as a base64 string (for binary content).
		if body, err = base64.StdEncoding.DecodeString(encoded); err != nil {
			return nil, fmt.Errorf("Request id '%s' has a string body that is not base64.", br.ID)
		}
	}
	return &request{
		method:          strings.ToUpper(br.Method),
		path:            path,
		segments:        segments,
		query:           u.Query(),
		header:          header,
		body:            body,
		base:            outer.base,
		clientRequestID: outer.clientRequestID,
	}, nil
}

func setEscapedPath(u *url.URL, escaped string) error {
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return err
	}
	u.Path, u.RawPath = p, escaped
	return nil
}

func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
