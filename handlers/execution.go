package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/licensebot/licensebot/bot"
)

// A request's run, from approved to its recorded outcome: the users the round changes
// (units), the engine over them, and the outcome recorded once (finish).

// execute runs the request id to its end: it moves it to running (once), sends each
// user's change through the engine, records the outcome (once) and delivers it; clicked,
// when run inside a click, is the message the click's reply replaces.
func (s *Service) execute(ctx context.Context, id, worker string, attempt int, clicked bot.MessageRef) error {
	r, st, err := s.load(ctx, id)
	if gone(err) {
		return nil // nothing to do
	}
	if err != nil {
		return err
	}
	switch {
	case s.scheduled(r):
		return nil // not yet: the sweeper starts it at its time
	case r.State == StateApproved:
		running, err := s.transition(ctx, r, st, move{on: evStart, to: StateRunning,
			audit: map[string]string{"worker": worker, "round": fmt.Sprint(r.Round)}})
		if err != nil {
			if errors.Is(err, ErrConflict) {
				return s.execute(ctx, id, worker, attempt, clicked) // another worker started it
			}
			return err
		}
		if len(r.Approvals) == 0 && r.Progress == nil {
			// Nothing to edit with progress (no approval step): a message of its own, posted
			// by the one worker that started the request.
			l := s.langFor(r.Requester.Actor.Locale)
			ref, err := s.Notifier.Post(ctx, bot.Destination{Actor: &r.Requester.Actor}, progressMessage(l, r, progressCounts{}, s.opts.Location))
			if err == nil && ref.ID != "" {
				r.Progress = &ref
				if _, err := s.save(ctx, r, running); err != nil {
					// Only the progress edits are lost; the outcome still reaches the requester.
					s.Logger.WarnContext(ctx, "remember the progress message", "request", r.ID, "err", err)
				}
			}
		}
		s.Logger.InfoContext(ctx, "executing", "request", r.ID, "kind", string(r.Kind), "round", r.Round, "worker", worker)
	case r.State == StateRunning:
		s.Logger.InfoContext(ctx, "resuming", "request", r.ID, "attempt", attempt, "worker", worker)
	case r.State.Final():
		return s.deliver(ctx, r.ID, clicked)
	default:
		s.Logger.WarnContext(ctx, "job for a request that isn't approved: dropped", "request", r.ID, "state", string(r.State))
		return nil
	}

	var steps []Result
	if r.Kind == KindUndo && r.Round == 0 {
		steps = s.reenable(ctx, r)
	}
	if r.Kind == KindLeaver && r.Round == 0 {
		var ok bool
		if steps, ok = s.offboard(ctx, r); !ok {
			// Licenses stay on an account that may still sign in: nothing more is done.
			byKey := map[string][]Result{leaverSteps: steps}
			for _, up := range r.Plan.Users {
				byKey[unitKey(0, up.User.ID)] = s.leaverStopped(r)
			}
			if _, err := s.finish(ctx, r.ID, byKey); err != nil {
				return err
			}
			return s.deliver(ctx, r.ID, clicked)
		}
	}
	units := s.units(r)
	var results map[string][]Result
	if attempt > s.opts.JobAttempts {
		// This request stopped its worker every time: report what is known, the rest failed.
		results, err = s.giveUp(ctx, r, units, attempt)
	} else {
		e := &engine{s: s, r: r, worker: worker, undo: r.Kind == KindUndo}
		if clicked.IsZero() {
			e.progress = s.progressReporter(ctx, r, len(units))
		}
		results, err = e.run(ctx, units)
	}
	if err != nil {
		return err
	}
	if len(steps) > 0 {
		results[leaverSteps] = steps
	}
	if _, err := s.finish(ctx, r.ID, results); err != nil {
		return err
	}
	return s.deliver(ctx, r.ID, clicked)
}

// units are the users the request's current round changes.
func (s *Service) units(r *Request) []*unit {
	retry := map[string]bool{}
	for _, id := range r.Retry {
		retry[id] = true
	}
	// On a retry, only the products that failed, and remember a call that may have worked.
	failed := map[string][]Result{}
	if r.Round > 0 {
		for _, res := range r.Results {
			if res.Outcome == OutcomeFailed && retry[res.UserID] {
				failed[res.UserID] = append(failed[res.UserID], res)
			}
		}
	}
	pick := func(u *unit, items []unitItem) *unit {
		if r.Round == 0 {
			u.items = items
			return u
		}
		for _, it := range items {
			for _, f := range failed[u.userID] {
				if f.SKUID == it.SKUID {
					u.items = append(u.items, it)
					u.uncertain = u.uncertain || f.Uncertain
				}
			}
		}
		return u
	}
	var out []*unit
	if r.Kind == KindUndo {
		for _, ur := range r.Restores {
			if len(ur.Products) == 0 || (r.Round > 0 && !retry[ur.UserID]) {
				continue
			}
			items := make([]unitItem, len(ur.Products))
			for i, p := range ur.Products {
				items[i] = unitItem{SKUID: p.SKUID, Name: p.Name, DisabledPlans: p.DisabledPlans}
			}
			if u := pick(&unit{key: unitKey(r.Round, ur.UserID), userID: ur.UserID, label: ur.UPN}, items); len(u.items) > 0 {
				out = append(out, u)
			}
		}
		return out
	}
	for _, up := range r.Plan.Users {
		if len(up.Remove) == 0 || (r.Round > 0 && !retry[up.User.ID]) {
			continue
		}
		items := make([]unitItem, len(up.Remove))
		for i, it := range up.Remove {
			items[i] = unitItem{SKUID: it.SKUID, Name: it.Name, UserOwned: it.UserOwned}
		}
		snap, _ := json.Marshal(snapshotOf(up.User))
		u := pick(&unit{key: unitKey(r.Round, up.User.ID), userID: up.User.ID, label: userLabel(up), snapshot: snap}, items)
		if len(u.items) > 0 {
			out = append(out, u)
		}
	}
	return out
}

