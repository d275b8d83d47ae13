package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/licensebot/licensebot/bot"
)

// ErrSignature is wrapped by every refusal of Verify.
var ErrSignature = errors.New("slack request signature not valid")

// Verify checks a request from Slack: X-Slack-Signature must be "v0=" + hex HMAC-SHA256 of
// "v0:" + X-Slack-Request-Timestamp + ":" + body with the signing secret, and the timestamp
// within five minutes of now. It is given the clock, unlike slack-go's SecretsVerifier,
// which reads the real one (so Slack's own published example could never be checked).
// See https://docs.slack.dev/authentication/verifying-requests-from-slack.
func Verify(header http.Header, body []byte, secret string, now time.Time) error {
	if secret == "" {
		return fmt.Errorf("%w: no signing secret is configured", ErrSignature)
	}
	// Slack's docs refuse requests older than five minutes (bot.MaxSkew), so that a
	// captured request can't be replayed later.
	tsText, err := bot.SignedAt(header, "X-Slack-Request-Timestamp", now)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	sigText, ok := strings.CutPrefix(header.Get("X-Slack-Signature"), "v0=")
	if !ok {
		return fmt.Errorf("%w: no v0 X-Slack-Signature", ErrSignature)
	}
	sig, err := hex.DecodeString(sigText)
	if err != nil || len(sig) != sha256.Size {
		return fmt.Errorf("%w: X-Slack-Signature is not a hex SHA-256", ErrSignature)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + tsText + ":"))
	mac.Write(body)
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return fmt.Errorf("%w: signature doesn't match", ErrSignature)
	}
	return nil
}

// Sign returns the X-Slack-Signature Slack would send for body at ts: for tests and for
// local tools that drive the HTTP endpoints.
func Sign(body []byte, secret string, ts time.Time) (timestamp, signature string) {
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return timestamp, "v0=" + hex.EncodeToString(mac.Sum(nil))
}
