package handlers

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
	"github.com/licensebot/licensebot/locale"
)

// The outcome, once recorded, to the chat platforms: each delivery made once, what a
// platform refused retried by the sweeper, the seats read at the last moment.

// deliver posts the outcome of a finished request and edits its messages, once the
// outcome is recorded; a worker that stops before it's done leaves it to the next. What a
// chat platform refused is retried by the sweeper (deliveryRetry) and only that: the
// outcome is in the store meanwhile, and /unassign status shows it.
func (s *Service) deliver(ctx context.Context, id string, clicked bot.MessageRef) error {
	r, st, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if r.Delivered || r.Report == nil || !r.State.Final() {
		return nil
	}
	sent := map[string]bool{}
	for _, k := range r.Sent {
		sent[k] = true
	}
	seats := s.seatsNow(ctx, r)
	// Kept for status in the shared language; the requester gets it in theirs.
	shared := s.report(s.shared(), r, seats)
	r.Report = &shared
	requester := s.langFor(r.Requester.Actor.Locale)
	failed := 0
	step := func(key string, do func() error) {
		if sent[key] {
			return
		}
		err := func() (err error) {
			defer s.recovered(ctx, "delivering an outcome", &err)
			return do()
		}()
		var panicked errPanic
		if errors.As(err, &panicked) {
			// A bug, not a chat platform refusing: trying again every minute would only
			// fail again. Given up, and kept apart (status still shows the outcome).
			sent[key] = true
			r.Undelivered = append(r.Undelivered, key)
			return
		}
		if err != nil {
			failed++
			s.Logger.WarnContext(ctx, "deliver the outcome", "request", r.ID, "to", key, "err", err)
			return
		}
		sent[key] = true
		r.Sent = append(r.Sent, key)
	}
	step("requester", func() error {
		mine := s.report(requester, r, seats)
		mine.Buttons = s.outcomeButtons(requester, r)
		_, err := s.Notifier.Post(ctx, bot.Destination{Actor: &r.Requester.Actor}, mine)
		return err
	})
	for _, ref := range r.Approvals {
		step("thread:"+ref.Platform+"/"+ref.Channel+"/"+ref.ID, func() error {
			m := shared
			m.Buttons = s.outcomeButtons(s.shared(), r)
			_, err := s.Notifier.Post(ctx, bot.Destination{Thread: &ref}, m)
			return err
		})
	}
	step("edits", func() error {
		err := s.updateApprovals(ctx, r, s.stateOf(r), clicked)
		if r.Progress != nil {
			err = errors.Join(err, s.Notifier.Update(ctx, *r.Progress, stateMessage(requester, r, s.opts.Location)))
		}
		return err
	})
	switch {
	case failed == 0:
		r.Delivered = true
	case s.Now().After(r.FinishedAt.Add(deliveryGiveUp)):
		s.Logger.ErrorContext(ctx, "giving up delivering the outcome; /unassign status shows it", "request", r.ID, "missing", failed)
		r.Delivered = true
	case s.Deadlines != nil:
		if err := s.Deadlines.ScheduleDeadline(ctx, r.ID, s.Now().Add(deliveryRetry)); err != nil {
			s.Logger.WarnContext(ctx, "schedule the outcome's delivery", "request", r.ID, "err", err)
		}
	}
	if _, err := s.save(ctx, r, st); err != nil && !errors.Is(err, ErrConflict) {
		return err
	}
	return nil
}

// An outcome a chat platform refused is tried again every deliveryRetry, for deliveryGiveUp.
const (
	deliveryRetry  = time.Minute
	deliveryGiveUp = 24 * time.Hour
)

// seatsNow are the seats a finished removal left unused, read from Graph.
func (s *Service) seatsNow(ctx context.Context, r *Request) (seats []licensing.SeatReport) {
	if r.Kind == KindUndo {
		return nil
	}
	// The seats are a courtesy of the report: whatever happens reading them, the outcome
	// is still delivered, without them.
	defer s.recovered(ctx, "reading the seats after a removal", nil)
	products, err := s.readProducts(ctx)
	if err != nil {
		s.Logger.WarnContext(ctx, "read seats after removal", "request", r.ID, "err", err)
	}
	return s.seats(r, products.list, err)
}

// report is the outcome message in l, with the seats now unused when known.
func (s *Service) report(l locale.Lang, r *Request, seats []licensing.SeatReport) bot.Message {
	if r.Kind == KindUndo {
		return undoOutcomeMessage(l, r, s.opts)
	}
	return outcomeMessage(l, r, s.removedNotices(r, r.FinishedAt), seats, s.opts)
}

// removedNotices are the data-retention notices for what was really removed, dated from now.
func (s *Service) removedNotices(r *Request, at time.Time) map[string][]licensing.Notice {
	removed := map[string][]string{}
	for _, res := range r.Results {
		if res.Outcome == OutcomeRemoved {
			removed[res.UserID] = append(removed[res.UserID], res.SKUID)
		}
	}
	out := map[string][]licensing.Notice{}
	for _, up := range r.Plan.Users {
		if skus := removed[up.User.ID]; len(skus) > 0 {
			ns := licensing.Notices(up.User, skus, at, s.noticeOptions())
			if r.Kind == KindLeaver {
				// The leaver's sign-in was blocked and sessions revoked before any removal.
				ns = slices.DeleteFunc(ns, func(n licensing.Notice) bool { return n.Kind == licensing.NoticeSignInNotBlocked })
			}
			out[up.User.ID] = ns
		}
	}
	return out
}

func (s *Service) seats(r *Request, products []licensing.TenantProduct, err error) []licensing.SeatReport {
	if err != nil {
		return nil
	}
	freed := map[string]int{}
	for _, res := range r.Results {
		if res.Outcome == OutcomeRemoved {
			freed[res.SKUID]++
		}
	}
	if len(freed) == 0 {
		return nil
	}
	return licensing.Seats(products, freed, s.Catalogue)
}
