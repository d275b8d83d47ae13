package discordfake

import (
	"net/http"
	"strconv"
)

// Who the bot is, its application, and the guilds, channels and roles a test sets up: what
// licensebot doctor reads. Objects are answered in the shapes of Discord's docs
// (https://discord.com/developers/docs/resources/user, …/application, …/guild,
// …/channel), permissions as strings of decimal bits as API v8 and later send them.

// Discord's permission bits (https://discord.com/developers/docs/topics/permissions).
const (
	permAdministrator      int64 = 1 << 3
	permViewChannel        int64 = 1 << 10
	permSendMessages       int64 = 1 << 11
	permReadMessageHistory int64 = 1 << 16
	permAll                int64 = 1<<53 - 1
)

// EveryonePermissions are the @everyone role's permissions in a guild that AddGuild makes:
// View Channel, Send Messages, Embed Links and Read Message History, enough to post
// approval requests, but not Mention @everyone, @here, and All Roles, so only mentionable
// roles are pinged.
const EveryonePermissions int64 = permViewChannel | permSendMessages | 1<<14 | permReadMessageHistory

// guildOwner owns every guild: never the bot, whose permissions therefore come from its
// roles and the channels' overwrites.
const guildOwner = "900000000000000009"

type application struct {
	name, verifyKey, endpointURL string
}

type role struct {
	id, name    string
	permissions int64
	mentionable bool
	position    int
}

type guild struct {
	id, name string
	botIn    bool
	roles    []*role // roles[0] is @everyone, whose id is the guild's; the bot has no other
}

// overwrite is a channel's permission overwrite: typ 0 for a role, 1 for a member.
type overwrite struct {
	id          string
	typ         int
	allow, deny int64
}

type guildChannel struct {
	id, guildID, name string
	typ               int
	overwrites        []overwrite
}

// SetPublicKey sets the application's verify_key (hex), what its interactions are signed with.
func (s *Server) SetPublicKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.app.verifyKey = key
}

// SetInteractionsEndpointURL sets the application's Interactions Endpoint URL ("" for none:
// interactions then come over the gateway).
func (s *Server) SetInteractionsEndpointURL(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.app.endpointURL = url
}

// AddGuild makes a guild with the bot in it, and its @everyone role with EveryonePermissions.
func (s *Server) AddGuild(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.guilds[id] = &guild{id: id, name: name, botIn: true,
		roles: []*role{{id: id, name: "@everyone", permissions: EveryonePermissions}}}
}

// RemoveBot takes the bot out of a guild (kicked, or never invited): Discord then answers
// for the guild as for one that doesn't exist, and refuses its channels.
func (s *Server) RemoveBot(guildID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.guilds[guildID]; g != nil {
		g.botIn = false
	}
}

// AddRole adds a role without permissions of its own to a guild that AddGuild made.
func (s *Server) AddRole(guildID, id, name string, mentionable bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.guilds[guildID]
	g.roles = append(g.roles, &role{id: id, name: name, mentionable: mentionable, position: len(g.roles)})
}

// AddGuildChannel adds a text channel to a guild that AddGuild made; messages can be posted
// to it as to a channel of AddChannel, with the bot's permissions there applied.
func (s *Server) AddGuildChannel(guildID, id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.placed[id] = &guildChannel{id: id, guildID: guildID, name: name}
	s.channels[id] = true
}

// SetChannelType changes the type of a channel of AddGuildChannel (4 a category, 15 a forum…;
// https://discord.com/developers/docs/resources/channel#channel-object-channel-types).
func (s *Server) SetChannelType(id string, typ int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.placed[id].typ = typ
}

// SetBotPermissions gives a channel of AddGuildChannel a permission overwrite for the bot
// itself: allow and deny are permission bits (discordgo's Permission… constants).
func (s *Server) SetBotPermissions(channel string, allow, deny int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.placed[channel]
	ch.overwrites = append(ch.overwrites, overwrite{id: BotID, typ: 1, allow: allow, deny: deny})
}

func botUser() map[string]any {
	return map[string]any{"id": BotID, "username": BotName, "discriminator": "0", "global_name": nil,
		"avatar": nil, "bot": true, "flags": 0}
}

func (s *Server) currentUser(w http.ResponseWriter, _ *http.Request) {
	u := botUser()
	u["verified"], u["mfa_enabled"] = true, false
	writeJSON(w, http.StatusOK, u)
}

// currentApplication answers GET /applications/@me, the application of the bot token.
func (s *Server) currentApplication(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	app, id := s.app, s.appID
	s.mu.Unlock()
	var endpoint any
	if app.endpointURL != "" {
		endpoint = app.endpointURL
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": id, "name": app.name, "icon": nil, "description": "", "bot_public": false,
		"bot_require_code_grant": false, "verify_key": app.verifyKey, "flags": 0,
		"interactions_endpoint_url": endpoint, "bot": botUser(),
	})
}

