package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/licensebot/licensebot/licensing"
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
	progress := time.NewTicker(s.opts.ProgressEvery)
	defer progress.Stop()
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
		case <-progress.C:
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

// pacer paces a job's batches to what Graph admits.
//
// Until Graph first throttles, limit (batches per round trip) grows by one per round trip:
// at most ceil(limit) in flight, launches spaced round trip/limit apart. Once it throttles,
// the pace is a rate: the requests Graph admitted over the last second (while throttling,
// that is its quota), probed upward by a little with every batch that goes through and
// measured again, at most once per round trip, when one is throttled. A throttled request
// waits its Retry-After, a whole second or more, so a pace that keeps probing over the
// quota leaves the job's last users waiting; one that matches it does not.
type pacer struct {
	limit, most float64
	rtt         time.Duration // smoothed time of a batch
	last        time.Time     // the last launch
	lastSize    int
	cut         time.Time // the last measurement after throttling
	rate        float64   // requests a second, once Graph has throttled; 0 before
	admitted    []admission
}

type admission struct {
	at time.Time
	n  int
}

// minLimit is one batch per 20 round trips: the slowest pace before a rate is known.
const minLimit = 0.05

func (p *pacer) room(inFlight int) bool {
	if p.rate > 0 && p.rtt > 0 {
		return float64(inFlight) < math.Ceil(p.rate*p.rtt.Seconds()/batchSize)+1
	}
	return float64(inFlight) < math.Ceil(p.limit)
}

// ready reports whether a batch may start now, or how long until one may.
func (p *pacer) ready(now time.Time, inFlight int) (bool, time.Duration) {
	if !p.room(inFlight) {
		return false, 0
	}
	gap := time.Duration(float64(p.rtt) / p.limit)
	if p.rate > 0 {
		gap = time.Duration(float64(p.lastSize) / p.rate * float64(time.Second))
	}
	if since := now.Sub(p.last); since < gap {
		return false, gap - since
	}
	return true, 0
}

func (p *pacer) launched(now time.Time, size int) { p.last, p.lastSize = now, size }

// done learns from a batch that took took, of which throttled of sent were throttled, with
// left users still to send.
func (p *pacer) done(started time.Time, took time.Duration, throttled, sent, left int, now time.Time) {
	if p.rtt == 0 {
		p.rtt = took
	} else {
		p.rtt = (4*p.rtt + took) / 5
	}
	if sent == 0 {
		return
	}
	p.admitted = append(p.admitted, admission{at: now, n: sent - throttled})
	for len(p.admitted) > 0 && now.Sub(p.admitted[0].at) > time.Second {
		p.admitted = p.admitted[1:]
	}
	if throttled == 0 {
		p.limit = math.Min(p.most, p.limit+1/math.Max(p.limit, 1))
		// Probe: +1 a second per 20 requests through; but not in the job's last stretch,
		// where a throttled user would wait a whole Retry-After after the others are done.
		if p.rate > 0 && float64(left) > 2*p.rate {
			p.rate += float64(sent) / 20
		}
		return
	}
	// Batches already in flight at the last measurement saw the same congestion.
	if !started.After(p.cut) {
		return
	}
	p.cut = now
	p.limit = math.Max(minLimit, p.limit*(1-0.5*float64(throttled)/float64(sent)))
	window := now.Sub(p.admitted[0].at)
	if window < p.rtt || window <= 0 {
		return // too short to measure: the limit alone paces
	}
	n := 0
	for _, a := range p.admitted[1:] {
		n += a.n
	}
	// A little under what was measured: a one-second window of whole batches runs high,
	// and a pace just over the quota is throttled again.
	p.rate = math.Max(0.95*float64(n)/window.Seconds(), 1)
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

// pass claims the batch's users, sends one call for each it may send, and settles each:
// a result recorded, or a time to come back.
func (e *engine) pass(ctx context.Context, batch []*unit) []unitDone {
	var out []unitDone
	var send []*unit
	for _, u := range batch {
		if d, ok := e.claim(ctx, u); ok {
			out = append(out, d)
			continue
		}
		send = append(send, u)
	}
	if len(send) == 0 {
		return out
	}
	// No call may start after the earliest SendBy: past it, another worker may take the
	// mark over and send.
	sendBy := send[0].sendBy
	for _, u := range send[1:] {
		if u.sendBy.Before(sendBy) {
			sendBy = u.sendBy
		}
	}
	// A call once started runs to its answer even when the job is stopping: cut off, its
	// outcome would be unknown and the next worker would have to wait for the mark to go
	// stale.
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendBy.Sub(e.s.Now()))
	defer cancel()
	for _, u := range send {
		u.calls++
	}
	answers := e.send(callCtx, send)
	for i, u := range send {
		out = append(out, e.settle(ctx, u, answers[i]))
	}
	return out
}

