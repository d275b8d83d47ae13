package handlers

import (
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
	"github.com/licensebot/licensebot/locale"
)

// The messages about a request, built here from the catalogue's words (locale/en.toml and
// its translations) so that there is one place to read how they are put together.

func helpMessage(l locale.Lang, o Options) bot.Message {
	who := l.T("help.approvers.configured")
	switch o.Policy {
	case PolicyManager:
		who = l.T("help.approvers.managers")
	case PolicyNone:
		who = l.T("help.approvers.nobody")
	}
	return bot.Message{
		Text: l.T("help.text"),
		Sections: []bot.Section{
			{Title: l.T("help.title.usage"), Text: l.T("help.usage")},
			{Title: l.T("help.title.steps"), Text: l.T("help.steps", "Approvers", who)},
			{Title: l.T("help.title.who"), Text: l.T("help.who")},
			{Title: l.T("help.title.examples"), Text: l.T("help.examples")},
			{Title: l.T("link.help.title"), Text: l.T("link.help.text")},
		},
	}
}

type planMode int

const (
	planConfirm planMode = iota
	planDryRun
	planNothing
)

func planMessage(l locale.Lang, p licensing.Plan, notices map[string][]licensing.Notice, o Options, mode planMode, id string) bot.Message {
	m := bot.Message{}
	n := p.Removals()
	switch mode {
	case planDryRun:
		m.Text = l.T("plan.dry_run", "Licenses", l.T("count.licenses", "Count", n))
	case planNothing:
		m.Text = l.T("plan.nothing")
	default:
		m.Text = l.T("plan.confirm", "Licenses", l.T("count.licenses", "Count", n), "Users", l.T("count.users", "Count", usersWithRemovals(p)))
	}
	if line := sourceLine(l, p.Source); line != "" {
		m.Text += "\n" + line
	}
	if line := savingsLine(l, o.Prices.Monthly(p.PlanSeats()), "plan.saves"); line != "" && len(o.Prices) > 0 {
		m.Text += "\n" + line
	}
	if p.Leaver {
		m.Text += "\n" + l.T("leaver.plan")
	}
	if !p.RunAt.IsZero() {
		m.Text += "\n" + l.T("schedule.plan", "At", l.Time(p.RunAt, o.Location))
	}
	m.Sections = planSections(l, p, notices, o.Location)
	if mode == planConfirm {
		m.Buttons = confirmButtons(l, id, n)
		m.Footer = l.T("plan.footer", "ID", id, "Wait", l.Duration(o.ConfirmTTL))
	}
	return m
}

func usersWithRemovals(p licensing.Plan) int {
	n := 0
	for _, up := range p.Users {
		if len(up.Remove) > 0 {
			n++
		}
	}
	return n
}

// planSections is one section per user: what goes, what stays and why, and the notices.
func planSections(l locale.Lang, p licensing.Plan, notices map[string][]licensing.Notice, loc *time.Location) []bot.Section {
	var out []bot.Section
	for _, up := range p.Users {
		sec := bot.Section{Title: userTitle(up)}
		var lines []string
		for _, it := range up.Remove {
			line := l.T("plan.remove", "Product", productLabel(it))
			if len(it.Groups) > 0 {
				line += l.T("plan.kept_through", "Groups", groupNames(l, it.Groups))
			}
			if it.UserOwned {
				line += l.T("plan.user_owned")
			}
			lines = append(lines, line)
		}
		for _, it := range up.Skip {
			if it.Skip == licensing.SkipUserNotFound {
				lines = append(lines, l.T("plan.no_user"))
				continue
			}
			lines = append(lines, l.T("plan.keep", "Product", productLabel(it), "Why", skipReason(l, it)))
		}
		for _, n := range notices[up.User.ID] {
			lines = append(lines, "⚠ "+noticeText(l, n, up.User.UserPrincipalName, loc, beforeRemoval))
		}
		switch up.MailboxPurpose {
		case "user":
			lines = append(lines, "⚠ "+l.T("leaver.mailbox_not_shared"))
		case "unknown":
			lines = append(lines, "⚠ "+l.T("leaver.mailbox_unknown"))
		}
		for _, o := range up.Overlaps {
			lines = append(lines, "ℹ "+l.T("plan.overlap", "What", capabilityWords(l, o.Capability), "Products", l.And(o.Products)))
		}
		sec.Text = strings.Join(lines, "\n")
		out = append(out, sec)
	}
	return out
}

