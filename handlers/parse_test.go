package handlers

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/licensebot/licensebot/bot"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want Command
		bad  string // part of the error, when the input is refused
	}{
		{name: "one user and a quoted product", text: `alice@contoso.com --product "Office 365 E3"`,
			want: Command{Users: []string{"alice@contoso.com"}, Products: []string{"Office 365 E3"}}},
		{name: "typographic quotes as chat clients insert them", text: `alice@contoso.com --product “Office 365 E3” --reason ‘left the company’`,
			want: Command{Users: []string{"alice@contoso.com"}, Products: []string{"Office 365 E3"}, Reason: "left the company"}},
		{name: "German low-high quotes", text: `alice@contoso.com -p „Office 365 E3“`,
			want: Command{Users: []string{"alice@contoso.com"}, Products: []string{"Office 365 E3"}}},
		{name: "flag=value with quotes", text: `alice@contoso.com --product="Office 365 E3" --dry-run`,
			want: Command{Users: []string{"alice@contoso.com"}, Products: []string{"Office 365 E3"}, DryRun: true}},
		{name: "several users and products", text: `a@x.com b@x.com -p ENTERPRISEPACK -p POWER_BI_PRO`,
			want: Command{Users: []string{"a@x.com", "b@x.com"}, Products: []string{"ENTERPRISEPACK", "POWER_BI_PRO"}}},
		{name: "the same user twice counts once", text: `a@x.com A@X.com --all`,
			want: Command{Users: []string{"a@x.com"}, All: true}},
		{name: "all licenses", text: `a@x.com b@x.com --all --reason leaver`,
			want: Command{Users: []string{"a@x.com", "b@x.com"}, All: true, Reason: "leaver"}},
		{name: "a leaver", text: `leaver alice@contoso.com --reason "last day"`,
			want: Command{Users: []string{"alice@contoso.com"}, All: true, Leaver: true, Reason: "last day"}},
		{name: "a leaver at a date", text: `leaver alice@contoso.com --at "2026-12-04 18:00"`,
			want: Command{Users: []string{"alice@contoso.com"}, All: true, Leaver: true, At: "2026-12-04 18:00"}},
		{name: "a time twice", text: `a@x.com -p E3 --at "2026-12-04 18:00" --at "2026-12-05 18:00"`, bad: "given twice"},
		{name: "a leaver, two users", text: `leaver a@x.com b@x.com`, bad: "takes exactly one user"},
		{name: "a leaver's product", text: `leaver a@x.com --product E3`, bad: "takes exactly one user"},
		{name: "a leaver nobody", text: `leaver`, bad: "name at least one user"},
		{name: "inactive holders", text: `inactive 90 --product "Office 365 E3" --dry-run`,
			want: Command{Inactive: 90, Products: []string{"Office 365 E3"}, DryRun: true}},
		{name: "inactive without days", text: `inactive --product E3`, bad: "number of days"},
		{name: "inactive forever", text: `inactive 9999 --product E3`, bad: "number of days"},
		{name: "inactive of everything", text: `inactive 90 --all`, bad: "needs the products to look at"},
		{name: "inactive and users", text: `inactive 90 a@x.com -p E3`, bad: "can't be named together"},
		{name: "a group by name", text: `--group "Sales EMEA" --product "Office 365 E3" --reason "team closed"`,
			want: Command{Group: "Sales EMEA", Products: []string{"Office 365 E3"}, Reason: "team closed"}},
		{name: "a group by id, every license", text: `-g 6e7b768e-07e2-4810-8459-485f84f8f204 --all`,
			want: Command{Group: "6e7b768e-07e2-4810-8459-485f84f8f204", All: true}},
		{name: "a product's holders", text: `--holders --product Visio`, want: Command{Holders: true, Products: []string{"Visio"}}},
		{name: "a group and users", text: `a@x.com --group Sales --all`, bad: "can't be named together with --group"},
		{name: "a group and holders", text: `--group Sales --holders -p Visio`, bad: "can't be used with --group"},
		{name: "holders of two products", text: `--holders -p Visio -p E3`, bad: "needs exactly one --product"},
		{name: "holders of everything", text: `--holders --all`, bad: "needs exactly one --product"},
		{name: "a group without licenses named", text: `--group Sales`, bad: "say which licenses go"},
		{name: "a group twice", text: `--group A --group B --all`, bad: "given twice"},
		{name: "a group without a name", text: `--group --all`, bad: "needs a value"},
		{name: "one user alone picks", text: `a@x.com`, want: Command{Users: []string{"a@x.com"}}},
		{name: "object id", text: `6e7b768e-07e2-4810-8459-485f84f8f204 --all`,
			want: Command{Users: []string{"6e7b768e-07e2-4810-8459-485f84f8f204"}, All: true}},
		{name: "apostrophe in an address stays literal", text: `o'brien@contoso.com --all`,
			want: Command{Users: []string{"o'brien@contoso.com"}, All: true}},
		{name: "Turkish letters in an address", text: `ilkay.şahin@contoso.com.tr --all`,
			want: Command{Users: []string{"ilkay.şahin@contoso.com.tr"}, All: true}},
		{name: "help", text: "help", want: Command{Verb: VerbHelp}},
		{name: "empty is help", text: "  ", want: Command{Verb: VerbHelp}},
		{name: "show", text: "show alice@contoso.com", want: Command{Verb: VerbShow, Users: []string{"alice@contoso.com"}}},
		{name: "status", text: "status 0123456789abcdefghijklmnop", want: Command{Verb: VerbStatus, RequestID: "0123456789abcdefghijklmnop"}},

		{name: "unknown flag is named", text: `a@x.com --force`, bad: "--force"},
		{name: "product without a value", text: `a@x.com --product`, bad: "--product: needs a value"},
		{name: "product followed by a flag", text: `a@x.com --product --all`, bad: "--product: needs a value"},
		{name: "malformed user is named", text: `alice --all`, bad: `"alice"`},
		{name: "OData injection never reaches Graph", text: `x@y.com' or 1 eq 1 --all`, bad: "is not a user"},
		{name: "unclosed quote", text: `a@x.com --product "Office 365`, bad: "never closed"},
		{name: "all and product together", text: `a@x.com --all -p E3`, bad: "--all"},
		{name: "several users need a product", text: `a@x.com b@x.com`, bad: "--product"},
		{name: "no user", text: `--all`, bad: "at least one user"},
		{name: "status needs an id", text: `status`, bad: "status"},
		{name: "show needs one user", text: `show a@x.com b@x.com`, bad: "show"},
		{name: "a quoted flag is not a flag", text: `a@x.com "--all"`, bad: "is not a user"},
		// Mistyped addresses Graph would refuse are refused here, each named with its reason.
		{name: "two dots in a row", text: `a..b@contoso.example --all`, bad: `"a..b@contoso.example": has two dots in a row before the @`},
		{name: "a leading dot", text: `.alice@contoso.example --all`, bad: `".alice@contoso.example": starts or ends with a dot before the @`},
		{name: "two dots in the domain", text: `alice@contoso..example --all`, bad: `"alice@contoso..example": has two dots in a row, or a dot at an end, after the @`},
		{name: "a 65-character local part", text: strings.Repeat("a", 65) + `@contoso.example --all`, bad: "has more than 64 characters before the @"},
		{name: "every bad address is named at once", text: `a..b@x.com ok@x.com .c@x.com --all`, bad: `"a..b@x.com": has two dots in a row before the @; ".c@x.com": starts or ends with a dot before the @`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.text, 3)
			if tt.bad != "" {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("Parse(%q) = %+v, %v; want a ParseError mentioning %q", tt.text, got, err, tt.bad)
				}
				if !strings.Contains(err.Error(), tt.bad) {
					t.Fatalf("Parse(%q) error %q does not mention %q", tt.text, err, tt.bad)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.text, err)
			}
			if got.Verb != tt.want.Verb || !slices.Equal(got.Users, tt.want.Users) || !slices.Equal(got.Products, tt.want.Products) ||
				got.All != tt.want.All || got.Reason != tt.want.Reason || got.DryRun != tt.want.DryRun || got.RequestID != tt.want.RequestID {
				t.Fatalf("Parse(%q)\n got %+v\nwant %+v", tt.text, got, tt.want)
			}
		})
	}
}

