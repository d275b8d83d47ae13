package discord

import (
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/discord/discordfake"
)

func TestPostToApproversMentionsTheirRoles(t *testing.T) {
	w := newWorld(t, func(c *Config) { c.ApproverRoleIDs = []string{approverRole, otherRole} })
	ref, err := w.platform.Post(t.Context(), bot.Destination{Approvers: true}, approvalMessage())
	if err != nil {
		t.Fatal(err)
	}
	if ref.Platform != "discord" || ref.Channel != approvalChannel || ref.ID == "" {
		t.Fatalf("ref %+v", ref)
	}
	m, _ := w.discord.Message(ref.ID)
	if !strings.HasPrefix(m.Content, "<@&"+approverRole+"> <@&"+otherRole+"> Megan Bowen asks") {
		t.Fatalf("content %q", m.Content)
	}
	body := w.discord.Calls(discordfake.RouteCreateMessage)[0].JSON()
	am := body["allowed_mentions"].(map[string]any)
	if parse := am["parse"].([]any); len(parse) != 0 || len(am["roles"].([]any)) != 2 {
		t.Fatalf("allowed_mentions %v: only the approver roles may ping", am)
	}
	if got := m.Buttons(); len(got) != 2 || got[0] != "approve:7k2m9q4x8w1r5t3y" {
		t.Fatalf("buttons %v", got)
	}
}

func TestUpdateEditsTheMessageAndClearsItsButtons(t *testing.T) {
	w := newWorld(t)
	ref, err := w.platform.Post(t.Context(), bot.Destination{Approvers: true}, approvalMessage())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.platform.Update(t.Context(), ref, bot.Message{Text: "Approved by Adele Vance."}); err != nil {
		t.Fatal(err)
	}
	m, _ := w.discord.Message(ref.ID)
	if m.Content != "Approved by Adele Vance." || len(m.Buttons()) != 0 || m.Edits != 1 {
		t.Fatalf("message after Update %+v", m)
	}
	if err := w.platform.Update(t.Context(), bot.MessageRef{Platform: "slack", Channel: "C1", ID: "1"}, bot.Message{Text: "x"}); err == nil {
		t.Fatal("updated a Slack message")
	}
}

func TestPostDestinations(t *testing.T) {
	w := newWorld(t)
	// An actor gets a DM, opened once.
	for range 2 {
		ref, err := w.platform.Post(t.Context(), bot.Destination{Actor: &bot.Actor{Platform: "discord", ChatID: approverID}}, bot.Message{Text: "Done."})
		if err != nil || ref.Channel != w.discord.DMChannel(approverID) {
			t.Fatalf("DM: %+v %v", ref, err)
		}
	}
	if n := len(w.discord.Calls(discordfake.RouteCreateDM)); n != 1 {
		t.Fatalf("%d DM channels opened", n)
	}
	// Nobody is found by address on Discord: the handlers post to a linked account.
	if _, err := w.platform.Post(t.Context(), bot.Destination{Email: "MASON@contoso.com"}, bot.Message{Text: "Approve?"}); err == nil ||
		!strings.Contains(err.Error(), "no Discord account is linked") {
		t.Fatalf("by e-mail: %v", err)
	}
	ref, err := w.platform.Post(t.Context(), bot.Destination{Actor: &bot.Actor{Platform: "discord", ChatID: masonID}}, bot.Message{Text: "Approve?"})
	if err != nil || ref.Channel != w.discord.DMChannel(masonID) {
		t.Fatalf("to a linked account: %+v %v", ref, err)
	}
	// A thread: a reply referencing the message.
	reply, err := w.platform.Post(t.Context(), bot.Destination{Thread: &ref}, bot.Message{Text: "Outcome."})
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := w.discord.Message(reply.ID); m.ReplyTo != ref.ID || m.ChannelID != ref.Channel {
		t.Fatalf("reply %+v to %+v", m, ref)
	}
	// Someone who doesn't take DMs: the error says so.
	w.discord.RefuseDMs(strangerID)
	if _, err := w.platform.Post(t.Context(), bot.Destination{Actor: &bot.Actor{Platform: "discord", ChatID: strangerID}}, bot.Message{Text: "x"}); err == nil || !strings.Contains(err.Error(), "50007") {
		t.Fatalf("err %v", err)
	}
}

func TestRateLimitedCallsWaitAndRetry(t *testing.T) {
	w := newWorld(t)
	w.discord.RateLimit(discordfake.RouteCreateMessage, 2, 30*time.Millisecond, false)
	ref, err := w.platform.Post(t.Context(), bot.Destination{Approvers: true}, bot.Message{Text: "Approve?"})
	if err != nil || ref.ID == "" {
		t.Fatalf("post after 429s: %+v %v", ref, err)
	}
	calls := w.discord.Calls(discordfake.RouteCreateMessage)
	if len(calls) != 3 || calls[0].Status != 429 || calls[1].Status != 429 || calls[2].Status != 200 {
		t.Fatalf("calls %+v", calls)
	}
	if waits := w.sleeps.Waits(); len(waits) != 2 || waits[0] != 30*time.Millisecond {
		t.Fatalf("waits %v, want retry_after twice", waits)
	}

	// Bounded: past MaxRetries the call fails instead of waiting for ever.
	w.discord.RateLimit(discordfake.RouteCreateMessage, 10, 10*time.Millisecond, true)
	if _, err := w.platform.Post(t.Context(), bot.Destination{Approvers: true}, bot.Message{Text: "Approve?"}); err == nil {
		t.Fatal("no error after 4 rate-limited attempts")
	}
	if n := len(w.discord.Calls(discordfake.RouteCreateMessage)); n != 3+4 {
		t.Fatalf("%d calls, want 4 more (MaxRetries 3)", n)
	}
}

func TestRegisterCommandsOverwritesPerGuildIdempotently(t *testing.T) {
	w := newWorld(t, func(c *Config) { c.GuildIDs = []string{guildID, "290926798626357000"} })
	for range 2 {
		if err := w.platform.RegisterCommands(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(w.discord.Calls(discordfake.RouteBulkOverwriteGuild)); n != 4 {
		t.Fatalf("%d bulk overwrites, want 2 per guild", n)
	}
	got := string(w.discord.Commands(guildID))
	for _, want := range []string{`"name":"unassign"`, `"name":"remove"`, `"name":"all"`, `"name":"show"`, `"name":"status"`, `"name":"undo"`, `"name":"link"`, `"name":"help"`, `"autocomplete":true`} {
		if !strings.Contains(got, want) {
			t.Fatalf("registered commands lack %s: %s", want, got)
		}
	}
	g := newWorld(t, func(c *Config) { c.GuildIDs = nil })
	if err := g.platform.RegisterCommands(t.Context()); err != nil || g.discord.Commands("") == nil {
		t.Fatalf("global registration: %v", err)
	}
}
