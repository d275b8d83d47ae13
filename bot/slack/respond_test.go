package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/bottest"
)

// logs is a slog destination the work goroutines may write to at once.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logs) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// hookPath is the secret part of a response_url, shaped like Slack's
// (https://hooks.slack.com/commands/T…/…/…).
const hookPath = "/commands/T0FAKE/1234567890123/s3cr3tHookTokenAbc"

// checkNoResponseURL fails when text holds the response_url, its path or the path's secret end.
func checkNoResponseURL(t *testing.T, what, text, raw string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{raw, u.Path, u.EscapedPath(), "s3cr3tHookTokenAbc"} {
		if strings.Contains(text, secret) {
			t.Fatalf("%s holds the response_url (%q):\n%s", what, secret, text)
		}
	}
}

func TestFailedResponseURLPostsNeverShowTheURL(t *testing.T) {
	tests := []struct {
		name string
		// hook returns the response_url to fail at, and a client for the platform (nil: default).
		hook       func(t *testing.T) (string, *http.Client)
		wantErr    string // the error, as logged and returned
		wantReason string // as ObserveError is told
		is         func(err error) bool
	}{
		{
			name: "the hook answers 500 with a page that echoes the URL",
			hook: func(t *testing.T) (string, *http.Client) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "<html>internal error at "+r.URL.String()+"</html>", http.StatusInternalServerError)
				}))
				t.Cleanup(srv.Close)
				return srv.URL + hookPath, nil
			},
			wantErr:    "slack response_url: status 500",
			wantReason: bot.ReasonHTTP5xx,
			is: func(err error) bool {
				var status responseStatusError
				return errors.As(err, &status) && status.code == http.StatusInternalServerError
			},
		},
		{
			name: "the hook answers 404 with Slack's code, which is kept",
			hook: func(t *testing.T) (string, *http.Client) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					http.Error(w, "expired_url", http.StatusNotFound)
				}))
				t.Cleanup(srv.Close)
				return srv.URL + hookPath, nil
			},
			wantErr:    "slack response_url: status 404: expired_url",
			wantReason: bot.ReasonAPIError,
			is:         func(err error) bool { var s responseStatusError; return errors.As(err, &s) },
		},
		{
			name: "the connection is refused",
			hook: func(*testing.T) (string, *http.Client) {
				srv := httptest.NewServer(http.NotFoundHandler())
				srv.Close()
				return srv.URL + hookPath, nil
			},
			wantErr:    `slack response_url: Post "response_url": dial tcp`,
			wantReason: bot.ReasonNetwork,
			is: func(err error) bool {
				var netErr net.Error
				var ue *url.Error
				return errors.As(err, &netErr) && errors.As(err, &ue) && ue.URL == "response_url"
			},
		},
		{
			name: "the hook doesn't answer in time",
			hook: func(t *testing.T) (string, *http.Client) {
				stop := make(chan struct{})
				srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-stop }))
				t.Cleanup(srv.Close)
				t.Cleanup(func() { close(stop) }) // first: Close waits for the handler
				return srv.URL + hookPath, &http.Client{Timeout: 100 * time.Millisecond}
			},
			wantErr:    `slack response_url: Post "response_url": context deadline exceeded`,
			wantReason: bot.ReasonTimeout,
			is:         func(err error) bool { return errors.Is(err, context.DeadlineExceeded) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hook, client := tt.hook(t)
			var log logs
			obs := &bottest.Observed{}
			w := newWorld(t, func(c *Config) {
				c.Logger = log.logger()
				c.ObserveError = obs.Observe
				c.HTTPClient = client
			})
			w.slack.AddChannel("C0GENERAL")
			w.handler.Command = bot.Reply{Message: bot.Message{Text: "Here is the plan."}}

			// Straight: the error returned.
			err := w.platform.respond(t.Context(), w.platform.receivedResponseURL(hook), ephemeral(bot.Message{Text: "x"}, bot.English))
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) || !tt.is(err) {
				t.Fatalf("err %v, want %q… that unwraps to what went wrong", err, tt.wantErr)
			}
			checkNoResponseURL(t, "the error", fmt.Sprintf("%v %+v %#v", err, err, err), hook)

			// Through a command: the answer falls back to chat.postEphemeral, and the log
			// says why without the URL.
			serve(w.platform.CommandsHandler(), signed(t, "/slack/commands", commandForm("U0ALICE", "help", hook, "")))
			w.platform.Wait()
			posted := w.slack.WaitCalls(t, "chat.postEphemeral", 1)
			if posted[0].Param("user") != "U0ALICE" || !strings.Contains(posted[0].Param("text"), "Here is the plan.") {
				t.Fatalf("chat.postEphemeral %v", posted[0].Form)
			}
			logged := log.String()
			// slog's text handler quotes the error, escaping its own quotes.
			if !strings.Contains(logged, "answer through response_url failed") || !strings.Contains(logged, strings.ReplaceAll(tt.wantErr, `"`, `\"`)) {
				t.Fatalf("the log doesn't say what failed (%q):\n%s", tt.wantErr, logged)
			}
			checkNoResponseURL(t, "the log", logged, hook)
			for _, c := range w.handler.Commands() {
				checkNoResponseURL(t, "the delivery id", c.DeliveryID, hook)
			}
			for _, got := range obs.Calls() {
				if got != "response_url "+tt.wantReason {
					t.Fatalf("ObserveError told %q, want response_url %s", got, tt.wantReason)
				}
			}
		})
	}
}

