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
