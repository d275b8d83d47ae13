package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// The executor: an approved request becomes a job on the durable queue (Jobs); workers in
// every replica take jobs, heartbeat while they work, and a job whose worker stopped is
// taken over by another after Options.JobIdle. The engine (engine.go) makes each user's
// change single across all of them through the ledger.

// WorkerName names one worker process uniquely across replicas and restarts: host, pid and
// a random suffix. In-flight marks are held in this name.
func WorkerName() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", firstNonEmpty(host, "licensebot"), os.Getpid(), hex.EncodeToString(b[:]))
}

// start runs an approved request: as a job when there is a queue, else at once. It returns
// the message for the clicked message.
func (s *Service) start(ctx context.Context, r *Request, clicked bot.MessageRef) bot.Message {
	if s.Jobs == nil {
		worker := "inline-" + r.ID
		if err := s.execute(ctx, r.ID, worker, 1, clicked); err != nil {
			s.Logger.ErrorContext(ctx, "execute request", "request", r.ID, "err", err)
		}
		cur, _, err := s.load(ctx, r.ID)
		if err != nil {
			return s.explain(ctx, err)
		}
		return stateMessage(langIn(ctx), cur, s.opts.Location)
	}
	// Should the queue fail now, the sweeper finds the request still approved and queues it
	// (save scheduled that check before the approval was written).
	msg := stateMessage(langIn(ctx), r, s.opts.Location)
	if _, err := s.Jobs.EnqueueJob(ctx, r.ID); err != nil {
		s.Logger.ErrorContext(ctx, "queue the job", "request", r.ID, "err", err)
		msg.Warnings = append(msg.Warnings, say(ctx, "I couldn't queue the removal just now; it starts by itself within a few minutes. /unassign status %s shows where it is.", r.ID))
	}
	s.updateApprovals(ctx, r, s.stateOf(r), clicked)
	return msg
}

// startGrace is how long an approved request may wait for a worker before the sweeper
// queues it again (its first queueing may have failed).
const startGrace = 2 * time.Minute

// RunWorkers runs n workers, each taking jobs from the queue until ctx ends; a worker
// stopped by ctx hands its job back (it resumes on another replica). It returns when all
// have stopped.
func (s *Service) RunWorkers(ctx context.Context, worker string, n int) {
	if s.Jobs == nil {
		return
	}
	var wg sync.WaitGroup
	for i := range max(n, 1) {
		name := fmt.Sprintf("%s/%d", worker, i)
		wg.Go(func() { s.work(ctx, name) })
	}
	wg.Wait()
}

func (s *Service) work(ctx context.Context, worker string) {
	// Reclaim first, so that a stopped worker's job is not left behind new ones.
	lastReclaim := time.Time{}
	for ctx.Err() == nil {
		var job Job
		var ok bool
		var err error
		if time.Since(lastReclaim) >= s.opts.JobIdle/4 {
			lastReclaim = time.Now()
			job, ok, err = s.Jobs.ReclaimJob(ctx, worker, s.opts.JobIdle)
		}
		if err == nil && !ok {
			job, ok, err = s.Jobs.NextJob(ctx, worker, min(2*time.Second, s.opts.JobIdle/4))
		}
		if err != nil {
			if ctx.Err() == nil {
				s.Logger.WarnContext(ctx, "take a job", "worker", worker, "err", err)
				_ = s.Sleep(ctx, time.Second)
			}
			continue
		}
		if ok {
			s.runJob(ctx, worker, job)
		}
	}
}

