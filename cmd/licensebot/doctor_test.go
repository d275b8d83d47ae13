package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/licensebot/licensebot/bot/discord/discordfake"
	"github.com/licensebot/licensebot/bot/slack/slackfake"
	"github.com/licensebot/licensebot/bot/teams/teamsfake"
	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/identity/entratest"
	"github.com/licensebot/licensebot/store/storetest"
)

const redisPassword = "s3cret-redis-pw"

// The Discord server of the doctor's tests.
const (
	doctorGuild     = "410000000000000001"
	doctorChannel   = "310000000000000001" // the approval channel
	doctorRole      = "210000000000000001" // the approver role
	doctorElsewhere = "990000000000000001" // no channel, role or guild
)

// doctorSetup is one installation for runDoctor: a real redis-server, the simulated tenant
// with a JWT-shaped token, and a fake Slack. The zero value is a good one.
type doctorSetup struct {
	redis  *storetest.Options // nil: append-only
	policy string             // maxmemory-policy; "": noeviction
	roles  []string           // the Graph token's roles; nil: graphtest.BotRoles()
	token  string             // the Graph token; "": graphtest.Token(roles...)
	slack  func(s *slackfake.Server)
	// discord, when set, configures a Discord application (over the gateway) in a fake
	// Discord with the bot in a server with the approval channel and the approver role,
	// and then changes the fake; nil: no Discord.
	discord func(f *discordfake.Server)
	// entra, when set, turns LICENSEBOT_IDENTITY=entra on with a fake Entra, changed by it.
	entra func(p *entratest.Provider)
	// teams, when set, configures a Teams bot in a fake Bot Framework with an approvers'
	// channel, changed by it; nil: no Teams.
	teams   func(f *teamsfake.Fake, channel teamsfake.Channel)
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
		"LICENSEBOT_IDENTITY":         "email",
	}
	if s.discord != nil {
		dc := discordfake.New(t)
		dc.AddGuild(doctorGuild, "Contoso IT")
		dc.AddGuildChannel(doctorGuild, doctorChannel, "license-approvals")
		dc.AddRole(doctorGuild, doctorRole, "License approvers", true)
		s.discord(dc)
		env["DISCORD_BOT_TOKEN"] = discordfake.BotToken
		env["DISCORD_APPLICATION_ID"] = discordfake.AppID
		env["DISCORD_GUILD_IDS"] = doctorGuild
		env["DISCORD_APPROVAL_CHANNEL_ID"] = doctorChannel
		env["DISCORD_APPROVER_ROLE_IDS"] = doctorRole
		env["DISCORD_API_URL"] = dc.APIURL()
	}
	var teamsSecret string
	if s.teams != nil {
		f := teamsfake.New(t, teamsfake.Tenant(teamsTenant))
		ch := f.AddChannel("License approvals")
		s.teams(f, ch)
		appID, secret, tenant := f.Credentials()
		teamsSecret = secret
		env["TEAMS_APP_ID"], env["TEAMS_APP_PASSWORD"], env["TEAMS_TENANT_ID"] = appID, secret, tenant
		env["TEAMS_APPROVAL_CHANNEL"], env["TEAMS_OPENID_METADATA_URL"], env["TEAMS_TOKEN_URL"] = ch.ID, f.OpenIDMetadataURL(), f.TokenURL()
	}
	if s.entra != nil {
		p := entratest.New(signInTenant, signInApp)
		t.Cleanup(p.Close)
		s.entra(p)
		env["LICENSEBOT_IDENTITY"] = "entra"
		env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"], env["LICENSEBOT_SIGNIN_AUTHORITY"] = signInTenant, signInApp, p.URL
	}
	for k, v := range s.env {
		if v == "" {
			delete(env, k)
			continue
		}
		env[k] = v
	}
	secrets = []string{token, slackfake.BotToken, slackfake.AppToken, testSigningSecret, redisPassword, discordfake.BotToken}
	if teamsSecret != "" {
		secrets = append(secrets, teamsSecret)
	}
	return env, secrets
}

