package handlers

import (
	"context"
	"strings"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// Unused seats before a subscription's next state. Microsoft bills seats until the
// subscription's license count is reduced (Billing › Your products), and some subscriptions
// can only be reduced near their renewal: a few days before a subscription's
// nextLifecycleDateTime (companySubscription), licensebot tells the approvers which products
// still have unused seats, and at the configured prices what they cost a month. Each
// reminder goes out once per product and date, whichever replica sends it (Once).

// Once marks a key once across replicas: true the first time within ttl.
type Once interface {
	FirstTime(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// RemindUnusedSeats looks once at the products: those with unused seats whose earliest
// subscription moves to its next state within Options.SeatReminderDays get a reminder in the
// approvers' place. It returns how many reminders it sent.
func (s *Service) RemindUnusedSeats(ctx context.Context) (int, error) {
	if s.opts.SeatReminderDays <= 0 || s.Once == nil {
		return 0, nil
	}
	tp, err := s.readProducts(ctx)
	if err != nil {
		return 0, err
	}
	now := s.Now()
	horizon := now.AddDate(0, 0, s.opts.SeatReminderDays)
	sent := 0
	for _, p := range tp.list {
		unused := max(p.Purchased-p.Assigned, 0)
		next := earliestLifecycle(p)
		if unused == 0 || next.IsZero() || next.Before(now) || next.After(horizon) {
			continue
		}
		key := "seats_" + strings.ToLower(p.SKUID) + "_" + next.UTC().Format("2006-01-02")
		first, err := s.Once.FirstTime(ctx, key, time.Until(next.Add(24*time.Hour))+time.Hour)
		if err != nil {
			return sent, err
		}
		if !first {
			continue
		}
		l := s.shared()
		name := s.Catalogue.DisplayName(p.SKUID, p.PartNumber)
		msg := bot.Message{Text: l.T("reminder.seats", "Product", name, "Seats", l.T("count.seats", "Count", unused),
			"Date", l.Date(next, s.opts.Location))}
		if line := savingsLine(l, s.opts.Prices.Monthly([]licensing.SeatCount{{SKUID: p.SKUID, PartNumber: p.PartNumber, Seats: unused}}), "reminder.cost"); line != "" {
			msg.Text += " " + line
		}
		for _, platform := range s.approvalPlatforms() {
			if _, err := s.Notifier.Post(ctx, bot.Destination{Platform: platform, Approvers: true}, msg); err != nil {
				s.Logger.WarnContext(ctx, "post an unused-seat reminder", "product", name, "platform", platform, "err", err)
			}
		}
		s.Logger.InfoContext(ctx, "unused-seat reminder sent", "product", name, "unused", unused, "next", next)
		sent++
	}
	return sent, nil
}

// RunSeatReminders looks at the products every period until ctx ends (every replica runs it;
// Once makes each reminder go out once).
func (s *Service) RunSeatReminders(ctx context.Context, every time.Duration) {
	if s.opts.SeatReminderDays <= 0 || s.Once == nil {
		return
	}
	ticks, stop := s.machine.newTicker(every)
	defer stop()
	for {
		callCtx, cancel := context.WithTimeout(ctx, time.Minute)
		if _, err := s.RemindUnusedSeats(callCtx); err != nil && ctx.Err() == nil {
			s.Logger.WarnContext(ctx, "look for unused seats to remind of", "err", err)
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
	}
}

// earliestLifecycle is the earliest next lifecycle date among the product's subscriptions.
func earliestLifecycle(p licensing.TenantProduct) time.Time {
	var t time.Time
	for _, sub := range p.Subscriptions {
		if !sub.NextLifecycle.IsZero() && (t.IsZero() || sub.NextLifecycle.Before(t)) {
			t = sub.NextLifecycle
		}
	}
	return t
}