func userTitle(up licensing.UserPlan) string {
	if !up.Found {
		return up.Query
	}
	if up.User.DisplayName != "" {
		return up.User.DisplayName + " <" + up.User.UserPrincipalName + ">"
	}
	return up.User.UserPrincipalName
}

func userLabel(up licensing.UserPlan) string {
	if up.Found {
		return up.User.UserPrincipalName
	}
	return up.Query
}

func productLabel(it licensing.Item) string {
	if it.PartNumber != "" && it.PartNumber != it.Name {
		return it.Name + " (" + it.PartNumber + ")"
	}
	return it.Name
}

func groupNames(l locale.Lang, gs []licensing.Group) string {
	names := make([]string, 0, len(gs))
	for _, g := range gs {
		n := l.T("group.name", "Group", firstNonEmpty(g.DisplayName, g.ID))
		switch {
		case g.Dynamic:
			n += l.T("group.dynamic")
		case g.Synced:
			n += l.T("group.synced")
		}
		names = append(names, n)
	}
	return l.And(names)
}

func skipReason(l locale.Lang, it licensing.Item) string {
	switch it.Skip {
	case licensing.SkipInherited:
		return l.T("plan.skip.inherited", "Groups", groupNames(l, it.Groups))
	case licensing.SkipSelfService:
		return l.T("plan.skip.self_service")
	case licensing.SkipNotAssigned:
		return l.T("plan.skip.not_assigned")
	case licensing.SkipUserNotFound:
		return l.T("plan.skip.no_user")
	}
	return ""
}

// noticePhase says whether a notice is read before the removal (plan, approval) or after it
// (the outcome): what an admin can still do differs.
type noticePhase int

const (
	beforeRemoval noticePhase = iota
	afterRemoval
)

// noticeText says a data-retention notice about user upn. Every sentence rests on a
// Microsoft document, cited beside its message in locale/en.toml ([notice]) and beside its
// licensing.NoticeKind (licensing/retention.go).
func noticeText(l locale.Lang, n licensing.Notice, upn string, loc *time.Location, phase noticePhase) string {
	d := l.Date(n.Date, loc)
	switch n.Kind {
	case licensing.NoticeMailboxHold:
		if phase == afterRemoval {
			return l.T("notice.mailbox_hold_after")
		}
		return l.T("notice.mailbox_hold", "UPN", upn)
	case licensing.NoticeEDiscovery:
		return l.T("notice.ediscovery", "Date", d)
	case licensing.NoticeMailboxDeletion:
		return l.T("notice.mailbox_deletion", "Date", d)
	case licensing.NoticeDelayedDelicensing:
		return l.T("notice.delayed_delicensing")
	case licensing.NoticeOneDriveReadOnly:
		return l.T("notice.onedrive_read_only", "Date", d)
	case licensing.NoticeOneDriveArchive:
		return l.T("notice.onedrive_archive", "Date", d)
	case licensing.NoticeOneDriveNoPolicy:
		return l.T("notice.onedrive_no_policy")
	case licensing.NoticeSignInNotBlocked:
		return l.T("notice.sign_in_not_blocked")
	case licensing.NoticeOfficeApps:
		return l.T("notice.office_apps")
	}
	return ""
}

// withSubscriptionsNote adds to a plan why it says nothing of subscriptions when they
// couldn't be read.
func withSubscriptionsNote(l locale.Lang, m bot.Message, tp tenantProducts) bot.Message {
	if tp.subscriptionsErr == nil {
		return m
	}
	why := l.T("plan.subscriptions.no_answer")
	if errors.Is(tp.subscriptionsErr, licensing.ErrForbidden) {
		why = l.T("plan.subscriptions.forbidden")
	}
	m.Warnings = append(m.Warnings, l.T("plan.subscriptions.unread", "Why", why))
	return m
}

