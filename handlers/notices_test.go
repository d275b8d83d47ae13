package handlers

import (
	"context"
	"strings"
	"testing"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// What the plan says about a user's data before Confirm, dated from the removal, in English
// and Turkish: the mailbox stops being searchable at the removal, a hold goes on before it,
// the mailbox is deleted after 30 days, OneDrive turns read-only on day 60 and is archived or
// deleted on day 93 (or the policy doesn't apply), Exchange may delay the delicensing.
func TestDryRunSaysWhatMicrosoftSaysAboutTheData(t *testing.T) {
	t.Parallel()
	// The world's clock: Sun 29 Nov 2026 12:30 in Istanbul.
	tests := []struct {
		name     string
		locale   string
		exempt   bool
		want     []string
		wantNone []string
	}{
		{
			name: "English",
			want: []string{
				"From the removal (Sun 29 Nov 2026) the mailbox can no longer be searched with Content Search or eDiscovery.",
				"Before this goes ahead: if this mailbox must stay searchable or be kept beyond 30 days, put it on a litigation hold or under a retention policy now, before the license is removed.",
				"Exchange Online Plan 2 (as in Office 365 E3/E5), or Plan 1 with Exchange Online Archiving",
				"licensebot can't tell whether it is on hold",
				"Get-Mailbox alice@contoso.example | Format-List LitigationHoldEnabled,InPlaceHolds",
				"deleted for good on Tue 29 Dec 2026",
				"delayed delicensing",
				"becomes read-only on Thu 28 Jan 2027 (day 60)",
				"On Tue 2 Mar 2027 (day 93) Microsoft archives the unlicensed OneDrive if a retention policy or hold covers it; otherwise it moves it to the recycle bin",
				"billed only where unlicensed-account billing is turned on",
			},
			wantNone: []string{"can still be searched", "doesn't apply to this organisation"},
		},
		{
			name:   "Turkish",
			locale: "tr-TR",
			want: []string{
				"Kaldırmadan (Paz 29 Kas 2026) itibaren posta kutusu İçerik Arama ya da eKeşif (eDiscovery) ile artık aranamaz.",
				"Bu iş ilerlemeden önce",
				"Get-Mailbox alice@contoso.example",
				"Sal 29 Ara 2026 tarihinde kalıcı olarak silinir",
				"gecikmeli lisans kaldırması",
				"Per 28 Oca 2027 tarihinde (60. gün) salt okunur olur",
				"Sal 2 Mar 2027 tarihinde (93. gün)",
			},
		},
		{
			name:     "a tenant the OneDrive policy doesn't apply to",
			exempt:   true,
			want:     []string{"doesn't apply to this organisation (an EDU, GCC or DoD tenant)"},
			wantNone: []string{"day 60", "day 93"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, Options{OneDriveExempt: tt.exempt})
			a := actor("adele")
			a.Locale = tt.locale
			m := w.svc.HandleCommand(context.Background(), bot.Command{Actor: a, Text: `alice@contoso.example --product "Office 365 E3" --dry-run`}).Message
			mustContain(t, m, tt.want...)
			for _, s := range tt.wantNone {
				if strings.Contains(text(m), s) {
					t.Errorf("the plan says %q:\n%s", s, text(m))
				}
			}
		})
	}
}

// A failed read of /directory/subscriptions (a missing permission, an outage) degrades the
// plan with a note saying why; it refuses nothing.
func TestPlanWithoutSubscriptions(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	w.dir.failSubs = &licensing.GraphError{Reason: licensing.ErrForbidden, Status: 403, Code: "Authorization_RequestDenied"}
	plan := w.command("adele", `alice@contoso.example --product "Office 365 E3"`)
	mustContain(t, plan, "remove Office 365 E3", "I couldn't read the organisation's subscriptions (licensebot's app lacks the Organization.Read.All permission)")
	w.press("adele", button(t, plan, ActionConfirm))
	w.press("megan", button(t, w.approvalRequest().Msg, ActionApprove))
	if got := w.dir.removals["u-alice/"+skuE3]; got != 1 {
		t.Fatalf("E3 removed %d times, want 1", got)
	}
}

// A product whose subscriptions name a user as owner is never skipped for that alone: the
// plan notes it, the removal is tried, and a refusal explains the take-over step.
func TestUserOwnedSubscriptionIsTriedAndARefusalExplained(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	w.dir.subs = []licensing.Subscription{{ID: "s-pbi", SKUID: skuPBI, Status: "Enabled", OwnerType: "User", OwnerID: "u-bob"}}
	w.dir.failFor = map[string]error{"u-bob": &licensing.GraphError{Status: 400, Code: "Request_BadRequest", Message: "not Microsoft's text"}}
	plan := w.command("adele", `bob@contoso.example --product "Power BI Pro"`)
	mustContain(t, plan, "remove Power BI Pro", "its subscription names a user as its owner")
	w.press("adele", button(t, plan, ActionConfirm))
	w.press("megan", button(t, w.approvalRequest().Msg, ActionApprove))
	var report *posted
	for _, p := range w.out.all() {
		if p.To.Actor != nil && strings.Contains(p.Msg.Text, "failed") {
			report = &p
		}
	}
	if report == nil {
		t.Fatal("no outcome was posted to the requester")
	}
	mustContain(t, report.Msg, "0 removed, 0 skipped, 1 failed", "1 removal failed", "failed Power BI Pro", "an admin must take the subscription over first", "[Retry failed]")
}
