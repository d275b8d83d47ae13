package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Permission is an application permission the bot's app registration needs for some of its
// Graph calls: the least privileged one Microsoft's reference lists for those calls (what to
// grant), the broader ones that also cover them, and what the bot does with them.
type Permission struct {
	Name  string   // least privileged: what to grant, e.g. "LicenseAssignment.ReadWrite.All"
	Also  []string // broader permissions that cover the same calls
	Calls []string // the Graph calls it is for
	For   string   // what the bot does with it
	// Optional: without it the bot still works, with less to say (see For).
	Optional bool
}

// GrantedBy reports whether the app's roles include the permission or a broader one.
// Permission names are compared case-insensitively, as Entra treats them.
func (p Permission) GrantedBy(roles []string) bool {
	for _, r := range roles {
		if strings.EqualFold(r, p.Name) || slices.ContainsFunc(p.Also, func(a string) bool { return strings.EqualFold(a, r) }) {
			return true
		}
	}
	return false
}

// RequiredPermissions lists, call by call, the application permissions the bot needs, in the
// order doctor reports them; README's "Graph permissions" table is this list. The least
// privileged permission of each call is the one in the call's Microsoft Graph v1.0 reference
// ("Permissions" table, Application row). licenseDetails is not among the calls: its
// reference lists application permissions as "Not supported" (see FindUser).
func RequiredPermissions() []Permission {
	return []Permission{
		{Name: "LicenseAssignment.ReadWrite.All", Also: []string{"User.ReadWrite.All", "Directory.ReadWrite.All"},
			Calls: []string{"POST /users/{id}/assignLicense"},
			For:   "remove licenses (assignLicense)"},
		{Name: "LicenseAssignment.Read.All", Also: []string{"LicenseAssignment.ReadWrite.All", "Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
			Calls: []string{"GET /subscribedSkus"},
			For:   "read the organisation's products, their service plans and seats"},
		{Name: "User.Read.All", Also: []string{"User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
			Calls: []string{"GET /users/{id}", "GET /users?$filter=…", "GET /users/{id}/manager"},
			For:   "read users, their license assignments and managers"},
		{Name: "RoleManagement.Read.Directory", Also: []string{"RoleManagement.ReadWrite.Directory", "Directory.Read.All", "Directory.ReadWrite.All"},
			Calls: []string{"GET /users/{id}/transitiveMemberOf/microsoft.graph.directoryRole"},
			For:   "read the requester's directory roles"},
		{Name: "GroupMember.Read.All", Also: []string{"Group.Read.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
			Calls: []string{"GET /groups/{id}", "GET /groups?$filter=displayName eq …", "GET /groups/{id}/transitiveMembers"},
			For:   "name the groups a license is inherited from, and expand --group"},
		{Name: "Organization.Read.All", Also: []string{"Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
			Calls: []string{"GET /directory/subscriptions"}, Optional: true,
			For: "read the subscriptions' lifecycle dates and owners (without it, plans and reports go without them)"},
		// The user resource's signInActivity property: "Returned only on $select. … requires
		// … AuditLog.Read.All" and a Microsoft Entra ID P1 or P2 license (user resource type,
		// https://learn.microsoft.com/graph/api/resources/user).
		// Update user: accountEnabled "can only be updated with … User.EnableDisableAccount.All"
		// (with User.Read.All) as the least privileged application permission
		// (https://learn.microsoft.com/graph/api/user-update); user: revokeSignInSessions lists
		// User.RevokeSessions.All (https://learn.microsoft.com/graph/api/user-revokesigninsessions).
		{Name: "User.EnableDisableAccount.All", Also: []string{"User.ReadWrite.All", "Directory.ReadWrite.All"},
			Calls: []string{"PATCH /users/{id} (accountEnabled)"}, Optional: true,
			For: "block a leaver's sign-in (/unassign leaver)"},
		{Name: "User.RevokeSessions.All", Also: []string{"User.ReadWrite.All", "Directory.ReadWrite.All"},
			Calls: []string{"POST /users/{id}/revokeSignInSessions"}, Optional: true,
			For: "sign a leaver out of every session (/unassign leaver)"},
		{Name: "MailboxSettings.Read", Also: []string{"MailboxSettings.ReadWrite"},
			Calls: []string{"GET /users/{id}/mailboxSettings"}, Optional: true,
			For: "warn when a leaver's mailbox isn't shared yet (/unassign leaver)"},
		{Name: "AuditLog.Read.All", Calls: []string{"GET /users?$select=signInActivity"}, Optional: true,
			For: "find inactive users (/unassign inactive; the tenant needs Microsoft Entra ID P1 or P2 too)"},
		// reportRoot: getOffice365ActiveUserDetail lists Reports.Read.All for applications.
		{Name: "Reports.Read.All", Calls: []string{"GET /reports/getOffice365ActiveUserDetail(period='D180')"}, Optional: true,
			For: "find inactive users without Entra ID P1, from Microsoft 365's activity report (/unassign inactive)"},
	}
}

// ErrTokenUnreadable: the access token is not a JWT with a payload that can be read (a static
// token made up for local use, or an opaque one), so the app's permissions can't be told from it.
var ErrTokenUnreadable = errors.New("the access token is not a readable JWT")

// ErrDelegatedToken: the token was issued to a signed-in user (it has scp, not roles). The bot
// runs without a user: it needs application permissions and an app-only token.
var ErrDelegatedToken = errors.New("the access token is a delegated (user) token, not an application token")

// AppPermissions gets a token the way the client does (the static token, or one from the
// configured credential for the cloud's Graph scope) and returns the application permissions
// in its roles claim. It calls no Graph endpoint, and the token never leaves this package.
//
// The token is decoded without verifying its signature: it is our own, just issued by Entra
// (or given by the operator), and only read to explain what it allows; Graph verifies it on
// every call.
func AppPermissions(ctx context.Context, cfg Config) ([]string, error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	token := s.AccessToken
	if token == "" {
		cred, err := credential(s)
		if err != nil {
			return nil, fmt.Errorf("graph: credentials: %w", err)
		}
		t, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{s.scope}})
		if err != nil {
			return nil, fmt.Errorf("graph: get a token for %s: %w", s.scope, err)
		}
		token = t.Token
	}
	return rolesFromToken(token)
}

// claims are the parts of an Entra access token's payload this package reads. App-only tokens
// carry the granted application permissions in roles; delegated ones carry scp instead
// (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference).
type claims struct {
	Roles []string `json:"roles"`
	Scp   string   `json:"scp"`
}

// rolesFromToken reads the roles claim of a JWT (header.payload.signature, base64url).
func rolesFromToken(token string) ([]string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[1] == "" {
		return nil, ErrTokenUnreadable
	}
	// base64url without padding (RFC 7515 §2); tolerate padding anyway.
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, ErrTokenUnreadable
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, ErrTokenUnreadable
	}
	if len(c.Roles) == 0 && c.Scp != "" {
		return nil, ErrDelegatedToken
	}
	return c.Roles, nil
}
