package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/bottest"
	"github.com/licensebot/licensebot/bot/slack/slackfake"
)

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func TestSlashCommandIsAckedAtOnceAndAnsweredThroughResponseURL(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.handler.Delay = 5 * time.Second // Graph being slow
	w.handler.Command = bot.Reply{Message: bot.Message{Text: "This will remove 1 license from 1 user. Please check and confirm."}}

	start := time.Now()
	rec := serve(w.platform.CommandsHandler(), signed(t, "/slack/commands",
		commandForm("U0ADMIN", "alice@contoso.com --all", w.slack.ResponseURL("cmd"), "1001.2002.abc")))
	if took := time.Since(start); took > time.Second {
		t.Fatalf("ack took %s; Slack gives up after 3 s", took)
	}
	if rec.Code != http.StatusOK {
		t.Fatalf("ack status %d", rec.Code)
	}
	var ack response
	if err := json.Unmarshal(rec.Body.Bytes(), &ack); err != nil || ack.ResponseType != "ephemeral" || ack.Text == "" {
		t.Fatalf("ack body %s: want a short ephemeral message", rec.Body)
	}
	if got := w.slack.Responses("cmd"); len(got) != 0 {
		t.Fatalf("answered before the handler finished: %s", got[0].Body)
	}

	w.platform.Wait()
	if took := time.Since(start); took < 5*time.Second {
		t.Fatalf("work finished after %s, before the handler's 5 s", took)
	}
	posts := w.slack.Responses("cmd")
	if len(posts) != 1 {
		t.Fatalf("%d posts to response_url, want 1", len(posts))
	}
	r := decodeResponse(t, posts[0])
	if r.ResponseType != "ephemeral" || r.ReplaceOriginal || !strings.Contains(r.Text, "This will remove 1 license") {
		t.Fatalf("answer %+v", r)
	}
	cmds := w.handler.Commands()
	if len(cmds) != 1 {
		t.Fatalf("%d commands", len(cmds))
	}
	want := bot.Command{
		Actor: bot.Actor{Platform: "slack", ChatID: "U0ADMIN", Name: "Megan", Email: "megan@contoso.com",
			Locale: "tr-TR", Groups: []string{approverGroup}},
		Text: "alice@contoso.com --all", Channel: "C0GENERAL", DeliveryID: "slack:command:T0FAKE:1001.2002.abc",
	}
	if got := cmds[0]; !equalCommand(got, want) {
		t.Fatalf("command\n got %+v\nwant %+v", got, want)
	}
}

func equalCommand(a, b bot.Command) bool {
	return a.Text == b.Text && a.Channel == b.Channel && a.DeliveryID == b.DeliveryID && equalActor(a.Actor, b.Actor)
}

func equalActor(a, b bot.Actor) bool {
	return a.Platform == b.Platform && a.ChatID == b.ChatID && a.Name == b.Name && a.Email == b.Email &&
		a.Locale == b.Locale && slices.Equal(a.Groups, b.Groups)
}

func TestRetriedDeliveryReachesTheHandlerOnce(t *testing.T) {
	w := newWorld(t)
	body := commandForm("U0ADMIN", "help", w.slack.ResponseURL("cmd"), "777.888.retry")
	first := signed(t, "/slack/commands", body)
	retry := signed(t, "/slack/commands", body)
	retry.Header.Set("X-Slack-Retry-Num", "1")
	retry.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	for _, r := range []*http.Request{first, retry} {
		if rec := serve(w.platform.CommandsHandler(), r); rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
	}
	w.platform.Wait()
	if n := len(w.handler.Commands()); n != 1 {
		t.Fatalf("handler called %d times, want 1", n)
	}
	if n := len(w.slack.Responses("cmd")); n != 1 {
		t.Fatalf("%d answers, want 1", n)
	}
}

func TestRetriedClickReachesTheHandlerOnce(t *testing.T) {
	w := newWorld(t)
	w.slack.AddUser(fixtureClicker)
	payload := blockActions(t, func(p map[string]any) { p["response_url"] = w.slack.ResponseURL("click") })
	for i := range 2 {
		r := signed(t, "/slack/interactions", interactionForm(payload))
		if i > 0 {
			r.Header.Set("X-Slack-Retry-Num", "1")
		}
		serve(w.platform.InteractionsHandler(), r)
	}
	w.platform.Wait()
	if n := len(w.handler.Clicks()); n != 1 {
		t.Fatalf("handler called %d times, want 1", n)
	}
}

