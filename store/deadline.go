package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// ScheduleDeadline records that something must happen to the request at `at` (e.g. it
// expires unanswered). Scheduling it again moves the deadline.
//
// The deadlines live in one sorted set (score = Unix milliseconds) with no TTL: it is an
// index over many requests, so an expiry would drop all of them at once; it stays small
// because sweepers remove each deadline as they claim it. A deadline is a prompt, not
// the truth: the request hash keeps its own TTL as a backstop, and the sweeper decides
// from the request itself (Get, then Transition's compare-and-set).
func (s *Store) ScheduleDeadline(ctx context.Context, requestID string, at time.Time) error {
	if !validID(requestID) {
		return fmt.Errorf("schedule deadline of request %q: %w", requestID, ErrInvalidID)
	}
	err := s.rdb.ZAdd(ctx, s.deadlinesKey(), redis.Z{Score: float64(at.UnixMilli()), Member: requestID}).Err()
	if err != nil {
		return fmt.Errorf("schedule deadline of request %s at %s: %w", requestID, formatTime(at), err)
	}
	return nil
}

// DueDeadlines returns up to max request ids whose deadline is at or before now,
// earliest first. Every replica's sweeper may see the same ids: ClaimDeadline decides
// which one acts.
func (s *Store) DueDeadlines(ctx context.Context, now time.Time, max int) ([]string, error) {
	if max <= 0 {
		return nil, fmt.Errorf("due deadlines: max %d: must be positive", max)
	}
	ids, err := s.rdb.ZRangeByScore(ctx, s.deadlinesKey(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: int64(max),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("due deadlines at %s: %w", formatTime(now), err)
	}
	return ids, nil
}

// ClaimDeadline removes the request's deadline and reports whether this call removed
// it (ZREM answers 1 to exactly one caller), so of all replicas sweeping at once exactly
// one acts on it, with no leader. A sweeper that claims and then fails to act should
// ScheduleDeadline again.
func (s *Store) ClaimDeadline(ctx context.Context, requestID string) (bool, error) {
	if !validID(requestID) {
		return false, fmt.Errorf("claim deadline of request %q: %w", requestID, ErrInvalidID)
	}
	n, err := s.rdb.ZRem(ctx, s.deadlinesKey(), requestID).Result()
	if err != nil {
		return false, fmt.Errorf("claim deadline of request %s: %w", requestID, err)
	}
	return n == 1, nil
}
