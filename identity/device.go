package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// DeviceCode is a started device sign-in (OAuth 2.0 device authorization
// grant, RFC 8628, as Microsoft runs it:
// https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code).
// Show the person UserCode and VerificationURI; then WaitDevice.
// It holds the device_code, which redeems the tokens once someone signs in
// with the user code: keep it in memory, never show it or log it.
type DeviceCode struct {
	// UserCode is the short code the person types at VerificationURI.
	UserCode string
	// VerificationURI is Microsoft's device login page
	// (https://microsoft.com/devicelogin in the global cloud).
	VerificationURI string
	// StartedAt is when the code was asked for (Config.Now); the ID token
	// must not be older (ErrStale).
	StartedAt time.Time
	// ExpiresAt is when the codes stop working (15 minutes by default).
	ExpiresAt time.Time
	// Interval is how long to wait between polls.
	Interval time.Duration

	auth *oauth2.DeviceAuthResponse
}

// String never shows the device code.
func (d DeviceCode) String() string {
	return fmt.Sprintf("device sign-in %s at %s until %s", d.UserCode, d.VerificationURI, d.ExpiresAt.UTC().Format(time.RFC3339))
}

// StartDevice asks Entra's /devicecode endpoint for a device sign-in with
// the openid and profile scopes. (Entra's answer also has a message, an
// English sentence; x/oauth2 drops it, and handlers says its own, in the
// reader's language.) It works with no public URL (Socket Mode,
// behind firewalls): the person signs in on any browser, and WaitDevice polls
// the token endpoint.
func (e *Entra) StartDevice(ctx context.Context) (DeviceCode, error) {
	started := e.cfg.now()
	call, cancel := context.WithTimeout(e.clientContext(ctx), e.cfg.timeout())
	defer cancel()
	da, err := e.device.DeviceAuth(call, e.claims...)
	if err != nil {
		return DeviceCode{}, entraError(ctx, err)
	}
	if da.DeviceCode == "" || da.UserCode == "" || da.VerificationURI == "" {
		return DeviceCode{}, refused(ErrEntra, "device code answer without device_code, user_code or verification_uri")
	}
	d := DeviceCode{
		UserCode: da.UserCode, VerificationURI: da.VerificationURI,
		StartedAt: started, Interval: time.Duration(da.Interval) * time.Second, auth: da,
	}
	if d.Interval <= 0 {
		d.Interval = 5 * time.Second // RFC 8628's default
	}
	if !da.Expiry.IsZero() {
		d.ExpiresAt = started.Add(time.Until(da.Expiry).Round(time.Second))
	}
	return d, nil
}

// WaitDevice polls Entra's token endpoint every Interval until the person
// has signed in with the code (then it verifies the ID token), declined
// (ErrDeclined), or the code expired (ErrCodeExpired); or until ctx ends.
//
// The device flow has no nonce: Microsoft's /devicecode request takes only
// client_id and scope. What a nonce does elsewhere (this token answers this
// request, it is not one replayed from somewhere else) rests here on the
// device_code: only this process holds it, and the ID token comes back
// directly from the token endpoint over TLS in answer to it, never through a
// browser. On top of that the token must carry no nonce and must have been
// issued after the sign-in started (ErrStale).
func (e *Entra) WaitDevice(ctx context.Context, d DeviceCode) (SignIn, error) {
	if d.auth == nil {
		return SignIn{}, refused(ErrCodeExpired, "not a DeviceCode from StartDevice")
	}
	// DeviceAccessToken stops at the code's expiry (its own deadline).
	tok, err := e.device.DeviceAccessToken(e.clientContext(ctx), d.auth)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return SignIn{}, refused(ErrCodeExpired, "no sign-in with code %s before it expired", d.UserCode)
		}
		return SignIn{}, entraError(ctx, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return SignIn{}, ErrNoIDToken
	}
	return e.verify(ctx, raw, expectation{startAt: d.StartedAt})
}

// entraError reads Entra's error answer (error, error_description,
// error_codes, trace_id, correlation_id) into an *EntraError; any other error
// is ErrUnreachable, unless the caller's ctx has ended.
func entraError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return refused(ErrUnreachable, "%v", err)
	}
	var body struct {
		ErrorCodes    []int  `json:"error_codes"`
		TraceID       string `json:"trace_id"`
		CorrelationID string `json:"correlation_id"`
	}
	_ = json.Unmarshal(re.Body, &body)
	e := &EntraError{
		Code: re.ErrorCode, Description: re.ErrorDescription, Codes: body.ErrorCodes,
		TraceID: body.TraceID, CorrelationID: body.CorrelationID, reason: ErrEntra,
	}
	switch {
	case re.ErrorCode == "authorization_declined" || re.ErrorCode == "access_denied":
		e.reason = ErrDeclined
	case re.ErrorCode == "expired_token" || re.ErrorCode == "bad_verification_code":
		e.reason = ErrCodeExpired
	case re.ErrorCode == "invalid_grant" && hasCode(body.ErrorCodes, 54005, 70008):
		// 54005: authorization code already redeemed; 70008: expired.
		e.reason = ErrCodeExpired
	}
	if e.Code == "" && re.Response != nil {
		e.Code = fmt.Sprintf("HTTP %d", re.Response.StatusCode)
	}
	return e
}

func hasCode(codes []int, want ...int) bool {
	for _, c := range codes {
		for _, w := range want {
			if c == w {
				return true
			}
		}
	}
	return false
}
