package discord

import (
	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
)

// person is who sent an interaction: the user (Member.User in a guild, User in a DM, where
// Member is nil), their name there and their roles (none in a DM).
type person struct {
	id, name string
	roles    []string
}

func personOf(i *discordgo.Interaction) (person, bool) {
	switch {
	case i.Member != nil && i.Member.User != nil:
		name := i.Member.Nick
		if name == "" {
			name = displayName(i.Member.User)
		}
		return person{id: i.Member.User.ID, name: name, roles: i.Member.Roles}, true
	case i.User != nil:
		return person{id: i.User.ID, name: displayName(i.User)}, true
	}
	return person{}, false
}

func displayName(u *discordgo.User) string {
	if u.GlobalName != "" {
		return u.GlobalName
	}
	return u.Username
}

// actor is who a Discord user is for the handlers: their account (user id in the guild),
// without an e-mail address, which Discord never shows a bot; the handlers find their
// Entra user through the account's link (DISCORD_USER_MAP or /unassign link). Groups are
// their role ids in the guild, matched against the handlers' configured approvers.
func actor(i *discordgo.Interaction, who person) bot.Actor {
	return bot.Actor{
		Platform:  platformName,
		ChatID:    who.id,
		Name:      who.name,
		Groups:    append([]string(nil), who.roles...),
		Locale:    string(i.Locale),
		Workspace: i.GuildID,
	}
}
