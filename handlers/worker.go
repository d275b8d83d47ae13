package handlers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/licensebot/licensebot/bot"
)

// The executor: an approved request becomes a job on the durable queue (Jobs); workers in
// every replica take jobs, heartbeat while they work, and a job whose worker stopped is
// taken over by another after Options.JobIdle. This file is the queue's side: queueing an
// approved request and the workers that take it. execution.go runs one request to its
// outcome, delivery.go brings the outcome to the chat platforms, progress.go edits the
// messages while it runs. The engine (engine.go, with send.go, claims.go, outcomes.go and
// pacer.go) makes each user's change single across all of them through the ledger.

// start runs an approved request: as a job when there is a queue, else at once. It returns
// the message for the clicked message.
func (s *Service) start(ctx context.Context, r *Request, clicked bot.MessageRef) bot.Message {
	if s.scheduled(r) {
		// Approved for later: the sweeper starts it at its time (schedule.go).
		if s.Deadlines != nil {
			if err := s.Deadlines.ScheduleDeadline(ctx, r.ID, s.nextScheduleCheck(r)); err != nil {
				s.Logger.ErrorContext(ctx, "schedule a request for its time", "request", r.ID, "err", err)
			}
		}
		s.updateApprovals(ctx, r, s.stateOf(r), clicked)
		return scheduledMessage(langIn(ctx), r, s.opts.Location)
	}
	if s.Jobs == nil {
		worker := "inline-" + r.ID
		if err := s.execute(ctx, r.ID, worker, 1, clicked); err != nil {
			s.Logger.ErrorContext(ctx, "execute request", "request", r.ID, "err", err)
		}
		cur, _, err := s.load(ctx, r.ID)
		if err != nil {
			return s.explain(ctx, err)
		}
		return stateMessage(langIn(ctx), cur, s.opts.Location)
	}
	// Should the queue fail now, the sweeper finds the request still approved and queues it
	// (save scheduled that check before the approval was written).
	msg := stateMessage(langIn(ctx), r, s.opts.Location)
	if _, err := s.Jobs.EnqueueJob(ctx, r.ID); err != nil {
		s.Logger.ErrorContext(ctx, "queue the job", "request", r.ID, "err", err)
		msg.Warnings = append(msg.Warnings, say(ctx, "approval.not_queued", "ID", r.ID))
	}
	s.updateApprovals(ctx, r, s.stateOf(r), clicked)
	return msg
}

// startGrace is how long an approved request may wait for a worker before the sweeper
// queues it again (its first queueing may have failed).
const startGrace = 2 * time.Minute

// RunWorkers runs n workers, each taking jobs from the queue until ctx ends; a worker
// stopped by ctx hands its job back (it resumes on another replica). It returns when all
// have stopped. worker names this process uniquely across replicas and restarts (cmd makes
// it from the host, the pid and a random suffix); in-flight marks are held in its workers'
// names.
func (s *Service) RunWorkers(ctx context.Context, worker string, n int) {
	if s.Jobs == nil {
		return
	}
	var wg sync.WaitGroup
	for i := range max(n, 1) {
		name := fmt.Sprintf("%s/%d", worker, i)
		wg.Go(func() { s.work(ctx, name) })
	}
	wg.Wait()
}

// jobWait is how long one read for a new job blocks in Redis. The Redis client does not
// end a blocked read when ctx is cancelled, so this is also how long a stopping worker
// can be kept waiting: short, at the price of two cheap reads a second per idle worker.
const jobWait = 500 * time.Millisecond

func (s *Service) work(ctx context.Context, worker string) {
	// Reclaim first, so that a stopped worker's job is not left behind new ones.
	lastReclaim := time.Time{}
	for ctx.Err() == nil {
		var job Job
		var ok bool
		var err error
		if s.machine.now().Sub(lastReclaim) >= s.opts.JobIdle/4 {
			lastReclaim = s.machine.now()
			job, ok, err = s.Jobs.ReclaimJob(ctx, worker, s.opts.JobIdle)
		}
		if err == nil && !ok {
			job, ok, err = s.Jobs.NextJob(ctx, worker, min(jobWait, s.opts.JobIdle/4))
		}
		if err != nil {
			if ctx.Err() == nil {
				s.Logger.WarnContext(ctx, "take a job", "worker", worker, "err", err)
				_ = s.Sleep(ctx, time.Second)
			}
			continue
		}
		if ok {
			s.runJob(ctx, worker, job)
		}
	}
}

// runJob executes one job with a heartbeat and acknowledges it when the request is
// finished. A job lost to another worker, or stopped by ctx, is not acknowledged.
func (s *Service) runJob(ctx context.Context, worker string, job Job) {
	ctx = withRequest(ctx, job.RequestID)
	jobCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		s.heartbeat(jobCtx, cancel, worker, job)
	}()
	s.Metrics.JobRunning(1)
	err := func() (err error) {
		// A panic fails this attempt; the job is not acknowledged, comes back, and is given
		// up after JobAttempts (giveUp): it can't take every replica's workers down in turn.
		defer s.recovered(jobCtx, "running a job", &err)
		return s.execute(jobCtx, job.RequestID, worker, job.Attempt, bot.MessageRef{})
	}()
	s.Metrics.JobRunning(-1)
	cancel(nil)
	<-beat
	switch {
	case err == nil:
		ackCtx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer done()
		if err := s.Jobs.AckJob(ackCtx, job.ID); err != nil {
			s.Logger.WarnContext(ctx, "acknowledge job", "request", job.RequestID, "err", err)
		}
	case errors.Is(context.Cause(jobCtx), ErrJobLost):
		s.Logger.InfoContext(ctx, "job taken over by another worker", "request", job.RequestID)
	case ctx.Err() != nil:
		// Hand the job back now rather than after JobIdle: queue it again and drop ours.
		hbCtx, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer done()
		if _, err := s.Jobs.EnqueueJob(hbCtx, job.RequestID); err == nil {
			_ = s.Jobs.AckJob(hbCtx, job.ID)
		}
		s.Logger.InfoContext(ctx, "job handed back for another worker", "request", job.RequestID)
	default:
		s.Logger.ErrorContext(ctx, "job", "request", job.RequestID, "attempt", job.Attempt, "err", err)
	}
}

// heartbeat extends the job every JobIdle/3 until ctx ends, so that no other worker takes it
// over while this one works. When the job turns out to be another worker's (ErrJobLost), it
// stops the job with that cause: two workers must not send for it at once.
func (s *Service) heartbeat(ctx context.Context, stop context.CancelCauseFunc, worker string, job Job) {
	ticks, stopTicks := s.machine.newTicker(s.opts.JobIdle / 3)
	defer stopTicks()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			hbCtx, done := context.WithTimeout(ctx, s.opts.JobIdle/3)
			err := s.Jobs.ExtendJob(hbCtx, worker, job.ID)
			done()
			if errors.Is(err, ErrJobLost) {
				stop(ErrJobLost)
				return
			}
			if err != nil && ctx.Err() == nil {
				s.Logger.WarnContext(ctx, "job heartbeat", "request", job.RequestID, "err", err)
			}
		}
	}
}
