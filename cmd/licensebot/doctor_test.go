package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/licensebot/licensebot/bot/slack/slackfake"
	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/store/storetest"
)

const redisPassword = "s3cret-redis-pw"

// doctorSetup is one installation for runDoctor: a real redis-server, the simulated tenant
// with a JWT-shaped token, and a fake Slack. The zero value is a good one.
type doctorSetup struct {
	redis   *storetest.Options // nil: append-only
	policy  string             // maxmemory-policy; "": noeviction
	roles   []string           // the Graph token's roles; nil: graphtest.BotRoles()
	token   string             // the Graph token; "": graphtest.Token(roles...)
	slack   func(s *slackfake.Server)
	env     map[string]string // overrides; "" removes the variable
	mention []string          // lines (or parts) that must be printed besides the failures
}

// startDoctorWorld starts the fakes and returns the environment and the secrets in it.
func startDoctorWorld(t *testing.T, s doctorSetup) (env map[string]string, secrets []string) {
	t.Helper()
	opts := storetest.Options{AppendOnly: true}
	if s.redis != nil {
		opts = *s.redis
	}
	redisSrv := storetest.StartWith(t, opts)
	policy := s.policy
	if policy == "" {
		policy = "noeviction"
	}
	if err := redisSrv.Client(t).ConfigSet(context.Background(), "maxmemory-policy", policy).Err(); err != nil {
		t.Fatal(err)
	}
	roles := s.roles
	if roles == nil {
		roles = graphtest.BotRoles()
	}
	token := s.token
	if token == "" {
		token = graphtest.Token(roles...)
	}
	tenant, err := graphtest.NewServer(graphtest.SampleTenant(), graphtest.WithToken(token))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tenant.Close)
	sl := slackfake.New(t)
	sl.AddChannel(approvalChannel)
	sl.AddUserGroup("S0ADMINS", "U0MEGAN")
	if s.slack != nil {
		s.slack(sl)
	}
	env = map[string]string{
		"REDIS_URL":                   redisSrv.URL,
		"GRAPH_BASE_URL":              tenant.URL,
		"GRAPH_ACCESS_TOKEN":          token,
		"SLACK_BOT_TOKEN":             slackfake.BotToken,
		"SLACK_SIGNING_SECRET":        testSigningSecret,
		"SLACK_API_URL":               sl.APIURL(),
		"LICENSEBOT_APPROVAL_CHANNEL": approvalChannel,
		"LICENSEBOT_APPROVERS":        "U0MEGAN,S0ADMINS",
	}
	for k, v := range s.env {
		if v == "" {
			delete(env, k)
			continue
		}
		env[k] = v
	}
	return env, []string{token, slackfake.BotToken, slackfake.AppToken, testSigningSecret, redisPassword}
}

