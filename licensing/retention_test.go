package licensing

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s: %v", name, err)
	}
	return loc
}

// noticeLine writes a notice as "kind date [products]", the date as 2006-01-02 15:04 MST.
func noticeLine(n Notice) string {
	date := "-"
	if !n.Date.IsZero() {
		date = n.Date.Format("2006-01-02 15:04 -0700")
	}
	return fmt.Sprintf("%s %s [%s]", n.Kind, date, strings.Join(n.Products, ", "))
}

func TestNotices(t *testing.T) {
	istanbul := mustLoad(t, "Europe/Istanbul")
	at := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC) // 12:00 in Istanbul

	tests := []struct {
		name    string
		user    User
		removed []string
		want    []string
	}{
		{
			name:    "removing the only Exchange license warns of everything, dated",
			user:    User{Licenses: []Assignment{direct(skuO365E3, "ENTERPRISEPACK")}},
			removed: []string{skuO365E3},
			want: []string{
				"mailbox-hold 2025-03-10 12:00 +0300 [Office 365 E3]",
				"ediscovery 2025-03-10 12:00 +0300 [Office 365 E3]",
				"mailbox-deletion 2025-04-09 12:00 +0300 [Office 365 E3]",
				"delayed-delicensing - [Office 365 E3]",
				"onedrive-read-only 2025-05-09 12:00 +0300 [Office 365 E3]",
				"onedrive-archive 2025-06-11 12:00 +0300 [Office 365 E3]",
				"sign-in-not-blocked - [Office 365 E3]",
				"office-apps - [Office 365 E3]",
			},
		},
		{
			name: "no mailbox warning while another license still carries Exchange Online",
			user: User{Licenses: []Assignment{
				direct(skuO365E3, "ENTERPRISEPACK"),
				direct(skuExchangeP1, "EXCHANGESTANDARD"),
			}},
			removed: []string{skuO365E3},
			want: []string{
				"onedrive-read-only 2025-05-09 12:00 +0300 [Office 365 E3]",
				"onedrive-archive 2025-06-11 12:00 +0300 [Office 365 E3]",
				"sign-in-not-blocked - [Office 365 E3]",
				"office-apps - [Office 365 E3]",
			},
		},
		{
			name: "a kept license with Exchange turned off keeps no mailbox",
			user: User{Licenses: []Assignment{
				direct(skuO365E3, "ENTERPRISEPACK"),
				{SKUID: skuM365E3, PartNumber: "SPE_E3", Direct: true, ServicePlans: plansOf(skuM365E3, "EXCHANGE_S_ENTERPRISE")},
			}},
			removed: []string{skuO365E3},
			want: []string{
				"mailbox-hold 2025-03-10 12:00 +0300 [Office 365 E3]",
				"ediscovery 2025-03-10 12:00 +0300 [Office 365 E3]",
				"mailbox-deletion 2025-04-09 12:00 +0300 [Office 365 E3]",
				"delayed-delicensing - [Office 365 E3]",
				"sign-in-not-blocked - [Office 365 E3]",
			},
		},
		{
			name: "a removed license whose Exchange was already off loses no mailbox",
			user: User{Licenses: []Assignment{
				{SKUID: skuO365E3, PartNumber: "ENTERPRISEPACK", Direct: true, ServicePlans: plansOf(skuO365E3, "EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE", "OFFICESUBSCRIPTION")},
			}},
			removed: []string{skuO365E3},
			want:    []string{"sign-in-not-blocked - [Office 365 E3]"},
		},
		{
			name: "a license also inherited from a group keeps everything",
			user: User{Licenses: []Assignment{
				direct(skuM365E3, "SPE_E3", groupSales),
			}},
			removed: []string{skuM365E3},
			want:    []string{"sign-in-not-blocked - [Microsoft 365 E3]"},
		},
		{
			name: "licenses without service plans fall back to the catalogue",
			user: User{Licenses: []Assignment{
				{SKUID: skuO365E3, PartNumber: "ENTERPRISEPACK", Direct: true},
				{SKUID: skuExchangeP1, PartNumber: "EXCHANGESTANDARD", Direct: true},
				{SKUID: skuVisio2, PartNumber: "VISIOCLIENT", Direct: true},
			}},
			removed: []string{skuO365E3},
			want: []string{
				"sign-in-not-blocked - [Office 365 E3]",
				"office-apps - [Office 365 E3]",
			},
		},
		{
			name: "every removed product that carried a lost capability is named",
			user: User{Licenses: []Assignment{
				direct(skuO365E3, "ENTERPRISEPACK"),
				direct(skuExchangeP1, "EXCHANGESTANDARD"),
				direct(skuEMS, "EMS"),
			}},
			removed: []string{skuExchangeP1, skuO365E3, skuEMS},
			want: []string{
				"mailbox-hold 2025-03-10 12:00 +0300 [Exchange Online (Plan 1), Office 365 E3]",
				"ediscovery 2025-03-10 12:00 +0300 [Exchange Online (Plan 1), Office 365 E3]",
				"mailbox-deletion 2025-04-09 12:00 +0300 [Exchange Online (Plan 1), Office 365 E3]",
				"delayed-delicensing - [Exchange Online (Plan 1), Office 365 E3]",
				"onedrive-read-only 2025-05-09 12:00 +0300 [Office 365 E3]",
				"onedrive-archive 2025-06-11 12:00 +0300 [Office 365 E3]",
				"sign-in-not-blocked - [Exchange Online (Plan 1), Office 365 E3, Enterprise Mobility + Security E3]",
				"office-apps - [Office 365 E3]",
			},
		},
		{
			name:    "EMS carries no data: only the sign-in advice",
			user:    User{Licenses: []Assignment{direct(skuO365E3, "ENTERPRISEPACK"), direct(skuEMS, "EMS")}},
			removed: []string{skuEMS},
			want:    []string{"sign-in-not-blocked - [Enterprise Mobility + Security E3]"},
		},
		{
			name: "a kept license in error state keeps nothing",
			user: User{Licenses: []Assignment{
				direct(skuExchangeP1, "EXCHANGESTANDARD"),
				{SKUID: skuO365E3, PartNumber: "ENTERPRISEPACK", Direct: true, ServicePlans: plansOf(skuO365E3), State: "Error"},
			}},
			removed: []string{skuExchangeP1},
			want: []string{
				"mailbox-hold 2025-03-10 12:00 +0300 [Exchange Online (Plan 1)]",
				"ediscovery 2025-03-10 12:00 +0300 [Exchange Online (Plan 1)]",
				"mailbox-deletion 2025-04-09 12:00 +0300 [Exchange Online (Plan 1)]",
				"delayed-delicensing - [Exchange Online (Plan 1)]",
				"sign-in-not-blocked - [Exchange Online (Plan 1)]",
			},
		},
		{
			name:    "a product the user's licenses don't list goes by the catalogue",
			user:    User{},
			removed: []string{strings.ToUpper(skuExchangeP1), skuExchangeP1},
			want: []string{
				"mailbox-hold 2025-03-10 12:00 +0300 [Exchange Online (Plan 1)]",
				"ediscovery 2025-03-10 12:00 +0300 [Exchange Online (Plan 1)]",
				"mailbox-deletion 2025-04-09 12:00 +0300 [Exchange Online (Plan 1)]",
				"delayed-delicensing - [Exchange Online (Plan 1)]",
				"sign-in-not-blocked - [Exchange Online (Plan 1)]",
			},
		},
		{
			name:    "nothing removed, no notices",
			user:    User{Licenses: []Assignment{direct(skuO365E3, "ENTERPRISEPACK")}},
			removed: nil,
			want:    nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, n := range Notices(tt.user, tt.removed, at, NoticeOptions{Location: istanbul}) {
				got = append(got, noticeLine(n))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// Microsoft's unlicensed-OneDrive policy doesn't apply to EDU, GCC or DoD tenants: no read-only
// or archive dates there, a notice that says the policy doesn't apply instead.
func TestNoticesOneDriveExemptTenant(t *testing.T) {
	at := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	user := User{Licenses: []Assignment{direct(skuO365E3, "ENTERPRISEPACK"), direct(skuExchangeP1, "EXCHANGESTANDARD")}}
	var got []string
	for _, n := range Notices(user, []string{skuO365E3}, at, NoticeOptions{OneDriveExempt: true}) {
		got = append(got, noticeLine(n))
	}
	want := []string{
		"onedrive-no-policy - [Office 365 E3]",
		"sign-in-not-blocked - [Office 365 E3]",
		"office-apps - [Office 365 E3]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestNoticeDates(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	istanbul := mustLoad(t, "Europe/Istanbul")
	user := User{Licenses: []Assignment{direct(skuO365E3, "ENTERPRISEPACK")}}
	tests := []struct {
		name                   string
		at                     time.Time
		loc                    *time.Location
		wantMailbox, wantDrive string
	}{
		{
			name:        "across the spring change the wall-clock time stays",
			at:          time.Date(2025, 3, 20, 10, 0, 0, 0, berlin), // CET; CEST from 30 March
			loc:         berlin,
			wantMailbox: "2025-04-19 10:00 +0200",
			wantDrive:   "2025-06-21 10:00 +0200",
		},
		{
			name:        "across the autumn change the wall-clock time stays",
			at:          time.Date(2025, 10, 10, 23, 30, 0, 0, berlin), // CEST; CET from 26 October
			loc:         berlin,
			wantMailbox: "2025-11-09 23:30 +0100",
			wantDrive:   "2026-01-11 23:30 +0100",
		},
		{
			name:        "days are counted in the admin's time zone, not UTC",
			at:          time.Date(2025, 3, 20, 21, 30, 0, 0, time.UTC), // already 21 March in Istanbul
			loc:         istanbul,
			wantMailbox: "2025-04-20 00:30 +0300",
			wantDrive:   "2025-06-22 00:30 +0300",
		},
		{
			name:        "no location means the time's own",
			at:          time.Date(2025, 1, 31, 8, 0, 0, 0, time.UTC),
			loc:         nil,
			wantMailbox: "2025-03-02 08:00 +0000",
			wantDrive:   "2025-05-04 08:00 +0000",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			notices := Notices(user, []string{skuO365E3}, tt.at, NoticeOptions{Location: tt.loc})
			dates := map[NoticeKind]time.Time{}
			for _, n := range notices {
				dates[n.Kind] = n.Date
			}
			const layout = "2006-01-02 15:04 -0700"
			if got := dates[NoticeMailboxDeletion].Format(layout); got != tt.wantMailbox {
				t.Errorf("mailbox deletion %s, want %s", got, tt.wantMailbox)
			}
			if got, want := dates[NoticeMailboxHold], tt.at.In(dates[NoticeMailboxDeletion].Location()); !got.Equal(want) || got.Location() != want.Location() {
				t.Errorf("hold deadline %s, want the removal %s", got.Format(layout), want.Format(layout))
			}
			if got := dates[NoticeOneDriveArchive].Format(layout); got != tt.wantDrive {
				t.Errorf("OneDrive archive %s, want %s", got, tt.wantDrive)
			}
			wantLoc := tt.loc
			if wantLoc == nil {
				wantLoc = tt.at.Location()
			}
			if dates[NoticeMailboxDeletion].Location() != wantLoc {
				t.Errorf("date in %v, want %v", dates[NoticeMailboxDeletion].Location(), wantLoc)
			}
		})
	}
}

func TestNoticeKindString(t *testing.T) {
	for k, want := range map[NoticeKind]string{
		NoticeMailboxDeletion: "mailbox-deletion", NoticeMailboxHold: "mailbox-hold", NoticeEDiscovery: "ediscovery",
		NoticeOneDriveArchive: "onedrive-archive", NoticeSignInNotBlocked: "sign-in-not-blocked", NoticeOfficeApps: "office-apps",
		NoticeOneDriveReadOnly: "onedrive-read-only", NoticeOneDriveNoPolicy: "onedrive-no-policy",
		NoticeDelayedDelicensing: "delayed-delicensing", NoticeKind(19): "NoticeKind(19)",
	} {
		if got := k.String(); got != want {
			t.Errorf("%d: %q, want %q", int(k), got, want)
		}
	}
}
