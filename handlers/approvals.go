package handlers

import (
	"context"
	"errors"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/locale"
)

// postApprovals asks the approvers: the approvers' place, or each manager privately.
func (s *Service) postApprovals(ctx context.Context, r *Request) ([]bot.MessageRef, error) {
	msg := approvalMessage(s.shared(), r, s.notices(r.Plan, s.Now()), s.opts)
	if r.Kind == KindUndo {
		msg = undoApprovalMessage(s.shared(), r, s.opts)
	}
	platforms := s.approvalPlatforms()
	// Each approver is asked on every platform; an approver reached on at least one is
	// reached.
	var targets [][]bot.Destination
	switch r.Policy {
	case PolicyManager:
		for _, m := range r.Managers {
			targets = append(targets, s.personOnEach(ctx, platforms, m))
		}
	default:
		targets = append(targets, approversOnEach(platforms))
	}
	return s.postEach(ctx, r, msg, targets)
}

// approvalPlatforms are the platforms approval requests go to ("": the one there is).
func (s *Service) approvalPlatforms() []string {
	if len(s.opts.ApprovalPlatforms) == 0 {
		return []string{""}
	}
	return s.opts.ApprovalPlatforms
}

// approversOnEach is the approvers' place on each platform.
func approversOnEach(platforms []string) []bot.Destination {
	var ds []bot.Destination
	for _, p := range platforms {
		ds = append(ds, bot.Destination{Platform: p, Approvers: true})
	}
	return ds
}

// personOnEach is a person known by address (an Entra manager) on each platform: their
// linked account there, if they have one (a platform that shows bots no e-mail address
// can't find them otherwise), else their address, for the platform to look up.
func (s *Service) personOnEach(ctx context.Context, platforms []string, p Person) []bot.Destination {
	var ds []bot.Destination
	for _, platform := range platforms {
		if a, ok := s.linkedActor(ctx, platform, p); ok {
			ds = append(ds, bot.Destination{Platform: platform, Actor: &a})
			continue
		}
		ds = append(ds, bot.Destination{Platform: platform, Email: p.Actor.Email, EntraID: p.UserID})
	}
	return ds
}

// linkedActor is the person's linked account on platform, as an actor to post to.
func (s *Service) linkedActor(ctx context.Context, platform string, p Person) (bot.Actor, bool) {
	if s.Links == nil || platform == "" {
		return bot.Actor{}, false
	}
	a, ok, err := s.Links.LinkedAccount(ctx, platform, p.UserID, p.UPN)
	if err != nil {
		// The address is still tried: a platform that can look people up by it does.
		s.Logger.WarnContext(ctx, "read the linked account of a person", "platform", platform, "upn", p.UPN, "err", err)
		return bot.Actor{}, false
	}
	if !ok {
		return bot.Actor{}, false
	}
	return bot.Actor{Platform: a.Platform, Workspace: a.Workspace, ChatID: a.ChatID, Name: p.DisplayName, Email: p.Actor.Email}, true
}

// postEach posts msg to each group of destinations: a group is reached when one of its
// destinations is (the same person on several platforms). The error names the groups
// reached nowhere.
func (s *Service) postEach(ctx context.Context, r *Request, msg bot.Message, targets [][]bot.Destination) ([]bot.MessageRef, error) {
	var refs []bot.MessageRef
	var errs []error
	for _, ds := range targets {
		var reached bool
		var tried []error
		for _, d := range ds {
			ref, err := s.Notifier.Post(ctx, d, msg)
			if err != nil {
				tried = append(tried, err)
				continue
			}
			reached = true
			refs = append(refs, ref)
		}
		if !reached {
			errs = append(errs, tried...)
		} else if len(tried) > 0 {
			s.Logger.WarnContext(ctx, "approval request not delivered on every platform", "request", r.ID, "err", errors.Join(tried...))
		}
	}
	return refs, errors.Join(errs...)
}

// rememberApprovals adds the approval messages to the request, whatever state it has reached
// meanwhile (an approver may click before this is written), so they can be edited later.
func (s *Service) rememberApprovals(ctx context.Context, id string, st Stored, refs []bot.MessageRef) {
	for range 10 {
		r, err := decodeRequest(st)
		if err != nil {
			return
		}
		r.Approvals = append(r.Approvals, refs...)
		next, err := s.save(ctx, r, st)
		if err == nil {
			if r.State.Final() {
				// Decided before we could write the references: edit them now.
				s.updateApprovals(ctx, r, s.stateOf(r), bot.MessageRef{})
			}
			return
		}
		if !errors.Is(err, ErrConflict) {
			s.Logger.ErrorContext(ctx, "remember approval messages", "request", id, "err", err)
			return
		}
		st = next
	}
}

// updateApprovals edits every approval message of the request (buttons gone) to msg in the
// shared language, but the one a click came from: the click's own reply replaces that one.
func (s *Service) updateApprovals(ctx context.Context, r *Request, msg func(locale.Lang) bot.Message, clicked bot.MessageRef) error {
	shared := msg(s.shared())
	var errs []error
	for _, ref := range r.Approvals {
		if !clicked.IsZero() && ref.Platform == clicked.Platform && ref.Channel == clicked.Channel && ref.ID == clicked.ID {
			continue
		}
		if err := s.Notifier.Update(ctx, ref, shared); err != nil {
			s.Logger.WarnContext(ctx, "update approval message", "request", r.ID, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// stateOf is a request's state message in any language, for updateApprovals.
func (s *Service) stateOf(r *Request) func(locale.Lang) bot.Message {
	if s.scheduled(r) {
		return func(l locale.Lang) bot.Message { return scheduledMessage(l, r, s.opts.Location) }
	}
	return func(l locale.Lang) bot.Message { return stateMessage(l, r, s.opts.Location) }
}