func pickMessage(l locale.Lang, r *Request, o Options) bot.Message {
	up := r.Plan.Users[0]
	m := bot.Message{Text: l.T("pick.text", "User", userTitle(up))}
	m.Sections = planSections(l, r.Plan, nil, o.Location)
	for i, it := range up.Remove {
		m.Buttons = append(m.Buttons, bot.Button{Label: truncate(l.T("pick.remove", "Product", it.Name), 75), Action: ActionPick, Value: buttonValue(r.ID, i)})
	}
	if len(up.Remove) > 1 {
		m.Buttons = append(m.Buttons, bot.Button{Label: l.T("pick.all"), Action: ActionPick, Value: buttonValue(r.ID, len(up.Remove)), Style: bot.Danger})
	}
	m.Buttons = append(m.Buttons, bot.Button{Label: l.T("button.cancel"), Action: ActionCancel, Value: r.ID})
	m.Footer = l.T("pick.footer", "ID", r.ID, "Wait", l.Duration(o.ConfirmTTL))
	return m
}

func confirmedMessage(l locale.Lang, r *Request, o Options) bot.Message {
	to := l.T("confirm.approvers")
	if r.Policy == PolicyManager {
		names := make([]string, len(r.Managers))
		for i, m := range r.Managers {
			names[i] = m.DisplayName
		}
		to = l.And(names)
	}
	return bot.Message{
		Text:   l.T("confirm.text", "Approvers", to),
		Footer: l.T("confirm.footer", "ID", r.ID, "Until", l.Time(r.ExpiresAt, o.Location)),
	}
}

func approvalMessage(l locale.Lang, r *Request, notices map[string][]licensing.Notice, o Options) bot.Message {
	m := bot.Message{
		Text: l.T("approval.text", "Requester", r.Requester.DisplayName,
			"Licenses", l.T("count.licenses", "Count", r.Plan.Removals()), "Users", l.T("count.users", "Count", usersWithRemovals(r.Plan))),
	}
	fields := []bot.Field{{Label: l.T("approval.requested_by"), Value: r.Requester.DisplayName + " <" + r.Requester.UPN + ">"}}
	if r.Reason != "" {
		// A person's own words: shown as typed, never formatted or turned into a mention.
		fields = append(fields, bot.Field{Label: l.T("approval.reason"), Value: r.Reason, Verbatim: true})
	} else {
		fields = append(fields, bot.Field{Label: l.T("approval.reason"), Value: l.T("approval.no_reason")})
	}
	if line := sourceLine(l, r.Plan.Source); line != "" {
		m.Text += "\n" + line
	}
	if line := savingsLine(l, o.Prices.Monthly(r.Plan.PlanSeats()), "plan.saves"); line != "" && len(o.Prices) > 0 {
		m.Text += "\n" + line
	}
	if r.Plan.Leaver {
		m.Text += "\n" + l.T("leaver.plan")
	}
	if !r.RunAt.IsZero() {
		m.Text += "\n" + l.T("schedule.plan", "At", l.Time(r.RunAt, o.Location))
	}
	m.Sections = append([]bot.Section{{Fields: fields}}, planSections(l, r.Plan, notices, o.Location)...)
	m.Buttons = approvalButtons(l, r.ID)
	m.Footer = l.T("approval.footer", "ID", r.ID, "Until", l.Time(r.ExpiresAt, o.Location))
	return m
}

func expiredMessage(l locale.Lang, r *Request, loc *time.Location) bot.Message {
	if r.Kind == KindLink {
		return linkStateMessage(l, r, loc)
	}
	return bot.Message{
		Text:   l.T("state.expired", "At", l.Time(r.ExpiresAt, loc)),
		Footer: l.T("state.footer", "ID", r.ID),
	}
}

