package slack

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/bottest"
	"github.com/licensebot/licensebot/internal/translations"
	"github.com/licensebot/licensebot/locale"
)

// Every message this package says is in every file of the catalogue, with the placeholders
// its call gives.
func TestEveryMessageIsInTheCatalogue(t *testing.T) {
	translations.CheckMessages(t, translations.Source{Dir: ".", Calls: map[string][]int{"T": {0}}, Min: 6}, locale.Files())
}

// The people of newWorld: U0ADMIN's Slack locale is tr-TR, U0ALICE's en-US, and U0BOB has none.
func TestEachPersonIsAnsweredInTheirLanguage(t *testing.T) {
	tests := []struct {
		name     string
		language string // Config.Language
		user     string
		// ack is the immediate answer to a first and a second command, answer the one after
		// users.info (a panicking handler's).
		ack    [2]string
		answer string
	}{
		{"an English speaker", "", "U0ALICE", [2]string{"Working on it…", "Working on it…"}, "Something went wrong"},
		{"a Turkish speaker: the first ack precedes users.info", "", "U0ADMIN", [2]string{"Working on it…", "Üzerinde çalışıyorum…"}, "bir şeyler ters gitti"},
		{"an English speaker under a Turkish default", "tr", "U0ALICE", [2]string{"Üzerinde çalışıyorum…", "Working on it…"}, "Something went wrong"},
		{"no locale: the configured language", "tr", "U0BOB", [2]string{"Üzerinde çalışıyorum…", "Üzerinde çalışıyorum…"}, "bir şeyler ters gitti"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, func(c *Config) { c.Language = tt.language })
			w.platform.SetHandler(bottest.Panicker{})
			for i, trigger := range []string{"1.1.1", "2.2.2"} {
				rec := serve(w.platform.CommandsHandler(), signed(t, "/slack/commands",
					commandForm(tt.user, "help", w.slack.ResponseURL(trigger), trigger)))
				w.platform.Wait()
				var ack response
				if err := json.Unmarshal(rec.Body.Bytes(), &ack); err != nil {
					t.Fatal(err)
				}
				if ack.Text != tt.ack[i] {
					t.Errorf("ack %d: %q, want %q", i+1, ack.Text, tt.ack[i])
				}
				if r := decodeResponse(t, w.slack.WaitResponses(t, trigger, 1)[0]); !strings.Contains(r.Text, tt.answer) {
					t.Errorf("answer %d: %q, want %q in it", i+1, r.Text, tt.answer)
				}
			}
		})
	}
}

func TestTheSummariesOfWhatDidNotFitAreInTheMessagesLanguage(t *testing.T) {
	m := bot.Message{Text: "t", Buttons: []bot.Button{{Label: "Go", Action: "go", Confirm: &bot.Confirmation{}}}}
	for range 300 {
		m.Warnings = append(m.Warnings, strings.Repeat("a warning that goes on ", 4))
	}
	for range 80 {
		m.Sections = append(m.Sections, bot.Section{Title: "Alice", Text: strings.Repeat("x ", 200)})
	}
	for _, tt := range []struct{ lang, warnings, sections, confirm string }{
		{bot.English, "more warnings (too long for one Slack message)", "more (too long for one Slack message): Alice", `"Are you sure?"`},
		{bot.Turkish, "uyarı daha (tek bir Slack mesajı için fazla uzun)", "tane daha (tek bir Slack mesajı için fazla uzun): Alice", `"Emin misiniz?"`},
	} {
		b, err := json.Marshal(render(m, "", tt.lang))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{tt.warnings, tt.sections, tt.confirm} {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s: no %q in the rendered message", tt.lang, want)
			}
		}
	}
}

func TestALanguageLicensebotDoesNotSpeakIsRefused(t *testing.T) {
	if _, err := New(Config{BotToken: "xoxb-1", AppToken: "xapp-1", Options: bot.Options{Language: "de"}}); err == nil || !strings.Contains(err.Error(), `language "de"`) {
		t.Fatalf("err %v", err)
	}
	p, err := New(Config{BotToken: "xoxb-1", AppToken: "xapp-1", Options: bot.Options{Language: "tr-TR"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.cfg.Language != bot.Turkish {
		t.Fatalf("tr-TR read as %q", p.cfg.Language)
	}
}
