package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// InboxEntry is one delivery in a chat platform's inbox: what the platform sent, as its
// adapter recorded it before acknowledging it, held by the replica working on it.
type InboxEntry struct {
	ID  string // the stream entry id: pass it to ExtendDeliveries and AckDelivery
	Key string // the delivery's key, as RecordDelivery was given it
	// Fields are what the adapter recorded, opaque to the store. They may hold a credential
	// (a response_url, an interaction token): the store never puts a field's value in an
	// error or anywhere but the entry, which AckDelivery deletes.
	Fields map[string]string
	// Attempt is how often the entry has been handed to a holder: 1 for its recorder, n
	// after n-1 take-overs (Redis' delivery count).
	Attempt int
}

// inboxGroup is the consumer group every replica holds inbox entries through.
const inboxGroup = "receivers"

// inboxFieldKey is the entry field of the delivery's key; the adapter's own fields go
// under "f." so they can never collide with it.
const (
	inboxFieldKey    = "key"
	inboxFieldPrefix = "f."
)

// recordDeliveriesLua records a batch of deliveries to one inbox in one step (inbox_batch.go
// gathers them). For each, it claims the delivery's key and, the first time, adds the
// delivery to the inbox stream; then it hands the entries added to their holder: a delivery
// is either new, recorded and pending in its recorder's name, or a repeat, and never
// recorded without a holder. One script for the batch, not one per delivery: Redis runs
// a script call and a group read for all of them instead of 200 of each in a burst.
//
// The entries are handed over by reading the group's new entries (XREADGROUP ">"), as no
// command assigns given entries. Every batch reads its own entries in the same script,
// so no other new entry is normally there to read; one that is (a script that failed
// half-way) is read along, becomes pending in this holder's name, and is taken over after
// the idle time like any entry whose holder is gone.
//
//	KEYS[1] inbox stream, KEYS[1+i] the mark of delivery i
//	ARGV    group, holder, maxlen, then for each delivery: mark ttl (ms), mark value,
//	        the number of field and value arguments n, then field, value, … (n of them)
//	returns, for each delivery, its entry id, or false when its key was marked already
const recordDeliveriesLua = `
local group, holder, maxlen = ARGV[1], ARGV[2], ARGV[3]
local ids, ours, added = {}, {}, 0
local a = 4
for i = 2, #KEYS do
  local ttl, mark, n = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  local fields = {}
  for j = 1, n do
    fields[j] = ARGV[a + 2 + j]
  end
  a = a + 3 + n
  if redis.call('SET', KEYS[i], mark, 'NX', 'PX', ttl) then
    local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', unpack(fields))
    ids[i - 1] = id
    ours[id] = true
    added = added + 1
  else
    ids[i - 1] = false
  end
end
local seen = 0
for _ = 1, 100 do
  if seen >= added then
    break
  end
  local got = redis.pcall('XREADGROUP', 'GROUP', group, holder, 'COUNT', added - seen + 100, 'STREAMS', KEYS[1], '>')
  if type(got) == 'table' and got.err then
    -- The group doesn't exist yet (the first delivery ever): made here, from the start of
    -- the stream, so that these entries are read. Checked only then: every other batch
    -- pays nothing for it.
    if not string.find(got.err, 'NOGROUP') then
      return redis.error_reply(got.err)
    end
    redis.call('XGROUP', 'CREATE', KEYS[1], group, '0')
  elseif not got then
    break
  else
    for _, m in ipairs(got[1][2]) do
      if ours[m[1]] then
        seen = seen + 1
      end
    end
  end
end
return ids
`

// extendDeliveriesLua resets the idle time of the entries the holder still holds, and
// names those it doesn't (acknowledged, or taken over after missed heartbeats). A plain
// XCLAIM would succeed for anyone and steal back an entry another replica had just taken
// over. RETRYCOUNT keeps the delivery count as it is (see extendJobLua).
//
//	KEYS[1] inbox stream
//	ARGV    group, holder, entry id, …
//	returns the ids no longer held by holder
const extendDeliveriesLua = `
local lost = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if #p == 0 or p[1][2] ~= ARGV[2] then
    lost[#lost + 1] = ARGV[i]
  else
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'IDLE', 0, 'RETRYCOUNT', p[1][4], 'JUSTID')
  end
end
return lost
`

