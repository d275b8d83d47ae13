package handlers

import (
	"context"
	"errors"
	"time"

	"github.com/licensebot/licensebot/bot"
)

// Deadlines keeps when each pending request expires, so that a sweeper in every replica can
// find the expired ones and exactly one replica acts on each (Claim).
type Deadlines interface {
	ScheduleDeadline(ctx context.Context, requestID string, at time.Time) error
	DueDeadlines(ctx context.Context, now time.Time, max int) ([]string, error)
	ClaimDeadline(ctx context.Context, requestID string) (bool, error)
}

// schedule records the request's deadline; without a Deadlines store, expiry still happens
// on the next read of the request.
func (s *Service) schedule(ctx context.Context, r *Request) {
	if s.Deadlines == nil || !r.State.Pending() {
		return
	}
	if err := s.Deadlines.ScheduleDeadline(ctx, r.ID, r.ExpiresAt); err != nil {
		s.Logger.WarnContext(ctx, "schedule expiry", "request", r.ID, "err", err)
	}
}

// SweepExpired expires the requests whose deadline has passed and edits their approval
// messages to say so. Every replica may run it; each request is handled by one.
func (s *Service) SweepExpired(ctx context.Context) (int, error) {
	if s.Deadlines == nil {
		return 0, nil
	}
	// Page after page while pages come full (under load more than a page falls due between
	// two sweeps), a bounded number of times: the next sweep takes the rest.
	expired := 0
	for range sweepPages {
		n, full, err := s.sweepPage(ctx)
		expired += n
		if err != nil || !full {
			return expired, err
		}
	}
	return expired, nil
}

const (
	sweepPage  = 100
	sweepPages = 50
)

func (s *Service) sweepPage(ctx context.Context) (expired int, full bool, err error) {
	ids, err := s.Deadlines.DueDeadlines(ctx, s.Now(), sweepPage)
	if err != nil {
		return 0, false, err
	}
	full = len(ids) == sweepPage
	for _, id := range ids {
		if s.sweepOne(withRequest(ctx, id), id) {
			expired++
		}
	}
	return expired, full, nil
}

// sweepOne acts on one request whose deadline is due, and reports whether it expired it. A
// panic fails this request's sweep only: the others, and the replica, go on.
func (s *Service) sweepOne(ctx context.Context, id string) (expired bool) {
	defer s.recovered(ctx, "sweeping a request", nil)
	mine, err := s.Deadlines.ClaimDeadline(ctx, id)
	if err != nil || !mine {
		return false
	}
	// load expires the request if it is still pending past its deadline, and edits its
	// approval messages.
	r, st, err := s.load(ctx, id)
	switch {
	case gone(err):
		return false // gone: nothing to do
	case err != nil:
		// Couldn't tell: put the deadline back so that a later sweep tries again.
		s.Logger.WarnContext(ctx, "sweep a request", "request", id, "err", err)
		_ = s.Deadlines.ScheduleDeadline(ctx, id, s.Now().Add(time.Minute))
		return false
	case r.State == StateExpired:
		return true
	case r.State.Pending():
		s.schedule(ctx, r) // its deadline moved (a pick, a confirm): sweep it then
	case r.State.Final() && !r.Delivered && r.Report != nil:
		// A chat platform refused part of the outcome's delivery: try what is missing.
		if err := s.deliver(ctx, id, bot.MessageRef{}); err != nil {
			s.Logger.WarnContext(ctx, "deliver the outcome again", "request", id, "err", err)
			_ = s.Deadlines.ScheduleDeadline(ctx, id, s.Now().Add(deliveryRetry))
		}
	case r.State == StateApproved && !r.RunAt.IsZero() && !r.Due:
		s.sweepScheduled(ctx, r, st)
	case r.State == StateApproved && r.Kind == KindLink:
		// Approved, and its link not stored (the store failed, the replica stopped): store it.
		if err := s.finishLink(ctx, r, st, bot.MessageRef{}); err != nil && !errors.Is(err, ErrConflict) {
			s.Logger.WarnContext(ctx, "store an approved link again", "request", id, "err", err)
			_ = s.Deadlines.ScheduleDeadline(ctx, id, s.Now().Add(startGrace))
		}
	case r.State == StateApproved && s.Jobs != nil:
		// Approved a while ago and no worker has started it: its job may never have
		// been queued (the queue failed after the approval). A second job is harmless:
		// the first worker to move it to running wins, the ledger keeps changes single.
		if _, err := s.Jobs.EnqueueJob(ctx, id); err != nil {
			s.Logger.WarnContext(ctx, "queue an approved request again", "request", id, "err", err)
		} else {
			s.Logger.InfoContext(ctx, "queued an approved request again", "request", id)
		}
		_ = s.Deadlines.ScheduleDeadline(ctx, id, s.Now().Add(startGrace))
	}
	return false
}

// RunSweeper sweeps every interval until ctx ends.
func (s *Service) RunSweeper(ctx context.Context, every time.Duration) {
	ticks, stop := s.machine.newTicker(every)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			if _, err := s.SweepExpired(ctx); err != nil {
				s.Logger.WarnContext(ctx, "expiry sweep", "err", err)
			}
		}
	}
}
