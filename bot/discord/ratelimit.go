package discord

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bwmarrin/discordgo"
)

// maxRetryWait caps one wait for Discord's retry_after; a longer one fails the call instead
// of holding the work (and its context) for minutes.
const maxRetryWait = time.Minute

// call runs one REST call with ctx and, when Discord answers 429, waits retry_after and
// tries again, a bounded number of times and never past ctx's deadline. discordgo's own
// retry (ShouldRetryOnRateLimit) is turned off for it: it retries without a bound and
// sleeps without a context. discordgo still reads the X-RateLimit-* headers of every
// answer into its buckets, so calls after a 429 wait for the bucket's reset before they go.
// See https://discord.com/developers/docs/topics/rate-limits.
func call[T any](ctx context.Context, p *Platform, what string, fn func(opts ...discordgo.RequestOption) (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		v, err := fn(discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false))
		if err == nil {
			return v, nil
		}
		p.observeError(what, err)
		var limited *discordgo.RateLimitError
		if !errors.As(err, &limited) || attempt >= p.cfg.MaxRetries {
			return v, fmt.Errorf("discord %s: %w", what, err)
		}
		wait := max(limited.RetryAfter, 10*time.Millisecond)
		if wait > maxRetryWait {
			return v, fmt.Errorf("discord %s: rate limited for %s: %w", what, wait, err)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return v, fmt.Errorf("discord %s: rate limited for %s, longer than the time left: %w", what, wait, err)
		}
		p.log.InfoContext(ctx, "discord rate limit: waiting", "call", what, "retry_after", wait, "attempt", attempt+1)
		if err := p.cfg.Sleep(ctx, wait); err != nil {
			return v, fmt.Errorf("discord %s: waiting out the rate limit: %w", what, err)
		}
	}
}

// call0 is call for REST calls that return only an error.
func call0(ctx context.Context, p *Platform, what string, fn func(opts ...discordgo.RequestOption) error) error {
	_, err := call(ctx, p, what, func(opts ...discordgo.RequestOption) (struct{}, error) {
		return struct{}{}, fn(opts...)
	})
	return err
}

// discordCode is the JSON error code of a REST error (10062 Unknown interaction, 50007
// Cannot send messages to this user…), or 0.
func discordCode(err error) int {
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Message != nil {
		return rest.Message.Code
	}
	return 0
}