// stateMessage says where a request is, for a click that comes too late or twice, for the
// messages whose buttons must go, and for status.
func stateMessage(l locale.Lang, r *Request, loc *time.Location) bot.Message {
	if r.Kind == KindLink {
		return linkStateMessage(l, r, loc)
	}
	var text string
	last := func(approved bool) string {
		for i := len(r.Decisions) - 1; i >= 0; i-- {
			d := r.Decisions[i]
			if d.Approved == approved {
				return l.T("state.by", "Name", d.By.DisplayName, "At", l.Time(d.At, loc))
			}
		}
		return l.T("state.someone")
	}
	switch r.State {
	case StateAwaitingPick:
		text = l.T("state.awaiting_pick", "Requester", r.Requester.DisplayName)
	case StateAwaitingConfirmation:
		text = l.T("state.awaiting_confirmation", "Requester", r.Requester.DisplayName)
	case StateAwaitingApproval:
		text = l.T("state.awaiting_approval")
		if r.Policy == PolicyManager && countApprovals(r) > 0 {
			var waiting []string
			for _, m := range r.Managers {
				if !r.approvedBy(m.UserID) {
					waiting = append(waiting, m.DisplayName)
				}
			}
			text = l.T("state.approved_waiting", "By", last(true), "Waiting", l.And(waiting))
		}
	case StateApproved, StateRunning:
		text = l.T("state.running", "By", last(true))
		if r.Round > 0 {
			text = l.T("state.retrying", "By", last(true), "Users", l.T("count.users", "Count", len(r.Retry)))
		}
	case StateDone:
		text = l.T("state.done", "By", last(true), "Summary", resultSummary(l, r))
	case StatePartlyDone:
		text = l.T("state.partly_done", "By", last(true), "Summary", resultSummary(l, r))
	case StateFailed:
		text = l.T("state.failed", "By", last(true), "Summary", resultSummary(l, r))
	case StateDenied:
		text = l.T("state.denied", "By", last(false))
	case StateCancelled:
		text = l.T("state.cancelled", "By", r.Requester.DisplayName)
	case StateExpired:
		return expiredMessage(l, r, loc)
	}
	if r.Kind == KindUndo {
		text = undoStateText(l, r, last(true), text)
	}
	return bot.Message{Text: text, Footer: l.T("state.footer", "ID", r.ID)}
}

// resultSummary counts a request's results: restored and failed for an undo, removed,
// skipped and failed for a removal (one that failed for everyone included).
func resultSummary(l locale.Lang, req *Request) string {
	results := req.Results
	if req.Kind == KindUndo {
		return l.T("summary.undo", "Restored", countOutcome(results, OutcomeRestored), "Failed", failedCount(results))
	}
	var removed, skipped, failed int
	for _, r := range results {
		switch r.Outcome {
		case OutcomeRemoved:
			removed++
		case OutcomeSkipped:
			skipped++
		case OutcomeFailed:
			failed++
		}
	}
	return l.T("summary.removal", "Removed", removed, "Skipped", skipped, "Failed", failed)
}

