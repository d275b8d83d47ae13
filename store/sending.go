package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// UserClaim is what ClaimUser found or did for one (request, user).
type UserClaim struct {
	// Done: a result is already checkpointed for the user; send nothing, use Result.
	Done   bool
	Result []byte

	// Claimed: the caller now holds the user's in-flight mark and, of all workers, only
	// it may send the removal, once, and only before SendBy.
	Claimed bool
	// TookOver: Claimed by replacing a stale mark of Previous, whose call may or may not
	// have reached Graph. The caller must read the user's licenses again (after this
	// claim, not before) and send only if the license is still assigned; otherwise
	// checkpoint what it found.
	TookOver bool
	Previous string

	// Owner holds the mark (the caller when Claimed) since Since, by the Redis server's
	// clock. When neither Done nor Claimed, another worker holds a mark that is not yet
	// stale: its call may be in flight; wait and claim again later.
	Owner string
	Since time.Time
	// SendBy is, when Claimed, the caller's last moment to send the removal, by the
	// store's clock: the caller's clock read before the claim plus staleAfter/2. Put it
	// on the Graph call's context (context.WithDeadline) and do not start the call after
	// it: past staleAfter another worker may take the mark over and send.
	SendBy time.Time
}

// claimUserLua places, or takes over, one user's in-flight mark. The mark is
// "<server ms>:<owner>" in a hash beside the results hash; both carry the request's hash
// tag so one script may read both in Cluster. Time is Redis' own (TIME), the same clock
// XAUTOCLAIM measures idleness by, so replicas with skewed clocks agree on staleness.
//
//	KEYS[1] results hash, KEYS[2] marks hash
//	ARGV    field, owner, stale after (ms), retention (ms)
//	returns {0, result}           already done
//	        {1, mark}             claimed a free mark
//	        {2, mark, stale mark} took over a stale mark
//	        {3, mark}             held by someone else, not stale
const claimUserLua = `
local done = redis.call('HGET', KEYS[1], ARGV[1])
if done then
  return {0, done}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local mark = string.format('%d', now) .. ':' .. ARGV[2]
local cur = redis.call('HGET', KEYS[2], ARGV[1])
local status = 1
if cur then
  local since = tonumber(string.sub(cur, 1, string.find(cur, ':', 1, true) - 1))
  if now - since < tonumber(ARGV[3]) then
    return {3, cur}
  end
  status = 2
end
redis.call('HSET', KEYS[2], ARGV[1], mark)
redis.call('PEXPIRE', KEYS[2], ARGV[4])
if status == 2 then
  return {2, mark, cur}
end
return {1, mark}
`

const (
	claimUserDone     = 0
	claimUserClaimed  = 1
	claimUserTookOver = 2
	claimUserHeld     = 3
)

// ClaimUser is the in-flight mark that makes each user's removal call single across
// workers: call it before sending the removal for key (the user's id) of requestID, as
// owner (the worker's consumer name). Exactly one of any number of concurrent callers
// gets Claimed; a mark older than staleAfter (by the Redis server's clock) is taken over
// by the next caller, who is told so (TookOver) and must re-read before sending. Choose
// staleAfter well above the Graph call's timeout: the holder may send until SendBy =
// its clock before the claim + staleAfter/2, and the other half is the margin for
// pauses and a request still on the wire. See the package doc for the whole protocol.
//
// The mark is never released by a checkpoint: it stays, with the results, for
// Options.ResultRetention, as the record that a call was started.
func (s *Store) ClaimUser(ctx context.Context, requestID, key, owner string, staleAfter time.Duration) (UserClaim, error) {
	if !validID(requestID) {
		return UserClaim{}, fmt.Errorf("claim user %s of request %q: %w", key, requestID, ErrInvalidID)
	}
	if key == "" || owner == "" {
		return UserClaim{}, fmt.Errorf("claim user %q of request %s for %q: empty user or owner", key, requestID, owner)
	}
	if staleAfter < 2*time.Millisecond {
		return UserClaim{}, fmt.Errorf("claim user %s of request %s: stale after %s: must be at least 2ms", key, requestID, staleAfter)
	}
	start := s.opts.Now()
	reply, err := s.claimUser.Run(ctx, s.rdb, []string{s.resultsKey(requestID), s.sendingKey(requestID)},
		key, owner, staleAfter.Milliseconds(), s.opts.ResultRetention.Milliseconds()).Slice()
	if err != nil {
		return UserClaim{}, fmt.Errorf("claim user %s of request %s for %s: %w", key, requestID, owner, err)
	}
	c, err := parseUserClaim(reply)
	if err != nil {
		return UserClaim{}, fmt.Errorf("claim user %s of request %s for %s: %w", key, requestID, owner, err)
	}
	if c.Claimed {
		c.SendBy = start.Add(staleAfter / 2)
	}
	return c, nil
}

