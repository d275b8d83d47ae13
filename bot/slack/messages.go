package slack

import (
	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/locale"
)

// What the Slack platform itself says, in lang: only about Slack's side of things (the
// handlers say everything about requests). The words are the catalogue's, section [slack].

// msgWorking is the acknowledgement of a command: Slack shows it at once.
func msgWorking(lang string) bot.Message {
	return bot.Message{Text: locale.For(lang).T("slack.working")}
}

// msgWhoAreYou: users.info failed (bot.Wire.Unidentified).
func msgWhoAreYou(lang string) bot.Message {
	return bot.Message{Text: locale.For(lang).T("slack.who_are_you")}
}

// msgUnknownCommand turns away another command routed to this app.
func msgUnknownCommand(lang, command string) bot.Message {
	return bot.Message{Text: locale.For(lang).T("slack.unknown_command", "Command", command)}
}
