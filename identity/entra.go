package identity

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Entra signs people in at one Microsoft Entra tenant for one app
// registration and verifies what comes back. Safe for concurrent use.
type Entra struct {
	cfg      Config
	client   *http.Client
	provider *oidc.Provider
	// signature verifies the signature only (RS256, the tenant's keys,
	// refetched on an unknown kid); the claims are checked by check.
	signature *oidc.IDTokenVerifier
	// full is go-oidc's own verification (issuer, audience, expiry by
	// cfg.Now): a second opinion after check.
	full   *oidc.IDTokenVerifier
	device oauth2.Config // public client: no secret
	code   oauth2.Config // with the secret, when there is one
	// claims asks for the authentication context, when one is configured.
	claims []oauth2.AuthCodeOption
}

// scopes asks for an ID token with oid, preferred_username and name: openid
// and profile, nothing of Graph, and no offline_access (no refresh token to
// keep: a sign-in is used once).
var scopes = []string{oidc.ScopeOpenID, "profile"}

// NewEntra reads the tenant's OpenID configuration
// ({authority}/{tenant}/v2.0/.well-known/openid-configuration) and is ready
// to sign people in. The document's issuer must be exactly Config.Issuer().
func NewEntra(ctx context.Context, cfg Config) (*Entra, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	e := &Entra{cfg: cfg, client: boundedClient(cfg.HTTPClient)}
	call, cancel := context.WithTimeout(e.clientContext(ctx), cfg.timeout())
	defer cancel()
	p, err := oidc.NewProvider(call, cfg.Issuer())
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w from %s: %w", ErrDiscovery, cfg.Issuer(), err)
	}
	ep := p.Endpoint()
	if ep.AuthURL == "" || ep.TokenURL == "" {
		return nil, refused(ErrDiscovery, "%s names no authorization or token endpoint", cfg.Issuer())
	}
	e.provider = p
	rs256 := []string{oidc.RS256}
	e.signature = p.Verifier(&oidc.Config{
		SupportedSigningAlgs: rs256,
		SkipClientIDCheck:    true, SkipIssuerCheck: true, SkipExpiryCheck: true,
	})
	e.full = p.Verifier(&oidc.Config{ClientID: cfg.ClientID, SupportedSigningAlgs: rs256, Now: cfg.now})
	// Entra takes client_secret_post (token_endpoint_auth_methods_supported);
	// saying so spares x/oauth2's guess, which would try Basic first.
	ep.AuthStyle = oauth2.AuthStyleInParams
	e.device = oauth2.Config{ClientID: cfg.ClientID, Endpoint: ep, Scopes: scopes}
	if cfg.AuthContext != "" {
		e.claims = []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("claims", claimsRequest(cfg.AuthContext))}
	}
	e.code = oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: ep, Scopes: scopes, RedirectURL: cfg.RedirectURL}
	return e, nil
}

// Issuer is the issuer every accepted ID token names.
func (e *Entra) Issuer() string { return e.cfg.Issuer() }

// clientContext carries the HTTP client to x/oauth2 and go-oidc (both read
// oauth2.HTTPClient from the context).
func (e *Entra) clientContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, e.client)
}

// claimsRequest asks for an ID token whose acrs holds the authentication
// context id, as an essential claim ("Claims challenges, claims requests and
// client capabilities":
// https://learn.microsoft.com/entra/identity-platform/claims-challenge).
func claimsRequest(id string) string {
	b, _ := json.Marshal(map[string]any{"id_token": map[string]any{"acrs": map[string]any{"essential": true, "value": strings.ToLower(id)}}})
	return string(b)
}

// idClaims are the claims read beyond go-oidc's IDToken.
type idClaims struct {
	TenantID          string          `json:"tid"`
	ObjectID          string          `json:"oid"`
	PreferredUsername string          `json:"preferred_username"`
	Name              string          `json:"name"`
	Version           string          `json:"ver"`
	NotBefore         *json.Number    `json:"nbf"`
	AuthTime          *json.Number    `json:"auth_time"`
	AuthContexts      json.RawMessage `json:"acrs"`
}

