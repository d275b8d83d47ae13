package slack

import "github.com/licensebot/licensebot/bot"

// What the Slack platform itself says, in lang: only about Slack's side of things (the
// handlers say everything about requests).

func msgWorking(lang string) bot.Message {
	return bot.Message{Text: say(lang, "Working on it…")}
}

func msgUnavailable(lang string) bot.Message {
	return bot.Message{Text: say(lang, "licensebot is temporarily unavailable, so nothing was changed. Try again in a minute; if it persists, tell whoever runs licensebot.")}
}

func msgNotReady(lang string) bot.Message {
	return bot.Message{Text: say(lang, "licensebot is still starting, so nothing was changed. Try again in a minute.")}
}

func msgWhoAreYou(lang string) bot.Message {
	return bot.Message{Text: say(lang, "I couldn't look you up in Slack just now, so nothing was changed. Try again in a minute.")}
}

func msgFailed(lang string) bot.Message {
	return bot.Message{Text: say(lang, "Something went wrong on licensebot's side while answering; if a change was made, its report will follow. Check with /unassign status before trying again.")}
}

func msgUnknownCommand(lang, command string) bot.Message {
	return bot.Message{Text: say(lang, "This app answers %s only.", command)}
}
