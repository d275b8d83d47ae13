package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Job is one delivery of a queued request to a worker.
type Job struct {
	ID        string    // the stream entry id; pass it to AckJob and ExtendJob
	RequestID string    // the request to execute
	Attempt   int       // 1 on the first delivery, n on the n-th (Redis' delivery count)
	Enqueued  time.Time // when EnqueueJob was called, by the store's clock
}

// jobGroup is the consumer group every replica's executor reads the job stream through.
const jobGroup = "executors"

// Job stream entry fields.
const (
	jobFieldRequest  = "request"
	jobFieldEnqueued = "enqueued"
)

// reclaimScans bounds how many XAUTOCLAIM calls one ReclaimJob makes while the pending
// entries it scans are all still busy or deleted; each call looks at up to 10 entries
// for COUNT 1 (Redis' XAUTOCLAIM scans at most COUNT*10).
const reclaimScans = 100

// EnqueueJob queues requestID for execution and returns the job's id. The job stays in
// the stream until a worker acknowledges it (AckJob), across worker crashes and
// restarts of the replicas (and of Redis, with persistence on).
func (s *Store) EnqueueJob(ctx context.Context, requestID string) (string, error) {
	if !validID(requestID) {
		return "", fmt.Errorf("enqueue job for request %q: %w", requestID, ErrInvalidID)
	}
	// The group is created before the first entry so that no job is ever added to a
	// stream nobody reads; it starts at "0" anyway, so even a job added before it is read.
	if err := s.ensureJobGroup(ctx); err != nil {
		return "", fmt.Errorf("enqueue job for request %s: %w", requestID, err)
	}
	id, err := s.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: s.jobsKey(),
		MaxLen: s.opts.JobMaxLen,
		Approx: true,
		Values: []any{jobFieldRequest, requestID, jobFieldEnqueued, formatTime(s.opts.Now())},
	}).Result()
	if err != nil {
		return "", fmt.Errorf("enqueue job for request %s: %w", requestID, err)
	}
	return id, nil
}

// NextJob waits up to block for a job no worker has had yet and hands it to consumer
// (XREADGROUP ">" COUNT 1). It reports false when none came in time. block <= 0 does not
// wait. go-redis does not interrupt a blocked read when ctx is cancelled, so keep block
// short (seconds) and loop.
//
// consumer names one worker process, unique across replicas and restarts (e.g. host,
// pid and a random suffix): the in-flight marks of ClaimUser are held in its name.
func (s *Store) NextJob(ctx context.Context, consumer string, block time.Duration) (Job, bool, error) {
	if consumer == "" {
		return Job{}, false, fmt.Errorf("next job: empty consumer name")
	}
	if block <= 0 {
		block = -1 // go-redis: no BLOCK argument; BLOCK 0 would wait forever
	}
	var streams []redis.XStream
	err := s.withJobGroup(ctx, func() error {
		var err error
		streams, err = s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group:    jobGroup,
			Consumer: consumer,
			Streams:  []string{s.jobsKey(), ">"},
			Count:    1,
			Block:    block,
		}).Result()
		return err
	})
	if isNil(err) {
		return Job{}, false, nil
	}
	if err != nil {
		return Job{}, false, fmt.Errorf("next job for %s: %w", consumer, err)
	}
	if len(streams) == 0 || len(streams[0].Messages) == 0 {
		return Job{}, false, nil
	}
	job, err := parseJob(streams[0].Messages[0])
	if err != nil {
		return Job{}, false, fmt.Errorf("next job for %s: %w", consumer, err)
	}
	job.Attempt = 1 // ">" only delivers entries never delivered before
	return job, true, nil
}

