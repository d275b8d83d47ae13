package slack

import "github.com/licensebot/licensebot/bot"

// What the Slack platform itself says, in lang: only about Slack's side of things (the
// handlers say everything about requests).

// msgWorking is the acknowledgement of a command: Slack shows it at once.
func msgWorking(lang string) bot.Message { return bot.Message{Text: say(lang, "Working on it…")} }

// msgWhoAreYou: users.info failed (bot.Wire.Unidentified).
func msgWhoAreYou(lang string) bot.Message {
	return bot.Message{Text: say(lang, "I couldn't look you up in Slack just now, so nothing was changed. Try again in a minute.")}
}

// msgUnknownCommand turns away another command routed to this app.
func msgUnknownCommand(lang, command string) bot.Message {
	return bot.Message{Text: say(lang, "This app answers %s only.", command)}
}
