package console

import "github.com/licensebot/licensebot/bot"

// The console speaks English and Turkish, like the handlers: every sentence of its own goes
// through say with its English, and turkishText has each in Turkish (language_test.go reads
// this package's source and checks that none is missing and that the placeholders match).

// say writes english in lang (bot.English, bot.Turkish), with args as fmt.Sprintf would.
func say(lang, english string, args ...any) string { return turkishText.Say(lang, english, args...) }

// turkishText is every sentence of the package in Turkish, keyed by its English.
var turkishText = bot.Catalogue{
	"in reply to #%s":       "#%s mesajına yanıt",
	"the approvers":         "onaylayıcılar",
	"to %s":                 "kime: %s",
	"privately to %s":       "yalnızca şu kişiye: %s",
	"message #%s now reads": "#%s mesajının yeni hâli",
	"to you":                "size",
	"Warnings":              "Uyarılar",
	"Type /unassign … (try /unassign help), a button's number to press it, /as <user> to become someone else, /whoami.": "/unassign … yazın (/unassign help ile başlayabilirsiniz); bir düğmeye basmak için numarasını, başka biri olmak için /as <kullanıcı>, kim olduğunuzu görmek için /whoami yazın.",
	"You are %s <%s>.": "Şu an %s <%s> olarak yazıyorsunuz.",
	"Usage: /as <user>, e.g. /as megan@contoso.example": "Kullanım: /as <kullanıcı>, ör. /as megan@contoso.example",
	"Can't become %q: %v":                               "%q kullanıcısına geçilemiyor: %v",
	"You are now %s <%s>.":                              "Artık %s <%s> olarak yazıyorsunuz.",
	"Unknown input %q: type /unassign …, a button's number, /as <user> or /help.": "Bilinmeyen girdi %q: /unassign …, bir düğmenin numarasını, /as <kullanıcı> ya da /help yazın.",
	"There is no button [%d] (any more): the message it was on has changed.":      "[%d] numaralı bir düğme yok (ya da artık yok): bulunduğu mesaj değişti.",
}