// outcomeMessage is the report: per user what happened, the data-retention warnings with
// their dates, and the seats now unused.
func outcomeMessage(l locale.Lang, r *Request, notices map[string][]licensing.Notice, seats []licensing.SeatReport, o Options) bot.Message {
	m := bot.Message{Text: l.T("outcome.text", "ID", r.ID, "Summary", resultSummary(l, r))}
	byUser := map[string][]Result{}
	for _, res := range r.Results {
		byUser[res.UPN] = append(byUser[res.UPN], res)
	}
	for _, up := range r.Plan.Users {
		var lines []string
		skipped := map[string]licensing.Item{}
		for _, it := range up.Skip {
			skipped[it.SKUID] = it
		}
		for _, res := range byUser[userLabel(up)] {
			switch res.Outcome {
			case OutcomeRemoved:
				lines = append(lines, l.T("outcome.removed", "Product", res.Product))
			case OutcomeBlocked:
				lines = append(lines, l.T("leaver.blocked"))
			case OutcomeRevoked:
				lines = append(lines, l.T("leaver.revoked"))
			case OutcomeUnblocked:
				lines = append(lines, l.T("leaver.unblocked"))
			case OutcomeSkipped:
				why := res.why(l)
				if it, ok := skipped[res.SKUID]; ok && res.Why == "" {
					why = skipReason(l, it)
				}
				lines = append(lines, l.T("outcome.skipped", "Product", res.Product, "Why", why))
			case OutcomeFailed:
				lines = append(lines, l.T("outcome.failed", "Product", res.Product, "Why", res.why(l)))
			}
		}
		m.Sections = append(m.Sections, bot.Section{Title: userTitle(up), Text: strings.Join(lines, "\n")})
		for _, n := range notices[up.User.ID] {
			m.Warnings = append(m.Warnings, up.User.UserPrincipalName+": "+noticeText(l, n, up.User.UserPrincipalName, o.Location, afterRemoval))
		}
	}
	if len(seats) > 0 {
		sec := bot.Section{Title: l.T("outcome.seats.title")}
		var lines []string
		renewal := false
		var freed []licensing.SeatCount
		for _, s := range seats {
			freed = append(freed, licensing.SeatCount{SKUID: s.SKUID, PartNumber: s.PartNumber, Seats: s.Freed})
			line := l.T("outcome.seats.line", "Product", s.Name, "Purchased", s.Purchased, "Assigned", s.Assigned, "Unused", s.Unused, "Freed", s.Freed)
			if !s.NextLifecycle.IsZero() {
				// nextLifecycleDateTime is when the subscription moves to its next state if it
				// isn't renewed (companySubscription), not a renewal date.
				line += l.T("outcome.seats.next_state", "Date", l.Date(s.NextLifecycle, o.Location))
				renewal = true
			}
			lines = append(lines, line)
		}
		// What to do with freed seats: Microsoft's "Unassign licenses from users", "Next
		// steps" (cited beside the messages in locale/en.toml).
		lines = append(lines, l.T("outcome.seats.reduce"))
		if line := savingsLine(l, o.Prices.Monthly(freed), "outcome.saves"); line != "" {
			lines = append(lines, line)
		}
		advice := l.T("outcome.seats.window")
		if renewal {
			advice = l.T("outcome.seats.window_dated")
		}
		lines = append(lines, advice)
		sec.Text = strings.Join(lines, "\n")
		m.Sections = append(m.Sections, sec)
	}
	if failed := failedCount(r.Results); failed > 0 {
		m.Warnings = append(m.Warnings, l.T("outcome.retry", "Removals", l.T("count.removals", "Count", failed)))
	}
	if countOutcome(r.Results, OutcomeRemoved) > 0 && (r.Kind == KindRemove || r.Kind == KindLeaver) {
		m.Warnings = append(m.Warnings, l.T("outcome.undo", "ID", r.ID, "Until", l.Date(r.FinishedAt.Add(o.UndoWindow), o.Location)))
	}
	m.Footer = l.T("outcome.footer", "ID", r.ID, "Approvers", approverNames(l, r), "Finished", l.Time(r.FinishedAt, o.Location))
	return m
}

