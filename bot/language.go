package bot

import "github.com/licensebot/licensebot/locale"

// The languages licensebot speaks, as the platforms' Config.Language takes them.
const (
	English = "en"
	Turkish = "tr"
)

// ParseLanguage reads a language or a chat locale ("tr", "tr-TR", Slack's "tr_TR",
// "en-US") as one of the languages licensebot speaks (a file of the message catalogue,
// package locale): its tag, "en" or "tr"; ok is false for any other.
func ParseLanguage(s string) (lang string, ok bool) {
	l, ok := locale.Parse(s)
	if !ok {
		return "", false
	}
	return l.String(), true
}

// LanguageOf is the language to speak to a person whose chat locale is locale: the
// locale's own when licensebot speaks it, else fallback (the configured default), else
// English. The handlers pick theirs the same way, so a platform's own words (its summaries,
// its refusals) come in the language of the message they belong to.
func LanguageOf(locale, fallback string) string {
	if l, ok := ParseLanguage(locale); ok {
		return l
	}
	if l, ok := ParseLanguage(fallback); ok {
		return l
	}
	return English
}

// What every platform says the same way, in lang. Like every sentence of bot and the
// platforms, the words are messages of the catalogue (locale/en.toml and its translations,
// section [bot] for these), said through locale.For(lang).T; language_test.go checks that
// every id used is in every file.

// Unavailable: the delivery couldn't be recorded (Redis is down), so nothing was done.
func Unavailable(lang string) Message {
	return Message{Text: locale.For(lang).T("bot.unavailable")}
}

// NotReady: the handlers are not set yet.
func NotReady(lang string) Message {
	return Message{Text: locale.For(lang).T("bot.not_ready")}
}

// Failed: the handler panicked; its report follows if it changed anything.
func Failed(lang string) Message {
	return Message{Text: locale.For(lang).T("bot.failed")}
}
