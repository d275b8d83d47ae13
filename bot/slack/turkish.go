package slack

import "github.com/licensebot/licensebot/bot"

// turkishText is every sentence of the package in Turkish, keyed by its English (see
// language.go). Placeholders keep their order; "licensebot", Slack and commands stay as
// they are.
var turkishText = bot.Catalogue{
	"Working on it…": "Üzerinde çalışıyorum…",
	"I couldn't look you up in Slack just now, so nothing was changed. Try again in a minute.": "Slack'teki bilgilerinize şu an ulaşamadım; bu yüzden hiçbir şey değiştirilmedi. Bir dakika sonra yeniden deneyin.",
	"This app answers %s only.":                                "Bu uygulama yalnızca %s komutunu yanıtlar.",
	"… and %d more warnings (too long for one Slack message).": "… ve %d uyarı daha (tek bir Slack mesajı için fazla uzun).",
	"Are you sure?": "Emin misiniz?",
	"Yes":           "Evet",
	"Cancel":        "İptal",
}
