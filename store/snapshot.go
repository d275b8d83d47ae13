package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// PutSnapshot keeps data, the user's state before the request changed it (what undo
// restores), for ttl, unless a snapshot of that user is already kept for the request:
// the first write wins (HSETNX). A retried job reads the user again after a crash, and
// by then the removal may already have happened; its "before" would be wrong, so it must
// not replace the one taken before the first removal call.
func (s *Store) PutSnapshot(ctx context.Context, requestID, userID string, data []byte, ttl time.Duration) error {
	if !validID(requestID) {
		return fmt.Errorf("snapshot %s of request %q: %w", userID, requestID, ErrInvalidID)
	}
	if userID == "" {
		return fmt.Errorf("snapshot of request %s: empty user id", requestID)
	}
	if err := checkTTL(ttl); err != nil {
		return fmt.Errorf("snapshot %s of request %s: %w", userID, requestID, err)
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSetNX(ctx, s.snapshotsKey(requestID), userID, data)
		p.PExpire(ctx, s.snapshotsKey(requestID), ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("snapshot %s of request %s: %w", userID, requestID, err)
	}
	return nil
}

// Snapshots returns the request's snapshots by user id; an empty map if none (or they
// have expired: undo is no longer possible).
func (s *Store) Snapshots(ctx context.Context, requestID string) (map[string][]byte, error) {
	if !validID(requestID) {
		return nil, fmt.Errorf("snapshots of request %q: %w", requestID, ErrInvalidID)
	}
	m, err := s.readBytesHash(ctx, s.snapshotsKey(requestID))
	if err != nil {
		return nil, fmt.Errorf("snapshots of request %s: %w", requestID, err)
	}
	return m, nil
}