func TestParseRefusesMoreTargetsThanTheMaximum(t *testing.T) {
	t.Parallel()
	_, err := Parse("a@x.com b@x.com c@x.com d@x.com --all", 3)
	if err == nil || !strings.Contains(err.Error(), "at most 3") {
		t.Fatalf("want a refusal naming the maximum, got %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`alice@contoso.com --product "Office 365 E3"`, `a@x.com b@x.com --all --reason “x”`, `show a@x.com`,
		`status abcdefghijklmnop`, `a@x.com --product="E3" -n`, `<mailto:a@b.co|a@b.co>`, `"`, `„`, `--product=`, `a@x.com -p ''`,
		`link status`, `link status <@U024BE7LH|bob>`, `unlink <@!80351110224678912>`, `unlink dan@contoso.com`, `unlink @dan --all`, `link`, `--group "Sales EMEA" --all`, `--holders -p Visio`, `-g=x --holders`, `inactive 90 -p E3`, `inactive 0`, `leaver a@x.com`, `leaver a@x.com --all`, `a@x.com -p E3 --at "2026-12-04 18:00"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cmd, err := Parse(text, 50)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) returned a %T, want *ParseError", text, err)
			}
			return
		}
		// Whatever is accepted as a user must be safe to hand to Graph, or a mention that the
		// platform turns into an address after the caller is authorized.
		for _, u := range cmd.Users {
			if !IsUserQuery(u) && !bot.IsMention(u) {
				t.Fatalf("Parse(%q) accepted user %q", text, u)
			}
		}
		if cmd.Verb == VerbUnassign && len(cmd.Users) == 0 && cmd.Group == "" && !cmd.Holders && cmd.Inactive == 0 {
			t.Fatalf("Parse(%q) accepted an unassign without users, group or holders", text)
		}
		if (cmd.Group != "" || cmd.Holders) && (len(cmd.Users) > 0 || (cmd.Group != "" && cmd.Holders) || len(cmd.Group) > 256) {
			t.Fatalf("Parse(%q) accepted %+v", text, cmd)
		}
		if len(cmd.Users) > 50 {
			t.Fatalf("Parse(%q) accepted %d users", text, len(cmd.Users))
		}
		// The person a link command is about is one token, a mention or an address.
		if cmd.Whose != "" && (strings.ContainsAny(cmd.Whose, " \t\r\n") || !(IsUserQuery(cmd.Whose) || bot.IsMention(cmd.Whose))) {
			t.Fatalf("Parse(%q) is about %q", text, cmd.Whose)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	text := `alice@contoso.com bob@contoso.com carol@contoso.com --product “Office 365 E3” --product POWER_BI_PRO --reason "left the company"`
	for b.Loop() {
		if _, err := Parse(text, 100); err != nil {
			b.Fatal(err)
		}
	}
}

// A Turkish keyboard types İ for a capital i and ı for a lower-case I: addresses and
// sub-commands still mean what they say.
func TestTurkishKeyboardCasing(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{`ALİCE@CONTOSO.EXAMPLE --all`, "ALiCE@CONTOSO.EXAMPLE"},
		{`alıce@contoso.example --all`, "alice@contoso.example"},
		{`İlkay@contoso.example --all`, "ilkay@contoso.example"},
	} {
		cmd, err := Parse(c.in, 0)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if cmd.Users[0] != c.want {
			t.Errorf("%s: user %q, want %q", c.in, cmd.Users[0], c.want)
		}
	}
	if cmd, err := Parse("HELP", 0); err != nil || cmd.Verb != VerbHelp {
		t.Errorf("HELP: %+v %v", cmd, err)
	}
	if cmd, err := Parse("STATUS abcdefghijklmnop0123", 0); err != nil || cmd.Verb != VerbStatus {
		t.Errorf("STATUS: %+v %v", cmd, err)
	}
}

func TestIsQuickCommand(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]bool{
		"":                                  true,
		"help":                              true,
		"show alice@contoso.com":            true,
		"status 7k2m9q4x8w1r5t3y":           true,
		"--bogus":                           true,
		"alice@contoso.com --all":           false,
		"undo 7k2m9q4x8w1r5t3y":             false,
		"alice@contoso.com --all --dry-run": false,
	} {
		if got := IsQuickCommand(text); got != want {
			t.Errorf("IsQuickCommand(%q) = %v, want %v", text, got, want)
		}
	}
}

// A command delivered structured (Discord's typed options) is read with Parse's rules, value
// by value: the same Command as the typed text, and the same refusals.
func TestFromArgs(t *testing.T) {
	tests := []struct {
		name string
		args bot.Args
		text string // what Parse reads to the same Command; "" when refused
		bad  string
	}{
		{name: "remove", args: bot.Args{Verb: "remove", Users: []string{"alice@contoso.com"}, Products: []string{" Office 365 E3 "}, Reason: " left ", DryRun: true},
			text: `alice@contoso.com --product "Office 365 E3" --reason left --dry-run`},
		{name: "all", args: bot.Args{Verb: "all", Users: []string{"a@x.com", "A@X.com", "b@x.com"}}, text: `a@x.com b@x.com --all`},
		{name: "a value that looks like a flag is a value", args: bot.Args{Verb: "remove", Users: []string{"a@x.com"}, Products: []string{"--all"}},
			text: `a@x.com --product "--all"`},
		{name: "show", args: bot.Args{Verb: "show", Users: []string{"alice@contoso.com"}}, text: "show alice@contoso.com"},
		{name: "inactive", args: bot.Args{Verb: "inactive", Days: 90, Products: []string{"Office 365 E3"}, DryRun: true},
			text: `inactive 90 --product "Office 365 E3" --dry-run`},
		{name: "a group", args: bot.Args{Verb: "remove", Group: " Sales ", Products: []string{"Visio"}}, text: `--group Sales --product Visio`},
		{name: "holders", args: bot.Args{Verb: "remove", Holders: true, Products: []string{"Visio"}}, text: `--holders --product Visio`},
		{name: "inactive for no days", args: bot.Args{Verb: "inactive", Products: []string{"E3"}}, bad: "number of days"},
		{name: "a leaver", args: bot.Args{Verb: "leaver", Users: []string{"alice@contoso.com"}, Reason: "last day"}, text: `leaver alice@contoso.com --reason "last day"`},
		{name: "a removal at a date", args: bot.Args{Verb: "remove", Users: []string{"a@x.com"}, Products: []string{"E3"}, At: "2026-12-04 18:00"},
			text: `a@x.com --product E3 --at "2026-12-04 18:00"`},
		{name: "status", args: bot.Args{Verb: "status", RequestID: "0123456789abcdefghijklmnop"}, text: "status 0123456789abcdefghijklmnop"},
		{name: "help", args: bot.Args{Verb: "help"}, text: "help"},
		{name: "every bad address named", args: bot.Args{Verb: "all", Users: []string{"a..b@x.com", ".c@x.com"}}, bad: `"a..b@x.com": has two dots in a row before the @; ".c@x.com"`},
		{name: "a flag as a user is no user", args: bot.Args{Verb: "all", Users: []string{"--all"}}, bad: `"--all"`},
		{name: "no users", args: bot.Args{Verb: "remove"}, bad: "name at least one user"},
		{name: "a bad request id", args: bot.Args{Verb: "undo", RequestID: "x"}, bad: "undo"},
		{name: "a long reason", args: bot.Args{Verb: "all", Users: []string{"a@x.com"}, Reason: strings.Repeat("x", 501)}, bad: "--reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromArgs(tt.args, 3)
			if tt.bad != "" {
				if err == nil || !strings.Contains(err.Error(), tt.bad) {
					t.Fatalf("FromArgs(%+v) = %+v, %v; want an error naming %q", tt.args, got, err, tt.bad)
				}
				return
			}
			want, perr := Parse(tt.text, 3)
			if err != nil || perr != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("FromArgs = %+v, %v\nParse(%q) = %+v, %v", got, err, tt.text, want, perr)
			}
		})
	}
}