// ReclaimJob takes over one job that another worker was given but has neither
// acknowledged nor extended for at least minIdle (it crashed, or is stuck), and hands it
// to consumer with Attempt = how many times it has now been delivered. It reports false
// when no job has been idle that long.
//
// The job may have been partly done, and its old worker may be slow rather than dead:
// see the package doc for how checkpoints and in-flight marks keep effects single.
func (s *Store) ReclaimJob(ctx context.Context, consumer string, minIdle time.Duration) (Job, bool, error) {
	if consumer == "" {
		return Job{}, false, fmt.Errorf("reclaim job: empty consumer name")
	}
	if minIdle < time.Millisecond {
		return Job{}, false, fmt.Errorf("reclaim job for %s: min idle %s: must be at least 1ms", consumer, minIdle)
	}
	var msg redis.XMessage
	found := false
	err := s.withJobGroup(ctx, func() error {
		start := "0-0"
		for range reclaimScans {
			msgs, next, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
				Stream:   s.jobsKey(),
				Group:    jobGroup,
				Consumer: consumer,
				MinIdle:  minIdle,
				Start:    start,
				Count:    1,
			}).Result()
			if err != nil {
				return err
			}
			// Redis 7 drops pending entries whose message was deleted (trimmed) and returns
			// no message for them; skip to the next.
			for _, m := range msgs {
				if m.Values != nil {
					msg, found = m, true
					return nil
				}
				// Redis 6.2 returns such an entry with no fields and leaves it pending
				// on us; acknowledge it so it is not claimed again forever.
				if err := s.rdb.XAck(ctx, s.jobsKey(), jobGroup, m.ID).Err(); err != nil {
					return err
				}
			}
			if next == "0-0" {
				return nil
			}
			start = next
		}
		return nil
	})
	if err != nil {
		return Job{}, false, fmt.Errorf("reclaim job for %s: %w", consumer, err)
	}
	if !found {
		return Job{}, false, nil
	}
	job, err := parseJob(msg)
	if err != nil {
		return Job{}, false, fmt.Errorf("reclaim job %s for %s: %w", msg.ID, consumer, err)
	}
	// XAUTOCLAIM does not say how often the entry was delivered; XPENDING does. The
	// entry cannot be reclaimed by another worker in between: its idle time was just
	// reset to zero.
	pending, err := s.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream: s.jobsKey(), Group: jobGroup, Start: msg.ID, End: msg.ID, Count: 1,
	}).Result()
	if err != nil {
		return Job{}, false, fmt.Errorf("reclaim job %s for %s: delivery count: %w", msg.ID, consumer, err)
	}
	if len(pending) == 1 {
		job.Attempt = int(pending[0].RetryCount)
	}
	return job, true, nil
}

// AckJob marks the job done and deletes it from the stream (XACK + XDEL in one
// MULTI), so the stream holds only unfinished jobs. Acknowledging a job that is already
// acknowledged, or that another worker has reclaimed, is not an error: whoever finishes
// first acknowledges, and the work itself was made single by the checkpoints.
func (s *Store) AckJob(ctx context.Context, jobID string) error {
	if jobID == "" {
		return fmt.Errorf("ack job: empty job id")
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, s.jobsKey(), jobGroup, jobID)
		p.XDel(ctx, s.jobsKey(), jobID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("ack job %s: %w", jobID, err)
	}
	return nil
}

// extendJobLua resets the idle time of a pending entry, but only if KEYS[1]'s group
// still lists it as pending for the caller. A plain XCLAIM would succeed for anyone, so
// a slow worker's heartbeat would steal back a job another worker had just reclaimed.
// RETRYCOUNT keeps the delivery count as it is: Redis leaves it alone with JUSTID,
// miniredis (the demo's embedded Redis) would add one.
//
//	KEYS[1] job stream
//	ARGV    group, consumer, job id
//	returns 1 extended, 0 not pending (acknowledged), -1 held by another consumer
const extendJobLua = `
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 0 then
  return 0
end
if p[1][2] ~= ARGV[2] then
  return -1
end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', 0, 'RETRYCOUNT', p[1][4], 'JUSTID')
return 1
`

