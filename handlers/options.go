package handlers

import (
	"fmt"
	"time"
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
	// ProductsTTL is how long the organisation's product list is reused for planning
	// (matching names); negative: never. Seat reports always read it fresh.
	ProductsTTL time.Duration
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
		o.MaxTargets = 500
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Parallelism <= 0 {
		o.Parallelism = 8
	}
	if o.RemoveAttempts <= 0 {
		o.RemoveAttempts = 5
	}
	return nil
}
