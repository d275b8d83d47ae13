package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strconv"
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
// collide with the fixed ones and stay readable in redis-cli XRANGE output. The chain's
// own fields (seq, prev, prev_id, hash) are only in the global stream's entries.
const (
	auditFieldRequest = "request"
	auditFieldAction  = "action"
	auditFieldActor   = "actor"
	auditFieldAt      = "at"
	auditFieldPrefix  = "f."

	auditFieldSeq    = "seq"
	auditFieldPrev   = "prev"
	auditFieldPrevID = "prev_id"
	auditFieldHash   = "hash"
)

// requestAuditMaxLen caps one request's own stream; a request has a handful of events,
// the cap only guards against a loop writing forever.
const requestAuditMaxLen = 1000

// AuditGenesis is the prev of the chain's first entry (seq 1): 64 zeros, the width of a
// hex SHA-256, so that every entry has a prev of the same form.
const AuditGenesis = "0000000000000000000000000000000000000000000000000000000000000000"

// auditCanonVersion starts every entry's canonical encoding, so that a later change of
// the encoding can never produce the same bytes as this one.
const auditCanonVersion = "licensebot-audit-v1"

const (
	// auditAppendAttempts bounds the compare-and-set conflicts of one append. Appends of
	// one Store wait for each other (chainSem), so a conflict means another replica
	// appended in between; after auditTurnAfter of them the append takes the turn (see
	// appendAuditLua) and its next try wins, so the bound is reached only if turns keep
	// expiring.
	auditAppendAttempts = 50
	// auditTurnAfter is how many conflicts an append suffers before it asks for the turn:
	// a first conflict is usually a stale guess of the head, not a race.
	auditTurnAfter = 2
	// auditTurn is how long a turn lasts if its holder never comes back (it died between
	// two tries); others wait that long at most.
	auditTurn = 500 * time.Millisecond
	// auditBusyWaits bounds the waits of one append while others have the turn (about a
	// millisecond each).
	auditBusyWaits = 2000
	// auditCallTimeout bounds each Redis call of the audit chain when the caller's
	// context has no earlier deadline: an audit write or a page of an export never hangs.
	auditCallTimeout = 10 * time.Second
)

// auditHead is the chain's last entry as an appender knows it: its seq, hash and stream id.
type auditHead struct {
	seq  uint64
	hash string
	id   string
}

var genesisHead = auditHead{seq: 0, hash: AuditGenesis, id: ""}

// appendAuditLua appends one entry to the chain if the chain's head is what the caller
// built the entry on (a compare-and-set: Redis' Lua has no SHA-256, so Go hashes and the
// script only compares), then moves the head and trims entries older than the retention.
//
// KEYS[1] the chain's stream, KEYS[2] its head (hash: seq, hash, id of the last entry),
// KEYS[3] the turn (string: the token of the append that has it); all carry the hash tag
// {audit}, so this works in Redis Cluster.
// ARGV[1..3] the expected head's seq, hash and id; ARGV[4] the genesis hash; ARGV[5] the
// new entry's seq, ARGV[6] its hash; ARGV[7] the retention in ms; ARGV[8] the append's
// token; ARGV[9] "1" if it asks for the turn when it loses; ARGV[10] how long a turn
// lasts in ms; ARGV[11..] the entry's field/value pairs.
//
// The turn keeps a replica from starving: the replica that just appended knows the new
// head and goes again at once, while one that lost must first hear the head, so under a
// steady stream of appends the same replica could lose every time. An append that has
// lost a few times asks for the turn; while it has it, every other append is refused
// ("busy", without being compared), so its next try, built on the head this answer
// gives it, wins. Its success gives the turn back; a turn whose holder died ends after
// ARGV[10] ms.
//
// A missing head with entries in the stream (the head key was deleted or lost) is read
// from the last entry, so the chain goes on instead of restarting at seq 1. Trimming is by
// age only (XTRIM MINID, exact, from the front, on Redis' clock, the clock of the stream
// ids): an entry leaves the chain only when it is older than the retention, which Verify
// can check (prev_id), never because the stream grew long.
//
// Returns {1, new id}; {0, seq, hash, id} of the head as it is (a conflict); or
// {2, seq, hash, id} when another append has the turn.
const appendAuditLua = `
local h = redis.call('HMGET', KEYS[2], 'seq', 'hash', 'id')
local seq, hash, id = h[1], h[2], h[3]
if not seq then
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  if #last == 0 then
    seq, hash, id = '0', ARGV[4], ''
  else
    id, seq, hash = last[1][1], '', ''
    local f = last[1][2]
    for i = 1, #f, 2 do
      if f[i] == 'seq' then seq = f[i+1] elseif f[i] == 'hash' then hash = f[i+1] end
    end
  end
end
hash = hash or ''
id = id or ''
local turn = redis.call('GET', KEYS[3])
if turn and turn ~= ARGV[8] then
  return {2, seq, hash, id}
end
if seq ~= ARGV[1] or hash ~= ARGV[2] or id ~= ARGV[3] then
  if ARGV[9] == '1' then
    redis.call('SET', KEYS[3], ARGV[8], 'PX', ARGV[10])
  end
  return {0, seq, hash, id}
end
local newid = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 11))
redis.call('HSET', KEYS[2], 'seq', ARGV[5], 'hash', ARGV[6], 'id', newid)
if turn then
  redis.call('DEL', KEYS[3])
end
local keep = tonumber(ARGV[7])
if keep > 0 then
  local t = redis.call('TIME')
  local cutoff = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - keep
  if cutoff > 0 then
    redis.call('XTRIM', KEYS[1], 'MINID', string.format('%d', cutoff))
  end
end
return {1, newid}
`

