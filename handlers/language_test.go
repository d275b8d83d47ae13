package handlers

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/licensebot/licensebot/internal/translations"
	"github.com/licensebot/licensebot/locale"
)

// Every message this package's code says is in every file of the catalogue, and every call
// that names its placeholders names exactly the message's. The ids are read from the
// source: the id of every T, say, because, failAll and badPart call (with the names after
// it), and the ids of addressProblems, said through a variable.
func TestEveryMessageIsInTheCatalogue(t *testing.T) {
	t.Parallel()
	translations.CheckMessages(t, translations.Source{
		Dir: ".",
		Calls: map[string][]int{
			"T": {0}, "say": {1}, "because": {0}, "failAll": {2}, "badPart": {1},
		},
		Variables: true, // l.T(r.Why), badPart(part, addressProblems[p]): checked where the ids are written
		Also:      slices.Collect(maps.Values(addressProblems)),
		Min:       200,
	}, locale.Files())
}

func TestLanguageOfALocale(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		locale string
		want   locale.Lang
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
	if got := turkish.Date(at, ist); got != "Sal 29 Ara 2026" {
		t.Errorf("date %q", got)
	}
	if got := english.Date(at, ist); got != "Tue 29 Dec 2026" {
		t.Errorf("date %q", got)
	}
	if got := turkish.T("count.users", "Count", 1000); got != "1.000 kullanıcı" {
		t.Errorf("plural %q", got)
	}
	if got := english.T("count.users", "Count", 1000); got != "1,000 users" {
		t.Errorf("plural %q", got)
	}
	if got := turkish.And([]string{"a", "b", "c"}); got != "a, b ve c" {
		t.Errorf("joinAnd %q", got)
	}
}

// A result's reason is kept with the request as a message id and its values, so that the
// report can be said again in any language; a result recorded before there were ids has
// its English sentence there instead, and is said as recorded.
func TestAReasonIsSaidAgainInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	var r Result
	r.because("result.throttled", "Tries", "3")
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var stored Result
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}
	if got := stored.why(turkish); got != "Microsoft Graph 3 denemeden sonra da kısıtlamaya devam etti" {
		t.Errorf("Turkish %q", got)
	}
	if got := stored.why(english); got != "Microsoft Graph kept throttling after 3 tries" || stored.Reason != got {
		t.Errorf("English %q, Reason %q", got, stored.Reason)
	}
	var legacy Result
	if err := json.Unmarshal([]byte(`{"outcome":"failed","reason":"Microsoft Graph kept throttling after 3 tries","why":"Microsoft Graph kept throttling after %s tries","whyArg":"3"}`), &legacy); err != nil {
		t.Fatal(err)
	}
	if got := legacy.why(turkish); got != "Microsoft Graph kept throttling after 3 tries" {
		t.Errorf("a result recorded before message ids: %q", got)
	}
}
