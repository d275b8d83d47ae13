package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/licensing"
)

// fakeGraph is Graph's $batch for the engine: it records every batch, and answers each user
// as the test scripts it (success by default).
type fakeGraph struct {
	mu      sync.Mutex
	batches [][]string
	sentAt  []time.Time
	now     func() time.Time
	// answers are each user's next answers, in order.
	answers map[string][]error
	panics  bool
}

func (g *fakeGraph) RemoveLicenses(ctx context.Context, userID string, skus []string) (string, error) {
	return g.RemoveLicensesBatch(ctx, []Removal{{UserID: userID, SKUIDs: skus}})[0].RequestID, nil
}

func (g *fakeGraph) RemoveLicensesBatch(_ context.Context, rs []Removal) []RemovalResult {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.panics {
		panic("a nil batch answer")
	}
	var batch []string
	out := make([]RemovalResult, len(rs))
	for i, r := range rs {
		batch = append(batch, r.UserID)
		out[i] = RemovalResult{UserID: r.UserID, RequestID: "graph-" + r.UserID}
		if next := g.answers[r.UserID]; len(next) > 0 {
			out[i].Err, g.answers[r.UserID] = next[0], next[1:]
		}
	}
	g.batches = append(g.batches, batch)
	g.sentAt = append(g.sentAt, g.now())
	return out
}

// sends counts the calls that named each user.
func (g *fakeGraph) sends() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := map[string]int{}
	for _, b := range g.batches {
		for _, u := range b {
			n[u]++
		}
	}
	return n
}

// scriptedLedger is the memory ledger with what other workers did, as the test says:
// claims answered before the memory's, results another worker recorded first, snapshots
// the store refuses.
type scriptedLedger struct {
	*memoryLedger
	mu       sync.Mutex
	claims   map[string][]Claim  // a key's next answers
	others   map[string][]Result // recorded by another worker first
	noSnaps  int                 // snapshots refused before one is kept
	released []string
}

func (l *scriptedLedger) Claim(ctx context.Context, id, key, worker string, stale time.Duration) (Claim, error) {
	l.mu.Lock()
	if next := l.claims[key]; len(next) > 0 {
		l.claims[key] = next[1:]
		l.mu.Unlock()
		return next[0], nil
	}
	l.mu.Unlock()
	return l.memoryLedger.Claim(ctx, id, key, worker, stale)
}

func (l *scriptedLedger) Record(ctx context.Context, id, key string, result []byte) (bool, error) {
	l.mu.Lock()
	other, ok := l.others[key]
	l.mu.Unlock()
	if ok {
		raw, _ := json.Marshal(other)
		_, _ = l.memoryLedger.Record(ctx, id, key, raw)
	}
	return l.memoryLedger.Record(ctx, id, key, result)
}

func (l *scriptedLedger) Release(ctx context.Context, id, key, worker string) (bool, error) {
	l.mu.Lock()
	l.released = append(l.released, key)
	l.mu.Unlock()
	return l.memoryLedger.Release(ctx, id, key, worker)
}

func (l *scriptedLedger) PutSnapshot(ctx context.Context, id, userID string, data []byte, ttl time.Duration) error {
	l.mu.Lock()
	if l.noSnaps > 0 {
		l.noSnaps--
		l.mu.Unlock()
		return errors.New("READONLY You can't write against a read only replica")
	}
	l.mu.Unlock()
	return l.memoryLedger.PutSnapshot(ctx, id, userID, data, ttl)
}

// engineRig is one job's engine over a fake Graph and a scripted ledger, on a clock that
// waits advance at once.
type engineRig struct {
	svc    *Service
	dir    *fakeDirectory
	graph  *fakeGraph
	ledger *scriptedLedger
	clk    *clock
	t0     time.Time
}

