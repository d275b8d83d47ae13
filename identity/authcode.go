package identity

import (
	"context"
	"crypto/rand"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// AuthRequest is what one authorization code sign-in must remember between
// the link and the redirect: all three random, all three single-use.
type AuthRequest struct {
	// State goes on the link and comes back on the redirect: it finds
	// this request (and the chat account that asked), and a redirect
	// whose state is unknown is refused by the caller.
	State string
	// Nonce goes on the link and must come back inside the ID token.
	Nonce string
	// Verifier is the PKCE code verifier: its S256 challenge goes on the
	// link, the verifier itself only on the code exchange.
	Verifier string
}

// NewAuthRequest makes a state, a nonce (128 bits each, crypto/rand) and a
// PKCE verifier (oauth2.GenerateVerifier: 32 random bytes).
func NewAuthRequest() AuthRequest {
	return AuthRequest{State: rand.Text(), Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier()}
}

// AuthCodeURL is the one-time sign-in link for the authorization code flow
// with PKCE (S256), for serve when it has a public URL: Entra's authorize
// endpoint with response_type=code, the openid and profile scopes, the
// redirect URL, state, nonce, code_challenge, and the claims request of
// Config.AuthContext when set ("Microsoft identity platform and OAuth 2.0
// authorization code flow":
// https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow).
func (e *Entra) AuthCodeURL(state, nonce, verifier string) (string, error) {
	if e.cfg.RedirectURL == "" {
		return "", ErrNoRedirect
	}
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)}, e.claims...)
	return e.code.AuthCodeURL(state, opts...), nil
}

// Exchange redeems the authorization code from the redirect (whose state the
// caller has already matched to its AuthRequest) with the PKCE verifier, and
// verifies the ID token, whose nonce must be the one on the link.
func (e *Entra) Exchange(ctx context.Context, code, verifier, nonce string) (SignIn, error) {
	if e.cfg.RedirectURL == "" {
		return SignIn{}, ErrNoRedirect
	}
	if nonce == "" {
		return SignIn{}, refused(ErrNonce, "no nonce to compare with")
	}
	call, cancel := context.WithTimeout(e.clientContext(ctx), e.cfg.timeout())
	defer cancel()
	tok, err := e.code.Exchange(call, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return SignIn{}, entraError(ctx, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return SignIn{}, ErrNoIDToken
	}
	return e.verify(ctx, raw, expectation{nonce: nonce})
}
