package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/store"
	"github.com/licensebot/licensebot/store/storetest"
)

// Idle times in the job stream are measured by the server's own clock, which miniredis
// takes from the wall clock too; the reclaim tests therefore really wait, briefly.
const testMinIdle = 150 * time.Millisecond

func TestJobQueue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()

		t.Run("an enqueued job is delivered once and gone after ack", func(t *testing.T) {
			s := newStore(b)
			req := mustID(t)
			id, err := s.EnqueueJob(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			job, ok, err := s.NextJob(ctx, "worker-a", 100*time.Millisecond)
			if err != nil || !ok {
				t.Fatalf("NextJob = %v, %v, %v; want a job", job, ok, err)
			}
			want := store.Job{ID: id, RequestID: req, Attempt: 1, Enqueued: testNow}
			if job != want {
				t.Fatalf("job = %+v, want %+v", job, want)
			}
			if _, ok, err := s.NextJob(ctx, "worker-b", 0); err != nil || ok {
				t.Fatalf("second NextJob = %v, %v; want nothing: the job is taken", ok, err)
			}
			if err := s.AckJob(ctx, job.ID); err != nil {
				t.Fatal(err)
			}
			if n := b.rdb.XLen(ctx, "test:jobs").Val(); n != 0 {
				t.Errorf("stream holds %d entries after ack, want 0", n)
			}
			if err := s.AckJob(ctx, job.ID); err != nil {
				t.Errorf("second ack: %v, want nil", err)
			}
		})

		t.Run("no job means false after the block time", func(t *testing.T) {
			s := newStore(b)
			start := time.Now()
			_, ok, err := s.NextJob(ctx, "worker-a", 50*time.Millisecond)
			if err != nil || ok {
				t.Fatalf("NextJob = %v, %v; want false, nil", ok, err)
			}
			if waited := time.Since(start); waited < 40*time.Millisecond {
				t.Errorf("returned after %s, want it to block about 50ms", waited)
			}
		})

		t.Run("jobs come out in the order they went in", func(t *testing.T) {
			s := newStore(b)
			var reqs []string
			for range 3 {
				req := mustID(t)
				reqs = append(reqs, req)
				if _, err := s.EnqueueJob(ctx, req); err != nil {
					t.Fatal(err)
				}
			}
			for i, want := range reqs {
				job, ok, err := s.NextJob(ctx, "worker-a", 0)
				if err != nil || !ok || job.RequestID != want {
					t.Fatalf("job %d = %+v, %v, %v; want request %s", i, job, ok, err, want)
				}
				if err := s.AckJob(ctx, job.ID); err != nil {
					t.Fatal(err)
				}
			}
		})

		t.Run("a job never acknowledged is reclaimed after minIdle as attempt 2", func(t *testing.T) {
			s := newStore(b)
			req := mustID(t)
			if _, err := s.EnqueueJob(ctx, req); err != nil {
				t.Fatal(err)
			}
			first, ok, err := s.NextJob(ctx, "crashing", 0)
			if err != nil || !ok {
				t.Fatalf("NextJob = %v, %v", ok, err)
			}
			if _, ok, err := s.ReclaimJob(ctx, "rescuer", testMinIdle); err != nil || ok {
				t.Fatalf("ReclaimJob before minIdle = %v, %v; want false", ok, err)
			}
			time.Sleep(testMinIdle + 50*time.Millisecond)
			job, ok, err := s.ReclaimJob(ctx, "rescuer", testMinIdle)
			if err != nil || !ok {
				t.Fatalf("ReclaimJob = %v, %v; want the job", ok, err)
			}
			if job.ID != first.ID || job.RequestID != req || job.Attempt != 2 {
				t.Fatalf("reclaimed %+v, want id %s, request %s, attempt 2", job, first.ID, req)
			}
			if err := s.ExtendJob(ctx, "crashing", job.ID); !errors.Is(err, store.ErrJobLost) {
				t.Errorf("old worker's heartbeat: err = %v, want ErrJobLost", err)
			}
			if _, ok, err := s.ReclaimJob(ctx, "third", testMinIdle); err != nil || ok {
				t.Errorf("ReclaimJob right after a reclaim = %v, %v; want false", ok, err)
			}
			if err := s.AckJob(ctx, job.ID); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := s.ReclaimJob(ctx, "third", time.Millisecond); err != nil || ok {
				t.Errorf("ReclaimJob after ack = %v, %v; want false", ok, err)
			}
		})

		t.Run("heartbeats keep a long job from being reclaimed", func(t *testing.T) {
			s := newStore(b)
			if _, err := s.EnqueueJob(ctx, mustID(t)); err != nil {
				t.Fatal(err)
			}
			job, ok, err := s.NextJob(ctx, "slow", 0)
			if err != nil || !ok {
				t.Fatalf("NextJob = %v, %v", ok, err)
			}
			for range 4 { // 4 × minIdle/2: twice minIdle in all
				time.Sleep(testMinIdle / 2)
				if err := s.ExtendJob(ctx, "slow", job.ID); err != nil {
					t.Fatalf("ExtendJob: %v", err)
				}
				if _, ok, err := s.ReclaimJob(ctx, "rescuer", testMinIdle); err != nil || ok {
					t.Fatalf("ReclaimJob of a heartbeating job = %v, %v; want false", ok, err)
				}
			}
			// The heartbeat must not count as a delivery: once the worker stops, the job
			// is reclaimed as attempt 2, not 6.
			time.Sleep(testMinIdle + 50*time.Millisecond)
			got, ok, err := s.ReclaimJob(ctx, "rescuer", testMinIdle)
			if err != nil || !ok || got.Attempt != 2 {
				t.Fatalf("ReclaimJob after heartbeats stop = %+v, %v, %v; want attempt 2", got, ok, err)
			}
			if err := s.AckJob(ctx, got.ID); err != nil {
				t.Fatal(err)
			}
			if err := s.ExtendJob(ctx, "rescuer", got.ID); !errors.Is(err, store.ErrJobLost) {
				t.Errorf("heartbeat after ack: err = %v, want ErrJobLost", err)
			}
		})

		t.Run("a lost consumer group is created again", func(t *testing.T) {
			s := newStore(b)
			if _, err := s.EnqueueJob(ctx, mustID(t)); err != nil {
				t.Fatal(err)
			}
			// As after a restart of a Redis without persistence.
			if err := b.rdb.Del(ctx, "test:jobs").Err(); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := s.NextJob(ctx, "worker-a", 0); err != nil || ok {
				t.Fatalf("NextJob on a fresh stream = %v, %v; want false, nil", ok, err)
			}
			req := mustID(t)
			if _, err := s.EnqueueJob(ctx, req); err != nil {
				t.Fatal(err)
			}
			job, ok, err := s.NextJob(ctx, "worker-a", 0)
			if err != nil || !ok || job.RequestID != req {
				t.Fatalf("NextJob = %+v, %v, %v; want request %s", job, ok, err, req)
			}
		})

		t.Run("bad arguments are refused", func(t *testing.T) {
			s := newStore(b)
			if _, err := s.EnqueueJob(ctx, "bad}id"); !errors.Is(err, store.ErrInvalidID) {
				t.Errorf("EnqueueJob(bad id): err = %v, want ErrInvalidID", err)
			}
			if _, _, err := s.NextJob(ctx, "", 0); err == nil {
				t.Error("NextJob with no consumer succeeded")
			}
			if _, _, err := s.ReclaimJob(ctx, "c", 0); err == nil {
				t.Error("ReclaimJob with minIdle 0 succeeded")
			}
		})
	})
}

