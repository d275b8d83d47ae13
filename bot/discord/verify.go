package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/licensebot/licensebot/bot"
)

// ErrSignature is wrapped by every refusal of Verify.
var ErrSignature = errors.New("discord request signature not valid")

// Verify checks a request from Discord: X-Signature-Ed25519 must be the hex Ed25519
// signature, by the application's key, of X-Signature-Timestamp followed by the raw body,
// and the timestamp (Unix seconds) within five minutes of now (bot.SignedAt).
// See https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers.
func Verify(header http.Header, body []byte, publicKey ed25519.PublicKey, now time.Time) error {
	if len(publicKey) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: no public key is configured", ErrSignature)
	}
	// Discord's docs ask only for the signature, and discordgo.VerifyInteraction checks
	// nothing else; but the signature covers the timestamp, so refusing old ones
	// (bot.MaxSkew, Slack's window) makes a captured request useless after five minutes.
	tsText, err := bot.SignedAt(header, "X-Signature-Timestamp", now)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	sig, err := hex.DecodeString(header.Get("X-Signature-Ed25519"))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: X-Signature-Ed25519 is not a hex Ed25519 signature", ErrSignature)
	}
	msg := make([]byte, 0, len(tsText)+len(body))
	msg = append(append(msg, tsText...), body...)
	if !ed25519.Verify(publicKey, msg, sig) {
		return fmt.Errorf("%w: signature doesn't match", ErrSignature)
	}
	return nil
}

// Sign returns the headers Discord would send with body at ts, signed with key: for tests
// and for local tools that drive the HTTP endpoint.
func Sign(body []byte, key ed25519.PrivateKey, ts time.Time) (timestamp, signature string) {
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	msg := append([]byte(timestamp), body...)
	return timestamp, hex.EncodeToString(ed25519.Sign(key, msg))
}
