package licensing

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// AddressProblem is why a text can't be a user's address (a userPrincipalName or a mail
// address), or AddressOK. The chat parser names it to the admin; the Graph adapter refuses the
// same texts before any request. One rule for both, so that no address the parser lets through
// is refused later with "something went wrong".
type AddressProblem int

// What can be wrong with an address.
const (
	AddressOK AddressProblem = iota
	// AddressNotOneAt: no "@", or more than one.
	AddressNotOneAt
	// AddressTooLong: longer than MaxAddressLength.
	AddressTooLong
	// AddressLocalEmpty: nothing before the "@".
	AddressLocalEmpty
	// AddressLocalTooLong: more than 64 characters before the "@" (RFC 5321's limit on a
	// local part, which Entra's user principal names keep too).
	AddressLocalTooLong
	// AddressLocalDotEnds: the part before the "@" starts or ends with a dot.
	AddressLocalDotEnds
	// AddressLocalDoubleDot: two dots in a row before the "@".
	AddressLocalDoubleDot
	// AddressLocalCharacter: a character an address can't have before the "@" (a space, a
	// quote other than ', a comma, OData syntax).
	AddressLocalCharacter
	// AddressDomainNoDot: the domain has no dot.
	AddressDomainNoDot
	// AddressDomainEmptyLabel: the domain has an empty part (two dots in a row, or a dot at
	// either end).
	AddressDomainEmptyLabel
	// AddressDomainLabel: a part of the domain is longer than 63 characters, starts or ends
	// with a hyphen, or has a character a domain can't have.
	AddressDomainLabel
)

// MaxAddressLength bounds an address: RFC 5321's limit on a path (user principal names are
// shorter still).
const MaxAddressLength = 254

// CheckAddress says what is wrong with s as an address, or AddressOK. Local parts allow RFC
// 5322 atext (letters in any script, digits and !#$%&'*+/=?^_`{|}~-) with single dots between;
// domains are dot-separated labels of letters, digits and inner hyphens, with at least one dot.
func CheckAddress(s string) AddressProblem {
	if len(s) > MaxAddressLength || !utf8.ValidString(s) {
		return AddressTooLong
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || strings.Contains(domain, "@") {
		return AddressNotOneAt
	}
	switch {
	case local == "":
		return AddressLocalEmpty
	case utf8.RuneCountInString(local) > 64:
		return AddressLocalTooLong
	case strings.HasPrefix(local, ".") || strings.HasSuffix(local, "."):
		return AddressLocalDotEnds
	case strings.Contains(local, ".."):
		return AddressLocalDoubleDot
	}
	for _, r := range local {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", r)) {
			return AddressLocalCharacter
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return AddressDomainNoDot
	}
	for _, l := range labels {
		if l == "" {
			return AddressDomainEmptyLabel
		}
		if len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return AddressDomainLabel
		}
		for _, r := range l {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-') {
				return AddressDomainLabel
			}
		}
	}
	return AddressOK
}

var objectIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsObjectID reports whether s is an Entra object id in Graph's plain GUID form.
func IsObjectID(s string) bool { return objectIDPattern.MatchString(s) }
