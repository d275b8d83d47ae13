package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// Linking a chat account to a Microsoft Entra user. A platform that shows bots no e-mail
// address (Discord) gives licensebot no key to the person's Entra user, so the person says
// who they are (/unassign link <address>) and an administrator confirms it: a link request,
// a Request of KindLink with its own moves (linkLifecycle), posted where approval requests
// go and decided once by compare-and-set. Approved, the link (chat account → Entra object id
// and UPN) is stored through Links, and identify uses it from then on. Every step is
// audited with the account and the user (audit.go).

// link files /unassign link <upn>: a request to link the caller's chat account to the Entra
// user with that address.
func (s *Service) link(ctx context.Context, cmd bot.Command, upn string) (bot.Message, error) {
	a := cmd.Actor
	if s.Links == nil || a.ChatID == "" {
		return bot.Message{}, refuse(linksUnavailable{})
	}
	account := accountOf(a)
	current, linked, err := s.Links.Link(ctx, account)
	if err != nil {
		return bot.Message{}, fmt.Errorf("read the link of %s: %w", accountKey(account), errStore{err})
	}
	if linked && current.Fixed {
		return bot.Message{}, refuse(linkFixed{upn: current.UPN})
	}
	// Who asks, when licensebot knows already (an address on Slack, an earlier link): so
	// that they can't decide their own request from another account.
	requester := Person{Actor: a, DisplayName: firstNonEmpty(a.Name, a.ChatID)}
	if p, err := s.identify(ctx, a); err == nil {
		requester = p
	}
	if err := s.withinLimits(ctx, a, requester, false); err != nil {
		return bot.Message{}, err
	}
	u, err := s.Directory.FindPerson(ctx, upn)
	if errors.Is(err, licensing.ErrUserNotFound) {
		return bot.Message{}, refuse(noLinkUser{upn: upn})
	}
	if err != nil {
		return bot.Message{}, fmt.Errorf("look up %s: %w", upn, err)
	}
	if linked && (current.UserID == u.ID || strings.EqualFold(current.UPN, u.UserPrincipalName)) {
		return bot.Message{}, refuse(alreadyLinked{upn: u.UserPrincipalName})
	}
	r := &Request{Kind: KindLink, Requester: requester, Command: cmd.Text, Policy: s.opts.Policy,
		Link: &LinkRequest{Account: account, UserID: u.ID, UPN: u.UserPrincipalName, DisplayName: u.DisplayName}}
	if linked {
		r.Link.Was = current.UPN
	}
	if r.Policy == PolicyManager {
		// The manager of the user named is told too: they know whether it is them.
		m, err := s.Directory.Manager(ctx, u.ID)
		switch {
		case err == nil:
			r.Managers = []Person{{UserID: m.ID, UPN: m.UserPrincipalName, DisplayName: m.DisplayName, Actor: bot.Actor{Email: firstNonEmpty(m.Mail, m.UserPrincipalName)}}}
		case !errors.Is(err, licensing.ErrNoManager):
			return bot.Message{}, fmt.Errorf("read the manager of %s: %w", u.UserPrincipalName, err)
		}
	}
	if r.ID, err = s.requestID(cmd); err != nil {
		return bot.Message{}, fmt.Errorf("make a request id: %w", err)
	}
	ctx = withRequest(ctx, r.ID)
	if _, err := s.transition(ctx, r, Stored{}, move{on: evLinkRequest, to: StateAwaitingApproval, by: requester,
		audit: map[string]string{"command": cmd.Text}}); errors.Is(err, ErrExists) {
		// This delivery was worked on before (requestID): its request is out already.
		stored, _, err := s.load(ctx, r.ID)
		if err != nil {
			return bot.Message{}, err
		}
		return linkRequestedMessage(langIn(ctx), stored, s.opts), nil
	} else if err != nil {
		return bot.Message{}, err
	}
	s.schedule(ctx, r)
	refs, postErr := s.postLinkRequest(ctx, r)
	if len(refs) > 0 {
		if st, err := s.Requests.Get(ctx, r.ID); err == nil {
			s.rememberApprovals(ctx, r.ID, st, refs)
		} else {
			s.Logger.ErrorContext(ctx, "read a link request to remember its messages", "request", r.ID, "err", err)
		}
	}
	msg := linkRequestedMessage(langIn(ctx), r, s.opts)
	switch {
	case len(refs) == 0:
		s.Logger.ErrorContext(ctx, "link request not delivered", "request", r.ID, "err", postErr)
		msg.Warnings = append(msg.Warnings, say(ctx, "link.not_delivered", "ID", r.ID))
	case postErr != nil:
		s.Logger.WarnContext(ctx, "link request not delivered to everyone", "request", r.ID, "err", postErr)
	}
	return msg, nil
}

// postLinkRequest asks for a decision where approval requests go: the approvers' place on
// every platform, where the administrators who decide are, and, under the manager policy,
// the manager of the user named too.
func (s *Service) postLinkRequest(ctx context.Context, r *Request) ([]bot.MessageRef, error) {
	platforms := s.approvalPlatforms()
	targets := [][]bot.Destination{approversOnEach(platforms)}
	for _, m := range r.Managers {
		targets = append(targets, s.personOnEach(ctx, platforms, m))
	}
	return s.postEach(ctx, r, linkApprovalMessage(s.shared(), r, s.opts), targets)
}

