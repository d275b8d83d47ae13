package bot

import (
	"testing"

	"github.com/licensebot/licensebot/internal/translations"
	"github.com/licensebot/licensebot/locale"
)

// Every message this package says is in every file of the catalogue, with the placeholders
// its call gives.
func TestEveryMessageIsInTheCatalogue(t *testing.T) {
	translations.CheckMessages(t, translations.Source{Dir: ".", Calls: map[string][]int{"T": {0}}, Min: 4}, locale.Files())
}

func TestLanguageOfALocale(t *testing.T) {
	tests := []struct {
		name, locale, fallback, want string
	}{
		{"a Turkish locale", "tr-TR", English, Turkish},
		{"Discord's bare language", "tr", English, Turkish},
		{"Slack's underscore", "tr_TR", English, Turkish},
		{"an English locale over a Turkish default", "en-GB", Turkish, English},
		{"a language the bot doesn't speak falls back to the default", "de-DE", Turkish, Turkish},
		{"no locale: the default", "", Turkish, Turkish},
		{"no locale and no default: English", "", "", English},
		{"a default the bot doesn't speak: English", "fr", "de", English},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LanguageOf(tt.locale, tt.fallback); got != tt.want {
				t.Fatalf("LanguageOf(%q, %q) = %q, want %q", tt.locale, tt.fallback, got, tt.want)
			}
		})
	}
}
