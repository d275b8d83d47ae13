package graph

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/licensebot/licensebot/licensing"
)

// ErrBadUserQuery: the text is not a user principal name, a mail address or an object id, so
// it was refused before asking Graph.
var ErrBadUserQuery = errors.New("not a user principal name, mail address or object id")

// The reasons Graph refuses to add a license (RestoreLicenses), carried as the Reason of the
// *licensing.GraphError like licensing's other reasons, so errors.Is works with either name.
// Both come as 400 Request_BadRequest from assignLicense; the texts are listed in
// testdata/README.md.
var (
	// ErrNoSeats: every seat of the product is taken ("Subscription with SKU {skuId} does not
	// have any available licenses."): free one or buy more before restoring.
	ErrNoSeats = licensing.ErrNoSeats
	// ErrUsageLocation: the user has no usage location, which Graph needs before it assigns any
	// license ("License assignment cannot be done for user with invalid usage location.").
	ErrUsageLocation = licensing.ErrUsageLocation
)

// defaultRetryAfter is the wait suggested when Graph throttles without a Retry-After header;
// Microsoft's guidance is then to back off exponentially, which the job engine does from here.
const defaultRetryAfter = 10 * time.Second

// operation says what a 404 means and which 400s name a domain reason.
type operation int

const (
	opUserLookup    operation = iota // 404: the user does not exist
	opManagerLookup                  // 404: the user has no manager
	opLicenseChange                  // 404: no such user; 400s: inherited, not assigned, unknown SKU, no seat, no usage location
	opOther
)

// mapError turns what the SDK returned for the request x recorded into a
// *licensing.GraphError carrying Graph's status, code, message and request-id around the
// domain reason (see graphError). A cancelled context is returned as it is: the caller gave
// up, Graph did not fail. An answer refused by answerGuard, or one that arrived whole but that
// the SDK could not parse, is an *AnswerError (ErrUnusableAnswer); an error answer whose body
// could not be parsed is still mapped by its status and headers.
func (c *Client) mapError(x *exchange, err error, op operation) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	var (
		status                   int
		code, message, requestID string
		headers                  *abs.ResponseHeaders
		odataErr                 *odataerrors.ODataError
		apiErr                   *abs.ApiError
		answerErr                *AnswerError
	)
	switch {
	case errors.As(err, &answerErr) && answerErr.Status >= 400:
		// An error answer too large to read: its status and headers still say what happened
		// (a 429's Retry-After, a 503).
		_, _, header, _ := x.answered()
		return c.graphError(op, answerErr.Status, "", answerErr.Problem, answerErr.RequestID, responseHeaders(header))
	case errors.As(err, &answerErr):
		return answerErr.asGraphError()
	case errors.As(err, &odataErr):
		status, headers = odataErr.GetStatusCode(), odataErr.GetResponseHeaders()
		if main := odataErr.GetErrorEscaped(); main != nil {
			code, message = deref(main.GetCode()), deref(main.GetMessage())
			if inner := main.GetInnerError(); inner != nil {
				requestID = deref(inner.GetRequestId())
			}
		}
	case errors.As(err, &apiErr):
		status, headers, message = apiErr.GetStatusCode(), apiErr.GetResponseHeaders(), apiErr.Message
	default:
		opName, answered, header, bodyRead := x.answered()
		switch {
		case errors.Is(err, context.DeadlineExceeded) || answered == 0 || (answered < 300 && !bodyRead):
			// No HTTP answer, or none read whole: connection refused, TLS, DNS, our own
			// deadline. Nothing changed.
			return &licensing.GraphError{Reason: licensing.ErrUnavailable, Message: err.Error()}
		case answered < 300:
			// A JSON object arrived whole (answerGuard checked it) and the SDK could not
			// read it as the resource asked for: a field of the wrong type, say.
			return x.unusable(nil, "the SDK could not read it: %v", err)
		}
		// An error answer whose body is not Graph's error JSON (a proxy's HTML page):
		// its status and headers still say what happened.
		status, message = answered, fmt.Sprintf("%s answered %d with a body that is not Graph's error JSON (%v)", opName, answered, err)
		headers = responseHeaders(header)
	}
	return c.graphError(op, status, code, message, requestID, headers)
}

// graphError is the one mapping from what Graph answered (status, code, message, headers) to
// a *licensing.GraphError, shared by single calls (mapError) and the steps of a $batch
// (batch.go), whose answers are the same but arrive as JSON inside the batch's body. Status
// and code decide first; the English message only tells apart the 400s assignLicense answers
// with the same code (Request_BadRequest), matched loosely and case-insensitively. requestID
// is the error body's innerError request-id if there was one; otherwise the request-id header.
func (c *Client) graphError(op operation, status int, code, message, requestID string, headers *abs.ResponseHeaders) *licensing.GraphError {
	if requestID == "" && headers != nil {
		requestID = first(headers.Get("request-id"))
	}
	return &licensing.GraphError{
		Reason:    c.reason(status, code, message, headers, op),
		Status:    status,
		Code:      code,
		Message:   message,
		RequestID: requestID,
	}
}

func (c *Client) reason(status int, code, message string, headers *abs.ResponseHeaders, op operation) error {
	switch {
	case status == http.StatusTooManyRequests:
		return &licensing.ThrottledError{RetryAfter: c.retryAfter(headers)}
	case status >= 500 || status == http.StatusRequestTimeout:
		return licensing.ErrUnavailable
	case status == http.StatusForbidden:
		// Authorization_RequestDenied: a permission the app lacks, whatever the call.
		return licensing.ErrForbidden
	case status == http.StatusNotFound || code == "Request_ResourceNotFound":
		switch op {
		case opUserLookup, opLicenseChange:
			return licensing.ErrUserNotFound
		case opManagerLookup:
			return licensing.ErrNoManager
		}
	case status == http.StatusBadRequest && op == opLicenseChange:
		m := strings.ToLower(message)
		switch {
		case strings.Contains(m, "inherited from a group"):
			return licensing.ErrInherited
		case strings.Contains(m, "does not have a corresponding license"):
			return licensing.ErrNotAssigned
		case strings.Contains(m, "does not correspond to a valid company license"):
			return licensing.ErrUnknownSKU
		case strings.Contains(m, "does not have any available licenses"):
			return ErrNoSeats
		case strings.Contains(m, "invalid usage location"):
			return ErrUsageLocation
		}
	}
	return nil
}

// retryAfter reads Retry-After: seconds (Microsoft's current throttling sample says 10; an
// earlier one showed a fractional "2.128") or an HTTP date.
func (c *Client) retryAfter(headers *abs.ResponseHeaders) time.Duration {
	if headers == nil {
		return defaultRetryAfter
	}
	v := strings.TrimSpace(first(headers.Get("Retry-After")))
	if v == "" {
		return defaultRetryAfter
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 && !math.IsInf(secs, 0) && secs < 86400 {
		return time.Duration(math.Ceil(secs * float64(time.Second)))
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(c.now()), 0)
	}
	return defaultRetryAfter
}

// responseHeaders turns an HTTP answer's headers into the SDK's, for graphError.
func responseHeaders(header http.Header) *abs.ResponseHeaders {
	h := abs.NewResponseHeaders()
	for k, vs := range header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	return h
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
