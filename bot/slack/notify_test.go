package slack

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
)

func TestPostToApproversMentionsThem(t *testing.T) {
	w := newWorld(t)
	msg := bot.Message{Text: "Megan Bowen asks to remove 1 license from 1 user. Approve?"}
	ref, err := w.platform.Post(t.Context(), bot.Destination{Approvers: true}, msg)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Platform != "slack" || ref.Channel != approvalChannel || ref.ID == "" {
		t.Fatalf("ref %+v", ref)
	}
	c := w.slack.Calls("chat.postMessage")[0]
	if c.Param("channel") != approvalChannel {
		t.Fatalf("posted to %s", c.Param("channel"))
	}
	// U0APPROVER by id, the group, and bob found by his e-mail; the Entra object id is not
	// a Slack identity and is skipped.
	mentions := "<@U0APPROVER> <!subteam^SAPPROVERS> <@U0BOB>"
	if text := c.Param("text"); !strings.HasPrefix(text, mentions+" Megan Bowen asks") {
		t.Fatalf("text %q, want it to start with %q", text, mentions)
	}
	first := c.Blocks()[0]["text"].(map[string]any)["text"].(string)
	if !strings.HasPrefix(first, mentions) {
		t.Fatalf("first block %q doesn't mention the approvers", first)
	}
}

func TestPostDestinations(t *testing.T) {
	msg := bot.Message{Text: "Request 123: 1 removed, 0 skipped, 0 failed."}
	tests := []struct {
		name        string
		to          func(w *world) bot.Destination
		wantChannel string
		wantThread  bool
		wantCalls   []string
	}{
		{
			name: "a Slack actor gets a DM",
			to: func(*world) bot.Destination {
				return bot.Destination{Actor: &bot.Actor{Platform: "slack", ChatID: "U0ALICE"}}
			},
			wantChannel: "D0ALICE",
			wantCalls:   []string{"conversations.open", "chat.postMessage"},
		},
		{
			name:        "a manager found by e-mail gets a DM",
			to:          func(*world) bot.Destination { return bot.Destination{Email: "bob@contoso.com"} },
			wantChannel: "D0BOB",
			wantCalls:   []string{"users.lookupByEmail", "conversations.open", "chat.postMessage"},
		},
		{
			name: "a person from another platform is found by e-mail",
			to: func(*world) bot.Destination {
				return bot.Destination{Actor: &bot.Actor{Platform: "console", ChatID: "1", Email: "alice@contoso.com"}}
			},
			wantChannel: "D0ALICE",
			wantCalls:   []string{"users.lookupByEmail", "conversations.open", "chat.postMessage"},
		},
		{
			name: "a thread reply goes under the message",
			to: func(w *world) bot.Destination {
				w.slack.PostedMessage(approvalChannel, "1690000000.000100", "Approve?")
				return bot.Destination{Thread: &bot.MessageRef{Platform: "slack", Channel: approvalChannel, ID: "1690000000.000100"}}
			},
			wantChannel: approvalChannel,
			wantThread:  true,
			wantCalls:   []string{"chat.postMessage"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			ref, err := w.platform.Post(t.Context(), tt.to(w), msg)
			if err != nil {
				t.Fatal(err)
			}
			if ref.Channel != tt.wantChannel || ref.ID == "" || ref.Platform != "slack" {
				t.Fatalf("ref %+v, want channel %s", ref, tt.wantChannel)
			}
			var methods []string
			for _, c := range w.slack.Calls("") {
				methods = append(methods, c.Method)
			}
			if !slices.Equal(methods, tt.wantCalls) {
				t.Fatalf("calls %v, want %v", methods, tt.wantCalls)
			}
			post := w.slack.Calls("chat.postMessage")[0]
			if got := post.Param("thread_ts"); (got != "") != tt.wantThread || (tt.wantThread && ref.Thread != got) {
				t.Fatalf("thread_ts %q, ref %+v", got, ref)
			}
			if post.Param("text") != msg.Text {
				t.Fatalf("text %q", post.Param("text"))
			}
			// Update edits what Post made.
			if err := w.platform.Update(t.Context(), ref, bot.Message{Text: "Done."}); err != nil {
				t.Fatal(err)
			}
			if m, _ := w.slack.Message(ref.Channel, ref.ID); m.Text != "Done." || m.Updates != 1 {
				t.Fatalf("after Update: %+v", m)
			}
		})
	}
}

func TestPostFailures(t *testing.T) {
	tests := []struct {
		name string
		to   bot.Destination
		want string
	}{
		{"nobody has the e-mail", bot.Destination{Email: "ghost@contoso.com"}, "users_not_found"},
		{"no destination", bot.Destination{}, "names no one"},
		{"a thread on another platform", bot.Destination{Thread: &bot.MessageRef{Platform: "discord", Channel: "1", ID: "2"}}, "not Slack"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			_, err := w.platform.Post(t.Context(), tt.to, bot.Message{Text: "x"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}

func TestRateLimitIsWaitedOut(t *testing.T) {
	w := newWorld(t)
	w.slack.RateLimit("chat.postMessage", 2, 3*time.Second)
	ref, err := w.platform.Post(t.Context(), bot.Destination{Approvers: true}, bot.Message{Text: "Approve?"})
	if err != nil {
		t.Fatal(err)
	}
	if ref.ID == "" {
		t.Fatal("no ts")
	}
	if n := len(w.slack.Calls("chat.postMessage")); n != 3 {
		t.Fatalf("chat.postMessage called %d times, want 3 (two 429s, then ok)", n)
	}
	if !slices.Equal(w.sleeps.Waits(), []time.Duration{3 * time.Second, 3 * time.Second}) {
		t.Fatalf("waits %v, want Retry-After twice", w.sleeps.Waits())
	}
}

func TestRateLimitGivesUpAfterSomeTries(t *testing.T) {
	w := newWorld(t)
	w.slack.RateLimit("chat.update", 100, time.Second)
	err := w.platform.Update(t.Context(), bot.MessageRef{Platform: "slack", Channel: approvalChannel, ID: "1.2"}, bot.Message{Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "rate limit") {
		t.Fatalf("err %v", err)
	}
	if n := len(w.slack.Calls("chat.update")); n != 4 {
		t.Fatalf("chat.update called %d times, want 4 (1 + 3 retries)", n)
	}
}

func TestRateLimitWithRealSleep(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(c *Config) { c.Sleep = nil })
	w.slack.RateLimit("users.info", 1, time.Second)
	start := time.Now()
	if _, err := w.platform.actor(t.Context(), "U0ALICE"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < time.Second {
		t.Fatalf("retried after %s, before Retry-After", took)
	}
}