func parseUserClaim(reply []any) (UserClaim, error) {
	if len(reply) < 2 {
		return UserClaim{}, fmt.Errorf("unexpected script reply %v", reply)
	}
	status, ok1 := reply[0].(int64)
	val, ok2 := reply[1].(string)
	if !ok1 || !ok2 {
		return UserClaim{}, fmt.Errorf("unexpected script reply %v", reply)
	}
	if status == claimUserDone {
		return UserClaim{Done: true, Result: []byte(val)}, nil
	}
	owner, since, err := parseMark(val)
	if err != nil {
		return UserClaim{}, err
	}
	c := UserClaim{Owner: owner, Since: since}
	switch status {
	case claimUserClaimed:
		c.Claimed = true
	case claimUserTookOver:
		if len(reply) < 3 {
			return UserClaim{}, fmt.Errorf("unexpected script reply %v", reply)
		}
		prev, ok := reply[2].(string)
		if !ok {
			return UserClaim{}, fmt.Errorf("unexpected script reply %v", reply)
		}
		if c.Previous, _, err = parseMark(prev); err != nil {
			return UserClaim{}, err
		}
		c.Claimed, c.TookOver = true, true
	case claimUserHeld:
	default:
		return UserClaim{}, fmt.Errorf("unexpected script status %d", status)
	}
	return c, nil
}

// parseMark reads "<unix ms>:<owner>".
func parseMark(mark string) (owner string, since time.Time, err error) {
	ms, owner, ok := strings.Cut(mark, ":")
	if !ok {
		return "", time.Time{}, fmt.Errorf("in-flight mark %q: no ':'", mark)
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("in-flight mark %q: %w", mark, err)
	}
	return owner, time.UnixMilli(n).UTC(), nil
}

// releaseUserLua deletes a mark only if owner still holds it and no result is recorded.
//
//	KEYS[1] results hash, KEYS[2] marks hash
//	ARGV    field, owner
//	returns 1 released, 0 not held by owner (or already done)
const releaseUserLua = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return 0
end
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if not cur then
  return 0
end
local owner = string.sub(cur, string.find(cur, ':', 1, true) + 1)
if owner ~= ARGV[2] then
  return 0
end
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
`

// ReleaseUser gives up owner's in-flight mark on the user, so that the next ClaimUser
// (by anyone, the owner included) gets a fresh claim without waiting staleAfter. Call it
// only when the removal certainly did not take effect and is no longer in flight: Graph
// answered 429 or refused before applying, or the call was never started. It reports
// false, and changes nothing, if owner does not hold the mark or a result is recorded.
func (s *Store) ReleaseUser(ctx context.Context, requestID, key, owner string) (bool, error) {
	if !validID(requestID) {
		return false, fmt.Errorf("release user %s of request %q: %w", key, requestID, ErrInvalidID)
	}
	n, err := s.releaseUser.Run(ctx, s.rdb, []string{s.resultsKey(requestID), s.sendingKey(requestID)}, key, owner).Int()
	if err != nil {
		return false, fmt.Errorf("release user %s of request %s for %s: %w", key, requestID, owner, err)
	}
	return n == 1, nil
}