func TestDoctor(t *testing.T) {
	tests := []struct {
		name  string
		setup doctorSetup
		// wantFailed: one substring per ✗ line, in order; none means every check passes.
		wantFailed []string
	}{
		{name: "a good setup passes every check", setup: doctorSetup{mention: []string{
			"✓ configuration", "✓ Redis answers PING", "✓ Redis persistence (append-only file)", "✓ Redis maxmemory-policy noeviction",
			"✓ Microsoft Graph token (GRAPH_ACCESS_TOKEN)", "✓ Microsoft Graph: GET /subscribedSkus", "✓ Microsoft Graph application permissions",
			"✓ Slack bot token: signed in as @licensebot", "✓ Slack scopes", "✓ Slack approval channel #c0approvals (C0APPROVALS): the bot is a member",
			"✓ Slack approver user group S0ADMINS: 1 member",
		}}},
		{name: "a good setup in Socket Mode opens no connection but checks the app token", setup: doctorSetup{
			env:     map[string]string{"SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN": slackfake.AppToken},
			mention: []string{"✓ Slack Socket Mode (SLACK_APP_TOKEN): a connection can be opened"},
		}},
		{name: "Graph token lacking LicenseAssignment.ReadWrite.All", setup: doctorSetup{
			roles: []string{"User.Read.All", "RoleManagement.Read.Directory", "GroupMember.Read.All", "Organization.Read.All"},
		}, wantFailed: []string{"✗ Microsoft Graph permission LicenseAssignment.ReadWrite.All: not granted, and licensebot needs it to remove licenses (assignLicense) — grant LicenseAssignment.ReadWrite.All (application) and admin consent in Entra ID › App registrations › API permissions"}},
		{name: "broader Graph permissions are enough", setup: doctorSetup{
			roles: []string{"Directory.ReadWrite.All"},
		}},
		{name: "a Graph token the tenant refuses", setup: doctorSetup{
			env: map[string]string{"GRAPH_ACCESS_TOKEN": graphtest.Token(append(graphtest.BotRoles(), "Mail.Send")...)},
		}, wantFailed: []string{"✗ Microsoft Graph: GET /subscribedSkus: Graph refused the token (401 InvalidAuthenticationToken)"}},
		{name: "a Graph token that isn't a JWT", setup: doctorSetup{token: "graph-t0ken"},
			wantFailed: []string{"✗ Microsoft Graph application permissions: can't read the app's permissions from the token"}},
		{name: "Redis without persistence", setup: doctorSetup{redis: &storetest.Options{}},
			wantFailed: []string{"✗ Redis persistence: off (appendonly no, save \"\"): a restart loses every pending request — set appendonly yes"}},
		{name: "Redis with an eviction policy", setup: doctorSetup{policy: "allkeys-lru"},
			wantFailed: []string{"✗ Redis maxmemory-policy allkeys-lru: Redis may evict keys when memory is full — set maxmemory-policy noeviction: pending requests must never be evicted"}},
		{name: "Redis unreachable", setup: doctorSetup{env: map[string]string{"REDIS_URL": "redis://:" + redisPassword + "@127.0.0.1:1/0"}},
			wantFailed: []string{"✗ Redis: no answer to PING"}},
		{name: "the bot not in the approval channel", setup: doctorSetup{slack: func(s *slackfake.Server) { s.AddChannelWithoutBot(approvalChannel) }},
			wantFailed: []string{"✗ Slack approval channel #c0approvals (C0APPROVALS): the bot is not a member, so it can't post approval requests — invite the bot: /invite @licensebot"}},
		{name: "the approval channel not found", setup: doctorSetup{env: map[string]string{"LICENSEBOT_APPROVAL_CHANNEL": "C0NOWHERE"}},
			wantFailed: []string{"✗ Slack approval channel C0NOWHERE: not found (or private without the bot in it) — set LICENSEBOT_APPROVAL_CHANNEL to the channel's id"}},
		{name: "a missing Slack scope", setup: doctorSetup{slack: func(s *slackfake.Server) {
			s.SetScopes("commands", "chat:write", "im:write", "users:read", "users:read.email", "channels:read", "groups:read")
		}}, wantFailed: []string{"✗ Slack scope usergroups:read: not granted to the bot token — add usergroups:read under OAuth & Permissions"}},
		{name: "an approver user group that doesn't exist", setup: doctorSetup{env: map[string]string{"LICENSEBOT_APPROVERS": "U0MEGAN,S0GONE"}},
			wantFailed: []string{"✗ Slack approver user group S0GONE: no such user group"}},
		{name: "a wrong Slack token", setup: doctorSetup{env: map[string]string{"SLACK_BOT_TOKEN": "xoxb-not-the-token"}},
			wantFailed: []string{"✗ Slack bot token (SLACK_BOT_TOKEN): Slack refused it (invalid_auth) — copy the Bot User OAuth Token"}},
		{name: "a configuration error, and the checks that can still run", setup: doctorSetup{
			env:     map[string]string{"REDIS_URL": ""},
			mention: []string{"· Redis: not checked: REDIS_URL is not set", "✓ Microsoft Graph: GET /subscribedSkus", "✓ Slack scopes"},
		}, wantFailed: []string{"✗ configuration: REDIS_URL: not set"}},
		{name: "Discord is mentioned, not checked", setup: doctorSetup{
			env:     map[string]string{"DISCORD_BOT_TOKEN": "discord-t0ken", "DISCORD_APPLICATION_ID": "1", "DISCORD_APPROVAL_CHANNEL_ID": "2", "DISCORD_APPROVER_ROLE_IDS": "3"},
			mention: []string{"· Discord: not checked by this version"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, secrets := startDoctorWorld(t, tt.setup)
			for k, v := range env {
				if strings.Contains(k, "TOKEN") || strings.Contains(k, "SECRET") {
					secrets = append(secrets, v)
				}
			}
			var stdout, stderr bytes.Buffer
			err := runDoctor(context.Background(), func(k string) string { return env[k] }, &stdout, &stderr)
			out := stdout.String()
			if testing.Verbose() {
				t.Logf("doctor printed:\n%s", out)
			}

			var failed []string
			for line := range strings.Lines(out) {
				line = strings.TrimSuffix(line, "\n")
				if !slices.ContainsFunc([]string{"✓ ", "✗ ", "! ", "· "}, func(p string) bool { return strings.HasPrefix(line, p) }) {
					t.Errorf("line without a mark: %q", line)
				}
				if strings.HasPrefix(line, "✗ ") {
					failed = append(failed, line)
				}
				if strings.HasPrefix(line, "! ") && len(tt.wantFailed) == 0 {
					t.Errorf("unexpected warning: %q", line)
				}
			}
			if len(failed) != len(tt.wantFailed) {
				t.Fatalf("✗ lines %q, want %d: %q\n%s", failed, len(tt.wantFailed), tt.wantFailed, out)
			}
			for i, want := range tt.wantFailed {
				if !strings.Contains(failed[i], want) {
					t.Errorf("✗ line %q, want it to contain %q", failed[i], want)
				}
			}
			for _, want := range tt.setup.mention {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			switch {
			case len(tt.wantFailed) == 0 && err != nil:
				t.Errorf("runDoctor = %v, want nil\n%s", err, out)
			case len(tt.wantFailed) > 0 && (err == nil || !strings.Contains(err.Error(), "failed")):
				t.Errorf("runDoctor = %v, want an error counting the failed checks", err)
			}
			for _, secret := range secrets {
				if strings.Contains(out+stderr.String(), secret) || (err != nil && strings.Contains(err.Error(), secret)) {
					t.Errorf("the output contains a secret (%.6s…)", secret)
				}
			}
		})
	}
}

func TestDoctorCountsFailures(t *testing.T) {
	env := map[string]string{"GRAPH_ACCESS_TOKEN": "t"} // no Redis, no chat platform, no approvers
	var stdout bytes.Buffer
	err := runDoctor(context.Background(), func(k string) string { return env[k] }, &stdout, &stdout)
	n := strings.Count(stdout.String(), "✗ ")
	if want := fmt.Sprintf("%d checks failed", n); n < 2 || err == nil || err.Error() != want {
		t.Fatalf("err %v with %d ✗ lines:\n%s", err, n, stdout.String())
	}
}
