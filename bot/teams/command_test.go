package teams

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/licensebot/licensebot/bot/bottest"
)

const botAccount = "28:00000000-0000-4000-8000-0000000000b0"

func mentionOfBot() Entity {
	return Entity{Type: "mention", Mentioned: &Account{ID: botAccount, Name: "licensebot"}, Text: "<at>licensebot</at>"}
}

func TestCommandText(t *testing.T) {
	for _, c := range []struct {
		name, text string
		entities   []Entity
		want       string
		ok         bool
	}{
		{"personal", `unassign alice@contoso.com --product "Office 365 E3"`, nil, `alice@contoso.com --product "Office 365 E3"`, true},
		{"case and slash", `/Unassign help`, nil, "help", true},
		{"channel mention", `<at>licensebot</at> unassign status 7k2m`, []Entity{mentionOfBot()}, "status 7k2m", true},
		{"mention after", `unassign help <at>licensebot</at>`, []Entity{mentionOfBot()}, "help", true},
		{"non-breaking space", "<at>licensebot</at>\u00a0unassign\u00a0help", []Entity{mentionOfBot()}, "help", true},
		{"only the word", "unassign", nil, "", true},
		{"another word", "hello there", nil, "", false},
		{"prefix of the word", "unassignall alice@contoso.com", nil, "", false},
		{"a colleague's mention first", `<at>Adele</at> unassign help`, []Entity{{Type: "mention", Mentioned: &Account{ID: "29:adele", Name: "Adele"}, Text: "<at>Adele</at>"}}, "", false},
		{"a colleague's mention", `<at>licensebot</at> unassign <at>Alice Wood</at> --product "Visio"`, []Entity{mentionOfBot(), {Type: "mention", Mentioned: &Account{ID: "29:alice", Name: "Alice Wood"}, Text: "<at>Alice Wood</at>"}}, `@Alice_Wood  --product "Visio"`, true},
		{"a nameless mention stays as typed", `unassign <at>x</at>`, []Entity{{Type: "mention", Mentioned: &Account{ID: "29:x"}, Text: "<at>x</at>"}}, `<at>x</at>`, true},
		{"empty", "", nil, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := &Activity{Type: typeMessage, Text: c.text, Entities: c.entities, Recipient: &Account{ID: botAccount}}
			got, ok := command(a)
			if got != c.want || ok != c.ok {
				t.Fatalf("command(%q) = %q, %v; want %q, %v", c.text, got, ok, c.want, c.ok)
			}
		})
	}
}

// FuzzCommand: whatever a person types, reading it never panics, and what is handed on is
// a part of what was typed, trimmed.
func FuzzCommand(f *testing.F) {
	for _, s := range []string{"unassign help", "<at>licensebot</at> unassign x", "/unassign", "\u00a0", "unassign\x00", strings.Repeat("unassign ", 100)} {
		f.Add(s, "<at>licensebot</at>")
	}
	f.Fuzz(func(t *testing.T, text, mention string) {
		a := &Activity{Text: text, Recipient: &Account{ID: botAccount},
			Entities: []Entity{{Type: "mention", Mentioned: &Account{ID: botAccount}, Text: mention}}}
		got, ok := command(a)
		if !ok && got != "" {
			t.Fatalf("not a command, yet %q", got)
		}
		if got != strings.TrimSpace(got) {
			t.Fatalf("untrimmed %q", got)
		}
		if utf8.ValidString(text) && !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 %q from %q", got, text)
		}
	})
}

func TestBaseConversationAndKeys(t *testing.T) {
	if got := baseConversation("19:abc@thread.tacv2;messageid=1712345"); got != "19:abc@thread.tacv2" {
		t.Fatal(got)
	}
	if got := baseConversation("a:1xyz"); got != "a:1xyz" {
		t.Fatal(got)
	}
	long := keyPart("19:abc@thread.tacv2;messageid=1712345")
	if strings.ContainsAny(long, ";: ") || len(long) != 24 || keyPart("1712345") != "1712345" {
		t.Fatalf("key parts %q", long)
	}
}

func TestRetryAfter(t *testing.T) {
	for in, want := range map[string]time.Duration{"3": 3 * time.Second, "0": 0, "": 0, "soon": 0, "-1": 0} {
		if got := retryAfter(in); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}

// The conversation limits space one conversation's calls within Teams' windows and leave
// other conversations alone.
func TestConversationLimits(t *testing.T) {
	clock := bottest.NewClock(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	var waited []time.Duration
	l := newConversationLimits(clock.Now, func(_ context.Context, d time.Duration) error {
		waited = append(waited, d)
		clock.Advance(d)
		return nil
	})
	ctx := context.Background()
	for range 7 {
		if err := l.wait(ctx, "a:1"); err != nil {
			t.Fatal(err)
		}
	}
	if len(waited) != 0 {
		t.Fatalf("7 calls in a second waited %v", waited)
	}
	if err := l.wait(ctx, "a:2"); err != nil || len(waited) != 0 {
		t.Fatalf("another conversation waited %v", waited)
	}
	if err := l.wait(ctx, "a:1"); err != nil || len(waited) != 1 || waited[0] != time.Second {
		t.Fatalf("the 8th call in a second: waited %v", waited)
	}
	// 60 in 30 seconds: after 60 calls spread over 29 s, the 61st waits for the window.
	waited = nil
	l = newConversationLimits(clock.Now, func(_ context.Context, d time.Duration) error {
		waited = append(waited, d)
		clock.Advance(d)
		return nil
	})
	start := clock.Now()
	for range 60 {
		_ = l.wait(ctx, "a:1")
		clock.Advance(480 * time.Millisecond)
	}
	_ = l.wait(ctx, "a:1")
	if clock.Now().Sub(start) < 30*time.Second {
		t.Fatalf("61 calls within %s", clock.Now().Sub(start))
	}
}