func TestDeduperFailureChangesNothing(t *testing.T) {
	w := newWorld(t, func(c *Config) { c.Inbox = bottest.FailingInbox{} })
	serve(w.platform.CommandsHandler(), signed(t, "/slack/commands",
		commandForm("U0ADMIN", "alice@contoso.com --all", w.slack.ResponseURL("cmd"), "1.1.1")))
	w.platform.Wait()
	if n := len(w.handler.Commands()); n != 0 {
		t.Fatalf("handler called %d times while the deduper was down", n)
	}
	posts := w.slack.Responses("cmd")
	if len(posts) != 1 {
		t.Fatalf("%d answers, want 1", len(posts))
	}
	r := decodeResponse(t, posts[0])
	if r.ResponseType != "ephemeral" || !strings.Contains(r.Text, "temporarily unavailable") || !strings.Contains(r.Text, "nothing was changed") {
		t.Fatalf("answer %+v", r)
	}
}

func TestBlockActionsFixtureIsDispatchedAsAClick(t *testing.T) {
	w := newWorld(t)
	w.slack.AddUser(fixtureClicker)
	payload := blockActions(t, func(p map[string]any) { p["response_url"] = w.slack.ResponseURL("click") })
	rec := serve(w.platform.InteractionsHandler(), signed(t, "/slack/interactions", interactionForm(payload)))
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Fatalf("ack: status %d body %q, want an empty 200", rec.Code, rec.Body)
	}
	w.platform.Wait()
	clicks := w.handler.Clicks()
	if len(clicks) != 1 {
		t.Fatalf("%d clicks", len(clicks))
	}
	c := clicks[0]
	if c.Action != "WaXA" || c.Value != "click_me_123" {
		t.Errorf("click action %q value %q", c.Action, c.Value)
	}
	if want := (bot.MessageRef{Platform: "slack", Channel: "CBR2V3XEX", ID: "1548261231.000200"}); c.Message != want {
		t.Errorf("click message %+v, want %+v", c.Message, want)
	}
	if c.Actor.ChatID != "UA8RXUSPL" || c.Actor.Email != "jack@overlook.example" || c.Actor.Platform != "slack" {
		t.Errorf("click actor %+v", c.Actor)
	}
}

var fixtureClicker = slackfakeUser("UA8RXUSPL", "jtorrance", "jack@overlook.example")

// Mentions reach the handlers as typed, and the platform looks a person up only when the
// handlers ask (Command.Mentions), which they do once the caller may act: a command alone
// makes Slack look up no one but the caller.
func TestMentionsAreLookedUpOnlyWhenAsked(t *testing.T) {
	tests := []struct {
		name, mention, want string // want "": can't be resolved
	}{
		{"escaped mention with a name", "<@U0ALICE|alice>", "alice@contoso.com"},
		{"escaped mention without a name", "<@U0BOB>", "bob@contoso.com"},
		{"typed mention by handle", "@alice", "alice@contoso.com"},
		{"typed mention by display name", "@Bobby", "bob@contoso.com"},
		{"ambiguous display name", "@sam", ""},
		{"unknown name", "@nobody", ""},
		{"a person without e-mail", "<@U0NOMAIL|guest>", ""},
		{"unknown user id", "<@U0GONE|gone>", ""},
		{"not a mention", "alice@contoso.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			text := tt.mention + " --all"
			serve(w.platform.CommandsHandler(), signed(t, "/slack/commands",
				commandForm("U0ADMIN", text, w.slack.ResponseURL("cmd"), "5.5."+tt.name)))
			w.platform.Wait()
			cmds := w.handler.Commands()
			if len(cmds) != 1 || cmds[0].Text != text || cmds[0].Mentions == nil {
				t.Fatalf("handler got %+v, want the text as typed and a way to look mentions up", cmds)
			}
			for _, c := range w.slack.Calls("users.info") {
				if c.Param("user") != "U0ADMIN" {
					t.Fatalf("users.info for %s before the handlers asked", c.Param("user"))
				}
			}
			if n := len(w.slack.Calls("users.list")); n != 0 {
				t.Fatalf("users.list called %d times before the handlers asked", n)
			}
			email, ok := cmds[0].Mentions(context.Background(), tt.mention)
			if email != tt.want || ok != (tt.want != "") {
				t.Fatalf("Mentions(%q) = %q, %v; want %q", tt.mention, email, ok, tt.want)
			}
		})
	}
}

