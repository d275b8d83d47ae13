package graphtest

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseFilterStringLiterals(t *testing.T) {
	tests := []struct {
		filter string
		value  string
	}{
		{"mail eq 'a@b.example'", "a@b.example"},
		{"mail eq 'o''neil@b.example'", "o'neil@b.example"},
		{"mail eq ''''", "'"},
		{"mail eq ''", ""},
		{"mail eq 'İlkay Şahin'", "İlkay Şahin"},
	}
	for _, tt := range tests {
		e, err := parseFilter(tt.filter, userFilterProperties)
		if err != nil {
			t.Errorf("%q: %v", tt.filter, err)
			continue
		}
		if got := e.(eqExpr).value; got != tt.value {
			t.Errorf("%q: literal %q, want %q", tt.filter, got, tt.value)
		}
	}
}

func TestParseFilterPrecedence(t *testing.T) {
	// "and" binds tighter than "or": a or (b and c).
	e, err := parseFilter("mail eq 'a' or mail eq 'b' and id eq 'x'", userFilterProperties)
	if err != nil {
		t.Fatal(err)
	}
	look := func(mail, id string) func(string) (string, bool) {
		return func(p string) (string, bool) {
			if p == "mail" {
				return mail, false
			}
			return id, false
		}
	}
	if !e.eval(look("a", "y")) || e.eval(look("b", "y")) || !e.eval(look("b", "x")) {
		t.Fatal("wrong precedence")
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, seed := range []string{
		"mail eq 'a@b' or userPrincipalName eq 'a@b'",
		"mail eq 'o''neil@b'",
		"(mail eq 'x') and accountEnabled eq true",
		"mail eq '",
		"id eq null",
		"((((",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, filter string) {
		e, err := parseFilter(filter, userFilterProperties)
		if err != nil {
			return
		}
		_ = e.eval(func(string) (string, bool) { return "", false })
		// A literal written with OData's escaping reads back as the original text (query
		// strings are UTF-8).
		if utf8.ValidString(filter) {
			lit := "mail eq '" + strings.ReplaceAll(filter, "'", "''") + "'"
			got, err := parseFilter(lit, userFilterProperties)
			if err != nil {
				t.Fatalf("%q: %v", lit, err)
			}
			if got.(eqExpr).value != filter {
				t.Fatalf("%q read back as %q", filter, got.(eqExpr).value)
			}
		}
	})
}
