package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
)

// execute runs an approved request: it claims it (approved → running, once, whoever else
// tries), removes the licenses user by user with the results checkpointed in the request,
// and reports. It returns the text for the message the decision came from (clicked), which
// the click's reply replaces; the other approval messages are edited here.
func (s *Service) execute(ctx context.Context, r *Request, st Stored, clicked bot.MessageRef) bot.Message {
	r.State = StateRunning
	st, err := s.save(ctx, r, st)
	if err != nil {
		// Another click or replica started it, or the store failed before anything was removed.
		cur, _, lerr := s.load(ctx, r.ID)
		if lerr != nil {
			return s.explain(ctx, err)
		}
		return stateMessage(cur, s.opts.Location)
	}
	s.Logger.InfoContext(ctx, "removing licenses", "request", r.ID, "removals", r.Plan.Removals())

	var results []Result
	for _, up := range r.Plan.Users {
		for _, it := range up.Skip {
			results = append(results, Result{UserID: up.User.ID, UPN: userLabel(up), SKUID: it.SKUID, Product: it.Name,
				Outcome: OutcomeSkipped, Reason: skipReason(it), At: s.Now()})
			s.Metrics.Removal(string(OutcomeSkipped))
		}
		if len(up.Remove) == 0 {
			continue
		}
		userResults := s.removeUser(ctx, up)
		for _, res := range userResults {
			s.Metrics.Removal(string(res.Outcome))
			s.audit(ctx, r, string(res.Outcome), Person{}, map[string]string{
				"user": res.UPN, "sku": res.SKUID, "graph_request_id": res.GraphID, "reason": res.Reason,
			})
		}
		results = append(results, userResults...)
		// Checkpoint, so a status asked meanwhile (or a later resume) sees what is done.
		st, err = s.update(ctx, r.ID, st, func(cur *Request) { cur.Results = results })
		if err != nil {
			s.Logger.ErrorContext(ctx, "checkpoint results", "request", r.ID, "err", err)
		}
	}

	now := s.Now()
	r.Results = results
	r.State = finalState(results)
	r.FinishedAt = now
	var products []licensing.TenantProduct
	products, perr := s.Directory.Products(ctx)
	if perr != nil {
		s.Logger.WarnContext(ctx, "read seats after removal", "request", r.ID, "err", perr)
	}
	report := outcomeMessage(r, s.removedNotices(r, now), s.seats(r, products, perr), s.opts)
	r.Report = &report
	final, err := s.update(ctx, r.ID, st, func(cur *Request) {
		cur.State, cur.Results, cur.FinishedAt, cur.Report = r.State, r.Results, r.FinishedAt, r.Report
	})
	if err != nil {
		s.Logger.ErrorContext(ctx, "store the outcome", "request", r.ID, "err", err)
	} else if cur, derr := decodeRequest(final); derr == nil {
		r = cur
	}
	s.audit(ctx, r, "finished", Person{}, map[string]string{"state": string(r.State)})

	if _, err := s.Notifier.Post(ctx, bot.Destination{Actor: &r.Requester.Actor}, report); err != nil {
		s.Logger.ErrorContext(ctx, "post the outcome to the requester", "request", r.ID, "err", err)
	}
	for _, ref := range r.Approvals {
		if _, err := s.Notifier.Post(ctx, bot.Destination{Thread: &ref}, report); err != nil {
			s.Logger.WarnContext(ctx, "post the outcome under the approval", "request", r.ID, "err", err)
		}
	}
	decided := stateMessage(r, s.opts.Location)
	s.updateApprovals(ctx, r, decided, clicked)
	return decided
}

// update applies change to the stored request, reading it again if it moved meanwhile.
func (s *Service) update(ctx context.Context, id string, st Stored, change func(*Request)) (Stored, error) {
	for range 10 {
		cur, err := decodeRequest(st)
		if err != nil {
			return st, err
		}
		change(cur)
		next, err := s.save(ctx, cur, st)
		if !errors.Is(err, ErrConflict) {
			return next, err
		}
		st = next
	}
	return st, fmt.Errorf("update request %s: %w", id, ErrConflict)
}

