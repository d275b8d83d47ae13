package handlers

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

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
		text, details := refusalWords(l, refusal.reason)
		m := bot.Message{Text: text}
		if len(details) > 0 {
			m.Sections = []bot.Section{{Text: strings.Join(details, "\n")}}
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

// refusalWords says why a use case refused, in l: a sentence (why, and what to do), and lines
// to show under it.
func refusalWords(l lang, why refusalReason) (string, []string) {
	switch r := why.(type) {
	// Who is asking.
	case noChatEmail:
		return l.T("Your chat account has no e-mail address, so I can't tell which Microsoft Entra user you are. Ask whoever runs licensebot to map your account."), nil
	case unusableChatEmail:
		return l.T("Your chat account's e-mail address %q isn't one I can look up in Microsoft Entra.", r.email), nil
	case noEntraUser:
		return l.T("No Microsoft Entra user has the address %s, so I can't check your roles. Your chat e-mail must match your work account.", r.email), nil
	case notAnAdmin:
		return l.T("You (%s) can't unassign licenses: that needs one of these Microsoft Entra roles: %s. Ask a Global Administrator to assign you one (an eligible PIM role must be activated first).",
			r.upn, joinOr(l, r.roles)), nil

	// Where from.
	case foreignWorkspace:
		return l.T("licensebot doesn't take requests from this workspace, so nothing was changed. Whoever runs licensebot can add it to LICENSEBOT_WORKSPACES."), nil
	case otherWorkspace:
		return l.T("Request %s was made in another workspace; it can only be acted on there.", r.id), nil

	// Buttons.
	case unknownButton:
		return l.T("That button is not one of licensebot's."), nil
	case unknownButtonValue:
		return l.T("That button doesn't belong to a request I know; nothing was changed."), nil
	case choiceNotInRequest:
		return l.T("That choice doesn't belong to this request."), nil

	// Requests and who may act on them.
	case noSuchRequest:
		return l.T("There is no request %s: it never existed or its record has been deleted (finished requests are kept for %d days).", r.id, r.keptDays), nil
	case notTheRequester:
		return l.T("Only %s, who made this request, can confirm or cancel it.", r.name), nil
	case mayNotSee:
		return l.T("Only the requester, the approvers and licensing administrators can see this request."), nil
	case mayNotRetry:
		return l.T("Only the requester or an approver of this request can retry it."), nil
	case nothingToRetry:
		return l.T("What failed here can't be retried: there is no record of how it was assigned."), nil

	// Approval.
	case ownRequest:
		return l.T("You can't approve or deny your own request: another approver has to."), nil
	case alreadyApproved:
		return l.T("You have already approved this request; it waits for the other managers."), nil
	case notAManager:
		return l.T("Only the managers of the users in this request can approve or deny it."), nil
	case notAnApprover:
		return l.T("You (%s) are not one of licensebot's approvers, so you can't approve or deny requests. Whoever runs licensebot sets the approvers.", r.upn), nil
	case noManager:
		return l.T("%s has no manager in Microsoft Entra, and licensebot is set to ask each user's manager for approval. Set their manager in Entra first, or leave them out of this request.", r.upn), nil
	case managerOfTarget:
		return l.T("You are %s's manager, and nobody approves their own request. Ask another administrator to make this request, so that you can approve it.", r.upn), nil

	// What is asked for.
	case ambiguousProduct:
		return l.T("%q could mean more than one product; nothing was changed. Say which, by its full name or part number:", r.typed), r.candidates
	case productNotInTenant:
		return l.T("Your organisation has no %s (%s) subscription, so nobody has that license; nothing was changed.", r.name, r.partNumber), nil
	case unknownProduct:
		return l.T("I don't know a product called %q; nothing was changed. Use the product's name as in the admin center (e.g. \"Office 365 E3\"), its part number (ENTERPRISEPACK) or its SKU id. /unassign show <user> lists a user's licenses.", r.typed), nil
	case noSuchUser:
		return l.T("No user has the UPN, mail or id %s.", r.query), nil
	case overLimit:
		return overLimitWords(l, r), nil

	// Undo.
	case undoUnavailable:
		return l.T("Undo is not available here: licensebot was started without a way to assign licenses."), nil
	case undoGone:
		return l.T("There is no request %s any more. Requests are kept for %d days; past 30 days after a removal the user's mailbox data is gone anyway, so a license given back would come with an empty mailbox.", r.id, r.keptDays), nil
	case undoOfUndo:
		return l.T("Request %s is itself an undo; to remove those licenses again, use /unassign.", r.id), nil
	case undoUnfinished:
		return l.T("Request %s hasn't finished yet; undo it once it has (/unassign status %s).", r.id, r.id), nil
	case alreadyUndone:
		return l.T("Request %s is already being undone by request %s: /unassign status %s shows how far it got.", r.id, r.by, r.by), nil
	case undoneMeanwhile:
		return l.T("Request %s is already being undone by request %s.", r.id, r.by), nil
	case nothingRemoved:
		return l.T("Request %s removed nothing, so there is nothing to give back.", r.id), nil
	case undoTooLate:
		return l.T("Request %s removed the licenses on %s, more than %d days ago: the mailbox data is gone and can't be recovered, so giving the licenses back would not bring it back. Assign them again with the admin center if the users still need them.",
			r.id, l.date(r.removedOn, r.loc), r.windowDays), nil
	case noSnapshots:
		return l.T("There is no record of how the licenses of request %s were assigned (the snapshots have expired), so they can't be put back exactly. Assign them again with the admin center.", r.id), nil
	}
	// A reason without words is a bug (refusals_test.go says each); the admin still learns
	// that nothing was changed.
	return l.T("Something went wrong on licensebot's side and nothing was changed. Whoever runs licensebot can find the details in its log."), nil
}

// overLimitWords says which limit was reached, and when to try again.
func overLimitWords(l lang, r overLimit) string {
	window, wait := l.duration(r.window), l.duration(r.wait)
	switch {
	case r.dryRun && r.workspace:
		return l.T("licensebot has taken %d dry runs from this workspace in the last %s, its limit; nothing was read. Try again in %s.", r.limit, window, wait)
	case r.dryRun:
		return l.T("You have made %d dry runs in the last %s, as many as licensebot takes from one person; nothing was read. Try again in %s.", r.limit, window, wait)
	case r.workspace:
		return l.T("licensebot has taken %d requests from this workspace in the last %s, its limit; nothing was changed. Try again in %s.", r.limit, window, wait)
	}
	return l.T("You have made %d requests in the last %s, as many as licensebot takes from one person; nothing was changed. Try again in %s, or put several users in one request.", r.limit, window, wait)
}