// decideLink answers Approve and Deny on a link request read at st: an administrator (one
// of the admin roles, read from Entra now) decides, never the person who asked nor the
// person whose account it is; once, by compare-and-set. A lost compare-and-set returns an
// error wrapping ErrConflict: decide reads the request again.
func (s *Service) decideLink(ctx context.Context, click bot.Click, clicker Person, signedIn Link, r *Request, st Stored) (bot.Reply, error) {
	asker := accountOf(r.Requester.Actor)
	if accountOf(click.Actor) == asker || (r.Requester.UserID != "" && r.Requester.UserID == clicker.UserID) {
		return bot.Reply{}, refuse(ownLinkRequest{})
	}
	if clicker.UserID == r.Link.UserID {
		return bot.Reply{}, refuse(ownLinkAccount{})
	}
	approve := click.Action == ActionApprove
	switch {
	case r.State == StateApproved && approve && len(r.Decisions) > 0 && s.Now().Sub(r.Decisions[len(r.Decisions)-1].At) >= startGrace:
		// Approved a while ago, and the link isn't stored yet (the store failed, or the
		// replica stopped in between): store it now. A link approved just now is being
		// stored by the click that approved it: storing it here too would race that one
		// (and the sweeper stores it should that one fail).
	case r.State != StateAwaitingApproval:
		return bot.Reply{Replace: true, Message: stateMessage(langIn(ctx), r, s.opts.Location)}, nil
	}
	admin, err := s.isAdmin(ctx, clicker)
	if err != nil {
		return bot.Reply{}, err
	}
	if !admin {
		return bot.Reply{}, refuse(notALinkDecider{upn: clicker.UPN, roles: s.adminRoleNames()})
	}
	if r.State == StateAwaitingApproval {
		now := s.Now()
		r.Decisions = append(r.Decisions, Decision{By: clicker, Approved: approve, At: now})
		m := move{on: evLinkApprove, to: StateApproved, by: clicker, at: now, audit: s.signInFields(signedIn, nil)}
		if !approve {
			m.on, m.to = evLinkDeny, StateDenied
		}
		if st, err = s.transition(ctx, r, st, m); err != nil {
			return bot.Reply{}, err
		}
		if !approve {
			s.updateApprovals(ctx, r, s.stateOf(r), click.Message)
			s.tellLinkRequester(ctx, r)
			return bot.Reply{Replace: true, Message: stateMessage(langIn(ctx), r, s.opts.Location)}, nil
		}
	}
	if err := s.finishLink(ctx, r, st, click.Message); err != nil {
		if errors.Is(err, ErrConflict) {
			return bot.Reply{}, err
		}
		// Approved but not stored: the sweeper stores it (save scheduled that check).
		s.Logger.ErrorContext(ctx, "store an approved link", "request", r.ID, "err", err)
		msg := stateMessage(langIn(ctx), r, s.opts.Location)
		msg.Warnings = append(msg.Warnings, say(ctx, "link.not_stored"))
		return bot.Reply{Replace: true, Message: msg}, nil
	}
	return bot.Reply{Replace: true, Message: stateMessage(langIn(ctx), r, s.opts.Location)}, nil
}

// finishLink stores the link of an approved link request read at st, moves it to linked,
// edits its other messages (all of them but clicked) and tells the person who asked.
// Storing the link twice (two replicas finishing one request) writes the same link.
func (s *Service) finishLink(ctx context.Context, r *Request, st Stored, clicked bot.MessageRef) error {
	by := lastDecider(r)
	l := Link{Account: r.Link.Account, UserID: r.Link.UserID, UPN: r.Link.UPN, By: by.UPN, Request: r.ID, At: s.Now(), Method: LinkByApproval}
	if err := s.Links.SetLink(ctx, l); err != nil {
		return fmt.Errorf("store the link of request %s: %w", r.ID, errStore{err})
	}
	if _, err := s.transition(ctx, r, st, move{on: evLinked, to: StateLinked, by: by}); err != nil {
		return err
	}
	s.Logger.InfoContext(ctx, "account linked", "account", accountKey(l.Account), "upn", l.UPN, "by", l.By)
	s.updateApprovals(ctx, r, s.stateOf(r), clicked)
	s.tellLinkRequester(ctx, r)
	return nil
}

// lastDecider is who decided the request last.
func lastDecider(r *Request) Person {
	if len(r.Decisions) == 0 {
		return Person{}
	}
	return r.Decisions[len(r.Decisions)-1].By
}

// tellLinkRequester tells the person who asked for a link how it ended, in their language.
func (s *Service) tellLinkRequester(ctx context.Context, r *Request) {
	msg := linkOutcomeMessage(s.langFor(r.Requester.Actor.Locale), r)
	if _, err := s.Notifier.Post(ctx, bot.Destination{Actor: &r.Requester.Actor}, msg); err != nil {
		s.Logger.WarnContext(ctx, "tell the requester how their link request ended", "request", r.ID, "err", err)
	}
}

// ProductNames are the organisation's product names, for a platform that suggests them as
// they are typed (Discord's autocomplete): none for someone licensebot doesn't know (no
// address, no link), so that the product list isn't for anyone who can type in the chat.
// The list is the planning one, reused for a few seconds.
func (s *Service) ProductNames(ctx context.Context, who bot.Actor) ([]string, error) {
	if !s.workspaceAllowed(who) {
		return nil, nil
	}
	if strings.TrimSpace(who.Email) == "" {
		if s.Links == nil || who.ChatID == "" {
			return nil, nil
		}
		if _, ok, err := s.Links.Link(ctx, accountOf(who)); err != nil || !ok {
			return nil, err
		}
	}
	tp, err := s.planningProducts(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(tp.list))
	for _, p := range tp.list {
		names = append(names, s.Catalogue.DisplayName(p.SKUID, p.PartNumber))
	}
	return names, nil
}