// Audit appends e to the audit chain (the global stream, see "Audit chain" in the
// package doc) and, if it names a request, to that request's own stream, which AuditLog
// reads; the request's stream expires Options.AuditRetention after its last event.
//
// The chain's append is a compare-and-set on the chain's head, retried a bounded number
// of times when another replica appended first. The request's stream is written in the
// same round trip as the first try (a pipeline, not a transaction: in Cluster the two
// live in different slots). If one of the two fails the caller may retry and the other
// then holds the event twice; an audit log with a duplicate is better than one with a gap.
func (s *Store) Audit(ctx context.Context, e AuditEvent) error {
	if e.RequestID != "" && !validID(e.RequestID) {
		return fmt.Errorf("audit %s of request %q: %w", e.Action, e.RequestID, ErrInvalidID)
	}
	if e.At.IsZero() {
		e.At = s.opts.Now()
	}
	ctx, cancel := withAuditTimeout(ctx)
	defer cancel()
	values := auditEventValues(e)
	var also func(p redis.Pipeliner)
	if e.RequestID != "" {
		key := s.requestAuditKey(e.RequestID)
		also = func(p redis.Pipeliner) {
			p.XAdd(ctx, &redis.XAddArgs{Stream: key, MaxLen: requestAuditMaxLen, Approx: true, Values: values})
			p.PExpire(ctx, key, s.opts.AuditRetention)
		}
	}
	alsoErr, err := s.appendChain(ctx, values, also)
	if err != nil {
		return fmt.Errorf("audit %s of request %s by %s: %w", e.Action, e.RequestID, e.Actor, err)
	}
	if alsoErr != nil {
		return fmt.Errorf("audit %s of request %s by %s: request's stream: %w", e.Action, e.RequestID, e.Actor, alsoErr)
	}
	return nil
}

// auditEventValues is an event as stream field/value pairs, fields sorted by name so an
// event's entry is the same bytes every time.
func auditEventValues(e AuditEvent) []string {
	values := make([]string, 0, 8+2*len(e.Fields))
	values = append(values,
		auditFieldRequest, e.RequestID,
		auditFieldAction, e.Action,
		auditFieldActor, e.Actor,
		auditFieldAt, formatTime(e.At),
	)
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		values = append(values, auditFieldPrefix+k, e.Fields[k])
	}
	return values
}

// appendChain links the event (values, as auditEventValues makes them) to the chain's
// head and appends it. also, if not nil, adds commands to the first try's round trip;
// their error is alsoErr.
func (s *Store) appendChain(ctx context.Context, values []string, also func(redis.Pipeliner)) (alsoErr, err error) {
	// One append at a time per Store: this replica's own appends queue here instead of
	// failing each other's compare-and-set, and the head it last wrote is its next guess.
	select {
	case s.chainSem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the audit chain: %w", ctx.Err())
	}
	defer func() { <-s.chainSem }()

	head := s.chainHead
	keys := []string{s.auditKey(), s.auditHeadKey(), s.auditTurnKey()}
	retention := strconv.FormatInt(s.opts.AuditRetention.Milliseconds(), 10)
	turnMs := strconv.FormatInt(auditTurn.Milliseconds(), 10)
	token, err := NewID() // this append's name for the turn
	if err != nil {
		return nil, fmt.Errorf("append to the audit chain: %w", err)
	}
	conflicts, busy := 0, 0
	for {
		seq := head.seq + 1
		hash := auditHash(seq, head.hash, head.id, values)
		wantTurn := "0"
		if conflicts >= auditTurnAfter {
			wantTurn = "1"
		}
		args := make([]any, 0, 10+8+len(values))
		args = append(args, strconv.FormatUint(head.seq, 10), head.hash, head.id, AuditGenesis,
			strconv.FormatUint(seq, 10), hash, retention, token, wantTurn, turnMs,
			auditFieldSeq, strconv.FormatUint(seq, 10),
			auditFieldPrev, head.hash,
			auditFieldPrevID, head.id,
			auditFieldHash, hash)
		for _, v := range values {
			args = append(args, v)
		}
		var res []any
		if also != nil {
			res, alsoErr, err = s.appendWith(ctx, keys, args, also)
			also = nil
		} else {
			res, err = s.appendAudit.Run(ctx, s.rdb, keys, args...).Slice()
		}
		if err != nil {
			return alsoErr, fmt.Errorf("append to the audit chain: %w", err)
		}
		if res == nil {
			continue // the script was not loaded yet: Run loads it
		}
		code, _ := res[0].(int64)
		if code == 1 && len(res) == 2 {
			id, _ := res[1].(string)
			s.chainHead = auditHead{seq: seq, hash: hash, id: id}
			return alsoErr, nil
		}
		if len(res) != 4 || (code != 0 && code != 2) {
			return alsoErr, fmt.Errorf("append to the audit chain: unexpected answer %v", res)
		}
		seqStr, _ := res[1].(string)
		n, err := strconv.ParseUint(seqStr, 10, 64)
		if err != nil {
			return alsoErr, fmt.Errorf("append to the audit chain: its head has seq %q: %w", seqStr, err)
		}
		head.seq = n
		head.hash, _ = res[2].(string)
		head.id, _ = res[3].(string)
		if code == 2 {
			// Another append has the turn; it needs one round trip to use it.
			if busy++; busy > auditBusyWaits {
				return alsoErr, fmt.Errorf("append to the audit chain: another replica kept the turn through %d tries: %w", auditBusyWaits, ErrConflict)
			}
			if err := sleepCtx(ctx, jitter(time.Millisecond)); err != nil {
				return alsoErr, fmt.Errorf("append to the audit chain: %w", err)
			}
			continue
		}
		// A conflict: the first is usually only a stale guess (this Store has not
		// appended yet, or another replica has since); try again at once on the head the
		// script gave, asking for the turn after a few.
		if conflicts++; conflicts > auditAppendAttempts {
			return alsoErr, fmt.Errorf("append to the audit chain: head moved %d times in a row: %w", auditAppendAttempts, ErrConflict)
		}
	}
}

