package slack

// The platform speaks English and Turkish, like the handlers: every sentence of its own goes
// through say with its English, and turkish.go has each in Turkish (language_test.go reads
// this package's source and checks that none is missing and that the placeholders match).

// say writes english in lang (bot.English, bot.Turkish), with args as fmt.Sprintf would.
func say(lang, english string, args ...any) string { return turkishText.Say(lang, english, args...) }

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
