package identity

import (
	"errors"
	"fmt"
	"strings"
)

// Why a sign-in fails. Every error of NewEntra's discovery, StartDevice,
// WaitDevice, AuthCodeURL, Exchange and Verify wraps one of these (errors.Is),
// with the detail after it, except the caller's own context ending
// (context.Canceled, context.DeadlineExceeded) and a configuration NewEntra
// refuses; handlers says them in words.
var (
	// ErrDiscovery: the tenant's OpenID configuration could not be read, or
	// names another issuer than the tenant's.
	ErrDiscovery = errors.New("identity: the tenant's OpenID configuration could not be read")
	// ErrMalformed: the ID token is not a compact JWT.
	ErrMalformed = errors.New("identity: the ID token is not a well-formed JWT")
	// ErrAlgorithm: the ID token is not signed with RS256 (alg none,
	// HS256, …): Entra signs ID tokens with RS256 only.
	ErrAlgorithm = errors.New("identity: the ID token is not signed with RS256")
	// ErrSignature: no key the tenant publishes verifies the signature
	// (re-signed, altered, or signed with a key not in the JWKS).
	ErrSignature = errors.New("identity: the ID token's signature matches none of the tenant's published keys")
	// ErrKeys: the tenant's signing keys (jwks_uri) could not be read, so
	// the signature could not be checked: try again, nothing is forged.
	ErrKeys = errors.New("identity: the tenant's signing keys could not be read")
	// ErrAudience: the token was issued to another application.
	ErrAudience = errors.New("identity: the ID token was issued to another application")
	// ErrWrongTenant: the token's tid is not the configured tenant.
	ErrWrongTenant = errors.New("identity: the ID token is for another tenant")
	// ErrIssuer: the token's iss is not this tenant's v2.0 issuer.
	ErrIssuer = errors.New("identity: the ID token was issued by another authority")
	// ErrExpired: the token's exp has passed.
	ErrExpired = errors.New("identity: the ID token has expired")
	// ErrNotYetValid: the token's nbf is still ahead (beyond 5 minutes of
	// clock skew).
	ErrNotYetValid = errors.New("identity: the ID token is not valid yet")
	// ErrNonce: the token's nonce is not the one this sign-in sent.
	ErrNonce = errors.New("identity: the ID token's nonce is not the one this sign-in sent")
	// ErrStale: a device sign-in's token was issued before the sign-in
	// started (the device flow's stand-in for a nonce, see WaitDevice).
	ErrStale = errors.New("identity: the ID token was issued before this sign-in started")
	// ErrMissingClaim: a claim every Entra v2.0 ID token of a work account
	// carries (oid, tid, iat, exp) is missing, or ver is not 2.0.
	ErrMissingClaim = errors.New("identity: the ID token lacks a claim it must carry")
	// ErrRejected: go-oidc's verifier refused a token the checks above
	// passed (kept as a second opinion; should not happen).
	ErrRejected = errors.New("identity: the ID token was refused")
	// ErrNoIDToken: the token response carried no id_token (openid scope
	// not granted).
	ErrNoIDToken = errors.New("identity: the token response carries no ID token")
	// ErrDeclined: the person declined the sign-in at Microsoft's page.
	ErrDeclined = errors.New("identity: the sign-in was declined")
	// ErrCodeExpired: the device code expired before anyone signed in with
	// it, or the authorization code was already used or is too old.
	ErrCodeExpired = errors.New("identity: the sign-in code expired or was already used")
	// ErrNoRedirect: the authorization code flow needs a RedirectURL.
	ErrNoRedirect = errors.New("identity: no redirect URL is configured for the sign-in link")
	// ErrUnreachable: Microsoft's sign-in service could not be reached or
	// did not answer in time.
	ErrUnreachable = errors.New("identity: Microsoft's sign-in service could not be reached")
	// ErrEntra: Entra's endpoint answered with an error not listed above
	// (an *EntraError says which).
	ErrEntra = errors.New("identity: Microsoft's sign-in service refused the request")
)

// EntraError is an error answer of Entra's token or device code endpoint, as
// Microsoft documents it: error, error_description (which starts with the
// AADSTS code), error_codes, trace_id, correlation_id. It wraps the reason
// above it matches (ErrDeclined, ErrCodeExpired or ErrEntra).
type EntraError struct {
	Code          string // error, e.g. "invalid_grant"
	Description   string // error_description, e.g. "AADSTS70020: …"
	Codes         []int  // error_codes, e.g. [70020]
	TraceID       string
	CorrelationID string
	reason        error
}

func (e *EntraError) Error() string {
	d, _, _ := strings.Cut(e.Description, "\r\n")
	return fmt.Sprintf("%v: %s %v: %s (trace %s, correlation %s)", e.reason, e.Code, e.Codes, d, e.TraceID, e.CorrelationID)
}

func (e *EntraError) Unwrap() error { return e.reason }

// refused wraps a reason with its detail.
func refused(reason error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{reason}, args...)...)
}
