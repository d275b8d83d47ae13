package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
	"github.com/licensebot/licensebot/locale"
)

// Requests at a date (--at "2026-12-04 18:00", the organisation's time zone). Such a request
// is confirmed and approved now and runs then: approved, it waits in Redis with a deadline
// (so it survives restarts, and the one sweeper that claims the deadline acts on it). An
// hour before, the requester is reminded; until it starts, the requester or an approver may
// cancel it ([Cancel], ActionUnschedule). At the time the plan is read again, and the
// requester's roles: if a user's licenses changed, or the requester may no longer ask,
// nothing is done and the requester is told what changed, to ask again.

// ActionUnschedule cancels an approved request that waits for its time.
const ActionUnschedule = "unschedule"

// reminderLead is how long before its time the requester is reminded of a scheduled request.
const reminderLead = time.Hour

// scheduleLayouts are the ways a time may be written after --at.
var scheduleLayouts = []string{"2006-01-02 15:04", "2006-01-02T15:04", time.RFC3339}

// parseSchedule reads --at in the organisation's location and checks it is ahead, within the
// time a request is kept.
func (s *Service) parseSchedule(at string) (time.Time, error) {
	loc := s.opts.Location
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range scheduleLayouts {
		t, err := time.ParseInLocation(layout, strings.TrimSpace(at), loc)
		if err != nil {
			continue
		}
		now := s.Now()
		latest := now.Add(s.opts.RetainFor - 24*time.Hour)
		if t.Before(now.Add(5*time.Minute)) || t.After(latest) {
			return time.Time{}, refuse(badSchedule{at: at, latest: latest, loc: loc})
		}
		return t, nil
	}
	return time.Time{}, refuse(badSchedule{at: at, latest: s.Now().Add(s.opts.RetainFor - 24*time.Hour), loc: loc, unreadable: true})
}

// scheduled reports whether an approved request still waits for its time (or for the check
// made at it).
func (s *Service) scheduled(r *Request) bool {
	return r.State == StateApproved && !r.RunAt.IsZero() && !r.Due
}

// nextScheduleCheck is when the sweeper should look at a scheduled request next: the
// reminder, then the time itself.
func (s *Service) nextScheduleCheck(r *Request) time.Time {
	if remind := r.RunAt.Add(-reminderLead); !r.Reminded && s.Now().Before(remind) {
		return remind
	}
	return r.RunAt
}

// sweepScheduled acts on an approved request with a time, claimed by this sweeper: the
// reminder, or, at the time, the check and the start.
func (s *Service) sweepScheduled(ctx context.Context, r *Request, st Stored) {
	now := s.Now()
	if now.Before(r.RunAt) {
		if !r.Reminded && !now.Before(r.RunAt.Add(-reminderLead)) {
			r.Reminded = true
			if _, err := s.save(ctx, r, st); err == nil {
				l := s.langFor(r.Requester.Actor.Locale)
				msg := bot.Message{Text: l.T("schedule.reminder", "ID", r.ID, "At", l.Time(r.RunAt, s.opts.Location)),
					Buttons: unscheduleButtons(l, r.ID)}
				if _, err := s.Notifier.Post(ctx, bot.Destination{Actor: &r.Requester.Actor}, msg); err != nil {
					s.Logger.WarnContext(ctx, "remind of a scheduled request", "request", r.ID, "err", err)
				}
			}
		}
		if err := s.Deadlines.ScheduleDeadline(ctx, r.ID, s.nextScheduleCheck(r)); err != nil {
			s.Logger.WarnContext(ctx, "schedule the next look at a scheduled request", "request", r.ID, "err", err)
		}
		return
	}
	// The time has come: is what was approved still what would be done?
	changes, err := s.scheduleChanges(ctx, r)
	if err != nil {
		s.Logger.WarnContext(ctx, "check a scheduled request before it runs; trying again", "request", r.ID, "err", err)
		_ = s.Deadlines.ScheduleDeadline(ctx, r.ID, now.Add(time.Minute))
		return
	}
	if len(changes) > 0 {
		if _, err := s.transition(ctx, r, st, move{on: evCancel, to: StateCancelled, at: now,
			audit: map[string]string{"reason": "plan_changed", "changes": strings.Join(changes, "; ")}}); err != nil {
			s.Logger.WarnContext(ctx, "cancel a scheduled request whose plan changed", "request", r.ID, "err", err)
			return
		}
		l := s.langFor(r.Requester.Actor.Locale)
		msg := bot.Message{Text: l.T("schedule.changed", "ID", r.ID, "Command", r.Command), Sections: []bot.Section{{Text: strings.Join(changes, "\n")}}}
		if _, err := s.Notifier.Post(ctx, bot.Destination{Actor: &r.Requester.Actor}, msg); err != nil {
			s.Logger.WarnContext(ctx, "tell the requester a scheduled plan changed", "request", r.ID, "err", err)
		}
		s.updateApprovals(ctx, r, s.stateOf(r), bot.MessageRef{})
		return
	}
	// Due, and the start check in place (should the queue fail), before it is started: a
	// second sweep then queues it again rather than checking it again.
	r.Due = true
	if _, err := s.save(ctx, r, st); err != nil {
		s.Logger.WarnContext(ctx, "mark a scheduled request due", "request", r.ID, "err", err)
		return
	}
	_ = s.Deadlines.ScheduleDeadline(ctx, r.ID, now.Add(startGrace))
	s.Logger.InfoContext(ctx, "a scheduled request's time has come", "request", r.ID)
	s.start(ctx, r, bot.MessageRef{})
}