// claim takes the user's in-flight mark. ok means the unit is settled without a call
// (already done, held by another worker, or found done after a takeover).
func (e *engine) claim(ctx context.Context, u *unit) (unitDone, bool) {
	s := e.s
	if u.claimed && s.Now().Before(u.sendBy) {
		return unitDone{}, false
	}
	if u.claimed {
		// Our own mark, past the time we may send under it (a slow retry): wait until it
		// goes stale, then take it over like anyone would, reading the user again.
		u.claimed = false
		u.notBefore = u.sendBy.Add(s.opts.ClaimStaleAfter / 2)
		return unitDone{u: u}, true
	}
	c, err := s.Ledger.Claim(ctx, e.r.ID, u.key, e.worker, s.opts.ClaimStaleAfter)
	if err != nil {
		s.Logger.WarnContext(ctx, "claim a user", "request", e.r.ID, "user", u.userID, "err", err)
		u.notBefore = s.Now().Add(time.Second)
		return unitDone{u: u}, true
	}
	switch {
	case c.Done:
		res, err := decodeResults(c.Result)
		if err != nil {
			res = e.failAll(u, false, "its recorded result could not be read")
		}
		return unitDone{u: u, results: res}, true
	case !c.Claimed:
		// Another worker's call may be in flight: look again when its mark may be stale.
		u.notBefore = s.Now().Add(min(s.opts.ClaimStaleAfter/4, 5*time.Second))
		return unitDone{u: u}, true
	}
	u.claimed, u.sendBy = true, c.SendBy
	if c.TookOver {
		// The last holder stopped between sending and recording: whether its call took
		// effect is read from Graph, never guessed.
		if d, ok := e.reread(ctx, u); ok {
			return d, true
		}
	}
	if !e.undo && len(u.snapshot) > 0 {
		if err := s.Ledger.PutSnapshot(ctx, e.r.ID, u.userID, u.snapshot, s.opts.UndoWindow); err != nil {
			// Without the "before", undo can't be exact: don't send yet.
			s.Logger.WarnContext(ctx, "store the undo snapshot", "request", e.r.ID, "user", u.userID, "err", err)
			e.release(ctx, u)
			u.notBefore = s.Now().Add(time.Second)
			return unitDone{u: u}, true
		}
	}
	return unitDone{}, false
}

// reread reads the user after a takeover and keeps only the items still to change.
func (e *engine) reread(ctx context.Context, u *unit) (unitDone, bool) {
	s := e.s
	user, err := s.Directory.FindUser(ctx, u.userID)
	if errors.Is(err, licensing.ErrUserNotFound) {
		return e.record(ctx, u, e.failAll(u, false, "the user no longer exists"))
	}
	if err != nil {
		u.lastErr = err
		u.notBefore = s.Now().Add(backoff(u.failures))
		return unitDone{u: u}, true
	}
	direct := map[string]bool{}
	for _, a := range user.Licenses {
		if a.Direct {
			direct[a.SKUID] = true
		}
	}
	var left []unitItem
	for _, it := range u.items {
		if direct[it.SKUID] == e.undo { // removal: gone; undo: back
			u.known = append(u.known, e.result(u, it, "", nil))
			continue
		}
		left = append(left, it)
	}
	u.items = left
	if len(left) == 0 {
		return e.record(ctx, u, u.known)
	}
	return unitDone{}, false
}

