package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/locale"
)

// load reads a request; a pending request past its deadline is moved to expired first, so
// that no button works on it whatever the sweeper has or hasn't done.
func (s *Service) load(ctx context.Context, id string) (*Request, Stored, error) {
	st, err := s.Requests.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, Stored{}, refuse(noSuchRequest{id: id, keptDays: s.keptDays()})
	}
	if err != nil {
		return nil, Stored{}, fmt.Errorf("read request %s: %w", id, errStore{err})
	}
	r, err := decodeRequest(st)
	if err != nil {
		return nil, Stored{}, fmt.Errorf("decode request %s: %w", id, err)
	}
	if r.State.Pending() && !s.Now().Before(r.ExpiresAt) {
		was := r.State
		next, err := s.transition(ctx, r, st, move{on: expiry(r.Kind), to: StateExpired, audit: map[string]string{"was": string(was)}})
		if err != nil && !errors.Is(err, ErrConflict) {
			return nil, Stored{}, fmt.Errorf("expire request %s: %w", id, err)
		}
		if err == nil {
			s.updateApprovals(ctx, r, func(l locale.Lang) bot.Message { return expiredMessage(l, r, s.opts.Location) }, bot.MessageRef{})
			if r.Kind == KindLink {
				s.tellLinkRequester(ctx, r)
			}
		}
		if r, err = decodeRequest(next); err != nil {
			return nil, Stored{}, err
		}
		return r, next, nil
	}
	return r, st, nil
}

// save writes the request by compare-and-set on its stored state and version: to r.State,
// which only transition changes; every other caller writes within the same state.
func (s *Service) save(ctx context.Context, r *Request, from Stored) (Stored, error) {
	data, err := r.encode()
	if err != nil {
		return Stored{}, err
	}
	if r.State == StateApproved && from.State != string(StateApproved) && (s.Jobs != nil || r.Kind == KindLink) && s.Deadlines != nil {
		// The start check goes in before the approval: should the approval be written but
		// its job never queued (Redis answered too late, the replica died), the sweeper
		// finds the request approved and queues it; an approved link request, that its
		// link is stored. Before an approval that then fails, it finds a pending request
		// and leaves it be.
		if err := s.Deadlines.ScheduleDeadline(ctx, r.ID, s.Now().Add(startGrace)); err != nil {
			return from, fmt.Errorf("save request %s: schedule its start check: %w", r.ID, errStore{err})
		}
	}
	next, err := s.Requests.Transition(ctx, r.ID, from.State, from.Version, string(r.State), data, s.opts.RetainFor)
	if err != nil && !errors.Is(err, ErrConflict) {
		return next, fmt.Errorf("save request %s: %w", r.ID, errStore{err})
	}
	return next, err
}

// keptDays is how long finished requests are kept, in days, for the admin.
func (s *Service) keptDays() int { return int(s.opts.RetainFor.Hours() / 24) }
