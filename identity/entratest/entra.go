// Package entratest is a local fake of Microsoft Entra ID's v2.0 OpenID
// provider for one tenant, on a loopback httptest server, written from
// Microsoft's identity platform documentation: the discovery document
// (https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc),
// the signing keys with rotation, the device authorization grant
// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code)
// and the authorization code flow with PKCE
// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow),
// and ID tokens signed for real with RS256 carrying the claims of the ID
// token claims reference
// (https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference).
//
// A test plays the person at Microsoft's pages: Approve or Decline a device
// code, or SignIn through an authorization link. Forgeries make the next ID
// token wrong in one chosen way.
package entratest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// User is the person who signs in.
type User struct {
	ObjectID string // oid
	Username string // preferred_username (the UPN)
	Name     string // name
	// AuthTime, when not zero, is sent as the auth_time optional claim.
	AuthTime time.Time
	// AuthContexts, when not empty, are sent as the acrs optional claim.
	AuthContexts []string
}

// Forgery makes an ID token wrong in one way.
type Forgery int

// The ways an ID token can be wrong.
const (
	Genuine           Forgery = iota
	WrongIssuer               // iss of another authority host, tid right
	WrongAudience             // aud another application
	OtherTenant               // tid and iss of another tenant
	WrongNonce                // a nonce other than the one sent
	Expired                   // exp an hour before now
	NotYetValid               // nbf and iat an hour after now
	Unsigned                  // alg none, no signature
	HS256                     // HMAC-SHA256 keyed with the client secret
	UnknownKey                // RS256 with a key not in the JWKS, under a kid that is
	WithoutObjectID           // no oid claim
	VersionOne                // ver 1.0
	IssuedBeforeStart         // iat (and nbf) an hour before now, exp still ahead
)

// OtherTenantID is the tenant OtherTenant tokens are for.
const OtherTenantID = "99999999-8888-7777-6666-555555555555"

// Provider is the fake. Its exported fields may be set before the first
// request; the methods are safe for concurrent use.
type Provider struct {
	// URL is the authority (http://127.0.0.1:port), for Config.AuthorityURL.
	URL      string
	TenantID string
	ClientID string
	// ClientSecret, when set, must come with an authorization code
	// exchange; the device flow is a public client's and must not send one.
	ClientSecret string
	// RedirectURL is the one redirect URI registered for the app.
	RedirectURL string
	// Now is the provider's clock (nil: time.Now): iat, exp, device code
	// expiry.
	Now func() time.Time
	// DeviceInterval is the polling interval in seconds it asks for (1).
	DeviceInterval int
	// DeviceLifetime is how long device codes live (15 minutes).
	DeviceLifetime time.Duration
	// TokenLifetime is how long ID tokens live (1 hour).
	TokenLifetime time.Duration
	// NoPublicClientFlows plays an app registration whose "Allow public client
	// flows" is No: the device code is handed out, but redeeming it without a
	// secret is refused with AADSTS7000218, as Entra does.
	NoPublicClientFlows bool

	server *httptest.Server

	mu        sync.Mutex
	keys      []*rsa.PrivateKey // keys[len-1] signs; all are published
	kids      map[*rsa.PrivateKey]string
	keyReads  int
	forge     Forgery
	devices   map[string]*deviceGrant // by device_code
	userCodes map[string]string       // user_code → device_code
	codes     map[string]*codeGrant   // by authorization code
	polls     map[string]int          // user_code → token requests
	claims    []string                // claims request parameters, in order
	browser   *User                   // who is signed in at the authorize page
}

type deviceGrant struct {
	userCode string
	expires  time.Time
	user     *User
	declined bool
}

type codeGrant struct {
	user      User
	redirect  string
	challenge string
	nonce     string
	scope     string
	expires   time.Time
	redeemed  bool
}

// New starts a fake for tenantID and clientID on loopback, with one signing
// key. Close it when done.
func New(tenantID, clientID string) *Provider {
	p := &Provider{
		TenantID: tenantID, ClientID: clientID,
		DeviceInterval: 1, DeviceLifetime: 15 * time.Minute, TokenLifetime: time.Hour,
		kids: map[*rsa.PrivateKey]string{}, devices: map[string]*deviceGrant{},
		userCodes: map[string]string{}, codes: map[string]*codeGrant{}, polls: map[string]int{},
	}
	p.addKey()
	p.server = httptest.NewServer(http.HandlerFunc(p.serve))
	p.URL = p.server.URL
	return p
}

