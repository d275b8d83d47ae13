package store

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Checkpoint records the result of one unit of a request's job, e.g. one user's
// removal under key = the user's id, unless a result for key is already recorded
// (HSETNX). It reports whether this call recorded it: a resumed job that redoes a step
// gets false and must use the recorded result, so a result is never recorded twice.
// Results are kept Options.ResultRetention after the request's last checkpoint.
func (s *Store) Checkpoint(ctx context.Context, requestID, key string, result []byte) (first bool, err error) {
	if !validID(requestID) {
		return false, fmt.Errorf("checkpoint %s of request %q: %w", key, requestID, ErrInvalidID)
	}
	if key == "" {
		return false, fmt.Errorf("checkpoint of request %s: empty key", requestID)
	}
	var set *redis.BoolCmd
	// One key, so MULTI is atomic in Cluster too: the hash never exists without its TTL.
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		set = p.HSetNX(ctx, s.resultsKey(requestID), key, result)
		p.PExpire(ctx, s.resultsKey(requestID), s.opts.ResultRetention)
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("checkpoint %s of request %s: %w", key, requestID, err)
	}
	return set.Val(), nil
}

// Checkpoints returns every result recorded for the request, by key; an empty map if
// none (or they have expired).
func (s *Store) Checkpoints(ctx context.Context, requestID string) (map[string][]byte, error) {
	if !validID(requestID) {
		return nil, fmt.Errorf("checkpoints of request %q: %w", requestID, ErrInvalidID)
	}
	m, err := s.readBytesHash(ctx, s.resultsKey(requestID))
	if err != nil {
		return nil, fmt.Errorf("checkpoints of request %s: %w", requestID, err)
	}
	return m, nil
}

// readBytesHash reads a whole hash as field → bytes.
func (s *Store) readBytesHash(ctx context.Context, key string) (map[string][]byte, error) {
	vals, err := s.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(vals))
	for k, v := range vals {
		out[k] = []byte(v)
	}
	return out, nil
}
