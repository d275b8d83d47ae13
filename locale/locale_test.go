package locale

import (
	"testing"
	"time"

	"github.com/licensebot/licensebot/internal/translations"
)

var (
	english = For("en")
	turkish = For("tr")
)

// The files agree with each other, and every id in them is used by some code of the module.
func TestTheCatalogueIsCompleteAndUsed(t *testing.T) {
	t.Parallel()
	translations.CheckCatalogue(t, Files(), "..")
}

// The words of this package (dates, durations, lists) are in every file.
func TestThePackagesOwnWordsAreInEveryFile(t *testing.T) {
	t.Parallel()
	translations.CheckMessages(t, translations.Source{
		Dir:       ".",
		Calls:     map[string][]int{"T": {0}, "list": {0}},
		Variables: true, // l.T(weekdays[d]): the ids are checked where they are written
		Also:      append(weekdays[:], months[:]...),
		Min:       28,
	}, Files())
}

func TestALanguageIsReadFromATagOrAChatLocale(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		tag  string
		want Lang
		ok   bool
	}{
		{"tr", turkish, true}, {"tr-TR", turkish, true}, {"tr_TR", turkish, true}, {"TR_tr", turkish, true},
		{"en", english, true}, {"en-US", english, true}, {"en-GB", english, true},
		{"de-DE", english, false}, {"", english, false}, {"not a tag", english, false},
	} {
		got, ok := Parse(c.tag)
		if got != c.want || ok != c.ok {
			t.Errorf("Parse(%q) = %s, %v; want %s, %v", c.tag, got, ok, c.want, c.ok)
		}
		if For(c.tag) != c.want {
			t.Errorf("For(%q) = %s", c.tag, For(c.tag))
		}
	}
	if (Lang{}) != english || english.String() != "en" || turkish.String() != "tr" {
		t.Errorf("the zero Lang is %s; English is %s, Turkish %s", Lang{}, english, turkish)
	}
	if got := Languages(); len(got) != 2 || got[0] != english || got[1] != turkish {
		t.Errorf("Languages() = %v", got)
	}
}

func TestDatesAreWrittenInTheLanguage(t *testing.T) {
	t.Parallel()
	ist, err := time.LoadLocation("Europe/Istanbul")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 29, 9, 30, 0, 0, time.UTC)
	noon := time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)
	for _, c := range []struct{ got, want string }{
		{english.Date(at, ist), "Tue 29 Dec 2026"},
		{turkish.Date(at, ist), "Sal 29 Ara 2026"},
		{english.Time(noon, ist), "Sun 29 Nov 2026 12:30 +03"},
		{turkish.Time(noon, ist), "Paz 29 Kas 2026 12:30 +03"},
		{english.Time(at, time.UTC), "Tue 29 Dec 2026 09:30 UTC"},
		{english.Date(time.Date(2028, 2, 29, 23, 0, 0, 0, time.UTC), ist), "Wed 1 Mar 2028"}, // in Istanbul it is already March
		{turkish.Date(time.Date(2027, 8, 1, 0, 0, 0, 0, ist), nil), "Paz 1 Ağu 2027"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}

func TestCountsChooseTheirPluralFormAndGroupTheirDigits(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		l    Lang
		n    int
		want string
	}{
		{english, 0, "0 days"}, {english, 1, "1 day"}, {english, 2, "2 days"}, {english, 1000, "1,000 days"},
		{turkish, 1, "1 gün"}, {turkish, 3, "3 gün"}, {turkish, 1000, "1.000 gün"},
	} {
		if got := c.l.T("duration.days", "Count", c.n); got != c.want {
			t.Errorf("%s, %d days: %q, want %q", c.l, c.n, got, c.want)
		}
	}
	if got := turkish.Number(1234567); got != "1.234.567" {
		t.Errorf("Number: %q", got)
	}
	// Other numbers are written as they are (the reports' tallies, limits, years).
	if got := english.T("list.and", "Head", 1000, "Last", 2026); got != "1000 and 2026" {
		t.Errorf("a number that is not a Count: %q", got)
	}
}

func TestDurationsAreSaidInTheirLargestWholeUnit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		d      time.Duration
		en, tr string
	}{
		{72 * time.Hour, "3 days", "3 gün"},
		{24 * time.Hour, "24 hours", "24 saat"},
		{time.Hour, "1 hour", "1 saat"},
		{90 * time.Minute, "90 minutes", "90 dakika"},
		{90 * time.Second, "2 minutes", "2 dakika"},
		{time.Second, "1 second", "1 saniye"},
	} {
		if got := english.Duration(c.d); got != c.en {
			t.Errorf("%s: %q, want %q", c.d, got, c.en)
		}
		if got := turkish.Duration(c.d); got != c.tr {
			t.Errorf("%s: %q, want %q", c.d, got, c.tr)
		}
	}
}

func TestListsAreJoinedInTheLanguage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ got, want string }{
		{english.And(nil), ""},
		{english.And([]string{"a"}), "a"},
		{english.And([]string{"a", "b"}), "a and b"},
		{english.And([]string{"a", "b", "c"}), "a, b and c"},
		{turkish.And([]string{"a", "b", "c"}), "a, b ve c"},
		{english.Or([]string{"a", "b", "c"}), "a, b or c"},
		{turkish.Or([]string{"a", "b"}), "a veya b"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}

func TestAMessageIsNeverLostForAMissingValue(t *testing.T) {
	t.Parallel()
	if got := turkish.T("no.such.message"); got != "no.such.message" {
		t.Errorf("an unknown id: %q", got)
	}
	if Has("no.such.message") || !Has("date.day") {
		t.Error("Has")
	}
	// A placeholder without a value is a bug the checks catch; T says the id, not
	// "<no value>" inside a sentence.
	if got := english.T("list.and", "Head", "a"); got != "list.and" {
		t.Errorf("a missing value: %q", got)
	}
	// Values with characters templates care about are written as they are.
	if got := english.T("list.and", "Head", `<a href="x">`, "Last", "{{.Head}}"); got != `<a href="x"> and {{.Head}}` {
		t.Errorf("values written as they are: %q", got)
	}
}

// BenchmarkT is one sentence with two values, as most are.
func BenchmarkT(b *testing.B) {
	for b.Loop() {
		turkish.T("list.and", "Head", "a, b", "Last", "c")
	}
}

func TestMoneyIsWrittenInTheLanguage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ got, want string }{
		{english.Money(123450, "EUR"), "€ 1,234.50"},
		{turkish.Money(123450, "TRY"), "₺ 1.234,50"},
		{english.Money(2300, "USD"), "$ 23.00"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}
