package slack

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/bottest"
	"github.com/licensebot/licensebot/bot/slack/slackfake"
)

func TestSocketModeAcksAndDispatches(t *testing.T) {
	w := newWorld(t, func(c *Config) {
		c.AppToken = slackfake.AppToken
		c.SigningSecret = ""
	})
	w.slack.AddUser(slackfake.User{ID: "U2CERLKJA", Name: "roadrunner", RealName: "Road Runner", Email: "roadrunner@contoso.com"})
	w.slack.AddUser(fixtureClicker)
	w.handler.Click = bot.Reply{Message: bot.Message{Text: "That button is not one of licensebot's."}}

	stop := bottest.Running(t, "RunSocketMode", w.platform.RunSocketMode)

	// A slash command: acked with its envelope id at once, then handled.
	raw, err := os.ReadFile("testdata/slash-command-envelope.json")
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Payload map[string]any `json:"payload"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	env.Payload["response_url"] = w.slack.ResponseURL("socket-command")
	id := w.slack.SendEnvelope(t, "slash_commands", env.Payload)
	ack := w.slack.WaitAck(t, id)
	if !strings.Contains(string(ack.Payload), "Working on it") {
		t.Errorf("command ack payload %s", ack.Payload)
	}
	waitFor(t, "the command to reach the handler", func() bool { return len(w.handler.Commands()) > 0 })
	w.platform.Wait()
	cmds := w.handler.Commands()
	if len(cmds) != 1 {
		t.Fatalf("the command reached the handler %d times, want once", len(cmds))
	}
	// The mention stays as typed; the handlers look it up once the caller may act.
	if c := cmds[0]; c.Text != "<@U0ALICE|alice> --all --dry-run" || c.Actor.Email != "roadrunner@contoso.com" || c.Channel != "G8PSS9T3V" {
		t.Fatalf("command %+v", c)
	}
	if email, ok := cmds[0].Mentions(context.Background(), "<@U0ALICE|alice>"); !ok || email != "alice@contoso.com" {
		t.Fatalf("the mention resolves to %q, %v", email, ok)
	}
	if r := decodeResponse(t, w.slack.WaitResponses(t, "socket-command", 1)[0]); r.ResponseType != "ephemeral" {
		t.Fatalf("answer %+v", r)
	}

	// A click: acked, then handled.
	var payload map[string]any
	json.Unmarshal([]byte(blockActions(t, func(p map[string]any) { p["response_url"] = w.slack.ResponseURL("socket-click") })), &payload)
	id = w.slack.SendEnvelope(t, "interactive", payload)
	if ack := w.slack.WaitAck(t, id); len(ack.Payload) != 0 && string(ack.Payload) != "null" {
		t.Errorf("click ack payload %s, want none", ack.Payload)
	}
	waitFor(t, "the click to reach the handler", func() bool { return len(w.handler.Clicks()) > 0 })
	w.platform.Wait()
	if clicks := w.handler.Clicks(); len(clicks) != 1 || clicks[0].Value != "click_me_123" || clicks[0].Actor.ChatID != "UA8RXUSPL" {
		t.Fatalf("clicks %+v", clicks)
	}
	if r := decodeResponse(t, w.slack.WaitResponses(t, "socket-click", 1)[0]); r.ReplaceOriginal || !strings.Contains(r.Text, "not one of licensebot's") {
		t.Fatalf("click answer %+v", r)
	}

	stop()
	if calls := w.slack.Calls("apps.connections.open"); len(calls) == 0 || calls[0].Header.Get("Authorization") != "Bearer "+slackfake.AppToken {
		t.Fatalf("apps.connections.open not called with the app-level token")
	}
}

func TestSocketModeNeedsTheAppToken(t *testing.T) {
	w := newWorld(t)
	if err := w.platform.RunSocketMode(t.Context()); err == nil {
		t.Fatal("RunSocketMode without an app token succeeded")
	}
}