func newEngineRig(t *testing.T) *engineRig {
	t.Helper()
	t0 := time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)
	g := &engineRig{dir: newFakeDirectory(), clk: &clock{now: t0}, t0: t0}
	g.graph = &fakeGraph{now: g.clk.Now, answers: map[string][]error{}}
	g.ledger = &scriptedLedger{memoryLedger: newMemoryLedger(g.clk.Now), claims: map[string][]Claim{}, others: map[string][]Result{}}
	svc, err := New(Deps{Directory: g.dir, Remover: g.graph, Requests: newMemRequests(), Notifier: &fakeNotifier{}, Ledger: g.ledger,
		NewID: func() (string, error) { return "req0000000000000001", nil }, Now: g.clk.Now,
		Sleep: func(_ context.Context, d time.Duration) error { g.clk.Advance(d); return nil }},
		Options{Approvers: []string{"megan@contoso.example"}})
	if err != nil {
		t.Fatal(err)
	}
	svc.machine = (&manualTime{clk: g.clk}).machine() // no progress ticks: nothing to report to
	g.svc = svc
	return g
}

func (g *engineRig) run(units []*unit) (map[string][]Result, error) {
	e := &engine{s: g.svc, r: &Request{ID: "req0000000000000001"}, worker: "worker/0"}
	return e.run(context.Background(), units)
}

// e3For are units removing Office 365 E3 from each user id.
func e3For(ids ...string) []*unit {
	out := make([]*unit, len(ids))
	for i, id := range ids {
		out[i] = &unit{key: id, userID: id, label: id + "@contoso.example", items: []unitItem{{SKUID: skuE3, Name: "Office 365 E3"}}}
	}
	return out
}

func numbered(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("u-%03d", i)
	}
	return ids
}

func outcomeOf(t *testing.T, results map[string][]Result, key string) Result {
	t.Helper()
	if len(results[key]) != 1 {
		t.Fatalf("%s: %d results, want 1: %+v", key, len(results[key]), results[key])
	}
	return results[key][0]
}

func TestEngineSendsEachUserOnceInBatchesOfAtMostTwenty(t *testing.T) {
	t.Parallel()
	g := newEngineRig(t)
	ids := numbered(45)
	results, err := g.run(e3For(ids...))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range g.graph.batches {
		if len(b) > batchSize {
			t.Errorf("a batch of %d users", len(b))
		}
	}
	sends := g.graph.sends()
	for _, id := range ids {
		if sends[id] != 1 || outcomeOf(t, results, id).Outcome != OutcomeRemoved {
			t.Errorf("%s sent %d times, outcome %s; want once, removed", id, sends[id], outcomeOf(t, results, id).Outcome)
		}
	}
	recorded, _ := g.ledger.Results(context.Background(), "req0000000000000001")
	if len(recorded) != len(ids) {
		t.Errorf("%d results recorded, want %d", len(recorded), len(ids))
	}
}

// A throttled user gives its mark back and waits its own Retry-After; the others go on.
func TestEngineWaitsOutEachThrottledUserAlone(t *testing.T) {
	t.Parallel()
	g := newEngineRig(t)
	throttled := &licensing.ThrottledError{RetryAfter: 3 * time.Second}
	g.graph.answers["u-001"] = []error{throttled, throttled}
	results, err := g.run(e3For(numbered(3)...))
	if err != nil {
		t.Fatal(err)
	}
	sends := g.graph.sends()
	if sends["u-000"] != 1 || sends["u-001"] != 3 || sends["u-002"] != 1 {
		t.Errorf("sends %v, want u-001 three times, the others once", sends)
	}
	if r := outcomeOf(t, results, "u-001"); r.Outcome != OutcomeRemoved || r.Attempts != 3 {
		t.Errorf("u-001: %s after %d attempts, want removed after 3", r.Outcome, r.Attempts)
	}
	if waited := g.graph.sentAt[len(g.graph.sentAt)-1].Sub(g.t0); waited < 6*time.Second {
		t.Errorf("the last call %s after the first, want at least two Retry-Afters (6 s)", waited)
	}
	if released := strings.Join(g.ledger.released, ","); released != "u-001,u-001" {
		t.Errorf("marks released %q, want u-001's twice", released)
	}
}

