package graph

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var objectIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isObjectID(s string) bool { return objectIDPattern.MatchString(s) }

// userQuery is what FindUser was asked for: an object id, or a name (UPN or mail address).
type userQuery struct {
	id   string // lower-case object id, when the query is one
	name string // user@domain otherwise
}

// maxAddressLength bounds a mail address (RFC 5321 path limit; UPNs are shorter still).
const maxAddressLength = 254

// parseUserQuery accepts an object id or something shaped like user@domain and refuses the
// rest before any request, so chat input never reaches Graph as anything but a well-formed
// value. Local parts allow RFC 5322 atext (letters in any script, digits and
// !#$%&'*+/=?^_`{|}~-) with single dots between; domains are dot-separated labels of letters,
// digits and inner hyphens, with at least one dot.
func parseUserQuery(query string) (userQuery, error) {
	q := strings.TrimSpace(query)
	if isObjectID(q) {
		return userQuery{id: strings.ToLower(q)}, nil
	}
	if q == "" || len(q) > maxAddressLength || !utf8.ValidString(q) {
		return userQuery{}, fmt.Errorf("%q: %w", query, ErrBadUserQuery)
	}
	local, domain, ok := strings.Cut(q, "@")
	if !ok || !validLocalPart(local) || !validDomain(domain) {
		return userQuery{}, fmt.Errorf("%q: %w", query, ErrBadUserQuery)
	}
	return userQuery{name: q}, nil
}

func validLocalPart(s string) bool {
	if s == "" || len(s) > 64 || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", r)) {
			return false
		}
	}
	return true
}

func validDomain(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
		for _, r := range l {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-') {
				return false
			}
		}
	}
	return true
}

// odataString quotes a value as an OData string literal: a single quote is written twice.
func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
