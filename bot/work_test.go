package bot

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

func TestWorkRunsAtMostLimitAtOnceAndOutlivesTheRequest(t *testing.T) {
	w := NewWork(2, time.Second, slog.New(slog.DiscardHandler))
	req, ackSent := context.WithCancel(context.Background())
	var running, peak, done atomic.Int64
	for range 10 {
		w.Go(req, "job", func(ctx context.Context) {
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(5 * time.Millisecond)
			if ctx.Err() == nil {
				done.Add(1)
			}
			running.Add(-1)
		})
	}
	ackSent() // the request's context ends with the ack; the work goes on
	w.Go(req, "panics", func(context.Context) { panic("boom") })
	w.Wait()
	if peak.Load() > 2 || done.Load() != 10 {
		t.Fatalf("peak %d (want ≤ 2), done %d (want 10)", peak.Load(), done.Load())
	}
}
