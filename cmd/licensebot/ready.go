package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// readyCheckTTL is how long one round of readiness checks answers /readyz. /readyz needs no
// credentials (orchestrators call it), so without a cache anyone who can reach the port could
// spend the app's Graph quota and Redis's time, one round per request.
const readyCheckTTL = 5 * time.Second

// readiness runs the dependency checks at most once per ttl, whatever the number of
// /readyz requests, and answers them all from the last round.
type readiness struct {
	checks map[string]pinger
	ttl    time.Duration
	now    func() time.Time
	log    *slog.Logger

	mu     sync.Mutex // held during a round: concurrent requests wait for it
	at     time.Time
	status map[string]error
}

func newReadiness(checks map[string]pinger, now func() time.Time, log *slog.Logger) *readiness {
	return &readiness{checks: checks, ttl: readyCheckTTL, now: now, log: log}
}

// state is each check's last answer (nil: ok), read again when older than ttl. A round takes
// at most 2 s: every check runs at once, each bounded.
func (r *readiness) state(ctx context.Context) map[string]error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.status != nil && r.now().Sub(r.at) < r.ttl {
		return r.status
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	status := make(map[string]error, len(r.checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, p := range r.checks {
		wg.Go(func() {
			err := ping(ctx, p)
			if err != nil {
				// The reason goes to the log, not to an unauthenticated endpoint.
				r.log.WarnContext(ctx, "not ready", "check", name, "err", err)
			}
			mu.Lock()
			status[name] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	r.status, r.at = status, r.now()
	return status
}

// ping runs one check; a panic in it is a failed check, not a dead process.
func ping(ctx context.Context, p pinger) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("the check panicked: %v", v)
		}
	}()
	return p.Ping(ctx)
}

// pingFunc makes a function a pinger.
type pingFunc func(ctx context.Context) error

func (f pingFunc) Ping(ctx context.Context) error { return f(ctx) }
