package discord

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/locale"
)

// The command and its sub-commands and options, as registered and as they arrive.
const (
	commandName = "unassign"

	subRemove = "remove"
	subAll    = "all"
	subShow   = "show"
	// inactive: the product's direct holders who haven't signed in for days days.
	subInactive = "inactive"
	// leaver: block sign-in, revoke sessions, remove every license of one user.
	subLeaver = "leaver"
	subStatus = "status"
	subUndo   = "undo"
	subLink   = "link"
	// link_status and unlink take, optionally, the person (a Discord user option): an
	// administrator's question about someone else.
	subLinkStatus = "link_status"
	subUnlink     = "unlink"
	subHelp       = "help"

	optUsers     = "users"
	optUser      = "user"
	optProduct   = "product"
	optReason    = "reason"
	optDryRun    = "dry_run"
	optRequestID = "request_id"
	optUPN       = "upn"
	optPerson    = "person"
	optGroup     = "group"
	optHolders   = "holders"
	optDays      = "days"
	optAt        = "at"
)

// Discord's limits on option values (https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-option-structure).
// handlers.Parse takes at most 500 characters of reason; users get the most room Discord allows.
const (
	maxOptionLength = 6000
	maxReasonLength = 500
)

// applicationCommands is /unassign as Discord shows it, described in lang. Sub-commands say
// plainly what the text syntax says with flags; each is translated back into that syntax
// (options.go). Each Description is written here as the id of its message in the catalogue
// (section [discord], describe.*), which describe replaces with its words.
func applicationCommands(lang string) []*discordgo.ApplicationCommand {
	minDays := 1.0
	// users is optional: a group (group) or a product's holders (holders) may stand for them.
	users := &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionString, Name: optUsers, MaxLength: maxOptionLength,
		Description: "discord.describe.option.users",
	}
	at := &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionString, Name: optAt, MaxLength: 40,
		Description: "discord.describe.option.at",
	}
	group := &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionString, Name: optGroup, MaxLength: 256,
		Description: "discord.describe.option.group",
	}
	reason := &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionString, Name: optReason, MaxLength: maxReasonLength,
		Description: "discord.describe.option.reason",
	}
	dryRun := &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionBoolean, Name: optDryRun,
		Description: "discord.describe.option.dry_run",
	}
	person := &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionUser, Name: optPerson,
		Description: "discord.describe.option.person",
	}
	noDMs := false
	cmds := []*discordgo.ApplicationCommand{{
		Name:         commandName,
		Description:  "discord.describe.unassign",
		DMPermission: &noDMs,
		Options: []*discordgo.ApplicationCommandOption{
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subRemove,
				Description: "discord.describe.remove",
				Options: []*discordgo.ApplicationCommandOption{users, {
					Type: discordgo.ApplicationCommandOptionString, Name: optProduct, Autocomplete: true, MaxLength: 100,
					Description: "discord.describe.option.product",
				}, group, {
					Type: discordgo.ApplicationCommandOptionBoolean, Name: optHolders,
					Description: "discord.describe.option.holders",
				}, reason, at, dryRun},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subAll,
				Description: "discord.describe.all",
				Options:     []*discordgo.ApplicationCommandOption{users, group, reason, at, dryRun},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subInactive,
				Description: "discord.describe.inactive",
				Options: []*discordgo.ApplicationCommandOption{{
					Type: discordgo.ApplicationCommandOptionInteger, Name: optDays, Required: true, MinValue: &minDays, MaxValue: 3650,
					Description: "discord.describe.option.days",
				}, {
					Type: discordgo.ApplicationCommandOptionString, Name: optProduct, Required: true, Autocomplete: true, MaxLength: 100,
					Description: "discord.describe.option.product",
				}, reason, at, dryRun},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subLeaver,
				Description: "discord.describe.leaver",
				Options: []*discordgo.ApplicationCommandOption{{
					Type: discordgo.ApplicationCommandOptionString, Name: optUser, Required: true, MaxLength: 256,
					Description: "discord.describe.option.user",
				}, reason, at, dryRun},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subShow,
				Description: "discord.describe.show",
				Options: []*discordgo.ApplicationCommandOption{{
					Type: discordgo.ApplicationCommandOptionString, Name: optUser, Required: true, MaxLength: 256,
					Description: "discord.describe.option.user",
				}},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subStatus,
				Description: "discord.describe.status",
				Options: []*discordgo.ApplicationCommandOption{{
					Type: discordgo.ApplicationCommandOptionString, Name: optRequestID, Required: true, MaxLength: 64,
					Description: "discord.describe.option.status_request_id",
				}},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subUndo,
				Description: "discord.describe.undo",
				Options: []*discordgo.ApplicationCommandOption{{
					Type: discordgo.ApplicationCommandOptionString, Name: optRequestID, Required: true, MaxLength: 64,
					Description: "discord.describe.option.undo_request_id",
				}},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subLink,
				Description: "discord.describe.link",
				Options: []*discordgo.ApplicationCommandOption{{
					Type: discordgo.ApplicationCommandOptionString, Name: optUPN, Required: false, MaxLength: 256,
					Description: "discord.describe.option.upn",
				}},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subLinkStatus,
				Description: "discord.describe.link_status",
				Options:     []*discordgo.ApplicationCommandOption{person},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subUnlink,
				Description: "discord.describe.unlink",
				Options:     []*discordgo.ApplicationCommandOption{person},
			},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: subHelp, Description: "discord.describe.help"},
		},
	}}
	for _, c := range cmds {
		var loc map[discordgo.Locale]string
		c.Description, loc = describe(c.Description, lang)
		c.DescriptionLocalizations = &loc
		describeOptions(c.Options, lang, map[*discordgo.ApplicationCommandOption]bool{})
	}
	return cmds
}