// JobsWaiting counts the jobs queued or running: an acknowledged job is deleted from the
// stream, so what is left has not finished (its outcome not yet delivered). The demo waits
// for none before it reads the next line, so that what it shows follows what was typed.
func (s *Store) JobsWaiting(ctx context.Context) (int64, error) {
	n, err := s.rdb.XLen(ctx, s.jobsKey()).Result()
	if err != nil && !isNil(err) {
		return 0, fmt.Errorf("count jobs: %w", err)
	}
	return n, nil
}

// ExtendJob is a worker's heartbeat for a job it holds: it resets the job's idle time
// so that ReclaimJob leaves it alone while the worker is alive. Call it well within the
// reclaimers' minIdle (e.g. every minIdle/3). It fails with ErrJobLost if the job is no
// longer the caller's (acknowledged, or reclaimed after missed heartbeats); the caller
// must then stop sending anything for it.
func (s *Store) ExtendJob(ctx context.Context, consumer, jobID string) error {
	if consumer == "" || jobID == "" {
		return fmt.Errorf("extend job %q for %q: empty job id or consumer", jobID, consumer)
	}
	var res int64
	err := s.withJobGroup(ctx, func() error {
		var err error
		res, err = s.extendJob.Run(ctx, s.rdb, []string{s.jobsKey()}, jobGroup, consumer, jobID).Int64()
		return err
	})
	if err != nil {
		return fmt.Errorf("extend job %s for %s: %w", jobID, consumer, err)
	}
	switch res {
	case 1:
		return nil
	case 0:
		return fmt.Errorf("extend job %s for %s: not pending: %w", jobID, consumer, ErrJobLost)
	default:
		return fmt.Errorf("extend job %s for %s: held by another worker: %w", jobID, consumer, ErrJobLost)
	}
}

// withJobGroup runs op once the consumer group exists and, if Redis answers that it
// does not (the stream was deleted, or Redis restarted without persistence), creates it
// again and runs op once more.
func (s *Store) withJobGroup(ctx context.Context, op func() error) error {
	if err := s.ensureJobGroup(ctx); err != nil {
		return err
	}
	err := op()
	if err == nil || !isNoGroup(err) {
		return err
	}
	s.groupMu.Lock()
	s.groupReady = false
	s.groupMu.Unlock()
	if err := s.ensureJobGroup(ctx); err != nil {
		return err
	}
	return op()
}

// ensureJobGroup creates the job stream and its consumer group once per Store
// (XGROUP CREATE MKSTREAM; BUSYGROUP, another replica was first, is success). The group
// starts at "0", not "$": a job enqueued before the group existed is still delivered.
func (s *Store) ensureJobGroup(ctx context.Context) error {
	s.groupMu.Lock()
	defer s.groupMu.Unlock()
	if s.groupReady {
		return nil
	}
	err := s.rdb.XGroupCreateMkStream(ctx, s.jobsKey(), jobGroup, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("create consumer group %s on %s: %w", jobGroup, s.jobsKey(), err)
	}
	s.groupReady = true
	return nil
}

func isNoGroup(err error) bool {
	var rerr redis.Error
	return errors.As(err, &rerr) && strings.HasPrefix(rerr.Error(), "NOGROUP")
}

func parseJob(m redis.XMessage) (Job, error) {
	req, _ := m.Values[jobFieldRequest].(string)
	if !validID(req) {
		return Job{}, fmt.Errorf("job %s: request id %q: %w", m.ID, req, ErrInvalidID)
	}
	job := Job{ID: m.ID, RequestID: req, Attempt: 1}
	if at, ok := m.Values[jobFieldEnqueued].(string); ok {
		t, err := parseTime(at)
		if err != nil {
			return Job{}, fmt.Errorf("job %s: enqueued: %w", m.ID, err)
		}
		job.Enqueued = t
	}
	return job, nil
}
