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

// Quick work (help, status, show) runs at once even when every slow slot is taken by a plan
// that hangs.
func TestQuickWorkIsNotQueuedBehindSlowWork(t *testing.T) {
	w := NewWork(2, 10*time.Second, slog.New(slog.DiscardHandler))
	release := make(chan struct{})
	for range 5 {
		w.Go(context.Background(), "slow plan", func(ctx context.Context) {
			select {
			case <-release:
			case <-ctx.Done():
			}
		})
	}
	answered := make(chan time.Duration, 1)
	start := time.Now()
	w.GoQuick(context.Background(), "help", func(context.Context) { answered <- time.Since(start) })
	select {
	case d := <-answered:
		if d > 100*time.Millisecond {
			t.Errorf("quick work waited %s", d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("quick work waited behind the slow plans")
	}
	close(release)
	w.Wait()
}

func TestSafelyTurnsAPanicIntoAnAnswer(t *testing.T) {
	fallback := Message{Text: "Something went wrong on licensebot's side."}
	got := Safely(context.Background(), slog.New(slog.DiscardHandler), "command", fallback, func() Reply { panic("boom") })
	if got.Message.Text != fallback.Text || got.Replace {
		t.Fatalf("after a panic: %+v", got)
	}
	ok := Reply{Message: Message{Text: "plan"}, Replace: true}
	if got := Safely(context.Background(), slog.New(slog.DiscardHandler), "click", fallback, func() Reply { return ok }); got.Message.Text != "plan" || !got.Replace {
		t.Fatalf("without a panic: %+v", got)
	}
}
