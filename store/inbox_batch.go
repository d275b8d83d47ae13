package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Recording deliveries is on every acknowledgement's path, and chat platforms deliver in
// bursts (a script of 200 commands, an approval channel of clicks): a round trip each, 200
// at once, queue for the connection pool and for Redis, and the last acknowledgement waits
// for all the others. So the deliveries that arrive while one write is on its way go
// together in the next: one script call for all of those to the same inbox, one round
// trip (group commit). Nothing waits to fill a batch: a delivery alone goes at once.

// recordCall is one RecordDelivery waiting for its batch.
type recordCall struct {
	stream, holder string // the inbox and who holds the entry: the batch's script call
	mark           string // the key's mark
	ttl            int64  // the mark's time to live, ms
	markValue      string
	fields         []any // field, value, …

	done chan struct{} // closed when id and err are set
	lead chan struct{} // the call is handed a flushing slot
	// promoted: lead has been sent (under recordBatcher.mu); once per call.
	promoted bool
	id       string // "" with a nil err: the key was marked already
	err      error
}

// recordBatcher gathers RecordDelivery calls. Up to maxRecordFlushes batches are on their way
// at once, so that a batch slow to come back (Redis answered, but this process was too busy
// to read the answer) doesn't hold up the deliveries behind it. A caller that finds a slot
// free flushes what is pending; the others queue, and when a batch is back its flusher
// hands its slot to the first still queued, who flushes the queue. Nobody flushes for
// others after their own delivery is recorded, so no acknowledgement waits for later ones.
type recordBatcher struct {
	mu       sync.Mutex
	pending  []*recordCall
	flushing int // slots taken
}

// maxRecordFlushes bounds the batches on their way at once (each takes one connection).
const maxRecordFlushes = 4

// maxRecordBatch bounds one script call, so that one never holds Redis long.
const maxRecordBatch = 256

// recordFlushBudget bounds one batch's round trip; each caller's own deadline bounds its
// wait. A delivery whose caller gave up waiting before its batch left is not recorded; one
// whose batch had left may still be: it is then held by nobody and taken over after the
// idle time, like a dead replica's.
const recordFlushBudget = 2 * time.Second

func (s *Store) recordBatched(ctx context.Context, call *recordCall) (string, error) {
	call.done = make(chan struct{})
	call.lead = make(chan struct{}, 1)
	b := &s.records
	b.mu.Lock()
	b.pending = append(b.pending, call)
	lead := b.flushing < maxRecordFlushes
	if lead {
		b.flushing++
	}
	b.mu.Unlock()
	if lead {
		s.flushPending(ctx)
	}
	for {
		select {
		case <-call.done:
			return call.id, call.err
		case <-call.lead:
			s.flushPending(ctx)
		case <-ctx.Done():
			b.mu.Lock()
			promoted := call.promoted
			if i := slices.Index(b.pending, call); i >= 0 {
				b.pending = slices.Delete(b.pending, i, i+1)
			}
			b.mu.Unlock()
			if promoted {
				// Handed a slot as it gave up (sent under the lock, so it is in the channel
				// unless taken above already): flush the others with it, or it is lost.
				select {
				case <-call.lead:
					s.flushPending(ctx)
				default:
				}
			}
			select {
			case <-call.done: // its batch had left and is back
				return call.id, call.err
			default:
				return "", ctx.Err()
			}
		}
	}
}

// flushPending flushes one batch of the queue with a slot the caller holds, then hands the
// slot to the first call still queued, or frees it.
func (s *Store) flushPending(ctx context.Context) {
	b := &s.records
	b.mu.Lock()
	batch := slices.Clone(b.pending[:min(len(b.pending), maxRecordBatch)])
	b.pending = b.pending[len(batch):]
	b.mu.Unlock()
	if len(batch) > 0 {
		s.flushRecords(context.WithoutCancel(ctx), batch)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, next := range b.pending {
		if !next.promoted {
			next.promoted = true
			next.lead <- struct{}{} // buffered, and sent once per call
			return
		}
	}
	b.flushing--
}

// flushRecords runs the batch's script, one call per inbox and holder (normally one for
// the whole batch), in one pipeline (EVALSHA; the script is loaded first when Redis
// doesn't have it) and hands each call its result.
func (s *Store) flushRecords(ctx context.Context, batch []*recordCall) {
	ctx, cancel := context.WithTimeout(ctx, recordFlushBudget)
	defer cancel()
	type group struct{ calls []*recordCall }
	var groups []*group
	byInbox := map[[2]string]*group{}
	for _, c := range batch {
		k := [2]string{c.stream, c.holder}
		g := byInbox[k]
		if g == nil {
			g = &group{}
			byInbox[k] = g
			groups = append(groups, g)
		}
		g.calls = append(g.calls, c)
	}
	run := func() []*redis.Cmd {
		cmds := make([]*redis.Cmd, len(groups))
		_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, g := range groups {
				keys, args := recordScriptArgs(g.calls, s.opts.InboxMaxLen)
				cmds[i] = s.recordDelivery.EvalSha(ctx, p, keys, args...)
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
	for i, g := range groups {
		ids, err := recordScriptIDs(cmds[i], len(g.calls))
		for j, c := range g.calls {
			if err != nil {
				c.err = err
			} else {
				c.id = ids[j]
			}
			close(c.done)
		}
	}
}

// recordScriptArgs are recordDeliveriesLua's keys and arguments for calls to one inbox.
func recordScriptArgs(calls []*recordCall, maxLen int64) (keys []string, args []any) {
	keys = make([]string, 0, 1+len(calls))
	keys = append(keys, calls[0].stream)
	args = []any{inboxGroup, calls[0].holder, maxLen}
	for _, c := range calls {
		keys = append(keys, c.mark)
		args = append(args, c.ttl, c.markValue, len(c.fields))
		args = append(args, c.fields...)
	}
	return keys, args
}

// recordScriptIDs reads recordDeliveriesLua's answer: an entry id, or nil for a key
// marked already, for each of n deliveries.
func recordScriptIDs(cmd *redis.Cmd, n int) ([]string, error) {
	reply, err := cmd.Slice()
	if err != nil {
		return nil, err
	}
	if len(reply) != n {
		return nil, fmt.Errorf("record deliveries: Redis answered %d results for %d deliveries", len(reply), n)
	}
	ids := make([]string, n)
	for i, v := range reply {
		switch v := v.(type) {
		case nil:
		case string:
			if v == "" {
				return nil, fmt.Errorf("record deliveries: Redis answered an empty entry id")
			}
			ids[i] = v
		default:
			return nil, fmt.Errorf("record deliveries: Redis answered %T for an entry id", v)
		}
	}
	return ids, nil
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
