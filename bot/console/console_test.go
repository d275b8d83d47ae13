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
	if err := c.Run(context.Background(), strings.NewReader(script), h, users); err != nil {
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