func TestDoctor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup doctorSetup
		// wantFailed: one substring per ✗ line, in order; none means every check passes.
		wantFailed []string
	}{
		{name: "a good setup passes every check", setup: doctorSetup{mention: []string{
			"✓ configuration", "· Sign-in with Microsoft: not set up: LICENSEBOT_IDENTITY=email", "✓ Redis answers PING", "✓ Redis persistence (append-only file)", "✓ Redis maxmemory-policy noeviction",
			"✓ Microsoft Graph token (GRAPH_ACCESS_TOKEN)", "✓ Microsoft Graph: GET /subscribedSkus", "✓ Microsoft Graph application permissions",
			"✓ Slack bot token: signed in as @licensebot", "✓ Slack scopes", "✓ Slack approval channel #c0approvals (C0APPROVALS): the bot is a member",
			"✓ Slack approver user group S0ADMINS: 1 member",
			"✓ Feature --group (a group's users): allowed", "✓ Feature --holders (a product's holders): allowed",
			"✓ Feature leaver (block sign-in, sign out, unlicense): allowed",
			"✓ Feature inactive (users who haven't signed in): allowed (sign-in activity readable)",
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
			// Sign-in activity is AuditLog.Read.All's, which no Directory permission covers.
			mention: []string{"! Microsoft Graph permission AuditLog.Read.All (optional): not granted, so licensebot can't find inactive users",
				"! Microsoft Graph permission MailboxSettings.Read (optional): not granted",
				"! Microsoft Graph permission Reports.Read.All (optional): not granted"},
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
		{name: "a good setup with Discord too passes every check", setup: doctorSetup{discord: func(*discordfake.Server) {}, mention: []string{
			"✓ Slack approver user group S0ADMINS: 1 member",
			"✓ Discord bot token: signed in as @licensebot (900000000000000002)",
			`✓ Discord application "licensebot" (900000000000000001) is the bot token's`,
			"✓ Discord interactions: over the gateway (no Interactions Endpoint URL)",
			`✓ Discord server "Contoso IT" (410000000000000001): the bot is in it`,
			`✓ Discord approval channel #license-approvals (310000000000000001) in "Contoso IT": the bot can see it and post there`,
			`✓ Discord approver role @License approvers (210000000000000001) in "Contoso IT"`,
		}}},
		{name: "Discord alone is checked without Slack", setup: doctorSetup{
			discord: func(*discordfake.Server) {},
			env:     map[string]string{"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": "", "LICENSEBOT_APPROVAL_CHANNEL": "", "LICENSEBOT_APPROVERS": ""},
			mention: []string{"✓ configuration", "✓ Discord bot token: signed in as @licensebot", `✓ Discord approver role @License approvers`},
		}},
		{name: "a Teams bot", setup: doctorSetup{teams: func(*teamsfake.Fake, teamsfake.Channel) {}, mention: []string{
			"✓ Teams bot credentials (Microsoft App ID " + teamsfake.DefaultAppID,
			"✓ Bot Framework signing keys (http://127.0.0.1:",
			"! Teams messaging endpoint: LICENSEBOT_PUBLIC_URL is not set",
			"! Teams approval channel 19:",
		}}},
		{name: "a Teams bot with a wrong secret", setup: doctorSetup{teams: func(*teamsfake.Fake, teamsfake.Channel) {}, env: map[string]string{"TEAMS_APP_PASSWORD": "not-the-secret"}},
			wantFailed: []string{"✗ Teams bot credentials (Microsoft App ID " + teamsfake.DefaultAppID + ", tenant " + teamsTenant + "): no token for the Bot Framework: the Microsoft identity platform answered 401 invalid_client: AADSTS7000215"}},
		{name: "sign-in with Microsoft", setup: doctorSetup{entra: func(*entratest.Provider) {}, mention: []string{
			"✓ Sign-in with Microsoft: the tenant's OpenID configuration (http://127.0.0.1:",
			"✓ Sign-in with Microsoft: the tenant publishes 1 signing keys",
			"✓ Sign-in with Microsoft: the device code flow (the app registration allows public client flows)",
			"! Sign-in with Microsoft: sign-in time:",
		}}},
		{name: "an app registration without public client flows", setup: doctorSetup{entra: func(p *entratest.Provider) { p.NoPublicClientFlows = true }},
			wantFailed: []string{`✗ Sign-in with Microsoft: the device code flow: the app registration doesn't allow public client flows (AADSTS7000218) — in Entra ID › App registrations › licensebot › Authentication, set "Allow public client flows" to Yes`}},
		{name: "a sign-in tenant that doesn't answer", setup: doctorSetup{entra: func(*entratest.Provider) {}, env: map[string]string{"LICENSEBOT_SIGNIN_AUTHORITY": "http://127.0.0.1:1"}},
			wantFailed: []string{"✗ Sign-in with Microsoft: the tenant's OpenID configuration: identity: the tenant's OpenID configuration could not be read"}},
		{name: "a wrong Discord token", setup: doctorSetup{discord: func(*discordfake.Server) {}, env: map[string]string{"DISCORD_BOT_TOKEN": "discord-wrong-t0ken"}},
			wantFailed: []string{"✗ Discord bot token (DISCORD_BOT_TOKEN): Discord refused it (401 Unauthorized) — reset the token on the developer portal (Applications › your app › Bot › Reset Token) and set DISCORD_BOT_TOKEN to it"}},
		{name: "a Discord application id that isn't the token's", setup: doctorSetup{discord: func(*discordfake.Server) {}, env: map[string]string{"DISCORD_APPLICATION_ID": "900000000000000099"}},
			wantFailed: []string{`✗ Discord application id (DISCORD_APPLICATION_ID): 900000000000000099 is not the bot token's application: the token is the bot of "licensebot" (900000000000000001) — set DISCORD_APPLICATION_ID to 900000000000000001, or DISCORD_BOT_TOKEN to the bot token of application 900000000000000099`}},
		{name: "the Discord bot not in the server", setup: doctorSetup{discord: func(f *discordfake.Server) { f.RemoveBot(doctorGuild) },
			mention: []string{"! Discord approval channel 310000000000000001 (DISCORD_APPROVAL_CHANNEL_ID): the bot can't see it; it may be in a server the bot isn't in"}},
			wantFailed: []string{"✗ Discord server 410000000000000001 (DISCORD_GUILD_IDS): the bot is not in it (or there is no such server) — invite the bot with the bot and applications.commands scopes: " +
				"https://discord.com/oauth2/authorize?client_id=900000000000000001&disable_guild_select=true&guild_id=410000000000000001&permissions=84992&scope=bot+applications.commands"}},
		{name: "the Discord approval channel missing", setup: doctorSetup{discord: func(*discordfake.Server) {}, env: map[string]string{"DISCORD_APPROVAL_CHANNEL_ID": doctorElsewhere}},
			wantFailed: []string{"✗ Discord approval channel 990000000000000001 (DISCORD_APPROVAL_CHANNEL_ID): no such channel — set DISCORD_APPROVAL_CHANNEL_ID to the channel's id (with Developer Mode on, right-click the channel › Copy Channel ID)"}},
		{name: "the Discord approver role missing", setup: doctorSetup{discord: func(*discordfake.Server) {}, env: map[string]string{"DISCORD_APPROVER_ROLE_IDS": doctorElsewhere}},
			wantFailed: []string{`✗ Discord approver role 990000000000000001 (DISCORD_APPROVER_ROLE_IDS): no such role in "Contoso IT", the approval channel's server — set DISCORD_APPROVER_ROLE_IDS to the role's id (with Developer Mode on: Server Settings › Roles, right-click the role › Copy Role ID)`}},
		{name: "a Discord setting configs takes but the platform refuses", setup: doctorSetup{discord: func(*discordfake.Server) {}, env: map[string]string{"DISCORD_APPLICATION_ID": "licensebot"}},
			wantFailed: []string{`✗ Discord configuration: discord: application id "licensebot" is not a Discord id — fix the Discord settings (see README.md › Discord)`}},
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
				if strings.HasPrefix(line, "! ") && len(tt.wantFailed) == 0 && !slices.ContainsFunc(tt.setup.mention, func(m string) bool { return strings.HasPrefix(line, m) }) {
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
	t.Parallel()
	env := map[string]string{"GRAPH_ACCESS_TOKEN": "t"} // no Redis, no chat platform, no approvers
	var stdout bytes.Buffer
	err := runDoctor(context.Background(), func(k string) string { return env[k] }, &stdout, &stdout)
	n := strings.Count(stdout.String(), "✗ ")
	if want := fmt.Sprintf("%d checks failed", n); n < 2 || err == nil || err.Error() != want {
		t.Fatalf("err %v with %d ✗ lines:\n%s", err, n, stdout.String())
	}
}
