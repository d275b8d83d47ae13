package identity_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/identity"
	"github.com/licensebot/licensebot/identity/entratest"
)

const (
	tenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	clientID = "535fb089-9ff3-47b6-9bfb-4f1264799865"
)

var alice = entratest.User{
	ObjectID: "00000000-0000-0000-66f3-3332eca7ea81",
	Username: "alice@contoso.com",
	Name:     "Alice Example",
}

// clock is the fake clock the provider and the client share.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// setup starts a fake Entra and a client of it sharing one clock, both real
// time today so that x/oauth2's own deadlines agree.
func setup(t *testing.T, change ...func(*identity.Config)) (*entratest.Provider, *identity.Entra, *clock) {
	t.Helper()
	clk := &clock{t: time.Now().Truncate(time.Second)}
	p := entratest.New(tenantID, clientID)
	t.Cleanup(p.Close)
	p.Now = clk.Now
	p.ClientSecret = "s3cret"
	p.RedirectURL = "https://bot.example.com/link/callback"
	cfg := identity.Config{
		TenantID: tenantID, ClientID: clientID, ClientSecret: "s3cret",
		AuthorityURL: p.URL, RedirectURL: p.RedirectURL, Now: clk.Now, HTTPClient: p.Client(),
		Timeout: 10 * time.Second,
	}
	for _, f := range change {
		f(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e, err := identity.NewEntra(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p, e, clk
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestVerifyRefusesEveryForgery(t *testing.T) {
	t.Parallel()
	p, e, _ := setup(t)
	const nonce = "n-0S6_WzA2Mj"
	for _, c := range []struct {
		name  string
		forge entratest.Forgery
		want  error
	}{
		{"wrong issuer", entratest.WrongIssuer, identity.ErrIssuer},
		{"wrong audience", entratest.WrongAudience, identity.ErrAudience},
		{"other tenant", entratest.OtherTenant, identity.ErrWrongTenant},
		{"wrong nonce", entratest.WrongNonce, identity.ErrNonce},
		{"expired", entratest.Expired, identity.ErrExpired},
		{"not yet valid", entratest.NotYetValid, identity.ErrNotYetValid},
		{"unsigned, alg none", entratest.Unsigned, identity.ErrAlgorithm},
		{"HS256 keyed with the public key", entratest.HS256, identity.ErrAlgorithm},
		{"re-signed with a key not in the JWKS", entratest.UnknownKey, identity.ErrSignature},
		{"no oid", entratest.WithoutObjectID, identity.ErrMissingClaim},
		{"v1.0 token", entratest.VersionOne, identity.ErrMissingClaim},
	} {
		t.Run(c.name, func(t *testing.T) {
			raw, err := p.IDToken(alice, nonce, c.forge)
			if err != nil {
				t.Fatal(err)
			}
			s, err := e.Verify(testContext(t), raw, nonce)
			if !errors.Is(err, c.want) {
				t.Fatalf("Verify = %+v, %v; want %v", s, err, c.want)
			}
			if s.ObjectID != "" || s.TenantID != "" {
				t.Fatalf("a refused token still gave %+v", s)
			}
		})
	}
}

func TestVerifyRefusesTokensOutsideTheRules(t *testing.T) {
	t.Parallel()
	p, e, _ := setup(t)
	genuine := func(nonce string) string {
		raw, err := p.IDToken(alice, nonce, entratest.Genuine)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	tampered := func() string {
		parts := strings.Split(genuine("n1"), ".")
		parts[1] = parts[1][:len(parts[1])-2] + "AA"
		return strings.Join(parts, ".")
	}
	for _, c := range []struct {
		name  string
		raw   string
		nonce string
		want  error
	}{
		{"nonce sent, none in the token", genuine(""), "n1", identity.ErrNonce},
		{"no nonce sent, one in the token", genuine("n1"), "", identity.ErrNonce},
		{"payload altered after signing", tampered(), "n1", identity.ErrSignature},
		{"not a JWT", "abc.def", "n1", identity.ErrMalformed},
		{"header not JSON", "bm90IGpzb24.e30.c2ln", "n1", identity.ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := e.Verify(testContext(t), c.raw, c.nonce); !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}

func TestVerifyReadsWhatTheTokenProves(t *testing.T) {
	t.Parallel()
	p, e, clk := setup(t)
	signedIn := clk.Now().Add(-3 * time.Minute)
	u := alice
	u.AuthTime = signedIn
	u.AuthContexts = []string{"c1", "c7"}
	raw, err := p.IDToken(u, "n1", entratest.Genuine)
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.Verify(testContext(t), raw, "n1")
	if err != nil {
		t.Fatal(err)
	}
	if s.ObjectID != alice.ObjectID || s.TenantID != tenantID || s.Username != alice.Username || s.Name != alice.Name || s.Subject == "" {
		t.Errorf("SignIn = %+v", s)
	}
	if !s.AuthTime.Equal(signedIn) || !s.IssuedAt.Equal(clk.Now()) || !s.Expiry.Equal(clk.Now().Add(time.Hour)) {
		t.Errorf("auth_time %v, iat %v, exp %v", s.AuthTime, s.IssuedAt, s.Expiry)
	}
	if !s.HasAuthContext("c1") || !s.HasAuthContext("c7") || s.HasAuthContext("c2") || s.HasAuthContext("") {
		t.Errorf("AuthContexts = %v", s.AuthContexts)
	}
	if !s.FreshFor(5*time.Minute, clk.Now()) || s.FreshFor(time.Minute, clk.Now()) {
		t.Errorf("FreshFor wrong for auth_time 3 minutes ago")
	}

	// Without the optional claims: no auth time, no contexts, never fresh.
	raw, err = p.IDToken(alice, "n2", entratest.Genuine)
	if err != nil {
		t.Fatal(err)
	}
	s, err = e.Verify(testContext(t), raw, "n2")
	if err != nil {
		t.Fatal(err)
	}
	if !s.AuthTime.IsZero() || s.AuthContexts != nil || s.FreshFor(24*time.Hour, clk.Now()) {
		t.Errorf("without auth_time and acrs: %+v, fresh %v", s, s.FreshFor(24*time.Hour, clk.Now()))
	}
}

func TestFreshForAndHasAuthContext(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		authTime time.Time
		window   time.Duration
		want     bool
	}{
		{"no auth_time", time.Time{}, time.Hour, false},
		{"inside the window", now.Add(-10 * time.Minute), 15 * time.Minute, true},
		{"on the edge", now.Add(-15 * time.Minute), 15 * time.Minute, true},
		{"outside the window", now.Add(-16 * time.Minute), 15 * time.Minute, false},
		{"slightly ahead (skew)", now.Add(2 * time.Minute), 15 * time.Minute, true},
		{"far ahead", now.Add(time.Hour), 15 * time.Minute, false},
	} {
		if got := (identity.SignIn{AuthTime: c.authTime}).FreshFor(c.window, now); got != c.want {
			t.Errorf("%s: FreshFor = %v, want %v", c.name, got, c.want)
		}
	}
	if (identity.SignIn{}).HasAuthContext("c1") {
		t.Error("no acrs still has c1")
	}
}

func TestExpiryFollowsTheInjectedClock(t *testing.T) {
	t.Parallel()
	p, e, clk := setup(t)
	raw, err := p.IDToken(alice, "n1", entratest.Genuine)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(59 * time.Minute)
	if _, err := e.Verify(testContext(t), raw, "n1"); err != nil {
		t.Fatalf("a minute before exp: %v", err)
	}
	clk.Advance(time.Minute)
	if _, err := e.Verify(testContext(t), raw, "n1"); !errors.Is(err, identity.ErrExpired) {
		t.Fatalf("at exp: %v, want ErrExpired", err)
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	p, e, _ := setup(t)
	verify := func(raw string) error {
		_, err := e.Verify(testContext(t), raw, "n1")
		return err
	}
	mint := func() string {
		raw, err := p.IDToken(alice, "n1", entratest.Genuine)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	first := mint()
	if err := verify(first); err != nil {
		t.Fatal(err)
	}
	reads := p.KeyReads()
	if reads != 1 {
		t.Fatalf("JWKS read %d times for the first token", reads)
	}

	// A new key mid-test: the unknown kid makes go-oidc read the keys again.
	p.RotateKey()
	second := mint()
	if err := verify(second); err != nil {
		t.Fatalf("token signed with the new key: %v", err)
	}
	if p.KeyReads() != reads+1 {
		t.Fatalf("JWKS read %d times, want %d", p.KeyReads(), reads+1)
	}
	if err := verify(first); err != nil {
		t.Fatalf("token signed with the old, still published key: %v", err)
	}

	// The old key dropped, and a third one: new tokens verify, a token of
	// the dropped key no longer does once the keys are read again.
	p.RetireOldKeys()
	p.RotateKey()
	p.RetireOldKeys()
	if err := verify(mint()); err != nil {
		t.Fatalf("token signed with the third key: %v", err)
	}
	if err := verify(first); !errors.Is(err, identity.ErrSignature) {
		t.Fatalf("token of a retired key: %v, want ErrSignature", err)
	}
}

func TestDeviceFlow(t *testing.T) {
	t.Parallel()
	p, e, clk := setup(t)
	ctx := testContext(t)
	d, err := e.StartDevice(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.UserCode == "" || d.VerificationURI != "https://microsoft.com/devicelogin" || d.Interval != time.Second {
		t.Fatalf("DeviceCode = %+v", d)
	}
	if !d.StartedAt.Equal(clk.Now()) || d.ExpiresAt.Sub(clk.Now()) != 15*time.Minute {
		t.Fatalf("started %v, expires %v, now %v", d.StartedAt, d.ExpiresAt, clk.Now())
	}
	if strings.Contains(d.String(), "device_code") || d.String() == "" {
		t.Fatalf("String() = %q", d.String())
	}
	done := make(chan error, 1)
	var s identity.SignIn
	go func() {
		var err error
		s, err = e.WaitDevice(ctx, d)
		done <- err
	}()
	// The person has not signed in yet: the fake answers
	// authorization_pending, and WaitDevice polls again.
	for p.Polls(d.UserCode) < 1 {
		select {
		case err := <-done:
			t.Fatalf("WaitDevice returned before the sign-in: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	u := alice
	u.AuthTime = clk.Now()
	if err := p.Approve(d.UserCode, u); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s.ObjectID != alice.ObjectID || s.TenantID != tenantID || !s.FreshFor(time.Minute, clk.Now()) {
		t.Fatalf("SignIn = %+v", s)
	}
	if n := p.Polls(d.UserCode); n < 2 {
		t.Errorf("token endpoint asked %d times, want 2 or more (pending, then approved)", n)
	}
}

func TestDeviceFlowEnds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		act   func(p *entratest.Provider, clk *clock, d identity.DeviceCode)
		want  error
		codes []int
	}{
		{"code expired", func(p *entratest.Provider, clk *clock, d identity.DeviceCode) { clk.Advance(16 * time.Minute) }, identity.ErrCodeExpired, []int{70020}},
		{"declined", func(p *entratest.Provider, clk *clock, d identity.DeviceCode) { _ = p.Decline(d.UserCode) }, identity.ErrDeclined, []int{70000}},
		{"token of another tenant", func(p *entratest.Provider, clk *clock, d identity.DeviceCode) {
			p.Forge(entratest.OtherTenant)
			_ = p.Approve(d.UserCode, alice)
		}, identity.ErrWrongTenant, nil},
		{"token issued before the sign-in started", func(p *entratest.Provider, clk *clock, d identity.DeviceCode) {
			p.Forge(entratest.IssuedBeforeStart)
			_ = p.Approve(d.UserCode, alice)
		}, identity.ErrStale, nil},
		{"token unsigned", func(p *entratest.Provider, clk *clock, d identity.DeviceCode) {
			p.Forge(entratest.Unsigned)
			_ = p.Approve(d.UserCode, alice)
		}, identity.ErrAlgorithm, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, e, clk := setup(t)
			ctx := testContext(t)
			d, err := e.StartDevice(ctx)
			if err != nil {
				t.Fatal(err)
			}
			c.act(p, clk, d)
			_, err = e.WaitDevice(ctx, d)
			if !errors.Is(err, c.want) {
				t.Fatalf("WaitDevice = %v, want %v", err, c.want)
			}
			if c.codes != nil {
				var ee *identity.EntraError
				if !errors.As(err, &ee) || len(ee.Codes) != 1 || ee.Codes[0] != c.codes[0] || ee.TraceID == "" {
					t.Fatalf("EntraError = %+v", ee)
				}
			}
		})
	}
}

func TestWaitDeviceStopsWithItsContext(t *testing.T) {
	t.Parallel()
	_, e, _ := setup(t)
	d, err := e.StartDevice(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if _, err := e.WaitDevice(ctx, d); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitDevice = %v, want the context's deadline", err)
	}
}

func TestAuthCodeWithPKCE(t *testing.T) {
	t.Parallel()
	p, e, clk := setup(t)
	ctx := testContext(t)
	req := identity.NewAuthRequest()
	if len(req.State) < 26 || len(req.Nonce) < 26 || len(req.Verifier) < 43 || req.State == req.Nonce {
		t.Fatalf("AuthRequest = %+v", req)
	}
	link, err := e.AuthCodeURL(req.State, req.Nonce, req.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	q := mustQuery(t, link)
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") != req.Nonce ||
		q.Get("state") != req.State || q.Get("scope") != "openid profile" || q.Get("redirect_uri") != p.RedirectURL ||
		strings.Contains(link, req.Verifier) {
		t.Fatalf("link %s", link)
	}
	u := alice
	u.AuthTime = clk.Now()
	u.AuthContexts = []string{"c1"}
	back, err := p.SignIn(link, u)
	if err != nil {
		t.Fatal(err)
	}
	if back.Query().Get("state") != req.State {
		t.Fatalf("redirect %s lost the state", back)
	}
	code := back.Query().Get("code")
	s, err := e.Exchange(ctx, code, req.Verifier, req.Nonce)
	if err != nil {
		t.Fatal(err)
	}
	if s.ObjectID != alice.ObjectID || !s.HasAuthContext("c1") || !s.FreshFor(time.Minute, clk.Now()) {
		t.Fatalf("SignIn = %+v", s)
	}
	// The code is spent.
	if _, err := e.Exchange(ctx, code, req.Verifier, req.Nonce); !errors.Is(err, identity.ErrCodeExpired) {
		t.Fatalf("second exchange: %v, want ErrCodeExpired", err)
	}
}

func TestAuthCodeThroughABrowser(t *testing.T) {
	t.Parallel()
	p, e, _ := setup(t)
	req := identity.NewAuthRequest()
	link, _ := e.AuthCodeURL(req.State, req.Nonce, req.Verifier)
	b := *p.Client()
	browser := &b
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	get := func() *http.Response {
		t.Helper()
		r, err := http.NewRequestWithContext(testContext(t), http.MethodGet, link, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := browser.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := get(); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no one signed in: %s", resp.Status)
	}
	p.BrowserSignIn(&alice)
	resp := get()
	back, err := resp.Location()
	if resp.StatusCode != http.StatusFound || err != nil || back.Query().Get("state") != req.State {
		t.Fatalf("authorize = %s, %v, %v", resp.Status, back, err)
	}
	s, err := e.Exchange(testContext(t), back.Query().Get("code"), req.Verifier, req.Nonce)
	if err != nil || s.ObjectID != alice.ObjectID {
		t.Fatalf("Exchange = %+v, %v", s, err)
	}
}

func TestAuthCodeRefusals(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		forge    entratest.Forgery
		verifier func(identity.AuthRequest) string
		nonce    func(identity.AuthRequest) string
		want     error
		code     int
	}{
		{"wrong PKCE verifier", entratest.Genuine, func(identity.AuthRequest) string { return identity.NewAuthRequest().Verifier }, nil, identity.ErrEntra, 501481},
		{"token with the wrong nonce", entratest.WrongNonce, nil, nil, identity.ErrNonce, 0},
		{"nonce of another sign-in", entratest.Genuine, nil, func(identity.AuthRequest) string { return identity.NewAuthRequest().Nonce }, identity.ErrNonce, 0},
		{"no nonce to compare with", entratest.Genuine, nil, func(identity.AuthRequest) string { return "" }, identity.ErrNonce, 0},
		{"token re-signed with another key", entratest.UnknownKey, nil, nil, identity.ErrSignature, 0},
		{"token expired", entratest.Expired, nil, nil, identity.ErrExpired, 0},
		{"token for another app", entratest.WrongAudience, nil, nil, identity.ErrAudience, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, e, _ := setup(t)
			p.Forge(c.forge)
			req := identity.NewAuthRequest()
			link, err := e.AuthCodeURL(req.State, req.Nonce, req.Verifier)
			if err != nil {
				t.Fatal(err)
			}
			back, err := p.SignIn(link, alice)
			if err != nil {
				t.Fatal(err)
			}
			verifier, nonce := req.Verifier, req.Nonce
			if c.verifier != nil {
				verifier = c.verifier(req)
			}
			if c.nonce != nil {
				nonce = c.nonce(req)
			}
			_, err = e.Exchange(testContext(t), back.Query().Get("code"), verifier, nonce)
			if !errors.Is(err, c.want) {
				t.Fatalf("Exchange = %v, want %v", err, c.want)
			}
			var ee *identity.EntraError
			if c.code != 0 && (!errors.As(err, &ee) || len(ee.Codes) == 0 || ee.Codes[0] != c.code) {
				t.Fatalf("EntraError = %+v, want AADSTS%d", ee, c.code)
			}
		})
	}
}

func TestAuthCodeNeedsTheSecretAndARedirect(t *testing.T) {
	t.Parallel()
	p, e, _ := setup(t, func(c *identity.Config) { c.ClientSecret = "wrong" })
	req := identity.NewAuthRequest()
	link, _ := e.AuthCodeURL(req.State, req.Nonce, req.Verifier)
	back, err := p.SignIn(link, alice)
	if err != nil {
		t.Fatal(err)
	}
	var ee *identity.EntraError
	_, err = e.Exchange(testContext(t), back.Query().Get("code"), req.Verifier, req.Nonce)
	if !errors.As(err, &ee) || ee.Code != "invalid_client" || !errors.Is(err, identity.ErrEntra) {
		t.Fatalf("Exchange with a wrong secret = %v", err)
	}

	_, e, _ = setup(t, func(c *identity.Config) { c.RedirectURL = "" })
	if _, err := e.AuthCodeURL(req.State, req.Nonce, req.Verifier); !errors.Is(err, identity.ErrNoRedirect) {
		t.Fatalf("AuthCodeURL without a redirect = %v", err)
	}
}

func TestAuthContextIsAskedFor(t *testing.T) {
	t.Parallel()
	p, e, _ := setup(t, func(c *identity.Config) { c.AuthContext = "C1" })
	const want = `{"id_token":{"acrs":{"essential":true,"value":"c1"}}}`
	req := identity.NewAuthRequest()
	link, err := e.AuthCodeURL(req.State, req.Nonce, req.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustQuery(t, link).Get("claims"); got != want {
		t.Fatalf("claims on the link = %q, want %q", got, want)
	}
	if _, err := p.SignIn(link, alice); err != nil {
		t.Fatal(err)
	}
	if _, err := e.StartDevice(testContext(t)); err != nil {
		t.Fatal(err)
	}
	if got := p.ClaimsRequests(); len(got) != 2 || got[0] != want || got[1] != want {
		t.Fatalf("the fake was sent claims %q", got)
	}

	_, plain, _ := setup(t)
	link, _ = plain.AuthCodeURL(req.State, req.Nonce, req.Verifier)
	if strings.Contains(link, "claims") {
		t.Fatalf("claims without an AuthContext: %s", link)
	}
}

func TestConfig(t *testing.T) {
	for cloud, host := range map[identity.Cloud]string{
		"":                     "https://login.microsoftonline.com",
		identity.CloudGlobal:   "https://login.microsoftonline.com",
		identity.CloudUSGov:    "https://login.microsoftonline.us",
		identity.CloudUSGovDoD: "https://login.microsoftonline.us",
		identity.CloudChina:    "https://login.partner.microsoftonline.cn",
	} {
		got, err := identity.AuthorityHost(cloud)
		if err != nil || got != host {
			t.Errorf("AuthorityHost(%q) = %q, %v; want %q", cloud, got, err, host)
		}
		cfg := identity.Config{TenantID: strings.ToUpper(tenantID), ClientID: clientID, Cloud: cloud}
		if want := host + "/" + tenantID + "/v2.0"; cfg.Issuer() != want {
			t.Errorf("Issuer() = %q, want %q", cfg.Issuer(), want)
		}
	}
	if _, err := identity.AuthorityHost("germany"); err == nil {
		t.Error("germany accepted")
	}
	ctx := testContext(t)
	for _, cfg := range []identity.Config{
		{TenantID: "contoso.onmicrosoft.com", ClientID: clientID, AuthorityURL: "http://127.0.0.1:1"},
		{TenantID: "common", ClientID: clientID, AuthorityURL: "http://127.0.0.1:1"},
		{TenantID: tenantID, ClientID: "", AuthorityURL: "http://127.0.0.1:1"},
		{TenantID: tenantID, ClientID: clientID, Cloud: "germany"},
		{TenantID: tenantID, ClientID: clientID, AuthorityURL: "http://127.0.0.1:1", AuthContext: "c100"},
		{TenantID: tenantID, ClientID: clientID, AuthorityURL: "http://127.0.0.1:1", AuthContext: "mfa"},
	} {
		if _, err := identity.NewEntra(ctx, cfg); err == nil || errors.Is(err, identity.ErrDiscovery) {
			t.Errorf("NewEntra(%+v) = %v, want a configuration error", cfg, err)
		}
	}
}

func TestDiscoveryRefusals(t *testing.T) {
	t.Parallel()
	p := entratest.New(tenantID, clientID)
	t.Cleanup(p.Close)
	ctx := testContext(t)
	// Another tenant than the fake's: Entra answers 400 (AADSTS90002).
	_, err := identity.NewEntra(ctx, identity.Config{TenantID: entratest.OtherTenantID, ClientID: clientID, AuthorityURL: p.URL, HTTPClient: p.Client()})
	if !errors.Is(err, identity.ErrDiscovery) {
		t.Fatalf("unknown tenant: %v", err)
	}
	// A document naming another issuer than the URL it was read from.
	liar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"https://login.microsoftonline.com/{tenantid}/v2.0","token_endpoint":"x","authorization_endpoint":"y","jwks_uri":"z"}`))
	}))
	t.Cleanup(liar.Close)
	_, err = identity.NewEntra(ctx, identity.Config{TenantID: tenantID, ClientID: clientID, AuthorityURL: liar.URL, HTTPClient: liar.Client()})
	if !errors.Is(err, identity.ErrDiscovery) || !strings.Contains(err.Error(), "did not match") {
		t.Fatalf("issuer mismatch: %v", err)
	}
	// A document too big to be one.
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"` + strings.Repeat("x", 2<<20) + `"}`))
	}))
	t.Cleanup(huge.Close)
	_, err = identity.NewEntra(ctx, identity.Config{TenantID: tenantID, ClientID: clientID, AuthorityURL: huge.URL, HTTPClient: huge.Client()})
	if !errors.Is(err, identity.ErrDiscovery) || !strings.Contains(err.Error(), "over") {
		t.Fatalf("2 MiB document: %v", err)
	}
}

func TestUnreachableKeysAreNotAForgery(t *testing.T) {
	t.Parallel()
	p, e, _ := setup(t)
	raw, err := p.IDToken(alice, "n1", entratest.Genuine)
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	if _, err := e.Verify(testContext(t), raw, "n1"); !errors.Is(err, identity.ErrKeys) {
		t.Fatalf("Verify with the keys unreachable = %v, want ErrKeys", err)
	}
}

func TestUnreachableTokenEndpoint(t *testing.T) {
	t.Parallel()
	p, e, _ := setup(t)
	req := identity.NewAuthRequest()
	link, _ := e.AuthCodeURL(req.State, req.Nonce, req.Verifier)
	back, err := p.SignIn(link, alice)
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	if _, err := e.Exchange(testContext(t), back.Query().Get("code"), req.Verifier, req.Nonce); !errors.Is(err, identity.ErrUnreachable) {
		t.Fatalf("Exchange with Entra gone = %v, want ErrUnreachable", err)
	}
	if _, err := e.StartDevice(testContext(t)); !errors.Is(err, identity.ErrUnreachable) {
		t.Fatalf("StartDevice with Entra gone = %v, want ErrUnreachable", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.StartDevice(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("StartDevice with its context cancelled = %v", err)
	}
}

func mustQuery(t *testing.T, link string) url.Values {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}
