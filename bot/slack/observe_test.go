package slack

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/bottest"
)

func TestObserveErrorIsToldOfEachFailedCall(t *testing.T) {
	post := func(w *world) error {
		_, err := w.platform.Post(t.Context(), bot.Destination{Approvers: true}, bot.Message{Text: "Approve?"})
		return err
	}
	update := func(w *world) error {
		return w.platform.Update(t.Context(), bot.MessageRef{Channel: approvalChannel, ID: "1.2"}, bot.Message{Text: "x"})
	}
	bottest.RunObserveCases(t, observeWorld, []bottest.ObserveCase[*world]{
		{
			Name:  "each 429 is told, also when waited out",
			Setup: func(w *world) { w.slack.RateLimit("chat.postMessage", 2, time.Second) },
			Act:   post,
			Want:  []string{"chat.postMessage rate_limited", "chat.postMessage rate_limited"},
		},
		{
			Name:    "ok:false is an api_error",
			Setup:   func(w *world) { w.slack.Fail("chat.update", "message_not_found", 1) },
			Act:     update,
			WantErr: true,
			Want:    []string{"chat.update api_error"},
		},
		{
			Name:    "a user Slack doesn't know is an api_error of users.info",
			Setup:   func(w *world) { w.slack.Fail("users.info", "user_not_found", 1) },
			Act:     func(w *world) error { _, err := w.platform.actor(t.Context(), "U0ALICE"); return err },
			WantErr: true,
			Want:    []string{"users.info api_error"},
		},
		{
			Name:  "a DM that can't be opened",
			Setup: func(w *world) { w.slack.Fail("conversations.open", "cannot_dm_bot", 1) },
			Act: func(w *world) error {
				_, err := w.platform.postDM(t.Context(), "U0ALICE", bot.Message{Text: "x"}, bot.English)
				return err
			},
			WantErr: true,
			Want:    []string{"conversations.open api_error"},
		},
		{
			Name:    "Slack's server error is http_5xx",
			APIURL:  func(t *testing.T) string { return bottest.Answering(t, http.StatusServiceUnavailable, "/api/") },
			Act:     update,
			WantErr: true,
			Want:    []string{"chat.update http_5xx"},
		},
		{
			Name:    "no answer is network",
			APIURL:  func(*testing.T) string { return bottest.Unreachable("/api/") },
			Act:     update,
			WantErr: true,
			Want:    []string{"chat.update network"},
		},
		{
			Name:    "no answer within the client's timeout is timeout",
			APIURL:  func(t *testing.T) string { return bottest.Hanging(t, "/api/") },
			Client:  &http.Client{Timeout: 50 * time.Millisecond},
			Act:     update,
			WantErr: true,
			Want:    []string{"chat.update timeout"},
		},
		{
			Name:  "a response_url answering 429 is rate_limited",
			Setup: func(w *world) { w.slack.RateLimit("response:r1", 1, time.Second) },
			Act: func(w *world) error {
				return w.platform.respond(t.Context(), w.platform.receivedResponseURL(w.slack.ResponseURL("r1")), ephemeral(bot.Message{Text: "x"}, bot.English))
			},
			Want: []string{"response_url rate_limited"},
		},
		{
			Name: "a used-up response_url is an api_error",
			Act: func(w *world) error {
				for range 5 {
					if err := w.platform.respond(t.Context(), w.platform.receivedResponseURL(w.slack.ResponseURL("r2")), ephemeral(bot.Message{Text: "x"}, bot.English)); err != nil {
						return err
					}
				}
				return w.platform.respond(t.Context(), w.platform.receivedResponseURL(w.slack.ResponseURL("r2")), ephemeral(bot.Message{Text: "x"}, bot.English))
			},
			WantErr: true,
			Want:    []string{"response_url api_error"},
		},
		{
			Name: "a cancelled call is canceled, not Slack's fault",
			Act: func(w *world) error {
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				return w.platform.Update(ctx, bot.MessageRef{Channel: approvalChannel, ID: "1.2"}, bot.Message{Text: "x"})
			},
			WantErr: true,
			Want:    []string{"chat.update canceled"},
		},
		{
			Name: "the end of users.list's pages is no failure",
			Act:  func(w *world) error { _, err := w.platform.directoryUsers(t.Context()); return err },
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
