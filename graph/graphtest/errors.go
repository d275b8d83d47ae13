package graphtest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// graphErrorBody is Graph's error envelope as documented in "Microsoft Graph error responses
// and resource types" and seen in real responses:
// {"error":{"code":"…","message":"…","innerError":{"date":"…","request-id":"…","client-request-id":"…"}}}.
type graphErrorBody struct {
	Error graphError `json:"error"`
}

type graphError struct {
	Code       string     `json:"code"`
	Message    string     `json:"message"`
	InnerError innerError `json:"innerError"`
}

type innerError struct {
	Date            string `json:"date"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id"`
}

// errorResponse builds a Graph error. The request-id in the body is the one the response
// header carries (writeResponse reads it back).
func (s *Server) errorResponse(req *request, status int, code, message string) response {
	h := http.Header{}
	id := newGUID()
	h.Set("request-id", id)
	return response{status: status, header: h, body: graphErrorBody{Error: graphError{
		Code:    code,
		Message: message,
		InnerError: innerError{
			Date:            s.cfg.now().UTC().Format("2006-01-02T15:04:05"),
			RequestID:       id,
			ClientRequestID: req.clientRequestID,
		},
	}}}
}

func (s *Server) methodNotAllowed(req *request) response {
	// The text Graph answers with, as shown in the JSON batching article's sample.
	return s.errorResponse(req, http.StatusMethodNotAllowed, "Request_BadRequest",
		"Specified HTTP method is not allowed for the request target.")
}

func (s *Server) notFound(req *request, resource string) response {
	// Directory objects that don't exist: 404 Request_ResourceNotFound with this text.
	return s.errorResponse(req, http.StatusNotFound, "Request_ResourceNotFound",
		fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", resource))
}

// insufficientPrivileges is the 403 Graph answers when the token lacks a permission the
// request needs, as in "Microsoft Graph error responses and resource types"
// (https://learn.microsoft.com/graph/errors: 403 Forbidden, "Access is denied to the requested
// resource") with the directory's own code and text.
func (s *Server) insufficientPrivileges(req *request) response {
	return s.errorResponse(req, http.StatusForbidden, "Authorization_RequestDenied",
		"Insufficient privileges to complete the operation.")
}

func (s *Server) badRequest(req *request, message string) response {
	return s.errorResponse(req, http.StatusBadRequest, "Request_BadRequest", message)
}

// tooManyRequests is Graph's 429, body as in "Microsoft Graph throttling guidance".
func (s *Server) tooManyRequests(req *request, retryAfter time.Duration) response {
	r := s.errorResponse(req, http.StatusTooManyRequests, "TooManyRequests", "Please retry again later.")
	r.header.Set("Retry-After", strconv.Itoa(retrySeconds(retryAfter)))
	return r
}

func retrySeconds(d time.Duration) int {
	secs := int((d + time.Second - 1) / time.Second)
	return max(secs, 1)
}

func ok(body any) response { return response{status: http.StatusOK, header: http.Header{}, body: body} }

// writeResponse writes a top-level response: every one carries request-id and
// client-request-id and is application/json (the SDK refuses a body without that type).
func writeResponse(w http.ResponseWriter, req *request, resp response) {
	h := w.Header()
	for k, vs := range resp.header {
		h[k] = vs
	}
	if h.Get("request-id") == "" {
		h.Set("request-id", newGUID())
	}
	h.Set("client-request-id", req.clientRequestID)
	if raw, ok := resp.body.(rawBody); ok {
		// A report download: CSV, as Graph serves usage reports.
		h.Set("Content-Type", raw.contentType)
		w.WriteHeader(resp.status)
		_, _ = w.Write(raw.data)
		return
	}
	if resp.status == http.StatusFound || resp.status == http.StatusNoContent {
		w.WriteHeader(resp.status)
		return
	}
	h.Set("Content-Type", "application/json")
	b, err := json.Marshal(resp.body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(b)
}

// newGUID returns a random version 4 GUID, Graph's format for request ids.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// rawBody is a response body written as it is, with its own Content-Type.
type rawBody struct {
	contentType string
	data        []byte
}