// expectation is what a particular sign-in expects of its token beyond the
// tenant's rules.
type expectation struct {
	nonce   string    // the nonce sent; "" when the flow has none
	startAt time.Time // device flow: the token can't be older than this
}

// Verify checks an ID token as Entra issues it for this tenant and app, and
// says what it proves. nonce is the one sent on the authorization request;
// "" only for a flow that sends none (the device flow), and then a token that
// carries a nonce is refused too.
func (e *Entra) Verify(ctx context.Context, rawIDToken, nonce string) (SignIn, error) {
	return e.verify(ctx, rawIDToken, expectation{nonce: nonce})
}

func (e *Entra) verify(ctx context.Context, raw string, want expectation) (SignIn, error) {
	if err := checkHeader(raw); err != nil {
		return SignIn{}, err
	}
	call, cancel := context.WithTimeout(e.clientContext(ctx), e.cfg.timeout())
	defer cancel()
	tok, err := e.signature.Verify(call, raw)
	if err != nil {
		if ctx.Err() != nil {
			return SignIn{}, ctx.Err()
		}
		return SignIn{}, signatureError(err)
	}
	var c idClaims
	if err := tok.Claims(&c); err != nil {
		return SignIn{}, refused(ErrMalformed, "claims: %v", err)
	}
	s, err := e.check(tok, c, want)
	if err != nil {
		return SignIn{}, err
	}
	if _, err := e.full.Verify(call, raw); err != nil {
		return SignIn{}, refused(ErrRejected, "%v", err)
	}
	return s, nil
}

// signatureError classifies go-oidc's refusal of the signature, whose
// errors are text (its "fetching keys" cause is formatted with %v, so
// errors.Is can't see it): the keys unreachable is not a forged token.
func signatureError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "fetching keys"):
		return refused(ErrKeys, "%v", err)
	case strings.HasPrefix(msg, "oidc: malformed jwt"), strings.HasPrefix(msg, "oidc: failed to unmarshal claims"):
		return refused(ErrMalformed, "%v", err)
	}
	return refused(ErrSignature, "%v", err)
}

// checkHeader refuses, before any key is looked at, a token that is not a
// compact JWS signed with RS256: alg none (unsigned) or HS256 (a MAC keyed,
// in the classic attack, with the public key) among them.
func checkHeader(raw string) error {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return refused(ErrMalformed, "%d parts, not 3", len(parts))
	}
	h, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return refused(ErrMalformed, "header: %v", err)
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(h, &header); err != nil {
		return refused(ErrMalformed, "header: %v", err)
	}
	if header.Alg != oidc.RS256 {
		return refused(ErrAlgorithm, "alg %q", header.Alg)
	}
	if parts[2] == "" {
		return refused(ErrAlgorithm, "no signature")
	}
	return nil
}