// Close stops the server.
func (p *Provider) Close() { p.server.Close() }

// Client is an HTTP client for the server.
func (p *Provider) Client() *http.Client { return p.server.Client() }

// Issuer is the tenant's v2.0 issuer at this fake.
func (p *Provider) Issuer() string { return p.URL + "/" + p.TenantID + "/v2.0" }

func (p *Provider) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// RotateKey publishes a new key and signs from now on with it; the old keys
// stay published until RetireOldKeys.
func (p *Provider) RotateKey() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.addKey()
}

// RetireOldKeys stops publishing every key but the signing one.
func (p *Provider) RetireOldKeys() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = p.keys[len(p.keys)-1:]
}

// KeyReads says how many times the JWKS was read.
func (p *Provider) KeyReads() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keyReads
}

// Forge makes the ID tokens the token endpoint issues from now on wrong in
// the way f says (Genuine to stop).
func (p *Provider) Forge(f Forgery) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.forge = f
}

// addKey needs p.mu (or no server yet).
func (p *Provider) addKey() {
	k := mustKey()
	p.keys = append(p.keys, k)
	p.kids[k] = thumbprint(k)
}

// thumbprint is how Entra names a key: kid and x5t are the same base64url
// SHA-1 thumbprint (of its certificate there; of the public key here, the
// fake has no certificate).
func thumbprint(k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		panic(err)
	}
	h := sha1.Sum(der)
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func mustKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// Approve plays the person entering userCode at the device login page and
// signing in as u.
func (p *Provider) Approve(userCode string, u User) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.devices[p.userCodes[userCode]]
	if !ok {
		return fmt.Errorf("entratest: no device sign-in with user code %q", userCode)
	}
	g.user = &u
	return nil
}

// Polls says how many times the token endpoint was asked about userCode's
// device sign-in.
func (p *Provider) Polls(userCode string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.polls[userCode]
}

// ClaimsRequests are the claims parameters the authorize and device code
// endpoints were sent, in order ("" for a request without one).
func (p *Provider) ClaimsRequests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.claims)
}

// Decline plays the person refusing the device sign-in.
func (p *Provider) Decline(userCode string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.devices[p.userCodes[userCode]]
	if !ok {
		return fmt.Errorf("entratest: no device sign-in with user code %q", userCode)
	}
	g.declined = true
	return nil
}

// SignIn plays the browser: it opens authURL (an authorization request the
// client built), signs in as u, and returns the redirect Entra would send the
// browser to (redirect_uri?code=…&state=…), or an error the authorize
// endpoint would show.
func (p *Provider) SignIn(authURL string, u User) (*url.URL, error) {
	a, err := url.Parse(authURL)
	if err != nil {
		return nil, err
	}
	q := a.Query()
	if want := "/" + p.TenantID + "/oauth2/v2.0/authorize"; a.Path != want {
		return nil, fmt.Errorf("entratest: authorize path %q, want %q", a.Path, want)
	}
	switch {
	case q.Get("client_id") != p.ClientID:
		return nil, fmt.Errorf("entratest: AADSTS700016: application %q not found in the directory", q.Get("client_id"))
	case q.Get("response_type") != "code":
		return nil, fmt.Errorf("entratest: response_type %q, want code", q.Get("response_type"))
	case q.Get("redirect_uri") == "" || q.Get("redirect_uri") != p.RedirectURL:
		return nil, fmt.Errorf("entratest: AADSTS50011: redirect URI %q does not match the app's", q.Get("redirect_uri"))
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		return nil, errors.New("entratest: scope without openid")
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		return nil, errors.New("entratest: no S256 code_challenge")
	}
	code := randomText(32)
	p.mu.Lock()
	p.claims = append(p.claims, q.Get("claims"))
	p.codes[code] = &codeGrant{
		user: u, redirect: q.Get("redirect_uri"), challenge: q.Get("code_challenge"), nonce: q.Get("nonce"),
		expires: p.now().Add(10 * time.Minute), scope: q.Get("scope"),
	}
	p.mu.Unlock()
	r, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		return nil, err
	}
	rq := r.Query()
	rq.Set("code", code)
	if s := q.Get("state"); s != "" {
		rq.Set("state", s)
	}
	r.RawQuery = rq.Encode()
	return r, nil
}

