package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Recording deliveries is on every acknowledgement's path, and chat platforms deliver in
// bursts (a script of 200 commands, an approval channel of clicks): a round trip each, 200
// at once, queue for the connection pool and for Redis, and the last acknowledgement waits
// for all the others. So the deliveries that arrive while one write is on its way go
// together in the next: one pipeline of the same script, one round trip (group commit).
// Nothing waits to fill a batch: a delivery alone goes at once.

// recordCall is one RecordDelivery waiting for its batch.
type recordCall struct {
	keys []string
	args []any
	done chan struct{}
	id   string
	err  error
}

// recordBatcher gathers RecordDelivery calls: the first caller flushes, and goes on flushing
// while others queued up behind it; the others wait for their result.
type recordBatcher struct {
	mu       sync.Mutex
	pending  []*recordCall
	flushing bool
}

// maxRecordBatch bounds one pipeline, so that one round trip never holds Redis long.
const maxRecordBatch = 256

// recordFlushBudget bounds one batch's round trip; each caller's own deadline bounds its
// wait. A delivery whose caller gave up waiting may still be recorded: it is then held by
// nobody and taken over after the idle time, like a dead replica's.
const recordFlushBudget = 2 * time.Second

func (s *Store) recordBatched(ctx context.Context, keys []string, args []any) (string, error) {
	call := &recordCall{keys: keys, args: args, done: make(chan struct{})}
	b := &s.records
	b.mu.Lock()
	b.pending = append(b.pending, call)
	if b.flushing {
		b.mu.Unlock()
		select {
		case <-call.done:
			return call.id, call.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	b.flushing = true
	for {
		batch := b.pending[:min(len(b.pending), maxRecordBatch)]
		b.pending = b.pending[len(batch):]
		b.mu.Unlock()
		s.flushRecords(context.WithoutCancel(ctx), batch)
		b.mu.Lock()
		if len(b.pending) == 0 {
			b.flushing = false
			b.mu.Unlock()
			break
		}
	}
	return call.id, call.err
}

// flushRecords runs the batch's scripts in one pipeline (EVALSHA; the script is loaded
// first when Redis doesn't have it) and hands each call its result.
func (s *Store) flushRecords(ctx context.Context, batch []*recordCall) {
	ctx, cancel := context.WithTimeout(ctx, recordFlushBudget)
	defer cancel()
	run := func() []*redis.Cmd {
		cmds := make([]*redis.Cmd, len(batch))
		_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, c := range batch {
				cmds[i] = s.recordDelivery.EvalSha(ctx, p, c.keys, c.args...)
			}
			return nil
		})
		return cmds
	}
	cmds := run()
	if noScript(cmds) {
		if err := s.recordDelivery.Load(ctx, s.rdb).Err(); err == nil {
			cmds = run()
		}
	}
	for i, c := range batch {
		c.id, c.err = cmds[i].Text()
		close(c.done)
	}
}

// noScript reports whether Redis didn't know the script (first use, or after a restart or
// SCRIPT FLUSH).
func noScript(cmds []*redis.Cmd) bool {
	for _, c := range cmds {
		if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) && strings.HasPrefix(err.Error(), "NOSCRIPT") {
			return true
		}
	}
	return false
}