// runJob executes one job with a heartbeat and acknowledges it when the request is
// finished. A job lost to another worker, or stopped by ctx, is not acknowledged.
func (s *Service) runJob(ctx context.Context, worker string, job Job) {
	ctx = withRequest(ctx, job.RequestID)
	jobCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		t := time.NewTicker(s.opts.JobIdle / 3)
		defer t.Stop()
		for {
			select {
			case <-jobCtx.Done():
				return
			case <-t.C:
				hbCtx, done := context.WithTimeout(jobCtx, s.opts.JobIdle/3)
				err := s.Jobs.ExtendJob(hbCtx, worker, job.ID)
				done()
				if errors.Is(err, ErrJobLost) {
					cancel(ErrJobLost)
					return
				}
				if err != nil && jobCtx.Err() == nil {
					s.Logger.WarnContext(jobCtx, "job heartbeat", "request", job.RequestID, "err", err)
				}
			}
		}
	}()
	s.Metrics.JobRunning(1)
	err := func() (err error) {
		// A panic fails this attempt; the job is not acknowledged, comes back, and is given
		// up after JobAttempts (giveUp): it can't take every replica's workers down in turn.
		defer s.recovered(jobCtx, "running a job", &err)
		return s.execute(jobCtx, job.RequestID, worker, job.Attempt, bot.MessageRef{})
	}()
	s.Metrics.JobRunning(-1)
	cancel(nil)
	<-beat
	switch {
	case err == nil:
		ackCtx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer done()
		if err := s.Jobs.AckJob(ackCtx, job.ID); err != nil {
			s.Logger.WarnContext(ctx, "acknowledge job", "request", job.RequestID, "err", err)
		}
	case errors.Is(context.Cause(jobCtx), ErrJobLost):
		s.Logger.InfoContext(ctx, "job taken over by another worker", "request", job.RequestID)
	case ctx.Err() != nil:
		// Hand the job back now rather than after JobIdle: queue it again and drop ours.
		hbCtx, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer done()
		if _, err := s.Jobs.EnqueueJob(hbCtx, job.RequestID); err == nil {
			_ = s.Jobs.AckJob(hbCtx, job.ID)
		}
		s.Logger.InfoContext(ctx, "job handed back for another worker", "request", job.RequestID)
	default:
		s.Logger.ErrorContext(ctx, "job", "request", job.RequestID, "attempt", job.Attempt, "err", err)
	}
}

// execute runs the request id to its end: it moves it to running (once), sends each
// user's change through the engine, records the outcome (once) and delivers it; clicked,
// when run inside a click, is the message the click's reply replaces.
func (s *Service) execute(ctx context.Context, id, worker string, attempt int, clicked bot.MessageRef) error {
	r, st, err := s.load(ctx, id)
	var refusal *Refusal
	if errors.As(err, &refusal) {
		return nil // gone: nothing to do
	}
	if err != nil {
		return err
	}
	switch {
	case r.State == StateApproved:
		r.State = StateRunning
		r.StartedAt = s.Now()
		running, err := s.save(ctx, r, st)
		if err != nil {
			if errors.Is(err, ErrConflict) {
				return s.execute(ctx, id, worker, attempt, clicked) // another worker started it
			}
			return err
		}
		if len(r.Approvals) == 0 && r.Progress == nil {
			// Nothing to edit with progress (no approval step): a message of its own, posted
			// by the one worker that started the request.
			l := s.langFor(r.Requester.Actor.Locale)
			ref, err := s.Notifier.Post(ctx, bot.Destination{Actor: &r.Requester.Actor}, progressMessage(l, r, progressCounts{}, s.opts.Location))
			if err == nil && ref.ID != "" {
				r.Progress = &ref
				if _, err := s.save(ctx, r, running); err != nil {
					// Only the progress edits are lost; the outcome still reaches the requester.
					s.Logger.WarnContext(ctx, "remember the progress message", "request", r.ID, "err", err)
				}
			}
		}
		s.audit(ctx, r, "started", Person{}, map[string]string{"worker": worker, "round": fmt.Sprint(r.Round)})
		s.Logger.InfoContext(ctx, "executing", "request", r.ID, "kind", string(r.Kind), "round", r.Round, "worker", worker)
	case r.State == StateRunning:
		s.Logger.InfoContext(ctx, "resuming", "request", r.ID, "attempt", attempt, "worker", worker)
	case r.State.Final():
		return s.deliver(ctx, r.ID, clicked)
	default:
		s.Logger.WarnContext(ctx, "job for a request that isn't approved: dropped", "request", r.ID, "state", string(r.State))
		return nil
	}

	units := s.units(r)
	var results map[string][]Result
	if attempt > s.opts.JobAttempts {
		// This request stopped its worker every time: report what is known, the rest failed.
		results, err = s.giveUp(ctx, r, units, attempt)
	} else {
		e := &engine{s: s, r: r, worker: worker, undo: r.Kind == KindUndo}
		if clicked.IsZero() {
			e.progress = s.progressReporter(ctx, r, len(units))
		}
		results, err = e.run(ctx, units)
	}
	if err != nil {
		return err
	}
	if _, err := s.finish(ctx, r.ID, results); err != nil {
		return err
	}
	return s.deliver(ctx, r.ID, clicked)
}