// A user whose mark another worker holds is never sent: its result is the one that worker
// records.
func TestEngineLeavesAUserAnotherWorkerHolds(t *testing.T) {
	t.Parallel()
	g := newEngineRig(t)
	theirs, _ := json.Marshal([]Result{{UserID: "u-000", SKUID: skuE3, Outcome: OutcomeRemoved, GraphID: "graph-theirs"}})
	g.ledger.claims["u-000"] = []Claim{{Claimed: false}, {Claimed: false}, {Done: true, Result: theirs}}
	results, err := g.run(e3For("u-000"))
	if err != nil {
		t.Fatal(err)
	}
	if n := g.graph.sends()["u-000"]; n != 0 {
		t.Errorf("sent %d times while another worker held it", n)
	}
	if r := outcomeOf(t, results, "u-000"); r.GraphID != "graph-theirs" {
		t.Errorf("result %+v, want the other worker's", r)
	}
}

// A mark taken over from a worker that stopped between sending and recording: the user is
// read again, and what is already gone is not sent again.
func TestEngineReadsATakenOverUserAgain(t *testing.T) {
	t.Parallel()
	g := newEngineRig(t)
	g.ledger.claims["u-bob"] = []Claim{{Claimed: true, TookOver: true, SendBy: g.t0.Add(time.Minute)}}
	if _, err := g.dir.RemoveLicenses(context.Background(), "u-bob", []string{skuE3}); err != nil { // the stopped worker's call
		t.Fatal(err)
	}
	units := e3For("u-bob")
	units[0].items = append(units[0].items, unitItem{SKUID: skuPBI, Name: "Power BI Pro"})
	results, err := g.run(units)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.graph.batches) != 1 || len(g.graph.batches[0]) != 1 {
		t.Fatalf("batches %v, want one call for bob", g.graph.batches)
	}
	byProduct := map[string]Outcome{}
	for _, r := range results["u-bob"] {
		byProduct[r.SKUID] = r.Outcome
	}
	if byProduct[skuE3] != OutcomeRemoved || byProduct[skuPBI] != OutcomeRemoved || len(results["u-bob"]) != 2 {
		t.Errorf("results %+v, want E3 (found gone) and Power BI (sent) removed", results["u-bob"])
	}
}

// The first result recorded is the truth: a worker that records second reports the first.
func TestEngineKeepsTheResultRecordedFirst(t *testing.T) {
	t.Parallel()
	g := newEngineRig(t)
	g.ledger.others["u-000"] = []Result{{UserID: "u-000", SKUID: skuE3, Outcome: OutcomeSkipped, Reason: "recorded first"}}
	results, err := g.run(e3For("u-000"))
	if err != nil {
		t.Fatal(err)
	}
	if r := outcomeOf(t, results, "u-000"); r.Reason != "recorded first" {
		t.Errorf("result %+v, want the one recorded first", r)
	}
}

// Without the state before it (for undo), a removal is not sent: the mark is given back and
// the user tried again a second later.
func TestEngineSendsNoUserWithoutItsUndoSnapshot(t *testing.T) {
	t.Parallel()
	g := newEngineRig(t)
	g.ledger.noSnaps = 1
	units := e3For("u-000")
	units[0].snapshot = []byte(`[{"skuId":"` + skuE3 + `"}]`)
	if _, err := g.run(units); err != nil {
		t.Fatal(err)
	}
	if len(g.graph.sentAt) != 1 || g.graph.sentAt[0].Before(g.t0.Add(time.Second)) {
		t.Errorf("sent at %v, want once, after the snapshot was kept a second later", g.graph.sentAt)
	}
	snaps, _ := g.ledger.Snapshots(context.Background(), "req0000000000000001")
	if len(snaps["u-000"]) == 0 || strings.Join(g.ledger.released, ",") != "u-000" {
		t.Errorf("snapshot %q, released %v", snaps["u-000"], g.ledger.released)
	}
}

