package handlers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/licensebot/licensebot/licensing"
)

// Reading a plan's users. With a BatchFinder (Graph's $batch), users are read 20 to a call,
// several calls in flight, through the same pacer as the removals (engine.go): the number
// in flight grows while Graph answers, and follows what Graph admits once it throttles; a
// throttled user is read again after its Retry-After. A 1,000-user plan is then a few
// seconds of Graph time instead of a minute (BENCHMARKS.md, "Planning 1,000 users").

// Lookup is one user read by a BatchFinder: the user, or why not (an error wrapping
// licensing.ErrUserNotFound, a *licensing.ThrottledError, …).
type Lookup struct {
	User licensing.User
	Err  error
}

// BatchFinder reads many targets in few calls (at most 20 per call); it retries nothing.
type BatchFinder interface {
	FindUsersBatch(ctx context.Context, queries []string) []Lookup
}

// lookup is one query on its way through findTargetsBatched.
type lookup struct {
	i         int
	throttled int
	notBefore time.Time
}

func (s *Service) findTargetsBatched(ctx context.Context, b BatchFinder, queries []string) ([]licensing.Target, error) {
	targets := make([]licensing.Target, len(queries))
	pending := make([]*lookup, len(queries))
	for i := range queries {
		pending[i] = &lookup{i: i}
	}
	type batchDone struct {
		batch   []*lookup
		out     []Lookup
		started time.Time
		took    time.Duration
		err     error
	}
	pace := &pacer{limit: float64(s.opts.InFlight), most: float64(s.opts.MaxInFlight)}
	done := make(chan batchDone)
	var wg sync.WaitGroup
	defer wg.Wait()
	inFlight := 0
	var failed error
	stopped := ctx.Done() // nil once seen: the batches in flight are waited for
	for (len(pending) > 0 && failed == nil) || inFlight > 0 {
		now := s.Now()
		var paceWait time.Duration
		for failed == nil {
			ok, wait := pace.ready(now, inFlight)
			if !ok {
				paceWait = wait
				break
			}
			var batch []*lookup
			rest := pending[:0:0]
			for _, l := range pending {
				if len(batch) < batchSize && !l.notBefore.After(now) {
					batch = append(batch, l)
				} else {
					rest = append(rest, l)
				}
			}
			if len(batch) == 0 {
				break
			}
			pending = rest
			inFlight++
			pace.launched(now, len(batch))
			qs := make([]string, len(batch))
			for k, l := range batch {
				qs[k] = queries[l.i]
			}
			wg.Go(func() {
				t0 := s.Now()
				var err error
				out := func() []Lookup {
					defer s.recovered(ctx, "looking up users", &err)
					return b.FindUsersBatch(ctx, qs)
				}()
				if err == nil && len(out) != len(qs) {
					err = fmt.Errorf("look up %d users: %d answers", len(qs), len(out))
				}
				done <- batchDone{batch: batch, out: out, started: t0, took: s.Now().Sub(t0), err: err}
			})
		}
		var wake chan struct{}
		wakeCtx, stopWake := context.WithCancel(ctx)
		if failed == nil && len(pending) > 0 {
			next := pending[0].notBefore
			for _, l := range pending {
				if l.notBefore.Before(next) {
					next = l.notBefore
				}
			}
			d := next.Sub(now)
			switch {
			case paceWait > 0:
				d = max(d, paceWait)
			case !pace.room(inFlight):
				d = -1 // only a batch ending makes room
			}
			if d >= 0 {
				wake = make(chan struct{})
				go func() {
					if s.Sleep(wakeCtx, max(d, time.Millisecond)) == nil {
						close(wake)
					}
				}()
			}
		}
		select {
		case r := <-done:
			inFlight--
			throttled := 0
			if r.err != nil {
				failed = r.err
				pace.done(r.started, r.took, 0, len(r.batch), len(pending), s.Now())
				break
			}
			for k, l := range r.batch {
				res := r.out[k]
				q := queries[l.i]
				var t *licensing.ThrottledError
				switch {
				case res.Err == nil:
					targets[l.i] = licensing.Target{Query: q, User: res.User, Found: true}
				case errors.Is(res.Err, licensing.ErrUserNotFound):
					targets[l.i] = licensing.Target{Query: q}
				case errors.As(res.Err, &t) && l.throttled < s.opts.ThrottleRetries:
					throttled++
					l.throttled++
					wait := min(max(t.RetryAfter, time.Second), s.opts.MaxRetryWait)
					s.Metrics.ThrottleWait(wait)
					l.notBefore = s.Now().Add(wait)
					pending = append(pending, l)
				default:
					failed = fmt.Errorf("look up %s: %w", q, res.Err)
				}
			}
			pace.done(r.started, r.took, throttled, len(r.batch), len(pending), s.Now())
		case <-wake:
		case <-stopped:
			stopped = nil
			if failed == nil {
				failed = ctx.Err()
			}
		}
		stopWake()
	}
	return targets, failed
}