// send makes one call per unit: removals in one $batch, restores one by one in parallel.
func (e *engine) send(ctx context.Context, us []*unit) []RemovalResult {
	s := e.s
	if !e.undo {
		rs := make([]Removal, len(us))
		for i, u := range us {
			rs[i] = Removal{UserID: u.userID, SKUIDs: skuIDs(u.items)}
		}
		return s.batchRemover().RemoveLicensesBatch(ctx, rs)
	}
	out := make([]RemovalResult, len(us))
	var wg sync.WaitGroup
	for i, u := range us {
		wg.Go(func() {
			out[i] = RemovalResult{UserID: u.userID}
			defer s.recovered(ctx, "giving licenses back", &out[i].Err)
			out[i].RequestID, out[i].Err = s.Restorer.RestoreLicenses(ctx, u.userID, restores(u.items))
		})
	}
	wg.Wait()
	return out
}

// settle decides on one answer: record the result, or come back later.
func (e *engine) settle(ctx context.Context, u *unit, a RemovalResult) unitDone {
	s := e.s
	err := a.Err
	u.lastErr = err
	var throttled *licensing.ThrottledError
	switch {
	case err == nil:
		return e.recordItems(ctx, u, a.RequestID, nil)
	case errors.As(err, &throttled):
		// A 429 certainly did nothing: give the mark back and wait as Graph asks.
		s.Metrics.ThrottleWait(throttled.RetryAfter)
		u.throttles++
		if u.throttles > s.opts.ThrottleRetries {
			return e.recordItems(ctx, u, a.RequestID, err)
		}
		e.release(ctx, u)
		u.notBefore = s.Now().Add(min(max(throttled.RetryAfter, 100*time.Millisecond), s.opts.MaxRetryWait))
		return unitDone{u: u}
	case refused(err):
		if len(u.items) > 1 {
			// The call is all or nothing: try each product alone so the others still go
			// and each refusal is named.
			return e.oneByOne(ctx, u)
		}
		return e.recordItems(ctx, u, a.RequestID, err)
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		// Stopping (shutdown, or the job was taken over): leave the mark; whoever goes on
		// reads the user again.
		u.uncertain = true
		return unitDone{u: u}
	case errors.Is(err, licensing.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		u.uncertain = true
		u.failures++
		if u.failures >= s.opts.RemoveAttempts {
			return e.recordItems(ctx, u, a.RequestID, err)
		}
		u.notBefore = s.Now().Add(backoff(u.failures - 1))
		return unitDone{u: u}
	}
	return e.recordItems(ctx, u, a.RequestID, err)
}

// oneByOne sends each product of the unit alone, under the unit's claim.
func (e *engine) oneByOne(ctx context.Context, u *unit) unitDone {
	s := e.s
	res := append([]Result(nil), u.known...)
	for _, it := range u.items {
		var id string
		var err error
		for attempt := 1; ; attempt++ {
			if !s.Now().Before(u.sendBy) {
				err = context.DeadlineExceeded
				break
			}
			u.calls++
			callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), u.sendBy.Sub(s.Now()))
			if e.undo {
				id, err = s.Restorer.RestoreLicenses(callCtx, u.userID, restores([]unitItem{it}))
			} else {
				id, err = s.Remover.RemoveLicenses(callCtx, u.userID, []string{it.SKUID})
			}
			cancel()
			var throttled *licensing.ThrottledError
			retry := errors.As(err, &throttled) || errors.Is(err, licensing.ErrUnavailable)
			if err == nil || !retry || attempt >= s.opts.RemoveAttempts || ctx.Err() != nil {
				break
			}
			wait := backoff(attempt - 1)
			if throttled != nil {
				wait = min(max(throttled.RetryAfter, 100*time.Millisecond), s.opts.MaxRetryWait)
			} else {
				u.uncertain = true
			}
			if s.Sleep(ctx, wait) != nil {
				break
			}
		}
		res = append(res, e.result(u, it, id, err))
	}
	d, _ := e.record(ctx, u, res)
	return d
}

// recordItems records the same answer for every item of the unit.
func (e *engine) recordItems(ctx context.Context, u *unit, graphID string, err error) unitDone {
	res := append([]Result(nil), u.known...)
	for _, it := range u.items {
		res = append(res, e.result(u, it, graphID, err))
	}
	d, _ := e.record(ctx, u, res)
	return d
}

