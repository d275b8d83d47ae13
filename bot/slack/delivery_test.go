package slack

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/licensebot/licensebot/bot"
)

// What is recorded of a Slack delivery holds no credential: the response_url goes in the
// delivery's Reply, the deprecated verification token nowhere.
func TestARecordedDeliveryHoldsNoCredential(t *testing.T) {
	w := newWorld(t)
	ib := &recordingInbox{MemoryInbox: bot.NewMemoryInbox(time.Now)}
	w.platform.in = bot.NewInbound(platformName, withInbox(t, w.platform.cfg.Options, ib), bot.Wire{Open: w.platform.open, Unidentified: msgWhoAreYou})
	w.platform.in.SetHandler(w.handler)
	hook := w.slack.ResponseURL("recorded")
	serve(w.platform.CommandsHandler(), signed(t, "/slack/commands", commandForm("U0ADMIN", "help", hook, "9.9.9")))
	payload := blockActions(t, func(p map[string]any) { p["response_url"] = hook; p["token"] = "verification-token" })
	serve(w.platform.InteractionsHandler(), signed(t, "/slack/interactions", interactionForm(payload)))
	w.platform.Wait()
	if len(ib.recorded) != 2 {
		t.Fatalf("%d deliveries recorded, want 2", len(ib.recorded))
	}
	for _, d := range ib.recorded {
		if strings.Contains(string(d.Payload), "hooks") || strings.Contains(string(d.Payload), "deprecated-verification-token") || strings.Contains(string(d.Payload), "verification-token") {
			t.Errorf("the recorded %s holds a credential: %s", d.Kind, d.Payload)
		}
		if d.Reply.Reveal() != hook {
			t.Errorf("the recorded %s answers through %q", d.Kind, d.Reply.Reveal())
		}
	}
}

// A delivery taken over from a replica that died is answered through its response_url
// while that is valid: 30 minutes from the delivery's arrival, and two posts fewer for each
// replica that took it up before. After that, chat.postEphemeral.
func TestATakenOverDeliveryUsesItsResponseURLWhileValid(t *testing.T) {
	tests := []struct {
		name     string
		received time.Duration // before now
		attempt  int
		posts    int // to the response_url, of the one answer
	}{
		{"fresh", 0, 2, 1},
		{"29 minutes old", 29 * time.Minute, 2, 1},
		{"31 minutes old", 31 * time.Minute, 2, 0},
		{"taken up twice before: one post left", 0, 3, 1},
		{"taken up thrice before: none left", 0, 4, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.slack.AddChannel("C0GENERAL")
			hook := w.slack.ResponseURL("late")
			cmd := slashCommand(mustForm(t, commandForm("U0ALICE", "help", "", "4.4.4")))
			payload, err := json.Marshal(cmd)
			if err != nil {
				t.Fatal(err)
			}
			d := bot.Delivery{Kind: kindCommand, Key: "k", Payload: payload, Reply: bot.Secret(hook), Received: testNow.Add(-tt.received), Attempt: tt.attempt}
			x, err := w.platform.open(t.Context(), d)
			if err != nil {
				t.Fatal(err)
			}
			x.Answer(t.Context(), bot.Reply{Message: bot.Message{Text: "Here is the plan."}}, bot.English)
			if n := len(w.slack.Responses("late")); n != tt.posts {
				t.Fatalf("%d posts to the response_url, want %d", n, tt.posts)
			}
			if tt.posts == 0 && len(w.slack.Calls("chat.postEphemeral")) != 1 {
				t.Fatal("not answered through chat.postEphemeral")
			}
		})
	}
}

// Whatever a recorded payload holds, reading it back never panics.
func FuzzOpenRecordedDelivery(f *testing.F) {
	click, err := os.ReadFile("testdata/block-actions.json")
	if err != nil {
		f.Fatal(err)
	}
	cmd, _ := json.Marshal(slackapi.SlashCommand{Command: "/unassign", Text: "help", UserID: "U1"})
	f.Add(kindClick, click)
	f.Add(kindCommand, cmd)
	f.Add(kindClick, []byte(`{"actions":[]}`))
	f.Add("other", []byte(`null`))
	p, err := New(Config{BotToken: "xoxb-1", SigningSecret: "s"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, kind string, payload []byte) {
		x, err := p.open(context.Background(), bot.Delivery{Kind: kind, Payload: payload})
		if err == nil {
			_ = x.Locale()
			_, _ = x.Early(bot.English)
		}
		if stripped, err := bot.WithoutFields(payload, "response_url", "token"); err == nil {
			var fields map[string]json.RawMessage
			if json.Unmarshal(stripped, &fields) != nil || fields["response_url"] != nil || fields["token"] != nil {
				t.Fatalf("bot.WithoutFields(%q) = %q", payload, stripped)
			}
		}
	})
}

// recordingInbox is a memory inbox that keeps what it records.
type recordingInbox struct {
	*bot.MemoryInbox
	recorded []bot.Delivery
}

func (r *recordingInbox) Record(ctx context.Context, d bot.Delivery, holder string, dedupe time.Duration) (string, bool, error) {
	r.recorded = append(r.recorded, d)
	return r.MemoryInbox.Record(ctx, d, holder, dedupe)
}

func withInbox(t *testing.T, o bot.Options, ib bot.Inbox) bot.Options {
	t.Helper()
	o.Inbox = ib
	return o
}

func mustForm(t *testing.T, body string) url.Values {
	t.Helper()
	f, err := url.ParseQuery(body)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
