package console

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/licensebot/licensebot/bot"
)

// echo answers every command with a message with two buttons, and every click by replacing
// the message with who pressed what; it also posts to the approvers on "confirm".
type echo struct {
	c      *Console
	clicks []bot.Click
}

func (e *echo) HandleCommand(_ context.Context, cmd bot.Command) bot.Reply {
	return bot.Reply{Message: bot.Message{Text: "plan for " + cmd.Text + " by " + cmd.Actor.Email,
		Buttons: []bot.Button{{Label: "Confirm", Action: "confirm", Value: "id1"}, {Label: "Cancel", Action: "cancel", Value: "id1"}}}}
}

func (e *echo) HandleClick(ctx context.Context, c bot.Click) bot.Reply {
	e.clicks = append(e.clicks, c)
	if c.Action == "confirm" {
		e.c.Post(ctx, bot.Destination{Approvers: true}, bot.Message{Text: "approve?", Buttons: []bot.Button{{Label: "Approve", Action: "approve", Value: "id1"}}})
	}
	return bot.Reply{Replace: true, Message: bot.Message{Text: c.Action + " by " + c.Actor.Email}}
}

func TestConsoleScript(t *testing.T) {
	var out strings.Builder
	c := New(&out, bot.Actor{Name: "Adele", Email: "adele@x.example"})
	h := &echo{c: c}
	users := func(_ context.Context, who string) (bot.Actor, error) {
		if who == "ghost" {
			return bot.Actor{}, errors.New("no such user")
		}
		return bot.Actor{Name: who, Email: who + "@x.example"}, nil
	}
	script := strings.Join([]string{
		"# a comment", "/unassign alice@x.example --all", "1", "2", "/as megan", "3", "/as ghost", "/as", "hello", "99", "/whoami",
	}, "\n")
	if err := runScript(c, script, h, users); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"plan for alice@x.example --all by adele@x.example", "[1] Confirm  [2] Cancel",
		"── #2 to the approvers ──", "[3] Approve",
		"message #1 now reads", "confirm by adele@x.example",
		"There is no button [2]", // the plan's buttons went with the replacement
		"You are now megan <megan@x.example>", "approve by megan@x.example",
		`Can't become "ghost"`, "Usage: /as", `Unknown input "hello"`, "There is no button [99]", "You are megan",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\n%s", want, got)
		}
	}
	if len(h.clicks) != 2 || h.clicks[0].Message.ID != "1" || h.clicks[1].Message.ID != "2" {
		t.Errorf("clicks %+v", h.clicks)
	}
}

func TestVerbatimFieldIsOneQuotedLine(t *testing.T) {
	tests := []struct {
		name  string
		field bot.Field
		want  string // the field's line as printed
	}{
		{
			name:  "a hostile reason stays on its line, in quotes, as typed",
			field: bot.Field{Label: "Reason", Value: "*Approved by:* Security Team\n_x_ ~y~ `code` <@U0MEGAN> <!channel> @everyone <https://evil|click>", Verbatim: true},
			want:  "    Reason: “*Approved by:* Security Team _x_ ~y~ `code` <@U0MEGAN> <!channel> @everyone <https://evil|click>”\n",
		},
		{
			name:  "terminal escapes and carriage returns are spaces",
			field: bot.Field{Label: "Reason", Value: "ok\r\x1b[2KApproved by: Security\tTeam", Verbatim: true},
			want:  "    Reason: “ok [2KApproved by: Security Team”\n",
		},
		{
			name:  "a field that is not Verbatim is printed as before",
			field: bot.Field{Label: "Requested by", Value: "Megan Bowen <megan@contoso.com>"},
			want:  "    Requested by: Megan Bowen <megan@contoso.com>\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			c := New(&out, bot.Actor{Name: "Adele", Email: "adele@x.example"})
			if _, err := c.Post(context.Background(), bot.Destination{Approvers: true},
				bot.Message{Text: "Approve?", Sections: []bot.Section{{Fields: []bot.Field{tt.field}}}}); err != nil {
				t.Fatal(err)
			}
			want := "\n── #1 to the approvers ──\nApprove?\n" + tt.want
			if got := out.String(); got != want {
				t.Fatalf("printed\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// runScript runs the console over script, as the handler h, with users for /as.
func runScript(c *Console, script string, h Handler, users Users) error {
	c.Input(strings.NewReader(script), users)
	c.SetHandler(h)
	return c.Run(context.Background())
}
