package discord

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
)

// The command and its sub-commands and options, as registered and as they arrive.
const (
	commandName = "unassign"

	subRemove = "remove"
	subAll    = "all"
	subShow   = "show"
	subStatus = "status"
	subUndo   = "undo"
	subLink   = "link"
	subHelp   = "help"

	optUsers     = "users"
	optUser      = "user"
	optProduct   = "product"
	optReason    = "reason"
	optDryRun    = "dry_run"
	optRequestID = "request_id"
	optUPN       = "upn"
)

// Discord's limits on option values (https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-option-structure).
// handlers.Parse takes at most 500 characters of reason; users get the most room Discord allows.
const (
	maxOptionLength = 6000
	maxReasonLength = 500
)

// applicationCommands is /unassign as Discord shows it, described in lang. Sub-commands say
// plainly what the text syntax says with flags; each is translated back into that syntax
// (options.go).
func applicationCommands(lang string) []*discordgo.ApplicationCommand {
	users := &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionString, Name: optUsers, Required: true, MaxLength: maxOptionLength,
		Description: "UPNs or e-mail addresses, separated by spaces or commas",
	}
	reason := &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionString, Name: optReason, MaxLength: maxReasonLength,
		Description: "Why, for the approver and the audit",
	}
	dryRun := &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionBoolean, Name: optDryRun,
		Description: "Only show what would happen",
	}
	noDMs := false
	cmds := []*discordgo.ApplicationCommand{{
		Name:         commandName,
		Description:  "Remove Microsoft 365 licenses, after confirmation and approval",
		DMPermission: &noDMs,
		Options: []*discordgo.ApplicationCommandOption{
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subRemove,
				Description: "Remove one product (or pick from a user's licenses)",
				Options: []*discordgo.ApplicationCommandOption{users, {
					Type: discordgo.ApplicationCommandOptionString, Name: optProduct, Autocomplete: true, MaxLength: 100,
					Description: "The product, e.g. Office 365 E3 (leave out with one user to pick)",
				}, reason, dryRun},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subAll,
				Description: "Remove every directly assigned license",
				Options:     []*discordgo.ApplicationCommandOption{users, reason, dryRun},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subShow,
				Description: "Show a user's licenses",
				Options: []*discordgo.ApplicationCommandOption{{
					Type: discordgo.ApplicationCommandOptionString, Name: optUser, Required: true, MaxLength: 256,
					Description: "UPN or e-mail address",
				}},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subStatus,
				Description: "Show where a request stands",
				Options: []*discordgo.ApplicationCommandOption{{
					Type: discordgo.ApplicationCommandOptionString, Name: optRequestID, Required: true, MaxLength: 64,
					Description: "The request id shown under the request",
				}},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subUndo,
				Description: "Give back what a removal took, as it was assigned (within 30 days)",
				Options: []*discordgo.ApplicationCommandOption{{
					Type: discordgo.ApplicationCommandOptionString, Name: optRequestID, Required: true, MaxLength: 64,
					Description: "The id of the removal request, shown under its outcome",
				}},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subLink,
				Description: "Link your Discord account to your work account (an approver confirms)",
				Options: []*discordgo.ApplicationCommandOption{{
					Type: discordgo.ApplicationCommandOptionString, Name: optUPN, Required: true, MaxLength: 256,
					Description: "Your work address (UPN)",
				}},
			},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: subHelp, Description: "How /unassign works"},
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

// describe is a description in lang, and in the other language as Discord's localizations
// of it: Discord shows each person the description in their client's language when it has
// one, else the default.
func describe(english, lang string) (string, map[discordgo.Locale]string) {
	turkish, ok := turkishText[english]
	if !ok {
		turkish = english
	}
	if lang == bot.Turkish {
		return turkish, map[discordgo.Locale]string{discordgo.EnglishUS: english, discordgo.EnglishGB: english}
	}
	return english, map[discordgo.Locale]string{discordgo.Turkish: turkish}
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
