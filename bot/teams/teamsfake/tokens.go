package teamsfake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Tokens both ways, from "Authentication with the Bot Connector API"
// (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication):
//
//   - Connector to bot: an RS256 JWT signed with a key listed in the Bot Framework's OpenID
//     keys document, iss https://api.botframework.com, aud the bot's app id, a serviceUrl
//     claim matching the activity's, and a key whose endorsements include the activity's
//     channelId ("msteams"); anything else the bot must refuse with 403.
//   - Bot to connector: an access token from the Microsoft identity platform's token
//     endpoint by the client credentials grant, scope https://api.botframework.com/.default
//     ("Microsoft identity platform and the OAuth 2.0 client credentials flow",
//     https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow).

// Endorsements of the keys the fake publishes: the signing key's, as the Bot Framework's
// keys carry several channels, and the second key's, endorsed for Web Chat only, so that a
// token it signs is valid but not for an activity from Teams.
var (
	SigningEndorsements = []string{"msteams", "skype", "webchat"}
	WebChatEndorsements = []string{"webchat"}
)

// signingKey is a published key: kid and x5t are the same base64url SHA-1 thumbprint of
// its certificate, as the Bot Framework's keys have them.
type signingKey struct {
	priv         *rsa.PrivateKey
	kid          string
	cert         []byte // DER of a self-signed certificate, for x5c
	endorsements []string
}

func newSigningKey(endorsements []string) (*signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(randomBytes(16)),
		Subject:      pkix.Name{CommonName: "teamsfake.botframework.invalid"},
		NotBefore:    time.Now().Add(-24 * time.Hour),
		NotAfter:     time.Now().Add(5 * 365 * 24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, err
	}
	sum := sha1.Sum(der)
	return &signingKey{priv: priv, kid: base64.RawURLEncoding.EncodeToString(sum[:]), cert: der, endorsements: endorsements}, nil
}

// makeKeys makes the signing key and the Web Chat key, side by side (RSA key generation is
// the slow part of New).
func (f *Fake) makeKeys() error {
	var wg sync.WaitGroup
	var signing, webchat *signingKey
	var err1, err2 error
	wg.Go(func() { signing, err1 = newSigningKey(SigningEndorsements) })
	wg.Go(func() { webchat, err2 = newSigningKey(WebChatEndorsements) })
	wg.Wait()
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	f.keys = []*signingKey{signing, webchat}
	f.signing, f.webchat = 0, webchat
	return nil
}

// RotateKeys publishes a new signing key (a new kid, endorsed for msteams) and signs with it
// from now on. The old one stays published, as a key in use is while bots' caches catch up,
// until RetireOldKeys.
func (f *Fake) RotateKeys() error {
	k, err := newSigningKey(SigningEndorsements)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = append(f.keys, k)
	f.signing = len(f.keys) - 1
	return nil
}

// RetireOldKeys stops publishing every signing key but the current one (the Web Chat key
// stays).
func (f *Fake) RetireOldKeys() {
	f.mu.Lock()
	defer f.mu.Unlock()
	current := f.keys[f.signing]
	f.keys = slices.DeleteFunc(f.keys, func(k *signingKey) bool { return k != current && k != f.webchat })
	f.signing = slices.Index(f.keys, current)
}

// SigningKeyID is the kid of the key that signs the tokens Send sends.
func (f *Fake) SigningKeyID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.keys[f.signing].kid
}

// WebChatKeyID is the kid of the published key endorsed for Web Chat only.
func (f *Fake) WebChatKeyID() string { return f.webchat.kid }

// KeyFetches says how many times the keys document (jwks_uri) was read; the metadata
// document's reads are in Calls.
func (f *Fake) KeyFetches() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.keyReads
}

// TokensIssued says how many access tokens the token endpoint issued.
func (f *Fake) TokensIssued() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issued
}

// openIDMetadata answers the OpenID metadata document, with the fields and values the
// authentication page shows (authorization_endpoint is https://invalid.botframework.com
// there too: nobody signs in to the Bot Framework).
func (f *Fake) openIDMetadata(w http.ResponseWriter, _ *http.Request, _ []byte) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                TokenIssuer,
		"authorization_endpoint":                "https://invalid.botframework.com",
		"jwks_uri":                              f.KeysURL(),
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
	})
}

