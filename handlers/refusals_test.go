package handlers

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/licensing"
)

// Every refusal reason, as a use case makes it, and the words the admin reads: the same
// words as before the reasons were typed, in English; in Turkish, translated, with every
// value in its place.
func TestEveryRefusalIsSaidInBothLanguages(t *testing.T) {
	t.Parallel()
	ist, _ := time.LoadLocation("Europe/Istanbul")
	removed := time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		why     refusalReason
		english string
		turkish string // a part of the Turkish, with the values
		details []string
	}{
		{noChatEmail{}, "Your chat account has no e-mail address, so I can't tell which Microsoft Entra user you are. Ask whoever runs licensebot to map your account.", "e-posta adresi yok", nil},
		{unusableChatEmail{email: "x y"}, `Your chat account's e-mail address "x y" isn't one I can look up in Microsoft Entra.`, `"x y"`, nil},
		{noVouchedUser{id: "9f1c2d3e-0000-4000-8000-000000000001"}, "Your chat platform says you are the Microsoft Entra user 9f1c2d3e-0000-4000-8000-000000000001, but this organisation's directory has no such user, so I can't check your roles. Ask your administrator whether your account was deleted or is a guest from another organisation.", "9f1c2d3e-0000-4000-8000-000000000001 olduğunuzu", nil},
		{noEntraUser{email: "nobody@contoso.example"}, "No Microsoft Entra user has the address nobody@contoso.example, so I can't check your roles. Your chat e-mail must match your work account.", "nobody@contoso.example değil", nil},
		{notAnAdmin{upn: "carol@contoso.example", roles: []string{"Global Administrator", "License Administrator", "User Administrator"}},
			"You (carol@contoso.example) can't unassign licenses: that needs one of these Microsoft Entra roles: Global Administrator, License Administrator or User Administrator. Ask a Global Administrator to assign you one (an eligible PIM role must be activated first).",
			"Global Administrator, License Administrator veya User Administrator", nil},
		{notLinked{}, "I don't know which work account is yours: your chat account shows me no e-mail address, and it isn't linked to one. Run /unassign link <your work address>; once an administrator approves it, /unassign works for you.", "/unassign link <iş adresiniz>", nil},
		{expansionUnavailable{}, "Targets by group or by product holders aren't available in this licensebot; name the users instead.", "hedefleme yok", nil},
		{noSignInActivity{}, "Finding inactive users needs their sign-in activity, which Microsoft Entra shows only to tenants with Entra ID P1 or P2, and this one has neither; Microsoft 365's activity report couldn't be read instead (it needs Reports.Read.All). Nothing was asked. Name the users instead.", "Entra ID P1 veya P2", nil},
		{concealedReport{}, "This tenant has no Entra ID P1, and Microsoft 365's activity report hides users' names, so they can't be matched to users. Nothing was asked. To use the report, turn off \"Display concealed user, group, and site names in all reports\" (Microsoft 365 admin center › Settings › Org settings › Reports), or name the users.", "gizliyor", nil},
		{badSchedule{at: "friday", unreadable: true}, `--at "friday" isn't a time I can read: write it as 2026-12-04 18:00 (your organisation's time zone).`, `"friday"`, nil},
		{badSchedule{at: "2020-01-01 10:00", latest: removed, loc: ist}, `--at "2020-01-01 10:00" must be at least five minutes from now and no later than Tue 20 Oct 2026 12:00 +03.`, "Sal 20 Eki 2026", nil},
		{mayNotUnschedule{}, "Only the requester or an approver of this request can cancel it.", "iptal edebilir", nil},
		{leaverUnavailable{}, "Leavers aren't available in this licensebot (it can't block sign-in); remove the licenses alone, and block sign-in in the Microsoft 365 admin center.", "oturum açmayı engelleyemiyor", nil},
		{noSuchLeaver{query: "ghost@contoso.example"}, "No Microsoft Entra user is ghost@contoso.example, so nothing was asked.", "ghost@contoso.example adında", nil},
		{noSuchGroup{name: "Sales"}, "No group is called Sales (or has that object id), so nothing was asked. Give the group's exact name or its object id.", "Sales adında", nil},
		{ambiguousGroup{name: "Sales"}, "More than one group is called Sales, so nothing was asked. Give the group's object id instead (Entra admin center › Groups).", "Sales adında birden çok", nil},
		{emptySource{src: licensing.Source{Kind: licensing.SourceGroup, Name: "Sales"}}, "The group Sales gave no user to remove licenses from, so nothing was asked.", "Sales grubu", nil},
		{tooManyInSource{src: licensing.Source{Kind: licensing.SourceHolders, Name: "Office 365 E3", Users: 1234}, max: 1000},
			"The direct holders of Office 365 E3 gave 1,234 users, more than one request may hold (1,000, LICENSEBOT_MAX_TARGETS). Nothing was asked and nobody was cut off: narrow it down (a smaller group), or ask whoever runs licensebot to raise the limit.",
			"Office 365 E3 ürününün doğrudan sahipleri 1.234", nil},
		{notSignedIn{}, "I don't know which work account is yours yet: licensebot takes no chat profile's word for it. Sign in with Microsoft once: run /unassign link (nothing after it).", "/unassign link", nil},
		{linkBySignInOnly{}, "Links are made by signing in with Microsoft here, not by an administrator's approval: run /unassign link with nothing after it.", "/unassign link", nil},
		{signInUnavailable{}, "Signing in with Microsoft isn't set up in this licensebot, so it can't link accounts or check sign-ins. Ask whoever runs licensebot (see the README, \"Signing in with Microsoft\").", "ayarlanmamış", nil},
		{signInOtherTenant{}, "You signed in with an account of another organisation's directory, so nothing was linked. Sign in with your work account here: run /unassign link again.", "Başka bir kuruluşun", nil},
		{signInDeclined{}, "The sign-in was declined at Microsoft's page, so nothing was linked. To link your account: /unassign link.", "reddedildi", nil},
		{signInExpired{}, "Nobody signed in with that code or link in time (or it was used already), so nothing was linked. For a new one: /unassign link.", "zamanında", nil},
		{signInFailed{}, "The answer from Microsoft's sign-in couldn't be verified, so nothing was linked; this is logged. Try /unassign link again, and tell whoever runs licensebot if it keeps happening.", "doğrulanamadı", nil},
		{signInFailed{unavailable: true}, "Microsoft's sign-in service (or the directory) couldn't be reached just now, so nothing was linked. Try /unassign link again in a few minutes.", "ulaşılamadı", nil},
		{signInNoUser{upn: "guest@fabrikam.example"}, "You signed in as guest@fabrikam.example, which isn't a user of this organisation's directory, so nothing was linked.", "guest@fabrikam.example", nil},
		{signInNotAccount{upn: "megan@contoso.example"}, "You signed in as megan@contoso.example, but your chat account belongs to another Microsoft Entra user: nothing was linked. Sign in with your own work account. If you used a code or link someone sent you, tell your administrator.", "megan@contoso.example olarak", nil},
		{signInNotYou{upn: "megan@contoso.example", email: "carol@contoso.example"}, "You signed in as megan@contoso.example, but your chat profile's address is carol@contoso.example: nothing was linked. Sign in with your own work account. If you used a code or link someone sent you, tell your administrator.", "megan@contoso.example olarak", nil},
		{signInNeeded{window: 8 * time.Hour}, "Approving needs a sign-in with Microsoft within the last 8 hours, and your chat account has none.", "8 saat", nil},
		{signInStale{window: 8 * time.Hour, at: removed, loc: ist}, "Approving needs a sign-in with Microsoft within the last 8 hours; yours was at Tue 20 Oct 2026 12:00 +03.", "Sal 20 Eki 2026", nil},
		{signInNoContext{context: "c1"}, "Approving needs a sign-in that met your organisation's sign-in policy c1 (such as multi-factor authentication), and your last one didn't show it.", "c1 oturum", nil},
		{linkedUserGone{upn: "gone@contoso.example"}, "Your chat account is linked to gone@contoso.example, and no Microsoft Entra user has that address any more. Link it again with /unassign link <your work address>.", "gone@contoso.example", nil},
		{linksUnavailable{}, "Linking chat accounts isn't available here: licensebot was started without a place to keep links. Ask whoever runs licensebot.", "bağlantıları", nil},
		{linkFixed{upn: "adele@contoso.example"}, "Your chat account is mapped to adele@contoso.example by licensebot's configuration, which a link can't change. Ask whoever runs licensebot.", "adele@contoso.example", nil},
		{alreadyLinked{upn: "adele@contoso.example"}, "Your chat account is already linked to adele@contoso.example; nothing was changed.", "adele@contoso.example", nil},
		{noLinkUser{upn: "ghost@contoso.example"}, "No Microsoft Entra user has the address ghost@contoso.example; nothing was asked. Give your work account's address (UPN).", "ghost@contoso.example", nil},
		{ownLinkRequest{}, "You can't decide your own link request: another administrator has to confirm who you are.", "Kendi bağlama isteğinize", nil},
		{ownLinkAccount{}, "You can't approve linking a chat account to your own work account: another administrator has to.", "kendi iş hesabınıza", nil},
		{notALinkAdmin{upn: "carol@contoso.example", roles: []string{"Global Administrator", "User Administrator"}},
			"You (carol@contoso.example) can see and remove only your own link: someone else's needs one of these Microsoft Entra roles: Global Administrator or User Administrator. For your own, leave the person out.",
			"yalnızca kendi bağlantınızı", nil},
		{noSuchLinkedUser{upn: "ghost@contoso.example"}, "No Microsoft Entra user has the address ghost@contoso.example. Give the person's work address (UPN), or mention them.", "ghost@contoso.example", nil},
		{unlinkFixed{upn: "adele@contoso.example", own: true}, "Your chat account is mapped to adele@contoso.example by licensebot's configuration (DISCORD_USER_MAP), not by a link, so it can't be removed here. Ask whoever runs licensebot to take it out of DISCORD_USER_MAP.", "DISCORD_USER_MAP'ten çıkarmasını", nil},
		{unlinkFixed{upn: "adele@contoso.example", account: "discord 111"}, "The chat account discord 111 is mapped to adele@contoso.example by licensebot's configuration (DISCORD_USER_MAP), not by a link, so it can't be removed here. Whoever runs licensebot can take it out of DISCORD_USER_MAP.", "discord 111 sohbet hesabı", nil},
		{notALinkDecider{upn: "carol@contoso.example", roles: []string{"Global Administrator", "User Administrator"}},
			"You (carol@contoso.example) can't decide link requests: that needs one of these Microsoft Entra roles: Global Administrator or User Administrator.",
			"Global Administrator veya User Administrator", nil},
		{notARemoval{id: "req1"}, "Request req1 linked a chat account and removed nothing, so there is nothing to give back.", "req1", nil},
		{foreignWorkspace{}, "licensebot doesn't take requests from this workspace, so nothing was changed. Whoever runs licensebot can add it to LICENSEBOT_WORKSPACES.", "LICENSEBOT_WORKSPACES", nil},
		{otherWorkspace{id: "req1"}, "Request req1 was made in another workspace; it can only be acted on there.", "req1 isteği", nil},
		{unknownButton{}, "That button is not one of licensebot's.", "", nil},
		{unknownButtonValue{}, "That button doesn't belong to a request I know; nothing was changed.", "Bu düğme", nil},
		{choiceNotInRequest{}, "That choice doesn't belong to this request.", "Bu seçim", nil},
		{noSuchRequest{id: "req1", keptDays: 30}, "There is no request req1: it never existed or its record has been deleted (finished requests are kept for 30 days).", "req1", nil},
		{notTheRequester{name: "Adele Vance"}, "Only Adele Vance, who made this request, can confirm or cancel it.", "(Adele Vance)", nil},
		{mayNotSee{}, "Only the requester, the approvers and licensing administrators can see this request.", "", nil},
		{mayNotRetry{}, "Only the requester or an approver of this request can retry it.", "", nil},
		{nothingToRetry{}, "What failed here can't be retried: there is no record of how it was assigned.", "", nil},
		{ownRequest{}, "You can't approve or deny your own request: another approver has to.", "Kendi isteğinizi", nil},
		{alreadyApproved{}, "You have already approved this request; it waits for the other managers.", "zaten onayladınız", nil},
		{notAManager{}, "Only the managers of the users in this request can approve or deny it.", "yöneticileri", nil},
		{notAnApprover{upn: "carol@contoso.example"}, "You (carol@contoso.example) are not one of licensebot's approvers, so you can't approve or deny requests. Whoever runs licensebot sets the approvers.", "Siz (carol@contoso.example)", nil},
		{noManager{upn: "dan@contoso.example"}, "dan@contoso.example has no manager in Microsoft Entra, and licensebot is set to ask each user's manager for approval. Set their manager in Entra first, or leave them out of this request.", "dan@contoso.example", nil},
		{managerOfTarget{upn: "dan@contoso.example"}, "You are dan@contoso.example's manager, and nobody approves their own request. Ask another administrator to make this request, so that you can approve it.", "dan@contoso.example", nil},
		{ambiguousProduct{typed: "E3", candidates: []string{"Office 365 E3 (ENTERPRISEPACK)", "Microsoft 365 E3 (SPE_E3)"}},
			`"E3" could mean more than one product; nothing was changed. Say which, by its full name or part number:`, `"E3"`,
			[]string{"Office 365 E3 (ENTERPRISEPACK)", "Microsoft 365 E3 (SPE_E3)"}},
		{productNotInTenant{name: "Office 365 E5", partNumber: "ENTERPRISEPREMIUM"}, "Your organisation has no Office 365 E5 (ENTERPRISEPREMIUM) subscription, so nobody has that license; nothing was changed.", "Office 365 E5 (ENTERPRISEPREMIUM)", nil},
		{unknownProduct{typed: "Z9"}, `I don't know a product called "Z9"; nothing was changed. Use the product's name as in the admin center (e.g. "Office 365 E3"), its part number (ENTERPRISEPACK) or its SKU id. /unassign show <user> lists a user's licenses.`, `"Z9"`, nil},
		{noSuchUser{query: "ghost@contoso.example"}, "No user has the UPN, mail or id ghost@contoso.example.", "ghost@contoso.example", nil},
		{overLimit{limit: 30, window: 10 * time.Minute, wait: 7 * time.Minute},
			"You have made 30 requests in the last 10 minutes, as many as licensebot takes from one person; nothing was changed. Try again in 7 minutes, or put several users in one request.", "10 dakika", nil},
		{overLimit{workspace: true, limit: 300, window: 10 * time.Minute, wait: 7 * time.Minute},
			"licensebot has taken 300 requests from this workspace in the last 10 minutes, its limit; nothing was changed. Try again in 7 minutes.", "300", nil},
		{overLimit{dryRun: true, limit: 100, window: 10 * time.Minute, wait: time.Minute},
			"You have made 100 dry runs in the last 10 minutes, as many as licensebot takes from one person; nothing was read. Try again in 1 minute.", "100 deneme", nil},
		{overLimit{dryRun: true, workspace: true, limit: 1000, window: 10 * time.Minute, wait: 30 * time.Second},
			"licensebot has taken 1000 dry runs from this workspace in the last 10 minutes, its limit; nothing was read. Try again in 30 seconds.", "30 saniye", nil},
		{undoUnavailable{}, "Undo is not available here: licensebot was started without a way to assign licenses.", "", nil},
		{undoGone{id: "req1", keptDays: 30}, "There is no request req1 any more. Requests are kept for 30 days; past 30 days after a removal the user's mailbox data is gone anyway, so a license given back would come with an empty mailbox.", "req1", nil},
		{undoOfUndo{id: "req1"}, "Request req1 is itself an undo; to remove those licenses again, use /unassign.", "req1", nil},
		{undoUnfinished{id: "req1"}, "Request req1 hasn't finished yet; undo it once it has (/unassign status req1).", "req1", nil},
		{alreadyUndone{id: "req1", by: "req2"}, "Request req1 is already being undone by request req2: /unassign status req2 shows how far it got.", "req2", nil},
		{undoneMeanwhile{id: "req1", by: "req2"}, "Request req1 is already being undone by request req2.", "req2", nil},
		{nothingRemoved{id: "req1"}, "Request req1 removed nothing, so there is nothing to give back.", "req1", nil},
		{undoTooLate{id: "req1", removedOn: removed, loc: ist, windowDays: 30},
			"Request req1 removed the licenses on Tue 20 Oct 2026, more than 30 days ago: the mailbox data is gone and can't be recovered, so giving the licenses back would not bring it back. Assign them again with the admin center if the users still need them.",
			"Sal 20 Eki 2026", nil},
		{noSnapshots{id: "req1"}, "There is no record of how the licenses of request req1 were assigned (the snapshots have expired), so they can't be put back exactly. Assign them again with the admin center.", "req1", nil},
	}
	said := map[string]bool{}
	for _, tt := range tests {
		name := fmt.Sprintf("%T", tt.why)
		said[strings.TrimPrefix(name, "handlers.")] = true
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			en, details := refusalWords(english, tt.why)
			if en != tt.english {
				t.Errorf("English:\n got %q\nwant %q", en, tt.english)
			}
			if strings.Join(details, "\n") != strings.Join(tt.details, "\n") {
				t.Errorf("details %q, want %q", details, tt.details)
			}
			if err := refuse(tt.why); err.Error() != tt.english {
				t.Errorf("Error() %q, want the English", err.Error())
			}
			tr, _ := refusalWords(turkish, tt.why)
			if tr == en || strings.Contains(tr, "%!") || !strings.Contains(tr, tt.turkish) {
				t.Errorf("Turkish %q: not translated, or without %q", tr, tt.turkish)
			}
		})
	}
	// Every reason the package declares is said above: one added without its words would
	// reach the admin as "something went wrong".
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "refusals.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			return true
		}
		for _, field := range st.Fields.List {
			if id, ok := field.Type.(*ast.Ident); ok && id.Name == "isReason" && len(field.Names) == 0 && !said[ts.Name.Name] {
				t.Errorf("reason %s is not in this test", ts.Name.Name)
			}
		}
		return true
	})
}
