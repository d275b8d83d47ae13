package slack

import (
	"context"
	"errors"
	"fmt"
	"time"

	slackapi "github.com/slack-go/slack"
)

// maxRetryWait caps one wait for Slack's Retry-After; a longer one fails the call instead
// of holding the work (and its context) for minutes.
const maxRetryWait = time.Minute

// call runs one Web API call and, when Slack answers 429 (slack-go returns
// *RateLimitedError with the Retry-After), waits that long and tries again, a bounded number
// of times and never past ctx's deadline. Slack's limits are per method and per workspace
// (https://docs.slack.dev/apis/web-api/rate-limits), so waiting is the only right answer.
func call[T any](ctx context.Context, p *Platform, method string, fn func(ctx context.Context) (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		v, err := fn(ctx)
		if err == nil {
			return v, nil
		}
		p.observeError(method, err)
		var limited *slackapi.RateLimitedError
		if !errors.As(err, &limited) || attempt >= p.cfg.MaxRetries {
			return v, fmt.Errorf("slack %s: %w", method, err)
		}
		wait := max(limited.RetryAfter, time.Second)
		if wait > maxRetryWait {
			return v, fmt.Errorf("slack %s: rate limited for %s: %w", method, wait, err)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return v, fmt.Errorf("slack %s: rate limited for %s, longer than the time left: %w", method, wait, err)
		}
		p.log.InfoContext(ctx, "slack rate limit: waiting", "method", method, "retry_after", wait, "attempt", attempt+1)
		if err := p.cfg.Sleep(ctx, wait); err != nil {
			return v, fmt.Errorf("slack %s: waiting out the rate limit: %w", method, err)
		}
	}
}

// slackError is the error code of an ok:false answer ("users_not_found"), or "".
func slackError(err error) string {
	var e slackapi.SlackErrorResponse
	if errors.As(err, &e) {
		return e.Err
	}
	return ""
}
