package bottest

import (
	"fmt"

	"github.com/licensebot/licensebot/bot"
)

// Messages as the handlers make them (handlers/messages.go), for the platforms' rendering
// tests.

// PlanMessage is a plan for users users, each named by address (a format of the user's
// number, e.g. "user%03d@contoso.com").
func PlanMessage(users int, address string) bot.Message {
	m := bot.Message{
		Text: fmt.Sprintf("This will remove %d licenses from %d users once approved. Please check and confirm.", users, users),
		Buttons: []bot.Button{
			{Label: "Confirm", Action: "confirm", Value: "7k2m9q4x8w1r5t3y", Style: bot.Primary, Confirm: &bot.Confirmation{
				Title: "Remove these licenses?", Text: fmt.Sprintf("%d licenses will be removed once approved.", users), Yes: "Confirm", No: "Back"}},
			{Label: "Cancel", Action: "cancel", Value: "7k2m9q4x8w1r5t3y"},
		},
		Footer: "Request 7k2m9q4x8w1r5t3y · waits 15 minutes for your confirmation",
	}
	for i := range users {
		m.Sections = append(m.Sections, bot.Section{
			Title: fmt.Sprintf("User %03d <"+address+">", i, i),
			Text: "✂ remove Office 365 E3 (ENTERPRISEPACK)\n" +
				"↷ keep Microsoft 365 E5 (SPE_E5): inherited from the group \"All Staff\": remove the user from the group (or the license from the group) instead\n" +
				"⚠ Mailbox: kept for 30 days, then deleted for good on Wed 1 Apr 2026. Assigning an Exchange Online license again before then reconnects it with its data.",
		})
	}
	return m
}

// ApprovalMessage is an approval request whose reason is the requester's words, with a
// native "are you sure?" on Approve when confirm.
func ApprovalMessage(reason string, confirm bool) bot.Message {
	approve := bot.Button{Label: "Approve", Action: "approve", Value: "7k2m9q4x8w1r5t3y", Style: bot.Primary}
	if confirm {
		approve.Confirm = &bot.Confirmation{Title: "Approve the removal?", Text: "The licenses are removed as soon as you approve.", Yes: "Approve", No: "Back"}
	}
	return bot.Message{
		Text: "Megan Bowen asks to remove 2 licenses from 2 users. Approve?",
		Sections: []bot.Section{
			{Fields: []bot.Field{{Label: "Requested by", Value: "Megan Bowen <megan@contoso.com>"}, {Label: "Reason", Value: reason, Verbatim: true}}},
			{Title: "Alice Wood <alice@contoso.com>", Text: "✂ remove Office 365 E3 (ENTERPRISEPACK)\n⚠ Sign-in is NOT blocked: removing licenses doesn't sign the user out. For a leaver, block sign-in and revoke their sessions."},
			{Title: "Bob Reyes <bob@contoso.com>", Text: "✂ remove Office 365 E3 (ENTERPRISEPACK)"},
		},
		Buttons: []bot.Button{approve, {Label: "Deny", Action: "deny", Value: "7k2m9q4x8w1r5t3y", Style: bot.Danger}},
		Footer:  "Request 7k2m9q4x8w1r5t3y · open until Thu 5 Mar 2026 09:30 UTC",
	}
}

// OutcomeMessage is a request's outcome with seats and warnings.
func OutcomeMessage() bot.Message {
	return bot.Message{
		Text: "Request 7k2m9q4x8w1r5t3y: 1 removed, 1 skipped, 0 failed.",
		Sections: []bot.Section{
			{Title: "Alice Wood <alice@contoso.com>", Text: "✓ removed Office 365 E3"},
			{Title: "Bob Reyes <bob@contoso.com>", Text: "↷ skipped Office 365 E3: not assigned any more"},
			{Title: "Seats", Text: "Office 365 E3: 25 purchased, 20 assigned, 5 unused (1 freed now), next renewal Sun 1 Nov 2026\n" +
				"If these seats won't be given to someone else, reduce the subscription's license count in the admin center (Billing › Your products) so you stop paying for them."},
		},
		Warnings: []string{
			"alice@contoso.com: Mailbox: kept for 30 days, then deleted for good on Wed 1 Apr 2026. Assigning an Exchange Online license again before then reconnects it with its data.",
			"alice@contoso.com: OneDrive: files are not deleted by this, but Microsoft archives OneDrive accounts left unlicensed (around Mon 31 Aug 2026).",
		},
		Footer: "Request 7k2m9q4x8w1r5t3y · approved by Adele Vance · finished Mon 2 Mar 2026 09:41 UTC",
	}
}

// Sample is a message as the handlers make it, named for its golden file.
type Sample struct {
	Name    string
	Message bot.Message
	// Approval: the approval request, which a platform renders with the approvers'
	// mentions at its head.
	Approval bool
}

// Samples are the plan for two users (named by address, as PlanMessage), the approval
// request (with reason, and confirm as ApprovalMessage) and the outcome.
func Samples(address, reason string, confirm bool) []Sample {
	return []Sample{
		{Name: "plan", Message: PlanMessage(2, address)},
		{Name: "approval", Message: ApprovalMessage(reason, confirm), Approval: true},
		{Name: "outcome", Message: OutcomeMessage()},
	}
}
