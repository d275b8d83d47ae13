package handlers

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// batchSize is Graph's limit on the requests of one $batch.
const batchSize = 20

// unit is one user's share of a job: one Graph call changes it, and the ledger keeps its
// in-flight mark and result under key.
type unit struct {
	key      string
	userID   string
	label    string // the user's UPN, for messages
	items    []unitItem
	snapshot []byte // for a removal: the user's direct assignments before it (undo)
	// known are results settled before the call (a takeover found part already done).
	known []Result

	notBefore time.Time
	calls     int  // Graph calls sent for it
	failures  int  // 5xx, timeouts, no answer
	throttles int  // 429s
	uncertain bool // a call that failed may have taken effect
	claimed   bool
	sendBy    time.Time
	lastErr   error
}

type unitItem struct {
	SKUID         string
	Name          string
	DisabledPlans []string
	// UserOwned: the product's subscriptions name a user as owner (licensing.Item), so a
	// refusal is explained with the take-over step.
	UserOwned bool
}

// unitDone is a unit's fate after one pass: results to keep, or a time to come back.
type unitDone struct {
	u       *unit
	results []Result // nil: not finished, come back at u.notBefore
}

// engine runs the units of one job: batches of up to 20 users, several batches in flight,
// fewer when Graph throttles and more when it stops; each user's change sent by one worker
// only, once (the ledger's claims), and its result recorded as soon as it is known.
type engine struct {
	s      *Service
	r      *Request
	worker string
	undo   bool

	mu       sync.Mutex
	results  map[string][]Result // by unit key
	progress func(done map[string][]Result)
}

// run processes units until each has a result or ctx ends. It returns the results by unit
// key, including those recorded before (by this worker or one that stopped).
func (e *engine) run(ctx context.Context, units []*unit) (map[string][]Result, error) {
	s := e.s
	e.results = map[string][]Result{}
	recorded, err := s.Ledger.Results(ctx, e.r.ID)
	if err != nil {
		return nil, fmt.Errorf("read the results recorded for request %s: %w", e.r.ID, errStore{err})
	}
	var pending []*unit
	for _, u := range units {
		if raw, ok := recorded[u.key]; ok {
			if res, err := decodeResults(raw); err == nil {
				e.results[u.key] = res
				continue
			}
		}
		pending = append(pending, u)
	}

	pace := &pacer{limit: float64(s.opts.InFlight), most: float64(s.opts.MaxInFlight)}
	inFlight := 0
	type passDone struct {
		out     []unitDone
		started time.Time
		took    time.Duration
		err     error // a panic: what its units' calls did is unknown
	}
	var failed error
	done := make(chan passDone)
	progress, stopProgress := s.machine.newTicker(s.opts.ProgressEvery)
	defer stopProgress()
	var wg sync.WaitGroup
	defer wg.Wait()
	stopped := ctx.Done() // set to nil once stopping: nothing new is started
	stopping := false

	for len(pending) > 0 || inFlight > 0 {
		now := s.Now()
		// Start as many batches as the pace allows, of users whose wait is over.
		var paceWait time.Duration
		for !stopping {
			ok, wait := pace.ready(now, inFlight)
			if !ok {
				paceWait = wait
				break
			}
			batch, rest := takeReady(pending, now, batchSize)
			if len(batch) == 0 {
				break
			}
			pending = rest
			inFlight++
			pace.launched(now, len(batch))
			wg.Go(func() {
				t0 := s.Now()
				var err error
				out := func() []unitDone {
					defer s.recovered(ctx, "sending a batch", &err)
					return e.pass(ctx, batch)
				}()
				done <- passDone{out: out, started: t0, took: s.Now().Sub(t0), err: err}
			})
		}
		if stopping && inFlight == 0 {
			break
		}
		// Waits go through Service.Sleep, the clock tests control.
		var wake chan struct{}
		wakeCtx, stopWake := context.WithCancel(ctx)
		if !stopping && len(pending) > 0 {
			next, _ := earliest(pending)
			d := next.Sub(now)
			switch {
			case paceWait > 0:
				d = max(d, paceWait)
			case !pace.room(inFlight):
				d = -1 // only a batch ending makes room
			}
			if d >= 0 {
				wake = make(chan struct{})
				go func() {
					if s.Sleep(wakeCtx, max(d, time.Millisecond)) == nil {
						close(wake)
					}
				}()
			}
		}
		select {
		case p := <-done:
			inFlight--
			if p.err != nil {
				// Stop this attempt: its users keep their marks, the job comes back, and a
				// job that fails every time is given up after Options.JobAttempts.
				failed = p.err
				stopped, stopping = nil, true
			}
			throttled, sent := 0, 0
			for _, d := range p.out {
				sent++
				if d.results != nil {
					e.mu.Lock()
					e.results[d.u.key] = d.results
					e.mu.Unlock()
					continue
				}
				if isThrottled(d.u.lastErr) {
					throttled++
				}
				pending = append(pending, d.u)
			}
			pace.done(p.started, p.took, throttled, sent, len(pending), s.Now())
		case <-wake:
		case <-progress:
			e.report()
		case <-stopped:
			// Let the batches in flight finish recording what they sent; start nothing new.
			stopped, stopping = nil, true
		}
		stopWake()
	}
	e.report()
	if failed != nil {
		return e.results, failed
	}
	if err := ctx.Err(); err != nil {
		// Handing the job back: marks of users with no call in flight or unknown are given
		// back, so whoever goes on need not wait for them to go stale.
		for _, u := range pending {
			if u.claimed && !u.uncertain {
				e.release(ctx, u)
			}
		}
		return e.results, err
	}
	return e.results, nil
}

func (e *engine) report() {
	if e.progress == nil {
		return
	}
	e.mu.Lock()
	snap := make(map[string][]Result, len(e.results))
	for k, v := range e.results {
		snap[k] = v
	}
	e.mu.Unlock()
	e.progress(snap)
}

// takeReady takes up to n units whose wait is over, keeping the order of the others.
func takeReady(pending []*unit, now time.Time, n int) (batch, rest []*unit) {
	rest = pending[:0:0]
	for _, u := range pending {
		if len(batch) < n && !u.notBefore.After(now) {
			batch = append(batch, u)
			continue
		}
		rest = append(rest, u)
	}
	return batch, rest
}

func earliest(pending []*unit) (time.Time, bool) {
	var t time.Time
	for i, u := range pending {
		if i == 0 || u.notBefore.Before(t) {
			t = u.notBefore
		}
	}
	return t, len(pending) > 0
}

// backoff is exponential with full jitter, for a Graph that fails without saying when to
// come back: 0.5 s, 1 s, 2 s, … capped at 30 s.
func backoff(attempt int) time.Duration {
	d := 500 * time.Millisecond << min(attempt, 6)
	d = min(d, 30*time.Second)
	return d/2 + rand.N(d/2+1)
}
