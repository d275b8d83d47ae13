package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licensebot/licensebot/store"
)

// Marks go stale by the Redis server's clock (TIME), which miniredis also takes from the
// wall clock: the staleness tests really wait, briefly.
const testStaleAfter = 200 * time.Millisecond

func TestClaimUser(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)

		t.Run("of 50 concurrent workers exactly one may send", func(t *testing.T) {
			req := mustID(t)
			var (
				claimed atomic.Int32
				winner  atomic.Value
				mu      sync.Mutex
				owners  = make(map[string]bool)
				wg      sync.WaitGroup
			)
			for i := range 50 {
				wg.Go(func() {
					me := fmt.Sprintf("worker-%d", i)
					c, err := s.ClaimUser(ctx, req, "alice", me, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if c.Claimed {
						claimed.Add(1)
						winner.Store(me)
					}
					mu.Lock()
					owners[c.Owner] = true
					mu.Unlock()
				})
			}
			wg.Wait()
			if claimed.Load() != 1 {
				t.Fatalf("%d workers claimed alice, want 1", claimed.Load())
			}
			if len(owners) != 1 || !owners[winner.Load().(string)] {
				t.Errorf("workers saw owners %v, want only the winner %v", owners, winner.Load())
			}
		})

		t.Run("a claim gives the holder half of staleAfter to send", func(t *testing.T) {
			c, err := s.ClaimUser(ctx, mustID(t), "alice", "worker-a", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Claimed || c.TookOver || c.Done || c.Owner != "worker-a" {
				t.Fatalf("claim = %+v, want a fresh claim by worker-a", c)
			}
			if want := testNow.Add(30 * time.Second); !c.SendBy.Equal(want) {
				t.Errorf("SendBy = %s, want %s (the store's clock + staleAfter/2)", c.SendBy, want)
			}
			if age := time.Since(c.Since); age < 0 || age > 5*time.Second {
				t.Errorf("Since = %s, want about now by the server's clock", c.Since)
			}
		})

		t.Run("the holder's own second claim is refused too", func(t *testing.T) {
			req := mustID(t)
			if c, err := s.ClaimUser(ctx, req, "alice", "worker-a", time.Minute); err != nil || !c.Claimed {
				t.Fatalf("first claim = %+v, %v", c, err)
			}
			c, err := s.ClaimUser(ctx, req, "alice", "worker-a", time.Minute)
			if err != nil || c.Claimed || c.Owner != "worker-a" {
				t.Fatalf("second claim = %+v, %v; want held by worker-a, not claimed", c, err)
			}
		})

		t.Run("after a checkpoint the user is done for everyone", func(t *testing.T) {
			req := mustID(t)
			if _, err := s.ClaimUser(ctx, req, "alice", "worker-a", time.Minute); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Checkpoint(ctx, req, "alice", []byte("removed")); err != nil {
				t.Fatal(err)
			}
			c, err := s.ClaimUser(ctx, req, "alice", "worker-b", 2*time.Millisecond)
			if err != nil || !c.Done || c.Claimed || string(c.Result) != "removed" {
				t.Fatalf("claim after checkpoint = %+v, %v; want Done with result removed", c, err)
			}
		})

		t.Run("a stale mark is taken over and the new holder is told", func(t *testing.T) {
			req := mustID(t)
			if c, err := s.ClaimUser(ctx, req, "alice", "dead", testStaleAfter); err != nil || !c.Claimed {
				t.Fatalf("first claim = %+v, %v", c, err)
			}
			if c, err := s.ClaimUser(ctx, req, "alice", "rescuer", testStaleAfter); err != nil || c.Claimed || c.Owner != "dead" {
				t.Fatalf("claim of a fresh mark = %+v, %v; want held by dead", c, err)
			}
			time.Sleep(testStaleAfter + 50*time.Millisecond)
			c, err := s.ClaimUser(ctx, req, "alice", "rescuer", testStaleAfter)
			if err != nil || !c.Claimed || !c.TookOver || c.Previous != "dead" || c.Owner != "rescuer" {
				t.Fatalf("claim of a stale mark = %+v, %v; want taken over from dead by rescuer", c, err)
			}
			if c, err := s.ClaimUser(ctx, req, "alice", "third", testStaleAfter); err != nil || c.Claimed || c.Owner != "rescuer" {
				t.Fatalf("claim right after the takeover = %+v, %v; want held by rescuer", c, err)
			}
		})

		t.Run("only the holder releases, and not once a result is recorded", func(t *testing.T) {
			req := mustID(t)
			if _, err := s.ClaimUser(ctx, req, "alice", "worker-a", time.Minute); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				owner string
				want  bool
			}{{"worker-b", false}, {"worker-a", true}, {"worker-a", false}} {
				if got, err := s.ReleaseUser(ctx, req, "alice", tc.owner); err != nil || got != tc.want {
					t.Fatalf("ReleaseUser by %s = %v, %v; want %v", tc.owner, got, err, tc.want)
				}
			}
			c, err := s.ClaimUser(ctx, req, "alice", "worker-b", time.Minute)
			if err != nil || !c.Claimed || c.TookOver {
				t.Fatalf("claim after release = %+v, %v; want a fresh claim", c, err)
			}
			if _, err := s.Checkpoint(ctx, req, "alice", []byte("removed")); err != nil {
				t.Fatal(err)
			}
			if got, err := s.ReleaseUser(ctx, req, "alice", "worker-b"); err != nil || got {
				t.Fatalf("ReleaseUser after checkpoint = %v, %v; want false", got, err)
			}
		})

		t.Run("bad arguments are refused", func(t *testing.T) {
			if _, err := s.ClaimUser(ctx, "{x}", "alice", "w", time.Minute); !errors.Is(err, store.ErrInvalidID) {
				t.Errorf("err = %v, want ErrInvalidID", err)
			}
			for _, tc := range []struct {
				user, owner string
				stale       time.Duration
			}{{"", "w", time.Minute}, {"alice", "", time.Minute}, {"alice", "w", 0}} {
				if _, err := s.ClaimUser(ctx, mustID(t), tc.user, tc.owner, tc.stale); err == nil {
					t.Errorf("ClaimUser(%q, %q, %s) accepted", tc.user, tc.owner, tc.stale)
				}
			}
		})
	})
}

