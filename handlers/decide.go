package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/licensebot/licensebot/bot"
)

// decide handles Approve and Deny. Nobody decides on their own request; only an approver (or,
// with the manager policy, a target's manager) may; and the compare-and-set on the request's
// state and version lets exactly one decision through however many clicks race. A link
// request is decided by its own rules (decideLink).
func (s *Service) decide(ctx context.Context, click bot.Click, id string) (bot.Reply, error) {
	clicker, err := s.identify(ctx, click.Actor)
	if err != nil {
		return bot.Reply{}, err
	}
	approve := click.Action == ActionApprove
	// An approval counts only from a fresh sign-in (Options.ApprovalSignIn): otherwise the
	// answer is the sign-in step, and the click is decided again once it is done.
	var signedIn Link
	if approve {
		if signedIn, err = s.freshSignIn(ctx, clicker, s.opts.ApprovalSignIn, &click); err != nil {
			return bot.Reply{}, err
		}
	}
	if signedIn.Method == "" {
		signedIn = s.lastSignIn(ctx, clicker)
	}
	for range 20 {
		r, st, err := s.load(ctx, id)
		if err != nil {
			return bot.Reply{}, err
		}
		if err := bound(r, click.Actor); err != nil {
			return bot.Reply{}, err
		}
		if r.Kind == KindLink {
			reply, err := s.decideLink(ctx, click, clicker, signedIn, r, st)
			if errors.Is(err, ErrConflict) {
				continue // another click got there first: look again
			}
			return reply, err
		}
		if r.Requester.UserID == clicker.UserID {
			return bot.Reply{}, refuse(ownRequest{})
		}
		if r.State != StateAwaitingApproval {
			return bot.Reply{Replace: true, Message: stateMessage(langIn(ctx), r, s.opts.Location)}, nil
		}
		if err := s.mayDecide(r, clicker); err != nil {
			return bot.Reply{}, err
		}
		now := s.Now()
		r.Decisions = append(r.Decisions, Decision{By: clicker, Approved: approve, At: now})
		m := move{on: evApprove, to: StateApproved, by: clicker, at: now}
		m.audit = s.signInFields(signedIn, nil)
		switch {
		case !approve:
			m.on, m.to = evDeny, StateDenied
		case !s.fullyApproved(r):
			// One manager of several: the request waits for the others.
			m.to = StateAwaitingApproval
			if m.audit == nil {
				m.audit = map[string]string{}
			}
			m.audit["waiting_for"] = fmt.Sprint(len(r.Managers) - countApprovals(r))
		}
		_, err = s.transition(ctx, r, st, m)
		if errors.Is(err, ErrConflict) {
			continue // another click got there first: look again
		}
		if err != nil {
			return bot.Reply{}, err
		}
		switch r.State {
		case StateDenied:
			msg := stateMessage(langIn(ctx), r, s.opts.Location)
			s.updateApprovals(ctx, r, s.stateOf(r), click.Message)
			if _, err := s.Notifier.Post(ctx, bot.Destination{Actor: &r.Requester.Actor}, msg); err != nil {
				s.Logger.WarnContext(ctx, "tell requester of denial", "request", r.ID, "err", err)
			}
			return bot.Reply{Replace: true, Message: msg}, nil
		case StateApproved:
			return bot.Reply{Replace: true, Message: s.start(ctx, r, click.Message)}, nil
		default: // one manager of several approved
			return bot.Reply{Replace: true, Message: stateMessage(langIn(ctx), r, s.opts.Location)}, nil
		}
	}
	return bot.Reply{}, fmt.Errorf("decide on request %s: %w", id, ErrConflict)
}

func (s *Service) mayDecide(r *Request, p Person) error {
	if r.Policy == PolicyManager {
		for _, m := range r.Managers {
			if m.UserID == p.UserID {
				if r.approvedBy(p.UserID) {
					return refuse(alreadyApproved{})
				}
				return nil
			}
		}
		return refuse(notAManager{})
	}
	if !s.isApprover(p) {
		return refuse(notAnApprover{upn: p.UPN})
	}
	return nil
}

func (s *Service) fullyApproved(r *Request) bool {
	if r.Policy != PolicyManager {
		return true
	}
	return countApprovals(r) >= len(r.Managers)
}

func countApprovals(r *Request) int {
	n := 0
	for _, m := range r.Managers {
		if r.approvedBy(m.UserID) {
			n++
		}
	}
	return n
}
