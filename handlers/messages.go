package handlers

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// Every sentence the bot says about a request is written here, so that there is one place
// to read, and later to translate, them all.

const dateLayout = "Mon 2 Jan 2006"
const timeLayout = "Mon 2 Jan 2006 15:04 MST"

func formatDate(t time.Time, loc *time.Location) string { return t.In(loc).Format(dateLayout) }
func formatTime(t time.Time, loc *time.Location) string { return t.In(loc).Format(timeLayout) }

// formatDuration says a wait the way people do: "15 minutes", "3 days".
func formatDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return plural(int(d/(24*time.Hour)), "day", "days")
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour", "hours")
	case d >= time.Minute:
		return plural(int(d.Round(time.Minute)/time.Minute), "minute", "minutes")
	}
	return plural(int(d.Round(time.Second)/time.Second), "second", "seconds")
}

func helpMessage(o Options) bot.Message {
	who := "one of the configured approvers"
	switch o.Policy {
	case PolicyManager:
		who = "each user's manager in Microsoft Entra"
	case PolicyNone:
		who = "nobody else (approval is turned off)"
	}
	return bot.Message{
		Text: "licensebot removes Microsoft 365 licenses, with your confirmation and a second person's approval.",
		Sections: []bot.Section{
			{Title: "Usage", Text: Usage},
			{Title: "How it goes", Text: "1. You ask; I show what will be removed, what will be skipped and why, and what happens to the users' data.\n" +
				"2. You confirm.\n" +
				"3. Approval by " + who + ".\n" +
				"4. I remove the licenses (any number of users, with the progress in the approval message) and report the results, the data-retention dates and the seats now unused.\n" +
				"5. [Retry failed] tries the users that failed again; [Undo] (or /unassign undo <id>) gives the licenses back as they were, within 30 days."},
			{Title: "Who may ask", Text: "Global, License or User Administrators in Microsoft Entra."},
			{Title: "Examples", Text: "/unassign alice@contoso.com --product \"Office 365 E3\" --reason \"left the company\"\n" +
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

func planMessage(p licensing.Plan, notices map[string][]licensing.Notice, o Options, mode planMode, id string) bot.Message {
	m := bot.Message{}
	n := p.Removals()
	switch mode {
	case planDryRun:
		m.Text = fmt.Sprintf("Dry run: %s would be removed. Nothing was stored or changed.", plural(n, "license", "licenses"))
	case planNothing:
		m.Text = "There is nothing to remove, so no request was made. Here is why:"
	default:
		m.Text = fmt.Sprintf("This will remove %s from %s once approved. Please check and confirm.", plural(n, "license", "licenses"), plural(usersWithRemovals(p), "user", "users"))
	}
	m.Sections = planSections(p, notices, o.Location)
	if mode == planConfirm {
		m.Buttons = confirmButtons(id, n)
		m.Footer = fmt.Sprintf("Request %s · waits %s for your confirmation", id, formatDuration(o.ConfirmTTL))
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
func planSections(p licensing.Plan, notices map[string][]licensing.Notice, loc *time.Location) []bot.Section {
	var out []bot.Section
	for _, up := range p.Users {
		sec := bot.Section{Title: userTitle(up)}
		var lines []string
		for _, it := range up.Remove {
			line := "✂ remove " + productLabel(it)
			if len(it.Groups) > 0 {
				line += " (the direct assignment only: the user keeps it through " + groupNames(it.Groups) + ")"
			}
			lines = append(lines, line)
		}
		for _, it := range up.Skip {
			if it.Skip == licensing.SkipUserNotFound {
				lines = append(lines, "⚠ no user has this UPN, mail or id: skipped")
				continue
			}
			lines = append(lines, "↷ keep "+productLabel(it)+": "+skipReason(it))
		}
		for _, n := range notices[up.User.ID] {
			lines = append(lines, "⚠ "+noticeText(n, loc))
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

func productLabel(it licensing.Item) string {
	if it.PartNumber != "" && it.PartNumber != it.Name {
		return it.Name + " (" + it.PartNumber + ")"
	}
	return it.Name
}

func groupNames(gs []licensing.Group) string {
	names := make([]string, 0, len(gs))
	for _, g := range gs {
		n := "the group \"" + firstNonEmpty(g.DisplayName, g.ID) + "\""
		switch {
		case g.Dynamic:
			n += " (dynamic membership: change the rule or the user's attributes)"
		case g.Synced:
			n += " (synced from on-premises AD: change it there)"
		}
		names = append(names, n)
	}
	return joinAnd(names)
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func noticeText(n licensing.Notice, loc *time.Location) string {
	d := formatDate(n.Date, loc)
	switch n.Kind {
	case licensing.NoticeMailboxDeletion:
		return "Mailbox: kept for 30 days, then deleted for good on " + d + ". Assigning an Exchange Online license again before then reconnects it with its data."
	case licensing.NoticeMailboxHold:
		return "To keep the mailbox longer, put it on a litigation hold or under a retention policy before " + d + ": a held mailbox of a deleted user becomes an inactive mailbox (needs Exchange Online Plan 2, e.g. in Office 365 E3/E5, or Exchange Online Archiving)."
	case licensing.NoticeEDiscovery:
		return "Until " + d + " the unlicensed mailbox can still be searched with Content Search / eDiscovery."
	case licensing.NoticeOneDrive:
		return "OneDrive: files are not deleted by this, but Microsoft archives OneDrive accounts left unlicensed (around " + d + ") and bills for archived storage, unless a retention policy covers them. Move or keep the files before then."
	case licensing.NoticeSignInNotBlocked:
		return "Sign-in is NOT blocked: removing licenses doesn't sign the user out. For a leaver, block sign-in and revoke their sessions."
	case licensing.NoticeOfficeApps:
		return "Installed Office apps will show \"Unlicensed Product\" and activation errors, then run in reduced functionality mode."
	}
	return ""
}

func pickMessage(r *Request, o Options) bot.Message {
	up := r.Plan.Users[0]
	m := bot.Message{Text: fmt.Sprintf("Which of %s's licenses should go?", userTitle(up))}
	m.Sections = planSections(r.Plan, nil, o.Location)
	for i, it := range up.Remove {
		m.Buttons = append(m.Buttons, bot.Button{Label: truncate("Remove "+it.Name, 75), Action: ActionPick, Value: buttonValue(r.ID, i)})
	}
	if len(up.Remove) > 1 {
		m.Buttons = append(m.Buttons, bot.Button{Label: "All of these", Action: ActionPick, Value: buttonValue(r.ID, len(up.Remove)), Style: bot.Danger})
	}
	m.Buttons = append(m.Buttons, bot.Button{Label: "Cancel", Action: ActionCancel, Value: r.ID})
	m.Footer = fmt.Sprintf("Request %s · waits %s for your choice", r.ID, formatDuration(o.ConfirmTTL))
	return m
}

func confirmedMessage(r *Request, o Options) bot.Message {
	to := "the approvers"
	if r.Policy == PolicyManager {
		names := make([]string, len(r.Managers))
		for i, m := range r.Managers {
			names[i] = m.DisplayName
		}
		to = joinAnd(names)
	}
	return bot.Message{
		Text:   fmt.Sprintf("Confirmed. I asked %s to approve; you'll hear from me when it's decided.", to),
		Footer: fmt.Sprintf("Request %s · approval open until %s", r.ID, formatTime(r.ExpiresAt, o.Location)),
	}
}

func approvalMessage(r *Request, notices map[string][]licensing.Notice, o Options) bot.Message {
	m := bot.Message{
		Text: fmt.Sprintf("%s asks to remove %s from %s. Approve?", r.Requester.DisplayName,
			plural(r.Plan.Removals(), "license", "licenses"), plural(usersWithRemovals(r.Plan), "user", "users")),
	}
	fields := []bot.Field{{Label: "Requested by", Value: r.Requester.DisplayName + " <" + r.Requester.UPN + ">"}}
	fields = append(fields, bot.Field{Label: "Reason", Value: firstNonEmpty(r.Reason, "(none given)")})
	m.Sections = append([]bot.Section{{Fields: fields}}, planSections(r.Plan, notices, o.Location)...)
	m.Buttons = approvalButtons(r.ID)
	m.Footer = fmt.Sprintf("Request %s · open until %s", r.ID, formatTime(r.ExpiresAt, o.Location))
	return m
}

func expiredMessage(r *Request, loc *time.Location) bot.Message {
	return bot.Message{
		Text:   fmt.Sprintf("This request expired at %s without a decision. Nothing was changed; ask again with /unassign if it is still needed.", formatTime(r.ExpiresAt, loc)),
		Footer: "Request " + r.ID,
	}
}

// stateMessage says where a request is, for a click that comes too late or twice, for the
// messages whose buttons must go, and for status.
func stateMessage(r *Request, loc *time.Location) bot.Message {
	var text string
	last := func(approved bool) string {
		for i := len(r.Decisions) - 1; i >= 0; i-- {
			d := r.Decisions[i]
			if d.Approved == approved {
				return fmt.Sprintf("%s at %s", d.By.DisplayName, formatTime(d.At, loc))
			}
		}
		return "someone"
	}
	switch r.State {
	case StateAwaitingPick:
		text = "This request waits for " + r.Requester.DisplayName + " to pick the licenses."
	case StateAwaitingConfirmation:
		text = "This request waits for " + r.Requester.DisplayName + " to confirm."
	case StateAwaitingApproval:
		text = "This request waits for approval."
		if r.Policy == PolicyManager && countApprovals(r) > 0 {
			var waiting []string
			for _, m := range r.Managers {
				if !r.approvedBy(m.UserID) {
					waiting = append(waiting, m.DisplayName)
				}
			}
			text = fmt.Sprintf("Approved by %s; still waiting for %s.", last(true), joinAnd(waiting))
		}
	case StateApproved, StateRunning:
		text = "Approved by " + last(true) + ". Removing the licenses now."
		if r.Round > 0 {
			text = fmt.Sprintf("Approved by %s. Retrying %s now.", last(true), plural(len(r.Retry), "user", "users"))
		}
	case StateDone:
		text = "Approved by " + last(true) + ". Done: " + resultSummary(r.Results) + "."
	case StatePartlyDone:
		text = "Approved by " + last(true) + ". Partly done: " + resultSummary(r.Results) + "."
	case StateFailed:
		text = "Approved by " + last(true) + ". Failed: " + resultSummary(r.Results) + "."
	case StateDenied:
		text = "Denied by " + last(false) + ". Nothing was changed."
	case StateCancelled:
		text = "Cancelled by " + r.Requester.DisplayName + ". Nothing was changed."
	case StateExpired:
		return expiredMessage(r, loc)
	}
	if r.Kind == KindUndo {
		text = undoStateText(r, last(true), text)
	}
	return bot.Message{Text: text, Footer: "Request " + r.ID}
}

func resultSummary(results []Result) string {
	if n := countOutcome(results, OutcomeRestored); n > 0 || (len(results) > 0 && countOutcome(results, OutcomeRemoved)+countOutcome(results, OutcomeSkipped) == 0) {
		return fmt.Sprintf("%d restored, %d failed", n, failedCount(results))
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
	return fmt.Sprintf("%d removed, %d skipped, %d failed", removed, skipped, failed)
}

// outcomeMessage is the report: per user what happened, the data-retention warnings with
// their dates, and the seats now unused.
func outcomeMessage(r *Request, notices map[string][]licensing.Notice, seats []licensing.SeatReport, o Options) bot.Message {
	m := bot.Message{Text: fmt.Sprintf("Request %s: %s.", r.ID, resultSummary(r.Results))}
	byUser := map[string][]Result{}
	for _, res := range r.Results {
		byUser[res.UPN] = append(byUser[res.UPN], res)
	}
	for _, up := range r.Plan.Users {
		var lines []string
		for _, res := range byUser[userLabel(up)] {
			switch res.Outcome {
			case OutcomeRemoved:
				lines = append(lines, "✓ removed "+res.Product)
			case OutcomeSkipped:
				lines = append(lines, "↷ skipped "+res.Product+": "+res.Reason)
			case OutcomeFailed:
				lines = append(lines, "✗ failed "+res.Product+": "+res.Reason)
			}
		}
		m.Sections = append(m.Sections, bot.Section{Title: userTitle(up), Text: strings.Join(lines, "\n")})
		for _, n := range notices[up.User.ID] {
			m.Warnings = append(m.Warnings, up.User.UserPrincipalName+": "+noticeText(n, o.Location))
		}
	}
	if len(seats) > 0 {
		sec := bot.Section{Title: "Seats"}
		var lines []string
		renewal := false
		for _, s := range seats {
			line := fmt.Sprintf("%s: %d purchased, %d assigned, %d unused (%d freed now)", s.Name, s.Purchased, s.Assigned, s.Unused, s.Freed)
			if !s.NextLifecycle.IsZero() {
				line += ", next renewal " + formatDate(s.NextLifecycle, o.Location)
				renewal = true
			}
			lines = append(lines, line)
		}
		lines = append(lines, "If these seats won't be given to someone else, reduce the subscription's license count in the admin center (Billing › Your products) so you stop paying for them.")
		advice := "Some subscriptions can only be reduced or cancelled within a short window after purchase or renewal; after it, turn off recurring billing so the subscription ends at the end of its term."
		if renewal {
			advice = "Some subscriptions can only be reduced or cancelled within a short window after purchase or renewal (see the renewal dates); after it, turn off recurring billing so the subscription ends at the end of its term."
		}
		lines = append(lines, advice)
		sec.Text = strings.Join(lines, "\n")
		m.Sections = append(m.Sections, sec)
	}
	if failed := failedCount(r.Results); failed > 0 {
		m.Warnings = append(m.Warnings, fmt.Sprintf("%d removals failed; nothing else was changed for them. Once the cause is fixed, [Retry failed] tries only those again, under the same approval.", failed))
	}
	if countOutcome(r.Results, OutcomeRemoved) > 0 && r.Kind == KindRemove {
		m.Warnings = append(m.Warnings, fmt.Sprintf("Changed your mind? /unassign undo %s gives these licenses back exactly as they were assigned, until %s.",
			r.ID, formatDate(r.FinishedAt.Add(o.UndoWindow), o.Location)))
	}
	m.Footer = "Request " + r.ID + " · approved by " + approverNames(r) + " · finished " + formatTime(r.FinishedAt, o.Location)
	return m
}

func failedCount(results []Result) int {
	n := 0
	for _, r := range results {
		if r.Outcome == OutcomeFailed {
			n++
		}
	}
	return n
}

func approverNames(r *Request) string {
	var names []string
	for _, d := range r.Decisions {
		if d.Approved {
			names = append(names, d.By.DisplayName)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "nobody (approval is turned off)"
	}
	return joinAnd(names)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func undoStateText(r *Request, by, text string) string {
	head := "Undo of request " + r.UndoOf + ": "
	switch r.State {
	case StateAwaitingConfirmation:
		return head + "waits for " + r.Requester.DisplayName + " to confirm."
	case StateApproved, StateRunning:
		return head + "confirmed by " + by + ". Putting the licenses back now."
	case StateDone:
		return head + "done: " + resultSummary(r.Results) + "."
	case StatePartlyDone:
		return head + "partly done: " + resultSummary(r.Results) + "."
	case StateFailed:
		return head + "failed: " + resultSummary(r.Results) + "."
	case StateCancelled:
		return head + "cancelled. Nothing was changed."
	}
	return head + text
}

// progressMessage is a running job's message: "N of M users done (K skipped, F failed)".
func progressMessage(r *Request, c progressCounts, loc *time.Location) bot.Message {
	m := stateMessage(r, loc)
	if r.State != StateRunning && r.State != StateApproved {
		return m
	}
	if c.Total > 0 {
		m.Text += fmt.Sprintf(" %d of %s done", c.Done, plural(c.Total, "user", "users"))
		if c.Skipped > 0 || c.Failed > 0 {
			m.Text += fmt.Sprintf(" (%d skipped, %d failed)", c.Skipped, c.Failed)
		}
		m.Text += "."
	}
	return m
}

// undoPlanMessage asks the caller to confirm an undo: what goes back to whom, and what can't.
func undoPlanMessage(u, orig *Request, warnings []string, o Options) bot.Message {
	users := 0
	for _, ur := range u.Restores {
		if len(ur.Products) > 0 {
			users++
		}
	}
	m := bot.Message{Text: fmt.Sprintf("Give back what request %s removed? %s to %s, each as it was assigned (the service plans that were off stay off).",
		orig.ID, plural(restoreCount(u), "license", "licenses"), plural(users, "user", "users"))}
	for _, ur := range u.Restores {
		var lines []string
		for _, p := range ur.Products {
			line := "↺ " + p.Name
			if n := len(p.DisabledPlans); n > 0 {
				line += fmt.Sprintf(" (with %s off, as before)", plural(n, "service plan", "service plans"))
			}
			lines = append(lines, line)
		}
		for _, name := range ur.Missing {
			lines = append(lines, "✗ "+name+": no record of how it was assigned, so it can't be put back exactly")
		}
		title := ur.UPN
		if ur.DisplayName != "" {
			title = ur.DisplayName + " <" + ur.UPN + ">"
		}
		m.Sections = append(m.Sections, bot.Section{Title: title, Text: strings.Join(lines, "\n")})
	}
	m.Warnings = append(m.Warnings, warnings...)
	m.Warnings = append(m.Warnings, fmt.Sprintf("Mailbox and OneDrive data removed with the licenses is kept for 30 days after the removal (%s): given back before %s, the users get their data back.",
		formatTime(orig.FinishedAt, o.Location), formatDate(orig.FinishedAt.Add(o.UndoWindow), o.Location)))
	m.Buttons = []bot.Button{
		{Label: "Give back", Action: ActionConfirm, Value: u.ID, Style: bot.Primary, Confirm: &bot.Confirmation{
			Title: "Give these licenses back?", Text: plural(restoreCount(u), "license", "licenses") + " will be assigned again.", Yes: "Give back", No: "Back",
		}},
		{Label: "Cancel", Action: ActionCancel, Value: u.ID},
	}
	m.Footer = fmt.Sprintf("Request %s · undoes %s · waits %s for your choice", u.ID, orig.ID, formatDuration(o.ConfirmTTL))
	return m
}

// undoOutcomeMessage reports an undo: what was given back, and what couldn't be and why.
func undoOutcomeMessage(r *Request, o Options) bot.Message {
	m := bot.Message{Text: fmt.Sprintf("Undo %s of request %s: %s.", r.ID, r.UndoOf, resultSummary(r.Results))}
	byUser := map[string][]Result{}
	for _, res := range r.Results {
		byUser[res.UserID] = append(byUser[res.UserID], res)
	}
	for _, ur := range r.Restores {
		var lines []string
		for _, res := range byUser[ur.UserID] {
			switch res.Outcome {
			case OutcomeRestored:
				lines = append(lines, "↺ gave back "+res.Product)
			case OutcomeFailed:
				lines = append(lines, "✗ couldn't give back "+res.Product+": "+res.Reason)
			}
		}
		m.Sections = append(m.Sections, bot.Section{Title: ur.UPN, Text: strings.Join(lines, "\n")})
	}
	if failed := failedCount(r.Results); failed > 0 {
		m.Warnings = append(m.Warnings, fmt.Sprintf("%s couldn't be given back; nothing else was changed for them. Once the cause is fixed (free seats, a usage location), [Retry failed] tries only those again.", plural(failed, "license", "licenses")))
	}
	m.Footer = "Request " + r.ID + " · confirmed by " + approverNames(r) + " · finished " + formatTime(r.FinishedAt, o.Location)
	return m
}
