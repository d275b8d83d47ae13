package handlers

import (
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/locale"
)

// The messages about link requests, from the catalogue's [link] words.

// linkRequestedMessage answers /unassign link: who was asked, and how long they have.
func linkRequestedMessage(l locale.Lang, r *Request, o Options) bot.Message {
	return bot.Message{
		Text:   l.T("link.requested", "UPN", r.Link.UPN, "Wait", l.Duration(o.LinkTTL)),
		Footer: l.T("link.footer", "ID", r.ID),
	}
}

// linkApprovalMessage is what the approvers are asked, in l (the shared language). The
// name a person gives themselves in chat is theirs to choose, so it is shown as their words
// (Verbatim), beside the account's id, which is the platform's.
func linkApprovalMessage(l locale.Lang, r *Request, o Options) bot.Message {
	fields := []bot.Field{
		{Label: l.T("link.approval.account"), Value: chatAccountLabel(r.Link.Account)},
		{Label: l.T("link.approval.name"), Value: r.Requester.DisplayName, Verbatim: r.Requester.UserID == ""},
		{Label: l.T("link.approval.user"), Value: r.Link.DisplayName + " <" + r.Link.UPN + ">"},
	}
	if r.Requester.UserID != "" {
		fields = append(fields, bot.Field{Label: l.T("link.approval.known_as"), Value: r.Requester.UPN})
	}
	if r.Link.Was != "" {
		fields = append(fields, bot.Field{Label: l.T("link.approval.was"), Value: r.Link.Was})
	}
	return bot.Message{
		Text:     l.T("link.approval.text", "User", r.Link.UPN),
		Sections: []bot.Section{{Fields: fields}},
		Buttons: []bot.Button{
			{Label: l.T("link.button.approve"), Action: ActionApprove, Value: r.ID, Style: bot.Primary, Confirm: &bot.Confirmation{
				Title: l.T("link.button.approve_title"), Text: l.T("link.button.approve_text", "User", r.Link.UPN),
				Yes: l.T("link.button.approve"), No: l.T("button.back"),
			}},
			{Label: l.T("link.button.deny"), Action: ActionDeny, Value: r.ID, Style: bot.Danger},
		},
		Footer: l.T("link.approval.footer", "ID", r.ID, "Until", l.Time(r.ExpiresAt, o.Location)),
	}
}

// chatAccountLabel names a chat account by its platform and its ids, which its owner can't
// choose: "discord 80351110224678912 (server 290926798626357999)".
func chatAccountLabel(a ChatAccount) string {
	s := a.Platform + " " + a.ChatID
	if a.Workspace != "" {
		s += " (" + a.Workspace + ")"
	}
	return s
}

// linkStateMessage says where a link request is: on its messages once decided, for a
// click that comes too late or twice, and for status.
func linkStateMessage(l locale.Lang, r *Request, loc *time.Location) bot.Message {
	by := l.T("state.someone")
	if d := lastDecider(r); d.DisplayName != "" && len(r.Decisions) > 0 {
		by = l.T("state.by", "Name", d.DisplayName, "At", l.Time(r.Decisions[len(r.Decisions)-1].At, loc))
	}
	who, user := r.Requester.DisplayName, r.Link.UPN
	var text string
	switch r.State {
	case StateAwaitingApproval:
		text = l.T("link.state.awaiting_approval", "Requester", who, "User", user)
	case StateApproved:
		text = l.T("link.state.approved", "Requester", who, "User", user, "By", by)
	case StateLinked:
		text = l.T("link.state.linked", "Requester", who, "User", user, "By", by)
	case StateDenied:
		text = l.T("link.state.denied", "Requester", who, "User", user, "By", by)
	case StateExpired:
		text = l.T("link.state.expired", "Requester", who, "User", user, "At", l.Time(r.ExpiresAt, loc))
	}
	return bot.Message{Text: text, Footer: l.T("link.footer", "ID", r.ID)}
}

// linkOutcomeMessage tells the person who asked how their request ended, in l (theirs).
func linkOutcomeMessage(l locale.Lang, r *Request) bot.Message {
	var text string
	switch r.State {
	case StateLinked:
		text = l.T("link.outcome.linked", "UPN", r.Link.UPN)
	case StateDenied:
		text = l.T("link.outcome.denied", "UPN", r.Link.UPN)
	default:
		text = l.T("link.outcome.expired", "UPN", r.Link.UPN)
	}
	return bot.Message{Text: text, Footer: l.T("link.footer", "ID", r.ID)}
}