// TestRemovalProtocol runs the executor's protocol from the package doc with workers
// that crash before sending, crash after sending, or stall past their SendBy, racing on
// the same users, and checks that every user's removal is sent exactly once and
// recorded exactly once.
func TestRemovalProtocol(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		// The real clock: SendBy must be comparable with time.Now.
		s := store.NewWithOptions(b.rdb, "protocol", store.Options{})
		req := mustID(t)
		const users, workers = 20, 5

		var takeovers atomic.Int32
		var mu sync.Mutex
		assigned := make(map[string]bool, users) // the tenant: does the user still have the license?
		sends := make(map[string]int, users)     // removal calls that reached the tenant
		for u := range users {
			assigned[fmt.Sprintf("user-%02d", u)] = true
		}
		send := func(user string) {
			mu.Lock()
			defer mu.Unlock()
			sends[user]++
			assigned[user] = false
		}
		stillAssigned := func(user string) bool {
			mu.Lock()
			defer mu.Unlock()
			return assigned[user]
		}

		// attempt is one worker's try at one user; crashes are returns that leave state
		// behind exactly as a killed process would.
		attempt := func(me, user string, rng *rand.Rand) error {
			c, err := s.ClaimUser(ctx, req, user, me, testStaleAfter)
			if err != nil || c.Done || !c.Claimed {
				return err
			}
			if c.TookOver {
				takeovers.Add(1)
			}
			if c.TookOver && !stillAssigned(user) {
				_, err := s.Checkpoint(ctx, req, user, []byte("removed (verified)"))
				return err
			}
			switch rng.IntN(5) {
			case 0: // crash between claim and send
				return nil
			case 1: // stall; a stalled worker must not send after SendBy
				time.Sleep(time.Duration(rng.IntN(int(testStaleAfter))))
				if time.Now().After(c.SendBy) {
					return nil
				}
			}
			send(user)
			if rng.IntN(5) == 0 { // crash between send and checkpoint
				return nil
			}
			_, err = s.Checkpoint(ctx, req, user, []byte("removed"))
			return err
		}

		deadline := time.Now().Add(30 * time.Second)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(w), 42))
				me := fmt.Sprintf("worker-%d", w)
				for time.Now().Before(deadline) {
					done, err := s.Checkpoints(ctx, req)
					if err != nil {
						t.Error(err)
						return
					}
					if len(done) == users {
						return
					}
					for _, u := range rng.Perm(users) {
						user := fmt.Sprintf("user-%02d", u)
						if _, ok := done[user]; ok {
							continue
						}
						if err := attempt(me, user, rng); err != nil {
							t.Error(err)
							return
						}
					}
					time.Sleep(10 * time.Millisecond)
				}
			})
		}
		wg.Wait()

		done, err := s.Checkpoints(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(done) != users {
			t.Fatalf("%d of %d users have a result", len(done), users)
		}
		for user, n := range sends {
			if n != 1 {
				t.Errorf("%s: %d removal calls sent, want 1", user, n)
			}
		}
		if len(sends) != users {
			t.Errorf("%d users got a removal call, want %d", len(sends), users)
		}
		// Without takeovers the test would not have exercised the crash paths.
		if takeovers.Load() == 0 {
			t.Error("no stale mark was taken over")
		}
		t.Logf("%d takeovers of stale marks", takeovers.Load())
	})
}
