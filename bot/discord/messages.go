package discord

import (
	"fmt"

	"github.com/licensebot/licensebot/bot"
)

// What the Discord platform itself says: about Discord's side of things and about links
// (the handlers say everything about requests).
var (
	msgUnavailable = bot.Message{Text: "licensebot is temporarily unavailable, so nothing was changed. Try again in a minute; if it persists, tell whoever runs licensebot."}
	msgNotReady    = bot.Message{Text: "licensebot is still starting, so nothing was changed. Try again in a minute."}
	msgWhoAreYou   = bot.Message{Text: "I couldn't look up which work account your Discord account is linked to just now, so nothing was changed. Try again in a minute."}
	msgFailed      = bot.Message{Text: "Something went wrong on licensebot's side while answering; if a change was made, its report will follow. Check with /unassign status before trying again."}
	msgUnknown     = bot.Message{Text: "licensebot answers /unassign and its own buttons only."}
	msgLinkFirst   = bot.Message{Text: "I don't know which work account is yours: Discord doesn't tell bots e-mail addresses. " +
		"Run /unassign link <your work address>; an approver must confirm it, and then /unassign works for you."}
	msgNoApprovalChannel = bot.Message{Text: "Linking accounts needs an approval channel, and none is configured. Ask whoever runs licensebot to map your account."}
	msgNotLinkApprover   = bot.Message{Text: "Only members with an approver role can decide link requests; nothing was changed."}
	msgOwnLink           = bot.Message{Text: "You can't decide your own link request: another approver must confirm who you are."}
	msgLinkUnknown       = bot.Message{Text: "That link request no longer exists (requests wait a day); nothing was changed. The person can ask again with /unassign link."}
	msgLinkExpired       = bot.Message{Text: "That link request has expired (requests wait a day); nothing was changed. The person can ask again with /unassign link."}
)

func msgNotAnAddress(upn string) bot.Message {
	return bot.Message{Text: fmt.Sprintf("%.80q isn't a work address I can link: give your UPN, e.g. /unassign link alex@contoso.com.", upn)}
}

func msgFixedMapping(upn string) bot.Message {
	return bot.Message{Text: fmt.Sprintf("Your Discord account is mapped to %s by licensebot's configuration, which a link can't change. Ask whoever runs licensebot.", upn)}
}

func msgLinkRequested(upn string) bot.Message {
	return bot.Message{Text: fmt.Sprintf("I've asked the approvers to confirm that you are %s. You'll get a DM when one of them decides (requests wait a day).", upn)}
}

func msgLinkDecided(state string) bot.Message {
	return bot.Message{Text: fmt.Sprintf("That link request has already been decided (%s); nothing was changed.", state)}
}

// linkApproval is the request posted to the approvers.
func linkApproval(r linkRequest) bot.Message {
	return bot.Message{
		Text: fmt.Sprintf("%s asks to link their Discord account to the work account %s. Approve only if you know that this is them: they will act with that account's roles.", r.Name, r.UPN),
		Sections: []bot.Section{{Fields: []bot.Field{
			{Label: "Discord user", Value: fmt.Sprintf("%s (%s)", r.Name, r.DiscordID)},
			{Label: "Work account", Value: r.UPN},
		}}},
		Buttons: []bot.Button{
			{Label: "Approve link", Action: actionLinkApprove, Value: r.ID, Style: bot.Primary},
			{Label: "Deny link", Action: actionLinkDeny, Value: r.ID, Style: bot.Danger},
		},
		Footer: "Link request " + r.ID + " · open for a day",
	}
}

// linkDecision replaces the request once decided: its buttons go.
func linkDecision(r linkRequest, approverName string) bot.Message {
	verb := "denied"
	if r.State == stateApproved {
		verb = "approved"
	}
	return bot.Message{
		Text:   fmt.Sprintf("Link of %s to %s %s by %s.", r.Name, r.UPN, verb, approverName),
		Footer: "Link request " + r.ID,
	}
}

func linkOutcome(r linkRequest) bot.Message {
	if r.State == stateApproved {
		return bot.Message{Text: fmt.Sprintf("Your Discord account is now linked to %s: /unassign works for you with that account's roles.", r.UPN)}
	}
	return bot.Message{Text: fmt.Sprintf("An approver denied linking your Discord account to %s. If that's a mistake, ask them, then try /unassign link again.", r.UPN)}
}