// RecordDelivery records a delivery in the inbox named inbox (one per chat platform) and
// hands it to holder, unless its key was recorded within dedupe: first is then false and
// nothing is written (a platform's retry of the same delivery). The entry stays until
// AckDelivery, pending in holder's name; holder keeps it with ExtendDeliveries, and when
// it stops doing so another holder takes it over (ReclaimDelivery).
//
// It fails when Redis doesn't answer: the caller must then not act on the delivery (fail
// closed), and the key stays free for the platform's retry.
func (s *Store) RecordDelivery(ctx context.Context, inbox, holder, key string, fields map[string]string, dedupe time.Duration) (id string, first bool, err error) {
	if err := checkInbox(inbox, holder); err != nil {
		return "", false, fmt.Errorf("record delivery %s: %w", key, err)
	}
	if key == "" {
		return "", false, errors.New("record delivery: empty key")
	}
	if err := checkTTL(dedupe); err != nil {
		return "", false, fmt.Errorf("record delivery %s: %w", key, err)
	}
	// Sorted so that an entry is the same bytes every time (readable, testable).
	flat := make([]any, 0, 2+2*len(fields))
	flat = append(flat, inboxFieldKey, key)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		flat = append(flat, inboxFieldPrefix+k, fields[k])
	}
	id, err = s.recordBatched(ctx, &recordCall{
		stream: s.inboxKey(inbox), holder: holder, mark: s.inboxMarkKey(key),
		ttl: dedupe.Milliseconds(), markValue: formatTime(s.opts.Now()), fields: flat,
	})
	if err != nil {
		// go-redis' errors name the command, never its arguments: no field's value is in it.
		return "", false, fmt.Errorf("record delivery %s in inbox %s: %w", key, inbox, err)
	}
	if id == "" {
		return "", false, nil // marked already: a repeat
	}
	return id, true, nil
}

// ReclaimDelivery takes over one entry of the inbox that its holder has not extended for
// at least minIdle (the replica died, or is stuck), and hands it to holder with Attempt =
// how often it has now been handed over. It reports false when no entry has been idle
// that long. The delivery may have been partly worked on: its effects must be made single
// by what acts on it (the requests' compare-and-set).
func (s *Store) ReclaimDelivery(ctx context.Context, inbox, holder string, minIdle time.Duration) (InboxEntry, bool, error) {
	if err := checkInbox(inbox, holder); err != nil {
		return InboxEntry{}, false, fmt.Errorf("reclaim delivery: %w", err)
	}
	if minIdle < time.Millisecond {
		return InboxEntry{}, false, fmt.Errorf("reclaim delivery from inbox %s: min idle %s: must be at least 1ms", inbox, minIdle)
	}
	stream := s.inboxKey(inbox)
	var msg redis.XMessage
	found := false
	start := "0-0"
	for range reclaimScans {
		msgs, next, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream: stream, Group: inboxGroup, Consumer: holder, MinIdle: minIdle, Start: start, Count: 1,
		}).Result()
		if isNoGroup(err) || isNil(err) {
			return InboxEntry{}, false, nil // no group yet: nothing was ever recorded
		}
		if err != nil {
			return InboxEntry{}, false, fmt.Errorf("reclaim delivery from inbox %s for %s: %w", inbox, holder, err)
		}
		for _, m := range msgs {
			if m.Values != nil {
				msg, found = m, true
				break
			}
			// A pending entry whose message was trimmed (MAXLEN): Redis 6.2 returns it
			// without fields and leaves it pending on us; acknowledge it so it isn't
			// claimed again forever (Redis 7 drops it itself).
			if err := s.rdb.XAck(ctx, stream, inboxGroup, m.ID).Err(); err != nil {
				return InboxEntry{}, false, fmt.Errorf("reclaim delivery from inbox %s: drop trimmed %s: %w", inbox, m.ID, err)
			}
		}
		if found || next == "0-0" {
			break
		}
		start = next
	}
	if !found {
		return InboxEntry{}, false, nil
	}
	e := parseInboxEntry(msg)
	// XAUTOCLAIM doesn't say how often the entry was handed over; XPENDING does. Nobody
	// can take it in between: its idle time was just reset.
	pending, err := s.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream: stream, Group: inboxGroup, Start: msg.ID, End: msg.ID, Count: 1,
	}).Result()
	if err != nil {
		return InboxEntry{}, false, fmt.Errorf("reclaim delivery %s from inbox %s: delivery count: %w", msg.ID, inbox, err)
	}
	if len(pending) == 1 {
		e.Attempt = int(pending[0].RetryCount)
	}
	return e, true, nil
}

