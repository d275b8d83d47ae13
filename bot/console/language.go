package console

import "github.com/licensebot/licensebot/bot"

// The console speaks every language licensebot speaks, like the handlers: every sentence of
// its own is a message of the catalogue (locale/en.toml and its translations, section
// [console]), said through locale.For(lang).T in the language of whom it is for
// (language_test.go checks that every id it uses is in every file).

// language is the language for a person with locale: theirs, else Language, else English.
func (c *Console) language(locale string) string { return bot.LanguageOf(locale, c.Language) }

// typist is the language of the person typing now.
func (c *Console) typist() string { return c.language(c.Actor().Locale) }
