package slack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
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

// answering is a Slack API that answers every call with status.
func answering(t *testing.T, status int) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "<html>oops</html>", status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/api/"
}

// unreachable is an address nothing answers on: a server that was closed.
func unreachable() string {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL + "/api/"
}

func TestObserveErrorIsToldOfEachFailedCall(t *testing.T) {
	post := func(w *world) error {
		_, err := w.platform.Post(t.Context(), bot.Destination{Approvers: true}, bot.Message{Text: "Approve?"})
		return err
	}
	update := func(w *world) error {
		return w.platform.Update(t.Context(), bot.MessageRef{Channel: approvalChannel, ID: "1.2"}, bot.Message{Text: "x"})
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
			setup: func(w *world) { w.slack.RateLimit("chat.postMessage", 2, time.Second) },
			act:   post,
			want:  []string{"chat.postMessage rate_limited", "chat.postMessage rate_limited"},
		},
		{
			name:    "ok:false is an api_error",
			setup:   func(w *world) { w.slack.Fail("chat.update", "message_not_found", 1) },
			act:     update,
			wantErr: true,
			want:    []string{"chat.update api_error"},
		},
		{
			name:    "a user Slack doesn't know is an api_error of users.info",
			setup:   func(w *world) { w.slack.Fail("users.info", "user_not_found", 1) },
			act:     func(w *world) error { _, err := w.platform.actor(t.Context(), "U0ALICE"); return err },
			wantErr: true,
			want:    []string{"users.info api_error"},
		},
		{
			name:  "a DM that can't be opened",
			setup: func(w *world) { w.slack.Fail("conversations.open", "cannot_dm_bot", 1) },
			act: func(w *world) error {
				_, err := w.platform.postDM(t.Context(), "U0ALICE", bot.Message{Text: "x"}, bot.English)
				return err
			},
			wantErr: true,
			want:    []string{"conversations.open api_error"},
		},
		{
			name:    "Slack's server error is http_5xx",
			apiURL:  func(t *testing.T) string { return answering(t, http.StatusServiceUnavailable) },
			act:     update,
			wantErr: true,
			want:    []string{"chat.update http_5xx"},
		},
		{
			name:    "no answer is network",
			apiURL:  func(*testing.T) string { return unreachable() },
			act:     update,
			wantErr: true,
			want:    []string{"chat.update network"},
		},
		{
			name: "no answer within the client's timeout is timeout",
			apiURL: func(t *testing.T) string {
				stop := make(chan struct{})
				srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-stop }))
				t.Cleanup(srv.Close)
				t.Cleanup(func() { close(stop) }) // first: Close waits for the handler
				return srv.URL + "/api/"
			},
			client:  &http.Client{Timeout: 50 * time.Millisecond},
			act:     update,
			wantErr: true,
			want:    []string{"chat.update timeout"},
		},
		{
			name:  "a response_url answering 429 is rate_limited",
			setup: func(w *world) { w.slack.RateLimit("response:r1", 1, time.Second) },
			act: func(w *world) error {
				return w.platform.respond(t.Context(), w.platform.receivedResponseURL(w.slack.ResponseURL("r1")), ephemeral(bot.Message{Text: "x"}, bot.English))
			},
			want: []string{"response_url rate_limited"},
		},
		{
			name: "a used-up response_url is an api_error",
			act: func(w *world) error {
				for range 5 {
					if err := w.platform.respond(t.Context(), w.platform.receivedResponseURL(w.slack.ResponseURL("r2")), ephemeral(bot.Message{Text: "x"}, bot.English)); err != nil {
						return err
					}
				}
				return w.platform.respond(t.Context(), w.platform.receivedResponseURL(w.slack.ResponseURL("r2")), ephemeral(bot.Message{Text: "x"}, bot.English))
			},
			wantErr: true,
			want:    []string{"response_url api_error"},
		},
		{
			name: "a cancelled call is canceled, not Slack's fault",
			act: func(w *world) error {
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				return w.platform.Update(ctx, bot.MessageRef{Channel: approvalChannel, ID: "1.2"}, bot.Message{Text: "x"})
			},
			wantErr: true,
			want:    []string{"chat.update canceled"},
		},
		{
			name: "the end of users.list's pages is no failure",
			act:  func(w *world) error { _, err := w.platform.directoryUsers(t.Context()); return err },
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

func TestWithoutObserveErrorFailuresAreUnchanged(t *testing.T) {
	w := newWorld(t)
	w.slack.RateLimit("chat.postMessage", 1, time.Second)
	if _, err := w.platform.Post(t.Context(), bot.Destination{Approvers: true}, bot.Message{Text: "Approve?"}); err != nil {
		t.Fatal(err)
	}
	w.slack.Fail("chat.update", "message_not_found", 1)
	err := w.platform.Update(t.Context(), bot.MessageRef{Channel: approvalChannel, ID: "1.2"}, bot.Message{Text: "x"})
	if err == nil || err.Error() != "update message 1.2 in CAPPROVALS: slack chat.update: message_not_found" {
		t.Fatalf("err %v", err)
	}
}
