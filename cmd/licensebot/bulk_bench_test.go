package main

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/graph"
	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/handlers"
	"github.com/licensebot/licensebot/licensing"
	"github.com/licensebot/licensebot/store"
)

// The bulk benchmark's tenant: every response takes 200 ms, and writes are admitted at a
// fixed rate (a token bucket of benchRate a second with a burst of as many), 429 with
// Retry-After beyond it.
const (
	benchUsers   = 1000
	benchLatency = 200 * time.Millisecond
	benchRate    = 150
)

// BenchmarkBulkRemoval removes Office 365 E3 from 1,000 users through the job engine (real
// redis-server, the real Graph SDK, the simulated tenant) and compares with what a
// one-user-at-a-time loop (a PowerShell script's Set-MgUserLicense per user) takes on the
// same tenant, and with the floor the tenant's throttle allows. Run it once:
//
//	go test -run '^$' -bench BulkRemoval -benchtime 1x -timeout 30m ./cmd/licensebot/
//
// LICENSEBOT_BENCH_LOOP_USERS=n times the loop on n users and scales it to 1,000 (the full
// loop takes about 3.5 minutes).
func BenchmarkBulkRemoval(b *testing.B) {
	for b.Loop() {
		benchBulkRemoval(b)
	}
}

func benchBulkRemoval(b *testing.B) {
	w := newBulkWorld(b, benchUsers, handlers.Options{},
		graphtest.WithLatency(benchLatency), graphtest.WithThrottle(benchRate, 0))
	svc := w.replica()
	id := w.confirmed(svc, benchUsers) // planning reads 1,000 users: not timed
	w.workers(svc, 2)

	runtime.GC()
	peak := &peakMemory{}
	stopSampling := peak.sample(10 * time.Millisecond)
	start := time.Now()
	w.approve(svc, id)
	queued := time.Now()
	var r handlers.Request
	for {
		r = w.request(id)
		if r.State.Final() {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	took := time.Since(start)
	fromQueue := time.Since(queued)
	stopSampling()
	w.exactlyOnce(r, benchUsers)

	loop, loopUsers := benchLoop(b)
	// The floor: the burst goes at once, the rest at the rate, and the last answer takes
	// one latency.
	floor := time.Duration(benchUsers-benchRate)*time.Second/benchRate + benchLatency

	b.ReportMetric(took.Seconds(), "s/job")
	b.ReportMetric(fromQueue.Seconds(), "s/job-from-queue")
	b.ReportMetric(loop.Seconds(), "s/loop")
	b.ReportMetric(float64(loopUsers), "loop-users-timed")
	b.ReportMetric(floor.Seconds(), "s/floor")
	b.ReportMetric(loop.Seconds()/took.Seconds(), "x-faster-than-loop")
	b.ReportMetric(took.Seconds()/floor.Seconds(), "x-floor")
	b.ReportMetric(float64(peak.heap)/(1<<20), "MB-peak-heap")
	b.ReportMetric(float64(maxRSS())/(1<<20), "MB-max-rss")
	b.ReportMetric(float64(w.tenant.Calls("POST", "/$batch")), "batch-calls")
}

// benchLoop removes the license from users one at a time on a fresh tenant like the
// benchmark's, waiting out any 429 as a careful script would, and returns the time for
// 1,000 users.
func benchLoop(b *testing.B) (time.Duration, int) {
	n := benchUsers
	if v, err := strconv.Atoi(os.Getenv("LICENSEBOT_BENCH_LOOP_USERS")); err == nil && v > 0 && v < n {
		n = v
	}
	tenant, err := graphtest.NewServer(graphtest.StaffedTenant(benchUsers), graphtest.WithToken("t0ken"),
		graphtest.WithLatency(benchLatency), graphtest.WithThrottle(benchRate, 0))
	if err != nil {
		b.Fatal(err)
	}
	defer tenant.Close()
	client, err := graph.New(graph.Config{BaseURL: tenant.URL, AccessToken: "t0ken", Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, n)
	for i := range ids {
		u, _ := tenant.User(graphtest.StaffUPN(i + 1))
		ids[i] = u.ID
	}
	ctx := context.Background()
	start := time.Now()
	for _, id := range ids {
		for {
			_, err := client.RemoveLicenses(ctx, id, []string{e3})
			var throttled *licensing.ThrottledError
			if errors.As(err, &throttled) {
				time.Sleep(throttled.RetryAfter)
				continue
			}
			if err != nil {
				b.Fatalf("loop: remove from %s: %v", id, err)
			}
			break
		}
	}
	took := time.Since(start)
	return took * time.Duration(benchUsers) / time.Duration(n), n
}

// peakMemory samples the Go heap in use while the job runs.
type peakMemory struct {
	mu   sync.Mutex
	heap uint64
}

func (p *peakMemory) sample(every time.Duration) func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			p.mu.Lock()
			p.heap = max(p.heap, m.HeapInuse)
			p.mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(every):
			}
		}
	}()
	return func() { close(stop); <-done }
}

// maxRSS is the process's peak resident set (the test binary: the bot, the simulated tenant
// and the client all in one process).
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024 // Linux reports kilobytes
}

// BenchmarkPlan1000 times /unassign over 1,000 users, from the command to the plan with its
// Confirm button, on a tenant that answers every request in 200 ms: "batched" reads the users
// in $batches of 20, several in flight (handlers/lookup.go); "one-by-one" is how it was
// before (one GET per user, Options.Parallelism at a time). The goal is at most 5 s.
//
//	go test -run '^$' -bench Plan1000 -benchtime 3x ./cmd/licensebot/
func BenchmarkPlan1000(b *testing.B) {
	w := newBulkWorld(b, benchUsers, handlers.Options{}, graphtest.WithLatency(benchLatency))
	users := make([]string, benchUsers)
	for i := range users {
		users[i] = graphtest.StaffUPN(i + 1)
	}
	text := strings.Join(users, " ") + ` --product "Office 365 E3"`
	for _, mode := range []struct {
		name      string
		directory handlers.Directory
	}{
		{"batched", graphDirectory{w.client}},
		{"one-by-one", w.client},
	} {
		b.Run(mode.name, func(b *testing.B) {
			svc, err := handlers.New(handlers.Deps{
				Directory: mode.directory, Remover: graphChanges{w.client}, Requests: requestStore{w.st}, Notifier: w.out, NewID: store.NewID,
			}, w.opts)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			batches, gets := w.tenant.Calls("POST", "/$batch"), w.tenant.Calls("GET", "/users")
			for b.Loop() {
				plan := svc.HandleCommand(ctx, bot.Command{Actor: as("adele"), Text: text}).Message
				if len(plan.Buttons) == 0 || plan.Buttons[0].Action != handlers.ActionConfirm {
					b.Fatalf("no plan: %s", plan.Text)
				}
			}
			b.ReportMetric(float64(w.tenant.Calls("POST", "/$batch")-batches)/float64(b.N), "batch-calls/op")
			b.ReportMetric(float64(w.tenant.Calls("GET", "/users")-gets)/float64(b.N), "user-gets/op")
		})
	}
}
