package slack

import (
	"errors"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/licensebot/licensebot/bot"
)

// apiErrors reads slack-go's errors and the response_url's for bot.API: a 429 with its
// Retry-After (RateLimitedError; slack-go returns one without it as a StatusCodeError), an
// HTTP status, ok:false (SlackErrorResponse, or a response_url's {"ok":false}), and what
// is no failure of Slack's: users.list saying it has no more pages, and a response_url not
// posted to (expired, used up: nothing was sent).
func apiErrors() bot.APIErrors {
	return bot.APIErrors{
		RateLimited: bot.WaitOf(func(e *slackapi.RateLimitedError) time.Duration { return e.RetryAfter }),
		Status: func(err error) int {
			var (
				status slackapi.StatusCodeError
				posted responseStatusError
			)
			switch {
			case errors.As(err, &status):
				return status.Code
			case errors.As(err, &posted):
				return posted.code
			}
			return 0
		},
		Refused: func(err error) bool {
			var (
				refused  slackapi.SlackErrorResponse
				declined responseRefusal
			)
			return errors.As(err, &refused) || errors.As(err, &declined)
		},
		Ignore: func(err error) bool {
			return (slackapi.UserPagination{}).Done(err) || errors.Is(err, errResponseURLUnusable)
		},
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
