package handlers

import (
	"fmt"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// Policy says who approves a request.
type Policy string

// The approval policies.
const (
	// PolicyApprovers: any one of the configured approvers.
	PolicyApprovers Policy = "approvers"
	// PolicyManager: the Entra manager of every target user (each distinct manager approves).
	PolicyManager Policy = "manager"
	// PolicyNone: no second person; a confirmed request runs at once.
	PolicyNone Policy = "none"
)

// The directory roles that may unassign licenses (role template ids, the same in every tenant).
const (
	RoleGlobalAdministrator  = "62e90394-69f5-4237-9190-012177145e10"
	RoleLicenseAdministrator = "4d6ac14f-3453-41d0-bef9-a3e0c569773a"
	RoleUserAdministrator    = "fe930be7-5e62-47db-91af-98c3a49a38b1"
)

// RoleNames names the roles above for messages.
var roleNames = map[string]string{
	RoleGlobalAdministrator:  "Global Administrator",
	RoleLicenseAdministrator: "License Administrator",
	RoleUserAdministrator:    "User Administrator",
}

// Options are the use cases' settings, from the configuration.
type Options struct {
	// AdminRoles are the role template ids that may ask (default: Global, License and User
	// Administrator).
	AdminRoles []string
	Policy     Policy
	// Approvers match a clicker's Entra UPN, mail or object id, or their chat id or chat
	// group, case-insensitively.
	Approvers []string
	// ConfirmTTL is how long a plan waits for Confirm; ApprovalTTL how long a confirmed
	// request waits for approval. RetainFor is how long a finished request stays for status.
	ConfirmTTL, ApprovalTTL, RetainFor time.Duration
	RoleCacheTTL                       time.Duration
	MaxTargets                         int
	// Location is the organisation's time zone, for every date the bot shows.
	Location *time.Location
	// Parallelism bounds concurrent Graph reads while planning.
	Parallelism int
	// RemoveAttempts bounds the tries of one removal on throttling or a failing Graph.
	RemoveAttempts int
	// MaxRetryWait caps one wait for Graph's Retry-After.
	MaxRetryWait time.Duration
	// ApprovalPlatforms are the chat platforms approval requests go to (each gets its own
	// message; any may approve). Empty: the one platform there is.
	ApprovalPlatforms []string
	// Executor settings (see executor.go).
	//
	// JobIdle is how long a job may go without its worker's heartbeat before another worker
	// takes it over (default 30 s). ClaimStaleAfter is how long a user's in-flight mark
	// protects a call whose outcome is unknown before another worker may read the user
	// again and finish it (default 2 min); it must be well above Graph's timeout, since a
	// worker sends only in the first half of it.
	JobIdle, ClaimStaleAfter time.Duration
	// InFlight is how many batches of 20 users a job starts with in flight; MaxInFlight the
	// most it grows to while Graph doesn't throttle (defaults 4 and 16).
	InFlight, MaxInFlight int
	// ThrottleRetries bounds how often one user is throttled before it is reported failed
	// (default 30): throttling is waited out, but not forever.
	ThrottleRetries int
	// JobAttempts bounds how often one job is taken over after its worker stopped before
	// the users not reached are reported failed (default 5): a request that kills its
	// worker each time must not kill every replica in turn.
	JobAttempts int
	// ProgressEvery is the least time between two progress edits of a running job's
	// message (default 2 s); ProgressPerMinute caps the progress edits of all jobs of a
	// replica on a platform that doesn't say its own rate (EditRates), of a
	// replica (default 40, within Slack's chat.update tier of 50 a minute).
	ProgressEvery     time.Duration
	ProgressPerMinute int
	// LinkTTL is how long a link request waits for an administrator (default a day).
	LinkTTL time.Duration
	// UndoWindow is how long after a removal it may be undone (default 30 days: past it
	// the mailbox data is gone, and the undo snapshots are deleted).
	UndoWindow time.Duration

	// UserRequests and WorkspaceRequests bound the new requests one person, and one chat
	// workspace, may make per LimitWindow (defaults 30 and 300 per 10 minutes; negative: no
	// limit). Dry runs, show, status and help are not counted.
	UserRequests, WorkspaceRequests int
	LimitWindow                     time.Duration

	// Language is the default language ("en" or "tr"): of shared messages (the approval
	// channel) and of people whose chat locale is neither.
	Language string

	// ProductsTTL is how long the organisation's product list is reused for planning
	// (matching names); negative: never. Seat reports always read it fresh.
	ProductsTTL time.Duration

	// Workspaces are the chat workspaces licensebot serves ("slack:T…", "slack:E…" for an
	// Enterprise Grid organisation, "discord:<guild id>"); empty: any. Commands and clicks
	// from elsewhere are refused; a request always belongs to the workspace it was made in.
	Workspaces []string

	// DryRunRequests and WorkspaceDryRuns bound the dry runs one person and one workspace
	// may make per LimitWindow (defaults 100 and 1,000; negative: no limit): a dry run reads
	// every user it names from Graph, so it is counted too, with a higher limit.
	DryRunRequests, WorkspaceDryRuns int

	// UndoPolicy is who approves an undo, which assigns licenses (seats consumed, data
	// reconnected) and so is a change too: empty, the removals' Policy; PolicyNone, the
	// undoer's confirmation alone.
	UndoPolicy Policy

	// OneDriveExempt: Microsoft's policy for unlicensed OneDrive accounts (read-only after
	// 60 days, archived or deleted after 93) doesn't apply to the organisation: EDU, GCC and
	// DoD tenants (licensing.OneDriveArchiveDays). The notices then say so instead of giving
	// those dates.
	OneDriveExempt bool

	// SeatReminderDays: a product with unused seats whose subscription moves to its next
	// state within this many days is named to the approvers, once (0: no reminders).
	SeatReminderDays int

	// InactiveExclude are the object ids of accounts kept unused on purpose (break-glass
	// accounts, service mailboxes): inactive <days> never proposes them.
	InactiveExclude []string

	// Prices are what a seat of each product costs a month (configured; Graph has none):
	// plans and outcomes show the monthly amount freed. Empty: counts only.
	Prices licensing.PriceList

	// Identity says what makes a chat account an Entra user (IdentityEmail by default).
	Identity IdentityMode
	// LinkByApproval lets /unassign link <address> ask an administrator to confirm a link,
	// under IdentityEntra, and makes such links (and DISCORD_USER_MAP's) count there. Under
	// IdentityEmail they always count.
	LinkByApproval bool
	// ApprovalSignIn is how recent a decider's sign-in with Microsoft must be for an
	// approval to count (0: no sign-in asked); RequestSignIn the same for a new request.
	ApprovalSignIn, RequestSignIn time.Duration
	// AuthContext is the Conditional Access authentication context (e.g. "c1") a sign-in
	// must have met for a decision that needs one; empty: none asked.
	AuthContext string
}

// noticeOptions are what the data-retention notices depend on.
func (s *Service) noticeOptions() licensing.NoticeOptions {
	return licensing.NoticeOptions{Location: s.opts.Location, OneDriveExempt: s.opts.OneDriveExempt, Catalogue: s.Catalogue}
}

func (o *Options) setDefaults() error {
	if len(o.AdminRoles) == 0 {
		o.AdminRoles = []string{RoleGlobalAdministrator, RoleLicenseAdministrator, RoleUserAdministrator}
	}
	if o.Policy == "" {
		o.Policy = PolicyApprovers
	}
	switch o.Policy {
	case PolicyApprovers:
		if len(o.Approvers) == 0 {
			return fmt.Errorf("approval policy %q needs at least one approver", o.Policy)
		}
	case PolicyManager, PolicyNone:
	default:
		return fmt.Errorf("unknown approval policy %q (approvers, manager or none)", o.Policy)
	}
	switch o.Identity {
	case "":
		o.Identity = IdentityEmail
	case IdentityEmail, IdentityEntra:
	default:
		return fmt.Errorf("unknown identity mode %q (entra or email)", o.Identity)
	}
	if o.ApprovalSignIn < 0 || o.RequestSignIn < 0 {
		return fmt.Errorf("sign-in windows can't be negative")
	}
	switch o.UndoPolicy {
	case "":
		o.UndoPolicy = o.Policy
	case PolicyNone, PolicyManager:
	case PolicyApprovers:
		if len(o.Approvers) == 0 {
			return fmt.Errorf("undo approval policy %q needs at least one approver", o.UndoPolicy)
		}
	default:
		return fmt.Errorf("unknown undo approval policy %q (approvers, manager or none)", o.UndoPolicy)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ConfirmTTL, 15*time.Minute)
	def(&o.ApprovalTTL, 72*time.Hour)
	def(&o.RetainFor, 30*24*time.Hour)
	def(&o.RoleCacheTTL, time.Minute)
	def(&o.MaxRetryWait, time.Minute)
	if o.ProductsTTL == 0 {
		o.ProductsTTL = 15 * time.Second
	}
	if o.MaxTargets <= 0 {
		o.MaxTargets = 1000
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Parallelism <= 0 {
		o.Parallelism = 8
	}
	def(&o.JobIdle, 30*time.Second)
	def(&o.ClaimStaleAfter, 2*time.Minute)
	def(&o.ProgressEvery, 2*time.Second)
	def(&o.UndoWindow, 30*24*time.Hour)
	def(&o.LinkTTL, 24*time.Hour)
	def(&o.LimitWindow, 10*time.Minute)
	if o.UserRequests == 0 {
		o.UserRequests = 30
	}
	if o.WorkspaceRequests == 0 {
		o.WorkspaceRequests = 300
	}
	if o.DryRunRequests == 0 {
		o.DryRunRequests = 100
	}
	if o.WorkspaceDryRuns == 0 {
		o.WorkspaceDryRuns = 1000
	}
	if o.Language == "" {
		o.Language = bot.English
	}
	lang, ok := bot.ParseLanguage(o.Language)
	if !ok {
		return fmt.Errorf("language %q: licensebot speaks en (English) and tr (Turkish)", o.Language)
	}
	o.Language = lang
	if o.InFlight <= 0 {
		o.InFlight = 4
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 16
	}
	o.MaxInFlight = max(o.MaxInFlight, o.InFlight)
	if o.ThrottleRetries <= 0 {
		o.ThrottleRetries = 30
	}
	if o.JobAttempts <= 0 {
		o.JobAttempts = 5
	}
	if o.ProgressPerMinute <= 0 {
		o.ProgressPerMinute = 40
	}
	if o.RemoveAttempts <= 0 {
		o.RemoveAttempts = 5
	}
	return nil
}
