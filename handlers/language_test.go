package handlers

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/licensebot/licensebot/internal/translations"
)

// Every sentence this package's code says has its Turkish, with the same placeholders in the
// same order, and the Turkish catalogue has nothing the code no longer says. The sentences
// are read from the source: the literal format of every T, say and because call, both
// nouns of every plural, the reasons of failAll, every ParseError's Problem, and Usage.
func TestTurkishCatalogueIsComplete(t *testing.T) {
	t.Parallel()
	translations.Check(t, translations.Source{
		Dir: ".",
		Calls: map[string][]int{
			"T": {0}, "because": {0}, "say": {1}, "plural": {1, 2}, "failAll": {2},
		},
		Variables: true, // l.T(r.Why), l.T(one): the literals are checked where they are written
		Keys:      []string{"Problem"},
		Also:      append([]string{Usage}, slices.Collect(maps.Values(addressProblems))...),
		Skip:      []string{"turkish.go"},
		Min:       100,
	}, turkishText)
}

func TestLanguageOfALocale(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		locale string
		want   lang
	}{
		{"tr-TR", turkish}, {"tr", turkish}, {"TR_tr", turkish}, {"en-US", english}, {"en-GB", english},
		{"de-DE", turkish}, // falls back to the default given below
		{"", turkish},
	} {
		if got := langOf(c.locale, turkish); got != c.want {
			t.Errorf("langOf(%q) = %s, want %s", c.locale, got, c.want)
		}
	}
}

func TestDatesAndNumbersInTurkish(t *testing.T) {
	t.Parallel()
	ist, _ := time.LoadLocation("Europe/Istanbul")
	at := time.Date(2026, 12, 29, 9, 30, 0, 0, time.UTC)
	if got := turkish.date(at, ist); got != "Sal 29 Ara 2026" {
		t.Errorf("date %q", got)
	}
	if got := english.date(at, ist); got != "Tue 29 Dec 2026" {
		t.Errorf("date %q", got)
	}
	if got := turkish.plural(1000, "user", "users"); got != "1.000 kullanıcı" {
		t.Errorf("plural %q", got)
	}
	if got := english.plural(1000, "user", "users"); got != "1,000 users" {
		t.Errorf("plural %q", got)
	}
	if got := turkish.joinAnd([]string{"a", "b", "c"}); got != "a, b ve c" {
		t.Errorf("joinAnd %q", got)
	}
}
