package discord

import (
	"context"
	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/bottest"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot/discord/discordfake"
)

const (
	otherGuildID   = "290926798626358001"
	otherChannel   = "70000000000000002"
	endpointURL    = "https://licensebot.contoso.example/discord/interactions"
	wrongAppID     = "900000000000000099"
	missingRoleID  = "70000000000000099"
	missingChannel = "70000000000000098"
)

func TestCheckFindsWhatIsWrongWithTheDiscordApp(t *testing.T) {
	tests := []struct {
		name          string
		setup         func(f *discordfake.Server, c *Config)
		wantPassed    []string // substrings of passed findings
		wantFailed    []string // one substring per failed finding, in order
		wantUnchecked []string // one substring per unchecked finding, in order
		wantCalls     int      // REST calls made; 0: don't care
		wantWaits     int      // waits for retry_after
	}{
		{name: "a good app passes every check", setup: func(*discordfake.Server, *Config) {}, wantPassed: []string{
			"Discord bot token: signed in as @licensebot (900000000000000002)",
			`Discord application "licensebot" (900000000000000001) is the bot token's`,
			"Discord public key (DISCORD_PUBLIC_KEY): the application's",
			"Discord Interactions Endpoint URL: " + endpointURL,
			`Discord server "Contoso IT" (290926798626357999): the bot is in it`,
			`Discord approval channel #approvals (70000000000000001) in "Contoso IT": the bot can see it and post there`,
			`Discord approver role @Approvers (70000000000000010) in "Contoso IT"`,
		}},
		{name: "a wrong bot token stops the checks", setup: func(_ *discordfake.Server, c *Config) { c.BotToken = "not-the-bot-token" },
			wantFailed: []string{"Discord bot token (DISCORD_BOT_TOKEN): Discord refused it (401 Unauthorized) — reset the token on the developer portal"},
			wantCalls:  1},
		{name: "an application id that isn't the token's", setup: func(_ *discordfake.Server, c *Config) { c.ApplicationID = wrongAppID },
			wantFailed: []string{`Discord application id (DISCORD_APPLICATION_ID): 900000000000000099 is not the bot token's application: the token is the bot of "licensebot" (900000000000000001) — set DISCORD_APPLICATION_ID to 900000000000000001`}},
		{name: "a public key that isn't the application's", setup: func(f *discordfake.Server, _ *Config) { f.SetPublicKey(discordfake.PublicKey) },
			wantFailed: []string{"Discord public key (DISCORD_PUBLIC_KEY): not the application's public key, so every interaction would be refused"}},
		{name: "HTTP interactions without an Interactions Endpoint URL", setup: func(f *discordfake.Server, _ *Config) { f.SetInteractionsEndpointURL("") },
			wantFailed: []string{"Discord Interactions Endpoint URL: not set, so Discord sends interactions over the gateway"}},
		{name: "an Interactions Endpoint URL elsewhere is left to check by hand", setup: func(f *discordfake.Server, _ *Config) {
			f.SetInteractionsEndpointURL("https://proxy.contoso.example/hooks/discord")
		}, wantUnchecked: []string{"https://proxy.contoso.example/hooks/discord is not licensebot's path /discord/interactions"}},
		{name: "the gateway with an Interactions Endpoint URL gets no interactions", setup: func(_ *discordfake.Server, c *Config) { c.PublicKey = "" },
			wantFailed: []string{"Discord Interactions Endpoint URL: set to " + endpointURL + ", so Discord sends interactions there and not over the gateway"}},
		{name: "the gateway without an Interactions Endpoint URL passes", setup: func(f *discordfake.Server, c *Config) {
			c.PublicKey = ""
			f.SetInteractionsEndpointURL("")
		}, wantPassed: []string{"Discord interactions: over the gateway (no Interactions Endpoint URL)"}},
		{name: "the bot not in the server, and what can't be checked without it", setup: func(f *discordfake.Server, _ *Config) { f.RemoveBot(guildID) },
			wantFailed: []string{"Discord server 290926798626357999 (DISCORD_GUILD_IDS): the bot is not in it (or there is no such server) — invite the bot with the bot and applications.commands scopes: " +
				"https://discord.com/oauth2/authorize?client_id=900000000000000001&disable_guild_select=true&guild_id=290926798626357999&permissions=84992&scope=bot+applications.commands"},
			wantUnchecked: []string{"the bot can't see it; it may be in a server the bot isn't in (290926798626357999)", "approver role 70000000000000010 (DISCORD_APPROVER_ROLE_IDS): can't check it"}},
		{name: "a second server the bot wasn't invited to", setup: func(_ *discordfake.Server, c *Config) { c.GuildIDs = append(c.GuildIDs, otherGuildID) },
			wantFailed: []string{"Discord server 290926798626358001 (DISCORD_GUILD_IDS): the bot is not in it"}},
		{name: "an approval channel that doesn't exist", setup: func(_ *discordfake.Server, c *Config) { c.ApprovalChannelID = missingChannel },
			wantFailed: []string{"Discord approval channel 70000000000000098 (DISCORD_APPROVAL_CHANNEL_ID): no such channel — set DISCORD_APPROVAL_CHANNEL_ID to the channel's id"},
			wantPassed: []string{`Discord approver role @Approvers (70000000000000010) in "Contoso IT"`}},
		{name: "an approval channel the bot can't see", setup: func(f *discordfake.Server, _ *Config) {
			f.SetBotPermissions(approvalChannel, 0, discordgo.PermissionViewChannel)
		}, wantFailed: []string{"Discord approval channel 70000000000000001 (DISCORD_APPROVAL_CHANNEL_ID): the bot can't see it (Missing Access) — in the channel's settings › Permissions, allow the bot View Channel"}},
		{name: "an approval channel the bot can't post in", setup: func(f *discordfake.Server, _ *Config) {
			f.SetBotPermissions(approvalChannel, 0, discordgo.PermissionSendMessages|discordgo.PermissionEmbedLinks)
		}, wantFailed: []string{"Discord approval channel #approvals (70000000000000001) in \"Contoso IT\": the bot lacks Send Messages, Embed Links, so it can't post approval requests there — allow the bot (or its role) Send Messages, Embed Links"}},
		{name: "a category is no approval channel", setup: func(f *discordfake.Server, _ *Config) { f.SetChannelType(approvalChannel, 4) },
			wantFailed: []string{"#approvals (70000000000000001): a category, where messages can't be posted"}},
		{name: "an approval channel in another server", setup: func(f *discordfake.Server, c *Config) {
			f.AddGuild(otherGuildID, "Fabrikam")
			f.AddGuildChannel(otherGuildID, otherChannel, "approvals")
			c.ApprovalChannelID = otherChannel
		}, wantFailed: []string{
			`Discord approval channel #approvals (70000000000000002): in server "Fabrikam" (290926798626358001), not one of DISCORD_GUILD_IDS`,
			`Discord approver role 70000000000000010 (DISCORD_APPROVER_ROLE_IDS): a role of server "Contoso IT", not of the approval channel's server "Fabrikam"`,
		}},
		{name: "commands registered globally take the channel's server", setup: func(_ *discordfake.Server, c *Config) { c.GuildIDs = nil },
			wantPassed: []string{`Discord approval channel #approvals (70000000000000001) in "Contoso IT": the bot can see it and post there`}},
		{name: "an approver role that doesn't exist", setup: func(_ *discordfake.Server, c *Config) { c.ApproverRoleIDs = append(c.ApproverRoleIDs, missingRoleID) },
			wantFailed: []string{`Discord approver role 70000000000000099 (DISCORD_APPROVER_ROLE_IDS): no such role in "Contoso IT", the approval channel's server — set DISCORD_APPROVER_ROLE_IDS to the role's id`}},
		{name: "an approver role that can't be pinged", setup: func(f *discordfake.Server, c *Config) {
			f.AddRole(guildID, otherRole, "Managers", false)
			c.ApproverRoleIDs = append(c.ApproverRoleIDs, otherRole)
		}, wantFailed: []string{`Discord approver role @Managers (70000000000000011) in "Contoso IT": not mentionable, so approval requests don't notify its members — turn on "Allow anyone to @mention this role"`}},
		{name: "a bot allowed to mention every role pings one that isn't mentionable", setup: func(f *discordfake.Server, c *Config) {
			f.AddRole(guildID, otherRole, "Managers", false)
			f.SetBotPermissions(approvalChannel, discordgo.PermissionMentionEveryone, 0)
			c.ApproverRoleIDs = append(c.ApproverRoleIDs, otherRole)
		}, wantPassed: []string{`Discord approver role @Managers (70000000000000011) in "Contoso IT"`}},
		{name: "a rate limit is waited out", setup: func(f *discordfake.Server, _ *Config) {
			f.RateLimit(discordfake.RouteCurrentUser, 1, 0, false)
		}, wantPassed: []string{"Discord bot token: signed in as @licensebot"}, wantWaits: 1},
		{name: "a rate limit that doesn't end stops the checks", setup: func(f *discordfake.Server, _ *Config) {
			f.RateLimit(discordfake.RouteCurrentUser, 10, 0, false)
		}, wantFailed: []string{"Discord bot token (DISCORD_BOT_TOKEN): GET /users/@me failed: rate limited by Discord"}, wantWaits: 3},
		{name: "an unreachable Discord names the API URL, not discord.com", setup: func(_ *discordfake.Server, c *Config) { c.APIURL = "http://127.0.0.1:1/" },
			wantFailed: []string{"Discord bot token (DISCORD_BOT_TOKEN): can't reach Discord at http://127.0.0.1:1/: dial tcp 127.0.0.1:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := discordfake.New(t)
			f.SetPublicKey(testPublicKey())
			f.SetInteractionsEndpointURL(endpointURL)
			f.AddGuild(guildID, "Contoso IT")
			f.AddGuildChannel(guildID, approvalChannel, "approvals")
			f.AddRole(guildID, approverRole, "Approvers", true)
			sl := &bottest.Sleeps{}
			cfg := Config{BotToken: discordfake.BotToken, PublicKey: testPublicKey(), ApplicationID: discordfake.AppID,
				GuildIDs: []string{guildID}, ApprovalChannelID: approvalChannel, ApproverRoleIDs: []string{approverRole},
				APIURL: f.APIURL(), Options: bot.Options{Sleep: sl.Sleep}}
			tt.setup(f, &cfg)
			p, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			found := bottest.SortFindings(t, p.Check(context.Background()), cfg.BotToken, discordfake.BotToken)
			failed, unchecked, passed, all := found.Failed, found.Unchecked, found.Passed, found.All
			if testing.Verbose() {
				t.Logf("findings:\n%s", strings.Join(all, "\n"))
			}
			for _, c := range []struct {
				kind      string
				got, want []string
			}{{"failed", failed, tt.wantFailed}, {"unchecked", unchecked, tt.wantUnchecked}} {
				if len(c.got) != len(c.want) {
					t.Fatalf("%s %q, want %q\nall: %q", c.kind, c.got, c.want, all)
				}
				for i, want := range c.want {
					if !strings.Contains(c.got[i], want) {
						t.Errorf("%s[%d] = %q, want it to contain %q", c.kind, i, c.got[i], want)
					}
				}
			}
			for _, want := range tt.wantPassed {
				if !strings.Contains(strings.Join(passed, "\n"), want) {
					t.Errorf("no passed finding contains %q\nall: %q", want, all)
				}
			}
			if n := len(sl.Waits()); n != tt.wantWaits {
				t.Errorf("%d waits for retry_after, want %d", n, tt.wantWaits)
			}
			if tt.wantCalls > 0 && len(f.Calls("")) != tt.wantCalls {
				t.Errorf("%d calls, want %d", len(f.Calls("")), tt.wantCalls)
			}
			for _, route := range []string{discordfake.RouteCreateMessage, discordfake.RouteBulkOverwriteGlobal, discordfake.RouteBulkOverwriteGuild, discordfake.RouteCreateDM} {
				if n := len(f.Calls(route)); n != 0 {
					t.Errorf("Check changed something: %s called %d times", route, n)
				}
			}
		})
	}
}

// The fake refuses what the doctor says the bot can't do, as Discord does: Check's findings
// and the fake agree.
func TestFakeRefusesPostsTheBotMayNotMake(t *testing.T) {
	f := discordfake.New(t)
	f.AddGuild(guildID, "Contoso IT")
	f.AddGuildChannel(guildID, approvalChannel, "approvals")
	p, err := New(Config{BotToken: discordfake.BotToken, ApplicationID: discordfake.AppID, APIURL: f.APIURL(), ApprovalChannelID: approvalChannel})
	if err != nil {
		t.Fatal(err)
	}
	post := func() int {
		_, err := p.send(context.Background(), approvalChannel, rendered{Content: "approve?"}, nil)
		return discordCode(err)
	}
	if code := post(); code != 0 {
		t.Fatalf("post with every permission: Discord code %d", code)
	}
	f.SetBotPermissions(approvalChannel, 0, discordgo.PermissionSendMessages)
	if code := post(); code != 50013 {
		t.Errorf("post without Send Messages: Discord code %d, want 50013 Missing Permissions", code)
	}
	f.RemoveBot(guildID)
	if code := post(); code != codeMissingAccess {
		t.Errorf("post in a server the bot left: Discord code %d, want 50001 Missing Access", code)
	}
}
