package discord

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/discord/discordfake"
)

// The gateway path end to end through discordgo: GET /gateway, the WebSocket (HELLO,
// IDENTIFY, READY), a recorded INTERACTION_CREATE dispatched to discordgo's event handler,
// the ack through the callback endpoint, and the reply through @original.
func TestGatewayInteractionIsAckedAndAnswered(t *testing.T) {
	w := newWorld(t)
	w.handler.command = bot.Reply{Message: bot.Message{Text: "alice@contoso.com has 2 licenses."}}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.platform.RunGateway(ctx) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("RunGateway: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("RunGateway didn't return after its context ended")
		}
	}()
	w.discord.WaitGateway(t)
	var identify struct {
		D struct {
			Token   string `json:"token"`
			Intents int    `json:"intents"`
		} `json:"d"`
	}
	if err := json.Unmarshal(w.discord.Identifies()[0], &identify); err != nil || identify.D.Token != "Bot "+discordfake.BotToken || identify.D.Intents != 0 {
		t.Fatalf("IDENTIFY %s", w.discord.Identifies()[0])
	}

	w.discord.DispatchInteraction(t, command(t, "8000", masonID, []string{approverRole}, subShow, opt(optUser, "alice@contoso.com")))
	calls := w.discord.WaitCalls(t, discordfake.RouteCallback, 1)
	if !slices.Equal(w.discord.ResponseTypes("token-8000"), []int{5}) || calls[0].Status != 204 {
		t.Fatalf("ack %s, want one deferred reply (5)", calls[0].Body)
	}
	if flags := calls[0].JSON()["data"].(map[string]any)["flags"]; flags != float64(64) {
		t.Fatalf("ack flags %v, want 64", flags)
	}
	w.discord.WaitCalls(t, discordfake.RouteEditOriginal, 1)
	m := w.original(t, "token-8000")
	if m.Content != "alice@contoso.com has 2 licenses." || !m.Ephemeral() {
		t.Fatalf("@original %+v", m)
	}
	cmds := w.handler.Commands()
	if len(cmds) != 1 || cmds[0].Text != `show "alice@contoso.com"` || cmds[0].Actor.Email != "mason@contoso.com" {
		t.Fatalf("commands %+v", cmds)
	}

	// A second delivery of the same interaction (another session) is not acted on.
	w.discord.AddInteraction("8000", "token-8000", "")
	w.discord.DispatchInteraction(t, command(t, "8000", masonID, nil, subShow, opt(optUser, "alice@contoso.com")))
	time.Sleep(100 * time.Millisecond)
	w.platform.Wait()
	if n := len(w.discord.Calls(discordfake.RouteCallback)); n != 1 || len(w.handler.Commands()) != 1 {
		t.Fatalf("the duplicate was acked (%d) or handled", n)
	}
}
