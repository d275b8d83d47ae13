package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/licensebot/licensebot/licensing"
)

// The ledger's protocol for one user (store/doc.go, "Jobs"): claim the in-flight mark
// before sending, read the user again after a takeover, record the result once, release
// the mark only when the call certainly did not take effect.

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
			res = e.failAll(u, false, "result.unreadable")
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
		return e.record(ctx, u, e.failAll(u, false, "result.user_gone"))
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

// settling is the context for recording what a call did, or giving back a mark it no longer
// needs: a job that is stopping still records (the next worker would otherwise have to read
// the user again, or wait for the mark to go stale), within a bound of its own.
func settling(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
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
