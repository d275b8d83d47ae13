package licensing

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// What Microsoft does with a user's data once their license goes, in days from the removal.
const (
	// MailboxRetentionDays: "When a license is removed from a user, Exchange Online data that
	// is associated with that account is held for 30 days. After the 30-day grace period,
	// the data is deleted and can't be recovered" (Microsoft's "Unassign licenses from users",
	// https://learn.microsoft.com/microsoft-365/admin/manage/remove-licenses-from-users,
	// "What happens to a user's data when you remove their license?"). Assigning an Exchange
	// license again within them reconnects the mailbox.
	MailboxRetentionDays = 30
	// OneDriveReadOnlyDays and OneDriveArchiveDays: Microsoft's policy for unlicensed
	// OneDrive accounts, enforced since 27 January 2025 (SharePoint docs, "Manage unlicensed
	// OneDrive user accounts", https://learn.microsoft.com/sharepoint/unlicensed-onedrive-accounts):
	// read-only from day 60 unlicensed; on day 93 archived (Microsoft 365 Archive) if a
	// retention policy or hold applies, otherwise moved to the recycle bin and then deleted.
	// Not for EDU, GCC or DoD tenants.
	OneDriveReadOnlyDays = 60
	OneDriveArchiveDays  = 93
	// DelayedDelicensingDays: Exchange Online can hold a mailbox's license removal back by
	// this much more where the organisation has delayed delicensing turned on
	// (Set-OrganizationConfig -DelayedDelicensingEnabled, "Exchange Online delicensing
	// resiliency", https://learn.microsoft.com/exchange/recipients-in-exchange-online/manage-user-mailboxes/exchange-online-delicensing-resiliency).
	DelayedDelicensingDays = 30
)

// NoticeKind is a consequence of a removal the admin has to be told about. The values are
// stable: new kinds go at the end.
type NoticeKind int

const (
	// NoticeMailboxDeletion: the mailbox is kept 30 days, then deleted for good;
	// reassigning an Exchange license within those days reconnects it. Date: the deletion.
	NoticeMailboxDeletion NoticeKind = iota
	// NoticeMailboxHold: a mailbox that must stay searchable or be kept beyond the 30 days
	// needs a litigation hold or a retention policy before the license goes, and an inactive
	// mailbox (kept after the account is deleted) needs Exchange Online Plan 2, or Plan 1 with
	// Exchange Online Archiving ("Learn about inactive mailboxes", Microsoft Purview,
	// https://learn.microsoft.com/purview/inactive-mailboxes-in-office-365). Microsoft Graph
	// shows neither holds nor retention policies, so the bot can't tell whether one is in
	// place. Date: the removal, the deadline for the hold.
	NoticeMailboxHold
	// NoticeEDiscovery: "When the license is removed, the user's mailbox is no longer
	// searchable by using an eDiscovery tool such as Content Search or eDiscovery (Premium)"
	// (Microsoft's "Unassign licenses from users", see MailboxRetentionDays). Date: the removal.
	NoticeEDiscovery
	// NoticeOneDriveArchive: Microsoft archives a OneDrive left unlicensed (or, with no
	// retention policy or hold, moves it to the recycle bin, then deletes it); archive
	// storage is billed only where unlicensed-account billing is turned on. Date: the day
	// (OneDriveArchiveDays). Only where the policy applies (NoticeOptions.OneDriveExempt).
	NoticeOneDriveArchive
	// NoticeSignInNotBlocked: removing licenses neither blocks sign-in nor ends sessions:
	// for a leaver, block sign-in and revoke sessions too ("Remove a former employee",
	// https://learn.microsoft.com/microsoft-365/admin/add-users/remove-former-employee).
	NoticeSignInNotBlocked
	// NoticeOfficeApps: installed Office apps show "Unlicensed Product" and activation
	// errors, then run in reduced functionality mode (Microsoft's "Unassign licenses from
	// users" and "Unlicensed Product and activation errors in Office").
	NoticeOfficeApps
	// NoticeOneDriveReadOnly: the removal deletes no OneDrive files, but a OneDrive left
	// unlicensed becomes read-only. Date: the day (OneDriveReadOnlyDays). Only where the
	// policy applies.
	NoticeOneDriveReadOnly
	// NoticeOneDriveNoPolicy: the removal deletes no OneDrive files, and the unlicensed
	// OneDrive policy doesn't apply to the tenant (EDU, GCC, DoD). No date.
	NoticeOneDriveNoPolicy
	// NoticeDelayedDelicensing: Exchange Online may hold the mailbox's license removal back
	// by up to DelayedDelicensingDays where delayed delicensing is on: a possibility, not a
	// promise. No date.
	NoticeDelayedDelicensing
)

func (k NoticeKind) String() string {
	switch k {
	case NoticeMailboxDeletion:
		return "mailbox-deletion"
	case NoticeMailboxHold:
		return "mailbox-hold"
	case NoticeEDiscovery:
		return "ediscovery"
	case NoticeOneDriveArchive:
		return "onedrive-archive"
	case NoticeSignInNotBlocked:
		return "sign-in-not-blocked"
	case NoticeOfficeApps:
		return "office-apps"
	case NoticeOneDriveReadOnly:
		return "onedrive-read-only"
	case NoticeOneDriveNoPolicy:
		return "onedrive-no-policy"
	case NoticeDelayedDelicensing:
		return "delayed-delicensing"
	}
	return "NoticeKind(" + strconv.Itoa(int(k)) + ")"
}

