package slack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"

	slackapi "github.com/slack-go/slack"
)

// Why a Web API call or a response_url post failed, as Config.ObserveError is told: a small
// fixed set, so that a metric labelled with it has a handful of series and no ids.
const (
	reasonRateLimited = "rate_limited" // 429, whether waited out or not
	reasonHTTP5xx     = "http_5xx"     // Slack's servers failed
	reasonAPIError    = "api_error"    // Slack answered and refused: ok:false, or another 4xx
	reasonTimeout     = "timeout"      // no answer in time (ctx's deadline, the client's timeout)
	reasonCanceled    = "canceled"     // ctx was cancelled: licensebot gave up, not Slack
	reasonNetwork     = "network"      // no answer: connection refused, DNS, TLS, reset
	reasonOther       = "other"        // an answer that couldn't be read, or anything else
)

// observeError tells Config.ObserveError of one failed attempt of a call. It only watches.
func (p *Platform) observeError(method string, err error) {
	// slack-go says that users.list has no more pages with an error: not a failure. Nor is
	// a response_url not posted to (expired, used up): nothing was sent.
	if p.cfg.ObserveError == nil || (slackapi.UserPagination{}).Done(err) || errors.Is(err, errResponseURLUnusable) {
		return
	}
	p.cfg.ObserveError(method, errorReason(err))
}

// errorReason sorts an error of a call into one of the reasons above.
func errorReason(err error) string {
	var (
		limited  *slackapi.RateLimitedError
		status   slackapi.StatusCodeError
		posted   responseStatusError
		refused  slackapi.SlackErrorResponse
		declined responseRefusal
		netErr   net.Error
	)
	switch {
	case errors.As(err, &limited):
		return reasonRateLimited
	case errors.Is(err, context.Canceled):
		return reasonCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return reasonTimeout
	case errors.As(err, &status):
		return statusReason(status.Code)
	case errors.As(err, &posted):
		return statusReason(posted.code)
	case errors.As(err, &refused), errors.As(err, &declined):
		return reasonAPIError
	case errors.As(err, &netErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return reasonNetwork
	}
	return reasonOther
}

func statusReason(code int) string {
	switch {
	case code == http.StatusTooManyRequests:
		// slack-go returns a 429 without Retry-After as a StatusCodeError.
		return reasonRateLimited
	case code >= 500:
		return reasonHTTP5xx
	}
	return reasonAPIError
}

// responseStatusError is a response_url's answer other than 2xx and 429: Slack answers e.g.
// 404 "expired_url", 400 "invalid_blocks". body is Slack's error code, or empty when the
// answer was anything else (slackCode).
type responseStatusError struct {
	code int
	body []byte
}

func (e responseStatusError) Error() string {
	if len(e.body) == 0 {
		return fmt.Sprintf("status %d", e.code)
	}
	return fmt.Sprintf("status %d: %s", e.code, e.body)
}

// responseRefusal is a response_url's {"ok":false,"error":code}.
type responseRefusal string

func (e responseRefusal) Error() string { return string(e) }