// units are the users the request's current round changes.
func (s *Service) units(r *Request) []*unit {
	retry := map[string]bool{}
	for _, id := range r.Retry {
		retry[id] = true
	}
	// On a retry, only the products that failed, and remember a call that may have worked.
	failed := map[string][]Result{}
	if r.Round > 0 {
		for _, res := range r.Results {
			if res.Outcome == OutcomeFailed && retry[res.UserID] {
				failed[res.UserID] = append(failed[res.UserID], res)
			}
		}
	}
	pick := func(u *unit, items []unitItem) *unit {
		if r.Round == 0 {
			u.items = items
			return u
		}
		for _, it := range items {
			for _, f := range failed[u.userID] {
				if f.SKUID == it.SKUID {
					u.items = append(u.items, it)
					u.uncertain = u.uncertain || f.Uncertain
				}
			}
		}
		return u
	}
	var out []*unit
	if r.Kind == KindUndo {
		for _, ur := range r.Restores {
			if len(ur.Products) == 0 || (r.Round > 0 && !retry[ur.UserID]) {
				continue
			}
			items := make([]unitItem, len(ur.Products))
			for i, p := range ur.Products {
				items[i] = unitItem{SKUID: p.SKUID, Name: p.Name, DisabledPlans: p.DisabledPlans}
			}
			if u := pick(&unit{key: unitKey(r.Round, ur.UserID), userID: ur.UserID, label: ur.UPN}, items); len(u.items) > 0 {
				out = append(out, u)
			}
		}
		return out
	}
	for _, up := range r.Plan.Users {
		if len(up.Remove) == 0 || (r.Round > 0 && !retry[up.User.ID]) {
			continue
		}
		items := make([]unitItem, len(up.Remove))
		for i, it := range up.Remove {
			items[i] = unitItem{SKUID: it.SKUID, Name: it.Name, UserOwned: it.UserOwned}
		}
		snap, _ := json.Marshal(snapshotOf(up.User))
		u := pick(&unit{key: unitKey(r.Round, up.User.ID), userID: up.User.ID, label: userLabel(up), snapshot: snap}, items)
		if len(u.items) > 0 {
			out = append(out, u)
		}
	}
	return out
}

func unitKey(round int, userID string) string {
	if round == 0 {
		return userID
	}
	return fmt.Sprintf("%s#%d", userID, round)
}

// giveUp reports the users without a recorded result as failed.
func (s *Service) giveUp(ctx context.Context, r *Request, units []*unit, attempt int) (map[string][]Result, error) {
	recorded, err := s.Ledger.Results(ctx, r.ID)
	if err != nil {
		return nil, fmt.Errorf("read the results recorded for request %s: %w", r.ID, errStore{err})
	}
	e := &engine{s: s, r: r, undo: r.Kind == KindUndo}
	out := map[string][]Result{}
	for _, u := range units {
		if res, err := decodeResults(recorded[u.key]); err == nil && recorded[u.key] != nil {
			out[u.key] = res
			continue
		}
		out[u.key] = e.failAll(u, true, "licensebot stopped %s times while working on this request; check the user, then retry", strconv.Itoa(attempt-1))
	}
	s.Logger.ErrorContext(ctx, "giving up on a request that stopped its worker repeatedly", "request", r.ID, "attempt", attempt)
	return out, nil
}

