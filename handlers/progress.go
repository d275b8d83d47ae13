package handlers

import (
	"context"
	"sync"
	"time"

	"github.com/licensebot/licensebot/bot"
)

// progressCounts are users, not products: "N of M users done, K skipped, F failed".
type progressCounts struct{ Done, Total, Skipped, Failed int }

// progressReporter returns the engine's progress hook: it edits the request's messages
// with the counts, at most every Options.ProgressEvery, within the replica's budget of
// edits, and never two edits at once.
func (s *Service) progressReporter(ctx context.Context, r *Request, units int) func(map[string][]Result) {
	refs := append([]bot.MessageRef(nil), r.Approvals...)
	if r.Progress != nil {
		refs = append(refs, *r.Progress)
	}
	if len(refs) == 0 {
		return nil
	}
	var busy sync.Mutex
	last := progressCounts{Total: -1}
	lastAt := time.Time{}
	return func(byKey map[string][]Result) {
		c := progressCounts{Total: units}
		for _, res := range byKey {
			c.Done++
			skipped, failed := true, false
			for _, x := range res {
				skipped = skipped && x.Outcome == OutcomeSkipped
				failed = failed || x.Outcome == OutcomeFailed
			}
			if failed {
				c.Failed++
			} else if skipped {
				c.Skipped++
			}
		}
		if c == last || s.machine.now().Sub(lastAt) < s.opts.ProgressEvery || !busy.TryLock() {
			return
		}
		// Each message is edited within its own platform's budget; one without a token now
		// waits for the next report.
		now := s.machine.now()
		var edit []bot.MessageRef
		for _, ref := range refs {
			if s.editBudget(ref.Platform).take(now, 1) {
				edit = append(edit, ref)
			}
		}
		if len(edit) == 0 {
			busy.Unlock()
			return
		}
		last, lastAt = c, now
		shared := progressMessage(s.shared(), r, c, s.opts.Location)
		own := progressMessage(s.langFor(r.Requester.Actor.Locale), r, c, s.opts.Location)
		go func() {
			defer busy.Unlock()
			defer s.recovered(ctx, "editing progress", nil)
			editCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			for _, ref := range edit {
				msg := shared
				if r.Progress != nil && ref == *r.Progress {
					msg = own
				}
				if err := s.Notifier.Update(editCtx, ref, msg); err != nil {
					s.Logger.WarnContext(ctx, "edit progress", "request", r.ID, "err", err)
				}
			}
		}()
	}
}

// EditRates is what a Notifier may also tell: how many message edits a minute a platform
// takes from one replica (Slack's chat.update tier, Discord's per-channel limit), so that
// progress edits stay within each platform's own limits rather than one for all.
type EditRates interface {
	EditsPerMinute(platform string) int
}

// editBudget is the replica's budget of progress edits on a platform, shared by its jobs:
// the Notifier's rate for it (EditRates), else Options.ProgressPerMinute.
func (s *Service) editBudget(platform string) *editBudget {
	s.budgetsMu.Lock()
	defer s.budgetsMu.Unlock()
	if b, ok := s.progressBudgets[platform]; ok {
		return b
	}
	perMin := s.opts.ProgressPerMinute
	if r, ok := s.Notifier.(EditRates); ok {
		if n := r.EditsPerMinute(platform); n > 0 {
			perMin = n
		}
	}
	b := &editBudget{perMin: float64(perMin)}
	if s.progressBudgets == nil {
		s.progressBudgets = map[string]*editBudget{}
	}
	s.progressBudgets[platform] = b
	return b
}

// editBudget is a token bucket of message edits per minute.
type editBudget struct {
	mu     sync.Mutex
	perMin float64
	tokens float64
	at     time.Time
}

func (b *editBudget) take(now time.Time, n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.at.IsZero() {
		b.tokens, b.at = b.perMin, now
	}
	b.tokens = min(b.perMin, b.tokens+now.Sub(b.at).Minutes()*b.perMin)
	b.at = now
	if b.tokens < float64(n) {
		return false
	}
	b.tokens -= float64(n)
	return true
}
