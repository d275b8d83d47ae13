package discord

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// Discord's JSON error codes the checks tell apart
// (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json).
const (
	codeUnknownChannel = 10003
	codeUnknownGuild   = 10004
	codeMissingAccess  = 50001
)

// checkGuild reads a configured guild. Discord answers a guild the bot isn't in as one that
// doesn't exist: 404 Unknown Guild (10004) since 2023, 403 Missing Access (50001) before
// (https://github.com/discord/discord-api-docs/issues/5840), so both mean "invite the bot".
func (c *checkup) checkGuild(ctx context.Context, id string) Finding {
	g, err := c.readGuild(ctx, id)
	switch code := discordCode(err); {
	case err == nil:
		return Finding{Check: fmt.Sprintf("Discord server %q (%s): the bot is in it", g.Name, id)}
	case code == codeUnknownGuild || code == codeMissingAccess:
		c.missing = append(c.missing, id)
		return Finding{Check: "Discord server " + id + " (DISCORD_GUILD_IDS)", Problem: "the bot is not in it (or there is no such server)",
			Fix: "invite the bot with the bot and applications.commands scopes: " + inviteURL(c.appID, id) +
				" (or correct DISCORD_GUILD_IDS: with Developer Mode on, right-click the server › Copy Server ID)"}
	default:
		return Finding{Check: "Discord server " + id + " (DISCORD_GUILD_IDS)", Problem: "can't read it: " + c.p.restProblem(err), Fix: "run doctor again"}
	}
}

// readGuild reads a guild once.
func (c *checkup) readGuild(ctx context.Context, id string) (*discordgo.Guild, error) {
	if g, ok := c.guilds[id]; ok {
		return g, nil
	}
	g, err := call(ctx, c.p, "GET /guilds/{guild}", func(opts ...discordgo.RequestOption) (*discordgo.Guild, error) {
		return c.p.session.Guild(id, opts...)
	})
	if err != nil {
		return nil, err
	}
	c.guilds[id] = g
	return g, nil
}

