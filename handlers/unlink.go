package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
	"github.com/licensebot/licensebot/locale"
)

// Seeing and removing links. /unassign link status tells the person typing which Entra user
// their chat account is linked to; /unassign unlink removes that link. Someone else's link
// (by mention, or by their work address) is for an administrator only: one of the roles that
// decide link requests, read from Entra now. A link from configuration (DISCORD_USER_MAP) is
// shown but never removed. Every removal is audited ("unlinked") with who removed it and
// whose link it was.

// linkTarget is whose link a command is about: the account, and whether it is the caller's.
type linkTarget struct {
	account ChatAccount
	own     bool
	// upn, when the person was named by address and no account here is linked to them.
	upn string
}

// whose finds the account c is about: the caller's own, or, for an administrator, the one
// named. The caller (by) is identified and checked before anything is looked up for someone
// else.
func (s *Service) whose(ctx context.Context, cmd bot.Command, c Command) (linkTarget, Person, error) {
	a := cmd.Actor
	if s.Links == nil || a.ChatID == "" {
		return linkTarget{}, Person{}, refuse(linksUnavailable{})
	}
	if c.Whose == "" {
		by := Person{Actor: a, DisplayName: firstNonEmpty(a.Name, a.ChatID)}
		if p, err := s.identify(ctx, a); err == nil {
			by = p
		}
		return linkTarget{account: accountOf(a), own: true}, by, nil
	}
	by, err := s.identify(ctx, a)
	if err != nil {
		return linkTarget{}, Person{}, err
	}
	admin, err := s.isAdmin(ctx, by)
	if err != nil {
		return linkTarget{}, Person{}, err
	}
	if !admin {
		return linkTarget{}, Person{}, refuse(notALinkAdmin{upn: by.UPN, roles: s.adminRoleNames()})
	}
	if id, ok := bot.MentionedID(c.Whose); ok {
		t := ChatAccount{Platform: a.Platform, Workspace: a.Workspace, ChatID: id}
		return linkTarget{account: t, own: t == accountOf(a)}, by, nil
	}
	addr := c.Whose
	if bot.IsMention(addr) {
		email, ok := "", false
		if cmd.Mentions != nil {
			email, ok = cmd.Mentions(ctx, addr)
		}
		if !ok || !IsUserQuery(email) {
			return linkTarget{}, Person{}, badPart(quoteShort(addr), "parse.mention")
		}
		addr = email
	}
	u, err := s.Directory.FindPerson(ctx, addr)
	if errors.Is(err, licensing.ErrUserNotFound) {
		return linkTarget{}, Person{}, refuse(noSuchLinkedUser{upn: addr})
	}
	if err != nil {
		return linkTarget{}, Person{}, fmt.Errorf("look up %s: %w", addr, err)
	}
	t, ok, err := s.Links.LinkedAccount(ctx, a.Platform, u.ID, u.UserPrincipalName)
	if err != nil {
		return linkTarget{}, Person{}, fmt.Errorf("find the account linked to %s: %w", u.UserPrincipalName, errStore{err})
	}
	if !ok {
		return linkTarget{upn: u.UserPrincipalName}, by, nil
	}
	return linkTarget{account: t, own: t == accountOf(a)}, by, nil
}

// linkStatus answers /unassign link status [someone].
func (s *Service) linkStatus(ctx context.Context, cmd bot.Command, c Command) (bot.Message, error) {
	t, _, err := s.whose(ctx, cmd, c)
	if err != nil {
		return bot.Message{}, err
	}
	l := langIn(ctx)
	if t.upn != "" {
		return bot.Message{Text: l.T("link.status.user_none", "UPN", t.upn)}, nil
	}
	k, ok, err := s.Links.Link(ctx, t.account)
	if err != nil {
		return bot.Message{}, fmt.Errorf("read the link of %s: %w", accountKey(t.account), errStore{err})
	}
	return linkStatusMessage(l, t, k, ok, s.opts), nil
}

