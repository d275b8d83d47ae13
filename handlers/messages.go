package handlers

import (
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// Every sentence the bot says about a request is written here, in English, through lang.T
// (turkish.go has each in Turkish), so that there is one place to read them all.

func helpMessage(l lang, o Options) bot.Message {
	who := l.T("one of the configured approvers")
	switch o.Policy {
	case PolicyManager:
		who = l.T("each user's manager in Microsoft Entra")
	case PolicyNone:
		who = l.T("nobody else (approval is turned off)")
	}
	return bot.Message{
		Text: l.T("licensebot removes Microsoft 365 licenses, with your confirmation and a second person's approval."),
		Sections: []bot.Section{
			{Title: l.T("Usage"), Text: l.T(Usage)},
			{Title: l.T("How it goes"), Text: l.T("1. You ask; I show what will be removed, what will be skipped and why, and what happens to the users' data.") + "\n" +
				l.T("2. You confirm.") + "\n" +
				l.T("3. Approval by %s.", who) + "\n" +
				l.T("4. I remove the licenses (any number of users, with the progress in the approval message) and report the results, the data-retention dates and the seats now unused.") + "\n" +
				l.T("5. [Retry failed] tries the users that failed again; [Undo] (or /unassign undo <id>) gives the licenses back as they were, within 30 days.")},
			{Title: l.T("Who may ask"), Text: l.T("Global, License or User Administrators in Microsoft Entra.")},
			{Title: l.T("Examples"), Text: "/unassign alice@contoso.com --product \"Office 365 E3\" --reason \"left the company\"\n" +
				"/unassign alice@contoso.com bob@contoso.com --all --dry-run\n/unassign show alice@contoso.com"},
		},
	}
}

type planMode int

const (
	planConfirm planMode = iota
	planDryRun
	planNothing
)

func planMessage(l lang, p licensing.Plan, notices map[string][]licensing.Notice, o Options, mode planMode, id string) bot.Message {
	m := bot.Message{}
	n := p.Removals()
	switch mode {
	case planDryRun:
		m.Text = l.T("Dry run: %s would be removed. Nothing was stored or changed.", l.plural(n, "license", "licenses"))
	case planNothing:
		m.Text = l.T("There is nothing to remove, so no request was made. Here is why:")
	default:
		m.Text = l.T("This will remove %s from %s once approved. Please check and confirm.", l.plural(n, "license", "licenses"), l.plural(usersWithRemovals(p), "user", "users"))
	}
	m.Sections = planSections(l, p, notices, o.Location)
	if mode == planConfirm {
		m.Buttons = confirmButtons(l, id, n)
		m.Footer = l.T("Request %s · waits %s for your confirmation", id, l.duration(o.ConfirmTTL))
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
func planSections(l lang, p licensing.Plan, notices map[string][]licensing.Notice, loc *time.Location) []bot.Section {
	var out []bot.Section
	for _, up := range p.Users {
		sec := bot.Section{Title: userTitle(up)}
		var lines []string
		for _, it := range up.Remove {
			line := l.T("✂ remove %s", productLabel(it))
			if len(it.Groups) > 0 {
				line += l.T(" (the direct assignment only: the user keeps it through %s)", groupNames(l, it.Groups))
			}
			if it.UserOwned {
				line += l.T(" (its subscription names a user as its owner: if it is a self-service purchase, an admin must take the subscription over first, or Microsoft Graph refuses the removal)")
			}
			lines = append(lines, line)
		}
		for _, it := range up.Skip {
			if it.Skip == licensing.SkipUserNotFound {
				lines = append(lines, l.T("⚠ no user has this UPN, mail or id: skipped"))
				continue
			}
			lines = append(lines, l.T("↷ keep %s: %s", productLabel(it), skipReason(l, it)))
		}
		for _, n := range notices[up.User.ID] {
			lines = append(lines, "⚠ "+noticeText(l, n, up.User.UserPrincipalName, loc, beforeRemoval))
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

func groupNames(l lang, gs []licensing.Group) string {
	names := make([]string, 0, len(gs))
	for _, g := range gs {
		n := l.T("the group \"%s\"", firstNonEmpty(g.DisplayName, g.ID))
		switch {
		case g.Dynamic:
			n += l.T(" (dynamic membership: change the rule or the user's attributes)")
		case g.Synced:
			n += l.T(" (synced from on-premises AD: change it there)")
		}
		names = append(names, n)
	}
	return l.joinAnd(names)
}

func skipReason(l lang, it licensing.Item) string {
	switch it.Skip {
	case licensing.SkipInherited:
		return l.T("inherited from %s: remove the user from the group (or the license from the group) instead", groupNames(l, it.Groups))
	case licensing.SkipSelfService:
		return l.T("a self-service purchase: an admin must take over the subscription before unassigning it")
	case licensing.SkipNotAssigned:
		return l.T("not assigned to this user")
	case licensing.SkipUserNotFound:
		return l.T("no such user")
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

// noticeText says a data-retention notice about user upn. Every sentence here rests on the
// Microsoft document cited beside its licensing.NoticeKind (licensing/retention.go).
func noticeText(l lang, n licensing.Notice, upn string, loc *time.Location, phase noticePhase) string {
	d := l.date(n.Date, loc)
	switch n.Kind {
	case licensing.NoticeMailboxHold:
		if phase == afterRemoval {
			return l.T("If this mailbox had to stay searchable or be kept beyond 30 days and wasn't on hold: assign an Exchange Online license again within the 30 days (it reconnects the mailbox), put the mailbox on a litigation hold or under a retention policy, and only then remove the license.")
		}
		return l.T("Before this goes ahead: if this mailbox must stay searchable or be kept beyond 30 days, put it on a litigation hold or under a retention policy now, before the license is removed. Keeping it as an inactive mailbox once the account is deleted needs Exchange Online Plan 2 (as in Office 365 E3/E5), or Plan 1 with Exchange Online Archiving. licensebot can't tell whether it is on hold (Microsoft Graph doesn't show holds or retention policies): check in Microsoft Purview, or with Get-Mailbox %s | Format-List LitigationHoldEnabled,InPlaceHolds.", upn)
	case licensing.NoticeEDiscovery:
		return l.T("From the removal (%s) the mailbox can no longer be searched with Content Search or eDiscovery.", d)
	case licensing.NoticeMailboxDeletion:
		return l.T("Mailbox: kept for 30 days, then deleted for good on %s. Assigning an Exchange Online license again before then reconnects it with its data.", d)
	case licensing.NoticeDelayedDelicensing:
		return l.T("Where the organisation has Exchange Online's delayed delicensing turned on, Exchange may keep the mailbox licensed for up to 30 more days, and the mailbox dates come later by as much.")
	case licensing.NoticeOneDriveReadOnly:
		return l.T("OneDrive: removing the license deletes no files, but a OneDrive left unlicensed becomes read-only on %s (day 60). Move or keep the files before then.", d)
	case licensing.NoticeOneDriveArchive:
		return l.T("On %s (day 93) Microsoft archives the unlicensed OneDrive if a retention policy or hold covers it; otherwise it moves it to the recycle bin, and then it is deleted. Archived storage is billed only where unlicensed-account billing is turned on.", d)
	case licensing.NoticeOneDriveNoPolicy:
		return l.T("OneDrive: removing the license deletes no files, and Microsoft's policy for unlicensed OneDrive accounts (read-only after 60 days, archived or deleted after 93) doesn't apply to this organisation (an EDU, GCC or DoD tenant).")
	case licensing.NoticeSignInNotBlocked:
		return l.T("Sign-in is NOT blocked: removing licenses doesn't sign the user out. For a leaver, block sign-in and revoke their sessions.")
	case licensing.NoticeOfficeApps:
		return l.T("Installed Office apps will show \"Unlicensed Product\" and activation errors, then run in reduced functionality mode.")
	}
	return ""
}

// withSubscriptionsNote adds to a plan why it says nothing of subscriptions when they
// couldn't be read.
func withSubscriptionsNote(l lang, m bot.Message, tp tenantProducts) bot.Message {
	if tp.subscriptionsErr == nil {
		return m
	}
	why := l.T("Microsoft Graph didn't answer")
	if errors.Is(tp.subscriptionsErr, licensing.ErrForbidden) {
		why = l.T("licensebot's app lacks the Organization.Read.All permission")
	}
	m.Warnings = append(m.Warnings, l.T("I couldn't read the organisation's subscriptions (%s), so this plan can't say whether a subscription names a user as its owner, and the report won't show when subscriptions next change state. Nothing else depends on them.", why))
	return m
}

func pickMessage(l lang, r *Request, o Options) bot.Message {
	up := r.Plan.Users[0]
	m := bot.Message{Text: l.T("Which of %s's licenses should go?", userTitle(up))}
	m.Sections = planSections(l, r.Plan, nil, o.Location)
	for i, it := range up.Remove {
		m.Buttons = append(m.Buttons, bot.Button{Label: truncate(l.T("Remove %s", it.Name), 75), Action: ActionPick, Value: buttonValue(r.ID, i)})
	}
	if len(up.Remove) > 1 {
		m.Buttons = append(m.Buttons, bot.Button{Label: l.T("All of these"), Action: ActionPick, Value: buttonValue(r.ID, len(up.Remove)), Style: bot.Danger})
	}
	m.Buttons = append(m.Buttons, bot.Button{Label: l.T("Cancel"), Action: ActionCancel, Value: r.ID})
	m.Footer = l.T("Request %s · waits %s for your choice", r.ID, l.duration(o.ConfirmTTL))
	return m
}

func confirmedMessage(l lang, r *Request, o Options) bot.Message {
	to := l.T("the approvers")
	if r.Policy == PolicyManager {
		names := make([]string, len(r.Managers))
		for i, m := range r.Managers {
			names[i] = m.DisplayName
		}
		to = l.joinAnd(names)
	}
	return bot.Message{
		Text:   l.T("Confirmed. I asked %s to approve; you'll hear from me when it's decided.", to),
		Footer: l.T("Request %s · approval open until %s", r.ID, l.time(r.ExpiresAt, o.Location)),
	}
}

func approvalMessage(l lang, r *Request, notices map[string][]licensing.Notice, o Options) bot.Message {
	m := bot.Message{
		Text: l.T("%s asks to remove %s from %s. Approve?", r.Requester.DisplayName,
			l.plural(r.Plan.Removals(), "license", "licenses"), l.plural(usersWithRemovals(r.Plan), "user", "users")),
	}
	fields := []bot.Field{{Label: l.T("Requested by"), Value: r.Requester.DisplayName + " <" + r.Requester.UPN + ">"}}
	if r.Reason != "" {
		// A person's own words: shown as typed, never formatted or turned into a mention.
		fields = append(fields, bot.Field{Label: l.T("Reason"), Value: r.Reason, Verbatim: true})
	} else {
		fields = append(fields, bot.Field{Label: l.T("Reason"), Value: l.T("(none given)")})
	}
	m.Sections = append([]bot.Section{{Fields: fields}}, planSections(l, r.Plan, notices, o.Location)...)
	m.Buttons = approvalButtons(l, r.ID)
	m.Footer = l.T("Request %s · open until %s", r.ID, l.time(r.ExpiresAt, o.Location))
	return m
}

func expiredMessage(l lang, r *Request, loc *time.Location) bot.Message {
	return bot.Message{
		Text:   l.T("This request expired at %s without a decision. Nothing was changed; ask again with /unassign if it is still needed.", l.time(r.ExpiresAt, loc)),
		Footer: l.T("Request %s", r.ID),
	}
}

// stateMessage says where a request is, for a click that comes too late or twice, for the
// messages whose buttons must go, and for status.
func stateMessage(l lang, r *Request, loc *time.Location) bot.Message {
	var text string
	last := func(approved bool) string {
		for i := len(r.Decisions) - 1; i >= 0; i-- {
			d := r.Decisions[i]
			if d.Approved == approved {
				return l.T("%s at %s", d.By.DisplayName, l.time(d.At, loc))
			}
		}
		return l.T("someone")
	}
	switch r.State {
	case StateAwaitingPick:
		text = l.T("This request waits for %s to pick the licenses.", r.Requester.DisplayName)
	case StateAwaitingConfirmation:
		text = l.T("This request waits for %s to confirm.", r.Requester.DisplayName)
	case StateAwaitingApproval:
		text = l.T("This request waits for approval.")
		if r.Policy == PolicyManager && countApprovals(r) > 0 {
			var waiting []string
			for _, m := range r.Managers {
				if !r.approvedBy(m.UserID) {
					waiting = append(waiting, m.DisplayName)
				}
			}
			text = l.T("Approved by %s; still waiting for %s.", last(true), l.joinAnd(waiting))
		}
	case StateApproved, StateRunning:
		text = l.T("Approved by %s. Removing the licenses now.", last(true))
		if r.Round > 0 {
			text = l.T("Approved by %s. Retrying %s now.", last(true), l.plural(len(r.Retry), "user", "users"))
		}
	case StateDone:
		text = l.T("Approved by %s. Done: %s.", last(true), resultSummary(l, r))
	case StatePartlyDone:
		text = l.T("Approved by %s. Partly done: %s.", last(true), resultSummary(l, r))
	case StateFailed:
		text = l.T("Approved by %s. Failed: %s.", last(true), resultSummary(l, r))
	case StateDenied:
		text = l.T("Denied by %s. Nothing was changed.", last(false))
	case StateCancelled:
		text = l.T("Cancelled by %s. Nothing was changed.", r.Requester.DisplayName)
	case StateExpired:
		return expiredMessage(l, r, loc)
	}
	if r.Kind == KindUndo {
		text = undoStateText(l, r, last(true), text)
	}
	return bot.Message{Text: text, Footer: l.T("Request %s", r.ID)}
}

// resultSummary counts a request's results: restored and failed for an undo, removed,
// skipped and failed for a removal (one that failed for everyone included).
func resultSummary(l lang, req *Request) string {
	results := req.Results
	if req.Kind == KindUndo {
		return l.T("%d restored, %d failed", countOutcome(results, OutcomeRestored), failedCount(results))
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
	return l.T("%d removed, %d skipped, %d failed", removed, skipped, failed)
}

// outcomeMessage is the report: per user what happened, the data-retention warnings with
// their dates, and the seats now unused.
func outcomeMessage(l lang, r *Request, notices map[string][]licensing.Notice, seats []licensing.SeatReport, o Options) bot.Message {
	m := bot.Message{Text: l.T("Request %s: %s.", r.ID, resultSummary(l, r))}
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
				lines = append(lines, l.T("✓ removed %s", res.Product))
			case OutcomeSkipped:
				why := res.why(l)
				if it, ok := skipped[res.SKUID]; ok && res.Why == "" {
					why = skipReason(l, it)
				}
				lines = append(lines, l.T("↷ skipped %s: %s", res.Product, why))
			case OutcomeFailed:
				lines = append(lines, l.T("✗ failed %s: %s", res.Product, res.why(l)))
			}
		}
		m.Sections = append(m.Sections, bot.Section{Title: userTitle(up), Text: strings.Join(lines, "\n")})
		for _, n := range notices[up.User.ID] {
			m.Warnings = append(m.Warnings, up.User.UserPrincipalName+": "+noticeText(l, n, up.User.UserPrincipalName, o.Location, afterRemoval))
		}
	}
	if len(seats) > 0 {
		sec := bot.Section{Title: l.T("Seats")}
		var lines []string
		renewal := false
		for _, s := range seats {
			line := l.T("%s: %d purchased, %d assigned, %d unused (%d freed now)", s.Name, s.Purchased, s.Assigned, s.Unused, s.Freed)
			if !s.NextLifecycle.IsZero() {
				// nextLifecycleDateTime is when the subscription moves to its next state if it
				// isn't renewed (companySubscription), not a renewal date.
				line += l.T(", moves to its next state on %s unless renewed", l.date(s.NextLifecycle, o.Location))
				renewal = true
			}
			lines = append(lines, line)
		}
		lines = append(lines, l.T("If these seats won't be given to someone else, reduce the subscription's license count in the admin center (Billing › Your products) so you stop paying for them."))
		advice := l.T("Some subscriptions can only be reduced or cancelled within a short window after purchase or renewal; after it, turn off recurring billing so the subscription ends at the end of its term.")
		if renewal {
			advice = l.T("Some subscriptions can only be reduced or cancelled within a short window after purchase or renewal; after it, turn off recurring billing so the subscription ends at the end of its term (see the dates above).")
		}
		lines = append(lines, advice)
		sec.Text = strings.Join(lines, "\n")
		m.Sections = append(m.Sections, sec)
	}
	if failed := failedCount(r.Results); failed > 0 {
		m.Warnings = append(m.Warnings, l.T("%s failed; nothing else was changed for them. Once the cause is fixed, [Retry failed] tries only those again, under the same approval.", l.plural(failed, "removal", "removals")))
	}
	if countOutcome(r.Results, OutcomeRemoved) > 0 && r.Kind == KindRemove {
		m.Warnings = append(m.Warnings, l.T("Changed your mind? /unassign undo %s gives these licenses back exactly as they were assigned, until %s.",
			r.ID, l.date(r.FinishedAt.Add(o.UndoWindow), o.Location)))
	}
	m.Footer = l.T("Request %s · approved by %s · finished %s", r.ID, approverNames(l, r), l.time(r.FinishedAt, o.Location))
	return m
}

func approverNames(l lang, r *Request) string {
	var names []string
	for _, d := range r.Decisions {
		if d.Approved {
			names = append(names, d.By.DisplayName)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return l.T("nobody (approval is turned off)")
	}
	return l.joinAnd(names)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func undoStateText(l lang, r *Request, by, text string) string {
	head := l.T("Undo of request %s: ", r.UndoOf)
	switch r.State {
	case StateAwaitingConfirmation:
		return head + l.T("waits for %s to confirm.", r.Requester.DisplayName)
	case StateApproved, StateRunning:
		return head + l.T("confirmed by %s. Putting the licenses back now.", by)
	case StateDone:
		return head + l.T("done: %s.", resultSummary(l, r))
	case StatePartlyDone:
		return head + l.T("partly done: %s.", resultSummary(l, r))
	case StateFailed:
		return head + l.T("failed: %s.", resultSummary(l, r))
	case StateCancelled:
		return head + l.T("cancelled. Nothing was changed.")
	}
	return head + text
}

// progressMessage is a running job's message: "N of M users done (K skipped, F failed)".
func progressMessage(l lang, r *Request, c progressCounts, loc *time.Location) bot.Message {
	m := stateMessage(l, r, loc)
	if r.State != StateRunning && r.State != StateApproved {
		return m
	}
	if c.Total > 0 {
		m.Text += l.T(" %d of %s done", c.Done, l.plural(c.Total, "user", "users"))
		if c.Skipped > 0 || c.Failed > 0 {
			m.Text += l.T(" (%d skipped, %d failed)", c.Skipped, c.Failed)
		}
		m.Text += "."
	}
	return m
}

// undoPlanMessage asks the caller to confirm an undo: what goes back to whom, and what can't.
func undoPlanMessage(l lang, u, orig *Request, warnings []string, o Options) bot.Message {
	m := bot.Message{Text: l.T("Give back what request %s removed? %s to %s, each as it was assigned (the service plans that were off stay off).",
		orig.ID, l.plural(restoreCount(u), "license", "licenses"), l.plural(restoreUsers(u), "user", "users"))}
	m.Sections = restoreSections(l, u)
	m.Warnings = append(m.Warnings, warnings...)
	m.Warnings = append(m.Warnings, l.T("Mailbox and OneDrive data removed with the licenses is kept for 30 days after the removal (%s): given back before %s, the users get their data back.",
		l.time(orig.FinishedAt, o.Location), l.date(orig.FinishedAt.Add(o.UndoWindow), o.Location)))
	m.Buttons = []bot.Button{
		{Label: l.T("Give back"), Action: ActionConfirm, Value: u.ID, Style: bot.Primary, Confirm: &bot.Confirmation{
			Title: l.T("Give these licenses back?"), Text: l.T("%s will be assigned again.", l.plural(restoreCount(u), "license", "licenses")), Yes: l.T("Give back"), No: l.T("Back"),
		}},
		{Label: l.T("Cancel"), Action: ActionCancel, Value: u.ID},
	}
	m.Footer = l.T("Request %s · undoes %s · waits %s for your choice", u.ID, orig.ID, l.duration(o.ConfirmTTL))
	return m
}

// undoApprovalMessage asks the approvers for an undo: who asks, what goes back to whom.
func undoApprovalMessage(l lang, u *Request, o Options) bot.Message {
	m := bot.Message{Text: l.T("%s asks to give back %s to %s, undoing request %s. Approve?", u.Requester.DisplayName,
		l.plural(restoreCount(u), "license", "licenses"), l.plural(restoreUsers(u), "user", "users"), u.UndoOf)}
	fields := []bot.Field{{Label: l.T("Requested by"), Value: u.Requester.DisplayName + " <" + u.Requester.UPN + ">"}}
	m.Sections = append([]bot.Section{{Fields: fields}}, restoreSections(l, u)...)
	m.Buttons = undoApprovalButtons(l, u.ID)
	m.Footer = l.T("Request %s · undoes %s · open until %s", u.ID, u.UndoOf, l.time(u.ExpiresAt, o.Location))
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
func restoreSections(l lang, u *Request) []bot.Section {
	var out []bot.Section
	for _, ur := range u.Restores {
		var lines []string
		for _, p := range ur.Products {
			line := "↺ " + p.Name
			if n := len(p.DisabledPlans); n > 0 {
				line += l.T(" (with %s off, as before)", l.plural(n, "service plan", "service plans"))
			}
			lines = append(lines, line)
		}
		for _, name := range ur.Missing {
			lines = append(lines, l.T("✗ %s: no record of how it was assigned, so it can't be put back exactly", name))
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
func undoOutcomeMessage(l lang, r *Request, o Options) bot.Message {
	m := bot.Message{Text: l.T("Undo %s of request %s: %s.", r.ID, r.UndoOf, resultSummary(l, r))}
	byUser := map[string][]Result{}
	for _, res := range r.Results {
		byUser[res.UserID] = append(byUser[res.UserID], res)
	}
	for _, ur := range r.Restores {
		var lines []string
		for _, res := range byUser[ur.UserID] {
			switch res.Outcome {
			case OutcomeRestored:
				lines = append(lines, l.T("↺ gave back %s", res.Product))
			case OutcomeFailed:
				lines = append(lines, l.T("✗ couldn't give back %s: %s", res.Product, res.why(l)))
			}
		}
		m.Sections = append(m.Sections, bot.Section{Title: ur.UPN, Text: strings.Join(lines, "\n")})
	}
	if failed := failedCount(r.Results); failed > 0 {
		m.Warnings = append(m.Warnings, l.T("%s couldn't be given back; nothing else was changed for them. Once the cause is fixed (free seats, a usage location), [Retry failed] tries only those again.", l.plural(failed, "license", "licenses")))
	}
	m.Footer = l.T("Request %s · confirmed by %s · finished %s", r.ID, approverNames(l, r), l.time(r.FinishedAt, o.Location))
	return m
}
