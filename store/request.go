package store

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Record is one request as stored: its state, a version that grows by one with every
// transition, and data that only the handlers interpret.
type Record struct {
	ID        string
	State     string
	Version   int64
	Data      []byte
	UpdatedAt time.Time
}

// createLua creates the request hash only if the key is free. EXISTS and HSET run in
// one script so two creators of one id cannot both succeed, and a reader never sees a
// hash without its TTL.
//
//	KEYS[1] request hash
//	ARGV    state, data, updated, ttl (ms)
//	returns 1 created, 0 the id is taken
const createLua = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'version', '1', 'data', ARGV[2], 'updated', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`

// transitionLua is the compare-and-set that moves a request: it changes the hash only
// if state and version are still what the caller read, so of any number of concurrent
// callers holding the same (state, version) exactly one wins. Versions are compared as
// the decimal strings this package writes, which avoids Lua's float numbers.
//
//	KEYS[1] request hash
//	ARGV    from, version, to, data, updated, ttl (ms)
//	returns {0} missing;
//	        {1, state, version, data, updated} moved, with the new record;
//	        {2, state, version, data, updated} conflict, with the current record
const transitionLua = `
local cur = redis.call('HMGET', KEYS[1], 'state', 'version', 'data', 'updated')
if not cur[1] then
  return {0}
end
if cur[1] ~= ARGV[1] or cur[2] ~= ARGV[2] then
  return {2, cur[1], cur[2], cur[3], cur[4]}
end
local version = string.format('%d', tonumber(cur[2]) + 1)
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'version', version, 'data', ARGV[4], 'updated', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return {1, ARGV[3], version, ARGV[4], ARGV[5]}
`

const (
	transitionMissing  = 0
	transitionMoved    = 1
	transitionConflict = 2
)

// Create stores a new request in state at version 1, expiring after ttl. It fails with
// ErrExists if the id is in use.
func (s *Store) Create(ctx context.Context, id, state string, data []byte, ttl time.Duration) (Record, error) {
	if !validID(id) {
		return Record{}, fmt.Errorf("create request %q: %w", id, ErrInvalidID)
	}
	if err := checkTTL(ttl); err != nil {
		return Record{}, fmt.Errorf("create request %s: %w", id, err)
	}
	now := s.opts.Now().UTC()
	created, err := s.create.Run(ctx, s.rdb, []string{s.requestKey(id)},
		state, data, formatTime(now), ttl.Milliseconds()).Int()
	if err != nil {
		return Record{}, fmt.Errorf("create request %s: %w", id, err)
	}
	if created == 0 {
		return Record{}, fmt.Errorf("create request %s: %w", id, ErrExists)
	}
	return Record{ID: id, State: state, Version: 1, Data: data, UpdatedAt: now}, nil
}

// Get returns the request, or ErrNotFound if it does not exist or has expired.
func (s *Store) Get(ctx context.Context, id string) (Record, error) {
	if !validID(id) {
		return Record{}, fmt.Errorf("get request %q: %w: %w", id, ErrNotFound, ErrInvalidID)
	}
	vals, err := s.rdb.HMGet(ctx, s.requestKey(id), "state", "version", "data", "updated").Result()
	if err != nil {
		return Record{}, fmt.Errorf("get request %s: %w", id, err)
	}
	if vals[0] == nil {
		return Record{}, fmt.Errorf("get request %s: %w", id, ErrNotFound)
	}
	rec, err := parseRecord(id, vals)
	if err != nil {
		return Record{}, fmt.Errorf("get request %s: %w", id, err)
	}
	return rec, nil
}

// Transition atomically moves the request from state `from` at `version` to state `to`
// with new data and a new TTL, and returns the new record (version+1). If the request
// is in another state or at another version, it returns the CURRENT record and an error
// wrapping ErrConflict; if it does not exist, ErrNotFound. This is how a request is
// confirmed, approved and run at most once: of any number of concurrent calls with the
// same from and version, exactly one succeeds.
func (s *Store) Transition(ctx context.Context, id, from string, version int64, to string, data []byte, ttl time.Duration) (Record, error) {
	if !validID(id) {
		return Record{}, fmt.Errorf("transition request %q: %w: %w", id, ErrNotFound, ErrInvalidID)
	}
	if err := checkTTL(ttl); err != nil {
		return Record{}, fmt.Errorf("transition request %s to %s: %w", id, to, err)
	}
	reply, err := s.transition.Run(ctx, s.rdb, []string{s.requestKey(id)},
		from, strconv.FormatInt(version, 10), to, data, formatTime(s.opts.Now().UTC()), ttl.Milliseconds()).Slice()
	if err != nil {
		return Record{}, fmt.Errorf("transition request %s from %s (v%d) to %s: %w", id, from, version, to, err)
	}
	status, ok := reply[0].(int64)
	if !ok {
		return Record{}, fmt.Errorf("transition request %s: unexpected script reply %v", id, reply)
	}
	if status == transitionMissing {
		return Record{}, fmt.Errorf("transition request %s to %s: %w", id, to, ErrNotFound)
	}
	rec, err := parseRecord(id, reply[1:])
	if err != nil {
		return Record{}, fmt.Errorf("transition request %s: %w", id, err)
	}
	if status == transitionConflict {
		return rec, fmt.Errorf("transition request %s from %s (v%d) to %s: it is %s (v%d): %w",
			id, from, version, to, rec.State, rec.Version, ErrConflict)
	}
	return rec, nil
}

// parseRecord reads state, version, data and updated, as HMGET and the scripts return
// them, into a Record.
func parseRecord(id string, vals []any) (Record, error) {
	if len(vals) != 4 {
		return Record{}, fmt.Errorf("record has %d fields, want 4", len(vals))
	}
	var f [4]string
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			return Record{}, fmt.Errorf("record field %d is %T, want string", i, v)
		}
		f[i] = str
	}
	version, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return Record{}, fmt.Errorf("record version %q: %w", f[1], err)
	}
	updated, err := parseTime(f[3])
	if err != nil {
		return Record{}, fmt.Errorf("record updated-at: %w", err)
	}
	return Record{ID: id, State: f[0], Version: version, Data: []byte(f[2]), UpdatedAt: updated}, nil
}

// Times are stored as RFC 3339 with nanoseconds in UTC: readable in redis-cli and exact.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
