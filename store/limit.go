package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// limitLua counts one more event in a fixed window: INCR, and the window's expiry set by the
// first event only, in one step so that a window never loses its expiry.
//
//	KEYS[1] counter; ARGV[1] window (ms)
//	returns {count, ms left in the window}
const limitLua = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`

var limitScript = redis.NewScript(limitLua)

// Allow counts one event for key (a person, a workspace) and reports whether it is within
// limit events per window, and if not, how long until the window ends. Every replica counts
// in the same place, so the limit holds across replicas. An event refused still counts: a
// caller who keeps trying does not get through sooner.
func (s *Store) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	if key == "" || limit <= 0 {
		return false, 0, fmt.Errorf("limit %q: empty key or limit %d", key, limit)
	}
	if err := checkTTL(window); err != nil {
		return false, 0, fmt.Errorf("limit %s: %w", key, err)
	}
	res, err := limitScript.Run(ctx, s.rdb, []string{s.prefix + ":limit:" + key}, window.Milliseconds()).Int64Slice()
	if err != nil {
		return false, 0, fmt.Errorf("limit %s: %w", key, err)
	}
	if len(res) != 2 {
		return false, 0, fmt.Errorf("limit %s: unexpected reply %v", key, res)
	}
	return res[0] <= int64(limit), time.Duration(res[1]) * time.Millisecond, nil
}