// describe is a description, given by its message id, in lang, and in each other language
// of the catalogue as Discord's localizations of it, under every Discord locale of that
// language (en-US and en-GB for English): Discord shows each person the description in
// their client's language when it has one, else the default.
func describe(id, lang string) (string, map[discordgo.Locale]string) {
	l := locale.For(lang)
	loc := map[discordgo.Locale]string{}
	for dl := range discordgo.Locales {
		if other, ok := locale.Parse(string(dl)); ok && other != l {
			loc[dl] = other.T(id)
		}
	}
	return l.T(id), loc
}

// describeOptions describes each option once: some are shared by several sub-commands.
func describeOptions(opts []*discordgo.ApplicationCommandOption, lang string, done map[*discordgo.ApplicationCommandOption]bool) {
	for _, o := range opts {
		if done[o] {
			continue
		}
		done[o] = true
		o.Description, o.DescriptionLocalizations = describe(o.Description, lang)
		describeOptions(o.Options, lang, done)
	}
}

// RegisterCommands registers /unassign in each configured guild, or globally when none is
// configured. It overwrites the application's commands there in bulk
// (PUT /applications/{app}[/guilds/{guild}]/commands), which is idempotent: running it at
// every start leaves exactly this command, whatever was registered before.
func (p *Platform) RegisterCommands(ctx context.Context) error {
	guilds := p.cfg.GuildIDs
	if len(guilds) == 0 {
		guilds = []string{""} // discordgo: "" is the global scope
	}
	for _, g := range guilds {
		_, err := call(ctx, p, "register commands", func(opts ...discordgo.RequestOption) ([]*discordgo.ApplicationCommand, error) {
			return p.session.ApplicationCommandBulkOverwrite(p.cfg.ApplicationID, g, applicationCommands(p.language("")), opts...)
		})
		if err != nil {
			if g == "" {
				return fmt.Errorf("register /%s globally: %w", commandName, err)
			}
			return fmt.Errorf("register /%s in guild %s: %w", commandName, g, err)
		}
	}
	return nil
}
