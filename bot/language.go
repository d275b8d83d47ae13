package bot

import (
	"fmt"
	"strings"
)

// The languages licensebot speaks, as the platforms' Config.Language takes them.
const (
	English = "en"
	Turkish = "tr"
)

// ParseLanguage reads a language or a chat locale ("tr", "tr-TR", Slack's "tr_TR",
// "en-US") as one of the languages licensebot speaks; ok is false for any other.
func ParseLanguage(s string) (lang string, ok bool) {
	base, _, _ := strings.Cut(strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", "-")), "-")
	switch base {
	case English, Turkish:
		return base, true
	}
	return "", false
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

// Catalogue is a package's sentences in Turkish, keyed by their English. Each package
// that speaks (bot, the platforms) has one, and says every sentence of its own through it
// (each package's say), with its English as a literal; the package's language test reads
// its source and checks that none is missing and that the placeholders match
// (internal/translations).
type Catalogue map[string]string

// Say writes english in lang (English, Turkish), with args as fmt.Sprintf would.
func (c Catalogue) Say(lang, english string, args ...any) string {
	if lang == Turkish {
		if tr, ok := c[english]; ok {
			english = tr
		}
	}
	if len(args) == 0 {
		return english
	}
	return fmt.Sprintf(english, args...)
}

// say is bot's own words in lang.
func say(lang, english string, args ...any) string { return turkishText.Say(lang, english, args...) }

// turkishText is every sentence of the package in Turkish, keyed by its English.
var turkishText = Catalogue{
	"… and %d more (too long for one %s message)": "… ve %d tane daha (tek bir %s mesajı için fazla uzun)",
	"licensebot is temporarily unavailable, so nothing was changed. Try again in a minute; if it persists, tell whoever runs licensebot.":                       "licensebot geçici olarak kullanılamıyor; bu yüzden hiçbir şey değiştirilmedi. Bir dakika sonra yeniden deneyin; sürerse licensebot'u yöneten kişiye bildirin.",
	"licensebot is still starting, so nothing was changed. Try again in a minute.":                                                                              "licensebot hâlâ başlatılıyor; bu yüzden hiçbir şey değiştirilmedi. Bir dakika sonra yeniden deneyin.",
	"Something went wrong on licensebot's side while answering; if a change was made, its report will follow. Check with /unassign status before trying again.": "Yanıt verilirken licensebot tarafında bir şeyler ters gitti; bir değişiklik yapıldıysa raporu ardından gelecek. Yeniden denemeden önce /unassign status ile durumu denetleyin.",
}

// What every platform says the same way, in lang.

// Unavailable: the delivery couldn't be recorded (Redis is down), so nothing was done.
func Unavailable(lang string) Message {
	return Message{Text: say(lang, "licensebot is temporarily unavailable, so nothing was changed. Try again in a minute; if it persists, tell whoever runs licensebot.")}
}

// NotReady: the handlers are not set yet.
func NotReady(lang string) Message {
	return Message{Text: say(lang, "licensebot is still starting, so nothing was changed. Try again in a minute.")}
}

// Failed: the handler panicked; its report follows if it changed anything.
func Failed(lang string) Message {
	return Message{Text: say(lang, "Something went wrong on licensebot's side while answering; if a change was made, its report will follow. Check with /unassign status before trying again.")}
}
