package discord

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/bottest"
	"github.com/licensebot/licensebot/bot/discord/discordfake"
)

func TestObserveErrorIsToldOfEachFailedCall(t *testing.T) {
	post := func(w *world) error {
		_, err := w.platform.Post(t.Context(), bot.Destination{Approvers: true}, bot.Message{Text: "Approve?"})
		return err
	}
	update := func(w *world) error {
		return w.platform.Update(t.Context(), bot.MessageRef{Channel: approvalChannel, ID: "1200000000000000999"}, bot.Message{Text: "x"})
	}
	bottest.RunObserveCases(t, observeWorld, []bottest.ObserveCase[*world]{
		{
			Name:  "each 429 is told, also when waited out",
			Setup: func(w *world) { w.discord.RateLimit(discordfake.RouteCreateMessage, 2, 30*time.Millisecond, false) },
			Act:   post,
			Want:  []string{"send a message rate_limited", "send a message rate_limited"},
		},
		{
			Name:    "Unknown Message is an api_error",
			Act:     update,
			WantErr: true,
			Want:    []string{"edit a message api_error"},
		},
		{
			Name:  "someone who doesn't take DMs is an api_error",
			Setup: func(w *world) { w.discord.RefuseDMs(strangerID) },
			Act: func(w *world) error {
				_, err := w.platform.Post(t.Context(), bot.Destination{Actor: &bot.Actor{Platform: "discord", ChatID: strangerID}}, bot.Message{Text: "x"})
				return err
			},
			WantErr: true,
			Want:    []string{"send a message api_error"},
		},
		{
			// Sent again after each of afterAckWaits: Discord may not have taken the ack in.
			Name: "a follow-up on an unknown interaction is an api_error, each time it is sent",
			Act: func(w *world) error {
				return w.platform.followup(t.Context(), &discordgo.Interaction{AppID: discordfake.AppID, Token: "no-such-token"}, bot.Message{Text: "x"}, bot.English)
			},
			WantErr: true,
			Want:    []string{"follow-up api_error", "follow-up api_error", "follow-up api_error", "follow-up api_error"},
		},
		{
			Name:    "Discord's server error is http_5xx",
			APIURL:  func(t *testing.T) string { return bottest.Answering(t, http.StatusInternalServerError, "/") },
			Act:     update,
			WantErr: true,
			Want:    []string{"edit a message http_5xx"},
		},
		{
			Name:    "a 502 that discordgo retried itself is http_5xx",
			APIURL:  func(t *testing.T) string { return bottest.Answering(t, http.StatusBadGateway, "/") },
			Act:     update,
			WantErr: true,
			Want:    []string{"edit a message http_5xx"},
		},
		{
			Name:    "no answer is network",
			APIURL:  func(*testing.T) string { return bottest.Unreachable("/") },
			Act:     update,
			WantErr: true,
			Want:    []string{"edit a message network"},
		},
		{
			Name:    "no answer within the client's timeout is timeout",
			APIURL:  func(t *testing.T) string { return bottest.Hanging(t, "/") },
			Client:  &http.Client{Timeout: 50 * time.Millisecond},
			Act:     update,
			WantErr: true,
			Want:    []string{"edit a message timeout"},
		},
		{
			Name: "a cancelled call is canceled, not Discord's fault",
			Act: func(w *world) error {
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				_, err := w.platform.Post(ctx, bot.Destination{Approvers: true}, bot.Message{Text: "x"})
				return err
			},
			WantErr: true,
			Want:    []string{"send a message canceled"},
		},
		{
			Name: "a call that succeeds is not told",
			Act:  post,
		},
	})
}

// observeWorld is a world whose platform is set up as the case says.
func observeWorld(t *testing.T, o bottest.ObserveSetup) *world {
	return newWorld(t, func(c *Config) { o.Apply(&c.Options, &c.APIURL) })
}
