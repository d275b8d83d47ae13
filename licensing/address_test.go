package licensing

import (
	"strings"
	"testing"
)

func TestCheckAddress(t *testing.T) {
	tests := []struct {
		in   string
		want AddressProblem
	}{
		{"alice@contoso.example", AddressOK},
		{"o'brien@contoso.com", AddressOK},
		{"ilkay.şahin@contoso.com.tr", AddressOK},
		{"a+tag@x-y.example", AddressOK},
		{strings.Repeat("a", 64) + "@contoso.example", AddressOK},
		{"alice", AddressNotOneAt},
		{"a@b@contoso.example", AddressNotOneAt},
		{"@contoso.example", AddressLocalEmpty},
		{strings.Repeat("a", 65) + "@contoso.example", AddressLocalTooLong},
		{".alice@contoso.example", AddressLocalDotEnds},
		{"alice.@contoso.example", AddressLocalDotEnds},
		{"a..b@contoso.example", AddressLocalDoubleDot},
		{"x@y.com' or 1 eq 1", AddressDomainLabel},
		{`al"ice@contoso.example`, AddressLocalCharacter},
		{"al ice@contoso.example", AddressLocalCharacter},
		{"alice@localhost", AddressDomainNoDot},
		{"alice@contoso..example", AddressDomainEmptyLabel},
		{"alice@.contoso.example", AddressDomainEmptyLabel},
		{"alice@contoso.example.", AddressDomainEmptyLabel},
		{"alice@-contoso.example", AddressDomainLabel},
		{"alice@" + strings.Repeat("c", 64) + ".example", AddressDomainLabel},
		{strings.Repeat("a", 60) + "@" + strings.Repeat("b.", 100) + "example", AddressTooLong},
	}
	for _, tt := range tests {
		if got := CheckAddress(tt.in); got != tt.want {
			t.Errorf("CheckAddress(%.40q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