// finish records the outcome once: of all workers that get here, the compare-and-set lets
// one move the request out of running.
func (s *Service) finish(ctx context.Context, id string, byKey map[string][]Result) (*Request, error) {
	for range 10 {
		r, st, err := s.load(ctx, id)
		if err != nil {
			return nil, err
		}
		if r.State != StateRunning {
			return r, nil
		}
		now := s.Now()
		r.Results = s.mergeResults(r, byKey, now)
		r.State = finalState(r.Results)
		r.FinishedAt = now
		// The seats are read when the outcome is delivered, not here: the removal is done
		// and recorded without waiting for one more Graph read.
		report := s.report(s.shared(), r, nil)
		r.Report = &report
		r.Delivered = false
		_, err = s.save(ctx, r, st)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.audit(ctx, r, "finished", Person{}, map[string]string{"state": string(r.State), "round": fmt.Sprint(r.Round)})
		return r, nil
	}
	return nil, fmt.Errorf("finish request %s: %w", id, ErrConflict)
}

// mergeResults puts the round's results in the plan's order; a retry replaces the failed
// results of the users it re-ran.
func (s *Service) mergeResults(r *Request, byKey map[string][]Result, now time.Time) []Result {
	if r.Round > 0 {
		retried := map[string]bool{}
		for _, id := range r.Retry {
			retried[id] = true
		}
		var out []Result
		placed := map[string]bool{}
		for _, res := range r.Results {
			if res.Outcome != OutcomeFailed || !retried[res.UserID] {
				out = append(out, res)
				continue
			}
			if !placed[res.UserID] {
				placed[res.UserID] = true
				out = append(out, byKey[unitKey(r.Round, res.UserID)]...)
			}
		}
		return out
	}
	var out []Result
	if r.Kind == KindUndo {
		for _, ur := range r.Restores {
			out = append(out, byKey[unitKey(0, ur.UserID)]...)
			for _, m := range ur.Missing {
				r := Result{UserID: ur.UserID, UPN: ur.UPN, Product: m, Outcome: OutcomeFailed, At: now}
				r.because("there is no record of how it was assigned (the snapshot has expired), so it can't be put back exactly")
				out = append(out, r)
			}
		}
		return out
	}
	for _, up := range r.Plan.Users {
		for _, it := range up.Skip {
			// Said again from the plan's item in the reader's language (outcomeMessage).
			out = append(out, Result{UserID: up.User.ID, UPN: userLabel(up), SKUID: it.SKUID, Product: it.Name,
				Outcome: OutcomeSkipped, Reason: skipReason(english, it), At: now})
		}
		out = append(out, byKey[unitKey(0, up.User.ID)]...)
	}
	return out
}

// seatsNow are the seats a finished removal left unused, read from Graph.
func (s *Service) seatsNow(ctx context.Context, r *Request) (seats []licensing.SeatReport) {
	if r.Kind == KindUndo {
		return nil
	}
	// The seats are a courtesy of the report: whatever happens reading them, the outcome
	// is still delivered, without them.
	defer s.recovered(ctx, "reading the seats after a removal", nil)
	products, err := s.readProducts(ctx)
	if err != nil {
		s.Logger.WarnContext(ctx, "read seats after removal", "request", r.ID, "err", err)
	}
	return s.seats(r, products.list, err)
}

// report is the outcome message in l, with the seats now unused when known.
func (s *Service) report(l lang, r *Request, seats []licensing.SeatReport) bot.Message {
	if r.Kind == KindUndo {
		return undoOutcomeMessage(l, r, s.opts)
	}
	return outcomeMessage(l, r, s.removedNotices(r, r.FinishedAt), seats, s.opts)
}

