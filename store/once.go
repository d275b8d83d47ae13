package store

import (
	"context"
	"fmt"
	"time"
)

// FirstTime reports whether this is the first time key is marked within ttl, across every
// replica (SET NX with the ttl): what makes a reminder go out once, whoever sends it.
//
//	licensebot:once:KEY  "1", with the ttl
func (s *Store) FirstTime(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if !validSegment(key, false) || ttl <= 0 {
		return false, fmt.Errorf("mark %q: %w", key, ErrInvalidID)
	}
	ok, err := s.rdb.SetNX(ctx, s.prefix+":once:"+key, "1", ttl).Result()
	if err != nil {
		return false, fmt.Errorf("mark %s: %w", key, err)
	}
	return ok, nil
}