// checkApprovalChannel reads the approval channel: Discord answers 404 Unknown Channel
// (10003) for one that doesn't exist, and 403 Missing Access (50001) for one the bot can't
// see, which includes every channel of a guild it isn't in. Then it works out the bot's
// permissions there from the guild's roles, the bot's and the channel's overwrites.
func (c *checkup) checkApprovalChannel(ctx context.Context, id string) Finding {
	p := c.p
	what := "Discord approval channel " + id + " (DISCORD_APPROVAL_CHANNEL_ID)"
	ch, err := call(ctx, p, "GET /channels/{channel}", func(opts ...discordgo.RequestOption) (*discordgo.Channel, error) {
		return p.session.Channel(id, opts...)
	})
	switch code := discordCode(err); {
	case err == nil:
	case code == codeUnknownChannel:
		return Finding{Check: what, Problem: "no such channel",
			Fix: "set DISCORD_APPROVAL_CHANNEL_ID to the channel's id (with Developer Mode on, right-click the channel › Copy Channel ID)"}
	case code == codeMissingAccess && len(c.missing) > 0:
		return Finding{Check: what, Unchecked: true,
			Problem: "the bot can't see it; it may be in a server the bot isn't in (" + strings.Join(c.missing, ", ") + ")",
			Fix:     "invite the bot there (see above), then run doctor again"}
	case code == codeMissingAccess:
		return Finding{Check: what, Problem: "the bot can't see it (Missing Access)",
			Fix: "in the channel's settings › Permissions, allow the bot " + permissionNames(postPermissionBits()) +
				"; if the channel is in a server the bot isn't in, invite it: " + inviteURL(c.appID, "")}
	default:
		return Finding{Check: what, Problem: "can't read it: " + p.restProblem(err), Fix: "run doctor again"}
	}

	if ch.GuildID == "" {
		return Finding{Check: what, Problem: "not a channel of a server (a DM)", Fix: "set DISCORD_APPROVAL_CHANNEL_ID to a text channel of your server"}
	}
	what = fmt.Sprintf("Discord approval channel #%s (%s)", ch.Name, id)
	if kind := unpostable(ch.Type); kind != "" {
		return Finding{Check: what, Problem: "a " + kind + ", where messages can't be posted",
			Fix: "set DISCORD_APPROVAL_CHANNEL_ID to a text channel"}
	}
	guild, err := c.readGuild(ctx, ch.GuildID)
	if err != nil {
		return Finding{Check: what, Unchecked: true, Problem: "can't read its server " + ch.GuildID + ": " + p.restProblem(err),
			Fix: "check by hand that the bot may " + permissionNames(postPermissionBits()) + " there"}
	}
	c.channelGuild = guild
	if len(p.cfg.GuildIDs) > 0 && !slices.Contains(p.cfg.GuildIDs, ch.GuildID) {
		return Finding{Check: what, Problem: fmt.Sprintf("in server %q (%s), not one of DISCORD_GUILD_IDS, where /%s is registered", guild.Name, guild.ID, commandName),
			Fix: "set DISCORD_APPROVAL_CHANNEL_ID to a channel of a server in DISCORD_GUILD_IDS, or add " + guild.ID + " to DISCORD_GUILD_IDS"}
	}
	what += fmt.Sprintf(" in %q", guild.Name)
	if ch.IsThread() {
		return Finding{Check: what, Unchecked: true, Problem: "a thread: the bot's permissions in threads aren't checked",
			Fix: "check by hand that the bot may Send Messages in Threads, Embed Links and Read Message History there, or use a text channel"}
	}
	perms, err := c.botPermissions(ctx, guild, ch)
	if err != nil {
		return Finding{Check: what, Unchecked: true, Problem: "can't work out the bot's permissions there: " + p.restProblem(err),
			Fix: "check by hand that the bot may " + permissionNames(postPermissionBits()) + " there"}
	}
	c.perms, c.permsKnown = perms, true
	if missing := postPermissionBits() &^ perms; missing != 0 {
		return Finding{Check: what, Problem: "the bot lacks " + permissionNames(missing) + ", so it can't post approval requests there",
			Fix: "allow the bot (or its role) " + permissionNames(missing) + " in the channel's settings › Permissions"}
	}
	return Finding{Check: what + ": the bot can see it and post there"}
}

// unpostable names the channel types no message can be posted to directly, or returns "".
func unpostable(t discordgo.ChannelType) string {
	switch t {
	case discordgo.ChannelTypeGuildCategory:
		return "category"
	case discordgo.ChannelTypeGuildForum, discordgo.ChannelTypeGuildMedia:
		return "forum (posts only, in threads)"
	case discordgo.ChannelTypeGuildDirectory:
		return "directory"
	case discordgo.ChannelTypeGuildStore:
		return "store channel"
	}
	return ""
}

// botPermissions computes the bot's permissions in the channel with discordgo's own
// computation (@everyone, the bot's roles, Administrator, then the channel's overwrites:
// https://discord.com/developers/docs/topics/permissions#permission-overwrites), which it
// offers only over a State: one is filled with what the REST calls returned.
func (c *checkup) botPermissions(ctx context.Context, guild *discordgo.Guild, ch *discordgo.Channel) (int64, error) {
	if guild.OwnerID == c.botID {
		return discordgo.PermissionAll, nil
	}
	member, err := call(ctx, c.p, "GET /guilds/{guild}/members/{user}", func(opts ...discordgo.RequestOption) (*discordgo.Member, error) {
		return c.p.session.GuildMember(guild.ID, c.botID, opts...)
	})
	if err != nil {
		return 0, err
	}
	member.GuildID = guild.ID
	if member.User == nil {
		member.User = &discordgo.User{ID: c.botID}
	}
	g, chCopy := *guild, *ch // the State keeps and changes what it is given
	g.Channels, g.Threads, g.Members = nil, nil, nil
	st := discordgo.NewState()
	for _, add := range []func() error{
		func() error { return st.GuildAdd(&g) },
		func() error { return st.ChannelAdd(&chCopy) },
		func() error { return st.MemberAdd(member) },
	} {
		if err := add(); err != nil {
			return 0, fmt.Errorf("compute the bot's permissions: %w", err)
		}
	}
	return st.UserChannelPermissions(c.botID, ch.ID)
}

