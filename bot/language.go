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

// say writes english in lang, with args as fmt.Sprintf would: bot's own words, whose
// Turkish is in turkishText (language_test.go checks that none is missing).
func say(lang, english string, args ...any) string {
	if lang == Turkish {
		if tr, ok := turkishText[english]; ok {
			english = tr
		}
	}
	if len(args) == 0 {
		return english
	}
	return fmt.Sprintf(english, args...)
}

// turkishText is every sentence of the package in Turkish, keyed by its English.
var turkishText = map[string]string{
	"… and %d more (too long for one %s message)": "… ve %d tane daha (tek bir %s mesajı için fazla uzun)",
}
