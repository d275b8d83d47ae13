package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Every request the Bot Connector service sends carries "Authorization: Bearer <JWT>",
// which the bot must verify before it trusts anything in the activity ("Authentication with
// the Bot Connector API", "Authenticate requests from the Bot Connector service to your
// bot", https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication):
//
//  1. the token is in the Authorization header with the Bearer scheme;
//  2. it is signed (RS256) by a key of the Bot Framework's OpenID metadata
//     (https://login.botframework.com/v1/.well-known/openidconfiguration → jwks_uri), and
//     that key's "endorsements" name the channel ("msteams");
//  3. its issuer is https://api.botframework.com;
//  4. its audience is the bot's Microsoft App ID;
//  5. it is within its validity period, allowing for a clock skew of 5 minutes;
//  6. its service URL claim matches the activity's serviceUrl. The document writes the
//     claim "serviceUrl"; Microsoft's SDKs read "serviceurl" (botframework-connector's
//     AuthenticationConstants.ServiceUrlClaim): the name is compared without case.
//
// The keys are read again at most once a day, and at once (but at most every five
// minutes) when a token names a key id not seen: Microsoft rolls its keys.

// Bot Framework's constants for tokens from the Bot Connector service.
const (
	DefaultOpenIDMetadataURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	botFrameworkIssuer       = "https://api.botframework.com"
	tokenSkew                = 5 * time.Minute
	keysLifetime             = 24 * time.Hour
	unknownKeyBackoff        = 5 * time.Minute
	failedReadBackoff        = 10 * time.Second
	// maxKeysAnswer bounds the metadata's and the keys' answers: a few kilobytes in practice.
	maxKeysAnswer = 1 << 20
)

// errUnverified is the cause of every refused token; the detail is for the log only.
var errUnverified = errors.New("bearer token not verified")

// verifier checks the Bot Connector's tokens.
type verifier struct {
	metadataURL string
	appID       string
	channel     string // the endorsement a key must carry: "msteams"
	http        *http.Client
	now         func() time.Time

	mu       sync.Mutex
	keys     map[string]endorsedKey // by kid
	fetched  time.Time              // when the keys were last read
	tried    time.Time              // when the keys were last read again for an unknown key id
	failed   time.Time              // when a read last failed; zero after one succeeds
	fetching chan struct{}          // closed when the read under way ends; nil: none
}

// endorsedKey is a signing key and the channels it is endorsed for.
type endorsedKey struct {
	key          jose.JSONWebKey
	endorsements []string
}

// verified is what a verified token says.
type verified struct {
	serviceURL string
	expires    time.Time
}

// verify checks the request's bearer token; the activity's serviceUrl is checked against
// the returned serviceURL by the caller, once the activity is read.
func (v *verifier) verify(ctx context.Context, h http.Header) (verified, error) {
	auth := h.Get("Authorization")
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return verified{}, fmt.Errorf("%w: no bearer token", errUnverified)
	}
	if len(token) > 16<<10 {
		return verified{}, fmt.Errorf("%w: a token of %d bytes", errUnverified, len(token))
	}
	sig, err := jose.ParseSigned(strings.TrimSpace(token), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return verified{}, fmt.Errorf("%w: %v", errUnverified, err)
	}
	if len(sig.Signatures) != 1 {
		return verified{}, fmt.Errorf("%w: %d signatures", errUnverified, len(sig.Signatures))
	}
	kid := sig.Signatures[0].Header.KeyID
	key, err := v.key(ctx, kid)
	if err != nil {
		return verified{}, err
	}
	if !slices.Contains(key.endorsements, v.channel) {
		return verified{}, fmt.Errorf("%w: key %q is not endorsed for %s", errUnverified, kid, v.channel)
	}
	payload, err := sig.Verify(key.key)
	if err != nil {
		return verified{}, fmt.Errorf("%w: signature: %v", errUnverified, err)
	}
	return v.claims(payload)
}