// jwks answers the keys document: JWKs (RFC 7517) with the Bot Framework's extra
// endorsements property on each.
func (f *Fake) jwks(w http.ResponseWriter, _ *http.Request, _ []byte) {
	type jwk struct {
		Kty          string   `json:"kty"`
		Use          string   `json:"use"`
		Kid          string   `json:"kid"`
		X5t          string   `json:"x5t"`
		N            string   `json:"n"`
		E            string   `json:"e"`
		X5c          []string `json:"x5c"`
		Endorsements []string `json:"endorsements"`
	}
	f.mu.Lock()
	f.keyReads++
	keys := make([]jwk, 0, len(f.keys))
	for _, k := range f.keys {
		keys = append(keys, jwk{
			Kty: "RSA", Use: "sig", Kid: k.kid, X5t: k.kid,
			N:            base64.RawURLEncoding.EncodeToString(k.priv.N.Bytes()),
			E:            base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.priv.E)).Bytes()),
			X5c:          []string{base64.StdEncoding.EncodeToString(k.cert)},
			Endorsements: k.endorsements,
		})
	}
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

// token answers the client credentials grant as the Microsoft identity platform does: the
// client authenticates with client_id and client_secret in the form, or with HTTP Basic
// (RFC 6749 §2.3.1, form-urlencoded id and secret; golang.org/x/oauth2 tries both); errors
// carry Entra's error and AADSTS codes ("Microsoft Entra authentication and authorization
// error codes", https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
// The fake only issues Bot Framework tokens: another resource's scope is refused.
func (f *Fake) token(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		f.tokenError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if user, pass, ok := r.BasicAuth(); ok && secret == "" {
		id, secret = formUnescape(user), formUnescape(pass)
	}
	tenant := r.PathValue("tenant")
	switch grant := form.Get("grant_type"); {
	case grant == "":
		f.tokenError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
	case grant != "client_credentials":
		f.tokenError(w, http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '"+grant+"'.")
	case id == "":
		f.tokenError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
	case id != f.appID || tenant != f.tenant:
		f.tokenError(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf(
			"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", id, tenant))
	case secret == "":
		f.tokenError(w, http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	case secret != f.secret:
		f.tokenError(w, http.StatusUnauthorized, "invalid_client", 7000215, fmt.Sprintf(
			"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", f.appID))
	case form.Get("scope") == "":
		f.tokenError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
	case form.Get("scope") == strings.TrimSuffix(Scope, "/.default"):
		f.tokenError(w, http.StatusBadRequest, "invalid_scope", 1002012, fmt.Sprintf(
			"The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", form.Get("scope")))
	case form.Get("scope") != Scope:
		f.tokenError(w, http.StatusBadRequest, "invalid_scope", 70011, fmt.Sprintf(
			"The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", form.Get("scope")))
	default:
		access := "fake-bf-token." + randomText(48)
		f.mu.Lock()
		f.tokens[access] = f.now().Add(f.tokenLifetime)
		f.issued++
		f.mu.Unlock()
		w.Header().Set("Cache-Control", "no-store, no-cache")
		secs := int(f.tokenLifetime / time.Second)
		writeJSON(w, http.StatusOK, map[string]any{
			"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": access,
		})
	}
}

func formUnescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// tokenError writes an error as Entra's token endpoint does: error, error_description
// starting with the AADSTS code, error_codes, timestamp, trace_id, correlation_id.
func (f *Fake) tokenError(w http.ResponseWriter, status int, code string, aadsts int, description string) {
	now := f.now().UTC().Format("2006-01-02 15:04:05Z")
	trace, corr := newGUID(), newGUID()
	w.Header().Set("Cache-Control", "no-store, no-cache")
	writeJSON(w, status, map[string]any{
		"error": code,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
			aadsts, description, trace, corr, now),
		"error_codes":    []int{aadsts},
		"timestamp":      now,
		"trace_id":       trace,
		"correlation_id": corr,
	})
}

// authorized says whether r carries an access token the token endpoint issued that has not
// expired on the fake's clock; it needs f.mu.
func (f *Fake) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	exp, known := f.tokens[tok]
	return known && f.now().Before(exp)
}

// SendOption makes the token (or the activity) Send sends wrong in one way, as an attacker
// or a misconfiguration would.
type SendOption func(*sendConfig)

type keyChoice int

const (
	keySigning  keyChoice = iota
	keyWebChat            // published, endorsed for webchat only
	keyStranger           // unpublished, under the signing key's kid
	keyUnknown            // unpublished, under a kid nobody publishes
	keyNone               // alg none, no signature
)

type sendConfig struct {
	noToken       bool
	key           keyChoice
	expiredBy     time.Duration
	notBefore     time.Time
	audience      *string
	issuer        *string
	serviceURL    *string
	serviceURLKey string
	tenant        string
}

// NoToken sends no Authorization header at all.
func NoToken() SendOption { return func(c *sendConfig) { c.noToken = true } }

// SignedByStranger signs with a key that isn't published, under the kid of the one that
// is: the signature doesn't verify.
func SignedByStranger() SendOption { return func(c *sendConfig) { c.key = keyStranger } }

