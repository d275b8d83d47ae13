package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
	"github.com/licensebot/licensebot/locale"
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
		step      *signInStep
	)
	switch {
	case errors.As(err, &step):
		text, _ := refusalWords(l, step.why)
		m := step.step
		m.Text = text + "\n\n" + m.Text
		return m
	case errors.As(err, &refusal):
		text, details := refusalWords(l, refusal.reason)
		m := bot.Message{Text: text}
		if len(details) > 0 {
			m.Sections = []bot.Section{{Text: strings.Join(details, "\n")}}
		}
		return m
	case errors.As(err, &parse):
		return bot.Message{
			Text:     l.T("error.parse", "Problem", parse.in(l)),
			Sections: []bot.Section{{Title: l.T("help.title.usage"), Text: l.T("help.usage")}},
		}
	case errors.As(err, &store):
		s.Logger.ErrorContext(ctx, "request store failed", "err", err)
		return bot.Message{Text: l.T("error.store")}
	case errors.As(err, &throttled):
		return bot.Message{Text: l.T("error.throttled", "Wait", l.Duration(max(throttled.RetryAfter, time.Second)))}
	case errors.Is(err, licensing.ErrUnusableAnswer):
		s.Logger.WarnContext(ctx, "unusable answer from Graph", "err", err)
		return bot.Message{Text: l.T("error.unusable_answer")}
	case errors.Is(err, licensing.ErrForbidden):
		s.Logger.ErrorContext(ctx, "Graph refused for want of a permission", "err", err)
		return bot.Message{Text: l.T("error.forbidden")}
	case errors.Is(err, licensing.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		s.Logger.WarnContext(ctx, "directory unavailable", "err", err)
		return bot.Message{Text: l.T("error.unavailable")}
	}
	s.Logger.ErrorContext(ctx, "unexpected error", "err", err)
	return bot.Message{Text: l.T("error.unexpected")}
}