// ExtendDeliveries is a holder's heartbeat for the entries it holds: it resets their idle
// time so that ReclaimDelivery leaves them alone. Call it well within the reclaimers'
// minIdle (e.g. every minIdle/3). It returns the ids that are no longer holder's
// (acknowledged, or taken over): the holder must not start work on those.
func (s *Store) ExtendDeliveries(ctx context.Context, inbox, holder string, ids []string) (lost []string, err error) {
	if err := checkInbox(inbox, holder); err != nil {
		return nil, fmt.Errorf("extend deliveries: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, 0, 2+len(ids))
	args = append(args, inboxGroup, holder)
	for _, id := range ids {
		args = append(args, id)
	}
	lost, err = s.extendDeliveries.Run(ctx, s.rdb, []string{s.inboxKey(inbox)}, args...).StringSlice()
	if isNoGroup(err) || (err != nil && strings.Contains(err.Error(), "NOGROUP")) {
		// Redis passes the script's NOGROUP on as is, miniredis inside its own error.
		return slices.Clone(ids), nil // the inbox is gone (Redis lost its data): so are they
	}
	if err != nil {
		return nil, fmt.Errorf("extend %d deliveries of inbox %s for %s: %w", len(ids), inbox, holder, err)
	}
	return lost, nil
}

// AckDelivery marks the entry done and deletes it (XACK + XDEL in one MULTI), and with it
// what the platform needs to answer (a response_url, an interaction token): the inbox
// holds only deliveries not yet done. Acknowledging an entry already acknowledged, or
// taken over by another holder, is not an error: whoever finishes first acknowledges.
// The key's mark stays until its dedupe time is over, so a late retry is still a repeat.
func (s *Store) AckDelivery(ctx context.Context, inbox, id string) error {
	if err := checkInbox(inbox, "-"); err != nil {
		return fmt.Errorf("ack delivery %s: %w", id, err)
	}
	if id == "" {
		return errors.New("ack delivery: empty entry id")
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, s.inboxKey(inbox), inboxGroup, id)
		p.XDel(ctx, s.inboxKey(inbox), id)
		return nil
	})
	if err != nil && !isNoGroup(err) {
		return fmt.Errorf("ack delivery %s of inbox %s: %w", id, inbox, err)
	}
	return nil
}

func parseInboxEntry(m redis.XMessage) InboxEntry {
	e := InboxEntry{ID: m.ID, Fields: map[string]string{}, Attempt: 1}
	for k, v := range m.Values {
		s, _ := v.(string)
		if k == inboxFieldKey {
			e.Key = s
		} else if name, ok := strings.CutPrefix(k, inboxFieldPrefix); ok {
			e.Fields[name] = s
		}
	}
	return e
}

// checkInbox keeps an inbox's name to what can't break out of its key, and refuses an
// empty holder.
func checkInbox(inbox, holder string) error {
	if inbox == "" || len(inbox) > 32 || strings.TrimFunc(inbox, func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_'
	}) != "" {
		return fmt.Errorf("inbox name %q: lower-case letters, digits, - and _ only", inbox)
	}
	if holder == "" {
		return errors.New("empty holder name")
	}
	return nil
}
