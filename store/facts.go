package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// maxFact bounds a fact's value: facts are small (a URL), and a value read back is
// untrusted like any answer.
const maxFact = 2048

// Remember keeps a small fact a chat platform learned from a verified delivery (Teams: the
// service URL its activities come from), shared by every replica, for ttl.
func (s *Store) Remember(ctx context.Context, key, value string, ttl time.Duration) error {
	if !validSegment(key, false) || ttl <= 0 || len(value) > maxFact {
		return fmt.Errorf("remember %q: %w", key, ErrInvalidID)
	}
	if err := s.rdb.Set(ctx, s.prefix+":fact:"+key, value, ttl).Err(); err != nil {
		return fmt.Errorf("remember %s: %w", key, err)
	}
	return nil
}

// Recall reads a fact Remember kept; ok is false when there is none (never kept, or
// expired).
func (s *Store) Recall(ctx context.Context, key string) (string, bool, error) {
	if !validSegment(key, false) {
		return "", false, fmt.Errorf("recall %q: %w", key, ErrInvalidID)
	}
	v, err := s.rdb.Get(ctx, s.prefix+":fact:"+key).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("recall %s: %w", key, err)
	case len(v) > maxFact:
		return "", false, fmt.Errorf("recall %s: a value of %d bytes, more than a fact holds", key, len(v))
	}
	return v, true, nil
}