// check applies the tenant's rules to a token whose signature is good. A
// good signature says nothing of the tenant: Entra signs the tokens of every
// tenant of a cloud with the same keys, which each tenant's jwks_uri
// publishes; tid and iss say which tenant.
func (e *Entra) check(tok *oidc.IDToken, c idClaims, want expectation) (SignIn, error) {
	if !slices.Contains(tok.Audience, e.cfg.ClientID) {
		return SignIn{}, refused(ErrAudience, "aud %q, want %q", tok.Audience, e.cfg.ClientID)
	}
	if c.TenantID == "" {
		return SignIn{}, refused(ErrMissingClaim, "no tid")
	}
	if !strings.EqualFold(c.TenantID, e.cfg.TenantID) {
		return SignIn{}, refused(ErrWrongTenant, "tid %q, want %q", c.TenantID, e.cfg.TenantID)
	}
	if tok.Issuer != e.cfg.Issuer() {
		return SignIn{}, refused(ErrIssuer, "iss %q, want %q", tok.Issuer, e.cfg.Issuer())
	}
	if c.Version != "2.0" {
		return SignIn{}, refused(ErrMissingClaim, "ver %q, want 2.0", c.Version)
	}
	if tok.Expiry.IsZero() || tok.IssuedAt.IsZero() {
		return SignIn{}, refused(ErrMissingClaim, "no exp or iat")
	}
	now := e.cfg.now()
	// Microsoft: exp is the time "on or after which the JWT can't be
	// accepted".
	if !now.Before(tok.Expiry) {
		return SignIn{}, refused(ErrExpired, "exp %s, now %s", tok.Expiry.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if c.NotBefore != nil {
		nbf, err := unixTime(*c.NotBefore)
		if err != nil {
			return SignIn{}, refused(ErrMalformed, "nbf: %v", err)
		}
		if now.Add(clockSkew).Before(nbf) {
			return SignIn{}, refused(ErrNotYetValid, "nbf %s, now %s", nbf.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
	}
	if tok.Nonce != want.nonce {
		return SignIn{}, refused(ErrNonce, "the token's nonce is not the one sent")
	}
	if !want.startAt.IsZero() && tok.IssuedAt.Before(want.startAt.Add(-clockSkew)) {
		return SignIn{}, refused(ErrStale, "iat %s, sign-in started %s", tok.IssuedAt.UTC().Format(time.RFC3339), want.startAt.UTC().Format(time.RFC3339))
	}
	if c.ObjectID == "" {
		return SignIn{}, refused(ErrMissingClaim, "no oid (is the profile scope granted?)")
	}
	s := SignIn{
		ObjectID: strings.ToLower(c.ObjectID), TenantID: strings.ToLower(c.TenantID), Subject: tok.Subject,
		Username: c.PreferredUsername, Name: c.Name, IssuedAt: tok.IssuedAt, Expiry: tok.Expiry,
	}
	if c.AuthTime != nil {
		t, err := unixTime(*c.AuthTime)
		if err != nil {
			return SignIn{}, refused(ErrMalformed, "auth_time: %v", err)
		}
		s.AuthTime = t
	}
	acrs, err := stringOrStrings(c.AuthContexts)
	if err != nil {
		return SignIn{}, refused(ErrMalformed, "acrs: %v", err)
	}
	s.AuthContexts = acrs
	return s, nil
}

// unixTime reads a NumericDate (seconds, possibly with a fraction).
func unixTime(n json.Number) (time.Time, error) {
	if i, err := n.Int64(); err == nil {
		return time.Unix(i, 0), nil
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, int64(f*float64(time.Second))), nil
}

// stringOrStrings reads acrs, an array of ids, accepting one string too; nil
// when absent.
func stringOrStrings(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err == nil {
		if len(many) == 0 {
			return nil, nil
		}
		return many, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err != nil {
		return nil, errors.New("neither a string nor an array of strings")
	}
	return []string{one}, nil
}

// maxBody bounds every response body read through the client: discovery,
// keys, device code and token answers are a few KiB.
const maxBody = 1 << 20

// boundedClient is c (or a client with a 30 s timeout) whose response bodies
// end in an error past maxBody.
func boundedClient(c *http.Client) *http.Client {
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	b := *c
	rt := b.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	b.Transport = boundedTransport{rt}
	return &b
}

type boundedTransport struct{ next http.RoundTripper }

func (t boundedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &boundedBody{r: io.LimitReader(resp.Body, maxBody+1), c: resp.Body}
	return resp, nil
}

type boundedBody struct {
	r io.Reader
	c io.Closer
	n int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > maxBody {
		return n, fmt.Errorf("identity: response body over %d bytes", maxBody)
	}
	return n, err
}

func (b *boundedBody) Close() error { return b.c.Close() }
