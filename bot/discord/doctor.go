package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
)

// Finding is one thing Check looked at (bot.Finding).
type Finding = bot.Finding

// Check verifies, without posting or registering anything, that the Discord application is
// set up for licensebot: the bot token is valid, the application id (and the public key, for
// HTTP interactions) are the token's application's, interactions reach serve the way it
// listens for them, the bot is in each configured guild, the approval channel is in one of
// them and the bot can see it and post there, and the approver roles exist in the channel's
// guild and can be pinged. No finding contains the token.
//
// The calls are discordgo's, with the Session serve uses (so DISCORD_API_URL applies) and
// call's bounded waits for 429s.
func (p *Platform) Check(ctx context.Context) []Finding {
	me, err := call(ctx, p, "GET /users/@me", func(opts ...discordgo.RequestOption) (*discordgo.User, error) {
		return p.session.User("@me", opts...)
	})
	if err != nil {
		// Nothing else can be checked with a token Discord refuses.
		return []Finding{p.botTokenFinding(err)}
	}
	out := []Finding{{Check: fmt.Sprintf("Discord bot token: signed in as @%s (%s)", me.Username, me.ID)}}
	c := &checkup{p: p, botID: me.ID, appID: p.cfg.ApplicationID, guilds: map[string]*discordgo.Guild{}}
	out = append(out, c.checkApplication(ctx)...)
	for _, g := range p.cfg.GuildIDs {
		out = append(out, c.checkGuild(ctx, g))
	}
	if p.cfg.ApprovalChannelID != "" {
		out = append(out, c.checkApprovalChannel(ctx, p.cfg.ApprovalChannelID))
	}
	for _, r := range p.cfg.ApproverRoleIDs {
		out = append(out, c.checkApproverRole(r))
	}
	return out
}

// checkup is what the checks learn along the way, for the checks after them.
type checkup struct {
	p     *Platform
	botID string
	// appID is the token's application's id once read, for the invite links.
	appID string
	// guilds are the guilds read, by id; missing the configured guilds the bot isn't in.
	guilds  map[string]*discordgo.Guild
	missing []string
	// channelGuild is the approval channel's guild, once read; perms the bot's permissions in
	// the channel when permsKnown.
	channelGuild *discordgo.Guild
	perms        int64
	permsKnown   bool
}

func (p *Platform) botTokenFinding(err error) Finding {
	const what = "Discord bot token (DISCORD_BOT_TOKEN)"
	var (
		rest *discordgo.RESTError
		uerr *url.Error
	)
	switch {
	case errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusUnauthorized:
		return Finding{Check: what, Problem: "Discord refused it (401 Unauthorized)",
			Fix: "reset the token on the developer portal (Applications › your app › Bot › Reset Token) and set DISCORD_BOT_TOKEN to it"}
	case errors.As(err, &uerr):
		return Finding{Check: what, Problem: p.restProblem(err),
			Fix: "check DISCORD_API_URL (unset: https://discord.com/) and that this host can reach it (proxy, firewall)"}
	default:
		return Finding{Check: what, Problem: "GET /users/@me failed: " + p.restProblem(err),
			Fix: "run doctor again; if it persists, see https://discordstatus.com"}
	}
}

// application is what GET /applications/@me says that licensebot needs
// (https://discord.com/developers/docs/resources/application#get-current-application).
// discordgo's Application has no interactions_endpoint_url, so the answer is decoded here.
type application struct {
	ID                      string `json:"id"`
	Name                    string `json:"name"`
	VerifyKey               string `json:"verify_key"`
	InteractionsEndpointURL string `json:"interactions_endpoint_url"`
}

// checkApplication compares the token's application with the configured one. When they
// differ, the public key and the endpoint are not checked: which application was meant is
// the question to settle first.
func (c *checkup) checkApplication(ctx context.Context) []Finding {
	p := c.p
	const what = "Discord application (DISCORD_APPLICATION_ID)"
	endpoint := discordgo.EndpointApplication("@me")
	body, err := call(ctx, p, "GET /applications/@me", func(opts ...discordgo.RequestOption) ([]byte, error) {
		return p.session.Request(http.MethodGet, endpoint, nil, opts...)
	})
	var app application
	if err == nil {
		err = json.Unmarshal(body, &app)
	}
	if err != nil {
		return []Finding{{Check: what, Problem: "can't read the token's application: " + p.restProblem(err), Fix: "run doctor again"}}
	}
	c.appID = app.ID
	if app.ID != p.cfg.ApplicationID {
		return []Finding{{Check: "Discord application id (DISCORD_APPLICATION_ID)",
			Problem: fmt.Sprintf("%s is not the bot token's application: the token is the bot of %q (%s)", p.cfg.ApplicationID, app.Name, app.ID),
			Fix:     fmt.Sprintf("set DISCORD_APPLICATION_ID to %s, or DISCORD_BOT_TOKEN to the bot token of application %s", app.ID, p.cfg.ApplicationID)}}
	}
	out := []Finding{{Check: fmt.Sprintf("Discord application %q (%s) is the bot token's", app.Name, app.ID)}}
	if p.cfg.PublicKey != "" {
		out = append(out, publicKeyFinding(p.cfg.PublicKey, app.VerifyKey))
	}
	return append(out, endpointFinding(p.cfg.PublicKey != "", app.InteractionsEndpointURL))
}

