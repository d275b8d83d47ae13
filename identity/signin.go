package identity

import (
	"slices"
	"time"
)

// SignIn is what a verified Entra v2.0 ID token proves: that Microsoft Entra,
// for the configured tenant, signed in this account for this application, and
// not much more. Each field says what it proves, after Microsoft's "ID token
// claims reference"
// (https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference)
// and "Optional claims reference"
// (https://learn.microsoft.com/entra/identity-platform/optional-claims-reference).
//
// What it does not prove: that multi-factor authentication happened (v2.0 ID
// tokens carry no amr; the one documented signal is a Conditional Access
// authentication context in acrs), nor when the person last entered
// credentials unless the auth_time optional claim is configured (iat is when
// the token was minted, which a single-sign-on session or a refresh does
// without anyone signing in; prompt=login and max_age leave no trace in the
// token either). Nor that the person at Microsoft's page is the one who typed
// the chat command: whoever enters a device code or opens a sign-in link signs
// in, so the use case must make the chat account and the Entra account agree
// in a way a phishing victim would not.
type SignIn struct {
	// ObjectID (oid) is the user's immutable object id in this tenant, the
	// id Microsoft Graph returns for the user: the key to link by. Never
	// reused; the same for every app.
	ObjectID string
	// TenantID (tid) is the tenant the user signed in to; always the
	// configured one (checked).
	TenantID string
	// Subject (sub) is pairwise: unique to this user and this application.
	Subject string
	// Username (preferred_username, usually the UPN) is for display and
	// hints only: mutable and, says Microsoft, never for authorization
	// decisions. Needs the profile scope.
	Username string
	// Name (name) is a display name, not unique, mutable.
	Name string
	// AuthTime (optional claim auth_time) is when the user last
	// authenticated with credentials; zero when the app registration does
	// not ask for the claim. The only freshness signal (FreshFor).
	AuthTime time.Time
	// AuthContexts (optional claim acrs) are the Conditional Access
	// authentication context ids (c1 to c99) the sign-in satisfied, nil
	// when absent. An id proves the policy an admin tied to it was met (for
	// example "require MFA"); it needs Entra ID P1, a policy on that
	// context, and the context asked for (Config.AuthContext). See
	// "Developer guide to Conditional Access authentication context":
	// https://learn.microsoft.com/entra/identity-platform/developer-guide-conditional-access-authentication-context
	AuthContexts []string
	// IssuedAt (iat) is when Entra minted this token: not a sign-in time.
	// (Microsoft's claims table says iat "indicates when the authentication
	// for the token occurred"; OpenID Connect Core defines it as the time
	// the token was issued and auth_time as the time of authentication, and
	// a token minted from an existing single sign-on session gets a new iat
	// with no credentials entered.)
	IssuedAt time.Time
	// Expiry (exp) is when the token stops being acceptable.
	Expiry time.Time
}

// FreshFor says whether the person authenticated with credentials within
// window before now, by auth_time. False when auth_time is absent: iat is not
// a sign-in time, so without auth_time freshness is unknown, not assumed.
// An auth_time more than 5 minutes in the future (clock skew) is not fresh.
func (s SignIn) FreshFor(window time.Duration, now time.Time) bool {
	if s.AuthTime.IsZero() {
		return false
	}
	if s.AuthTime.After(now.Add(clockSkew)) {
		return false
	}
	return now.Sub(s.AuthTime) <= window
}

// HasAuthContext says whether the sign-in satisfied the Conditional Access
// authentication context id (e.g. "c1"), by the acrs claim.
func (s SignIn) HasAuthContext(id string) bool {
	return id != "" && slices.Contains(s.AuthContexts, id)
}

// clockSkew is the leeway on nbf and auth_time, as go-oidc allows on nbf.
const clockSkew = 5 * time.Minute
