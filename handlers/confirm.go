package handlers

import (
	"context"
	"errors"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// confirmOrCancel handles the requester's own buttons: pick a license, Confirm, Cancel.
func (s *Service) confirmOrCancel(ctx context.Context, click bot.Click, id string, pick int) (bot.Reply, error) {
	clicker, err := s.identify(ctx, click.Actor)
	if err != nil {
		return bot.Reply{}, err
	}
	r, st, err := s.load(ctx, id)
	if err != nil {
		return bot.Reply{}, err
	}
	if err := bound(r, click.Actor); err != nil {
		return bot.Reply{}, err
	}
	if r.Requester.UserID != clicker.UserID {
		return bot.Reply{}, refuse(notTheRequester{name: r.Requester.DisplayName})
	}
	want := StateAwaitingConfirmation
	if click.Action == ActionPick {
		want = StateAwaitingPick
	}
	if click.Action == ActionCancel && (r.State == StateAwaitingPick || r.State == StateAwaitingConfirmation) {
		want = r.State
	}
	if r.State != want {
		return bot.Reply{Replace: true, Message: stateMessage(langIn(ctx), r, s.opts.Location)}, nil
	}
	// The caller's roles may have been taken away since they asked.
	if click.Action != ActionCancel {
		if err := s.authorize(ctx, clicker); err != nil {
			return bot.Reply{}, err
		}
	}
	now := s.Now()
	switch click.Action {
	case ActionCancel:
		if _, err := s.transition(ctx, r, st, move{on: evCancel, to: StateCancelled, by: clicker, at: now}); err != nil {
			return s.raced(ctx, id, err)
		}
		return bot.Reply{Replace: true, Message: stateMessage(langIn(ctx), r, s.opts.Location)}, nil

	case ActionPick:
		if err := narrowToPick(r, pick); err != nil {
			return bot.Reply{}, err
		}
		if _, err := s.transition(ctx, r, st, move{on: evPick, to: StateAwaitingConfirmation, by: clicker, at: now}); err != nil {
			return s.raced(ctx, id, err)
		}
		s.schedule(ctx, r)
		return bot.Reply{Replace: true, Message: planMessage(langIn(ctx), r.Plan, s.notices(r.Plan, now), s.opts, planConfirm, r.ID)}, nil
	}

	// Confirm. An undo is a change too (licenses assigned, seats consumed): it goes through
	// its own approval policy, like a removal, once it is the one undo of its request.
	fields := map[string]string{"policy": string(r.Policy)}
	if r.Kind == KindUndo {
		if err := s.claimUndo(ctx, r, st); err != nil {
			return bot.Reply{}, err
		}
		fields["undo_of"] = r.UndoOf
	}
	if r.Policy == PolicyNone {
		r.Decisions = append(r.Decisions, Decision{By: clicker, Approved: true, At: now})
		if _, err := s.transition(ctx, r, st, move{on: evConfirm, to: StateApproved, by: clicker, at: now, audit: fields}); err != nil {
			return s.raced(ctx, id, err)
		}
		return bot.Reply{Replace: true, Message: s.start(ctx, r, click.Message)}, nil
	}
	next, err := s.transition(ctx, r, st, move{on: evConfirm, to: StateAwaitingApproval, by: clicker, at: now, audit: fields})
	if err != nil {
		return s.raced(ctx, id, err)
	}
	s.schedule(ctx, r)
	refs, postErr := s.postApprovals(ctx, r)
	if len(refs) > 0 {
		s.rememberApprovals(ctx, r.ID, next, refs)
	}
	msg := confirmedMessage(langIn(ctx), r, s.opts)
	if postErr != nil {
		s.Logger.ErrorContext(ctx, "approval request not delivered", "request", r.ID, "err", postErr)
		msg.Warnings = append(msg.Warnings, say(ctx, "confirm.not_delivered", "ID", r.ID))
	}
	return bot.Reply{Replace: true, Message: msg}, nil
}

// raced answers a click that lost a compare-and-set: someone else moved the request first.
func (s *Service) raced(ctx context.Context, id string, err error) (bot.Reply, error) {
	if !errors.Is(err, ErrConflict) {
		return bot.Reply{}, err
	}
	r, _, err := s.load(ctx, id)
	if err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Replace: true, Message: stateMessage(langIn(ctx), r, s.opts.Location)}, nil
}

// narrowToPick keeps only the chosen license (or, for the last choice, all of them).
func narrowToPick(r *Request, pick int) error {
	if len(r.Plan.Users) != 1 {
		return refuse(choiceNotInRequest{})
	}
	up := &r.Plan.Users[0]
	switch {
	case pick == len(up.Remove): // "all of them"
	case pick < len(up.Remove):
		up.Remove = []licensing.Item{up.Remove[pick]}
		up.Skip = nil
	default:
		return refuse(choiceNotInRequest{})
	}
	return nil
}