// scheduleChanges compares, at a scheduled request's time, the plan as approved with the
// directory now: each user's removable licenses, and the requester's roles. Each change is
// a line for the requester; none means go.
func (s *Service) scheduleChanges(ctx context.Context, r *Request) ([]string, error) {
	l := s.langFor(r.Requester.Actor.Locale)
	var changes []string
	if ok, err := s.isAdmin(ctx, r.Requester); err != nil {
		return nil, err
	} else if !ok {
		changes = append(changes, l.T("schedule.change.roles", "UPN", r.Requester.UPN))
	}
	var ids []string
	var sel licensing.Selection
	for _, up := range r.Plan.Users {
		if up.Found {
			ids = append(ids, up.User.ID)
		}
		for _, it := range up.Remove {
			sel.SKUIDs = appendUnique(sel.SKUIDs, it.SKUID)
		}
	}
	if len(ids) == 0 {
		return changes, nil
	}
	targets, err := s.findTargets(ctx, ids)
	if err != nil {
		return nil, err
	}
	tp, err := s.readProducts(ctx)
	if err != nil {
		return nil, err
	}
	now := licensing.NewPlan(targets, sel, tp.list, s.Catalogue)
	before := map[string][]string{}
	for _, up := range r.Plan.Users {
		before[up.User.ID] = up.RemovedSKUIDs()
	}
	for _, up := range now.Users {
		if !up.Found {
			changes = append(changes, l.T("schedule.change.user_gone", "User", up.Query))
			continue
		}
		was, is := slices.Sorted(slices.Values(before[up.User.ID])), slices.Sorted(slices.Values(up.RemovedSKUIDs()))
		if !slices.Equal(was, is) {
			changes = append(changes, l.T("schedule.change.licenses", "User", up.User.UserPrincipalName,
				"Was", productNames(l, s.Catalogue, was), "Now", productNames(l, s.Catalogue, is)))
		}
	}
	return changes, nil
}

func productNames(l locale.Lang, cat *licensing.Catalogue, skus []string) string {
	if len(skus) == 0 {
		return l.T("schedule.change.nothing")
	}
	var names []string
	for _, sku := range skus {
		names = append(names, cat.DisplayName(sku, ""))
	}
	return l.And(names)
}

// unschedule answers [Cancel] on a scheduled request: its requester or one of its approvers
// (or managers) may, until it starts.
func (s *Service) unschedule(ctx context.Context, click bot.Click, id string) (bot.Reply, error) {
	clicker, err := s.identify(ctx, click.Actor)
	if err != nil {
		return bot.Reply{}, err
	}
	for range 10 {
		r, st, err := s.load(ctx, id)
		if err != nil {
			return bot.Reply{}, err
		}
		if err := bound(r, click.Actor); err != nil {
			return bot.Reply{}, err
		}
		if !s.scheduled(r) {
			return bot.Reply{Replace: true, Message: stateMessage(langIn(ctx), r, s.opts.Location)}, nil
		}
		may := r.Requester.UserID == clicker.UserID || s.isApprover(clicker)
		for _, m := range r.Managers {
			may = may || m.UserID == clicker.UserID
		}
		if !may {
			return bot.Reply{}, refuse(mayNotUnschedule{})
		}
		if _, err := s.transition(ctx, r, st, move{on: evCancel, to: StateCancelled, by: clicker, at: s.Now(),
			audit: map[string]string{"reason": "unscheduled"}}); err != nil {
			if errors.Is(err, ErrConflict) {
				continue
			}
			return bot.Reply{}, err
		}
		s.updateApprovals(ctx, r, s.stateOf(r), click.Message)
		return bot.Reply{Replace: true, Message: stateMessage(langIn(ctx), r, s.opts.Location)}, nil
	}
	return bot.Reply{}, fmt.Errorf("cancel scheduled request %s: %w", id, ErrConflict)
}

func unscheduleButtons(l locale.Lang, id string) []bot.Button {
	return []bot.Button{{Action: ActionUnschedule, Value: id, Label: l.T("schedule.button.cancel"), Style: bot.Danger}}
}
