package teams

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/licensebot/licensebot/bot"
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

// FuzzActivity: whatever body a verified request carries, reading it as an activity and
// back from the inbox never panics.
func FuzzActivity(f *testing.F) {
	for _, s := range []string{
		`{"type":"message","text":"unassign help","from":{"id":"29:1","aadObjectId":"x"},"conversation":{"id":"a:1"},"recipient":{"id":"28:b"}}`,
		`{"type":"invoke","name":"adaptiveCard/action","value":{"action":{"verb":"approve","data":{"value":"r1"}}},"from":{"id":"29:1"},"conversation":{"id":"19:c;messageid=1"},"replyToId":"1"}`,
		`{"type":"message","entities":[{"type":"mention","mentioned":{"id":"29:2","name":"A B"},"text":"<at>A B</at>"}],"text":"unassign <at>A B</at>","from":{"id":"1"},"conversation":{"id":"1"}}`,
		`{"value":null,"entities":[null],"from":null}`, `[]`, `null`,
	} {
		f.Add([]byte(s))
	}
	p := &Platform{}
	f.Fuzz(func(t *testing.T, body []byte) {
		var a Activity
		if json.Unmarshal(body, &a) != nil {
			return
		}
		_, _ = command(&a)
		_ = mentioned(&a)
		_ = tenantOf(&a)
		if a.Conversation != nil {
			_ = baseConversation(a.Conversation.ID)
		}
		for _, kind := range []string{kindCommand, kindClick} {
			x, err := p.open(context.Background(), bot.Delivery{Kind: kind, Payload: body})
			if err == nil {
				_ = x.Locale()
				_, _ = x.Early("en")
				_, _ = x.Identify(context.Background())
			}
		}
	})
}

// FuzzClaims: whatever a signed token's payload says, reading its claims never panics, and
// passes only with the issuer, this bot as audience, a time and a service URL.
func FuzzClaims(f *testing.F) {
	f.Add([]byte(`{"iss":"https://api.botframework.com","aud":"app","exp":4102444800,"serviceurl":"https://smba.trafficmanager.net/amer/"}`))
	f.Add([]byte(`{"iss":"https://api.botframework.com","aud":["x","app"],"exp":1e300,"nbf":-1e300,"serviceUrl":"u"}`))
	f.Add([]byte(`{"exp":"soon"}`))
	v := &verifier{appID: "app", now: func() time.Time { return time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC) }}
	f.Fuzz(func(t *testing.T, payload []byte) {
		got, err := v.claims(payload)
		if err == nil && got.serviceURL == "" {
			t.Fatalf("claims passed without a service URL: %s", payload)
		}
	})
}