// Notice is one data-retention consequence of a removal for one user.
type Notice struct {
	Kind NoticeKind
	// Date is when it happens, in the location asked for; zero when it has no date.
	Date time.Time
	// Products are the names of the removed products that cause it.
	Products []string
}

// NoticeOptions are what the notices depend on besides the user and the removal.
type NoticeOptions struct {
	// Location dates the notices (the removal time's own location when nil).
	Location *time.Location
	// OneDriveExempt: the tenant is one Microsoft's unlicensed-OneDrive policy doesn't apply
	// to (EDU, GCC, DoD; see OneDriveArchiveDays).
	OneDriveExempt bool
	// Catalogue tells what a product carries when the user's assignment lists no service
	// plans; DefaultCatalogue when nil.
	Catalogue *Catalogue
}

// Notices are the consequences for user u of removing the products removedSKUIDs at time
// at, in the order an admin acts on them (what to do before the removal first), dated in
// o.Location.
//
// A capability (mailbox, OneDrive, Office apps) is lost only when a removed product carries
// it and nothing the user keeps does: another license, or the removed product itself when
// the user also inherits it from a group. A license carries what its enabled service plans
// carry (see NewPlan), or, when those are not known, what the catalogue says the product
// includes. Dates are calendar days (AddDate) in loc, so "30 days" lands on the
// same wall-clock time across a daylight-saving change.
func Notices(u User, removedSKUIDs []string, at time.Time, o NoticeOptions) []Notice {
	cat := o.Catalogue
	if cat == nil {
		cat = DefaultCatalogue()
	}
	var removed []string
	for _, id := range removedSKUIDs {
		if id = normalizeID(id); id != "" && !slices.Contains(removed, id) {
			removed = append(removed, id)
		}
	}
	if len(removed) == 0 {
		return nil
	}

	var kept Capability
	for _, a := range u.Licenses {
		if slices.Contains(removed, normalizeID(a.SKUID)) && !a.Inherited() {
			continue
		}
		if inEffect(a) {
			kept |= assignmentCapability(a, cat)
		}
	}

	type loss struct {
		name    string
		carried Capability
	}
	losses := make([]loss, len(removed))
	var lost Capability
	for i, id := range removed {
		a, ok := u.License(id)
		l := loss{name: cat.DisplayName(id, a.PartNumber)}
		switch {
		case !ok:
			// The user's licenses don't list it: go by what the product includes, so a
			// missing detail errs towards a warning.
			l.carried = cat.capabilities(id)
		case !a.Inherited():
			l.carried = assignmentCapability(a, cat)
		}
		losses[i] = l
		lost |= l.carried &^ kept
	}
	causes := func(c Capability) []string {
		var names []string
		for _, l := range losses {
			if l.carried.Has(c) {
				names = append(names, l.name)
			}
		}
		return names
	}

	loc := o.Location
	if loc == nil {
		loc = at.Location()
	}
	day0 := at.In(loc)
	var notices []Notice
	add := func(k NoticeKind, date time.Time, products []string) {
		notices = append(notices, Notice{Kind: k, Date: date, Products: slices.Clone(products)})
	}
	if lost.Has(Mailbox) {
		names := causes(Mailbox)
		add(NoticeMailboxHold, day0, names)
		add(NoticeEDiscovery, day0, names)
		add(NoticeMailboxDeletion, day0.AddDate(0, 0, MailboxRetentionDays), names)
		add(NoticeDelayedDelicensing, time.Time{}, names)
	}
	if lost.Has(OneDrive) {
		names := causes(OneDrive)
		if o.OneDriveExempt {
			add(NoticeOneDriveNoPolicy, time.Time{}, names)
		} else {
			add(NoticeOneDriveReadOnly, day0.AddDate(0, 0, OneDriveReadOnlyDays), names)
			add(NoticeOneDriveArchive, day0.AddDate(0, 0, OneDriveArchiveDays), names)
		}
	}
	all := make([]string, len(losses))
	for i, l := range losses {
		all[i] = l.name
	}
	add(NoticeSignInNotBlocked, time.Time{}, all)
	if lost.Has(OfficeApps) {
		add(NoticeOfficeApps, time.Time{}, causes(OfficeApps))
	}
	return notices
}

// assignmentCapability is what an assignment gives the user: its enabled plans, or the
// catalogue's plans of the product when the assignment lists none.
func assignmentCapability(a Assignment, cat *Catalogue) Capability {
	if len(a.ServicePlans) == 0 {
		return cat.capabilities(a.SKUID)
	}
	var c Capability
	for _, p := range a.ServicePlans {
		if p.Enabled() {
			c |= PlanCapability(p.Name)
		}
	}
	return c
}

// inEffect reports whether a kept assignment really gives the user its plans: one Graph
// reports in state Error (or Disabled) was never applied, so it keeps nothing.
func inEffect(a Assignment) bool {
	return !strings.EqualFold(a.State, "Error") && !strings.EqualFold(a.State, "Disabled")
}
