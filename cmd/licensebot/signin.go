package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/licensebot/licensebot/configs"
	"github.com/licensebot/licensebot/handlers"
	"github.com/licensebot/licensebot/identity"
)

// entraSignIns is the handlers' SignIns: the identity package at the configured tenant and
// app registration. The tenant's OpenID configuration is read at start; if Entra doesn't
// answer then, it is read again on first use, so a replica started during a blip of
// Microsoft's sign-in service still serves everything else.
type entraSignIns struct {
	cfg identity.Config

	mu    sync.Mutex
	entra *identity.Entra
}

// identityConfig is the identity package's configuration from licensebot's.
func identityConfig(cfg configs.Config, now func() time.Time) identity.Config {
	return identity.Config{
		TenantID: cfg.SignIn.TenantID, ClientID: cfg.SignIn.ClientID, ClientSecret: cfg.SignIn.ClientSecret,
		Cloud: identity.Cloud(cfg.Graph.Cloud), AuthorityURL: cfg.SignIn.AuthorityURL,
		RedirectURL: cfg.SignIn.RedirectURL(), AuthContext: cfg.SignIn.AuthContext, Now: now,
	}
}

// newEntraSignIns prepares signing in; a configuration the identity package refuses stops
// serve, an Entra that doesn't answer yet is only logged.
func newEntraSignIns(ctx context.Context, cfg identity.Config, logger *slog.Logger) (*entraSignIns, error) {
	s := &entraSignIns{cfg: cfg}
	if _, err := s.get(ctx); err != nil {
		if !errors.Is(err, identity.ErrDiscovery) {
			return nil, err
		}
		logger.Warn("Microsoft's sign-in service doesn't answer at start-up; signing in is tried again when someone needs it", "err", err)
	}
	return s, nil
}

func (s *entraSignIns) get(ctx context.Context) (*identity.Entra, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entra != nil {
		return s.entra, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	e, err := identity.NewEntra(ctx, s.cfg)
	if err != nil {
		return nil, err
	}
	s.entra = e
	return e, nil
}

func (s *entraSignIns) StartDevice(ctx context.Context) (handlers.DeviceSignIn, error) {
	e, err := s.get(ctx)
	if err != nil {
		return handlers.DeviceSignIn{}, signInError(err)
	}
	d, err := e.StartDevice(ctx)
	if err != nil {
		return handlers.DeviceSignIn{}, signInError(err)
	}
	return handlers.DeviceSignIn{
		UserCode: d.UserCode, VerificationURI: d.VerificationURI, ExpiresAt: d.ExpiresAt,
		Wait: func(ctx context.Context) (handlers.SignedIn, error) {
			si, err := e.WaitDevice(ctx, d)
			if err != nil {
				return handlers.SignedIn{}, signInError(err)
			}
			return signedIn(si), nil
		},
	}, nil
}

func (s *entraSignIns) NewLink() (string, handlers.SignInSecret, error) {
	if s.cfg.RedirectURL == "" {
		return "", handlers.SignInSecret{}, nil
	}
	e, err := s.get(context.Background())
	if err != nil {
		return "", handlers.SignInSecret{}, signInError(err)
	}
	r := identity.NewAuthRequest()
	link, err := e.AuthCodeURL(r.State, r.Nonce, r.Verifier)
	if err != nil {
		return "", handlers.SignInSecret{}, signInError(err)
	}
	return link, handlers.SignInSecret{State: r.State, Nonce: r.Nonce, Verifier: r.Verifier}, nil
}

func (s *entraSignIns) Exchange(ctx context.Context, code string, secret handlers.SignInSecret) (handlers.SignedIn, error) {
	e, err := s.get(ctx)
	if err != nil {
		return handlers.SignedIn{}, signInError(err)
	}
	si, err := e.Exchange(ctx, code, secret.Verifier, secret.Nonce)
	if err != nil {
		return handlers.SignedIn{}, signInError(err)
	}
	return signedIn(si), nil
}

func signedIn(si identity.SignIn) handlers.SignedIn {
	return handlers.SignedIn{ObjectID: si.ObjectID, TenantID: si.TenantID, Username: si.Username, Name: si.Name,
		AuthTime: si.AuthTime, AuthContexts: si.AuthContexts}
}

// signInError keeps the identity package's detail and adds the handlers' reason.
func signInError(err error) error {
	var reason error
	switch {
	case errors.Is(err, identity.ErrWrongTenant):
		reason = handlers.ErrSignInOtherTenant
	case errors.Is(err, identity.ErrDeclined):
		reason = handlers.ErrSignInDeclined
	case errors.Is(err, identity.ErrCodeExpired):
		reason = handlers.ErrSignInExpired
	case errors.Is(err, identity.ErrUnreachable), errors.Is(err, identity.ErrDiscovery), errors.Is(err, identity.ErrKeys):
		reason = handlers.ErrSignInUnavailable
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	default:
		reason = handlers.ErrSignInInvalid
	}
	return fmt.Errorf("%w: %w", reason, err)
}

// handleSignInCallback is where a sign-in link comes back (configs.CallbackPath): Entra's
// redirect with code and state, or with an error. Everything is decided by handlers from
// the state it kept; the browser gets one sentence, escaped, and nothing is cached.
func handleSignInCallback(svc *handlers.Service, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 8*time.Second)
		defer cancel()
		q := r.URL.Query()
		ok, text := svc.CompleteSignIn(ctx, q.Get("state"), q.Get("code"), q.Get("error"))
		code := http.StatusOK
		if !ok {
			code = http.StatusBadRequest
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		w.WriteHeader(code)
		fmt.Fprintf(w, "<!doctype html><meta charset=utf-8><title>licensebot</title><p>%s</p>\n", html.EscapeString(text))
		logger.DebugContext(ctx, "sign-in redirect answered", "ok", ok)
	})
}

