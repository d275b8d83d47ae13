package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/store"
)

func TestDeadlines(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()

		t.Run("only due deadlines are listed, earliest first", func(t *testing.T) {
			s := newStore(b)
			early, late, future := mustID(t), mustID(t), mustID(t)
			for id, at := range map[string]time.Time{
				late: testNow.Add(-time.Minute), early: testNow.Add(-time.Hour), future: testNow.Add(time.Minute),
			} {
				if err := s.ScheduleDeadline(ctx, id, at); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.DueDeadlines(ctx, testNow, 10)
			if err != nil || !slices.Equal(got, []string{early, late}) {
				t.Fatalf("DueDeadlines = %v, %v; want [%s %s]", got, err, early, late)
			}
			if got, err := s.DueDeadlines(ctx, testNow, 1); err != nil || !slices.Equal(got, []string{early}) {
				t.Fatalf("DueDeadlines(max 1) = %v, %v; want [%s]", got, err, early)
			}
			// Moving a deadline into the future takes it off the due list.
			if err := s.ScheduleDeadline(ctx, early, testNow.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if got, err := s.DueDeadlines(ctx, testNow, 10); err != nil || !slices.Equal(got, []string{late}) {
				t.Fatalf("after rescheduling: DueDeadlines = %v, %v; want [%s]", got, err, late)
			}
		})

		t.Run("each due deadline is claimed by exactly one of three sweepers", func(t *testing.T) {
			// Its own prefix: the deadlines above are still in the shared set.
			s := store.NewWithOptions(b.rdb, "sweep", store.Options{})
			const n = 60
			for i := range n {
				if err := s.ScheduleDeadline(ctx, mustID(t), testNow.Add(-time.Duration(i)*time.Second)); err != nil {
					t.Fatal(err)
				}
			}
			var (
				mu      sync.Mutex
				claimed = make(map[string]int)
				wg      sync.WaitGroup
			)
			for range 3 {
				wg.Go(func() {
					for {
						due, err := s.DueDeadlines(ctx, testNow, 7)
						if err != nil {
							t.Error(err)
							return
						}
						if len(due) == 0 {
							return
						}
						for _, id := range due {
							won, err := s.ClaimDeadline(ctx, id)
							if err != nil {
								t.Error(err)
								return
							}
							if won {
								mu.Lock()
								claimed[id]++
								mu.Unlock()
							}
						}
					}
				})
			}
			wg.Wait()
			if len(claimed) != n {
				t.Fatalf("%d deadlines claimed, want %d", len(claimed), n)
			}
			for id, c := range claimed {
				if c != 1 {
					t.Errorf("deadline %s claimed %d times, want 1", id, c)
				}
			}
		})

		t.Run("max must be positive", func(t *testing.T) {
			if _, err := newStore(b).DueDeadlines(ctx, testNow, 0); err == nil {
				t.Error("max 0 accepted")
			}
		})
	})
}
