package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestClaim(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)

		t.Run("the first claim wins until it expires", func(t *testing.T) {
			for i, want := range []bool{true, false, false} {
				got, err := s.Claim(ctx, "slack-event:Ev123", 100*time.Millisecond)
				if err != nil || got != want {
					t.Fatalf("claim %d = %v, %v; want %v", i+1, got, err, want)
				}
			}
			b.advance(150 * time.Millisecond)
			if got, err := s.Claim(ctx, "slack-event:Ev123", time.Minute); err != nil || !got {
				t.Fatalf("claim after expiry = %v, %v; want true", got, err)
			}
		})

		t.Run("different keys are independent", func(t *testing.T) {
			for _, key := range []string{"click:a", "click:b"} {
				if got, err := s.Claim(ctx, key, time.Minute); err != nil || !got {
					t.Fatalf("Claim(%s) = %v, %v; want true", key, got, err)
				}
			}
		})

		t.Run("of concurrent double clicks exactly one claims", func(t *testing.T) {
			var wins atomic.Int32
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() {
					ok, err := s.Claim(ctx, "click:double", time.Minute)
					if err != nil {
						t.Error(err)
					}
					if ok {
						wins.Add(1)
					}
				})
			}
			wg.Wait()
			if wins.Load() != 1 {
				t.Fatalf("%d claims won, want 1", wins.Load())
			}
		})

		t.Run("an empty key or no TTL is refused", func(t *testing.T) {
			if _, err := s.Claim(ctx, "", time.Minute); err == nil {
				t.Error("Claim with empty key succeeded")
			}
			if _, err := s.Claim(ctx, "k", 0); err == nil {
				t.Error("Claim with ttl 0 succeeded")
			}
		})
	})
}
