package handlers

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
)

// jobWorld is a world whose approved requests run as jobs on an in-memory queue, with its
// machine time driven by the test.
type jobWorld struct {
	*world
	jobs  *memJobs
	ticks *manualTime
	audit *memAudit
	log   *syncBuffer
}

func newJobWorld(t *testing.T, o Options) *jobWorld {
	t.Helper()
	w := newWorld(t, o)
	jw := &jobWorld{world: w, jobs: newMemJobs(), ticks: &manualTime{clk: w.clk}, audit: &memAudit{}, log: &syncBuffer{}}
	w.svc.Jobs, w.svc.Audit, w.svc.machine = jw.jobs, jw.audit, jw.ticks.machine()
	w.svc.Logger = slog.New(slog.NewTextHandler(jw.log, nil))
	return jw
}

// runWorkers runs n workers until stop is called (or the test ends); stopped is closed once
// they have all stopped.
func (w *jobWorld) runWorkers(t *testing.T, n int) (stop context.CancelFunc, stopped <-chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.svc.RunWorkers(ctx, "worker", n)
	}()
	t.Cleanup(func() { cancel(); receive(t, "the workers to stop", done) })
	return cancel, done
}

// approve makes, confirms and approves the removal of Bob's Power BI Pro and returns the
// request's id.
func (w *jobWorld) approve(t *testing.T) string {
	t.Helper()
	plan := w.command("adele", `bob@contoso.example -p POWER_BI_PRO`)
	id := button(t, plan, ActionConfirm).Value
	w.press("adele", button(t, plan, ActionConfirm))
	mustContain(t, w.press("megan", button(t, w.approvalRequest().Msg, ActionApprove)).Message, "Removing the licenses now")
	return id
}

func (w *jobWorld) outcomesTo(id string) int {
	n := 0
	for _, p := range w.out.all() {
		if p.To.Actor != nil && strings.HasPrefix(p.Msg.Text, "Request "+id+":") {
			n++
		}
	}
	return n
}

func count(actions []string, a string) int {
	n := 0
	for _, x := range actions {
		if x == a {
			n++
		}
	}
	return n
}

func TestAQueuedJobRunsToItsOutcomeOnceAndIsAcknowledged(t *testing.T) {
	t.Parallel()
	w := newJobWorld(t, Options{})
	w.runWorkers(t, 2)
	id := w.approve(t)
	if got := receive(t, "the job queued", w.jobs.enqueued); got != id {
		t.Fatalf("queued %s, want %s", got, id)
	}
	receive(t, "the job acknowledged", w.jobs.acked)
	mustContain(t, w.command("adele", "status "+id), "Done: 1 removed, 0 skipped, 0 failed")
	if n := w.dir.removalCount(); n != 1 {
		t.Errorf("%d removals, want 1", n)
	}
	if n := w.outcomesTo(id); n != 1 {
		t.Errorf("outcome posted %d times to the requester, want 1", n)
	}
	for _, a := range []string{"started", "finished"} {
		if n := count(w.audit.actions(), a); n != 1 {
			t.Errorf("%q audited %d times, want 1", a, n)
		}
	}
}

// A worker whose heartbeat finds its job taken over stops at once: it sends nothing more,
// and leaves the job (and the outcome) to the new holder.
func TestAWorkerWhoseJobIsTakenOverStopsWithoutAcknowledging(t *testing.T) {
	t.Parallel()
	w := newJobWorld(t, Options{})
	ledger := &stallingLedger{Ledger: w.svc.Ledger, claiming: make(chan string, 10)}
	w.svc.Ledger = ledger
	w.jobs.lost["job-1"] = true
	w.runWorkers(t, 1)
	id := w.approve(t)
	receive(t, "a user claimed", ledger.claiming)
	w.ticks.tick(t, w.svc.opts.JobIdle/3) // the heartbeat: ErrJobLost
	eventually(t, "the worker to give the job up", func() bool { return strings.Contains(w.log.String(), "job taken over by another worker") })
	select {
	case j := <-w.jobs.acked:
		t.Fatalf("job %s acknowledged by a worker that lost it", j)
	default:
	}
	mustContain(t, w.command("adele", "status "+id), "Removing the licenses now")
	if n := w.dir.removalCount(); n != 0 {
		t.Errorf("%d removals sent by a worker that lost its job", n)
	}
}

