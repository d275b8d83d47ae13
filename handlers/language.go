package handlers

import (
	"context"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/locale"
)

// Every sentence the bot says is a message of the catalogue (the package locale: one file
// per language, keyed by message id), said through locale.Lang.T, or say for the person
// of a context, with its id and its placeholders' values; language_test.go reads this
// package's source and checks that every id is in every file with the placeholders given.
// Product names, ids and people's names stay as they are.

// The languages, for what is said in one whatever the reader's: logs and audit records
// (English), tests.
var (
	english = locale.For(bot.English)
	turkish = locale.For(bot.Turkish)
)

// langOf picks the language for a chat locale ("tr-TR", "tr", "en-US"), else fallback: the
// same choice the chat adapters make (bot.LanguageOf).
func langOf(chatLocale string, fallback locale.Lang) locale.Lang {
	return locale.For(bot.LanguageOf(chatLocale, fallback.String()))
}

type langKey struct{}

// withLang is the context of one person's command or click: what is said back is in their
// language.
func withLang(ctx context.Context, l locale.Lang) context.Context {
	return context.WithValue(ctx, langKey{}, l)
}

// langIn is the language of ctx's person, English when none was set.
func langIn(ctx context.Context) locale.Lang {
	if l, ok := ctx.Value(langKey{}).(locale.Lang); ok {
		return l
	}
	return english
}

// say is the message id in the language of ctx's person: locale.Lang.T.
func say(ctx context.Context, id string, args ...any) string {
	return langIn(ctx).T(id, args...)
}

// langFor is the language of a person the bot writes to; shared messages (the approval
// channel) use the configured default.
func (s *Service) langFor(chatLocale string) locale.Lang { return langOf(chatLocale, s.shared()) }

// shared is the language of messages many read (the approval channel): the configured one.
func (s *Service) shared() locale.Lang { return langOf(s.opts.Language, english) }