// slowHandler answers after the platform's clock has moved on by took: a request that sat in
// the work queue, or waited on Graph.
type slowHandler struct {
	clock *bottest.Clock
	took  time.Duration
	reply bot.Reply
}

func (h slowHandler) HandleCommand(context.Context, bot.Command) bot.Reply {
	h.clock.Advance(h.took)
	return h.reply
}

func (h slowHandler) HandleClick(context.Context, bot.Click) bot.Reply {
	h.clock.Advance(h.took)
	return h.reply
}

func TestResponseURLIsNotUsedAfterItsThirtyMinutes(t *testing.T) {
	tests := []struct {
		name      string
		took      time.Duration
		click     bool
		ephemeral bool // the clicked message
		reply     bot.Reply
		// posted: the answer went through the response_url; else through chat.postEphemeral.
		posted bool
	}{
		{name: "a command answered within 30 minutes", took: 29*time.Minute + 59*time.Second, reply: bot.Reply{Message: bot.Message{Text: "Here is the plan."}}, posted: true},
		{name: "a command answered at 30 minutes", took: 30 * time.Minute, reply: bot.Reply{Message: bot.Message{Text: "Here is the plan."}}},
		{name: "a command answered after an hour", took: time.Hour, reply: bot.Reply{Message: bot.Message{Text: "Here is the plan."}}},
		{name: "a click answered within 30 minutes", took: 10 * time.Minute, click: true, reply: bot.Reply{Message: bot.Message{Text: "You can't approve your own request."}}, posted: true},
		{name: "a click answered after 31 minutes", took: 31 * time.Minute, click: true, reply: bot.Reply{Message: bot.Message{Text: "You can't approve your own request."}}},
		{
			name: "an ephemeral message replaced after 31 minutes: the clicker is told privately", took: 31 * time.Minute, click: true, ephemeral: true,
			reply: bot.Reply{Replace: true, Message: bot.Message{Text: "Confirmed. I asked the approvers."}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := bottest.NewClock(testNow)
			var log logs
			obs := &bottest.Observed{}
			w := newWorld(t, func(c *Config) {
				c.Now = clk.Now
				c.Logger = log.logger()
				c.ObserveError = obs.Observe
			})
			w.slack.AddChannel("C0GENERAL")
			w.platform.SetHandler(slowHandler{clock: clk, took: tt.took, reply: tt.reply})
			hook := w.slack.ResponseURL("hook")
			if tt.click {
				payload := blockActions(t, func(p map[string]any) {
					p["response_url"] = hook
					p["user"] = map[string]any{"id": "U0ALICE", "username": "alice", "team_id": "T0FAKE"}
					p["container"] = map[string]any{"type": "message", "message_ts": "1700000000.000900", "channel_id": "C0GENERAL", "is_ephemeral": tt.ephemeral}
					p["channel"] = map[string]any{"id": "C0GENERAL", "name": "general"}
				})
				serve(w.platform.InteractionsHandler(), signed(t, "/slack/interactions", interactionForm(payload)))
			} else {
				serve(w.platform.CommandsHandler(), signed(t, "/slack/commands", commandForm("U0ALICE", "help", hook, "4.4.4")))
			}
			w.platform.Wait()

			posts, private := w.slack.Responses("hook"), w.slack.Calls("chat.postEphemeral")
			if tt.posted {
				if len(posts) != 1 || len(private) != 0 {
					t.Fatalf("%d posts to the response_url and %d chat.postEphemeral, want 1 and 0", len(posts), len(private))
				}
				if r := decodeResponse(t, posts[0]); !strings.Contains(r.Text, tt.reply.Message.Text) {
					t.Fatalf("answer %+v", r)
				}
				return
			}
			if len(posts) != 0 {
				t.Fatalf("posted to a response_url %s after its arrival: %s", tt.took, posts[0].Body)
			}
			if len(private) != 1 || private[0].Param("user") != "U0ALICE" || private[0].Param("channel") != "C0GENERAL" ||
				!strings.Contains(private[0].Param("text"), tt.reply.Message.Text) {
				t.Fatalf("chat.postEphemeral %+v, want the answer to U0ALICE in C0GENERAL", private)
			}
			if !strings.Contains(log.String(), "response_url not used") {
				t.Fatalf("the log doesn't say why the response_url wasn't used:\n%s", log.String())
			}
			checkNoResponseURL(t, "the log", log.String(), hook)
			if got := obs.Calls(); len(got) != 0 {
				t.Fatalf("ObserveError told %q of a post that wasn't made", got)
			}
		})
	}
}

