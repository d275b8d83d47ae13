package discord

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/handlers"
)

func TestArgs(t *testing.T) {
	tests := []struct {
		name    string
		inv     invocation
		want    bot.Args
		wantErr string
	}{
		{"help", invocation{sub: subHelp}, bot.Args{Verb: "help"}, ""},
		{"show", invocation{sub: subShow, strings: map[string]string{optUser: "alice@contoso.com"}}, bot.Args{Verb: "show", Users: []string{"alice@contoso.com"}}, ""},
		{"status", invocation{sub: subStatus, strings: map[string]string{optRequestID: "7k2m9q4x8w1r5t3y"}}, bot.Args{Verb: "status", RequestID: "7k2m9q4x8w1r5t3y"}, ""},
		{"undo", invocation{sub: subUndo, strings: map[string]string{optRequestID: " 7k2m9q4x8w1r5t3y "}}, bot.Args{Verb: "undo", RequestID: "7k2m9q4x8w1r5t3y"}, ""},
		{"link", invocation{sub: subLink, strings: map[string]string{optUPN: "alex@contoso.com"}}, bot.Args{Verb: "link", Users: []string{"alex@contoso.com"}}, ""},
		{"link status, own", invocation{sub: subLinkStatus}, bot.Args{Verb: "link_status"}, ""},
		{"unlink someone", invocation{sub: subUnlink, strings: map[string]string{optPerson: "80351110224678912"}}, bot.Args{Verb: "unlink", Users: []string{"<@80351110224678912>"}}, ""},
		{"all with a reason", invocation{sub: subAll, strings: map[string]string{optUsers: "a@x.com;b@x.com", optReason: "left"}},
			bot.Args{Verb: "all", Users: []string{"a@x.com", "b@x.com"}, Reason: "left"}, ""},
		{"remove a product, dry run", invocation{sub: subRemove, strings: map[string]string{optUsers: "o'brien@x.com", optProduct: "E3"}, bools: map[string]bool{optDryRun: true}},
			bot.Args{Verb: "remove", Users: []string{"o'brien@x.com"}, Products: []string{"E3"}, DryRun: true}, ""},
		{"a group", invocation{sub: subRemove, strings: map[string]string{optGroup: " Sales EMEA ", optProduct: "E3"}},
			bot.Args{Verb: "remove", Users: []string{}, Group: "Sales EMEA", Products: []string{"E3"}}, ""},
		{"a product's holders", invocation{sub: subRemove, strings: map[string]string{optProduct: "Visio"}, bools: map[string]bool{optHolders: true}},
			bot.Args{Verb: "remove", Users: []string{}, Holders: true, Products: []string{"Visio"}}, ""},
		{"inactive", invocation{sub: subInactive, strings: map[string]string{optProduct: "E3"}, numbers: map[string]float64{optDays: 90}},
			bot.Args{Verb: "inactive", Days: 90, Products: []string{"E3"}}, ""},
		{"inactive for no days", invocation{sub: subInactive, strings: map[string]string{optProduct: "E3"}, numbers: map[string]float64{optDays: 0}}, bot.Args{}, "whole number of days"},
		{"inactive for half a day", invocation{sub: subInactive, strings: map[string]string{optProduct: "E3"}, numbers: map[string]float64{optDays: 2.5}}, bot.Args{}, "whole number of days"},
		{"a leaver", invocation{sub: subLeaver, strings: map[string]string{optUser: " alex@contoso.com ", optReason: "left"}},
			bot.Args{Verb: "leaver", Users: []string{"alex@contoso.com"}, Reason: "left"}, ""},
		{"a leaver at a date", invocation{sub: subLeaver, strings: map[string]string{optUser: "alex@contoso.com", optAt: " 2026-12-04 18:00 "}},
			bot.Args{Verb: "leaver", Users: []string{"alex@contoso.com"}, At: "2026-12-04 18:00"}, ""},
		{"no users", invocation{sub: subRemove, strings: map[string]string{optUsers: " , "}}, bot.Args{}, "at least one user"},
		{"unknown sub-command", invocation{sub: "drop"}, bot.Args{}, "not a sub-command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := args(tt.inv, bot.English)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
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

// FuzzArgs: whatever is typed into the options, the handlers read back exactly the values
// given, and no flag that wasn't chosen: nothing is written out as text and parsed again.
func FuzzArgs(f *testing.F) {
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
		a, err := args(inv, bot.English)
		if err != nil {
			return // no users at all: refused in words
		}
		cmd, err := handlers.FromArgs(a, 0)
		if err != nil {
			return // a refusal is fine (a user that isn't an address, a long reason)
		}
		if cmd.DryRun != dryRun || cmd.All != all {
			t.Fatalf("dry-run %v all %v, want %v %v", cmd.DryRun, cmd.All, dryRun, all)
		}
		if !all && strings.TrimSpace(product) != "" && (len(cmd.Products) != 1 || cmd.Products[0] != strings.TrimSpace(product)) {
			t.Fatalf("products %q, want %q", cmd.Products, product)
		}
		if strings.TrimSpace(reason) != "" && cmd.Reason != strings.TrimSpace(reason) {
			t.Fatalf("reason %q, want %q", cmd.Reason, reason)
		}
		for _, u := range cmd.Users {
			if !strings.Contains(users, u) {
				t.Fatalf("user %q not typed as one", u)
			}
		}
	})
}
