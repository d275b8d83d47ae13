package discord

import (
	"github.com/licensebot/licensebot/bot"
)

// What the Discord platform itself says, in lang: about Discord's side of things and about
// links (the handlers say everything about requests).

func msgWhoAreYou(lang string) bot.Message {
	return bot.Message{Text: say(lang, "I couldn't look up which work account your Discord account is linked to just now, so nothing was changed. Try again in a minute.")}
}

func msgUnknown(lang string) bot.Message {
	return bot.Message{Text: say(lang, "licensebot answers /unassign and its own buttons only.")}
}

func msgLinkFirst(lang string) bot.Message {
	return bot.Message{Text: say(lang, "I don't know which work account is yours: Discord doesn't tell bots e-mail addresses. Run /unassign link <your work address>; an approver must confirm it, and then /unassign works for you.")}
}

func msgNoApprovalChannel(lang string) bot.Message {
	return bot.Message{Text: say(lang, "Linking accounts needs an approval channel, and none is configured. Ask whoever runs licensebot to map your account.")}
}

func msgNotLinkApprover(lang string) bot.Message {
	return bot.Message{Text: say(lang, "Only members with an approver role can decide link requests; nothing was changed.")}
}

func msgOwnLink(lang string) bot.Message {
	return bot.Message{Text: say(lang, "You can't decide your own link request: another approver must confirm who you are.")}
}

func msgLinkUnknown(lang string) bot.Message {
	return bot.Message{Text: say(lang, "That link request no longer exists (requests wait a day); nothing was changed. The person can ask again with /unassign link.")}
}

func msgLinkExpired(lang string) bot.Message {
	return bot.Message{Text: say(lang, "That link request has expired (requests wait a day); nothing was changed. The person can ask again with /unassign link.")}
}

func msgNotAnAddress(lang, upn string) bot.Message {
	return bot.Message{Text: say(lang, "%.80q isn't a work address I can link: give your UPN, e.g. /unassign link alex@contoso.com.", upn)}
}

func msgFixedMapping(lang, upn string) bot.Message {
	return bot.Message{Text: say(lang, "Your Discord account is mapped to %s by licensebot's configuration, which a link can't change. Ask whoever runs licensebot.", upn)}
}

func msgLinkRequested(lang, upn string) bot.Message {
	return bot.Message{Text: say(lang, "I've asked the approvers to confirm that you are %s. You'll get a DM when one of them decides (requests wait a day).", upn)}
}

func msgLinkDecided(lang, state string) bot.Message {
	return bot.Message{Text: say(lang, "That link request has already been decided (%s); nothing was changed.", stateWord(lang, state))}
}

// stateWord names a decided link request's state.
func stateWord(lang, state string) string {
	switch state {
	case stateApproved:
		return say(lang, "approved")
	case stateDenied:
		return say(lang, "denied")
	}
	return state
}

// linkApproval is the request posted to the approvers, in lang (the configured one: the
// approval channel is read by many).
func linkApproval(lang string, r linkRequest) bot.Message {
	return bot.Message{
		Text: say(lang, "%s asks to link their Discord account to the work account %s. Approve only if you know that this is them: they will act with that account's roles.", r.Name, r.UPN),
		Sections: []bot.Section{{Fields: []bot.Field{
			{Label: say(lang, "Discord user"), Value: r.Name + " (" + r.DiscordID + ")"},
			{Label: say(lang, "Work account"), Value: r.UPN},
		}}},
		Buttons: []bot.Button{
			{Label: say(lang, "Approve link"), Action: actionLinkApprove, Value: r.ID, Style: bot.Primary},
			{Label: say(lang, "Deny link"), Action: actionLinkDeny, Value: r.ID, Style: bot.Danger},
		},
		Footer: say(lang, "Link request %s · open for a day", r.ID),
	}
}

// linkDecision replaces the request once decided: its buttons go.
func linkDecision(lang string, r linkRequest, approverName string) bot.Message {
	text := say(lang, "Link of %s to %s denied by %s.", r.Name, r.UPN, approverName)
	if r.State == stateApproved {
		text = say(lang, "Link of %s to %s approved by %s.", r.Name, r.UPN, approverName)
	}
	return bot.Message{Text: text, Footer: say(lang, "Link request %s", r.ID)}
}

// linkOutcome tells the requester, in lang (theirs, as their request recorded it).
func linkOutcome(lang string, r linkRequest) bot.Message {
	if r.State == stateApproved {
		return bot.Message{Text: say(lang, "Your Discord account is now linked to %s: /unassign works for you with that account's roles.", r.UPN)}
	}
	return bot.Message{Text: say(lang, "An approver denied linking your Discord account to %s. If that's a mistake, ask them, then try /unassign link again.", r.UPN)}
}
