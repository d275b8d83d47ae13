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
		if !s.progressBudget.take(s.machine.now(), len(refs)) {
			busy.Unlock()
			return
		}
		last, lastAt = c, s.machine.now()
		shared := progressMessage(s.shared(), r, c, s.opts.Location)
		own := progressMessage(s.langFor(r.Requester.Actor.Locale), r, c, s.opts.Location)
		go func() {
			defer busy.Unlock()
			defer s.recovered(ctx, "editing progress", nil)
			editCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			for _, ref := range refs {
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

// editBudget is a token bucket of message edits per minute, shared by a replica's jobs.
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
