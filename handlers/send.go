package handlers

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/licensebot/licensebot/licensing"
)

// The engine's calls to Graph: a batch claimed and sent, each answer settled (recorded,
// or a time to come back), a refused call split product by product.

// pass claims the batch's users, sends one call for each it may send, and settles each:
// a result recorded, or a time to come back.
func (e *engine) pass(ctx context.Context, batch []*unit) []unitDone {
	var out []unitDone
	var send []*unit
	for _, u := range batch {
		if d, ok := e.claim(ctx, u); ok {
			out = append(out, d)
			continue
		}
		send = append(send, u)
	}
	if len(send) == 0 {
		return out
	}
	// No call may start after the earliest SendBy: past it, another worker may take the
	// mark over and send.
	sendBy := send[0].sendBy
	for _, u := range send[1:] {
		if u.sendBy.Before(sendBy) {
			sendBy = u.sendBy
		}
	}
	// A call once started runs to its answer even when the job is stopping: cut off, its
	// outcome would be unknown and the next worker would have to wait for the mark to go
	// stale.
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendBy.Sub(e.s.Now()))
	defer cancel()
	for _, u := range send {
		u.calls++
	}
	answers := e.send(callCtx, send)
	for i, u := range send {
		out = append(out, e.settle(ctx, u, answers[i]))
	}
	return out
}

// send makes one call per unit: removals in one $batch, restores one by one in parallel.
func (e *engine) send(ctx context.Context, us []*unit) []RemovalResult {
	s := e.s
	if !e.undo {
		rs := make([]Removal, len(us))
		for i, u := range us {
			rs[i] = Removal{UserID: u.userID, SKUIDs: skuIDs(u.items)}
		}
		return s.batchRemover().RemoveLicensesBatch(ctx, rs)
	}
	out := make([]RemovalResult, len(us))
	var wg sync.WaitGroup
	for i, u := range us {
		wg.Go(func() {
			out[i] = RemovalResult{UserID: u.userID}
			defer s.recovered(ctx, "giving licenses back", &out[i].Err)
			out[i].RequestID, out[i].Err = s.Restorer.RestoreLicenses(ctx, u.userID, restores(u.items))
		})
	}
	wg.Wait()
	return out
}

// settle decides on one answer: record the result, or come back later.
func (e *engine) settle(ctx context.Context, u *unit, a RemovalResult) unitDone {
	s := e.s
	err := a.Err
	u.lastErr = err
	var throttled *licensing.ThrottledError
	switch {
	case err == nil:
		return e.recordItems(ctx, u, a.RequestID, nil)
	case errors.As(err, &throttled):
		// A 429 certainly did nothing: give the mark back and wait as Graph asks.
		s.Metrics.ThrottleWait(throttled.RetryAfter)
		u.throttles++
		if u.throttles > s.opts.ThrottleRetries {
			return e.recordItems(ctx, u, a.RequestID, err)
		}
		e.release(ctx, u)
		u.notBefore = s.Now().Add(min(max(throttled.RetryAfter, 100*time.Millisecond), s.opts.MaxRetryWait))
		return unitDone{u: u}
	case refused(err):
		if len(u.items) > 1 {
			// The call is all or nothing: try each product alone so the others still go
			// and each refusal is named.
			return e.oneByOne(ctx, u)
		}
		return e.recordItems(ctx, u, a.RequestID, err)
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		// Stopping (shutdown, or the job was taken over): leave the mark; whoever goes on
		// reads the user again.
		u.uncertain = true
		return unitDone{u: u}
	case errors.Is(err, licensing.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		u.uncertain = true
		u.failures++
		if u.failures >= s.opts.RemoveAttempts {
			return e.recordItems(ctx, u, a.RequestID, err)
		}
		u.notBefore = s.Now().Add(backoff(u.failures - 1))
		return unitDone{u: u}
	}
	return e.recordItems(ctx, u, a.RequestID, err)
}

// oneByOne sends each product of the unit alone, under the unit's claim.
func (e *engine) oneByOne(ctx context.Context, u *unit) unitDone {
	s := e.s
	res := append([]Result(nil), u.known...)
	for _, it := range u.items {
		var id string
		var err error
		for attempt := 1; ; attempt++ {
			if !s.Now().Before(u.sendBy) {
				err = context.DeadlineExceeded
				break
			}
			u.calls++
			callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), u.sendBy.Sub(s.Now()))
			if e.undo {
				id, err = s.Restorer.RestoreLicenses(callCtx, u.userID, restores([]unitItem{it}))
			} else {
				id, err = s.Remover.RemoveLicenses(callCtx, u.userID, []string{it.SKUID})
			}
			cancel()
			var throttled *licensing.ThrottledError
			retry := errors.As(err, &throttled) || errors.Is(err, licensing.ErrUnavailable)
			if err == nil || !retry || attempt >= s.opts.RemoveAttempts || ctx.Err() != nil {
				break
			}
			wait := backoff(attempt - 1)
			if throttled != nil {
				wait = min(max(throttled.RetryAfter, 100*time.Millisecond), s.opts.MaxRetryWait)
			} else {
				u.uncertain = true
			}
			if s.Sleep(ctx, wait) != nil {
				break
			}
		}
		res = append(res, e.result(u, it, id, err))
	}
	d, _ := e.record(ctx, u, res)
	return d
}

// recordItems records the same answer for every item of the unit.
func (e *engine) recordItems(ctx context.Context, u *unit, graphID string, err error) unitDone {
	res := append([]Result(nil), u.known...)
	for _, it := range u.items {
		res = append(res, e.result(u, it, graphID, err))
	}
	d, _ := e.record(ctx, u, res)
	return d
}

// failAll fails every item of the unit for the reason: a message id and its placeholders'
// names and values, in pairs (Result.because).
func (e *engine) failAll(u *unit, retryable bool, reason string, args ...string) []Result {
	res := append([]Result(nil), u.known...)
	for _, it := range u.items {
		r := Result{UserID: u.userID, UPN: u.label, SKUID: it.SKUID, Product: it.Name,
			Outcome: OutcomeFailed, Retryable: retryable, At: e.s.Now()}
		r.because(reason, args...)
		res = append(res, r)
	}
	return res
}

// batchRemover is Graph's $batch when the remover has it, else one call per user.
func (s *Service) batchRemover() BatchRemover {
	if b, ok := s.Remover.(BatchRemover); ok {
		return b
	}
	return oneByOneRemover{s.Remover}
}

type oneByOneRemover struct{ r Remover }

func (o oneByOneRemover) RemoveLicensesBatch(ctx context.Context, rs []Removal) []RemovalResult {
	out := make([]RemovalResult, len(rs))
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Go(func() {
			out[i] = RemovalResult{UserID: r.UserID}
			defer func() {
				// No Service here to log and count it: the call's error says it, and the
				// engine records the user as failed, uncertain.
				if v := recover(); v != nil {
					out[i].Err = errPanic{what: "removing licenses", value: v}
				}
			}()
			out[i].RequestID, out[i].Err = o.r.RemoveLicenses(ctx, r.UserID, r.SKUIDs)
		})
	}
	wg.Wait()
	return out
}

func skuIDs(items []unitItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.SKUID
	}
	return out
}

func restores(items []unitItem) []Restore {
	out := make([]Restore, len(items))
	for i, it := range items {
		out[i] = Restore{SKUID: it.SKUID, DisabledPlans: it.DisabledPlans}
	}
	return out
}