// linkStatusMessage says which user the account is linked to, when and by whom approved.
func linkStatusMessage(l locale.Lang, t linkTarget, k Link, ok bool, o Options) bot.Message {
	account := chatAccountLabel(t.account)
	switch {
	case !ok && t.own:
		return bot.Message{Text: l.T("link.status.none")}
	case !ok:
		return bot.Message{Text: l.T("link.status.other_none", "Account", account)}
	case k.Fixed && t.own:
		return bot.Message{Text: l.T("link.status.fixed", "UPN", k.UPN)}
	case k.Fixed:
		return bot.Message{Text: l.T("link.status.other_fixed", "Account", account, "UPN", k.UPN)}
	}
	by := firstNonEmpty(k.By, l.T("state.someone"))
	var msg bot.Message
	switch {
	case k.Method == LinkBySignIn && t.own:
		msg.Text = l.T("link.status.signed_in", "UPN", k.UPN, "At", l.Time(k.SignedInAt, o.Location))
	case k.Method == LinkBySignIn:
		msg.Text = l.T("link.status.other_signed_in", "Account", account, "UPN", k.UPN, "At", l.Time(k.SignedInAt, o.Location))
	case t.own && k.At.IsZero():
		msg.Text = l.T("link.status.linked_undated", "UPN", k.UPN, "By", by)
	case t.own:
		msg.Text = l.T("link.status.linked", "UPN", k.UPN, "By", by, "At", l.Time(k.At, o.Location))
	case k.At.IsZero():
		msg.Text = l.T("link.status.other_linked_undated", "Account", account, "UPN", k.UPN, "By", by)
	default:
		msg.Text = l.T("link.status.other_linked", "Account", account, "UPN", k.UPN, "By", by, "At", l.Time(k.At, o.Location))
	}
	if k.Request != "" {
		msg.Footer = l.T("link.footer", "ID", k.Request)
	}
	return msg
}

// unlink answers /unassign unlink [someone]: the link removed, both ways at once, and
// audited; a link from configuration is refused, and where it comes from said.
func (s *Service) unlink(ctx context.Context, cmd bot.Command, c Command) (bot.Message, error) {
	t, by, err := s.whose(ctx, cmd, c)
	if err != nil {
		return bot.Message{}, err
	}
	l := langIn(ctx)
	if t.upn != "" {
		return bot.Message{Text: l.T("link.status.user_none", "UPN", t.upn)}, nil
	}
	current, ok, err := s.Links.Link(ctx, t.account)
	if err != nil {
		return bot.Message{}, fmt.Errorf("read the link of %s: %w", accountKey(t.account), errStore{err})
	}
	if ok && current.Fixed {
		return bot.Message{}, refuse(unlinkFixed{upn: current.UPN, own: t.own, account: chatAccountLabel(t.account)})
	}
	var removed Link
	if ok {
		if removed, ok, err = s.Links.Unlink(ctx, t.account); err != nil {
			return bot.Message{}, fmt.Errorf("unlink %s: %w", accountKey(t.account), errStore{err})
		}
	}
	if !ok {
		if t.own {
			return bot.Message{Text: l.T("link.unlink.none")}, nil
		}
		return bot.Message{Text: l.T("link.unlink.other_none", "Account", chatAccountLabel(t.account))}, nil
	}
	r := &Request{Link: &LinkRequest{Account: t.account, UserID: removed.UserID, UPN: removed.UPN}}
	fields := map[string]string{"command": cmd.Text}
	if removed.By != "" {
		fields["approved_by"] = removed.By
	}
	if removed.Request != "" {
		fields["link_request"] = removed.Request
	}
	s.audit(ctx, r, "unlinked", by, fields)
	s.Logger.InfoContext(ctx, "account unlinked", "account", accountKey(t.account), "upn", removed.UPN, "by", firstNonEmpty(by.UPN, accountKey(accountOf(by.Actor))))
	if t.own {
		return bot.Message{Text: l.T("link.unlink.done", "UPN", removed.UPN)}, nil
	}
	s.tellUnlinked(ctx, t.account, removed, by)
	return bot.Message{Text: l.T("link.unlink.other_done", "Account", chatAccountLabel(t.account), "UPN", removed.UPN)}, nil
}

// tellUnlinked tells the person whose link an administrator removed, so that nobody learns
// it only when licensebot stops knowing them. Their language is not known here: the
// configured one. A failure is logged; the link is removed either way.
func (s *Service) tellUnlinked(ctx context.Context, account ChatAccount, removed Link, by Person) {
	to := bot.Actor{Platform: account.Platform, Workspace: account.Workspace, ChatID: account.ChatID}
	l := s.langFor("")
	msg := bot.Message{Text: l.T("link.unlink.told", "By", firstNonEmpty(by.DisplayName, by.UPN), "UPN", removed.UPN)}
	if _, err := s.Notifier.Post(ctx, bot.Destination{Actor: &to}, msg); err != nil {
		s.Logger.WarnContext(ctx, "tell a person their link was removed", "account", accountKey(account), "err", err)
	}
}