// claims checks a verified token's claims.
func (v *verifier) claims(payload []byte) (verified, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(payload, &raw); err != nil {
		return verified{}, fmt.Errorf("%w: claims: %v", errUnverified, err)
	}
	var c struct {
		Issuer    string          `json:"iss"`
		Audience  json.RawMessage `json:"aud"`
		Expiry    *float64        `json:"exp"`
		NotBefore *float64        `json:"nbf"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return verified{}, fmt.Errorf("%w: claims: %v", errUnverified, err)
	}
	if c.Issuer != botFrameworkIssuer {
		return verified{}, fmt.Errorf("%w: issuer %q", errUnverified, c.Issuer)
	}
	if !audienceHas(c.Audience, v.appID) {
		return verified{}, fmt.Errorf("%w: audience %s is not this bot", errUnverified, c.Audience)
	}
	now := v.now()
	if c.Expiry == nil || !plausibleTime(*c.Expiry) {
		return verified{}, fmt.Errorf("%w: no usable expiry", errUnverified)
	}
	if c.NotBefore != nil && !plausibleTime(*c.NotBefore) {
		return verified{}, fmt.Errorf("%w: no usable not-before", errUnverified)
	}
	exp := time.Unix(int64(*c.Expiry), 0)
	if now.After(exp.Add(tokenSkew)) {
		return verified{}, fmt.Errorf("%w: expired at %s", errUnverified, exp.UTC().Format(time.RFC3339))
	}
	if c.NotBefore != nil {
		if nbf := time.Unix(int64(*c.NotBefore), 0); now.Add(tokenSkew).Before(nbf) {
			return verified{}, fmt.Errorf("%w: not valid before %s", errUnverified, nbf.UTC().Format(time.RFC3339))
		}
	}
	var serviceURL string
	for name, value := range raw {
		if strings.EqualFold(name, "serviceurl") {
			if err := json.Unmarshal(value, &serviceURL); err != nil {
				return verified{}, fmt.Errorf("%w: service URL claim: %v", errUnverified, err)
			}
		}
	}
	if serviceURL == "" {
		return verified{}, fmt.Errorf("%w: no service URL claim", errUnverified)
	}
	return verified{serviceURL: serviceURL, expires: exp}, nil
}

// plausibleTime reports whether a NumericDate claim is a time a token can name (from 1970
// to the year 5138): beyond, the conversion to a time says nothing.
func plausibleTime(t float64) bool { return t >= 0 && t < 1e11 }

// audienceHas reports whether a token's aud (a string, or an array of them) names appID.
func audienceHas(aud json.RawMessage, appID string) bool {
	var one string
	if json.Unmarshal(aud, &one) == nil {
		return one != "" && strings.EqualFold(one, appID)
	}
	var many []string
	if json.Unmarshal(aud, &many) == nil {
		return slices.ContainsFunc(many, func(a string) bool { return strings.EqualFold(a, appID) })
	}
	return false
}

// key is the signing key kid, read again when it isn't known or the keys are a day old.
func (v *verifier) key(ctx context.Context, kid string) (endorsedKey, error) {
	for {
		v.mu.Lock()
		k, known := v.keys[kid]
		now := v.now()
		stale := now.Sub(v.fetched) > keysLifetime
		if known && !stale {
			v.mu.Unlock()
			return k, nil
		}
		// A key id not in keys read less than a day ago: read them again (Microsoft rolled
		// them), but not more than once per unknownKeyBackoff, whoever sends key ids.
		rollover := !stale && !v.fetched.IsZero()
		if rollover && !v.tried.IsZero() && now.Sub(v.tried) < unknownKeyBackoff {
			v.mu.Unlock()
			return endorsedKey{}, fmt.Errorf("%w: unknown key %q", errUnverified, kid)
		}
		if !known && !v.failed.IsZero() && now.Sub(v.failed) < failedReadBackoff {
			// The metadata didn't answer a moment ago: every activity meanwhile is refused
			// (Teams retries) rather than each waiting on it again.
			v.mu.Unlock()
			return endorsedKey{}, fmt.Errorf("%w: the Bot Framework's signing keys couldn't be read a moment ago", errUnverified)
		}
		if wait := v.fetching; wait != nil {
			v.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return endorsedKey{}, ctx.Err()
			}
		}
		done := make(chan struct{})
		v.fetching = done
		if rollover {
			v.tried = now
		}
		v.mu.Unlock()

		keys, err := v.fetch(ctx)
		v.mu.Lock()
		v.fetching = nil
		if err == nil {
			v.keys, v.fetched, v.failed = keys, v.now(), time.Time{}
		} else {
			v.failed = v.now()
		}
		v.mu.Unlock()
		close(done)
		if err != nil {
			if known {
				// Keys a day old still beat refusing every activity while the metadata is down.
				return k, nil
			}
			return endorsedKey{}, fmt.Errorf("%w: read the Bot Framework's signing keys: %v", errUnverified, err)
		}
		v.mu.Lock()
		k, known = v.keys[kid]
		v.mu.Unlock()
		if !known {
			return endorsedKey{}, fmt.Errorf("%w: unknown key %q", errUnverified, kid)
		}
		return k, nil
	}
}

// fetch reads the OpenID metadata and the keys it points at.
func (v *verifier) fetch(ctx context.Context) (map[string]endorsedKey, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := v.getJSON(ctx, v.metadataURL, &meta); err != nil {
		return nil, fmt.Errorf("OpenID metadata: %w", err)
	}
	if err := checkHTTPS(meta.JWKSURI); err != nil {
		return nil, fmt.Errorf("OpenID metadata: jwks_uri: %w", err)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := v.getJSON(ctx, meta.JWKSURI, &set); err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	keys := map[string]endorsedKey{}
	for _, raw := range set.Keys {
		var k endorsedKey
		var extra struct {
			Endorsements []string `json:"endorsements"`
		}
		if err := k.key.UnmarshalJSON(raw); err != nil || json.Unmarshal(raw, &extra) != nil {
			continue // a key of a kind this bot doesn't use; the others still count
		}
		if k.key.KeyID == "" || !k.key.Valid() || !k.key.IsPublic() {
			continue
		}
		k.endorsements = extra.Endorsements
		keys[k.key.KeyID] = k
	}
	if len(keys) == 0 {
		return nil, errors.New("keys: no usable signing key")
	}
	return keys, nil
}

func (v *verifier) getJSON(ctx context.Context, u string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := v.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeysAnswer+1))
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	if len(body) > maxKeysAnswer {
		return fmt.Errorf("GET %s: an answer over %d bytes", u, maxKeysAnswer)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	return nil
}

// checkHTTPS refuses a URL licensebot would send a token to, or read keys from, unless it
// is https (or http to this machine's loopback, for the tests' fakes).
func checkHTTPS(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a URL", raw)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("%q is not an https URL", raw)
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// warm reads the keys before the first activity needs them; a failure is only logged by
// the caller: the first activity reads them again.
func (v *verifier) warm(ctx context.Context) error {
	keys, err := v.fetch(ctx)
	v.mu.Lock()
	defer v.mu.Unlock()
	if err != nil {
		v.failed = v.now()
		return err
	}
	if v.fetched.IsZero() {
		v.keys, v.fetched = keys, v.now()
	}
	return nil
}
