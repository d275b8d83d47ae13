package discord

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/discord/discordfake"
)

// observed records what Config.ObserveError is told, as "method reason".
type observed struct {
	mu    sync.Mutex
	calls []string
}

func (o *observed) observe(method, reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, method+" "+reason)
}

func (o *observed) Calls() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.calls)
}

// answering is a Discord API that answers every call with status.
func answering(t *testing.T, status int) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "<html>oops</html>", status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

func TestObserveErrorIsToldOfEachFailedCall(t *testing.T) {
	post := func(w *world) error {
		_, err := w.platform.Post(t.Context(), bot.Destination{Approvers: true}, bot.Message{Text: "Approve?"})
		return err
	}
	update := func(w *world) error {
		return w.platform.Update(t.Context(), bot.MessageRef{Channel: approvalChannel, ID: "1200000000000000999"}, bot.Message{Text: "x"})
	}
	tests := []struct {
		name    string
		apiURL  func(t *testing.T) string // nil: the fake
		client  *http.Client
		setup   func(w *world)
		act     func(w *world) error
		wantErr bool
		want    []string
	}{
		{
			name:  "each 429 is told, also when waited out",
			setup: func(w *world) { w.discord.RateLimit(discordfake.RouteCreateMessage, 2, 30*time.Millisecond, false) },
			act:   post,
			want:  []string{"send a message rate_limited", "send a message rate_limited"},
		},
		{
			name:    "Unknown Message is an api_error",
			act:     update,
			wantErr: true,
			want:    []string{"edit a message api_error"},
		},
		{
			name:  "someone who doesn't take DMs is an api_error",
			setup: func(w *world) { w.discord.RefuseDMs(strangerID) },
			act: func(w *world) error {
				_, err := w.platform.Post(t.Context(), bot.Destination{Actor: &bot.Actor{Platform: "discord", ChatID: strangerID}}, bot.Message{Text: "x"})
				return err
			},
			wantErr: true,
			want:    []string{"send a message api_error"},
		},
		{
			name: "a follow-up on an unknown interaction is an api_error",
			act: func(w *world) error {
				return w.platform.followup(t.Context(), &discordgo.Interaction{AppID: discordfake.AppID, Token: "no-such-token"}, bot.Message{Text: "x"}, bot.English)
			},
			wantErr: true,
			want:    []string{"follow-up api_error"},
		},
		{
			name:    "Discord's server error is http_5xx",
			apiURL:  func(t *testing.T) string { return answering(t, http.StatusInternalServerError) },
			act:     update,
			wantErr: true,
			want:    []string{"edit a message http_5xx"},
		},
		{
			name:    "a 502 that discordgo retried itself is http_5xx",
			apiURL:  func(t *testing.T) string { return answering(t, http.StatusBadGateway) },
			act:     update,
			wantErr: true,
			want:    []string{"edit a message http_5xx"},
		},
		{
			name: "no answer is network",
			apiURL: func(*testing.T) string {
				srv := httptest.NewServer(http.NotFoundHandler())
				srv.Close()
				return srv.URL + "/"
			},
			act:     update,
			wantErr: true,
			want:    []string{"edit a message network"},
		},
		{
			name: "no answer within the client's timeout is timeout",
			apiURL: func(t *testing.T) string {
				stop := make(chan struct{})
				srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-stop }))
				t.Cleanup(srv.Close)
				t.Cleanup(func() { close(stop) }) // first: Close waits for the handler
				return srv.URL + "/"
			},
			client:  &http.Client{Timeout: 50 * time.Millisecond},
			act:     update,
			wantErr: true,
			want:    []string{"edit a message timeout"},
		},
		{
			name: "a cancelled call is canceled, not Discord's fault",
			act: func(w *world) error {
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				_, err := w.platform.Post(ctx, bot.Destination{Approvers: true}, bot.Message{Text: "x"})
				return err
			},
			wantErr: true,
			want:    []string{"send a message canceled"},
		},
		{
			name: "a call that succeeds is not told",
			act:  post,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := &observed{}
			w := newWorld(t, func(c *Config) {
				c.ObserveError = obs.observe
				if tt.apiURL != nil {
					c.APIURL = tt.apiURL(t)
				}
				c.HTTPClient = tt.client
			})
			if tt.setup != nil {
				tt.setup(w)
			}
			if err := tt.act(w); (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want an error: %v", err, tt.wantErr)
			}
			if got := obs.Calls(); !slices.Equal(got, tt.want) {
				t.Fatalf("ObserveError told %q, want %q", got, tt.want)
			}
		})
	}
}
