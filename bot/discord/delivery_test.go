package discord

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/discord/discordfake"
)

// What is recorded of an interaction holds no token: it goes in the delivery's Reply.
func TestARecordedInteractionHoldsNoToken(t *testing.T) {
	w := newWorld(t)
	ib := &recordingInbox{MemoryInbox: bot.NewMemoryInbox(time.Now)}
	opts := w.platform.cfg.Options
	opts.Inbox = ib
	w.platform.in = bot.NewInbound(platformName, opts, bot.Wire{Open: w.platform.open, Unidentified: msgWhoAreYou})
	w.platform.in.SetHandler(w.handler)
	w.deliver(t, command(t, "1100000000000000001", masonID, nil, subHelp))
	w.platform.Wait()
	if len(ib.recorded) != 1 {
		t.Fatalf("%d deliveries recorded, want 1", len(ib.recorded))
	}
	d := ib.recorded[0]
	if strings.Contains(string(d.Payload), "token-1100000000000000001") || d.Reply.Reveal() != "token-1100000000000000001" {
		t.Fatalf("recorded payload %s with reply %q", d.Payload, d.Reply.Reveal())
	}
}

// A click taken over from a replica that died is answered through its token within the
// token's 15 minutes from the interaction's arrival, and as the bot after that (the
// existing fallback for a message of the bot's own).
func TestATakenOverClickUsesItsTokenWhileValid(t *testing.T) {
	tests := []struct {
		name     string
		received time.Duration // before now
		token    bool          // answered through the token
	}{
		{"fresh", 0, true},
		{"14 minutes old", 14 * time.Minute, true},
		{"16 minutes old", 16 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			msg, err := w.platform.Post(t.Context(), bot.Destination{Approvers: true}, bot.Message{Text: "Approve?"})
			if err != nil {
				t.Fatal(err)
			}
			raw := click(t, "1200000000000000042", masonID, nil, "approve:r1", approvalChannel, msg.ID, false)
			w.discord.AddInteraction("1200000000000000042", "token-1200000000000000042", msg.ID)
			payload, err := bot.WithoutFields(raw, "token")
			if err != nil {
				t.Fatal(err)
			}
			x, err := w.platform.open(t.Context(), bot.Delivery{Kind: kindClick, Key: "k", Payload: payload,
				Reply: bot.Secret("token-1200000000000000042"), Received: testNow.Add(-tt.received), Attempt: 2})
			if err != nil {
				t.Fatal(err)
			}
			x.Answer(t.Context(), bot.Reply{Message: bot.Message{Text: "Approved."}, Replace: true}, bot.English)
			viaToken := len(w.discord.Calls(discordfake.RouteEditOriginal)) > 0
			if viaToken != tt.token {
				t.Fatalf("answered through the token: %v, want %v (calls %v)", viaToken, tt.token, w.discord.Calls(""))
			}
			if !tt.token && len(w.discord.Calls(discordfake.RouteEditMessage)) != 1 {
				t.Fatalf("the clicked message was not edited as the bot: %v", w.discord.Calls(""))
			}
		})
	}
}

// Whatever a recorded payload holds, reading it back never panics.
func FuzzOpenRecordedInteraction(f *testing.F) {
	for _, name := range []string{"slash-command-interaction.json", "message-component-interaction.json"} {
		raw, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(kindCommand, raw)
		f.Add(kindClick, raw)
	}
	f.Add(kindCommand, []byte(`{"type":2,"data":{"name":"unassign","options":[{"type":1,"name":"remove","options":[{"name":"users","value":7}]}]}}`))
	f.Add(kindClick, []byte(`{"type":3,"data":{"custom_id":null}}`))
	p, err := New(Config{BotToken: "t", ApplicationID: "1"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, kind string, payload []byte) {
		x, err := p.open(context.Background(), bot.Delivery{Kind: kind, Payload: payload, Reply: "token"})
		if err != nil {
			return
		}
		_ = x.Locale()
		_, _ = x.Early(bot.English)
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

// Quick work can answer before Discord has taken in the acknowledgement: a follow-up it
// refuses as Unknown Webhook is sent again after a pause, once, and not duplicated.
func TestFollowupBeforeDiscordTookTheAckIsSentAgain(t *testing.T) {
	w := newWorld(t)
	const token = "token-9100000000000000001"
	w.discord.AddInteraction("9100000000000000001", token, "")
	var waits []time.Duration
	w.platform.cfg.Sleep = func(_ context.Context, d time.Duration) error {
		if len(waits) == 0 {
			w.discord.Respond(t, token, []byte(`{"type":5,"data":{"flags":64}}`)) // the ack arrives meanwhile
		}
		waits = append(waits, d)
		return nil
	}
	err := w.platform.followup(t.Context(), &discordgo.Interaction{AppID: discordfake.AppID, Token: token}, bot.Message{Text: "Done."}, bot.English)
	if err != nil {
		t.Fatal(err)
	}
	if len(waits) != 1 || waits[0] != afterAckWaits[0] {
		t.Fatalf("waited %v, want one pause of %v", waits, afterAckWaits[0])
	}
	if f := w.discord.Followups(token); len(f) != 1 || f[0].Content != "Done." {
		t.Fatalf("follow-ups %+v, want one", f)
	}
}
