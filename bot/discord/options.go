package discord

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/locale"
)

// invocation is /unassign as Discord delivers it: the sub-command and its option values.
type invocation struct {
	sub     string
	strings map[string]string
	bools   map[string]bool
	numbers map[string]float64
	focused string // the option being typed, for autocomplete
}

// readInvocation reads the sub-command and its options without discordgo's typed getters,
// which panic on a value of another type than expected.
func readInvocation(data discordgo.ApplicationCommandInteractionData) (invocation, error) {
	if data.Name != commandName {
		return invocation{}, fmt.Errorf("command /%s is not licensebot's", data.Name)
	}
	if len(data.Options) != 1 || data.Options[0] == nil || data.Options[0].Type != discordgo.ApplicationCommandOptionSubCommand {
		return invocation{}, fmt.Errorf("/%s arrived without a sub-command", commandName)
	}
	sub := data.Options[0]
	inv := invocation{sub: sub.Name, strings: map[string]string{}, bools: map[string]bool{}, numbers: map[string]float64{}}
	for _, o := range sub.Options {
		if o == nil {
			continue
		}
		switch v := o.Value.(type) {
		case string:
			inv.strings[o.Name] = v
		case bool:
			inv.bools[o.Name] = v
		case float64: // an integer option, as JSON numbers decode
			inv.numbers[o.Name] = v
		}
		if o.Focused {
			inv.focused = o.Name
		}
	}
	return inv, nil
}

// refusal is a reason to refuse a command's options, in words for the person who typed it.
type refusal string

func (r refusal) Error() string { return string(r) }

// args is a sub-command as the handlers read it (bot.Args): the option values as typed,
// never written out as text to be parsed again, so no value can become a flag or a second
// word. A sub-command licensebot doesn't have is refused, in lang.
func args(inv invocation, lang string) (bot.Args, error) {
	a := bot.Args{Verb: inv.sub}
	switch inv.sub {
	case subHelp:
	case subShow:
		a.Users = []string{inv.strings[optUser]}
	case subLink:
		if upn := inv.strings[optUPN]; upn != "" {
			a.Users = []string{upn}
		}
	case subLinkStatus, subUnlink:
		// A user option's value is the person's id: given to the handlers as a mention.
		if id := strings.TrimSpace(inv.strings[optPerson]); id != "" {
			a.Users = []string{"<@" + id + ">"}
		}
	case subStatus, subUndo:
		a.RequestID = strings.TrimSpace(inv.strings[optRequestID])
	case subLeaver:
		a.Users = []string{strings.TrimSpace(inv.strings[optUser])}
		a.At = strings.TrimSpace(inv.strings[optAt])
		a.Reason = inv.strings[optReason]
		a.DryRun = inv.bools[optDryRun]
	case subInactive:
		d := inv.numbers[optDays]
		if d != math.Trunc(d) || d < 1 || d > 3650 {
			return bot.Args{}, refusal(locale.For(lang).T("discord.refusal.days"))
		}
		a.Days = int(d)
		a.At = strings.TrimSpace(inv.strings[optAt])
		if p := strings.TrimSpace(inv.strings[optProduct]); p != "" {
			a.Products = []string{p}
		}
		a.Reason = inv.strings[optReason]
		a.DryRun = inv.bools[optDryRun]
	case subRemove, subAll:
		a.Users = splitUsers(inv.strings[optUsers])
		a.Group = strings.TrimSpace(inv.strings[optGroup])
		a.At = strings.TrimSpace(inv.strings[optAt])
		a.Holders = inv.sub == subRemove && inv.bools[optHolders]
		if len(a.Users) == 0 && a.Group == "" && !a.Holders {
			// Nothing names anyone (the users may be only spaces and commas).
			return bot.Args{}, refusal(locale.For(lang).T("discord.refusal.no_users"))
		}
		if inv.sub == subRemove && strings.TrimSpace(inv.strings[optProduct]) != "" {
			a.Products = []string{inv.strings[optProduct]}
		}
		a.Reason = inv.strings[optReason]
		a.DryRun = inv.bools[optDryRun]
	default:
		return bot.Args{}, refusal(locale.For(lang).T("discord.refusal.unknown_sub_command", "Command", commandName, "Sub", inv.sub))
	}
	return a, nil
}

// asked says what a sub-command asked, for logs and the audit (bot.Command.Text): the
// handlers read its Args, never this.
func asked(inv invocation) string {
	parts := []string{inv.sub}
	for _, name := range slices.Sorted(maps.Keys(inv.strings)) {
		if v := strings.TrimSpace(inv.strings[name]); v != "" {
			parts = append(parts, name+":"+v)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(inv.numbers)) {
		parts = append(parts, fmt.Sprintf("%s:%g", name, inv.numbers[name]))
	}
	for _, name := range slices.Sorted(maps.Keys(inv.bools)) {
		if inv.bools[name] {
			parts = append(parts, name+":true")
		}
	}
	return strings.Join(parts, " ")
}

// splitUsers cuts the users option at spaces and commas.
func splitUsers(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
}
