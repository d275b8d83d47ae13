package discord

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/bottest"
	"github.com/licensebot/licensebot/internal/translations"
	"github.com/licensebot/licensebot/locale"
)

// Every message this package says is in every file of the catalogue, with the placeholders
// its call gives; the command's descriptions are written as ids in the Description fields.
func TestEveryMessageIsInTheCatalogue(t *testing.T) {
	translations.CheckMessages(t, translations.Source{
		Dir:       ".",
		Calls:     map[string][]int{"T": {0}},
		Keys:      []string{"Description"},
		Variables: true, // describe's l.T(id): checked where the Description is written
		Min:       20,
	}, locale.Files())
}

// turkishOf is the Turkish of each of the catalogue's English sentences under prefix.
func turkishOf(t *testing.T, prefix string) map[string]string {
	t.Helper()
	c, err := translations.ReadCatalogue(locale.Files())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for id, m := range c["en"] {
		if strings.HasPrefix(id, prefix) {
			out[m["other"]] = c["tr"][id]["other"]
		}
	}
	return out
}

// inLocale is an interaction payload as sent by a person whose Discord client is in locale.
func inLocale(t *testing.T, payload []byte, locale string) []byte {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(payload, &p); err != nil {
		t.Fatal(err)
	}
	p["locale"] = locale
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEachPersonIsAnsweredInTheirLanguage(t *testing.T) {
	tests := []struct {
		name, language, locale, want string
	}{
		{"a Turkish client", "", "tr", "En az bir kullanıcı"},
		{"an English client under a Turkish default", "tr", "en-GB", "Name at least one user"},
		{"a client in a language licensebot doesn't speak: the configured one", "tr", "de", "En az bir kullanıcı"},
		{"no default: English", "", "de", "Name at least one user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, func(c *Config) { c.Language = tt.language })
			w.deliver(t, inLocale(t, command(t, "8000", strangerID, nil, subRemove, opt(optUsers, " , ")), tt.locale))
			if m := w.original(t, "token-8000"); !strings.Contains(m.Content, tt.want) {
				t.Fatalf("answer %q, want %q in it", m.Content, tt.want)
			}
		})
	}
}

func TestTheImmediateRefusalIsInThePersonsLanguage(t *testing.T) {
	w := newWorld(t, func(c *Config) { c.Inbox = bottest.FailingInbox{} })
	a := decodeAck(t, w.deliver(t, inLocale(t, command(t, "8100", masonID, nil, subHelp), "tr")))
	if a.Data == nil || !strings.Contains(a.Data.Content, "geçici olarak kullanılamıyor") {
		t.Fatalf("ack %+v", a)
	}
}

func TestARefusedOptionIsInThePersonsLanguage(t *testing.T) {
	w := newWorld(t)
	w.deliver(t, inLocale(t, command(t, "8200", masonID, nil, subRemove, opt(optUsers, " , ")), "tr"))
	if m := w.original(t, "token-8200"); !strings.HasPrefix(m.Content, "En az bir kullanıcı") {
		t.Fatalf("answer %q", m.Content)
	}
	if len(w.handler.Commands()) != 0 {
		t.Fatal("a refused command reached the handler")
	}
}

func TestTheCommandIsDescribedInBothLanguages(t *testing.T) {
	turkishText := turkishOf(t, "discord.describe.")
	if len(turkishText) != 25 {
		t.Fatalf("%d descriptions in the catalogue", len(turkishText))
	}
	for _, lang := range []string{bot.English, bot.Turkish} {
		t.Run(lang, func(t *testing.T) {
			check := func(where, desc string, loc map[discordgo.Locale]string) {
				t.Helper()
				english, turkish := desc, loc[discordgo.Turkish]
				if lang == bot.Turkish {
					english, turkish = loc[discordgo.EnglishUS], desc
					if loc[discordgo.EnglishGB] != english {
						t.Errorf("%s: en-GB %q, en-US %q", where, loc[discordgo.EnglishGB], english)
					}
				}
				if want, ok := turkishText[english]; !ok || turkish != want {
					t.Errorf("%s: English %q, Turkish %q", where, english, turkish)
				}
				for _, d := range []string{english, turkish} {
					if n := utf8.RuneCountInString(d); n < 1 || n > 100 {
						t.Errorf("%s: %q has %d characters, Discord takes 1 to 100", where, d, n)
					}
				}
			}
			var walk func(where string, opts []*discordgo.ApplicationCommandOption)
			walk = func(where string, opts []*discordgo.ApplicationCommandOption) {
				for _, o := range opts {
					check(where+" "+o.Name, o.Description, o.DescriptionLocalizations)
					walk(where+" "+o.Name, o.Options)
				}
			}
			for _, c := range applicationCommands(lang) {
				check(c.Name, c.Description, *c.DescriptionLocalizations)
				walk(c.Name, c.Options)
			}
		})
	}
}

func TestALanguageLicensebotDoesNotSpeakIsRefused(t *testing.T) {
	_, err := New(Config{BotToken: "x", ApplicationID: "1", Options: bot.Options{Language: "de"}})
	if err == nil || !strings.Contains(err.Error(), `language "de"`) {
		t.Fatalf("err %v", err)
	}
}

func TestCommandsRegisteredUnderATurkishDefaultAreDescribedInTurkish(t *testing.T) {
	w := newWorld(t, func(c *Config) { c.Language = "tr" })
	if err := w.platform.RegisterCommands(t.Context()); err != nil {
		t.Fatal(err) // the fake refuses descriptions or localizations Discord would refuse
	}
	var cmds []struct {
		Description              string            `json:"description"`
		DescriptionLocalizations map[string]string `json:"description_localizations"`
	}
	if err := json.Unmarshal(w.discord.Commands(guildID), &cmds); err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 1 || cmds[0].Description != "Microsoft 365 lisanslarını, sizin onayınız ve bir onaylayıcının onayıyla kaldırır" ||
		cmds[0].DescriptionLocalizations["en-US"] != "Remove Microsoft 365 licenses, after confirmation and approval" {
		t.Fatalf("registered %+v", cmds)
	}
}

func TestTheSummariesOfWhatDidNotFitAreInTheMessagesLanguage(t *testing.T) {
	m := bot.Message{Text: "t"}
	for range 100 {
		m.Warnings = append(m.Warnings, strings.Repeat("a warning that goes on ", 4))
	}
	for range 80 {
		m.Sections = append(m.Sections, bot.Section{Title: "Alice", Text: strings.Repeat("x ", 200)})
	}
	for _, tt := range []struct{ lang, warnings, sections string }{
		{bot.English, "more warnings (too long for one Discord message)", "more (too long for one Discord message): Alice"},
		{bot.Turkish, "uyarı daha (tek bir Discord mesajı için fazla uzun)", "tane daha (tek bir Discord mesajı için fazla uzun): Alice"},
	} {
		b, err := json.Marshal(render(m, "", nil, tt.lang))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{tt.warnings, tt.sections} {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s: no %q in the rendered message", tt.lang, want)
			}
		}
	}
}
