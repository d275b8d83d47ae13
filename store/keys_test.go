package store_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestJobKeys checks the promises of the package doc's key table for the job keys:
// every per-request key carries the request's {hash tag} and a TTL; the shared job
// stream and deadline set have none, on purpose.
func TestJobKeys(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)
		req := mustID(t)
		steps := []func() error{
			func() error { _, err := s.EnqueueJob(ctx, req); return err },
			func() error { _, err := s.ClaimUser(ctx, req, "alice", "w", time.Minute); return err },
			func() error { _, err := s.Checkpoint(ctx, req, "alice", []byte("removed")); return err },
			func() error { return s.PutSnapshot(ctx, req, "alice", []byte("{}"), 30*24*hour) },
			func() error { return s.ScheduleDeadline(ctx, req, testNow) },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}

		perRequest := map[string]time.Duration{
			"test:req:{" + req + "}:sending":   30 * 24 * hour,
			"test:req:{" + req + "}:results":   30 * 24 * hour,
			"test:req:{" + req + "}:snapshots": 30 * 24 * hour,
		}
		for key, want := range perRequest {
			ttl, err := b.rdb.PTTL(ctx, key).Result()
			if err != nil {
				t.Fatal(err)
			}
			if ttl <= want-time.Minute || ttl > want {
				t.Errorf("%s: TTL %s, want about %s", key, ttl, want)
			}
		}
		for _, key := range []string{"test:jobs", "test:deadlines"} {
			if ttl := b.rdb.PTTL(ctx, key).Val(); ttl != -1 { // go-redis reports "no expiry" as -1, whatever the unit
				t.Errorf("%s: TTL %s, want none (-1)", key, ttl)
			}
		}

		keys, err := b.rdb.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range keys {
			if !strings.HasPrefix(key, "test:") {
				t.Errorf("key %s is outside the prefix", key)
			}
			if _, shared := map[string]bool{"test:jobs": true, "test:deadlines": true}[key]; !shared &&
				!strings.Contains(key, "{"+req+"}") {
				t.Errorf("per-request key %s lacks the hash tag {%s}", key, req)
			}
		}
	})
}
