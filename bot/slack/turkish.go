package slack

// turkishText is every sentence of the package in Turkish, keyed by its English (see
// language.go). Placeholders keep their order; "licensebot", Slack and commands stay as
// they are.
var turkishText = map[string]string{
	"Working on it…": "Üzerinde çalışıyorum…",
	"licensebot is temporarily unavailable, so nothing was changed. Try again in a minute; if it persists, tell whoever runs licensebot.":                       "licensebot geçici olarak kullanılamıyor; bu yüzden hiçbir şey değiştirilmedi. Bir dakika sonra yeniden deneyin; sürerse licensebot'u yöneten kişiye bildirin.",
	"licensebot is still starting, so nothing was changed. Try again in a minute.":                                                                              "licensebot hâlâ başlatılıyor; bu yüzden hiçbir şey değiştirilmedi. Bir dakika sonra yeniden deneyin.",
	"I couldn't look you up in Slack just now, so nothing was changed. Try again in a minute.":                                                                  "Slack'teki bilgilerinize şu an ulaşamadım; bu yüzden hiçbir şey değiştirilmedi. Bir dakika sonra yeniden deneyin.",
	"Something went wrong on licensebot's side while answering; if a change was made, its report will follow. Check with /unassign status before trying again.": "Yanıt verilirken licensebot tarafında bir şeyler ters gitti; bir değişiklik yapıldıysa raporu ardından gelecek. Yeniden denemeden önce /unassign status ile durumu denetleyin.",
	"This app answers %s only.":                                "Bu uygulama yalnızca %s komutunu yanıtlar.",
	"… and %d more warnings (too long for one Slack message).": "… ve %d uyarı daha (tek bir Slack mesajı için fazla uzun).",
	"Are you sure?": "Emin misiniz?",
	"Yes":           "Evet",
	"Cancel":        "İptal",
}
