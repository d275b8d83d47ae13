package store

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
)

// idEncoding is lower-case RFC 4648 base32 without padding: URL-safe, case-insensitive
// when read aloud, and free of characters that mean something in Redis keys ({ } :).
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// idLen is the length of NewID's ids: 128 bits in base32 is 26 characters.
const idLen = 26

// maxIDLen bounds ids accepted from outside (button payloads), so a forged id cannot
// make arbitrarily long keys.
const maxIDLen = 64

// NewID returns a new request id: 128 bits from crypto/rand as 26 lower-case base32
// characters. Ids travel in button payloads, so they must be unguessable: knowing one
// request's id tells nothing about another's.
func NewID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("new request id: %w", err)
	}
	return idEncoding.EncodeToString(b[:]), nil
}

// validID reports whether id may be used as a request id: 1 to 64 letters, digits, '-'
// or '_'. This keeps '{' and '}' out of keys, which would change the Cluster hash slot.
func validID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for i := range len(id) {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
