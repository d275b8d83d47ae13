package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// What doctor can check of a sign-in setup without anyone signing in.

// CheckKeys reads the tenant's signing keys (the discovery document's jwks_uri) and says how
// many RSA signing keys it publishes; none is an error: no ID token could be verified.
func (e *Entra) CheckKeys(ctx context.Context) (int, error) {
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := e.provider.Claims(&doc); err != nil || doc.JWKSURI == "" {
		return 0, refused(ErrKeys, "the OpenID configuration names no jwks_uri")
	}
	call, cancel := context.WithTimeout(ctx, e.cfg.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(call, http.MethodGet, doc.JWKSURI, nil)
	if err != nil {
		return 0, refused(ErrKeys, "%v", err)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, refused(ErrKeys, "%v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, refused(ErrKeys, "%s answered HTTP %d", doc.JWKSURI, resp.StatusCode)
	}
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Use string `json:"use"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return 0, refused(ErrKeys, "%s: %v", doc.JWKSURI, err)
	}
	n := 0
	for _, k := range set.Keys {
		if k.Kty == "RSA" && (k.Use == "" || k.Use == "sig") {
			n++
		}
	}
	if n == 0 {
		return 0, refused(ErrKeys, "%s publishes no RSA signing key", doc.JWKSURI)
	}
	return n, nil
}

// ProbeDevice checks that the device code flow works for the app registration, as far as
// it can without anyone signing in: a device code is asked for (the app exists in the
// tenant) and redeemed once at once, which Entra must answer authorization_pending; an
// app whose "Allow public client flows" is No is refused there (AADSTS7000218). The code
// is never shown and expires unused.
func (e *Entra) ProbeDevice(ctx context.Context) error {
	d, err := e.StartDevice(ctx)
	if err != nil {
		return err
	}
	call, cancel := context.WithTimeout(e.clientContext(ctx), e.cfg.timeout())
	defer cancel()
	form := url.Values{
		"grant_type":  {"urn:ietf:params:oauth:grant-type:device_code"},
		"client_id":   {e.cfg.ClientID},
		"device_code": {d.auth.DeviceCode},
	}
	req, err := http.NewRequestWithContext(call, http.MethodPost, e.device.Endpoint.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return refused(ErrUnreachable, "%v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := e.client.Do(req)
	if err != nil {
		return refused(ErrUnreachable, "%v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var answer struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Codes       []int  `json:"error_codes"`
	}
	_ = json.Unmarshal(b, &answer)
	if answer.Error == "authorization_pending" {
		return nil
	}
	return &EntraError{Code: firstOf(answer.Error, fmt.Sprintf("HTTP %d", resp.StatusCode)), Description: answer.Description, Codes: answer.Codes, reason: ErrEntra}
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
