package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// AuditEvent is one thing that happened to a request: who did what, when.
type AuditEvent struct {
	RequestID string            // empty for events about no request (e.g. a refused caller)
	Action    string            // e.g. "requested", "confirmed", "approved", "denied", "removed", "failed"
	Actor     string            // who acted, e.g. the chat user or the Entra user id
	At        time.Time         // zero means now (the store's clock)
	Fields    map[string]string // details, e.g. graph request-id, sku, user
}

// Stream entry field names. Event fields are stored as "f.<name>" so they can never
// collide with the fixed ones and stay readable in redis-cli XRANGE output.
const (
	auditFieldRequest = "request"
	auditFieldAction  = "action"
	auditFieldActor   = "actor"
	auditFieldAt      = "at"
	auditFieldPrefix  = "f."
)

// requestAuditMaxLen caps one request's own stream; a request has a handful of events,
// the cap only guards against a loop writing forever.
const requestAuditMaxLen = 1000

// Audit appends e to the global audit stream (XADD MAXLEN ~ Options.AuditMaxLen) and, if
// it names a request, to that request's own stream, which AuditLog reads; the request's
// stream expires Options.AuditRetention after its last event.
//
// The two streams are written in one pipeline, not a transaction: in Cluster they live
// in different slots. If the call fails part-way the caller may retry and the global
// stream may then hold the event twice; an audit log with a duplicate is better than
// one with a gap.
func (s *Store) Audit(ctx context.Context, e AuditEvent) error {
	if e.RequestID != "" && !validID(e.RequestID) {
		return fmt.Errorf("audit %s of request %q: %w", e.Action, e.RequestID, ErrInvalidID)
	}
	if e.At.IsZero() {
		e.At = s.opts.Now()
	}
	values := make([]any, 0, 8+2*len(e.Fields))
	values = append(values,
		auditFieldRequest, e.RequestID,
		auditFieldAction, e.Action,
		auditFieldActor, e.Actor,
		auditFieldAt, formatTime(e.At),
	)
	// Sorted so that an event's entry is the same bytes every time (readable, testable).
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		values = append(values, auditFieldPrefix+k, e.Fields[k])
	}

	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.XAdd(ctx, &redis.XAddArgs{Stream: s.auditKey(), MaxLen: s.opts.AuditMaxLen, Approx: true, Values: values})
		if e.RequestID != "" {
			key := s.requestAuditKey(e.RequestID)
			p.XAdd(ctx, &redis.XAddArgs{Stream: key, MaxLen: requestAuditMaxLen, Approx: true, Values: values})
			p.PExpire(ctx, key, s.opts.AuditRetention)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("audit %s of request %s by %s: %w", e.Action, e.RequestID, e.Actor, err)
	}
	return nil
}

// AuditLog returns the latest max events of one request, oldest first (max <= 0: all
// that are kept). It reads the request's own stream, so its cost does not depend on the
// size of the global stream; events older than Options.AuditRetention after the
// request's last event are gone from it (the global stream still has them, up to its cap).
func (s *Store) AuditLog(ctx context.Context, requestID string, max int) ([]AuditEvent, error) {
	if !validID(requestID) {
		return nil, fmt.Errorf("audit log of request %q: %w", requestID, ErrInvalidID)
	}
	key := s.requestAuditKey(requestID)
	var (
		msgs []redis.XMessage
		err  error
	)
	if max > 0 {
		msgs, err = s.rdb.XRevRangeN(ctx, key, "+", "-", int64(max)).Result()
		slices.Reverse(msgs)
	} else {
		msgs, err = s.rdb.XRange(ctx, key, "-", "+").Result()
	}
	if err != nil {
		return nil, fmt.Errorf("audit log of request %s: %w", requestID, err)
	}
	events := make([]AuditEvent, 0, len(msgs))
	for _, m := range msgs {
		e, err := parseAuditEvent(m.Values)
		if err != nil {
			return nil, fmt.Errorf("audit log of request %s: entry %s: %w", requestID, m.ID, err)
		}
		events = append(events, e)
	}
	return events, nil
}

func parseAuditEvent(values map[string]any) (AuditEvent, error) {
	var e AuditEvent
	for k, v := range values {
		str, ok := v.(string)
		if !ok {
			return AuditEvent{}, fmt.Errorf("field %s is %T, want string", k, v)
		}
		switch k {
		case auditFieldRequest:
			e.RequestID = str
		case auditFieldAction:
			e.Action = str
		case auditFieldActor:
			e.Actor = str
		case auditFieldAt:
			at, err := parseTime(str)
			if err != nil {
				return AuditEvent{}, fmt.Errorf("field %s: %w", k, err)
			}
			e.At = at
		default:
			name, ok := strings.CutPrefix(k, auditFieldPrefix)
			if !ok {
				continue // a field a newer version added; ignore rather than fail reading history
			}
			if e.Fields == nil {
				e.Fields = make(map[string]string)
			}
			e.Fields[name] = str
		}
	}
	return e, nil
}