// removeUser removes the user's planned licenses in one assignLicense call; when Graph
// refuses it for one product, each product is tried alone so the others still go and each
// refusal is named.
func (s *Service) removeUser(ctx context.Context, up licensing.UserPlan) []Result {
	skus := up.RemovedSKUIDs()
	graphID, attempts, err := s.removeWithRetry(ctx, up.User.ID, skus)
	if err != nil && len(skus) > 1 && isPerProduct(err) {
		var out []Result
		for _, it := range up.Remove {
			id, n, err := s.removeWithRetry(ctx, up.User.ID, []string{it.SKUID})
			out = append(out, s.result(up, it, id, n, err))
		}
		return out
	}
	out := make([]Result, 0, len(up.Remove))
	for _, it := range up.Remove {
		out = append(out, s.result(up, it, graphID, attempts, err))
	}
	return out
}

// removeWithRetry waits out throttling (Graph's Retry-After, capped) and retries a failing
// Graph with jittered backoff, a bounded number of times. Retries live here, not in the
// Graph client, so that they are decided once.
func (s *Service) removeWithRetry(ctx context.Context, userID string, skus []string) (string, int, error) {
	var err error
	for attempt := 1; ; attempt++ {
		var graphID string
		graphID, err = s.Remover.RemoveLicenses(ctx, userID, skus)
		if err == nil {
			return graphID, attempt, nil
		}
		if attempt >= s.opts.RemoveAttempts || ctx.Err() != nil {
			return graphRequestID(err), attempt, err
		}
		var throttled *licensing.ThrottledError
		var wait time.Duration
		switch {
		case errors.As(err, &throttled):
			wait = min(max(throttled.RetryAfter, time.Second), s.opts.MaxRetryWait)
			s.Metrics.ThrottleWait(wait)
		case errors.Is(err, licensing.ErrUnavailable):
			wait = backoff(attempt - 1)
		default:
			return graphRequestID(err), attempt, err
		}
		if serr := s.Sleep(ctx, wait); serr != nil {
			return "", attempt, err
		}
	}
}

func (s *Service) result(up licensing.UserPlan, it licensing.Item, graphID string, attempts int, err error) Result {
	res := Result{UserID: up.User.ID, UPN: userLabel(up), SKUID: it.SKUID, Product: it.Name, GraphID: graphID, At: s.Now(), Attempts: attempts}
	var throttled *licensing.ThrottledError
	switch {
	case err == nil:
		res.Outcome = OutcomeRemoved
	case errors.Is(err, licensing.ErrInherited):
		res.Outcome, res.Reason = OutcomeSkipped, "it is now inherited from a group, so it can't be removed from the user directly"
	case errors.Is(err, licensing.ErrNotAssigned):
		res.Outcome, res.Reason = OutcomeSkipped, "it was no longer assigned (removed by someone else meanwhile)"
	case errors.Is(err, licensing.ErrUserNotFound):
		res.Outcome, res.Reason = OutcomeSkipped, "the user no longer exists"
	case errors.Is(err, licensing.ErrUnknownSKU):
		res.Outcome, res.Reason = OutcomeFailed, "the organisation no longer has this product"
	case errors.As(err, &throttled):
		res.Outcome, res.Reason, res.Retryable = OutcomeFailed, fmt.Sprintf("Microsoft Graph kept throttling after %d tries", attempts), true
	case errors.Is(err, licensing.ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		res.Outcome, res.Reason, res.Retryable = OutcomeFailed, fmt.Sprintf("Microsoft Graph didn't answer after %d tries", attempts), true
	default:
		res.Outcome, res.Reason = OutcomeFailed, "Microsoft Graph refused the change"
		s.Logger.Error("unexpected removal error", "user", up.User.ID, "sku", it.SKUID, "err", err)
	}
	return res
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

func finalState(results []Result) State {
	removed, failed := 0, 0
	for _, r := range results {
		switch r.Outcome {
		case OutcomeRemoved:
			removed++
		case OutcomeFailed:
			failed++
		}
	}
	switch {
	case failed == 0:
		return StateDone
	case removed > 0:
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
			out[up.User.ID] = licensing.Notices(up.User, skus, at, s.opts.Location, s.Catalogue)
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

func skipReason(it licensing.Item) string {
	switch it.Skip {
	case licensing.SkipInherited:
		return "inherited from " + groupNames(it.Groups) + ": remove the user from the group (or the license from the group) instead"
	case licensing.SkipSelfService:
		return "a self-service purchase: an admin must take over the subscription before unassigning it"
	case licensing.SkipNotAssigned:
		return "not assigned to this user"
	case licensing.SkipUserNotFound:
		return "no such user"
	}
	return ""
}