func TestResponseURLIsUsedFiveTimesAtMost(t *testing.T) {
	w := newWorld(t)
	u := w.platform.receivedResponseURL(w.slack.ResponseURL("five"))
	for i := range responseURLMaxPosts + 2 {
		err := w.platform.respond(t.Context(), u, ephemeral(bot.Message{Text: "x"}, bot.English))
		if (err != nil) != (i >= responseURLMaxPosts) || (err != nil && !errors.Is(err, errResponseURLUnusable)) {
			t.Fatalf("post %d: err %v", i+1, err)
		}
	}
	if n := len(w.slack.Responses("five")); n != responseURLMaxPosts {
		t.Fatalf("%d posts, want %d", n, responseURLMaxPosts)
	}
}

func TestResponseURLNeverPrints(t *testing.T) {
	raw := "https://hooks.slack.com" + hookPath
	u := (&Platform{cfg: Config{Options: bot.Options{Now: func() time.Time { return testNow }}}}).receivedResponseURL(raw)
	var log logs
	log.logger().Info("posting", "to", u, "struct", struct{ U *responseURL }{u})
	asJSON, err := json.Marshal(map[string]any{"to": u})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ how, got string }{
		{"%v", fmt.Sprintf("%v", u)},
		{"%s", fmt.Sprintf("%s", u)},
		{"%+v", fmt.Sprintf("%+v", u)},
		{"%#v", fmt.Sprintf("%#v", u)},
		{"%q", fmt.Sprintf("%q", u)},
		{"slog", log.String()},
		{"JSON", string(asJSON)},
	} {
		t.Run(tt.how, func(t *testing.T) {
			checkNoResponseURL(t, tt.how, tt.got, raw)
			if !strings.Contains(tt.got, "response_url") {
				t.Fatalf("%s: %q doesn't name it", tt.how, tt.got)
			}
		})
	}
}

// A command without a trigger_id is known by its response_url to the deduper: hashed, so
// that the URL is neither in Redis nor in the log line of a retry nor in the handlers'
// DeliveryID.
func TestDeliveryKeyHoldsNoResponseURL(t *testing.T) {
	var log logs
	w := newWorld(t, func(c *Config) { c.Logger = log.logger() })
	hook := w.slack.ResponseURL("s3cr3tHookTokenAbc")
	body := commandForm("U0ALICE", "help", hook, "")
	for i := range 2 {
		r := signed(t, "/slack/commands", body)
		if i > 0 {
			r.Header.Set("X-Slack-Retry-Num", "1")
		}
		serve(w.platform.CommandsHandler(), r)
		w.platform.Wait()
	}
	cmds := w.handler.Commands()
	if len(cmds) != 1 || !strings.HasPrefix(cmds[0].DeliveryID, "slack:command:T0FAKE:h") {
		t.Fatalf("commands %+v, want one with a hashed delivery id", cmds)
	}
	checkNoResponseURL(t, "the delivery id", cmds[0].DeliveryID, hook)
	if !strings.Contains(log.String(), "delivery already handled") {
		t.Fatalf("the retry was not logged:\n%s", log.String())
	}
	checkNoResponseURL(t, "the log", log.String(), hook)
}
