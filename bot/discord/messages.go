package discord

import (
	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/locale"
)

// What the Discord platform itself says, in lang: about Discord's side of things (the
// handlers say everything about requests and links). The words are the catalogue's,
// section [discord].

func msgWhoAreYou(lang string) bot.Message {
	return bot.Message{Text: locale.For(lang).T("discord.who_are_you")}
}

func msgUnknown(lang string) bot.Message {
	return bot.Message{Text: locale.For(lang).T("discord.unknown")}
}