// serveSignIns is signing in for serve: under identity entra always (the configuration was
// checked), under email when a tenant and app are named, else none. Email mode is warned
// about at every start: a chat profile's address is nobody's proof.
func serveSignIns(ctx context.Context, cfg configs.Config, now func() time.Time, logger *slog.Logger) (handlers.SignIns, error) {
	if !cfg.SignIn.Entra() {
		logger.Warn("LICENSEBOT_IDENTITY=email: people are known by the e-mail address their chat profile shows, which proves nothing; set LICENSEBOT_IDENTITY=entra once people have linked their accounts by signing in (/unassign link)")
	}
	if cfg.SignIn.Entra() && cfg.SignIn.LinkByApproval {
		logger.Warn("LICENSEBOT_LINK_BY_APPROVAL=true: links an administrator approved, and DISCORD_USER_MAP's, count as well as signed-in ones; they prove no sign-in, and approvals still need one")
	}
	if !cfg.SignIn.Entra() && !cfg.SignIn.SignInConfigured() {
		return nil, nil
	}
	s, err := newEntraSignIns(ctx, identityConfig(cfg, now), logger)
	if err != nil {
		return nil, fmt.Errorf("sign-in: %w", err)
	}
	return s, nil
}

// signInWindow is how recent a sign-in a decision needs: the configured window under
// identity entra; none under email (nobody is made to sign in there).
func signInWindow(cfg configs.Config, d time.Duration) time.Duration {
	if !cfg.SignIn.Entra() {
		return 0
	}
	return d
}

// signInRoutes is the sign-in link's callback, where serve has a public URL.
func signInRoutes(cfg configs.Config, svc *handlers.Service, logger *slog.Logger) map[string]http.Handler {
	if cfg.SignIn.PublicURL == "" {
		return nil
	}
	return map[string]http.Handler{"GET " + configs.CallbackPath: handleSignInCallback(svc, logger)}
}

// doctorSignIn checks signing in with Microsoft as serve would do it: the tenant's OpenID
// configuration and signing keys, and that the app registration lets the device code flow
// through (asked for a code and redeemed once: Entra must say the person hasn't signed in
// yet). What can't be seen from here (the registered redirect URI, whether the ID token
// carries auth_time) is said as a thing to look at.
func doctorSignIn(ctx context.Context, r *doctorReport, cfg configs.Config, configOK bool) {
	const what = "Sign-in with Microsoft"
	switch {
	case !cfg.SignIn.Entra() && !cfg.SignIn.SignInConfigured():
		r.skip(what, "not set up: LICENSEBOT_IDENTITY=email, people are known by their chat profile's address")
		return
	case !configOK:
		r.skip(what, "not checked: fix the configuration first")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	icfg := identityConfig(cfg, time.Now)
	e, err := identity.NewEntra(ctx, icfg)
	if err != nil {
		r.fail(what+": the tenant's OpenID configuration", err.Error(),
			"check AZURE_TENANT_ID (the tenant's GUID) and GRAPH_CLOUD, and that "+icfg.Issuer()+" is reachable from here")
		return
	}
	r.pass(what + ": the tenant's OpenID configuration (" + e.Issuer() + ")")
	if n, err := e.CheckKeys(ctx); err != nil {
		r.fail(what+": the tenant's signing keys", err.Error(), "make sure the keys (jwks_uri) are reachable from here: no sign-in can be verified without them")
	} else {
		r.pass(fmt.Sprintf("%s: the tenant publishes %d signing keys", what, n))
	}
	var ee *identity.EntraError
	switch err := e.ProbeDevice(ctx); {
	case err == nil:
		r.pass(what + ": the device code flow (the app registration allows public client flows)")
	case errors.As(err, &ee) && slices.Contains(ee.Codes, 7000218):
		r.fail(what+": the device code flow", "the app registration doesn't allow public client flows (AADSTS7000218)",
			"in Entra ID › App registrations › licensebot › Authentication, set \"Allow public client flows\" to Yes")
	case errors.As(err, &ee) && slices.Contains(ee.Codes, 700016):
		r.fail(what+": the device code flow", "no app with id "+icfg.ClientID+" in the tenant (AADSTS700016)",
			"set AZURE_CLIENT_ID (or LICENSEBOT_SIGNIN_CLIENT_ID) to the app registration's Application (client) ID")
	default:
		r.fail(what+": the device code flow", err.Error(), "see the app registration's Authentication page")
	}
	if redirect := icfg.RedirectURL; redirect != "" {
		r.unchecked(what+": the sign-in link", "whether "+redirect+" is a registered redirect URI can't be read with licensebot's permissions",
			"register it under the app registration's Authentication › Web › Redirect URIs")
	}
	r.unchecked(what+": sign-in time", "whether ID tokens carry auth_time shows at the first sign-in (audit: linked, evidence)",
		"add the optional claim auth_time to the ID token (app registration › Token configuration); without it a sign-in is fresh from when it completed at licensebot")
}
