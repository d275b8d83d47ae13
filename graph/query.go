package graph

import (
	"fmt"
	"strings"

	"github.com/licensebot/licensebot/licensing"
)

func isObjectID(s string) bool { return licensing.IsObjectID(s) }

// userQuery is what FindUser was asked for: an object id, or a name (UPN or mail address).
type userQuery struct {
	id   string // lower-case object id, when the query is one
	name string // user@domain otherwise
}

// parseUserQuery accepts an object id or an address by licensing.CheckAddress (the rule the
// chat parser applies too) and refuses the rest before any request, so chat input never
// reaches Graph as anything but a well-formed value.
func parseUserQuery(query string) (userQuery, error) {
	q := strings.TrimSpace(query)
	if isObjectID(q) {
		return userQuery{id: strings.ToLower(q)}, nil
	}
	if q == "" || licensing.CheckAddress(q) != licensing.AddressOK {
		return userQuery{}, fmt.Errorf("%q: %w", query, ErrBadUserQuery)
	}
	return userQuery{name: q}, nil
}

// odataString quotes a value as an OData string literal: a single quote is written twice.
func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