// A panic while sending a batch stops the attempt: what its calls did is unknown, so the
// users keep their marks and no result is made up.
func TestEngineStopsTheAttemptOnAPanic(t *testing.T) {
	t.Parallel()
	g := newEngineRig(t)
	g.graph.panics = true
	results, err := g.run(e3For("u-000", "u-001"))
	if !errors.As(err, new(errPanic)) {
		t.Fatalf("err %v, want the panic", err)
	}
	if len(results) != 0 {
		t.Errorf("results %+v after a panic", results)
	}
}

// What each of Graph's answers means for the product, and what the admin reads.
func TestEngineOutcomeOfEachAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		undo      bool
		uncertain bool // an earlier call got no answer
		userOwned bool
		want      Outcome
		retryable bool
		reason    string
	}{
		{name: "removed", want: OutcomeRemoved},
		{name: "given back", undo: true, want: OutcomeRestored},
		{name: "not assigned after a call with no answer: that call did it", err: licensing.ErrNotAssigned, uncertain: true, want: OutcomeRemoved},
		{name: "now inherited", err: licensing.ErrInherited, want: OutcomeSkipped, reason: "now inherited from a group"},
		{name: "removed meanwhile", err: licensing.ErrNotAssigned, want: OutcomeSkipped, reason: "no longer assigned"},
		{name: "user gone", err: licensing.ErrUserNotFound, want: OutcomeSkipped, reason: "no longer exists"},
		{name: "user gone, for an undo", err: licensing.ErrUserNotFound, undo: true, want: OutcomeFailed, reason: "no longer exists"},
		{name: "product gone", err: licensing.ErrUnknownSKU, want: OutcomeFailed, reason: "no longer has this product"},
		{name: "no seat", err: licensing.ErrNoSeats, want: OutcomeFailed, retryable: true, reason: "no free seat"},
		{name: "no usage location", err: licensing.ErrUsageLocation, want: OutcomeFailed, reason: "no usage location"},
		{name: "throttled to the end", err: &licensing.ThrottledError{RetryAfter: time.Second}, want: OutcomeFailed, retryable: true, reason: "kept throttling after 1 tries"},
		{name: "no answer", err: licensing.ErrUnavailable, want: OutcomeFailed, retryable: true, reason: "didn't answer after 1 tries"},
		{name: "a panic while sending", err: errPanic{what: "sending", value: "nil"}, want: OutcomeFailed, retryable: true, reason: "failed unexpectedly"},
		{name: "refused, a user-owned product", err: &licensing.GraphError{Status: 400}, userOwned: true, want: OutcomeFailed, retryable: true, reason: "take the subscription over first"},
		{name: "refused for want of a permission", err: licensing.ErrForbidden, want: OutcomeFailed, reason: "lacks the permission"},
		{name: "refused otherwise", err: errors.New("400 Bad Request"), want: OutcomeFailed, reason: "refused the change"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newEngineRig(t)
			e := &engine{s: g.svc, r: &Request{ID: "req0000000000000001"}, undo: tt.undo}
			u := e3For("u-000")[0]
			u.uncertain = tt.uncertain
			it := u.items[0]
			it.UserOwned = tt.userOwned
			r := e.result(u, it, "graph-1", tt.err)
			if r.Outcome != tt.want || r.Retryable != tt.retryable || !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("%s (retryable %v, %q); want %s (retryable %v, %q)", r.Outcome, r.Retryable, r.Reason, tt.want, tt.retryable, tt.reason)
			}
			if tt.reason == "" && r.Reason != "" {
				t.Errorf("reason %q, want none", r.Reason)
			}
		})
	}
}