// visibleGuild is a guild the bot is in. Since 2023 Discord answers 404 Unknown Guild
// (10004) alike for a guild the bot isn't in and one that doesn't exist, no longer 403
// Missing Access (https://github.com/discord/discord-api-docs/issues/5840). The caller
// holds s.mu.
func (s *Server) visibleGuild(w http.ResponseWriter, id string) (*guild, bool) {
	g := s.guilds[id]
	if g == nil || !g.botIn {
		writeError(w, http.StatusNotFound, 10004, "Unknown Guild")
		return nil, false
	}
	return g, true
}

func (s *Server) getGuild(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.visibleGuild(w, r.PathValue("guild"))
	if !ok {
		return
	}
	roles := []map[string]any{}
	for _, rl := range g.roles {
		roles = append(roles, map[string]any{"id": rl.id, "name": rl.name, "color": 0, "hoist": false,
			"position": rl.position, "permissions": strconv.FormatInt(rl.permissions, 10), "managed": false,
			"mentionable": rl.mentionable, "flags": 0})
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": g.id, "name": g.name, "icon": nil, "owner_id": guildOwner,
		"roles": roles, "emojis": []any{}, "features": []any{}, "verification_level": 0})
}

// getGuildMember knows one member of each guild: the bot.
func (s *Server) getGuildMember(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.visibleGuild(w, r.PathValue("guild")); !ok {
		return
	}
	if r.PathValue("user") != BotID {
		writeError(w, http.StatusNotFound, 10007, "Unknown Member")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": botUser(), "roles": []string{},
		"joined_at": "2026-01-05T09:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0})
}

// getChannel answers a DM channel, a guild channel the bot can see, or a channel of
// AddChannel (of no guild the fake knows). A guild channel the bot can't see, or in a guild
// it isn't in, is 403 Missing Access (50001).
func (s *Server) getChannel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("channel")
	s.mu.Lock()
	defer s.mu.Unlock()
	for user, ch := range s.dms {
		if ch == id {
			writeJSON(w, http.StatusOK, map[string]any{"id": id, "type": 1, "last_message_id": nil,
				"recipients": []map[string]any{{"id": user, "username": "user" + user}}})
			return
		}
	}
	ch := s.placed[id]
	switch {
	case ch == nil && s.channels[id]:
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "type": 0, "name": "channel-" + id})
		return
	case ch == nil:
		writeError(w, http.StatusNotFound, 10003, "Unknown Channel")
		return
	}
	g := s.guilds[ch.guildID]
	if !g.botIn || s.botPermissions(g, ch)&permViewChannel == 0 {
		writeError(w, http.StatusForbidden, 50001, "Missing Access")
		return
	}
	overwrites := []map[string]any{}
	for _, o := range ch.overwrites {
		overwrites = append(overwrites, map[string]any{"id": o.id, "type": o.typ,
			"allow": strconv.FormatInt(o.allow, 10), "deny": strconv.FormatInt(o.deny, 10)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": ch.id, "type": ch.typ, "guild_id": ch.guildID, "name": ch.name,
		"position": 0, "nsfw": false, "parent_id": nil, "permission_overwrites": overwrites})
}

// mayPost refuses a message to a guild channel as Discord does when the bot can't see the
// channel (403 Missing Access) or can't post there, or reply without Read Message History
// (403 Missing Permissions, 50013). It returns status 0 when the message may be posted. The
// caller holds s.mu.
func (s *Server) mayPost(channel string, reply bool) (status, code int, message string) {
	ch := s.placed[channel]
	if ch == nil {
		return 0, 0, ""
	}
	g := s.guilds[ch.guildID]
	perms := s.botPermissions(g, ch)
	switch {
	case !g.botIn || perms&permViewChannel == 0:
		return http.StatusForbidden, 50001, "Missing Access"
	case perms&permSendMessages == 0, reply && perms&permReadMessageHistory == 0:
		return http.StatusForbidden, 50013, "Missing Permissions"
	}
	return 0, 0, ""
}

// botPermissions computes the bot's permissions in a channel the way Discord's docs do
// (https://discord.com/developers/docs/topics/permissions#permission-overwrites), for a bot
// whose only role is @everyone: the role's permissions (Administrator grants everything),
// then the bot's own overwrite in the channel.
func (s *Server) botPermissions(g *guild, ch *guildChannel) int64 {
	perms := g.roles[0].permissions
	if perms&permAdministrator != 0 {
		return permAll
	}
	for _, o := range ch.overwrites {
		if o.typ == 1 && o.id == BotID {
			perms = perms&^o.deny | o.allow
		}
	}
	return perms
}
