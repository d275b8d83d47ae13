package bot

import (
	"slices"
	"strings"
	"testing"
)

func TestFit(t *testing.T) {
	backslash := Fit{KeepEscape: func(s string, i int) int {
		for i > 0 && s[i-1] == '\\' {
			i--
		}
		return i
	}}
	tests := []struct {
		name  string
		fit   Fit
		text  string
		limit int
		trunc string
		split []string
	}{
		{"short text is left alone", Fit{}, "remove Office 365 E3", 50, "remove Office 365 E3", []string{"remove Office 365 E3"}},
		{"cut at a word", Fit{}, "remove Office 365 E3 now", 12, "remove…", []string{"remove", "Office 365", "E3 now"}},
		{"split between lines first", Fit{}, "alice@x.com\nbob@x.com\ncarol@x.com", 22, "alice@x.com…", []string{"alice@x.com\nbob@x.com", "carol@x.com"}},
		{"an emoji counts twice", Fit{}, "😀😀😀😀", 5, "😀😀…", []string{"😀😀", "😀😀"}},
		{"one long word is split, not its escape", backslash, `abcdefgh\_ijk`, 10, `abcdefgh…`, []string{`abcdefgh\_`, `ijk`}},
		{"nothing fits", Fit{}, "abc", 0, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fit.Truncate(tt.text, tt.limit); got != tt.trunc {
				t.Errorf("Truncate = %q, want %q", got, tt.trunc)
			}
			if got := TextLen(tt.fit.Truncate(tt.text, tt.limit)); got > max(tt.limit, 0) {
				t.Errorf("Truncate gave %d characters, limit %d", got, tt.limit)
			}
			if tt.limit < 1 {
				return
			}
			got := tt.fit.Split(tt.text, tt.limit)
			if !slices.Equal(got, tt.split) {
				t.Errorf("Split = %q, want %q", got, tt.split)
			}
			for _, c := range got {
				if TextLen(c) > tt.limit || strings.HasSuffix(c, `\`) {
					t.Errorf("chunk %q breaks the limit or an escape", c)
				}
			}
		})
	}
}

func TestOmitted(t *testing.T) {
	left := []Section{{Title: "Alice <alice@x.com>"}, {Title: "Bob"}, {}, {Title: "Carol"}}
	upper := strings.ToUpper
	tests := []struct {
		name  string
		lang  string
		limit int
		want  string
	}{
		{"every title fits", English, 200, "… and 4 more (too long for one Slack message): ALICE <ALICE@X.COM>, BOB, CAROL."},
		{"the titles that fit, then an ellipsis", English, 72, "… and 4 more (too long for one Slack message): ALICE <ALICE@X.COM>, …"},
		{"not even the first title fits", English, 50, "… and 4 more (too long for one Slack message)."},
		{"in Turkish", Turkish, 200, "… ve 4 tane daha (tek bir Slack mesajı için fazla uzun): ALICE <ALICE@X.COM>, BOB, CAROL."},
		{"an unknown language is English", "de", 50, "… and 4 more (too long for one Slack message)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Omitted(tt.lang, left, "Slack", tt.limit, upper); got != tt.want {
				t.Fatalf("Omitted = %q, want %q", got, tt.want)
			}
		})
	}
	if got := Omitted(English, []Section{{}, {}}, "Discord", 100, upper); got != "… and 2 more (too long for one Discord message)." {
		t.Fatalf("untitled sections: %q", got)
	}
}
