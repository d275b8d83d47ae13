package discord

import (
	"slices"
	"strings"
	"testing"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/bot/discord/discordfake"
)

func TestLinkRequestApprovedByAnApproverMapsTheUser(t *testing.T) {
	w := newWorld(t)
	w.deliver(t, command(t, "7000", strangerID, []string{otherRole}, subLink, opt(optUPN, "stranger@contoso.com")))
	if m := w.original(t, "token-7000"); !strings.Contains(m.Content, "asked the approvers") {
		t.Fatalf("answer %q", m.Content)
	}
	posted := w.discord.Messages(approvalChannel)
	if len(posted) != 1 {
		t.Fatalf("%d messages in the approval channel", len(posted))
	}
	req := posted[0]
	if !strings.HasPrefix(req.Content, "<@&"+approverRole+">") || !strings.Contains(req.Content, "stranger@contoso.com") {
		t.Fatalf("link request %q doesn't mention the approver role", req.Content)
	}
	buttons := req.Buttons()
	if len(buttons) != 2 || !strings.HasPrefix(buttons[0], actionLinkApprove+":") || !strings.HasPrefix(buttons[1], actionLinkDeny+":") {
		t.Fatalf("buttons %v", buttons)
	}
	approve := buttons[0]

	press := func(id, user string, roles ...string) {
		t.Helper()
		if a := decodeAck(t, w.deliver(t, click(t, id, user, roles, approve, approvalChannel, req.ID, false))); a.Type != 6 {
			t.Fatalf("ack %+v", a)
		}
		w.platform.Wait()
	}
	lastFollowup := func(id string) string {
		t.Helper()
		f := w.discord.Followups("token-" + id)
		if len(f) != 1 || !f[0].Ephemeral() {
			t.Fatalf("follow-ups of %s: %+v", id, f)
		}
		return f[0].Content
	}

	// The requester can't confirm themselves, even holding the role; nor can someone without it.
	press("7001", strangerID, approverRole)
	if got := lastFollowup("7001"); !strings.Contains(got, "your own link") {
		t.Fatalf("requester told %q", got)
	}
	press("7002", otherApproverID, otherRole)
	if got := lastFollowup("7002"); !strings.Contains(got, "approver role") {
		t.Fatalf("non-approver told %q", got)
	}
	if _, ok, _ := w.platform.links.upn(t.Context(), strangerID); ok {
		t.Fatal("linked before an approver approved")
	}

	press("7003", approverID, otherRole, approverRole)
	decided, _ := w.discord.Message(req.ID)
	if len(decided.Buttons()) != 0 || !strings.Contains(decided.Content, "approved by") {
		t.Fatalf("request after approval: %+v", decided)
	}
	dm := w.discord.Messages(w.discord.DMChannel(strangerID))
	if len(dm) != 1 || !strings.Contains(dm[0].Content, "now linked to stranger@contoso.com") {
		t.Fatalf("requester's DMs %+v", dm)
	}

	// Decided once: a second approval changes nothing.
	press("7004", otherApproverID, approverRole)
	if got := lastFollowup("7004"); !strings.Contains(got, "already been decided") {
		t.Fatalf("second approver told %q", got)
	}

	// The user's next command carries their work address.
	w.deliver(t, command(t, "7005", strangerID, []string{otherRole}, subShow, opt(optUser, "alice@contoso.com")))
	w.platform.Wait()
	cmds := w.handler.Commands()
	if len(cmds) != 1 || cmds[0].Actor.Email != "stranger@contoso.com" || !slices.Equal(cmds[0].Actor.Groups, []string{otherRole}) {
		t.Fatalf("commands %+v", cmds)
	}
	// And a Post to their address finds them.
	ref, err := w.platform.Post(t.Context(), bot.Destination{Email: "Stranger@Contoso.com"}, bot.Message{Text: "Approve?"})
	if err != nil || ref.Channel != w.discord.DMChannel(strangerID) {
		t.Fatalf("post by e-mail: %+v %v", ref, err)
	}
}

func TestLinkRequestDenied(t *testing.T) {
	w := newWorld(t)
	w.deliver(t, command(t, "7100", strangerID, nil, subLink, opt(optUPN, "ceo@contoso.com")))
	w.platform.Wait()
	req := w.discord.Messages(approvalChannel)[0]
	w.deliver(t, click(t, "7101", approverID, []string{approverRole}, req.Buttons()[1], approvalChannel, req.ID, false))
	w.platform.Wait()
	if m, _ := w.discord.Message(req.ID); !strings.Contains(m.Content, "denied by") || len(m.Buttons()) != 0 {
		t.Fatalf("request after denial %+v", m)
	}
	if _, ok, _ := w.platform.links.upn(t.Context(), strangerID); ok {
		t.Fatal("a denied link was stored")
	}
}

func TestLinkRefusals(t *testing.T) {
	tests := []struct {
		name, user, upn, want string
	}{
		{"not an address", strangerID, "--all", "isn't a work address"},
		{"a mapping from configuration can't be changed", masonID, "boss@contoso.com", "configuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.deliver(t, command(t, "7200", tt.user, nil, subLink, opt(optUPN, tt.upn)))
			if m := w.original(t, "token-7200"); !strings.Contains(m.Content, tt.want) {
				t.Fatalf("answer %q, want %q", m.Content, tt.want)
			}
			if n := len(w.discord.Messages(approvalChannel)); n != 0 {
				t.Fatalf("a link request was posted")
			}
		})
	}
}

func TestPostToAnAddressWithoutLinkedAccountFails(t *testing.T) {
	w := newWorld(t)
	_, err := w.platform.Post(t.Context(), bot.Destination{Email: "manager@contoso.com"}, bot.Message{Text: "Approve?"})
	if err == nil || !strings.Contains(err.Error(), "no Discord account is linked") {
		t.Fatalf("err %v", err)
	}
	if n := len(w.discord.Calls(discordfake.RouteCreateMessage)); n != 0 {
		t.Fatalf("posted anyway")
	}
}