// deliver posts the outcome of a finished request and edits its messages, once the
// outcome is recorded; a worker that stops before it's done leaves it to the next. What a
// chat platform refused is retried by the sweeper (deliveryRetry) and only that: the
// outcome is in the store meanwhile, and /unassign status shows it.
func (s *Service) deliver(ctx context.Context, id string, clicked bot.MessageRef) error {
	r, st, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if r.Delivered || r.Report == nil || !r.State.Final() {
		return nil
	}
	sent := map[string]bool{}
	for _, k := range r.Sent {
		sent[k] = true
	}
	seats := s.seatsNow(ctx, r)
	// Kept for status in the shared language; the requester gets it in theirs.
	shared := s.report(s.shared(), r, seats)
	r.Report = &shared
	requester := s.langFor(r.Requester.Actor.Locale)
	failed := 0
	step := func(key string, do func() error) {
		if sent[key] {
			return
		}
		err := func() (err error) {
			defer s.recovered(ctx, "delivering an outcome", &err)
			return do()
		}()
		var panicked errPanic
		if errors.As(err, &panicked) {
			// A bug, not a chat platform refusing: trying again every minute would only
			// fail again. Given up, and kept apart (status still shows the outcome).
			sent[key] = true
			r.Undelivered = append(r.Undelivered, key)
			return
		}
		if err != nil {
			failed++
			s.Logger.WarnContext(ctx, "deliver the outcome", "request", r.ID, "to", key, "err", err)
			return
		}
		sent[key] = true
		r.Sent = append(r.Sent, key)
	}
	step("requester", func() error {
		mine := s.report(requester, r, seats)
		mine.Buttons = s.outcomeButtons(requester, r)
		_, err := s.Notifier.Post(ctx, bot.Destination{Actor: &r.Requester.Actor}, mine)
		return err
	})
	for _, ref := range r.Approvals {
		step("thread:"+ref.Platform+"/"+ref.Channel+"/"+ref.ID, func() error {
			m := shared
			m.Buttons = s.outcomeButtons(s.shared(), r)
			_, err := s.Notifier.Post(ctx, bot.Destination{Thread: &ref}, m)
			return err
		})
	}
	step("edits", func() error {
		err := s.updateApprovals(ctx, r, s.stateOf(r), clicked)
		if r.Progress != nil {
			err = errors.Join(err, s.Notifier.Update(ctx, *r.Progress, stateMessage(requester, r, s.opts.Location)))
		}
		return err
	})
	switch {
	case failed == 0:
		r.Delivered = true
	case s.Now().After(r.FinishedAt.Add(deliveryGiveUp)):
		s.Logger.ErrorContext(ctx, "giving up delivering the outcome; /unassign status shows it", "request", r.ID, "missing", failed)
		r.Delivered = true
	case s.Deadlines != nil:
		if err := s.Deadlines.ScheduleDeadline(ctx, r.ID, s.Now().Add(deliveryRetry)); err != nil {
			s.Logger.WarnContext(ctx, "schedule the outcome's delivery", "request", r.ID, "err", err)
		}
	}
	if _, err := s.save(ctx, r, st); err != nil && !errors.Is(err, ErrConflict) {
		return err
	}
	return nil
}

// An outcome a chat platform refused is tried again every deliveryRetry, for deliveryGiveUp.
const (
	deliveryRetry  = time.Minute
	deliveryGiveUp = 24 * time.Hour
)

// progressCounts are users, not products: "N of M users done, K skipped, F failed".
type progressCounts struct{ Done, Total, Skipped, Failed int }

// progressReporter returns the engine's progress hook: it edits the request's messages
// with the counts, at most every Options.ProgressEvery, within the replica's budget of
// edits, and never two edits at once.
func (s *Service) progressReporter(ctx context.Context, r *Request, units int) func(map[string][]Result) {
	refs := append([]bot.MessageRef(nil), r.Approvals...)
	if r.Progress != nil {
		refs = append(refs, *r.Progress)
	}
	if len(refs) == 0 {
		return nil
	}
	var busy sync.Mutex
	last := progressCounts{Total: -1}
	lastAt := time.Time{}
	return func(byKey map[string][]Result) {
		c := progressCounts{Total: units}
		for _, res := range byKey {
			c.Done++
			skipped, failed := true, false
			for _, x := range res {
				skipped = skipped && x.Outcome == OutcomeSkipped
				failed = failed || x.Outcome == OutcomeFailed
			}
			if failed {
				c.Failed++
			} else if skipped {
				c.Skipped++
			}
		}
		if c == last || time.Since(lastAt) < s.opts.ProgressEvery || !busy.TryLock() {
			return
		}
		if !s.progressBudget.take(time.Now(), len(refs)) {
			busy.Unlock()
			return
		}
		last, lastAt = c, time.Now()
		shared := progressMessage(s.shared(), r, c, s.opts.Location)
		own := progressMessage(s.langFor(r.Requester.Actor.Locale), r, c, s.opts.Location)
		go func() {
			defer busy.Unlock()
			defer s.recovered(ctx, "editing progress", nil)
			editCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			for _, ref := range refs {
				msg := shared
				if r.Progress != nil && ref == *r.Progress {
					msg = own
				}
				if err := s.Notifier.Update(editCtx, ref, msg); err != nil {
					s.Logger.WarnContext(ctx, "edit progress", "request", r.ID, "err", err)
				}
			}
		}()
	}
}

