package graph

import (
	"errors"
	"strings"
	"testing"
	"unicode"
)

func TestParseUserQuery(t *testing.T) {
	tests := []struct {
		query    string
		id, name string
	}{
		{"alice@contoso.example", "", "alice@contoso.example"},
		{"O'Neil@contoso.example", "", "O'Neil@contoso.example"},
		{"first.last+tag@sub.contoso.example", "", "first.last+tag@sub.contoso.example"},
		{"ilkay.şahin@contoso.example", "", "ilkay.şahin@contoso.example"},
		{"ayse@şirket.com.tr", "", "ayse@şirket.com.tr"},
		{"6FD2C87F-B296-42F0-B197-1E91E994B900", "6fd2c87f-b296-42f0-b197-1e91e994b900", ""},
	}
	for _, tt := range tests {
		q, err := parseUserQuery(tt.query)
		if err != nil || q.id != tt.id || q.name != tt.name {
			t.Errorf("%q: %+v, %v", tt.query, q, err)
		}
	}
}

func TestODataStringDoublesQuotes(t *testing.T) {
	if got := odataString("o'neil@x.example"); got != "'o''neil@x.example'" {
		t.Fatal(got)
	}
}

func FuzzParseUserQuery(f *testing.F) {
	for _, s := range []string{"alice@contoso.example", "sean.o'neil@contoso.example", "6fd2c87f-b296-42f0-b197-1e91e994b900",
		"a b@c.d", "x' or 1 eq 1", "@", "İlkay@örnek.com.tr", "a@b.c/../d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := parseUserQuery(s)
		if err != nil {
			if !errors.Is(err, ErrBadUserQuery) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if q.id != "" {
			if !isObjectID(q.id) {
				t.Fatalf("%q accepted as id %q", s, q.id)
			}
			return
		}
		// What reaches $filter is one address: one @, nothing that breaks out of a URL or
		// an OData literal except quotes, which odataString doubles.
		if strings.Count(q.name, "@") != 1 {
			t.Fatalf("%q accepted with several @", s)
		}
		for _, r := range q.name {
			if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`"\()<>[],;:`, r) {
				t.Fatalf("%q accepted with %q", s, r)
			}
		}
		lit := odataString(q.name)
		if strings.Count(lit, "'")%2 != 0 {
			t.Fatalf("literal %s has an odd number of quotes", lit)
		}
	})
}
