package handlers

import (
	"context"
	"errors"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// Directory reads the organisation: users with their licenses, roles, managers, products.
type Directory interface {
	// FindUser reads a target: who they are and every license they hold.
	FindUser(ctx context.Context, query string) (licensing.User, error)
	// FindPerson reads who a caller or approver is, without their licenses.
	FindPerson(ctx context.Context, query string) (licensing.User, error)
	ActiveRoles(ctx context.Context, userID string) ([]string, error)
	Manager(ctx context.Context, userID string) (licensing.User, error)
	// Products are the organisation's products (subscribedSkus), without subscriptions.
	Products(ctx context.Context) ([]licensing.TenantProduct, error)
	// Subscriptions are its commercial subscriptions (lifecycle dates, owners): a separate
	// read that may fail on its own, which only degrades what the bot can say.
	Subscriptions(ctx context.Context) ([]licensing.Subscription, error)
}

// Remover takes licenses away from a user; it returns Graph's request id for the audit.
type Remover interface {
	RemoveLicenses(ctx context.Context, userID string, skuIDs []string) (requestID string, err error)
}

// Stored is a request record as the store keeps it: the state the store compares and sets,
// a version for optimistic concurrency, and the record itself, opaque to the store.
type Stored struct {
	State   string
	Version int64
	Data    []byte
}

// The store's answers that handlers decide on.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("changed meanwhile")
	// ErrExists: a request with this id is stored already (its delivery was worked on
	// before: see requestID).
	ErrExists = errors.New("already exists")
)

// Requests keeps requests. Transition is an atomic compare-and-set on (state, version): it is
// what makes a request confirmed, approved and run at most once, whichever replica or click
// comes first. A conflict returns the current record with an error wrapping ErrConflict.
type Requests interface {
	Create(ctx context.Context, id, state string, data []byte, ttl time.Duration) error
	Get(ctx context.Context, id string) (Stored, error)
	Transition(ctx context.Context, id, from string, version int64, to string, data []byte, ttl time.Duration) (Stored, error)
}

// AuditEvent is one line of the audit trail.
type AuditEvent struct {
	RequestID, Action, Actor string
	At                       time.Time
	Fields                   map[string]string
}

// Audit records who asked, who approved or denied, and what changed.
type Audit interface {
	Audit(ctx context.Context, e AuditEvent) error
}

// RoleCache remembers a caller's roles for a short time, so a burst of clicks doesn't read
// Graph each time; entries expire on their own.
type RoleCache interface {
	CacheRoles(ctx context.Context, userID string, roles []string, ttl time.Duration) error
	CachedRoles(ctx context.Context, userID string) ([]string, bool, error)
}

// Notifier posts and edits the bot's own messages.
type Notifier interface {
	Post(ctx context.Context, to bot.Destination, msg bot.Message) (bot.MessageRef, error)
	Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error
}

// ChatAccount is a person's account on a chat platform: the platform ("slack", "discord"),
// the workspace they speak from (a Slack team, a Discord server; empty where the platform
// has one only) and their user id there.
type ChatAccount struct {
	Platform  string `json:"platform"`
	Workspace string `json:"workspace,omitempty"`
	ChatID    string `json:"chatId"`
}

// accountOf is the chat account an actor speaks from.
func accountOf(a bot.Actor) ChatAccount {
	return ChatAccount{Platform: a.Platform, Workspace: a.Workspace, ChatID: a.ChatID}
}

// Link says which Microsoft Entra user a chat account is: approved by an administrator
// (/unassign link), or fixed by configuration (DISCORD_USER_MAP).
type Link struct {
	Account ChatAccount
	// UserID is the Entra user's object id (empty for a link from configuration, which
	// names a UPN only); UPN their user principal name when linked.
	UserID, UPN string
	// By is who approved it (their UPN); Request the link request; At when.
	By      string
	Request string
	At      time.Time
	// Fixed: from configuration; a link request can't replace it.
	Fixed bool
	// Method is how the link was made: LinkBySignIn, or LinkByApproval ("" for links
	// stored before sign-in existed: approved by an administrator).
	Method string
	// SignedInAt is, for a link made by signing in, when the person last signed in
	// (Evidence says by what); AuthContexts the Conditional Access authentication contexts
	// that sign-in met.
	SignedInAt   time.Time
	Evidence     string
	AuthContexts []string
}

// Links keeps which Entra user each chat account is linked to, for the platforms that show
// bots no e-mail address (Discord) and for anyone whose chat profile has none. A link is
// kept until it is replaced or removed (/unassign unlink).
type Links interface {
	// Link is the link of a chat account; ok is false when it has none.
	Link(ctx context.Context, a ChatAccount) (l Link, ok bool, err error)
	// LinkedAccount is the account on platform linked to the Entra user (object id userID,
	// or UPN upn), most recently linked first: how a person known by address (an Entra
	// manager) is found on a platform that can't look people up by e-mail.
	LinkedAccount(ctx context.Context, platform, userID, upn string) (a ChatAccount, ok bool, err error)
	// SetLink links l.Account to l's user, replacing any link the account had.
	SetLink(ctx context.Context, l Link) error
	// Unlink removes the link of an account, both ways at once, and returns the link it
	// removed; ok is false when the account had none. A link from configuration is never
	// removed (the handlers refuse before asking).
	Unlink(ctx context.Context, a ChatAccount) (l Link, ok bool, err error)
}

// NewID makes an unguessable request id.
type NewID func() (string, error)

// Metrics counts what the use cases do, for monitoring.
type Metrics interface {
	// RequestState counts a request entering a state (created, confirmed, approved, …).
	RequestState(state string)
	// Removal counts one product on one user: removed, skipped or failed.
	Removal(outcome string)
	// ThrottleWait counts a wait for Graph's Retry-After.
	ThrottleWait(d time.Duration)
	// JobRunning counts jobs starting (+1) and stopping (-1) on this replica.
	JobRunning(delta int)
	// Panic counts a panic in request work, by what was being done (see recovered).
	Panic(where string)
}

type noMetrics struct{}

func (noMetrics) RequestState(string)        {}
func (noMetrics) Removal(string)             {}
func (noMetrics) ThrottleWait(time.Duration) {}
func (noMetrics) JobRunning(int)             {}
func (noMetrics) Panic(string)               {}
