package discord

import (
	"fmt"

	"github.com/licensebot/licensebot/bot"
)

// The platform speaks English and Turkish, like the handlers: every sentence of its own goes
// through say with its English (and the command's descriptions are registered in both),
// and turkish.go has each in Turkish (language_test.go reads this package's source and
// checks that none is missing and that the placeholders match).

// say writes english in lang (bot.English, bot.Turkish), with args as fmt.Sprintf would.
func say(lang, english string, args ...any) string {
	if lang == bot.Turkish {
		if tr, ok := turkishText[english]; ok {
			english = tr
		}
	}
	if len(args) == 0 {
		return english
	}
	return fmt.Sprintf(english, args...)
}

// language is the language of a message to a person with this Discord locale (every
// interaction carries the person's, e.g. "tr" or "en-US"): theirs when licensebot speaks
// it, else Config.Language. Messages many read (the approval channel, replies under it) and
// messages to a person found by e-mail pass "", as the handlers write those in the
// configured language.
func (p *Platform) language(locale string) string { return bot.LanguageOf(locale, p.cfg.Language) }