// A worker stopped by its replica (shutdown) hands its job back at once, for another worker,
// instead of leaving it idle until JobIdle.
func TestAStoppingWorkerHandsItsJobBack(t *testing.T) {
	t.Parallel()
	w := newJobWorld(t, Options{})
	gate := newGatedRemover(w.dir)
	w.svc.Remover = gate
	stop, stopped := w.runWorkers(t, 1)
	id := w.approve(t)
	receive(t, "the job queued", w.jobs.enqueued)
	receive(t, "the removal sent", gate.waiting)
	stop() // the call in flight goes on to its answer, recorded; nothing new starts
	close(gate.open)
	if got := receive(t, "the job queued again", w.jobs.enqueued); got != id {
		t.Fatalf("queued %s again, want %s", got, id)
	}
	if got := receive(t, "the old job acknowledged", w.jobs.acked); got != "job-1" {
		t.Fatalf("acknowledged %s, want job-1", got)
	}
	receive(t, "the workers to stop", stopped)
	mustContain(t, w.command("adele", "status "+id), "Removing the licenses now")
}

// A job that stopped its worker every time (JobAttempts) is not run again: the users without
// a result are reported failed, and nothing is sent.
func TestAJobThatKeepsStoppingItsWorkerIsGivenUp(t *testing.T) {
	t.Parallel()
	w := newJobWorld(t, Options{JobAttempts: 3})
	w.jobs.firstAttempt = 4
	w.runWorkers(t, 1)
	id := w.approve(t)
	receive(t, "the job acknowledged", w.jobs.acked)
	mustContain(t, w.command("adele", "status "+id), "Failed: 0 removed, 0 skipped, 1 failed",
		"licensebot stopped 3 times while working on this request; check the user, then retry")
	if n := w.dir.removalCount(); n != 0 {
		t.Errorf("%d removals by a job given up", n)
	}
}

// However many workers run one request at once, each user is changed once, and the request
// is started and finished once.
func TestRacingWorkersRecordTheOutcomeOnce(t *testing.T) {
	t.Parallel()
	w := newJobWorld(t, Options{})
	id := w.approve(t) // queued; nobody takes it: the workers below are called directly
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if err := w.svc.execute(context.Background(), id, "worker/"+string(rune('a'+i)), 1, bot.MessageRef{}); err != nil {
				t.Errorf("execute: %v", err)
			}
		})
	}
	wg.Wait()
	mustContain(t, w.command("adele", "status "+id), "Done: 1 removed")
	if n := w.dir.removalCount(); n != 1 {
		t.Errorf("%d removals, want 1", n)
	}
	// Delivered at least once: workers that both find the recorded outcome undelivered
	// both post it (deliver marks Delivered after posting, by compare-and-set).
	if n := w.outcomesTo(id); n < 1 {
		t.Errorf("outcome posted %d times, want at least 1", n)
	}
	a := w.audit.actions()
	if count(a, "started") != 1 || count(a, "finished") != 1 || count(a, "removed") != 1 {
		t.Errorf("audit %v: want one started, one removed, one finished", a)
	}
}

// The progress edits of all of a replica's jobs share a budget per minute, refilled as time
// passes.
func TestTheEditBudgetRefillsWithTime(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		takes []struct {
			after time.Duration
			n     int
		}
		want []bool
	}{
		{"a full minute's budget at first", []struct {
			after time.Duration
			n     int
		}{{0, 40}, {0, 1}}, []bool{true, false}},
		{"refilled by the time that passes", []struct {
			after time.Duration
			n     int
		}{{0, 40}, {3 * time.Second, 2}, {0, 1}}, []bool{true, true, false}},
		{"never more than a minute's", []struct {
			after time.Duration
			n     int
		}{{0, 1}, {time.Hour, 40}, {0, 1}}, []bool{true, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := &editBudget{perMin: 40}
			at := t0
			var got []bool
			for _, tk := range tt.takes {
				at = at.Add(tk.after)
				got = append(got, b.take(at, tk.n))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("took %v, want %v", got, tt.want)
			}
		})
	}
}

// Progress edits keep within each platform's own rate (EditRates), not one for all.
func TestProgressEditsKeepToEachPlatformsRate(t *testing.T) {
	t.Parallel()
	w := newWorld(t, Options{})
	w.out.rates = map[string]int{"slack": 2, "discord": 60}
	slack, discord := w.svc.editBudget("slack"), w.svc.editBudget("discord")
	if slack.perMin != 2 || discord.perMin != 60 {
		t.Fatalf("budgets %v and %v a minute, want 2 and 60", slack.perMin, discord.perMin)
	}
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	for i := range 2 {
		if !slack.take(now, 1) {
			t.Fatalf("edit %d refused within Slack's rate", i+1)
		}
	}
	if slack.take(now, 1) {
		t.Fatal("a third Slack edit in the same minute")
	}
	if !discord.take(now, 1) {
		t.Fatal("Discord's budget spent by Slack's edits")
	}
	if got := w.svc.editBudget("console").perMin; got != float64(w.svc.opts.ProgressPerMinute) {
		t.Fatalf("a platform that says no rate gets %v, want the default %d", got, w.svc.opts.ProgressPerMinute)
	}
}
