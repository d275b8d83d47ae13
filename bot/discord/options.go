package discord

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/locale"
)

// invocation is /unassign as Discord delivers it: the sub-command and its option values.
type invocation struct {
	sub     string
	strings map[string]string
	bools   map[string]bool
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
	inv := invocation{sub: sub.Name, strings: map[string]string{}, bools: map[string]bool{}}
	for _, o := range sub.Options {
		if o == nil {
			continue
		}
		switch v := o.Value.(type) {
		case string:
			inv.strings[o.Name] = v
		case bool:
			inv.bools[o.Name] = v
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

// commandText translates a sub-command into the text the handlers parse, e.g.
// `"alice@x" "bob@x" --product "Office 365 E3" --reason "…" --dry-run`. Every value is
// quoted, so no value can ever become a flag or a second word (quote). A refusal is in lang.
func commandText(inv invocation, lang string) (string, error) {
	var words []string
	add := func(w ...string) { words = append(words, w...) }
	value := func(name string) (string, error) {
		v := inv.strings[name]
		q, ok := quote(v)
		if !ok {
			return "", refusal(locale.For(lang).T("discord.refusal.quotes_in_option", "Option", name, "Value", fmt.Sprintf("%.40q", v)))
		}
		return q, nil
	}
	switch inv.sub {
	case subHelp:
		return "help", nil
	case subShow, subStatus, subUndo, subLink:
		name := optUser
		switch inv.sub {
		case subStatus, subUndo:
			name = optRequestID
		case subLink:
			name = optUPN
		}
		v, err := value(name)
		if err != nil {
			return "", err
		}
		return inv.sub + " " + v, nil
	case subRemove, subAll:
		users := splitUsers(inv.strings[optUsers])
		if len(users) == 0 {
			return "", refusal(locale.For(lang).T("discord.refusal.no_users"))
		}
		for _, u := range users {
			q, ok := quote(u)
			if !ok {
				return "", refusal(locale.For(lang).T("discord.refusal.quotes_in_user", "Value", fmt.Sprintf("%.40q", u)))
			}
			add(q)
		}
		if inv.sub == subAll {
			add("--all")
		} else if strings.TrimSpace(inv.strings[optProduct]) != "" {
			v, err := value(optProduct)
			if err != nil {
				return "", err
			}
			add("--product", v)
		}
		if strings.TrimSpace(inv.strings[optReason]) != "" {
			v, err := value(optReason)
			if err != nil {
				return "", err
			}
			add("--reason", v)
		}
		if inv.bools[optDryRun] {
			add("--dry-run")
		}
		return strings.Join(words, " "), nil
	}
	return "", refusal(locale.For(lang).T("discord.refusal.unknown_sub_command", "Command", commandName, "Sub", inv.sub))
}

// splitUsers cuts the users option at spaces and commas.
func splitUsers(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
}

// The handlers' parser (handlers/parse.go) closes a quote opened by " at any of "“”, one
// opened by ' at any of '‘’, and one opened by « only at »: chat clients turn typed quotes
// into typographic ones. A value is wrapped in the first kind whose closing marks it
// doesn't contain, so it comes back as exactly one quoted word, never a flag. A value that
// contains a closing mark of every kind can't be written safely: ok is false.
var quoteKinds = []struct{ open, close, closers string }{
	{`"`, `"`, "\"“”"},
	{`'`, `'`, "'‘’"},
	{"«", "»", "»"},
}

func quote(v string) (quoted string, ok bool) {
	for _, k := range quoteKinds {
		if !strings.ContainsAny(v, k.closers) {
			return k.open + v + k.close, true
		}
	}
	return "", false
}
