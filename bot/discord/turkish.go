package discord

import "github.com/licensebot/licensebot/bot"

// turkishText is every sentence of the package in Turkish, keyed by its English (see
// language.go), the command's descriptions among them (at most 100 characters each, as
// Discord allows). Placeholders keep their order; "licensebot", Discord and commands stay
// as they are.
var turkishText = bot.Catalogue{
	// The command, as Discord shows it.
	"Remove Microsoft 365 licenses, after confirmation and approval":        "Microsoft 365 lisanslarını, sizin onayınız ve bir onaylayıcının onayıyla kaldırır",
	"UPNs or e-mail addresses, separated by spaces or commas":               "Boşluk veya virgülle ayrılmış UPN'ler ya da e-posta adresleri",
	"Why, for the approver and the audit":                                   "Gerekçe (onaylayıcı ve denetim kaydı için)",
	"Only show what would happen":                                           "Yalnızca ne olacağını gösterir",
	"Remove one product (or pick from a user's licenses)":                   "Bir ürünü kaldırır (ya da bir kullanıcının lisanslarından seçmenizi sağlar)",
	"The product, e.g. Office 365 E3 (leave out with one user to pick)":     "Ürün, ör. Office 365 E3 (tek kullanıcıda seçmek için boş bırakın)",
	"Remove every directly assigned license":                                "Doğrudan atanmış tüm lisansları kaldırır",
	"Show a user's licenses":                                                "Bir kullanıcının lisanslarını gösterir",
	"UPN or e-mail address":                                                 "UPN veya e-posta adresi",
	"Show where a request stands":                                           "Bir isteğin ne durumda olduğunu gösterir",
	"The request id shown under the request":                                "İsteğin altında gösterilen istek kimliği",
	"Give back what a removal took, as it was assigned (within 30 days)":    "Bir kaldırma işleminin aldıklarını atandıkları gibi geri verir (30 gün içinde)",
	"The id of the removal request, shown under its outcome":                "Kaldırma isteğinin sonucunun altında gösterilen kimliği",
	"Link your Discord account to your work account (an approver confirms)": "Discord hesabınızı iş hesabınıza bağlar (bir onaylayıcı doğrular)",
	"Your work address (UPN)":                                               "İş adresiniz (UPN)",
	"How /unassign works":                                                   "/unassign nasıl çalışır",

	// What the platform says.
	"I couldn't look up which work account your Discord account is linked to just now, so nothing was changed. Try again in a minute.":                                                             "Discord hesabınızın hangi iş hesabına bağlı olduğuna şu an bakamadım; bu yüzden hiçbir şey değiştirilmedi. Bir dakika sonra yeniden deneyin.",
	"licensebot answers /unassign and its own buttons only.":                                                                                                                                       "licensebot yalnızca /unassign komutunu ve kendi düğmelerini yanıtlar.",
	"I don't know which work account is yours: Discord doesn't tell bots e-mail addresses. Run /unassign link <your work address>; an approver must confirm it, and then /unassign works for you.": "Hangi iş hesabının size ait olduğunu bilmiyorum: Discord botlara e-posta adreslerini bildirmez. /unassign link <iş adresiniz> komutunu çalıştırın; bir onaylayıcı bunu doğruladıktan sonra /unassign sizin için çalışır.",
	"Linking accounts needs an approval channel, and none is configured. Ask whoever runs licensebot to map your account.":                                                                         "Hesap bağlamak için bir onay kanalı gerekir, ancak yapılandırılmış bir onay kanalı yok. licensebot'u yöneten kişiden hesabınızı eşlemesini isteyin.",
	"Only members with an approver role can decide link requests; nothing was changed.":                                                                                                            "Bağlama isteklerine yalnızca onaylayıcı rolü olan üyeler karar verebilir; hiçbir şey değiştirilmedi.",
	"You can't decide your own link request: another approver must confirm who you are.":                                                                                                           "Kendi bağlama isteğinize karar veremezsiniz: kim olduğunuzu başka bir onaylayıcı doğrulamalı.",
	"That link request no longer exists (requests wait a day); nothing was changed. The person can ask again with /unassign link.":                                                                 "Bu bağlama isteği artık yok (istekler bir gün bekler); hiçbir şey değiştirilmedi. Kişi /unassign link ile yeniden isteyebilir.",
	"That link request has expired (requests wait a day); nothing was changed. The person can ask again with /unassign link.":                                                                      "Bu bağlama isteğinin süresi doldu (istekler bir gün bekler); hiçbir şey değiştirilmedi. Kişi /unassign link ile yeniden isteyebilir.",
	"%.80q isn't a work address I can link: give your UPN, e.g. /unassign link alex@contoso.com.":                                                                                                  "%.80q bağlayabileceğim bir iş adresi değil: UPN'inizi verin, ör. /unassign link alex@contoso.com.",
	"Your Discord account is mapped to %s by licensebot's configuration, which a link can't change. Ask whoever runs licensebot.":                                                                  "Discord hesabınız licensebot'un yapılandırmasında %s hesabına eşlenmiş; bağlama isteğiyle bu değiştirilemez. licensebot'u yöneten kişiye danışın.",
	"I've asked the approvers to confirm that you are %s. You'll get a DM when one of them decides (requests wait a day).":                                                                         "Onaylayıcılardan sizin %s olduğunuzu doğrulamalarını istedim. Biri karar verdiğinde size özel mesaj gelecek (istekler bir gün bekler).",
	"That link request has already been decided (%s); nothing was changed.":                                                                                                                        "Bu bağlama isteği için zaten karar verildi (%s); hiçbir şey değiştirilmedi.",
	"approved": "onaylandı",
	"denied":   "reddedildi",
	"%s asks to link their Discord account to the work account %s. Approve only if you know that this is them: they will act with that account's roles.": "%s, Discord hesabını %s iş hesabına bağlamak istiyor. Yalnızca bunun gerçekten o kişi olduğunu biliyorsanız onay verin: o hesabın rolleriyle işlem yapacak.",
	"Discord user":                     "Discord kullanıcısı",
	"Work account":                     "İş hesabı",
	"Approve link":                     "Bağlamayı onayla",
	"Deny link":                        "Bağlamayı reddet",
	"Link request %s · open for a day": "Bağlama isteği %s · bir gün açık",
	"Link of %s to %s approved by %s.": "Hesap bağlama (%s → %s) %s tarafından onaylandı.",
	"Link of %s to %s denied by %s.":   "Hesap bağlama (%s → %s) %s tarafından reddedildi.",
	"Link request %s":                  "Bağlama isteği %s",
	"Your Discord account is now linked to %s: /unassign works for you with that account's roles.":                         "Discord hesabınız artık %s hesabına bağlı: /unassign sizin için o hesabın rolleriyle çalışır.",
	"An approver denied linking your Discord account to %s. If that's a mistake, ask them, then try /unassign link again.": "Bir onaylayıcı, Discord hesabınızı %s hesabına bağlamayı reddetti. Bu bir hataysa onaylayıcıya sorun, sonra /unassign link komutunu yeniden deneyin.",

	// Refusals of a command's options.
	"Name at least one user: UPNs or e-mail addresses, separated by spaces or commas.":                             "En az bir kullanıcı belirtin: boşluk veya virgülle ayrılmış UPN'ler ya da e-posta adresleri.",
	"The %s %.40q… contains every kind of quotation mark, which I can't pass on safely: leave some of them out.":   "%s seçeneğindeki %.40q… her türden tırnak işaretini içeriyor; bunu güvenle iletemem: bazılarını çıkarın.",
	"The user %.40q… contains every kind of quotation mark, which I can't pass on safely: leave some of them out.": "Kullanıcı değeri %.40q… her türden tırnak işaretini içeriyor; bunu güvenle iletemem: bazılarını çıkarın.",
	"/%s %s is not a sub-command I know; try /%s help.":                                                            "/%s %s bildiğim bir alt komut değil; /%s help komutunu deneyin.",

	// Summaries of what didn't fit.
	"… and %d more warnings (too long for one Discord message).": "… ve %d uyarı daha (tek bir Discord mesajı için fazla uzun).",
}