func (e *engine) failAll(u *unit, retryable bool, reason string, arg ...string) []Result {
	res := append([]Result(nil), u.known...)
	for _, it := range u.items {
		r := Result{UserID: u.userID, UPN: u.label, SKUID: it.SKUID, Product: it.Name,
			Outcome: OutcomeFailed, Retryable: retryable, At: e.s.Now()}
		r.because(reason, arg...)
		res = append(res, r)
	}
	return res
}

// record keeps the unit's results in the ledger (the first record wins: if another worker
// recorded first, its results are the truth).
func (e *engine) record(ctx context.Context, u *unit, res []Result) (unitDone, bool) {
	s := e.s
	ctx, cancel := settling(ctx)
	defer cancel()
	raw, err := json.Marshal(res)
	if err != nil {
		return unitDone{u: u, results: res}, true
	}
	for attempt := 0; ; attempt++ {
		var first bool
		first, err = s.Ledger.Record(ctx, e.r.ID, u.key, raw)
		if err == nil {
			if !first {
				cur, rerr := s.Ledger.Results(ctx, e.r.ID)
				if prior, derr := decodeResults(cur[u.key]); rerr == nil && derr == nil {
					return unitDone{u: u, results: prior}, true
				}
			}
			break
		}
		if attempt >= 4 {
			// The result is lost with this worker's memory; the mark stays, so whoever
			// goes on takes it over and reads the user again.
			s.Logger.ErrorContext(ctx, "record a user's result", "request", e.r.ID, "user", u.userID, "err", err)
			break
		}
		_ = s.Sleep(ctx, backoff(attempt))
	}
	for _, r := range res {
		s.Metrics.Removal(string(r.Outcome))
		s.audit(ctx, e.r, string(r.Outcome), Person{}, map[string]string{
			"user": r.UPN, "sku": r.SKUID, "graph_request_id": r.GraphID, "reason": r.Reason,
		})
	}
	return unitDone{u: u, results: res}, true
}

func (e *engine) release(ctx context.Context, u *unit) {
	u.claimed = false
	ctx, cancel := settling(ctx)
	defer cancel()
	if _, err := e.s.Ledger.Release(ctx, e.r.ID, u.key, e.worker); err != nil {
		// The mark goes stale on its own; the next claim then reads the user again.
		e.s.Logger.WarnContext(ctx, "release a user's mark", "request", e.r.ID, "user", u.userID, "err", err)
	}
}

