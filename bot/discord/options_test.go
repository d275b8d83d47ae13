package discord

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/handlers"
)

func TestCommandText(t *testing.T) {
	tests := []struct {
		name    string
		inv     invocation
		want    string
		wantErr string
	}{
		{"help", invocation{sub: subHelp}, "help", ""},
		{"show", invocation{sub: subShow, strings: map[string]string{optUser: "alice@contoso.com"}}, `show "alice@contoso.com"`, ""},
		{"status", invocation{sub: subStatus, strings: map[string]string{optRequestID: "7k2m9q4x8w1r5t3y"}}, `status "7k2m9q4x8w1r5t3y"`, ""},
		{"undo", invocation{sub: subUndo, strings: map[string]string{optRequestID: "7k2m9q4x8w1r5t3y"}}, `undo "7k2m9q4x8w1r5t3y"`, ""},
		{"link", invocation{sub: subLink, strings: map[string]string{optUPN: "alex@contoso.com"}}, `link "alex@contoso.com"`, ""},
		{"a link to a flag stays an address", invocation{sub: subLink, strings: map[string]string{optUPN: "--all"}}, `link "--all"`, ""},
		{"all with a reason", invocation{sub: subAll, strings: map[string]string{optUsers: "a@x.com;b@x.com", optReason: "left"}},
			`"a@x.com" "b@x.com" --all --reason "left"`, ""},
		{"a flag typed as a user stays a user", invocation{sub: subRemove, strings: map[string]string{optUsers: "--all"}}, `"--all"`, ""},
		{"a reason with double quotes is single-quoted", invocation{sub: subRemove, strings: map[string]string{optUsers: "a@x.com", optReason: `say "hi" --all`}},
			`"a@x.com" --reason 'say "hi" --all'`, ""},
		{"an address with an apostrophe", invocation{sub: subRemove, strings: map[string]string{optUsers: "o'brien@x.com"}, bools: map[string]bool{optDryRun: true}},
			`"o'brien@x.com" --dry-run`, ""},
		{"no users", invocation{sub: subRemove, strings: map[string]string{optUsers: " , "}}, "", "at least one user"},
		{"every kind of quote", invocation{sub: subRemove, strings: map[string]string{optUsers: "a@x.com", optProduct: `"'»`}}, "", "quotation mark"},
		{"unknown sub-command", invocation{sub: "drop"}, "", "not a sub-command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := commandText(tt.inv, bot.English)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestReadInvocationNeverPanicsOnOddValues(t *testing.T) {
	data := discordgo.ApplicationCommandInteractionData{Name: commandName, Options: []*discordgo.ApplicationCommandInteractionDataOption{{
		Type: discordgo.ApplicationCommandOptionSubCommand, Name: subRemove,
		Options: []*discordgo.ApplicationCommandInteractionDataOption{nil, {Name: optUsers, Type: discordgo.ApplicationCommandOptionString, Value: 42.0}},
	}}}
	inv, err := readInvocation(data)
	if err != nil || inv.strings[optUsers] != "" {
		t.Fatalf("%+v %v", inv, err)
	}
	if _, err := readInvocation(discordgo.ApplicationCommandInteractionData{Name: commandName}); err == nil {
		t.Fatal("no sub-command accepted")
	}
}

// FuzzCommandText: whatever is typed into the options, the handlers' parser reads back
// exactly the values given, and no flag that wasn't chosen.
func FuzzCommandText(f *testing.F) {
	f.Add("alice@contoso.com bob@contoso.com", "Office 365 E3", "left", false, false)
	f.Add("a@x.com", `E3" --all --reason "x`, `'--dry-run'`, true, false)
	f.Add("a@x.com,--all", "«E3»", "“quoted” ‘too’", false, true)
	f.Add("a@x.com", "", "-n", false, false)
	f.Fuzz(func(t *testing.T, users, product, reason string, dryRun, all bool) {
		if !utf8.ValidString(users + product + reason) {
			return // Discord's option values are JSON strings: always UTF-8
		}
		sub := subRemove
		if all {
			sub = subAll
		}
		inv := invocation{sub: sub, strings: map[string]string{optUsers: users, optProduct: product, optReason: reason}, bools: map[string]bool{optDryRun: dryRun}}
		text, err := commandText(inv, bot.English)
		if err != nil {
			return
		}
		cmd, err := handlers.Parse(text, 0)
		if err != nil {
			// A refusal is fine (a user that isn't an address, a long reason): a flag from a
			// value would not be refused, it would be obeyed.
			return
		}
		if cmd.DryRun != dryRun || cmd.All != all {
			t.Fatalf("%q: dry-run %v all %v, want %v %v", text, cmd.DryRun, cmd.All, dryRun, all)
		}
		wantProducts := 0
		if !all && strings.TrimSpace(product) != "" {
			wantProducts = 1
			if cmd.Products[0] != strings.TrimSpace(product) {
				t.Fatalf("%q: product %q, want %q", text, cmd.Products[0], product)
			}
		}
		if len(cmd.Products) != wantProducts {
			t.Fatalf("%q: products %q", text, cmd.Products)
		}
		if strings.TrimSpace(reason) != "" && cmd.Reason != strings.TrimSpace(reason) {
			t.Fatalf("%q: reason %q, want %q", text, cmd.Reason, reason)
		}
		for _, u := range cmd.Users {
			if strings.HasPrefix(u, "-") || !strings.Contains(users, u) {
				t.Fatalf("%q: user %q not typed as one", text, u)
			}
		}
	})
}