// BrowserSignIn makes the authorize endpoint, opened by an HTTP client (a
// test's "browser"), sign in as u and redirect at once, as Entra does for a
// person already signed in; nil makes it answer 401.
func (p *Provider) BrowserSignIn(u *User) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.browser = u
}

// authorize answers GET /authorize for the browser: a 302 to the redirect
// URI with the code and state, or an error page.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	u := p.browser
	p.mu.Unlock()
	if u == nil {
		http.Error(w, "entratest: no one is signed in at this browser (BrowserSignIn)", http.StatusUnauthorized)
		return
	}
	back, err := p.SignIn(p.URL+r.URL.RequestURI(), *u)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (p *Provider) serve(w http.ResponseWriter, r *http.Request) {
	tenant, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if tenant != p.TenantID {
		p.fail(w, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found.", tenant))
		return
	}
	switch {
	case rest == "v2.0/.well-known/openid-configuration" && r.Method == http.MethodGet:
		p.discovery(w)
	case rest == "discovery/v2.0/keys" && r.Method == http.MethodGet:
		p.jwks(w)
	case rest == "oauth2/v2.0/devicecode" && r.Method == http.MethodPost:
		p.deviceCode(w, r)
	case rest == "oauth2/v2.0/token" && r.Method == http.MethodPost:
		p.token(w, r)
	case rest == "oauth2/v2.0/authorize" && r.Method == http.MethodGet:
		p.authorize(w, r)
	default:
		http.NotFound(w, r)
	}
}

// discovery is the tenant's OpenID configuration, fields as Microsoft's
// document has them (truncated to what a client reads).
func (p *Provider) discovery(w http.ResponseWriter) {
	base := p.URL + "/" + p.TenantID
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                p.Issuer(),
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     "https://graph.microsoft.com/oidc/userinfo",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
		"kerberos_endpoint":                     base + "/kerberos",
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          "graph.microsoft.com",
		"rbac_url":                              "https://pas.windows.net",
	})
}

