package slack

import (
	"context"
	"github.com/licensebot/licensebot/bot/bottest"
	"strings"
	"testing"

	"github.com/licensebot/licensebot/bot/slack/slackfake"
)

func TestCheckFindsWhatIsWrongWithTheSlackApp(t *testing.T) {
	tests := []struct {
		name          string
		setup         func(f *slackfake.Server, c *Config)
		wantFailed    []string // one substring per failed finding, in order
		wantUnchecked string
		wantCalls     int // Web API calls made; 0: don't care
	}{
		{name: "a good app passes every check", setup: func(*slackfake.Server, *Config) {}},
		{name: "a wrong bot token stops the checks", setup: func(_ *slackfake.Server, c *Config) { c.BotToken = "xoxb-wrong" },
			wantFailed: []string{"Slack refused it (invalid_auth) — copy the Bot User OAuth Token"}, wantCalls: 1},
		{name: "a revoked token says to reinstall", setup: func(f *slackfake.Server, _ *Config) { f.Fail("auth.test", "token_revoked", 1) },
			wantFailed: []string{"reinstall the app"}},
		{name: "each missing scope is its own finding", setup: func(f *slackfake.Server, _ *Config) {
			f.SetScopes("commands", "chat:write", "im:write", "users:read", "channels:read", "groups:read")
		}, wantFailed: []string{"scope users:read.email: not granted", "scope usergroups:read: not granted"}},
		{name: "no scopes header leaves the scopes to check by hand", setup: func(f *slackfake.Server, _ *Config) { f.SetScopes() },
			wantUnchecked: "no X-OAuth-Scopes header"},
		{name: "an approval channel the bot isn't in", setup: func(f *slackfake.Server, _ *Config) { f.AddChannelWithoutBot("C0APPROVALS") },
			wantFailed: []string{"the bot is not a member, so it can't post approval requests — invite the bot: /invite @licensebot"}},
		{name: "an approval channel that doesn't exist", setup: func(_ *slackfake.Server, c *Config) { c.ApprovalChannel = "C0NOWHERE" },
			wantFailed: []string{"Slack approval channel C0NOWHERE: not found"}},
		{name: "without channels:read the channel is checked by hand", setup: func(f *slackfake.Server, _ *Config) {
			f.Fail("conversations.info", "missing_scope", -1)
		}, wantUnchecked: "conversations.info needs channels:read"},
		{name: "an approver user group that doesn't exist", setup: func(_ *slackfake.Server, c *Config) { c.Approvers = append(c.Approvers, "S0GONE") },
			wantFailed: []string{"user group S0GONE: no such user group"}},
		{name: "user groups on a free plan", setup: func(f *slackfake.Server, _ *Config) { f.Fail("usergroups.users.list", "plan_upgrade_required", -1) },
			wantFailed: []string{"user groups need a paid Slack plan — list the approvers' user ids"}},
		{name: "an empty approver user group", setup: func(f *slackfake.Server, _ *Config) { f.AddUserGroup("S0ADMINS") },
			wantFailed: []string{"has no members"}},
		{name: "a wrong app-level token fails Socket Mode", setup: func(_ *slackfake.Server, c *Config) { c.AppToken = "xapp-wrong" },
			wantFailed: []string{"Socket Mode (SLACK_APP_TOKEN): Slack refused the app-level token (invalid_auth)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := slackfake.New(t)
			f.AddChannel("C0APPROVALS")
			f.AddUserGroup("S0ADMINS", "U0MEGAN")
			cfg := Config{BotToken: slackfake.BotToken, AppToken: slackfake.AppToken, APIURL: f.APIURL(),
				ApprovalChannel: "C0APPROVALS", Approvers: []string{"U0MEGAN", "S0ADMINS"}}
			tt.setup(f, &cfg)
			p, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			found := bottest.SortFindings(t, p.Check(context.Background()), cfg.BotToken, cfg.AppToken)
			failed, unchecked, all := found.Failed, found.Unchecked, found.All
			if len(failed) != len(tt.wantFailed) {
				t.Fatalf("failed %q, want %q\nall: %q", failed, tt.wantFailed, all)
			}
			for i, want := range tt.wantFailed {
				if !strings.Contains(failed[i], want) {
					t.Errorf("failed[%d] = %q, want it to contain %q", i, failed[i], want)
				}
			}
			if (tt.wantUnchecked == "") != (len(unchecked) == 0) || (len(unchecked) > 0 && !strings.Contains(unchecked[0], tt.wantUnchecked)) {
				t.Errorf("unchecked %q, want %q", unchecked, tt.wantUnchecked)
			}
			if tt.wantCalls > 0 && len(f.Calls("")) != tt.wantCalls {
				t.Errorf("%d calls, want %d", len(f.Calls("")), tt.wantCalls)
			}
			if n := len(f.Calls("chat.postMessage")); n != 0 {
				t.Errorf("Check posted %d messages", n)
			}
		})
	}
}

func TestCheckInHTTPModeSkipsSocketMode(t *testing.T) {
	f := slackfake.New(t)
	f.AddChannel("C0APPROVALS")
	p, err := New(Config{BotToken: slackfake.BotToken, SigningSecret: testSecret, APIURL: f.APIURL(), ApprovalChannel: "C0APPROVALS"})
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range p.Check(context.Background()) {
		if fd.Problem != "" {
			t.Errorf("%s: %s", fd.Check, fd.Problem)
		}
	}
	if n := len(f.Calls("apps.connections.open")); n != 0 {
		t.Fatalf("apps.connections.open called %d times in HTTP mode", n)
	}
}
