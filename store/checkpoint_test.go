package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/licensebot/licensebot/store"
)

func TestCheckpoint(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)

		t.Run("the first result for a key is kept and later ones are refused", func(t *testing.T) {
			req := mustID(t)
			for i, tc := range []struct {
				key, result string
				first       bool
			}{
				{"alice", "removed", true},
				{"alice", "failed", false},
				{"bob", "skipped: inherited", true},
			} {
				first, err := s.Checkpoint(ctx, req, tc.key, []byte(tc.result))
				if err != nil || first != tc.first {
					t.Fatalf("checkpoint %d (%s) = %v, %v; want %v", i, tc.key, first, err, tc.first)
				}
			}
			got, err := s.Checkpoints(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			assertBytesMap(t, got, map[string]string{"alice": "removed", "bob": "skipped: inherited"})
		})

		t.Run("a request with no checkpoints has an empty map", func(t *testing.T) {
			got, err := s.Checkpoints(ctx, mustID(t))
			if err != nil || len(got) != 0 {
				t.Fatalf("Checkpoints = %v, %v; want empty", got, err)
			}
		})

		t.Run("of 50 concurrent writers exactly one records its result", func(t *testing.T) {
			req := mustID(t)
			var firsts atomic.Int32
			var winner atomic.Value
			var wg sync.WaitGroup
			for i := range 50 {
				wg.Go(func() {
					result := fmt.Sprintf("writer-%d", i)
					first, err := s.Checkpoint(ctx, req, "alice", []byte(result))
					if err != nil {
						t.Error(err)
					}
					if first {
						firsts.Add(1)
						winner.Store(result)
					}
				})
			}
			wg.Wait()
			if firsts.Load() != 1 {
				t.Fatalf("%d writers were first, want 1", firsts.Load())
			}
			got, err := s.Checkpoints(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			assertBytesMap(t, got, map[string]string{"alice": winner.Load().(string)})
		})

		t.Run("a bad request id or empty key is refused", func(t *testing.T) {
			if _, err := s.Checkpoint(ctx, "a:b", "alice", nil); !errors.Is(err, store.ErrInvalidID) {
				t.Errorf("err = %v, want ErrInvalidID", err)
			}
			if _, err := s.Checkpoint(ctx, mustID(t), "", nil); err == nil {
				t.Error("empty key accepted")
			}
		})
	})
}

func assertBytesMap(t *testing.T, got map[string][]byte, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d entries %q, want %d %q", len(got), got, len(want), want)
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || string(g) != w {
			t.Errorf("[%s] = %q (present %v), want %q", k, g, ok, w)
		}
	}
}
