package slack

// The platform speaks every language licensebot speaks, like the handlers: every sentence
// of its own is a message of the catalogue (locale/en.toml and its translations, section
// [slack]), said through locale.For(lang).T (language_test.go checks that every id it uses
// is in every file).

// language is the language of a message to a person with this Slack locale ("tr-TR"):
// theirs when licensebot speaks it, else the configured one (bot.Options.LanguageOf).
func (p *Platform) language(locale string) string { return p.cfg.LanguageOf(locale) }

// cachedLocale is the locale of a Slack user known by id only, without asking Slack: their
// cached profile's, else "". A command's ack goes before users.info is called (Slack waits
// 3 seconds), so the first ack of a person is in the configured language, and later ones in
// theirs.
func (p *Platform) cachedLocale(userID string) string {
	if u, ok := p.profiles.get(userID); ok {
		return u.Locale
	}
	return ""
}

// userLanguage is the language of a Slack user known by id only (cachedLocale).
func (p *Platform) userLanguage(userID string) string { return p.language(p.cachedLocale(userID)) }
