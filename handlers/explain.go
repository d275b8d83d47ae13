package handlers

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// Refusal is an answer of "no" that is already a sentence for the admin: why, and what to do.
type Refusal struct {
	Text    string
	Details []string
}

func (r *Refusal) Error() string { return r.Text }

func refuse(text string, details ...string) error { return &Refusal{Text: text, Details: details} }

// errStore marks a failure of the request store, so that the admin is told the store (and
// not Graph) is down.
type errStore struct{ err error }

func (e errStore) Error() string { return "request store: " + e.err.Error() }
func (e errStore) Unwrap() error { return e.err }

// explain is the one place where an error becomes words for the admin. Below it, errors are
// values with context; here they lose their stack of wrapping and keep their meaning.
func (s *Service) explain(ctx context.Context, err error) bot.Message {
	l := langIn(ctx)
	var (
		refusal   *Refusal
		parse     *ParseError
		throttled *licensing.ThrottledError
		store     errStore
	)
	switch {
	case errors.As(err, &refusal):
		m := bot.Message{Text: refusal.Text}
		if len(refusal.Details) > 0 {
			m.Sections = []bot.Section{{Text: strings.Join(refusal.Details, "\n")}}
		}
		return m
	case errors.As(err, &parse):
		return bot.Message{
			Text:     l.T("I didn't understand that: %s. Nothing was changed.", parse.in(l)),
			Sections: []bot.Section{{Title: l.T("Usage"), Text: l.T(Usage)}},
		}
	case errors.As(err, &store):
		s.Logger.ErrorContext(ctx, "request store failed", "err", err)
		return bot.Message{Text: l.T("licensebot's request store is temporarily unavailable, so nothing was changed. Try again in a minute; if it persists, tell whoever runs licensebot.")}
	case errors.As(err, &throttled):
		return bot.Message{Text: l.T("Microsoft Graph is throttling licensebot; nothing was changed. Try again in %s.", l.duration(max(throttled.RetryAfter, time.Second)))}
	case errors.Is(err, licensing.ErrUnusableAnswer):
		s.Logger.WarnContext(ctx, "unusable answer from Graph", "err", err)
		return bot.Message{Text: l.T("Microsoft Graph gave licensebot an answer it can't use (empty, cut short or too large), so I can't check this safely; nothing was changed. Try again in a few minutes; if it goes on, whoever runs licensebot can find the details in its log.")}
	case errors.Is(err, licensing.ErrForbidden):
		s.Logger.ErrorContext(ctx, "Graph refused for want of a permission", "err", err)
		return bot.Message{Text: l.T("Microsoft Graph refused licensebot's app: it lacks a permission this needs, so nothing was changed. Whoever runs licensebot can see which with licensebot doctor.")}
	case errors.Is(err, licensing.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		s.Logger.WarnContext(ctx, "directory unavailable", "err", err)
		return bot.Message{Text: l.T("Microsoft Graph isn't answering right now, so I can't check this safely; nothing was changed. Try again in a few minutes.")}
	}
	s.Logger.ErrorContext(ctx, "unexpected error", "err", err)
	return bot.Message{Text: l.T("Something went wrong on licensebot's side and nothing was changed. Whoever runs licensebot can find the details in its log.")}
}