// TestJobsUnderConcurrentWorkers: three workers take 300 jobs while a fourth takes some
// and dies; the survivors reclaim its jobs, and every job is acknowledged exactly once.
func TestJobsUnderConcurrentWorkers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)
		const jobs, abandoned = 300, 10
		want := make(map[string]bool, jobs)
		for range jobs {
			req := mustID(t)
			want[req] = true
			if _, err := s.EnqueueJob(ctx, req); err != nil {
				t.Fatal(err)
			}
		}
		for range abandoned {
			if _, ok, err := s.NextJob(ctx, "dead", 0); err != nil || !ok {
				t.Fatalf("dead worker's NextJob = %v, %v", ok, err)
			}
		}

		var (
			mu    sync.Mutex
			acked = make(map[string]int)
			wg    sync.WaitGroup
		)
		done := func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(acked) == jobs
		}
		deadline := time.Now().Add(20 * time.Second)
		for w := range 3 {
			name := fmt.Sprintf("worker-%d", w)
			wg.Go(func() {
				for !done() && time.Now().Before(deadline) {
					job, ok, err := s.NextJob(ctx, name, 20*time.Millisecond)
					if err == nil && !ok {
						job, ok, err = s.ReclaimJob(ctx, name, testMinIdle)
					}
					if err != nil {
						t.Error(err)
						return
					}
					if !ok {
						continue
					}
					if err := s.AckJob(ctx, job.ID); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					acked[job.RequestID]++
					mu.Unlock()
				}
			})
		}
		wg.Wait()

		if len(acked) != jobs {
			t.Fatalf("%d of %d jobs acknowledged", len(acked), jobs)
		}
		for req, n := range acked {
			if !want[req] {
				t.Errorf("acknowledged unknown request %s", req)
			}
			if n != 1 {
				t.Errorf("request %s acknowledged %d times, want 1", req, n)
			}
		}
		if n := b.rdb.XLen(ctx, "test:jobs").Val(); n != 0 {
			t.Errorf("stream holds %d entries at the end, want 0", n)
		}
	})
}

func BenchmarkNextJobAck(b *testing.B) {
	srv := storetest.Start(b)
	s := store.New(srv.Client(b), "bench")
	ctx := context.Background()
	req := mustID(b)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		if _, err := s.EnqueueJob(ctx, req); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		job, ok, err := s.NextJob(ctx, "bench", 0)
		if err != nil || !ok {
			b.Fatalf("NextJob = %v, %v", ok, err)
		}
		if err := s.AckJob(ctx, job.ID); err != nil {
			b.Fatal(err)
		}
	}
}