// editBudget is a token bucket of message edits per minute, shared by a replica's jobs.
type editBudget struct {
	mu     sync.Mutex
	perMin float64
	tokens float64
	at     time.Time
}

func (b *editBudget) take(now time.Time, n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.at.IsZero() {
		b.tokens, b.at = b.perMin, now
	}
	b.tokens = min(b.perMin, b.tokens+now.Sub(b.at).Minutes()*b.perMin)
	b.at = now
	if b.tokens < float64(n) {
		return false
	}
	b.tokens -= float64(n)
	return true
}

// batchRemover is Graph's $batch when the remover has it, else one call per user.
func (s *Service) batchRemover() BatchRemover {
	if b, ok := s.Remover.(BatchRemover); ok {
		return b
	}
	return oneByOneRemover{s.Remover}
}

type oneByOneRemover struct{ r Remover }

func (o oneByOneRemover) RemoveLicensesBatch(ctx context.Context, rs []Removal) []RemovalResult {
	out := make([]RemovalResult, len(rs))
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Go(func() {
			out[i] = RemovalResult{UserID: r.UserID}
			defer func() {
				// No Service here to log and count it: the call's error says it, and the
				// engine records the user as failed, uncertain.
				if v := recover(); v != nil {
					out[i].Err = errPanic{what: "removing licenses", value: v}
				}
			}()
			out[i].RequestID, out[i].Err = o.r.RemoveLicenses(ctx, r.UserID, r.SKUIDs)
		})
	}
	wg.Wait()
	return out
}

// finalState is done when nothing failed, failed when nothing was changed and something
// failed, partly done otherwise.
func finalState(results []Result) State {
	changed, failed := 0, 0
	for _, r := range results {
		switch r.Outcome {
		case OutcomeRemoved, OutcomeRestored:
			changed++
		case OutcomeFailed:
			failed++
		}
	}
	switch {
	case failed == 0:
		return StateDone
	case changed > 0:
		return StatePartlyDone
	}
	return StateFailed
}

// removedNotices are the data-retention notices for what was really removed, dated from now.
func (s *Service) removedNotices(r *Request, at time.Time) map[string][]licensing.Notice {
	removed := map[string][]string{}
	for _, res := range r.Results {
		if res.Outcome == OutcomeRemoved {
			removed[res.UserID] = append(removed[res.UserID], res.SKUID)
		}
	}
	out := map[string][]licensing.Notice{}
	for _, up := range r.Plan.Users {
		if skus := removed[up.User.ID]; len(skus) > 0 {
			out[up.User.ID] = licensing.Notices(up.User, skus, at, s.noticeOptions())
		}
	}
	return out
}

func (s *Service) seats(r *Request, products []licensing.TenantProduct, err error) []licensing.SeatReport {
	if err != nil {
		return nil
	}
	freed := map[string]int{}
	for _, res := range r.Results {
		if res.Outcome == OutcomeRemoved {
			freed[res.SKUID]++
		}
	}
	if len(freed) == 0 {
		return nil
	}
	return licensing.Seats(products, freed, s.Catalogue)
}

func userLabel(up licensing.UserPlan) string {
	if up.Found {
		return up.User.UserPrincipalName
	}
	return up.Query
}

func skipReason(l lang, it licensing.Item) string {
	switch it.Skip {
	case licensing.SkipInherited:
		return l.T("inherited from %s: remove the user from the group (or the license from the group) instead", groupNames(l, it.Groups))
	case licensing.SkipSelfService:
		return l.T("a self-service purchase: an admin must take over the subscription before unassigning it")
	case licensing.SkipNotAssigned:
		return l.T("not assigned to this user")
	case licensing.SkipUserNotFound:
		return l.T("no such user")
	}
	return ""
}
