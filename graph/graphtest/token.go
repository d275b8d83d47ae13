package graphtest

import (
	"encoding/base64"
	"encoding/json"
)

// Token builds an access token shaped like an Entra app-only token for Microsoft Graph
// (header.payload.signature, each base64url without padding) whose roles claim lists the given
// application permissions. It is for WithToken and the client's static token: the signature is
// not a signature, and nothing checks it. The same roles always give the same token.
//
// The claims are those of a v1 app-only token as Microsoft documents them (aud, iss, idtyp
// "app", roles, tid, appid; https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference),
// with fixed times far in the future so the token never looks expired.
func Token(roles ...string) string {
	header, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": "RS256", "kid": "graphtest"})
	if roles == nil {
		roles = []string{}
	}
	payload, _ := json.Marshal(map[string]any{
		"aud":   "https://graph.microsoft.com",
		"iss":   "https://sts.windows.net/" + sampleTenantID + "/",
		"iat":   4102444800, // 2100-01-01
		"nbf":   4102444800,
		"exp":   4102448400,
		"appid": sampleAppID,
		"idtyp": "app",
		"roles": roles,
		"tid":   sampleTenantID,
		"ver":   "1.0",
	})
	enc := base64.RawURLEncoding.EncodeToString
	return enc(header) + "." + enc(payload) + "." + enc([]byte("graphtest-not-a-signature"))
}

// BotRoles are the least-privileged application permissions licensebot needs (GRAPH.md),
// for Token.
func BotRoles() []string {
	return []string{
		"LicenseAssignment.ReadWrite.All", "User.Read.All", "RoleManagement.Read.Directory",
		"GroupMember.Read.All", "Organization.Read.All", "AuditLog.Read.All",
		"User.EnableDisableAccount.All", "User.RevokeSessions.All", "MailboxSettings.Read", "Reports.Read.All",
	}
}

// Fixed ids for Token's claims; they name no real tenant or app.
const (
	sampleTenantID = "00000000-0000-4000-8000-00000000c0de"
	sampleAppID    = "00000000-0000-4000-8000-0000000000a0"
)