// jwks publishes the keys as Entra does: kty RSA, use sig, kid, x5t, n, e
// and the issuer (no alg).
func (p *Provider) jwks(w http.ResponseWriter) {
	p.mu.Lock()
	p.keyReads++
	type jwk struct {
		Kty    string `json:"kty"`
		Use    string `json:"use"`
		Kid    string `json:"kid"`
		X5t    string `json:"x5t"`
		N      string `json:"n"`
		E      string `json:"e"`
		Issuer string `json:"issuer"`
	}
	var keys []jwk
	for _, k := range p.keys {
		keys = append(keys, jwk{
			Kty: "RSA", Use: "sig", Kid: p.kids[k], X5t: p.kids[k],
			N:      base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
			E:      base64.RawURLEncoding.EncodeToString(bigEndian(k.E)),
			Issuer: p.Issuer(),
		})
	}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

func bigEndian(e int) []byte {
	var b []byte
	for ; e > 0; e >>= 8 {
		b = append([]byte{byte(e)}, b...)
	}
	return b
}

// deviceCode answers POST /devicecode: device_code, user_code,
// verification_uri, expires_in, interval, message.
func (p *Provider) deviceCode(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.fail(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
		return
	}
	if r.PostForm.Get("client_id") != p.ClientID {
		p.fail(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory.", r.PostForm.Get("client_id")))
		return
	}
	if !slices.Contains(strings.Fields(r.PostForm.Get("scope")), "openid") {
		p.fail(w, http.StatusBadRequest, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid.")
		return
	}
	deviceCode, userCode := randomText(64), strings.ToUpper(randomText(9))[:9]
	p.mu.Lock()
	p.claims = append(p.claims, r.PostForm.Get("claims"))
	p.devices[deviceCode] = &deviceGrant{userCode: userCode, expires: p.now().Add(p.DeviceLifetime)}
	p.userCodes[userCode] = deviceCode
	p.mu.Unlock()
	const page = "https://microsoft.com/devicelogin"
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code": userCode, "device_code": deviceCode, "verification_uri": page,
		"expires_in": int(p.DeviceLifetime.Seconds()), "interval": p.DeviceInterval,
		"message": fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", page, userCode),
	})
}

// token answers POST /token for the device_code and authorization_code
// grants.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.fail(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	f := r.PostForm
	if f.Get("client_id") != p.ClientID {
		p.fail(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory.", f.Get("client_id")))
		return
	}
	switch f.Get("grant_type") {
	case "urn:ietf:params:oauth:grant-type:device_code":
		p.deviceToken(w, f)
	case "authorization_code":
		p.codeToken(w, f)
	default:
		p.fail(w, http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
	}
}

func (p *Provider) deviceToken(w http.ResponseWriter, f url.Values) {
	if p.NoPublicClientFlows && f.Get("client_secret") == "" {
		p.fail(w, http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
		return
	}
	if f.Get("client_secret") != "" {
		p.fail(w, http.StatusUnauthorized, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")
		return
	}
	p.mu.Lock()
	g, ok := p.devices[f.Get("device_code")]
	if ok {
		p.polls[g.userCode]++
	}
	now := p.now()
	switch {
	case !ok:
		p.mu.Unlock()
		p.fail(w, http.StatusBadRequest, "bad_verification_code", 70019, "Verification code was not recognized.")
	case !now.Before(g.expires):
		p.mu.Unlock()
		p.fail(w, http.StatusBadRequest, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.")
	case g.declined:
		delete(p.devices, f.Get("device_code"))
		p.mu.Unlock()
		p.fail(w, http.StatusBadRequest, "authorization_declined", 70000, "The end user denied the authorization request.")
	case g.user == nil:
		p.mu.Unlock()
		p.fail(w, http.StatusBadRequest, "authorization_pending", 70016, "The provided request has not yet been authorized by the user. The user must input their code.")
	default:
		delete(p.devices, f.Get("device_code")) // a device code redeems once
		delete(p.userCodes, g.userCode)
		u := *g.user
		p.mu.Unlock()
		p.issue(w, u, "", f.Get("scope"))
	}
}

func (p *Provider) codeToken(w http.ResponseWriter, f url.Values) {
	if p.ClientSecret != "" && f.Get("client_secret") != p.ClientSecret {
		p.fail(w, http.StatusUnauthorized, "invalid_client", 7000215, "Invalid client secret provided.")
		return
	}
	p.mu.Lock()
	g, ok := p.codes[f.Get("code")]
	now := p.now()
	switch {
	case !ok:
		p.mu.Unlock()
		p.fail(w, http.StatusBadRequest, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
	case g.redeemed:
		p.mu.Unlock()
		p.fail(w, http.StatusBadRequest, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
	case !now.Before(g.expires):
		p.mu.Unlock()
		p.fail(w, http.StatusBadRequest, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity.")
	case f.Get("redirect_uri") != g.redirect:
		p.mu.Unlock()
		p.fail(w, http.StatusBadRequest, "invalid_grant", 50148, "The redirect_uri in the token request does not match the one in the authorization request.")
	case s256(f.Get("code_verifier")) != g.challenge:
		g.redeemed = true // Entra spends the code on a failed verifier too
		p.mu.Unlock()
		p.fail(w, http.StatusBadRequest, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.")
	default:
		g.redeemed = true
		u, nonce, scope := g.user, g.nonce, g.scope
		p.mu.Unlock()
		p.issue(w, u, nonce, scope)
	}
}

func s256(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// issue answers a successful token request: token_type, scope, expires_in,
// access_token, id_token.
func (p *Provider) issue(w http.ResponseWriter, u User, nonce, scope string) {
	p.mu.Lock()
	forge := p.forge
	p.mu.Unlock()
	idToken, err := p.IDToken(u, nonce, forge)
	if err != nil {
		p.fail(w, http.StatusInternalServerError, "server_error", 50000, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "scope": strings.Join(slices.DeleteFunc(strings.Fields(scope), func(s string) bool { return s == "openid" || s == "profile" }), " ") + " openid profile",
		"expires_in": 3599, "ext_expires_in": 3599,
		"access_token": "not-a-graph-token." + randomText(16),
		"id_token":     idToken,
	})
}

// IDToken mints an ID token for u as the token endpoint would (nonce "" for
// none), wrong in the way forge says.
func (p *Provider) IDToken(u User, nonce string, forge Forgery) (string, error) {
	now := p.now()
	iat := now
	tid, iss, aud := p.TenantID, p.Issuer(), p.ClientID
	exp := iat.Add(p.TokenLifetime)
	switch forge {
	case WrongIssuer:
		iss = "https://login.microsoftonline.us/" + p.TenantID + "/v2.0"
	case WrongAudience:
		aud = "00000003-0000-0000-c000-000000000000"
	case OtherTenant:
		tid = OtherTenantID
		iss = p.URL + "/" + OtherTenantID + "/v2.0"
	case WrongNonce:
		nonce = "not-" + nonce + randomText(4)
	case Expired:
		iat = now.Add(-2 * time.Hour)
		exp = now.Add(-time.Hour)
	case NotYetValid:
		iat = now.Add(time.Hour)
		exp = iat.Add(p.TokenLifetime)
	case IssuedBeforeStart:
		iat = now.Add(-time.Hour)
		exp = now.Add(time.Hour)
	}
	claims := map[string]any{
		"aud": aud, "iss": iss, "iat": iat.Unix(), "nbf": iat.Unix(), "exp": exp.Unix(),
		"name": u.Name, "oid": u.ObjectID, "preferred_username": u.Username,
		"rh": "0.fake-" + randomText(8), "sub": pairwise(u.ObjectID, aud), "tid": tid,
		"uti": randomText(22), "ver": "2.0", "aio": randomText(20),
	}
	switch forge {
	case WithoutObjectID:
		delete(claims, "oid")
	case VersionOne:
		claims["ver"] = "1.0"
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if !u.AuthTime.IsZero() {
		claims["auth_time"] = u.AuthTime.Unix()
	}
	if len(u.AuthContexts) > 0 {
		claims["acrs"] = u.AuthContexts
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	p.mu.Lock()
	key := p.keys[len(p.keys)-1]
	kid := p.kids[key]
	p.mu.Unlock()
	switch forge {
	case Unsigned:
		return encodeSegment(map[string]string{"typ": "JWT", "alg": "none"}) + "." + base64.RawURLEncoding.EncodeToString(payload) + ".", nil
	case HS256:
		signing := encodeSegment(map[string]string{"typ": "JWT", "alg": "HS256", "kid": kid}) + "." + base64.RawURLEncoding.EncodeToString(payload)
		m := hmac.New(sha256.New, key.N.Bytes()) // the public modulus as the MAC key

		m.Write([]byte(signing))
		return signing + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
	case UnknownKey:
		key = mustKey()
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// pairwise is a sub unique to a user and an application, as Entra's is.
func pairwise(oid, aud string) string {
	h := sha256.Sum256([]byte(oid + "|" + aud))
	return base64.RawURLEncoding.EncodeToString(h[:])[:43]
}

func encodeSegment(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// fail writes an error as Entra's token endpoint does: error,
// error_description starting with the AADSTS code, error_codes, timestamp,
// trace_id, correlation_id, error_uri.
func (p *Provider) fail(w http.ResponseWriter, status int, code string, aadsts int, description string) {
	now := p.now().UTC()
	trace, corr := uuidLike(), uuidLike()
	writeJSON(w, status, map[string]any{
		"error": code,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
			aadsts, description, trace, corr, now.Format("2006-01-02 15:04:05Z")),
		"error_codes":    []int{aadsts},
		"timestamp":      now.Format("2006-01-02 15:04:05Z"),
		"trace_id":       trace,
		"correlation_id": corr,
		"error_uri":      p.URL + "/error?code=" + fmt.Sprint(aadsts),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randomText(n int) string {
	s := ""
	for len(s) < n {
		s += rand.Text()
	}
	return s[:n]
}

func uuidLike() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
