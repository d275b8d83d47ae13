package discord

// The platform speaks English and Turkish, like the handlers: every sentence of its own goes
// through say with its English (and the command's descriptions are registered in both),
// and turkish.go has each in Turkish (language_test.go reads this package's source and
// checks that none is missing and that the placeholders match).

// say writes english in lang (bot.English, bot.Turkish), with args as fmt.Sprintf would.
func say(lang, english string, args ...any) string { return turkishText.Say(lang, english, args...) }

// language is the language of a message to a person with this Discord locale (every
// interaction carries the person's, e.g. "tr" or "en-US"): theirs when licensebot speaks
// it, else the configured one (bot.Options.LanguageOf).
func (p *Platform) language(locale string) string { return p.cfg.LanguageOf(locale) }
