// Package identity proves who a person is by having them sign in with
// Microsoft: it owns the OpenID Connect conversation with one Microsoft Entra
// tenant (discovery, the device authorization grant, the authorization code
// flow with PKCE) and the verification of the ID token that comes back, and it
// says exactly what a verified sign-in proves (SignIn).
//
// It decides nothing about links, roles or requests: handlers does that with a
// SignIn in hand. Its errors are values (ErrWrongTenant, ErrNonce, …) that
// handlers turns into sentences.
//
// identity/entratest is a local fake of Entra's v2.0 OpenID provider for tests.
package identity