// refusalWords says why a use case refused, in l: a sentence (why, and what to do), and lines
// to show under it.
func refusalWords(l locale.Lang, why refusalReason) (string, []string) {
	switch r := why.(type) {
	// Who is asking.
	case noChatEmail:
		return l.T("refusal.no_chat_email"), nil
	case unusableChatEmail:
		return l.T("refusal.unusable_chat_email", "Email", strconv.Quote(r.email)), nil
	case noVouchedUser:
		return l.T("refusal.no_vouched_user", "ID", r.id), nil
	case noEntraUser:
		return l.T("refusal.no_entra_user", "Email", r.email), nil
	case notAnAdmin:
		return l.T("refusal.not_an_admin", "UPN", r.upn, "Roles", l.Or(r.roles)), nil

	// Targets that stand for many users.
	case expansionUnavailable:
		return l.T("source.unavailable"), nil
	case noSuchGroup:
		return l.T("source.no_group", "Name", r.name), nil
	case noSignInActivity:
		return l.T("source.no_premium"), nil
	case concealedReport:
		return l.T("source.concealed_report"), nil
	case badSchedule:
		if r.unreadable {
			return l.T("schedule.unreadable", "At", strconv.Quote(r.at)), nil
		}
		return l.T("schedule.out_of_range", "At", strconv.Quote(r.at), "Latest", l.Time(r.latest, r.loc)), nil
	case mayNotUnschedule:
		return l.T("schedule.may_not_cancel"), nil
	case leaverUnavailable:
		return l.T("leaver.unavailable"), nil
	case noSuchLeaver:
		return l.T("leaver.no_user", "User", r.query), nil
	case ambiguousGroup:
		return l.T("source.ambiguous_group", "Name", r.name), nil
	case emptySource:
		return l.T("source.empty", "What", sourceName(l, r.src)), nil
	case tooManyInSource:
		return l.T("source.too_many", "What", sourceName(l, r.src), "Count", l.Number(r.src.Users), "Max", l.Number(r.max)), nil

	// Signing in.
	case notSignedIn:
		return l.T("signin.not_signed_in"), nil
	case linkBySignInOnly:
		return l.T("signin.by_signin_only"), nil
	case signInUnavailable:
		return l.T("signin.unavailable"), nil
	case signInOtherTenant:
		return l.T("signin.other_tenant"), nil
	case signInDeclined:
		return l.T("signin.declined"), nil
	case signInExpired:
		return l.T("signin.expired"), nil
	case signInFailed:
		if r.unavailable {
			return l.T("signin.unreachable"), nil
		}
		return l.T("signin.invalid"), nil
	case signInNoUser:
		return l.T("signin.no_user", "UPN", r.upn), nil
	case signInNotAccount:
		return l.T("signin.not_account", "UPN", r.upn), nil
	case signInNotYou:
		return l.T("signin.not_you", "UPN", r.upn, "Email", r.email), nil
	case signInNeeded:
		return l.T("signin.needed", "Window", l.Duration(r.window)), nil
	case signInStale:
		return l.T("signin.stale", "Window", l.Duration(r.window), "At", l.Time(r.at, r.loc)), nil
	case signInNoContext:
		return l.T("signin.no_context", "Context", r.context), nil

	// Links.
	case notLinked:
		return l.T("link.not_linked"), nil
	case linkedUserGone:
		return l.T("link.user_gone", "UPN", r.upn), nil
	case linksUnavailable:
		return l.T("link.unavailable"), nil
	case linkFixed:
		return l.T("link.fixed", "UPN", r.upn), nil
	case alreadyLinked:
		return l.T("link.already", "UPN", r.upn), nil
	case noLinkUser:
		return l.T("link.no_user", "UPN", r.upn), nil
	case ownLinkRequest:
		return l.T("link.own_request"), nil
	case ownLinkAccount:
		return l.T("link.own_account"), nil
	case notALinkDecider:
		return l.T("link.not_an_admin", "UPN", r.upn, "Roles", l.Or(r.roles)), nil
	case notALinkAdmin:
		return l.T("link.not_a_link_admin", "UPN", r.upn, "Roles", l.Or(r.roles)), nil
	case noSuchLinkedUser:
		return l.T("link.whose_not_found", "UPN", r.upn), nil
	case unlinkFixed:
		if r.own {
			return l.T("link.unlink.fixed", "UPN", r.upn), nil
		}
		return l.T("link.unlink.other_fixed", "Account", r.account, "UPN", r.upn), nil
	case notARemoval:
		return l.T("link.not_a_removal", "ID", r.id), nil

	// Where from.
	case foreignWorkspace:
		return l.T("refusal.foreign_workspace"), nil
	case otherWorkspace:
		return l.T("refusal.other_workspace", "ID", r.id), nil

	// Buttons.
	case unknownButton:
		return l.T("refusal.unknown_button"), nil
	case unknownButtonValue:
		return l.T("refusal.unknown_button_value"), nil
	case choiceNotInRequest:
		return l.T("refusal.choice_not_in_request"), nil

	// Requests and who may act on them.
	case noSuchRequest:
		return l.T("refusal.no_such_request", "ID", r.id, "Days", r.keptDays), nil
	case notTheRequester:
		return l.T("refusal.not_the_requester", "Requester", r.name), nil
	case mayNotSee:
		return l.T("refusal.may_not_see"), nil
	case mayNotRetry:
		return l.T("refusal.may_not_retry"), nil
	case nothingToRetry:
		return l.T("refusal.nothing_to_retry"), nil

	// Approval.
	case ownRequest:
		return l.T("refusal.own_request"), nil
	case alreadyApproved:
		return l.T("refusal.already_approved"), nil
	case notAManager:
		return l.T("refusal.not_a_manager"), nil
	case notAnApprover:
		return l.T("refusal.not_an_approver", "UPN", r.upn), nil
	case noManager:
		return l.T("refusal.no_manager", "UPN", r.upn), nil
	case managerOfTarget:
		return l.T("refusal.manager_of_target", "UPN", r.upn), nil

	// What is asked for.
	case ambiguousProduct:
		return l.T("refusal.ambiguous_product", "Typed", strconv.Quote(r.typed)), r.candidates
	case productNotInTenant:
		return l.T("refusal.product_not_in_tenant", "Product", r.name, "PartNumber", r.partNumber), nil
	case unknownProduct:
		return l.T("refusal.unknown_product", "Typed", strconv.Quote(r.typed)), nil
	case noSuchUser:
		return l.T("refusal.no_such_user", "Query", r.query), nil
	case overLimit:
		return overLimitWords(l, r), nil

	// Undo.
	case undoUnavailable:
		return l.T("refusal.undo_unavailable"), nil
	case undoGone:
		return l.T("refusal.undo_gone", "ID", r.id, "Days", r.keptDays), nil
	case undoOfUndo:
		return l.T("refusal.undo_of_undo", "ID", r.id), nil
	case undoUnfinished:
		return l.T("refusal.undo_unfinished", "ID", r.id), nil
	case alreadyUndone:
		return l.T("refusal.already_undone", "ID", r.id, "By", r.by), nil
	case undoneMeanwhile:
		return l.T("refusal.undone_meanwhile", "ID", r.id, "By", r.by), nil
	case nothingRemoved:
		return l.T("refusal.nothing_removed", "ID", r.id), nil
	case undoTooLate:
		return l.T("refusal.undo_too_late", "ID", r.id, "Removed", l.Date(r.removedOn, r.loc), "Days", r.windowDays), nil
	case noSnapshots:
		return l.T("refusal.no_snapshots", "ID", r.id), nil
	}
	// A reason without words is a bug (refusals_test.go says each); the admin still learns
	// that nothing was changed.
	return l.T("error.unexpected"), nil
}

// overLimitWords says which limit was reached, and when to try again.
func overLimitWords(l locale.Lang, r overLimit) string {
	window, wait := l.Duration(r.window), l.Duration(r.wait)
	switch {
	case r.dryRun && r.workspace:
		return l.T("refusal.over_limit.workspace_dry_run", "Limit", r.limit, "Window", window, "Wait", wait)
	case r.dryRun:
		return l.T("refusal.over_limit.person_dry_run", "Limit", r.limit, "Window", window, "Wait", wait)
	case r.workspace:
		return l.T("refusal.over_limit.workspace", "Limit", r.limit, "Window", window, "Wait", wait)
	}
	return l.T("refusal.over_limit.person", "Limit", r.limit, "Window", window, "Wait", wait)
}
