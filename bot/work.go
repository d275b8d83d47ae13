package bot

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Work runs what a chat platform does after acknowledging a delivery. Slack and Discord
// wait 3 seconds for the ack while Graph and Redis may take longer, so the ack goes at once
// and the work runs here: on a context of its own (the request's ends with the ack),
// bounded by a timeout, and at most Limit jobs at a time, so that a burst neither starves
// the acknowledgements of CPU nor floods Graph. The rest wait their turn.
//
// Quick work (help, status, show: a few reads at most) has slots of its own, so that it is
// never queued behind slow plans of hundreds of users.
type Work struct {
	wg      sync.WaitGroup
	slots   chan struct{}
	quick   chan struct{}
	timeout time.Duration
	log     *slog.Logger
	// pending counts the jobs of the main slots, running or waiting for one (Spare).
	pending atomic.Int64
}

// NewWork runs at most limit jobs at once, each for at most timeout, and beside them at most
// a quarter as many (at least 2) quick ones.
func NewWork(limit int, timeout time.Duration, log *slog.Logger) *Work {
	limit = max(limit, 1)
	return &Work{slots: make(chan struct{}, limit), quick: make(chan struct{}, max(limit/4, 2)), timeout: timeout, log: log}
}

// Go runs fn after the caller's ack; what names it in the log if it panics.
func (w *Work) Go(parent context.Context, what string, fn func(ctx context.Context)) {
	w.pending.Add(1)
	w.run(w.slots, parent, what, func(ctx context.Context) {
		defer w.pending.Add(-1)
		fn(ctx)
	})
}

// Spare is how many more jobs Go would start at once: the main slots not taken by a job
// running or waiting. Work taken on by choice (a delivery left by another replica) takes
// no more than that, so that it never queues behind itself.
func (w *Work) Spare() int {
	return max(cap(w.slots)-int(w.pending.Load()), 0)
}

// GoQuick runs fn as Go does, in the quick slots: for work that answers from a few reads.
func (w *Work) GoQuick(parent context.Context, what string, fn func(ctx context.Context)) {
	w.run(w.quick, parent, what, fn)
}

func (w *Work) run(slots chan struct{}, parent context.Context, what string, fn func(ctx context.Context)) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		// Wait for a slot before the job's own deadline starts: queued work is late, not failed.
		slots <- struct{}{}
		defer func() { <-slots }()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), w.timeout)
		defer cancel()
		defer func() {
			if v := recover(); v != nil {
				w.log.ErrorContext(ctx, "panic while answering", "what", what, "panic", v, "stack", string(debug.Stack()))
			}
		}()
		fn(ctx)
	}()
}

// Wait waits until every job has ended.
func (w *Work) Wait() { w.wg.Wait() }

// Safely calls handle and turns a panic in it into the fallback reply (and an error in the
// log with the stack), so that the person who asked still gets an answer.
func Safely(ctx context.Context, log *slog.Logger, what string, fallback Message, handle func() Reply) (r Reply) {
	defer func() {
		if v := recover(); v != nil {
			log.ErrorContext(ctx, "panic in the "+what+" handler", "panic", v, "stack", string(debug.Stack()))
			r = Reply{Message: fallback}
		}
	}()
	return handle()
}

// Sleep waits for d or until ctx ends, whichever comes first (for Retry-After waits).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