// checkApproverRole looks for an approver role in the approval channel's guild, where its
// members click Approve: an interaction's member roles are those of the guild it comes
// from. A role that isn't mentionable is pinged only by a bot with Mention @everyone, @here,
// and All Roles in the channel (https://discord.com/developers/docs/topics/permissions).
// Without the channel's guild, the guilds read stand in for it.
func (c *checkup) checkApproverRole(id string) Finding {
	what := "Discord approver role " + id + " (DISCORD_APPROVER_ROLE_IDS)"
	copyID := "set DISCORD_APPROVER_ROLE_IDS to the role's id (with Developer Mode on: Server Settings › Roles, right-click the role › Copy Role ID)"
	if g := c.channelGuild; g != nil {
		role, ok := findRole(g, id)
		if !ok {
			if other := c.guildWithRole(id); other != nil {
				return Finding{Check: what, Problem: fmt.Sprintf("a role of server %q, not of the approval channel's server %q, so its members can't approve there", other.Name, g.Name),
					Fix: fmt.Sprintf("use roles of %q in DISCORD_APPROVER_ROLE_IDS, or an approval channel in %q", g.Name, other.Name)}
			}
			return Finding{Check: what, Problem: fmt.Sprintf("no such role in %q, the approval channel's server", g.Name), Fix: copyID}
		}
		what = fmt.Sprintf("Discord approver role @%s (%s) in %q", role.Name, id, g.Name)
		if !role.Mentionable && c.permsKnown && c.perms&discordgo.PermissionMentionEveryone == 0 {
			return Finding{Check: what, Problem: "not mentionable, so approval requests don't notify its members",
				Fix: "turn on \"Allow anyone to @mention this role\" in Server Settings › Roles › " + role.Name +
					", or allow the bot Mention @everyone, @here, and All Roles in the approval channel"}
		}
		return Finding{Check: what}
	}
	if g := c.guildWithRole(id); g != nil {
		role, _ := findRole(g, id)
		return Finding{Check: fmt.Sprintf("Discord approver role @%s (%s) in %q", role.Name, id, g.Name)}
	}
	switch {
	case len(c.guilds) == 0:
		return Finding{Check: what, Unchecked: true, Problem: "can't check it: no server of the bot's could be read",
			Fix: "fix the server and the approval channel above, then run doctor again"}
	case len(c.missing) > 0:
		return Finding{Check: what, Unchecked: true, Problem: "not in the servers read; it may be in one the bot isn't in (" + strings.Join(c.missing, ", ") + ")",
			Fix: "invite the bot there (see above), then run doctor again"}
	}
	return Finding{Check: what, Problem: "no such role in " + c.guildNames(), Fix: copyID}
}

func findRole(g *discordgo.Guild, id string) (*discordgo.Role, bool) {
	for _, r := range g.Roles {
		if r.ID == id {
			return r, true
		}
	}
	return nil, false
}

// guildWithRole is the guild read that has the role, in the configured order, or nil.
func (c *checkup) guildWithRole(id string) *discordgo.Guild {
	for _, gid := range c.guildOrder() {
		if _, ok := findRole(c.guilds[gid], id); ok {
			return c.guilds[gid]
		}
	}
	return nil
}

func (c *checkup) guildNames() string {
	var names []string
	for _, gid := range c.guildOrder() {
		names = append(names, fmt.Sprintf("%q", c.guilds[gid].Name))
	}
	return strings.Join(names, ", ")
}

// guildOrder lists the ids of the guilds read, sorted, so that findings don't change from
// one run to the next.
func (c *checkup) guildOrder() []string {
	ids := make([]string, 0, len(c.guilds))
	for id := range c.guilds {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