func publicKeyFinding(configured, verifyKey string) Finding {
	const what = "Discord public key (DISCORD_PUBLIC_KEY)"
	if !strings.EqualFold(strings.TrimSpace(configured), verifyKey) {
		return Finding{Check: what, Problem: "not the application's public key, so every interaction would be refused as not signed by Discord",
			Fix: "copy the Public Key from the developer portal's General Information page into DISCORD_PUBLIC_KEY"}
	}
	return Finding{Check: what + ": the application's"}
}

// endpointFinding checks that interactions come the way serve listens for them: with an
// Interactions Endpoint URL set, Discord sends them there by HTTP and no longer over the
// gateway (https://discord.com/developers/docs/interactions/receiving-and-responding#receiving-an-interaction),
// and serve answers HTTP interactions only when DISCORD_PUBLIC_KEY is set, else it connects
// to the gateway.
func endpointFinding(httpMode bool, endpoint string) Finding {
	const what = "Discord Interactions Endpoint URL"
	switch {
	case httpMode && endpoint == "":
		return Finding{Check: what, Problem: "not set, so Discord sends interactions over the gateway, which serve doesn't connect to when DISCORD_PUBLIC_KEY is set",
			Fix: "set it to https://<licensebot's host>/discord/interactions on the developer portal's General Information page, or unset DISCORD_PUBLIC_KEY to use the gateway"}
	case httpMode && !strings.HasSuffix(strings.TrimSuffix(endpointPath(endpoint), "/"), "/discord/interactions"):
		return Finding{Check: what, Unchecked: true, Problem: endpoint + " is not licensebot's path /discord/interactions",
			Fix: "make sure it reaches licensebot's POST /discord/interactions (through your proxy), or set it to https://<licensebot's host>/discord/interactions"}
	case httpMode:
		return Finding{Check: what + ": " + endpoint}
	case endpoint != "":
		return Finding{Check: what, Problem: "set to " + endpoint + ", so Discord sends interactions there and not over the gateway, which serve uses because DISCORD_PUBLIC_KEY is not set",
			Fix: "set DISCORD_PUBLIC_KEY (General Information › Public Key) so that serve answers them at /discord/interactions, or clear the Interactions Endpoint URL"}
	}
	return Finding{Check: "Discord interactions: over the gateway (no Interactions Endpoint URL)"}
}

func endpointPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Path
}

// postPermissions are what the bot needs in the approval channel: see it, post there, show
// the request as an embed, and reply to its own messages (a reply needs Read Message History:
// https://discord.com/developers/docs/resources/message#create-message).
var postPermissions = []struct {
	bit  int64
	name string
}{
	{discordgo.PermissionViewChannel, "View Channel"},
	{discordgo.PermissionSendMessages, "Send Messages"},
	{discordgo.PermissionEmbedLinks, "Embed Links"},
	{discordgo.PermissionReadMessageHistory, "Read Message History"},
}

func postPermissionBits() int64 {
	var bits int64
	for _, p := range postPermissions {
		bits |= p.bit
	}
	return bits
}

func permissionNames(bits int64) string {
	var names []string
	for _, p := range postPermissions {
		if bits&p.bit != 0 {
			names = append(names, p.name)
		}
	}
	return strings.Join(names, ", ")
}

// inviteURL is the bot authorization link with the scopes and permissions licensebot needs,
// for one guild when guild isn't "" (https://discord.com/developers/docs/topics/oauth2#bot-authorization-flow).
func inviteURL(appID, guild string) string {
	q := url.Values{"client_id": {appID}, "scope": {"bot applications.commands"},
		"permissions": {fmt.Sprint(postPermissionBits())}}
	if guild != "" {
		q.Set("guild_id", guild)
		q.Set("disable_guild_select", "true")
	}
	return "https://discord.com/oauth2/authorize?" + q.Encode()
}

// restProblem says in one line why a REST call failed: Discord's status, code and message,
// a rate limit, or the network error without discord.com's URL (the request went to
// DISCORD_API_URL). The token never appears in it.
func (p *Platform) restProblem(err error) string {
	var (
		rest    *discordgo.RESTError
		limited *discordgo.RateLimitError
		uerr    *url.Error
		msg     string
	)
	switch {
	case errors.As(err, &rest) && rest.Response != nil:
		msg = rest.Response.Status
		if rest.Message != nil && (rest.Message.Code != 0 || rest.Message.Message != "") {
			msg += fmt.Sprintf(" (Discord %d: %s)", rest.Message.Code, rest.Message.Message)
		}
	case errors.As(err, &limited):
		msg = fmt.Sprintf("rate limited by Discord (retry after %s)", limited.RetryAfter.Round(time.Millisecond))
	case errors.As(err, &uerr):
		msg = fmt.Sprintf("can't reach Discord at %s: %v", redactedURL(p.cfg.APIURL), uerr.Err)
	default:
		msg = err.Error()
	}
	if p.cfg.BotToken != "" {
		msg = strings.ReplaceAll(msg, p.cfg.BotToken, "…")
	}
	return msg
}

// redactedURL drops a password that a DISCORD_API_URL of a proxy may carry.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "DISCORD_API_URL"
	}
	u.User = nil
	return u.String()
}
