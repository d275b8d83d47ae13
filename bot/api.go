package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// API is a platform's Web or REST API as its adapter calls it: a call answered with 429 is
// retried after the wait the platform asks for, and every failed attempt is observed
// (Options.ObserveError) with one of the reasons below.
type API struct {
	// Platform names the API in errors, logs and observations ("slack").
	Platform string
	Log      *slog.Logger
	// MaxRetries, Sleep and Observe are Options.MaxRetries, Sleep and ObserveError.
	MaxRetries int
	Sleep      func(ctx context.Context, d time.Duration) error
	Observe    func(platform, method, reason string)
	// MinWait is the least a rate-limited call waits before it is tried again.
	MinWait time.Duration
	// Errors reads the platform's own errors.
	Errors APIErrors
}

// APIErrors reads what a platform's client library returns.
type APIErrors struct {
	// RateLimited reports a 429 that says how long to wait (slack-go's RateLimitedError,
	// discordgo's RateLimitError).
	RateLimited func(err error) (wait time.Duration, ok bool)
	// Status is the HTTP status of an answer that refused the call, 0 when there was none.
	Status func(err error) int
	// Refused reports an answer that refused the call without an HTTP status (Slack's
	// ok:false); nil: none does.
	Refused func(err error) bool
	// Ignore reports what is no failure of the platform's (nothing was sent; the end of a
	// paginated list); nil: everything is.
	Ignore func(err error) bool
}

// WaitOf is APIErrors.RateLimited for a client library whose 429 is an error of type E
// that says how long to wait (wait).
func WaitOf[E error](wait func(E) time.Duration) func(err error) (time.Duration, bool) {
	return func(err error) (time.Duration, bool) {
		var e E
		if errors.As(err, &e) {
			return wait(e), true
		}
		return 0, false
	}
}

// maxRetryWait caps one wait for a platform's Retry-After; a longer one fails the call
// instead of holding the work (and its context) for minutes.
const maxRetryWait = time.Minute

// Call runs one API call and, when the platform answers 429, waits as long as it asks and
// tries again, a bounded number of times and never past ctx's deadline. The platforms'
// limits are per method and per workspace or bucket
// (https://docs.slack.dev/apis/web-api/rate-limits,
// https://discord.com/developers/docs/topics/rate-limits), so waiting is the only right
// answer. method names the call in errors and observations, without ids.
func Call[T any](ctx context.Context, api *API, method string, fn func(ctx context.Context) (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		v, err := fn(ctx)
		if err == nil {
			return v, nil
		}
		api.observe(method, err)
		wait, limited := api.Errors.RateLimited(err)
		if !limited || attempt >= api.MaxRetries {
			return v, fmt.Errorf("%s %s: %w", api.Platform, method, err)
		}
		wait = max(wait, api.MinWait)
		if wait > maxRetryWait {
			return v, fmt.Errorf("%s %s: rate limited for %s: %w", api.Platform, method, wait, err)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return v, fmt.Errorf("%s %s: rate limited for %s, longer than the time left: %w", api.Platform, method, wait, err)
		}
		api.Log.InfoContext(ctx, api.Platform+" rate limit: waiting", "method", method, "retry_after", wait, "attempt", attempt+1)
		if err := api.Sleep(ctx, wait); err != nil {
			return v, fmt.Errorf("%s %s: waiting out the rate limit: %w", api.Platform, method, err)
		}
	}
}

// Why an API call failed, as Options.ObserveError is told: a small fixed set, so that a
// metric labelled with it has a handful of series and no ids.
const (
	ReasonRateLimited = "rate_limited" // 429, whether waited out or not
	ReasonHTTP5xx     = "http_5xx"     // the platform's servers failed
	ReasonAPIError    = "api_error"    // the platform answered and refused: ok:false, or another 4xx
	ReasonTimeout     = "timeout"      // no answer in time (ctx's deadline, the client's timeout)
	ReasonCanceled    = "canceled"     // ctx was cancelled: licensebot gave up, not the platform
	ReasonNetwork     = "network"      // no answer: connection refused, DNS, TLS, reset
	ReasonOther       = "other"        // an answer that couldn't be read, or anything else
)

// observe tells Options.ObserveError of one failed attempt of a call. It only watches.
func (api *API) observe(method string, err error) {
	if api.Observe == nil || (api.Errors.Ignore != nil && api.Errors.Ignore(err)) {
		return
	}
	api.Observe(api.Platform, method, api.Reason(err))
}

// Reason sorts an error of a call into one of the reasons above.
func (api *API) Reason(err error) string {
	var netErr net.Error
	if _, limited := api.Errors.RateLimited(err); limited {
		return ReasonRateLimited
	}
	switch {
	case errors.Is(err, context.Canceled):
		return ReasonCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return ReasonTimeout
	}
	if code := api.Errors.Status(err); code != 0 {
		switch {
		case code == http.StatusTooManyRequests:
			// A 429 without a wait (slack-go returns it as a StatusCodeError).
			return ReasonRateLimited
		case code >= 500:
			return ReasonHTTP5xx
		}
		return ReasonAPIError
	}
	switch {
	case api.Errors.Refused != nil && api.Errors.Refused(err):
		return ReasonAPIError
	case errors.As(err, &netErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return ReasonNetwork
	}
	return ReasonOther
}