// result turns one product's answer into an outcome and a sentence.
func (e *engine) result(u *unit, it unitItem, graphID string, err error) Result {
	s := e.s
	tries := max(u.calls, 1)
	res := Result{UserID: u.userID, UPN: u.label, SKUID: it.SKUID, Product: it.Name, GraphID: firstNonEmpty(graphRequestID(err), graphID), At: s.Now(), Attempts: tries}
	var throttled *licensing.ThrottledError
	switch {
	case err == nil && e.undo:
		res.Outcome = OutcomeRestored
	case err == nil:
		res.Outcome = OutcomeRemoved
	case errors.Is(err, licensing.ErrNotAssigned) && u.uncertain && !e.undo:
		// An earlier call that got no answer did take effect.
		res.Outcome = OutcomeRemoved
	case errors.Is(err, licensing.ErrInherited):
		res.Outcome = OutcomeSkipped
		res.because("it is now inherited from a group, so it can't be removed from the user directly")
	case errors.Is(err, licensing.ErrNotAssigned):
		res.Outcome = OutcomeSkipped
		res.because("it was no longer assigned (removed by someone else meanwhile)")
	case errors.Is(err, licensing.ErrUserNotFound) && !e.undo:
		res.Outcome = OutcomeSkipped
		res.because("the user no longer exists")
	case errors.Is(err, licensing.ErrUserNotFound):
		res.Outcome = OutcomeFailed
		res.because("the user no longer exists")
	case errors.Is(err, licensing.ErrUnknownSKU):
		res.Outcome = OutcomeFailed
		res.because("the organisation no longer has this product")
	case errors.Is(err, licensing.ErrNoSeats):
		res.Outcome, res.Retryable = OutcomeFailed, true
		res.because("no free seat of this product: free or buy one, then retry")
	case errors.Is(err, licensing.ErrUsageLocation):
		res.Outcome = OutcomeFailed
		res.because("the user has no usage location: set one in Entra, then retry")
	case errors.As(err, &throttled):
		res.Outcome, res.Retryable = OutcomeFailed, true
		res.because("Microsoft Graph kept throttling after %s tries", strconv.Itoa(tries))
	case errors.Is(err, licensing.ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		res.Outcome, res.Retryable = OutcomeFailed, true
		res.because("Microsoft Graph didn't answer after %s tries", strconv.Itoa(tries))
		res.Uncertain = true
	case errors.As(err, new(errPanic)):
		// Whether the call went out is unknown: a retry reads the user again first.
		res.Outcome, res.Retryable, res.Uncertain = OutcomeFailed, true, true
		res.because("licensebot failed unexpectedly while sending it (its log has the details)")
	case it.UserOwned && !e.undo && refused(err):
		// Microsoft documents no error text for a self-service purchase: any refusal of a
		// product whose subscription names a user as owner gets the take-over step.
		res.Outcome, res.Retryable = OutcomeFailed, true
		res.because("Microsoft Graph refused to remove it. Its subscription names a user as its owner: if it is a self-service purchase, an admin must take the subscription over first (Microsoft 365 admin center › Billing › Your products), then [Retry failed]")
		s.Logger.WarnContext(context.Background(), "Graph refused a removal of a user-owned product", "request", e.r.ID, "user", u.userID, "sku", it.SKUID, "err", err)
	case errors.Is(err, licensing.ErrForbidden):
		res.Outcome = OutcomeFailed
		res.because("Microsoft Graph refused: licensebot's app lacks the permission for this (licensebot doctor names what is missing)")
		s.Logger.ErrorContext(context.Background(), "Graph refused a change for want of a permission", "request", e.r.ID, "user", u.userID, "sku", it.SKUID, "err", err)
	default:
		res.Outcome = OutcomeFailed
		res.because("Microsoft Graph refused the change")
		s.Logger.ErrorContext(context.Background(), "unexpected Graph error", "request", e.r.ID, "user", u.userID, "sku", it.SKUID, "err", err)
	}
	return res
}

// refused reports whether Graph refused a call outright (a 400 or 403, or a reason mapped
// from one): nothing changed, and trying each product alone names the one refused.
func refused(err error) bool {
	if isPerProduct(err) || errors.Is(err, licensing.ErrNoSeats) || errors.Is(err, licensing.ErrUsageLocation) || errors.Is(err, licensing.ErrForbidden) {
		return true
	}
	var ge *licensing.GraphError
	return errors.As(err, &ge) && ge.Reason == nil && (ge.Status == 400 || ge.Status == 403)
}

func isThrottled(err error) bool {
	var t *licensing.ThrottledError
	return errors.As(err, &t)
}

func isPerProduct(err error) bool {
	return errors.Is(err, licensing.ErrInherited) || errors.Is(err, licensing.ErrNotAssigned) || errors.Is(err, licensing.ErrUnknownSKU)
}

func graphRequestID(err error) string {
	var ge *licensing.GraphError
	if errors.As(err, &ge) {
		return ge.RequestID
	}
	return ""
}

func decodeResults(raw []byte) ([]Result, error) {
	var res []Result
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, err
	}
	if res == nil {
		res = []Result{}
	}
	return res, nil
}

func skuIDs(items []unitItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.SKUID
	}
	return out
}

func restores(items []unitItem) []Restore {
	out := make([]Restore, len(items))
	for i, it := range items {
		out[i] = Restore{SKUID: it.SKUID, DisabledPlans: it.DisabledPlans}
	}
	return out
}

// settling is the context for recording what a call did, or giving back a mark it no longer
// needs: a job that is stopping still records (the next worker would otherwise have to read
// the user again, or wait for the mark to go stale), within a bound of its own.
func settling(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}
