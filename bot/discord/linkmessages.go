package discord

import (
	"fmt"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/locale"
)

// What the Discord platform says about account links (links.go), in lang, until links move
// to the handlers. The words are the catalogue's, section [discord], link.*.

func msgLinkFirst(lang string) bot.Message {
	return bot.Message{Text: locale.For(lang).T("discord.link.first")}
}

func msgNoApprovalChannel(lang string) bot.Message {
	return bot.Message{Text: locale.For(lang).T("discord.link.no_approval_channel")}
}

func msgNotLinkApprover(lang string) bot.Message {
	return bot.Message{Text: locale.For(lang).T("discord.link.not_an_approver")}
}

func msgOwnLink(lang string) bot.Message {
	return bot.Message{Text: locale.For(lang).T("discord.link.own")}
}

func msgLinkUnknown(lang string) bot.Message {
	return bot.Message{Text: locale.For(lang).T("discord.link.unknown")}
}

func msgLinkExpired(lang string) bot.Message {
	return bot.Message{Text: locale.For(lang).T("discord.link.expired")}
}

// msgNotAnAddress refuses what was typed for a UPN, quoted (at most 80 characters of it).
func msgNotAnAddress(lang, upn string) bot.Message {
	return bot.Message{Text: locale.For(lang).T("discord.link.not_an_address", "Typed", fmt.Sprintf("%.80q", upn))}
}

func msgFixedMapping(lang, upn string) bot.Message {
	return bot.Message{Text: locale.For(lang).T("discord.link.fixed_mapping", "UPN", upn)}
}

func msgLinkRequested(lang, upn string) bot.Message {
	return bot.Message{Text: locale.For(lang).T("discord.link.requested", "UPN", upn)}
}

func msgLinkDecided(lang, state string) bot.Message {
	return bot.Message{Text: locale.For(lang).T("discord.link.decided", "State", stateWord(lang, state))}
}

// stateWord names a decided link request's state.
func stateWord(lang, state string) string {
	switch state {
	case stateApproved:
		return locale.For(lang).T("discord.link.state.approved")
	case stateDenied:
		return locale.For(lang).T("discord.link.state.denied")
	}
	return state
}

// linkApproval is the request posted to the approvers, in lang (the configured one: the
// approval channel is read by many).
func linkApproval(lang string, r linkRequest) bot.Message {
	l := locale.For(lang)
	return bot.Message{
		Text: l.T("discord.link.approval", "Name", r.Name, "UPN", r.UPN),
		Sections: []bot.Section{{Fields: []bot.Field{
			{Label: l.T("discord.link.field.discord_user"), Value: r.Name + " (" + r.DiscordID + ")"},
			{Label: l.T("discord.link.field.work_account"), Value: r.UPN},
		}}},
		Buttons: []bot.Button{
			{Label: l.T("discord.link.button.approve"), Action: actionLinkApprove, Value: r.ID, Style: bot.Primary},
			{Label: l.T("discord.link.button.deny"), Action: actionLinkDeny, Value: r.ID, Style: bot.Danger},
		},
		Footer: l.T("discord.link.footer.open", "ID", r.ID),
	}
}

// linkDecision replaces the request once decided: its buttons go.
func linkDecision(lang string, r linkRequest, approverName string) bot.Message {
	l := locale.For(lang)
	text := l.T("discord.link.decision.denied", "Name", r.Name, "UPN", r.UPN, "By", approverName)
	if r.State == stateApproved {
		text = l.T("discord.link.decision.approved", "Name", r.Name, "UPN", r.UPN, "By", approverName)
	}
	return bot.Message{Text: text, Footer: l.T("discord.link.footer.decided", "ID", r.ID)}
}

// linkOutcome tells the requester, in lang (theirs, as their request recorded it).
func linkOutcome(lang string, r linkRequest) bot.Message {
	if r.State == stateApproved {
		return bot.Message{Text: locale.For(lang).T("discord.link.outcome.approved", "UPN", r.UPN)}
	}
	return bot.Message{Text: locale.For(lang).T("discord.link.outcome.denied", "UPN", r.UPN)}
}
