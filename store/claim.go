package store

import (
	"context"
	"fmt"
	"time"
)

// Claim marks key as taken for ttl and reports whether this call took it: true the first
// time, false while the mark lives. Slack and Discord redeliver events and users double
// click; the first arrival claims the delivery or click id and the others drop out
// (SET NX with a TTL, so the marks clean themselves up).
func (s *Store) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if key == "" {
		return false, fmt.Errorf("claim: empty key")
	}
	if err := checkTTL(ttl); err != nil {
		return false, fmt.Errorf("claim %s: %w", key, err)
	}
	ok, err := s.rdb.SetNX(ctx, s.claimKey(key), formatTime(s.opts.Now()), ttl).Result()
	if err != nil {
		return false, fmt.Errorf("claim %s: %w", key, err)
	}
	return ok, nil
}
