package store_test

import (
	"strings"
	"testing"

	"github.com/licensebot/licensebot/store"
)

func TestNewIDIsUniqueURLSafeAnd26Chars(t *testing.T) {
	const n = 10_000
	seen := make(map[string]bool, n)
	for range n {
		id, err := store.NewID()
		if err != nil {
			t.Fatal(err)
		}
		if len(id) != 26 {
			t.Fatalf("len(%q) = %d, want 26", id, len(id))
		}
		if strings.Trim(id, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("%q has characters outside lower-case base32", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q after %d ids", id, len(seen))
		}
		seen[id] = true
	}
}
