package licensing

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// How long Microsoft keeps a user's data after their license goes.
const (
	// MailboxRetentionDays: the mailbox of a user who loses their Exchange Online license
	// is kept 30 days (reassigning a license within them reconnects it), then deleted for
	// good. Microsoft's "Unassign licenses from users" article.
	MailboxRetentionDays = 30
	// OneDriveArchiveDays: a OneDrive that stays unlicensed is made read-only after 60 days
	// and archived (billed archive storage, or deleted when no retention policy or hold
	// covers it) after 93, since Microsoft's 2025 "unlicensed OneDrive accounts" policy
	// (Microsoft Learn; not for EDU, GCC or DoD tenants).
	OneDriveArchiveDays = 93
)

// NoticeKind is a consequence of a removal the admin has to be told about.
type NoticeKind int

const (
	// NoticeMailboxDeletion: the mailbox is kept 30 days, then deleted for good;
	// reassigning an Exchange license within those days reconnects it. Date: the deletion.
	NoticeMailboxDeletion NoticeKind = iota
	// NoticeMailboxHold: to keep the mailbox beyond that, put a litigation hold or a
	// retention policy on it before the deletion (it becomes an inactive mailbox; needs
	// Exchange Online Plan 2, as in Office 365/Microsoft 365 E3/E5, or Exchange Online
	// Archiving). Date: the deletion, the deadline for the hold.
	NoticeMailboxHold
	// NoticeEDiscovery: the unlicensed mailbox stays searchable with Content Search and
	// eDiscovery until the deletion. Date: the deletion.
	NoticeEDiscovery
	// NoticeOneDrive: the removal deletes no OneDrive files, but Microsoft archives a
	// OneDrive that stays unlicensed and bills the archive storage unless a retention
	// policy covers it. Date: the archiving.
	NoticeOneDrive
	// NoticeSignInNotBlocked: removing licenses neither blocks sign-in nor ends sessions:
	// for a leaver, block sign-in and revoke sessions too.
	NoticeSignInNotBlocked
	// NoticeOfficeApps: installed Office apps show "Unlicensed Product" and activation
	// errors, then run in reduced functionality mode.
	NoticeOfficeApps
)

func (k NoticeKind) String() string {
	switch k {
	case NoticeMailboxDeletion:
		return "mailbox-deletion"
	case NoticeMailboxHold:
		return "mailbox-hold"
	case NoticeEDiscovery:
		return "ediscovery"
	case NoticeOneDrive:
		return "onedrive"
	case NoticeSignInNotBlocked:
		return "sign-in-not-blocked"
	case NoticeOfficeApps:
		return "office-apps"
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

// Notices are the consequences for user u of removing the products removedSKUIDs at time
// at, in kind order, dated in loc (at's own location when loc is nil).
//
// A capability (mailbox, OneDrive, Office apps) is lost only when a removed product carries
// it and nothing the user keeps does: another license, or the removed product itself when
// the user also inherits it from a group. A license carries what its enabled service plans
// carry (the user's licenseDetails), or, when those are not known, what the catalogue says
// the product includes. Dates are calendar days (AddDate) in loc, so "30 days" lands on the
// same wall-clock time across a daylight-saving change.
func Notices(u User, removedSKUIDs []string, at time.Time, loc *time.Location, cat *Catalogue) []Notice {
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

	if loc == nil {
		loc = at.Location()
	}
	day0 := at.In(loc)
	var notices []Notice
	if lost.Has(Mailbox) {
		deletion := day0.AddDate(0, 0, MailboxRetentionDays)
		names := causes(Mailbox)
		for _, k := range []NoticeKind{NoticeMailboxDeletion, NoticeMailboxHold, NoticeEDiscovery} {
			notices = append(notices, Notice{Kind: k, Date: deletion, Products: slices.Clone(names)})
		}
	}
	if lost.Has(OneDrive) {
		notices = append(notices, Notice{Kind: NoticeOneDrive, Date: day0.AddDate(0, 0, OneDriveArchiveDays), Products: causes(OneDrive)})
	}
	all := make([]string, len(losses))
	for i, l := range losses {
		all[i] = l.name
	}
	notices = append(notices, Notice{Kind: NoticeSignInNotBlocked, Products: all})
	if lost.Has(OfficeApps) {
		notices = append(notices, Notice{Kind: NoticeOfficeApps, Products: causes(OfficeApps)})
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
