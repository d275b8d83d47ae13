package discord

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
)

// call runs one REST call through bot.Call: with ctx, and with discordgo's own retry
// (ShouldRetryOnRateLimit) turned off, since it retries without a bound and sleeps without
// a context; bot.Call waits out 429s instead. discordgo still reads the X-RateLimit-*
// headers of every answer into its buckets, so calls after a 429 wait for the bucket's
// reset before they go. See https://discord.com/developers/docs/topics/rate-limits.
func call[T any](ctx context.Context, p *Platform, what string, fn func(opts ...discordgo.RequestOption) (T, error)) (T, error) {
	return bot.Call(ctx, p.calls, what, func(ctx context.Context) (T, error) {
		return fn(discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false))
	})
}

// call0 is call for REST calls that return only an error.
func call0(ctx context.Context, p *Platform, what string, fn func(opts ...discordgo.RequestOption) error) error {
	_, err := call(ctx, p, what, func(opts ...discordgo.RequestOption) (struct{}, error) {
		return struct{}{}, fn(opts...)
	})
	return err
}

// apiErrors reads discordgo's errors for bot.API: a 429 with its retry_after
// (RateLimitError), and the HTTP status of a RESTError; Discord refuses with a status
// only. An interaction token past its 15 minutes was not used: no failure of Discord's.
func apiErrors() bot.APIErrors {
	return bot.APIErrors{
		RateLimited: bot.WaitOf(func(e *discordgo.RateLimitError) time.Duration { return e.RetryAfter }),
		Status: func(err error) int {
			var rest *discordgo.RESTError
			switch {
			case errors.As(err, &rest) && rest.Response != nil:
				return rest.Response.StatusCode
			case strings.Contains(err.Error(), "Exceeded Max retries HTTP"):
				// discordgo retries a 502 itself and then returns this untyped error
				// (restapi.go, RequestWithLockedBucket).
				return http.StatusBadGateway
			}
			return 0
		},
		Ignore: func(err error) bool { return errors.Is(err, errTokenExpired) },
	}
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
