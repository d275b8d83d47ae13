package console

import (
	"context"
	"strings"
	"testing"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/internal/translations"
	"github.com/licensebot/licensebot/locale"
)

// Every message this package says is in every file of the catalogue, with the placeholders
// its call gives.
func TestEveryMessageIsInTheCatalogue(t *testing.T) {
	translations.CheckMessages(t, translations.Source{Dir: ".", Calls: map[string][]int{"T": {0}}, Min: 14}, locale.Files())
}

// Under a Turkish default, a person without a locale reads the console in Turkish and a
// person whose locale is English in English.
func TestTheConsoleSpeaksThePersonsLanguage(t *testing.T) {
	var out strings.Builder
	c := New(&out, bot.Actor{Name: "Adele", Email: "adele@x.example"})
	c.Language = bot.Turkish
	h := &echo{c: c}
	users := func(_ context.Context, who string) (bot.Actor, error) {
		return bot.Actor{Name: who, Email: who + "@x.example", Locale: "en-US"}, nil
	}
	script := strings.Join([]string{"/unassign alice@x.example --all", "1", "hello", "/as megan", "hello", "/whoami"}, "\n")
	if err := runScript(c, script, h, users); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"── #1 size ──", "── #2 kime: onaylayıcılar ──", "#1 mesajının yeni hâli ──", `Bilinmeyen girdi "hello"`,
		"You are now megan <megan@x.example>.", `Unknown input "hello"`, "You are megan <megan@x.example>.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\n%s", want, got)
		}
	}
}
