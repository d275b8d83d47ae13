package discord

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/discord/discordfake"
)

// roundTripFunc records the request a transport passes on.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The Session's transport puts discordgo's /api/v9/ URLs under /api/v10/ and, for another
// base, on that base; it leaves everything else alone.
func TestRewriteTransportSendsDiscordgosCallsToV10(t *testing.T) {
	tests := []struct {
		name, base, in, want string
	}{
		{"discord.com itself", "https://discord.com/", discordgo.EndpointChannelMessage("1", "2"), "https://discord.com/api/v10/channels/1/messages/2"},
		{"a local fake", "http://127.0.0.1:8080/", discordgo.EndpointChannelMessage("1", "2"), "http://127.0.0.1:8080/api/v10/channels/1/messages/2"},
		{"a proxy with a path", "https://proxy.contoso.example/discord/", discordgo.EndpointGateway, "https://proxy.contoso.example/discord/api/v10/gateway"},
		{"a webhook's @original, escaped", "http://127.0.0.1:8080/", discordgo.EndpointWebhookMessage("9", "a%2Fb", "@original"), "http://127.0.0.1:8080/api/v10/webhooks/9/a%2Fb/messages/@original"},
		{"already v10", "https://discord.com/", "https://discord.com/api/v10/users/@me", "https://discord.com/api/v10/users/@me"},
		{"not the API", "http://127.0.0.1:8080/", "https://discord.com/developers/docs", "http://127.0.0.1:8080/developers/docs"},
		{"another host", "http://127.0.0.1:8080/", "https://cdn.discordapp.com/api/v9/avatars/1/2.png", "https://cdn.discordapp.com/api/v9/avatars/1/2.png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, err := parseAPIURL(tt.base)
			if err != nil {
				t.Fatal(err)
			}
			var got *http.Request
			rt := rewriteTransport{base: base, next: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				got = r
				return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody}, nil
			})}
			in, err := http.NewRequest(http.MethodGet, tt.in, nil)
			if err != nil {
				t.Fatal(err)
			}
			before := in.URL.String()
			if _, err := rt.RoundTrip(in); err != nil {
				t.Fatal(err)
			}
			if got.URL.String() != tt.want {
				t.Errorf("sent to %s, want %s", got.URL, tt.want)
			}
			if in.URL.String() != before {
				t.Errorf("the caller's request was changed to %s", in.URL)
			}
		})
	}
}

// Every request the bot sends, REST and gateway, is API v10: the fake serves /api/v10/ and
// the gateway's ?v=10 only, so a call to another version would be recorded as RouteUnknown
// (404) and a gateway of another version closed (4012).
func TestEveryRequestTheBotSendsIsAPIv10(t *testing.T) {
	w := newWorld(t)
	w.discord.SetPublicKey(testPublicKey())
	w.discord.SetInteractionsEndpointURL(endpointURL)
	w.discord.AddGuild(guildID, "Contoso IT")
	w.discord.AddGuildChannel(guildID, approvalChannel, "approvals")
	w.discord.AddRole(guildID, approverRole, "Approvers", true)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.platform.RunGateway(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunGateway: %v", err)
		}
	}()
	w.discord.WaitGateway(t)

	// A command over the gateway: ack through the callback, answer through @original.
	w.discord.DispatchInteraction(t, command(t, "8100", masonID, nil, subShow, opt(optUser, "alice@contoso.com")))
	w.discord.WaitCalls(t, discordfake.RouteEditOriginal, 1)
	// Posts, a DM, an update, a click answered by a follow-up, the commands, the doctor.
	ref, err := w.platform.Post(t.Context(), bot.Destination{Approvers: true}, approvalMessage())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.platform.Update(t.Context(), ref, bot.Message{Text: "Approved."}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.platform.Post(t.Context(), bot.Destination{Actor: &bot.Actor{Platform: "discord", ChatID: approverID}}, bot.Message{Text: "Done."}); err != nil {
		t.Fatal(err)
	}
	w.handler.Click = bot.Reply{Message: bot.Message{Text: "You can't approve your own request."}}
	clicked := w.discord.AddMessage(approvalChannel, discordfake.Message{Content: "Approve?"})
	w.deliver(t, click(t, "8200", masonID, nil, "approve:7k2m9q4x8w1r5t3y", approvalChannel, clicked, false))
	w.platform.Wait()
	if err := w.platform.RegisterCommands(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, f := range w.platform.Check(t.Context()) {
		if f.Problem != "" {
			t.Errorf("doctor: %s: %s", f.Check, f.Problem)
		}
	}

	if unknown := w.discord.Calls(discordfake.RouteUnknown); len(unknown) != 0 {
		t.Errorf("%d requests to routes Discord's v10 doesn't have, e.g. %s", len(unknown), unknown[0].Path)
	}
	seen := map[string]bool{}
	for _, c := range w.discord.Calls("") {
		seen[c.Route] = true
		if !strings.HasPrefix(c.Path, discordfake.APIPrefix+"/") {
			t.Errorf("%s went to %s, not under %s/", c.Route, c.Path, discordfake.APIPrefix)
		}
	}
	for _, route := range []string{discordfake.RouteGateway, discordfake.RouteCallback, discordfake.RouteEditOriginal,
		discordfake.RouteCreateMessage, discordfake.RouteEditMessage, discordfake.RouteCreateDM, discordfake.RouteFollowup,
		discordfake.RouteBulkOverwriteGuild, discordfake.RouteCurrentUser, discordfake.RouteCurrentApplication,
		discordfake.RouteGuild, discordfake.RouteGuildMember, discordfake.RouteChannel} {
		if !seen[route] {
			t.Errorf("no %s call: the test no longer covers it", route)
		}
	}
	urls := w.discord.GatewayURLs()
	if len(urls) == 0 {
		t.Fatal("no gateway connection recorded")
	}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || u.Query().Get("v") != apiVersion || u.Query().Get("encoding") != "json" {
			t.Errorf("gateway URL %s, want v=%s&encoding=json", raw, apiVersion)
		}
	}
}