// appendWith sends the script's first try (EVALSHA) and also's commands in one round
// trip. res is nil, with no error, when Redis does not have the script yet (NOSCRIPT).
func (s *Store) appendWith(ctx context.Context, keys []string, args []any, also func(redis.Pipeliner)) (res []any, alsoErr, err error) {
	var eval *redis.Cmd
	cmds, _ := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		eval = s.appendAudit.EvalSha(ctx, p, keys, args...)
		also(p)
		return nil
	})
	for _, c := range cmds {
		if c != eval && c.Err() != nil && alsoErr == nil {
			alsoErr = c.Err()
		}
	}
	res, err = eval.Slice()
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		return nil, alsoErr, nil
	}
	return res, alsoErr, err
}

// The audit chain, its head and its turn share the hash tag {audit}, so that in Redis
// Cluster one script can use them all.
func (s *Store) auditTurnKey() string { return s.prefix + ":{audit}:turn" }

// auditHash is the hex SHA-256 of an entry's canonical encoding (auditCanonical).
func auditHash(seq uint64, prev, prevID string, values []string) string {
	sum := sha256.Sum256(auditCanonical(seq, prev, prevID, values))
	return hex.EncodeToString(sum[:])
}

// auditCanonical is the bytes an entry's hash is taken of. Every item is written as its
// length in bytes (decimal), ':', the bytes, '\n' (a netstring), so no value can move a
// boundary between items whatever characters it holds. The items, in this order:
//
//	"licensebot-audit-v1", seq (decimal), prev (hex), prev_id (the previous entry's
//	stream id, "" for seq 1), then the event's pairs as stored: "request", its value,
//	"action", …, "actor", …, "at", the time as stored (RFC 3339, UTC, nanoseconds), then
//	"f.<name>", value for each field, sorted by name.
//
// values are the event's pairs exactly as auditEventValues writes them (and as Verify
// reads them back from the entry), so the hash covers the stored text, not a re-encoding.
func auditCanonical(seq uint64, prev, prevID string, values []string) []byte {
	n := 64 + len(prev) + len(prevID)
	for _, v := range values {
		n += len(v) + 8
	}
	b := make([]byte, 0, n)
	item := func(s string) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
		b = append(b, '\n')
	}
	item(auditCanonVersion)
	item(strconv.FormatUint(seq, 10))
	item(prev)
	item(prevID)
	for _, v := range values {
		item(v)
	}
	return b
}

// withAuditTimeout bounds ctx by auditCallTimeout unless it already ends sooner.
func withAuditTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok && time.Until(d) <= auditCallTimeout {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, auditCallTimeout)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// jitter returns a random duration in [d/2, d].
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(d/2)))
	if err != nil {
		return d
	}
	return d/2 + time.Duration(n.Int64())
}

// AuditLog returns the latest max events of one request, oldest first (max <= 0: all
// that are kept). It reads the request's own stream, so its cost does not depend on the
// size of the global stream; events older than Options.AuditRetention after the
// request's last event are gone from it (the chain still has them until they are
// Options.AuditRetention old).
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
				continue // the chain's fields, or a field a newer version added: not the event's
			}
			if e.Fields == nil {
				e.Fields = make(map[string]string)
			}
			e.Fields[name] = str
		}
	}
	return e, nil
}

var errMalformed = errors.New("malformed audit entry")