func unitKey(round int, userID string) string {
	if round == 0 {
		return userID
	}
	return fmt.Sprintf("%s#%d", userID, round)
}

// giveUp reports the users without a recorded result as failed.
func (s *Service) giveUp(ctx context.Context, r *Request, units []*unit, attempt int) (map[string][]Result, error) {
	recorded, err := s.Ledger.Results(ctx, r.ID)
	if err != nil {
		return nil, fmt.Errorf("read the results recorded for request %s: %w", r.ID, errStore{err})
	}
	e := &engine{s: s, r: r, undo: r.Kind == KindUndo}
	out := map[string][]Result{}
	for _, u := range units {
		if res, err := decodeResults(recorded[u.key]); err == nil && recorded[u.key] != nil {
			out[u.key] = res
			continue
		}
		out[u.key] = e.failAll(u, true, "result.stopped", "Times", strconv.Itoa(attempt-1))
	}
	s.Logger.ErrorContext(ctx, "giving up on a request that stopped its worker repeatedly", "request", r.ID, "attempt", attempt)
	return out, nil
}

// finish records the outcome once: of all workers that get here, the compare-and-set lets
// one move the request out of running.
func (s *Service) finish(ctx context.Context, id string, byKey map[string][]Result) (*Request, error) {
	for range 10 {
		r, st, err := s.load(ctx, id)
		if err != nil {
			return nil, err
		}
		if r.State != StateRunning {
			return r, nil
		}
		now := s.Now()
		r.Results = s.mergeResults(r, byKey, now)
		final := finalState(r.Results)
		_, err = s.transition(ctx, r, st, move{on: evFinish, to: final, at: now,
			audit: map[string]string{"state": string(final), "round": fmt.Sprint(r.Round)},
			fill: func(r *Request) {
				// The seats are read when the outcome is delivered, not here: the removal is
				// done and recorded without waiting for one more Graph read.
				report := s.report(s.shared(), r, nil)
				r.Report, r.Delivered = &report, false
			}})
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return r, nil
	}
	return nil, fmt.Errorf("finish request %s: %w", id, ErrConflict)
}

// mergeResults puts the round's results in the plan's order; a retry replaces the failed
// results of the users it re-ran.
func (s *Service) mergeResults(r *Request, byKey map[string][]Result, now time.Time) []Result {
	if r.Round > 0 {
		retried := map[string]bool{}
		for _, id := range r.Retry {
			retried[id] = true
		}
		var out []Result
		placed := map[string]bool{}
		for _, res := range r.Results {
			if res.Outcome != OutcomeFailed || !retried[res.UserID] {
				out = append(out, res)
				continue
			}
			if !placed[res.UserID] {
				placed[res.UserID] = true
				out = append(out, byKey[unitKey(r.Round, res.UserID)]...)
			}
		}
		return out
	}
	// A leaver's steps come first: they were made first.
	out := append([]Result(nil), byKey[leaverSteps]...)
	if r.Kind == KindUndo {
		for _, ur := range r.Restores {
			out = append(out, byKey[unitKey(0, ur.UserID)]...)
			for _, m := range ur.Missing {
				r := Result{UserID: ur.UserID, UPN: ur.UPN, Product: m, Outcome: OutcomeFailed, At: now}
				r.because("result.no_snapshot")
				out = append(out, r)
			}
		}
		return out
	}
	for _, up := range r.Plan.Users {
		for _, it := range up.Skip {
			// Said again from the plan's item in the reader's language (outcomeMessage).
			out = append(out, Result{UserID: up.User.ID, UPN: userLabel(up), SKUID: it.SKUID, Product: it.Name,
				Outcome: OutcomeSkipped, Reason: skipReason(english, it), At: now})
		}
		out = append(out, byKey[unitKey(0, up.User.ID)]...)
	}
	return out
}

// finalState is done when nothing failed, failed when nothing was changed and something
// failed, partly done otherwise.
func finalState(results []Result) State {
	changed, failed := 0, 0
	for _, r := range results {
		switch r.Outcome {
		case OutcomeRemoved, OutcomeRestored, OutcomeBlocked, OutcomeRevoked, OutcomeUnblocked:
			changed++
		case OutcomeFailed:
			failed++
		}
	}
	switch {
	case failed == 0:
		return StateDone
	case changed > 0:
		return StatePartlyDone
	}
	return StateFailed
}