func approverNames(l locale.Lang, r *Request) string {
	var names []string
	for _, d := range r.Decisions {
		if d.Approved {
			names = append(names, d.By.DisplayName)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return l.T("outcome.no_approvers")
	}
	return l.And(names)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func undoStateText(l locale.Lang, r *Request, by, text string) string {
	head := l.T("undo.state.head", "ID", r.UndoOf)
	switch r.State {
	case StateAwaitingConfirmation:
		return head + l.T("undo.state.awaiting_confirmation", "Requester", r.Requester.DisplayName)
	case StateApproved, StateRunning:
		return head + l.T("undo.state.running", "By", by)
	case StateDone:
		return head + l.T("undo.state.done", "Summary", resultSummary(l, r))
	case StatePartlyDone:
		return head + l.T("undo.state.partly_done", "Summary", resultSummary(l, r))
	case StateFailed:
		return head + l.T("undo.state.failed", "Summary", resultSummary(l, r))
	case StateCancelled:
		return head + l.T("undo.state.cancelled")
	}
	return head + text
}

// progressMessage is a running job's message: "N of M users done (K skipped, F failed)".
func progressMessage(l locale.Lang, r *Request, c progressCounts, loc *time.Location) bot.Message {
	m := stateMessage(l, r, loc)
	if r.State != StateRunning && r.State != StateApproved {
		return m
	}
	if c.Total > 0 {
		m.Text += l.T("state.progress.done", "Done", c.Done, "Users", l.T("count.users", "Count", c.Total))
		if c.Skipped > 0 || c.Failed > 0 {
			m.Text += l.T("state.progress.skipped_failed", "Skipped", c.Skipped, "Failed", c.Failed)
		}
		m.Text += "."
	}
	return m
}

// undoPlanMessage asks the caller to confirm an undo: what goes back to whom, and what can't.
func undoPlanMessage(l locale.Lang, u, orig *Request, warnings []string, o Options) bot.Message {
	licenses := l.T("count.licenses", "Count", restoreCount(u))
	m := bot.Message{Text: l.T("undo.plan.text", "ID", orig.ID, "Licenses", licenses, "Users", l.T("count.users", "Count", restoreUsers(u)))}
	m.Sections = restoreSections(l, u)
	if len(u.EnableSignIn) > 0 {
		var names []string
		for _, ur := range u.Restores {
			if slices.Contains(u.EnableSignIn, ur.UserID) {
				names = append(names, ur.UPN)
			}
		}
		m.Text += "\n" + l.T("leaver.undo_signin", "Users", l.And(names))
	}
	m.Warnings = append(m.Warnings, warnings...)
	m.Warnings = append(m.Warnings, l.T("undo.plan.data",
		"Removed", l.Time(orig.FinishedAt, o.Location), "Until", l.Date(orig.FinishedAt.Add(o.UndoWindow), o.Location)))
	m.Buttons = []bot.Button{
		{Label: l.T("button.give_back"), Action: ActionConfirm, Value: u.ID, Style: bot.Primary, Confirm: &bot.Confirmation{
			Title: l.T("button.give_back_title"), Text: l.T("button.give_back_text", "Licenses", licenses), Yes: l.T("button.give_back"), No: l.T("button.back"),
		}},
		{Label: l.T("button.cancel"), Action: ActionCancel, Value: u.ID},
	}
	m.Footer = l.T("undo.plan.footer", "ID", u.ID, "Original", orig.ID, "Wait", l.Duration(o.ConfirmTTL))
	return m
}

// undoApprovalMessage asks the approvers for an undo: who asks, what goes back to whom.
func undoApprovalMessage(l locale.Lang, u *Request, o Options) bot.Message {
	m := bot.Message{Text: l.T("undo.approval.text", "Requester", u.Requester.DisplayName,
		"Licenses", l.T("count.licenses", "Count", restoreCount(u)), "Users", l.T("count.users", "Count", restoreUsers(u)), "Original", u.UndoOf)}
	fields := []bot.Field{{Label: l.T("approval.requested_by"), Value: u.Requester.DisplayName + " <" + u.Requester.UPN + ">"}}
	m.Sections = append([]bot.Section{{Fields: fields}}, restoreSections(l, u)...)
	m.Buttons = undoApprovalButtons(l, u.ID)
	m.Footer = l.T("undo.approval.footer", "ID", u.ID, "Original", u.UndoOf, "Until", l.Time(u.ExpiresAt, o.Location))
	return m
}

func restoreUsers(u *Request) int {
	users := 0
	for _, ur := range u.Restores {
		if len(ur.Products) > 0 {
			users++
		}
	}
	return users
}

// restoreSections are an undo's users, each with what goes back and what can't.
func restoreSections(l locale.Lang, u *Request) []bot.Section {
	var out []bot.Section
	for _, ur := range u.Restores {
		var lines []string
		for _, p := range ur.Products {
			line := "↺ " + p.Name
			if n := len(p.DisabledPlans); n > 0 {
				line += l.T("undo.plan.plans_off", "Plans", l.T("count.service_plans", "Count", n))
			}
			lines = append(lines, line)
		}
		for _, name := range ur.Missing {
			lines = append(lines, l.T("undo.plan.missing", "Product", name))
		}
		title := ur.UPN
		if ur.DisplayName != "" {
			title = ur.DisplayName + " <" + ur.UPN + ">"
		}
		out = append(out, bot.Section{Title: title, Text: strings.Join(lines, "\n")})
	}
	return out
}

// undoOutcomeMessage reports an undo: what was given back, and what couldn't be and why.
func undoOutcomeMessage(l locale.Lang, r *Request, o Options) bot.Message {
	m := bot.Message{Text: l.T("undo.outcome.text", "ID", r.ID, "Original", r.UndoOf, "Summary", resultSummary(l, r))}
	byUser := map[string][]Result{}
	for _, res := range r.Results {
		byUser[res.UserID] = append(byUser[res.UserID], res)
	}
	for _, ur := range r.Restores {
		var lines []string
		for _, res := range byUser[ur.UserID] {
			switch res.Outcome {
			case OutcomeRestored:
				lines = append(lines, l.T("undo.outcome.restored", "Product", res.Product))
			case OutcomeUnblocked:
				lines = append(lines, l.T("leaver.unblocked"))
			case OutcomeFailed:
				lines = append(lines, l.T("undo.outcome.failed", "Product", res.Product, "Why", res.why(l)))
			}
		}
		m.Sections = append(m.Sections, bot.Section{Title: ur.UPN, Text: strings.Join(lines, "\n")})
	}
	if failed := failedCount(r.Results); failed > 0 {
		m.Warnings = append(m.Warnings, l.T("undo.outcome.retry", "Licenses", l.T("count.licenses", "Count", failed)))
	}
	m.Footer = l.T("undo.outcome.footer", "ID", r.ID, "Approvers", approverNames(l, r), "Finished", l.Time(r.FinishedAt, o.Location))
	return m
}

// sourceName names a target that stood for many users: "the group Sales", "the holders of
// Office 365 E3".
func sourceName(l locale.Lang, src licensing.Source) string {
	switch src.Kind {
	case licensing.SourceHolders:
		return l.T("source.holders_name", "Product", src.Name)
	case licensing.SourceInactive:
		return l.T("source.inactive_name", "Product", src.Name, "Days", l.Number(src.Days))
	}
	return l.T("source.group_name", "Name", src.Name)
}

// sourceLine says how a plan's users were found, or "" when they were named one by one.
func sourceLine(l locale.Lang, src *licensing.Source) string {
	if src == nil {
		return ""
	}
	users := l.T("count.users", "Count", src.Users)
	if src.Kind == licensing.SourceInactive {
		id := "source.inactive"
		if src.Via == "report" {
			id = "source.inactive_report"
		}
		line := l.T(id, "Product", src.Name, "Days", l.Number(src.Days), "Users", users)
		if src.LeftOut > 0 {
			line += " " + l.T("source.inactive_recent", "Users", l.T("count.users", "Count", src.LeftOut))
		}
		if src.Excluded > 0 {
			line += " " + l.T("source.inactive_excluded", "Users", l.T("count.users", "Count", src.Excluded))
		}
		return line
	}
	switch {
	case src.Kind == licensing.SourceHolders && src.LeftOut > 0:
		return l.T("source.holders_left_out", "Product", src.Name, "Users", users, "LeftOut", l.T("count.users", "Count", src.LeftOut))
	case src.Kind == licensing.SourceHolders:
		return l.T("source.holders", "Product", src.Name, "Users", users)
	case src.LeftOut > 0:
		return l.T("source.group_left_out", "Name", src.Name, "Users", users, "LeftOut", src.LeftOut)
	default:
		return l.T("source.group", "Name", src.Name, "Users", users)
	}
}

// capabilityWords names what a product gives, for overlaps.
func capabilityWords(l locale.Lang, c licensing.Capability) string {
	switch c {
	case licensing.Mailbox:
		return l.T("plan.capability.mailbox")
	case licensing.OneDrive:
		return l.T("plan.capability.onedrive")
	default:
		return l.T("plan.capability.office_apps")
	}
}

// savingsLine says what freed seats save a month at the configured prices (id is
// plan.saves or outcome.saves), and how many seats have no price; "" without prices.
func savingsLine(l locale.Lang, s licensing.Savings, id string) string {
	if s.Currency == "" {
		return ""
	}
	line := l.T(id, "Amount", l.Money(s.Minor, s.Currency))
	if s.Unpriced > 0 {
		line += " " + l.T("plan.unpriced", "Seats", l.T("count.seats", "Count", s.Unpriced))
	}
	return line
}

// scheduledMessage says that an approved request waits for its time, with [Cancel].
func scheduledMessage(l locale.Lang, r *Request, loc *time.Location) bot.Message {
	by := ""
	if len(r.Decisions) > 0 {
		by = r.Decisions[len(r.Decisions)-1].By.DisplayName
	}
	return bot.Message{
		Text:    l.T("schedule.approved", "By", firstNonEmpty(by, r.Requester.DisplayName), "At", l.Time(r.RunAt, loc)),
		Buttons: unscheduleButtons(l, r.ID),
		Footer:  l.T("state.footer", "ID", r.ID),
	}
}
