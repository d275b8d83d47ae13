package discord

// The platform speaks every language licensebot speaks, like the handlers: every sentence
// of its own is a message of the catalogue (locale/en.toml and its translations, section
// [discord]), said through locale.For(lang).T, and the command's descriptions are
// registered in every one of them (commands.go; language_test.go checks that every id it
// uses is in every file).

// language is the language of a message to a person with this Discord locale (every
// interaction carries the person's, e.g. "tr" or "en-US"): theirs when licensebot speaks
// it, else the configured one (bot.Options.LanguageOf).
func (p *Platform) language(locale string) string { return p.cfg.LanguageOf(locale) }
