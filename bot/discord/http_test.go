package discord

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/bottest"
	"github.com/licensebot/licensebot/bot/discord/discordfake"
)

func TestSignedPingIsAnsweredWithPong(t *testing.T) {
	w := newWorld(t)
	rec := w.deliver(t, []byte(`{"id":"1","application_id":"900000000000000001","type":1,"token":"ping-token","version":1}`))
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"type":1}` {
		t.Fatalf("PING answered %d %s, want {\"type\":1}", rec.Code, rec.Body)
	}
}

func TestRequestsNotSignedByDiscordAreRefusedBeforeReading(t *testing.T) {
	payload := command(t, "1000", masonID, nil, subHelp)
	tests := []struct {
		name   string
		change func(r *http.Request)
	}{
		{"bad signature", func(r *http.Request) {
			sig := []byte(r.Header.Get("X-Signature-Ed25519"))
			sig[0] = map[bool]byte{true: 'a', false: 'b'}[sig[0] != 'a']
			r.Header.Set("X-Signature-Ed25519", string(sig))
		}},
		{"no signature", func(r *http.Request) { r.Header.Del("X-Signature-Ed25519") }},
		{"no timestamp", func(r *http.Request) { r.Header.Del("X-Signature-Timestamp") }},
		{"a timestamp six minutes old, signed", func(r *http.Request) {
			ts, sig := Sign(payload, testKey, testNow.Add(-6*time.Minute))
			r.Header.Set("X-Signature-Timestamp", ts)
			r.Header.Set("X-Signature-Ed25519", sig)
		}},
		{"a changed body", func(r *http.Request) {
			changed := strings.Replace(string(payload), `"help"`, `"all"`, 1)
			r.Body = io.NopCloser(strings.NewReader(changed))
		}},
		{"signed by another key", func(r *http.Request) {
			other := newTestKey("another-key-another-key-another!")
			ts, sig := Sign(payload, other, testNow)
			r.Header.Set("X-Signature-Timestamp", ts)
			r.Header.Set("X-Signature-Ed25519", sig)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			r := signed(t, payload)
			tt.change(r)
			rec := httptest.NewRecorder()
			w.platform.InteractionsHandler().ServeHTTP(rec, r)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", rec.Code)
			}
			w.platform.Wait()
			if n := len(w.handler.Commands()); n != 0 {
				t.Fatalf("the handler was called %d times", n)
			}
			if calls := w.discord.Calls(""); len(calls) != 0 {
				t.Fatalf("Discord was called: %s", calls[0].Route)
			}
		})
	}
}

func TestDiscordsExamplePayloadsAreAcceptedAndDispatched(t *testing.T) {
	t.Run("slash command", func(t *testing.T) {
		w := newWorld(t)
		// Discord's example is /cardsearch: verified, deferred, and answered as not ours.
		rec := w.deliver(t, fixture(t, "slash-command-interaction.json", nil))
		if a := decodeAck(t, rec); a.Type != 5 || a.Data == nil || a.Data.Flags != 64 {
			t.Fatalf("ack %s, want a deferred ephemeral reply (5, flags 64)", rec.Body)
		}
		m := w.original(t, "A_UNIQUE_TOKEN")
		if !strings.Contains(m.Content, "/unassign") || !m.Ephemeral() {
			t.Fatalf("@original %+v", m)
		}
		if n := len(w.handler.Commands()); n != 0 {
			t.Fatalf("a command of another app reached the handler")
		}
	})
	t.Run("button click", func(t *testing.T) {
		w := newWorld(t)
		w.discord.AddMessage("345626669114982402", discordfake.Message{ID: "844397162624450620", Content: "This is a message with components."})
		w.handler.Click = bot.Reply{Message: bot.Message{Text: "Noted."}}
		rec := w.deliver(t, fixture(t, "message-component-interaction.json", func(p map[string]any) {
			p["member"].(map[string]any)["user"].(map[string]any)["id"] = masonID
		}))
		if a := decodeAck(t, rec); a.Type != 6 {
			t.Fatalf("ack %s, want a deferred update (6)", rec.Body)
		}
		w.platform.Wait()
		clicks := w.handler.Clicks()
		if len(clicks) != 1 {
			t.Fatalf("%d clicks reached the handler", len(clicks))
		}
		want := bot.Click{
			Actor:   bot.Actor{Platform: "discord", ChatID: masonID, Name: "Mason", Groups: []string{"290926798626357999"}},
			Action:  "click_one",
			Message: bot.MessageRef{Platform: "discord", Channel: "345626669114982402", ID: "844397162624450620"},
		}
		got := clicks[0]
		if got.Action != want.Action || got.Value != "" || got.Message != want.Message || !equalActor(got.Actor, want.Actor) {
			t.Fatalf("click\n got %+v\nwant %+v", got, want)
		}
	})
}

func equalActor(a, b bot.Actor) bool {
	return a.Platform == b.Platform && a.ChatID == b.ChatID && a.Name == b.Name && a.Email == b.Email &&
		a.Locale == b.Locale && slices.Equal(a.Groups, b.Groups) && (b.Workspace == "" || a.Workspace == b.Workspace)
}

func TestCommandIsDeferredAtOnceAndAnsweredByEditingOriginal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.handler.Delay = 5 * time.Second // Graph being slow
	w.handler.Command = bot.Reply{Message: bot.Message{Text: "This will remove 1 license from 1 user. Please check and confirm.",
		Buttons: []bot.Button{{Label: "Confirm", Action: "confirm", Value: "7k2m9q4x8w1r5t3y", Style: bot.Primary}}}}

	start := time.Now()
	rec := w.deliver(t, command(t, "2000", masonID, []string{approverRole}, subRemove,
		opt(optUsers, "alice@contoso.com, bob@contoso.com"), opt(optProduct, "Office 365 E3"),
		opt(optReason, `left "the company"`), opt(optDryRun, true)))
	if took := time.Since(start); took > time.Second {
		t.Fatalf("ack took %s; Discord gives up after 3 s", took)
	}
	if a := decodeAck(t, rec); a.Type != 5 || a.Data == nil || a.Data.Flags != 64 {
		t.Fatalf("ack %s, want 5 with flags 64", rec.Body)
	}
	m := w.original(t, "token-2000")
	if took := time.Since(start); took < 5*time.Second {
		t.Fatalf("answered after %s, before the handler's 5 s", took)
	}
	if !strings.HasPrefix(m.Content, "This will remove 1 license") || !m.Ephemeral() || !slices.Equal(m.Buttons(), []string{"confirm:7k2m9q4x8w1r5t3y"}) {
		t.Fatalf("@original %+v", m)
	}
	cmds := w.handler.Commands()
	if len(cmds) != 1 {
		t.Fatalf("%d commands", len(cmds))
	}
	want := bot.Command{
		Actor: bot.Actor{Platform: "discord", ChatID: masonID, Name: "Mason", Groups: []string{approverRole}, Locale: "en-US", Workspace: guildID},
		Args: &bot.Args{Verb: subRemove, Users: []string{"alice@contoso.com", "bob@contoso.com"}, Products: []string{"Office 365 E3"},
			Reason: `left "the company"`, DryRun: true},
		Channel: channelID, DeliveryID: "discord:interaction:2000",
	}
	got := cmds[0]
	if got.Args == nil || !reflect.DeepEqual(*got.Args, *want.Args) || got.Text == "" || got.Channel != want.Channel || got.DeliveryID != want.DeliveryID || !equalActor(got.Actor, want.Actor) {
		t.Fatalf("command\n got %+v (args %+v)\nwant %+v (args %+v)", got, got.Args, want, want.Args)
	}
}

func TestClickAnswers(t *testing.T) {
	tests := []struct {
		name      string
		reply     bot.Reply
		ephemeral bool
		check     func(t *testing.T, w *world, clicked string)
	}{
		{
			name:  "a replacing answer edits the clicked message and its buttons go",
			reply: bot.Reply{Message: bot.Message{Text: "Confirmed: waiting for approval."}, Replace: true},
			check: func(t *testing.T, w *world, clicked string) {
				m, _ := w.discord.Message(clicked)
				if m.Content != "Confirmed: waiting for approval." || len(m.Buttons()) != 0 || m.Edits != 1 {
					t.Fatalf("clicked message %+v", m)
				}
				if f := w.discord.Followups("token-3000"); len(f) != 0 {
					t.Fatalf("%d follow-ups", len(f))
				}
			},
		},
		{
			name:      "an ephemeral plan is replaced through the token",
			reply:     bot.Reply{Message: bot.Message{Text: "Cancelled; nothing was changed."}, Replace: true},
			ephemeral: true,
			check: func(t *testing.T, w *world, clicked string) {
				m, _ := w.discord.Message(clicked)
				if m.Content != "Cancelled; nothing was changed." || len(m.Buttons()) != 0 {
					t.Fatalf("clicked message %+v", m)
				}
				if n := len(w.discord.Calls(discordfake.RouteEditMessage)); n != 0 {
					t.Fatalf("tried to edit an ephemeral message as the bot")
				}
			},
		},
		{
			name:  "any other answer is an ephemeral follow-up",
			reply: bot.Reply{Message: bot.Message{Text: "You can't approve your own request."}},
			check: func(t *testing.T, w *world, clicked string) {
				m, _ := w.discord.Message(clicked)
				if m.Edits != 0 || len(m.Buttons()) != 2 {
					t.Fatalf("clicked message changed: %+v", m)
				}
				f := w.discord.Followups("token-3000")
				if len(f) != 1 || !f[0].Ephemeral() || f[0].Content != "You can't approve your own request." {
					t.Fatalf("follow-ups %+v", f)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.handler.Click = tt.reply
			flags := 0
			if tt.ephemeral {
				flags = 64
			}
			clicked := w.discord.AddMessage(approvalChannel, discordfake.Message{Content: "Approve?", Flags: flags,
				Components: []byte(`[{"type":1,"components":[{"type":2,"style":1,"label":"Approve","custom_id":"approve:7k2m9q4x8w1r5t3y"},{"type":2,"style":4,"label":"Deny","custom_id":"deny:7k2m9q4x8w1r5t3y"}]}]`)})
			rec := w.deliver(t, click(t, "3000", masonID, []string{approverRole}, "approve:7k2m9q4x8w1r5t3y", approvalChannel, clicked, tt.ephemeral))
			if a := decodeAck(t, rec); a.Type != 6 {
				t.Fatalf("ack %s, want 6", rec.Body)
			}
			w.platform.Wait()
			c := w.handler.Clicks()
			if len(c) != 1 || c[0].Action != "approve" || c[0].Value != "7k2m9q4x8w1r5t3y" ||
				c[0].Message != (bot.MessageRef{Platform: "discord", Channel: approvalChannel, ID: clicked}) {
				t.Fatalf("clicks %+v", c)
			}
			tt.check(t, w, clicked)
		})
	}
}

func TestTheSameInteractionTwiceReachesTheHandlerOnce(t *testing.T) {
	w := newWorld(t)
	payload := command(t, "4000", masonID, nil, subShow, opt(optUser, "alice@contoso.com"))
	first := w.deliver(t, payload)
	if decodeAck(t, first).Type != 5 {
		t.Fatalf("first ack %s", first.Body)
	}
	rec := httptest.NewRecorder()
	w.platform.InteractionsHandler().ServeHTTP(rec, signed(t, payload))
	if rec.Code != http.StatusConflict {
		t.Fatalf("second delivery answered %d %s, want 409", rec.Code, rec.Body)
	}
	w.platform.Wait()
	if n := len(w.handler.Commands()); n != 1 {
		t.Fatalf("the handler was called %d times", n)
	}
}

func TestDeduperFailureRefusesTheInteraction(t *testing.T) {
	w := newWorld(t, func(c *Config) { c.Inbox = bottest.FailingInbox{} })
	rec := w.deliver(t, command(t, "4100", masonID, nil, subHelp))
	a := decodeAck(t, rec)
	if a.Type != 4 || a.Data == nil || a.Data.Flags != 64 || !strings.Contains(a.Data.Content, "unavailable") {
		t.Fatalf("ack %s, want an ephemeral refusal", rec.Body)
	}
	w.platform.Wait()
	if n := len(w.handler.Commands()); n != 0 {
		t.Fatalf("the handler was called")
	}
}

// Discord shows bots no e-mail address: whoever types is handed to the handlers as their
// account (user id, server), which the handlers know through its link, or don't.
func TestAPersonIsHandedOnAsTheirAccountWithoutAnAddress(t *testing.T) {
	w := newWorld(t)
	w.deliver(t, command(t, "5000", strangerID, nil, subLink, opt(optUPN, "stranger@contoso.com")))
	w.platform.Wait()
	cmds := w.handler.Commands()
	if len(cmds) != 1 || cmds[0].Args == nil || cmds[0].Args.Verb != subLink || !slices.Equal(cmds[0].Args.Users, []string{"stranger@contoso.com"}) {
		t.Fatalf("commands %+v", cmds)
	}
	if a := cmds[0].Actor; a.ChatID != strangerID || a.Workspace != guildID || a.Email != "" || a.Platform != "discord" {
		t.Fatalf("actor %+v", a)
	}
}

// Option values reach the handlers as they were typed (bot.Args), never written out as text
// and parsed again: a value with every kind of quote, or one that looks like a flag, is just
// a value.
func TestOptionValuesReachTheHandlersAsTyped(t *testing.T) {
	w := newWorld(t)
	reason := `he said "no" and 'yes' and »maybe« --all`
	w.deliver(t, command(t, "5100", masonID, nil, subRemove, opt(optUsers, "alice@contoso.com"), opt(optReason, reason)))
	w.platform.Wait()
	cmds := w.handler.Commands()
	if len(cmds) != 1 || cmds[0].Args == nil || cmds[0].Args.Reason != reason || !slices.Equal(cmds[0].Args.Users, []string{"alice@contoso.com"}) {
		t.Fatalf("commands %+v", cmds)
	}
}

func TestAutocompleteSuggestsMatchingProducts(t *testing.T) {
	names := []string{"Office 365 E3", "Office 365 E1", "Microsoft 365 E5", "Microsoft 365 E3", "Exchange Online (Plan 1)", "Power BI Pro"}
	for i := range 40 {
		names = append(names, "Office 365 Extra "+string(rune('A'+i%26))+strings.Repeat("x", i/26))
	}
	var asked []bot.Actor
	var mu sync.Mutex
	w := newWorld(t, func(c *Config) {
		// The handlers' ProductNames: names only for people licensebot knows.
		c.Products = func(_ context.Context, who bot.Actor) ([]string, error) {
			mu.Lock()
			asked = append(asked, who)
			mu.Unlock()
			if who.ChatID != masonID {
				return nil, nil
			}
			return names, nil
		}
	})
	typed := func(id, user, text string) ackBody {
		payload := command(t, id, user, nil, subRemove, opt(optUsers, "alice@contoso.com"),
			map[string]any{"type": 3, "name": optProduct, "value": text, "focused": true})
		payload = []byte(strings.Replace(string(payload), `"type":2`, `"type":4`, 1))
		return decodeAck(t, w.deliver(t, payload))
	}
	a := typed("6000", masonID, "offICE 365")
	if a.Type != 8 || a.Data == nil || len(a.Data.Choices) != 25 {
		t.Fatalf("ack %+v, want 25 choices", a)
	}
	for _, c := range a.Data.Choices {
		if !strings.HasPrefix(c.Name, "Office 365") || c.Value != c.Name {
			t.Fatalf("choice %+v doesn't match", c)
		}
	}
	a = typed("6001", masonID, "e3")
	var got []string
	for _, c := range a.Data.Choices {
		got = append(got, c.Value)
	}
	if !slices.Equal(got, []string{"Microsoft 365 E3", "Office 365 E3"}) {
		t.Fatalf("choices for e3: %v", got)
	}
	if a := typed("6002", strangerID, "office"); len(a.Data.Choices) != 0 {
		t.Fatalf("someone licensebot doesn't know got %d choices", len(a.Data.Choices))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 3 || asked[0].ChatID != masonID || asked[0].Workspace != guildID || asked[2].ChatID != strangerID {
		t.Fatalf("names asked for %+v", asked)
	}
	if n := len(w.handler.Commands()); n != 0 {
		t.Fatalf("autocomplete reached the handler")
	}
}
