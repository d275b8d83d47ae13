package slackfake

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// The fake answers slack-go's real client as Slack would.
func TestFakeAnswersLikeSlack(t *testing.T) {
	s := New(t)
	s.AddUser(User{ID: "U1", Name: "alice", Email: "alice@contoso.com", Locale: "tr-TR"})
	s.AddUserGroup("S1", "U1")
	s.AddChannel("C1")
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	ctx := t.Context()

	u, err := api.GetUserInfoContext(ctx, "U1")
	if err != nil || u.Profile.Email != "alice@contoso.com" || u.Locale != "tr-TR" {
		t.Fatalf("users.info = %+v, %v", u, err)
	}
	if _, err := api.GetUserByEmailContext(ctx, "nobody@contoso.com"); err == nil || err.Error() != "users_not_found" {
		t.Fatalf("users.lookupByEmail of nobody: %v", err)
	}
	if m, err := api.GetUserGroupMembersContext(ctx, "S1"); err != nil || len(m) != 1 {
		t.Fatalf("usergroups.users.list = %v, %v", m, err)
	}
	ch, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || ch.ID != "D1" {
		t.Fatalf("conversations.open = %+v, %v", ch, err)
	}
	_, ts1, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("one", false))
	if err != nil {
		t.Fatal(err)
	}
	_, ts2, _ := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("two", false))
	if ts2 <= ts1 {
		t.Fatalf("ts not increasing: %s then %s", ts1, ts2)
	}
	if _, _, err := api.PostMessageContext(ctx, "C404", slack.MsgOptionText("x", false)); err == nil || err.Error() != "channel_not_found" {
		t.Fatalf("post to an unknown channel: %v", err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", "1.2", slack.MsgOptionText("x", false)); err == nil || err.Error() != "message_not_found" {
		t.Fatalf("update of an unknown message: %v", err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", ts1, slack.MsgOptionText("uno", false)); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.Message("C1", ts1); m.Text != "uno" || m.Updates != 1 {
		t.Fatalf("message after update %+v", m)
	}
	blocks := make([]slack.Block, 51)
	for i := range blocks {
		blocks[i] = slack.NewDividerBlock()
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionBlocks(blocks...)); err == nil || err.Error() != "invalid_blocks" {
		t.Fatalf("51 blocks: %v", err)
	}

	s.RateLimit("auth.test", 1, 2*time.Second)
	_, err = api.AuthTestContext(ctx)
	var limited *slack.RateLimitedError
	if !errors.As(err, &limited) || limited.RetryAfter != 2*time.Second {
		t.Fatalf("rate limited auth.test: %v", err)
	}
	if _, err := api.AuthTestContext(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := slack.New("xoxb-wrong", slack.OptionAPIURL(s.APIURL())).AuthTestContext(ctx); err == nil || err.Error() != "invalid_auth" {
		t.Fatalf("wrong token: %v", err)
	}
	if calls := s.Calls("auth.test"); len(calls) != 3 || calls[0].Status != http.StatusTooManyRequests {
		t.Fatalf("auth.test calls %+v", calls)
	}
}

func TestUsersListPaginates(t *testing.T) {
	s := New(t)
	for i := range 5 {
		s.AddUser(User{ID: "U" + string(rune('A'+i)), Name: "u"})
	}
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	users, err := api.GetUsersContext(t.Context(), slack.GetUsersOptionLimit(2))
	if err != nil || len(users) != 5 {
		t.Fatalf("users.list = %d users, %v", len(users), err)
	}
	if n := len(s.Calls("users.list")); n != 3 {
		t.Fatalf("%d pages, want 3", n)
	}
}