// A mention that can't be resolved is remembered as such for a while: mentions of nobody
// can't make the bot ask Slack again and again.
func TestFailedMentionLookupsAreRemembered(t *testing.T) {
	w := newWorld(t)
	serve(w.platform.CommandsHandler(), signed(t, "/slack/commands",
		commandForm("U0ADMIN", "<@U0GONE> --all", w.slack.ResponseURL("cmd"), "6.6.6")))
	w.platform.Wait()
	mention := w.handler.Commands()[0].Mentions
	before := len(w.slack.Calls("users.info"))
	for range 5 {
		if _, ok := mention(context.Background(), "<@U0GONE>"); ok {
			t.Fatal("an unknown user resolved")
		}
	}
	if n := len(w.slack.Calls("users.info")) - before; n != 1 {
		t.Fatalf("users.info called %d times for one unknown mention asked 5 times, want 1", n)
	}
}

func TestDirectoryIsReadOncePaginated(t *testing.T) {
	w := newWorld(t)
	for i := range 450 {
		w.slack.AddUser(slackfakeUser("U1"+pad(i), "user"+pad(i), "user"+pad(i)+"@contoso.com"))
	}
	serve(w.platform.CommandsHandler(), signed(t, "/slack/commands",
		commandForm("U0ADMIN", "@user0449 @user0003 --all", w.slack.ResponseURL("cmd"), "9.9.9")))
	w.platform.Wait()
	mention := w.handler.Commands()[0].Mentions
	var emails []string
	for _, m := range []string{"@user0449", "@user0003"} {
		e, _ := mention(context.Background(), m)
		emails = append(emails, e)
	}
	slices.Sort(emails)
	if !slices.Equal(emails, []string{"user0003@contoso.com", "user0449@contoso.com"}) {
		t.Fatalf("emails %q", emails)
	}
	// 457 people at 200 a page: 3 pages, read once for both mentions.
	if n := len(w.slack.Calls("users.list")); n != 3 {
		t.Fatalf("users.list called %d times, want 3", n)
	}
}

func TestActor(t *testing.T) {
	tests := []struct {
		name   string
		user   string
		groups func(w *world)
		want   bot.Actor
	}{
		{name: "a person with e-mail, locale and an approver group", user: "U0APPROVER",
			want: bot.Actor{Platform: "slack", ChatID: "U0APPROVER", Name: "Adele Vance", Email: "adele@contoso.com", Groups: []string{approverGroup}}},
		{name: "a person without e-mail gets none", user: "U0NOMAIL",
			want: bot.Actor{Platform: "slack", ChatID: "U0NOMAIL", Name: "A Guest"}},
		{name: "a person in no group", user: "U0ALICE",
			want: bot.Actor{Platform: "slack", ChatID: "U0ALICE", Name: "alice", Email: "alice@contoso.com", Locale: "en-US"}},
		{name: "user groups not on this plan: no groups, no error", user: "U0ADMIN",
			groups: func(w *world) { w.slack.Fail("usergroups.users.list", "plan_upgrade_required", -1) },
			want:   bot.Actor{Platform: "slack", ChatID: "U0ADMIN", Name: "Megan", Email: "megan@contoso.com", Locale: "tr-TR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if tt.groups != nil {
				tt.groups(w)
			}
			got, err := w.platform.actor(t.Context(), tt.user)
			if err != nil {
				t.Fatal(err)
			}
			if !equalActor(got, tt.want) {
				t.Fatalf("actor\n got %+v\nwant %+v", got, tt.want)
			}
			// A second look is served from the cache.
			if _, err := w.platform.actor(t.Context(), tt.user); err != nil {
				t.Fatal(err)
			}
			if n := len(w.slack.Calls("users.info")); n != 1 {
				t.Fatalf("users.info called %d times, want 1", n)
			}
			if n := len(w.slack.Calls("usergroups.users.list")); n != 1 {
				t.Fatalf("usergroups.users.list called %d times, want 1", n)
			}
			if c := w.slack.Calls("users.info")[0]; c.Param("include_locale") != "true" {
				t.Fatalf("users.info without include_locale: %v", c.Form)
			}
		})
	}
}

