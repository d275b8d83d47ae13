package discord

import (
	"context"
	"fmt"

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

// actor is who a Discord user is for the handlers. Email is the UPN their account is mapped
// or linked to, "" (with mapped false) when it is neither; Groups are their role ids in the
// guild, matched against the handlers' configured approvers.
func (p *Platform) actor(ctx context.Context, i *discordgo.Interaction, who person) (a bot.Actor, mapped bool, err error) {
	upn, ok, err := p.links.upn(ctx, who.id)
	if err != nil {
		return bot.Actor{}, false, fmt.Errorf("who is Discord user %s: %w", who.id, err)
	}
	return bot.Actor{
		Platform:  platformName,
		ChatID:    who.id,
		Name:      who.name,
		Email:     upn,
		Groups:    append([]string(nil), who.roles...),
		Locale:    string(i.Locale),
		Workspace: i.GuildID,
	}, ok, nil
}

// isLinkApprover reports whether the person has one of the approver roles.
func (p *Platform) isLinkApprover(who person) bool {
	for _, r := range who.roles {
		for _, a := range p.cfg.ApproverRoleIDs {
			if r == a {
				return true
			}
		}
	}
	return false
}