// UnknownKid signs with a key that isn't published, under a kid nobody publishes (a bot may
// read the keys again, then must refuse).
func UnknownKid() SendOption { return func(c *sendConfig) { c.key = keyUnknown } }

// Unendorsed signs with the published key endorsed for webchat only: a valid token, but
// not for an activity whose channelId is msteams.
func Unendorsed() SendOption { return func(c *sendConfig) { c.key = keyWebChat } }

// Unsigned sends a token with alg none and no signature.
func Unsigned() SendOption { return func(c *sendConfig) { c.key = keyNone } }

// Expired sends a token whose exp is by before now (nbf and iat an hour before that).
func Expired(by time.Duration) SendOption { return func(c *sendConfig) { c.expiredBy = by } }

// NotBefore sends a token whose nbf is t (iat too, exp an hour after).
func NotBefore(t time.Time) SendOption { return func(c *sendConfig) { c.notBefore = t } }

// Audience sends a token for another audience than the bot's app id.
func Audience(aud string) SendOption { return func(c *sendConfig) { c.audience = &aud } }

// Issuer sends a token from another issuer than https://api.botframework.com.
func Issuer(iss string) SendOption { return func(c *sendConfig) { c.issuer = &iss } }

// ServiceURLClaim sends a token whose serviceurl claim differs from the activity's
// serviceUrl ("" for none).
func ServiceURLClaim(u string) SendOption { return func(c *sendConfig) { c.serviceURL = &u } }

// ServiceURLClaimName names the service URL claim otherwise than "serviceurl" (the name
// Microsoft's SDKs read; the authentication page calls it "serviceUrl").
func ServiceURLClaimName(name string) SendOption {
	return func(c *sendConfig) { c.serviceURLKey = name }
}

// FromTenant sends the activity from another tenant (channelData.tenant.id and
// conversation.tenantId), otherwise valid and validly signed.
func FromTenant(id string) SendOption { return func(c *sendConfig) { c.tenant = id } }

// SignToken signs a token as the Bot Connector does for an activity whose serviceUrl is
// serviceURL, wrong in the ways opts say.
func (f *Fake) SignToken(serviceURL string, opts ...SendOption) (string, error) {
	var c sendConfig
	for _, o := range opts {
		o(&c)
	}
	return f.signToken(serviceURL, c)
}

func (f *Fake) signToken(serviceURL string, c sendConfig) (string, error) {
	now := f.now()
	iat, nbf, exp := now, now.Add(-5*time.Minute), now.Add(time.Hour)
	if c.expiredBy > 0 {
		exp = now.Add(-c.expiredBy)
		iat, nbf = exp.Add(-time.Hour), exp.Add(-time.Hour-5*time.Minute)
	}
	if !c.notBefore.IsZero() {
		iat, nbf, exp = c.notBefore, c.notBefore, c.notBefore.Add(time.Hour)
	}
	claims := map[string]any{
		"iss": TokenIssuer, "aud": f.appID,
		"exp": exp.Unix(), "nbf": nbf.Unix(), "iat": iat.Unix(),
	}
	if c.issuer != nil {
		claims["iss"] = *c.issuer
	}
	if c.audience != nil {
		claims["aud"] = *c.audience
	}
	if c.serviceURL != nil {
		serviceURL = *c.serviceURL
	}
	if serviceURL != "" {
		name := "serviceurl"
		if c.serviceURLKey != "" {
			name = c.serviceURLKey
		}
		claims[name] = serviceURL
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	key, kid, err := f.pickKey(c.key)
	if err != nil {
		return "", err
	}
	if c.key == keyNone {
		header, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": "none", "kid": kid})
		return base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload) + ".", nil
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("x5t", kid))
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// pickKey returns the private key and the kid a token is signed with.
func (f *Fake) pickKey(choice keyChoice) (*rsa.PrivateKey, string, error) {
	f.mu.Lock()
	signing := f.keys[f.signing]
	stranger := f.stranger
	f.mu.Unlock()
	switch choice {
	case keyWebChat:
		return f.webchat.priv, f.webchat.kid, nil
	case keyStranger, keyUnknown:
		if stranger == nil {
			k, err := newSigningKey(SigningEndorsements)
			if err != nil {
				return nil, "", err
			}
			f.mu.Lock()
			if f.stranger == nil {
				f.stranger = k
			}
			stranger = f.stranger
			f.mu.Unlock()
		}
		if choice == keyStranger {
			return stranger.priv, signing.kid, nil
		}
		return stranger.priv, stranger.kid, nil
	}
	return signing.priv, signing.kid, nil
}