// The edits send only fields their requests document (Discord's OpenAPI:
// MessageEditRequestPartial, IncomingWebhookUpdateRequestPartial), and with them everything
// that makes the message: content, embeds, buttons (an empty list clears them) and
// allowed_mentions.
func TestMessageEditsCarryOnlyDocumentedFields(t *testing.T) {
	tests := []struct {
		name  string
		route string
		edit  func(t *testing.T, w *world)
	}{
		{
			name: "Update edits the bot's own message", route: discordfake.RouteEditMessage,
			edit: func(t *testing.T, w *world) {
				ref, err := w.platform.Post(t.Context(), bot.Destination{Approvers: true}, approvalMessage())
				if err != nil {
					t.Fatal(err)
				}
				if err := w.platform.Update(t.Context(), ref, bot.Message{Text: "Approved by Adele Vance."}); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "a command is answered by editing @original", route: discordfake.RouteEditOriginal,
			edit: func(t *testing.T, w *world) {
				w.deliver(t, command(t, "8300", masonID, nil, subShow, opt(optUser, "alice@contoso.com")))
				w.original(t, "token-8300")
			},
		},
		{
			name: "a replacing answer to a click edits @original", route: discordfake.RouteEditOriginal,
			edit: func(t *testing.T, w *world) {
				w.handler.Click = bot.Reply{Message: bot.Message{Text: "Confirmed."}, Replace: true}
				clicked := w.discord.AddMessage(approvalChannel, discordfake.Message{Content: "Approve?"})
				w.deliver(t, click(t, "8400", masonID, nil, "approve:7k2m9q4x8w1r5t3y", approvalChannel, clicked, false))
				w.platform.Wait()
			},
		},
		{
			name: "when @original can't be edited, the bot edits the clicked message", route: discordfake.RouteEditMessage,
			edit: func(t *testing.T, w *world) {
				w.discord.RateLimit(discordfake.RouteEditOriginal, 10, 10*time.Millisecond, false)
				w.handler.Click = bot.Reply{Message: bot.Message{Text: "Confirmed."}, Replace: true}
				clicked := w.discord.AddMessage(approvalChannel, discordfake.Message{Content: "Approve?"})
				w.deliver(t, click(t, "8500", masonID, nil, "approve:7k2m9q4x8w1r5t3y", approvalChannel, clicked, false))
				w.platform.Wait()
				if m, _ := w.discord.Message(clicked); m.Content != "Confirmed." {
					t.Fatalf("clicked message %+v", m)
				}
			},
		},
	}
	want := []string{"allowed_mentions", "components", "content", "embeds"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			tt.edit(t, w)
			var edited bool
			for _, c := range w.discord.Calls(tt.route) {
				if c.Status/100 != 2 {
					continue
				}
				edited = true
				if err := discordfake.ValidateEdit(tt.route, c.Body); err != nil {
					t.Errorf("%s body %s: %v", tt.route, c.Body, err)
				}
				var body map[string]json.RawMessage
				if err := json.Unmarshal(c.Body, &body); err != nil {
					t.Fatal(err)
				}
				var got []string
				for k := range body {
					got = append(got, k)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("%s body has %q, want %q: %s", tt.route, got, want, c.Body)
				}
			}
			if !edited {
				t.Fatalf("no edit through %s", tt.route)
			}
		})
	}
}