func TestClickReplies(t *testing.T) {
	buttons := []bot.Button{{Label: "Approve", Action: "approve", Value: "abcdefabcdefabcdef", Style: bot.Primary}}
	tests := []struct {
		name      string
		ephemeral bool
		reply     bot.Reply
		check     func(t *testing.T, w *world)
	}{
		{
			name: "replacing an ephemeral message goes through response_url", ephemeral: true,
			reply: bot.Reply{Replace: true, Message: bot.Message{Text: "Confirmed. I asked the approvers.", Footer: "Request abc"}},
			check: func(t *testing.T, w *world) {
				r := decodeResponse(t, w.slack.WaitResponses(t, "click", 1)[0])
				if !r.ReplaceOriginal || !strings.HasPrefix(r.Text, "Confirmed.") {
					t.Fatalf("response %+v, want replace_original", r)
				}
				if n := len(w.slack.Calls("chat.update")); n != 0 {
					t.Fatalf("chat.update called on an ephemeral message")
				}
			},
		},
		{
			name:  "replacing a channel message updates it, and its buttons go",
			reply: bot.Reply{Replace: true, Message: bot.Message{Text: "Approved by Adele Vance. Removing the licenses now.", Footer: "Request abc"}},
			check: func(t *testing.T, w *world) {
				calls := w.slack.WaitCalls(t, "chat.update", 1)
				c := calls[0]
				if c.Param("channel") != approvalChannel || c.Param("ts") != "1700000000.000100" {
					t.Fatalf("chat.update of %s %s", c.Param("channel"), c.Param("ts"))
				}
				if slices.Contains(blockTypes(c.Blocks()), "actions") {
					t.Fatalf("the updated message still has buttons: %v", blockTypes(c.Blocks()))
				}
				if m, _ := w.slack.Message(approvalChannel, "1700000000.000100"); m.Updates != 1 || !strings.HasPrefix(m.Text, "Approved by") {
					t.Fatalf("message now %+v", m)
				}
				if n := len(w.slack.Responses("click")); n != 0 {
					t.Fatalf("also posted to response_url")
				}
			},
		},
		{
			name:  "a new answer goes to the clicker alone",
			reply: bot.Reply{Message: bot.Message{Text: "You can't approve your own request."}},
			check: func(t *testing.T, w *world) {
				r := decodeResponse(t, w.slack.WaitResponses(t, "click", 1)[0])
				if r.ReplaceOriginal || r.ResponseType != "ephemeral" || !strings.Contains(r.Text, "your own request") {
					t.Fatalf("response %+v", r)
				}
				if m, _ := w.slack.Message(approvalChannel, "1700000000.000100"); m.Updates != 0 {
					t.Fatalf("the message was changed")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.handler.Click = tt.reply
			ref, err := w.platform.Post(t.Context(), bot.Destination{Approvers: true}, bot.Message{Text: "Approve?", Buttons: buttons})
			if err != nil {
				t.Fatal(err)
			}
			payload := blockActions(t, func(p map[string]any) {
				p["response_url"] = w.slack.ResponseURL("click")
				p["user"] = map[string]any{"id": "U0APPROVER", "username": "adele", "team_id": "T0FAKE"}
				p["container"] = map[string]any{"type": "message", "message_ts": ref.ID, "channel_id": ref.Channel, "is_ephemeral": tt.ephemeral}
				p["channel"] = map[string]any{"id": ref.Channel, "name": "approvals"}
				p["message"] = map[string]any{"type": "message", "ts": ref.ID, "text": "Approve?"}
				p["actions"] = []any{map[string]any{"action_id": "approve", "block_id": "b1", "value": "abcdefabcdefabcdef",
					"type": "button", "action_ts": "1548426417.840180", "text": map[string]any{"type": "plain_text", "text": "Approve"}}}
			})
			serve(w.platform.InteractionsHandler(), signed(t, "/slack/interactions", interactionForm(payload)))
			w.platform.Wait()
			clicks := w.handler.Clicks()
			if len(clicks) != 1 || clicks[0].Action != "approve" || clicks[0].Message != ref {
				t.Fatalf("clicks %+v, want approve on %+v", clicks, ref)
			}
			tt.check(t, w)
		})
	}
}

func TestPickButtonsMapBack(t *testing.T) {
	w := newWorld(t)
	payload := blockActions(t, func(p map[string]any) {
		p["response_url"] = w.slack.ResponseURL("click")
		p["user"] = map[string]any{"id": "U0ADMIN", "username": "megan", "team_id": "T0FAKE"}
		p["container"] = map[string]any{"type": "message", "message_ts": "1700000000.000900", "channel_id": "C0GENERAL", "is_ephemeral": true}
		p["actions"] = []any{map[string]any{"action_id": "pick_2", "block_id": "b1", "value": "abcdefabcdefabcdef.2", "type": "button", "action_ts": "1.2"}}
	})
	serve(w.platform.InteractionsHandler(), signed(t, "/slack/interactions", interactionForm(payload)))
	w.platform.Wait()
	if c := w.handler.Clicks(); len(c) != 1 || c[0].Action != "pick" || c[0].Value != "abcdefabcdefabcdef.2" {
		t.Fatalf("clicks %+v", c)
	}
}

func pad(i int) string { return fmt.Sprintf("%04d", i) }

func slackfakeUser(id, name, email string) slackfake.User {
	return slackfake.User{ID: id, Name: name, RealName: name, Email: email}
}
