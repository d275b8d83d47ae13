package slack

import "github.com/licensebot/licensebot/bot"

// What the Slack platform itself says: only about Slack's side of things (the handlers say
// everything about requests).
var (
	msgWorking     = bot.Message{Text: "Working on it…"}
	msgUnavailable = bot.Message{Text: "licensebot is temporarily unavailable, so nothing was changed. Try again in a minute; if it persists, tell whoever runs licensebot."}
	msgNotReady    = bot.Message{Text: "licensebot is still starting, so nothing was changed. Try again in a minute."}
	msgWhoAreYou   = bot.Message{Text: "I couldn't look you up in Slack just now, so nothing was changed. Try again in a minute."}
	msgFailed      = bot.Message{Text: "Something went wrong on licensebot's side while answering; if a change was made, its report will follow. Check with /unassign status before trying again."}
)

func msgUnknownCommand(command string) bot.Message {
	return bot.Message{Text: "This app answers " + command + " only."}
}
